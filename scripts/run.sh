#!/usr/bin/env bash
# lyapcert's one entry point for people and CI, on Debian 12 as root:
#   bash scripts/run.sh demo   install what is missing, build, run the main job on built-in defaults
#                              (certified exponents of a few laws, then the default phase diagram)
#   bash scripts/run.sh test   install what is missing, build, run the whole test suite (ctest)
#   bash scripts/run.sh sanitize  install what is missing, build with AddressSanitizer + UBSan in build-asan/
#                              (no benchmarks, no Python module) and run the fast test label there (CI's sanitizer job)
#   bash scripts/run.sh build  install and build only
# Packages come from scripts/deps.txt (Debian only; nothing is downloaded at build time).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-demo}"
build_dir="${LYAPCERT_BUILD_DIR:-build}"

missing=()
while read -r pkg; do
  [ -z "$pkg" ] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < <(grep -v '^\s*#' scripts/deps.txt)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing: ${missing[*]}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

jobs="$(nproc)"
if [ "$mode" = sanitize ]; then
  san_dir="${LYAPCERT_SANITIZE_BUILD_DIR:-build-asan}"
  cmake -S . -B "$san_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLYAPCERT_SANITIZE=ON -DLYAPCERT_BUILD_BENCH=OFF
  cmake --build "$san_dir" -j"$jobs"
  # detect_leaks=0: FLINT/Arb keep per-thread caches on purpose; every other finding aborts the test.
  export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
  ctest --test-dir "$san_dir" --output-on-failure -j"$jobs" -L fast
  exit 0
fi
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" -j"$jobs"

case "$mode" in
  demo)
    "$build_dir/app/lyapcert" demo
    echo "== the default phase diagram of the two-layer saddle (learning rate x SNR)"
    "$build_dir/app/lyapcert" phase-diagram --out "$build_dir/phase-diagram"
    ;;
  test) ctest --test-dir "$build_dir" --output-on-failure -j"$jobs" ;;
  build) ;;
  *) echo "usage: scripts/run.sh demo|test|sanitize|build" >&2; exit 2 ;;
esac
