#!/bin/bash
# The pagecache policy's kernel LRU (policy/pclru.c): on an MoE model each
# token reads the routed experts' slices, and readahead pulls in neighbours
# that are never used, so bytes per token fall as memory grows, but not to
# nothing: the real llama.cpp (scripts/llamacpp_validate.sh, README) read
# 91 MiB/token at 85% of an MoE against 231 at 35% (0.39), because the
# kernel keeps only what its active list holds. The model checked here
# holds a band around it (0.2-0.75; 0.30-0.46 seen, lower on a loaded
# machine, where less readahead completes between tokens); the list model
# before (every used page activated at its first scan, the active list
# shrunk only when larger than the inactive one) read 0.13, the routed set
# surviving far better than for real. Also: per-token figures in
# the JSON, one per token.
# 20 ms of compute per token, not 0: with none, how much readahead completes
# between tokens follows the simulator's own speed.
source "$SR_TESTLIB"
f16_model tiny-moe 4 512 768 "$T/moe.gguf"
for lv in 35 85; do
	"$SR" simulate --gguf "$T/moe.gguf" --policy pagecache --mem $lv% --tokens 8 --compute-ms-per-token 20 \
		--advise sequential --output-format json -o "$T/s$lv.json" || fail "simulate --mem $lv%"
done
python3 - "$T/s35.json" "$T/s85.json" <<'PY' || fail "bytes per token against memory"
import json, sys
lo, hi = (json.load(open(p))["rows"][0] for p in sys.argv[1:3])
for r in (lo, hi):
    assert len(r["per_token_read_bytes"]) == 8 and len(r["per_token_stall_ms"]) == 8, r
b_lo, b_hi = lo["steady_read_bytes_per_token"], hi["steady_read_bytes_per_token"]
print("  bytes/token: %.1f MiB at 35%%, %.1f MiB at 85%%" % (b_lo / 2**20, b_hi / 2**20))
assert 0.2 * b_lo < b_hi < 0.75 * b_lo, (b_lo, b_hi)
PY
ok "at 85% part of the routed working set survives, as much as the kernel keeps"
