#!/bin/bash
# KV caches on SSD (issue 20): the offloaded-KV decode schedule reads what
# CHEOPS observed (a prompt position once per generated token, output
# position i G-1-i times) with llama-2-7b's 16 KiB per position per layer
# and DeepSeek-V3's 1152-byte MLA latent; paged blocks change the request
# sizes, not the bytes; the prefix-cache tier hits more with more capacity;
# replay issues the KV writes only with --allow-write; simulate and sweep
# take the schedule as a trace; analyze --gguf names layers kv.L.
source "$SR_TESTLIB"

"$SR" synth --profile tiny-llama --info >/dev/null 2>&1 || skip "synth cannot load profiles here"

# --- acceptance: read bytes = 16384 x 32 x sum_{t<256} (512 + t), counts per position exact
"$SR" synth --profile llama-2-7b-q4_k_m --kv-offload prompt=512,gen=256 --kv-only >"$T/o.csv" || fail "kv-offload"
"$SR" analyze - --output-format json <"$T/o.csv" >"$T/o.json" || fail "analyze -"
[ "$(json "$T/o.json" 'j["totals"]["read_bytes"]')" = 85832237056 ] ||
	fail "read bytes $(json "$T/o.json" 'j["totals"]["read_bytes"]'), expected 85832237056"
# positions: 32 layers x (512 + 256) K rows of 8 KiB; prompt ones read 256 times, output i 255-i times
python3 - "$T/o.json" <<'PY' || fail "reads per position"
import json, sys
k = json.load(open(sys.argv[1]))["kv"]
assert k["position_bytes"] == 8192, k["position_bytes"]
want = {256: 512 * 32}
for i in range(256):
    want[255 - i] = want.get(255 - i, 0) + 32
got = {r["reads"]: r["positions"] for r in k["reads_per_position"]}
assert got == want, (sorted(got.items())[:5], sorted(want.items())[:5])
assert k["positions"] == 768 * 32 and k["generated_tokens"] == 256, k
assert k["read_bytes_per_token"] == 85832237056 / 256, k["read_bytes_per_token"]
PY
"$SR" analyze - <"$T/o.csv" | grep -q "KV reads per position (24576 positions of 8.00 KiB" || fail "text CDF line"
ok "llama-2-7b prompt=512,gen=256: 85832237056 bytes read, per-position counts exact"

# --- per-position bytes per layer: the decode step's write of one position
"$SR" synth --profile deepseek-v3-q4_k_m --kv-offload prompt=4,gen=2 --kv-only >"$T/d.csv" || fail "deepseek"
awk -F, 'NR > 1 && $3 == "w" && $6 == 4 { print $2; exit }' "$T/d.csv" | grep -qx 1152 || fail "deepseek-v3 MLA: not 1152 bytes"
"$SR" synth --profile deepseek-v3-q4_k_m --kv-offload prompt=4,gen=2 --kv-only --kv-type q8_0 |
	awk -F, 'NR > 1 && $3 == "w" && $6 == 4 { print $2; exit }' | grep -qx 612 || fail "deepseek-v3 q8_0: not 612 bytes"
"$SR" synth --profile llama-2-7b-q4_k_m --kv-offload prompt=4,gen=2 --kv-only --kv-type f32 |
	awk -F, 'NR > 1 && $3 == "w" && $6 == 4 { print $2; exit }' | grep -qx 16384 || fail "llama f32 K row: not 16384 bytes"
ok "per-position bytes: deepseek-v3 1152 (F16 MLA), 612 (q8_0); llama-2-7b K row 16384 at f32"

# --- paged: same bytes, one request per 16-position block; batch of 2 sequences
"$SR" synth --profile llama-2-7b-q4_k_m --kv-offload prompt=40,gen=8,batch=2 --kv-only >"$T/c.csv" || fail "contiguous"
"$SR" synth --profile llama-2-7b-q4_k_m --kv-offload prompt=40,gen=8,batch=2 --kv-only --kv-block 16 >"$T/p.csv" || fail "paged"
"$SR" analyze --output-format json "$T/c.csv" >"$T/c.json" && "$SR" analyze --output-format json "$T/p.csv" >"$T/p.json" || fail "analyze"
[ "$(json "$T/c.json" 'j["totals"]["read_bytes"]')" = 364904448 ] || fail "batch 2: read bytes"
[ "$(json "$T/p.json" 'j["totals"]["read_bytes"]')" = 364904448 ] || fail "paged: read bytes differ"
[ "$(json "$T/p.json" 'j["kv"]["generated_tokens"]')" = 16 ] || fail "8 steps x 2 sequences"
[ "$(json "$T/p.json" 'max(int(k) for k, v in j["sizes"]["read_le"].items() if v)')" -le 131072 ] || fail "paged reads above a 16-position block"
[ "$(json "$T/p.json" 'j["totals"]["reads"]')" -gt "$(json "$T/c.json" 'j["totals"]["reads"]')" ] || fail "paged: no more requests"
ok "--kv-block 16: same bytes in block-sized requests; batch=2 doubles the tokens"

# --- with weights: KV interleaves after each layer's projections
"$SR" synth --profile tiny-llama --kv-offload prompt=8,gen=2 >"$T/w.csv" || fail "with weights"
awk -F, 'NR > 1 && $6 % 8 >= 4 { kv++ } NR > 1 && $6 % 8 < 4 { w++ } END { exit !(kv > 0 && w > 0) }' "$T/w.csv" || fail "no interleaving"
ok "without --kv-only the weights come too"

# --- writes only with --allow-write
"$SR" prep "$T/tgt" --size 16M --quiet || fail "prep"
"$SR" synth --profile tiny-llama --kv-offload prompt=64,gen=8 --kv-only >"$T/t.csv" || fail "tiny"
"$SR" replay "$T/tgt" --trace "$T/t.csv" --engine psync >"$T/r1" || fail "replay"
grep -q "write records .* skipped: read-only unless --allow-write" "$T/r1" || fail "writes were not held back"
"$SR" replay "$T/tgt" --trace "$T/t.csv" --engine psync --allow-write >"$T/r2" || fail "replay --allow-write"
grep -q "^  write: " "$T/r2" || fail "no writes with --allow-write"
"$SR" replay "$T/tgt" --synth "tiny-llama --kv-offload prompt=64,gen=8 --kv-only" --engine psync >"$T/r3" || fail "replay --synth"
grep -q "skipped: read-only" "$T/r3" || fail "--synth: writes not held back"
"$SR" simulate --trace "$T/t.csv" --mem 1M --engine psync "$T/tgt" >/dev/null || fail "simulate --trace"
"$SR" sweep "$T/tgt" --trace "$T/t.csv" --engine psync --bs 4k,8k --qd 1 >/dev/null || fail "sweep --trace"
"$SR" replay "$T/tgt" --trace "$T/t.csv" --engine psync --tag-stats >"$T/r4" || fail "replay --tag-stats"
grep -Eq "^ +kv\.1\.v +" "$T/r4" || { cat "$T/r4"; fail "per-tag stats: no kv.1.v"; }
ok "replay holds writes back unless --allow-write; simulate and sweep take the schedule"
echo "replay --tag-stats names KV records kv.L.k / kv.L.v"

# --- analyze --gguf keeps the KV tags: per-layer kv.L
"$SR" analyze --gguf tiny-llama --output-format json "$T/t.csv" >"$T/g.json" || fail "analyze --gguf"
python3 - "$T/g.json" <<'PY' || fail "kv.L labels"
import json, sys
k = json.load(open(sys.argv[1]))["kv"]
assert sorted(k["layer_bytes"]) == ["kv.%d" % i for i in range(len(k["layer_bytes"]))] and len(k["layer_bytes"]) > 1, k
assert len(set(k["layer_bytes"].values())) == 1
PY
ok "analyze --gguf: kv.L per layer"

# --- prefix-cache tier: more capacity, more hits; a request log
"$SR" synth --profile llama-2-7b-q4_k_m --kv-cache-tier --sessions 8 --turns 4 --shared-prefix 1024 \
	--tier-capacity 1G,4G,64G --tier-report >"$T/tier.txt" || fail "tier report"
awk '$2 == "GiB" { gsub("%", "", $4); h[n++] = $4 } END { exit !(n == 3 && h[0] < h[1] && h[1] <= h[2] && h[2] > 50) }' "$T/tier.txt" ||
	{ cat "$T/tier.txt"; fail "hit rate does not grow with capacity"; }
"$SR" synth --profile llama-2-7b-q4_k_m --kv-cache-tier --tier-capacity 4G >"$T/tier.csv" || fail "tier schedule"
awk -F, 'NR > 1 && $3 == "r" { r++ } NR > 1 && $3 == "w" { w++ } END { exit !(r > 0 && w > 0) }' "$T/tier.csv" || fail "tier: reads and writes"
printf 'session,prompt_tokens\n0,600\n1,600\n0,1200\n# again\n1,1300\n' >"$T/req.csv"
"$SR" synth --profile tiny-llama --kv-cache-tier --kv-chunk 256 --requests "$T/req.csv" --tier-capacity 1G --tier-report >"$T/log.txt" || fail "request log"
# chunks: 2 + 2 + 4 (2 hit) + 5 (2 hit) = 13 lookups, 4 hits
grep -Eq " 30\.77% " "$T/log.txt" || { cat "$T/log.txt"; fail "request log: expected 4 hits in 13 lookups"; }
ok "tier: hit rate rises with capacity; request log"

# --- sliding-window attention: gpt-oss's even layers read 127 positions (window 128), odd layers all
"$SR" synth --profile gpt-oss-20b-f16 --kv ctx=4096 --kv-only --tokens 300 >"$T/swa.csv" || fail "gpt-oss --kv"
python3 - "$T/swa.csv" <<'PY' || fail "gpt-oss sliding-window reads"
import csv, sys
per = {}
for r in csv.DictReader(open(sys.argv[1])):
    per.setdefault(r["tag"], 0)
    per[r["tag"]] += int(r["length"])
rows = sorted(per.values())
# 24 layers x K and V: 24 SWA tags of 300 x 127 x 1 KiB rows, 24 full ones of 300 x 4096 x 1 KiB
assert rows.count(300 * 127 * 1024) == 24 and rows.count(300 * 4096 * 1024) == 24, sorted(set(rows))
PY
"$SR" synth --profile gpt-oss-20b-f16 --kv-offload prompt=1000,gen=2 --kv-only |
	awk -F, 'NR > 1 && $3 == "r" { n[$2]++ } END { for (k in n) print k, n[k] }' | sort >"$T/swa2"
printf '1024000 24\n1025024 24\n130048 48\n' | sort | cmp -s - "$T/swa2" || { cat "$T/swa2"; fail "gpt-oss offload: SWA reads"; }
ok "gpt-oss: sliding-window layers read the last 127 positions, full layers the whole context"

# --- bad input: one line, exit 2
for a in "--kv-offload prompt=0,gen=4" "--kv-offload prompt=4,gen=0" "--kv-offload prompt=4,gen=4,batch=0" \
	"--kv-offload prompt=99999999999999999999,gen=1" "--kv-offload prompt=16777216,gen=1" \
	"--kv-offload prompt=4,gen=4,batch=9999999" "--kv-offload prompt=4" "--kv-offload prompt=4,gen=4,beam=2" \
	"--kv-offload prompt=4,gen=4 --tokens 3" "--kv-offload prompt=4,gen=4 --kv ctx=4" "--kv-block 16" \
	"--kv-offload prompt=4,gen=4 --kv-block 0" "--kv-only" "--kv-type f8" "--kv-type q8_0" "--sessions 4" \
	"--kv-cache-tier" "--kv-cache-tier --tier-capacity 1k" "--kv-cache-tier --tier-capacity 0" \
	"--kv-cache-tier --tier-capacity 1G,2G" "--kv-cache-tier --tier-capacity 1G --requests $T/nope" \
	"--kv-cache-tier --tier-capacity 1G --sessions 0"; do
	expect_exit 2 "" "$SR" synth --profile tiny-llama $a
	[ -s "$T/out" ] && fail "'$a' wrote output"
done
printf '[model]\nname = nohead\narch = llama\n[hparams]\nn_layer = 1\nn_embd = 64\nn_vocab = 32\n[layer]\nattn_norm.weight = n_embd\n' >"$T/nohead.ini"
expect_exit 2 "no attention geometry" "$SR" synth --profile "$T/nohead.ini" --kv-offload prompt=4,gen=4
printf '0,10\n1,x\n' >"$T/bad.csv"
expect_exit 2 "bad\.csv:2: expected session,prompt_tokens" "$SR" synth --profile tiny-llama --kv-cache-tier --tier-capacity 1G --requests "$T/bad.csv"
ok "bad KV options: one line, exit 2, nothing written"
