#!/usr/bin/env bash
# lyapcert's one entry point for people and CI, on Debian 12 as root:
#   bash scripts/run.sh demo   install what is missing, build, run the main job on built-in defaults
#                              (certified exponents of a few laws, then the default phase diagram)
#   bash scripts/run.sh test   install what is missing, build, run the whole test suite (ctest)
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
  *) echo "usage: scripts/run.sh demo|test|build" >&2; exit 2 ;;
esac
