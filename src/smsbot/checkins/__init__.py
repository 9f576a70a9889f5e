"""The peer side: enrollment, schedules, check-in replies and the escalation ladder."""
