#!/bin/sh
# Back up and restore the docker compose deployment's database (docs/operations.md, "Backups").
#
#   deploy/compose-backup.sh backup [FILE]                       (make compose-backup)
#   deploy/compose-backup.sh restore [--no-safety-backup] FILE   (make compose-restore FILE=...)
#
# pg_dump and pg_restore run inside the postgres service, so their version is the server's and
# nothing is needed on the host but docker; the dump streams to a file on the host
# (default backups/adcmeet-<UTC time>.dump, custom format: compressed, restorable table by
# table). A backup is written under a temporary name and only takes its real name once
# `pg_restore --list` has read it back.
#
# restore: first a safety backup of what is there now (backups/pre-restore-<time>.dump), then
# web, worker and beat are stopped, the file is restored in one transaction
# (`--single-transaction --exit-on-error`: a failure leaves the database as it was),
# migrations are applied (a backup from an older release), and the app roles are started.
#
# Run it from anywhere; it talks to the compose project in the directory above this script.
# COMPOSE overrides the command (COMPOSE=docker-compose for compose v1; -T is always given,
# which v1 needs when the output is redirected).
set -eu

COMPOSE=${COMPOSE:-docker compose}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
APP_ROLES="web worker beat"

say() { printf '%s\n' "$*"; }
die() { printf 'compose-backup: %s\n' "$*" >&2; exit 1; }

absolute() {
    case "$1" in
        /*) printf '%s\n' "$1" ;;
        *) printf '%s/%s\n' "$(pwd)" "$1" ;;
    esac
}

compose() {
    # shellcheck disable=SC2086 # COMPOSE is a command with its arguments
    (cd "$ROOT" && $COMPOSE "$@")
}

stamp() { date -u +%Y%m%dT%H%M%SZ; }

# (sh has no local variables: backup and restore use different names.)
backup() {
    out=$(absolute "${1:-$ROOT/backups/adcmeet-$(stamp).dump}")
    mkdir -p "$(dirname "$out")"
    partial="$out.partial"
    trap 'rm -f "$partial"' EXIT
    compose exec -T postgres sh -c \
        'exec pg_dump -U "$POSTGRES_USER" -d "$POSTGRES_DB" --format=custom --no-owner --no-privileges' \
        > "$partial" || die "pg_dump failed; nothing was written to $out"
    compose exec -T postgres pg_restore --list < "$partial" | grep -q "TABLE DATA" \
        || die "the dump cannot be read back by pg_restore; nothing was written to $out"
    mv "$partial" "$out"
    trap - EXIT
    say "Backed up the database to $out ($(wc -c < "$out" | tr -d ' ') bytes)."
}

restore() {
    safety=yes
    if [ "${1:-}" = "--no-safety-backup" ]; then safety=no; shift; fi
    [ $# -eq 1 ] || die "usage: $0 restore [--no-safety-backup] FILE"
    file=$(absolute "$1")
    [ -f "$file" ] || die "no such file: $file"
    [ "$(head -c 5 "$file")" = "PGDMP" ] \
        || die "$file is not a pg_dump custom-format file (written by '$0 backup')"
    if [ "$safety" = yes ]; then
        backup "$(dirname "$file")/pre-restore-$(stamp).dump"
        say "(That is what was there before this restore.)"
    fi
    say "Stopping $APP_ROLES."
    # shellcheck disable=SC2086
    compose stop $APP_ROLES
    if ! compose exec -T postgres sh -c \
        'exec pg_restore -U "$POSTGRES_USER" -d "$POSTGRES_DB" --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error' \
        < "$file"; then
        # shellcheck disable=SC2086
        compose start $APP_ROLES
        die "pg_restore failed, nothing was changed; $APP_ROLES started again"
    fi
    compose run --rm migrate \
        || die "restored $file, but migrate failed: $APP_ROLES left stopped (see its output)"
    # shellcheck disable=SC2086
    compose start $APP_ROLES
    say "Restored $file; $APP_ROLES started."
}

case "${1:-}" in
    backup) shift; [ $# -le 1 ] || die "usage: $0 backup [FILE]"; backup "$@" ;;
    restore) shift; restore "$@" ;;
    *) die "usage: $0 backup [FILE] | restore [--no-safety-backup] FILE" ;;
esac
