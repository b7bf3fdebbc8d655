#!/bin/bash
# convert --to routing-log: a schedule synthesized with a known routing
# (--routing log:FILE), written as page faults the way record --faults
# writes them, converts back to the same routing log; bad uses exit 2.
. "$SR_TESTLIB"

awk 'BEGIN { srand(11); print "token,layer,experts";
	for (t = 0; t < 20; t++) for (l = 0; l < 3; l++) {
		a = int(rand() * 8); do b = int(rand() * 8); while (b == a)
		if (a > b) { c = a; a = b; b = c }
		printf "%d,%d,%d %d\n", t, l, a, b } }' >"$T/log.csv"
$SR synth --profile tiny-moe --tokens 20 --routing log:"$T/log.csv" --access page -o "$T/pages.csv" ||
	fail "synth with a log routing"

# The labelled CSV itself.
$SR convert "$T/pages.csv" --gguf tiny-moe --to routing-log -o "$T/back.csv" 2>"$T/err" ||
	fail "convert --to routing-log: $(cat "$T/err")"
diff "$T/log.csv" "$T/back.csv" >/dev/null || fail "csv: recovered routing differs: $(diff "$T/log.csv" "$T/back.csv" | head -5)"
ok "csv schedule -> routing log"

# The same pages as a record --faults capture (one fault per page touched, at
# mapping base + file offset, the tracefs text fmt_faults.c reads).
awk -F, 'BEGIN {
	print "# map add pid=7 start=0x7f5500000000 end=0x7f5501000000 off=0x0 perms=r--s dev=254:0 ino=0x10 path=/m/tiny-moe.gguf" }
	NR > 1 { printf "llama-7 [000] ..... %d.%06d: page_fault_user: address=0x7f55%08x ip=0x401000 error_code=0x4\n",
		100 + int(NR / 1000000), NR % 1000000, $1 + 8 }' "$T/pages.csv" >"$T/faults.txt"
$SR convert "$T/faults.txt" --format faults --gguf tiny-moe --to routing-log -o "$T/back2.csv" 2>"$T/err" ||
	fail "faults -> routing-log: $(cat "$T/err")"
diff "$T/log.csv" "$T/back2.csv" >/dev/null || fail "faults: recovered routing differs: $(diff "$T/log.csv" "$T/back2.csv" | head -5)"
ok "faults capture -> routing log"

# The recovered log drives synth again to the same schedule.
$SR synth --profile tiny-moe --tokens 20 --routing log:"$T/back2.csv" --access page -o "$T/pages2.csv" ||
	fail "synth from the recovered log"
cmp -s "$T/pages.csv" "$T/pages2.csv" || fail "the recovered log gives another schedule"
ok "recovered log reproduces the schedule"

# Bad uses: no --gguf, a dense model.
set +e
$SR convert "$T/pages.csv" --to routing-log -o "$T/x.csv" 2>"$T/err"; st=$?
set -e
[ $st = 2 ] && grep -q 'expected --gguf' "$T/err" && [ ! -e "$T/x.csv" ] || fail "no --gguf: status $st: $(cat "$T/err")"
set +e
$SR convert "$T/pages.csv" --gguf tiny-llama --to routing-log -o "$T/x.csv" 2>"$T/err"; st=$?
set -e
[ $st = 2 ] && grep -q 'routed experts' "$T/err" && [ ! -e "$T/x.csv" ] || fail "dense model: status $st: $(cat "$T/err")"
ok "bad uses exit 2, nothing written"

# analyze --gguf: bytes per (layer, expert). Whole-tensor reads of the same
# routing read each routed slice of the 3 expert tensors once per token, so
# every (layer, expert) holds its token count times one unit.
$SR synth --profile tiny-moe --tokens 20 --routing log:"$T/log.csv" -o "$T/tensors.csv" || fail "synth --access tensor"
$SR analyze "$T/tensors.csv" --gguf tiny-moe --output-format json -o "$T/an.json" || fail "analyze --gguf"
python3 - "$T/an.json" "$T/log.csv" <<'PY' || fail "analyze: bytes per expert do not follow the routing"
import json, sys
ex = json.load(open(sys.argv[1]))["tensors"]["experts"]
n = [[0] * 8 for _ in range(3)]
for line in open(sys.argv[2]).read().split("\n")[1:]:
    if line:
        t, l, es = line.split(",")
        for x in es.split():
            n[int(l)][int(x)] += 1
unit = ex[0][n[0].index(max(n[0]))] / max(n[0])
assert unit > 0 and len(ex) == 3, ex
for l in range(3):
    assert len(ex[l]) == 8, ex
    for x in range(8):
        assert ex[l][x] == n[l][x] * unit, (l, x, ex[l][x], n[l][x], unit)
PY
$SR analyze "$T/tensors.csv" --gguf tiny-moe >"$T/an.txt" || fail "analyze --gguf text"
[ "$(grep -c 'bytes read by expert, layer' "$T/an.txt")" = 3 ] || fail "text: no per-expert lines: $(cat "$T/an.txt")"
ok "analyze --gguf bytes per (layer, expert)"

# A profile's [routing] overlap makes the default routing follow it: the
# share of (token, layer) whose top-k shares an expert with the previous
# token's is within 0.05 of the key; without the key it stays uniform
# (top-2 of 8: 1 - C(6,2)/C(8,2) = 0.46).
overlap() { # LOG: share of tokens > 0 sharing an expert with the previous token, per layer
	awk -F, 'NR > 1 { split($3, e, " "); key = $2; cur = " " $3 " ";
		if (key in prev) { n++; for (i in e) if (index(prev[key], " " e[i] " ")) { s++; break } }
		prev[key] = cur } END { printf "%.3f\n", s / n }' "$1"
}
{ cat "$SR_SRC/profiles/models/tiny-moe.ini"; printf '[routing]\noverlap = 0.64\n'; } >"$T/ov.ini"
$SR synth --profile "$T/ov.ini" --tokens 600 -o "$T/ov.csv" || fail "synth with [routing] overlap"
$SR convert "$T/ov.csv" --gguf "$T/ov.ini" --to routing-log -o "$T/ov.log" 2>/dev/null || fail "convert ov"
got=$(overlap "$T/ov.log")
awk -v g="$got" 'BEGIN { exit !(g > 0.59 && g < 0.69) }' || fail "overlap 0.64 asked, $got measured"
$SR synth --profile tiny-moe --tokens 600 -o "$T/un.csv" || fail "synth tiny-moe"
$SR convert "$T/un.csv" --gguf tiny-moe --to routing-log -o "$T/un.log" 2>/dev/null || fail "convert un"
base=$(overlap "$T/un.log")
awk -v g="$base" 'BEGIN { exit !(g > 0.40 && g < 0.52) }' || fail "no key: overlap $base, expected uniform's 0.46"
ok "profile [routing] overlap 0.64: measured $got (uniform without it: $base)"
