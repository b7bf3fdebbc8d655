#!/bin/bash
# The capture text formats end to end: blkparse, ftrace, filemap and
# cheops-csv traces replayed against a prepped file (auto-detected and
# named), their filters, and bad lines refused with FILE:LINE and exit 2.
# Last, with root and tracefs, a live capture: block_rq_issue from a tracefs
# instance while dd reads 4 MiB from a loop device, replayed as ftrace
# (skipped with 77 without them, after the other checks passed).
. "$SR_TESTLIB"

f=$T/target
$SR prep "$f" --size 16M --quiet || fail "prep"

# replay TRACE EXPECT FLAGS...: EXPECT is "format records requested_bytes"
replay() {
	local trace=$1 want=$2 got
	shift 2
	$SR replay "$f" --trace "$trace" "$@" --output-format json --output "$T/r.json" ||
		fail "replay $trace $*"
	got=$(json "$T/r.json" '"%s %d %d" % (j["jobs"][0]["ssdreplay"]["format"], j["jobs"][0]["ssdreplay"]["records"], j["jobs"][0]["ssdreplay"]["requested_bytes"])')
	[ "$got" = "$want" ] || fail "$(basename "$trace") $*: got '$got', expected '$want'"
	ok "$(basename "$trace") $* -> $got"
}

# ---- blkparse: real blkparse output when blkparse is here, else the same
# events as blkparse prints them (both pass through the same checks).
cat >"$T/mkbt.py" <<'EOF'
import struct, sys
def act(code, cats):
    bits = dict(R=1, W=2, F=4, S=8, Q=16, D_=64, C_=128, FS=256, PC=512, N=1024, A=2048, M=4096, T=8192)
    m = 0
    for c in cats.split():
        m |= bits[c]
    return (m << 16) | code
seq = 0
def ev(t, sector, nbytes, action, pid, dev, cpu=0, err=0, pdu=b''):
    global seq
    seq += 1
    sys.stdout.buffer.write(struct.pack('<IIQQIIIIIHH', 0x65617407, seq, t, sector, nbytes, action,
                                        pid, dev, cpu, err, len(pdu)) + pdu)
d = (8 << 20) | 16
ev(0, 0, 0, act(0, 'N'), 697, d, pdu=b'kjournald'.ljust(16, b'\0'))
ev(0, 0, 0, act(0, 'N'), 700, d, pdu=b'dd'.ljust(16, b'\0'))
ev(1000, 1024, 4096, act(1, 'Q W FS'), 697, d)
ev(3000, 1024, 4096, act(7, 'D_ W FS'), 697, d)
ev(5000, 2048, 131072, act(7, 'D_ R S FS'), 700, d, cpu=1)
ev(6000, 4096, 8192, act(7, 'D_ R A FS'), 700, d, cpu=1)
ev(7000, 0, 0, act(7, 'D_ F W FS'), 697, d)
ev(8000, 8192, 1048576, act(7, 'D_ T W FS'), 697, d)
ev(9000, 1024, 4096, act(8, 'C_ W FS'), 0, d)
ev(9500, 0, 0, act(7, 'D_ PC R'), 700, d, pdu=b'\x12\x00\x00\x00\x24\x00')
ev(12000, 2048, 131072, act(8, 'C_ R S FS'), 0, d, cpu=1)
ev(13000, 16, 4096, act(7, 'D_ R M FS'), 700, (259 << 20) | 1, cpu=1)
EOF
if command -v blkparse >/dev/null && python3 "$T/mkbt.py" >"$T/bt.bin" &&
	blkparse -i - <"$T/bt.bin" >"$T/bp.txt" 2>/dev/null && [ -s "$T/bp.txt" ]; then
	ok "blkparse output from $(blkparse -V 2>&1 | head -1)"
else
	cat >"$T/bp.txt" <<'EOF'
  8,16   0        3     0.000000000   697  Q   W 1024 + 8 [kjournald]
  8,16   0        4     0.000002000   697  D   W 1024 + 8 [kjournald]
  8,16   1        5     0.000004000   700  D  RS 2048 + 256 [dd]
  8,16   1        6     0.000005000   700  D  RA 4096 + 16 [dd]
  8,16   0        7     0.000006000   697  D  FW [kjournald]
  8,16   0        8     0.000007000   697  D   D 8192 + 2048 [kjournald]
  8,16   0        9     0.000008000     0  C   W 1024 + 8 [0]
  8,16   0       10     0.000008500   700  D   N 0 (12 00 00 00 24 00 ..) [dd]
  8,16   1       11     0.000011000     0  C  RS 2048 + 256 [0]
259,1    1       12     0.000012000   700  D  RM 16 + 8 [dd]
CPU0 (8,16):
 Reads Queued:           0,        0KiB	 Writes Queued:           1,        4KiB
EOF
fi
# D: write 4K, read 128K, read 8K, trim 1M, read 4K (259,1); requested_bytes
# counts the issued records: the reads (no --allow-write; trims never).
replay "$T/bp.txt" "blkparse 5 143360"
[ "$(json "$T/r.json" '"%d %d %d" % (j["jobs"][0]["ssdreplay"]["skipped_writes"], j["jobs"][0]["ssdreplay"]["skipped_write_bytes"], j["jobs"][0]["ssdreplay"]["skipped_other"])')" = "1 4096 1" ] ||
	fail "bp.txt: expected one skipped 4 KiB write and one skipped trim"
replay "$T/bp.txt" "blkparse 5 143360" --format blkparse --event D
replay "$T/bp.txt" "blkparse 2 131072" --event C
replay "$T/bp.txt" "blkparse 1 0" --event Q
replay "$T/bp.txt" "blkparse 4 139264" --dev 8:16
replay "$T/bp.txt" "blkparse 3 143360" --pid 700
replay "$T/bp.txt" "blkparse 3 143360" --comm dd
replay "$T/bp.txt" "blkparse 3 143360" --ops r

# ---- ftrace: lines captured from tracefs; the 254,0 ones lie far past the
# end of the target, so they must be filtered out.
cat >"$T/ft.txt" <<'EOF'
# tracer: nop
#
#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION
#              | |         |   |||||     |         |
              dd-12389   [000] .....  3540.578804: block_bio_queue: 7,0 RS 0 + 2048 [dd]
              dd-12389   [000] .....  3540.578812: block_rq_issue: 7,0 RS 524288 () 0 + 1024 be,0,4 [dd]
              dd-12389   [000] .N...  3540.578858: block_rq_issue: 7,0 RS 524288 () 1024 + 1024 be,0,4 [dd]
     ksoftirqd/1-22      [001] ..s..  3540.782997: block_rq_complete: 7,0 RS () 0 + 1024 be,0,4 [0]
       ssdreplay-29963   [001] ..s..  3540.783722: block_rq_complete: 7,0 RS () 1024 + 1024 be,0,4 [0]
              dd-12390   [000] .N...  3540.791042: block_rq_issue: 254,0 WS 65536 () 350555504 + 128 be,0,4 [dd]
    kworker/0:1H-58      [000] .....  3540.805673: block_rq_issue: 254,0 DS 4096 () 350499624 + 8 be,0,4 [kworker/0:1H]
    kworker/0:1H-58      [000] .....  3540.806369: block_rq_issue: 254,0 FF 0 () 0 + 0 none,0,0 [kworker/0:1H]
             cat-12404   [001] .....  3543.315676: mm_filemap_add_to_page_cache: dev 254:0 ino a726a4 pfn=0x57bef0 ofs=524288 order=2
EOF
replay "$T/ft.txt" "ftrace 2 1048576" --dev 7:0
replay "$T/ft.txt" "ftrace 2 1048576" --format ftrace --dev 7:0 --comm dd
replay "$T/ft.txt" "ftrace 1 524288" --dev 7:0 --time 0.00004:
replay "$T/ft.txt" "ftrace 2 1048576" --dev 7:0 --event C
replay "$T/ft.txt" "ftrace 1 1048576" --dev 7:0 --event Q
replay "$T/ft.txt" "ftrace 2 1048576" --pid 12389
expect_exit 2 "ft.txt:10: offset .* past the end" $SR replay "$f" --trace "$T/ft.txt" --ops w --allow-write

# ---- filemap: the same file read as page-cache fills
cat >"$T/fm.txt" <<'EOF'
            bash-12382   [000] .....  3540.792376: mm_filemap_add_to_page_cache: dev 0:3 ino fe00000 pfn=0x13ccfc ofs=6517346304 order=0
             cat-12404   [001] .....  3543.315676: mm_filemap_add_to_page_cache: dev 254:0 ino a726a4 pfn=0x57bef0 ofs=524288 order=2
             cat-12404   [001] .....  3543.315682: mm_filemap_add_to_page_cache: dev 254:0 ino a726a4 pfn=0x525e74 ofs=540672 order=2
             cat-12404   [001] .....  3543.315684: mm_filemap_delete_from_page_cache: dev 254:0 ino a726a4 pfn=0x525e74 ofs=540672 order=2
             cat-12404   [001] .....  3543.315690: mm_filemap_add_to_page_cache: dev 254:0 ino a726a4 pfn=0x57bc70 ofs=557056 order=0
EOF
replay "$T/fm.txt" "filemap 3 36864" --dev 254:0
replay "$T/fm.txt" "filemap 3 36864" --format filemap --comm cat --pid 12404
expect_exit 2 "fm.txt:1: offset 6517346304 .* past the end" $SR replay "$f" --trace "$T/fm.txt"
expect_exit 2 "--event: the filemap format has one kind of event" \
	$SR replay "$f" --trace "$T/fm.txt" --event C

# ---- cheops-csv: bpftrace rows, a flush among them
printf 'Attaching 1 probe...\n45502109053447, W, 4096, 0, 8\n45502109071121, R, 131072, 256, 256\n45502109074148, FF, 0, 0, 0\n45502109076588, RA, 0, 1024, 16\n' >"$T/ch.txt"
replay "$T/ch.txt" "cheops-csv 3 139264"
replay "$T/ch.txt" "cheops-csv 2 139264" --ops r
printf 'nsecs,rwbs,bytes,sector,nr_sector\n1,R,4096,0,8\n' >"$T/chh.csv"
replay "$T/chh.csv" "cheops-csv 1 4096"
printf 'offset,length\n0,4096\n' >"$T/plain.csv"
replay "$T/plain.csv" "csv 1 4096"
expect_exit 2 "--pid: the cheops-csv format records no pid" $SR replay "$f" --trace "$T/ch.txt" --pid 1

# ---- bad lines: FILE:LINE, what was expected, exit 2
printf '  8,0 3 1 0.0 697 D R 8 + 8 [a]\n  8,0 3 2 0.1 697 D R 22x4 + 8 [a]\n' >"$T/bad_bp.txt"
expect_exit 2 "bad_bp.txt:2: expected a sector .*found '22x4'" $SR replay "$f" --trace "$T/bad_bp.txt"
printf '  8,0 3 1 0.0 697 D R 8 + 8 [a]\n  8,0    3 \n' >"$T/trunc_bp.txt"
expect_exit 2 "trunc_bp.txt:2: expected a sequence number, found end of line" \
	$SR replay "$f" --trace "$T/trunc_bp.txt" --format blkparse
printf 'dd-1 [000] ..... 1.0: block_rq_issue: 7,0 RS 0 () 99999999999999999999 + 8 [dd]\n' >"$T/ovf_ft.txt"
expect_exit 2 "ovf_ft.txt:1: .*found '99999999999999999999'" $SR replay "$f" --trace "$T/ovf_ft.txt"
printf 'dd-1 [000] ..... 1.0: block_rq_issue: 7,0 RS 0 () 8 8 [dd]\n' >"$T/plus_ft.txt"
expect_exit 2 "plus_ft.txt:1: expected '\\+' after the sector" $SR replay "$f" --trace "$T/plus_ft.txt"
printf 'x-1 [000] ..... 1.0: mm_filemap_add_to_page_cache: dev 8:1 ino 1a2b pfn=0x1\n' >"$T/bad_fm.txt"
expect_exit 2 "bad_fm.txt:1: expected 'ofs=BYTES'" $SR replay "$f" --trace "$T/bad_fm.txt"
printf 'Attaching 1 probe...\n1, W, 4096, 8\n' >"$T/bad_ch.txt"
expect_exit 2 "bad_ch.txt:2: expected 5 comma-separated fields" \
	$SR replay "$f" --trace "$T/bad_ch.txt" --format cheops-csv
ok "bad lines refused with FILE:LINE and exit 2"

# ---- live: tracefs block_rq_issue while dd reads 4 MiB through a loop device
need_root
need_tracefs block/block_rq_issue
truncate -s 8M "$T/backing"
dd if=/dev/urandom of="$T/backing" bs=1M count=8 conv=notrunc status=none
new_loop "$T/backing"
command -v udevadm >/dev/null && udevadm settle 2>/dev/null
inst=$tr/instances/ssdreplay_textfmt_$$
mkdir "$inst" || skip "cannot create a tracefs instance"
trap 'rmdir "$inst" 2>/dev/null; cleanup' EXIT
echo 4096 >"$inst/buffer_size_kb"
echo 1 >"$inst/events/block/block_rq_issue/enable" || fail "enable block_rq_issue"
echo 1 >"$inst/events/block/block_bio_queue/enable" || fail "enable block_bio_queue"
dd if="$LOOP" of=/dev/null bs=1M count=4 iflag=direct status=none &
ddpid=$!
wait $ddpid || fail "dd from $LOOP"
echo 0 >"$inst/events/block/block_rq_issue/enable"
echo 0 >"$inst/events/block/block_bio_queue/enable"
cat "$inst/trace" >"$T/live.txt"
rmdir "$inst" || fail "cannot remove $inst"
dev=$(cat "/sys/block/$(basename "$LOOP")/dev")
n=$(grep -c "block_rq_issue: ${dev/:/,} " "$T/live.txt")
[ "$n" -gt 0 ] || fail "no block_rq_issue lines for $dev in the capture"
ok "captured $n block_rq_issue lines for $LOOP ($dev)"
$SR replay "$f" --trace "$T/live.txt" --dev "$dev" --output-format json --output "$T/r.json" ||
	fail "replay the live capture"
got=$(json "$T/r.json" 'j["jobs"][0]["ssdreplay"]["requested_bytes"]')
fmt=$(json "$T/r.json" 'j["jobs"][0]["ssdreplay"]["format"]')
[ "$got" = 4194304 ] || fail "live capture: requested_bytes $got, expected 4194304"
[ "$fmt" = ftrace ] || fail "live capture read as $fmt"
ok "live capture replays 4 MiB (--dev $dev)"
replay "$T/live.txt" "ftrace $(json "$T/r.json" 'j["jobs"][0]["ssdreplay"]["records"]') 4194304" \
	--format ftrace --dev "$dev" --event D
$SR replay "$f" --trace "$T/live.txt" --format ftrace --dev "$dev" --event Q --pid "$ddpid" \
	--comm dd --output-format json --output "$T/r.json" || fail "replay --event Q --pid $ddpid"
got=$(json "$T/r.json" 'j["jobs"][0]["ssdreplay"]["requested_bytes"]')
[ "$got" = 4194304 ] || fail "live capture, dd's queued bios: $got bytes, expected 4194304"
ok "live capture: dd's (pid $ddpid) queued bios are 4 MiB"
