#!/bin/bash
# Schedule generation rate and memory: DeepSeek-V3 (671 B parameters, 256
# experts, top-8) decode schedules written as CSV to /dev/null, measured with
# /usr/bin/time -v (the target is < 1 s and < 100 MiB RSS for 1000 tokens);
# then generation alone through sr_synth_rate (bench/synth_rate.c).
#   bench/synth_rate.sh [TOKENS]        default 1000
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
B=${SR_BUILD:-build}
cmake --build "$B" --target ssdreplay >/dev/null
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 77; }

run() { # label, synth args...
	local label=$1 recs out wall rss user
	shift
	recs=$("$B/ssdreplay" synth "$@" | tail -n +2 | wc -l)
	out=$( { /usr/bin/time -v "$B/ssdreplay" synth "$@" -o /dev/null; } 2>&1 )
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' <<<"$out")
	user=$(awk -F': ' '/User time/ { print $2 }' <<<"$out")
	rss=$(awk -F': ' '/Maximum resident/ { printf "%.1f", $2 / 1024 }' <<<"$out")
	printf "%-44s %10d records  wall %6.2f s  user %5.2f s  %6.1f M records/s  max RSS %6.1f MiB\n" \
		"$label" "$recs" "$wall" "$user" "$(awk -v r="$recs" -v w="$wall" 'BEGIN { print (w > 0 ? r / w / 1e6 : 0) }')" "$rss"
}

run "deepseek-v3 $N tokens, tensor, uniform" --profile deepseek-v3-q4_k_m --tokens "$N"
run "deepseek-v3 $N tokens, tensor, temporal" --profile deepseek-v3-q4_k_m --tokens "$N" --routing temporal
run "deepseek-v3 $N tokens, tensor, zipf:1.2" --profile deepseek-v3-q4_k_m --tokens "$N" --routing zipf:1.2
run "deepseek-v3 $N tokens, +prefill 512, kv" --profile deepseek-v3-q4_k_m --tokens "$N" --prefill 512 --kv ctx=4096,write --compute gflops=500
run "llama-2-7b $((N / 100)) tokens, page:4k" --profile llama-2-7b-q4_k_m --tokens "$((N / 100))" --access page:4k

# Generation alone (no CSV formatting), when the build has the helper.
if cmake --build "$B" --target sr_synth_rate >/dev/null 2>&1; then
	/usr/bin/time -f "  max RSS %M KiB" "$B/sr_synth_rate" deepseek-v3-q4_k_m "$N"
	/usr/bin/time -f "  max RSS %M KiB" "$B/sr_synth_rate" deepseek-v3-q4_k_m "$N" temporal
fi
