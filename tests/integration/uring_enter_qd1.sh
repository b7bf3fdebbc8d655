#!/bin/bash
# io_uring at QD 1: one io_uring_enter per request, submitting and waiting
# together (fio makes two: a submit, then a wait; issue #19's QD 1 point).
# Counted with strace: calls that submit without waiting must be (almost)
# none; before, every request had one.
. "$SR_TESTLIB"

command -v strace >/dev/null || skip "no strace"
# LeakSanitizer cannot run under ptrace (sanitizer build): leaks are checked elsewhere
f=$T/target
$SR prep "$f" --size 8M --quiet || fail "prep"
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=io_uring_enter -o "$T/st" \
	$SR replay "$f" --pattern rand --bs 4k --qd 1 --engine io_uring --loops 1 \
	--output-format json --output "$T/r.json" 2>"$T/err" || {
	grep -q "io_uring_queue_init" "$T/err" && skip "no io_uring here"
	cat "$T/err"
	fail "replay under strace"
}
ios=$(json "$T/r.json" 'j["jobs"][0]["read"]["total_ios"]')
[ "$ios" = 2048 ] || fail "$ios requests, expected 2048"
# io_uring_enter(fd, to_submit, min_complete, flags, ...)
calls=$(grep -c 'io_uring_enter(' "$T/st")
submit_only=$(grep -cE 'io_uring_enter\([0-9]+, [1-9][0-9]*, 0,' "$T/st" || true)
[ "$calls" -ge "$ios" ] || fail "$calls io_uring_enter calls for $ios requests: strace missed some?"
[ "$submit_only" -lt $((ios / 10)) ] || fail "$submit_only of $calls io_uring_enter calls submitted without waiting, for $ios requests at QD 1"
ok "QD 1: $calls io_uring_enter calls for $ios requests, $submit_only submit-only"
