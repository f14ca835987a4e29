#!/usr/bin/env bash
# Runs trajet's whole test suite. Installs what the tests need when it is
# missing and we are root (Debian packages): redis-server for the Redis
# tests (one server, a three-node Cluster, and Sentinels, which are
# `redis-server --sentinel`), redis-tools for redis-cli (it assigns the
# Cluster's slots), postgresql for the database tests (each test process starts its own
# server on a free loopback port: tests/support/postgres.rs), poppler-utils to
# rasterize label sheets, chromium for browser tests, and moto (from PyPI)
# as the S3-compatible server of the object storage tests.
#
# The suite runs twice: everything on SQLite (the default), then the
# integration tests again on PostgreSQL (TRAJET_TEST_DATABASE=postgres). The
# repositories' own contract tests run on both engines in each pass.
#
# Tests that need the conformance material beside the repository
# (../shared/corpus, ../shared/schemas) skip what they cannot check when it is
# missing, and say so: the summary at the end counts them by reason. With CI
# set, missing material fails those tests instead.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v redis-cli >/dev/null || missing+=(redis-tools)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null || missing+=(postgresql)
{ command -v chromium && command -v chromedriver; } >/dev/null || missing+=(chromium chromium-driver)
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  else
    echo "The tests need: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

# moto, an S3-compatible server (tests/support/s3.rs), from PyPI into its own
# virtual environment: Debian's Python refuses system-wide pip installs.
moto=/opt/trajet-moto
if ! command -v moto_server >/dev/null && [ ! -x "$moto/bin/moto_server" ] && [ -z "${TRAJET_MOTO_SERVER:-}" ]; then
  if [ "$(id -u)" = 0 ]; then
    python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' 2>/dev/null || {
      apt-get update -q
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3 python3-venv
    }
    python3 -m venv "$moto"
    "$moto/bin/pip" install -q 'moto[server]'
  else
    echo "The S3 tests need moto: python3 -m venv $moto && $moto/bin/pip install 'moto[server]'" >&2
  fi
fi

# Every skip is appended here by tests/support/external.rs.
target="${CARGO_TARGET_DIR:-target}"
mkdir -p "$target"
export TRAJET_SKIP_LOG="$(cd "$target" && pwd)/skipped-tests.txt"
: >"$TRAJET_SKIP_LOG"

# --no-fail-fast: one failing test target does not hide the others' results.
status=0
echo "== the suite on SQLite"
cargo test --locked --no-fail-fast "$@" || status=$?
echo
echo "== the integration tests again on PostgreSQL"
TRAJET_TEST_DATABASE=postgres cargo test --locked --no-fail-fast --test '*' "$@" || status=$?

echo
if [ -s "$TRAJET_SKIP_LOG" ]; then
  # One line per test and reason (a test may ask twice), counted by reason.
  sort -u "$TRAJET_SKIP_LOG" | cut -f2 | sort | uniq -c |
    while read -r count reason; do
      echo "$count tests skipped: $reason"
    done
  echo "(the tests: $TRAJET_SKIP_LOG)"
else
  echo "0 tests skipped: the conformance material and tools were all there"
fi
exit "$status"
