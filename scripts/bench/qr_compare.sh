#!/usr/bin/env bash
# trajet's seat code QR rendering against the best-known QR libraries of
# other ecosystems doing the same job (SPEC §6, issue 8):
#
#   scripts/bench/qr_compare.sh                 # 5 interleaved rounds of 1,000 codes
#   ROUNDS=1 scripts/bench/qr_compare.sh        # smoke run
#   QR_TOOLS="trajet segno" scripts/bench/qr_compare.sh
#
# The same 1,000 seat code URLs, minted by trajet (same length and content as
# printed codes), become PNG and SVG QR codes at level Q, 8 px a module, a
# 4-module quiet zone (as trajet's operator API serves them), in memory:
#   trajet        examples/qr_compare (benches/bin/qr_compare.rs), also the 1,000-seat PDF sheet
#   segno         Python, the fastest well-known Python QR library
#   qrcode-py     Python `qrcode` with Pillow, the most used one
#   node-qrcode   Node's `qrcode` package, the most used JavaScript one
# Each tool runs pinned to one core (QR_BENCH_CPU, default 1) with
# `taskset`, warms up with one untimed pass, then times one pass per format;
# rounds interleave the tools (A B C D, A B C D, ...) so that other load on
# the machine hits them alike. Before timing, sample images of every tool are
# decoded (rqrr; SVGs rasterized with rsvg-convert) and must hold the same
# URL at level Q in the same QR version. Prints a table; raw results in
# $CARGO_TARGET_DIR/bench/qr_compare.json (default target/bench/).
# Python packages go into a venv and npm packages into target/bench/qr_compare/.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
WORK="$TARGET/bench/qr_compare"
OUT="$TARGET/bench/qr_compare.json"
SCRIPTS="$ROOT/scripts/bench"
ROUNDS="${ROUNDS:-5}"
CODES="${CODES:-1000}"
CPU="${QR_BENCH_CPU:-1}"
QR_TOOLS="${QR_TOOLS:-trajet segno qrcode-py node-qrcode}"
# Versions measured in the README; change them here to measure others.
PY_PACKAGES=(segno==1.6.6 qrcode==8.2 "pillow>=10")
NPM_PACKAGE="qrcode@1.5.4"

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Debian packages for what is missing, installed when root, else named.
need_tools() {
    local missing=() pair tool
    for pair in "$@"; do
        tool="${pair%%:*}"
        if [ "$tool" = venv ]; then
            python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=("${pair#*:}")
        else
            command -v "$tool" >/dev/null 2>&1 || missing+=("${pair#*:}")
        fi
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}: install them (Debian package names), e.g. sudo apt-get install ${missing[*]}"
    log "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

wants() { [[ " $QR_TOOLS " == *" $1 "* ]]; }

tools=(taskset:util-linux rsvg-convert:librsvg2-bin python3:python3 venv:python3-venv)
wants node-qrcode && tools+=(node:nodejs npm:npm)
need_tools "${tools[@]}"
[ "$CPU" -lt "$(nproc)" ] || die "no CPU $CPU here: set QR_BENCH_CPU"
wants trajet || die "QR_TOOLS must include trajet: every ratio is against it"

log "building examples/qr_compare (release)"
(cd "$ROOT" && cargo build --release --locked --quiet --example qr_compare)
TRAJET="$TARGET/release/examples/qr_compare"

mkdir -p "$WORK"
VENV="$WORK/venv"
if wants segno || wants qrcode-py; then
    if [ ! -x "$VENV/bin/python" ]; then
        log "creating a Python venv in $VENV"
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "${PY_PACKAGES[@]}"
fi
NODE_MODULES="$WORK/node/node_modules"
if wants node-qrcode && ! grep -qs "\"version\": \"${NPM_PACKAGE#*@}\"" "$NODE_MODULES/qrcode/package.json"; then
    log "installing npm $NPM_PACKAGE into $WORK/node"
    mkdir -p "$WORK/node"
    echo '{"name":"trajet-qr-compare","private":true}' >"$WORK/node/package.json"
    (cd "$WORK/node" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error "$NPM_PACKAGE" >/dev/null)
fi

# The command of one tool: `tool_cmd TOOL MODE` sets CMD; the mode's own
# arguments follow it. Each prints a JSON line (time) or writes samples.
tool_cmd() {
    case "$1" in
        trajet) CMD=("$TRAJET" "$2" "$URLS") ;;
        segno) CMD=("$VENV/bin/python" "$SCRIPTS/qr_python.py" "$2" segno "$URLS") ;;
        qrcode-py) CMD=("$VENV/bin/python" "$SCRIPTS/qr_python.py" "$2" qrcode "$URLS") ;;
        node-qrcode) CMD=(node "$SCRIPTS/qr_node.js" "$2" "$URLS" "$NODE_MODULES") ;;
        *) die "unknown tool $1 (known: trajet segno qrcode-py node-qrcode)" ;;
    esac
}

URLS="$WORK/urls.txt"
"$TRAJET" urls "$CODES" >"$URLS"
log "$CODES seat code URLs of $(awk 'NR == 1 { print length }' "$URLS") characters in $URLS"

# Same codes: sample images of every tool decode to trajet's URL, level and version.
SAMPLES="$WORK/samples"
rm -rf "$SAMPLES" && mkdir -p "$SAMPLES"
for tool in $QR_TOOLS; do
    tool_cmd "$tool" samples
    "${CMD[@]}" "$SAMPLES" 0 $((CODES / 2)) $((CODES - 1))
done
for svg in "$SAMPLES"/*.svg; do
    rsvg-convert --width 400 --keep-aspect-ratio --background-color white "$svg" -o "$svg.png"
done
CHECKS="$WORK/checks.jsonl"
"$TRAJET" check "$URLS" "$SAMPLES" >"$CHECKS" ||
    die "a library's code differs from trajet's: see $CHECKS"
log "$(wc -l <"$CHECKS") sample images decode to the same codes"

RUNS="$WORK/runs.jsonl"
: >"$RUNS"
for round in $(seq 1 "$ROUNDS"); do
    for tool in $QR_TOOLS; do
        log "round $round/$ROUNDS: $tool"
        tool_cmd "$tool" time
        line="$(taskset -c "$CPU" "${CMD[@]}")"
        printf '%s\n' "${line/#\{/\{\"round\":$round,}" >>"$RUNS"
    done
done

python3 "$SCRIPTS/qr_report.py" "$RUNS" "$CHECKS" "$URLS" "$CPU" "$OUT"
