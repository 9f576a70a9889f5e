"""The only code that talks to Twilio: the outbox, senders (Twilio REST, console) and pacing."""
