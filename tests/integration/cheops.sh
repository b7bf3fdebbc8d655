#!/bin/bash
# cheops: Fig. 2 (async O_DIRECT and buffered tensor store/load) and the
# offloading request sizes on a scratch file, beside the published figures
# from profiles/reference/cheops25.ini; the scratch file is made fresh and
# removed; bad reference files and targets refused with exit 2; a CHEOPS
# bpftrace CSV replays directly. Last, with root, a loop device is only read
# (no sector written) unless --allow-write names it.
. "$SR_TESTLIB"

mkdir "$T/d"
$SR cheops "$T/d" --max-size 4M --runtime 0.2s --output-format json --output "$T/c.json" || fail "cheops"
[ -z "$(ls -A "$T/d")" ] || fail "scratch file left behind: $(ls "$T/d")"
j=$T/c.json
[ "$(json "$j" '[r["size_bytes"] for r in j["fig2"]]')" = "[1048576, 2097152, 4194304]" ] || fail "fig2 sizes"
[ "$(json "$j" 'all(r[p]["bw_Bps"] > 0 for r in j["fig2"] for p in ("aio_load", "aio_store", "python_load", "python_store"))')" = True ] ||
	fail "a path measured nothing"
# Published figures come from the reference file, and ratios are here / published.
[ "$(json "$j" '[j["fig2"][0][p]["paper_Bps"] for p in ("aio_load", "python_load", "aio_store", "python_store")]')" = "[3200000000, 2630000000, 910000000, 630000000]" ] ||
	fail "1 MB published row"
[ "$(json "$j" '[j["fig2"][2][p]["paper_Bps"] for p in ("aio_load", "python_load", "aio_store", "python_store")]')" = "[4950000000, 2620000000, 4080000000, 1080000000]" ] ||
	fail "4 MB published row"
[ "$(json "$j" 'all(abs(r[p]["ratio"] - r[p]["bw_Bps"] / r[p]["paper_Bps"]) < 1e-6 for r in j["fig2"] for p in ("aio_load", "aio_store"))')" = True ] ||
	fail "ratios"
[ "$(json "$j" '[(o["bs"], o["engine"], o["qd"], o["threads"], o.get("paper_Bps")) for o in j["offload"]["patterns"]]')" = \
	"[(1048576, 'libaio', 32, 1, None), (131072, 'libaio', 8, 1, 5261334938), (32768, 'psync', 4, 4, 2791728742)]" ] ||
	fail "offload patterns: $(json "$j" 'j["offload"]')"
[ "$(json "$j" 'all(o["bw_Bps"] > 0 for o in j["offload"]["patterns"]) and j["offload"]["extent_bytes"] == 4194304')" = True ] ||
	fail "offload bandwidth"
ok "fig2 1..4 MiB and offload patterns, beside the published rows"

$SR cheops "$T/d" --max-size 2M --runtime 0.1s --engine io_uring >"$T/c.txt" || fail "cheops text"
$SR cheops "$T/d" --only offload --max-size 2M --runtime 0.1s --spec seq_read=1000MB/s --output-format json >"$T/s.json" ||
	fail "cheops --spec"
[ "$(json "$T/s.json" 'j["fig2"] == [] and all(abs(o["spec_pct"] - o["bw_Bps"] / 1e7) < 1e-6 * o["spec_pct"] for o in j["offload"]["patterns"])')" = True ] ||
	fail "--only offload --spec: $(json "$T/s.json" 'j["offload"]')"
grep -q "^Fig. 2" "$T/c.txt" && grep -q "DeepSpeed-like" "$T/c.txt" && grep -q "FlexGen-like" "$T/c.txt" || fail "text report"
ok "text report"

# --progress: one line on stderr with the overall % and ETA and the stage
# running, once the run passes 2 s (3 offload patterns of 1 s), ending at
# 100%; the report is the same with and without it (measured figures and the
# scratch file's pid masked), nothing on stdout; without --progress and no
# terminal, no progress line.
mask() { sed -E 's/[0-9]+(\.[0-9]+)?/N/g; s/ +/ /g' "$1"; } # a figure's width moves the padding
$SR cheops "$T/d" --max-size 2M --runtime 1s --progress -o "$T/p.txt" >"$T/p.out" 2>"$T/p.err" || fail "cheops --progress"
tr '\r' '\n' <"$T/p.err" | grep -Eq '^\[ *[0-9.]+s\] +[0-9.]+% +eta +[0-9]+s +cheops: ' || fail "no progress line: $(cat "$T/p.err")"
tr '\r' '\n' <"$T/p.err" | grep -v '^$' | tail -1 | grep -Eq ' 100\.0% +eta +0s' || fail "progress does not end at 100%: $(cat "$T/p.err")"
$SR cheops "$T/d" --max-size 2M --runtime 1s -o "$T/n.txt" >"$T/n.out" 2>"$T/n.err" || fail "cheops without --progress"
grep -q 'eta' "$T/n.err" && fail "a progress line without --progress on a pipe: $(cat "$T/n.err")"
[ -s "$T/p.out" ] || [ -s "$T/n.out" ] && fail "something on stdout with -o"
cmp -s <(mask "$T/p.txt") <(mask "$T/n.txt") || fail "--progress changed the report: $(diff <(mask "$T/p.txt") <(mask "$T/n.txt"))"
ok "--progress: % and ETA on stderr, ending at 100%; the same report; none on a pipe without it"

# SIGINT mid-way through the offload patterns: the text report of what ran,
# exit 130, the scratch file removed (it said "write failed", exit 1).
# The signal goes once the progress line names an offload pattern (a fixed
# sleep could land before any measurement on a loaded machine).
$SR cheops "$T/d" --max-size 1M --runtime 5s --progress -o "$T/int.txt" 2>"$T/int.err" &
pid=$!
for _ in $(seq 600); do
	grep -Eq 'cheops: (DeepSpeed|FlexGen)-like' "$T/int.err" && break
	sleep 0.2
done
kill -INT $pid
stop_within 60 $pid || fail "cheops: did not stop within 60 s of SIGINT"
[ $rc = 130 ] || fail "SIGINT: exit $rc, expected 130: $(cat "$T/int.err")"
grep -q "^Fig. 2" "$T/int.txt" || fail "SIGINT: no partial report"
[ -z "$(ls -A "$T/d")" ] || fail "SIGINT left the scratch file: $(ls "$T/d")"
ok "SIGINT: partial text report, exit 130"

# Bad input.
printf '[fig2]\nsize_mb = 1, 2, x\n' >"$T/bad.ini"
expect_exit 2 "bad.ini:2: \[fig2\] size_mb: expected" $SR cheops "$T/d" --reference "$T/bad.ini" --max-size 1M
printf '[bogus]\nx = 1\n' >"$T/bad2.ini"
expect_exit 2 "bad2.ini:2: unknown section \[bogus\]" $SR cheops "$T/d" --reference "$T/bad2.ini"
expect_exit 2 "cannot open the reference" $SR cheops "$T/d" --reference "$T/none.ini"
touch "$T/file"
expect_exit 2 "expected a directory .* or a block device" $SR cheops "$T/file"
expect_exit 2 "--max-size: expected a power of two from 1M to 4G" $SR cheops "$T/d" --max-size 3M
expect_exit 2 "--min-size is larger" $SR cheops "$T/d" --min-size 8M --max-size 4M
expect_exit 2 "--allow-write .*: expected the block device given as the target" $SR cheops "$T/d" --allow-write /dev/null
[ -z "$(ls -A "$T/d")" ] || fail "bad input left files"
ok "bad input"

# The CHEOPS artifact's bpftrace CSV replays directly.
$SR prep "$T/t" --size 16M --quiet || fail "prep"
{
	echo "Attaching 1 probe..."
	for i in $(seq 0 49); do echo "$((45502109053447 + i * 1000)), R, 131072, $((i * 256)), 256"; done
	echo "45502109153447, FF, 0, 0, 0"
} >"$T/cheops.csv"
$SR replay "$T/t" --trace "$T/cheops.csv" --format cheops-csv --output-format json --output "$T/r.json" ||
	fail "replay --format cheops-csv"
[ "$(json "$T/r.json" '(j["jobs"][0]["read"]["io_bytes"], j["jobs"][0]["ssdreplay"]["records"])')" = "(6553600, 50)" ] ||
	fail "cheops-csv replay: $(json "$T/r.json" 'j["jobs"][0]["read"]["io_bytes"]') bytes"
ok "a CHEOPS bpftrace CSV replays: 50 requests, 6553600 bytes"

# With root: a block device is only read unless --allow-write names it.
[ "$(id -u)" = 0 ] || skip "needs root for the loop device check (the rest passed)"
$SR prep "$T/dev.img" --size 8M --quiet || fail "prep dev.img"
new_loop "$T/dev.img"
w0=$(loop_sectors "$LOOP" wr)
r0=$(loop_sectors "$LOOP" rd)
$SR cheops "$LOOP" --max-size 2M --runtime 0.1s --output-format json --output "$T/l.json" || fail "cheops on $LOOP"
[ "$(loop_sectors "$LOOP" wr)" = "$w0" ] || fail "cheops wrote to $LOOP without --allow-write"
[ "$(($(loop_sectors "$LOOP" rd) - r0))" -gt 0 ] || fail "cheops read nothing from $LOOP"
[ "$(json "$T/l.json" 'all(r["aio_store"] is None and r["python_store"] is None and r["aio_load"]["bw_Bps"] > 0 for r in j["fig2"])')" = True ] ||
	fail "read-only device: stores should be skipped"
$SR cheops "$LOOP" --max-size 1M --only fig2 --allow-write "$LOOP" --output-format json --output "$T/lw.json" ||
	fail "cheops --allow-write $LOOP"
[ "$(loop_sectors "$LOOP" wr)" -gt "$w0" ] || fail "--allow-write stored nothing"
ok "loop device: read-only by default, stores with --allow-write naming it"
