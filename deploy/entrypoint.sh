#!/bin/sh
# Container entrypoint: apply migrations, then run the smsbot command given (serve, worker, ...).
# Migrations run as the schema owner (SMSBOT_MIGRATE_DATABASE_URL when set, else DATABASE_URL); the app
# itself runs as DATABASE_URL's role, which should not own the audit log (see deploy/postgres-roles.sql).
# PostgreSQL serialises concurrent upgrades with an advisory lock, so several containers may start at once.
#   `db upgrade`                    only migrate, then exit (compose's one-shot `migrate` service)
#   SMSBOT_MIGRATE_ON_START=false   skip migrating (web and worker when a migrate service ran first)
set -e
migrate() {
  DATABASE_URL="${SMSBOT_MIGRATE_DATABASE_URL:-$DATABASE_URL}" smsbot db upgrade
}
if [ "$1" = "db" ] && [ "$2" = "upgrade" ] && [ "$#" -eq 2 ]; then
  migrate
  exit 0
fi
case "${SMSBOT_MIGRATE_ON_START:-true}" in
  false|0|no) ;;
  *) migrate ;;
esac
exec smsbot "$@"
