#!/bin/bash
# Run every libFuzzer target for a bounded time (SR_FUZZ_SECONDS, default 60)
# from its checked-in corpus, and print executions and coverage per target.
# A crash fails the run; the crashing input is left in build-fuzz/crashes/
# to be added to tests/fuzz/corpus/<target>/ as a regression file.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${SR_FUZZ_SECONDS:-60}
command -v clang >/dev/null || { echo "fuzz.sh: clang not installed, skipping libFuzzer runs"; exit 0; }
CC=clang cmake -S . -B build-fuzz -DSR_LIBFUZZER=ON -DSR_SANITIZE=ON -DBUILD_TESTING=ON >/dev/null
targets=$(sed -n 's/^sr_fuzz_target(\([a-z_0-9]*\) \([a-z_0-9]*\))$/\1:\2/p' tests/fuzz/CMakeLists.txt)
mkdir -p build-fuzz/crashes
status=0
for t in $targets; do
	name=${t%%:*}
	corpus=${t##*:}
	cmake --build build-fuzz --target "${name}_libfuzzer" -j"$(nproc)" >/dev/null
	work=$(mktemp -d)
	cp -r "tests/fuzz/corpus/$corpus/." "$work/"
	dict=()
	[ -f "tests/fuzz/$corpus.dict" ] && dict=(-dict="tests/fuzz/$corpus.dict")
	log=build-fuzz/$name.log
	if ! "build-fuzz/tests/fuzz/${name}_libfuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=build-fuzz/crashes/"$name"- "${dict[@]}" "$work" >"$log" 2>&1; then
		echo "fuzz.sh: $name FAILED, see $log and build-fuzz/crashes/"
		status=1
	fi
	# libFuzzer's last status line: "#N DONE cov: C ft: F corp: ..."
	echo "$name: $(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse)' "$log" | tail -1)"
	rm -rf "$work"
done
exit $status
