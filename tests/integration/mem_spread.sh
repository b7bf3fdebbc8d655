#!/bin/bash
# simulate --mem-spread PCT: each budget is also simulated at -PCT, -PCT/2,
# +PCT/2 and +PCT of itself, and the row carries what each read and ran and
# their least and most. Near the model's size the page cache flips between
# re-reading the model and keeping it within a few percent of room, so the
# range is the prediction there. Checked: the budgets are the row's scaled;
# each budget's bytes/token is what a separate simulate at that budget gives
# (--engine null: exact); the range spans the flip at 95% of the model; real
# I/O fills tokens/s in JSON, text and CSV; bad values exit 2.
source "$SR_TESTLIB"
f16_model tiny-llama 4 512 1024 "$T/d.gguf"
sim() { "$SR" simulate --gguf "$T/d.gguf" --policy pagecache --tokens 6 --advise sequential --access page --threads 2 \
	--load populate "$@"; }
sim --engine null --mem 95% --mem-spread 10% --output-format json -o "$T/spread.json" || fail "simulate --mem-spread"
python3 - "$T/spread.json" >"$T/mems" <<'PY' || fail "the spread's budgets"
import json, sys
r = json.load(open(sys.argv[1]))["rows"][0]
s, m = r["mem_spread"], r["mem_bytes"]
want = [int(m * f) for f in (0.9, 0.95, 1, 1.05, 1.1)]
assert s["spread_pct"] == 10 and s["mem_bytes"] == want, (s["mem_bytes"], want)
assert s["read_bytes_per_token"][2] == r["steady_read_bytes_per_token"], s
assert s["tokens_per_s"] == [None] * 5 and s["tokens_per_s_min"] is None  # --engine null: not measured
for b, v in zip(s["mem_bytes"], s["read_bytes_per_token"]):
    print(b, v)
PY
while read -r b v; do
	sim --engine null --mem "$b" --output-format json -o "$T/one.json" || fail "simulate --mem $b"
	got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rows"][0]["steady_read_bytes_per_token"])' "$T/one.json")
	[ "$got" = "$v" ] || fail "--mem-spread at $b bytes: $v bytes/token, a run at that budget alone: $got"
done <"$T/mems"
python3 - "$T/spread.json" "$(stat -c %s "$T/d.gguf")" <<'PY' || fail "the range across the flip"
import json, sys
s, size = json.load(open(sys.argv[1]))["rows"][0]["mem_spread"], int(sys.argv[2])
b = s["read_bytes_per_token"]
print("  budgets %s MiB: %s MiB/token" % ([round(x / 2**20, 1) for x in s["mem_bytes"]], [round(x / 2**20, 1) for x in b]))
assert s["read_bytes_per_token_min"] == min(b) and s["read_bytes_per_token_max"] == max(b), s
assert min(b) == 0 and max(b) > size / 2, (b, size)  # above the model: kept; below: re-read
PY
ok "--mem-spread: five budgets, each what a run at that budget alone reads, spanning keep and re-read"

sim --mem 95% --mem-spread 4% --compute-ms-per-token 2 --output-format json -o "$T/real.json" || fail "real I/O json"
python3 - "$T/real.json" <<'PY' || fail "tokens/s over the spread"
import json, sys
s = json.load(open(sys.argv[1]))["rows"][0]["mem_spread"]
assert len(s["tokens_per_s"]) == 5 and all(t > 0 for t in s["tokens_per_s"]), s
assert s["tokens_per_s_min"] == min(s["tokens_per_s"]) and s["tokens_per_s_max"] == max(s["tokens_per_s"]), s
PY
sim --mem 95% --mem-spread 4% --compute-ms-per-token 2 >"$T/real.txt" || fail "real I/O text"
grep -Eq '^pagecache at mem [0-9.]+ MiB, spread 4% \([0-9.]+-[0-9.]+ MiB, 5 budgets\): [0-9.]+-[0-9.]+ MiB/token, [0-9.]+-[0-9.]+ tok/s$' \
	"$T/real.txt" || { cat "$T/real.txt" >&2; fail "no range line in the text report"; }
sim --mem 95% --mem-spread 4% --compute-ms-per-token 2 --output-format csv -o "$T/real.csv" || fail "real I/O csv"
python3 - "$T/real.csv" <<'PY' || fail "CSV range columns"
import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))[0]
assert int(r["read_bytes_per_token_min"]) <= int(r["read_bytes_per_token_max"]), r
assert 0 < float(r["tokens_per_s_min"]) <= float(r["tokens_per_s_max"]), r
PY
sim --mem 95% --compute-ms-per-token 2 --output-format csv -o "$T/plain.csv" || fail "csv without a spread"
python3 -c 'import csv,sys; r = list(csv.DictReader(open(sys.argv[1])))[0]; assert r["tokens_per_s_min"] == "", r' \
	"$T/plain.csv" || fail "a row without --mem-spread has range columns filled"
ok "--mem-spread on real reads: tokens/s per budget, the range in JSON, text and CSV"

for bad in 60 abc -1 5%% ''; do
	expect_exit 2 "mem-spread.*expected a percentage" sim --mem 95% --mem-spread "$bad"
done
expect_exit 2 "less --mem-spread.*hold no cache page" sim --mem 6k --mem-spread 50%
ok "--mem-spread: bad values, and a budget the spread leaves no page, exit 2"
