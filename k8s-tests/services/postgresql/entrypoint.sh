#!/bin/sh
# First start: a cluster with one database and its owner, the password read from a file (a Secret's key), never
# an environment variable. Every start: listen on all addresses, password (scram) logins only over TCP.
set -eu
: "${POSTGRES_DB:?}" "${POSTGRES_USER:?}" "${POSTGRES_PASSWORD_FILE:?}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA" && chmod 0700 "$PGDATA"
  initdb --username=postgres --auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 \
    -D "$PGDATA" >/dev/null
  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c unix_socket_directories=/tmp" -w start >/dev/null
  password=$(cat "$POSTGRES_PASSWORD_FILE")
  psql -h /tmp -U postgres -v ON_ERROR_STOP=1 -q \
    -v user="$POSTGRES_USER" -v db="$POSTGRES_DB" -v password="$password" <<'SQL'
CREATE ROLE :"user" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"user";
SQL
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  printf 'local all all peer\nhost all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n' \
    > "$PGDATA/pg_hba.conf"
  echo "initialised $PGDATA with database $POSTGRES_DB"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/var/run/postgresql \
  -c max_connections="${POSTGRES_MAX_CONNECTIONS:-200}"
