#!/bin/bash
# needs: root
# timeout: 600
# ssdreplay study --smoke: every verdict row has a verdict and a figure, the
# report files and plots exist, no cgroup is left behind; with no memory
# cgroups (--cgroup-root at an empty directory) the real-mmap rows are
# "simulated only" and the study still completes; SIGINT writes a partial
# report and exits 130; bad input is one line, exit 2, nothing written.
# The two smoke runs share DIR, so the model files are written once (~2 GB,
# ~1 minute per run here).
. "$SR_TESTLIB"
need_root
reap_stale_tests
# P2's page-cache cost is measured here, not taken from the user's state
export SSDREPLAY_STATE=$T/state

expect_exit 2 "expected -o DIR" $SR study --smoke
expect_exit 2 "not both" $SR study --smoke --quick -o "$T/x"
expect_exit 2 "no-such-model" $SR study --smoke --models no-such-model -o "$T/x"
expect_exit 2 "spec" $SR study --smoke --spec seq_read=fast -o "$T/x"
expect_exit 2 "at least 1M" $SR study --smoke --swap-file 4k -o "$T/x"
expect_exit 2 "expected a size" $SR study --smoke --swap-file lots -o "$T/x"
head -c 1M /dev/zero >"$T/small"
$SR study --smoke --target "$T/small" --swap-file 16M -o "$T/x" 2>"$T/small.err"
[ $? = 2 ] || fail "a --target smaller than the models: not exit 2: $(cat "$T/small.err")"
grep -q "$T/x/swapfile" /proc/swaps && fail "a bad --target turned swap on"
[ -e "$T/x" ] && fail "bad input left $T/x behind"
ok "bad input: one line, exit 2, nothing written"

# --progress: one line with % and ETA over the matrix and the run going on
# (a tiny model with 600 tokens: a few seconds), ending at 100%, in place of
# the line per run; the same runs and verdicts in the report files as
# without it, nothing on stdout; without it on a pipe, a line per run and no
# progress line.
runs() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print([(u["id"], u["hyp"], u["kind"], u["model"], u["what"]) for u in j["runs"]], [(r["hyp"], r["title"]) for r in j["verdicts"]])' "$1"; }
$SR study --smoke --models tiny-llama --tokens 600 -o "$T/tp" --progress >"$T/tp.out" 2>"$T/tp.err" || { cat "$T/tp.err" >&2; fail "study --progress"; }
tr '\r' '\n' <"$T/tp.err" | grep -Eq '^\[ *[0-9.]+s\] +[0-9.]+% +eta +[0-9]+s +r[0-9]+ ' || fail "no progress line: $(cat "$T/tp.err")"
tr '\r' '\n' <"$T/tp.err" | grep -E '^\[ *[0-9.]+s\]' | tail -1 | grep -Eq ' 100\.0% +eta +0s' || fail "progress does not end at 100%: $(cat "$T/tp.err")"
grep -Eq "\[3/[0-9]+\] r03 " "$T/tp.err" && fail "--progress: still a line per run: $(cat "$T/tp.err")"
$SR study --smoke --models tiny-llama --tokens 600 -o "$T/tn" >"$T/tn.out" 2>"$T/tn.err" || { cat "$T/tn.err" >&2; fail "study"; }
grep -Eq "\[[0-9]+/[0-9]+\] r[0-9]+ " "$T/tn.err" || fail "no line per run on a pipe: $(cat "$T/tn.err")"
grep -q 'eta' "$T/tn.err" && fail "a progress line on a pipe without --progress: $(cat "$T/tn.err")"
[ -s "$T/tp.out" ] || [ -s "$T/tn.out" ] && fail "study printed on stdout"
[ "$(runs "$T/tp/runs.json")" = "$(runs "$T/tn/runs.json")" ] || fail "--progress changed the runs: $(runs "$T/tp/runs.json") vs $(runs "$T/tn/runs.json")"
[ "$(cd "$T/tp" && find . | sort)" = "$(cd "$T/tn" && find . | sort)" ] || fail "--progress changed the files written"
rm -rf "$T/tp" "$T/tn"
ok "--progress: % and ETA over the matrix ending at 100%, the same runs and files; a line per run on a pipe without it"

# The cgroups are named after the study process; other runs on the machine
# have their own, so look only for this run's (cgs PID).
cgs() { ls -d /sys/fs/cgroup/memory/ssdreplay-study-"$1" /sys/fs/cgroup/ssdreplay-study-"$1" /sys/fs/cgroup/unified/ssdreplay-study-"$1" 2>/dev/null; }
D=$T/study
mkdir -p "$T/nocg"
$SR study --smoke -o "$D" --cgroup-root "$T/nocg" 2>"$T/err1" || { cat "$T/err1" >&2; fail "study without cgroups exited $?"; }
cp "$D/runs.json" "$T/nocg.json"
cp "$D/summary.md" "$T/nocg.md"
python3 - "$T/nocg.json" <<'PY' || fail "without cgroups"
import json, sys
j = json.load(open(sys.argv[1]))
rows = j["verdicts"]
assert all(r["verdict"] in ("supported", "refuted", "inconclusive") for r in rows), rows
h2 = [r for r in rows if r["hyp"].startswith("H2")]
assert len(h2) == 4 and all(r["basis"] == "simulated only" for r in h2), h2
assert all(any(c.isdigit() for c in r["figures"]) for r in h2), h2
h3 = [r for r in rows if r["hyp"] == "H3"]
assert all(r["verdict"] == "inconclusive" and "no memory cgroup" in r["figures"] for r in h3), h3
assert not any(r["kind"] == "real-mmap" and r["mem_bytes"] > 0 for r in j["runs"]), "a limited real-mmap run without cgroups"
PY
grep -q "simulated only" "$T/nocg.md" || fail "summary.md does not say which rows were simulated only"
ok "no memory cgroups: real-mmap rows skipped, reported as simulated only"

# H3 with a swap area (--swap-file): only where this host lets us swapon a
# file, probed with util-linux's mkswap, an independent header writer.
SWAP=()
dd if=/dev/zero of="$T/probe.swap" bs=1M count=16 status=none
chmod 600 "$T/probe.swap"
if mkswap "$T/probe.swap" >/dev/null 2>&1 && swapon "$T/probe.swap" 2>/dev/null; then
	swapoff "$T/probe.swap"
	SWAP=(--swap-file 256M)
	trap 'swapoff "$D/swapfile" 2>/dev/null; rm -f "$D/swapfile"; cleanup' EXIT
fi
rm -f "$T/probe.swap"
$SR study --smoke -o "$D" "${SWAP[@]}" 2>"$T/err2" &
pid=$!
wait $pid
rc=$?
[ $rc = 0 ] || { cat "$T/err2" >&2; fail "study --smoke exited $rc"; }
[ -z "$(cgs $pid)" ] || fail "a ssdreplay cgroup was left behind: $(cgs $pid)"
grep -q "expected duration" "$T/err2" || fail "no expected duration up front"
grep -q "\[31/31\]" "$T/err2" || { cat "$T/err2" >&2; fail "no progress lines (every run of the plan, predictions included)"; }
for f in summary.md runs.csv runs.json tokens_vs_ram.svg seq_share.svg bandwidth_vs_spec.svg sweep/sweep.json; do
	[ -s "$D/$f" ] || fail "no $f"
done
[ -d "$D/traces" ] && fail "traces/ left behind without --keep-traces"
if [ ${#SWAP[@]} -gt 0 ]; then
	[ -e "$D/swapfile" ] && fail "--swap-file: $D/swapfile left behind"
	grep -q "$D/swapfile" /proc/swaps && fail "--swap-file: still swapping on $D/swapfile"
	python3 - "$D/runs.json" <<'PY' || fail "--swap-file: H3"
import json, sys
j = json.load(open(sys.argv[1]))
h3 = [r for r in j["verdicts"] if r["hyp"] == "H3"]
assert len(h3) == 2 and all("no swap device" not in r["figures"] for r in h3), h3
assert all("swapped out" in r["figures"] for r in h3), h3
sw = [u for u in j["runs"] if u["hyp"] == "H3" and u["kind"] == "real-mmap"]
assert sw and all(u["swap_out_bytes"] is not None and u["swap_out_bytes"] >= 0 for u in sw), sw
PY
	ok "--swap-file: H3 measured with swap, the swap area turned off and removed"
fi
asan=$($SR --version | sed -n 's/.* asan:\([a-z]*\).*/\1/p')
python3 - "$D" "${asan:-no}" <<'PY' || fail "smoke report"
import csv, json, sys, xml.dom.minidom as X
d = sys.argv[1]
j = json.load(open(d + "/runs.json"))
rows, runs = j["verdicts"], j["runs"]
hyps = [r["hyp"] for r in rows]
for h in ("H1", "H2a", "H2b", "H3", "H4", "H5", "P", "P2"):
    assert h in hyps, (h, hyps)
assert hyps.count("H1") == 6, hyps  # 3 levels x 2 models
for r in rows:
    assert r["verdict"] in ("supported", "refuted", "inconclusive"), r
    assert any(c.isdigit() for c in r["figures"]), ("no figure", r)
    assert r["runs"], ("no source run", r)
ids = {u["id"] for u in runs}
for r in rows:
    for i in r["runs"].split():
        assert i in ids, (i, r)
assert len(list(csv.DictReader(open(d + "/runs.csv")))) == len(runs)
# the simulated runs name the page-cache folio size they assumed, once per model
sim = [u for u in runs if u["kind"] in ("simulated", "predicted") and u["ok"]]
assert sim and all("--max-folio " in u["command"] for u in sim), sim
for m in {u["model"] for u in sim}:
    md = open(d + "/summary.md").read()
    assert md.count("- " + m + ": the simulated runs read into page-cache folios of up to ") == 1, (m, md)
real = [u for u in runs if u["kind"] == "real-mmap" and u["ok"]]
if not real:
    print("SKIP-REAL")
    sys.exit(0)
# a streamed real run reads more than the model's schedule passes through its small cgroup
s0 = [u for u in real if u["what"].startswith("streamed")]
assert s0 and all(u["read_bytes"] > 0 and u["amplification_ratio"] > 0.5 for u in s0), s0
# each limited run's page cache ended holding the model within its budget
# (the limit is the budget plus the child's own charge; 2 MiB: a folio of
# reclaim slack; an AddressSanitizer build allows for the sanitizer's own
# memory, as simulate_mmap's check does), and the RAM-resident baseline all
for u in real:
    res = u["resident_end_bytes"]
    slack = (2 << 20) if sys.argv[2] == "no" else u["model_bytes"] // 8 + (17 << 20)
    assert res is not None and 0 < res <= u["mem_bytes"] + u["anon_bytes"] + slack, u
for u in (x for x in runs if x["kind"] == "ram" and x["ok"]):
    assert u["resident_end_bytes"] == u["model_bytes"], u
# the RAM-resident baseline is faster than streaming, per model
for m in {u["model"] for u in s0}:
    ram = [u for u in runs if u["model"] == m and u["kind"] == "ram"][0]
    assert ram["tokens_per_s"] > max(u["tokens_per_s"] for u in s0 if u["model"] == m), m
# P2: simulate's page-cache prediction of each limited real run, made from
# the RAM-resident run's time per token, the real run's memory and the
# page-cache cost model; the row's ratios are those runs' figures
# (a limited real run that failed, as the cgroup's OOM killer can end a
# streamed one, has its prediction as a run that says so)
for m in {u["model"] for u in real}:
    ram = [u for u in runs if u["model"] == m and u["kind"] == "ram"][0]
    pr = [u for u in runs if u["model"] == m and u["kind"] == "predicted" and u["ok"]]
    lim = [u for u in runs if u["model"] == m and u["kind"] == "real-mmap" and u["what"].split()[0] in ("50%", "streamed")]
    failed = [u for u in lim if not u["ok"]]
    assert len(pr) == len(lim) - len(failed) and pr, (m, pr, lim)
    for u in failed:
        note = [x for x in runs if x["kind"] == "predicted" and not x["ok"] and x["what"].split()[2] == u["id"]]
        assert len(note) == 1 and "not predicted: %s did not complete" % u["id"] in note[0]["note"], (u, note)
    p2 = [r for r in rows if r["hyp"] == "P2" and r["model"] == m]
    assert len(p2) == 1 and p2[0]["verdict"] != "inconclusive", p2
    for p in pr:
        rid = p["what"].split()[2]
        r = [u for u in runs if u["id"] == rid][0]
        assert r["kind"] == "real-mmap" and p["mem_bytes"] == r["mem_bytes"], (p, r)
        assert abs(p["compute_s_per_token"] * ram["tokens_per_s"] - 1) < 1e-3, (p, ram)
        assert "--mmap-cost" in p["command"], p
        assert rid in p2[0]["runs"].split() and p["id"] in p2[0]["runs"].split(), p2
        want = "tokens/s %.2fx" % (p["tokens_per_s"] / r["tokens_per_s"])
        assert want in p2[0]["figures"], (want, p2)
# H1 was measured at the page-cache level (tracefs) for both models
lv = [r for r in rows if r["hyp"] == "H1" and "page-cache" in r["title"]]
assert all("not measured" not in r["figures"] for r in lv), lv
for f in ("tokens_vs_ram.svg", "seq_share.svg", "bandwidth_vs_spec.svg"):
    doc = X.parse(d + "/" + f)
    n = sum(1 for e in doc.getElementsByTagName("*") if e.getAttribute("data-series"))
    assert n >= 2, (f, n)
print("%d runs, %d verdicts" % (len(runs), len(rows)))
PY
[ $? = 0 ] || fail "smoke report"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if any(u["kind"]=="real-mmap" and u["ok"] for u in j["runs"]) else 1)' "$D/runs.json" ||
	skip "no memory cgroup here: real-mmap rows were simulated only ($(grep -m1 'simulated only' "$D/summary.md"))"
ok "study --smoke: every row has a verdict, a figure and its source runs"

# SIGINT part way: partial report, exit 130, no cgroup left
$SR study --smoke -o "$D" "${SWAP[@]}" 2>"$T/err3" &
pid=$!
for i in $(seq 1 600); do
	grep -Eq "\[4/[0-9]+\]" "$T/err3" && break
	sleep 0.1
done
kill -INT $pid
stop_within 60 $pid || fail "study: did not stop within 60 s of SIGINT"
[ $rc = 130 ] || { cat "$T/err3" >&2; fail "SIGINT: exit $rc, expected 130"; }
grep -q "stopped early" "$D/summary.md" || fail "SIGINT: summary.md does not say it is partial"
sleep 0.5
[ -z "$(cgs $pid)" ] || fail "SIGINT left a cgroup: $(cgs $pid)"
[ -e "$D/swapfile" ] && fail "SIGINT left $D/swapfile"
ok "SIGINT: partial report, exit 130, cgroups removed"

# SIGINT while a model file is being written: stops at once, no .tmp left
$SR study --smoke -o "$T/w" 2>"$T/err4" &
pid=$!
for i in $(seq 1 300); do
	grep -q "writing" "$T/err4" && break
	sleep 0.1
done
sleep 0.3
kill -INT $pid
stop_within 60 $pid || fail "study: did not stop within 60 s of SIGINT"
[ $rc = 130 ] || { cat "$T/err4" >&2; fail "SIGINT while writing a model: exit $rc, expected 130"; }
ls "$T"/w/*.tmp 2>/dev/null && fail "SIGINT while writing a model left a .tmp file"
grep -q "stopped early" "$T/w/summary.md" || fail "SIGINT while writing: summary.md does not say it is partial"
ok "SIGINT while writing a model: exit 130, no .tmp left"
