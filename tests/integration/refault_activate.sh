#!/bin/bash
# The pagecache lists activate a refault as workingset_refault does: a page
# read again within the workingset's size of its eviction (its refault
# distance, the evictions and activations since, at most the active list's
# pages) goes straight to the active list, counted as workingset_activate
# (/proc/vmstat's workingset_activate_file) and not as pgactivate. A token
# here reads a hot set of 24 pages twice, around two cold runs, in a cache of
# 64 pages without readahead: reclaim activates hot pages (a second use
# within their stay), and cold pages come back within the active list's size.
# Checks: refaults are activated (more than none, at most the refaults), the
# JSON carries the counter, and an empty active list activates none (the
# same cold runs alone, each page used once: nothing activated by reclaim).
# The lists' rule is checked with the statistics always current (--stat-flush
# exact); flushed at every token's end, the refaults are activated too, from
# the active list's size as of the token before.
source "$SR_TESTLIB"

"$SR" prep "$T/t.dat" --size 1M >/dev/null || fail "prep"
python3 - "$T" <<'PY' || fail "writing the traces"
import sys
t = sys.argv[1]
hot = list(range(0, 24))
rows = {"mixed": hot + list(range(100, 132)) + hot + list(range(132, 148)),
        "cold": list(range(100, 172))}
for name, pages in rows.items():
    with open("%s/%s.csv" % (t, name), "w") as f:
        f.write("offset,length\n" + "".join("%d,4096\n" % (p * 4096) for p in pages))
PY
for n in mixed cold; do
	"$SR" simulate --trace "$T/$n.csv" "$T/t.dat" --policy pagecache:0 --mem 256K --tokens 12 --stat-flush exact \
		--output-format json -o "$T/$n.json" || fail "simulate $n"
done
"$SR" simulate --trace "$T/mixed.csv" "$T/t.dat" --policy pagecache:0 --mem 256K --tokens 12 --stat-flush token \
	--output-format json -o "$T/token.json" || fail "simulate --stat-flush token"
python3 - "$T/mixed.json" "$T/cold.json" "$T/token.json" <<'PY' || fail "refault activation"
import json, sys
m, c, t = (json.load(open(p))["rows"][0] for p in sys.argv[1:4])
print("  mixed, flushed every token: workingset_activate %d of %d refaults" % (t["workingset_activate"], t["workingset_refault"]))
assert 0 < t["workingset_activate"] <= t["workingset_refault"], t
for name, r in (("mixed", m), ("cold", c)):
    print("  %s: pgactivate %d, pgdeactivate %d, workingset_refault %d, workingset_activate %d"
          % (name, r["pgactivate"], r["pgdeactivate"], r["workingset_refault"], r["workingset_activate"]))
assert m["pgactivate"] > 0, "reclaim activated no hot page"
assert 0 < m["workingset_activate"] <= m["workingset_refault"], m
assert c["workingset_refault"] > 0 and c["pgactivate"] == 0 and c["workingset_activate"] == 0, c
PY
ok "refaults within the active list's size are activated, none with the active list empty"
for bad in hourly periodic: periodic:2000 periodic:nan token:-1 exact:5 periodic:1x; do
	expect_exit 2 "stat-flush: expected" "$SR" simulate --trace "$T/mixed.csv" "$T/t.dat" --policy pagecache:0 \
		--mem 256K --stat-flush "$bad" -o "$T/bad.json"
	[ ! -e "$T/bad.json" ] || fail "--stat-flush $bad wrote its output"
done
ok "--stat-flush hourly, periodic:2000, token:-1, exact:5 and the like: refused with exit 2, nothing written"
