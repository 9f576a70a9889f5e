"""Operator tasks run from the command line: key rotation and database backups."""
