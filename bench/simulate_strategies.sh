#!/bin/bash
# issue 10: today's llama.cpp-family strategies side by side, and how many
# drives a model needs at a target decode rate.
#
# Usage: bench/simulate_strategies.sh [BUILD_DIR]        (root for parts 1 and 2)
#   1. real I/O on a loop device holding tiny-moe as a GGUF (synth
#      --write-gguf, fully written): every strategy simulated and run for
#      real (--real-mmap in a memory cgroup), MEM budgets
#   2. RAID-0 on 1, 2 and 4 loop devices over fully written files in
#      SCRATCH: policy none over a STRIPE_MODEL-sized stream, aggregate GB/s
#      and the scaling efficiency (aggregate / (N x single))
#   3. bytes read per decode token per strategy for MODELS at MEMS (null
#      engine on a sparse file: byte counts, not times), then drives of each
#      profiles/devices spec needed for TPS tokens/s:
#      ceil(TPS x bytes/token / (spec seq read x RAID efficiency from 2))
# Env: MODELS (gpt-oss-20b-mxfp4 mixtral-8x7b-q4_k_m deepseek-v3-q4_k_m), MEMS (50%,75%),
#      TPS (5 10 20), TOKENS (48: the second half is the steady state), SCRATCH (/var/tmp)
# Writes bench/results/strategies-<date>.{json,md} and the plots directory.
set -eu
B=$(cd "${1:-build}" && pwd)/ssdreplay
here=$(cd "$(dirname "$0")" && pwd)
MODELS=${MODELS:-"gpt-oss-20b-mxfp4 mixtral-8x7b-q4_k_m deepseek-v3-q4_k_m"}
MEMS=${MEMS:-50%,75%}
TPS=${TPS:-"5 10 20"}
TOKENS=${TOKENS:-48}
SCRATCH=${SCRATCH:-/var/tmp}
STRATS=pagecache,routed-willneed,routed-willneed:dontneed,pread-prefetch,tensor-rule,lru,expert-freq,expert-temporal,oracle
stamp=$(date +%Y%m%d-%H%M%S)
out="$here/results/strategies-$stamp"
mkdir -p "$out.plots"
w=$(mktemp -d "$SCRATCH/sr-strat.XXXXXX")
# attach runs in $(...): the loops are found again by their backing files
cleanup() {
	local f l
	for f in "$w"/*; do
		for l in $(losetup -j "$f" 2>/dev/null | cut -d: -f1); do losetup -d "$l" || true; done
	done
	rm -rf "$w"
}
trap cleanup EXIT
attach() { losetup --direct-io=on -f --show "$1"; }

# ---- 1. real I/O, tiny-moe ----
"$B" synth --profile tiny-moe --write-gguf "$w/m.gguf"
cp "$w/m.gguf" "$w/m.img"
sz=$(stat -c %s "$w/m.img")
head -c $(((sz + 1048575) / 1048576 * 1048576 - sz)) /dev/zero >>"$w/m.img"
dev=$(attach "$w/m.img")
"$B" simulate --gguf "$w/m.gguf" "$dev" --tokens 32 --prefill 64 --mem 25%,50%,100%,200% \
	--compute-ms-per-token 2 --compare "$STRATS" --real-mmap \
	--output-format json --output "$out.tiny.json" --plot "$out.plots"

# ---- 2. RAID-0 scaling on loop devices ----
for i in 0 1 2 3; do
	dd if=/dev/urandom of="$w/d$i" bs=1M count=128 status=none
	sync "$w/d$i"
	d[$i]=$(attach "$w/d$i")
done
: >"$out.raid.txt"
for n in 1 2 4; do
	args=()
	for ((i = 0; i < n; i++)); do args+=(--target "${d[$i]}"); done
	[ "$n" -gt 1 ] && args+=(--layout stripe:512k)
	python3 -c "
print('offset,length,op')
for i in range(0, 128 * $n << 20, 1 << 20): print(f'{i},1048576,r')" >"$w/seq$n.csv"
	"$B" simulate --trace "$w/seq$n.csv" --tokens 1 --policy none --mem 0 --page 64k --bs 512k --qd 32 \
		"${args[@]}" --output-format json --output "$w/raid$n.json"
	python3 -c "
import json; j = json.load(open('$w/raid$n.json')); r = j['rows'][0]
print($n, r['read_bytes'], r['wall_s'], r['read_Bps'] / 1e9)" >>"$out.raid.txt"
done

# ---- 3. bytes per token, drives needed ----
truncate -s 2T "$w/sparse"
export W=$w
for m in $MODELS; do
	"$B" simulate --profile "$m" "$w/sparse" --engine null --tokens "$TOKENS" --mem "$MEMS" --page 64k \
		--compare pagecache,routed-willneed,pread-prefetch,tensor-rule,lru,expert-freq \
		--output-format json --output "$w/bpt-$m.json"
done
python3 - "$out" "$here/../profiles/devices" "$TPS" $MODELS <<'PY'
import configparser, glob, json, math, os, sys
out, devdir, tps = sys.argv[1], sys.argv[2], [float(x) for x in sys.argv[3].split()]
models = sys.argv[4:]
def size(s):
    s = s.strip().upper().replace("/S", "")
    for u, f in (("GB", 1e9), ("MB", 1e6)):
        if s.endswith(u): return float(s[:-len(u)]) * f
    return float(s)
specs = []
for f in sorted(glob.glob(os.path.join(devdir, "*.ini"))):
    c = configparser.ConfigParser(strict=False, interpolation=None)
    c.read_string("".join(l for l in open(f) if not l.lstrip().startswith(";")), source=f)
    for s in c.sections():
        if c.has_option(s, "seq_read"):
            specs.append((s, size(c.get(s, "seq_read"))))
raid = [l.split() for l in open(out + ".raid.txt")]
single = float(raid[0][3])
eff = {int(r[0]): float(r[3]) / (int(r[0]) * single) for r in raid}
md = ["| RAID-0 loop devices | GB/s | scaling efficiency |", "|---:|---:|---:|"]
for r in raid:
    md.append(f"| {r[0]} | {float(r[3]):.3f} | {eff[int(r[0])]:.2f} |")
md.append("")
best = {}
md.append("| model | mem | strategy | GB read / decode token (steady state: second half of the tokens) |")
md.append("|---|---:|---|---:|")
for m in models:
    j = json.load(open(os.path.join(os.environ["W"], f"bpt-{m}.json")))
    for r in j["rows"]:
        bpt = r["steady_read_bytes_per_token"]
        pct = round(100 * r["mem_bytes"] / j["model_bytes"])
        md.append(f"| {m} | {pct}% | {r['policy']} | {bpt/1e9:.2f} |")
        k = (m, pct)
        if r["policy"] != "oracle" and (k not in best or bpt < best[k][1]):
            best[k] = (r["policy"], bpt)
md.append("")
e = eff[2] if 2 in eff else 1.0  # two loop devices: below the shared backing disk's limit
hdr = "| model | mem | best strategy | GB/token | " + " | ".join(f"{t:g} tok/s" for t in tps) + " |"
md.append("Drives needed (ceil(tok/s x GB/token / (spec seq read x %.2f))) per spec:" % e)
md.append("")
for name, bw in specs:
    md.append(f"**{name}** ({bw/1e9:.2f} GB/s spec)")
    md.append("")
    md.append(hdr)
    md.append("|---|---:|---|---:|" + "---:|" * len(tps))
    for (m, pct), (pol, bpt) in sorted(best.items()):
        cells = [str(math.ceil(t * bpt / (bw * e))) if bpt > 0 else "0" for t in tps]
        md.append(f"| {m} | {pct}% | {pol} | {bpt/1e9:.2f} | " + " | ".join(cells) + " |")
    md.append("")
open(out + ".md", "w").write("\n".join(md) + "\n")
print("\n".join(md))
PY
echo "results: $out.{tiny.json,tiny.txt,raid.txt,md}, plots in $out.plots" >&2
