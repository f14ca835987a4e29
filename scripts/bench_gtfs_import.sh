#!/usr/bin/env bash
# Peak memory of a GTFS import (issue 13 §2): the target is a peak RSS under
# 3 x the zip's size + 64 MiB. Measures, with the release binary:
#   - `trajet import gtfs` (GNU time's "Maximum resident set size") on the
#     largest feed of the corpus and on a generated feed with GTFS_ROWS
#     (5,000,000) trips.txt rows, the shape of the feed in the issue;
#   - the service answering `POST /api/v1/operator/trips/import` with the
#     generated feed (the peak of the serving process, VmHWM, which also
#     holds the uploaded zip).
#
#   scripts/bench_gtfs_import.sh
#   GTFS_ROWS=1000000 scripts/bench_gtfs_import.sh   # a quicker run
#
# A benchmark, not a test: it prints figures and exits non-zero only when it
# cannot run or a peak misses the target.

source "$(dirname "${BASH_SOURCE[0]}")/bench/lib.sh"

ROWS="${GTFS_ROWS:-5000000}"
WORK="$TARGET/bench/gtfs"
PORT="${BENCH_GTFS_PORT:-18581}"
FROM=2026-11-30
TO=2026-11-30

trap stop_all EXIT
trap 'exit 130' INT TERM

[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time, Debian package time) is needed"
command -v curl >/dev/null || die "curl is needed"
(cd "$ROOT" && cargo build --release --quiet --bin trajet)
BIN="$TARGET/release/trajet"
rm -rf "$WORK" && mkdir -p "$WORK"

FEED="$WORK/generated-$ROWS.zip"
log "generating a feed with $ROWS trips.txt rows"
python3 "$ROOT/scripts/bench/gtfs_feed.py" "$FEED" "$ROWS"

# The largest feed of the corpus, when there is one.
LARGEST=""
if [ -d "$CORPUS/gtfs" ]; then
    LARGEST="$(ls -S "$CORPUS"/gtfs/*.zip | head -n 1)"
fi

budget_kib() { # zip -> 3 x size + 64 MiB, in KiB
    echo $(( ($(stat -c %s "$1") * 3) / 1024 + 64 * 1024 ))
}

FAILED=0
verdict() { # label zip peak_kib
    local budget
    budget="$(budget_kib "$2")"
    printf '%-44s zip %7.1f MiB  peak RSS %7.1f MiB  target < %7.1f MiB  %s\n' \
        "$1" "$(echo "$(stat -c %s "$2") / 1048576" | bc -l)" \
        "$(echo "$3 / 1024" | bc -l)" "$(echo "$budget / 1024" | bc -l)" \
        "$([ "$3" -lt "$budget" ] && echo ok || echo MISSED)"
    [ "$3" -lt "$budget" ] || FAILED=1
}

cli_import() { # label zip from to [--all-route-types]
    local data="$WORK/data-cli-$RANDOM" out="$WORK/time-$RANDOM.txt"
    TRAJET_DATA_DIR="$data" "$BIN" admin create-operator "Bench" >/dev/null
    TRAJET_DATA_DIR="$data" /usr/bin/time -v -o "$out" \
        "$BIN" import gtfs "$2" --from "$3" --to "$4" "${@:5}" >"$out.stdout"
    tail -n 1 "$out.stdout" >&2
    verdict "$1" "$2" "$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out")"
}

if [ -n "$LARGEST" ]; then
    # A week of the feed's service (Metra, the largest, runs in December 2023).
    cli_import "CLI, corpus $(basename "$LARGEST")" "$LARGEST" 2023-12-11 2023-12-17
fi
cli_import "CLI, generated $ROWS rows" "$FEED" "$FROM" "$TO"

# The service: one import by HTTP, the peak of the whole process.
DATA="$WORK/data-service"
KEY="$(TRAJET_DATA_DIR="$DATA" "$BIN" admin create-operator "Bench" | tail -n 1)"
port_free "$PORT" || die "port $PORT is taken (set BENCH_GTFS_PORT)"
# No sample catalog (a folder that does not exist): its loading is not the import.
TRAJET_DATA_DIR="$DATA" TRAJET_LISTEN="127.0.0.1:$PORT" TRAJET_SAMPLE_CATALOG="$WORK/no-sample" \
    TRAJET_UPLOAD_LIMIT_MIB=200 "$BIN" serve >"$WORK/serve.log" 2>&1 &
SERVER=$!
STARTED+=("$SERVER")
wait_port "$PORT"
sleep 1
idle="$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")"
# Forget the start's peak (the static pages compressed once): "5" resets VmHWM.
echo 5 >"/proc/$SERVER/clear_refs"
curl -sS -o "$WORK/report.json" -w '%{http_code}\n' -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/zip' --data-binary "@$FEED" \
    "http://127.0.0.1:$PORT/api/v1/operator/trips/import?from=$FROM&to=$TO" >&2
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print({k: r[k] for k in ("created","skipped","skipped_by_reason","other_route_types")}, len(r["skipped_rows"]), "rows listed")' "$WORK/report.json" >&2
log "report: $(stat -c %s "$WORK/report.json") bytes"
peak="$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")"
after="$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")"
verdict "service, generated $ROWS rows" "$FEED" "$peak"
printf '%-44s idle before %.1f MiB, after the import %.1f MiB\n' "service RSS" \
    "$(echo "$idle / 1024" | bc -l)" "$(echo "$after / 1024" | bc -l)"
exit "$FAILED"
