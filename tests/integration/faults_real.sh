#!/bin/bash
# needs: root
# Real faults from the kernel, not injected: a loop device whose backing
# file is truncated under an O_DIRECT replay (EIO), a busy loop device
# detached (lazy: nothing fails), ENOSPC from a full tmpfs, a regular file
# truncated under the replay (reads of 0 bytes). Each checks the exit status,
# the report's errors and the accounting.
. "$SR_TESTLIB"
need_root

acct() { # acct FILE EXPR...: invariants, then each EXPR over e, j, s
	python3 - "$@" <<'EOF' || fail "accounting: $*"
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
s = j["ssdreplay"]; e = s["errors"]
def need(c, what):
    if not c:
        print("accounting broken: %s\nerrors=%s" % (what, e)); sys.exit(1)
need(e["issued"] == e["completed"] + e["failed"], "issued = completed + failed")
need(e["issued_bytes"] == e["completed_bytes"] + e["failed_bytes"], "bytes add up")
need(e["failed"] == j["read"]["errors"] + j["write"]["errors"], "failed = read + write errors")
for x in sys.argv[2:]:
    need(eval(x), x)
EOF
}

# start_replay ARGS...: replay in the background with --progress; returns
# once it has run a second (its first progress line), pid in $pid.
start_replay() {
	$SR replay "$@" --progress --output-format json --output "$T/r.json" 2>"$T/err" &
	pid=$!
	for _ in $(seq 200); do
		[ -s "$T/err" ] && return 0
		kill -0 $pid 2>/dev/null || { cat "$T/err" >&2; fail "replay ended before it was hit"; }
		sleep 0.1
	done
	kill -9 $pid
	fail "replay printed no progress in 20 s"
}

finish() { # finish RC: wait for $pid (at most 30 s), expect exit RC
	for _ in $(seq 300); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	kill -0 $pid 2>/dev/null && { kill -9 $pid; fail "replay did not end"; }
	wait $pid
	rc=$?
	[ $rc = "$1" ] || { cat "$T/err" >&2; fail "exit $rc, expected $1"; }
}

# 1. Loop device (direct I/O) over a file truncated to a quarter mid-run:
# the loop driver fails reads past the backing file's end with EIO.
for policy in stop continue; do
	dd if=/dev/zero of="$T/lo.img" bs=1M count=32 status=none || fail "dd"
	new_loop "$T/lo.img"
	# (runtime: long enough that the replay is still running when the file is
	# cut on a loaded machine; it ended first and exited 0 in a sanitizer run)
	start_replay "$LOOP" --pattern rand --bs 4k --qd 8 --loops 0 --runtime 8 --on-error $policy
	truncate -s 8M "$T/lo.img"
	finish 1
	acct "$T/r.json" 'e["failed"] > 0' 'e["eio"] >= e["failed"]' 'e["first_error"]["errno"] == 5' \
		'e["first_error"]["offset"] >= 8 << 20' 'j["error"] == 5' 'e["completed"] > 0'
	if [ $policy = stop ]; then
		acct "$T/r.json" 'e["failed"] <= 8' 's["partial"]'
		grep -q "read at offset [0-9]* length 4096 failed: Input/output error" "$T/err" ||
			fail "loop stop: stderr: $(cat "$T/err")"
	else
		# random 4k reads over 32M with 24M gone: most of what follows fails
		acct "$T/r.json" 'e["failed"] > 100' 'not s["partial"]'
		grep -q "requests failed.*first: read of 4096 bytes at offset [0-9]* on /dev/loop[0-9]*: Input/output error (errno 5)" "$T/err" ||
			fail "loop continue: stderr: $(cat "$T/err")"
	fi
	ok "loop device, backing file truncated: EIO, --on-error $policy"
done

# 2. A busy loop device detached: losetup -d only sets autoclear; the
# replay runs to its end without an error and the device goes when closed.
dd if=/dev/zero of="$T/lo2.img" bs=1M count=16 status=none || fail "dd"
new_loop "$T/lo2.img"
start_replay "$LOOP" --pattern rand --bs 4k --qd 8 --loops 0 --runtime 8
kill -0 $pid 2>/dev/null || fail "the replay ended before the detach; the device was not busy"
losetup -d "$LOOP" || fail "losetup -d"
[ "$(cat "/sys/block/${LOOP#/dev/}/loop/autoclear" 2>/dev/null)" = 1 ] || fail "busy detach did not set autoclear"
finish 0
acct "$T/r.json" 'e["failed"] == 0' 'e["completed"] > 0'
# (udev's probe of the closed device may hold it a while on a loaded machine: wait up to 30 s)
for _ in $(seq 300); do [ -e "/sys/block/${LOOP#/dev/}/loop" ] || break; sleep 0.1; done
[ -e "/sys/block/${LOOP#/dev/}/loop" ] && fail "$LOOP still attached after the replay closed it"
ok "busy loop device detached: lazy, no error"

# 3. ENOSPC: writes into a sparse file on a 1 MiB tmpfs. (/dev/full would
# be the classic, but targets must be files or block devices, and O_DIRECT
# opens of /dev/full fail with EINVAL.)
mkdir "$T/mnt" && mount -t tmpfs -o size=1m none "$T/mnt" || skip "cannot mount a tmpfs"
trap 'umount "$T/mnt" 2>/dev/null; cleanup' EXIT
truncate -s 8M "$T/mnt/sparse"
{ echo offset,length,op; for i in $(seq 0 127); do echo "$((i * 65536)),65536,W"; done; } >"$T/w.csv"
for eng in io_uring psync; do
	rm -f "$T/r.json"
	$SR replay "$T/mnt/sparse" --trace "$T/w.csv" --allow-write --buffered --engine $eng --on-error continue \
		--output-format json --output "$T/r.json" 2>"$T/err"
	rc=$?
	[ $rc = 1 ] || fail "ENOSPC $eng: exit $rc"
	acct "$T/r.json" 'e["failed"] > 100' 'e["errno_other"] == e["failed"]' 'e["first_error"]["errno"] == 28' \
		'e["first_error"]["op"] == "write"' 'j["error"] == 28' 'j["write"]["io_bytes"] <= 1 << 20'
	grep -q "first: write of 65536 bytes at offset [0-9]* on .*: No space left on device (errno 28)" "$T/err" ||
		fail "ENOSPC: stderr: $(cat "$T/err")"
	rm -f "$T/mnt/sparse" && truncate -s 8M "$T/mnt/sparse"
done
$SR replay "$T/mnt/sparse" --trace "$T/w.csv" --allow-write --buffered --engine psync --output-format json \
	--output "$T/r.json" 2>"$T/err"
[ $? = 1 ] || fail "ENOSPC stop: exit status"
acct "$T/r.json" 'e["failed"] == 1' 's["partial"]'
grep -q "write at offset [0-9]* length 65536 failed: No space left on device" "$T/err" || fail "ENOSPC stop: $(cat "$T/err")"
ok "ENOSPC on a full tmpfs"

# 4. A regular file truncated under an O_DIRECT replay: reads past the new
# end transfer 0 bytes, which fails the request (as fio's "full resid").
# ext4's truncate waits until no direct I/O is in flight: back-to-back reads
# starved it for a whole 20 s run on a loaded machine, so the reads come
# from a schedule, one every 0.5 ms, and the truncate gets in between two.
python3 - "$T/sched.csv" <<'PY'
import random, sys
r = random.Random(4)
with open(sys.argv[1], "w") as f:
    f.write("time_ns,offset,length,op\n")
    for i in range(40000):  # 20 s
        f.write("%d,%d,4096,r\n" % (i * 500000, r.randrange(32 << 20 >> 12) << 12))
PY
$SR prep "$T/file" --size 32M --quiet || fail "prep"
start_replay "$T/file" --trace "$T/sched.csv" --timing recorded --engine psync --runtime 8 --on-error continue
truncate -s 8M "$T/file"
finish 1
acct "$T/r.json" 'e["failed"] > 100' 'e["short"] == e["failed"]' 'e["first_error"]["short"]' \
	'e["first_error"]["offset"] >= 8 << 20' 'not s["partial"]' 'e["eio"] == 0'
$SR prep "$T/file" --size 32M --quiet || fail "prep"
start_replay "$T/file" --trace "$T/sched.csv" --timing recorded --engine psync
truncate -s 8M "$T/file"
finish 1
grep -q "read of 4096 bytes at offset [0-9]* transferred 0 bytes" "$T/err" || fail "file truncated: $(cat "$T/err")"
acct "$T/r.json" 'e["failed"] >= 1' 's["partial"]'
ok "file truncated under the replay"
