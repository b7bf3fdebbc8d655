#!/usr/bin/env python3
"""Compare a real llama.cpp run's capture with synth's schedule for the same GGUF.

llamacpp_cmp.py split CAPTURE MARKS MODEL OUTDIR [PAGEFAULTS]
    Cut an `ssdreplay record --filemap --block` capture (and, when given, a
    tracefs exceptions:page_fault_user capture) into phases by the marks
    scripts/llamacpp_run.mjs wrote (load, prefill, decode): OUTDIR/fm.PHASE.txt
    (page-cache insertions of MODEL's inode only, with the capture's header),
    OUTDIR/blk.PHASE.txt (block requests), OUTDIR/pf.PHASE.csv (user page faults
    inside MODEL's mapping, as 4 KiB pages at file offsets; tag = thread),
    OUTDIR/pf64.PHASE.csv (as the 64 KiB blocks fault-around maps) and
    OUTDIR/pfx.PHASE.csv (at the faulting byte). Prints counts.
llamacpp_cmp.py order INFO.json SCHEDULE.csv TRACE.csv|TRACE.txt [N]
    Per decode token, the order in which tensors are first touched, against the
    schedule's first token: tensors in both, and the share of the schedule's
    order kept (longest common subsequence). N: tokens to print (default 2).
"""
import csv
import json
import os
import re
import sys

TS = re.compile(r"^\s*(.+?)-(\d+)\s+\[\d+\]\s+\S+\s+([\d.]+): (\w+): (.*)$")


def marks_of(path):
    ph, maps, toks = {}, [], []
    for line in open(path):
        f = line.split()
        if f[0] == "map":
            maps.append((int(f[1], 16), int(f[2], 16), int(f[3], 16)))
        elif f[0] == "token":
            toks.append(int(f[2]))
        else:
            ph[f[0]] = int(f[1])
    return ph, maps, toks


def phase(t, ph, toks):
    if t < ph.get("load-done", 0):
        return "load"
    if not toks or t < toks[0]:
        return "prefill"
    return "decode"


def split(cap, marks, model, out, pf=None):
    ph, maps, toks = marks_of(marks)
    ino = " ino %x " % os.stat(model).st_ino
    files = {}
    header = []

    def w(kind, p, line):
        key = (kind, p)
        if key not in files:
            ext = "csv" if kind.startswith("pf") else "txt"
            files[key] = open(os.path.join(out, "%s.%s.%s" % (kind, p, ext)), "w")
            if kind.startswith("pf"):
                files[key].write("offset,length,op,target,tag,flags\n")
            else:
                files[key].writelines(header)
        files[key].write(line)

    n = {}
    for line in open(cap):
        if line.startswith("#"):
            header.append(line)
            continue
        m = TS.match(line)
        if not m:
            continue
        ev = m.group(4)
        if ev == "mm_filemap_add_to_page_cache":
            if ino not in line:
                continue
            kind = "fm"
        elif ev == "block_rq_issue":
            kind = "blk"
        else:
            continue
        p = phase(int(float(m.group(3)) * 1e9), ph, toks)
        w(kind, p, line)
        n[kind, p] = n.get((kind, p), 0) + 1
    if pf:
        tids, tok = {}, -1
        for line in open(pf):
            m = TS.match(line)
            if not m or m.group(4) != "page_fault_user":
                continue
            a = int(re.search(r"address=(0x[0-9a-f]+)", m.group(5)).group(1), 16)
            hit = [(s, o) for s, e, o in maps if s <= a < e]
            if not hit:
                continue
            t = int(float(m.group(3)) * 1e9)
            p = phase(t, ph, toks)
            flags = 0
            if p == "decode":
                k = sum(1 for x in toks[:-1] if x <= t)
                if k != tok:
                    tok, flags = k, 1
            tid = tids.setdefault(int(m.group(2)), len(tids))
            off = a - hit[0][0] + hit[0][1]
            w("pf", p, "%d,4096,r,0,%d,%d\n" % (off & ~4095, tid, flags))
            # the 64 KiB block fault-around maps (fault_around_bytes' default)
            w("pf64", p, "%d,65536,r,0,%d,%d\n" % (off & ~65535, tid, flags))
            # the faulting byte itself names the tensor (a page may hold two)
            w("pfx", p, "%d,1,r,0,%d,%d\n" % (off, tid, flags))
            n["pf", p] = n.get(("pf", p), 0) + 1
    for f in files.values():
        f.close()
    for k in sorted(n):
        print("%s.%s %d" % (k[0], k[1], n[k]))


def tensors_of(info):
    t = json.load(open(info))["tensors"]
    t = sorted(t, key=lambda x: int(x["offset"]))
    return [(int(x["offset"]), int(x["offset"]) + int(x["bytes"]), x["name"]) for x in t]


def name_at(ts, off):
    lo, hi = 0, len(ts)
    while lo < hi:
        mid = (lo + hi) // 2
        if ts[mid][1] <= off:
            lo = mid + 1
        else:
            hi = mid
    if lo < len(ts) and ts[lo][0] <= off < ts[lo][1]:
        return ts[lo][2]
    return None


def tokens_csv(path):
    """Records of a CSV trace (synth, or pf.*.csv) grouped by the token flag."""
    toks = []
    for r in csv.DictReader(open(path)):
        if int(r["flags"]) & 1 or not toks:
            toks.append([])
        toks[-1].append(int(r["offset"]))
    return toks


def first_touch(ts, offs):
    seen, order = set(), []
    for o in offs:
        n = name_at(ts, o)
        if n and n not in seen:
            seen.add(n)
            order.append(n)
    return order


def lcs(a, b):
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def short(n):
    return n.replace(".weight", "").replace("blk.", "")


def order(info, sched, trace, show=2):
    ts = tensors_of(info)
    want = first_touch(ts, tokens_csv(sched)[0])
    for i, offs in enumerate(tokens_csv(trace)):
        got = first_touch(ts, offs)
        common = [x for x in got if x in want]
        kept = lcs([x for x in want if x in got], common)
        print("token %d: %d tensors touched (%d of the schedule's %d), order kept %d/%d" %
              (i, len(got), len(common), len(want), kept, len(common)))
        if i < show:
            print("  real:  " + " ".join(short(x) for x in got))
            print("  synth: " + " ".join(short(x) for x in want))


if __name__ == "__main__":
    if len(sys.argv) >= 6 and sys.argv[1] == "split":
        split(*sys.argv[2:7])
    elif len(sys.argv) >= 5 and sys.argv[1] == "order":
        order(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]) if len(sys.argv) > 5 else 2)
    else:
        sys.exit(__doc__)
