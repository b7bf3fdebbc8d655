#!/usr/bin/env bash
# vs_fio.sh: run ssdreplay and fio on the same access sequences, alternating,
# and print median bandwidth, IOPS and the ratio ssdreplay/fio per point.
# See bench/README.md for what each column means; `vs_fio.sh -h` for options.
set -euo pipefail

PROG=${0##*/}
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)

usage() {
	cat <<EOF
usage: $PROG [--quick] [--clean] [--keep] [-h]

Pairs ssdreplay against fio on the same access sequences (O_DIRECT reads of a
scratch file) and prints a table; writes a CSV with the exact commands used.

Points: 4k randread QD32, 128k seq read QD32, 1m seq read QD8, 4k randread
QD1 (with p50/p99 completion latency) and 4k randread 2 threads x QD16
(--threads 2 vs --numjobs=2), each for io_uring and libaio, with these
pairings and fio at its best (fio+fixed, huge pages reserved when root):
  (a/b) fio's own generator vs ssdreplay --pattern (time based)
  (c)   fio --read_iolog vs ssdreplay --trace of one generated trace (one pass;
        not for the QD1 and two-thread points)
plus the null-engine overhead point (4k randread QD1, requests/s per core).

options:
  --quick   smoke test: 1 s runtime, 1 repeat, 256M file (sr_bench-quick.dat)
  --clean   delete the scratch file when done (it is kept and reused otherwise)
  --keep    keep the work directory (traces, per-run JSON and logs)
  -h, --help

environment (defaults in brackets; an explicit value wins over --quick):
  SR_BENCH_DIR       directory of the scratch file and work dir, on the device to measure [/var/tmp]
  SR_BENCH_FILE      scratch file [\$SR_BENCH_DIR/sr_bench.dat]
  SR_BENCH_SIZE      scratch file size [2G]
  SR_BENCH_RUNTIME   seconds per time-based run [5]
  SR_BENCH_REPEAT    runs per tool and point, alternating [3]
  SR_BENCH_ENGINES   engines to compare ["io_uring libaio"]
  SR_BENCH_OUT       CSV path [bench/results/vs_fio-DATE.csv]
  SR_BENCH_MAX_RECORDS  cap on generated trace records [4000000]
  SR_BENCH_PRIO      prefix for every run of both tools, e.g. "chrt -f 20" []
  SR_BENCH_POINTS    only these points, e.g. "4k-randread-qd1 null" [all]
  SR_BIN             ssdreplay binary [$REPO/build/ssdreplay]
  FIO                fio binary [fio]
EOF
}

die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}
note() { printf '%s\n' "$*" >&2; }

QUICK=0 CLEAN=0 KEEP=0
while (($#)); do
	case $1 in
	--quick) QUICK=1 ;;
	--clean) CLEAN=1 ;;
	--keep) KEEP=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		usage >&2
		die "unknown argument '$1'"
		;;
	esac
	shift
done

if ((QUICK)); then
	def_runtime=1 def_repeat=1 def_size=256M def_name=sr_bench-quick.dat
else
	def_runtime=5 def_repeat=3 def_size=2G def_name=sr_bench.dat
fi
BENCH_DIR=$(realpath -m -- "${SR_BENCH_DIR:-/var/tmp}")
FILE=$(realpath -m -- "${SR_BENCH_FILE:-$BENCH_DIR/$def_name}")
SIZE_STR=${SR_BENCH_SIZE:-$def_size}
RUNTIME=${SR_BENCH_RUNTIME:-$def_runtime}
REPEAT=${SR_BENCH_REPEAT:-$def_repeat}
read -r -a ENGINES <<<"${SR_BENCH_ENGINES:-io_uring libaio}"
MAX_RECORDS=${SR_BENCH_MAX_RECORDS:-4000000}
SR=${SR_BIN:-$REPO/build/ssdreplay}
FIO=${FIO:-fio}
STAMP=$(date +%Y%m%d-%H%M%S)
OUT=$(realpath -m -- "${SR_BENCH_OUT:-$REPO/bench/results/vs_fio-$STAMP.csv}")

# Points: name:rw:bs:qd:jobs:kind (fio rw names; ssdreplay --pattern rand|seq).
# jobs > 1: ssdreplay --threads J (one ring and qd slots each) against fio
# --numjobs=J --group_reporting, the same total queue depth. kind lat: the
# point's figure is completion latency (p50/p99), not bandwidth. Neither gets
# the (c) trace pairing: fio replays an iolog once per job, and QD1 latency
# does not depend on who generated the offsets.
POINTS=("4k-randread-qd32:randread:4k:32:1:bw" "128k-read-qd32:read:128k:32:1:bw" "1m-read-qd8:read:1m:8:1:bw"
	"4k-randread-qd1:randread:4k:1:1:lat" "4k-randread-qd16x2:randread:4k:16:2:bw")
# SR_BENCH_POINTS: only these points (names as above, "null" for the null-engine point)
RUN_NULL=1
if [[ -n ${SR_BENCH_POINTS:-} ]]; then
	sel=() RUN_NULL=0
	for want in $SR_BENCH_POINTS; do
		found=0
		[[ $want == null ]] && RUN_NULL=1 found=1
		for spec in "${POINTS[@]}"; do
			[[ ${spec%%:*} == "$want" ]] && sel+=("$spec") found=1
		done
		((found)) || die "SR_BENCH_POINTS: no point '$want' (points: $(printf '%s ' "${POINTS[@]%%:*}")null)"
	done
	POINTS=(${sel[@]+"${sel[@]}"})
fi
# SR_BENCH_PRIO: a prefix for every run of both tools, e.g. "chrt -f 20" on a busy machine
read -r -a PRIO <<<"${SR_BENCH_PRIO:-}"

[[ $RUNTIME =~ ^[1-9][0-9]*$ ]] || die "SR_BENCH_RUNTIME must be whole seconds >= 1, got '$RUNTIME'"
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || die "SR_BENCH_REPEAT must be >= 1, got '$REPEAT'"
[[ $MAX_RECORDS =~ ^[1-9][0-9]*$ ]] || die "SR_BENCH_MAX_RECORDS must be >= 1"
((${#ENGINES[@]})) || die "SR_BENCH_ENGINES is empty"
for e in "${ENGINES[@]}"; do
	[[ $e == io_uring || $e == libaio ]] || die "SR_BENCH_ENGINES: '$e' is not io_uring or libaio"
done
s=${SIZE_STR%iB}
s=${s%B}
SIZE=$(numfmt --from=iec "$s" 2>/dev/null) || die "SR_BENCH_SIZE: cannot read '$SIZE_STR'"
((SIZE >= 1048576 && SIZE % 1048576 == 0)) || die "SR_BENCH_SIZE must be a multiple of 1 MiB, got $SIZE bytes"

command -v "$FIO" >/dev/null || die "fio not found (set FIO=)"
command -v python3 >/dev/null || die "python3 not found"
# the interpreter itself, not a version-manager shim: it runs a few times per run
PY=$(python3 -c 'import sys; print(sys.executable)')
command -v timeout >/dev/null || die "timeout (coreutils) not found"
[[ -x $SR ]] || die "ssdreplay not found at $SR: build it with cmake -S $REPO -B $REPO/build && cmake --build $REPO/build -j2 (or set SR_BIN=)"

# Only ever a regular file outside /dev: never a block or character device.
case $FILE in
/dev | /dev/*) die "$FILE: refusing a path under /dev; this benchmark only uses a scratch file" ;;
esac
[[ -e $FILE && ! -f $FILE ]] && die "$FILE exists and is not a regular file; refusing to touch it"
mkdir -p -- "$(dirname -- "$FILE")"
fstype=$(stat -f -c %T -- "$(dirname -- "$FILE")")
[[ $fstype == tmpfs || $fstype == ramfs ]] &&
	die "$(dirname -- "$FILE") is on $fstype, which has no O_DIRECT: set SR_BENCH_DIR to a directory on a disk"

WORK=
cleanup() {
	local rc=$?
	if [[ -n ${HUGE_OLD:-} ]]; then
		echo "$HUGE_OLD" >/proc/sys/vm/nr_hugepages 2>/dev/null || note "could not restore vm.nr_hugepages to $HUGE_OLD"
	fi
	if [[ -n $WORK && -d $WORK ]]; then
		if ((KEEP)); then note "work directory kept: $WORK"; else rm -rf -- "$WORK"; fi
	fi
	if ((CLEAN)) && [[ -f $FILE ]]; then
		rm -f -- "$FILE" && note "removed scratch file $FILE (--clean)"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- scratch file --------------------------------------------------------
# Reused when it has the right size and every byte is allocated (not sparse);
# otherwise (re)written by `ssdreplay prep`, which refuses a file it did not
# write itself, so nothing of the user's is overwritten.
need_prep=1
if [[ -f $FILE ]]; then
	read -r fsize fblocks fbsize < <(stat -c '%s %b %B' -- "$FILE")
	if ((fsize == SIZE && fblocks * fbsize >= SIZE)); then
		need_prep=0
		note "reusing scratch file $FILE ($SIZE bytes)"
	elif ((fsize != SIZE)); then
		note "scratch file $FILE has $fsize bytes, want $SIZE: re-prepping it"
	else
		note "scratch file $FILE is sparse: re-prepping it"
	fi
fi
if ((need_prep)); then
	note "writing scratch file: $SR prep $FILE --size $SIZE"
	"$SR" prep "$FILE" --size "$SIZE" >&2 ||
		die "ssdreplay prep failed on $FILE (a file prep did not write is never overwritten: remove it or set SR_BENCH_FILE)"
fi

WORK=$(mktemp -d "$BENCH_DIR/sr_bench_work.XXXXXX")
cd "$WORK" # fio may leave files named after its job in the working directory
# Run a snapshot of the binary: the build may be redone while this runs.
SR_ORIG=$SR
SR=$WORK/ssdreplay
cp -- "$SR_ORIG" "$SR"
"$SR" replay --help >/dev/null 2>&1 || die "$SR_ORIG does not run (half-built?); retry in a minute"
SR_SUM=$(sha256sum -- "$SR" | cut -c1-12)
HELPER=$WORK/helper.py
RESULTS=$WORK/results.tsv
META=$WORK/meta.tsv
CMDS=$WORK/commands.txt
NOTES=$WORK/notes.txt
: >"$RESULTS"
: >"$META"
: >"$CMDS"
: >"$NOTES"

cat >"$HELPER" <<'PYEOF'
import csv, math, os, random, statistics, sys

def load(path):
    import json
    with open(path) as f:
        txt = f.read()
    # fio may print warnings before its JSON when it writes to stdout
    i = txt.find("{")
    return json.loads(txt[i:])

def extract(path):
    d = load(path)
    j = d["jobs"][0]
    r = j["read"]
    err = j.get("error", 0) or r.get("errors", 0) or 0
    print("\t".join(str(x) for x in (
        "ok" if not err else "error=%s" % err,
        r["bw_bytes"], r["iops"], j.get("usr_cpu", 0), j.get("sys_cpu", 0),
        r.get("total_ios", 0), j.get("job_runtime", r.get("runtime", 0)),
        "%.1f" % (r["bw_bytes"] / 1048576),
        pct(r, "clat_ns", "50.000000"), pct(r, "clat_ns", "99.000000"),
        pct(r, "lat_ns", "50.000000"), pct(r, "lat_ns", "99.000000"))))

def pct(r, key, p):
    """A percentile in ns from fio's JSON (fio has lat_ns ones only with --lat_percentiles=1)."""
    v = r.get(key, {}).get("percentile", {}).get(p)
    return "nan" if v is None else v

def read_results(path):
    rows = []
    with open(path) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            row = dict(point=p[0], engine=p[1], variant=p[2], rep=int(p[3]), status=p[4])
            if p[4] == "ok":
                row.update(bw=float(p[5]), iops=float(p[6]), usr=float(p[7]), sys=float(p[8]),
                           ios=int(float(p[9])), rt_ms=float(p[10]),
                           clat50=float(p[12]), clat99=float(p[13]), lat50=float(p[14]), lat99=float(p[15]))
            if len(p) >= 19 and p[16] != "-" and int(p[16]) > 0:
                row.update(dev_kib=int(p[18]) * 512 / 1024 / int(p[16]),
                           dev_merged_pct=100 * int(p[17]) / (int(p[16]) + int(p[17])))
            rows.append(row)
    return rows

def estimate(results, point):
    """Highest median bandwidth (bytes/s) of the time-based runs of a point."""
    rows = [r for r in read_results(results) if r["point"] == point and r["status"] == "ok"]
    best = 0.0
    for eng in {r["engine"] for r in rows}:
        for var in ("fio", "ssdreplay", "fio-fixed"):
            v = [r["bw"] for r in rows if r["engine"] == eng and r["variant"] == var]
            if v:
                best = max(best, statistics.median(v))
    print(int(best))

def gentrace(iolog, csvpath, name, size, bs, rw, n, seed):
    """fio iolog v2 (and optionally the same records as a CSV) of n reads."""
    size, bs, n = int(size), int(bs), int(n)
    nblocks = size // bs
    rnd = random.Random(int(seed))
    fi = open(iolog, "w")
    fc = open(csvpath, "w") if csvpath != "-" else None
    fi.write("fio version 2 iolog\n%s add\n%s open\n" % (name, name))
    if fc:
        fc.write("offset,length\n")
    pre, suf = name + " read ", " %d\n" % bs
    done = 0
    while done < n:
        k = min(n - done, nblocks)
        if rw == "randread":  # without repeats within each nblocks records
            blocks = rnd.sample(range(nblocks), k)
        else:                 # sequential, wrapping at the end of the file
            blocks = [(done + i) % nblocks for i in range(k)]
        fi.write("".join("%s%d%s" % (pre, b * bs, suf) for b in blocks))
        if fc:
            fc.write("".join("%d,%d\n" % (b * bs, bs) for b in blocks))
        done += k
    fi.write("%s close\n" % name)
    fi.close()
    if fc:
        fc.close()

def median_interval(v):
    """Distribution-free interval of the median of sorted v: the order
    statistics v[k-1], v[n-k] with the largest k whose coverage
    1 - 2 P(Bin(n, 1/2) <= k-1) is at least 95%; with too few values for
    that (n < 6), the range, whose coverage 1 - 2^(1-n) is returned too."""
    n = len(v)
    cdf = lambda k: sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    k = 1
    while k + 1 <= n // 2 and 1 - 2 * cdf(k) >= 0.95:
        k += 1
    return v[k - 1], v[n - k], 100 * (1 - 2 * cdf(k - 1)) if n > 1 else 0.0

def fmt_num(x, unit=""):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    for div, suf in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return "%.2f%s%s" % (x / div, suf, unit)
    return "%.0f%s" % (x, unit)

def report(results, meta, cmds, notes, header, csv_out, engines):
    rows = read_results(results)
    pts = []
    with open(meta) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            pts.append(dict(point=p[0], rw=p[1], bs=p[2], qd=p[3], records=p[4], fmt=p[5],
                            jobs=p[6], kind=p[7]))
    engines = engines.split()

    def stat(point, engine, variant):
        ok = [r for r in rows if (r["point"], r["engine"], r["variant"]) == (point, engine, variant)]
        failed = [r for r in ok if r["status"] != "ok"]
        ok = [r for r in ok if r["status"] == "ok"]
        if not ok:
            return dict(n=0, failed=len(failed))
        bw = [r["bw"] / 1048576 for r in ok]
        # fio's usr_cpu/sys_cpu under --group_reporting are per job (the
        # jobs' CPU time over their summed runtime); ssdreplay's are the
        # whole process's: scale fio's by its jobs to compare per core
        jobs = next((int(p["jobs"]) for p in pts if p["point"] == point), 1)
        scale = jobs if variant.startswith("fio") else 1
        cpu = [(r["bw"], r["iops"], (r["usr"] + r["sys"]) * scale) for r in ok]
        per_core = [i / (c / 100) for _, i, c in cpu if c > 0]
        med = statistics.median(bw)
        def lmed(k):
            v = [r[k] / 1000 for r in ok if not math.isnan(r[k])]
            return statistics.median(v) if v else float("nan")
        dk = [r["dev_kib"] for r in ok if "dev_kib" in r]
        dm = [r["dev_merged_pct"] for r in ok if "dev_merged_pct" in r]
        return dict(n=len(ok), failed=len(failed), mibs=med,
                    iops=statistics.median([r["iops"] for r in ok]),
                    cpu=statistics.median([c for _, _, c in cpu]),
                    per_core=statistics.median(per_core) if per_core else float("nan"),
                    ios=statistics.median([r["ios"] for r in ok]),
                    spread=(max(bw) - min(bw)) / med * 100 if med else float("nan"),
                    dev_kib=statistics.median(dk) if dk else float("nan"),
                    dev_merged_pct=statistics.median(dm) if dm else float("nan"),
                    clat50=lmed("clat50"), clat99=lmed("clat99"), lat50=lmed("lat50"), lat99=lmed("lat99"))

    def ratio(a, b, key="mibs"):
        if key in a and key in b and b[key] and not math.isnan(a[key]) and not math.isnan(b[key]):
            return a[key] / b[key]
        return float("nan")

    def f1(x):
        return "n/a" if x is None or math.isnan(x) else "%.1f" % x
    # Paired ratios: the runs of one repeat ran back to back (the variants
    # alternate, each repeat starting with another), so a ratio within a
    # repeat cancels what the machine did over minutes; the median of the
    # per-repeat ratios with a distribution-free interval says whether a
    # difference is more than noise.
    def runs(point, engine, variant):
        return {r["rep"]: r for r in rows if (r["point"], r["engine"], r["variant"]) == (point, engine, variant)
                and r["status"] == "ok"}

    def paired(point, engine, num, den, f=lambda n, d: n["bw"] / d["bw"] if d["bw"] else float("nan")):
        n, d = runs(point, engine, num), runs(point, engine, den)
        v = sorted(x for x in (f(n[k], d[k]) for k in n if k in d) if not math.isnan(x))
        if not v:
            return dict(n=0, med=float("nan"), lo=float("nan"), hi=float("nan"), conf=float("nan"))
        lo, hi, conf = median_interval(v)
        return dict(n=len(v), med=statistics.median(v), lo=lo, hi=hi, conf=conf)

    def lat_paired(point, engine):  # fio+fixed lat p50 / ssdreplay clat p50, per repeat
        return paired(point, engine, "fio-fixed", "ssdreplay",
                      lambda fx, b: fx["lat50"] / b["clat50"] if b["clat50"] > 0 else float("nan"))

    def verdict(pr):
        if not pr["n"]:
            return "n/a"
        return ">= 1" if pr["lo"] >= 1 else "< 1" if pr["hi"] < 1 else "noise"

    def fpr(pr):
        if not pr["n"]:
            return "n/a"
        return "%.3f [%.3f, %.3f]" % (pr["med"], pr["lo"], pr["hi"])


    def fr(x):
        return "n/a" if math.isnan(x) else "%.2fx" % x

    cols = ["point", "engine", "rw", "bs", "qd", "jobs",
            "fio_mibs", "sr_mibs", "ratio", "fio_iops", "sr_iops",
            "fio_fixed_mibs", "fio_fixed_iops", "ratio_vs_fixed",
            "fio_iolog_mibs", "sr_trace_mibs", "ratio_trace", "fio_iolog_iops", "sr_trace_iops",
            "trace_records", "trace_format", "fio_iolog_ios", "sr_trace_ios",
            "fio_req_per_core", "sr_req_per_core", "ratio_per_core",
            "fio_spread_pct", "sr_spread_pct", "fio_fixed_spread_pct",
            "fio_iolog_spread_pct", "sr_trace_spread_pct",
            "fio_dev_req_kib", "sr_dev_req_kib", "fio_fixed_dev_req_kib", "fio_iolog_dev_req_kib",
            "sr_trace_dev_req_kib", "fio_dev_merged_pct", "sr_dev_merged_pct", "fio_fixed_dev_merged_pct",
            "fio_iolog_dev_merged_pct", "sr_trace_dev_merged_pct",
            "sr_clat_p50_us", "sr_clat_p99_us", "fio_clat_p50_us", "fio_clat_p99_us",
            "fio_lat_p50_us", "fio_lat_p99_us", "fio_fixed_clat_p50_us", "fio_fixed_clat_p99_us",
            "fio_fixed_lat_p50_us", "fio_fixed_lat_p99_us", "lat_ratio_p50_vs_fixed", "lat_ratio_p99_vs_fixed",
            "runs_ok", "runs_failed",
            "pairs", "pair_ratio_med", "pair_ratio_lo", "pair_ratio_hi",
            "pair_vs_fixed_med", "pair_vs_fixed_lo", "pair_vs_fixed_hi",
            "pair_trace_med", "pair_trace_lo", "pair_trace_hi",
            "pair_lat_p50_vs_fixed_med", "pair_lat_p50_vs_fixed_lo", "pair_lat_p50_vs_fixed_hi",
            "pair_interval_pct"]
    def pcols(*prs):
        c = []
        for pr in prs:
            c += ["" if not pr["n"] else "%.4g" % pr[k] for k in ("med", "lo", "hi")]
        conf = next((pr["conf"] for pr in prs if pr["n"]), float("nan"))
        return [max(pr["n"] for pr in prs)] + c + ["" if math.isnan(conf) else "%.1f" % conf]
    pairrows = []
    # ssdreplay's clat_ns runs from just before the request is queued to its
    # reaping, so it spans the submission: fio's lat_ns (slat + clat) is its
    # counterpart, and the ratio is fio+fixed lat / ssdreplay clat (above 1:
    # ssdreplay's requests took less time).
    def lratio(fx, b, k):
        return ratio(dict(v=fx.get("lat" + k, float("nan"))), dict(v=b.get("clat" + k, float("nan"))), "v")
    latrows = []
    out = []
    hdr = ("%-17s %-8s %10s %11s %6s  %10s %11s %6s  %10s %6s"
           % ("point", "engine", "fio MiB/s", "ssdreplay", "ratio", "fio-iolog", "sr-trace", "ratio",
              "fio+fixed", "ratio"))
    print(hdr)
    print("%-17s %-8s %10s %11s %6s  %10s %11s %6s  %10s %6s"
          % ("", "", "(a)", "MiB/s (b)", "b/a", "MiB/s (c)", "MiB/s (c)", "sr/fio", "MiB/s", "b/fix"))
    print("-" * len(hdr))
    warn = []
    devrows = []
    for p in pts:
        for eng in engines:
            a = stat(p["point"], eng, "fio")
            b = stat(p["point"], eng, "ssdreplay")
            fx = stat(p["point"], eng, "fio-fixed")
            ci = stat(p["point"], eng, "fio-iolog")
            ct = stat(p["point"], eng, "ssdreplay-trace")
            print("%-17s %-8s %10s %11s %6s  %10s %11s %6s  %10s %6s" % (
                p["point"], eng, f1(a.get("mibs")), f1(b.get("mibs")), fr(ratio(b, a)),
                f1(ci.get("mibs")), f1(ct.get("mibs")), fr(ratio(ct, ci)),
                f1(fx.get("mibs")), fr(ratio(b, fx))))
            devrows.append((p["point"], eng, a, b, fx, ci, ct))
            prs = (paired(p["point"], eng, "ssdreplay", "fio"), paired(p["point"], eng, "ssdreplay", "fio-fixed"),
                   paired(p["point"], eng, "ssdreplay-trace", "fio-iolog"),
                   lat_paired(p["point"], eng) if p["kind"] == "lat" else paired("", "", "", ""))
            pairrows.append((p["point"], eng) + prs)
            if p["kind"] == "lat":
                latrows.append((p["point"], eng, a, b, fx))
            for name, s in (("fio", a), ("ssdreplay", b), ("fio-fixed", fx), ("fio-iolog", ci),
                            ("ssdreplay-trace", ct)):
                if s.get("failed"):
                    warn.append("%s %s %s: %d run(s) failed" % (p["point"], eng, name, s["failed"]))
                if s.get("n", 0) > 1 and s["spread"] > 10:
                    warn.append("%s %s %s: runs spread %.0f%% of the median (max-min)"
                                % (p["point"], eng, name, s["spread"]))
            for name, s in (("fio-iolog", ci), ("ssdreplay-trace", ct)):
                if s.get("n") and int(s["ios"]) != int(p["records"]):
                    warn.append("%s %s %s: completed %d I/Os, the trace has %s records"
                                % (p["point"], eng, name, s["ios"], p["records"]))
            g = lambda s, k: "" if k not in s or math.isnan(s[k]) else "%.6g" % s[k]
            out.append([p["point"], eng, p["rw"], p["bs"], p["qd"], p["jobs"],
                        g(a, "mibs"), g(b, "mibs"), "%.4g" % ratio(b, a), g(a, "iops"), g(b, "iops"),
                        g(fx, "mibs"), g(fx, "iops"), "%.4g" % ratio(b, fx) if fx.get("n") else "",
                        g(ci, "mibs"), g(ct, "mibs"), "%.4g" % ratio(ct, ci), g(ci, "iops"), g(ct, "iops"),
                        p["records"], p["fmt"], g(ci, "ios"), g(ct, "ios"),
                        g(a, "per_core"), g(b, "per_core"), "%.4g" % ratio(b, a, "per_core"),
                        g(a, "spread"), g(b, "spread"), g(fx, "spread"), g(ci, "spread"), g(ct, "spread"),
                        g(a, "dev_kib"), g(b, "dev_kib"), g(fx, "dev_kib"), g(ci, "dev_kib"), g(ct, "dev_kib"),
                        g(a, "dev_merged_pct"), g(b, "dev_merged_pct"), g(fx, "dev_merged_pct"),
                        g(ci, "dev_merged_pct"), g(ct, "dev_merged_pct"),
                        g(b, "clat50"), g(b, "clat99"), g(a, "clat50"), g(a, "clat99"),
                        g(a, "lat50"), g(a, "lat99"), g(fx, "clat50"), g(fx, "clat99"),
                        g(fx, "lat50"), g(fx, "lat99"),
                        "%.4g" % lratio(fx, b, "50"), "%.4g" % lratio(fx, b, "99"),
                        sum(s.get("n", 0) for s in (a, b, fx, ci, ct)),
                        sum(s.get("failed", 0) for s in (a, b, fx, ci, ct))]
                       + pcols(*prs))
    if any(not math.isnan(s.get("dev_kib", float("nan"))) for r in devrows for s in r[2:]):
        print()
        print("device requests (/proc/diskstats): median KiB per request, % of the tool's I/Os merged by the block layer")
        print("%-17s %-8s %13s %13s %13s %13s %13s" % ("point", "engine", "fio (a)", "ssdreplay (b)",
                                                     "fio+fixed", "fio-iolog (c)", "sr-trace (c)"))
        for pt, eng, *ss in devrows:
            cells = []
            for s in ss:
                k, m = s.get("dev_kib", float("nan")), s.get("dev_merged_pct", float("nan"))
                cells.append("-" if math.isnan(k) else "%.0f (%.0f%%)" % (k, m))
            print("%-17s %-8s %13s %13s %13s %13s %13s" % (pt, eng, *cells))
    if latrows:
        print()
        print("completion latency, us (medians of the runs' p50 and p99): ssdreplay clat_ns spans the submission,")
        print("as fio's lat_ns (slat+clat) does; fio's clat_ns starts after io_uring_enter/io_submit returned")
        print("%-17s %-8s %15s %15s %15s %15s %15s %13s" % ("point", "engine", "ssdreplay clat", "fio clat",
                                                          "fio lat", "fio+fixed clat", "fio+fixed lat",
                                                          "fix lat/sr"))
        print("%-17s %-8s %15s %15s %15s %15s %15s %13s" % ("", "", "p50 / p99", "p50 / p99", "p50 / p99",
                                                          "p50 / p99", "p50 / p99", "p50 / p99"))
        for pt, eng, a, b, fx in latrows:
            pp = lambda s, k: "%s / %s" % (f1(s.get(k + "50")), f1(s.get(k + "99")))
            print("%-17s %-8s %15s %15s %15s %15s %15s %13s" % (
                pt, eng, pp(b, "clat"), pp(a, "clat"), pp(a, "lat"), pp(fx, "clat"), pp(fx, "lat"),
                "%s / %s" % (fr(lratio(fx, b, "50")), fr(lratio(fx, b, "99")))))
    if any(pr["n"] for r in pairrows for pr in r[2:]):
        conf = next(pr["conf"] for r in pairrows for pr in r[2:] if pr["n"])
        print()
        print("paired ratios: ssdreplay / fio per repeat (runs of a repeat back to back), median [interval]")
        print("(the interval holds the true median with ~%.0f%% confidence for %d pairs; \"noise\": it holds 1)"
              % (conf, max(pr["n"] for r in pairrows for pr in r[2:])))
        print("%-17s %-8s %-27s %-27s %-27s %-27s" % ("point", "engine", "b/a", "b/fix", "(c) sr/fio",
                                                   "lat p50 fix/sr"))
        for pt, eng, *prs in pairrows:
            print("%-17s %-8s %-27s %-27s %-27s %-27s" % (pt, eng, *(
                "" if not pr["n"] else "%s %s" % (fpr(pr), verdict(pr)) for pr in prs)))
    # null engine point
    a = stat("null-4k-randread-qd1", "null", "fio")
    b = stat("null-4k-randread-qd1", "null", "ssdreplay")
    if a.get("n") or b.get("n") or a.get("failed") or b.get("failed"):
        print()
        print("null engine, 4k randread QD1: requests/s per core = IOPS / ((usr_cpu+sys_cpu)/100)")
        print("%-10s %12s %10s %14s" % ("tool", "IOPS", "usr+sys %", "req/s per core"))
        for name, s in (("fio", a), ("ssdreplay", b)):
            print("%-10s %12s %10s %14s" % (name, fmt_num(s.get("iops")),
                                            f1(s.get("cpu")), fmt_num(s.get("per_core"))))
        rpc = ratio(b, a, "per_core")
        print("ssdreplay/fio: IOPS %s, per core %s (target >= 2x: %s)"
              % (fr(ratio(b, a, "iops")), fr(rpc),
                 "n/a" if math.isnan(rpc) else ("met" if rpc >= 2 else "NOT met")))
        for name, s in (("fio", a), ("ssdreplay", b)):
            if s.get("failed"):
                warn.append("null point %s: %d run(s) failed" % (name, s["failed"]))
        g = lambda s, k: "" if k not in s or math.isnan(s[k]) else "%.6g" % s[k]
        out.append(["null-4k-randread-qd1", "null", "randread", "4k", "1", "1",
                    g(a, "mibs"), g(b, "mibs"), "%.4g" % ratio(b, a), g(a, "iops"), g(b, "iops"),
                    "", "", "", "", "", "", "", "", "", "", "", "",
                    g(a, "per_core"), g(b, "per_core"), "%.4g" % rpc,
                    g(a, "spread"), g(b, "spread"), "", "", "",
                    "", "", "", "", "", "", "", "", "", "",
                    "", "", "", "", "", "", "", "", "", "", "", "",
                    a.get("n", 0) + b.get("n", 0), a.get("failed", 0) + b.get("failed", 0)]
                   + pcols(paired("null-4k-randread-qd1", "null", "ssdreplay", "fio"), *(paired("", "", "", ""),) * 3))
    with open(notes) as f:
        nl = [l.rstrip("\n") for l in f if l.strip()]
    if nl or warn:
        print()
        for l in nl + warn:
            print("note: " + l)
    os.makedirs(os.path.dirname(os.path.abspath(csv_out)), exist_ok=True)
    with open(csv_out, "w", newline="") as f:
        with open(header) as h:
            for l in h:
                f.write("# " + l.rstrip("\n") + "\n")
        for l in nl + warn:
            f.write("# note: " + l + "\n")
        f.write("# commands (OUT.json: one per run; each run under `timeout`, page cache of the\n")
        f.write("# scratch file dropped before each with dd iflag=nocache count=0):\n")
        with open(cmds) as c:
            for l in c:
                f.write("#   " + l.rstrip("\n") + "\n")
        w = csv.writer(f)
        w.writerow(cols)
        w.writerows(out)

cmd = sys.argv[1]
if cmd == "extract":
    extract(sys.argv[2])
elif cmd == "estimate":
    estimate(sys.argv[2], sys.argv[3])
elif cmd == "gentrace":
    gentrace(*sys.argv[2:10])
elif cmd == "report":
    report(*sys.argv[2:9])
else:
    sys.exit("helper: unknown command " + cmd)
PYEOF

# ---- running ---------------------------------------------------------------
huge_free() { awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo; }
huge_ok() { # huge_ok BYTES JOBS: enough free 2 MiB huge pages for fio's --iomem=shmhuge
	local free
	free=$(huge_free)
	[[ $(awk '/^Hugepagesize:/ { print $2 }' /proc/meminfo) == 2048 ]] && ((${free:-0} >= ${2:-1} * (($1 >> 21) + 2)))
}
# fio at its best wants its buffers on huge pages: as root, reserve what the
# largest point needs for the run (jobs x (bs x qd + a page of slack)) and
# give the old vm.nr_hugepages back at exit.
HUGE_OLD=
reserve_huge() {
	local need=0 spec b q j n free cur
	for spec in "${POINTS[@]}"; do
		IFS=: read -r _ _ b q j _ <<<"$spec"
		n=$((j * (($(numfmt --from=iec "${b^^}") * q >> 21) + 2)))
		((n > need)) && need=$n
	done
	free=$(huge_free)
	((${free:-0} >= need)) && return 0
	[[ -w /proc/sys/vm/nr_hugepages && $(awk '/^Hugepagesize:/ { print $2 }' /proc/meminfo) == 2048 ]] || return 0
	cur=$(cat /proc/sys/vm/nr_hugepages)
	HUGE_OLD=$cur
	echo $((cur + need - ${free:-0})) >/proc/sys/vm/nr_hugepages 2>/dev/null || true
	echo "reserved huge pages for fio --iomem=shmhuge: vm.nr_hugepages $cur -> $(cat /proc/sys/vm/nr_hugepages) (restored at exit), $(huge_free) free" >>"$NOTES"
}
reserve_huge
evict() { dd if="$FILE" iflag=nocache count=0 status=none 2>/dev/null || true; }

# Reads the device under the scratch file saw during a run, from /proc/diskstats
# (read only): requests, requests merged into others, sectors. Shows whether the
# block layer merged a tool's requests into bigger ones. Includes any other I/O
# on that device at the same time.
read -r DEV_MAJ DEV_MIN < <(stat -c '%Hd %Ld' -- "$FILE")
devstat() { awk -v M="$DEV_MAJ" -v m="$DEV_MIN" '$1 == M && $2 == m { print $4, $5, $6; f = 1 } END { if (!f) print "- - -" }' /proc/diskstats; }

declare -A SEEN_CMD=()
record_cmd() { # record_cmd WORDS...: once per distinct command
	local s
	s=$(printf '%q ' "$@")
	s=${s% }
	s=${s//"$WORK"/\$WORK}
	s=${s//@OUT@/OUT.json}
	if [[ -z ${SEEN_CMD[$s]+x} ]]; then
		SEEN_CMD[$s]=1
		printf '%s\n' "$s" >>"$CMDS"
	fi
}

RUN_NO=0 RUN_TOTAL=0
LAST_RC=0
# run_one POINT ENGINE VARIANT REP LIMIT_S CMD...: CMD has @OUT@ where the JSON goes.
run_one() {
	local point=$1 engine=$2 variant=$3 rep=$4 limit=$5
	shift 5
	local base="$WORK/$point.$engine.$variant.$rep" args=() a line rc=0
	for a in "$@"; do args+=("${a//@OUT@/$base.json}"); done
	record_cmd "${PRIO[@]}" "$@"
	evict
	RUN_NO=$((RUN_NO + 1))
	local r0 m0 s0 r1 m1 s1 dev="-\t-\t-"
	read -r r0 m0 s0 < <(devstat)
	timeout -k 5 "$limit" "${PRIO[@]}" "${args[@]}" >"$base.log" 2>&1 || rc=$?
	read -r r1 m1 s1 < <(devstat)
	[[ $r0 != - ]] && dev="$((r1 - r0))\t$((m1 - m0))\t$((s1 - s0))"
	LAST_RC=$rc
	if ((rc == 0)) && line=$("$PY" "$HELPER" extract "$base.json" 2>>"$base.log"); then
		printf '%s\t%s\t%s\t%s\t%s\t%b\n' "$point" "$engine" "$variant" "$rep" "$line" "$dev" >>"$RESULTS"
		local iops mibs
		IFS=$'\t' read -r _ _ iops _ _ _ _ mibs _ <<<"$line"
		note "$(printf '[%3d/%d] %-20s %-8s %-15s rep %d: %9.1f MiB/s %10.0f IOPS' "$RUN_NO" "$RUN_TOTAL" \
			"$point" "$engine" "$variant" "$rep" "$mibs" "$iops")"
	else
		local why="exit $rc"
		((rc == 124 || rc == 137)) && why="timed out after ${limit}s (killed)"
		printf '%s\t%s\t%s\t%s\tfailed\n' "$point" "$engine" "$variant" "$rep" >>"$RESULTS"
		note "$(printf '[%3d/%d] %-20s %-8s %-15s rep %d: FAILED (%s)' "$RUN_NO" "$RUN_TOTAL" \
			"$point" "$engine" "$variant" "$rep" "$why")"
		note "  command: $(printf '%q ' "${args[@]}")"
		sed 's/^/  | /' "$base.log" | tail -n 5 >&2 || true
	fi
	return 0
}

# Does this ssdreplay read fio iologs? Probe with a tiny one; fall back to CSV.
TRACE_FMT=fio-iolog
probe=$WORK/probe.iolog
"$PY" "$HELPER" gentrace "$probe" - "$FILE" "$SIZE" 4096 read 8 1
if ! timeout -k 2 20 "$SR" replay "$FILE" --trace "$probe" --format fio-iolog --qd 4 --engine io_uring \
	--bs 4k --output-format json -o "$WORK/probe.json" >"$WORK/probe.log" 2>&1 ||
	[[ $("$PY" "$HELPER" extract "$WORK/probe.json" 2>/dev/null | cut -f6) != 8 ]]; then
	TRACE_FMT=csv
	echo "ssdreplay could not replay a fio iolog ($(head -c 200 "$WORK/probe.log" | tr -s '\n' ' ' | sed 's/ $//')); (c) uses a CSV trace (offset,length) with the same records for ssdreplay" >>"$NOTES"
fi

for spec in "${POINTS[@]}"; do # (a), (b), fio+best, and (c) twice where the point has it
	IFS=: read -r _ _ _ _ j k <<<"$spec"
	if ((j == 1)) && [[ $k == bw ]]; then n=5; else n=3; fi
	RUN_TOTAL=$((RUN_TOTAL + ${#ENGINES[@]} * REPEAT * n))
done
((RUN_NULL)) && RUN_TOTAL=$((RUN_TOTAL + 2 * REPEAT))
note "ssdreplay vs fio: $FILE ($SIZE bytes), runtime ${RUNTIME}s, $REPEAT repeat(s), engines ${ENGINES[*]}, $RUN_TOTAL runs (~$((RUN_TOTAL * RUNTIME / 60 + 1)) min)"

LIMIT_T=$((RUNTIME * 3 + 30))   # time-based runs
LIMIT_C=$((RUNTIME * 10 + 60))  # one pass of a trace sized for ~RUNTIME seconds

for spec in "${POINTS[@]}"; do
	IFS=: read -r point rw bs qd jobs kind <<<"$spec"
	bs_bytes=$(numfmt --from=iec "${bs^^}")
	if [[ $rw == randread ]]; then pat=rand; else pat=seq; fi
	fio_jobs=() sr_jobs=()
	((jobs > 1)) && fio_jobs=(--numjobs="$jobs" --group_reporting) sr_jobs=(--threads "$jobs")
	# fio reports lat_ns percentiles (the counterpart of ssdreplay's clat) only when asked
	[[ $kind == lat ]] && fio_jobs+=(--lat_percentiles=1)

	# (a) fio's generator vs (b) ssdreplay --pattern, [fio+fixedbufs], alternating
	for eng in "${ENGINES[@]}"; do
		variants=(fio ssdreplay)
		variants+=(fio-fixed)
		for ((rep = 1; rep <= REPEAT; rep++)); do
			n=${#variants[@]}
			for ((k = 0; k < n; k++)); do
				v=${variants[$(((k + rep - 1) % n))]} # rotate who goes first
				case $v in
				fio | fio-fixed)
					extra=()
					if [[ $v == fio-fixed ]]; then
						# fio at its best: registered buffers and file (io_uring)
						# or reaping from the AIO ring in user space (libaio), and
						# its buffers on huge pages when enough are reserved
						if [[ $eng == io_uring ]]; then
							extra=(--fixedbufs --registerfiles)
						else
							extra=(--userspace_reap)
						fi
						if huge_ok "$((bs_bytes * qd))" "$jobs"; then
							extra+=(--iomem=shmhuge)
						elif [[ $rep == 1 ]]; then
							echo "$point $eng: fio+fixed without --iomem=shmhuge: $(huge_free) free huge pages, $((jobs * ((bs_bytes * qd >> 21) + 2))) needed (sysctl vm.nr_hugepages)" >>"$NOTES"
						fi
					fi
					run_one "$point" "$eng" "$v" "$rep" "$LIMIT_T" \
						"$FIO" --name=x --filename="$FILE" --direct=1 --ioengine="$eng" --rw="$rw" --bs="$bs" \
						--iodepth="$qd" "${fio_jobs[@]}" "${extra[@]}" --runtime="$RUNTIME" --time_based \
						--output-format=json --output=@OUT@
					;;
				ssdreplay)
					run_one "$point" "$eng" "$v" "$rep" "$LIMIT_T" \
						"$SR" replay "$FILE" --pattern "$pat" --bs "$bs" --qd "$qd" "${sr_jobs[@]}" --engine "$eng" \
						--runtime "$RUNTIME" --loops 0 --output-format json -o @OUT@
					;;
				esac
			done
		done
	done

	if ((jobs > 1)) || [[ $kind != bw ]]; then
		printf '%s\t%s\t%s\t%s\t-\t-\t%s\t%s\n' "$point" "$rw" "$bs" "$qd" "$jobs" "$kind" >>"$META"
		continue
	fi
	# (c) one trace per point, sized to last about RUNTIME s at the speed seen above
	est=$("$PY" "$HELPER" estimate "$RESULTS" "$point")
	records=$("$PY" -c "import math; e=$est; print(max(1024, min($MAX_RECORDS, math.ceil(e*$RUNTIME*1.25/$bs_bytes) if e > 0 else $SIZE//$bs_bytes)))")
	iolog=$WORK/$point.iolog
	csvtrace=-
	[[ $TRACE_FMT == csv ]] && csvtrace=$WORK/$point.csv
	"$PY" "$HELPER" gentrace "$iolog" "$csvtrace" "$FILE" "$SIZE" "$bs_bytes" "$rw" "$records" 1
	note "trace for $point: $records records ($(
		[[ $rw == randread ]] && echo "random $bs-aligned offsets" || echo "sequential, wrapping"
	)) -> $iolog"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$point" "$rw" "$bs" "$qd" "$records" "$TRACE_FMT" "$jobs" "$kind" >>"$META"
	if [[ $TRACE_FMT == csv ]]; then
		sr_trace=(--trace "$csvtrace" --format csv)
	else
		sr_trace=(--trace "$iolog" --format fio-iolog)
	fi
	for eng in "${ENGINES[@]}"; do
		for ((rep = 1; rep <= REPEAT; rep++)); do
			order=(fio-iolog ssdreplay-trace)
			((rep % 2 == 0)) && order=(ssdreplay-trace fio-iolog)
			for v in "${order[@]}"; do
				if [[ $v == fio-iolog ]]; then
					run_one "$point" "$eng" "$v" "$rep" "$LIMIT_C" \
						"$FIO" --name=x --read_iolog="$iolog" --replay_redirect="$FILE" --replay_no_stall=1 \
						--direct=1 --ioengine="$eng" --iodepth="$qd" --output-format=json --output=@OUT@
				else
					run_one "$point" "$eng" "$v" "$rep" "$LIMIT_C" \
						"$SR" replay "$FILE" "${sr_trace[@]}" --qd "$qd" --engine "$eng" --bs "$bs" \
						--output-format json -o @OUT@
				fi
			done
		done
	done
done

# ---- null engine: the replayer's own cost per request --------------------
point=null-4k-randread-qd1
for ((rep = 1; RUN_NULL && rep <= REPEAT; rep++)); do
	order=(fio ssdreplay)
	((rep % 2 == 0)) && order=(ssdreplay fio)
	for v in "${order[@]}"; do
		if [[ $v == fio ]]; then
			run_one "$point" null fio "$rep" "$LIMIT_T" \
				"$FIO" --name=x --ioengine=null --rw=randread --bs=4k --size="$SIZE" --iodepth=1 \
				--runtime="$RUNTIME" --time_based --output-format=json --output=@OUT@
		else
			run_one "$point" null ssdreplay "$rep" "$LIMIT_T" \
				"$SR" replay "$FILE" --engine null --pattern rand --bs 4k --qd 1 --runtime "$RUNTIME" \
				--loops 0 --output-format json -o @OUT@
		fi
	done
done

# ---- report ----------------------------------------------------------------
HEADER=$WORK/header.txt
{
	echo "ssdreplay vs fio ($PROG), $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "host: $(uname -sr), $(nproc) cpus; disk under $FILE: $(df --output=source -- "$FILE" | tail -n 1)"
	echo "fio: $("$FIO" --version); ssdreplay: \$WORK/ssdreplay = copy of $SR_ORIG taken at start (sha256 $SR_SUM, tree $(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown))"
	echo "scratch file: $FILE, $SIZE bytes; runtime ${RUNTIME}s; repeats $REPEAT (alternating); engines ${ENGINES[*]}"
	echo "medians over the repeats; MiB/s = bw_bytes/2^20; ratio = ssdreplay/fio; (c) = one pass of the same trace, ssdreplay format $TRACE_FMT"
} >"$HEADER"
mkdir -p -- "$(dirname -- "$OUT")"
"$PY" "$HELPER" report "$RESULTS" "$META" "$CMDS" "$NOTES" "$HEADER" "$OUT" "${ENGINES[*]}"
echo
echo "CSV: $OUT"
