#!/bin/sh
# Apply migrations (one process at a time: PostgreSQL takes an advisory lock), then run the command.
# Migrations run as the schema owner (SMSBOT_MIGRATE_DATABASE_URL when set); the app itself runs as
# DATABASE_URL's role, which should not own the audit log (see deploy/postgres-roles.sql).
set -e
DATABASE_URL="${SMSBOT_MIGRATE_DATABASE_URL:-$DATABASE_URL}" smsbot db upgrade
exec smsbot "$@"
