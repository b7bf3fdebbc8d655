#!/bin/bash
# analyze and convert --progress (issue #18): a progress line on stderr with
# the % of the trace read that only grows and ends at 100%, for plain, .gz
# and .zst traces (the parallel CSV reader, the sequential blktrace reader,
# convert's two passes over a block trace); bytes read without a % from a
# pipe; the report and output files the same as without it; nothing on a
# stderr that is not a terminal without --progress.
source "$SR_TESTLIB"

# ~12 MiB: the parallel reader (over 8 MiB), 256 KiB blocks
awk 'BEGIN { print "time_ns,offset,length,op"; for (i = 0; i < 400000; i++) printf "%d,%d,131072,r\n", i * 1000, (i % 65536) * 131072 }' >"$T/t.csv"
python3 - "$T/t.blk" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    for i in range(60000):  # Q and D of 30000 requests, ~2.9 MB: several 1 MiB reads
        act = (0x1 if i % 2 == 0 else 0x7) | (1 << 16)  # queue / issue, read
        f.write(struct.pack("<IIQQIIIIIHH", 0x65617407, i, 1000 * i, 8 * (i // 2), 4096, act, 1, 8 << 20, 0, 0, 0))
PY

# check_pct ERRFILE WHAT: the reading's % lines grow and end at 100.0%, and
# the line ends with a newline; "decompressing" lines (when there) too.
check_pct() {
	local err=$1 what=$2 kind sel
	[ "$(tail -c1 "$err" | od -An -c | tr -d ' ')" = '\n' ] || fail "$what: the progress line does not end with a newline"
	for kind in read decompressing; do
		if [ $kind = read ]; then sel='-v'; else sel=''; fi
		tr '\r' '\n' <"$err" | grep '%' | grep $sel -e decompressing | grep -oE '[0-9]+\.[0-9]%' | tr -d % >"$T/pct" || true
		if [ $kind = decompressing ] && [ ! -s "$T/pct" ]; then
			continue
		fi
		[ "$(wc -l <"$T/pct")" -ge 2 ] || { cat -A "$err" >&2; fail "$what: expected progress lines with a % ($kind), found: $(cat "$T/pct")"; }
		[ "$(tail -1 "$T/pct")" = 100.0 ] || { cat -A "$err" >&2; fail "$what: $kind progress ends at $(tail -1 "$T/pct")%, not 100.0%"; }
		sort -g -c "$T/pct" || { cat -A "$err" >&2; fail "$what: $kind progress went back"; }
	done
}

zs=""
if command -v gzip >/dev/null; then
	gzip -1 -k "$T/t.csv"
	"$SR" --version | grep -q "zlib:yes" && zs="$zs .gz"
fi
if command -v zstd >/dev/null && "$SR" --version | grep -q "zstd:yes"; then
	zstd -q -1 "$T/t.csv" -o "$T/t.csv.zst"
	zs="$zs .zst"
fi

for c in "" $zs; do
	$SR analyze "$T/t.csv$c" >"$T/a0$c" 2>"$T/e0$c" || fail "analyze t.csv$c"
	[ ! -s "$T/e0$c" ] || { cat "$T/e0$c" >&2; fail "analyze t.csv$c: stderr not a terminal, no --progress: expected nothing on it"; }
	$SR analyze --progress "$T/t.csv$c" >"$T/a1$c" 2>"$T/e1$c" || fail "analyze --progress t.csv$c"
	cmp -s "$T/a0$c" "$T/a1$c" || fail "analyze t.csv$c: --progress changed the report"
	check_pct "$T/e1$c" "analyze t.csv$c"
	if [ -n "$c" ]; then
		grep -q decompressing "$T/e1$c" || fail "analyze t.csv$c: no decompressing line"
	fi
	$SR convert "$T/t.csv$c" --to fio-iolog -o "$T/c0$c.log" || fail "convert t.csv$c"
	$SR convert --progress "$T/t.csv$c" --to fio-iolog -o "$T/c1$c.log" 2>"$T/ce$c" || fail "convert --progress t.csv$c"
	cmp -s "$T/c0$c.log" "$T/c1$c.log" || fail "convert t.csv$c: --progress changed the output"
	check_pct "$T/ce$c" "convert t.csv$c"
	ok "analyze and convert --progress of t.csv$c"
done

# a binary block trace, sequential reader; convert pairs Q/D in a first pass, then writes
$SR analyze --progress --output-format json "$T/t.blk" >"$T/b1" 2>"$T/be1" || fail "analyze t.blk"
$SR analyze --output-format json "$T/t.blk" >"$T/b0" || fail "analyze t.blk"
cmp -s "$T/b0" "$T/b1" || fail "analyze t.blk: --progress changed the report"
check_pct "$T/be1" "analyze t.blk"
$SR convert "$T/t.blk" --to blkparse -o "$T/b0.txt" || fail "convert t.blk"
$SR convert --progress "$T/t.blk" --to blkparse -o "$T/b1.txt" 2>"$T/bce" || fail "convert --progress t.blk"
cmp -s "$T/b0.txt" "$T/b1.txt" || fail "convert t.blk: --progress changed the output"
check_pct "$T/bce" "convert t.blk (two passes)"
ok "blktrace: analyze and two-pass convert"

# a pipe has no size: bytes read, never a %
cat "$T/t.csv" | $SR analyze --progress - >"$T/p1" 2>"$T/pe" || fail "analyze of a pipe"
cat "$T/t.csv" | $SR analyze - >"$T/p0" || fail "analyze of a pipe"
cmp -s "$T/p0" "$T/p1" || fail "analyze of a pipe: --progress changed the report"
grep -q "MiB read" "$T/pe" || { cat -A "$T/pe" >&2; fail "analyze of a pipe: no bytes-read line"; }
! grep -q '%' "$T/pe" || { cat -A "$T/pe" >&2; fail "analyze of a pipe: a % with no size known"; }
cat "$T/t.csv" | $SR convert --progress - --to csv -o "$T/pc.csv" 2>"$T/pce" || fail "convert of a pipe"
! grep -q '%' "$T/pce" || { cat -A "$T/pce" >&2; fail "convert of a pipe: a % with no size known"; }
# a file redirected to stdin has one
$SR analyze --progress - <"$T/t.csv" >/dev/null 2>"$T/re" || fail "analyze < file"
check_pct "$T/re" "analyze < file"
ok "pipes: bytes without a %"

# a bad line halfway (the parallel reader): the line ends where it was (not
# at 100%), then the one-line error on a line of its own
{ head -200000 "$T/t.csv"; echo "1,2,3,x"; tail -200000 "$T/t.csv"; } >"$T/bad.csv"
$SR analyze --progress "$T/bad.csv" >/dev/null 2>"$T/err"
[ $? = 2 ] || { cat "$T/err" >&2; fail "analyze of a bad trace: expected exit 2"; }
tr '\r' '\n' <"$T/err" | grep -q '%' || { cat -A "$T/err" >&2; fail "analyze of a bad trace: no progress line"; }
tr '\r' '\n' <"$T/err" | grep -q '100.0%' && { cat -A "$T/err" >&2; fail "a failed read shows 100%"; }
[ "$(tail -1 "$T/err" | grep -c '^ssdreplay: .*bad.csv:200001: ')" = 1 ] || { cat -A "$T/err" >&2; fail "the error is not on a line of its own"; }
ok "a bad trace: the line ends where it was, then the error"
