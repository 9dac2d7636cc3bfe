#!/usr/bin/env bash
# Install Debian's chromium for the browser tests (tests/browser), idempotently.
#
# Usage (from .ci/run, before pytest):   bash .ci/browser-setup.sh
#
# Never runs `playwright install`: downloading a browser fails here. The tests drive
# /usr/bin/chromium through Playwright's Python package with executable_path set, and
# skip with a clear reason when it is missing. Set SUPPLYSHOCK_CHROMIUM to use another
# binary. Exits 0 when chromium is (already) installed, non-zero when it cannot be.
( 
  set -euo pipefail
  chromium_bin="${SUPPLYSHOCK_CHROMIUM:-/usr/bin/chromium}"
  if [ -x "$chromium_bin" ]; then
    echo "browser-setup: $("$chromium_bin" --version 2>/dev/null || echo chromium) already at $chromium_bin"
    exit 0
  fi
  if [ "$(id -u)" -eq 0 ]; then
    as_root=()
  elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo -n)
  else
    echo "browser-setup: need root (or sudo) to apt-get install chromium" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update
  "${as_root[@]}" apt-get install -y chromium
  if [ ! -x "$chromium_bin" ]; then
    echo "browser-setup: apt-get installed chromium but $chromium_bin is missing" >&2
    exit 1
  fi
  echo "browser-setup: installed $("$chromium_bin" --version 2>/dev/null || echo chromium) at $chromium_bin"
)
