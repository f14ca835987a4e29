# Shared by scripts/bench.sh and scripts/soak.sh: tools, build, a private
# redis-server, trajet instances and their setup. Sourced, not run.
# Every process started here is recorded in STARTED and ended by its pid.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
CORPUS="${TRAJET_CORPUS:-$ROOT/../shared/corpus}"
BOOK="${BENCH_BOOK:-$CORPUS/epub/valid/moby-dick-epub3.epub}"
# Chapter 3 of Moby-Dick, "The Spouter-Inn": 33 KB of XHTML, inside the default 10 % excerpt.
CHAPTER_ENTRY="${BENCH_CHAPTER_ENTRY:-OPS/chapter_003.xhtml}"
SERVER_CPU="${BENCH_SERVER_CPU:-0}"
LOAD_CPU="${BENCH_LOAD_CPU:-1}"
REDIS_PORT="${BENCH_REDIS_PORT:-18379}"
STARTED=()

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

stop_all() {
    local pid
    for pid in "${STARTED[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    STARTED=()
}

# Installs what is missing (Debian packages, as root only).
need_tools() {
    local missing=() tool pkg
    for pair in redis-server:redis-server redis-cli:redis-tools wrk:wrk "$@"; do
        tool="${pair%%:*}" pkg="${pair#*:}"
        command -v "$tool" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}: install them (Debian package names)"
    log "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

build_release() {
    # BENCH_BIN: binaries built beforehand (another profile, another machine).
    if [ -n "${BENCH_BIN:-}" ]; then BIN="$BENCH_BIN"; log "using the binaries of $BIN"; return; fi
    log "building release binaries (trajet, reference server, setup helper)"
    (cd "$ROOT" && cargo build --release --quiet --bin trajet --examples)
    BIN="$TARGET/release"
}

wait_port() { # port [seconds]
    local deadline=$((SECONDS + ${2:-20}))
    until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || die "nothing listens on port $1"
        sleep 0.1
    done
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A private redis-server on the load generator's core (shared alike by trajet
# and the reference server), no persistence.
start_redis() { # dir
    port_free "$REDIS_PORT" || die "port $REDIS_PORT is taken (set BENCH_REDIS_PORT)"
    taskset -c "$LOAD_CPU" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 \
        --save "" --appendonly no --dir "$1" --logfile "$1/redis.log" &
    REDIS_PID=$!
    STARTED+=("$REDIS_PID")
    wait_port "$REDIS_PORT"
    REDIS_URL="redis://127.0.0.1:$REDIS_PORT/"
}

rcli() { redis-cli -p "$REDIS_PORT" "$@"; }

# Starts trajet pinned to the server core: start_trajet BINARY PORT DATA_DIR LOG [VAR=VALUE...];
# sets LAST_PID.
start_trajet() {
    local bin="$1" port="$2" data="$3" logfile="$4"
    shift 4
    port_free "$port" || die "port $port is taken"
    env TRAJET_LISTEN="127.0.0.1:$port" TRAJET_PUBLIC_URL="http://127.0.0.1:$port" \
        TRAJET_DATA_DIR="$data" REDIS_URL="$REDIS_URL" TRAJET_SAMPLE_CATALOG="" \
        TRAJET_WINDOW_AFTER_MINUTES=0 TRAJET_SESSIONS_PER_SEAT_CODE=100000000 \
        TRAJET_SCANS_PER_MINUTE_PER_CLIENT=1000000000 TRAJET_SCANS_PER_MINUTE_PER_SEAT_CODE=1000000000 \
        "$@" taskset -c "$SERVER_CPU" "$bin" serve >"$logfile" 2>&1 &
    LAST_PID=$!
    STARTED+=("$LAST_PID")
    wait_port "$port"
}

# Scans TOKEN on PORT and prints the session cookie pair (name=value).
scan_cookie() { # port token
    local headers
    headers="$(curl -sS -o /dev/null -D - "http://127.0.0.1:$1/T/$2")"
    grep -qi '^HTTP/1.1 303' <<<"$headers" || die "scan refused: $(head -1 <<<"$headers")"
    grep -i '^set-cookie: trajet_session=' <<<"$headers" | sed 's/^[^:]*: //; s/;.*//' | tr -d '\r'
}

# utime+stime of a process in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# A field of /proc/PID/status in kB (VmRSS, VmHWM).
mem_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
