#!/usr/bin/env bash
# Soak test: SOAK_MINUTES (10) of mixed scans, reads and progression saves at a
# moderate pace against trajet on a private Redis; RSS and Redis key count
# sampled every 10 s into $CARGO_TARGET_DIR/bench/soak.csv (default target/).
# Each minute scans a new short trip whose sessions expire two minutes after
# it was created, so the key count must come back to its baseline at the end.
# Reports the first-vs-last-minute growth of RSS (target: flat within 10 %).

source "$(dirname "${BASH_SOURCE[0]}")/bench/lib.sh"

SOAK_MINUTES="${SOAK_MINUTES:-10}"
TRIP_MINUTES=2
WORK="$TARGET/bench"
RUN="$WORK/soak"
CSV="$WORK/soak.csv"
SCRIPTS="$ROOT/scripts/bench"
PORT=18180
REDIS_PORT="${SOAK_REDIS_PORT:-18479}"

trap stop_all EXIT
trap 'exit 130' INT TERM

need_tools python3:python3
build_release
rm -rf "$RUN" && mkdir -p "$RUN/data" "$RUN/redis"
start_redis "$RUN/redis"

"$BIN/examples/bench_setup" trip "$RUN/data" "$RUN/read-token.txt" $((SOAK_MINUTES + 30)) 1 1 >/dev/null
"$BIN/examples/bench_setup" ingest "$RUN/data" bench 1 "$BOOK" >/dev/null
start_trajet "$BIN/trajet" "$PORT" "$RUN/data" "$RUN/trajet.log"
TRAJET_PID=$LAST_PID
export SOAK_COOKIE SOAK_READ_PATH SOAK_PROGRESS_PATH SOAK_LOCATOR_HREF
SOAK_COOKIE="$(scan_cookie "$PORT" "$(cat "$RUN/read-token.txt")")"
# Chapter reads and progression saves once those routes exist; the session route until then.
SOAK_READ_PATH="$(python3 "$SCRIPTS/chapter.py" "http://127.0.0.1:$PORT" "$SOAK_COOKIE" moby "Spouter-Inn" || true)"
SOAK_PROGRESS_PATH="" SOAK_LOCATOR_HREF=""
if [ -n "$SOAK_READ_PATH" ]; then
    SOAK_PROGRESS_PATH="${SOAK_READ_PATH%/chapters/*}/progression"
    SOAK_LOCATOR_HREF="chapters/${SOAK_READ_PATH##*/chapters/}"
else
    SOAK_READ_PATH=/api/v1/session
fi
baseline="$(rcli DBSIZE)"
log "baseline: $baseline Redis keys, $(mem_kb "$TRAJET_PID" VmRSS) kB RSS; reads of $SOAK_READ_PATH"

echo "elapsed_s,rss_kb,redis_keys,redis_used_kb" >"$CSV"
sample() {
    local used
    used="$(rcli INFO memory | awk -F: '/^used_memory:/ {print int($2 / 1024)}')"
    echo "$((SECONDS - start)),$(mem_kb "$TRAJET_PID" VmRSS),$(rcli DBSIZE),$used" >>"$CSV"
}
start=$SECONDS
( while sleep 10; do sample; done ) &
SAMPLER=$!
STARTED+=("$SAMPLER")

for minute in $(seq 1 "$SOAK_MINUTES"); do
    "$BIN/examples/bench_setup" trip "$RUN/data" "$RUN/tokens.txt" "$TRIP_MINUTES" 200 5 >/dev/null
    sleep 1 # the server reloads trips every 500 ms
    (cd "$RUN" && timeout 90 taskset -c "$LOAD_CPU" wrk -t1 -c16 -d60s --timeout 5s \
        -s "$SCRIPTS/soak.lua" "http://127.0.0.1:$PORT/") >"$RUN/wrk-$minute.txt" ||
        die "wrk failed in minute $minute"
    log "minute $minute: $(grep -E 'Requests/sec|Non-2xx' "$RUN/wrk-$minute.txt" | tr -s ' ' | tr '\n' ' ')"
done

load_end=$((SECONDS - start))
# Let the last trips end: their keys expire with them.
deadline=$((SECONDS + (TRIP_MINUTES + 1) * 60))
while [ "$(rcli DBSIZE)" -gt "$baseline" ] && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 5
done
sample
kill "$SAMPLER" 2>/dev/null || true
python3 - "$CSV" "$load_end" "$baseline" "$(rcli DBSIZE)" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
end, baseline, after = int(sys.argv[2]), sys.argv[3], sys.argv[4]
def mean_rss(lo, hi):
    values = [int(r["rss_kb"]) for r in rows if lo < int(r["elapsed_s"]) <= hi]
    return sum(values) / len(values) / 1024
first, last = mean_rss(0, 60), mean_rss(end - 60, end)
print(f"RSS: first minute {first:.1f} MiB, last minute {last:.1f} MiB, growth ratio {last / first:.3f} (target <= 1.10)")
peak = max(int(r["redis_keys"]) for r in rows)
print(f"Redis keys: baseline {baseline}, peak {peak}, after the last trip ended {after}")
PY
log "samples: $CSV"
