#!/bin/bash
# needs: root
# scripts/llamacpp_replay.py: a validation's points replayed through the
# kernel's page cache. With room for the model the loaded replay reads
# nothing a token; at a third of it, about the model a token. The table
# keeps llama.cpp's own figures beside the replay's, and a directory with
# no points.tsv, or a point whose sim.json lacks its rows, is refused with
# exit 2.
. "$SR_TESTLIB"
need_root
command -v python3 >/dev/null || skip "no python3"
O=$T/v
mkdir -p "$O"
# big enough that a third of it outruns the readahead windows and folios in
# flight: at a third of 19.5 MB the child was OOM-killed in 2 runs of 6
f16_model tiny-llama 6 1024 2816 "$O/m.gguf"
size=$(stat -c %s "$O/m.gguf")
sync "$O/m.gguf"
printf 'model\tlevel\troom\treal_tps\treal_tps_min\treal_tps_max\treal_bpt\treal_bpt_min\treal_bpt_max\tpred_tps\tpred_bpt\tram_tps\treal_fpt\tpred_fpt\n' >"$O/points.tsv"
printf 'm\t35\t%d\t5.5\t5\t6\t%d\t0\t0\t9\t%d\t40\t3\t0\n' $((size / 3)) "$size" "$size" >>"$O/points.tsv"
printf 'm\t150\t%d\t40\t40\t40\t0\t0\t0\t40\t0\t40\t0\t0\n' $((size * 3 / 2)) >>"$O/points.tsv"
for lv in 35 150; do
	echo '{"prefill_tokens": 2, "compute_ms_per_token": 5, "rows": [{"tokens": 4}]}' >"$O/m.$lv.sim.json"
done
SSDREPLAY=$SR python3 "$SR_SRC/scripts/llamacpp_replay.py" "$O" >"$T/out" 2>"$T/err"
real_mmap_rc $? "$T/err" "llamacpp_replay.py"
cat "$T/out"
python3 - "$O" "$size" <<'PY' || fail "the replay's figures"
import json, sys
o, size = sys.argv[1], int(sys.argv[2])
real = lambda lv: [r for r in json.load(open("%s/m.%s.replay.json" % (o, lv)))["rows"] if r["kind"] == "real-mmap"][0]
a, b = real(35), real(150)
assert a["tokens"] == 4 and len(a["per_token_read_bytes"]) == 4, a
assert min(a["per_token_read_bytes"][1:]) > size / 2, a["per_token_read_bytes"]
assert sum(b["per_token_read_bytes"]) == 0, b["per_token_read_bytes"]
PY
grep -q "^| m | 35% ([0-9]* MiB) | [0-9.]* | [0-9.]* | [0-9.]*x |" "$T/out" || fail "no 35% row: $(cat "$T/out")"
grep -q "^| m | 150% ([0-9]* MiB) | 0.0 | 0.0 |" "$T/out" || fail "no 150% row: $(cat "$T/out")"
grep -q "^replay bytes/token within 15% of llama.cpp's: [12] of 2 points" "$T/out" || fail "no verdict: $(cat "$T/out")"
ok "llamacpp_replay: each point through the kernel's page cache beside llama.cpp's figures"
expect_exit 2 "points.tsv" python3 "$SR_SRC/scripts/llamacpp_replay.py" "$T/none"
echo '{"prefill_tokens": 2, "compute_ms_per_token": 5}' >"$O/m.35.sim.json"
expect_exit 2 "m 35%: expected .*rows\[0\].tokens" python3 "$SR_SRC/scripts/llamacpp_replay.py" "$O"
[ ! -s "$T/out" ] || fail "a bad point still printed: $(cat "$T/out")"
ok "a directory without points.tsv, and a point's sim.json without its rows: exit 2"
