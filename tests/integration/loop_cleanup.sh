#!/bin/bash
# needs: root
# The test library's cleanup detaches the loop devices new_loop attached,
# and only those: a device it already detached that a test running beside
# it attached again (to its own file) is left alone. Seen in CI: a cleanup
# that retried the detach while the device showed any backing file took
# another test's device away mid-run ("a target is smaller than one chunk").
. "$SR_TESTLIB"
need_root
command -v losetup >/dev/null || skip "no losetup"
head -c 1M /dev/zero >"$T/a"
head -c 2M /dev/zero >"$T/b"
# a child test: attaches a with new_loop, detaches it itself, and the same
# device is then attached to b (the test beside it); the child's exit
# runs the cleanup, which must not detach b
dev=$(T0=$T bash -c '
	. "$SR_TESTLIB"
	new_loop "$T0/a"
	echo "$LOOP"
	losetup -d "$LOOP"
	for _ in $(seq 50); do [ -z "$(losetup -n -O BACK-FILE "$LOOP" 2>/dev/null)" ] && break; sleep 0.1; done
	losetup --direct-io=on "$LOOP" "$T0/b" || echo "reattach failed" >&2
') || fail "child test"
[ -n "$dev" ] || fail "child test attached nothing"
back=$(losetup -n -O BACK-FILE "$dev" 2>/dev/null)
[ "$back" = "$T/b" ] && losetup -d "$dev"
[ "$back" = "$T/b" ] || fail "the cleanup of a test detached $dev, attached to another test's file after it (backing file now: '${back:-none}')"
ok "cleanup left $dev alone once another file was attached to it"
# and a device still on the file new_loop attached is detached
dev=$(T0=$T bash -c '. "$SR_TESTLIB"; new_loop "$T0/a"; echo "$LOOP"') || fail "child test 2"
back=$(losetup -n -O BACK-FILE "$dev" 2>/dev/null)
[ -z "$back" ] || { losetup -d "$dev"; fail "cleanup left $dev attached to $back"; }
ok "cleanup detached its own device $dev"
