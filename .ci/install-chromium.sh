#!/usr/bin/env bash
# Debian's headless Chromium for the report's browser tests (Playwright drives it with
# executable_path=/usr/bin/chromium; no browser download). Idempotent.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium present: $(/usr/bin/chromium --version 2>/dev/null || echo unknown version)"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
echo "installed $(/usr/bin/chromium --version)"
