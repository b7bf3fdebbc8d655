#!/bin/bash
# needs: root
# issue 10's strategies run for real (--real-mmap) on a loop device holding
# a GGUF written by synth --write-gguf, read_ahead_kb 0 so the kernel reads
# only what is faulted or advised:
# - routed WILLNEED never reads an unrouted expert's slice: the device's own
#   counters over the run are at most the pages the schedule touches (from
#   ssdreplay synth, independently), while WILLNEED did advise and cut
#   major faults; with readahead on, plain mmap reads more (the check can fail)
# - every row's read_bytes = demand + prefetch (+ private), and the device
#   counted about as much
# - the pread pool never has more than T reads in flight
# - with RAM >= the model every strategy reads nothing in the last token
. "$SR_TESTLIB"
need_root

$SR synth --profile tiny-moe --write-gguf "$T/m.gguf" || fail "synth --write-gguf"
cp "$T/m.gguf" "$T/dev.img"
sz=$(stat -c %s "$T/dev.img")
head -c $(((sz + 1048575) / 1048576 * 1048576 - sz)) /dev/zero >>"$T/dev.img"
sync "$T/dev.img"
new_loop "$T/dev.img"
dev=$LOOP
ra=/sys/block/$(basename "$dev")/queue/read_ahead_kb
echo 0 >"$ra" || skip "cannot set $ra"
$SR synth --gguf "$T/m.gguf" --tokens 2 -o "$T/sched.csv" || fail "synth schedule"

$SR simulate --gguf "$T/m.gguf" "$dev" --tokens 2 --mem 200% --compute-ms-per-token 1 \
	--compare pagecache,routed-willneed,pread-prefetch:3,tensor-rule --real-mmap --no-ram-baseline \
	--output-format json --output "$T/r.json" 2>"$T/err"
real_mmap_rc $? "$T/err" "simulate --real-mmap"
python3 - "$T/r.json" "$T/sched.csv" <<'PY' || fail "real strategies"
import csv, json, sys
j = json.load(open(sys.argv[1]))
rows = {r["policy"]: r for r in j["rows"]}
pages = set()
for r in csv.DictReader(open(sys.argv[2])):
    o, n = int(r["offset"]), int(r["length"])
    pages.update(range(o // 4096, (o + n - 1) // 4096 + 1))
touched = len(pages) * 4096
mm, wn, pp, tr = rows["real-mmap"], rows["real:routed-willneed"], rows["real:pread-prefetch:3"], rows["real:tensor-rule"]
# routed WILLNEED: no page beyond those the schedule touches
assert wn["advised_bytes"] > 0, wn["advised_bytes"]
assert 0.9 * touched <= wn["device_read_bytes"] <= touched, (wn["device_read_bytes"], touched)
assert wn["major_faults"] < mm["major_faults"], (wn["major_faults"], mm["major_faults"])
assert wn["prefetch_bytes"] > 0
# accounting: the process read = demand + prefetch + private, and the device agrees
for name, r in rows.items():
    if r["kind"] == "simulated":
        assert r["read_bytes"] == r["demand_bytes"] + r["prefetch_bytes"], name
        continue
    parts = r["demand_bytes"] + r["prefetch_bytes"] + r["private_read_bytes"]
    assert r["read_bytes"] == parts, (name, r["read_bytes"], parts)
    assert abs(r["device_read_bytes"] - r["read_bytes"]) <= 0.05 * r["read_bytes"] + 65536, \
        (name, r["device_read_bytes"], r["read_bytes"])
# the pool
assert pp["pread_threads"] == 3 and 1 <= pp["pread_max_inflight"] <= 3, (pp["pread_threads"], pp["pread_max_inflight"])
assert pp["pread_jobs"] > 0 and pp["prefetch_bytes"] > 0
# tensor-rule: the dense tensors come from private buffers, experts fault
assert tr["private_tensors"] > 0 and tr["private_read_bytes"] > 0
assert tr["major_faults"] < mm["major_faults"], (tr["major_faults"], mm["major_faults"])
print("touched %d bytes; routed-willneed read %d (advised %d), majflt %d vs plain %d; pool max %d of 3" %
      (touched, wn["device_read_bytes"], wn["advised_bytes"], wn["major_faults"], mm["major_faults"], pp["pread_max_inflight"]))
PY
ok "routed WILLNEED reads only routed slices; accounting adds up; pool within T"

# the check can fail: plain mmap with readahead reads pages nobody touched
echo 128 >"$ra"
$SR simulate --gguf "$T/m.gguf" "$dev" --tokens 2 --mem 200% --compute-ms-per-token 1 --policy lru \
	--real-mmap --no-ram-baseline --output-format json --output "$T/ra.json" || fail "plain mmap with readahead"
python3 - "$T/ra.json" "$T/sched.csv" <<'PY' || fail "readahead control"
import csv, json, sys
j = json.load(open(sys.argv[1]))
mm = [r for r in j["rows"] if r["policy"] == "real-mmap"][0]
pages = set()
for r in csv.DictReader(open(sys.argv[2])):
    o, n = int(r["offset"]), int(r["length"])
    pages.update(range(o // 4096, (o + n - 1) // 4096 + 1))
assert mm["device_read_bytes"] > len(pages) * 4096, (mm["device_read_bytes"], len(pages) * 4096)
PY
ok "with readahead, plain mmap reads beyond the touched pages (the routed check discriminates)"

# RAM >= model: converged to zero device reads after warm-up
echo 0 >"$ra"
$SR simulate --gguf "$T/m.gguf" "$dev" --tokens 40 --mem 200% --compute-ms-per-token 0.2 \
	--compare pagecache,routed-willneed,pread-prefetch,tensor-rule,lru --real-mmap --no-ram-baseline \
	--output-format json --output "$T/c.json" || fail "convergence run"
python3 - "$T/c.json" <<'PY' || fail "convergence"
import json, sys
j = json.load(open(sys.argv[1]))
for r in j["rows"]:
    assert r["tokens"] == 40, (r["policy"], r["tokens"])
    assert r["last_token_read_bytes"] == 0, (r["policy"], r["last_token_read_bytes"])
    # tensor-rule's private reads round each tensor out to 4 KiB: pages at the edges come twice
    assert r["read_bytes"] - (r.get("private_read_bytes") or 0) <= j["model_bytes"] + 8192, (r["policy"], r["read_bytes"])
print("ok")
PY
ok "RAM >= model: no strategy reads in the last of 40 tokens"
