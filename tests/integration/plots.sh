#!/bin/bash
# Plots from a real sweep: every SVG parses as XML (python3 xml.etree) and
# carries one data-series element per line — per queue depth in a bs x qd
# grid, per (qd, engine) when engines vary too, one when only qd varies (x
# becomes qd) — and PNGs appear exactly when gnuplot can draw them and
# --no-png is absent. (Heatmap, histogram and latency CDF plots are checked
# the same way in tests/unit/test_plot.c.)
. "$SR_TESTLIB"
command -v python3 >/dev/null || skip "python3 needed to parse the SVG"

f=$T/target
$SR prep "$f" --size 64M --quiet || fail "prep"

# series FILE [nospec]: "count name,name,..." of the data-series elements,
# or fail on bad XML; with nospec, a spec line (present where the device's
# spec is known) is left out.
series() {
	python3 - "$1" "${2:-}" <<'PY' || fail "$1 is not well-formed SVG"
import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
assert r.tag == '{http://www.w3.org/2000/svg}svg', r.tag
s = [e.attrib['data-series'] for e in r.iter() if 'data-series' in e.attrib]
if sys.argv[2]:
    s = [x for x in s if x != 'spec sequential read']
print(len(s), ','.join(s))
PY
}

$SR sweep "$f" --bs 4k,32k --qd 1,2,4 --runtime 0.1s -o "$T/a" >/dev/null || fail "sweep a"
for p in bandwidth p99; do
	got=$(series "$T/a/$p.svg" nospec)
	[ "$got" = "3 qd=1,qd=2,qd=4" ] || fail "$p.svg: series '$got', expected 3 qd=1,qd=2,qd=4"
done
ok "bs x qd: one line per queue depth"

$SR sweep "$f" --bs 4k,16k --qd 1,4 --engine io_uring,psync --runtime 0.1s -o "$T/b" --no-png >/dev/null ||
	fail "sweep b"
got=$(series "$T/b/bandwidth.svg" nospec)
[ "$got" = "4 qd=1 engine=io_uring,qd=4 engine=io_uring,qd=1 engine=psync,qd=4 engine=psync" ] ||
	fail "bandwidth.svg with two engines: '$got'"
ls "$T"/b/*.png >/dev/null 2>&1 && fail "--no-png wrote PNGs"
ok "bs x qd x engine: one line per (qd, engine), no PNG with --no-png"

$SR sweep "$f" --bs 8k --qd 1,2,4,8 --runtime 0.1s -o "$T/c" >/dev/null || fail "sweep c"
got=$(series "$T/c/bandwidth.svg" nospec)
[ "$got" = "1 bs=8192" ] || fail "qd-only sweep: '$got'"
grep -q ">queue depth<" "$T/c/bandwidth.svg" || fail "qd-only sweep: x axis is not the queue depth"
ok "qd only: x is the queue depth"

# A known spec adds the dashed spec line and a % of spec plot; CSV and JSON carry it.
$SR sweep "$f" --bs 4k,32k --qd 1,4 --runtime 0.1s --spec seq_read=2000MB/s -o "$T/d" --no-png >/dev/null ||
	fail "sweep --spec"
got=$(series "$T/d/bandwidth.svg")
[ "$got" = "3 qd=1,qd=4,spec sequential read" ] || fail "bandwidth.svg with a spec: '$got'"
[ "$(series "$T/d/pct_spec.svg")" = "2 qd=1,qd=4" ] || fail "pct_spec.svg"
[ "$(json "$T/d/sweep.json" 'all(abs(p["spec_pct"] - 100 * p["bw_Bps"] / 2e9) < 1e-6 for p in j["points"]) and j["ssdreplay"]["spec"]["seq_read_Bps"] == 2000000000')" = True ] ||
	fail "spec_pct in JSON"
awk -F, 'NR > 1 && $NF == "" { exit 1 }' "$T/d/sweep.csv" || fail "spec_pct column empty in CSV"
ok "--spec: spec line, pct_spec.svg, CSV/JSON"

if gnuplot -e 'set terminal pngcairo' 2>/dev/null || gnuplot -e 'set terminal png' 2>/dev/null; then
	for p in bandwidth p99; do
		python3 -c 'import sys; sys.exit(open(sys.argv[1], "rb").read(8) != b"\x89PNG\r\n\x1a\n")' "$T/a/$p.png" ||
			fail "$p.png is not a PNG"
	done
	ok "PNGs through gnuplot"
else
	[ ! -e "$T/a/bandwidth.png" ] || fail "a PNG without gnuplot's png terminal"
	echo "gnuplot has no png terminal here: PNG check not run"
fi

# replay --plot: bandwidth timeline and latency CDF of the run, one series each
$SR replay "$f" --pattern rand --bs 16k --qd 4 --runtime 1.5s --plot "$T/r" >/dev/null || fail "replay --plot"
[ "$(series "$T/r/bandwidth.svg")" = "1 read" ] || fail "replay bandwidth.svg: '$(series "$T/r/bandwidth.svg")'"
[ "$(series "$T/r/latency_cdf.svg")" = "1 read" ] || fail "replay latency_cdf.svg: '$(series "$T/r/latency_cdf.svg")'"
expect_exit 2 "plot" $SR replay "$f" --pattern rand --bs 16k --runtime 0.2s --plot /proc/nonexistent/x
ok "replay --plot"

# Every --plot (replay, analyze, simulate, sweep) writes beside each SVG its data (CSV) and a
# gnuplot script that redraws it from that CSV, creates its directory (parents too), and writes
# the PNG where gnuplot can; the kept script run again in its directory draws the same PNG.
have_png=0
gnuplot -e 'set terminal pngcairo' 2>/dev/null || gnuplot -e 'set terminal png' 2>/dev/null && have_png=1
beside() { # DIR NAME...
	local d=$1 n
	shift
	for n; do
		[ -s "$d/$n.svg" ] || fail "$d/$n.svg missing"
		[ -s "$d/$n.csv" ] || fail "$d/$n.csv (the plot's data) missing"
		[ "$(wc -l <"$d/$n.csv")" -ge 2 ] || fail "$d/$n.csv has no data row"
		grep -q "\"$n.csv\"" "$d/$n.gp" || fail "$d/$n.gp does not read $n.csv"
		if [ $have_png = 1 ]; then
			[ -s "$d/$n.png" ] || fail "$d/$n.png missing where gnuplot can draw it"
			rm "$d/$n.png"
			(cd "$d" && gnuplot "$n.gp") || fail "gnuplot $n.gp failed"
			[ -s "$d/$n.png" ] || fail "gnuplot $n.gp drew no $n.png"
		fi
	done
}
beside "$T/r" bandwidth latency_cdf
beside "$T/a" bandwidth p99
printf 'offset,length,op\n0,65536,r\n1048576,4096,r\n8388608,131072,r\n' >"$T/t.csv"
$SR analyze "$T/t.csv" --plot "$T/an/deep" >/dev/null || fail "analyze --plot into a new nested directory"
beside "$T/an/deep" heatmap sizes
$SR simulate "$f" --profile tiny-llama --engine null --mem 16M,32M --plot "$T/sim/new" >/dev/null ||
	fail "simulate --plot into a new directory"
beside "$T/sim/new" simulate-tokens simulate-stall
ok "--plot: CSV and gnuplot script beside every SVG, directory created, PNG where gnuplot can"
