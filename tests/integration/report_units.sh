#!/bin/bash
# README "Units in reports": every numeric key of every report ssdreplay writes
# (JSON and CSV of replay, analyze, simulate, sweep, devices, calibrate,
# cheops, synth --info and the KV section) says its unit in its suffix
# (_bytes, _Bps, _ns/_us/_ms/_s, _pct, _ratio, ...), bytes and bytes per second
# are integers, and fio's own names appear only in fio's jobs[] blocks
# (tests/integration/lib/units_check.py holds the rule and its allowlists).
source "$SR_TESTLIB"
check="python3 $(dirname "$SR_TESTLIB")/units_check.py"

f=$T/t.bin
$SR prep "$f" --size 16M --quiet || fail "prep"
cd "$T" || fail "cd"
$SR replay "$f" --pattern rand --bs 4k --qd 4 --runtime 0.2 --spec seq_read=1GB/s,pcie=3x4 \
	--output-format json -o replay.json --timeline timeline.csv >/dev/null || fail "replay json"
$SR replay "$f" --pattern seq --bs 64k --runtime 0.1 --output-format csv -o replay.csv || fail "replay csv"
$SR replay "$f" --pattern rand --bs 4k --qd 2 --engine faulty:psync --fault eio:0.01,short:0.1,delay:1:0.01 \
	--on-error continue --output-format json -o faults.json >/dev/null 2>&1
[ -s faults.json ] && [ "$(json faults.json '"faults" in j["jobs"][0]["ssdreplay"]')" = True ] || fail "replay with faults"
$SR synth --profile tiny-llama --tokens 4 -o sched.trace || fail "synth"
$SR analyze sched.trace --format csv --gguf tiny-llama --output-format json -o analyze.json || fail "analyze json"
$SR analyze sched.trace --format csv --output-format csv -o analyze.csv || fail "analyze csv"
printf 'time_ns,offset,length,op\n0,0,4096,r\n1000000,4096,4096,r\n1500000000,8192,8192,w\n' >timed.trace
$SR analyze timed.trace --format csv --output-format json -o analyze_timed.json || fail "analyze timed"
$SR synth --profile tiny-llama --kv-offload prompt=8,gen=2 --kv-only -o kv.trace || fail "synth kv"
$SR analyze kv.trace --format csv --output-format json -o analyze_kv.json || fail "analyze kv"
$SR synth --profile tiny-llama --info --output-format json >synth_info.json || fail "synth --info"
$SR simulate --profile tiny-llama "$f" --tokens 2 --compare lru,none --mem 50% --spec seq_read=1GB/s \
	--output-format json -o simulate.json >/dev/null || fail "simulate json"
$SR simulate --profile tiny-llama "$f" --tokens 2 --compare lru --mem 50% --output-format csv -o simulate.csv ||
	fail "simulate csv"
$SR sweep "$f" --bs 4k,64k --qd 1,2 --runtime 0.05 --spec seq_read=1GB/s -o sweep --no-png >/dev/null || fail "sweep"
$SR sweep --profile tiny-llama "$f" --policy lru --mem 50%,100% --tokens 2 -o sweepsim --no-png >/dev/null ||
	fail "sweep --policy"
$SR devices --json >devices.json || fail "devices --json"
$SR devices --calibrate "$f" --runtime 0.2 --size 8M --json >calibrate.json 2>/dev/null || fail "calibrate"
mkdir cheops.d && $SR cheops cheops.d --max-size 2M --runtime 0.05s --spec seq_read=1GB/s --output-format json \
	--output cheops.json >/dev/null 2>&1 || fail "cheops"

files=$(ls ./*.json ./*.csv sweep/sweep.json sweep/sweep.csv sweepsim/sweep.json sweepsim/sweep.csv)
$check $files >"$T/bad" || { cat "$T/bad" >&2; fail "report keys break the units rule"; }
ok "units rule holds over $(echo "$files" | wc -w) reports"

# The rule catches the spellings it replaced (and a float under _bytes).
cat >old.json <<'J'
{"rows": [{"hit_rate": 62.99, "read_GBps": 1.2, "amplification": 1.5, "mem": 4096,
  "bw_MiBps": 10.5, "demand_bytes": 10.5, "pct_of_spec": 50}],
 "jobs": [{"read": {"bw_bytes": 1, "iops": 1.5}, "ssdreplay": {"bw_bytes": 3.5}}]}
J
$check old.json >"$T/old" && fail "old keys pass the rule"
for k in hit_rate read_GBps amplification "'mem'" bw_MiBps demand_bytes pct_of_spec "ssdreplay.bw_bytes"; do
	grep -q -- "$k" "$T/old" || { cat "$T/old" >&2; fail "the rule missed $k"; }
done
grep -q 'read.bw_bytes\|read.iops' "$T/old" && fail "fio's own keys in jobs[].read flagged"
ok "old spellings fail the rule; fio's jobs[] keys pass"
