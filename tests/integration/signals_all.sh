#!/bin/bash
# SIGINT/SIGTERM (and SIGHUP: a closed terminal) mid-run for sweep, simulate (simulated and --real-mmap),
# replay over several targets with its side outputs, and record: exit 130,
# one "partial" line on stderr, every output file complete and parseable
# (JSON, CSV, SVG, traces), cgroups and tracefs instances removed. Runs under
# the sanitizer build too (ctest --test-dir build-san -R signals).
. "$SR_TESTLIB"

f=$T/target
$SR prep "$f" --size 32M --quiet || fail "prep"

# stop PID SIG [GROUP]: send SIG (to the process group with GROUP), wait at
# most 15 s; exit status in $rc.
stop() {
	if [ -n "${3:-}" ]; then kill -"$2" -- -"$1"; else kill -"$2" "$1"; fi
	stop_within 15 "$1" || fail "pid $1 did not stop within 15 s of SIG$2"
}
parses() { # parses KIND FILE...: each file is valid JSON / CSV / XML
	local kind=$1
	shift
	python3 - "$kind" "$@" <<'EOF' || fail "$kind does not parse: $*"
import csv, json, sys, xml.dom.minidom
kind = sys.argv[1]
for p in sys.argv[2:]:
    if kind == "json":
        json.load(open(p))
    elif kind == "csv":
        rows = list(csv.reader(open(p)))
        assert rows and all(len(r) == len(rows[0]) for r in rows), p + ": ragged CSV"
    else:
        xml.dom.minidom.parse(p)
EOF
}
one_partial_line() { # stderr: exactly one line after any progress output, saying partial
	tr '\r' '\n' <"$T/err" | grep -v '^\[' | grep -v '^ *$' >"$T/err1"
	[ "$(wc -l <"$T/err1")" = 1 ] || { cat "$T/err1" >&2; fail "$1: expected one line on stderr"; }
	grep -q "stopped by signal .*partial" "$T/err1" || { cat "$T/err1" >&2; fail "$1: no partial notice"; }
}

# ---- sweep: points done so far in CSV, JSON and plots; JSON marked incomplete
for sig in INT TERM; do
	rm -rf "$T/sw"
	$SR sweep "$f" --bs 4k,64k --qd 1,8 --runtime 1s -o "$T/sw" --no-png --output-format json >"$T/sw.out" 2>"$T/err" &
	pid=$!
	sleep 1.6
	stop $pid $sig
	[ $rc = 130 ] || { cat "$T/err"; fail "sweep SIG$sig: exit $rc"; }
	parses json "$T/sw/sweep.json" "$T/sw.out"
	parses csv "$T/sw/sweep.csv"
	[ "$(json "$T/sw/sweep.json" 'j["ssdreplay"]["complete"]')" = False ] || fail "sweep SIG$sig: not marked"
	n=$(json "$T/sw/sweep.json" 'len(j["points"])')
	[ "$n" -ge 1 ] && [ "$n" -lt 4 ] || fail "sweep SIG$sig: $n points"
	[ "$(($(wc -l <"$T/sw/sweep.csv") - 1))" = "$n" ] || fail "sweep SIG$sig: CSV and JSON disagree"
	svgs=$(ls "$T"/sw/*.svg 2>/dev/null)
	[ -z "$svgs" ] || parses svg $svgs
	one_partial_line "sweep SIG$sig"
	ok "sweep SIG$sig: $n of 4 points, files parse"
done

# ---- simulate: the running policy's row marked partial, later ones absent
for sig in INT TERM; do
	$SR simulate --profile tiny-llama "$f" --tokens 200 --compute-ms-per-token 20 --compare lru,oracle \
		--mem 50%,100% --output-format json --output "$T/sim.json" 2>"$T/err" &
	pid=$!
	sleep 1
	stop $pid $sig
	[ $rc = 130 ] || { cat "$T/err"; fail "simulate SIG$sig: exit $rc"; }
	parses json "$T/sim.json"
	[ "$(json "$T/sim.json" 'j["partial"] and len(j["rows"]) >= 1 and j["rows"][-1]["partial"] and 0 < j["rows"][-1]["tokens"] < 200')" = True ] ||
		fail "simulate SIG$sig: last row not partial: $(cat "$T/sim.json")"
	one_partial_line "simulate SIG$sig"
	ok "simulate SIG$sig: partial row"
done

# ---- simulate CSV: a stopped run's rows say partial (column "partial", 1),
# a whole run's say 0
$SR simulate --profile tiny-llama "$f" --tokens 2 --compare lru --mem 50% --output-format csv \
	--output "$T/whole.csv" || fail "simulate csv"
$SR simulate --profile tiny-llama "$f" --tokens 200 --compute-ms-per-token 20 --compare lru,oracle \
	--mem 50%,100% --output-format csv --output "$T/sim.csv" 2>"$T/err" &
pid=$!
sleep 1
stop $pid INT
[ $rc = 130 ] || { cat "$T/err"; fail "simulate csv SIGINT: exit $rc"; }
parses csv "$T/sim.csv" "$T/whole.csv"
python3 - "$T/sim.csv" "$T/whole.csv" <<'EOF' || fail "simulate CSV partial column: $(cat "$T/sim.csv")"
import csv, sys
stopped = list(csv.DictReader(open(sys.argv[1])))
whole = list(csv.DictReader(open(sys.argv[2])))
assert stopped and all(r["partial"] == "1" for r in stopped), stopped
assert whole and all(r["partial"] == "0" for r in whole), whole
EOF
ok "simulate CSV: rows of a stopped run marked partial"

# ---- replay over two targets, two threads each, with timeline and plots
$SR prep "$T/b" --size 32M --quiet || fail "prep b"
$SR replay --target "$f" --target "$T/b" --layout stripe:128k --threads 2 --pattern rand --bs 4k --qd 4 \
	--loops 0 --runtime 60 --timeline "$T/tl.csv" --plot "$T/plot" --output-format json --output "$T/r.json" \
	2>"$T/err" &
pid=$!
sleep 1.5
stop $pid TERM
[ $rc = 130 ] || { cat "$T/err"; fail "replay SIGTERM: exit $rc"; }
parses json "$T/r.json"
parses csv "$T/tl.csv"
parses svg "$T"/plot/*.svg
[ "$(json "$T/r.json" 'j["jobs"][0]["ssdreplay"]["partial"] and len(j["jobs"][0]["ssdreplay"]["targets"]) == 2')" = True ] ||
	fail "replay: report not partial"
[ "$(json "$T/r.json" 'j["jobs"][0]["ssdreplay"]["errors"]["issued"] == j["jobs"][0]["ssdreplay"]["errors"]["completed"] > 0')" = True ] ||
	fail "replay: in-flight requests not drained"
one_partial_line "replay SIGTERM"
ok "replay over two targets: SIGTERM, timeline, plots, drained"

[ "$(id -u)" = 0 ] || { ok "not root: real-mmap cgroups and tracefs not tried"; exit 0; }

# ---- simulate --real-mmap: the memory cgroup goes away whoever gets the signal
cg() { ls -d "/sys/fs/cgroup/memory/ssdreplay-$1" "/sys/fs/cgroup/ssdreplay-$1" 2>/dev/null; }
head -c 4M /dev/urandom >"$T/model"
{ echo offset,length,op; for i in $(seq 0 3); do echo "$((i * 1048576)),1048576,r"; done; } >"$T/seq.csv"
for run in "process INT" "group INT" "process HUP"; do
	who=${run% *}
	sig=${run#* }
	# setsid: its own process group, as a shell's job would be (pid = pgid)
	setsid "$SR" simulate --trace "$T/seq.csv" "$T/model" --tokens 60 --compute-ms-per-token 25 --mem 100% \
		--policy lru --real-mmap --output-format json --output "$T/mm.json" 2>"$T/err" &
	pid=$!
	for _ in $(seq 150); do [ -n "$(cg $pid)" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	if [ -z "$(cg $pid)" ]; then
		kill -9 $pid 2>/dev/null
		grep -Eq "no memory cgroup|cannot create the cgroup|cannot set the memory limit" "$T/err" && skip "$(cat "$T/err")"
		fail "no cgroup ssdreplay-$pid appeared"
	fi
	sleep 0.5
	stop $pid $sig ${who/process/}
	[ $rc = 130 ] || { cat "$T/err"; fail "real-mmap SIG$sig ($who): exit $rc"; }
	[ -z "$(cg $pid)" ] || fail "real-mmap SIG$sig ($who): cgroup left behind: $(cg $pid)"
	parses json "$T/mm.json"
	one_partial_line "real-mmap SIG$sig ($who)"
	ok "simulate --real-mmap SIG$sig to the $who: cgroup removed, report parses"
done

# ---- record: the trace written so far parses; the tracefs instance is gone
tr=/sys/kernel/tracing
[ -d $tr/instances ] || tr=/sys/kernel/debug/tracing
if [ -d $tr/instances ] && [ -d $tr/events/block/block_rq_issue ]; then
	# 512-byte direct reads: 65536 of them, seconds of work, so the signal lands mid-run
	$SR record -o "$T/rec.trace" -- dd if="$f" of=/dev/null bs=512 iflag=direct status=none \
		2>"$T/err" &
	pid=$!
	sleep 1
	[ -d "$tr/instances/ssdreplay-$pid" ] || fail "record: no instance while recording"
	stop $pid INT
	[ $rc = 130 ] || { cat "$T/err"; fail "record SIGINT: exit $rc"; }
	[ ! -e "$tr/instances/ssdreplay-$pid" ] || fail "record SIGINT left its tracefs instance"
	$SR analyze "$T/rec.trace" --output-format json --output "$T/a.json" 2>"$T/aerr" ||
		fail "record SIGINT: the trace does not parse: $(cat "$T/aerr")"
	ok "record SIGINT: instance removed, trace parses"
fi
