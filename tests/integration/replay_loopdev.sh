#!/bin/bash
# needs: root
# Replay on a loop device (direct I/O): the bytes the report claims must agree
# with the block device's own counters within 1%, verify must pass, and
# read-only must mean no sectors written.
. "$SR_TESTLIB"
need_root

truncate -s 64M "$T/backing"
new_loop "$T/backing"
dev=$LOOP
$SR prep "$dev" --force --quiet || fail "prep $dev"

for eng in io_uring libaio psync; do
	rd0=$(loop_sectors "$dev" rd)
	$SR replay "$dev" --pattern rand --bs 16k --qd 16 --engine $eng --verify \
		--output-format json --output "$T/r.json" || fail "replay $eng"
	rd1=$(loop_sectors "$dev" rd)
	claimed=$(json "$T/r.json" 'j["jobs"][0]["read"]["io_bytes"]')
	counted=$(((rd1 - rd0) * 512))
	python3 -c "import sys; c,k=$claimed,$counted; sys.exit(0 if abs(c-k) <= 0.01*k else 1)" ||
		fail "$eng: report says $claimed bytes, $dev counted $counted"
	ok "$eng: report $claimed bytes, device counted $counted"
done

# Writes in a trace are skipped unless --allow-write: no sector written.
printf 'offset,length,op\n0,4096,r\n8192,4096,w\n' >"$T/t.csv"
wr0=$(loop_sectors "$dev" wr)
$SR replay "$dev" --trace "$T/t.csv" --output-format json --output "$T/w.json" || fail "replay with a write"
wr1=$(loop_sectors "$dev" wr)
[ "$wr0" = "$wr1" ] || fail "a write reached $dev without --allow-write"
[ "$(json "$T/w.json" 'j["jobs"][0]["ssdreplay"]["skipped_writes"]')" = 1 ] || fail "skipped write not counted"
# With --allow-write the write lands, carrying the prep layout, so verify still passes.
$SR replay "$dev" --trace "$T/t.csv" --allow-write --output-format json --output "$T/w.json" || fail "allow-write"
wr2=$(loop_sectors "$dev" wr)
[ $((wr2 - wr1)) -ge 8 ] || fail "--allow-write did not write (sectors $wr1 -> $wr2)"
$SR replay "$dev" --pattern seq --bs 1M --verify >/dev/null || fail "verify after write"
ok "writes: skipped by default, issued with --allow-write"

# A mounted device is refused even with --allow-write.
command -v mkfs.ext4 >/dev/null || skip "no mkfs.ext4"
truncate -s 64M "$T/fs"
mkfs.ext4 -q "$T/fs" || skip "mkfs.ext4 failed"
new_loop "$T/fs"
fsdev=$LOOP
mkdir "$T/mnt"
mount "$fsdev" "$T/mnt" || skip "cannot mount"
wr0=$(loop_sectors "$fsdev" wr)
expect_exit 2 "refusing to write: it is mounted" $SR replay "$fsdev" --trace "$T/t.csv" --allow-write
expect_exit 2 "refusing to write: it is mounted" $SR prep "$fsdev" --force
umount "$T/mnt"
ok "mounted device refused"
