"""Peer alerts: what the check-in ladder raises for a peer (no answer, a call request, could not reach),
its escalation to the on-call peer, and the staff's side of it (list, acknowledge). Not drug-supply
alerts, which are smsbot.supply."""
