#!/usr/bin/env bash
# Set everything up, then run every check: lint, types, front-end tests, the Python suite
# (unit, local-server integration, notebooks, real-browser end to end).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy"; .venv/bin/mypy
echo "== typescript + vitest"
npm --prefix js run --silent typecheck
npm --prefix js test --silent
echo "== pytest"; .venv/bin/python -m pytest -p no:cacheprovider "$@"
