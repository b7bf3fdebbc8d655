#!/bin/bash
# scripts/llamacpp_resim.py: a validation's predictions made again from its
# saved points: the real columns are kept, simulate gets the point's room,
# compute and the page-cache cost measured then (as a cached figure, not
# measured again), and a dearer cost gives fewer tokens/s.
. "$SR_TESTLIB"
command -v python3 >/dev/null || skip "no python3"
O=$T/v
mkdir -p "$O"
$SR synth --profile tiny-llama --write-gguf "$O/m.gguf" --seed 3 >/dev/null || fail "synth --write-gguf"
printf 'model\tlevel\troom\treal_tps\treal_tps_min\treal_tps_max\treal_bpt\treal_bpt_min\treal_bpt_max\tpred_tps\tpred_bpt\tram_tps\treal_fpt\tpred_fpt\n' >"$O/points.tsv"
printf 'm\t60\t65536\t5.5\t5\t6\t70000\t60000\t80000\t0\t0\t9\t3\t0\n' >>"$O/points.tsv"
point() { # SEQ_NS_PER_BYTE
	cat >"$O/m.60.sim.json" <<JSON
{"prefill_tokens": 2, "compute_ms_per_token": 1.5, "rows": [{"tokens": 4}],
 "pagecache_cost": {"file": "/elsewhere/devices/pagecache-cost-vda-t2.ini", "cached": false, "threads": 2,
  "region_bytes": 188743680, "memcg_pressure_measured": true, "seq_ns_per_byte": $1,
  "seq_pressure_ns_per_byte": $1, "scattered_pressure_ns_per_byte": $1}}
JSON
}
resim() {
	SSDREPLAY=$SR python3 "$SR_SRC/scripts/llamacpp_resim.py" "$O" >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; fail "resim: $*"; }
}
point 2.5
resim "cost 2.5"
python3 - "$O" <<'PY' || fail "resim's points or its simulate"
import csv, json, sys
o = sys.argv[1]
r = list(csv.DictReader(open(o + "/points-resim.tsv"), delimiter="\t"))
assert len(r) == 1, r
r = r[0]
assert (r["real_tps"], r["real_bpt"], r["room"], r["real_fpt"]) == ("5.5", "70000", "65536", "3"), r
j = json.load(open(o + "/m.60.resim.json"))
c = j["pagecache_cost"]
assert c["cached"] and c["threads"] == 2 and abs(c["seq_ns_per_byte"] - 2.5) < 1e-9, c
assert j["compute_ms_per_token"] == 1.5 and j["prefill_tokens"] == 2 and j["rows"][0]["tokens"] == 4, j
assert abs(float(r["pred_tps"]) - j["rows"][0]["tokens_per_s"]) < 1e-6 * j["rows"][0]["tokens_per_s"], r
assert float(r["pred_bpt"]) > 0, r
# --mem-spread 5% by default: the range holds the point's own figures
s = j["rows"][0]["mem_spread"]
assert s["spread_pct"] == 5 and s["mem_bytes"][2] == 65536, s
assert float(r["pred_bpt_min"]) <= float(r["pred_bpt"]) <= float(r["pred_bpt_max"]), r
assert float(r["pred_tps_min"]) <= float(r["pred_tps"]) <= float(r["pred_tps_max"]), r
# 64 KiB of room is under four readahead windows whatever the disk's read_ahead_kb
assert r["small_room"] == "1" and j["rows"][0]["under_four_readahead_windows"] is True, r
print(r["pred_tps"])
PY
[ $? = 0 ] || fail "resim"
cheap=$(awk -F'\t' 'NR == 2 { print $10 }' "$O/points-resim.tsv")
grep -q "^| m | 60% (0 MiB) \* " "$T/out" || fail "no table, or no small-room mark: $(cat "$T/out")"
grep -q "^the real median within the goal band of the predicted range: bytes/token [01] of 1 points" "$T/out" ||
	fail "no range verdict: $(cat "$T/out")"
# a validation's points from before --mem-spread: the table without ranges
python3 "$SR_SRC/scripts/llamacpp_table.py" "$O/points.tsv" >"$T/old" || fail "table of points without ranges"
grep -q "^| m | 60% " "$T/old" && ! grep -q "predicted range:" "$T/old" || fail "old points: $(cat "$T/old")"
point 250
resim "cost 250"
dear=$(awk -F'\t' 'NR == 2 { print $10 }' "$O/points-resim.tsv")
python3 -c "import sys; sys.exit(0 if float(sys.argv[2]) < float(sys.argv[1]) else 1)" "$cheap" "$dear" ||
	fail "a 100x dearer page-cache cost did not lower tokens/s: $cheap -> $dear"
# a room above the file's size: the steady tokens read nothing, and 0 is the
# prediction (not the run's mean, which counts the first reads of the file)
size=$(stat -c %s "$O/m.gguf")
sed -i "2s/\t65536\t/\t$((2 * size))\t/" "$O/points.tsv"
point 2.5
resim "room above the file"
fit=$(awk -F'\t' 'NR == 2 { print $11 }' "$O/points-resim.tsv")
[ "$fit" = 0 ] || fail "room $((2 * size)) above the file's $size bytes: predicted $fit bytes/token, expected 0"
ok "resim: real columns kept, the point's cost taken as cached, tokens/s $cheap at 2.5 ns/B and $dear at 250"
# ROOM_SCALE predicts for a scaled room: half of twice the file is the file's
# size, still above the model's weights, so the steady tokens read nothing;
# a bad factor is refused with exit 2
sed -i "2s/\t$((2 * size))\t/\t$((4 * size))\t/" "$O/points.tsv"
ROOM_SCALE=0.5 SSDREPLAY=$SR python3 "$SR_SRC/scripts/llamacpp_resim.py" "$O" >"$T/out" 2>"$T/err" ||
	{ cat "$T/err" >&2; fail "resim ROOM_SCALE=0.5"; }
room=$(awk -F'\t' 'NR == 2 { print $3 }' "$O/points-resim.tsv")
[ "$room" = $((2 * size)) ] || fail "ROOM_SCALE=0.5 of $((4 * size)): room $room"
grep -q -- "--mem $((2 * size))\b\|\"mem_bytes\": $((2 * size))" "$O/m.60.resim.json" ||
	fail "ROOM_SCALE=0.5: the simulation did not get room $((2 * size))"
ROOM_SCALE=x SSDREPLAY=$SR python3 "$SR_SRC/scripts/llamacpp_resim.py" "$O" >"$T/out" 2>"$T/err"
[ $? = 2 ] && grep -q "ROOM_SCALE: expected a factor" "$T/err" || fail "ROOM_SCALE=x: $(cat "$T/err")"
ok "resim ROOM_SCALE: the room scaled in the table and in the simulation; a bad factor exits 2"
# ns per page activated: the point's own figure (none in points measured before it: 0), or ACT_NS's
act() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["pagecache_cost"]["activate_ns_per_page"])' "$O/m.60.resim.json"; }
resim "no activation figure"
[ "$(act)" = 0.0 ] || fail "a point without activate_ns_per_page: $(act), expected 0"
ACT_NS=5000 resim "ACT_NS=5000"
[ "$(act)" = 5000.0 ] || fail "ACT_NS=5000: $(act)"
ACT_NS=-1 SSDREPLAY=$SR python3 "$SR_SRC/scripts/llamacpp_resim.py" "$O" >"$T/out" 2>"$T/err"
[ $? = 2 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q "ACT_NS: expected ns per page activated" "$T/err" ||
	fail "ACT_NS=-1: $(cat "$T/err")"
ok "resim ACT_NS: the figure reaches the simulation; a negative one exits 2 with one line"
