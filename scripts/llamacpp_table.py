#!/usr/bin/env python3
"""llamacpp_table.py POINTS.TSV: the predicted-vs-real table of
scripts/llamacpp_validate.sh (markdown) and how many points are in the goal
band (tokens/s +-25%, bytes/token +-15%): the prediction at the room itself,
and, where simulate ran with --mem-spread, its range (the real median within
the band of the least to the most the simulation gave within the spread).
With each run's figures (real_tps_runs, real_bpt_runs) of 6 or more runs a
point, also how reproducible the real figure is: the medians of runs 1-3,
4-6, ... (each what one validation of RUNS=3 would have compared with), how
far apart they are, whether any one figure could be within the band of all
of them, and of how many the prediction is. A point simulate flagged as under
four readahead windows (small_room 1) has its room marked '*' and is counted
under the table."""
import csv
import sys

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
M = 1 << 20


def rng(r, k):
    """The predicted least and most of k (tps, bpt), or None."""
    lo, hi = r.get("pred_%s_min" % k) or "", r.get("pred_%s_max" % k) or ""
    return (float(lo), float(hi)) if lo and hi else None


def in_band(real, lo, hi, band, floor=0):
    return lo * (1 - band) - floor <= real <= hi * (1 + band) + floor


def runs(r, k):
    """Each run's real figure of k (tps, bpt), in run order, or []."""
    v = r.get("real_%s_runs" % k) or ""
    return [float(x) for x in v.split(",") if x]


def triples(v):
    """The medians of v's consecutive groups of 3 (a last short group left out)."""
    return [sorted(v[i:i + 3])[1] for i in range(0, len(v) - 2, 3)]


def near(x, m, band, floor):
    return abs(x - m) <= max(band * m, floor)


def one_fits(ms, band, floor):
    """Whether some one figure is within the band of every median in ms."""
    return max(m - max(band * m, floor) for m in ms) <= min(m + max(band * m, floor) for m in ms)


print("| model | room | real MiB/token (min-max) | predicted (range) | ratio | real tok/s (min-max) | predicted (range) | ratio | major faults/token real, predicted |")
print("|---|---|---|---|---|---|---|---|---|")
ok_t = ok_b = rok_t = rok_b = nr = n_small = ok_small = 0
for r in rows:
    f = {k: float(v) for k, v in r.items() if k != "model" and not k.endswith("_runs") and v}
    rb = f["pred_bpt"] / f["real_bpt"] if f["real_bpt"] else float("inf")
    rt = f["pred_tps"] / f["real_tps"]
    rbs = "%.2fx" % rb if f["real_bpt"] or f["pred_bpt"] else "-"  # both read nothing
    ok_b += near(f["pred_bpt"], f["real_bpt"], 0.15, M)
    ok_t += near(f["pred_tps"], f["real_tps"], 0.25, 0)
    b, t = rng(r, "bpt"), rng(r, "tps")
    if b and t:
        nr += 1
        rok_b += in_band(f["real_bpt"], b[0], b[1], 0.15, M)
        rok_t += in_band(f["real_tps"], t[0], t[1], 0.25)
    small = r.get("small_room") == "1"
    n_small += small
    ok_small += small and near(f["pred_bpt"], f["real_bpt"], 0.15, M)
    print("| %s | %d%% (%.0f MiB)%s | %.1f (%.1f-%.1f) | %.1f%s | %s | %.2f (%.2f-%.2f) | %.2f%s | %.2fx | %.0f, %.0f |" % (
        r["model"], f["level"], f["room"] / M, " *" if small else "", f["real_bpt"] / M, f["real_bpt_min"] / M, f["real_bpt_max"] / M,
        f["pred_bpt"] / M, " (%.1f-%.1f)" % (b[0] / M, b[1] / M) if b else "", rbs, f["real_tps"], f["real_tps_min"],
        f["real_tps_max"], f["pred_tps"], " (%.2f-%.2f)" % t if t else "", rt, f["real_fpt"], f["pred_fpt"]))
print("within the goal: bytes/token +-15%%: %d of %d points; tokens/s +-25%%: %d of %d" % (ok_b, len(rows), ok_t, len(rows)))
if n_small:
    print("* under four readahead windows (simulate's flag; README, 'Rooms under four readahead windows'): "
          "%d of %d points, %d of them within the bytes/token band" % (n_small, len(rows), ok_small))
if nr:
    print("the real median within the goal band of the predicted range: bytes/token %d of %d points; tokens/s %d of %d"
          % (rok_b, nr, rok_t, nr))

rep = [r for r in rows if len(runs(r, "bpt")) >= 6 and len(runs(r, "tps")) >= 6]
if rep:
    print()
    print("repeatability: the medians of runs 1-3, 4-6, ... of a point, each what a validation of 3 runs compares with;"
          " one figure within the goal band of all of them needs them within %.2fx (bytes/token) and %.2fx (tokens/s)"
          % (1.15 / 0.85, 1.25 / 0.75))
    print("| model | room | MiB/token medians | most/least | predicted within +-15% of | tok/s medians | most/least |"
          " predicted within +-25% of |")
    print("|---|---|---|---|---|---|---|---|")
    nb = nt = 0
    for r in rep:
        f = {k: float(v) for k, v in r.items() if k in ("level", "room", "pred_bpt", "pred_tps")}
        mb, mt = triples(runs(r, "bpt")), triples(runs(r, "tps"))
        nb += not one_fits(mb, 0.15, M)
        nt += not one_fits(mt, 0.25, 0)
        print("| %s | %d%% (%.0f MiB) | %s | %s | %d of %d | %s | %s | %d of %d |" % (
            r["model"], f["level"], f["room"] / M, " ".join("%.1f" % (m / M) for m in mb),
            "%.2fx" % (max(mb) / min(mb)) if min(mb) > 0 else "-",
            sum(near(f["pred_bpt"], m, 0.15, M) for m in mb), len(mb), " ".join("%.2f" % m for m in mt),
            "%.2fx" % (max(mt) / min(mt)) if min(mt) > 0 else "-", sum(near(f["pred_tps"], m, 0.25, 0) for m in mt),
            len(mt)))
    print("medians of three runs too far apart for one figure to be within the goal band of all: bytes/token at %d of %d"
          " points, tokens/s at %d of %d" % (nb, len(rep), nt, len(rep)))
