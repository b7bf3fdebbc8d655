#!/bin/bash
# scripts/llamacpp_pin.sh RUN_JSON: read the files a llama.cpp run mapped
# besides its model (scripts/llamacpp_run.mjs's mapped_files: node, its
# libraries, llama.cpp's) into the page cache from this shell's memory
# cgroup, first dropping the pages of them no process maps
# (POSIX_FADV_DONTNEED). A page cache page stays charged to the cgroup that
# read it in, and a cgroup's reclaim takes only its own pages, so a limited
# run started afterwards in another cgroup maps them without evicting them.
# Left to the limited cgroup, node's 94 MiB binary and its libraries were
# evicted and read again every token, 13-130 MiB a token that the run's
# /proc/self/io counted as if the model had been read. Prints the MiB read;
# exit 2 when RUN_JSON is not the runner's JSON.
set -u
[ $# = 1 ] || { echo "usage: llamacpp_pin.sh RUN_JSON" >&2; exit 2; }
files=$(python3 -c 'import json,sys
try:
    d = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    sys.exit("llamacpp_pin: %s: expected the JSON of scripts/llamacpp_run.mjs: %s" % (sys.argv[1], e))
if not isinstance(d, dict) or not isinstance(d.get("mapped_files"), list):
    sys.exit("llamacpp_pin: %s: expected mapped_files (a list of paths) in the runner'"'"'s JSON" % sys.argv[1])
print("\n".join(p for p in d["mapped_files"] if isinstance(p, str)))' "$1") || exit 2
n=0
while IFS= read -r f; do
	[ -f "$f" ] || continue
	dd if="$f" iflag=nocache count=0 status=none 2>/dev/null
	cat "$f" >/dev/null || exit 1
	n=$((n + $(stat -c %s "$f")))
done <<<"$files"
echo $((n >> 20))
