#!/bin/bash
# io_uring: a wait's time limit is a timeout request kept in the ring (the
# guard), not a timeout passed to every io_uring_enter: each of those arms and
# cancels a kernel hrtimer per request (issue #19's QD 1 point, where fio
# waits without one). Counted with strace: waits that pass a timeout
# (IORING_ENTER_EXT_ARG with an argument) must be (almost) none; before,
# every wait had one.
. "$SR_TESTLIB"

command -v strace >/dev/null || skip "no strace"
f=$T/target
$SR prep "$f" --size 8M --quiet || fail "prep"
# LeakSanitizer cannot run under ptrace (sanitizer build): leaks are checked elsewhere
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=io_uring_enter -o "$T/st" \
	$SR replay "$f" --pattern rand --bs 4k --qd 1 --engine io_uring --loops 1 \
	--output-format json --output "$T/r.json" 2>"$T/err" || {
	grep -q "io_uring_queue_init" "$T/err" && skip "no io_uring here"
	cat "$T/err"
	fail "replay under strace"
}
ios=$(json "$T/r.json" 'j["jobs"][0]["read"]["total_ios"]')
[ "$ios" = 2048 ] || fail "$ios requests, expected 2048"
waits=$(grep -c 'IORING_ENTER_GETEVENTS' "$T/st")
timed=$(grep 'IORING_ENTER_GETEVENTS' "$T/st" | grep 'IORING_ENTER_EXT_ARG' | grep -vc 'EXT_ARG[^,]*, NULL' || true)
[ "$waits" -ge "$((ios / 2))" ] || fail "$waits waiting io_uring_enter calls for $ios requests: strace missed some?"
[ "$timed" -lt $((ios / 10)) ] || fail "$timed of $waits waits passed a timeout to io_uring_enter, for $ios requests at QD 1"
ok "QD 1: $waits waits for $ios requests, $timed with a timeout of their own"
