#!/bin/bash
# The simulator's own cost (issue 19): user CPU seconds, wall seconds and max RSS of
#   simulate --profile MODEL --engine null --tokens N --mem 50% --page 64k --compare lru,oracle,pagecache
# on a sparse target of the model's size (--engine null reads nothing, so a
# sparse file is enough here), RUNS times, medians printed. Runs under
# chrt -f 10 when root, to cut the noise of other jobs on the machine (RT=0:
# not; the kernel's real-time throttle, 950 ms a second by default,
# stretches the wall time of a run longer than a second: 2.78-2.97 s under
# chrt against 2.58-2.70 s without, same build, same minutes).
#
# Usage: bench/sim_rate.sh [BUILD_DIR]
#   SR        the ssdreplay binary (default BUILD_DIR/ssdreplay)
#   MODEL     profile (default deepseek-v3-q4_k_m)   TOKENS  decode tokens (default 100)
#   POLICIES  the --compare list (default lru,oracle,pagecache)
#   MEM       --mem (default 50%)   PAGE  --page (default 64k)   RUNS  (default 5)
#   SCRATCH   directory for the sparse target (default /var/tmp)
set -eu
B=${SR:-${1:-build}/ssdreplay}
MODEL=${MODEL:-deepseek-v3-q4_k_m}
TOKENS=${TOKENS:-100}
POLICIES=${POLICIES:-lru,oracle,pagecache}
MEM=${MEM:-50%}
PAGE=${PAGE:-64k}
RUNS=${RUNS:-5}
SCRATCH=${SCRATCH:-/var/tmp}
here=$(cd "$(dirname "$0")" && pwd)
ini="$here/../profiles/models/$MODEL.ini"
[ -r "$ini" ] || { echo "sim_rate: $ini: no such model profile" >&2; exit 2; }
f=$(mktemp "$SCRATCH/sr-sim-rate.XXXXXX")
tm=$(mktemp)
trap 'rm -f "$f" "$tm"' EXIT
# a target of exactly the model's bytes (model_bytes of a one-token run)
truncate -s 4T "$f"
size=$("$B" simulate --profile "$MODEL" "$f" --engine null --tokens 1 --policy none --output-format json |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["model_bytes"])')
truncate -s "$size" "$f"
rt=()
[ "${RT:-1}" != 0 ] && [ "$(id -u)" = 0 ] && command -v chrt >/dev/null && rt=(chrt -f 10)
cmd=("$B" simulate --profile "$MODEL" "$f" --engine null --tokens "$TOKENS" --mem "$MEM" --page "$PAGE" --compare "$POLICIES")
echo "command: ${rt[*]} /usr/bin/time -v ${cmd[*]}"
us=()
ws=()
kb=()
for i in $(seq "$RUNS"); do
	"${rt[@]}" /usr/bin/time -v "${cmd[@]}" >/dev/null 2>"$tm"
	u=$(awk -F': ' '/User time/ {print $2}' "$tm")
	k=$(awk -F': ' '/Maximum resident/ {print $2}' "$tm")
	# "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:02.61"
	w=$(awk -F': ' '/Elapsed/ {n = split($2, t, ":"); s = 0; for (j = 1; j <= n; j++) s = s * 60 + t[j]; print s}' "$tm")
	echo "run $i: user $u s, wall $w s, max RSS $k KiB"
	us+=("$u")
	ws+=("$w")
	kb+=("$k")
done
med() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
mk=$(med "${kb[@]}")
echo "median of $RUNS: user $(med "${us[@]}") s, wall $(med "${ws[@]}") s, max RSS $mk KiB ($((${mk%.*} / 1024)) MiB)"
