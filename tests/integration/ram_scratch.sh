#!/bin/bash
# Scratch space on a RAM-backed file system (tmpfs: a RAM-backed /tmp, as
# Debian 13 mounts it) holds files that nothing reads from a device and that
# reclaim cannot drop. The tests' scratch directory gives way to /var/tmp when
# TMPDIR is on one, and scripts/llamacpp_validate.sh refuses such an OUTDIR
# (exit 2, one line, nothing made) before it looks for node.
. "$SR_TESTLIB"
shm=$(shm_dir) || exit 77
[ "$(stat -f -c %T /var/tmp 2>/dev/null)" = tmpfs ] && skip "/var/tmp is on tmpfs too"

# the test library, sourced with TMPDIR on tmpfs
d=$(TMPDIR=$shm bash -c '. "$SR_TESTLIB"; echo "$T"') || fail "the test library with TMPDIR=$shm"
case "$d" in
/var/tmp/sr-test.*) ;;
*) fail "with TMPDIR=$shm the scratch directory was $d, expected one in /var/tmp" ;;
esac
[ ! -e "$d" ] || fail "$d was left behind"
# and on a disk-backed TMPDIR it stays there
d=$(TMPDIR=$T bash -c '. "$SR_TESTLIB"; echo "$T"') || fail "the test library with TMPDIR=$T"
case "$d" in "$T"/sr-test.*) ;; *) fail "with TMPDIR=$T the scratch directory was $d" ;; esac
ok "a RAM-backed TMPDIR gives way to /var/tmp"

out=$shm/sr-validate-$$/v
SSDREPLAY=$SR bash "$SR_SRC/scripts/llamacpp_validate.sh" "$out" >"$T/out" 2>"$T/err"
st=$?
[ $st = 2 ] || { cat "$T/err" >&2; fail "validate into $out: exit $st, expected 2"; }
[ "$(wc -l <"$T/err")" = 1 ] && grep -q "^llamacpp_validate: $out: is on tmpfs, expected a directory on a block device" "$T/err" ||
	fail "validate into $out: $(cat "$T/err")"
[ ! -e "$shm/sr-validate-$$" ] || { rm -rf "$shm/sr-validate-$$"; fail "validate made $shm/sr-validate-$$"; }
[ ! -s "$T/out" ] || fail "validate wrote to stdout: $(cat "$T/out")"
ok "llamacpp_validate refuses an OUTDIR on tmpfs"
