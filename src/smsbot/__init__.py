"""smsbot: an SMS line for harm reduction."""
