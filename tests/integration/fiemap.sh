#!/bin/bash
# --file-map: device offsets inside FILE's extents become file offsets, the
# rest is dropped. Expectations come from filefrag (e2fsprogs), independently
# of ssdreplay's own FIEMAP code.
. "$SR_TESTLIB"
command -v filefrag >/dev/null || skip "no filefrag"

f=$T/model.bin
# Interleave two files with syncs so the allocator is likely to give f
# several extents (the test holds for any number).
for i in $(seq 0 7); do
	dd if=/dev/urandom of="$f" bs=256k count=1 seek=$i conv=notrunc,fsync status=none
	dd if=/dev/urandom of="$T/other" bs=256k count=1 seek=$i conv=notrunc,fsync status=none
done
filefrag -v "$f" >"$T/ff" 2>/dev/null || skip "filefrag/FIEMAP not supported here"
python3 - "$T/ff" "$T/dev.csv" "$T/want.csv" <<'PY' || fail "building the fixture"
import re, sys
ff, dev, want = sys.argv[1:]
bs = int(re.search(r"blocks of (\d+) bytes", open(ff).read()).group(1))
ext = []
for line in open(ff):
    m = re.match(r"\s*\d+:\s+(\d+)\.\.\s*(\d+):\s+(\d+)\.\.\s*(\d+):\s+(\d+)", line)
    if m:
        lo, hi, po = int(m.group(1)), int(m.group(2)), int(m.group(3))
        ext.append((po * bs, lo * bs, (hi - lo + 1) * bs))
assert ext, "no extents parsed"
d, w = ["offset,length"], ["offset,length,op,target,tag"]
for phys, logical, ln in ext:
    d.append(f"{phys + 4096},8192"); w.append(f"{logical + 4096},8192,r,0,0")          # inside
    d.append(f"{phys + ln - 4096},12288")                                             # runs off the end
    w.append(f"{logical + ln - 4096},4096,r,0,0")
    nxt = [e for e in ext if e[0] == phys + ln]
    if nxt:                                                                           # physically adjacent extent
        w.append(f"{nxt[0][1]},8192,r,0,0")
low = min(e[0] for e in ext)
if low >= 8192:
    d.append(f"{low - 8192},4096")                                                    # before the file: dropped
open(dev, "w").write("\n".join(d) + "\n")
open(want, "w").write("\n".join(w) + "\n")
print(f"{len(ext)} extents")
PY
$SR convert "$T/dev.csv" -o "$T/got.csv" --to csv --file-map "$f" || fail "convert --file-map"
diff "$T/want.csv" "$T/got.csv" >&2 || fail "mapped offsets differ from filefrag's extents"
ok "$(grep -c '^ *[0-9]*:' "$T/ff") extents mapped as filefrag says"

# --dev-base: the same trace taken on a whole disk whose file system starts 1 MiB in.
awk -F, 'NR == 1 { print; next } { printf "%.0f,%d\n", $1 + 1048576, $2 }' "$T/dev.csv" >"$T/disk.csv"
$SR convert "$T/disk.csv" -o "$T/got2.csv" --to csv --file-map "$f" --dev-base 1M || fail "--dev-base"
diff "$T/want.csv" "$T/got2.csv" >&2 || fail "--dev-base 1M changed the mapping"
ok "--dev-base"
expect_exit 2 "file-map: .*No such file" $SR convert "$T/dev.csv" -o "$T/x" --to csv --file-map "$T/missing"
# analyze takes the same mapping: the bytes it sees are the mapped ones.
$SR analyze "$T/dev.csv" --file-map "$f" --output-format json --output "$T/a.json" || fail "analyze --file-map"
want=$(awk -F, 'NR > 1 { s += $2 } END { print s }' "$T/want.csv")
got=$(json "$T/a.json" 'j["totals"]["read_bytes"]')
[ "$got" = "$want" ] || fail "analyze --file-map read_bytes $got, expected $want"
ok "analyze --file-map"
