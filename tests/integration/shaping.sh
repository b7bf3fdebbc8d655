#!/bin/bash
# Request shaping end to end on real I/O: splitting to --bs, --merge, --page
# read amplification, --align expand, --offset-map wrap|scale and --range,
# checked in the JSON report, always with --verify so data lands where it
# should.
. "$SR_TESTLIB"

f=$T/target
$SR prep "$f" --size 16M --quiet || fail "prep"
M=$((1 << 20))

# replay NAME ARGS...: replay a trace into $f with --verify, JSON report in $T/NAME.json.
replay() {
	local name=$1 rc
	shift
	$SR replay "$f" --verify --output-format json --output "$T/$name.json" "$@" 2>"$T/$name.err"
	rc=$?
	[ $rc = 0 ] || { cat "$T/$name.err" >&2; fail "$name: replay $* exited $rc"; }
}

# expect NAME PYEXPR...: each expression must hold over the report of NAME, with
# r = jobs[0].read, s = jobs[0].ssdreplay, j = the whole report; python
# variables from $T/NAME.py (if present) are in scope too.
expect() {
	local name=$1
	shift
	python3 - "$T/$name.json" "$T/$name.py" "$@" <<'PY' || fail "$name: report check failed"
import json, os, sys
j = json.load(open(sys.argv[1]))
r = j["jobs"][0]["read"]
s = j["jobs"][0]["ssdreplay"]
env = {"j": j, "r": r, "s": s}
if os.path.exists(sys.argv[2]):
    exec(open(sys.argv[2]).read(), env)
bad = 0
for e in sys.argv[3:]:
    if not eval(e, env):
        print(f"expected {e}", file=sys.stderr)
        bad = 1
# always: nothing failed, everything read was verified, nothing written
for e in ('s["verify_errors"] == 0', 's["verified_bytes"] == r["io_bytes"]', 'r["errors"] == 0',
          's["partial"] is False', 'j["jobs"][0]["write"]["io_bytes"] == 0'):
    if not eval(e, env):
        print(f"expected {e}", file=sys.stderr)
        bad = 1
if bad:
    print("read:", {k: r[k] for k in ("total_ios", "io_bytes", "size_hist_le")}, file=sys.stderr)
    print("ssdreplay:", {k: s[k] for k in ("records", "requested_bytes", "split", "merged",
          "realigned", "remapped", "page_expanded", "page_extra_bytes", "amplification_ratio",
          "logical_block_size", "verified_bytes", "verify_errors")}, file=sys.stderr)
sys.exit(bad)
PY
}

# ---- split: 10 records of 1 MiB at --bs 128k --------------------------------
awk -v M=$M 'BEGIN { print "offset,length"; for (i = 0; i < 10; i++) print (3 * i % 16) * M "," M }' >"$T/big.csv"
replay split --trace "$T/big.csv" --bs 128k
expect split 'r["total_ios"] == 80' 's["split"] == 70' "r[\"io_bytes\"] == 10 * $M" \
	's["records"] == 10' 'r["size_hist_le"] == {"131072": 80}' 's["merged"] == 0' \
	's["realigned"] == 0' 's["page_expanded"] == 0' 's["remapped"] == 0' 's["amplification_ratio"] == 1.0'
ok "split: 10 x 1 MiB at --bs 128k is 80 requests of 128 KiB, split 70"

# ---- merge: 64 contiguous 4 KiB records, --merge --bs 64k -------------------
awk 'BEGIN { print "offset,length"; for (i = 0; i < 64; i++) print 1048576 + i * 4096 ",4096" }' >"$T/seq4k.csv"
replay merge --trace "$T/seq4k.csv" --merge --bs 64k
expect merge 'r["total_ios"] == 4' 's["merged"] == 60' 's["split"] == 0' 'r["io_bytes"] == 64 * 4096' \
	'r["size_hist_le"] == {"65536": 4}' 's["records"] == 64'
replay nomerge --trace "$T/seq4k.csv" --bs 64k
expect nomerge 'r["total_ios"] == 64' 's["merged"] == 0' 'r["size_hist_le"] == {"4096": 64}'
ok "merge: 64 x 4 KiB contiguous with --merge --bs 64k is 4 requests, merged 60"

# ---- page experiment: read amplification of --page 4k, 64k, 2M --------------
# 100 random 4 KiB-aligned 4 KiB records, and 100 random 4 KiB-aligned records
# of 4-128 KiB (these straddle pages and reach the end of the target).
awk 'BEGIN { srand(1); print "offset,length"
	for (i = 0; i < 100; i++) print int(rand() * 4096) * 4096 ",4096" }' >"$T/rand4k.csv"
awk 'BEGIN { srand(2); print "offset,length"
	for (i = 0; i < 100; i++) { n = 1 + int(rand() * 32); print int(rand() * (4097 - n)) * 4096 "," n * 4096 } }' \
	>"$T/randvar.csv"
[ "$(sort -u "$T/rand4k.csv" | wc -l)" -gt 90 ] || fail "awk rand() gave too few distinct offsets"
# page_model CSV PAGE: what --page PAGE must do to CSV, computed here
page_model() {
	python3 - "$1" "$2" $((16 * M)) <<'PY'
import sys
recs = [tuple(map(int, l.split(","))) for l in open(sys.argv[1]).read().split("\n")[1:] if l]
P, size = int(sys.argv[2]), int(sys.argv[3])
asked = sum(l for o, l in recs)
rounded, expanded = 0, 0
for o, l in recs:
    a, b = o // P * P, min(-(-(o + l) // P) * P, size)
    rounded += b - a
    expanded += (a, b) != (o, o + l)
# the report prints reals with 10 significant digits (JSON_REAL_PRECISION(10))
amp = float("%.10g" % (rounded / asked))
print(f"asked = {asked}\nrounded = {rounded}\nexpanded = {expanded}\namp = {amp!r}")
PY
}
for trace in rand4k randvar; do
	for page in 4096 65536 2097152; do
		name=page-$trace-$page
		page_model "$T/$trace.csv" $page >"$T/$name.py" || fail "page model"
		replay "$name" --trace "$T/$trace.csv" --page $page
		expect "$name" 's["amplification_ratio"] == amp' 'r["io_bytes"] == rounded' \
			'r["io_bytes"] / s["requested_bytes"] == rounded / asked' \
			's["requested_bytes"] == asked' 's["page_expanded"] == expanded' \
			's["page_extra_bytes"] == rounded - asked' 's["page"] == '$page \
			's["realigned"] == 0' 's["records"] == 100'
	done
	expect "page-$trace-4096" 's["amplification_ratio"] == 1.0' 's["page_expanded"] == 0'
done
expect page-rand4k-65536 's["amplification_ratio"] == 16.0' 'r["size_hist_le"] == {"65536": 100}'
ok "page: amplification at 4k/64k/2M is sum(rounded)/sum(asked), exact to the 10 digits the report prints"

# ---- --align expand: offset 100 length 1000 ---------------------------------
printf 'offset,length\n100,1000\n' >"$T/unal.csv"
replay align --trace "$T/unal.csv" --align expand
lbs=$(json "$T/align.json" 'j["jobs"][0]["ssdreplay"]["logical_block_size"]') || fail "no logical_block_size"
[ "$lbs" -gt 0 ] 2>/dev/null || fail "logical_block_size '$lbs'"
want=$(((1100 + lbs - 1) / lbs * lbs - 100 / lbs * lbs))
expect align 's["realigned"] == 1' "r[\"io_bytes\"] == $want" 'r["total_ios"] == 1' \
	's["direct"] is True' 's["requested_bytes"] == 1000'
expect_exit 2 "unal.csv:2: .*not aligned" $SR replay "$f" --trace "$T/unal.csv" --align error --verify
ok "align: 100+1000 read as $want bytes on $lbs-byte blocks; --align error refuses it"

# ---- --offset-map wrap and scale: a trace recorded on 64 MiB ----------------
awk -v M=$M 'BEGIN { srand(3); print "offset,length"
	for (i = 0; i < 60; i++) { n = 1 + int(rand() * 16); print int(rand() * (16385 - n)) * 4096 "," n * 4096 }
	print 0 ",4096"; print 16 * M - 4096 ",8192"; print 64 * M - 65536 ",65536"; print 48 * M ",4096" }' \
	>"$T/big64.csv"
# map_model CSV MODE: wrap/scale expectations (region 16 MiB, trace size 64 MiB)
map_model() {
	python3 - "$1" "$2" $((16 * M)) $((64 * M)) <<'PY'
import sys
recs = [tuple(map(int, l.split(","))) for l in open(sys.argv[1]).read().split("\n")[1:] if l]
mode, size, tsize = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
moved = 0
for o, l in recs:
    n = o
    if mode == "wrap" and o + l > size:
        n = o % size
    if mode == "scale":
        n = o * size // tsize
    if n + l > size:
        n = size - l
    moved += n != o
print(f"moved = {moved}\nbytes = {sum(l for o, l in recs)}\nbeyond = {sum(o + l > size for o, l in recs)}")
PY
}
expect_exit 2 "big64.csv:[0-9]+: .*past the end" $SR replay "$f" --trace "$T/big64.csv" --verify
for mode in wrap scale; do
	map_model "$T/big64.csv" $mode >"$T/$mode.py" || fail "map model"
	args=(--offset-map $mode)
	[ $mode = scale ] && args+=(--trace-size 64M)
	replay $mode --trace "$T/big64.csv" "${args[@]}"
	expect $mode 's["remapped"] == moved' 's["remapped"] > 0' 'r["io_bytes"] == bytes' \
		's["realigned"] == 0' 's["records"] == 64'
done
expect wrap 's["remapped"] == beyond'
# scale with the extent taken from the trace (64 MiB here, its last record ends there)
replay scale-auto --trace "$T/big64.csv" --offset-map scale
cp "$T/scale.py" "$T/scale-auto.py"
expect scale-auto 's["remapped"] == moved' 'r["io_bytes"] == bytes'
ok "offset-map: wrap and scale fit a 64 MiB trace onto 16 MiB, remapped counted, verify passes"

# ---- --range 4M:4M -----------------------------------------------------------
awk 'BEGIN { srand(4); print "offset,length"
	for (i = 0; i < 50; i++) { n = 1 + int(rand() * 8); print int(rand() * (1025 - n)) * 4096 "," n * 4096 }
	print "0,4096"; print 4194304 - 4096 ",4096" }' >"$T/r4.csv"
python3 -c 'import sys; print("bytes =", sum(int(l.split(",")[1]) for l in open(sys.argv[1]).read().split()[1:]))' \
	"$T/r4.csv" >"$T/range.py" || fail "range model"
replay range --trace "$T/r4.csv" --range 4M:4M
expect range 'r["io_bytes"] == bytes' 's["remapped"] == 0' 's["realigned"] == 0' 's["records"] == 52'
# Reads must land at 4M+off: on a copy whose bytes outside [4M, 8M) are zeroed
# (but sector 0, which carries the prep header), verify only passes there.
g=$T/holes
cp "$f" "$g" || fail "cp"
dd if=/dev/zero of="$g" bs=512 seek=1 count=$((4 * 2048 - 1)) conv=notrunc status=none || fail "dd"
dd if=/dev/zero of="$g" bs=1M seek=8 count=8 conv=notrunc status=none || fail "dd"
$SR replay "$g" --trace "$T/r4.csv" --range 4M:4M --verify --output "$T/holes.txt" 2>"$T/holes.err" ||
	{ cat "$T/holes.err" >&2; fail "--range 4M:4M did not read inside [4M, 8M)"; }
# ...and the holes are seen: without --range the read of offset 4096 fails verify
printf 'offset,length\n4096,4096\n' >"$T/low.csv"
expect_exit 1 "verify failed: .* at offset 4096" $SR replay "$g" --trace "$T/low.csv" --verify --output "$T/holes.txt"
# a record at 4M+ is outside LEN
printf 'offset,length\n0,4096\n4194304,4096\n' >"$T/r4past.csv"
expect_exit 2 "r4past.csv:3: .*past the end" $SR replay "$f" --trace "$T/r4past.csv" --range 4M:4M --verify
ok "range 4M:4M: reads land at 4M+off, a record at 4M is refused"

# The last two checks report and carry on, so one failing does not hide the other.
failed=0
soft_fail() { echo "FAIL: $*" >&2; failed=1; }

# ---- skipped ops do not count as asked bytes --------------------------------
# Amplification is bytes issued / bytes asked; a trim (never issued) or an
# unissued write must not dilute it: reads only, no rounding, so it is 1.0.
awk 'BEGIN { print "offset,length,op"; for (i = 0; i < 8; i++) print i * 8192 ",4096,read"
	print "65536,1048576,trim"; print "0,0,sync"; print "131072,65536,write" }' >"$T/mixed.csv"
replay mixed --trace "$T/mixed.csv" --page 4k
if ! (expect mixed 'r["io_bytes"] == 8 * 4096' 's["skipped_other"] == 2' 's["skipped_writes"] == 1' \
	's["amplification_ratio"] == 1.0'); then # a subshell: expect's fail ends only it
	soft_fail "amplification with a skipped trim is not 1.0 (the trim's bytes count as asked)"
else
	ok "skipped trims and writes leave amplification at 1.0"
fi

# ---- a verify failure ends the run promptly --------------------------------
# The same misplaced replay with many requests in flight: the failure must be
# reported at once, not after drain()'s 30 s deadline (every completion reaped
# together with the failing one has to be accounted for).
start=$(date +%s%N)
timeout -s KILL 8 $SR replay "$g" --trace "$T/r4.csv" --verify --output "$T/holes.txt" 2>"$T/late.err"
rc=$?
secs=$((($(date +%s%N) - start) / 1000000000))
if [ $rc = 124 ] || [ $rc = 137 ]; then
	soft_fail "a verify failure with requests in flight did not exit within 8 s (killed; still draining)"
elif [ $rc != 1 ] || ! grep -q "verify failed" "$T/late.err"; then
	cat "$T/late.err" >&2
	soft_fail "misplaced replay exited $rc, expected 1 with a verify failure"
elif [ $secs -ge 5 ]; then
	soft_fail "a verify failure with requests in flight took ${secs}s to exit"
else
	ok "a verify failure with requests in flight exits at once"
fi
[ $failed = 0 ] || exit 1
