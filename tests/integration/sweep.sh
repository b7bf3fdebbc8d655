#!/bin/bash
# sweep: a 2x2 grid of real O_DIRECT reads on a fully written 64 MiB file
# (CSV, JSON with fio's keys, the knee, progress with ETA), a trace swept
# the same way, --repeat's median and spread, bad grid specs refused with one
# line and exit 2, and SIGINT leaving complete partial CSV/JSON with exit 130.
. "$SR_TESTLIB"

f=$T/target
$SR prep "$f" --size 64M --quiet || fail "prep"

$SR sweep "$f" --bs 4k,64k --qd 1,8 --runtime 0.3s -o "$T/res" --progress --output-format json \
	>"$T/stdout.json" 2>"$T/err" || { cat "$T/err"; fail "sweep"; }
grep -q "eta" "$T/err" || fail "no progress/ETA on stderr"
[ "$(($(wc -l <"$T/res/sweep.csv") - 1))" = 4 ] || fail "sweep.csv: expected 4 rows"
python3 - "$T/res/sweep.csv" <<'PY' || fail "sweep.csv: rows and header disagree"
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert all(len(r) == len(rows[0]) for r in rows), [len(r) for r in rows]
d = [dict(zip(rows[0], r)) for r in rows[1:]]
assert all(float(x["read_Bps"]) == float(x["bw_Bps"]) for x in d), d
PY
cmp -s "$T/stdout.json" "$T/res/sweep.json" || fail "stdout JSON differs from sweep.json"
j=$T/res/sweep.json
[ "$(json "$j" 'len(j["points"])')" = 4 ] || fail "expected 4 points"
[ "$(json "$j" 'j["ssdreplay"]["complete"]')" = True ] || fail "not complete"
[ "$(json "$j" 'all(p["read"]["bw_Bps"] > 0 and p["read"]["iops"] > 0 and p["read"]["clat_mean_ns"] > 0 and p["read"]["clat_p99_ns"] > 0 for p in j["points"])')" = True ] ||
	fail "points lack read.bw_Bps/iops/clat_*_ns"
# Each point moved bs-sized requests: bytes / ios = bs (iops x bs = bw).
[ "$(json "$j" 'all(abs(p["read"]["iops"] * p["bs"] / p["read"]["bw_Bps"] - 1) < 0.01 for p in j["points"])')" = True ] ||
	fail "iops x bs != bandwidth"
# 64 KiB at QD 8 moves more than 4 KiB at QD 1 on any device (a ratio, not a
# figure). One 0.3 s point can be starved by the parallel tests' own I/O
# (0.24x once in CI), so the pair is measured again, up to three times: a
# sweep that ignored bs or qd fails every time.
r2() { json "$1" '[p["bw_Bps"] for p in j["points"] if p["bs"] == 65536 and p["qd"] == 8][0] / [p["bw_Bps"] for p in j["points"] if p["bs"] == 4096 and p["qd"] == 1][0]'; }
ratio=$(r2 "$j")
tries=$ratio
for _ in 1 2; do
	python3 -c "import sys; sys.exit(0 if $ratio > 2 else 1)" && break
	$SR sweep "$f" --bs 4k,64k --qd 1,8 --runtime 0.3s --output-format json >"$T/again.json" 2>/dev/null ||
		fail "sweep (again)"
	ratio=$(r2 "$T/again.json")
	tries="$tries $ratio"
done
python3 -c "import sys; sys.exit(0 if $ratio > 2 else 1)" || fail "64k/qd8 only ${tries}x of 4k/qd1 in three grids"
# fio's shape beside points[]: a job per point, with fio's names and units
python3 - "$j" <<'PY' || fail "sweep.json jobs[] is not fio-shaped"
import json, sys
j = json.load(open(sys.argv[1]))
jobs, pts = j["jobs"], j["points"]
assert len(jobs) == len(pts) == 4, (len(jobs), len(pts))
got = sorted((x["job options"]["bs"], x["job options"]["iodepth"], x["job options"]["ioengine"]) for x in jobs)
assert got == [("4k", "1", "io_uring"), ("4k", "8", "io_uring"), ("64k", "1", "io_uring"), ("64k", "8", "io_uring")], got
for x in jobs:
    r = x["read"]
    bs = int(x["job options"]["bs"][:-1]) * 1024
    assert r["io_bytes"] == r["total_ios"] * bs and r["io_kbytes"] == r["io_bytes"] >> 10, r
    assert r["bw"] == r["bw_bytes"] // 1024 and abs(r["bw_bytes"] * r["runtime"] / 1000 - r["io_bytes"]) <= 0.002 * r["io_bytes"] + r["bw_bytes"] / 1000, r
    assert r["iops"] > 0 and 0 < r["clat_ns"]["percentile"]["50.000000"] <= r["clat_ns"]["percentile"]["99.000000"], r
    assert x["write"]["total_ios"] == 0
PY
kb=$(json "$j" 'j["ssdreplay"]["knee"]["bs"]')
case $kb in 4096 | 65536) ;; *) fail "knee bs $kb not in the grid" ;; esac
$SR sweep "$f" --bs 4k,64k --qd 1,8 --runtime 0.1s >"$T/text" || fail "sweep text"
grep -Eq '^knee: bs=(4|64) KiB qd=(1|8) reaches' "$T/text" || { cat "$T/text"; fail "no knee line"; }
ok "2x2 grid: CSV, JSON, knee; 64k/qd8 = ${ratio}x 4k/qd1"

# --repeat: median between min and max, samples kept.
$SR sweep "$f" --bs 16k --qd 4 --runtime 0.2s --repeat 3 --engine io_uring,libaio --output-format json >"$T/rep.json" ||
	fail "sweep --repeat"
[ "$(json "$T/rep.json" 'all(p["repeats"] == 3 and len(p["samples"]) == 3 and p["spread"]["bw_Bps_min"] <= p["bw_Bps"] <= p["spread"]["bw_Bps_max"] for p in j["points"])')" = True ] ||
	fail "--repeat 3: medians and spread"
[ "$(json "$T/rep.json" 'sorted(p["engine"] for p in j["points"])')" = "['io_uring', 'libaio']" ] || fail "engines"
ok "--repeat 3 over two engines"

# A trace swept: its records split to each --bs.
awk 'BEGIN { print "offset,length,op"; for (i = 0; i < 256; i++) printf "%d,262144,r\n", (i * 7 % 256) * 262144 }' >"$T/t.csv"
$SR sweep "$f" --trace "$T/t.csv" --bs 64k,256k --qd 1,4 --runtime 0.2s --output-format json >"$T/tr.json" ||
	fail "sweep --trace"
[ "$(json "$T/tr.json" 'len(j["points"]) == 4 and j["ssdreplay"]["source"].endswith("t.csv") and all(abs(p["read"]["iops"] * p["bs"] / p["read"]["bw_Bps"] - 1) < 0.01 for p in j["points"])')" = True ] ||
	fail "trace sweep"
ok "trace sweep"

# Bad input: one line, exit 2, nothing written.
expect_exit 2 "--bs: expected A..B with A <= B" $SR sweep "$f" --bs 4k..1k -o "$T/bad"
expect_exit 2 "--qd: expected integers from 1 to 32768" $SR sweep "$f" --qd 0 -o "$T/bad"
expect_exit 2 "--bs: expected a step" $SR sweep "$f" --bs 4k..1m:x1 -o "$T/bad"
expect_exit 2 "--engine: expected io_uring, libaio, psync or null, found 'spdk'" $SR sweep "$f" --engine io_uring,spdk
expect_exit 2 "--policy and --mem simulate a schedule: give --profile" $SR sweep "$f" --policy lru
expect_exit 2 "--policy and --mem simulate a schedule: give --profile" $SR sweep "$f" --mem 1g
expect_exit 2 "not a multiple of .*512-byte" $SR sweep "$f" --bs 1000
expect_exit 2 "larger than the .* bytes the pattern covers" $SR sweep "$f" --bs 1m --size 512k
expect_exit 2 "expected one TARGET" $SR sweep --bs 4k
expect_exit 2 "no such|No such" $SR sweep "$f" --trace "$T/missing.csv"
[ ! -e "$T/bad" ] || fail "bad input created the output directory"
ok "bad grid specs"

# SIGINT: stop, write what completed, exit 130.
$SR sweep "$f" --bs 4k,64k --qd 1,8 --runtime 1s -o "$T/int" >"$T/int.txt" 2>"$T/int.err" &
pid=$!
sleep 1.6
kill -INT $pid
stop_within 60 $pid || fail "sweep: did not stop within 60 s of SIGINT"
[ "$rc" = 130 ] || { cat "$T/int.err"; fail "SIGINT: exit $rc, expected 130"; }
[ "$(json "$T/int/sweep.json" 'j["ssdreplay"]["complete"]')" = False ] || fail "partial JSON not marked"
n=$(json "$T/int/sweep.json" 'len(j["points"])')
[ "$n" -lt 4 ] || fail "SIGINT after 1.6 s of 4 s: $n points complete"
[ "$(($(wc -l <"$T/int/sweep.csv") - 1))" = "$n" ] || fail "partial CSV and JSON disagree"
grep -q "partial" "$T/int.err" || fail "no partial notice"
ok "SIGINT: exit 130 with $n complete points"
