#!/bin/bash
# needs: root
# --real-mmap: the schedule runs for real through mmap inside a memory
# cgroup of --mem. With half the file as the limit and the whole file read
# each token, 3 tokens must read at least the file size from storage (the
# page cache cannot hold it); the RAM-resident baseline reads nothing in its
# loop; the cgroup is gone afterwards.
. "$SR_TESTLIB"
need_root

# 128 MiB: a budget of a few readahead windows (8 MiB of a 32 MiB file) had
# the child OOM-killed now and then, its reads in flight filling it
head -c 128M /dev/urandom >"$T/model"
sync "$T/model"
# The cgroup is named after the simulate process; other tests running in
# parallel have their own, so look only for this run's.
cgs() { ls -d "/sys/fs/cgroup/memory/ssdreplay-$1" "/sys/fs/cgroup/ssdreplay-$1" 2>/dev/null; }
python3 -c "
print('offset,length,op')
for i in range(128): print(f'{i*1048576},1048576,r')" >"$T/seq.csv"
# a run killed with SIGKILL leaves its (empty) cgroup: the next run removes it
true &
dead=$!
wait $dead
stale=
for d in /sys/fs/cgroup/memory /sys/fs/cgroup; do
	[ -d "$d" ] && [ -e "$d/memory.limit_in_bytes" -o -e "$d/cgroup.controllers" ] || continue
	mkdir "$d/ssdreplay-$dead" 2>/dev/null && stale=$d/ssdreplay-$dead && break
done
$SR simulate --trace "$T/seq.csv" "$T/model" --tokens 3 --mem 50% --policy pagecache --real-mmap \
	--output-format json --output "$T/r.json" 2>"$T/err" &
sim=$!
wait $sim
real_mmap_rc $? "$T/err" "simulate --real-mmap"
[ -z "$(cgs $sim)" ] || fail "the run's cgroup was left behind: $(cgs $sim)"
if [ -n "$stale" ] && [ -d "$stale" ]; then
	rmdir "$stale"
	fail "a stale cgroup of a dead process ($stale) was not removed"
fi
asan=$($SR --version | sed -n 's/.* asan:\([a-z]*\).*/\1/p')
python3 - "$T/r.json" "${asan:-no}" <<'PY' || fail "real-mmap figures"
import json, sys
j = json.load(open(sys.argv[1]))
rows = {r["kind"]: r for r in j["rows"]}
mm, ram, sim = rows["real-mmap"], rows["ram"], rows["simulated"]
size = 128 << 20
assert mm["tokens"] == 3 and ram["tokens"] == 3, (mm["tokens"], ram["tokens"])
assert mm["mem_bytes"] == size // 2
# the limit covers the process's own pages and kernel memory besides --mem:
# the page cache held --mem of the file at the end (when the cgroup simply
# got 8 MiB more it held 7.5 MB more of a 164 MB budget, and 8.1 MB more of
# the 16.8 MB one this test had with a 32 MiB file), less what reclaim frees
# at once (a folio of up to 2 MiB); within 0.1 MiB here. An AddressSanitizer build (--version: asan:yes) allows for
# the sanitizer's own memory, and its page cache may get that much more.
res = mm["resident_end_bytes"]
hi = size // 2 + (1 << 20) if sys.argv[2] == "no" else size // 2 + size // 8 + (17 << 20)
assert size // 2 - (4 << 20) <= res <= hi, ("the page cache held", res, "of --mem", size // 2)
assert ram["resident_end_bytes"] == size, ram["resident_end_bytes"]
assert mm["cgroup"] in ("v1", "v2"), mm["cgroup"]
assert mm["read_bytes"] >= size, ("real-mmap read", mm["read_bytes"])
assert mm["major_faults"] > 0
assert ram["read_bytes"] < size // 8, ("ram baseline read", ram["read_bytes"])
# the pagecache policy's estimate also re-reads: more than the file
assert sim["read_bytes"] >= size
print("real-mmap read %d bytes (%d major faults, %d resident at the end), pagecache estimate %d, RAM %d" %
      (mm["read_bytes"], mm["major_faults"], res, sim["read_bytes"], ram["read_bytes"]))
PY
ok "real-mmap in a cgroup of half the file re-reads it; RAM baseline does not"

# text report names the ratio
$SR simulate --trace "$T/seq.csv" "$T/model" --tokens 2 --mem 32M --policy lru --real-mmap >"$T/out" ||
	fail "text report"
grep -q "slower than RAM-resident" "$T/out" || fail "no RAM ratio in the text report"
ok "text report gives the SSD/RAM ratio"
