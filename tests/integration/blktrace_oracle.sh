#!/bin/bash
# blkparse is the oracle for the blktrace reader: per-CPU v7 files written
# here (with notes, messages, queue/issue/complete events, discards and
# flushes) are parsed by blkparse and replayed by ssdreplay; the events kept,
# their bytes, their mix and their offsets (through --page amplification)
# must agree, for --event, --ops, --pid, --comm and --dev, from the DEV name,
# DEV.blktrace and the directory.
. "$SR_TESTLIB"

command -v blkparse >/dev/null || skip "no blkparse"
command -v python3 >/dev/null || skip "no python3"

f=$T/target
$SR prep "$f" --size 16M --quiet || fail "prep"
bt=$T/bt
mkdir "$bt"

# sda: 3 CPUs, sdb (8,16): 2 CPUs. Requests land on a random CPU, complete on
# another; some are merged (Q, M: no D), the last are not complete (no C);
# sequence numbers count per CPU in time order, as blktrace's do.
python3 - "$bt" <<'PY' || fail "writing the fixtures"
import random, struct, sys
MAGIC = 0x65617407
FS, QUEUE, ISSUE, COMPLETE, NOTIFY = 1 << 8, 1 << 4, 1 << 6, 1 << 7, 1 << 10
READ, WRITE, FLUSH, SYNC, DISCARD = 1, 2, 4, 8, 1 << 13

def act(ev, cat):
    return ev | (cat << 16)

def gen(out, name, major, minor, ncpu, nreq, seed):
    rnd = random.Random(seed)
    dev = major << 20 | minor
    recs = [[] for _ in range(ncpu)]

    def add(cpu, t, sector, nbytes, action, pid, pdu=b''):
        recs[cpu].append((t, len(recs[cpu]), sector, nbytes, action, pid, pdu))

    for c in range(ncpu):
        for pid, comm in ((100, b'fio'), (200, b'dd'), (300, b'kworker/0:1')):
            add(c, c, 0, 0, act(0, NOTIFY), pid, comm.ljust(16, b'\0'))
        add(c, 5, 0, 0, act(2, NOTIFY), 0, b'a message from the test\0')
    t = 1000
    for i in range(nreq):
        t += rnd.randrange(1, 5000)
        c = rnd.randrange(ncpu)
        kind = rnd.choice('rrrrwwwdf')
        pid = rnd.choice((100, 200, 300))
        nsec = rnd.choice((1, 3, 8, 8, 8, 16, 64, 255, 256, 2048))
        sector = rnd.randrange(0, 32768 - nsec)
        rw = {'r': READ, 'w': WRITE | SYNC, 'd': WRITE | DISCARD, 'f': WRITE | FLUSH | SYNC}[kind]
        if kind == 'f':
            sector, nsec = 0, 0
        add(c, t, sector, nsec * 512, act(1, QUEUE | rw), pid)
        if kind != 'f' and rnd.random() < 0.1:
            # a bio merged into a request: queued, never issued on its own
            add(c, t + 2, sector, nsec * 512, act(2, QUEUE | rw), pid)
            continue
        add(c, t + 3, sector, nsec * 512, act(4, QUEUE | rw), pid)
        add(c, t + 7, sector, nsec * 512, act(7, ISSUE | FS | rw), pid)
        if i < nreq - 20:  # the last ones are still in flight when tracing stops
            add(rnd.randrange(ncpu), t + 900 + rnd.randrange(100), sector, nsec * 512,
                act(8, COMPLETE | FS | rw), 0)
    for c in range(ncpu):
        with open('%s/%s.blktrace.%d' % (out, name, c), 'wb') as fh:
            for seq, (t, _, sector, nbytes, action, pid, pdu) in enumerate(sorted(recs[c])):
                fh.write(struct.pack('<IIQQIIIIIHH', MAGIC, seq + 1, t, sector, nbytes, action,
                                     pid, dev, c, 0, len(pdu)) + pdu)

gen(sys.argv[1], 'sda', 8, 0, 3, 700, 1)
gen(sys.argv[1], 'sdb', 8, 16, 2, 300, 2)
PY

for d in sda sdb; do
	blkparse -q -i "$d" -D "$bt" -f 'EV %a %d %S %N %p %M:%m\n' -o "$T/$d.txt" >/dev/null 2>&1 ||
		fail "blkparse -i $d"
	grep -q '^EV D' "$T/$d.txt" || fail "blkparse printed no D events for $d"
done

# expect "FILTERS" DEVS...: what the replay report must say, from blkparse's
# events. FILTERS: space-separated ev=D|Q|C rw=r|w pid=N page=BYTES.
expect() {
	python3 - "$T" "$@" <<'PY'
import sys
tmp, filters, devs = sys.argv[1], dict(a.split('=') for a in sys.argv[2].split()), sys.argv[3:]
ev, rw, pid = filters.get('ev', 'D'), filters.get('rw'), filters.get('pid')
page = int(filters.get('page', 0))
n = rbytes = writes = wbytes = other = extra = 0
for d in devs:
    for line in open('%s/%s.txt' % (tmp, d)):
        f = line.split()
        if len(f) != 7 or f[0] != 'EV' or f[1] != ev:
            continue
        rwbs, sector, nbytes = f[2], int(f[3]), int(f[4])
        op = 'd' if 'D' in rwbs else 's' if not nbytes else 'w' if 'W' in rwbs else 'r'
        if (rw and op != rw) or (pid and f[5] != pid):
            continue
        n += 1
        rbytes += nbytes if op == 'r' else 0
        writes += op == 'w'
        wbytes += nbytes if op == 'w' else 0
        other += op in 'ds'
        if op == 'r' and page:
            off = sector * 512
            lo, hi = off // page * page, min(-(-(off + nbytes) // page) * page, 16 << 20)
            extra += hi - lo - nbytes
print(n, rbytes, writes, wbytes, other, extra)
PY
}

# got [replay flags]: the same numbers from a replay's JSON report (writes are
# skipped without --allow-write: requested_bytes is what the reads ask for).
got() {
	$SR replay "$f" --output-format json --output "$T/r.json" "$@" >"$T/replay.out" 2>&1 ||
		{ cat "$T/replay.out" >&2; fail "replay $*"; }
	json "$T/r.json" '" ".join(str(j["jobs"][0]["ssdreplay"][k]) for k in ("records", "requested_bytes", "skipped_writes", "skipped_write_bytes", "skipped_other", "page_extra_bytes"))'
}

# check "FILTERS" "DEVS" [replay flags]
check() {
	local want have
	want=$(expect "$1" $2) || fail "oracle for '$1' $2"
	shift 2
	have=$(got "$@")
	[ "$want" = "$have" ] || fail "$*: blkparse says '$want' (records read-bytes writes write-bytes other page-extra), ssdreplay '$have'"
	[ "${want%% *}" -gt 0 ] || fail "$*: the oracle kept no events"
	echo "  $* -> $have"
}

check "" sda --trace "$bt/sda" --format blktrace
check "" sda --trace "$bt/sda"
check "" sda --trace "$bt/sda.blktrace"
[ "$(json "$T/r.json" 'j["jobs"][0]["ssdreplay"]["format"]')" = blktrace ] || fail "auto did not say blktrace"
check "page=4096" sda --trace "$bt/sda" --page 4k
check "page=65536" sda --trace "$bt/sda" --page 64k
check "ev=Q" sda --trace "$bt/sda" --event Q
check "ev=C" sda --trace "$bt/sda" --event C
check "rw=r" sda --trace "$bt/sda" --ops r
check "rw=w" sda --trace "$bt/sda" --ops w
check "pid=200" sda --trace "$bt/sda" --pid 200
check "pid=200" sda --trace "$bt/sda" --comm dd
check "pid=300 ev=Q page=4096" sda --trace "$bt/sda" --comm kworker/0:1 --event Q --page 4k
check "" "sda sdb" --trace "$bt"
check "" "sda sdb" --trace "$bt/" --format blktrace
check "" sdb --trace "$bt" --dev 8:16
check "rw=r page=4096" sda --trace "$bt" --dev 8:0 --ops r --page 4k
ok "blkparse and ssdreplay agree on D/Q/C events, bytes, ops, offsets and filters"

# Bad input names the per-CPU file and the byte offset.
head -c 1000 "$bt/sda.blktrace.1" >"$T/cut.blktrace.0"
expect_exit 2 "cut.blktrace.0@[0-9]+: truncated record: expected 48 bytes, found [0-9]+" \
	$SR replay "$f" --trace "$T/cut" --output "$T/r.json"
printf 'JUNKJUNKJUNKJUNKJUNKJUNKJUNKJUNKJUNKJUNKJUNKJUNK' >"$T/junk.blktrace.0"
expect_exit 2 "junk.blktrace.0@0: expected blktrace magic 0x65617407, found 0x4b4e554a" \
	$SR replay "$f" --trace "$T/junk.blktrace" --output "$T/r.json"
ok "bad blktrace input is refused with FILE@OFFSET"
