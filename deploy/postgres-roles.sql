-- Two roles: `smsbot` owns the schema and runs migrations; `smsbot_app` runs the web app and the
-- worker. The app role owns no table, so it can neither drop nor disable the audit log's triggers
-- (UPDATE, DELETE and TRUNCATE stay refused), and it is never granted TRUNCATE.
-- Run once as a superuser before the first `smsbot db upgrade` (compose runs it at first start):
--   psql -v app_password="'...'" -f deploy/postgres-roles.sql smsbot
-- (the owner role is assumed to be named smsbot, as in docker-compose.yml)
\if :{?app_password}
\else
  \set app_password '''smsbot_app'''
\endif
SELECT format('CREATE ROLE smsbot_app LOGIN PASSWORD %L', :app_password)
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'smsbot_app') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO smsbot_app', current_database()) \gexec
GRANT USAGE ON SCHEMA public TO smsbot_app;
-- Tables and sequences the owner creates from now on (every migration) are usable by the app.
ALTER DEFAULT PRIVILEGES FOR ROLE smsbot IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO smsbot_app;
ALTER DEFAULT PRIVILEGES FOR ROLE smsbot IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO smsbot_app;
-- And those that exist already (a database set up before this file was used).
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO smsbot_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO smsbot_app;
REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM smsbot_app;
