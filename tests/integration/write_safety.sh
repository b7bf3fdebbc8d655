#!/bin/bash
# needs: root
# Writes are refused to a mounted loop device, a device with holders and the
# root device, with and without --allow-write; --force-destroy-data DEVICE is
# the only way past the mounted/holders check, only for the device it names,
# and never for the root device. The check runs before any open for writing.
. "$SR_TESTLIB"
need_root
command -v mkfs.ext4 >/dev/null || skip "no mkfs.ext4"

DM=
trap '[ -n "$DM" ] && dmsetup remove "$DM" 2>/dev/null; umount "$T/mnt" 2>/dev/null; cleanup' EXIT

truncate -s 64M "$T/fs"
mkfs.ext4 -q "$T/fs" || skip "mkfs.ext4 failed"
new_loop "$T/fs"
fsdev=$LOOP
truncate -s 16M "$T/plain"
new_loop "$T/plain"
plain=$LOOP
mkdir "$T/mnt"
mount "$fsdev" "$T/mnt" || skip "cannot mount $fsdev"

# 4 MiB of writes in the unused tail of the (nearly empty) file system
python3 -c '
print("offset,length,op")
for i in range(64):
    print("%d,65536,w" % ((48 << 20) + i * 65536))' >"$T/w.csv"

# without --allow-write: nothing written, writes counted as skipped
wr0=$(loop_sectors "$fsdev" wr)
$SR replay "$fsdev" --trace "$T/w.csv" --output-format json -o "$T/ro.json" || fail "read-only replay"
[ "$(loop_sectors "$fsdev" wr)" = "$wr0" ] || fail "a write reached $fsdev without --allow-write"
[ "$(json "$T/ro.json" 'j["jobs"][0]["ssdreplay"]["skipped_writes"]')" = 64 ] || fail "skipped writes"
expect_exit 2 "only matters with --allow-write" \
	$SR replay "$fsdev" --trace "$T/w.csv" --force-destroy-data "$fsdev"
# with --allow-write: refused
expect_exit 2 "$fsdev: refusing to write: it is mounted on $T/mnt.*--force-destroy-data $fsdev overrides" \
	$SR replay "$fsdev" --trace "$T/w.csv" --allow-write
expect_exit 2 "refusing to write: it is mounted" $SR prep "$fsdev" --force
# --force-destroy-data naming another device: refused
expect_exit 2 "is not one of the targets" \
	$SR replay "$fsdev" --trace "$T/w.csv" --allow-write --force-destroy-data "$plain"
expect_exit 2 "$fsdev: refusing to write: it is mounted.*names $plain, not this device" \
	$SR replay --target "$fsdev" --target "$plain" --layout by-target --trace "$T/w.csv" --allow-write \
	--force-destroy-data "$plain"
[ "$(loop_sectors "$fsdev" wr)" = "$wr0" ] || fail "a refused replay wrote to $fsdev"
ok "mounted $fsdev refused with and without --allow-write, and when the flag names another device"

# The regular file behind the mounted loop device (and a hard link to it): the
# same refusal; writing it corrupts the mounted file system as writing the
# device does. --force-destroy-data FILE is the way past it.
ln "$T/fs" "$T/fs.link"
md0=$(md5sum <"$T/fs")
for img in "$T/fs" "$T/fs.link"; do
	expect_exit 2 "$img: refusing to write: it backs $fsdev, which is mounted on $T/mnt.*--force-destroy-data $img overrides" \
		$SR replay "$img" --trace "$T/w.csv" --allow-write
	expect_exit 2 "$img: refusing to write: it backs $fsdev, which is mounted" $SR prep "$img" --force --size 64M
	expect_exit 2 "$img: refusing to write: it backs $fsdev, which is mounted" \
		$SR sweep "$img" --trace "$T/w.csv" --bs 4k --qd 1 --runtime 0.1 --allow-write
done
[ "$(md5sum <"$T/fs")" = "$md0" ] || fail "a refused write changed $T/fs under the mounted $fsdev"
$SR replay "$T/plain" --trace "$T/w.csv" --allow-write --offset-map wrap --output-format json -o "$T/p.json" ||
	fail "$T/plain backs $plain (not mounted): refused"
rm -f "$T/fs.link"
# sweep and cheops take no --force-destroy-data: their refusal names nothing they do not take
expect_exit 2 "$fsdev: refusing to write: it is mounted on $T/mnt \(unmount or release it first\)$" \
	$SR sweep "$fsdev" --trace "$T/w.csv" --bs 4k --qd 1 --runtime 0.1 --allow-write
expect_exit 2 "$fsdev: refusing to write: it is mounted on $T/mnt \(unmount or release it first\)$" \
	$SR cheops "$fsdev" --allow-write "$fsdev"
ok "the backing file of the mounted $fsdev (and a hard link) refused; an unmounted loop's backing file written"

# --allow-write --force-destroy-data DEVICE: written (and named through a symlink too)
ln -s "$fsdev" "$T/link"
$SR replay "$T/link" --trace "$T/w.csv" --allow-write --force-destroy-data "$fsdev" \
	--output-format json -o "$T/f.json" || fail "--force-destroy-data $fsdev refused"
wr1=$(loop_sectors "$fsdev" wr)
[ $(((wr1 - wr0) * 512)) -ge $((4 << 20)) ] || fail "forced write did not reach $fsdev (sectors $wr0 -> $wr1)"
[ "$(json "$T/f.json" 'j["jobs"][0]["write"]["io_bytes"]')" = $((4 << 20)) ] || fail "forced write bytes"
ok "--force-destroy-data $fsdev: $(((wr1 - wr0) * 512)) bytes written to the mounted device"
umount "$T/mnt"

# A device with holders: a dm linear device over a loop.
if command -v dmsetup >/dev/null && truncate -s 16M "$T/held" && new_loop "$T/held" &&
	DM=sr-test-$$ && dmsetup create "$DM" --table "0 32768 linear $LOOP 0" 2>/dev/null; then
	held=$LOOP
	expect_exit 2 "$held: refusing to write: it is held by dm-" $SR replay "$held" --trace "$T/w.csv" --allow-write --offset-map wrap
	expect_exit 2 "refusing to write: it is held by dm-" $SR prep "$held" --force
	w0=$(loop_sectors "$held" wr)
	$SR replay "$held" --trace "$T/w.csv" --allow-write --offset-map wrap --force-destroy-data "$held" \
		>/dev/null || fail "--force-destroy-data $held refused"
	[ "$(loop_sectors "$held" wr)" -gt "$w0" ] || fail "forced write did not reach $held"
	dmsetup remove "$DM" && DM=
	ok "device with holders refused; --force-destroy-data passes it"
else
	DM=
	echo "note: no device-mapper here (dmsetup create failed): holders case not run"
fi

# The root device: refused even with --force-destroy-data, before it is opened for writing.
root_src=$(findmnt -no SOURCE / 2>/dev/null)
if [ -b "$root_src" ]; then
	disk=/dev/$(lsblk -no PKNAME "$root_src" 2>/dev/null | head -n1)
	[ -b "$disk" ] || disk=$root_src
	for dev in "$root_src" "$disk"; do
		expect_exit 2 "$dev: refusing to write: it holds the root file system" \
			$SR replay "$dev" --pattern seq --size 4096 --allow-write
		expect_exit 2 "$dev: refusing to write: it holds the root file system \(--force-destroy-data never" \
			$SR replay "$dev" --pattern seq --size 4096 --allow-write --force-destroy-data "$dev"
		expect_exit 2 "$dev: refusing to write: it holds the root file system" $SR prep "$dev" --force --size 4096
	done
	if command -v strace >/dev/null; then
		strace -f -qq -e trace=open,openat -o "$T/strace" \
			$SR replay "$disk" --pattern seq --size 4096 --allow-write --force-destroy-data "$disk" 2>/dev/null
		grep -F "\"$disk\"" "$T/strace" | grep -q 'O_RDWR\|O_WRONLY' &&
			fail "$disk was opened for writing before the refusal: $(grep -F "$disk" "$T/strace")"
		ok "root device $disk ($root_src) refused; never opened for writing (strace)"
	else
		ok "root device $disk ($root_src) refused (no strace: open order not checked)"
	fi
else
	echo "note: / is not on a block device here ($root_src): root case not run"
fi
