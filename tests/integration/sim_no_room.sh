#!/bin/bash
# A fault whose read-around finds no frame free still reads its own page, as
# filemap_fault does when readahead cannot allocate: one 4 KiB access 2 MiB
# into the file with a 4 MiB window and 1 MiB of memory fills every frame
# with the window's start, in flight, and the demanded page is read through.
# (It was skipped: an access neither hit nor read.) And a request the engine
# finishes inside queue (null; psync at QD 1) stays in flight until the next
# reap, as an asynchronous one does, so the window's end cannot evict its
# start (the null engine read 4 MiB and wasted 3 of them here). The window's
# frames are all taken before its reads go out, as the kernel inserts a
# readahead window's folios before it submits them, so QD 1 reads the same
# (taken one request at a time, QD 1 read 2 MiB and wasted 1), whatever the
# engine.
. "$SR_TESTLIB"

head -c 8M /dev/urandom >"$T/f" # read with O_DIRECT by io_uring and psync: written, not sparse
printf 'offset,length\n2097152,4096\n' >"$T/one.csv"
for e in null io_uring psync; do
	# shellcheck disable=SC2086
	$SR simulate --trace "$T/one.csv" "$T/f" --policy pagecache:4096 --mem 1M --engine $e --output-format json \
		>"$T/o.json" || fail "simulate --engine $e"
	python3 - "$T/o.json" "$e" <<'PY' || fail "--engine $e: $(cat "$T/o.json")"
import json, sys
r = json.load(open(sys.argv[1]))["rows"][0]
assert r["pages"] == 1 and r["misses"] == 1 and r["hits"] == 0, ("the demanded page was not read", r)
assert r["demand_bytes"] == 4096, r
assert r["read_bytes"] == (1 << 20) + 4096, ("the window's start and the page", r["read_bytes"])
assert r["wasted_prefetch_bytes"] == 0, ("the window evicted its own start", r["wasted_prefetch_bytes"])
print("  %s: read %d, demand %d, wasted %d" % (sys.argv[2], r["read_bytes"], r["demand_bytes"], r["wasted_prefetch_bytes"]))
PY
done
for e in null io_uring psync; do
	$SR simulate --trace "$T/one.csv" "$T/f" --policy pagecache:4096 --mem 1M --engine $e --qd 1 --output-format json |
		python3 -c 'import json, sys; r = json.load(sys.stdin)["rows"][0]; print(r["read_bytes"], r["wasted_prefetch_bytes"], r["misses"])'
done >"$T/qd1" || fail "simulate --qd 1"
[ "$(sort -u "$T/qd1")" = "$(((1 << 20) + 4096)) 0 1" ] || fail "--qd 1: null, io_uring, psync: $(cat "$T/qd1")"
ok "no room for read-around: the fault's page is read through, the window does not evict itself, at QD 1 too, on every engine"

# the bookkeeping over a whole run at low memory: every page access is a hit, late or a miss
f16_model tiny-llama 4 512 1024 "$T/d.gguf"
for e in null io_uring; do
	$SR simulate --gguf "$T/d.gguf" --policy pagecache --tokens 4 --advise sequential --access page --threads 2 \
		--mem 35% --read-ahead-kb 4096 --engine $e --output-format json >"$T/d.json" || fail "simulate --gguf ($e)"
	python3 - "$T/d.json" <<'PY' || fail "--engine $e: accesses not all accounted for"
import json, sys
r = json.load(open(sys.argv[1]))["rows"][0]
assert r["hits"] + r["late"] + r["misses"] == r["pages"], (r["hits"], r["late"], r["misses"], r["pages"])
PY
done
ok "every page access is a hit, late or a miss (null and io_uring, 35% of the model, 8 MiB windows)"
