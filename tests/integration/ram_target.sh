#!/bin/bash
# A RAM-backed target (a file on tmpfs, a loop device over one) gets one
# warning line on stderr that its figures are memory speed, not an SSD's,
# from replay, sweep and simulate; the run goes on (exit 0). A target on a
# disk-backed file system gets none.
. "$SR_TESTLIB"

shm=$(shm_dir) || exit 77
R=$(mktemp -d "$shm/sr-ram.XXXXXX") || skip "cannot make a directory on $shm"
trap 'rm -rf "$R"; cleanup' EXIT
$SR prep "$R/x" --size 8M --quiet || fail "prep on tmpfs"

warned() { # warned CMD...: exit 0 and exactly the warning line on stderr
	"$@" >"$T/out" 2>"$T/err" || { cat "$T/err" >&2; fail "'$*' failed"; }
	grep -v '^\[' "$T/err" | grep -v '^sweep: ' >"$T/err1"
	[ "$(wc -l <"$T/err1")" = 1 ] && grep -q "^ssdreplay: warning: .* is RAM-backed (.*tmpfs): its figures are memory speed, not an SSD's$" "$T/err1" ||
		{ cat "$T/err" >&2; fail "'$*': no RAM warning"; }
}
warned $SR replay "$R/x" --pattern seq --size 1M
warned $SR sweep "$R/x" --bs 4k --qd 1 --runtime 0.1 --engine psync
warned $SR simulate --profile tiny-llama "$R/x" --engine null --tokens 1
ok "tmpfs target: warned by replay, sweep and simulate"

if [ "$(id -u)" = 0 ] && command -v losetup >/dev/null && new_loop "$R/x" 2>/dev/null; then
	warned $SR replay "$LOOP" --pattern seq --size 1M
	grep -q "($(basename "$LOOP") over tmpfs)" "$T/err" || fail "loop over tmpfs: $(cat "$T/err")"
	ok "loop device over tmpfs: warned"
fi

if [ "$(stat -f -c %T "$T")" != tmpfs ]; then
	$SR prep "$T/disk" --size 8M --quiet || fail "prep"
	$SR replay "$T/disk" --pattern seq --size 1M >/dev/null 2>"$T/err" || fail "replay on disk"
	[ ! -s "$T/err" ] || { cat "$T/err" >&2; fail "a disk-backed target was warned about"; }
	ok "disk-backed target: no warning"
fi
