#!/bin/bash
# needs: root
# timeout: 900
# scripts/llamacpp_validate.sh, small: a dense and an MoE F16 llama written by
# synth --write-gguf, real llama.cpp (node-llama-cpp) at two memory limits
# against simulate --mmap-cost auto. Checks what does not depend on the
# machine's speed: every point has real and predicted figures, the dense
# model's real runs read more per token at the lower limit (bytes follow
# memory) and the
# prediction reads within 2x of the real bytes per token. The +-25% tokens/s
# and +-15% bytes/token goal is printed, not asserted (README: the table).
# SKIP (77) without node, node-llama-cpp or a memory cgroup, and unless
# SR_LLAMACPP_PREDICT=1: the real llama.cpp runs take minutes on a loaded
# 2-core machine, past the suite's 300 s per test (it timed out there).
# Three runs a point: their runs flush the cgroup's statistics every token
# (the validation's default), and near the model's size one run can re-read
# the whole model where the next keeps half (v31: 81.4-173.7 MiB a token at
# one point); with one run a point the 85% point once read as much as 40%.
source "$SR_TESTLIB"
[ "${SR_LLAMACPP_PREDICT:-}" = 1 ] || skip "set SR_LLAMACPP_PREDICT=1 to run real llama.cpp against simulate (minutes)"
need_root
export SSDREPLAY_STATE=$T/state
# Models of 150 MiB or more: at 40% of a 25 MiB model node's own memory
# once peaked past the limit (OOM-killed at 58 MiB).
SHAPES="dense:6:1024:3072 moe:4:768:1024:8:2" LEVELS="40 85" RUNS=3 TOKENS=8 \
	\
	bash "$SR_SRC/scripts/llamacpp_validate.sh" "$T/v" >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 77 ] && skip "$(tail -1 "$T/err")"
[ $rc = 0 ] || { cat "$T/out" "$T/err" >&2; fail "llamacpp_validate.sh exited $rc"; }
sed 's/^/  /' "$T/out"
python3 - "$T/v/points.tsv" <<'PY' || fail "the validation's points"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
assert len(rows) == 4, rows
for r in rows:  # the room is what the model held of the cache: under the limit less node's anon
    assert 0 < int(r["room"]) <= int(r["room_anon"]), (r["model"], r["level"], r["room"], r["room_anon"])
for kind in ("dense", "moe"):
    pts = sorted((int(r["level"]), float(r["real_bpt"]), float(r["pred_bpt"]), float(r["pred_tps"]), float(r["real_tps"]))
                 for r in rows if r["model"].startswith(kind))
    assert len(pts) == 2, (kind, pts)
    (l0, rb0, pb0, pt0, rt0), (l1, rb1, pb1, pt1, rt1) = pts
    # an MoE's may not: flushed per token, moe-4l-768e at 85% read 156.9-157.7 MiB a token in
    # three runs (37.8-157.5 in three more) against 147.2-152.2 at 40% (readahead streaming the
    # unrouted experts; README, "Reclaim's statistics, as of their last flush")
    print("  %s: real %.1f MiB a token at %d%%, %.1f at %d%%" % (kind, rb0 / 2**20, l0, rb1 / 2**20, l1))
    assert rb0 > rb1 or kind == "moe", (kind, "real bytes/token should fall as memory grows", pts)
    assert min(pt0, pt1, rt0, rt1) > 0, pts
    assert 0.5 <= pb0 / rb0 <= 2, (kind, "predicted bytes/token at %d%%" % l0, pb0, rb0)
PY
ok "predicted and real bytes/token per memory limit"
