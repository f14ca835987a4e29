#!/usr/bin/env bash
# Runs trajet's whole test suite. Installs what the tests need when it is
# missing and we are root (Debian packages): redis-server for the Redis
# tests, poppler-utils to rasterize label sheets, chromium for browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
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

cargo test --locked "$@"
