#!/usr/bin/env bash
# Instruction profile of the chapter route against the reference server, under
# callgrind (deterministic: other work on the machine does not change it).
#
#   scripts/bench/profile.sh                   # 5,000 chapter requests each
#   PROFILE_REQUESTS=2000 PROFILE_SERVERS="trajet" scripts/bench/profile.sh
#
# Same setup as scripts/bench.sh (private Redis, the Moby-Dick chapter, a
# Redis-backed session), each server run by `valgrind --tool=callgrind`,
# warmed up, its counters zeroed, then PROFILE_REQUESTS requests over 64
# keep-alive connections (curl --parallel), and a dump. Prints instructions per
# request and the Redis commands per request (INFO commandstats), and writes
# per-function reports (scripts/bench/callgrind_self.py) to target/bench/profile/. Servers:
#   trajet      the trajet binary (runtime = auto: current_thread, as it is pinned to one core)
#   trajet-mt   trajet with TRAJET_RUNTIME=multi_thread
#   trajet-ct   the trajet_current_thread example
#   reference     the reference server (auto, like trajet)
#   reference-mt  the reference server on the multi-threaded runtime
#   reference-ct  the reference server on current_thread

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REQUESTS="${PROFILE_REQUESTS:-5000}"
SERVERS="${PROFILE_SERVERS:-trajet reference}"
CONNECTIONS="${CONNECTIONS:-64}"
PRELOAD="${PROFILE_PRELOAD:-}" # e.g. an allocator to try: /usr/lib/x86_64-linux-gnu/libjemalloc.so.2
WORK="$TARGET/bench"
RUN="$WORK/profile"
SCRIPTS="$ROOT/scripts/bench"
REDIS_PORT="${PROFILE_REDIS_PORT:-18579}"

trap stop_all EXIT
trap 'exit 130' INT TERM

need_tools valgrind:valgrind python3:python3
build_release
# Earlier reports of servers not profiled this time stay, for comparisons.
rm -rf "$RUN/data" "$RUN/redis" "$RUN/pubs" && mkdir -p "$RUN/data" "$RUN/redis" "$RUN/pubs"
cp "$BOOK" "$RUN/pubs/book.epub"
start_redis "$RUN/redis"
rcli SET bench:session open >/dev/null

read_token="$("$BIN/examples/bench_setup" trip "$RUN/data" "$RUN/read-token.txt" 120 1 1 >/dev/null && cat "$RUN/read-token.txt")"
TRAJET_DATA_DIR="$RUN/data" TRAJET_SAMPLE_CATALOG="" "$BIN/trajet" admin create-publisher bench >/dev/null
TRAJET_DATA_DIR="$RUN/data" TRAJET_SAMPLE_CATALOG="" "$BIN/trajet" import epub \
    --publisher bench "$RUN/pubs/book.epub" >"$RUN/import.log" 2>&1 ||
    die "trajet import epub failed: $(tail -1 "$RUN/import.log")"

# The chapter path and bytes, from a plain (unprofiled) trajet.
start_trajet "$BIN/trajet" 18280 "$RUN/data" "$RUN/plain.log"
plain=$LAST_PID
cookie="$(scan_cookie 18280 "$read_token")"
chapter_path="$(python3 "$SCRIPTS/chapter.py" http://127.0.0.1:18280 "$cookie" moby "Spouter-Inn")" ||
    die "no chapter route"
curl -sS -H "Cookie: $cookie" -H "Accept-Encoding: identity" "http://127.0.0.1:18280$chapter_path" \
    -o "$RUN/chapter.xhtml"
kill "$plain"; wait "$plain" 2>/dev/null || true

# load URL COUNT: COUNT GETs over CONNECTIONS keep-alive connections, from the load core.
load() {
    local url="$1" count="$2" cfg="$RUN/curl.cfg"
    { echo "header = \"Cookie: $cookie\""; echo "header = \"Accept-Encoding: identity\""
      for _ in $(seq 1 "$count"); do echo "url = \"$url\""; echo "output = /dev/null"; done; } >"$cfg"
    taskset -c "$LOAD_CPU" curl -sS --fail --no-progress-meter -Z --parallel-max "$CONNECTIONS" -K "$cfg" ||
        die "a request to $url failed"
}

summary() { # name callgrind_file url
    local name="$1" file="$2" ir
    ir="$(awk '/^summary:/ {print $2}' "$file")"
    python3 "$SCRIPTS/callgrind_self.py" "$file" "$REQUESTS" >"$RUN/$name.self.txt"
    python3 - "$name" "$ir" "$REQUESTS" "$RUN/$name.redis.txt" <<'EOF'
import re, sys
name, ir, n, redis = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
calls = {}
for line in open(redis):
    m = re.match(r"cmdstat_(\w+):calls=(\d+),usec=(\d+)", line)
    if m and m.group(1) not in ("config", "info"):
        calls[m.group(1)] = (int(m.group(2)), int(m.group(3)))
per = ", ".join(f"{k.upper()} {c / n:.2f} ({u / c:.2f} us each)" for k, (c, u) in sorted(calls.items()))
print(f"{name}: {ir / n:,.0f} instructions per request; Redis per request: {per or 'none'}")
EOF
}

port=18281
for server in $SERVERS; do
    port=$((port + 1))
    out="$RUN/$server.callgrind"
    rm -f "$out" "$out".*
    case "$server" in
        trajet | trajet-ct | trajet-mt)
            bin="$BIN/trajet"
            [ "$server" = trajet-ct ] && bin="$BIN/examples/trajet_current_thread"
            runtime=auto
            [ "$server" = trajet-mt ] && runtime=multi_thread
            env TRAJET_RUNTIME="$runtime" TRAJET_LISTEN="127.0.0.1:$port" TRAJET_PUBLIC_URL="http://127.0.0.1:$port" \
                TRAJET_DATA_DIR="$RUN/data" REDIS_URL="$REDIS_URL" TRAJET_SAMPLE_CATALOG="" \
                TRAJET_WINDOW_AFTER_MINUTES=0 taskset -c "$SERVER_CPU" \
                env ${PRELOAD:+LD_PRELOAD=$PRELOAD} valgrind --tool=callgrind --callgrind-out-file="$out" --dump-instr=no \
                "$bin" serve >"$RUN/$server.log" 2>&1 &
            url="http://127.0.0.1:$port$chapter_path"
            ;;
        reference | reference-ct | reference-mt)
            rt=auto
            [ "$server" = reference-ct ] && rt=current
            [ "$server" = reference-mt ] && rt=multi
            REDIS_URL="$REDIS_URL" taskset -c "$SERVER_CPU" \
                env ${PRELOAD:+LD_PRELOAD=$PRELOAD} valgrind --tool=callgrind --callgrind-out-file="$out" --dump-instr=no \
                "$BIN/examples/reference_server" "127.0.0.1:$port" "$RUN/chapter.xhtml" "$rt" \
                >"$RUN/$server.log" 2>&1 &
            url="http://127.0.0.1:$port/chapter"
            ;;
        *) die "unknown server $server" ;;
    esac
    pid=$!
    STARTED+=("$pid")
    wait_port "$port" 120
    load "$url" 500 # warm-up: caches, connections, allocator
    callgrind_control -z "$pid" >/dev/null
    rcli CONFIG RESETSTAT >/dev/null
    log "$server: $REQUESTS requests"
    load "$url" "$REQUESTS"
    rcli INFO commandstats >"$RUN/$server.redis.txt"
    callgrind_control -d "$pid" >/dev/null
    kill "$pid"; wait "$pid" 2>/dev/null || true
    # The dump taken after the run ($out.1; the one at exit holds only the shutdown).
    summary "$server" "$out.1"
done
log "reports in $RUN/*.self.txt; callers of a function: scripts/bench/callgrind_self.py $RUN/trajet.callgrind.1 $REQUESTS NAME"
