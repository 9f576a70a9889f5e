"""A text arrives: the Twilio webhook, signatures, idempotency, TwiML, and `smsbot chat`."""
