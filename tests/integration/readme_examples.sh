#!/bin/bash
# Every `$ ssdreplay ...` example in README.md runs as written, in a scratch
# directory holding the files the examples name: llm.csv (1 MiB records with
# times), faults.csv (2000 random 4 KiB reads), scratch-llama-2-7b.gguf (a
# small model under that name: the real 4 GB one is bootstrap's), the rest
# made by earlier examples (prep model.bin); scratch-sweep.dat and
# scratch-cheops/ are plain scratch space. `cheops` takes minutes: only
# with SR_SLOW=1.
source "$SR_TESTLIB"

readme=$SR_SRC/README.md
mapfile -t cmds < <(python3 - "$readme" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
i = 0
while i < len(lines):
    l = lines[i]
    if l.startswith("$ ssdreplay "):
        cmd = l[2:]
        while cmd.endswith("\\") and i + 1 < len(lines):
            i += 1
            cmd = cmd[:-1] + " " + lines[i].strip()
        print(cmd)
    i += 1
PY
)
[ "${#cmds[@]}" -ge 10 ] || fail "found only ${#cmds[@]} examples in README.md"

d=$T/readme
mkdir -p "$d/bin"
ln -s "$SR" "$d/bin/ssdreplay"
cd "$d" || fail "cd"
python3 - <<'PY'
import random
with open("llm.csv", "w") as f:
    f.write("offset,length,op,time_ns\n")
    for i in range(1024):
        f.write("%d,1048576,r,%d\n" % ((i % 512) << 20, i * 1000000))
r = random.Random(3)
with open("faults.csv", "w") as f:
    f.write("offset,length\n")
    for i in range(2000):
        f.write("%d,4096\n" % (r.randrange(0, (512 << 20) // 4096) * 4096))
PY
"$SR" synth --profile tiny-llama --write-gguf scratch-llama-2-7b.gguf >/dev/null 2>&1 || fail "scratch GGUF"
"$SR" prep scratch-sweep.dat --size 64M --quiet || fail "scratch-sweep.dat"
mkdir scratch-cheops

n=0
for c in "${cmds[@]}"; do
	if [[ $c == "ssdreplay cheops"* && "${SR_SLOW:-0}" != 1 ]]; then
		echo "not run (minutes; SR_SLOW=1 runs it): $c"
		continue
	fi
	# as a user's shell runs it (no pipefail: `| head` may cut the writer
	# short), but an error line from ssdreplay anywhere fails it
	PATH=$d/bin:$PATH bash -c "$c" >"$T/out" 2>"$T/err" </dev/null ||
		{ cat "$T/err" >&2; fail "README example failed: \$ $c"; }
	! grep -q "^ssdreplay: " "$T/err" || { cat "$T/err" >&2; fail "README example reported an error: \$ $c"; }
	n=$((n + 1))
done
ok "$n README examples ran as written"
