#!/bin/bash
# Parse rates of the trace readers, and analyze's memory on a large trace.
#   bench/parse_rate.sh [N]      N records per fixture (default 10000000)
# Fixtures are generated into ${SR_BENCH_DIR:-/tmp}/sr_parse.* and removed at
# the end. Figures print as "M records/s" per CPU second (the machine's other
# load does not count against the reader) and wall.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000000}
B=${SR_BUILD:-build}
D=$(mktemp -d "${SR_BENCH_DIR:-/tmp}/sr_parse.XXXXXX")
trap 'rm -rf "$D"' EXIT
cmake --build "$B" --target sr_parse_rate ssdreplay >/dev/null

echo "generating $N-record fixtures in $D (load average: $(cut -d" " -f1-3 /proc/loadavg))"
# blktrace v7, one CPU file, little endian: D events, 128 KiB reads
python3 - "$D/dev.blktrace.0" "$N" <<'PY'
import struct, sys
path, n = sys.argv[1], int(sys.argv[2])
rec = struct.Struct("<IIQQIIIIIHH")
out = open(path, "wb")
buf = bytearray()
for i in range(n):
    buf += rec.pack(0x65617407, i, i * 1000, (i * 256) % (1 << 33), 131072,
                    7 | (1 << 16), 1234, (259 << 20) | 0, 0, 0, 0)
    if len(buf) > 1 << 22:
        out.write(buf); buf.clear()
out.write(buf)
PY
awk -v n="$N" 'BEGIN { print "time_ns,offset,length,op"; for (i = 0; i < n; i++) printf "%.0f,%.0f,131072,r\n", i * 1000, (i % 65536) * 131072 }' >"$D/t.csv"
awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "             dd-7791    [000] .....  %d.%06d: block_rq_issue: 259,0 RS 131072 () %d + 256 be,0,4 [dd]\n", 5000 + i / 1000000, i % 1000000, (i * 256) % 16777216 }' >"$D/t.ftrace"

for f in "$D/dev.blktrace.0:blktrace" "$D/t.csv:csv" "$D/t.ftrace:ftrace"; do
	"$B/sr_parse_rate" "${f%:*}" "${f##*:}"
done
# CSV and ftrace files over 8 MiB are parsed by helper threads
# (trace/plines.c): the same files read on one core.
for f in "$D/t.csv:csv" "$D/t.ftrace:ftrace"; do
	"$B/sr_parse_rate" "${f%:*}" "${f##*:}" seq
done
# The whole analyze command (reader and every statistic of the default
# report), on one core (taskset: no helper thread then) and with the
# parallel reader on the CPUs the script may use. Records/s per CPU second
# is the work it costs; wall gains from the second core only when the
# machine has one free.
CPUS=$(nproc)
for f in "$D/t.csv" "$D/t.ftrace"; do
	for how in "one core" "parallel reader, $CPUS CPUs"; do
		pin=()
		[ "$how" = "one core" ] && pin=(taskset -c "$(taskset -pc $$ | sed 's/.*: //; s/[,-].*//')")
		# the child's rusage from wait4, in microseconds (/usr/bin/time
		# rounds to 10 ms)
		python3 - "$f" "$how" "$N" "${pin[@]}" "$B/ssdreplay" analyze "$f" <<'PY2'
import os, sys, time
f, how, n, cmd = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    os.execvp(cmd[0], cmd)
_, status, ru = os.wait4(pid, 0)
w = time.monotonic() - t0
if status:
    sys.exit("analyze failed: %s" % " ".join(cmd))
c = ru.ru_utime + ru.ru_stime
print("analyze %s (%s): %.2f M records/s per cpu second, %.2f M/s wall (%.3f s cpu, %.3f s wall)"
      % (f.rsplit(".", 1)[1], how, n / c / 1e6, n / w / 1e6, c, w))
PY2
	done
done
# analyze's memory on 100 M requests (SR_ANALYZE_N), streamed through a FIFO
# so no 4 GB fixture is written: offsets spread over 4 TiB at 4 KiB pages.
A=${SR_ANALYZE_N:-100000000}
if "$B/ssdreplay" help 2>/dev/null | grep -q analyze; then
	mkfifo "$D/fifo"
	awk -v n="$A" 'BEGIN { print "offset,length"; for (i = 0; i < n; i++) printf "%.0f,131072\n", ((i * 7919) % 33554432) * 131072 }' >"$D/fifo" &
	echo "analyze of $A requests over 4 TiB (page bitmap, streaming):"
	/usr/bin/time -f "  %e s wall, %U s user, max RSS %M KiB" \
		"$B/ssdreplay" analyze "$D/fifo" --format csv --output-format json >"$D/a.json"
	wait
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print("  " + json.dumps(j)[:300])' "$D/a.json"
fi
