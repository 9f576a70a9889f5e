"""The audit log: rows written in the caller's transaction (log.py), sealed in a hash chain (chain.py)."""
