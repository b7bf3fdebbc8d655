#!/bin/bash
# needs: root
# simulate over RAID-0: --target x3 --layout stripe:64k on loop devices
# over fully written files. Each device's bytes in the report equal what
# its block counters saw, they add up to the row's read bytes, and a
# sweep spreads over every device. Bad layouts are bad input (exit 2).
. "$SR_TESTLIB"
need_root

devs=()
for i in 0 1 2; do
	head -c 4M /dev/urandom >"$T/d$i"
	sync "$T/d$i"
	new_loop "$T/d$i"
	devs+=("$LOOP")
done
before=()
for d in "${devs[@]}"; do before+=("$(loop_sectors "$d" rd)"); done
$SR simulate --profile tiny-moe --target "${devs[0]}" --target "${devs[1]}" --target "${devs[2]}" \
	--layout stripe:64k --tokens 6 --mem 25%,100% --compare none,lru,pagecache,routed-willneed \
	--output-format json --output "$T/r.json" || fail "simulate over 3 striped loop devices"
after=()
for d in "${devs[@]}"; do after+=("$(loop_sectors "$d" rd)"); done
counted="[$(( (${after[0]} - ${before[0]}) * 512 )),$(( (${after[1]} - ${before[1]}) * 512 )),$(( (${after[2]} - ${before[2]}) * 512 ))]"
python3 - "$T/r.json" "$counted" <<'PY' || fail "per-device figures"
import json, sys
j = json.load(open(sys.argv[1]))
counted = json.loads(sys.argv[2])
assert j["layout"] == "stripe:64k" and len(j["targets"]) == 3, (j["layout"], j.get("targets"))
claimed = [0, 0, 0]
for r in j["rows"]:
    d = r["devices"]
    assert len(d) == 3
    assert sum(x["read_bytes"] for x in d) == r["read_bytes"], r["policy"]
    for k in range(3):
        claimed[k] += d[k]["read_bytes"]
        assert 0 <= d[k]["busy_pct"] <= 100.5
    if r["policy"] == "none":
        # the model (~0.7 MiB) spans 12 chunks: every device serves some
        assert min(x["read_bytes"] for x in d) > 0, d
assert claimed == counted, (claimed, counted)
print("per device:", claimed)
PY
ok "per-device bytes match each loop device's counters: $counted"

$SR simulate --profile tiny-moe --target "${devs[0]}" --target "${devs[1]}" --layout stripe:64k --tokens 2 \
	--mem 25% --policy lru >"$T/out" || fail "text report"
grep -q "over stripe:64k: ${devs[0]} .* GB/s (busy .*) ${devs[1]}" "$T/out" || { cat "$T/out"; fail "no per-device line"; }
ok "text report has per-device bandwidth"

expect_exit 2 "give --layout stripe" $SR simulate --profile tiny-moe --target "${devs[0]}" --target "${devs[1]}"
expect_exit 2 "multiple of --page" $SR simulate --profile tiny-moe --target "${devs[0]}" --target "${devs[1]}" --layout stripe:6k
expect_exit 2 "expected stripe:SIZE" $SR simulate --profile tiny-moe --target "${devs[0]}" --target "${devs[1]}" --layout raid0
expect_exit 2 "needs two or more" $SR simulate --profile tiny-moe --target "${devs[0]}" --layout stripe:64k
expect_exit 2 "real-mmap maps one file" $SR simulate --profile tiny-moe --target "${devs[0]}" --target "${devs[1]}" --layout stripe:64k --real-mmap
expect_exit 2 "not both" $SR simulate --profile tiny-moe --target "${devs[0]}" "${devs[1]}"
ok "bad layouts are bad input"
