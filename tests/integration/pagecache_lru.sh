#!/bin/bash
# The pagecache policy's kernel LRU (policy/pclru.c): on an MoE model each
# token reads the routed experts' slices, and readahead pulls in neighbours
# that are never used. Used pages are activated at their first scan and the
# unused readahead is evicted first, so at 85% of the model the routed working
# set mostly survives and a token reads under a fifth of what it reads at
# 35% (this model: 10.5 of 109.4 MiB); the two-list approximation it replaced
# (promotion on a second touch while on the inactive list) kept a third
# (32.1 of 96.9 MiB). Also: per-token figures in the JSON, one per token.
# 20 ms of compute per token, not 0: with none, how much readahead completes
# between tokens follows the simulator's own speed (the ASan build read
# 27.3 MiB/token at 85%, the plain one 10.5); with 20 ms both give 10.5-10.7.
source "$SR_TESTLIB"
sed -e 's/^n_layer = .*/n_layer = 4/; s/^n_embd = .*/n_embd = 512/; s/^n_ff = .*/n_ff = 768/' \
    -e 's/^\* = Q8_0/* = F16/; s/^file_type = 7/file_type = 1/' \
    "$SR_SRC/profiles/models/tiny-moe.ini" >"$T/moe.ini"
"$SR" synth --profile "$T/moe.ini" --write-gguf "$T/moe.gguf" --seed 3 || fail "synth --write-gguf"
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
assert b_hi < 0.2 * b_lo, (b_lo, b_hi)  # 2q: 32.1 of 96.9 MiB (0.33)
PY
ok "at 85% the routed working set survives the unused readahead"
