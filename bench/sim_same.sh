#!/bin/bash
# Do two ssdreplay builds simulate the same? For a speed-up of the simulator
# that must not change a result: runs `simulate` with each binary on a set of
# models, policies, --mem, --page and options, and compares the outputs with
# the timing figures left out (they measure the run, not the policy). With
# --engine null the text report is compared too (its timing columns are '-').
# The psync cases read a small, fully written file; a case whose base output
# differs between two runs of the base itself is reported as not deterministic
# and not compared.
#
# Usage: bench/sim_same.sh BASE_BINARY NEW_BINARY
#   QUICK=1   fewer tokens in the large cases   SCRATCH  directory for the targets (default /var/tmp)
# Prints one line per case; exit status 1 when any case differs.
set -eu
base=$1
new=$2
here=$(cd "$(dirname "$0")" && pwd)
SCRATCH=${SCRATCH:-/var/tmp}
tok=${QUICK:+10}
tok=${tok:-40}
dir=$(mktemp -d "$SCRATCH/sr-sim-same.XXXXXX")
trap 'rm -rf "$dir"' EXIT

# target MODEL [FILE]: a target of exactly the model's bytes, sparse; FILE:
# written
target() {
	local f="$dir/${2:-$1}" size
	truncate -s 4T "$f"
	size=$("$base" simulate --profile "$1" "$f" --engine null --tokens 1 --policy none --output-format json |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["model_bytes"])')
	truncate -s 0 "$f"
	if [ -n "${2:-}" ]; then
		head -c "$size" /dev/urandom >"$f"
	else
		truncate -s "$size" "$f"
	fi
}

# JSON without the figures that time the run
strip() {
	python3 -c '
import json, sys
T = {"wall_s", "stall_s", "compute_s", "prefill_s", "per_token_stall_ms", "tokens_per_s",
     "prefill_tokens_per_s", "stall_ms_per_token_mean", "stall_ms_per_token_p50",
     "stall_ms_per_token_p99", "device_busy_pct", "read_Bps", "busy_Bps", "busy_pct",
     "spec_pct", "calibrated_pct"}
def s(o):
    if isinstance(o, dict):
        return {k: s(v) for k, v in o.items() if k not in T}
    if isinstance(o, list):
        return [s(v) for v in o]
    return o
json.dump(s(json.load(sys.stdin)), sys.stdout, indent=1, sort_keys=True)
print()'
}

fail=0
n=0
# run_case MODEL TARGET ENGINE ARGS... (TARGET -: given in ARGS)
run_case() {
	local m=$1 eng=$3 f=()
	[ "$2" != - ] && f=("$dir/$2")
	shift 3
	n=$((n + 1))
	"$base" simulate --profile "$m" "${f[@]}" --engine "$eng" --output-format json "$@" | strip >"$dir/b.json"
	"$new" simulate --profile "$m" "${f[@]}" --engine "$eng" --output-format json "$@" | strip >"$dir/n.json"
	if [ "$eng" != null ]; then
		"$base" simulate --profile "$m" "${f[@]}" --engine "$eng" --output-format json "$@" | strip >"$dir/b2.json"
		if ! cmp -s "$dir/b.json" "$dir/b2.json"; then
			echo "case $n: not deterministic in the base, not compared: $m $eng $*"
			return 0
		fi
	else
		"$base" simulate --profile "$m" "${f[@]}" --engine null "$@" >"$dir/b.txt"
		"$new" simulate --profile "$m" "${f[@]}" --engine null "$@" >"$dir/n.txt"
		if ! cmp -s "$dir/b.txt" "$dir/n.txt"; then
			echo "case $n: DIFFERENT text: $m $eng $*"
			diff "$dir/b.txt" "$dir/n.txt" | head -20
			fail=1
			return 0
		fi
	fi
	if cmp -s "$dir/b.json" "$dir/n.json"; then
		echo "case $n: same ($SECONDS s): $m $eng $*"
	else
		echo "case $n: DIFFERENT: $m $eng $*"
		diff "$dir/b.json" "$dir/n.json" | head -20
		fail=1
	fi
}

all=lru,fifo,clock,oracle,pagecache,expert-freq,lookahead:2,none
strat=routed-willneed,pread-prefetch,tensor-rule,pinned:*norm*,expert-temporal,router-guess:0.7
for m in deepseek-v3-q4_k_m mixtral-8x7b-q4_k_m llama-2-7b-q4_k_m gpt-oss-20b-mxfp4 llama-2-7b-quick tiny-moe tiny-llama; do
	target "$m"
done
target tiny-moe tiny-moe-w

run_case deepseek-v3-q4_k_m deepseek-v3-q4_k_m null --tokens "$tok" --mem 50% --page 64k --compare lru,oracle,pagecache
run_case deepseek-v3-q4_k_m deepseek-v3-q4_k_m null --tokens "$tok" --mem 30%,70% --page 256k --compare lru,oracle,pagecache,clock,fifo
run_case deepseek-v3-q4_k_m deepseek-v3-q4_k_m null --tokens 8 --mem 40% --page 2M --compare "$all" --routing zipf:1.1 --prefill 32
run_case deepseek-v3-q4_k_m deepseek-v3-q4_k_m null --tokens 6 --mem 50% --page 64k --compare "$strat"
run_case mixtral-8x7b-q4_k_m mixtral-8x7b-q4_k_m null --tokens 12 --mem 60% --page 16k --compare "$all"
run_case mixtral-8x7b-q4_k_m mixtral-8x7b-q4_k_m null --tokens 12 --mem 35%,90% --page 64k --compare "$strat" --routing temporal:0.5
run_case llama-2-7b-q4_k_m llama-2-7b-q4_k_m null --tokens 6 --mem 25%,110% --page 4k --compare "$all"
run_case llama-2-7b-q4_k_m llama-2-7b-q4_k_m null --tokens 4 --mem 50% --page 64k --compare "$strat" --bs 128k --qd 4
run_case gpt-oss-20b-mxfp4 gpt-oss-20b-mxfp4 null --tokens 12 --mem 50% --page 64k --compare "$all,$strat" --read-ahead-kb 512
run_case llama-2-7b-quick llama-2-7b-quick null --tokens 20 --mem 60% --page 8k --compare "$all" --prefill 8 --compute-ms-per-token 1
run_case tiny-moe tiny-moe null --tokens 50 --mem 20%,50%,90% --page 4k --compare "$all,$strat"
run_case tiny-llama tiny-llama null --tokens 50 --mem 30%,80% --page 4k --compare "$all" --qd 1 --bs 4k
run_case tiny-moe - null --tokens 30 --mem 50% --page 4k --compare "$all" --target "$dir/tiny-moe" --target "$dir/tiny-moe-w" --layout stripe:16k
run_case tiny-moe tiny-moe-w psync --tokens 20 --mem 40% --page 4k --compare "$all" --qd 1
run_case tiny-moe tiny-moe-w psync --tokens 20 --mem 40% --page 4k --compare lru,oracle,fifo,clock --compute-ms-per-token 0
echo "$n cases: $([ $fail = 0 ] && echo all the same || echo SOME DIFFER)"
exit $fail
