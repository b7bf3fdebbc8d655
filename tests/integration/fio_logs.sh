#!/bin/bash
# --write_bw_log/--write_lat_log/--write_iops_log NAME with --log_avg_msec:
# fio's log format ("msec, value, ddir, bs, prio"), one sample per interval,
# the last one over the time it really covered; fio2gnuplot plots them.
source "$SR_TESTLIB"

f=$T/target
$SR prep "$f" --size 8M --quiet || fail "prep"
$SR replay "$f" --rw randread --bs 4k --iodepth 4 --time_based --runtime 1200ms --log_avg_msec 200 \
	--write_bw_log "$T/lg" --write_lat_log "$T/lg" --write_iops_log "$T/lg" --output-format json -o "$T/r.json" ||
	fail "replay with logs"
for l in bw lat clat iops; do
	[ -s "$T/lg_$l.1.log" ] || fail "no $T/lg_$l.1.log"
done
python3 - "$T" <<'PY' || fail "log contents"
import json, sys
d = sys.argv[1]
j = json.load(open(d + "/r.json"))["jobs"][0]
rows = {}
for l in ("bw", "lat", "iops"):
    rows[l] = [[int(x) for x in line.split(", ")] for line in open(f"{d}/lg_{l}.1.log")]
    for r in rows[l]:
        assert len(r) == 5 and r[2] == 0 and r[3] == 0, (l, r)
    t = [r[0] for r in rows[l]]
    assert t == sorted(t) and all(x % 200 == 0 for x in t[:-1]), (l, t)
# sample x the interval it covers adds up to the run's totals
prev, b, n = 0, 0.0, 0.0
for bw, io in zip(rows["bw"], rows["iops"]):
    span = (bw[0] - prev) / 1000
    b += bw[1] * 1024 * span
    n += io[1] * span
    prev = bw[0]
ios, byts = j["read"]["total_ios"], j["read"]["io_bytes"]
assert abs(n - ios) <= 0.02 * ios + 10, (n, ios)
assert abs(b - byts) <= 0.02 * byts + 8192 * len(rows["bw"]), (b, byts)
lat = [r[1] for r in rows["lat"]]
assert min(lat) >= j["read"]["clat_ns"]["min"] and max(lat) <= j["read"]["clat_ns"]["max"], lat
print("ok: %d intervals, %.0f of %d requests, %.0f of %d bytes" % (len(rows["bw"]), n, ios, b, byts))
PY
ok "fio log format, sums match the report"

expect_exit 2 "--log_avg_msec: expected an integer from 1" $SR replay "$f" --rw read --write_bw_log "$T/x" --log_avg_msec 0
# a log that cannot be written fails before the run: no report is written
expect_exit 2 "$T/none/x_bw.1.log: cannot write there" $SR replay "$f" --rw read --write_bw_log "$T/none/x" \
	--log_avg_msec 100 --output-format json -o "$T/early.json"
[ ! -e "$T/early.json" ] || fail "a report was written although the log path cannot be"
ok "unwritable log path: exit 2 before the run"

command -v fio2gnuplot >/dev/null && command -v gnuplot >/dev/null || skip "fio2gnuplot or gnuplot absent"
mkdir "$T/g" && cp "$T"/lg_bw.1.log "$T/g/"
(cd "$T/g" && timeout 120 fio2gnuplot -p '*_bw.1.log' -g -t ssdreplay >"$T/log" 2>&1) || { cat "$T/log" >&2; fail "fio2gnuplot"; }
ls "$T"/g/*.png >/dev/null 2>&1 || { cat "$T/log" >&2; fail "fio2gnuplot drew nothing"; }
ok "fio2gnuplot plots the bandwidth log"
