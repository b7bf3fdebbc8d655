#!/bin/bash
# The JSON report parses and carries fio's keys, so fio users' scripts work;
# CSV and the timeline are well formed; text names the units.
. "$SR_TESTLIB"

f=$T/target
$SR prep "$f" --size 16M --quiet || fail "prep"
$SR replay "$f" --pattern rand --bs 4k --qd 4 --output-format json --output "$T/r.json" \
	--timeline "$T/tl.csv" || fail "replay"
python3 - "$T/r.json" <<'PY' || fail "JSON keys"
import json, sys
j = json.load(open(sys.argv[1]))
r = j["jobs"][0]["read"]
assert r["io_bytes"] == 16 << 20, r["io_bytes"]
assert r["total_ios"] == 4096
assert r["bw_bytes"] > 0 and r["iops"] > 0
assert r["runtime"] >= 0
# bandwidth, bytes and runtime agree (runtime is rounded to ms)
assert abs(r["bw_bytes"] * max(r["runtime"], 1) / 1000 - r["io_bytes"]) <= r["bw_bytes"] * 0.002 + 1
c = r["clat_ns"]
assert c["N"] == 4096 and c["min"] <= c["mean"] <= c["max"]
p = c["percentile"]
assert c["min"] <= p["50.000000"] <= p["99.000000"] <= p["99.990000"] <= c["max"]
assert "usr_cpu" in j["jobs"][0] and "sys_cpu" in j["jobs"][0]
s = j["jobs"][0]["ssdreplay"]
assert s["records"] == 4096 and s["partial"] is False and s["engine"] == "io_uring"
assert sum(t["read_bytes"] for t in s["timeline"]) == 16 << 20
PY
# timeline CSV sums to the bytes read
sum=$(awk -F, 'NR>1 {s+=$2} END {print s}' "$T/tl.csv")
[ "$sum" = $((16 << 20)) ] || fail "timeline sums to $sum"
$SR replay "$f" --pattern seq --bs 1M --output-format csv >"$T/r.csv" || fail "csv"
[ "$(wc -l <"$T/r.csv")" = 2 ] || fail "csv: expected a header and one row"
[ "$(awk -F, 'NR==2 {print $7","$9}' "$T/r.csv")" = "read,16777216" ] || fail "csv row: $(cat "$T/r.csv")"
$SR replay "$f" --pattern seq --bs 1M >"$T/r.txt" || fail "text"
grep -Eq 'MiB/s \([0-9.]+ GB/s\)' "$T/r.txt" || fail "text report lacks explicit units"
ok "json, csv, timeline and text reports"

# --progress: a line on stderr with elapsed time and MiB/s, once a second.
$SR replay "$f" --pattern rand --bs 4k --qd 1 --engine psync --loops 0 --runtime 2.5 --progress \
	>/dev/null 2>"$T/progress" || fail "progress run"
grep -Eq '\[ *[0-9]+\.[0-9]s\] +[0-9.]+% +[0-9.]+ MiB/s +eta' "$T/progress" || fail "no progress line: $(cat "$T/progress")"
ok "progress line"
# --place OFFSET: trace offset 0 lands at OFFSET (verify proves where reads went)
printf 'offset,length\n0,4096\n4096,8192\n' >"$T/p.csv"
$SR replay "$f" --trace "$T/p.csv" --place 8M --verify >/dev/null || fail "--place"
expect_exit 2 "outside" $SR replay "$f" --trace "$T/p.csv" --place 16M
expect_exit 2 "larger than the target region" $SR replay "$f" --trace "$T/p.csv" --place 16380k
ok "--place"
