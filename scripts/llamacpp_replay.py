#!/usr/bin/env python3
"""llamacpp_replay.py OUTDIR [SSDREPLAY]: each point of a finished
scripts/llamacpp_validate.sh run replayed through the kernel's own page
cache: simulate --real-mmap maps the point's model inside a memory cgroup of
the point's room, loads it as llama.cpp's loader does (--load populate:
POSIX_FADV_SEQUENTIAL, MAP_POPULATE's faults, MADV_WILLNEED) and touches it
page by page in the synthesized schedule's order, one thread, with the
point's compute per token. Beside llama.cpp's own figures this separates
what the page cache does with the schedule (the replay) from what the
simulator makes of it (the predicted column) and from what a real
llama.cpp adds (its threads, node, its own order). Writes
OUTDIR/NAME.LEVEL.replay.json per point and prints the table: bytes/token
over the decode tokens after the first, as the validation counts them.
Needs root (a memory cgroup). Exit 2 on a missing or bad OUTDIR."""
import csv
import json
import os
import subprocess
import sys


def die(msg):
    print("llamacpp_replay: %s" % msg, file=sys.stderr)
    sys.exit(2)


if len(sys.argv) < 2:
    die("usage: llamacpp_replay.py OUTDIR [SSDREPLAY]")
out = sys.argv[1]
src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sr = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("SSDREPLAY", os.path.join(src, "build", "ssdreplay"))
threads = os.environ.get("THREADS", "2")
try:
    rows = list(csv.DictReader(open(os.path.join(out, "points.tsv")), delimiter="\t"))
except OSError as e:
    die("%s/points.tsv: %s" % (out, e.strerror))
if not rows:
    die("%s/points.tsv has no points" % out)
points = []  # every point checked before any replay or output
for r in rows:
    name, lv = r.get("model"), r.get("level")
    try:
        sim = os.path.join(out, "%s.%s.sim.json" % (name, lv))
        old = json.load(open(sim))
        points.append((name, lv, float(r["real_bpt"]), float(r["real_tps"]), float(r["pred_bpt"]), int(r["room"]),
                       int(old["rows"][0]["tokens"]), int(old["prefill_tokens"]), float(old["compute_ms_per_token"])))
    except (OSError, ValueError, KeyError, IndexError, TypeError) as e:
        die("%s %s%%: expected the validation's points.tsv columns and %s with rows[0].tokens, prefill_tokens "
            "and compute_ms_per_token: %s" % (name, lv, sim, e))
print("| model | room | llama.cpp MiB/token | replay MiB/token | ratio | predicted MiB/token | ratio "
      "| llama.cpp tok/s | replay tok/s |")
print("|---|---|---|---|---|---|---|---|---|")
within = 0
for name, lv, real_b, real_t, pred_b, room, tokens, prefill, cms in points:
    m = os.path.join(out, name + ".gguf")
    res = os.path.join(out, "%s.%s.replay.json" % (name, lv))
    cmd = [sr, "simulate", "--gguf", m, m, "--policy", "pagecache", "--mem", str(room), "--tokens",
           str(tokens), "--prefill", str(prefill), "--compute-ms-per-token",
           repr(cms), "--advise", "sequential", "--access", "page", "--threads", threads,
           "--load", "populate", "--real-mmap", "--no-ram-baseline", "--output-format", "json", "-o", res]
    p = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
    if p.returncode:
        die("%s %s%%: simulate --real-mmap failed: %s" % (name, lv, p.stderr.strip()))
    k = [x for x in json.load(open(res))["rows"] if x["kind"] == "real-mmap"][0]
    t = k["per_token_read_bytes"][1:]  # the validation's real figure leaves the first decode token out
    rb = sum(t) / len(t) if t else 0.0
    within += abs(rb - real_b) <= max(0.15 * real_b, 1 << 20)  # llamacpp_table.py's near(): ±15%, 1 MiB floor
    print("| %s | %s%% (%.0f MiB) | %.1f | %.1f | %.2fx | %.1f | %.2fx | %.2f | %.2f |" % (
        name, lv, room / 2**20, real_b / 2**20, rb / 2**20, rb / max(real_b, 1), pred_b / 2**20,
        pred_b / max(real_b, 1), real_t, k["tokens_per_s"]))
print("replay bytes/token within 15%% of llama.cpp's: %d of %d points" % (within, len(rows)))
