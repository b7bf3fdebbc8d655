#!/bin/bash
# Every kind of bad input: one line naming the file/line or flag and what was
# expected, exit status 2, and no report file written.
. "$SR_TESTLIB"

f=$T/target
$SR prep "$f" --size 8M --quiet || fail "prep"
out=$T/report.json
bad() { # bad REGEX args...: replay must refuse with exit 2 and write nothing
	local re=$1
	shift
	rm -f "$out"
	expect_exit 2 "$re" $SR replay "$@" --output "$out"
	[ ! -e "$out" ] || fail "'$*' wrote $out despite bad input"
}

printf 'offset,length\n0,4096\n4096,40x96\n' >"$T/badnum.csv"
bad "badnum.csv:3: expected .*found '40x96'" "$f" --trace "$T/badnum.csv"
printf 'offset,length\n0,4096\n4096\n' >"$T/short.csv"
bad "short.csv:3:" "$f" --trace "$T/short.csv"
printf 'offset,length\n0,99999999999999999999\n' >"$T/ovf.csv"
bad "ovf.csv:2:" "$f" --trace "$T/ovf.csv"
printf 'offset,size\n0,4096\n' >"$T/col.csv"
bad "col.csv:1: .*'size'" "$f" --trace "$T/col.csv"
printf 'fio version 9 iolog\n' >"$T/v9.iolog"
bad "v9.iolog:1:" "$f" --trace "$T/v9.iolog"
printf 'fio version 2 iolog\n/x add\n/x read 0 4096\n/x jump 0 1\n' >"$T/act.iolog"
bad "act.iolog:4:" "$f" --trace "$T/act.iolog"
head -c 3000 /dev/urandom >"$T/junk.bin"
bad "junk.bin.*format" "$f" --trace "$T/junk.bin"
bad "unknown.*format|format.*'blk'" "$f" --trace "$T/badnum.csv" --format blk
# A record past the end of the target, with and without remapping.
printf 'offset,length\n0,4096\n16777216,4096\n' >"$T/past.csv"
bad "past.csv:3: offset 16777216 .* past the end" "$f" --trace "$T/past.csv"
$SR replay "$f" --trace "$T/past.csv" --offset-map wrap --output "$out" || fail "wrap should fit it"
printf 'offset,length\n0,4096\n100,4096\n' >"$T/unal.csv"
bad "unal.csv:3: .*not aligned" "$f" --trace "$T/unal.csv" --align error
# Flags
bad "--bs: expected a size" "$f" --pattern seq --bs 4q
bad "--qd: expected an integer" "$f" --pattern seq --qd 0
bad "--engine: expected" "$f" --pattern seq --engine spdk
bad "--timing: expected" "$f" --pattern seq --timing fast
bad "unknown option '--frobnicate'" "$f" --pattern seq --frobnicate
bad "--page: expected a power of two" "$f" --pattern seq --page 3k
bad "--runtime: expected a duration" "$f" --pattern seq --runtime soon
bad "exactly one of --trace" "$f"
bad "exactly one of --trace" "$f" --pattern seq --trace "$T/past.csv"
bad "--loops 0" "$f" --pattern seq --loops 0
bad "--hipri: the target does not support polled I/O" "$f" --pattern seq --hipri
bad "--hipri needs --engine io_uring" "$f" --pattern seq --hipri --engine libaio
bad "--range .* outside" "$f" --pattern seq --range 16M:1M
bad "--range 100:4194304 is not aligned" "$f" --pattern seq --range 100:4M
# Targets
bad "no such file" "$T/missing" --pattern seq
bad "expected one TARGET" --pattern seq
bad "is a directory" "$T" --pattern seq
: >"$T/empty"
bad "empty" "$T/empty" --pattern seq
bad "[Nn]o such file" "$f" --trace "$T/nope.csv"
# prep and the command table
expect_exit 2 "--size is required" $SR prep "$T/new"
[ ! -e "$T/new" ] || fail "prep created a file despite bad input"
expect_exit 2 "not a multiple of 4 KiB" $SR prep "$T/new" --size 1000
# the same target twice (after symlinks and ./), and a target another prep holds
ln -s "$f" "$T/flink"
cp "$f" "$T/f.orig"
expect_exit 2 "prep: $T/flink is given twice \(the same file as $f\)" $SR prep "$f" "$T/flink" --size 8M --force
expect_exit 2 "prep: \./target is given twice" sh -c "cd '$T' && exec $SR prep target ./target --size 8M --force"
if command -v flock >/dev/null; then
	expect_exit 2 "$f: another ssdreplay prep is writing it \(locked\)" flock "$f" $SR prep "$f" --size 8M --force
else
	echo "note: no flock(1): the lock case not run"
fi
cmp -s "$f" "$T/f.orig" || fail "a refused prep changed $f"
expect_exit 2 "unknown command 'frob'" $SR frob
ok "all bad inputs refused with exit 2 and one line"
