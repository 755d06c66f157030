#!/usr/bin/env bash
# Set everything up, start the embedded local trace server with demo data and open
# JupyterLab on the quickstart notebook. `scripts/demo.sh --headless out/` writes the
# standalone widget page and PNG/SVG charts to out/ instead.
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_BROWSER=0 bash scripts/setup.sh
exec .venv/bin/weave-widgets demo "$@"
