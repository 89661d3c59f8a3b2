#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: Debian's server package (installed when
# missing), its data in a new temporary directory, on a free loopback port, run as the
# unprivileged `postgres` user when called as root (initdb refuses root).
#
#   read -r dir port < <(bash tests/postgres/cluster.sh start)
#   export BAOXIU_TEST_DATABASE=postgres://postgres@127.0.0.1:$port/postgres
#   ...
#   bash tests/postgres/cluster.sh stop "$dir"
#
# `down DIR` and `up DIR PORT` stop and start the server keeping its data (an outage).
set -euo pipefail

bin_dir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "${1:-}" in
start)
  # (The server's own output goes to DIR/server.log.)
  bin=$(bin_dir)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq postgresql >/dev/null
    bin=$(bin_dir)
  fi
  dir=$(mktemp -d /tmp/baoxiu-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync >"$dir/initdb.log"
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
  echo "$dir $port"
  ;;
down)
  # The server stops, its data stays (a restart, for tests of an outage).
  dir=${2:?usage: cluster.sh down DIR}
  as_owner "$(bin_dir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  ;;
up)
  dir=${2:?usage: cluster.sh up DIR PORT}
  port=${3:?usage: cluster.sh up DIR PORT}
  as_owner "$(bin_dir)/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
  ;;
stop)
  dir=${2:?usage: cluster.sh stop DIR}
  bin=$(bin_dir)
  as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
*)
  echo "usage: cluster.sh start | down DIR | up DIR PORT | stop DIR" >&2
  exit 2
  ;;
esac
