#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1 for the store tests (tests/store/conftest.py).
#
#   eval "$(scripts/postgres-test.sh start)"
#       Installs Debian's postgresql with apt-get when initdb/pg_ctl are missing (root only; --no-install
#       refuses instead, exit 3), creates a cluster in a new temporary folder, starts it on a free port of
#       127.0.0.1 and prints, and only prints, two lines on stdout:
#         export MINUTESBOT_TEST_POSTGRES_URL=postgresql+asyncpg://…
#         export MINUTESBOT_TEST_POSTGRES_DIR=/tmp/minutesbot-pg.…
#   scripts/postgres-test.sh stop [DIR]
#       Stops that cluster and removes its folder (DIR defaults to $MINUTESBOT_TEST_POSTGRES_DIR).
#
# initdb refuses to run as root, so as root the cluster belongs to the `postgres` user (created if missing).
# Everything but the export lines goes to stderr.
set -euo pipefail

readonly DB_USER=minutesbot
readonly DB_NAME=minutesbot_test
readonly DIR_PREFIX=minutesbot-pg.

say() { echo "postgres-test: $*" >&2; }
die() {
    say "$1"
    exit "${2:-1}"
}

usage() {
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# The bin folder of the newest PostgreSQL found (Debian keeps them out of PATH).
find_bin_dir() {
    local dir
    while IFS= read -r dir; do
        if [[ -x $dir/initdb && -x $dir/pg_ctl && -x $dir/createdb ]]; then
            echo "$dir"
            return 0
        fi
    done < <(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r)
    local initdb
    initdb=$(command -v initdb 2>/dev/null) || return 1
    dir=$(dirname "$(readlink -f "$initdb")")
    [[ -x $dir/pg_ctl && -x $dir/createdb ]] && echo "$dir"
}

install_postgres() {
    [[ $(id -u) -eq 0 ]] || die "PostgreSQL is not installed and only root may install it (apt-get install postgresql)" 3
    command -v apt-get >/dev/null || die "PostgreSQL is not installed and apt-get is missing" 3
    say "installing Debian's postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
}

# Run as the cluster's owner: `postgres` when we are root, ourselves otherwise.
run_as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    else
        echo $((20000 + RANDOM % 40000))
    fi
}

start() {
    local install=1
    case "${1-}" in
    "") ;;
    --no-install) install=0 ;;
    *) usage ;;
    esac

    local bin
    if ! bin=$(find_bin_dir); then
        [[ $install -eq 1 ]] || die "PostgreSQL is not installed (no initdb/pg_ctl under /usr/lib/postgresql/*/bin or on PATH)" 3
        install_postgres
        bin=$(find_bin_dir) || die "PostgreSQL was installed but initdb/pg_ctl were not found" 3
    fi

    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres
    fi

    local dir
    dir=$(mktemp -d "/tmp/${DIR_PREFIX}XXXXXX")
    chmod 700 "$dir"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    # A failure from here on leaves no server running and no folder behind.
    trap 'run_as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
    cd "$dir" # the owner may not be able to enter our working folder

    local password
    password=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
    (
        umask 077
        echo "$password" >"$dir/pwfile"
    )
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir/pwfile"
    run_as_owner "$bin/initdb" -D "$dir/data" -U "$DB_USER" --pwfile="$dir/pwfile" --auth=scram-sha-256 \
        -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        die "initdb failed"
    }
    rm -f "$dir/pwfile"

    # A throwaway cluster: durability settings off for speed; sockets in our folder, TCP on loopback only.
    local port attempt
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        if run_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 -o \
            "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null; then
            break
        fi
        [[ $attempt -lt 5 ]] || {
            tail -n 20 "$dir/postgres.log" >&2 || true
            die "the server did not start"
        }
        say "port $port was taken, trying another"
    done

    PGPASSWORD=$password "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$DB_USER" "$DB_NAME" >&2
    trap - EXIT
    echo "export MINUTESBOT_TEST_POSTGRES_URL=postgresql+asyncpg://$DB_USER:$password@127.0.0.1:$port/$DB_NAME"
    echo "export MINUTESBOT_TEST_POSTGRES_DIR=$dir"
}

stop() {
    local dir=${1:-${MINUTESBOT_TEST_POSTGRES_DIR-}}
    [[ -n $dir ]] || die "stop: which cluster? give its folder or set MINUTESBOT_TEST_POSTGRES_DIR" 2
    # Remove only a folder this script made.
    [[ $(basename "$dir") == "$DIR_PREFIX"* && -f $dir/data/PG_VERSION ]] || die "stop: $dir is not a cluster of this script" 2
    local bin
    bin=$(find_bin_dir) || die "PostgreSQL is not installed"
    cd "$dir"
    run_as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || say "the server in $dir was not running"
    cd /
    rm -rf "$dir"
}

case "${1-}" in
start) start "${@:2}" ;;
stop) stop "${@:2}" ;;
*) usage ;;
esac
