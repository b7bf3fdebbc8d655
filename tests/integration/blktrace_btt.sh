#!/bin/bash
# A block trace with queue (Q), issue (D) and completion (C) events: analyze
# pairs them per request as btt does (Q2D, D2C, Q2C), and convert --to
# blktrace keeps the completions (C = the record's time + its recorded
# latency) and the process name, so btt of the converted trace prints the
# source's D2C (--event D) or Q2C (--event Q) as analyze does, blkparse
# names the process, and btrecord (btreplay's input) takes it.
. "$SR_TESTLIB"
command -v blkparse >/dev/null && command -v btt >/dev/null || skip "blkparse and btt (package blktrace) needed"

# 300 requests of pid 4242 (fio) on 8:16, overlapping: D 5-80 us after Q, C 20 us-2 ms after D.
awk 'BEGIN { srand(11); t = 1000000
	for (i = 0; i < 300; i++) {
		t += 5000 + int(rand() * 60000); s = 8 * int(rand() * 1000000); n = 8 * (1 + int(rand() * 32))
		rw = rand() < 0.3 ? "W" : "R"; d = t + 5000 + int(rand() * 75000); c = d + 20000 + int(rand() * 1980000)
		printf "%d Q %s %d %d\n%d D %s %d %d\n%d C %s %d %d\n", t, rw, s, n, d, rw, s, n, c, rw, s, n } }' |
	sort -n -s -k1,1 | awk '{ pid = $2 == "C" ? 0 : 4242; tail = $2 == "C" ? "[0]" : "[fio]"
	printf "  8,16   0 %8d %5d.%09d %5d  %s %3s %d + %d %s\n", NR, int($1 / 1e9), $1 % 1e9, pid, $2, $3, $4, $5, tail }' >"$T/src.txt"

$SR analyze "$T/src.txt" --output-format json -o "$T/a.json" || fail "analyze"
lat() { json "$1" "'%.9f %.9f %d' % (j['analyze']['devices'][0]['latency']['$2']['mean'] / 1e9, j['analyze']['devices'][0]['latency']['$2']['max'] / 1e9, j['analyze']['devices'][0]['latency']['$2']['count'])"; }
[ "$(lat "$T/a.json" q2d_ns | cut -d' ' -f3)" = 300 ] || fail "analyze paired $(lat "$T/a.json" q2d_ns) Q2D, expected 300"
$SR analyze "$T/src.txt" | grep -Eq '^    Q2C \(us\): n=300 mean=' || fail "analyze's text has no Q2C line"
ok "analyze pairs 300 Q2D, D2C and Q2C"

# btt's "D2C   MIN AVG MAX N" in seconds, as "AVG MAX N"
btt_row() { btt -i "$1" 2>/dev/null | awk -v k="$2" '$1 == k { print $3, $4, $5; exit }'; }
close() { # AVG MAX N vs AVG MAX N: N equal, AVG and MAX within 2 ns (btt prints 9 decimals)
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ")
		exit !(x[3] == y[3] && x[3] > 0 && (x[1] - y[1]) ^ 2 < 4e-18 && (x[2] - y[2]) ^ 2 < 4e-18) }'
}

$SR convert "$T/src.txt" -o "$T/d.blktrace.0" --to blktrace --blk-dev 8:16 || fail "convert --event D"
want=$(lat "$T/a.json" d2c_ns) got=$(btt_row "$T/d.blktrace.0" D2C)
close "$want" "$got" || fail "btt D2C '$got' differs from the source's (analyze) '$want'"
ok "btt D2C of the converted trace = analyze's D2C of the source: $got"
$SR analyze "$T/d.blktrace.0" --output-format json -o "$T/d.json" || fail "analyze the converted trace"
close "$(lat "$T/d.json" d2c_ns)" "$got" || fail "analyze of the converted trace: D2C $(lat "$T/d.json" d2c_ns), btt $got"
close "$(lat "$T/d.json" q2c_ns)" "$(btt_row "$T/d.blktrace.0" Q2C)" || fail "analyze Q2C differs from btt's"
ok "analyze of the converted trace agrees with btt (D2C, Q2C)"

$SR convert "$T/src.txt" --event Q -o "$T/q.blktrace.0" --to blktrace --blk-dev 8:16 || fail "convert --event Q"
want=$(lat "$T/a.json" q2c_ns) got=$(btt_row "$T/q.blktrace.0" Q2C)
close "$want" "$got" || fail "btt Q2C '$got' differs from the source's (analyze) '$want'"
ok "btt Q2C of the --event Q conversion = analyze's Q2C of the source: $got"

blkparse -i "$T/d.blktrace.0" -f '%a %C\n' 2>/dev/null | grep -E '^[QD] ' | sort | uniq -c >"$T/names"
[ "$(awk '{ print $1, $2, $3 }' "$T/names" | tr '\n' ' ')" = "300 D fio 300 Q fio " ] ||
	{ cat "$T/names"; fail "blkparse does not name every Q and D fio"; }
ok "blkparse names the process of every event"

# --to blkparse keeps the completions too: D and C lines, so analyze of the text conversion pairs the source's D2C
$SR convert "$T/src.txt" -o "$T/d.txt" --to blkparse --blk-dev 8:16 || fail "convert --to blkparse"
[ "$(awk '{ print $6 }' "$T/d.txt" | sort | uniq -c | awk '{ print $1, $2 }' | tr '\n' ' ')" = "300 C 300 D " ] ||
	fail "blkparse text: expected 300 D and 300 C lines"
$SR analyze "$T/d.txt" --output-format json -o "$T/t.json" || fail "analyze the blkparse conversion"
close "$(lat "$T/t.json" d2c_ns)" "$(lat "$T/a.json" d2c_ns)" || fail "blkparse conversion: D2C $(lat "$T/t.json" d2c_ns), source $(lat "$T/a.json" d2c_ns)"
ok "convert --to blkparse: D and C lines, the source's D2C"

# a CSV has no completions and no names: Q and D only, named ssdreplay
printf 'time_ns,offset,length,op\n0,0,4096,r\n1000,8192,4096,r\n' >"$T/in.csv"
$SR convert "$T/in.csv" -o "$T/c.blktrace.0" --to blktrace || fail "convert a CSV"
[ "$(blkparse -i "$T/c.blktrace.0" -f '%a %C\n' 2>/dev/null | grep -E '^[QDC] ' | sort | uniq -c | awk '{ print $1, $2, $3 }' | tr '\n' ' ')" = \
	"2 D ssdreplay 2 Q ssdreplay " ] || fail "a CSV's conversion: expected 2 Q and 2 D of ssdreplay"
ok "without completions in the source: Q and D only, named ssdreplay"

# stdin is read once: no completions (said on stderr), names kept
$SR convert - --format blkparse -o "$T/s.blktrace.0" --to blktrace <"$T/src.txt" 2>"$T/err" || fail "convert stdin"
grep -q 'read once' "$T/err" || fail "convert from stdin does not say it writes no completions"
[ "$(blkparse -i "$T/s.blktrace.0" -f '%a %C\n' 2>/dev/null | grep -E '^[QDC] ' | sort | uniq -c | awk '{ print $1, $2, $3 }' | tr '\n' ' ')" = \
	"300 D fio 300 Q fio " ] || fail "stdin's conversion: expected 300 Q and 300 D of fio"
ok "from stdin: Q and D named fio, no completions, and a note"

if command -v btrecord >/dev/null; then
	# (btrecord 1.0.0 finds no traces when -d names another directory than -D)
	btrecord -D "$T" -d "$T" d >"$T/rec.log" 2>&1 || { cat "$T/rec.log"; fail "btrecord refused the converted trace"; }
	[ -s "$T/d.replay.0" ] || fail "btrecord wrote no d.replay.0"
	ok "btrecord (btreplay's input) takes it"
fi
