#!/bin/bash
# needs: root
# A real llama.cpp run against synth's schedule for the same file: the
# tiny-llama profile written as a GGUF, loaded and run for a few tokens by
# node-llama-cpp's prebuilt CPU llama.cpp (scripts/llamacpp_run.mjs, mmap on)
# under `ssdreplay record --filemap --block`. Checks: the page-cache fills of
# the model fall inside the file, analyze --gguf labels them with the model's
# tensors, and every tensor kind synth's decode schedule reads is in the
# capture; prints the gap shares side by side.
#
# The tiny model is read whole at load (llama.cpp prefaults the mapping), so
# decode reads nothing here. SR_LLAMACPP_LAYERS=N runs the comparison that
# needs decode reads instead (minutes, not part of the suite): a llama-2-7b
# shaped model of N layers (Q5_0/Q5_1: types the CPU backend does not copy
# into anonymous memory; its repack buffer takes Q4_0 and Q4_K on AVX2, and
# its AMX buffer Q4_1, Q8_0, Q4_K, Q6_K and F16 too, and then decode never
# reads them from the file; llamacpp_weights checks it), in a memory cgroup
# (v1) that holds less than the model, with user page faults captured too,
# and prints per level and phase
# the gap shares and the per-token tensor order against synth's.
#
# Optional pieces missing => SKIP (77): node/npm, node-llama-cpp 3.22.1 in
# ${XDG_CACHE_HOME:-~/.cache}/ssdreplay/nlc (installed there once if the
# registry answers), tracefs and its filemap event.
source "$SR_TESTLIB"

NLC_VERSION=3.22.1
RUN=$SR_SRC/scripts/llamacpp_run.mjs
CMP=$SR_SRC/tests/integration/llamacpp_cmp.py
LAYERS=${SR_LLAMACPP_LAYERS:-}
THREADS=${SR_LLAMACPP_THREADS:-2}
TOKENS=${SR_LLAMACPP_TOKENS:-8}

[ -f "$RUN" ] || skip "no $RUN"
need_nlc "$NLC_VERSION"

need_root
need_tracefs filemap/mm_filemap_add_to_page_cache block/block_rq_issue

# ---- the model: tiny-llama, or the scaled llama-2-7b shape
if [ -n "$LAYERS" ]; then
	[[ $LAYERS =~ ^[0-9]+$ ]] && [ "$LAYERS" -ge 1 ] && [ "$LAYERS" -le 6 ] || fail "SR_LLAMACPP_LAYERS: 1 to 6 (files up to ~1 GiB)"
	sed "s/^n_layer = 32/n_layer = $LAYERS/; /^published_/d; s/^name = .*/name = llama-2-7b-${LAYERS}l-q5_0/;
	     s/Q6_K/Q5_1/g; s/Q4_K/Q5_0/g; s/^file_type = 15/file_type = 8/" \
		"$SR_SRC/profiles/models/llama-2-7b-q4_k_m.ini" >"$T/model.ini"
	PROFILE=$T/model.ini
else
	PROFILE=tiny-llama
fi
M=$T/model.gguf
"$SR" synth --profile "$PROFILE" --write-gguf "$M" --seed 3 || fail "synth --write-gguf"
"$SR" synth --gguf "$M" --info --output-format json -o "$T/info.json" || fail "synth --info"
size=$(stat -c %s "$M")

# llama.cpp must load what the writer wrote; 3 = node-llama-cpp not importable
timeout 120 node "$RUN" "$M" --tokens 1 --threads 1 >"$T/probe.json" 2>"$T/probe.err"
rc=$?
[ $rc = 3 ] && skip "node-llama-cpp cannot be imported: $(head -1 "$T/probe.err")"
[ $rc = 0 ] || fail "llama.cpp (node-llama-cpp $NLC_VERSION) did not load or run $PROFILE's GGUF: $(tail -1 "$T/probe.err")"
ok "llama.cpp loads and runs the $PROFILE GGUF: $(cat "$T/probe.json" | cut -c1-120)"

# ---- capture: the file's pages out of the cache first, so the load reads it
sync "$M"
dd if="$M" iflag=nocache count=0 status=none
CG=
if [ -n "$LAYERS" ]; then
	CG=/sys/fs/cgroup/memory/ssdreplay-llamacpp-$$
	[ -d /sys/fs/cgroup/memory ] || skip "no cgroup v1 memory controller"
	mkdir "$CG" || skip "cannot create $CG"
	# node + llama.cpp's own memory (~100 MiB) and room for a third of the model
	echo $((size / 3 + 160 * 1024 * 1024)) >"$CG/memory.limit_in_bytes"
	PF=$tr/instances/ssdreplay-llamacpp-pf-$$
	mkdir "$PF" || fail "cannot create $PF"
	echo 32768 >"$PF/buffer_size_kb"
	echo 1 >"$PF/options/event-fork"
	echo 1 >"$PF/events/exceptions/page_fault_user/enable"
	cat "$PF/trace_pipe" >"$T/pf.txt" &
	PFCAT=$!
fi
cleanup_real() {
	[ -n "${PFCAT:-}" ] && kill "$PFCAT" 2>/dev/null && wait "$PFCAT" 2>/dev/null
	[ -n "${PF:-}" ] && [ -d "$PF" ] && { echo 0 >"$PF/events/exceptions/page_fault_user/enable"; rmdir "$PF"; }
	[ -n "${CG:-}" ] && [ -d "$CG" ] && rmdir "$CG" 2>/dev/null
	cleanup
}
trap cleanup_real EXIT

limit=50
[ -n "$LAYERS" ] && limit=900
cmd="exec node '$RUN' '$M' --tokens $TOKENS --threads $THREADS --prompt Hi --marks '$T/marks.txt'"
[ -n "$CG" ] && cmd="echo \$\$ >'$CG/tasks' && $cmd"
(
	[ -n "${PF:-}" ] && echo $BASHPID >"$PF/set_event_pid"
	exec timeout $limit "$SR" record --filemap --block -o "$T/cap.txt" -- sh -c "$cmd"
) >"$T/run.json" 2>"$T/rec.err" || fail "record of the llama.cpp run: $(tail -2 "$T/rec.err")"
if [ -n "${PF:-}" ]; then
	echo 0 >"$PF/events/exceptions/page_fault_user/enable"
	sleep 1
	kill "$PFCAT" 2>/dev/null
	wait "$PFCAT" 2>/dev/null
	PFCAT=
fi
grep -q '"tokens":'"$TOKENS" "$T/run.json" || fail "the run did not generate $TOKENS tokens: $(cat "$T/run.json")"
ok "recorded: $(tail -1 "$T/rec.err")"

mkdir "$T/cut"
python3 "$CMP" split "$T/cap.txt" "$T/marks.txt" "$M" "$T/cut" ${PF:+"$T/pf.txt"} >"$T/cut.txt" || fail "splitting the capture"
grep -v '^pf[6x]' "$T/cut.txt" | sed 's/^/  events /'
cat "$T"/cut/fm.*.txt >"$T/fm.txt" 2>/dev/null
[ -s "$T/fm.txt" ] && grep -q mm_filemap "$T/fm.txt" || fail "no page-cache fill of the model file in the capture"

# every fill inside the file (its last page may run past the end)
awk -v size="$size" '/mm_filemap_add_to_page_cache/ {
		for (i = 1; i <= NF; i++) {
			if ($i ~ /^ofs=/) ofs = substr($i, 5) + 0
			if ($i ~ /^order=/) ord = substr($i, 7) + 0
		}
		end = ofs + 4096 * 2 ^ ord
		if (ofs >= size || end > size + 4096) bad++
		n++
	} END { if (bad || !n) { print bad " of " n " fills outside the file"; exit 1 } }' "$T/fm.txt" ||
	fail "page-cache fills outside the model file"
"$SR" analyze --gguf "$M" --size "$size" --output-format json -o "$T/fm.json" "$T/fm.txt" || fail "analyze --gguf"
"$SR" synth --gguf "$M" --tokens 1 -o "$T/synth1.csv" || fail "synth"
"$SR" analyze --gguf "$M" --output-format json -o "$T/synth1.json" "$T/synth1.csv" || fail "analyze synth"
python3 - "$T/fm.json" "$T/synth1.json" "$T/info.json" "$size" <<'PY' || fail "the capture's tensors"
import json, sys
cap, syn, info = (json.load(open(p)) for p in sys.argv[1:4])
names = {t["name"] for t in info["tensors"]}
t = cap["tensors"]
assert t["labelled_bytes"] > 0, t
tensor_bytes = sum(int(x["bytes"]) for x in info["tensors"])
# the whole model is read at least once; what is not in a tensor is the header and padding
assert t["labelled_bytes"] >= tensor_bytes * 0.99, (t["labelled_bytes"], tensor_bytes)
assert all(x["name"] in names for x in t["top"]), [x["name"] for x in t["top"]]
want = {k for k, v in syn["tensors"]["kind_bytes"].items() if v > 0}
have = {k for k, v in t["kind_bytes"].items() if v > 0}
assert want <= have, ("kinds synth reads that the capture lacks", sorted(want - have))
print("  kinds read by synth's decode token, all in the capture: " + " ".join(sorted(want)))
PY
ok "the capture's page-cache fills lie in the model file and analyze --gguf labels them with its tensors"

# ---- gap shares side by side
shares() { # TRACE [analyze options]: "seq/fwd/bwd requests"
	"$SR" analyze --output-format json -o "$T/g.json" "$@" >/dev/null 2>&1 || { echo "-"; return; }
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); g=j["gaps"]; n=j["totals"]["requests"]
print("%5.1f%% %5.1f%% %5.1f%% %9d" % (g["sequential_pct"], g["forward_pct"], g["backward_pct"], n) if g["gaps"] else "no gaps")' "$T/g.json"
}
printf '  %-44s %6s %6s %6s %9s\n' "gap shares (analyze)" seq fwd bwd requests
row() { printf '  %-44s %s\n' "$1" "$(shift; shares "$@")"; }
for th in 1 "$THREADS" 8; do
	"$SR" synth --gguf "$M" --tokens "$TOKENS" --access page:4k --threads "$th" -o "$T/s$th.csv" || fail "synth --threads $th"
	row "synth page:4k --threads $th (decode)" "$T/s$th.csv"
done
"$SR" synth --gguf "$M" --tokens "$TOKENS" --access page:64k --threads "$THREADS" -o "$T/s64.csv" || fail "synth page:64k"
row "synth page:64k --threads $THREADS (decode)" "$T/s64.csv"
for p in load prefill decode; do
	[ -s "$T/cut/fm.$p.txt" ] && row "real page-cache fills, $p" -f filemap "$T/cut/fm.$p.txt"
	[ -s "$T/cut/blk.$p.txt" ] && row "real block requests, $p" -f ftrace --file-map "$M" "$T/cut/blk.$p.txt"
	[ -s "$T/cut/pf.$p.csv" ] && row "real user page faults, $p" "$T/cut/pf.$p.csv"
	[ -s "$T/cut/pf64.$p.csv" ] && row "real user page faults as 64k blocks, $p" "$T/cut/pf64.$p.csv"
done
printf '  %-44s %5.1f%% %6s %5.1f%%\n' "published llama-2-7b Q4_K_M (README: Why)" 30.2 - 67.0

if [ -s "$T/cut/pfx.decode.csv" ]; then
	echo "  tensor order per decode token, first fault of each tensor (real) vs synth:"
	python3 "$CMP" order "$T/info.json" "$T/synth1.csv" "$T/cut/pfx.decode.csv" 1 | sed 's/^/  /'
fi
exit 0
