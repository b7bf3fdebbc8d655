#!/bin/bash
# --gguf labels: a trace with reads at known offsets of a GGUF written by
# `synth --write-gguf` is attributed to the right tensors by analyze (top
# tensors, per kind, per layer, outside any tensor), convert writes the tags,
# replay takes the option, and a bad model is one line with exit 2.
source "$SR_TESTLIB"

"$SR" synth --profile tiny-moe --write-gguf "$T/m.gguf" 2>/dev/null || skip "synth cannot write GGUF files here"
"$SR" synth --gguf "$T/m.gguf" --info --output-format json >"$T/info.json" || fail "info"

# reads: token_embd (1000 B), blk.0.attn_q twice, expert 3 of blk.1.ffn_up_exps,
# the GGUF header (no tensor), one read spanning blk.2.attn_norm into blk.2.attn_q
python3 - "$T/info.json" "$T/trace.csv" <<'PY'
import json, sys
t = {x["name"]: (i, x) for i, x in enumerate(json.load(open(sys.argv[1]))["tensors"])}
def at(name): return t[name][1]
up = at("blk.1.ffn_up_exps.weight")
norm, q = at("blk.2.attn_norm.weight"), at("blk.2.attn_q.weight")
assert norm["offset"] + norm["bytes"] == q["offset"]
rows = [
    (at("token_embd.weight")["offset"], 1000),
    (at("blk.0.attn_q.weight")["offset"], at("blk.0.attn_q.weight")["bytes"]),
    (at("blk.0.attn_q.weight")["offset"], at("blk.0.attn_q.weight")["bytes"]),
    (up["offset"] + 3 * up["expert_bytes"], up["expert_bytes"]),
    (0, 4096),
    (norm["offset"], norm["bytes"] + 100),
]
with open(sys.argv[2], "w") as f:
    f.write("offset,length,op\n")
    for off, n in rows:
        f.write(f"{off},{n},r\n")
PY

for model in "$T/m.gguf" tiny-moe; do
	"$SR" analyze --gguf "$model" --output-format json -o "$T/an.json" "$T/trace.csv" || fail "analyze --gguf $model"
	python3 - "$T/an.json" "$T/info.json" <<'PY' || fail "analyze --gguf $model: wrong attribution"
import json, sys
j, info = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
byname = {x["name"]: x for x in info["tensors"]}
t = j["tensors"]
top = {x["name"]: x for x in t["top"]}
q = byname["blk.0.attn_q.weight"]["bytes"]
eb = byname["blk.1.ffn_up_exps.weight"]["expert_bytes"]
assert top["blk.0.attn_q.weight"]["bytes"] == 2 * q and top["blk.0.attn_q.weight"]["reads"] == 2, top
assert top["blk.1.ffn_up_exps.weight"]["bytes"] == eb and top["blk.1.ffn_up_exps.weight"]["reads"] == 1
assert top["token_embd.weight"]["bytes"] == 1000
assert top["blk.2.attn_norm.weight"]["bytes"] == byname["blk.2.attn_norm.weight"]["bytes"]
assert top["blk.2.attn_q.weight"]["bytes"] == 100
assert len(top) == 5, list(top)
assert t["top"][0]["name"] == "blk.0.attn_q.weight"
assert t["unlabelled_bytes"] == 4096
assert t["labelled_bytes"] == j["totals"]["read_bytes"] - 4096
assert t["kind_bytes"]["attn_q"] == 2 * q + 100 and t["kind_bytes"]["ffn_up_exps"] == eb
assert t["layers"][0] == 2 * q and t["layers"][1] == eb and t["global_bytes"] == 1000
assert abs(top["blk.0.attn_q.weight"]["pct"] - 100.0 * 2 * q / j["totals"]["read_bytes"]) < 1e-6
assert j["coverage"]["size_bytes"] == info["model"]["file_bytes"]
PY
done
"$SR" analyze --gguf "$T/m.gguf" "$T/trace.csv" >"$T/an.txt" || fail "analyze text"
grep -q "top tensors by bytes read" "$T/an.txt" || fail "no top tensors in the text report"
grep -Eq "blk\.0\.attn_q\.weight .* 2 reads" "$T/an.txt" || fail "text report: blk.0.attn_q"
ok "analyze --gguf attributes reads to tensors (GGUF file and profile name)"

# convert writes the labels: tag = tensor index + 1, expert + 1 above bit 20
"$SR" convert --gguf "$T/m.gguf" --to csv -o "$T/out.csv" "$T/trace.csv" || fail "convert --gguf"
python3 - "$T/out.csv" "$T/info.json" <<'PY' || fail "convert --gguf: wrong tags"
import csv, json, sys
names = [x["name"] for x in json.load(open(sys.argv[2]))["tensors"]]
tags = [int(r["tag"]) for r in csv.DictReader(open(sys.argv[1]))]
def tag(name, e=-1): return (names.index(name) + 1) | ((e + 1) << 20)
assert tags == [tag("token_embd.weight"), tag("blk.0.attn_q.weight"), tag("blk.0.attn_q.weight"),
                tag("blk.1.ffn_up_exps.weight", 3), 0, tag("blk.2.attn_norm.weight")], tags
PY
ok "convert --gguf writes tensor/expert tags"

"$SR" replay --gguf "$T/m.gguf" --trace "$T/trace.csv" --engine psync --buffered --tag-stats \
	--output-format json -o "$T/rp.json" "$T/m.gguf" || fail "replay --gguf"
python3 - "$T/rp.json" <<'PY' || fail "replay --gguf --tag-stats: tags not named after tensors"
import json, sys
tags = {t["name"]: t for t in json.load(open(sys.argv[1]))["jobs"][0]["ssdreplay"]["tags"]}
assert tags["blk.0.attn_q.weight"]["ios"] == 2, tags.keys()
assert "blk.1.ffn_up_exps.weight[e3]" in tags, tags.keys()
PY
ok "replay --gguf --tag-stats names tags tensor[expert]"

expect_exit 2 "none.gguf" "$SR" analyze --gguf "$T/none.gguf" "$T/trace.csv"
expect_exit 2 "no-such-profile" "$SR" convert --gguf no-such-profile --to csv -o "$T/x.csv" "$T/trace.csv"
[ ! -e "$T/x.csv" ] || fail "convert wrote output for a bad model"
ok "bad --gguf: exit 2, one line"
