#!/bin/bash
# The determinism series of docs/reliability.md: N consecutive runs of the whole Release suite (ctest -j2) of one
# build, one after the other, nothing retried. Run it on an otherwise idle machine.
#   bash scripts/series.sh [BUILD_DIR] [N] [LOG_DIR]     (defaults: build, 20, series-logs)
# Each run's log is LOG_DIR/runK.log; LOG_DIR/summary.txt gets one line per run (exit status, seconds, load average,
# ctest's tally). Exit status: 0 when every run passed, 1 otherwise.
set -u
build=${1:-build}
n=${2:-20}
logs=${3:-series-logs}
mkdir -p "$logs"
git rev-parse HEAD > "$logs/commit.txt" 2>/dev/null || true
failed=0
for i in $(seq 1 "$n"); do
  start=$(date +%s)
  ctest --test-dir "$build" -j2 --output-on-failure > "$logs/run$i.log" 2>&1
  rc=$?
  [ "$rc" = 0 ] || failed=1
  echo "run $i rc=$rc $(( $(date +%s) - start ))s load=$(cut -d' ' -f1-3 /proc/loadavg)" \
       "$(grep -E 'tests passed' "$logs/run$i.log")" | tee -a "$logs/summary.txt"
done
exit "$failed"
