#!/usr/bin/env bash
# A PostgreSQL server for the hub's PostgreSQL store and its tests (issue #9 §3).
#
#   scripts/postgres.sh          installs Debian's postgresql if missing, creates a cluster,
#                                starts it on 127.0.0.1 only, creates the database `renkei`,
#                                prints its URL on stdout and writes it to $DIR/url.
#                                Already running: just prints the URL.
#   scripts/postgres.sh stop     stops it (the cluster stays for next time).
#   scripts/postgres.sh status   exit 0 and the URL when running, exit 1 when not.
#   scripts/postgres.sh url      the URL of the cluster (running or not).
#
# Environment:
#   RENKEI_PG_DIR     where the cluster lives (default: target/renkei-postgres in the repo);
#                     data/ the cluster, url the URL, env `export RENKEI_TEST_POSTGRES=...`,
#                     log the server's log, port the port in use.
#   RENKEI_PG_PORT    the port (default 55432; `auto` picks a free one). A cluster keeps the
#                     port it was first started on unless RENKEI_PG_PORT is given.
#   RENKEI_PG_BINDIR  the folder holding initdb/pg_ctl/postgres (default: the newest
#                     /usr/lib/postgresql/*/bin, else whatever is on PATH).
#   RENKEI_PG_FAST=1  fsync off (a scratch server for tests: faster, not crash-safe).
#
# Only loopback: listen_addresses = 127.0.0.1, no Unix socket, pg_hba trusts 127.0.0.1/32
# only (the superuser `postgres`, no password). Never expose this server.
#
# Use in a test run:
#   RENKEI_TEST_POSTGRES=$(scripts/postgres.sh) cargo test -p renkei-simulator postgres
# or: scripts/postgres.sh >/dev/null && . target/renkei-postgres/env
#
# Exit codes: 0 done; 1 failed; 3 PostgreSQL is not installed and cannot be installed here
# (no apt-get, not root, or the package could not be fetched): callers skip with the message.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${RENKEI_PG_DIR:-$ROOT/target/renkei-postgres}"
DATA="$DIR/data"
LOG="$DIR/log"
DB=renkei
SUPERUSER=postgres
CANNOT_INSTALL=3

say() { echo "postgres.sh: $*" >&2; }
die() { say "$*"; exit 1; }

find_bindir() {
  if [[ -n "${RENKEI_PG_BINDIR:-}" ]]; then
    [[ -x "$RENKEI_PG_BINDIR/initdb" && -x "$RENKEI_PG_BINDIR/pg_ctl" ]] && echo "$RENKEI_PG_BINDIR"
    return 0
  fi
  local newest
  newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
  if [[ -n "$newest" && -x "$newest/initdb" && -x "$newest/pg_ctl" ]]; then
    echo "$newest"
  elif command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(readlink -f "$(command -v initdb)")"
  fi
}

install_postgres() {
  if [[ -n "${RENKEI_PG_BINDIR:-}" ]]; then
    say "no initdb/pg_ctl in RENKEI_PG_BINDIR=$RENKEI_PG_BINDIR; not installing anything"
    exit "$CANNOT_INSTALL"
  fi
  if ! command -v apt-get >/dev/null; then
    say "PostgreSQL is not installed and there is no apt-get to install it: install a PostgreSQL server (initdb, pg_ctl) or set RENKEI_PG_BINDIR"
    exit "$CANNOT_INSTALL"
  fi
  if [[ $EUID -ne 0 ]]; then
    say "PostgreSQL is not installed and installing it needs root: run 'apt-get install postgresql' as root, or this script as root"
    exit "$CANNOT_INSTALL"
  fi
  say "installing Debian's postgresql package"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends postgresql >&2; then
    apt-get update >&2 || true
    if ! apt-get install -y --no-install-recommends postgresql >&2; then
      say "apt-get could not install postgresql (no network or no such package here)"
      exit "$CANNOT_INSTALL"
    fi
  fi
}

BIN="$(find_bindir)"
if [[ -z "$BIN" ]]; then
  case "${1:-start}" in
    stop) say "PostgreSQL is not installed: nothing to stop"; exit 0 ;;
    status) exit 1 ;;
  esac
  install_postgres
  BIN="$(find_bindir)"
  [[ -n "$BIN" ]] || { say "postgresql installed but no initdb/pg_ctl found"; exit "$CANNOT_INSTALL"; }
fi

# As root, the cluster belongs to the `postgres` user (initdb refuses root); otherwise to
# whoever runs this.
if [[ $EUID -eq 0 ]]; then
  OWNER=postgres
  if ! id -u "$OWNER" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$OWNER" \
      || die "cannot create the system user $OWNER"
  fi
  as_owner() {
    if command -v runuser >/dev/null; then
      runuser -u "$OWNER" -- "$@"
    else
      su -s /bin/sh "$OWNER" -c "$(printf '%q ' "$@")"
    fi
  }
else
  OWNER="$(id -un)"
  as_owner() { "$@"; }
fi

# fd 9 (the lock) is not handed to the server, which would hold it for ever.
pg_ctl() { as_owner "$BIN/pg_ctl" -D "$DATA" "$@" 9>&-; }
running() { [[ -f "$DATA/PG_VERSION" ]] && pg_ctl status >/dev/null 2>&1; }

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((20000 + RANDOM % 40000))
    port_in_use "$p" || { echo "$p"; return 0; }
  done
  die "no free port found on 127.0.0.1"
}

current_port() {
  if [[ -f "$DIR/port" ]]; then cat "$DIR/port"; else echo "${RENKEI_PG_PORT:-55432}"; fi
}

url_of() { echo "postgres://$SUPERUSER@127.0.0.1:$1/$DB"; }

write_url() {
  local url
  url="$(url_of "$1")"
  echo "$1" >"$DIR/port"
  echo "$url" >"$DIR/url"
  printf "export RENKEI_TEST_POSTGRES='%s'\n" "$url" >"$DIR/env"
  echo "$url"
}

psql_at() {
  "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U "$SUPERUSER" "${@:2}"
}

ensure_database() {
  local port="$1" have
  have="$(psql_at "$port" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" \
    || die "cannot reach the server on 127.0.0.1:$port (see $LOG)"
  if [[ "$have" != 1 ]]; then
    psql_at "$port" -d postgres -c "CREATE DATABASE $DB ENCODING 'UTF8' TEMPLATE template0" >&2 \
      || die "cannot create the database $DB"
  fi
}

# One start or stop at a time (two test runs may call this together).
lock() {
  mkdir -p "$DIR"
  if command -v flock >/dev/null; then
    exec 9>"$DIR/lock"
    flock -w 120 9 || die "another postgres.sh holds $DIR/lock"
  fi
}

case "${1:-start}" in
  stop)
    lock
    if running; then
      pg_ctl stop -m fast -w >&2
      say "stopped ($DATA)"
    else
      say "not running ($DATA)"
    fi
    exit 0
    ;;
  status)
    if running; then url_of "$(current_port)"; exit 0; fi
    exit 1
    ;;
  url)
    url_of "$(current_port)"
    exit 0
    ;;
  start) lock ;;
  *) die "usage: $0 [start|stop|status|url]" ;;
esac

reachable() { psql_at "$1" -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; }

if running; then
  port="$(current_port)"
  # A postmaster that was just killed can still look alive for a moment: wait for it to
  # answer, or to be gone (then start it again below).
  for _ in $(seq 1 20); do
    reachable "$port" && break
    running || break
    sleep 0.5
  done
  if running; then
    ensure_database "$port"
    write_url "$port"
    exit 0
  fi
  say "the server had stopped (its pid file was stale): starting it again"
fi

mkdir -p "$DIR"
if [[ $EUID -eq 0 ]]; then
  chown "$OWNER" "$DIR"
  as_owner test -w "$DIR" \
    || die "$OWNER cannot reach $DIR (a parent folder is not searchable by others): set RENKEI_PG_DIR"
fi

if [[ ! -f "$DATA/PG_VERSION" ]]; then
  say "creating a cluster in $DATA"
  rm -rf "$DATA"
  mkdir -p "$DATA"
  [[ $EUID -eq 0 ]] && chown "$OWNER" "$DATA"
  chmod 700 "$DATA"
  as_owner "$BIN/initdb" -D "$DATA" -U "$SUPERUSER" --auth=trust --encoding=UTF8 --locale=C \
    >"$DIR/initdb.log" 2>&1 || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
  # Loopback only: TCP on 127.0.0.1, trusted, nothing else (no Unix socket, no other host).
  cat >"$DATA/pg_hba.conf" <<'EOF'
# renkei's test server (scripts/postgres.sh): loopback only.
host all all 127.0.0.1/32 trust
EOF
fi

if [[ -n "${RENKEI_PG_PORT:-}" ]]; then
  port="$RENKEI_PG_PORT"
else
  port="$(current_port)"
fi
if [[ "$port" == auto ]]; then
  port="$(free_port)"
elif ! [[ "$port" =~ ^[0-9]+$ ]] || ((port < 1 || port > 65535)); then
  die "RENKEI_PG_PORT must be a port number or 'auto', not '$port'"
elif port_in_use "$port"; then
  die "127.0.0.1:$port is already in use by another program: set RENKEI_PG_PORT (a number or 'auto')"
fi

fsync=on
[[ "${RENKEI_PG_FAST:-}" == 1 ]] && fsync=off
# Settings written each start, so a changed port or RENKEI_PG_FAST takes effect.
cat >"$DATA/renkei.conf" <<EOF
# Written by scripts/postgres.sh on every start.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = ''
max_connections = 100
fsync = $fsync
EOF
grep -q "^include_if_exists = 'renkei.conf'" "$DATA/postgresql.conf" \
  || echo "include_if_exists = 'renkei.conf'" >>"$DATA/postgresql.conf"
[[ $EUID -eq 0 ]] && chown "$OWNER" "$DATA/renkei.conf" "$DATA/pg_hba.conf"

touch "$LOG"
[[ $EUID -eq 0 ]] && chown "$OWNER" "$LOG"
say "starting on 127.0.0.1:$port (log: $LOG)"
pg_ctl start -w -t 60 -l "$LOG" >&2 || { tail -n 20 "$LOG" >&2; die "the server did not start"; }
ensure_database "$port"
write_url "$port"
