#!/bin/bash
# ssdreplay analyze: every figure of the JSON report checked against an
# independent python model of the definitions; the same trace as a fio
# iolog v2 gives the same figures; CSV and text reports; bad input exits 2
# with one line and writes nothing; --plot writes well-formed SVG; a
# 1M-record trace streams through.
. "$SR_TESTLIB"

# ---- a small trace checked by hand ----
printf 'time_ns,offset,length,op\n0,0,4096,r\n1000000,4096,4096,r\n2000000,0,4096,r\n1500000000,8192,8192,w\n1600000000,0,1048576,trim\n1700000000,0,0,sync\n' >"$T/small.csv"
"$SR" analyze "$T/small.csv" --output-format json --output "$T/small.json" || fail "analyze small"
python3 - "$T/small.json" <<'PY' || fail "small trace figures"
import json, sys
j = json.load(open(sys.argv[1]))
t, u, g = j["totals"], j["unique"], j["gaps"]
assert (t["records"], t["requests"], t["reads"], t["writes"], t["trims"], t["syncs"]) == (6, 4, 3, 1, 1, 1), t
assert (t["read_bytes"], t["write_bytes"], t["trim_bytes"], t["extent_bytes"]) == (12288, 8192, 1 << 20, 16384), t
assert (u["read_pages"], u["write_pages"], u["pages"], u["reread_pages"]) == (2, 2, 4, 1), u
assert j["amplification"]["read_bytes_ratio"] == 1.5 and j["amplification"]["read_pages_ratio"] == 1.5
# 0+4k, 4k+4k sequential, back to 0 (8k back, over half of 8k: a restart), forward 4k
assert (g["gaps"], g["sequential"], g["forward"], g["backward"]) == (3, 1, 1, 1), g
assert g["jump_mean_bytes"] == 6144 and j["passes"]["restarts"] == 1 and j["passes"]["passes_ratio"] == 1.25
c = j["coverage"]
assert (c["size_bytes"], c["size_from"], c["coverage_ratio"], c["read_coverage_ratio"]) == (16384, "extent", 1.0, 0.5), c
assert j["sizes"]["le"] == {"4096": 3, "8192": 1} and j["sizes"]["mean_bytes"] == 5120
tm = j["time"]
assert tm["timestamps"] is True and tm["seconds"] == 2 and tm["span_s"] == 1.5
assert tm["timeline_bytes"] == [12288, 8192] and tm["bw_peak_Bps"] == 12288 and tm["peak_second"] == 0
assert tm["bw_avg_Bps"] == 10240
PY
ok "small trace, by hand"

# ---- a generated trace against a python model ----
cat >"$T/gen.py" <<'PY'
# gen.py CSV IOLOG: a few thousand records: passes over a "model" with
# sequential runs, skips and backward hops, writes, trims and syncs.
import random, sys
rnd = random.Random(7)
recs, t, M = [], 0, 1 << 20
for p in range(3):
    off = 0
    while off < 96 * M:
        ln = rnd.choice([4096, 65536, 131072, 1 << 20, 12288 + 512])
        x = rnd.random()
        op = "r" if x < 0.85 else "w" if x < 0.93 else "t" if x < 0.97 else "s"
        recs.append((t, op, off, ln))
        t += rnd.choice([1, 50, 700, 120000]) * 1000
        y = rnd.random()
        off += ln if y < 0.6 else ln + rnd.randrange(0, 4 * M, 512) if y < 0.8 else -rnd.randrange(0, 2 * M, 512)
        off = max(off, 0)
    t += 1500 * 1000000
with open(sys.argv[1], "w") as f:
    f.write("time_ns,op,offset,length\n")
    for t, op, off, ln in recs:
        f.write("%d,%s,%d,%d\n" % (t, op, off, ln))
names = {"r": "read", "w": "write", "t": "trim", "s": "sync"}
with open(sys.argv[2], "w") as f:
    f.write("fio version 2 iolog\n/dev/model add\n/dev/model open\n")
    prev = 0
    for t, op, off, ln in recs:
        f.write("/dev/model wait %d\n" % ((t - prev) // 1000))
        prev = t
        f.write("/dev/model sync\n" if op == "s" else "/dev/model %s %d %d\n" % (names[op], off, ln))
    f.write("/dev/model close\n")
PY
cat >"$T/model.py" <<'PY'
# model.py CSV REPORT.json PAGE SIZE RW: recompute every figure from the CSV.
import json, sys
from collections import Counter
csv, rep, page, size, rw = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
recs = []
for line in open(csv).read().split("\n")[1:]:
    if line:
        t, op, off, ln = line.split(",")
        if op == "s":
            off = ln = 0
        if rw == "rw" or op == rw:
            recs.append((int(t), op, int(off), int(ln)))
req = [r for r in recs if r[1] in "rw" and r[3] > 0]
cnt = Counter(r[1] for r in recs)
byt = Counter()
for r in recs:
    byt[r[1]] += r[3]
rp, wp = Counter(), set()
for t, op, off, ln in req:
    for p in range(off // page, (off + ln - 1) // page + 1):
        if op == "r":
            rp[p] += 1
        else:
            wp.add(p)
pages = len(set(rp) | wp)
extent = max([o + l for _, _, o, l in req] + [0])
seq = fwd = back = restarts = 0
jumps, ext, prev = [], 0, None
for t, op, off, ln in req:
    if prev is not None:
        if off == prev: seq += 1
        elif off > prev: fwd += 1; jumps.append(off - prev)
        else:
            back += 1; jumps.append(prev - off)
            if prev - off > ext // 2: restarts += 1
    prev = off + ln
    ext = max(ext, off + ln)
gaps = max(len(req) - 1, 0)
size = size or extent
size_pages = -(-size // page)
touches = sum(rp.values()) + sum((o + l - 1) // page - o // page + 1 for _, op, o, l in req if op == "w")
sizes = Counter()
for _, op, o, l in req:
    sizes[str(1 << max(l - 1, 0).bit_length())] += 1
exp = {
    "totals": {"records": len(recs), "requests": len(req), "reads": cnt["r"], "writes": cnt["w"],
               "trims": cnt["t"], "syncs": cnt["s"], "read_bytes": byt["r"], "write_bytes": byt["w"],
               "trim_bytes": byt["t"], "extent_bytes": extent, "zero_length": 0},
    "unique": {"read_pages": len(rp), "write_pages": len(wp), "pages": pages,
               "reread_pages": sum(1 for v in rp.values() if v > 1),
               "read_bytes": len(rp) * page, "write_bytes": len(wp) * page, "bytes": pages * page,
               "reread_bytes": sum(page for v in rp.values() if v > 1)},
    "amplification": {"read_bytes_ratio": byt["r"] / (len(rp) * page) if rp else 0,
                      "read_pages_ratio": sum(rp.values()) / len(rp) if rp else 0,
                      "read_page_touches": sum(rp.values())},
    "coverage": {"size_bytes": size, "coverage_ratio": pages / size_pages, "read_coverage_ratio": len(rp) / size_pages},
    "gaps": {"gaps": gaps, "sequential": seq, "forward": fwd, "backward": back,
             "sequential_pct": 100 * seq / gaps, "forward_pct": 100 * fwd / gaps,
             "backward_pct": 100 * back / gaps, "jump_mean_bytes": sum(jumps) / len(jumps)},
    "sizes": {"mean_bytes": (byt["r"] + byt["w"]) / len(req), "le": dict(sizes)},
    "passes": {"passes_ratio": touches / pages, "page_touches": touches, "restarts": restarts},
}
ts = [r[0] for r in req]
first, last = min(ts) // 10**9, max(ts) // 10**9
tl = [0] * (last - first + 1)
for t, op, o, l in req:
    tl[t // 10**9 - first] += l
exp["time"] = {"timestamps": True, "timed_requests": len(req), "span_s": (max(ts) - min(ts)) / 1e9,
               "first_second": first, "seconds": last - first + 1,
               "bw_avg_Bps": sum(tl) / len(tl), "bw_peak_Bps": max(tl), "peak_second": first + tl.index(max(tl)), "timeline_bytes": tl}
got = json.load(open(rep))
for sec, kv in exp.items():
    for k, want in kv.items():
        v = got[sec][k]
        if isinstance(want, float) and k.endswith(("_bytes", "_Bps")):  # integers: rounded
            assert isinstance(v, int) and abs(v - want) <= 0.5 + 1e-9 * want, (sec, k, v, want)
        elif isinstance(want, float) and not isinstance(want, bool):
            assert abs(v - want) <= 1e-8 * max(1.0, abs(want)), (sec, k, v, want)
        else:
            assert v == want, (sec, k, v, want)
# the median and percentiles come from the log-linear histogram: within 1/64
def near(v, want):
    assert abs(v - want) <= want / 64 + 1, (v, want)
jumps.sort()
near(got["gaps"]["jump_median_bytes"], jumps[(len(jumps) + 1) // 2 - 1])
iat = sorted(max(b - a, 0) for a, b in zip(ts, ts[1:]))
near(got["time"]["interarrival_ns"]["p50"], iat[(len(iat) + 1) // 2 - 1])
assert got["time"]["interarrival_ns"]["N"] == len(iat)
print("%d requests: %.1f%% sequential, %.1f%% backward, %d restarts" % (
    len(req), exp["gaps"]["sequential_pct"], exp["gaps"]["backward_pct"], restarts))
PY
python3 "$T/gen.py" "$T/g.csv" "$T/g.iolog" || fail "generate"
check() { # check TRACE PAGE SIZE RW [flags...]
	local tr=$1 page=$2 size=$3 rw=$4
	shift 4
	$SR analyze "$tr" --page "$page" --ops "$rw" --output-format json --output "$T/g.json" "$@" ||
		fail "analyze $tr --page $page --ops $rw $*"
	python3 "$T/model.py" "$T/g.csv" "$T/g.json" "$page" "$size" "$rw" || fail "model: $tr --page $page --ops $rw $*"
}
check "$T/g.csv" 4096 0 rw
check "$T/g.csv" 65536 0 rw
check "$T/g.csv" 512 0 rw
check "$T/g.csv" 4096 0 r
check "$T/g.csv" 4096 0 w
check "$T/g.csv" 4096 $((256 << 20)) rw --size 256M
ok "generated trace matches the model at 512, 4k, 64k pages, with --ops and --size"

# The iolog v2 form of the same trace: the same figures.
check "$T/g.iolog" 4096 0 rw
[ "$(json "$T/g.json" 'j["analyze"]["format"]')" = fio-iolog ] || fail "iolog not probed as fio-iolog"
"$SR" analyze "$T/g.csv" --output-format json --output "$T/a.json" || fail "csv"
"$SR" analyze "$T/g.iolog" --format fio-iolog --output-format json --output "$T/b.json" || fail "iolog"
python3 - "$T/a.json" "$T/b.json" <<'PY' || fail "csv and iolog reports differ"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
del a["analyze"], b["analyze"]
assert a == b, [k for k in a if a[k] != b[k]]
PY
ok "fio iolog v2 gives the same figures as the CSV"

# --target takes the size from a file
truncate -s 512M "$T/model.bin"
"$SR" analyze "$T/g.csv" --target "$T/model.bin" --output-format json --output "$T/g.json" || fail "--target"
python3 "$T/model.py" "$T/g.csv" "$T/g.json" 4096 $((512 << 20)) rw || fail "model --target"
[ "$(json "$T/g.json" 'j["coverage"]["size_from"]')" = target ] || fail "size_from target"
# ... and from a block device (BLKGETSIZE64), when a loop device can be had
if [ "$(id -u)" = 0 ] && command -v losetup >/dev/null && LOOP=$(losetup -f --show "$T/model.bin" 2>/dev/null); then
	SR_LOOPS+=("$LOOP")
	$SR analyze "$T/g.csv" --target "$LOOP" --output-format json --output "$T/g.json" || fail "--target $LOOP"
	[ "$(json "$T/g.json" 'j["coverage"]["size_bytes"]')" = $((512 << 20)) ] || fail "--target $LOOP: size"
	ok "--target block device"
else
	echo "note: no loop device, --target on a block device not checked"
fi

# ---- CSV and text ----
"$SR" analyze "$T/g.csv" --output-format csv >"$T/r.csv" || fail "csv report"
[ "$(wc -l <"$T/r.csv")" = 2 ] || fail "csv: expected a header and one row"
python3 - "$T/r.csv" "$T/a.json" <<'PY' || fail "csv report"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1])))
j = json.load(open(sys.argv[2]))
assert len(rows) == 1
r = rows[0]
assert int(r["records"]) == j["totals"]["records"] and int(r["unique_bytes"]) == j["unique"]["bytes"]
assert int(r["sequential"]) == j["gaps"]["sequential"] and int(r["restarts"]) == j["passes"]["restarts"]
assert abs(float(r["sequential_pct"]) - j["gaps"]["sequential_pct"]) < 1e-3
assert r["size_from"] == "extent" and r["timestamps"] == "1"
PY
"$SR" analyze "$T/g.csv" >"$T/r.txt" || fail "text"
grep -Eq 'average [0-9.]+ MiB/s \([0-9.]+ GB/s\)' "$T/r.txt" || fail "text report lacks explicit units"
grep -q 'backward seek' "$T/r.txt" || fail "text report lacks gap classes"
printf 'offset,length\n0,4096\n4096,4096\n' >"$T/untimed.csv"
"$SR" analyze "$T/untimed.csv" >"$T/r.txt" || fail "untimed"
grep -q 'no timestamps' "$T/r.txt" || fail "untimed trace: no 'no timestamps'"
[ "$(json <("$SR" analyze "$T/untimed.csv" --output-format json) 'j["time"]["timestamps"]')" = False ] ||
	fail "untimed: timestamps not false"
ok "csv and text reports"

# ---- bad input: exit 2, one line, no output file ----
printf 'offset,length,op\n0,4096,r\n4096,x,r\n' >"$T/bad.csv"
expect_exit 2 'bad\.csv:3: expected length' "$SR" analyze "$T/bad.csv" --output "$T/o1"
[ ! -e "$T/o1" ] || fail "bad trace: output file written"
expect_exit 2 '--page: expected a power of two' "$SR" analyze "$T/g.csv" --page 3000 --output "$T/o2"
expect_exit 2 '--page: expected a power of two' "$SR" analyze "$T/g.csv" --page 256
expect_exit 2 '--page: expected a size' "$SR" analyze "$T/g.csv" --page 4q
expect_exit 2 "unknown option '--bogus'" "$SR" analyze "$T/g.csv" --bogus --output "$T/o3"
expect_exit 2 'expected one TRACE' "$SR" analyze
expect_exit 2 'not both' "$SR" analyze "$T/g.csv" --size 1G --target "$T/model.bin"
expect_exit 2 'no-such' "$SR" analyze "$T/no-such.csv" --output "$T/o4"
expect_exit 2 '--pid: the csv format records no pid' "$SR" analyze "$T/g.csv" --pid 3
expect_exit 2 '--output-format: expected text, json or csv' "$SR" analyze "$T/g.csv" --output-format xml
expect_exit 2 'not a directory' "$SR" analyze "$T/g.csv" --plot "$T/g.csv"
for o in o1 o2 o3 o4; do [ ! -e "$T/$o" ] || fail "$o written on bad input"; done
ok "bad input"

# ---- plots ----
svg_ok() {
	python3 -c 'import sys, xml.dom.minidom as m
for f in sys.argv[1:]:
    d = m.parse(f)
    assert d.documentElement.tagName == "svg", f
    assert len(d.getElementsByTagName("rect")) > 1, f' "$@" || fail "SVG not well formed: $*"
}
"$SR" analyze "$T/g.csv" --plot "$T/plots" >/dev/null || fail "--plot"
svg_ok "$T/plots/heatmap.svg" "$T/plots/sizes.svg"
grep -q 'time since the first request' "$T/plots/heatmap.svg" || fail "timed heatmap: no time axis"
cp "$T/untimed.csv" "$T/a&b<c>.csv"
"$SR" analyze "$T/a&b<c>.csv" --plot "$T/plots2" >/dev/null || fail "--plot untimed"
svg_ok "$T/plots2/heatmap.svg" "$T/plots2/sizes.svg"
grep -q 'request index' "$T/plots2/heatmap.svg" || fail "untimed heatmap: no index axis"
ok "--plot writes well-formed SVG"

# ---- 1M records stream through (not timed) ----
awk 'BEGIN { print "offset,length"; for (i = 0; i < 1000000; i++) printf "%.0f,131072\n", (i * 7) % 50000 * 131072 }' >"$T/big.csv"
"$SR" analyze "$T/big.csv" --output-format json --output "$T/big.json" || fail "1M records"
[ "$(json "$T/big.json" '(j["totals"]["requests"], j["unique"]["read_bytes"])')" = "(1000000, $((50000 * 131072)))" ] ||
	fail "1M records: $(json "$T/big.json" 'j["totals"]')"
ok "1M-record trace"
