#!/bin/bash
# replay --tag-stats --gguf: a request spanning expert slices and tensors is
# charged to each by the bytes it read of it, not all to the tag of its start.
. "$SR_TESTLIB"

$SR prep "$T/target" --size 1M --quiet || fail "prep"
# tiny-moe: blk.0.ffn_gate_exps at 47392, 8 slices of 8704 bytes, then
# blk.0.ffn_up_exps at 117024. [106496, 118784) is 1824 bytes of gate[e6],
# all 8704 of gate[e7] and 1760 of up[e0].
printf 'offset,length\n106496,12288\n' >"$T/span.csv"
$SR replay "$T/target" --trace "$T/span.csv" --gguf tiny-moe --tag-stats --engine null \
	--output-format json -o "$T/r.json" || fail "replay --tag-stats"
python3 - "$T/r.json" <<'PY' || fail "tag bytes not split by bytes"
import json, sys
tags = {t["name"]: (t["bytes"], t["ios"]) for t in json.load(open(sys.argv[1]))["jobs"][0]["ssdreplay"]["tags"]}
want = {"blk.0.ffn_gate_exps.weight[e6]": (1824, 1), "blk.0.ffn_gate_exps.weight[e7]": (8704, 1),
        "blk.0.ffn_up_exps.weight[e0]": (1760, 1)}
assert tags == want, tags
PY
ok "one request over three slices charged by bytes"
