#!/usr/bin/env python3
"""llamacpp_table.py POINTS.TSV: the predicted-vs-real table of
scripts/llamacpp_validate.sh (markdown) and how many points are in the goal
band (tokens/s +-25%, bytes/token +-15%)."""
import csv
import sys

rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
M = 1 << 20
print("| model | room | real MiB/token (min-max) | predicted | ratio | real tok/s (min-max) | predicted | ratio | major faults/token real, predicted |")
print("|---|---|---|---|---|---|---|---|---|")
ok_t = ok_b = 0
for r in rows:
    f = {k: float(v) for k, v in r.items() if k != "model"}
    rb = f["pred_bpt"] / f["real_bpt"] if f["real_bpt"] else float("inf")
    rt = f["pred_tps"] / f["real_tps"]
    rbs = "%.2fx" % rb if f["real_bpt"] or f["pred_bpt"] else "-"  # both read nothing
    ok_b += abs(rb - 1) <= 0.15 or abs(f["pred_bpt"] - f["real_bpt"]) < M
    ok_t += abs(rt - 1) <= 0.25
    print("| %s | %d%% (%.0f MiB) | %.1f (%.1f-%.1f) | %.1f | %s | %.2f (%.2f-%.2f) | %.2f | %.2fx | %.0f, %.0f |" % (
        r["model"], f["level"], f["room"] / M, f["real_bpt"] / M, f["real_bpt_min"] / M, f["real_bpt_max"] / M,
        f["pred_bpt"] / M, rbs, f["real_tps"], f["real_tps_min"], f["real_tps_max"], f["pred_tps"], rt,
        f["real_fpt"], f["pred_fpt"]))
print("within the goal: bytes/token +-15%%: %d of %d points; tokens/s +-25%%: %d of %d" % (ok_b, len(rows), ok_t, len(rows)))
