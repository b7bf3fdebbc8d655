#!/bin/bash
# Recorded timing, measured from outside the tool: one schedule of random
# 4 KiB reads at a fixed rate replayed by ssdreplay (--timing recorded) and
# by fio (iolog v3, read_iolog) onto one loop device, with the issue time of
# every request (block_rq_issue) taken from tracefs and matched to the
# schedule by offset; submission times (block_bio_queue, in the tool's own
# context) give a second lag. SR_TIMING_DEVICE=zram replays onto a zram
# device of its own (in memory, bio-based, removed at exit) instead of the
# loop device, so the device's stalls are out of the figure.
#   bench/timing.sh [RATE [COUNT]]   default 20000 reads/s, 20000 reads
# Lag of a request = its issue time - (t0 + its scheduled time), t0 chosen
# so the earliest request has lag 0 (no tool can issue before the
# schedule, and the tools' own clocks are not visible from the kernel).
# Span = last issue - first issue, against the schedule's. On a machine
# busy with other work, SR_TIMING_PRIO="chrt -f 20" runs both tools at a
# real-time priority (the same for both). SR_TIMING_RUNS (3) runs per tool,
# alternating, the first tool rotating; the median row per tool is over
# those runs. clat p50/p99 are each tool's own completion latency (JSON): at
# QD 32 a request cannot be issued before one of 32 completes, so a clat p99
# above QD/RATE (1.6 ms at 20,000/s) shows up as lag however the tool
# paces. Needs root,
# tracefs, losetup, fio and python3; the backing file (256 MiB, fully
# written) and the loop device are removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${1:-20000}
COUNT=${2:-20000}
QD=${SR_TIMING_QD:-32}
RUNS=${SR_TIMING_RUNS:-3}
B=${SR_BUILD:-build}
[ "$(id -u)" = 0 ] || { echo "timing.sh: needs root (loop device, tracefs)" >&2; exit 77; }
command -v fio >/dev/null || { echo "timing.sh: needs fio" >&2; exit 77; }
TR=/sys/kernel/tracing
[ -d "$TR/instances" ] || mount -t tracefs none "$TR" 2>/dev/null || true
[ -d "$TR/instances" ] || { echo "timing.sh: no tracefs at $TR" >&2; exit 77; }
cmake --build "$B" --target ssdreplay >/dev/null

D=$(mktemp -d "${SR_BENCH_DIR:-/var/tmp}/sr_timing.XXXXXX")
INST="$TR/instances/sr_timing_$$"
LOOP= ZRAM=
cleanup() {
	if [ -d "$INST" ]; then
		echo 0 >"$INST/tracing_on" 2>/dev/null || true
		rmdir "$INST" 2>/dev/null || true
	fi
	if [ -n "$ZRAM" ]; then
		echo "$ZRAM" >/sys/class/zram-control/hot_remove 2>/dev/null || true
	elif [ -n "$LOOP" ]; then
		losetup -d "$LOOP" 2>/dev/null || true
	fi
	rm -rf "$D"
}
trap cleanup EXIT

"$B/ssdreplay" prep "$D/backing" --size 256M >/dev/null
if [ "${SR_TIMING_DEVICE:-loop}" = zram ]; then
	# an in-memory device of its own: no host or loop-worker stalls, so the
	# lag left is the tool's pacing (bio-based: block_bio_queue only)
	[ -w /sys/class/zram-control/hot_add ] || { echo "timing.sh: no zram-control" >&2; exit 77; }
	ZRAM=$(cat /sys/class/zram-control/hot_add)
	echo 256M >"/sys/block/zram$ZRAM/disksize"
	LOOP=/dev/zram$ZRAM
	dd if="$D/backing" of="$LOOP" bs=1M oflag=direct status=none
else
	LOOP=$(losetup --direct-io=on -f --show "$D/backing")
fi
DEV=$(basename "$LOOP")
MAJMIN=$(cat "/sys/block/$DEV/dev")

# the schedule: COUNT distinct random 4 KiB blocks, one every 1/RATE s
python3 - "$D" "$RATE" "$COUNT" "$LOOP" <<'PY'
import random, sys
d, rate, count, dev = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
blocks = random.Random(19).sample(range((256 << 20) // 4096), count)
with open(d + "/sched.csv", "w") as c, open(d + "/sched.iolog", "w") as f:
    c.write("time_ns,offset,length,op\n")
    f.write("fio version 3 iolog\n0 %s add\n0 %s open\n" % (dev, dev))
    for i, b in enumerate(blocks):
        t = i * 1000000000 // rate
        c.write("%d,%d,4096,r\n" % (t, b * 4096))
        f.write("%d %s read %d 4096\n" % (t // 1000, dev, b * 4096))  # v3: microseconds
    f.write("%d %s close\n" % ((count - 1) * 1000000 // rate, dev))
PY

mkdir "$INST"
echo mono >"$INST/trace_clock"
echo 65536 >"$INST/buffer_size_kb"
for ev in block_rq_issue block_bio_queue; do
	echo "dev == $(( (${MAJMIN%:*} << 20) | ${MAJMIN#*:} ))" >"$INST/events/block/$ev/filter"
	echo 1 >"$INST/events/block/$ev/enable"
done

# beside each run, one stall probe per CPU (bench/stall_probe.c) at a
# real-time priority above the tools': a late wake-up there means the CPU
# ran nothing of this machine's own (the hypervisor had it)
PROBE="$B/sr_stall_probe"
cmake --build "$B" --target sr_stall_probe >/dev/null
NCPU=$(nproc)
capture() { # NAME CMD...: issue events of one run into $D/NAME.trace
	local name=$1 pids=() c
	shift
	printf '%s\t%s\n' "$name" "$*" >>"$D/commands"
	echo >"$INST/trace"
	for ((c = 0; c < NCPU; c++)); do
		taskset -c "$c" chrt -f 30 "$PROBE" 600 >"$D/$name.stall$c" &
		pids+=($!)
	done
	echo 1 >"$INST/tracing_on"
	"$@" >"$D/$name.out" 2>&1 || { echo "$name failed:"; cat "$D/$name.out"; }
	echo 0 >"$INST/tracing_on"
	kill -TERM "${pids[@]}" 2>/dev/null || true
	wait "${pids[@]}" 2>/dev/null || true
	cat "$INST/trace" >"$D/$name.trace"
}

echo "schedule: $COUNT random 4 KiB reads at $RATE/s onto $LOOP (qd $QD), $RUNS runs per tool; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
run_sr() { # shellcheck disable=SC2086 # PRIO is words
	capture "ssdreplay$1" ${SR_TIMING_PRIO:-} "$B/ssdreplay" replay "$LOOP" --trace "$D/sched.csv" --timing recorded \
		--qd "$QD" --engine io_uring --output-format json -o "$D/ssdreplay$1.json"
}
run_fio() { # shellcheck disable=SC2086
	capture "fio$1" ${SR_TIMING_PRIO:-} fio --name=timing --read_iolog="$D/sched.iolog" --ioengine=io_uring \
		--iodepth="$QD" --direct=1 --filename="$LOOP" --output-format=json --output="$D/fio$1.json"
}
for ((run = 1; run <= RUNS; run++)); do
	if ((run % 2)); then run_sr "$run"; run_fio "$run"; else run_fio "$run"; run_sr "$run"; fi
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$D" "$RATE" "$COUNT" "$RUNS" <<'PY'
import json, re, statistics, sys
d, rate, count, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
sched = {}
for line in open(d + "/sched.csv").readlines()[1:]:
    t, off, _, _ = line.split(",")
    sched[int(off)] = int(t)
pat = re.compile(r" (\d+)\.(\d+): block_rq_issue: \S+ \S+ \d+ \(\S*\) (\d+) \+ (\d+)")
bpat = re.compile(r" (\d+)\.(\d+): block_bio_queue: \S+ \S+ (\d+) \+ (\d+)")
span_sched = (count - 1) / rate
def clat(name):
    try:
        t = open("%s/%s.json" % (d, name)).read()
        p = json.loads(t[t.find("{"):])["jobs"][0]["read"]["clat_ns"]["percentile"]
        return p["50.000000"] / 1000, p["99.000000"] / 1000
    except (OSError, ValueError, KeyError, IndexError):
        return float("nan"), float("nan")
fmt = "%-12s %8s %9s %9s %9s %9s %9s %11s %11s %9s %9s %7s %8s %8s %8s"
print(fmt % ("run", "matched", "p50 us", "p90 us", "p99 us", "max us", "span s", "clat p50 us", "clat p99 us",
             "sub p50", "sub p99", "stalls", "worst ms", "any cpu%", "all cpu%"))
import glob
def stalls(name):
    """Windows (start, end) ns when a CPU's probe woke late, the period before
    its due time included (the CPU left somewhere in it), per CPU, and the
    worst."""
    cpus, worst = [], 0
    for f in sorted(glob.glob("%s/%s.stall*" % (d, name))):
        win = []
        for line in open(f):
            w = line.split()
            if w[0] == "stall":
                due, woke = int(w[1]), int(w[2])
                win.append((due - 1000000, woke))
                worst = max(worst, woke - due)
        cpus.append(win)
    return cpus, worst / 1e6
def away(cpus, t, every):
    """t within a window (or 0.5 ms after) of any CPU's probe, or of every CPU's."""
    hit = [any(a <= t <= b + 500000 for a, b in win) for win in cpus]
    return all(hit) if every else any(hit)
def lags(ev):
    pairs = [(ev[o], sched[o]) for o in sched if o in ev]
    if len(pairs) < 2:
        return pairs, None
    t0 = min(i - s for i, s in pairs)
    return pairs, sorted((i - s - t0) / 1000 for i, s in pairs)
def due_in(pairs, cpus, every):
    """Share of the requests due while a CPU (every CPU) was away, or within
    0.5 ms after."""
    if not pairs or not cpus:
        return 0.0
    t0 = min(i - s for i, s in pairs)
    return 100.0 * sum(away(cpus, t0 + s, every) for _, s in pairs) / len(pairs)
def q(lag, p):
    return lag[min(len(lag) - 1, int(p / 100 * len(lag)))] if lag else float("nan")
rows = {"ssdreplay": [], "fio": []}
for name in ["%s%d" % (t, r) for r in range(1, runs + 1) for t in (("ssdreplay", "fio") if r % 2 else ("fio", "ssdreplay"))]:
    issue, sub = {}, {}
    for line in open("%s/%s.trace" % (d, name)):
        for p, ev in ((pat, issue), (bpat, sub)):
            m = p.search(line)
            if m:
                t = int(m.group(1)) * 10**9 + int(m.group(2).ljust(9, "0")[:9])
                ev.setdefault(int(m.group(3)) * 512, t)
    pairs, lag = lags(issue or sub)  # a bio-based device (zram) has no requests
    if lag is None:
        print("%-12s %8d   (no issue events matched)" % (name, len(pairs)))
        continue
    _, slag = lags(sub)
    span = (max(i for i, _ in pairs) - min(i for i, _ in pairs)) / 1e9
    cpus, worst = stalls(name)
    row = (len(pairs), q(lag, 50), q(lag, 90), q(lag, 99), lag[-1], span) + clat(name) + (q(slag, 50), q(slag, 99)) + \
        (sum(len(w) for w in cpus), worst, due_in(pairs, cpus, False), due_in(pairs, cpus, True))
    rows[name.rstrip("0123456789")].append(row)
    print("%-12s %8d %9.1f %9.1f %9.1f %9.1f %9.4f %11.1f %11.1f %9.1f %9.1f %7d %8.2f %8.2f %8.2f" % ((name,) + row))
for tool, rs in rows.items():
    if rs:
        med = [statistics.median(c) for c in zip(*rs)]
        print("%-12s %8d %9.1f %9.1f %9.1f %9.1f %9.4f %11.1f %11.1f %9.1f %9.1f %7d %8.2f %8.2f %8.2f" % (("median " + ("sr" if tool == "ssdreplay" else tool),) + (int(med[0]),) + tuple(med[1:-4]) + (int(med[-4]),) + tuple(med[-3:])))
print("schedule span %.4f s; lag: issue (block_rq_issue) - scheduled time, the earliest request at 0; sub: the same"
      " for submission (block_bio_queue, in the tool's own context); stalls: late wake-ups (> 1 ms) of the per-CPU"
      " probes at real-time priority during the run (all CPUs), worst the longest; any/all cpu%%: requests due while"
      " any CPU's (every CPU's) probe was away, or within 0.5 ms after; median rows: medians over the runs" % span_sched)
PY
echo "commands (run N; \$D is the work directory, removed at exit):"
sed "s|$D|\$D|g" "$D/commands" | awk -F'\t' '{ k = $1; sub(/[0-9]+$/, "", k) } !seen[k]++ { print "  " $2 }'
