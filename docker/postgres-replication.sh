#!/bin/sh
# Run once by the postgres image when it makes the primary's data directory
# (/docker-entrypoint-initdb.d, docker-compose.yml): a role that may stream the WAL to the
# replica (db-replica), and a pg_hba line that lets it in with its password. An existing
# pgdata volume made before this file: run the same two statements by hand (docs/operations.md).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set=password="$POSTGRES_REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
