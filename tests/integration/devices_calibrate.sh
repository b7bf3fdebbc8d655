#!/bin/bash
# needs: root
# devices --calibrate: a short sweep over a loop device on a fully written file stores a
# profile, and the spec lookup (devices --json) then reports the calibrated figures.
source "$SR_TESTLIB"
need_root
export SSDREPLAY_STATE=$T/state
# 1 GiB: a smaller region is read from caches and is not stored (below)
dd if=/dev/zero of="$T/img" bs=1M count=1024 conv=fsync status=none || fail "cannot write the backing file"
new_loop "$T/img"
name=$(basename "$LOOP")
rd0=$(loop_sectors "$LOOP" rd)
$SR devices --calibrate "$LOOP" --runtime 1.3 >"$T/cal.txt" 2>"$T/cal.err" ||
	{ cat "$T/cal.err"; fail "calibrate $LOOP failed"; }
rd1=$(loop_sectors "$LOOP" rd)
grep -q "^best: sequential read" "$T/cal.txt" || { cat "$T/cal.txt"; fail "no best line"; }
[ -s "$T/state/devices/$name.ini" ] || fail "no profile at $T/state/devices/$name.ini"
# real reads reached the device (16 MiB is far below what 13 points read)
[ $((rd1 - rd0)) -ge $((16 * 2048)) ] || fail "the device counted only $((rd1 - rd0)) sectors read"
$SR devices --json "$LOOP" >"$T/d.json" || fail "devices --json $LOOP"
[ "$(json "$T/d.json" "j['devices'][0]['calibrated']['seq_read_Bps'] > 0")" = True ] ||
	fail "calibrated seq read not seen: $(json "$T/d.json" "j['devices'][0]['calibrated']")"
[ "$(json "$T/d.json" "j['devices'][0]['calibrated']['rand_read_iops'] > 0")" = True ] || fail "calibrated IOPS not seen"
ok "calibrated $LOOP: $(grep '^best' "$T/cal.txt")"

# JSON output of a calibration, and a regular file measures the device holding it
if [ "$(( $(stat -c %d "$T") >> 8 ))" != 0 ]; then
	$SR devices --calibrate "$T/img" --runtime 0.7 --size 32M --json >"$T/f.json" 2>"$T/f.err" ||
		{ cat "$T/f.err"; fail "calibrate on a regular file failed"; }
	case "$(json "$T/f.json" "j['note']")" in *"is a file"*) ;; *) fail "no note that a file measures its device";; esac
	# 32 MiB: cache figures, marked and never stored as the device's
	[ "$(json "$T/f.json" "j['profile'], j['cached'], j['region_bytes']")" = "(None, True, 33554432)" ] ||
		fail "a 32 MiB region was stored as the device's calibration: $(cat "$T/f.json")"
	[ ! -e "$T/state/devices/$(json "$T/f.json" "j['disk']").ini" ] || fail "a profile for the file's device was stored"
	ok "regular file: measured $(json "$T/f.json" "j['disk']"), 32 MiB region marked cached, not stored"
fi
expect_exit 2 "at least 4M" $SR devices --calibrate "$LOOP" --size 4k
# a size larger than the target: bad input (it was clamped silently)
expect_exit 2 "$LOOP: 1099511627776 bytes to read, but the target has 1073741824$" \
	$SR devices --calibrate "$LOOP" --size 1T
