#!/bin/bash
# needs: root
# Every measurement level from record: --faults (user page faults on a mapped
# file, as file offsets) against a python program that touches one page in
# each 64 KiB window of an evicted 8 MiB file in a shuffled order: the capture
# must hold exactly those pages in that order (fault-around maps at most 64
# KiB around a fault, so one fault per window). Then --file-map/--ino on a
# filemap capture of two files read whole keep one file's insertions by inode,
# the level in the header line and in analyze, and bad faults lines (exit 2,
# FILE:LINE).
. "$SR_TESTLIB"

# ---- bad input: no tracefs needed
expect_exit 2 "file goes with --faults" $SR record -o "$T/x" --file /etc/hostname -- true
expect_exit 2 "not with --all" $SR record -o "$T/x" --faults --all -- true
printf '# map add pid=1 start=0x1000 end=0x3000 off=0x0 perms=r--s dev=1:2 ino=0x5 path=/x\n' >"$T/bad1.txt"
printf 'p-1 [000] ..... 1.000000: page_fault_user: address=zz ip=0x1 error_code=0x4\n' >>"$T/bad1.txt"
expect_exit 2 "bad1.txt:2: expected address=0xADDRESS" $SR analyze "$T/bad1.txt"
printf '# map add pid=1 start=0x1000 end=0x3000 off=0x0 perms=r--s ino=0x5 path=/x\n' >"$T/bad2.txt"
expect_exit 2 "bad2.txt:1: expected start=, end=, off=, dev= and ino=" $SR analyze "$T/bad2.txt" --format faults
printf '# map add pid=1 start=0x1800 end=0x3000 off=0x0 perms=r--s dev=1:2 ino=0x5 path=/x\n' >"$T/bad3.txt"
expect_exit 2 "bad3.txt:1: expected page-aligned" $SR analyze "$T/bad3.txt" --format faults
expect_exit 2 "ino: the csv format names no file" $SR analyze "$SR_SRC/tests/fuzz/corpus/trace/csv_minimal_auto" --format csv --ino 5
expect_exit 2 "one or the other" $SR analyze "$T/bad1.txt" --file-map /etc/hostname --ino 5
[ ! -e "$T/x" ] || fail "a usage error created the output file"
ok "bad flags and faults lines: exit 2 naming FILE:LINE"

# ---- live
need_root
need_tracefs exceptions/page_fault_user
command -v python3 >/dev/null || skip "no python3"

# mk FILE MIB: random bytes, on disk and out of the page cache
mk() {
	python3 - "$1" "$2" <<'PY' || fail "cannot write $1"
import os, sys
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
for _ in range(int(sys.argv[2])):
    os.write(fd, os.urandom(1 << 20))
os.fsync(fd)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
os.close(fd)
PY
}
M=$T/model.bin
mk "$M" 8
cat >"$T/touch.py" <<'PY'
import mmap, os, random, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
size = os.fstat(fd).st_size
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
m = mmap.mmap(fd, size, prot=mmap.PROT_READ)
m.madvise(mmap.MADV_RANDOM)      # no readahead: a fault reads its page alone
time.sleep(0.2)                  # record samples the mappings every 10 ms
wins = list(range(size >> 16))
random.Random(int(sys.argv[2])).shuffle(wins)
s = 0
for w in wins:                   # one page per 64 KiB window, not always the first
    off = (w << 16) + 4096 * (w % 16)
    s += m[off]
    print(off)
sys.stdout.flush()
time.sleep(0.2)
PY
$SR record -o "$T/f.txt" --faults --file "$M" -- python3 "$T/touch.py" "$M" 7 >"$T/want.txt" 2>"$T/rec.err" ||
	fail "record --faults: $(cat "$T/rec.err")"
[ "$(wc -l <"$T/want.txt")" = 128 ] || fail "the toucher did not run"
head -1 "$T/f.txt" | grep -q '^# ssdreplay record: level=page-fault events=page_fault_user format=faults' ||
	fail "first line: $(head -1 "$T/f.txt")"
grep -q "^# map add pid=.* ino=0x$(printf %x "$(stat -c %i "$M")") path=$M\$" "$T/f.txt" || fail "no map line for $M"
$SR convert "$T/f.txt" -o "$T/f.csv" --to csv || fail "convert faults"
tail -n +2 "$T/f.csv" | cut -d, -f2,3,4 >"$T/got.txt"
sed 's/$/,4096,r/' "$T/want.txt" | cmp -s - "$T/got.txt" ||
	fail "faults: $(wc -l <"$T/got.txt") records, not the 128 touched pages in order: $(head -3 "$T/got.txt" | tr '\n' ' ')"
ok "record --faults: the 128 touched pages at their file offsets, in touch order"

$SR analyze "$T/f.txt" >"$T/a.txt" || fail "analyze faults"
grep -q "(faults, level page-fault)" "$T/a.txt" || fail "analyze header: $(head -1 "$T/a.txt")"
$SR analyze "$T/f.txt" --output-format json --output "$T/a.json" || fail "analyze json"
[ "$(json "$T/a.json" 'j["analyze"]["level"]')" = page-fault ] || fail "JSON level"
[ "$(json "$T/a.json" 'j["totals"]["read_bytes"]')" = $((128 * 4096)) ] || fail "read bytes"
$SR analyze "$T/f.txt" --file-map "$M" --output-format json --output "$T/a.json" || fail "--file-map faults"
[ "$(json "$T/a.json" 'j["totals"]["read_bytes"]')" = $((128 * 4096)) ] || fail "--file-map dropped faults"
$SR analyze "$T/f.txt" --ino 1 --output-format json --output "$T/a.json" || fail "--ino faults"
[ "$(json "$T/a.json" 'j["totals"]["records"]')" = 0 ] || fail "--ino 1 kept faults"
ok "analyze: level page-fault in text and JSON; --file-map and --ino on faults"

# ---- page-cache level: two files read whole, one kept by inode
A=$T/a.bin B=$T/b.bin
mk "$A" 3
mk "$B" 5
$SR record -o "$T/fm.txt" --filemap -- cat "$A" "$B" >/dev/null 2>"$T/rec.err" || fail "record --filemap: $(cat "$T/rec.err")"
head -1 "$T/fm.txt" | grep -q '^# ssdreplay record: level=page-cache' || fail "filemap first line"
for x in "--file-map $A:$((3 << 20))" "--file-map $B:$((5 << 20))" "--ino $(stat -c %i "$B"):$((5 << 20))"; do
	# shellcheck disable=SC2086
	$SR analyze "$T/fm.txt" ${x%:*} --output-format json --output "$T/a.json" || fail "analyze ${x%:*}"
	got=$(json "$T/a.json" 'j["totals"]["read_bytes"]')
	[ "$got" = "${x##*:}" ] || fail "filemap ${x%:*}: $got bytes, expected ${x##*:}"
	[ "$(json "$T/a.json" 'j["analyze"]["level"]')" = page-cache ] || fail "filemap level"
done
ok "filemap: --file-map FILE and --ino keep one file's page-cache insertions by inode"
