#!/usr/bin/env python3
"""llamacpp_resim.py OUTDIR [SSDREPLAY]: the predictions of a finished
scripts/llamacpp_validate.sh run made again with another ssdreplay binary,
from the same real runs: each point's model, room, compute per token
(RAM-resident runs) and page-cache cost (as measured then, from the point's
sim.json) go to simulate as the validation passed them; the real figures
are left as they are. Writes OUTDIR/points-resim.tsv and prints the table.
The real runs do not depend on ssdreplay's simulator, so a change to it can
be judged against them without running llama.cpp again (which takes ~40
minutes and varies with the machine's load).

ROOM_SCALE (default 1) predicts for the room times that factor, to see how
far a prediction moves with the room: near the model's size both the kernel
and the simulation can flip between keeping most of the model and
re-reading it. The validation's room is what the model held of the page
cache when its limited runs ended; the runs before it took the limit less
node's anonymous memory, 2.2-4.0 MiB more.

ACT_NS sets the page-cache cost's ns per page activated for every point
(default: the point's own figure; runs made before it was measured have
none, and predict as they did with 0)."""
import csv
import json
import os
import subprocess
import sys
import tempfile

out = sys.argv[1]
src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sr = sys.argv[2] if len(sys.argv) > 2 else os.environ.get("SSDREPLAY", os.path.join(src, "build", "ssdreplay"))
# the validation's default; THREADS as the validation had it (default 2)
sim_args = os.environ.get("SIM_ARGS", "--mmap-cost auto --advise sequential --access page --threads %s --load populate "
                          "--mem-spread 5%%"
                          % os.environ.get("THREADS", "2")).split()
try:
    scale = float(os.environ.get("ROOM_SCALE", "1"))
except ValueError:
    scale = 0
act_ns = os.environ.get("ACT_NS")
try:
    act_ns = None if act_ns is None else float(act_ns)
except ValueError:
    act_ns = -1
if act_ns is not None and not act_ns >= 0:
    print("llamacpp_resim: ACT_NS: expected ns per page activated (0 or more), found %r" % os.environ["ACT_NS"],
          file=sys.stderr)
    sys.exit(2)
if not 0 < scale <= 10:
    print("llamacpp_resim: ROOM_SCALE: expected a factor above 0 up to 10, found %r" % os.environ["ROOM_SCALE"],
          file=sys.stderr)
    sys.exit(2)
rows = list(csv.DictReader(open(os.path.join(out, "points.tsv")), delimiter="\t"))
if not rows:
    sys.exit("llamacpp_resim: %s/points.tsv has no points" % out)
new = os.path.join(out, "points-resim.tsv")
with open(new, "w") as f, tempfile.TemporaryDirectory() as state:
    rng = ["pred_tps_min", "pred_tps_max", "pred_bpt_min", "pred_bpt_max"]  # --mem-spread's
    keys = [k for k in rows[0].keys() if k not in rng and k != "small_room"]
    w = csv.DictWriter(f, fieldnames=keys + rng + ["small_room"], delimiter="\t", lineterminator="\n")
    w.writeheader()
    for r in rows:
        name, lv = r["model"], r["level"]
        old = json.load(open(os.path.join(out, "%s.%s.sim.json" % (name, lv))))
        m = os.path.join(out, name + ".gguf")
        env = dict(os.environ)
        c = old.get("pagecache_cost")
        if c:  # the cost the validation measured for this point, as a cached figure
            env["SSDREPLAY_STATE"] = os.path.join(state, "%s.%s" % (name, lv))
            d = os.path.join(env["SSDREPLAY_STATE"], "devices")
            os.makedirs(d)
            with open(os.path.join(d, os.path.basename(c["file"])), "w") as k:
                k.write("seq_ns_per_byte = %r\nseq_pressure_ns_per_byte = %r\nscattered_pressure_ns_per_byte = %r\n"
                        "activate_ns_per_page = %r\nregion = %d\npressure = %d\n"
                        % (c["seq_ns_per_byte"], c["seq_pressure_ns_per_byte"], c["scattered_pressure_ns_per_byte"],
                           act_ns if act_ns is not None else c.get("activate_ns_per_page", 0.0), c["region_bytes"],
                           1 if c["memcg_pressure_measured"] else 0))
            args = ["--mmap-threads", str(c["threads"])] + sim_args
        else:
            args = [a for a in sim_args if a not in ("--mmap-cost", "auto")]
        # the limited runs' statistics: flushed at every mark (FLUSH=mark) or by the kernel alone
        try:
            flushed = json.load(open(os.path.join(out, "%s.%s.1.json" % (name, lv)))).get("memcg_flushes", 0) > 0
        except (OSError, ValueError):
            flushed = False
        if "--stat-flush" not in args:
            args = args + ["--stat-flush", "token" if flushed else "periodic"]
        res = os.path.join(out, "%s.%s.resim.json" % (name, lv))
        r["room"] = str(int(int(r["room"]) * scale))
        cmd = [sr, "simulate", "--gguf", m, m, "--policy", "pagecache", "--mem", r["room"], "--tokens",
               str(old["rows"][0]["tokens"]), "--prefill", str(old["prefill_tokens"]), "--compute-ms-per-token",
               repr(old["compute_ms_per_token"])] + args + ["--output-format", "json", "-o", res]
        p = subprocess.run(cmd, env=env, stderr=subprocess.PIPE, text=True)
        if p.returncode:
            sys.exit("llamacpp_resim: %s %s%%: simulate failed: %s" % (name, lv, p.stderr.strip()))
        j = json.load(open(res))
        if c and not j.get("pagecache_cost", {}).get("cached"):
            sys.exit("llamacpp_resim: %s %s%%: simulate measured the cost again instead of taking the point's" % (name, lv))
        k = j["rows"][0]
        r["pred_tps"] = k["tokens_per_s"]
        pb = k.get("steady_read_bytes_per_token")  # 0 when the file stays cached: keep it
        r["pred_bpt"] = pb if pb is not None else k["read_bytes"] / max(k["tokens"], 1)
        r["pred_fpt"] = (k.get("faults") or 0) / max(k["tokens"], 1)
        s = k.get("mem_spread")
        for n, key in zip(rng, ("tokens_per_s_min", "tokens_per_s_max", "read_bytes_per_token_min",
                                "read_bytes_per_token_max")):
            r[n] = s[key] if s else ""
        r["small_room"] = int(bool(k.get("under_four_readahead_windows")))  # simulate's flag
        w.writerow(r)
subprocess.run([sys.executable, os.path.join(src, "scripts", "llamacpp_table.py"), new], check=True)
print("points: " + new)
