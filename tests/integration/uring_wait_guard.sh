#!/bin/bash
# io_uring: a wait's time limit is a timeout request kept in the ring (the
# guard), not a timeout passed to every io_uring_enter: each of those arms and
# cancels a kernel hrtimer per request (issue #19's QD 1 point, where fio
# waits without one). Counted with strace: waits that pass a timeout
# (IORING_ENTER_EXT_ARG with an argument) must be (almost) none; before,
# every wait had one.
. "$SR_TESTLIB"

uring_qd1_strace
waits=$(grep -c 'IORING_ENTER_GETEVENTS' "$T/st")
timed=$(grep 'IORING_ENTER_GETEVENTS' "$T/st" | grep 'IORING_ENTER_EXT_ARG' | grep -vc 'EXT_ARG[^,]*, NULL' || true)
[ "$waits" -ge "$((ios / 2))" ] || fail "$waits waiting io_uring_enter calls for $ios requests: strace missed some?"
[ "$timed" -lt $((ios / 10)) ] || fail "$timed of $waits waits passed a timeout to io_uring_enter, for $ios requests at QD 1"
ok "QD 1: $waits waits for $ios requests, $timed with a timeout of their own"
