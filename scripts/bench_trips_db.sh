#!/usr/bin/env bash
# Trips on PostgreSQL at the scale of a national network (issue 15), with the
# release binary and a private PostgreSQL server (Debian's initdb/pg_ctl, as
# the postgres user when run as root) on a free loopback port:
#   1. `trajet import gtfs` of a 10,000-trip day (one transaction): first
#      import (all created), the same feed again (all unchanged), a new
#      timetable (all updated). Target: < 5 s each.
#   2. One year in the database (3.65 million trips, 10,000 a day, generated
#      in SQL around today): the service's start-up time (until /healthz
#      answers) and its RSS once started (only the current days are in
#      memory). Targets: < 5 s, < 200 MiB. Also the time of a console list
#      of a day of last month (a query, not memory).
#
#   scripts/bench_trips_db.sh
#   BENCH_YEAR=0 scripts/bench_trips_db.sh        # the import only
#
# A benchmark, not a test: it prints figures; it exits non-zero only when it
# cannot run.

source "$(dirname "${BASH_SOURCE[0]}")/bench/lib.sh"

WORK="$TARGET/bench/trips-db"
PG_PORT="${BENCH_PG_PORT:-18432}"
PORT="${BENCH_TRIPS_PORT:-18582}"
DAY=2026-11-30
YEAR="${BENCH_YEAR:-1}"

PG_BIN="${TRAJET_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
[ -x "$PG_BIN/initdb" ] || die "PostgreSQL's initdb not found (Debian package postgresql, or set TRAJET_PG_BIN)"
command -v curl >/dev/null || die "curl is needed"
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stop_pg() { as_postgres "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true; }
trap 'stop_all; stop_pg; rm -rf "$WORK/pg"' EXIT
trap 'exit 130' INT TERM

(cd "$ROOT" && cargo build --release --quiet --bin trajet)
BIN="$TARGET/release/trajet"
rm -rf "$WORK" && mkdir -p "$WORK/pg"
[ "$(id -u)" -eq 0 ] && chown postgres "$WORK" "$WORK/pg"
port_free "$PG_PORT" || die "port $PG_PORT is taken (set BENCH_PG_PORT)"
log "starting PostgreSQL on port $PG_PORT"
as_postgres "$PG_BIN/initdb" -D "$WORK/pg" -A trust -U postgres >/dev/null
as_postgres "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/log" -w \
    -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1 -c wal_level=minimal -c max_wal_senders=0" \
    start >/dev/null
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
psql_run() { "$PG_BIN/psql" -X -q -t -A -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"; }

export TRAJET_DATA_DIR="$WORK/data"
"$BIN" migrate >/dev/null 2>>"$WORK/cli.log"
"$BIN" admin create-operator Bench >"$WORK/operator.txt" 2>>"$WORK/cli.log"
OPERATOR="$(head -n 1 "$WORK/operator.txt" | cut -d' ' -f2)"
KEY="$(tail -n 1 "$WORK/operator.txt")"

# 1. A day of a national network from GTFS.
python3 "$ROOT/scripts/bench/gtfs_day.py" "$WORK/day.zip" 10000 0
python3 "$ROOT/scripts/bench/gtfs_day.py" "$WORK/day-moved.zip" 10000 3
import_day() { # label feed
    local start end
    start=$(date +%s.%N)
    "$BIN" import gtfs "$2" --from "$DAY" --to "$DAY" --operator Bench >"$WORK/import.out" 2>>"$WORK/cli.log"
    end=$(date +%s.%N)
    printf '%-34s %6.2f s  target < 5 s   %s\n' "$1" "$(echo "$end - $start" | bc -l)" \
        "$(tail -n 1 "$WORK/import.out" | cut -d, -f1-3)"
}
echo "GTFS import of a 10,000-trip day on PostgreSQL (whole CLI run: read, one transaction):"
import_day "first import (all created)" "$WORK/day.zip"
import_day "same feed again (all unchanged)" "$WORK/day.zip"
import_day "new timetable (all updated)" "$WORK/day-moved.zip"

[ "$YEAR" = 1 ] || exit 0

# 2. A year: 365 days x 10,000 trips around today, written in SQL (the import
# of a year would take as long as 365 days of imports; the service's start is
# what is measured). Truncated and filled in one transaction, with
# wal_level=minimal, PostgreSQL writes no WAL for the rows: the 3.65 million
# rows and their indexes take about 2 GB of disk.
log "generating one year of trips (3.65 million rows) in SQL"
psql_run <<SQL
BEGIN;
TRUNCATE trips;
INSERT INTO trips (id, operator, service_date, line, train_number, origin, destination,
    departs_at, arrives_at, scheduled_arrives_at, seats, cars, collections, state, timezone,
    feed_trip_id, revision)
SELECT d * 10000 + t + 1, '$OPERATOR', to_char(day, 'YYYY-MM-DD'), 'TER ' || (t % 50),
    (100000 + t)::text, 'Gare ' || (t % 400), 'Gare ' || ((t + 3) % 400),
    extract(epoch FROM day)::bigint + 14400 + (t % 1020) * 60,
    extract(epoch FROM day)::bigint + 14400 + (t % 1020) * 60 + 3600,
    extract(epoch FROM day)::bigint + 14400 + (t % 1020) * 60 + 3600,
    80, NULL, NULL, 'scheduled', 'Europe/Paris', 't' || t, 1
FROM generate_series(0, 364) AS d
CROSS JOIN LATERAL (SELECT (current_date - 182 + d)::timestamp AS day) AS days
CROSS JOIN generate_series(0, 9999) AS t;
UPDATE trip_ids SET next_id = 3650001;
UPDATE changes SET generation = generation + 1 WHERE domain = 'trips';
COMMIT;
ANALYZE trips;
SQL
echo "trips in the database: $(psql_run -c 'SELECT count(*) FROM trips'), \
$(psql_run -c "SELECT pg_size_pretty(pg_total_relation_size('trips'))") with indexes"

port_free "$PORT" || die "port $PORT is taken (set BENCH_TRIPS_PORT)"
start=$(date +%s.%N)
TRAJET_LISTEN="127.0.0.1:$PORT" TRAJET_SAMPLE_CATALOG="$WORK/no-sample" \
    "$BIN" serve >"$WORK/serve.log" 2>&1 &
SERVER=$!
STARTED+=("$SERVER")
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null; do
    kill -0 "$SERVER" 2>/dev/null || die "the service stopped: $(tail -n 5 "$WORK/serve.log")"
    sleep 0.02
done
end=$(date +%s.%N)
sleep 2 # the first reload ticks
rss_kib="$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")"
printf 'service start-up with a year in the database: %6.2f s  target < 5 s\n' "$(echo "$end - $start" | bc -l)"
printf 'service RSS once started:                     %6.1f MiB  target < 200 MiB\n' "$(echo "$rss_kib / 1024" | bc -l)"
LAST_MONTH="$(date -u -d '-30 days' +%F)"
list_time="$(curl -s -o "$WORK/list.json" -w '%{time_total}' \
    -H "Authorization: Bearer $KEY" "http://127.0.0.1:$PORT/api/v1/operator/trips?date=$LAST_MONTH")"
printf 'console list of a day of last month (%s trips, a query): %s s\n' \
    "$(grep -o '"id":' "$WORK/list.json" | wc -l)" "$list_time"
