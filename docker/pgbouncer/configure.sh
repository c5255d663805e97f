#!/bin/sh
# Writes PgBouncer's configuration (pgbouncer.ini and userlist.txt) into $1 from the
# environment: one script for the compose service (docker/pgbouncer/Dockerfile) and for CI
# (.ci/run), so both run the same pooler the same way (docs/operations.md, "Connection
# pooling (PgBouncer)").
#
#   PGBOUNCER_DB_HOST, PGBOUNCER_DB_PORT   the PostgreSQL server behind it
#   PGBOUNCER_DATABASES                    extra [databases] lines (e.g. a replica), optional
#   PGBOUNCER_USER, PGBOUNCER_PASSWORD     the portal's role: clients authenticate to PgBouncer
#                                          with it, and PgBouncer to PostgreSQL
#   PGBOUNCER_LISTEN_ADDR, PGBOUNCER_LISTEN_PORT
#   PGBOUNCER_DEFAULT_POOL_SIZE            server connections per database and user
#   PGBOUNCER_MAX_CLIENT_CONN              client connections accepted
#   PGBOUNCER_MAX_DB_CONNECTIONS           server connections per database, all users (0: no cap)
set -eu

dir=${1:?usage: configure.sh DIRECTORY}
: "${PGBOUNCER_DB_HOST:?}" "${PGBOUNCER_USER:?}" "${PGBOUNCER_PASSWORD:?}"
mkdir -p "$dir"
umask 077

# Plain-text password: PgBouncer answers the client's SCRAM exchange with it and logs in to
# PostgreSQL (scram-sha-256 there too) with the same credentials.
printf '"%s" "%s"\n' "$PGBOUNCER_USER" "$(printf '%s' "$PGBOUNCER_PASSWORD" | sed 's/"/""/g')" \
    >"$dir/userlist.txt"

cat >"$dir/pgbouncer.ini" <<INI
[databases]
; Any database name is forwarded to the same server: the portal's database and, in CI, the
; test databases that pytest-django makes (one per xdist worker). timezone=UTC: every server
; connection is asked for UTC at login, so Django (USE_TZ) finds UTC and sends no
; session-level SET TIME ZONE, which transaction pooling could not keep on one connection.
* = host=${PGBOUNCER_DB_HOST} port=${PGBOUNCER_DB_PORT:-5432} timezone=UTC
${PGBOUNCER_DATABASES:-}

[pgbouncer]
listen_addr = ${PGBOUNCER_LISTEN_ADDR:-0.0.0.0}
listen_port = ${PGBOUNCER_LISTEN_PORT:-6432}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = ${dir}/userlist.txt
; A server connection serves one client for one transaction, then the next client: the code
; keeps no session state outside a transaction (docs/operations.md).
pool_mode = transaction
default_pool_size = ${PGBOUNCER_DEFAULT_POOL_SIZE:-20}
reserve_pool_size = ${PGBOUNCER_RESERVE_POOL_SIZE:-5}
max_client_conn = ${PGBOUNCER_MAX_CLIENT_CONN:-500}
max_db_connections = ${PGBOUNCER_MAX_DB_CONNECTIONS:-0}
; SHOW POOLS / SHOW STATS on the "pgbouncer" admin database, for monitoring and the tests
stats_users = ${PGBOUNCER_USER}
server_idle_timeout = 300
server_lifetime = 3600
; Clients that send it at login (JDBC, some drivers); psycopg2 does not.
ignore_startup_parameters = extra_float_digits
pidfile = ${dir}/pgbouncer.pid
logfile = ${PGBOUNCER_LOGFILE:-}
log_connections = 0
log_disconnections = 0
INI
