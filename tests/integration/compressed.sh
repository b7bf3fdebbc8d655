#!/bin/bash
# .gz and .zst traces are read directly by every trace-reading command
# (analyze, replay, convert, simulate, sweep), text and binary (blktrace)
# formats alike, with the same results as the plain file; corrupt or cut
# compressed data is one-line bad input.
source "$SR_TESTLIB"
command -v gzip >/dev/null && command -v zstd >/dev/null || skip "needs gzip and zstd"
"$SR" --version | grep -q "zlib:yes zstd:yes" || skip "this build lacks zlib or libzstd"

f=$T/target
$SR prep "$f" --size 8M --quiet || fail "prep"
python3 - "$T/t.csv" <<'PY'
import random, sys
r = random.Random(7)
with open(sys.argv[1], "w") as f:
    f.write("offset,length,op\n")
    for i in range(3000):
        f.write("%d,%d,r\n" % (r.randrange(0, 2000) * 4096, 4096 * r.choice((1, 2, 4))))
PY
gzip -k "$T/t.csv"
zstd -q "$T/t.csv" -o "$T/t.csv.zst"
# a binary trace: blktrace records from convert's blkparse text is not binary; build one by hand
python3 - "$T/t.blk" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    for i in range(500):
        # magic|version, seq, time, sector, bytes, action (D | read), pid, device, cpu, error, pdu_len
        f.write(struct.pack("<IIQQIIIIIHH", 0x65617407, i, 1000 * i, 8 * (i % 400), 4096, 0x00010001 | (4 << 16) | 0x0007, 1, 8 << 20, 0, 0, 0))
PY
gzip -k "$T/t.blk"
zstd -q "$T/t.blk" -o "$T/t.blk.zst"

for c in "" .gz .zst; do
	$SR analyze "$T/t.csv$c" --output-format json -o "$T/an$c.json" || fail "analyze t.csv$c"
	$SR replay "$f" --trace "$T/t.csv$c" --loops 2 --engine psync --output-format json -o "$T/re$c.json" || fail "replay t.csv$c"
	$SR convert "$T/t.csv$c" --to fio-iolog -o "$T/cv$c.iolog" || fail "convert t.csv$c"
	$SR simulate --trace "$T/t.csv$c" "$f" --engine null --mem 1M --policy lru --output-format json -o "$T/si$c.json" ||
		fail "simulate t.csv$c"
	$SR sweep "$f" --trace "$T/t.csv$c" --bs 64k --qd 2 --engine null --runtime 100ms --output-format json >"$T/sw$c.json" ||
		fail "sweep t.csv$c"
	$SR analyze "$T/t.blk$c" --format blktrace --output-format json -o "$T/bk$c.json" || fail "analyze t.blk$c"
done
for c in .gz .zst; do
	for k in unique totals coverage; do
		[ "$(json "$T/an.json" "j['$k']")" = "$(json "$T/an$c.json" "j['$k']")" ] || fail "analyze $k differs for $c"
	done
	[ "$(json "$T/bk.json" "j['totals']")" = "$(json "$T/bk$c.json" "j['totals']")" ] || fail "blktrace$c totals differ"
	[ "$(json "$T/re$c.json" 'j["jobs"][0]["read"]["total_ios"]')" = "$(json "$T/re.json" 'j["jobs"][0]["read"]["total_ios"]')" ] ||
		fail "replay --loops 2 of $c read another number of requests"
	cmp -s "$T/cv.iolog" "$T/cv$c.iolog" || fail "convert of $c differs"
	[ "$(json "$T/sw$c.json" 'len(j["points"])')" = 1 ] || fail "sweep of $c has no point"
done
[ "$(json "$T/re.json" 'j["jobs"][0]["read"]["total_ios"]')" = 6000 ] || fail "replay read $(json "$T/re.json" 'j["jobs"][0]["read"]["total_ios"]') requests, expected 6000"
ok "analyze, replay (2 loops), convert, simulate, sweep read .gz and .zst as the plain trace; blktrace too"

head -c 100 "$T/t.csv.gz" >"$T/cut.csv.gz"
expect_exit 2 "cut.csv.gz: gzip data: unexpected end of file" $SR analyze "$T/cut.csv.gz"
head -c 100 "$T/t.csv.zst" >"$T/cut.csv.zst"
expect_exit 2 "cut.csv.zst@100: truncated zstd frame" $SR analyze "$T/cut.csv.zst"
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 2] ^= 0xff; open(sys.argv[2], "wb").write(b)' \
	"$T/t.csv.zst" "$T/bad.csv.zst"
expect_exit 2 "bad.csv.zst@[0-9]+: zstd data: " $SR replay "$f" --trace "$T/bad.csv.zst"
ok "cut and corrupt compressed traces: one line, exit 2"
