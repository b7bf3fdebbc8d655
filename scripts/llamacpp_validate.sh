#!/bin/bash
# scripts/llamacpp_validate.sh [OUTDIR]: simulate's predictions against a real
# llama.cpp under the same memory limit (issue 16).
#
# For each model shape (SHAPES, default one dense llama and one MoE llama with
# merged ffn_*_exps tensors, in BF16 (WTYPE) so the CPU backend keeps reading
# the mapping: on a CPU with AMX llama.cpp copies F16 matrices into
# anonymous memory, as its repack buffers do quantized ones) it writes the model with
# `ssdreplay synth --write-gguf`, runs node-llama-cpp's prebuilt CPU llama.cpp
# (scripts/llamacpp_run.mjs, mmap) once with the file cached and no limit
# (node's own anonymous memory), then RUNS times per LEVELS percentage a pair:
# a RAM-resident run (the compute time per token, median over the pairs) and
# a run inside a memory cgroup of node's anonymous memory + LEVEL% of the file
# (v1 memory.limit_in_bytes or v2 memory.max), the file's pages dropped first
# and the runtime's own mapped files (node, its libraries, llama.cpp's; the
# runner's mapped_files) dropped and read in again outside the cgroup, so
# their pages stay charged outside it: left to the cgroup, node's 94 MiB
# binary and its libraries were evicted and read again every token, 13-130
# MiB a token that /proc/self/io counted as the model's. Real decode figures come from the marks the runner
# writes (time, /proc/self/io read_bytes and major faults per token, the first
# token left out: it carries the prompt). The page cache's ROOM is what the
# model held of it when the limited runs ended (median; mincore). The
# prediction is
#   ssdreplay simulate --gguf MODEL --policy pagecache --mem ROOM --tokens TOKENS
#     --prefill PROMPT --compute-ms-per-token (RAM run) $SIM_ARGS
# Prints predicted vs real side by side (medians, real min-max, the predicted
# range over --mem-spread) and how many points fall in the goal band
# (tokens/s +-25%, bytes/token +-15%), by the figure at the room and by the
# range, and with RUNS of 6 or more how far the medians of three runs of one
# point move (the figure the goal compares with); writes OUTDIR/points.tsv
# (each run's figures too). Needs root, node, node-llama-cpp 3.22.1 in $NLC_DIR (see
# tests/integration/llamacpp_real.sh) and a memory cgroup controller.
#
# Environment: SSDREPLAY (binary; default build/ssdreplay), SHAPES (kind:layers:
# embd:ff[:experts:used] ...), LEVELS (default "35 60 85"), RUNS (3), TOKENS
# (10), THREADS (2), PROMPT (Hi), WTYPE (BF16: the matrices' type, BF16, F16
# or F32; a type llama.cpp copies out of the mapping on this CPU is refused,
# exit 2), SIM_ARGS (extra simulate options, default
# "--mmap-cost auto --advise sequential --access page --threads $THREADS
# --load populate --mem-spread 5%": the page-cache cost model, the readahead
# window llama.cpp's POSIX_FADV_SEQUENTIAL doubles, the schedule as the THREADS
# compute threads fault it, the lists llama.cpp's MAP_POPULATE load leaves,
# and the least and most within 5% of the room, which is known to a few MiB
# and near the model's size decides between keeping and re-reading), SEED (3),
# COST (level: the page-cache cost is measured again after each level's runs,
# in OUT/state, so it is taken in the same minutes as the runs it predicts, as
# the compute time is, and no other user of the state directory changes it
# mid-run; cached: the figure kept in the user's state directory), FLUSH
# (mark: the limited runs read their cgroup's memory.stat at every mark,
# which flushes the cgroup's statistics, so reclaim decides from list sizes
# and refault counts of the token before, and simulate is told so with
# --stat-flush token; none: reclaim has them from the kernel's periodic
# flush, every 2 s at a phase no one knows, and simulate assumes the 2 s
# flusher alone, --stat-flush periodic; another value is refused, exit 2).
# Exit 0 when it ran (the band is reported, not enforced), 77 when something it
# needs is missing, 2 when OUTDIR is RAM-backed (tmpfs, ramfs: nothing would
# be read from a device), 1 on a failed step. scripts/llamacpp_resim.py OUTDIR makes
# the predictions again with another binary from the same real runs.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
SR=${SSDREPLAY:-$SRC/build/ssdreplay}
SHAPES=${SHAPES:-"dense:8:1024:2816 moe:6:768:1024:8:2"}
LEVELS=${LEVELS:-"35 60 85"}
RUNS=${RUNS:-3}
TOKENS=${TOKENS:-10}
THREADS=${THREADS:-2}
PROMPT=${PROMPT:-Hi}
SEED=${SEED:-3}
WTYPE=${WTYPE:-BF16}
SIM_ARGS=${SIM_ARGS-"--mmap-cost auto --advise sequential --access page --threads $THREADS --load populate --mem-spread 5%"}
COST=${COST:-level}
FLUSH=${FLUSH:-mark}
case $FLUSH in none | mark) ;; *) echo "llamacpp_validate: FLUSH: expected none or mark, found '$FLUSH'" >&2; exit 2 ;; esac
RUN=$SRC/scripts/llamacpp_run.mjs
export NLC_DIR=${NLC_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ssdreplay/nlc}

die() { echo "llamacpp_validate: $*" >&2; exit 1; }
skip() { echo "llamacpp_validate: SKIP: $*" >&2; exit 77; }

ram_fs() { # DIR -> true when it is on tmpfs or ramfs
	case "$(stat -f -c %T "$1" 2>/dev/null)" in tmpfs | ramfs) return 0 ;; esac
	return 1
}
# the models must be read from a device: a RAM-backed /tmp (tmpfs, Debian
# 13's default) gives way to /var/tmp
base=${TMPDIR:-/tmp}
ram_fs "$base" && base=/var/tmp
if [ -n "${1:-}" ]; then
	d=$1
	while [ ! -d "$d" ] && [ "$d" != "$(dirname "$d")" ]; do d=$(dirname "$d"); done
	if ram_fs "$d"; then
		echo "llamacpp_validate: $1: is on $(stat -f -c %T "$d"), expected a directory on a block device: the models are read through the page cache from the device" >&2
		exit 2
	fi
fi
case $WTYPE in # llama_ftype of the file
BF16) FTYPE=32 ;;
F16) FTYPE=1 ;;
F32) FTYPE=0 ;;
*)
	echo "llamacpp_validate: WTYPE: expected BF16, F16 or F32, found '$WTYPE'" >&2
	exit 2
	;;
esac
[ -x "$SR" ] || die "no ssdreplay binary at $SR (set SSDREPLAY)"
command -v node >/dev/null || skip "no node"
[ -f "$NLC_DIR/node_modules/node-llama-cpp/package.json" ] || skip "no node-llama-cpp in $NLC_DIR"
[ "$(id -u)" = 0 ] || skip "needs root (memory cgroups)"
[ "$TOKENS" -ge 3 ] 2>/dev/null || die "TOKENS: expected 3 or more, found '$TOKENS'"

OUT=${1:-$(mktemp -d "$base/sr-validate.XXXXXX")}
mkdir -p "$OUT" || die "cannot create $OUT"

# ---- the memory cgroup: v1 memory controller or v2 unified hierarchy
CG=
if [ -d /sys/fs/cgroup/memory ] && [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
	CGV=1
	CG=/sys/fs/cgroup/memory/ssdreplay-validate-$$
elif [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
	CGV=2
	grep -qw memory /sys/fs/cgroup/cgroup.subtree_control ||
		echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || skip "cannot enable the v2 memory controller"
	CG=/sys/fs/cgroup/ssdreplay-validate-$$
else
	skip "no memory cgroup controller (v1 or v2)"
fi
cleanup() {
	[ -n "$CG" ] && [ -d "$CG" ] && rmdir "$CG" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
set_limit() { # BYTES
	[ -d "$CG" ] || mkdir "$CG" || die "cannot create $CG"
	if [ "$CGV" = 1 ]; then
		echo "$1" >"$CG/memory.limit_in_bytes" || die "cannot set $CG/memory.limit_in_bytes"
		# node's memory stays in RAM even when another job turns swap on
		# (v2: memory.swap.max below): the room is the limit less it
		echo 0 >"$CG/memory.swappiness" || die "cannot set $CG/memory.swappiness"
	else
		echo "$1" >"$CG/memory.max" || die "cannot set $CG/memory.max"
		[ -f "$CG/memory.swap.max" ] && echo 0 >"$CG/memory.swap.max"
	fi
}

# run_llama MODEL TAG LIMIT|-: one run; leaves OUT/TAG.json and OUT/TAG.marks
run_llama() {
	local m=$1 tag=$2 lim=$3 cmd
	rm -f "$OUT/$tag.marks"
	cmd="exec node '$RUN' '$m' --tokens $TOKENS --threads $THREADS --prompt '$PROMPT' --marks '$OUT/$tag.marks'"
	[ "$lim" != - ] && [ "$FLUSH" = mark ] && cmd="$cmd --flush-memcg"
	if [ "$lim" != - ]; then
		set_limit "$lim"
		if [ "$CGV" = 1 ]; then
			cmd="echo \$\$ >'$CG/tasks' && $cmd"
		else
			cmd="echo \$\$ >'$CG/cgroup.procs' && $cmd"
		fi
	fi
	timeout 900 sh -c "$cmd" >"$OUT/$tag.json" 2>"$OUT/$tag.err" && return
	[ "$lim" != - ] && [ "$(oom_kills)" -gt 0 ] &&
		die "llama.cpp run $tag: the memory cgroup's OOM killer ended node at a limit of $((lim >> 20)) MiB (node's own memory peaked above the limit less the page cache's room): use a larger model or level"
	die "llama.cpp run $tag failed: $(tail -1 "$OUT/$tag.err")"
}
oom_kills() { # the cgroup's OOM kills so far (0 when the kernel does not say)
	local f=$CG/memory.events
	[ "$CGV" = 1 ] && f=$CG/memory.oom_control
	awk '$1 == "oom_kill" { n = $2 } END { print n + 0 }' "$f" 2>/dev/null || echo 0
}

# decode figures of one run: "tok_per_s bytes_per_token major_faults_per_token"
decode_of() {
	python3 - "$1" <<'PY'
import sys
t = []
for line in open(sys.argv[1]):
    f = line.split()
    if f[0] == "token":
        t.append((int(f[2]), int(f[3]) if len(f) > 3 else 0, int(f[4]) if len(f) > 4 else 0))
n = len(t) - 1
print("%.4f %.0f %.1f" % (n / ((t[-1][0] - t[0][0]) / 1e9), (t[-1][1] - t[0][1]) / n, (t[-1][2] - t[0][2]) / n))
PY
}
median() { # VALUES... -> the middle one (the lower middle of an even count)
	printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}
anon_of() { # run JSON [KEY] -> node's anonymous bytes at its end (or KEY's, in kB)
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], 0) * 1024)' "$1" "${2:-rss_anon_kb}"
}
resident_of() { # FILE -> its bytes in the page cache (mincore, no page touched)
	python3 - "$1" <<'PY'
import ctypes, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
size = os.fstat(fd).st_size
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
addr = libc.mmap(None, size, 1, 1, fd, 0)  # PROT_READ, MAP_SHARED
ps = os.sysconf("SC_PAGE_SIZE")
vec = (ctypes.c_ubyte * ((size + ps - 1) // ps))()
if addr in (None, ctypes.c_void_p(-1).value) or libc.mincore(addr, size, vec):
    sys.exit("mincore %s: %s" % (sys.argv[1], os.strerror(ctypes.get_errno())))
print(min(size, sum(v & 1 for v in vec) * ps))
PY
}

mkprofile() { # KIND LAYERS EMBD FF [EXPERTS USED] -> OUT/NAME.ini, prints NAME
	local kind=$1 base=tiny-llama name
	[ "$kind" = moe ] && base=tiny-moe
	name="$kind-${2}l-${3}e"
	sed -e "s/^n_layer = .*/n_layer = $2/; s/^n_embd = .*/n_embd = $3/; s/^n_ff = .*/n_ff = $4/" \
	    -e "s/^n_expert = .*/n_expert = ${5:-8}/; s/^n_expert_used = .*/n_expert_used = ${6:-2}/" \
	    -e "s/^\* = Q8_0/* = $WTYPE/; s/^file_type = 7/file_type = $FTYPE/; s/^name = .*/name = $name/" \
	    "$SRC/profiles/models/$base.ini" >"$OUT/$name.ini" || die "cannot write $OUT/$name.ini"
	echo "$name"
}

printf 'model\tlevel\troom\treal_tps\treal_tps_min\treal_tps_max\treal_bpt\treal_bpt_min\treal_bpt_max\tpred_tps\tpred_bpt\tram_tps\treal_fpt\tpred_fpt\tpred_tps_min\tpred_tps_max\tpred_bpt_min\tpred_bpt_max\treal_tps_runs\treal_bpt_runs\troom_anon\tsmall_room\n' >"$OUT/points.tsv"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; cgroup v$CGV; $(date -u +%FT%TZ)"
# With swap on, the limited runs' anonymous memory can be swapped out (more
# room for the file than predicted) and the kernel's refault test counts
# anon in the workingset: the real figures are not the ones predicted for.
if [ "$(wc -l </proc/swaps)" -gt 1 ]; then
	echo "llamacpp_validate: WARNING: swap is on ($(awk 'NR > 1 { printf "%s ", $1 }' /proc/swaps)): the limited runs can swap node's memory; swapoff for figures to compare" >&2
fi
for shape in $SHAPES; do
	IFS=: read -r kind l e f x u <<<"$shape"
	name=$(mkprofile "$kind" "$l" "$e" "$f" "${x:-}" "${u:-}")
	M=$OUT/$name.gguf
	[ -f "$M" ] || "$SR" synth --profile "$OUT/$name.ini" --write-gguf "$M" --seed "$SEED" >/dev/null ||
		die "synth --write-gguf $name"
	size=$(stat -c %s "$M")
	# a first RAM-resident run (the file cached, no limit): node's own memory
	cat "$M" >/dev/null
	run_llama "$M" "$name.ram" -
	anon=$(anon_of "$OUT/$name.ram.json")
	# weights copied into anonymous memory at load are never read from the
	# file: the limited runs would measure nothing the prediction is about
	copied=$(anon_of "$OUT/$name.ram.json" weights_anon_kb)
	if [ "$copied" -gt $((size / 8)) ]; then
		echo "llamacpp_validate: $M: llama.cpp copied $((copied >> 20)) MiB of the $((size >> 20)) MiB model into anonymous memory at load (this CPU's extra buffers take $WTYPE matrices: AMX takes F16), expected the weights read through the mapping; try WTYPE=BF16 or F32" >&2
		exit 2
	fi
	prompt=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["prompt_tokens"])' "$OUT/$name.ram.json")
	echo "$name: $((size >> 20)) MiB, node anon $((anon >> 20)) MiB, prompt $prompt tokens"
	for lv in $LEVELS; do
		room=$((size * lv / 100))
		tps=() bpt=() ram=() fpt=() lan=() res=()
		# each limited run right after a RAM-resident one: on a shared
		# machine the compute time drifts, so it is taken from the same
		# minutes as the runs it is compared with
		for r in $(seq 1 "$RUNS"); do
			cat "$M" >/dev/null
			run_llama "$M" "$name.$lv.ram$r" -
			read -r a _ _ <<<"$(decode_of "$OUT/$name.$lv.ram$r.marks")"
			ram+=("$a")
			sync "$M"
			dd if="$M" iflag=nocache count=0 status=none
			pinned=$(bash "$SRC/scripts/llamacpp_pin.sh" "$OUT/$name.$lv.ram$r.json") || die "cannot read in the runtime's files"
			run_llama "$M" "$name.$lv.$r" $((anon + room))
			read -r a b c <<<"$(decode_of "$OUT/$name.$lv.$r.marks")"
			tps+=("$a") bpt+=("$b") fpt+=("$c") lan+=("$(anon_of "$OUT/$name.$lv.$r.json")")
			a=$(resident_of "$M") || die "cannot read the page cache's share of $M"
			res+=("$a")
		done
		# The page cache's room is what the model held of it when a limited
		# run ended (median): the limit less node's anonymous memory, less
		# the kernel memory charged to the cgroup (page tables, slab: 2.7 MB
		# at its peak for node under a 204 MB limit) and the charge the
		# kernel keeps in hand. Node's anonymous memory in the limited runs
		# differs from the RAM-resident run's (33 against 48 MiB seen:
		# transparent huge pages the limited runs do not get), and near the
		# model's size a few MiB decide between keeping and re-reading it.
		la=$(median "${lan[@]}")
		room_anon=$((anon + room - la))
		room=$(median "${res[@]}")
		ram_tps=$(median "${ram[@]}")
		cms=$(python3 -c "print('%.3f' % (1000 / $ram_tps))")
		echo "  $lv%: RAM-resident ${ram[*]} tok/s (median $cms ms/token); limited ${tps[*]} tok/s, ${fpt[*]} major faults/token, node anon $((la >> 20)) MiB, runtime files $pinned MiB read in outside the cgroup; room $((room >> 20)) MiB (the limit less node's anon: $((room_anon >> 20)) MiB); load $(cut -d' ' -f1 /proc/loadavg)"
		sa="$SIM_ARGS --stat-flush $([ "$FLUSH" = mark ] && echo token || echo periodic)"
		[ "$COST" = level ] && sa=${sa/--mmap-cost auto/--mmap-cost measure}
		# shellcheck disable=SC2086
		SSDREPLAY_STATE=${SSDREPLAY_STATE:-$([ "$COST" = level ] && echo "$OUT/state")} \
		"$SR" simulate --gguf "$M" "$M" --policy pagecache --mem "$room" --tokens "$TOKENS" \
			--prefill "$prompt" --compute-ms-per-token "$cms" $sa --output-format json \
			-o "$OUT/$name.$lv.sim.json" 2>"$OUT/$name.$lv.sim.err" || die "simulate: $(tail -1 "$OUT/$name.$lv.sim.err")"
		python3 -c 'import json,sys; c = json.load(open(sys.argv[1])).get("pagecache_cost")
if c: print("  page-cache cost%s: %.2f ns/B streaming, %.2f reclaiming, %.2f scattered, %.0f ns per page activated" % (" (cached)" if c["cached"] else "", c["seq_ns_per_byte"], c["seq_pressure_ns_per_byte"], c["scattered_pressure_ns_per_byte"], c["activate_ns_per_page"]))' "$OUT/$name.$lv.sim.json"
		python3 - "$OUT/$name.$lv.sim.json" "$name" "$lv" "$room" "$ram_tps" "${tps[*]}" "${bpt[*]}" "${fpt[*]}" "$room_anon" >>"$OUT/points.tsv" <<'PY'
import json, statistics as st, sys
j = json.load(open(sys.argv[1]))["rows"][0]
tps = [float(x) for x in sys.argv[6].split()]
bpt = [float(x) for x in sys.argv[7].split()]
pb = j.get("steady_read_bytes_per_token")  # 0 when the file stays cached: keep it
if pb is None:  # null: too few tokens for a steady figure
    pb = j["read_bytes"] / max(j["tokens"], 1)
s = j.get("mem_spread")  # --mem-spread: the least and most within it; empty without
rng = [s[k] for k in ("tokens_per_s_min", "tokens_per_s_max", "read_bytes_per_token_min",
                      "read_bytes_per_token_max")] if s else [""] * 4
print("\t".join(str(x) for x in [sys.argv[2], sys.argv[3], sys.argv[4], st.median(tps), min(tps), max(tps),
      st.median(bpt), min(bpt), max(bpt), j["tokens_per_s"], pb, sys.argv[5],
      st.median(float(x) for x in sys.argv[8].split()), (j.get("faults") or 0) / max(j["tokens"], 1)] + rng +
      [",".join(sys.argv[6].split()), ",".join(sys.argv[7].split()),  # each run's, in run order
       sys.argv[9],  # the limit less node's anon: the room before the kernel's share
       int(bool(j.get("under_four_readahead_windows")))]))  # simulate's flag: under four readahead windows
PY
	done
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$SRC/scripts/llamacpp_table.py" "$OUT/points.tsv"
echo "points: $OUT/points.tsv"
