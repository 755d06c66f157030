#!/usr/bin/env bash
# Set up everything weave-widgets needs on a fresh machine (idempotent):
# a Python venv in .venv with the package (editable) and its dev tools, the front-end
# packages and bundle, and Debian's chromium for the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip

(cd js && npm install --no-audit --no-fund --loglevel=error && npm run --silent build)
.venv/bin/python -m pip install --quiet -e ".[dev]"

# Debian packages: chromium for the browser tests, a colour emoji font so emoji tags render
# in the widget and in exported PNGs.
missing=()
[ "${WITH_BROWSER:-1}" = "1" ] && ! command -v chromium >/dev/null 2>&1 && missing+=(chromium)
[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
  fi
fi
