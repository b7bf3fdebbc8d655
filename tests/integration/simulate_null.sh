#!/bin/bash
# simulate --engine null reads nothing: its rows count pages exactly but
# must not show tokens/s, stall or GB/s as if measured ("accounting only");
# MIN's run-length next-use table gives the oracle at least LRU's hit rate.
. "$SR_TESTLIB"

truncate -s 64M "$T/target" # never read: the null engine does no I/O
run() { $SR simulate --profile tiny-llama --engine null --tokens 6 --mem 30% --page 4k \
	--compare lru,oracle,pagecache "$T/target" "$@"; }
run >"$T/text" || fail "simulate --engine null failed"
grep -q "accounting only" "$T/text" || fail "no 'accounting only' note: $(cat "$T/text")"
awk '$1 == "lru" || $1 == "oracle" { if ($3 != "-" || $4 != "-" || $16 != "-") bad = 1 } END { exit bad }' "$T/text" ||
	fail "tok/s, stall or GB/s printed for the null engine: $(cat "$T/text")"
run --output-format json >"$T/j" || fail "json report failed"
python3 - "$T/j" <<'PY' || fail "json: $(cat "$T/j")"
import json, sys
rows = {r["policy"]: r for r in json.load(open(sys.argv[1]))["rows"]}
for r in rows.values():
    assert r["tokens_per_s"] is None and r["read_Bps"] is None, r
    assert r["read_bytes"] > 0 and 0 <= r["hit_pct"] <= 100, r
assert rows["oracle"]["hit_pct"] >= rows["lru"]["hit_pct"], rows
PY
ok "null engine: accounting only"

# --progress (the default on a terminal): a run past 2 s shows % and ETA every second on stderr, ending at 100%;
# 12 tokens of 300 ms compute take 3.6 s
$SR simulate --profile tiny-llama "$T/target" --engine null --tokens 12 --compute-ms-per-token 300 --progress \
	>"$T/p.out" 2>"$T/p.err" || fail "simulate --progress"
tr '\r' '\n' <"$T/p.err" | grep -Eq '^\[ *[0-9.]+s\] +[0-9.]+% .*eta' || fail "no progress line: $(cat "$T/p.err")"
tr '\r' '\n' <"$T/p.err" | grep -v '^$' | tail -1 | grep -q ' 100\.0% ' || fail "progress does not end at 100%"
grep -q "eta" "$T/p.out" && fail "progress went to stdout"
ok "simulate --progress: % and ETA on stderr"
