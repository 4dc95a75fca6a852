#!/usr/bin/env bash
# Every benchmark of docs/performance.md, in one run, then the figures written into that file.
# Loopback only; bounded in time (about 20 minutes on 2 cores); scratch files under $BENCH_WORK.
# With ORBAT_TEST_POSTGRES_URL set, the API is also measured on PostgreSQL (theatre preset:
# loading the world bundle into PostgreSQL alone takes about half an hour).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
WORK="${BENCH_WORK:-/tmp/orbat-bench}"
rm -rf "$WORK"
mkdir -p "$WORK"
WORLD="$WORK/world/orbat.db"

step() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

step "import: world bundle against sqlite3 .import"
$PY bench/bench_import.py --preset world --keep "$WORK/world"
step "import: theatre bundle"
$PY bench/bench_import.py --preset theatre
step "temporal index options"
$PY bench/bench_temporal.py "$WORLD" --skip-api
step "API against the SQL floor and Datasette (world)"
$PY bench/bench_api.py --db "$WORLD" --work "$WORK/api" --json bench/results/api-world.json
if [[ -n "${ORBAT_TEST_POSTGRES_URL:-}" ]]; then
  step "API on PostgreSQL (theatre)"
  $PY bench/bench_api.py --preset theatre --postgres --work "$WORK/api-pg" \
    --json bench/results/api-postgres.json
fi
step "the map in Chromium (Syria and world)"
$PY bench/bench_browser.py --db "$WORLD" --date 2012-06-23
step "64 readers while imports alternate"
$PY bench/load_readers.py --work "$WORK/load"
step "kill -9 of an import"
$PY bench/fault_kill_import.py --preset theatre --json bench/results/fault.json
step "report"
$PY bench/report.py
