#!/usr/bin/env bash
# A throwaway PostgreSQL (and the sqlite3 shell) for tests that run real SQL: the rule fixes of
# review_schema are applied to a real engine to check that they do what their message says.
#
#   eval "$(scripts/ci-postgres.sh)"     # installs if needed, starts, prints `export PG_URL=...`
#   scripts/ci-postgres.sh stop          # stops the cluster (the data directory stays)
#
# Idempotent: Debian's `postgresql` and `sqlite3` are installed only when missing (apt-get update
# first), the cluster is created once and started only when it is not running, the role and the
# database only when absent. Safe to run twice or concurrently with itself (a lock serialises runs).
#
# The cluster listens on a unix socket only (no TCP), in $BEM_PG_DIR/socket, port $BEM_PG_PORT (the
# port names the socket file). Peer authentication: the OS user running this script (root in CI) gets
# a superuser role of the same name and a database $BEM_PG_DB it owns. Must run as root (apt, and
# running the server as the `postgres` user).
#
# Output: stdout is only `export PG_URL=...` and `export PGHOST=... PGPORT=... PGDATABASE=...` lines
# (also written to .ci/pg.env); progress goes to stderr.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${BEM_PG_DIR:-/var/lib/postgresql/bem-ci}"
port="${BEM_PG_PORT:-54329}"
db="${BEM_PG_DB:-bem}"
me="$(id -un)"

say() { printf 'ci-postgres: %s\n' "$*" >&2; }
die() {
    say "error: $*"
    exit 1
}

[[ "$(id -u)" == 0 ]] || die "run as root (installs packages and starts the server as the postgres user)"

# One run at a time (the server started below must not inherit this descriptor, or it would hold the
# lock for its lifetime).
mkdir -p "$root/.ci"
exec 9>"$root/.ci/pg.lock"
flock -w 120 9 || die "another ci-postgres.sh run holds $root/.ci/pg.lock"

newest_bindir() {
    # The highest major version that has a server.
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n); do
        [[ -x "$d/initdb" ]] && echo "$d"
    done | tail -1
}

install_packages() {
    local need=()
    [[ -n "$(newest_bindir)" ]] || need+=(postgresql)
    command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
    command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
    if ((${#need[@]})); then
        say "installing ${need[*]} (apt-get update first)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        # Debian's postinst would create a default cluster (an initdb) and start it; we run our own, so
        # tell postgresql-common not to create it, and keep services from starting while installing
        # (policy-rc.d, honoured by invoke-rc.d), removing both stand-ins afterwards if we made them.
        local made_policy="" made_conf=""
        if [[ ! -e /usr/sbin/policy-rc.d ]]; then
            printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
            chmod 755 /usr/sbin/policy-rc.d
            made_policy=1
        fi
        if [[ ! -e /etc/postgresql-common/createcluster.conf ]]; then
            mkdir -p /etc/postgresql-common
            echo "create_main_cluster = off" >/etc/postgresql-common/createcluster.conf
            made_conf=1
        fi
        local rc=0
        apt-get install -y -qq --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${need[@]}" >&2 || rc=$?
        [[ -z "$made_policy" ]] || rm -f /usr/sbin/policy-rc.d
        # The file we wrote stays as postgresql-common's conffile (it only governs new clusters).
        [[ -z "$made_conf" ]] || say "postgresql-common: create_main_cluster = off"
        ((rc == 0)) || die "apt-get install ${need[*]} failed ($rc)"
    fi
}

if [[ "${1:-start}" == stop ]]; then
    bindir="$(newest_bindir)"
    if [[ -n "$bindir" && -f "$dir/data/PG_VERSION" ]]; then
        su postgres -s /bin/sh -c "'$bindir/pg_ctl' -D '$dir/data' -m fast stop" >&2 || true
    fi
    exit 0
fi

install_packages
bindir="$(newest_bindir)"
[[ -n "$bindir" ]] || die "no PostgreSQL server binaries under /usr/lib/postgresql after installing"
version="$("$bindir/postgres" --version | awk '{print $3}')"

if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    say "creating a cluster in $dir/data (PostgreSQL $version)"
    install -d -o postgres -g postgres -m 700 "$dir" "$dir/data"
    install -d -o postgres -g postgres -m 755 "$dir/socket"
    su postgres -s /bin/sh -c "'$bindir/initdb' -D '$dir/data' --auth-local=peer --auth-host=reject -E UTF8 --locale=C.UTF-8" >&2 ||
        su postgres -s /bin/sh -c "'$bindir/initdb' -D '$dir/data' --auth-local=peer --auth-host=reject -E UTF8 --locale=C" >&2
fi
install -d -o postgres -g postgres -m 755 "$dir/socket"

if su postgres -s /bin/sh -c "'$bindir/pg_ctl' -D '$dir/data' status" >/dev/null 2>&1; then
    say "already running (PostgreSQL $version, socket $dir/socket, port $port)"
else
    say "starting PostgreSQL $version on unix socket $dir/socket port $port"
    su postgres -s /bin/sh -c "'$bindir/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 \
        -o \"-c listen_addresses='' -c unix_socket_directories='$dir/socket' -p $port -c fsync=off\" start" 9>&- >&2 ||
        {
            tail -20 "$dir/server.log" >&2 || true
            die "the server did not start"
        }
fi

as_postgres_psql() {
    su postgres -s /bin/sh -c "'$bindir/psql' -X -q -h '$dir/socket' -p $port -d postgres -v ON_ERROR_STOP=1 -tAc \"$1\""
}
if [[ "$me" != postgres && "$(as_postgres_psql "SELECT 1 FROM pg_roles WHERE rolname = '$me'")" != 1 ]]; then
    say "creating role $me"
    as_postgres_psql "CREATE ROLE \\\"$me\\\" LOGIN SUPERUSER" >&2
fi
if [[ "$(as_postgres_psql "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]]; then
    say "creating database $db"
    as_postgres_psql "CREATE DATABASE \\\"$db\\\" OWNER \\\"$me\\\"" >&2
fi

url="postgresql://$me@/$db?host=$dir/socket&port=$port"
# Prove the URL works before handing it out.
psql -X -q "$url" -tAc 'SELECT 1' >/dev/null || die "cannot connect with $url"
env_file="$root/.ci/pg.env"
{
    printf 'export PG_URL=%q\n' "$url"
    printf 'export PGHOST=%q PGPORT=%q PGDATABASE=%q PGUSER=%q\n' "$dir/socket" "$port" "$db" "$me"
    printf 'export PG_VERSION_NUM=%q\n' "$(psql -X "$url" -tAc 'SHOW server_version_num')"
} >"$env_file"
say "ready: PostgreSQL $version; sqlite3 $(sqlite3 --version | awk '{print $1}'); env in $env_file"
cat "$env_file"
