#!/bin/sh
# First start of the compose database: create the app role (see postgres-roles.sql).
set -e
psql -v ON_ERROR_STOP=1 -v app_password="'${SMSBOT_APP_DB_PASSWORD:-smsbot_app}'" \
  -U "$POSTGRES_USER" -d "$POSTGRES_DB" -f /opt/smsbot/postgres-roles.sql
