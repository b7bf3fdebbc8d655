#!/bin/bash
# What a dense model read once per token through mmap costs inside a memory
# cgroup smaller than it, and why the kernel's figure moves: a fully written
# file (SR_CYCLE_MB, default 256 MiB) is read page by page, CYCLES times
# (default 30), by sr_memcg_cycle inside a cgroup of LEVEL% of the file
# (default 85; v1 memory.limit_in_bytes or v2 memory.max), four ways:
#   plain      fadvise(SEQUENTIAL) mapping, faults as they come
#   populate   MAP_POPULATE first (llama.cpp's load)
#   +stat      either, reading the cgroup's memory.stat after every cycle:
#              that flushes the cgroup's statistics, which reclaim's
#              decisions (may it deactivate; is a refault recent) read and
#              otherwise sees as of the kernel's periodic 2 s flush
# and, beside them, what `ssdreplay simulate --policy pagecache` predicts for
# the same reads (always-current statistics). Prints, per way, the bytes read
# per cycle (cycles after the first) as a share of the file: the mean over
# the run, and the least and most of one cycle, medians over SR_CYCLE_RUNS
# runs (3). The file's pages are dropped before each run. SR_CYCLE_PAUSE_MS
# (0) sleeps that long after each cycle, as a token's compute would: the
# periodic flush comes every 2 s of wall time, so the pace decides how many
# cycles see one view. The prediction is charged the same pause.
#   bench/memcg_cycle.sh [LEVEL [CYCLES]]
# Needs root and a memory cgroup controller; exits 77 without them.
set -euo pipefail
cd "$(dirname "$0")/.."
bad() { echo "memcg_cycle.sh: $1" >&2; exit 2; }
LEVEL=${1:-85}
[[ $LEVEL =~ ^[0-9]+$ && $LEVEL -ge 1 && $LEVEL -le 100 ]] || bad "LEVEL: expected a percentage 1-100, found '$LEVEL'"
CYCLES=${2:-30}
[[ $CYCLES =~ ^[0-9]+$ && $CYCLES -ge 2 ]] || bad "CYCLES: expected 2 or more, found '$CYCLES'"
PAUSE=${SR_CYCLE_PAUSE_MS:-0}
[[ $PAUSE =~ ^[0-9]+$ ]] || bad "SR_CYCLE_PAUSE_MS: expected milliseconds, found '$PAUSE'"
# the reader's own memory (binary, libc, page tables) is charged too
MB=${SR_CYCLE_MB:-256}
[[ $MB =~ ^[0-9]+$ && $MB -ge 64 ]] || bad "SR_CYCLE_MB: expected 64 MiB or more, found '$MB'"
RUNS=${SR_CYCLE_RUNS:-3}
[[ $RUNS =~ ^[0-9]+$ && $RUNS -ge 1 ]] || bad "SR_CYCLE_RUNS: expected 1 or more, found '$RUNS'"
B=${SR_BUILD:-build}
[ "$(id -u)" = 0 ] || { echo "memcg_cycle.sh: needs root (memory cgroup)" >&2; exit 77; }
if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
	CG=/sys/fs/cgroup/memory/sr_memcg_cycle_$$ LIMF=memory.limit_in_bytes TASKS=tasks
elif grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
	grep -qw memory /sys/fs/cgroup/cgroup.subtree_control || echo +memory >/sys/fs/cgroup/cgroup.subtree_control
	CG=/sys/fs/cgroup/sr_memcg_cycle_$$ LIMF=memory.max TASKS=cgroup.procs
else
	echo "memcg_cycle.sh: no memory cgroup controller (v1 or v2)" >&2
	exit 77
fi
cmake --build "$B" --target ssdreplay sr_memcg_cycle >/dev/null
D=$(mktemp -d "${SR_BENCH_DIR:-/var/tmp}/sr_cycle.XXXXXX")
cleanup() {
	[ -d "$CG" ] && rmdir "$CG" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
F=$D/model
head -c "${MB}M" /dev/urandom >"$F" # fully written: no holes
sync "$F"
size=$(stat -c %s "$F")
limit=$((size * LEVEL / 100))
mkdir "$CG"
echo "$limit" >"$CG/$LIMF"
[ -f "$CG/memory.swappiness" ] && echo 0 >"$CG/memory.swappiness"
[ -f "$CG/memory.swap.max" ] && echo 0 >"$CG/memory.swap.max"

# one run: prints "MEAN MIN MAX" shares of the file per cycle, cycle 0 left out
run() { # ARGS...
	dd if="$F" iflag=nocache count=0 status=none
	sh -c 'echo $$ >"$1/$2" && shift 2 && exec "$@"' sh "$CG" "$TASKS" "$B/sr_memcg_cycle" "$F" "$CYCLES" --pause "$PAUSE" "$@" >"$D/out" ||
		{ echo "memcg_cycle.sh: sr_memcg_cycle $* failed (exit $?) in a cgroup of $limit bytes" >&2; exit 1; }
	awk -v s="$size" '$1 == "cycle" && $2 > 0 { v = $3 / s; t += v; n++
			if (n == 1 || v < lo) lo = v; if (n == 1 || v > hi) hi = v }
			END { printf "%.3f %.3f %.3f\n", t / n, lo, hi }' "$D/out"
}
med() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "memcg_cycle: ${MB} MiB file, cgroup of $LEVEL% ($((limit >> 20)) MiB), $CYCLES cycles, $PAUSE ms pause, $RUNS runs; load $(cut -d' ' -f1 /proc/loadavg); $(date -u +%FT%TZ)"
printf '%-20s %10s %10s %10s\n' way mean min max
for way in plain populate plain+stat populate+stat; do
	args=()
	case $way in populate*) args+=(--populate) ;; esac
	case $way in *+stat) args+=(--stat "$CG/memory.stat") ;; esac
	rows=()
	for _ in $(seq 1 "$RUNS"); do rows+=("$(run "${args[@]}")"); done
	printf '%-20s %10s %10s %10s\n' "$way" \
		"$(printf '%s\n' "${rows[@]}" | cut -d' ' -f1 | med)" \
		"$(printf '%s\n' "${rows[@]}" | cut -d' ' -f2 | med)" \
		"$(printf '%s\n' "${rows[@]}" | cut -d' ' -f3 | med)"
done
# the prediction: the same reads as a trace, one pass a token
{ echo offset,length,op; for ((o = 0; o < size; o += 1048576)); do echo "$o,1048576,r"; done; } >"$D/cycle.csv"
"$B/ssdreplay" simulate --trace "$D/cycle.csv" "$F" --tokens "$CYCLES" --compute-ms-per-token "$PAUSE" --policy pagecache --mem "$limit" \
	--advise sequential --output-format json -o "$D/sim.json" >/dev/null
python3 - "$D/sim.json" "$size" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["rows"][0]
s = int(sys.argv[2])
t = [b / s for b in r["per_token_read_bytes"][1:]]
print("%-20s %10.3f %10.3f %10.3f" % ("simulate pagecache", sum(t) / len(t), min(t), max(t)))
PY
