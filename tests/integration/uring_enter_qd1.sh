#!/bin/bash
# io_uring at QD 1: one io_uring_enter per request, submitting and waiting
# together (fio makes two: a submit, then a wait; issue #19's QD 1 point).
# Counted with strace: calls that submit without waiting must be (almost)
# none; before, every request had one.
. "$SR_TESTLIB"

uring_qd1_strace
# io_uring_enter(fd, to_submit, min_complete, flags, ...)
calls=$(grep -c 'io_uring_enter(' "$T/st")
submit_only=$(grep -cE 'io_uring_enter\([0-9]+, [1-9][0-9]*, 0,' "$T/st" || true)
[ "$calls" -ge "$ios" ] || fail "$calls io_uring_enter calls for $ios requests: strace missed some?"
[ "$submit_only" -lt $((ios / 10)) ] || fail "$submit_only of $calls io_uring_enter calls submitted without waiting, for $ios requests at QD 1"
ok "QD 1: $calls io_uring_enter calls for $ios requests, $submit_only submit-only"
