#!/bin/sh
# Apply migrations (one process at a time: PostgreSQL takes an advisory lock), then run the command.
set -e
smsbot db upgrade
exec smsbot "$@"
