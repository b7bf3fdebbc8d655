#!/bin/bash
# Several targets on files: stripe and by-target place each read on the right
# target at the right offset (prep/--verify), a wrong order fails verify, the
# per-target report adds up, and bad layouts are refused.
. "$SR_TESTLIB"

a=$T/a b=$T/b
$SR prep "$a" "$b" --size 8M --quiet || fail "prep a b"

# stripe and by-target over the set: every read verified on its own target
for eng in io_uring libaio psync; do
	$SR replay --target "$a" --target "$b" --layout stripe:64k --pattern rand --bs 16k --qd 8 \
		--engine $eng --verify --output-format json -o "$T/s.json" || fail "stripe $eng"
	python3 - "$T/s.json" <<'PY' || fail "stripe $eng report"
import json, sys
s = json.load(open(sys.argv[1]))["jobs"][0]["ssdreplay"]
t = s["targets"]
assert len(t) == 2 and s["verify_errors"] == 0 and s["verified_bytes"] == 16 << 20, s
# a random permutation of the 16 MiB striped space: each target exactly 8 MiB
assert [x["bytes"] for x in t] == [8 << 20, 8 << 20], [x["bytes"] for x in t]
assert all(x["verified_bytes"] == 8 << 20 and x["lat_p99_ns"] > 0 for x in t)
assert s["layout"] == "stripe:64k"
PY
done
ok "stripe:64k verified on both targets (io_uring, libaio, psync)"

# by-target: the trace's target column picks the device; 2/3 of reads to b
python3 -c '
import random
r = random.Random(7)
print("offset,length,op,time_ns,target")
for i in range(600):
    print("%d,16384,r,0,%d" % (r.randrange(0, 512) * 16384, 1 if i % 3 else 0))' >"$T/bt.csv"
$SR replay --target "$a" --target "$b" --layout by-target --trace "$T/bt.csv" --qd 8 --verify \
	--output-format json -o "$T/bt.json" || fail "by-target"
[ "$(json "$T/bt.json" '[t["bytes"] for t in j["jobs"][0]["ssdreplay"]["targets"]]')" = \
	"[$((200 * 16384)), $((400 * 16384))]" ] || fail "by-target bytes: $(json "$T/bt.json" '[t["bytes"] for t in j["jobs"][0]["ssdreplay"]["targets"]]')"
ok "by-target: 200 reads on a, 400 on b, all verified"

# Placement to the offset: b prepped only in its first 64 KiB (same set run id).
# stripe:64k maps logical [64k,128k) to b@0 (prepped) and [192k,256k) to b@64k (not).
c=$T/c d=$T/d
$SR prep "$c" "$d" --size 64k --run-id 100 --quiet || fail "prep c d"
$SR prep "$c" --size 1M --run-id 100 --force --quiet || fail "prep c"
dd if=/dev/zero of="$d" bs=64k seek=1 count=15 conv=notrunc status=none
printf 'offset,length\n65536,65536\n131072,65536\n' >"$T/ok.csv"
$SR replay --target "$c" --target "$d" --layout stripe:64k --trace "$T/ok.csv" --verify \
	--output-format json -o "$T/p.json" || fail "stripe placement: reads of c@64k and d@0 should verify"
[ "$(json "$T/p.json" '[t["bytes"] for t in j["jobs"][0]["ssdreplay"]["targets"]]')" = "[65536, 65536]" ] ||
	fail "stripe placement bytes"
printf 'offset,length\n196608,65536\n' >"$T/bad.csv"
expect_exit 1 "$d: verify failed: .*at offset 65536" \
	$SR replay --target "$c" --target "$d" --layout stripe:64k --trace "$T/bad.csv" --verify
ok "stripe maps logical offsets to (target, offset) as RAID-0 does"

# A deliberately wrong layout: the targets in another order than prepped.
expect_exit 1 "verify failed.*prepped together" \
	$SR replay --target "$b" --target "$a" --layout stripe:64k --pattern seq --bs 64k --verify
expect_exit 1 "verify failed" \
	$SR replay --target "$b" --target "$a" --layout by-target --trace "$T/bt.csv" --verify
ok "targets out of their prepped order fail verify"

# Several workers per target, each with its own ring: same bytes, verified.
$SR replay --target "$a" --target "$b" --layout stripe:1M --pattern seq --bs 128k --threads 2 --qd 4 \
	--verify --output-format json -o "$T/w.json" || fail "--threads 2"
[ "$(json "$T/w.json" 'j["jobs"][0]["ssdreplay"]["verified_bytes"]')" = $((16 << 20)) ] || fail "--threads 2 bytes"
[ "$(json "$T/w.json" 'j["jobs"][0]["read"]["total_ios"]')" = 128 ] || fail "--threads 2 requests"
ok "--threads 2: two rings per target"

# Requests crossing chunk boundaries are split and counted.
printf 'offset,length\n32768,65536\n' >"$T/x.csv"
$SR replay --target "$a" --target "$b" --layout stripe:64k --trace "$T/x.csv" --verify \
	--output-format json -o "$T/x.json" || fail "crossing"
[ "$(json "$T/x.json" 'j["jobs"][0]["ssdreplay"]["stripe_split"]')" = 1 ] || fail "stripe_split not counted"
[ "$(json "$T/x.json" '[t["bytes"] for t in j["jobs"][0]["ssdreplay"]["targets"]]')" = "[32768, 32768]" ] ||
	fail "crossing request not split across targets"
ok "a request crossing a chunk boundary is split"

# Bad input: one line, exit 2.
expect_exit 2 "give --layout" $SR replay --target "$a" --target "$b" --pattern seq
expect_exit 2 "expected stripe:SIZE" $SR replay --target "$a" --target "$b" --layout stripe:x --pattern seq
expect_exit 2 "expected stripe:SIZE" $SR replay --target "$a" --target "$b" --layout raid5 --pattern seq
expect_exit 2 "not both" $SR replay "$a" --target "$b" --pattern seq
expect_exit 2 "not a multiple" $SR replay --target "$a" --target "$b" --layout stripe:1000 --pattern seq
printf 'offset,length,op,time_ns,target\n0,4096,r,0,0\n0,4096,r,0,2\n' >"$T/oor.csv"
expect_exit 2 "oor.csv:3: target 2 is out of range" \
	$SR replay --target "$a" --target "$b" --layout by-target --trace "$T/oor.csv"
ok "bad layouts and out-of-range targets refused"

# SIGTERM during a run over two targets and two workers each: drained, partial, exit 130.
$SR replay --target "$a" --target "$b" --layout stripe:64k --pattern rand --loops 0 --runtime 60 --threads 2 \
	--output-format json -o "$T/sig.json" 2>/dev/null &
pid=$!
sleep 1
kill -TERM $pid
stop_within 10 $pid || fail "did not stop within 10 s of SIGTERM"
[ $rc = 130 ] || fail "SIGTERM: exit $rc, expected 130"
python3 - "$T/sig.json" <<'PY' || fail "partial report"
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
s = j["ssdreplay"]
assert s["partial"] is True
assert j["read"]["io_bytes"] > 0
assert sum(t["bytes"] for t in s["targets"]) == j["read"]["io_bytes"]
PY
ok "SIGTERM over two targets: partial report, exit 130"
