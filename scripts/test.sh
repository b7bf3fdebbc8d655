#!/bin/bash
# The whole test suite: a warning-free build with every test (unit,
# integration, fuzz corpus), then the same suite under ASan+UBSan.
# Tests that need something absent here (root, a loop device) report SKIP.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
for cfg in "build:-DSR_WERROR=ON" "build-san:-DSR_WERROR=ON -DSR_SANITIZE=ON"; do
	dir=${cfg%%:*}
	# shellcheck disable=SC2086
	cmake -S . -B "$dir" ${cfg#*:} >/dev/null
	cmake --build "$dir" -j"$jobs" >/dev/null
	echo "== ctest in $dir"
	(cd "$dir" && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$jobs")
done
