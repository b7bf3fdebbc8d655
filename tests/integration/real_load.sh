#!/bin/bash
# needs: root
# --real-mmap --load populate: the real row loads the model as llama.cpp's
# loader does (MAP_POPULATE's faults, then MADV_WILLNEED) inside the memory
# cgroup before its clock starts. With room for the whole file its tokens
# then read almost nothing, where the same run without the load reads the
# model in its first token; the load's own reads count in no figure. At half
# the file the loaded run must still go on re-reading. The real row gives its
# tokens' bytes one by one (per_token_read_bytes), as the simulated rows do.
# The loaded row with room for the model reads nothing, so its tokens take
# their emulated compute (20 ms, paid in batches, not by a sleep per page:
# that made a token of this model's 4,800 pages last 0.3 s).
. "$SR_TESTLIB"
need_root

# big enough that half of it outruns the reads in flight: at half of 19.5 MB
# the child was now and then OOM-killed during the load
f16_model tiny-llama 6 1024 2816 "$T/dense.gguf"
size=$(stat -c %s "$T/dense.gguf")
sync "$T/dense.gguf"
for mem in 150 50; do
	for load in none populate; do
		"$SR" simulate --gguf "$T/dense.gguf" "$T/dense.gguf" --policy pagecache --mem $mem% --tokens 3 \
			--compute-ms-per-token 20 \
			--advise sequential --access page --load $load --real-mmap --no-ram-baseline \
			--output-format json -o "$T/$load.$mem.json" 2>"$T/err"
		real_mmap_rc $? "$T/err" "simulate --real-mmap --mem $mem% --load $load"
	done
done
python3 - "$T" "$size" <<'PY' || fail "the real row's load"
import json, sys
d, size = sys.argv[1], int(sys.argv[2])
real = lambda n: [r for r in json.load(open("%s/%s.json" % (d, n)))["rows"] if r["kind"] == "real-mmap"][0]
c, p = real("none.150")["read_bytes"], real("populate.150")["read_bytes"]
print("  room 150%%, 3 tokens: %.1f MiB cold, %.1f MiB after the load; model %.1f MiB" % (c / 2**20, p / 2**20, size / 2**20))
assert c > 0.7 * size, (c, size)   # cold: the first token reads the weights
assert p < size / 8, (p, size)     # loaded: they stayed, and the load is not counted
tps = real("populate.150")["tokens_per_s"]
print("  room 150%%, after the load: %.1f tokens/s at 20 ms of compute a token" % tps)
assert tps > 1000 / 20 / 4, tps
t = real("none.150")["per_token_read_bytes"]
assert len(t) == 3 and t[0] > 0.7 * size and sum(t) <= c, (t, c)
c, p = real("none.50")["read_bytes"], real("populate.50")["read_bytes"]
print("  room 50%%, 3 tokens: %.1f MiB cold, %.1f MiB after the load" % (c / 2**20, p / 2**20))
assert c > 2 * size and p > size, (c, p, size)
# the load is in no figure: the loaded run's bytes are its tokens' (at this
# room, smaller than a readahead window, the totals swing 72-135 MiB from
# run to run, so they are not compared with the cold run's)
t = real("populate.50")["per_token_read_bytes"]
print("  room 50%%, after the load, per token: %s MiB" % ", ".join("%.1f" % (x / 2**20) for x in t))
assert len(t) == 3 and sum(t) == p, (t, p)
PY
python3 - "$T" "$size" <<'PY' || fail "the load's own reads"
import json, sys
d, size = sys.argv[1], int(sys.argv[2])
rows = lambda n: json.load(open("%s/%s.json" % (d, n)))["rows"]
for mem in (150, 50):
    r = rows("populate.%d" % mem)
    sim = [x for x in r if x["kind"] == "simulated"][0]["load_read_bytes"]
    real = [x for x in r if x["kind"] == "real-mmap"][0]["load_read_bytes"]
    print("  room %d%%, the load read: simulated %.1f MiB, the kernel %.1f MiB (model %.1f MiB)"
          % (mem, sim / 2**20, real / 2**20, size / 2**20))
    if mem == 150:  # read once, and WILLNEED finds it all cached
        assert 0.95 * size <= sim <= 1.05 * size and 0.95 * size <= real <= 1.1 * size, (sim, real, size)
    else:           # the walk's own reclaim takes the file's start: read again by WILLNEED
        assert sim > size and real > size, (sim, real, size)
for mem in (150, 50):
    r = [x for x in rows("none.%d" % mem) if x["kind"] == "real-mmap"][0]
    assert r["load_read_bytes"] == 0, ("no load, nothing read before the tokens", r["load_read_bytes"])
PY
ok "--real-mmap --load populate: the real row loads the model first, and the load counts in no figure; load_read_bytes on both rows"
