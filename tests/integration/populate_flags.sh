#!/bin/bash
# needs: root
# What MAP_POPULATE (llama.cpp's load) leaves on the kernel's lists, which
# the pagecache policy's load reproduces (policy/sim.c's load_populate):
# scripts/populate_flags.py maps a 96 MiB written file with MAP_POPULATE
# after POSIX_FADV_SEQUENTIAL and reads /proc/kpageflags. Its page walk
# calls folio_mark_accessed() on every page it maps with a PTE, so the
# first window's single pages come out referenced and inactive and the
# larger folios of the windows after it active (pgactivate counts them);
# read one byte a page through a plain mapping instead, nothing is activated.
# On a kernel or filesystem without large page-cache folios the walk leaves
# single pages only: skipped. A bad argument is refused with exit 2.
source "$SR_TESTLIB"
[ -r /proc/kpageflags ] || skip "no readable /proc/kpageflags"
py=$SR_SRC/scripts/populate_flags.py
"$SR" prep "$T/m.bin" --size 96M --quiet || fail "prep"
python3 "$py" "$T/m.bin" populate >"$T/pop" || fail "populate_flags populate"
python3 "$py" "$T/m.bin" touch >"$T/touch" || fail "populate_flags touch"
sed 's/^/  /' "$T/pop"
grep -q "folios of [1-9][0-9]* KiB" <(grep -v "folios of 4 KiB" "$T/pop") || skip "no large folios in this page cache"
python3 - "$T/pop" "$T/touch" <<'PY' || fail "the load's lists"
import re, sys
def parse(p):
    lines = open(p).read().splitlines()
    act = int(re.search(r"pgactivate \+(\d+)", lines[0]).group(1))
    runs = [re.match(r"\s+pages\s+(\d+)-(\d+)\s+\S+ MiB\s+(.+?)\s{2,}(referenced|not referenced)\s+folios of (\d+) KiB", l)
            for l in lines[1:]]
    return act, [(int(m.group(1)), int(m.group(2)), m.group(3), m.group(4), int(m.group(5))) for m in runs]
pa, pr = parse(sys.argv[1])
ta, tr = parse(sys.argv[2])
first = pr[0]
assert first[0] == 0 and first[2] == "inactive" and first[3] == "referenced" and first[4] == 4, first
active = sum(r[1] - r[0] + 1 for r in pr if r[2] == "active")
assert active > 0 and all(r[4] > 4 for r in pr if r[2] == "active"), pr
assert pa >= active // 2, (pa, active)   # pgactivate counts them (the host's: other activity adds)
assert not any(r[2] == "active" for r in tr), tr
print("  populate: %d pages active, pgactivate +%d; touched one byte a page: none active, pgactivate +%d" % (active, pa, ta))
PY
ok "MAP_POPULATE leaves single pages referenced and larger folios active; plain faults activate nothing"
expect_exit 2 "usage: populate_flags.py" python3 "$py" "$T/m.bin" often
expect_exit 2 "expected a file of a page or more" python3 "$py" /dev/null
ok "a bad mode or a file under a page: refused with exit 2"
