#!/usr/bin/env python3
"""llamacpp_modes.py OUT [MIB]: the two kinds of decode tokens in a
validation's limited runs (scripts/llamacpp_validate.sh's OUT), beside the
simulation's.

A token is counted as deactivating when reclaim moved at least MIB (default
8) of pages from the active to the inactive list during it: the host's
pgdeactivate between the runner's marks (OUT/MODEL.LEVEL.N.marks), and the
simulated lists' per_token_deactivations (OUT/MODEL.LEVEL.resim.json, left by
scripts/llamacpp_resim.py, else OUT/MODEL.LEVEL.sim.json). Under a memory
limit the kernel switches between tokens whose reclaim deactivates all along
(the active list refilled by refaults, readahead evicted before use and read
again) and tokens whose reclaim never does; a point's median bytes/token is
the mix. Tokens as decode_of counts them: from the first decode token's mark
on, real and simulated alike.

Prints a markdown table: per point, the real median bytes/token (points.tsv),
the real tokens that deactivated (how many of all, their mean MiB/token) and
the rest's, then the same for the simulation. Exit 2 on input it cannot read,
with a line naming the file."""
import csv
import json
import os
import re
import sys

M = 1 << 20


def die(msg):
    print("llamacpp_modes: %s" % msg, file=sys.stderr)
    sys.exit(2)


def real_tokens(path):
    """(MiB read, MiB deactivated) per decode token of one run's marks; none
    from marks of a runner that did not yet write the host's counters
    (token N NS READ_BYTES MAJFLT)."""
    marks = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            w = line.split()
            if not w or w[0] != "token":
                continue
            if len(w) == 5:
                return []
            if len(w) != 9:
                die("%s:%d: expected 'token N NS READ_BYTES MAJFLT PGACTIVATE PGDEACTIVATE REFAULT ACTIVATE', "
                    "found %d fields" % (path, n, len(w)))
            try:
                marks.append((int(w[3]), int(w[6])))
            except ValueError:
                die("%s:%d: expected integer counters, found %r" % (path, n, line.strip()))
    return [((b[0] - a[0]) / M, (b[1] - a[1]) * 4096 / M) for a, b in zip(marks, marks[1:])]


def sim_tokens(path):
    """(MiB read, MiB deactivated) per decode token of the simulated row, or
    None when the JSON predates per_token_deactivations."""
    try:
        d = json.load(open(path))
        rows = d["rows"]
        row = next((r for r in rows if r.get("policy") == "pagecache" and r.get("kind") == "simulated"), rows[0])
        page = int(d.get("page") or 4096)
    except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError) as e:
        die("%s: expected simulate's JSON report with a row: %s" % (path, e))
    rd, de = row.get("per_token_read_bytes"), row.get("per_token_deactivations")
    if de is None:
        return None
    if not isinstance(rd, list) or not isinstance(de, list) or len(rd) != len(de):
        die("%s: per_token_read_bytes and per_token_deactivations: expected lists of one length" % path)
    return [(r / M, x * page / M) for r, x in zip(rd, de)][1:]


def split(tokens, mib):
    busy = [r for r, x in tokens if x >= mib]
    rest = [r for r, x in tokens if x < mib]
    mean = lambda v: "%.1f" % (sum(v) / len(v)) if v else "-"
    return "%d of %d | %s | %s" % (len(busy), len(tokens), mean(busy), mean(rest))


def main():
    if len(sys.argv) not in (2, 3):
        die("usage: llamacpp_modes.py OUT [MIB]")
    out = sys.argv[1]
    try:
        mib = float(sys.argv[2]) if len(sys.argv) == 3 else 8.0
        if not mib > 0:
            raise ValueError
    except ValueError:
        die("MIB: expected MiB deactivated above 0, found %r" % sys.argv[2])
    tsv = os.path.join(out, "points.tsv")
    try:
        rows = list(csv.DictReader(open(tsv), delimiter="\t"))
    except OSError as e:
        die("%s: %s" % (tsv, e.strerror))
    if not rows or any(k not in rows[0] for k in ("model", "level", "real_bpt")):
        die("%s: expected the validation's points (model, level, real_bpt columns)" % tsv)
    print("| model | room | real MiB/token | real tokens deactivating | their MiB/token | the others' |"
          " simulated tokens deactivating | their MiB/token | the others' |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        name, lv = r["model"], r["level"]
        runs = sorted(f for f in os.listdir(out) if re.fullmatch(re.escape("%s.%s." % (name, lv)) + r"\d+\.marks", f))
        real = [t for f in runs for t in real_tokens(os.path.join(out, f))]
        sim = None
        for kind in ("resim", "sim"):
            p = os.path.join(out, "%s.%s.%s.json" % (name, lv, kind))
            if os.path.exists(p):
                sim = sim_tokens(p)
                break
        try:
            rb = float(r["real_bpt"]) / M
        except ValueError:
            die("%s: %s %s%%: real_bpt: expected bytes, found %r" % (tsv, name, lv, r["real_bpt"]))
        print("| %s | %s%% | %.1f | %s | %s |" % (name, lv, rb, split(real, mib) if real else "- | - | -",
                                                split(sim, mib) if sim else "- | - | -"))


main()
