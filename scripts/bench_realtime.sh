#!/usr/bin/env bash
# GTFS-Realtime at national scale (issue 16): a TripUpdates feed of 10,000
# trips (12 stops each) applied, and the chapter route's p99 while feeds are
# applied, against its idle p99 in the same run.
#
#   scripts/bench_realtime.sh                            # SQLite, 3 rounds x 10 s each way
#   BENCH_DATABASE=postgres scripts/bench_realtime.sh    # a private PostgreSQL server
#   ROUNDS=1 RUN_SECONDS=3 scripts/bench_realtime.sh     # smoke run
#
# 1. In-process (examples/realtime_bench apply): CPU of decoding and applying
#    the feed in one database write: the first apply (10,000 arrivals move),
#    the same feed again (nothing moves), then the two feeds in turn (all move again, four times).
# 2. The server (pinned to BENCH_SERVER_CPU, Redis sessions): its CPU per
#    apply through the API's "fetch now" (HTTP fetch, decode, write, the
#    sessions of 10,000 trips extended), from /proc ticks.
# 3. wrk -t1 -c64 on the chapter route (on BENCH_LOAD_CPU), rounds
#    alternating idle / applying (a new 10,000-trip feed fetched and applied
#    every APPLY_EVERY seconds, back to back, throughout the round).
# Loopback only; the feed producer is python3's http.server on the load core.

source "$(dirname "${BASH_SOURCE[0]}")/bench/lib.sh"

ROUNDS="${ROUNDS:-3}"
RUN_SECONDS="${RUN_SECONDS:-10}"
APPLY_EVERY="${APPLY_EVERY:-1}"
TRIPS="${TRIPS:-10000}"
DATABASE="${BENCH_DATABASE:-sqlite}"
WORK="$TARGET/bench-realtime-$DATABASE"
SCRIPTS="$ROOT/scripts/bench"
FEED_PORT="${BENCH_FEED_PORT:-18095}"
PORT="${BENCH_PORT:-18085}"
PG_PORT="${BENCH_PG_PORT:-18433}"
REDIS_PORT="${BENCH_REDIS_PORT:-18479}"

PG_BIN="${TRAJET_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
stop_pg() {
    [ "$DATABASE" = postgres ] && as_postgres "$PG_BIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1
    return 0
}
trap 'stop_all; stop_pg' EXIT
trap 'exit 130' INT TERM

need_tools python3:python3 curl:curl
[ -f "$BOOK" ] || die "corpus book $BOOK not found (set TRAJET_CORPUS)"
if [ -n "${BENCH_BIN:-}" ]; then
    BIN="$BENCH_BIN"
else
    log "building release binaries"
    (cd "$ROOT" && cargo build --release --quiet --bin trajet --example bench_setup --example realtime_bench)
    BIN="$TARGET/release"
fi

rm -rf "$WORK" && mkdir -p "$WORK/data" "$WORK/feeds" "$WORK/redis"
export TRAJET_SAMPLE_CATALOG=""
if [ "$DATABASE" = postgres ]; then
    [ -x "$PG_BIN/initdb" ] || die "PostgreSQL's initdb not found (set TRAJET_PG_BIN)"
    port_free "$PG_PORT" || die "port $PG_PORT is taken (set BENCH_PG_PORT)"
    mkdir -p "$WORK/pg"
    [ "$(id -u)" -eq 0 ] && chown postgres "$WORK" "$WORK/pg"
    log "starting PostgreSQL on port $PG_PORT (core $LOAD_CPU)"
    as_postgres "$PG_BIN/initdb" -D "$WORK/pg" -A trust -U postgres >/dev/null
    as_postgres taskset -c "$LOAD_CPU" "$PG_BIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/log" -w \
        -o "-p $PG_PORT -k $WORK/pg -c listen_addresses=127.0.0.1" start >/dev/null
    export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
fi

key="$("$BIN/examples/realtime_bench" setup "$WORK/data" "$WORK/feeds" "$TRIPS" 2>"$WORK/setup.log" | tail -1)"
cat "$WORK/setup.log" >&2
log "in-process applies on $DATABASE (decode + one write), CPU of this process:"
"$BIN/examples/realtime_bench" apply "$WORK/data" "$WORK/feeds" | tee "$WORK/inprocess.jsonl" >&2

# The reading passenger: a trip, a session, the chapter path.
"$BIN/examples/bench_setup" trip "$WORK/data" "$WORK/read-token.txt" 120 1 1 >/dev/null
read_token="$(cat "$WORK/read-token.txt")"
TRAJET_DATA_DIR="$WORK/data" "$BIN/trajet" admin create-publisher bench >/dev/null
TRAJET_DATA_DIR="$WORK/data" "$BIN/trajet" import epub --publisher bench "$BOOK" >"$WORK/import.log" 2>&1 ||
    die "trajet import epub failed: $(tail -1 "$WORK/import.log")"

start_redis "$WORK/redis"
# The producer listens on loopback: private feeds allowed for this run.
start_trajet "$BIN/trajet" "$PORT" "$WORK/data" "$WORK/trajet.log" TRAJET_REALTIME_ALLOW_PRIVATE_FEEDS=true
TRAJET_PID=$LAST_PID
cookie="$(scan_cookie "$PORT" "$read_token")"
chapter_path="$(python3 "$SCRIPTS/chapter.py" "http://127.0.0.1:$PORT" "$cookie" moby "Spouter-Inn")" ||
    die "no chapter route answered"

# The producer: the feeds folder over HTTP on the load core; current.pb is
# swapped between the two feeds so that every fetch brings a new body.
cp "$WORK/feeds/a.pb" "$WORK/feeds/current.pb"
(cd "$WORK/feeds" && exec taskset -c "$LOAD_CPU" python3 -m http.server "$FEED_PORT" --bind 127.0.0.1 \
    >"$WORK/feeds.log" 2>&1) &
STARTED+=("$!")
wait_port "$FEED_PORT"

api() { # method path [json]
    curl -sS -X "$1" -H "Authorization: Bearer $key" ${3:+-H "Content-Type: application/json" -d "$3"} \
        "http://127.0.0.1:$PORT$2"
}
api PUT /api/v1/operator/realtime \
    "{\"trip_updates_url\": \"http://127.0.0.1:$FEED_PORT/current.pb\", \"period_seconds\": 3600}" >/dev/null
# Each swap gets a later modification time than the one before (http.server's
# Last-Modified has whole seconds: two swaps in a second would answer 304).
echo 0 >"$WORK/swaps"
SWAPPED_FROM=$(date +%s)
next_feed() {
    local n
    n=$(($(cat "$WORK/swaps") + 1))
    echo "$n" >"$WORK/swaps"
    cp "$WORK/feeds/$([ $((n % 2)) = 1 ] && echo b || echo a).pb" "$WORK/feeds/current.pb.tmp"
    touch -d "@$((SWAPPED_FROM + n))" "$WORK/feeds/current.pb.tmp"
    mv "$WORK/feeds/current.pb.tmp" "$WORK/feeds/current.pb"
}
fetch_now() { api POST /api/v1/operator/realtime/fetch >"$WORK/last-fetch.json" 2>>"$WORK/fetch-errors.log"; }
fetch_now # waits for the round the PUT started, then fetches again (304)

# --- the server's CPU per apply (fetch + decode + write + sessions) ---
: >"$WORK/server-apply.txt"
for _ in 1 2 3 4 5; do
    next_feed
    t0=$(cpu_ticks "$TRAJET_PID")
    w0=$(date +%s%N)
    fetch_now
    w1=$(date +%s%N)
    t1=$(cpu_ticks "$TRAJET_PID")
    echo "$(((t1 - t0) * 1000 / $(getconf CLK_TCK))) $(((w1 - w0) / 1000000))" >>"$WORK/server-apply.txt"
done
python3 -c "import json; f = json.load(open('$WORK/last-fetch.json'))['feeds'][0]; \
print('last fetch: applied %s, changed %s, error %s' % (f['entities_applied'], f['trips_changed'], f['last_error']))" >&2
log "server CPU ms / wall ms per apply: $(tr '\n' ';' <"$WORK/server-apply.txt")"

# --- chapter p99: idle vs applying, interleaved rounds ---
applying() { # runs until killed: a new feed every APPLY_EVERY seconds
    while true; do
        next_feed
        fetch_now
        echo . >>"$WORK/applies.txt"
        sleep "$APPLY_EVERY"
    done
}
: >"$WORK/results.jsonl"
: >"$WORK/applies.txt"
for round in $(seq 1 "$ROUNDS"); do
    for mode in idle applying; do
        if [ "$mode" = applying ]; then
            applying &
            APPLIER=$!
        fi
        t0=$(cpu_ticks "$TRAJET_PID")
        out="$(taskset -c "$LOAD_CPU" wrk -t1 -c64 -d"${RUN_SECONDS}s" --timeout 5s --latency \
            -H "Cookie: $cookie" "http://127.0.0.1:$PORT$chapter_path")"
        t1=$(cpu_ticks "$TRAJET_PID")
        if [ "$mode" = applying ]; then
            kill "$APPLIER"
            wait "$APPLIER" 2>/dev/null || true
        fi
        printf '%s\n' "$out" >"$WORK/wrk-$round-$mode.txt"
        python3 "$SCRIPTS/parse_wrk.py" "$round" "chapter-$mode" "$((t1 - t0))" 0 "$(getconf CLK_TCK)" \
            "$(mem_kb "$TRAJET_PID" VmRSS)" "$(mem_kb "$TRAJET_PID" VmHWM)" <<<"$out" >>"$WORK/results.jsonl"
        log "round $round $mode: $(tail -1 "$WORK/results.jsonl" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("%.0f req/s, p50 %s ms, p99 %s ms, errors %d" % (r["rps"], r["p50_ms"], r["p99_ms"], r["errors"]))')"
    done
done
python3 - "$WORK/results.jsonl" "$(wc -l <"$WORK/applies.txt")" "$DATABASE" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = lambda mode: [r for r in rows if r["server"] == f"chapter-{mode}"]
idle, busy = by("idle"), by("applying")
med = lambda rs, k: statistics.median(r[k] for r in rs)
print(f"{sys.argv[3]}: chapter p99 idle {med(idle, 'p99_ms'):.2f} ms, while applying {med(busy, 'p99_ms'):.2f} ms "
      f"(ratio {med(busy, 'p99_ms') / med(idle, 'p99_ms'):.2f}, target <= 2); "
      f"req/s {med(idle, 'rps'):.0f} idle, {med(busy, 'rps'):.0f} applying; {sys.argv[2]} applies during the runs")
for i, b in zip(idle, busy):
    print(f"  round {i['round']}: p99 {i['p99_ms']} -> {b['p99_ms']} ms (x{b['p99_ms'] / i['p99_ms']:.2f})")
PY
log "results in $WORK"
