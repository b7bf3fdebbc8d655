#!/bin/bash
# needs: root
# ssdreplay record: bad flags (exit 2, one line, nothing written); then, with
# root and tracefs, live captures read back by the ftrace and filemap readers:
# 16 MiB of direct reads from a loop device, the page-cache fills of a
# buffered cat, a system-wide (--all) buffered read; exit status, signals,
# exec failure, and that the private instance never outlives a run.
. "$SR_TESTLIB"

# ---- bad input: no root needed
gone=$(sh -c 'echo $$')
for args in "-- true" "-o" "-o $T/x --bogus -- true" "-o $T/x --pid $$ -- true" "-o $T/x" \
	"-o $T/x --" "-o $T/x true" "-o $T/x --duration 1 -- true" "-o $T/x --pid $$ --duration soon" \
	"-o $T/x --buffer-kb 0 -- true" "-o $T/x --pid abc" "-o $T/x --pid $gone"; do
	# shellcheck disable=SC2086
	expect_exit 2 "^ssdreplay: record: " $SR record $args
done
expect_exit 2 "expected -o TRACE" $SR record -- true
expect_exit 2 "not both" $SR record -o "$T/x" --pid $$ -- true
expect_exit 2 "unknown option '--bogus'" $SR record -o "$T/x" --bogus -- true
expect_exit 2 "no such process" $SR record -o "$T/x" --pid "$gone"
[ ! -e "$T/x" ] || fail "a usage error created the output file"
ok "bad flags: exit 2 with one line, no output file"

# ---- live: root and a usable tracefs
need_root
need_tracefs block/block_rq_issue

# rec OUT ARGS...: ssdreplay record -o OUT ARGS; its status in $rc. Fails
# when its instance (named after its pid) outlived it.
rec() {
	$SR record -o "$@" 2>"$T/rec.err" &
	local p=$!
	wait $p
	rc=$?
	[ ! -e "$tr/instances/ssdreplay-$p" ] || fail "record left $tr/instances/ssdreplay-$p behind"
}

# bytes TRACE FORMAT FILTERS...: bytes read by the trace's records, through
# analyze when it is built, else replay (a null engine counts the requests).
tgt=$T/target
$SR prep "$tgt" --size 32M --quiet || fail "prep"
bytes() {
	local trace=$1 fmt=$2
	shift 2
	if $SR analyze --help >/dev/null 2>&1; then
		$SR analyze "$trace" --format "$fmt" "$@" --output-format json --output "$T/b.json" ||
			{ echo "analyze $trace failed" >&2; return 1; }
		json "$T/b.json" 'j["totals"]["read_bytes"]'
	else
		$SR replay "$tgt" --trace "$trace" --format "$fmt" "$@" --engine null --offset-map wrap \
			--output-format json --output "$T/b.json" || { echo "replay $trace failed" >&2; return 1; }
		json "$T/b.json" 'j["jobs"][0]["ssdreplay"]["requested_bytes"]'
	fi
}

# only_pid TRACE: every event line comes from the pid the header names
only_pid() {
	local pid
	pid=$(head -1 "$1" | sed -n 's/.* filter=pid:\([0-9]*\)+children .*/\1/p')
	[ -n "$pid" ] || fail "$1: header names no pid filter: $(head -1 "$1")"
	awk -v p="$pid" '!/^#/ && !/^CPU:/ { split($1, a, "-"); if (a[length(a)] != p) bad++ }
		END { exit bad > 0 }' "$1" || fail "$1: events of processes other than $pid"
}

# (1) direct reads from a loop device: exactly 16 MiB at block level
truncate -s 32M "$T/backing"
dd if=/dev/urandom of="$T/backing" bs=1M count=32 conv=notrunc status=none || fail "backing file"
new_loop "$T/backing"
command -v udevadm >/dev/null && udevadm settle 2>/dev/null
dev=$(cat "/sys/block/$(basename "$LOOP")/dev")
rec "$T/t1" --block -- dd if="$LOOP" of=/dev/null bs=1M count=16 iflag=direct status=none
[ $rc = 0 ] || { cat "$T/rec.err" >&2; fail "record dd: exit $rc"; }
head -1 "$T/t1" | grep -q '^# ssdreplay record: level=block events=block_rq_issue ' ||
	fail "t1: header: $(head -1 "$T/t1")"
grep -q "events, .* bytes in $T/t1 (level block), 0 lost" "$T/rec.err" ||
	fail "record's summary: $(cat "$T/rec.err")"
got=$(bytes "$T/t1" ftrace --dev "$dev")
[ "$got" = $((16 << 20)) ] || fail "t1: $got bytes read from $dev, expected 16 MiB"
only_pid "$T/t1"
ok "direct dd through $LOOP ($dev): 16 MiB of block_rq_issue, dd's only"

# (2) a buffered cat of an evicted 8 MiB file: >= 8 MiB of page-cache fills
dir=
for d in "$T" /var/tmp "$SR_SRC"; do
	[ "$(stat -f -c %T "$d" 2>/dev/null)" != tmpfs ] && [ -w "$d" ] && { dir=$d; break; }
done
if [ -n "$dir" ] && [ -d "$tr/events/filemap/mm_filemap_add_to_page_cache" ]; then
	f=$(mktemp "$dir/sr-record.XXXXXX")
	trap 'rm -f "$f"; cleanup' EXIT
	dd if=/dev/urandom of="$f" bs=1M count=8 status=none || fail "8 MiB file"
	python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.fsync(fd)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$f" || fail "evict $f"
	rec "$T/t2" --filemap -- cat "$f" >/dev/null
	[ $rc = 0 ] || { cat "$T/rec.err" >&2; fail "record cat: exit $rc"; }
	head -1 "$T/t2" | grep -q '^# ssdreplay record: level=page-cache events=mm_filemap_add_to_page_cache ' ||
		fail "t2: header: $(head -1 "$T/t2")"
	fdev=$(python3 -c 'import os, sys; d = os.stat(sys.argv[1]).st_dev; print("%d:%d" % (os.major(d), os.minor(d)))' "$f")
	got=$(bytes "$T/t2" filemap --dev "$fdev")
	[ -n "$got" ] && [ "$got" -ge $((8 << 20)) ] || fail "t2: $got bytes of page-cache fills on $fdev, expected >= 8 MiB"
	ino=$(printf '%x' "$(stat -c %i "$f")")
	mine=$(awk -v d="$fdev" -v i="$ino" '$5 == "mm_filemap_add_to_page_cache:" && $7 == d && $9 == i {
		o = 0; for (k = 10; k <= NF; k++) if ($k ~ /^order=/) o = substr($k, 7); s += 4096 * 2 ^ o }
		END { printf "%d", s }' "$T/t2")
	[ "$mine" -ge $((8 << 20)) ] || fail "t2: $mine bytes of fills for $f (inode $ino), expected >= 8 MiB"
	only_pid "$T/t2"
	ok "buffered cat of $f: $got bytes of page-cache fills on $fdev ($mine for the file)"
	rm -f "$f"
else
	ok "page-cache check skipped: no disk-backed writable directory or no filemap event"
fi

# (2b) a buffered read of the loop device, system-wide: block requests the
# block layer issues from kblockd rather than from cat are kept too
# A system-wide capture also takes the block events of every test running
# beside this one; when the summary says the ring buffer overran, the trace is
# incomplete by its own account: capture again with a larger buffer.
for kb in 8192 65536 262144; do
	python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)' "$LOOP" ||
		fail "evict $LOOP"
	rec "$T/t3" --all --block --complete --buffer-kb $kb -- cat "$LOOP" >/dev/null
	[ $rc = 0 ] || { cat "$T/rec.err" >&2; fail "record --all cat: exit $rc"; }
	lost=$(grep -o ', [1-9][0-9]* lost' "$T/rec.err" | head -1)
	[ -z "$lost" ] && break
	echo "note: t3 with --buffer-kb $kb:$lost; again" >&2
done
head -1 "$T/t3" | grep -q '^# ssdreplay record: level=block events=block_rq_issue,block_rq_complete .* filter=all ' ||
	fail "t3: header: $(head -1 "$T/t3")"
iss=$(bytes "$T/t3" ftrace --dev "$dev")
[ -n "$iss" ] && [ "$iss" -ge $((32 << 20)) ] || fail "t3: $iss bytes issued on $dev, expected >= 32 MiB; record said: $(cat "$T/rec.err")"
got=$(bytes "$T/t3" ftrace --dev "$dev" --event C)
# once (ci71: the ASan build, beside other tests) 33030144 bytes completed
# here, 512 KiB short; not seen again in 18 runs, two at a time. Say what was
# issued, and keep the trace's completions of the device, to tell next time
# whether requests went unrecorded or were not issued.
if [ -z "$got" ] || [ "$got" -lt $((32 << 20)) ]; then
	grep -E "block_rq_(issue|complete): $(echo "$dev" | tr : ,) " "$T/t3" | tail -20 >&2
	fail "t3: $got bytes completed on $dev against $iss issued, expected >= 32 MiB; record said: $(cat "$T/rec.err")"
fi
ok "--all --complete: buffered cat of $LOOP issued and completed $got bytes"

# (3) exit status: CMD's own, 128+signal, 127 when it cannot run (no output left)
rec "$T/t4" -- sh -c 'exit 3'
[ $rc = 3 ] || fail "record -- sh -c 'exit 3': exit $rc"
rec "$T/t4" -- sh -c 'kill -KILL $$'
[ $rc = 137 ] || fail "record of a SIGKILLed command: exit $rc, expected 137"
rec "$T/t5" -- "$T/no-such-command"
[ $rc = 127 ] || fail "record of a missing command: exit $rc, expected 127"
grep -q "cannot run '$T/no-such-command'" "$T/rec.err" || fail "exec failure: $(cat "$T/rec.err")"
[ ! -e "$T/t5" ] || fail "exec failure left the output file"
echo keep >"$T/t5"
rec "$T/t5" -- "$T/no-such-command"
[ $rc = 127 ] && [ -e "$T/t5" ] || fail "exec failure: exit $rc, or removed a file it did not create"
[ "$(cat "$T/t5")" = keep ] || fail "exec failure: the existing $T/t5 was overwritten: $(head -c 200 "$T/t5")"
ls "$T"/t5.tmp-* 2>/dev/null && fail "exec failure left a temporary file"
rec "$T/t5" -- sh -c 'exit 0'
[ $rc = 0 ] && head -1 "$T/t5" | grep -q "^# ssdreplay record" || fail "an existing output is not replaced by a run that starts"
# a parent that ignores SIGCHLD passes that on through exec; record must still see CMD end
timeout -k 5 30 perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV' $SR record -o "$T/t6" -- true 2>"$T/rec.err"
rc=$?
[ $rc = 0 ] || fail "record under an ignored SIGCHLD: exit $rc: $(cat "$T/rec.err")"
ok "exit status: 3, 137, 127 (no output file, an existing one kept); CMD's end seen with SIGCHLD ignored"

# a stale instance of a dead recorder is removed
mkdir "$tr/instances/ssdreplay-$gone" 2>/dev/null || fail "cannot create a stale instance"
rec "$T/t6" -- true
[ ! -e "$tr/instances/ssdreplay-$gone" ] || { rmdir "$tr/instances/ssdreplay-$gone"; fail "stale instance kept"; }
ok "stale ssdreplay-$gone instance removed"

# (4) SIGINT stops record --pid within 5 s: exit 130, header written, instance gone
sleep 30 &
sp=$!
$SR record -o "$T/t7" --pid $sp 2>"$T/rec.err" &
rp=$!
for _ in $(seq 50); do [ -e "$T/t7" ] && break; sleep 0.1; done
[ -d "$tr/instances/ssdreplay-$rp" ] || { kill $sp; fail "no instance ssdreplay-$rp while recording"; }
kill -INT $rp
for _ in $(seq 50); do kill -0 $rp 2>/dev/null || break; sleep 0.1; done
kill -0 $rp 2>/dev/null && { kill -9 $rp $sp; fail "record --pid did not stop within 5 s of SIGINT"; }
wait $rp
rc=$?
kill $sp 2>/dev/null
wait $sp 2>/dev/null
[ $rc = 130 ] || fail "record --pid SIGINT: exit $rc, expected 130"
[ ! -e "$tr/instances/ssdreplay-$rp" ] || fail "SIGINT left $tr/instances/ssdreplay-$rp"
head -1 "$T/t7" | grep -q "^# ssdreplay record: level=block .*filter=pid:$sp+children" ||
	fail "t7: header: $(head -1 "$T/t7")"
ok "record --pid: SIGINT -> exit 130, instance removed, header kept"

# SIGTERM sent to record alone is passed on to the command
$SR record -o "$T/t8" -- sleep 30 2>"$T/rec.err" &
rp=$!
for _ in $(seq 50); do [ -e "$T/t8" ] && break; sleep 0.1; done
sleep 0.2
kill -TERM $rp
for _ in $(seq 50); do kill -0 $rp 2>/dev/null || break; sleep 0.1; done
kill -0 $rp 2>/dev/null && { kill -9 $rp; fail "record -- sleep did not stop within 5 s of SIGTERM"; }
wait $rp
rc=$?
[ $rc = 143 ] || fail "record -- sleep 30, SIGTERM: exit $rc, expected 143"
[ ! -e "$tr/instances/ssdreplay-$rp" ] || fail "SIGTERM left $tr/instances/ssdreplay-$rp"
ok "record -- CMD: SIGTERM passed on, exit 143, instance removed"

# --pid with --duration stops on its own
sleep 30 &
sp=$!
rec "$T/t9" --pid $sp --duration 300ms
kill $sp 2>/dev/null
wait $sp 2>/dev/null
[ $rc = 0 ] || fail "record --pid --duration: exit $rc"
ok "record --pid --duration 300ms: exit 0"
