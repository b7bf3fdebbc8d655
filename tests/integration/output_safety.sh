#!/bin/bash
# Issue 15 rows 1, 2, 5, 6, 16: every output goes through base/outfile.
# - a device node, FIFO or /dev/stdout is written through, never renamed over
# - a report that cannot be written (/dev/full, closed stdout) is exit 1
# - a bad output path is exit 2 before any I/O
# - a full file system leaves the old file intact and no temp file
# - prep --size larger than the file system is exit 2, nothing created
# - replay sizes slots to the requests; threads x qd x bs over memory is exit 2
# needs: root
. "$SR_TESTLIB"
need_root

F=$T/target
$SR prep "$F" --size 8M --quiet || fail "prep"
printf 'offset,length,op,time_ns\n0,4096,R,0\n4096,4096,R,1000\n' >"$T/in.csv"

# 1: a character device named by -o stays one (convert, replay, synth, analyze)
mknod "$T/nd" c 1 3 || skip "cannot mknod"
for cmd in "convert $T/in.csv --to csv -o $T/nd" "replay $F --pattern seq --engine null --size 64k -o $T/nd" \
	"synth --profile tiny-llama --tokens 1 -o $T/nd" "analyze $T/in.csv -o $T/nd"; do
	$SR $cmd >/dev/null 2>"$T/err" || { cat "$T/err" >&2; fail "$cmd: exit $?"; }
	[ -c "$T/nd" ] || fail "$cmd: the device node was replaced by $(stat -c %F "$T/nd")"
done
expect_exit 2 'nd: not a regular file: --write-gguf writes a regular file' \
	$SR synth --profile tiny-llama --write-gguf "$T/nd"
[ -c "$T/nd" ] || fail "--write-gguf replaced the device node"
ls "$T"/nd.tmp* 2>/dev/null && fail "a temp file was left beside the device node"
# a FIFO is written through: the reader gets the CSV
mkfifo "$T/fifo"
cat "$T/fifo" >"$T/fifo.out" &
$SR convert "$T/in.csv" --to csv -o "$T/fifo" || fail "convert to a FIFO"
wait
[ -p "$T/fifo" ] || fail "the FIFO was replaced"
grep -q '^1000,4096,4096,r' "$T/fifo.out" || fail "the FIFO's reader did not get the CSV"
# /dev/stdout when stdout is a file: the file gets the report, /dev/stdout stays a link
$SR convert "$T/in.csv" --to csv -o /dev/stdout >"$T/so.csv" || fail "convert -o /dev/stdout"
grep -q '^1000,4096,4096,r' "$T/so.csv" || fail "-o /dev/stdout: the report did not reach stdout"
[ -L /dev/stdout ] || fail "/dev/stdout is no longer a symlink"
# a symlink to a regular file stays a symlink; the file it names is replaced
echo old >"$T/real.csv"
ln -s real.csv "$T/link.csv"
$SR convert "$T/in.csv" --to csv -o "$T/link.csv" || fail "convert -o symlink"
[ -L "$T/link.csv" ] && grep -q '^1000,' "$T/real.csv" || fail "-o through a symlink: link replaced or target not written"
ok "device node, FIFO, /dev/stdout and symlinks written through, never renamed over"

# 5: a report that cannot be written is exit 1, for every command
for cmd in "replay $F --pattern seq --engine null --size 64k" "simulate --profile tiny-llama $F --engine null --tokens 1" \
	"sweep $F --engine null --qd 1 --bs 4k --runtime 0.05" "devices" "analyze $T/in.csv" "synth --profile tiny-llama --info"; do
	$SR $cmd >/dev/full 2>"$T/err"
	got=$?
	[ $got = 1 ] || { cat "$T/err" >&2; fail "$cmd >/dev/full: exit $got, expected 1"; }
	grep -q 'stdout' "$T/err" || fail "$cmd >/dev/full: no error names stdout"
	$SR $cmd >&- 2>"$T/err"
	got=$?
	[ $got = 1 ] || { cat "$T/err" >&2; fail "$cmd with stdout closed: exit $got, expected 1"; }
done
ok "reports to /dev/full or a closed stdout: exit 1"

# 6: output paths checked before any I/O: exit 2 at once, not after --runtime
start=$(date +%s)
expect_exit 2 'x\.json: cannot write there' $SR replay $F --pattern seq --engine psync --loops 0 --runtime 30 -o /nonexistent/x.json
expect_exit 2 'x\.csv: cannot write there' $SR replay $F --pattern seq --engine psync --loops 0 --runtime 30 --timeline /nonexistent/x.csv
expect_exit 2 'a directory: expected a regular file' $SR simulate --profile tiny-llama $F --engine null -o "$T"
expect_exit 2 'x\.txt: cannot write there' $SR analyze "$T/in.csv" -o /nonexistent/x.txt
[ $(($(date +%s) - start)) -lt 25 ] || fail "a bad output path was found only after the run"
ok "bad output paths: exit 2 before any I/O"

# 16: a full file system leaves the old output intact and no temp file
mkdir "$T/small"
mount -t tmpfs -o size=256k tmpfs "$T/small" || skip "cannot mount a tmpfs"
SR_LOOPS+=("$T/small") # unmounted by the cleanup
python3 -c "
print('offset,length')
for i in range(40000): print('%d,4096' % (i * 4096))" >"$T/many.csv"
echo keep >"$T/small/out.csv"
expect_exit 1 'out\.csv: (write failed|cannot write: No space left on device)' $SR convert "$T/many.csv" --to csv -o "$T/small/out.csv"
[ "$(cat "$T/small/out.csv")" = keep ] || fail "convert on a full fs: the old output was lost"
echo keep >"$T/small/rep.json"
dd if=/dev/zero of="$T/small/fill" bs=4k 2>/dev/null # fill the rest
expect_exit 1 'rep\.json: cannot write' $SR replay $F --pattern seq --engine null --size 64k --output-format json -o "$T/small/rep.json"
[ "$(cat "$T/small/rep.json")" = keep ] || fail "replay -o on a full fs: the old report was lost (0 bytes or partial)"
[ -z "$(ls "$T/small" | grep tmp)" ] || fail "temp files left on the full fs: $(ls "$T/small")"
rm -f "$T/small/fill"
# prep larger than the file system: exit 2 before anything is created
expect_exit 2 'x: --size 1.00 PiB is more than the .* free on its file system' $SR prep "$T/small/x" --size 1P
[ ! -e "$T/small/x" ] || fail "prep --size 1P left a file"
expect_exit 2 'more than the .* free' $SR prep "$T/small/x" --size 1M
[ ! -e "$T/small/x" ] || fail "prep --size 1M on a 256k fs left a file"
# --write-gguf: a unique temp name per run, none left after a stop
$SR synth --profile tiny-llama --write-gguf "$T/m.gguf" || fail "write-gguf"
[ -z "$(ls "$T" | grep 'm\.gguf\.')" ] || fail "write-gguf left a temp file"
ok "full fs: old outputs intact, no temp files; prep beyond the fs refused"

# 2: slots sized to the requests: 16 requests get 16 threads x 1 slot of 4k
$SR replay $F --pattern seq --engine null --size 64k --threads 1024 --qd 32768 --output-format json -o "$T/r.json" ||
	fail "replay --threads 1024 --qd 32768 on 16 requests"
q="j['jobs'][0]['ssdreplay']"
[ "$(json "$T/r.json" "$q['qd'], $q['threads_per_target']")" = "(1, 16)" ] ||
	fail "slots not cut to the 16 requests: qd, threads $(json "$T/r.json" "$q['qd'], $q['threads_per_target']")"
expect_exit 2 'buffers need 32.00 TiB, more than the .* of memory available' \
	$SR replay $F --pattern seq --engine null --threads 1024 --qd 32768 --bs 1M --loops 0 --runtime 1
expect_exit 2 'buffers need 32.00 TiB, more than' $SR sweep $F --engine null --threads 1024 --qd 32768 --bs 1m --runtime 0.1
ok "replay/sweep buffers: sized to the requests, refused beyond available memory"
