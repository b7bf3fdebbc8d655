#!/bin/bash
# needs: root
# The file LRU lists token by token, on both sides: the pagecache policy's
# simulated rows give their active and inactive lists at each decode token's
# end (per_token_active_file, per_token_inactive_file, bytes), and a
# --real-mmap row run with --stat-flush token gives memory.stat's
# active_file and inactive_file, read at the same moments (the read that
# flushes the statistics). Below the model's size the page cache is full:
# both lists together hold most of the room (the simulated ones no more than
# it; the kernel's no more than the file, as a sanitizer build's limit
# leaves the page cache more than the room). A
# real row whose statistics are left to the kernel's flusher reads no
# memory.stat (null), and a policy without the kernel's lists has none.
. "$SR_TESTLIB"
need_root

f16_model tiny-llama 6 1024 2816 "$T/dense.gguf"
size=$(stat -c %s "$T/dense.gguf")
sync "$T/dense.gguf"
room=$((size / 2))
for flush in token periodic; do
	"$SR" simulate --gguf "$T/dense.gguf" "$T/dense.gguf" --policy pagecache --mem $room --tokens 4 \
		--compute-ms-per-token 5 --advise sequential --access page --load populate --stat-flush $flush \
		--real-mmap --no-ram-baseline --output-format json -o "$T/$flush.json" 2>"$T/err"
	real_mmap_rc $? "$T/err" "simulate --real-mmap --stat-flush $flush"
done
"$SR" simulate --gguf "$T/dense.gguf" "$T/dense.gguf" --policy lru --mem $room --tokens 4 --access page \
	--no-ram-baseline --output-format json -o "$T/lru.json" 2>"$T/err" || { cat "$T/err" >&2; fail "simulate --policy lru"; }
python3 - "$T" "$room" "$size" <<'PY' || fail "per-token lists"
import json, sys
d, room, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = lambda n: {r["kind"]: r for r in json.load(open("%s/%s.json" % (d, n)))["rows"]}
t = rows("token")
for kind in ("simulated", "real-mmap"):
    r = t[kind]
    a, i = r["per_token_active_file"], r["per_token_inactive_file"]
    print("  %s, room %.1f MiB: active %s, inactive %s MiB" % (kind, room / 2**20, [round(x / 2**20, 1) for x in a],
                                                             [round(x / 2**20, 1) for x in i]))
    assert len(a) == len(i) == r["tokens"] == len(r["per_token_read_bytes"]) == 4, r
    for x, y in zip(a, i):
        # the simulated lists hold the room; the kernel's limit is the room plus the
        # child's own memory, which a sanitizer build makes larger, so the file's
        # pages may take more: at most the file
        top = room + 4096 if kind == "simulated" else size
        assert 0.5 * room < x + y <= top, (kind, x, y, room, size)
p = rows("periodic")
assert p["real-mmap"]["per_token_active_file"] is None and p["real-mmap"]["per_token_inactive_file"] is None, p["real-mmap"]
assert len(p["simulated"]["per_token_active_file"]) == 4, p["simulated"]
l = rows("lru")["simulated"]
assert l["per_token_active_file"] is None and l["per_token_inactive_file"] is None, l
PY
ok "per-token active and inactive file lists: simulated, and memory.stat's with --stat-flush token"
