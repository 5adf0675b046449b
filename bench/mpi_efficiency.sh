#!/usr/bin/env bash
# Parallel efficiency of the MPI phase diagram (docs/performance.md, "MPI sweeps"): one rank x 1 thread against
# N ranks x 1 thread on the same diagram, plus the cost of every grid point (LYAPCERT_ITEM_COSTS) for the cost model
# bench/mpi_cost_model.py. Usage: bench/mpi_efficiency.sh BUILD_DIR [GRID] [RANKS] [OUTDIR]
#   efficiency = (1-rank wall) / (RANKS x RANKS-rank wall); the machine's load is printed with the figures.
set -euo pipefail
build=${1:?build directory}
grid=${2:-200x100}
ranks=${3:-2}
out=${4:-$(mktemp -d)}
cli=$(realpath "$build/app/lyapcert")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
cd "$out"
rm -f costs.txt one.* many.* one.journal
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg), cores: $(nproc)"
t0=$(date +%s.%N)
LYAPCERT_ITEM_COSTS=costs.txt "$cli" phase-diagram --grid "$grid" --jobs 1 --out one --journal one.journal \
  --time-budget 100000 >/dev/null
t1=$(date +%s.%N)
mpirun -np "$ranks" --oversubscribe "$cli" phase-diagram --grid "$grid" --jobs 1 --out many --time-budget 100000 \
  >/dev/null
t2=$(date +%s.%N)
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
cmp one.csv many.csv && cmp one.json many.json && echo "outputs identical"
python3 - "$t0" "$t1" "$t2" "$ranks" costs.txt <<'PY'
import sys
t0, t1, t2, p = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
work = sum(float(l.split()[2]) for l in open(sys.argv[5]))
w1, wp = t1 - t0, t2 - t1
print(f"1 rank: {w1:.1f} s wall ({work:.1f} s in items); {p} ranks: {wp:.1f} s wall")
print(f"speed-up {w1 / wp:.2f}, efficiency (1-rank wall) / ({p} x wall) = {w1 / (p * wp):.2f}; "
      f"(item work) / ({p} x wall) = {work / (p * wp):.2f}")
PY
echo "item costs: $out/costs.txt"
