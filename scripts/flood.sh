#!/usr/bin/env bash
# Flood of unauthenticated sign-in attempts, each from a new address (random
# X-Forwarded-For behind a trusted proxy) with a random key id: the worst case
# for the rate limiters' memory (issue 13). Runs FLOOD_SLICES (4) slices of
# FLOOD_SECONDS (5) s back to back and prints, per slice, the requests per
# second and the server's RSS, then the peak RSS (VmHWM): the limiters'
# memory has a ceiling, so RSS levels off and throughput holds.
#
#   scripts/flood.sh
#   FLOOD_SLICES=12 scripts/flood.sh        # a minute of flood

source "$(dirname "${BASH_SOURCE[0]}")/bench/lib.sh"

SLICES="${FLOOD_SLICES:-4}"
SECONDS_PER_SLICE="${FLOOD_SECONDS:-5}"
RUN="$TARGET/bench/flood"
PORT=18190

trap stop_all EXIT
trap 'exit 130' INT TERM

need_tools wrk:wrk
build_release
rm -rf "$RUN" && mkdir -p "$RUN/data"
REDIS_URL="" start_trajet "$BIN/trajet" "$PORT" "$RUN/data" "$RUN/trajet.log" \
    TRAJET_TRUSTED_PROXIES=127.0.0.1/32
PID=$LAST_PID
sleep 1
printf '%-8s %12s %10s %8s\n' slice "req/s" "RSS MiB" "non-2xx"
printf '%-8s %12s %10.1f %8s\n' idle - "$(echo "$(mem_kb "$PID" VmRSS) / 1024" | bc -l)" -
for slice in $(seq 1 "$SLICES"); do
    out="$(taskset -c "$LOAD_CPU" wrk -t1 -c64 -d"${SECONDS_PER_SLICE}s" -s "$ROOT/scripts/bench/flood.lua" \
        "http://127.0.0.1:$PORT/" 2>&1)"
    rps="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"
    non2xx="$(awk '/Non-2xx/ {print $NF}' <<<"$out")"
    printf '%-8s %12s %10.1f %8s\n' "$slice" "$rps" "$(echo "$(mem_kb "$PID" VmRSS) / 1024" | bc -l)" "${non2xx:-0}"
done
log "peak RSS $(echo "$(mem_kb "$PID" VmHWM) / 1024" | bc -l | xargs printf '%.1f') MiB"
