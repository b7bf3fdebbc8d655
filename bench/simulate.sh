#!/bin/bash
# Policies x memory budgets for model profiles on a scratch file, with the
# real-mmap row (a memory cgroup of each budget, needs root) and the
# RAM-resident baseline beside the pagecache estimate.
#
# Usage: bench/simulate.sh [BUILD_DIR]
#   MODELS     profiles (default: llama-2-7b-q4_k_m gpt-oss-20b-mxfp4)
#   MEMS       budgets as % of the model (default: 50%,75%,100%,150%)
#   TOKENS     decode tokens (default 4)     PAGE  cache page (default 64k)
#   COMPUTE_MS compute per token (default 50) QD   reads in flight (default 32)
#   POLICIES   the --compare list             SCRATCH directory for the model files (default /var/tmp)
#   REAL_MMAP  1 (default) adds --real-mmap when root
# Writes bench/results/simulate-<model>-<date>.{txt,json,csv} and SVGs.
# The scratch file is the model's GGUF layout written in full with random
# weights (synth --write-gguf) and removed after.
set -eu
B=${1:-build}/ssdreplay
MODELS=${MODELS:-"llama-2-7b-q4_k_m gpt-oss-20b-mxfp4"}
MEMS=${MEMS:-50%,75%,100%,150%}
TOKENS=${TOKENS:-4}
PAGE=${PAGE:-64k}
COMPUTE_MS=${COMPUTE_MS:-50}
QD=${QD:-32}
SCRATCH=${SCRATCH:-/var/tmp}
POLICIES=${POLICIES:-"none,lru,clock,pinned:*norm*,token_embd*,lookahead:2,expert-temporal,expert-freq,router-guess:0.8,oracle,pagecache"}
REAL_MMAP=${REAL_MMAP:-1}
here=$(cd "$(dirname "$0")" && pwd)
stamp=$(date +%Y%m%d-%H%M%S)
mkdir -p "$here/results"

for m in $MODELS; do
	f="$SCRATCH/sr-simulate-$m.bin"
	trap 'rm -f "$f" "$f.tmp"' EXIT
	# the model's real layout with random weights, fully written (zeros could
	# be stored sparse by a thin-provisioned disk underneath and read from nowhere)
	"$B" synth --profile "$m" --write-gguf "$f"
	size=$(stat -c %s "$f")
	echo "== $m: $size bytes -> $f" >&2
	mm=()
	[ "$REAL_MMAP" = 1 ] && [ "$(id -u)" = 0 ] && mm=(--real-mmap)
	base="$here/results/simulate-$m-$stamp"
	mkdir -p "$base.plots"
	"$B" simulate --profile "$m" "$f" --tokens "$TOKENS" --page "$PAGE" --qd "$QD" \
		--compute-ms-per-token "$COMPUTE_MS" --mem "$MEMS" --compare "$POLICIES" "${mm[@]}" \
		--output-format json --output "$base.json" --plot "$base.plots"
	python3 - "$base.json" >"$base.txt" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
print(f"{j['model']}: {j['model_bytes']/2**30:.2f} GiB, page {j['page']}, qd {j['qd']}, compute {j['compute_ms_per_token']} ms/token")
print(f"{'policy':24} {'mem%':>5} {'tok/s':>8} {'stall ms':>9} {'p99':>8} {'hit%':>6} {'read GiB':>9} {'wasted':>8} {'busy%':>6} {'GB/s':>6} {'majflt':>7}")
for r in j["rows"]:
    f = lambda k, s=1, d=2: "-" if r.get(k) is None else f"{r[k]/s:.{d}f}"
    print(f"{r['policy'][:24]:24} {100*r['mem_bytes']/j['model_bytes']:5.0f} {f('tokens_per_s'):>8} {f('stall_ms_per_token_mean'):>9} "
          f"{f('stall_ms_per_token_p99'):>8} {f('hit_pct',1,1):>6} {f('read_bytes',2**30):>9} {f('wasted_prefetch_bytes',2**30):>8} "
          f"{f('device_busy_pct',1,1):>6} {f('read_Bps',1e9,3):>6} {f('major_faults',1,0):>7}")
PY
	cat "$base.txt"
	rm -f "$f"
done
