"""smsbot test suite."""
