#!/usr/bin/env python3
"""populate_flags.py FILE [populate|touch]: what llama.cpp's load leaves on the
kernel's file LRU lists. Drops FILE's clean pages (POSIX_FADV_DONTNEED), asks
for POSIX_FADV_SEQUENTIAL as llama.cpp's loader does, then maps it with
MAP_POPULATE (populate, the default) or maps it plainly and reads one byte a
page (touch), and prints /proc/vmstat's pgactivate over that and, from
/proc/self/pagemap and /proc/kpageflags, the file's pages in runs of the same
state: active or inactive, PG_referenced, and the folio size. Run it in the
cgroup whose lists you want (no limit: nothing is reclaimed meanwhile).
Needs root (kpageflags) and a file on a filesystem with a page cache; exit 2
on a bad argument, 77 without /proc/kpageflags."""
import mmap
import os
import struct
import sys

KPF_REFERENCED, KPF_LRU, KPF_ACTIVE, KPF_HEAD, KPF_TAIL = 2, 5, 6, 15, 16


def vmstat(key):
    for line in open("/proc/vmstat"):
        k, v = line.split()
        if k == key:
            return int(v)
    return 0


def main():
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] not in ("populate", "touch")):
        print("usage: populate_flags.py FILE [populate|touch]", file=sys.stderr)
        return 2
    path, mode = sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else "populate"
    if not os.access("/proc/kpageflags", os.R_OK):
        print("populate_flags: /proc/kpageflags is not readable (root needed)", file=sys.stderr)
        return 77
    try:
        fd = os.open(path, os.O_RDONLY)
        size = os.fstat(fd).st_size
    except OSError as e:
        print("populate_flags: %s: %s" % (path, e.strerror), file=sys.stderr)
        return 2
    if size < 4096:
        print("populate_flags: %s: expected a file of a page or more, found %d bytes" % (path, size), file=sys.stderr)
        return 2
    pg = os.sysconf("SC_PAGE_SIZE")
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
    act0 = vmstat("pgactivate")
    if mode == "populate":
        m = mmap.mmap(fd, size, mmap.MAP_SHARED | mmap.MAP_POPULATE, mmap.PROT_READ)
    else:
        m = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ)
        for off in range(0, size, pg):
            m[off]
    act = vmstat("pgactivate") - act0
    real = os.path.realpath(path)
    addr = None
    for line in open("/proc/self/maps"):
        f = line.split()
        if len(f) >= 6 and f[5] == real and f[2] == "00000000":
            addr = int(f[0].split("-")[0], 16)
    if addr is None:
        print("populate_flags: %s: its mapping is not in /proc/self/maps" % path, file=sys.stderr)
        return 1
    print("%s: %s, %d pages: pgactivate +%d" % (path, mode, size // pg, act))
    runs = []
    with open("/proc/self/pagemap", "rb") as pm, open("/proc/kpageflags", "rb") as kf:
        n = size // pg
        states = []
        for i in range(n):
            pm.seek(((addr // pg) + i) * 8)
            e = struct.unpack("<Q", pm.read(8))[0]
            if not e >> 63 & 1:
                states.append(("not mapped", 0, False))
                continue
            kf.seek((e & ((1 << 55) - 1)) * 8)
            k = struct.unpack("<Q", kf.read(8))[0]
            states.append(("active" if k >> KPF_ACTIVE & 1 else "inactive" if k >> KPF_LRU & 1 else "off the lists",
                           k >> KPF_REFERENCED & 1, bool(k >> KPF_TAIL & 1)))
        # folio sizes: a head page and the tails after it
        sizes = [0] * n
        i = 0
        while i < n:
            j = i + 1
            while j < n and states[j][2]:
                j += 1
            for q in range(i, j):
                sizes[q] = (j - i) * pg
            i = j
        for i in range(n):
            key = (states[i][0], states[i][1], sizes[i])
            if runs and runs[-1][0] == key:
                runs[-1][2] += 1
            else:
                runs.append([key, i, 1])
    for (state, ref, fsz), start, count in runs:
        print("  pages %7d-%-7d %9.1f MiB  %-13s %-14s folios of %d KiB" % (
            start, start + count - 1, count * pg / 2**20, state, "referenced" if ref else "not referenced",
            fsz // 1024))
    m.close()
    os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
