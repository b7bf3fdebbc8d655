#!/bin/bash
# Trace filters shared by every format: --ops and --time act on records;
# --dev/--pid/--comm are refused for formats that do not record them.
. "$SR_TESTLIB"

f=$T/target
$SR prep "$f" --size 4M --quiet || fail "prep"
printf 'time_ns,offset,length,op\n0,0,4096,r\n1000000000,4096,4096,w\n2000000000,8192,4096,r\n3000000000,12288,4096,r\n' >"$T/t.csv"
check() { # check "FLAGS" records reads writes
	# shellcheck disable=SC2086
	$SR replay "$f" --trace "$T/t.csv" $1 --output-format json --output "$T/r.json" || fail "replay $1"
	got=$(json "$T/r.json" '"%d %d %d" % (j["jobs"][0]["ssdreplay"]["records"], j["jobs"][0]["read"]["total_ios"], j["jobs"][0]["write"]["total_ios"])')
	[ "$got" = "$2 $3 $4" ] || fail "$1: records/reads/writes $got, expected $2 $3 $4"
	ok "$1 -> $got"
}
check "--ops rw" 4 3 0
check "--ops r" 3 3 0
check "--ops w --allow-write" 1 0 1
check "--time 1:2.5" 2 1 0
check "--time 2:" 2 2 0
check "--time 0:1500ms --ops r" 1 1 0
expect_exit 2 "--pid: the csv format records no pid" $SR replay "$f" --trace "$T/t.csv" --pid 3
expect_exit 2 "--dev: the csv format records no device" $SR replay "$f" --trace "$T/t.csv" --dev 7:0
expect_exit 2 "--event: the csv format" $SR replay "$f" --trace "$T/t.csv" --event C
expect_exit 2 "--dev: expected MAJ:MIN" $SR replay "$f" --trace "$T/t.csv" --dev 7
expect_exit 2 "--time: expected START:END with START < END" $SR replay "$f" --trace "$T/t.csv" --time 3:1
expect_exit 2 "--ops: expected r, w or rw" $SR replay "$f" --trace "$T/t.csv" --ops x
expect_exit 2 "filter a --trace" $SR replay "$f" --pattern seq --ops r
ok "filter flags"
