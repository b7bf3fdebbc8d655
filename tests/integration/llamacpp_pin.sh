#!/bin/bash
# needs: root
# timeout: 600
# The validation's real bytes/token are the model's. A llama.cpp run in a
# memory cgroup counts in /proc/self/io every file it reads, and node's own
# code (its 94 MiB binary, its libraries, llama.cpp's) is evicted and read
# again every token when its pages are charged to that cgroup: 13-130 MiB a
# token in captures here, counted as if the model had been read.
# llamacpp_validate.sh reads the runtime's files (the runner's mapped_files)
# in outside the cgroup first (scripts/llamacpp_pin.sh). Checks, with a
# BF16 dense llama at node's memory + 35% of the file, under `ssdreplay record
# --filemap`:
# - the runner lists node's binary among its mapped files and not the model;
# - pinned: while decoding, page-cache fills of files other than the model
#   stay under 1 MiB a token, and the model is read (the room is short);
#   that run passes --flush-memcg, and the runner reads its cgroup's
#   memory.stat at every mark (memcg_flushes);
# - not pinned (the runtime's files dropped, so the limited run reads them
#   in, charged to its cgroup): the fills of other files are printed, the
#   figure the pinning removes (a control; asserted only to differ when it
#   thrashed; one token: with its code thrashing, node took about a minute
#   to start and decode here).
# llamacpp_pin.sh refuses a JSON without mapped_files (exit 2, one line).
# SKIP (77) without node/node-llama-cpp 3.22.1, root, tracefs's filemap
# event or a memory cgroup.
source "$SR_TESTLIB"

RUN=$SR_SRC/scripts/llamacpp_run.mjs
PIN=$SR_SRC/scripts/llamacpp_pin.sh
echo '{"model": "m.gguf"}' >"$T/nofiles.json"
expect_exit 2 "^llamacpp_pin: $T/nofiles.json: expected mapped_files \(a list of paths\) in the runner's JSON$" \
	bash "$PIN" "$T/nofiles.json"
ok "a runner JSON without mapped_files is refused"

need_nlc 3.22.1
need_root
need_tracefs filemap/mm_filemap_add_to_page_cache
if [ -d /sys/fs/cgroup/memory ]; then
	CG=/sys/fs/cgroup/memory/ssdreplay-pin-$$ LIMIT=memory.limit_in_bytes TASKS=tasks
elif grep -qw memory /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
	CG=/sys/fs/cgroup/ssdreplay-pin-$$ LIMIT=memory.max TASKS=cgroup.procs
else
	skip "no memory cgroup controller"
fi
mkdir "$CG" || skip "cannot create $CG"
trap 'rmdir "$CG" 2>/dev/null; cleanup' EXIT

M=$T/model.gguf
WTYPE=BF16 f16_model tiny-llama 4 1024 2816 "$M" >/dev/null
size=$(stat -c %s "$M")
dev_ino=$(stat -c "%Hd:%Ld %i" "$M") # the filemap event names a page by device and inode

timeout 300 node "$RUN" "$M" --tokens 2 --threads 2 >"$T/ram.json" 2>"$T/ram.err"
rc=$?
[ $rc = 3 ] && skip "node-llama-cpp cannot be imported: $(head -1 "$T/ram.err")"
[ $rc = 0 ] || { cat "$T/ram.err" >&2; fail "llama.cpp did not run the model (exit $rc)"; }
python3 - "$T/ram.json" "$(readlink -f "$(command -v node)")" "$(readlink -f "$M")" <<'PY' || fail "mapped_files"
import json, sys
f = json.load(open(sys.argv[1]))["mapped_files"]
assert sys.argv[2] in f, ("node's binary not listed", f)
assert sys.argv[3] not in f, ("the model listed", f)
PY
anon=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rss_anon_kb"] * 1024)' "$T/ram.json")
ok "the runner lists $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["mapped_files"]))' "$T/ram.json") files it mapped besides the model, node's binary among them"

# limited TAG RUNNER_OPTION TOKENS: a run at node's anonymous memory + 35% of the file, the model's
# pages dropped first, recorded; prints "OTHER_KIB MODEL_KIB TOKENS" of page-cache
# fills while decoding (between the decode-start and decode-done marks)
limited() {
	sync "$M"
	dd if="$M" iflag=nocache count=0 status=none
	echo $((anon + size * 35 / 100)) >"$CG/$LIMIT" || fail "cannot set $CG/$LIMIT"
	SR_TOKENS=$3 timeout 240 "$SR" record --filemap -o "$T/$1.trace" -- \
		sh -c "echo \$\$ >'$CG/$TASKS' && exec node '$RUN' '$M' --tokens \$SR_TOKENS --threads 2 --prompt Hi --marks '$T/$1.marks' ${2-}" \
		>"$T/$1.json" 2>"$T/$1.err" || { cat "$T/$1.err" >&2; fail "the limited run ($1)"; }
	python3 - "$T/$1.trace" "$T/$1.marks" $dev_ino <<'PY' || fail "reading the capture of $1"
import re, sys
m = {l.split()[0]: int(l.split()[1]) / 1e9 for l in open(sys.argv[2]) if l.startswith("decode-")}
ntok = sum(1 for l in open(sys.argv[2]) if l.startswith("token "))
pat = re.compile(r"\s(\d+\.\d+): mm_filemap_add_to_page_cache: dev (\d+:\d+) ino ([0-9a-f]+) \S+ ofs=\d+ order=(\d+)")
other = model = 0
for line in open(sys.argv[1]):
    g = pat.search(line)
    if not g or not m["decode-start"] <= float(g.group(1)) <= m["decode-done"]:
        continue
    kib = 4 << int(g.group(4))
    if g.group(2) == sys.argv[3] and int(g.group(3), 16) == int(sys.argv[4]):
        model += kib
    else:
        other += kib
print(other, model, max(ntok, 1))
PY
}

read -r mib < <(bash "$PIN" "$T/ram.json") || fail "llamacpp_pin.sh"
[ "${mib:-0}" -gt 0 ] || fail "llamacpp_pin.sh read nothing in"
read -r other model ntok <<<"$(limited pinned --flush-memcg 3)"
echo "pinned ($mib MiB read in outside the cgroup): other files $((other / ntok)) KiB a token, the model $((model / ntok)) KiB"
[ "$model" -gt 0 ] || fail "the model was not read while decoding: the room is not short"
[ $((other / ntok)) -lt 1024 ] ||
	fail "pinned: $((other / ntok)) KiB a token of other files read while decoding, expected under 1 MiB"
ok "pinned: the runtime's code is not read again while decoding"
# --flush-memcg (llamacpp_validate.sh's FLUSH=mark): the cgroup's memory.stat read at every mark
flushes=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["memcg_flushes"])' "$T/pinned.json") ||
	fail "no memcg_flushes in the runner's JSON"
marks=$(grep -cv '^map ' "$T/pinned.marks")
[ "$flushes" = "$marks" ] || fail "--flush-memcg: $flushes reads of the cgroup's memory.stat, expected one per mark ($marks)"
ok "--flush-memcg read the cgroup's memory.stat at each of the $marks marks"

python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["mapped_files"]))' "$T/ram.json" |
	while IFS= read -r f; do dd if="$f" iflag=nocache count=0 status=none 2>/dev/null; done
read -r cother cmodel cntok <<<"$(limited dropped "" 1)"
echo "not pinned: other files $((cother / cntok)) KiB a token, the model $((cmodel / cntok)) KiB"
if [ $((cother / cntok)) -ge 1024 ]; then
	ok "not pinned, the runtime's code was read again while decoding: the pinning removes $((cother / cntok)) KiB a token"
else
	ok "not pinned, the runtime's code stayed resident here too (control did not thrash)"
fi
bash "$PIN" "$T/ram.json" >/dev/null # back outside the cgroup for later runs
