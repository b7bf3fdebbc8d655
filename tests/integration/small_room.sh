#!/bin/bash
# simulate flags a pagecache budget under four readahead windows: there the
# kernel re-read up to four times what the simulation reads (README, "Rooms
# under four readahead windows"). The window is the policy's: pagecache:128
# is 128 KiB whatever the target's read_ahead_kb, --advise sequential
# doubles the target's, --advise random turns readahead and the flag off.
source "$SR_TESTLIB"
command -v python3 >/dev/null || skip "no python3"
f16_model tiny-llama 2 256 512 "$T/m.gguf"
sim() { "$SR" simulate --gguf "$T/m.gguf" --tokens 2 --engine null "$@"; }
sim --policy pagecache:128 --mem 256K,512K,1M --output-format json -o "$T/j" || fail "simulate pagecache:128"
python3 - "$T/j" <<'PY' || fail "the flag in JSON: $(cat "$T/j")"
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
got = [(r["mem_bytes"], r["readahead_window_bytes"], r["under_four_readahead_windows"]) for r in rows]
assert got == [(256 << 10, 128 << 10, True), (512 << 10, 128 << 10, False), (1 << 20, 128 << 10, False)], got
PY
out=$(sim --policy pagecache:128 --policy lru --mem 256K,1M) || fail "simulate, text"
n=$(grep -c "under four readahead windows" <<<"$out")
[ "$n" = 1 ] || fail "expected one note (pagecache at 256 KiB), found $n: $out"
grep -q "^pagecache:128 at mem 0.2 MiB: under four readahead windows of 0.1 MiB" <<<"$out" || fail "the note: $out"
sim --policy pagecache --advise random --mem 256K --output-format json -o "$T/r" || fail "simulate --advise random"
python3 - "$T/r" <<'PY' || fail "--advise random: $(cat "$T/r")"
import json, sys
r = json.load(open(sys.argv[1]))["rows"][0]
assert r["readahead_window_bytes"] is None and r["under_four_readahead_windows"] is False, r
PY
ok "budgets under four readahead windows are flagged, in text and JSON"
