#!/bin/bash
# needs: root
# simulate on a loop device (direct I/O): the bytes every policy says it
# read (demand + prefetch) add up to what the block device counted, within
# 1%; MIN reads least; memory >= the data means nothing is re-read.
. "$SR_TESTLIB"
need_root

head -c 32M /dev/urandom >"$T/backing"
new_loop "$T/backing"
dev=$LOOP
# a 24 MiB "model" of 48 tensors of 512 KiB, read in order each token, plus
# a few hot tensors re-read within the token
python3 - "$T/t.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("offset,length,op\n")
    for i in range(48):
        f.write(f"{i * 524288},524288,r\n")
        if i % 8 == 7:
            f.write("0,524288,r\n")
PY
rd0=$(loop_sectors "$dev" rd)
$SR simulate --trace "$T/t.csv" "$dev" --tokens 3 --mem 8M,32M --compare none,lru,fifo,clock,lookahead:4,pagecache,oracle \
	--compute-ms-per-token 5 --output-format json --output "$T/r.json" || fail "simulate on $dev"
rd1=$(loop_sectors "$dev" rd)
counted=$(((rd1 - rd0) * 512))
claimed=$(json "$T/r.json" 'sum(r["demand_bytes"] + r["prefetch_bytes"] for r in j["rows"])')
python3 -c "import sys; c,k=$claimed,$counted; sys.exit(0 if abs(c-k) <= 0.01*k else 1)" ||
	fail "policies say $claimed bytes, $dev counted $counted"
ok "demand + prefetch over all rows: $claimed bytes, $dev counted $counted"

python3 - "$T/r.json" <<'PY' || fail "report invariants"
import json, sys
j = json.load(open(sys.argv[1]))
rows = j["rows"]
for mem in set(r["mem_bytes"] for r in rows):
    at = {r["policy"]: r for r in rows if r["mem_bytes"] == mem}
    orc = at["oracle"]["hit_pct"]
    for p, r in at.items():
        assert r["hit_pct"] <= orc + 1e-9, (p, mem, r["hit_pct"], orc)
        assert r["read_bytes"] == r["demand_bytes"] + r["prefetch_bytes"], p
        assert r["tokens"] == 3, (p, r["tokens"])
    assert at["none"]["demand_bytes"] == 3 * (48 + 6) * 524288
    if mem >= 24 << 20:
        # everything fits: after the first token nothing is read again
        for p in ("lru", "fifo", "clock", "lookahead:4", "oracle"):
            assert at[p]["read_bytes"] == 24 << 20, (p, at[p]["read_bytes"])
print("ok")
PY
ok "MIN bounds every policy, memory >= data reads each byte once"
