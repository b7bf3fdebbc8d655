#!/bin/bash
# sweep over --policy x --mem: simulate points on a fully written tiny-moe
# GGUF (real O_DIRECT reads through sr_sim_run): 4 points, Belady's MIN
# (oracle) reads no more than LRU at each budget, the whole model in memory
# reads each page once and nothing in the steady state, bytes equal
# `simulate`'s, CSV/JSON parse (a policy spec with ',' quoted), tokens/s vs mem
# plots, the page-cache folio size named (the target's default, as simulate's, or
# --max-folio), bad policies, budgets and folio sizes refused with one line
# and exit 2.
. "$SR_TESTLIB"

m=$T/m.gguf
$SR synth --profile tiny-moe --write-gguf "$m" 2>/dev/null || skip "synth cannot write GGUF files here"
[ "$(du -B1 "$m" | cut -f1)" -ge "$(stat -c %s "$m")" ] || fail "GGUF is sparse"

$SR sweep --profile tiny-moe "$m" --policy 'lru;oracle' --mem 25%,100% --tokens 8 -o "$T/res" --progress \
	--output-format json >"$T/out.json" 2>"$T/err" || { cat "$T/err"; fail "sweep --policy --mem"; }
grep -q "eta" "$T/err" || fail "no progress/ETA"
cmp -s "$T/out.json" "$T/res/sweep.json" || fail "stdout JSON differs from sweep.json"
j=$T/res/sweep.json
[ "$(json "$j" 'len(j["points"])')" = 4 ] || fail "expected 4 points"
[ "$(json "$j" 'j["ssdreplay"]["mode"] == "simulate" and j["ssdreplay"]["complete"] and j["ssdreplay"]["grid"]["policy"] == ["lru", "oracle"]')" = True ] ||
	fail "meta"
[ "$(json "$j" 'all(p["tokens_per_s"] > 0 and p["read_bytes"] > 0 and 0 <= p["hit_pct"] <= 100 and p["stall_p99_ns"] >= p["stall_p50_ns"] >= 0 and p["read_Bps"] > 0 and p["tokens"] == 8 for p in j["points"])')" = True ] ||
	fail "point figures"
mb=$(json "$j" 'j["ssdreplay"]["model_bytes"]')
[ "$(json "$j" 'sorted(p["mem_pct"] for p in j["points"])')" = "[25.0, 25.0, 100.0, 100.0]" ] || fail "mem %"
# MIN reads the fewest pages any replacement can: oracle <= lru at each budget.
for pct in 25.0 100.0; do
	o=$(json "$j" "[p['read_bytes'] for p in j['points'] if p['policy'] == 'oracle' and p['mem_pct'] == $pct][0]")
	l=$(json "$j" "[p['read_bytes'] for p in j['points'] if p['policy'] == 'lru' and p['mem_pct'] == $pct][0]")
	python3 -c "import sys; sys.exit(0 if $o <= $l else 1)" || fail "mem $pct%: oracle read $o > lru $l"
done
# A smaller budget reads more (lru 25% > lru 100%), and the whole model in
# memory reads each page at most once.
[ "$(json "$j" '[p["read_bytes"] for p in j["points"] if p["policy"] == "lru" and p["mem_pct"] == 25][0] > [p["read_bytes"] for p in j["points"] if p["policy"] == "lru" and p["mem_pct"] == 100][0]')" = True ] ||
	fail "lru at 25% read no more than at 100%"
[ "$(json "$j" "all(p['read_bytes'] <= $mb for p in j['points'] if p['mem_pct'] == 100)")" = True ] ||
	fail "100% mem read more than the model ($mb bytes)"
# The same bytes as `simulate` on the same schedule.
$SR simulate --profile tiny-moe "$m" --compare lru,oracle --mem 25%,100% --tokens 8 --output-format json >"$T/sim.json" ||
	fail "simulate"
[ "$(python3 - "$j" "$T/sim.json" <<'PY'
import json, sys
sw = json.load(open(sys.argv[1]))["points"]
sim = json.load(open(sys.argv[2]))
rows = sim.get("rows") or sim.get("results") or []
got = sorted((p["policy"], p["mem_bytes"], p["read_bytes"]) for p in sw)
want = sorted((r["policy"], r["mem_bytes"], r["demand_bytes"] + r["prefetch_bytes"]) for r in rows if r.get("kind", "simulated") == "simulated")
print(got == want or (got, want))
PY
)" = True ] || fail "sweep and simulate disagree on bytes read"
# The page-cache folio size: the target's default, as simulate detects it,
# named in the report; --max-folio sets it; a replay sweep refuses it.
[ "$(json "$T/sim.json" '(j["max_folio_bytes"], j["max_folio_source"])')" = \
  "$(json "$j" '(j["ssdreplay"]["max_folio_bytes"], j["ssdreplay"]["max_folio_source"])')" ] || fail "sweep's default folio is not simulate's"
$SR sweep --profile tiny-moe "$m" --policy pagecache --mem 50% --tokens 2 --max-folio 64k >"$T/f.txt" 2>"$T/err" ||
	{ cat "$T/err"; fail "sweep --max-folio"; }
grep -q "^pagecache policy: folios of up to 64 KiB (--max-folio)$" "$T/f.txt" || { cat "$T/f.txt"; fail "text report: no folio line"; }
expect_exit 2 "--max-folio shape simulate points" $SR sweep --pattern seq --max-folio 64k "$m"
expect_exit 2 "--max-folio: expected a power of two from 4k to 2M, found '3M'" $SR sweep --profile tiny-moe "$m" --max-folio 3M
# CSV: a row per point, the columns the JSON has.
[ "$(python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); print(len(r), all(float(x["tokens_per_s"]) > 0 and x["hit_pct"] and x["stall_p99_ns"] and x["read_bytes"] and x["read_Bps"] for x in r))' "$T/res/sweep.csv")" = "4 True" ] ||
	fail "sweep.csv"
for f in tokens stall hit_rate; do
	python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$T/res/$f.svg" || fail "$f.svg"
done
grep -q "memory budget" "$T/res/tokens.svg" || fail "tokens.svg: x is not the memory budget"
grep -q ">lru<" "$T/res/tokens.svg" && grep -q ">oracle<" "$T/res/tokens.svg" || fail "tokens.svg: not one line per policy"
ok "policy x mem: oracle <= lru, bytes = simulate's, CSV/JSON/plots"

# Steady state: with the whole model resident, once every expert has been
# routed (16 tokens of uniform routing over tiny-moe's), decode reads nothing.
$SR sweep --gguf "$m" --policy lru --mem 100% --tokens 32 --output-format json >"$T/st.json" || fail "steady sweep"
[ "$(json "$T/st.json" '[(p["steady_tokens"], p["steady_read_bytes"]) for p in j["points"]]')" = "[(16, 0)]" ] ||
	fail "steady state at 100% mem: $(json "$T/st.json" '[(p["steady_tokens"], p["steady_read_bytes"]) for p in j["points"]]')"
# --policy repeated, a spec holding ',' and ':' (CSV quotes it), a page x qd grid.
$SR sweep --gguf "$m" --policy 'lru;pinned:*norm*,token_embd*' --policy lookahead:2 --mem 50% --page 4k,16k --qd 4,32 \
	--tokens 4 --output-format csv >"$T/g.csv" || fail "policy list"
[ "$(python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); print(len(r), sorted(set(x["policy"] for x in r)))' "$T/g.csv")" = \
	"12 ['lookahead:2', 'lru', 'pinned:*norm*,token_embd*']" ] || fail "3 policies x 2 pages x 2 qd: $(cat "$T/g.csv")"
ok "steady state reads nothing at 100%; ';'-separated and repeated --policy"

expect_exit 2 "sweep: --policy: unknown policy 'bogus'" $SR sweep --profile tiny-moe "$m" --policy 'lru;bogus' -o "$T/bad"
expect_exit 2 "sweep: --policy: empty item" $SR sweep --profile tiny-moe "$m" --policy 'lru;;oracle' -o "$T/bad"
expect_exit 2 "sweep: --mem: expected sizes .2G., percentages" $SR sweep --profile tiny-moe "$m" --mem 0% -o "$T/bad"
expect_exit 2 "give --profile NAME or --gguf FILE" $SR sweep "$m" --policy lru -o "$T/bad"
expect_exit 2 "needs the model's tensors" $SR sweep "$m" --trace "$T/sim.json" --policy 'pinned:*norm*' -o "$T/bad"
expect_exit 2 "--threads applies to replay points" $SR sweep --gguf "$m" --threads 2 -o "$T/bad"
expect_exit 2 "simulate pages are powers of two from 4k to 2M" $SR sweep --gguf "$m" --page 1k -o "$T/bad"
expect_exit 2 "smaller than the model" $SR sweep --profile tiny-moe "$T/sim.json" -o "$T/bad"
[ ! -e "$T/bad" ] || fail "bad input created the output directory"
ok "bad policies and budgets: exit 2, one line"

# SIGINT: the simulation in flight stops, what completed is written, exit 130 (1000 tokens a point, so the
# 20 points take far longer than the 1 s before the signal, however fast the simulator gets).
$SR sweep --gguf "$m" --policy 'lru;fifo' --mem 10%..100%:+10 --tokens 1000 -o "$T/int" >/dev/null 2>"$T/int.err" &
pid=$!
sleep 1
kill -INT $pid
stop_within 60 $pid || fail "sweep_sim: did not stop within 60 s of SIGINT"
[ "$rc" = 130 ] || { cat "$T/int.err"; fail "SIGINT: exit $rc, expected 130"; }
[ "$(json "$T/int/sweep.json" 'j["ssdreplay"]["complete"]')" = False ] || fail "partial JSON not marked"
n=$(json "$T/int/sweep.json" 'len(j["points"])')
[ "$n" -lt 20 ] || fail "SIGINT: all 20 points complete"
[ "$(($(wc -l <"$T/int/sweep.csv") - 1))" = "$n" ] || fail "partial CSV and JSON disagree"
grep -q "partial" "$T/int.err" || fail "no partial notice"
ok "SIGINT: exit 130 with $n complete points"
