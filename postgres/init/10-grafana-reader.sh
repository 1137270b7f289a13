#!/bin/sh
# Runs once, when the postgres service initialises an empty data directory (the image's
# docker-entrypoint-initdb.d): creates tokenscope_grafana, the read-only role Grafana's "Request
# store" datasource logs in with. The exporter's role (POSTGRES_USER) creates the requests table at
# its first start, after this: default privileges give the reader SELECT on it and on every table
# that role creates later, and nothing else. Executable, so the entrypoint runs it rather than
# sourcing it into its own shell.
set -e
reader_password=$(cat "${GRAFANA_PASSWORD_FILE:?set GRAFANA_PASSWORD_FILE to the file holding the reader password}")
psql -v ON_ERROR_STOP=1 --no-psqlrc --quiet --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v reader_password="$reader_password" -v db="$POSTGRES_DB" -v owner="$POSTGRES_USER" <<'SQL'
CREATE ROLE tokenscope_grafana LOGIN PASSWORD :'reader_password';
-- Read-only even if a grant were ever too wide; bounded, so a dashboard cannot hold the store.
ALTER ROLE tokenscope_grafana SET default_transaction_read_only = on;
ALTER ROLE tokenscope_grafana SET statement_timeout = '30s';
GRANT CONNECT ON DATABASE :"db" TO tokenscope_grafana;
GRANT USAGE ON SCHEMA public TO tokenscope_grafana;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO tokenscope_grafana;
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT ON TABLES TO tokenscope_grafana;
SQL
