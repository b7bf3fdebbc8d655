#!/bin/bash
# convert --to fio-job: job.fio + an iolog v3 per target that fio itself runs
# (ioengine, iodepth, direct=1, replay_redirect onto the target), reading
# exactly the trace's read requests; writes dropped unless --allow-write;
# two targets become two jobs; bad input leaves nothing behind.
#
# fio 3.33 under-reports read.io_bytes for iolog replays at iodepth > 1
# (every request is queued with its full length, per --debug=io, and
# total_ios is exact, but io_bytes comes out a few requests short), so
# bytes are checked at --qd 1 and request counts at --qd 16.
. "$SR_TESTLIB"
command -v fio >/dev/null || skip "fio not installed"

$SR prep "$T/a" --size 16M --quiet || fail "prep a"
$SR prep "$T/b" --size 16M --quiet || fail "prep b"
awk 'BEGIN { srand(5); print "time_ns,offset,length,op,target"; for (i = 0; i < 400; i++)
	printf "%d,%d,%d,%s,%d\n", i * 20000, int(rand() * 3000) * 4096, 4096 * int(1 + rand() * 32),
		(rand() < 0.2 ? "w" : "r"), (i % 3 == 0) }' >"$T/in.csv"
want() { awk -F, -v t="$1" 'NR > 1 && $4 == "r" && $5 == t { n++; s += $3 } END { print n + 0, s + 0 }' "$T/in.csv"; }

# One target (target 1's records refused below); reads only.
awk -F, 'NR == 1 || $5 == 0' "$T/in.csv" >"$T/one.csv"
$SR convert "$T/one.csv" -o "$T/job1" --to fio-job --target "$T/a" --qd 1 || fail "convert"
j=$T/job1/job.fio
grep -qx 'ioengine=io_uring' "$j" && grep -qx 'iodepth=1' "$j" && grep -qx 'direct=1' "$j" &&
	grep -qx 'replay_no_stall=1' "$j" && grep -qx "replay_redirect=$T/a" "$j" &&
	grep -qx "read_iolog=$(realpath "$T/job1")/target0.iolog" "$j" || { cat "$j"; fail "job.fio options"; }
head -1 "$T/job1/target0.iolog" | grep -qx 'fio version 3 iolog' || fail "not an iolog v3"
grep -q ' write ' "$T/job1/target0.iolog" && fail "writes kept without --allow-write"
grep -q 'dropped' "$j" || fail "dropped writes not noted"
(cd "$T" && fio --readonly job1/job.fio --output-format=json --output="$T/f1.json" >/dev/null 2>&1) ||
	fail "fio could not run job1/job.fio"
got=$(json "$T/f1.json" '"%d %d" % (j["jobs"][0]["read"]["total_ios"], j["jobs"][0]["read"]["io_bytes"])')
[ "$got" = "$(want 0)" ] || fail "fio read '$got' (requests bytes), expected '$(want 0)'"
[ "$(json "$T/f1.json" 'j["jobs"][0]["write"]["io_bytes"]')" = 0 ] || fail "fio wrote"
ok "fio runs job.fio: $got (requests bytes)"

# Two targets, libaio at QD 16, writes kept: two jobs, each on its target.
$SR convert "$T/in.csv" -o "$T/job2" --to fio-job --target "$T/a" --target "$T/b" --engine libaio --qd 16 \
	--allow-write || fail "convert two targets"
[ "$(grep -c '^\[target[01]\]$' "$T/job2/job.fio")" = 2 ] || fail "expected two jobs"
grep -qx 'ioengine=libaio' "$T/job2/job.fio" && grep -qx 'iodepth=16' "$T/job2/job.fio" || fail "engine/qd"
grep -q ' write ' "$T/job2/target1.iolog" || fail "--allow-write dropped writes"
fio "$T/job2/job.fio" --output-format=json --output="$T/f2.json" >/dev/null 2>&1 || fail "fio job2"
for t in 0 1; do
	n=$(json "$T/f2.json" "[x for x in j['jobs'] if x['jobname'] == 'target$t'][0]['read']['total_ios']")
	[ "$n" = "$(want $t | cut -d' ' -f1)" ] || fail "target$t: fio read $n requests, expected $(want $t)"
	w=$(json "$T/f2.json" "[x for x in j['jobs'] if x['jobname'] == 'target$t'][0]['write']['total_ios']")
	[ "$w" = "$(awk -F, -v t=$t 'NR > 1 && $4 == "w" && $5 == t' "$T/in.csv" | wc -l)" ] || fail "target$t: $w writes"
done
ok "two targets, libaio QD 16, writes kept"

# Bad input: one line, exit 2, nothing left behind.
expect_exit 2 "expected --target PATH" $SR convert "$T/in.csv" -o "$T/bad" --to fio-job
expect_exit 2 "for target 1 but --target names 1" $SR convert "$T/in.csv" -o "$T/bad" --to fio-job --target "$T/a"
[ ! -e "$T/bad" ] || fail "a failed convert left $T/bad"
expect_exit 2 "already exists" $SR convert "$T/one.csv" -o "$T/job1" --to fio-job --target "$T/a"
expect_exit 2 "--engine: expected io_uring, libaio or psync" $SR convert "$T/in.csv" -o "$T/bad" --to fio-job --target "$T/a" --engine spdk
expect_exit 2 "--target is for --to fio-job" $SR convert "$T/in.csv" -o "$T/x.csv" --to csv --target "$T/a"
ok "bad input"
