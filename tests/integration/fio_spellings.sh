#!/bin/bash
# fio's spellings: --rw read|randread|write|randwrite as --pattern (the old
# r|w|rw filter is --ops, and --rw r says so), --iodepth, --ioengine,
# --numjobs, --time_based, --direct, --kb_base; -o json and terse refused.
source "$SR_TESTLIB"

f=$T/target
$SR prep "$f" --size 8M --quiet || fail "prep"
rj() { json "$T/r.json" "$1"; }

$SR replay "$f" --rw randread --iodepth 4 --ioengine sync --numjobs 2 --bs 4k --output-format json -o "$T/r.json" ||
	fail "fio-spelled replay"
[ "$(rj 'j["jobs"][0]["read"]["total_ios"]')" = 2048 ] || fail "--rw randread did not read 8M in 4k"
[ "$(rj 'j["jobs"][0]["ssdreplay"]["engine"]')" = psync ] || fail "--ioengine sync is not psync: $(rj 'j["jobs"][0]["ssdreplay"]')"
ok "--rw randread --iodepth --ioengine sync --numjobs"

expect_exit 2 "add --allow-write" $SR replay "$f" --rw write --bs 4k
$SR replay "$f" --rw randwrite --bs 64k --allow-write --output-format json -o "$T/r.json" || fail "--rw randwrite"
[ "$(rj 'j["jobs"][0]["write"]["total_ios"]')" = 128 ] || fail "--rw randwrite did not write 8M in 64k"
ok "--rw write needs --allow-write; randwrite writes"

expect_exit 2 "the read/write filter is now --ops r" $SR replay "$f" --pattern seq --rw r
expect_exit 2 "only replay and sweep run patterns" $SR analyze "$T/x.csv" --rw read
expect_exit 2 "give one --pattern or --rw" $SR replay "$f" --pattern seq --rw randread
ok "old --rw r|w|rw users are told about --ops"

$SR replay "$f" --rw read --bs 1M --time_based --runtime 200ms --direct 0 --output-format json -o "$T/r.json" || fail "--time_based"
[ "$(rj 'j["jobs"][0]["read"]["io_bytes"] > 8 << 20')" = True ] || fail "--time_based did not repeat the pattern"
[ "$(rj 'j["jobs"][0]["ssdreplay"]["direct"]')" = False ] || fail "--direct 0 is not buffered"
ok "--time_based repeats until --runtime; --direct 0"

# kb_base: 1024 reads K, KB, KiB as 1024; 1000 (anywhere on the line) reads KB as 1000, KiB as 1024
$SR replay "$f" --rw read --bs 4KiB --size 8KB --output-format json -o "$T/r.json" || fail "KiB/KB"
[ "$(rj 'j["jobs"][0]["read"]["io_bytes"]')" = 8192 ] || fail "8KB is not 8192 with kb_base 1024"
$SR replay "$f" --rw read --bs 512 --size 8KB --buffered --kb_base 1000 --output-format json -o "$T/r.json" || fail "kb_base 1000"
[ "$(rj 'j["jobs"][0]["read"]["io_bytes"]')" = 7680 ] || fail "8KB with kb_base 1000: $(rj 'j["jobs"][0]["read"]["io_bytes"]') bytes, expected 15 x 512"
$SR replay "$f" --kb_base=1000 --rw read --bs 4KiB --size 8KiB --output-format json -o "$T/r.json" || fail "kb_base 1000 KiB"
[ "$(rj 'j["jobs"][0]["read"]["io_bytes"]')" = 8192 ] || fail "8KiB is not 8192 with kb_base 1000"
expect_exit 2 "--kb_base: expected 1024 or 1000" $SR replay "$f" --rw read --kb_base 1
ok "--kb_base 1024 and 1000"

cd "$T" || fail "cd"
expect_exit 2 "-o json would write a file named 'json'" $SR replay "$f" --pattern seq -o json
[ ! -e "$T/json" ] || fail "-o json wrote a file"
expect_exit 2 "semicolon format is not written" $SR replay "$f" --pattern seq --output-format terse
$SR replay "$f" --pattern seq --output-format json -o ./json || fail "-o ./json"
[ -s "$T/json" ] || fail "-o ./json wrote nothing"
ok "-o json refused, ./json written, terse refused"

$SR sweep "$f" --rw randread --bs 4k --qd 1 --runtime 100ms --output-format json >"$T/s.json" || fail "sweep --rw randread"
expect_exit 2 "sweep points read" $SR sweep "$f" --rw randwrite --bs 4k --qd 1
ok "sweep --rw randread"
