"""The clock side: one tick claims due work (check-ins, escalations, sends, clean-up)."""
