#!/usr/bin/env python3
"""llamacpp_table.py POINTS.TSV: the predicted-vs-real table of
scripts/llamacpp_validate.sh (markdown) and how many points are in the goal
band (tokens/s +-25%, bytes/token +-15%): the prediction at the room itself,
and, where simulate ran with --mem-spread, its range (the real median within
the band of the least to the most the simulation gave within the spread)."""
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


print("| model | room | real MiB/token (min-max) | predicted (range) | ratio | real tok/s (min-max) | predicted (range) | ratio | major faults/token real, predicted |")
print("|---|---|---|---|---|---|---|---|---|")
ok_t = ok_b = rok_t = rok_b = nr = 0
for r in rows:
    f = {k: float(v) for k, v in r.items() if k != "model" and v}
    rb = f["pred_bpt"] / f["real_bpt"] if f["real_bpt"] else float("inf")
    rt = f["pred_tps"] / f["real_tps"]
    rbs = "%.2fx" % rb if f["real_bpt"] or f["pred_bpt"] else "-"  # both read nothing
    ok_b += abs(rb - 1) <= 0.15 or abs(f["pred_bpt"] - f["real_bpt"]) < M
    ok_t += abs(rt - 1) <= 0.25
    b, t = rng(r, "bpt"), rng(r, "tps")
    if b and t:
        nr += 1
        rok_b += in_band(f["real_bpt"], b[0], b[1], 0.15, M)
        rok_t += in_band(f["real_tps"], t[0], t[1], 0.25)
    print("| %s | %d%% (%.0f MiB) | %.1f (%.1f-%.1f) | %.1f%s | %s | %.2f (%.2f-%.2f) | %.2f%s | %.2fx | %.0f, %.0f |" % (
        r["model"], f["level"], f["room"] / M, f["real_bpt"] / M, f["real_bpt_min"] / M, f["real_bpt_max"] / M,
        f["pred_bpt"] / M, " (%.1f-%.1f)" % (b[0] / M, b[1] / M) if b else "", rbs, f["real_tps"], f["real_tps_min"],
        f["real_tps_max"], f["pred_tps"], " (%.2f-%.2f)" % t if t else "", rt, f["real_fpt"], f["pred_fpt"]))
print("within the goal: bytes/token +-15%%: %d of %d points; tokens/s +-25%%: %d of %d" % (ok_b, len(rows), ok_t, len(rows)))
if nr:
    print("the real median within the goal band of the predicted range: bytes/token %d of %d points; tokens/s %d of %d"
          % (rok_b, nr, rok_t, nr))
