#!/bin/bash
# --output-format json+: fio's clat_ns.bins, read back by fio's own
# fio_jsonplus_clat2csv (Debian's fio ships it), and the keys fio-plot reads:
# job options, timestamp, elapsed, trim/sync, slat_ns, bw_mean,
# iops_stddev, latency_us/latency_ms, disk_util (the target's disk, counted
# over the run from /sys/block/DISK/stat as fio does).
source "$SR_TESTLIB"

f=$T/target
$SR prep "$f" --size 8M --quiet || fail "prep"
$SR replay "$f" --rw randread --bs 4k --iodepth 4 --output-format json+ -o "$T/p.json" || fail "json+"
check() { [ "$(json "$T/p.json" "$1")" = "$2" ] || fail "$1 is $(json "$T/p.json" "$1"), expected $2"; }
check 'sum(j["jobs"][0]["read"]["clat_ns"]["bins"].values())' 2048
check 'all(int(k) > 0 for k in j["jobs"][0]["read"]["clat_ns"]["bins"])' True
check 'j["jobs"][0]["job options"]["rw"], j["jobs"][0]["job options"]["bs"], j["jobs"][0]["job options"]["iodepth"]' "('randread', '4k', '4')"
check 'type(j["timestamp"]).__name__, type(j["jobs"][0]["elapsed"]).__name__' "('int', 'int')"
# disk_util: the disk under the target's file system (none on tmpfs), its reads over the run counted
disk=$(python3 - "$f" <<'PY'
import os, sys
st = os.stat(sys.argv[1])
p = "/sys/dev/block/%d:%d" % (os.major(st.st_dev), os.minor(st.st_dev))
if os.path.exists(p):
    r = os.path.realpath(p)
    print(os.path.basename(os.path.dirname(r)) if os.path.exists(p + "/partition") else os.path.basename(r))
PY
)
if [ -n "$disk" ]; then
	check '[d["name"] for d in j["disk_util"]]' "['$disk']"
	check 'j["disk_util"][0]["read_ios"] + j["disk_util"][0]["read_merges"] >= 2048 and 0 <= j["disk_util"][0]["util"] <= 100' True
else
	check 'j["disk_util"]' "[]"
fi
check 'j["jobs"][0]["trim"]["total_ios"], j["jobs"][0]["sync"]["total_ios"], j["jobs"][0]["read"]["slat_ns"]["N"]' "(0, 0, 0)"
check 'sorted(k for k in ("bw_mean", "iops_stddev", "bw_samples") if k in j["jobs"][0]["read"])' "['bw_mean', 'bw_samples', 'iops_stddev']"
check 'round(sum(j["jobs"][0]["latency_ns"].values()) + sum(j["jobs"][0]["latency_us"].values()) + sum(j["jobs"][0]["latency_ms"].values()))' 100
ok "json+ bins sum to the requests; fio-plot's keys"

$SR replay "$f" --rw randread --bs 4k --output-format json -o "$T/j.json" || fail "json"
[ "$(json "$T/j.json" '"bins" in j["jobs"][0]["read"]["clat_ns"]')" = False ] || fail "plain json has bins"
expect_exit 2 "latency bins are replay's" $SR analyze "$T/x.csv" --output-format json+
ok "json has no bins; json+ is replay's"

command -v fio_jsonplus_clat2csv >/dev/null || skip "fio_jsonplus_clat2csv absent (Debian's fio ships it)"
(cd "$T" && fio_jsonplus_clat2csv p.json out.csv >"$T/log" 2>&1) || { cat "$T/log" >&2; fail "fio_jsonplus_clat2csv cannot read ours"; }
(cd "$T" && fio_jsonplus_clat2csv --validate p.json out.csv >"$T/log" 2>&1) || { cat "$T/log" >&2; fail "fio_jsonplus_clat2csv --validate"; }
last=$(tail -1 "$T/out_job0.csv" | awk -F', ' '{print $6, $7}')
[ "${last%% *}" = 2048 ] || fail "clat2csv's cumulative count is '$last', expected 2048"
ok "fio_jsonplus_clat2csv converts and validates our json+ ($last)"
