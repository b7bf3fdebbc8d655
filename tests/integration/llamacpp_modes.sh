#!/bin/bash
# scripts/llamacpp_modes.py: a validation's decode tokens split by whether
# reclaim deactivated at least MIB (8) during them, the real runs' from the
# runner's marks (the host's pgdeactivate, 4 KiB pages) and the simulation's
# from per_token_deactivations (the resim JSON before the validation's own),
# each kind's mean MiB/token; the RAM-resident runs' marks left out; bad input
# gets one line naming the file and exit 2.
. "$SR_TESTLIB"
command -v python3 >/dev/null || skip "no python3"
M=1048576
O=$T/out.d
mkdir -p "$O"
printf 'model\tlevel\troom\treal_bpt\n' >"$O/points.tsv"
printf 'a\t35\t%d\t%d\n' $((70 * M)) $((150 * M)) >>"$O/points.tsv"
printf 'b\t85\t%d\t%d\n' $((170 * M)) $((40 * M)) >>"$O/points.tsv"
# marks: token N NS READ_BYTES MAJFLT PGACTIVATE PGDEACTIVATE REFAULT ACTIVATE
mark() { # FILE N READ_MIB DEACT_PAGES
	printf 'token %d %d %d 0 0 %d 0 0\n' "$2" $((1000 + $2)) $(($3 * M)) "$4" >>"$1"
}
# run 1: 100 MiB and no deactivation, 200 and 4096 pages (16 MiB), 120 and 1024 (4 MiB)
printf 'decode-start 1 0 0 0 0 0 0\n' >"$O/a.35.1.marks"
mark "$O/a.35.1.marks" 0 10 500
mark "$O/a.35.1.marks" 1 110 500
mark "$O/a.35.1.marks" 2 310 4596
mark "$O/a.35.1.marks" 3 430 5620
# run 2: 180 MiB and 3000 pages (11.7 MiB)
mark "$O/a.35.2.marks" 0 0 0
mark "$O/a.35.2.marks" 1 180 3000
# a RAM-resident run is not a limited one
mark "$O/a.35.ram1.marks" 0 0 0
mark "$O/a.35.ram1.marks" 1 999 99999
# the simulation: its first decode token left out as the real runs' is
sim() { # FILE READ_MIB... -- DEACT_PAGES...
	python3 - "$@" <<'PY'
import json, sys
a = sys.argv[2:]
i = a.index("--")
rd, de = [int(x) << 20 for x in a[:i]], [int(x) for x in a[i + 1:]]
row = {"per_token_read_bytes": rd}
if de:
    row["per_token_deactivations"] = de
json.dump({"page": 4096, "rows": [row]}, open(sys.argv[1], "w"))
PY
}
sim "$O/a.35.resim.json" 999 100 300 100 -- 5000 0 3000 100
sim "$O/a.35.sim.json" 999 50 50 50 -- 9000 9000 9000 9000
sim "$O/b.85.sim.json" 40 40 --
python3 "$SR_SRC/scripts/llamacpp_modes.py" "$O" >"$T/o" 2>"$T/e" || fail "modes: $(cat "$T/e")"
grep -qxF "| a | 35% | 150.0 | 2 of 4 | 190.0 | 110.0 | 1 of 3 | 300.0 | 100.0 |" "$T/o" || fail "point a: $(cat "$T/o")"
grep -qxF "| b | 85% | 40.0 | - | - | - | - | - | - |" "$T/o" || fail "point b (no marks, an old JSON): $(cat "$T/o")"
ok "modes: 2 of 4 real tokens deactivated 8 MiB or more (190.0 MiB/token, the rest 110.0), 1 of 3 simulated"
python3 "$SR_SRC/scripts/llamacpp_modes.py" "$O" 4 >"$T/o" 2>"$T/e" || fail "modes 4: $(cat "$T/e")"
grep -qF "| a | 35% | 150.0 | 3 of 4 | 166.7 | 100.0 |" "$T/o" || fail "at 4 MiB: $(cat "$T/o")"
ok "modes: at 4 MiB a token deactivating exactly 4 MiB counts"
# marks of a runner before the host's counters: that point has no real split
printf 'token 0 1 0 0\ntoken 1 2 %d 3\n' $((99 * M)) >"$O/b.85.1.marks"
python3 "$SR_SRC/scripts/llamacpp_modes.py" "$O" >"$T/o" 2>"$T/e" || fail "old marks: $(cat "$T/e")"
grep -qxF "| b | 85% | 40.0 | - | - | - | - | - | - |" "$T/o" || fail "old marks: $(cat "$T/o")"
ok "modes: marks without the host's counters give no split, not an error"
# the simulated pagecache row, wherever it stands among the rows
python3 - "$O/a.35.resim.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["rows"][0]
r.update(policy="pagecache", kind="simulated")
d["rows"] = [{"policy": "pagecache", "kind": "real-mmap", "per_token_read_bytes": [1, 2],
              "per_token_deactivations": [9, 9]}, r]
json.dump(d, open(sys.argv[1], "w"))
PY
python3 "$SR_SRC/scripts/llamacpp_modes.py" "$O" >"$T/o" 2>"$T/e" || fail "rows: $(cat "$T/e")"
grep -qF "| a | 35% | 150.0 | 2 of 4 | 190.0 | 110.0 | 1 of 3 | 300.0 | 100.0 |" "$T/o" || fail "rows: $(cat "$T/o")"
ok "modes: the simulated pagecache row is taken after a real-mmap one"
# bad input: one line naming the file, exit 2
bad() { # WHAT EXPECTED-PATTERN ARGS...
	local what=$1 pat=$2
	shift 2
	python3 "$SR_SRC/scripts/llamacpp_modes.py" "$@" >"$T/o" 2>"$T/e"
	[ $? = 2 ] || fail "$what: exit not 2: $(cat "$T/e")"
	[ "$(wc -l <"$T/e")" = 1 ] && grep -q "$pat" "$T/e" || fail "$what: $(cat "$T/e")"
}
bad "MIB 0" "MIB: expected MiB deactivated above 0" "$O" 0
echo 'token 4 5 6' >>"$O/a.35.2.marks"
bad "short mark" "a.35.2.marks:3: expected 'token N NS" "$O"
sed -i '$d' "$O/a.35.2.marks"
echo '{"rows": []}' >"$O/a.35.resim.json"
bad "JSON without a row" "a.35.resim.json: expected simulate's JSON report" "$O"
rm "$O/points.tsv"
bad "no points" "points.tsv: No such file" "$O"
ok "modes: bad MIB, a short mark, a JSON without a row, no points.tsv: one line each, exit 2"
