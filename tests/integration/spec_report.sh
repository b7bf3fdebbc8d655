#!/bin/bash
# % of spec in replay reports: --spec figures reach text and JSON (device{}
# for one target, targets[].device for several), the percentages agree with
# the measured bandwidth, and a bad --spec is refused before any I/O.
. "$SR_TESTLIB"

a=$T/a b=$T/b
$SR prep "$a" "$b" --size 16M --quiet || fail "prep"
$SR replay "$a" --pattern seq --bs 1M --spec seq_read=500MB/s,rand_read=100k,pcie=3x4 \
	--output-format json -o "$T/r.json" || fail "replay --spec"
python3 - "$T/r.json" <<'PY' || fail "JSON device"
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
d = j["ssdreplay"]["device"]
bw, iops = j["read"]["bw_bytes"], j["read"]["iops"]
assert d["spec_seq_read_Bps"] == 500000000, d
assert abs(d["spec_pct"] - 100 * bw / 500e6) <= 0.01 * d["spec_pct"] + 0.01, (d["spec_pct"], bw)
assert abs(d["spec_iops_pct"] - 100 * iops / 100e3) <= 0.01 * d["spec_iops_pct"] + 0.01, d
# PCIe 3.0 x4: 8 GT/s x 4 lanes x 128/130 / 8 = 3.938 GB/s
assert abs(d["link_Bps"] - 8e9 * 4 * 128 / 130 / 8) < 1e3, d["link_Bps"]
assert abs(d["link_pct"] - 100 * bw / d["link_Bps"]) <= 0.01 * d["link_pct"] + 0.01
assert d["cal_seq_read_Bps"] is None and d["cal_pct"] is None
PY
$SR replay "$a" --pattern seq --bs 1M --spec seq_read=500MB/s >"$T/r.txt" || fail "text"
grep -Eq "device .*: read [0-9.]+% of spec seq read \(500 MB/s\)" "$T/r.txt" || fail "text: $(cat "$T/r.txt")"
ok "one target: % of spec, IOPS and link in JSON and text"

$SR replay --target "$a" --target "$b" --layout stripe:1M --pattern seq --bs 1M --spec seq_read=1GB/s \
	--output-format json -o "$T/m.json" || fail "two targets"
python3 - "$T/m.json" <<'PY' || fail "targets[].device"
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
t = j["ssdreplay"]["targets"]
rt = j["job_runtime"] / 1000
for x in t:
    d = x["device"]
    assert abs(d["spec_pct"] - 100 * x["read"]["bw_Bps"] / 1e9) <= 0.01 * d["spec_pct"] + 0.01, (d, x)
assert "device" not in j["ssdreplay"]
PY
ok "two targets: each with its own % of spec"

expect_exit 2 "--spec: unknown key 'bogus'" $SR replay "$a" --pattern seq --spec bogus=1
expect_exit 2 "--spec" $SR replay "$a" --pattern seq --spec seq_read=fast
ok "bad --spec refused"
