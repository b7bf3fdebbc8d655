#!/bin/bash
# needs: root
# scripts/llamacpp_validate.sh, small: a dense and an MoE F16 llama written by
# synth --write-gguf, real llama.cpp (node-llama-cpp) at two memory limits
# against simulate --mmap-cost auto. Checks what does not depend on the
# machine's speed: every point has real and predicted figures, the real run
# reads more per token at the lower limit (bytes follow memory) and the
# prediction reads within 2x of the real bytes per token. The +-25% tokens/s
# and +-15% bytes/token goal is printed, not asserted (README: the table).
# SKIP (77) without node, node-llama-cpp or a memory cgroup, and unless
# SR_LLAMACPP_PREDICT=1: eight real llama.cpp runs take 2-5 minutes on a
# loaded 2-core machine, past the suite's 300 s per test (it timed out there).
source "$SR_TESTLIB"
[ "${SR_LLAMACPP_PREDICT:-}" = 1 ] || skip "set SR_LLAMACPP_PREDICT=1 to run real llama.cpp against simulate (minutes)"
need_root
export SSDREPLAY_STATE=$T/state
# Models of 150 MiB or more: at 40% of a 25 MiB model node's own memory
# once peaked past the limit (OOM-killed at 58 MiB).
SHAPES="dense:6:1024:3072 moe:4:768:1024:8:2" LEVELS="40 85" RUNS=1 TOKENS=8 \
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
    assert rb0 > rb1, (kind, "real bytes/token should fall as memory grows", pts)
    assert min(pt0, pt1, rt0, rt1) > 0, pts
    assert 0.5 <= pb0 / rb0 <= 2, (kind, "predicted bytes/token at %d%%" % l0, pb0, rb0)
PY
ok "predicted and real bytes/token per memory limit"
