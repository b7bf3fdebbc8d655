#!/bin/bash
# The page cache's large folios against this kernel's. A file streamed once
# through mmap with POSIX_FADV_SEQUENTIAL, as llama.cpp's loader advises it:
# the fault's read-around is single pages and each async readahead window
# asks for folios two orders larger, up to 2 MiB, which the kernel maps
# with one PMD each (FilePmdMapped in smaps_rollup). simulate's pagecache
# policy, given the same pass, reads as many bytes into 2 MiB folios
# (max_folio_read_bytes), within four folios, with --max-folio's default
# taken from the target's filesystem and kernel; --max-folio 4k reads none.
# Skips where this kernel makes no PMD-mapped file folios (a kernel or
# filesystem without large folios, or readahead windows under 2 MiB).
source "$SR_TESTLIB"
command -v python3 >/dev/null || skip "no python3"
size=$((176 << 20))
head -c "$size" /dev/zero >"$T/model" || fail "cannot write $T/model" # written: a hole reads from nowhere
sync "$T/model"
# The kernel's count is its best case only on a quiet machine: readahead
# allocates its folios with __GFP_NORETRY, so on fragmented or busy memory an
# order-9 folio falls back to small pages (seen once in CI: 80 of 96 MiB).
# Up to three passes, memory compacted before a repeat where root may; the
# best pass is compared, each is printed.
kernel_pass() {
	python3 - "$T/model" <<'PY'
import mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
m = mmap.mmap(fd, 0, prot=mmap.PROT_READ)
s = 0
for off in range(0, len(m), 4096):
    s += m[off]
kb = 0
for line in open("/proc/self/smaps_rollup"):
    if line.startswith("FilePmdMapped:"):
        kb = int(line.split()[1])
print(kb * 1024)
PY
}
printf '%s\n' offset,length,op,target,tag,flags "0,$size,r,0,0,1" >"$T/pass.csv"
sim() { "$SR" simulate --trace "$T/pass.csv" "$T/model" --engine null --policy pagecache --mem 1G --tokens 1 \
	--advise sequential --qd 256 --output-format json "$@" >"$T/j" &&
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["rows"][0]["max_folio_read_bytes"])' "$T/j"; }
sim_b=$(sim) || fail "simulate the pass"
kernel=0
for pass in 1 2 3; do
	if [ "$pass" -gt 1 ] && [ -w /proc/sys/vm/compact_memory ]; then echo 1 >/proc/sys/vm/compact_memory; fi
	k=$(kernel_pass) || fail "streaming $T/model through mmap"
	echo "  pass $pass: the kernel mapped $((k >> 20)) MiB of $((size >> 20)) with PMDs"
	[ "$k" -gt "$kernel" ] && kernel=$k
	d=$((sim_b - kernel))
	[ "$kernel" -gt 0 ] && [ "${d#-}" -le $((8 << 20)) ] && break
done
[ "$kernel" -gt 0 ] || skip "no PMD-mapped file folios after streaming $((size >> 20)) MiB through mmap here"
# the default is the target's: this kernel made PMD folios of the file, so 2M
python3 - "$T/j" <<'PY' || fail "default --max-folio: $(cat "$T/j")"
import json, sys
j = json.load(open(sys.argv[1]))
print("  --max-folio's default: %d (%s)" % (j["max_folio_bytes"], j["max_folio_source"]))
assert j["max_folio_bytes"] == 2 << 20 and "large folios since" in j["max_folio_source"], j
PY
sim_4k=$(sim --max-folio 4k) || fail "simulate the pass, --max-folio 4k"
echo "  $((size >> 20)) MiB streamed: the kernel mapped $((kernel >> 20)) MiB at best with PMDs, simulate read $((sim_b >> 20)) MiB into 2 MiB folios, $((sim_4k >> 20)) with --max-folio 4k"
[ "${d#-}" -le $((8 << 20)) ] || fail "simulate's 2 MiB folios ($sim_b bytes) are not the kernel's best of three passes ($kernel) within 8 MiB"
[ "$sim_4k" = 0 ] || fail "--max-folio 4k read $sim_4k bytes into 2 MiB folios"
"$SR" simulate --trace "$T/pass.csv" "$T/model" --engine null --max-folio 3M 2>"$T/err" >/dev/null
[ $? = 2 ] && grep -q "max-folio" "$T/err" || fail "--max-folio 3M: $(cat "$T/err")"
ok "large folios as this kernel makes them"
