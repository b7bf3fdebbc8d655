#!/bin/bash
# The bandwidth timeline's last second is partial: its rate is its bytes
# over the time it covered (runtime past the last whole second), in the
# --timeline CSV and in the --plot data, not over a full second (a run
# appeared to collapse at its end).
source "$SR_TESTLIB"

f=$T/target
$SR prep "$f" --size 8M --quiet || fail "prep"
$SR replay "$f" --engine null --rw read --bs 64k --time_based --runtime 1500ms --timeline "$T/tl.csv" \
	--plot "$T/plot" --output-format json -o "$T/r.json" || fail "replay"
python3 - "$T" <<'PY' || fail "the last second's rate"
import csv, json, sys
d = sys.argv[1]
rows = list(csv.DictReader(open(d + "/tl.csv")))
rt = json.load(open(d + "/r.json"))["jobs"][0]["job_runtime"] / 1000
span = rt - (len(rows) - 1)
assert len(rows) == 2 and 0.3 < span < 0.9, (len(rows), rt)
last = rows[-1]
want = int(last["read_bytes"]) / 1048576 / span
got = int(last["read_Bps"]) / 1048576
assert abs(got - want) <= 0.02 * want + 0.01, (got, want, span)
print("ok: last second %.3f s: %.1f MiB/s (bytes over a full second: %.1f)" % (span, got, int(last["read_bytes"]) / 1048576))
PY
ls "$T/plot"/bandwidth.svg >/dev/null || fail "no bandwidth.svg"
ok "last partial second rated over its own length"
