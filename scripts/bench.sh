#!/usr/bin/env bash
# Load test of the passenger hot path against the machine's limit and the
# alternatives, in interleaved rounds (issue 8, SPEC §6).
#
#   scripts/bench.sh                 # 5 rounds x 10 s per server
#   ROUNDS=1 RUN_SECONDS=3 scripts/bench.sh   # smoke run
#   BENCH_SERVERS="trajet-chapter reference" ROUNDS=3 RUN_SECONDS=5 scripts/bench.sh
#                                    # only these servers, no ingestion or idle-RSS runs
#
# Servers, each pinned to core BENCH_SERVER_CPU (0); wrk -t1 -c64 and the
# private redis-server on core BENCH_LOAD_CPU (1); loopback only:
#   trajet-chapter[-mt]  trajet's chapter route, Redis-backed session
#   reference[-mt]       axum, the same bytes from memory after one Redis GET (the limit)
#   nginx                the same bytes as a static file (sendfile)
#   r2-streamer          Readium's r2-streamer-js, the same chapter out of the EPUB
#   trajet-scan[-mt]     trajet's scan route (verify, open a session, set the cookie)
#   trajet-vehicle-scan[-mt]  the same route with the labels of a train set
#                        (1,000 seats x 20 cars) that runs a trip: the scan
#                        finds the trip the set runs now (target: <= 1.2x a trip code's cost)
# trajet and the reference run with the same runtime settings: by default
# \`runtime = auto\`, which is tokio's current_thread on the one core they are
# pinned to; "-mt": the multi-threaded runtime (one worker) forced on both.
# Prints medians (min-max) and per-round ratios; raw results in
# $CARGO_TARGET_DIR/bench/results.json (default target/bench/).

source "$(dirname "${BASH_SOURCE[0]}")/bench/lib.sh"

ROUNDS="${ROUNDS:-5}"
SERVERS="${BENCH_SERVERS:-}" # empty: every server, and the ingestion and idle-RSS measurements
wanted() { [ -z "$SERVERS" ] || [[ " $SERVERS " == *" $1 "* ]]; }
RUN_SECONDS="${RUN_SECONDS:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
R2_VERSION="1.0.51"
WORK="$TARGET/bench"
RUN="$WORK/run"
SCRIPTS="$ROOT/scripts/bench"

trap stop_all EXIT
trap 'exit 130' INT TERM

need_tools nginx:nginx-light node:nodejs npm:npm python3:python3
[ -f "$BOOK" ] || die "corpus book $BOOK not found (set TRAJET_CORPUS)"
[ "$(nproc)" -ge 2 ] || die "needs two cores (server and load generator apart)"
build_release

rm -rf "$RUN" && mkdir -p "$RUN/data" "$RUN/www" "$RUN/pubs" "$RUN/redis" "$RUN/nginx"
cp "$BOOK" "$RUN/pubs/book.epub"

# Readium's streamer, installed without install scripts, outside the repository.
if wanted r2-streamer && [ ! -f "$WORK/r2/node_modules/r2-streamer-js/package.json" ]; then
    log "installing r2-streamer-js $R2_VERSION into $WORK/r2"
    mkdir -p "$WORK/r2"
    echo '{"name":"trajet-bench-r2","private":true}' >"$WORK/r2/package.json"
    (cd "$WORK/r2" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error \
        "r2-streamer-js@$R2_VERSION" >/dev/null)
fi

start_redis "$RUN/redis"
rcli SET bench:session open >/dev/null

# --- trajet: a reading trip (one seat) and a scan trip (1,000 seats x 20 cars) ---
read_token="$("$BIN/examples/bench_setup" trip "$RUN/data" "$RUN/read-token.txt" 120 1 1 >/dev/null && cat "$RUN/read-token.txt")"
scan_trip="$("$BIN/examples/bench_setup" trip "$RUN/data" "$RUN/scan-tokens.txt" 120 1000 20)"
mkdir -p "$RUN/vehicle"
vehicle_trip="$("$BIN/examples/bench_setup" vehicle-trip "$RUN/data" "$RUN/vehicle/tokens.txt" 120 1000 20)"
if "$BIN/trajet" import epub --help >/dev/null 2>&1; then
    TRAJET_DATA_DIR="$RUN/data" TRAJET_SAMPLE_CATALOG="" "$BIN/trajet" admin create-publisher bench >/dev/null
    TRAJET_DATA_DIR="$RUN/data" TRAJET_SAMPLE_CATALOG="" "$BIN/trajet" import epub \
        --publisher bench "$RUN/pubs/book.epub" >"$RUN/import.log" 2>&1 ||
        die "trajet import epub failed: $(tail -1 "$RUN/import.log")"
else # the same library call, until the command exists
    "$BIN/examples/bench_setup" ingest "$RUN/data" bench 1 "$RUN/pubs/book.epub" >"$RUN/import.log"
fi

# --- ingestion: the three largest corpus books, each in its own process (CPU, peak RSS) ---
: >"$RUN/ingest.jsonl"
idle_rss_kb=0
[ -z "$SERVERS" ] && for book in vertically-scrollable-manga-large guide-vins-french-reflowable haruko-manga-fixed-layout-rtl moby-dick-epub3; do
    mkdir -p "$RUN/ingest-$book"
    "$BIN/examples/bench_setup" ingest "$RUN/ingest-$book" bench 1 "$CORPUS/epub/valid/$book.epub" >>"$RUN/ingest.jsonl"
done
# --- idle memory of a server with 1,000 titles (a 160 KB book ingested 1,000 times) ---
if [ -z "$SERVERS" ]; then
    "$BIN/examples/bench_setup" ingest "$RUN/many/data" bench 1000 \
        "$CORPUS/epub/valid/childrens-literature-readium.epub" >/dev/null
    start_trajet "$BIN/trajet" 18070 "$RUN/many/data" "$RUN/many/trajet.log"
    sleep 3
    idle_rss_kb="$(mem_kb "$LAST_PID" VmRSS)"
    kill "$LAST_PID"
    log "idle RSS with 1,000 titles: $((idle_rss_kb / 1024)) MiB"
fi

start_trajet "$BIN/trajet" 18080 "$RUN/data" "$RUN/trajet.log"; TRAJET_PID=$LAST_PID
start_trajet "$BIN/trajet" 18081 "$RUN/data" "$RUN/trajet-mt.log" TRAJET_RUNTIME=multi_thread; TRAJET_MT_PID=$LAST_PID
cookie="$(scan_cookie 18080 "$read_token")"
[ -n "$cookie" ] || die "the scan gave no session cookie"

chapter_path="$(python3 "$SCRIPTS/chapter.py" http://127.0.0.1:18080 "$cookie" moby "Spouter-Inn" || true)"
[ -n "$chapter_path" ] || log "no chapter route answered: the trajet-chapter runs are skipped"
if [ -n "$chapter_path" ]; then
    # The reference and nginx serve exactly the bytes trajet serves.
    curl -sS -H "Cookie: $cookie" -H "Accept-Encoding: identity" \
        "http://127.0.0.1:18080$chapter_path" -o "$RUN/www/chapter.xhtml"
else
    "$BIN/examples/bench_setup" chapter "$RUN/pubs/book.epub" "$CHAPTER_ENTRY" "$RUN/www/chapter.xhtml"
fi
log "chapter: $(stat -c %s "$RUN/www/chapter.xhtml") bytes served by trajet/reference/nginx"

# --- the reference server, both runtimes ---
for rt in auto multi; do
    wanted "$([ "$rt" = auto ] && echo reference || echo reference-mt)" || continue
    port=$([ "$rt" = auto ] && echo 18090 || echo 18091)
    REDIS_URL="$REDIS_URL" taskset -c "$SERVER_CPU" "$BIN/examples/reference_server" \
        "127.0.0.1:$port" "$RUN/www/chapter.xhtml" "$rt" >"$RUN/reference-$rt.log" 2>&1 &
    STARTED+=("$!")
    [ "$rt" = auto ] && REF_PID=$! || REF_MT_PID=$!
    wait_port "$port"
done

# --- nginx: one process, sendfile, no access log (trajet logs no line per request either) ---
if wanted nginx; then
sed -e "s#@RUN@#$RUN#g" "$SCRIPTS/nginx.conf" >"$RUN/nginx/nginx.conf"
taskset -c "$SERVER_CPU" nginx -c "$RUN/nginx/nginx.conf" -p "$RUN/nginx" &
NGINX_PID=$!
STARTED+=("$NGINX_PID")
wait_port 18092
fi

# --- r2-streamer-js, bound to loopback ---
if wanted r2-streamer; then
PORT=18093 STREAMER_DISABLE_EXPIRY=1 taskset -c "$SERVER_CPU" node -r "$SCRIPTS/loopback.js" \
    "$WORK/r2/node_modules/r2-streamer-js/dist/es8-es2017/src/http/server-cli.js" \
    "$RUN/pubs" >"$RUN/r2.log" 2>&1 &
R2_PID=$!
STARTED+=("$R2_PID")
wait_port 18093 60
r2_path="/pub/$(printf %s "$(realpath "$RUN/pubs/book.epub")" | base64 -w0 | sed 's/=/%3D/g')/$CHAPTER_ENTRY"
fi

# --- what each run loads: name|pid|url|extra wrk arguments ---
TARGETS=()
if [ -n "$chapter_path" ]; then
    TARGETS+=("trajet-chapter|$TRAJET_PID|http://127.0.0.1:18080$chapter_path|cookie")
    TARGETS+=("trajet-chapter-mt|$TRAJET_MT_PID|http://127.0.0.1:18081$chapter_path|cookie")
fi
TARGETS+=(
    "reference|${REF_PID:-}|http://127.0.0.1:18090/chapter|"
    "reference-mt|${REF_MT_PID:-}|http://127.0.0.1:18091/chapter|"
    "nginx|${NGINX_PID:-}|http://127.0.0.1:18092/chapter.xhtml|"
    "r2-streamer|${R2_PID:-}|http://127.0.0.1:18093${r2_path:-}|"
    "trajet-scan|$TRAJET_PID|http://127.0.0.1:18080/|scan"
    "trajet-scan-mt|$TRAJET_MT_PID|http://127.0.0.1:18081/|scan"
    "trajet-vehicle-scan|$TRAJET_PID|http://127.0.0.1:18080/|vscan"
    "trajet-vehicle-scan-mt|$TRAJET_MT_PID|http://127.0.0.1:18081/|vscan"
)
if [ -n "$SERVERS" ]; then
    chosen=()
    for t in "${TARGETS[@]}"; do
        wanted "${t%%|*}" && chosen+=("$t")
    done
    TARGETS=("${chosen[@]}")
fi

# Every server answers 200 before measuring (and warms up: r2 parses the EPUB on first use).
for t in "${TARGETS[@]}"; do
    IFS='|' read -r name pid url mode <<<"$t"
    [[ "$mode" == *scan ]] && continue
    code="$(curl -sS -o "$RUN/check-$name" -w '%{http_code}' -H "Cookie: $cookie" "$url")"
    [ "$code" = 200 ] || die "$name answered $code at $url"
    log "$name: 200, $(stat -c %s "$RUN/check-$name") bytes"
done

# Ends every session of a scan trip, so each scan run starts from the same Redis.
end_scan_sessions() { # trip
    rcli EVAL "for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do redis.call('DEL', ARGV[1]..'s:'..id) end
for _, k in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('DEL', k) end
return redis.call('DEL', KEYS[1], KEYS[2])" 2 "trajet:t:$1:s" "trajet:t:$1:k" trajet: >/dev/null
}

run_one() { # round name pid url mode
    local round="$1" name="$2" pid="$3" url="$4" mode="$5" args=() out dir="$RUN"
    case "$mode" in
        cookie) args=(-H "Cookie: $cookie") ;;
        scan) end_scan_sessions "$scan_trip"; args=(-s "$SCRIPTS/scan.lua") ;;
        # scan.lua reads tokens.txt where wrk runs: the set's labels there.
        vscan) end_scan_sessions "$vehicle_trip"; args=(-s "$SCRIPTS/scan.lua"); dir="$RUN/vehicle" ;;
    esac
    local cpu0 rcpu0 cpu1 rcpu1
    cpu0=$(cpu_ticks "$pid") rcpu0=$(cpu_ticks "$REDIS_PID")
    out="$(cd "$dir" && timeout $((RUN_SECONDS + 30)) taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" \
        -d"${RUN_SECONDS}s" --timeout 5s --latency "${args[@]}" "$url")" || die "wrk failed on $name"
    cpu1=$(cpu_ticks "$pid") rcpu1=$(cpu_ticks "$REDIS_PID")
    printf '%s\n' "$out" >"$RUN/wrk-$round-$name.txt"
    python3 "$SCRIPTS/parse_wrk.py" "$round" "$name" "$((cpu1 - cpu0))" "$((rcpu1 - rcpu0))" \
        "$(getconf CLK_TCK)" "$(mem_kb "$pid" VmRSS)" "$(mem_kb "$pid" VmHWM)" <<<"$out" >>"$RUN/results.jsonl"
    log "round $round $name: $(tail -1 "$RUN/results.jsonl" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("%.0f req/s, p99 %s ms, errors %d" % (r["rps"], r["p99_ms"], r["errors"]))')"
}

cp "$RUN/scan-tokens.txt" "$RUN/tokens.txt"
log "load: $ROUNDS rounds x ${#TARGETS[@]} servers x ${RUN_SECONDS}s, wrk -t1 -c$CONNECTIONS"
: >"$RUN/results.jsonl"
for round in $(seq 1 "$ROUNDS"); do
    # Rotate the order each round, so no server always runs first or last.
    n=${#TARGETS[@]}
    for i in $(seq 0 $((n - 1))); do
        IFS='|' read -r name pid url mode <<<"${TARGETS[$(((i + round - 1) % n))]}"
        run_one "$round" "$name" "$pid" "$url" "$mode"
    done
done

python3 "$SCRIPTS/report.py" "$RUN/results.jsonl" "$WORK/results.json" \
    "$(stat -c %s "$RUN/www/chapter.xhtml")" "$(stat -c %s "$RUN/check-r2-streamer" 2>/dev/null || true)" \
    "$RUN/ingest.jsonl" "$idle_rss_kb"
