"""Alembic migrations for smsbot; `smsbot db upgrade` applies them."""
