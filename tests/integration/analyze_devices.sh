#!/bin/bash
# A block trace holding several devices (record -- dd if=/dev/loopN also
# catches the exec reading dd from the system disk): analyze lists the
# devices, says their offsets are folded together and names --dev; with
# --dev one is analysed; blktrace binary input the same.
source "$SR_TESTLIB"

python3 - "$T" <<'PY'
import struct, sys
d = sys.argv[1]
with open(d + "/two.txt", "w") as f:
    n = 0
    for i in range(64):   # 64 x 4 KiB on 7:0 at the start
        n += 1
        f.write("  7,0    0 %8d %14.9f  100  D   R %d + 8 [dd]\n" % (n, n * 1e-4, i * 8))
    for i in range(3):    # 3 reads far out on 8:0 (the binary from the system disk)
        n += 1
        f.write("  8,0    1 %8d %14.9f  100  D   R %d + 8 [dd]\n" % (n, n * 1e-4, 12582912 + i * 8))
with open(d + "/two.blk", "wb") as f:
    for i in range(67):
        dev = (7 << 20) if i < 64 else (8 << 20)
        sector = i * 8 if i < 64 else 12582912 + i * 8
        f.write(struct.pack("<IIQQIIIIIHH", 0x65617407, i, 1000 * i, sector, 4096, 0x00010001 | (4 << 16) | 0x0007, 100, dev, 0, 0, 0))
PY
for t in two.txt two.blk; do
	$SR analyze "$T/$t" >"$T/a.txt" || fail "analyze $t"
	grep -q "devices: 2 in the trace: 7:0 (64 events) 8:0 (3 events)" "$T/a.txt" || { cat "$T/a.txt" >&2; fail "$t: no device list"; }
	grep -q "pick one with --dev MAJ:MIN" "$T/a.txt" || fail "$t: no --dev hint"
	$SR analyze "$T/$t" --output-format json -o "$T/a.json" || fail "analyze $t json"
	[ "$(json "$T/a.json" '[(d["dev"], d["events"], d["analysed"]) for d in j["analyze"]["devices"]]')" = "[('7:0', 64, True), ('8:0', 3, True)]" ] ||
		fail "$t: json devices $(json "$T/a.json" 'j["analyze"]["devices"]')"
	$SR analyze "$T/$t" --dev 7:0 --output-format json -o "$T/d.json" || fail "analyze $t --dev"
	[ "$(json "$T/d.json" '[d["analysed"] for d in j["analyze"]["devices"]]')" = "[True, False]" ] || fail "$t: --dev 7:0 not marked"
	$SR analyze "$T/$t" --dev 7:0 >"$T/d.txt" || fail "analyze $t --dev text"
	grep -q "only 7:0 analysed (--dev)" "$T/d.txt" || { cat "$T/d.txt" >&2; fail "$t: --dev not said"; }
done
ok "several devices listed with a --dev hint; --dev analyses one (blkparse text and blktrace)"

# A large tracefs text trace (over the parallel reader's 8 MiB) of two devices in runs: every event counted once,
# whichever thread parsed it
python3 - "$T/big.txt" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(240000):
        dev = "7,0" if (i // 1000) % 3 else "8,0"
        f.write("              dd-12389   [000] .....  %d.%06d: block_rq_issue: %s RS 4096 () %d + 8 be,0,4 [dd]\n"
                % (3540 + i // 1000000, i % 1000000, dev, (i % 100000) * 8))
PY
[ "$(stat -c %s "$T/big.txt")" -gt $((8 << 20)) ] || fail "big.txt is under 8 MiB"
$SR analyze "$T/big.txt" --output-format json -o "$T/b.json" || fail "analyze big.txt"
# listed in device order (8:0's events come first in the file): the threads see the devices first in an order
# that changed from run to run
[ "$(json "$T/b.json" '[(d["dev"], d["events"]) for d in j["analyze"]["devices"]]')" = \
	"[('7:0', 160000), ('8:0', 80000)]" ] || fail "big.txt: devices $(json "$T/b.json" 'j["analyze"]["devices"]')"
ok "a trace read by the parallel reader counts each device's events exactly, listed in device order"
