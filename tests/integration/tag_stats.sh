#!/bin/bash
# --tag-stats: bytes, requests and latency per record tag, equal to what the
# trace asked per tag (inline loop and several workers alike); off by default;
# --merge keeps tags apart. --cpus pins the replay threads (JSON says where
# they ran); a bad list is refused.
. "$SR_TESTLIB"

f=$T/target
$SR prep "$f" --size 16M --quiet || fail "prep"
python3 - "$T/t.csv" "$T/want.json" <<'PY'
import json, random, sys
r = random.Random(5)
tags = [1, 2, 3, (7 + 1) | ((5 + 1) << 20), 1234567]
want = {}
with open(sys.argv[1], "w") as f:
    f.write("offset,length,op,time_ns,target,tag\n")
    for i in range(4000):
        t = r.choice(tags)
        ln = 4096 * (1 + tags.index(t))
        f.write("%d,%d,r,0,0,%d\n" % (r.randrange(0, 2048) * 4096, ln, t))
        w = want.setdefault(str(t), [0, 0])
        w[0] += ln
        w[1] += 1
json.dump(want, open(sys.argv[2], "w"))
PY

check() { # JSON: per-tag bytes and requests equal the trace's
	python3 - "$1" "$T/want.json" <<'PY' || fail "$2: per-tag figures"
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
s = j["ssdreplay"]
want = json.load(open(sys.argv[2]))
got = {str(t["tag"]): [t["bytes"], t["ios"]] for t in s["tags"]}
assert got == want, (got, want)
assert sum(t["bytes"] for t in s["tags"]) == j["read"]["io_bytes"]
b = [t["bytes"] for t in s["tags"]]
assert b == sorted(b, reverse=True)
for t in s["tags"]:
    assert 0 < t["lat_mean_ns"] <= t["lat_max_ns"] and 0 < t["lat_p99_ns"] <= t["lat_max_ns"], t
e = [t for t in s["tags"] if t["tag"] == (8 | (6 << 20))][0]
assert e["tensor"] == 7 and e["expert"] == 5, e
assert s["tags_other"]["ios"] == 0
PY
}

$SR replay "$f" --trace "$T/t.csv" --tag-stats --qd 8 --output-format json -o "$T/a.json" || fail "replay"
check "$T/a.json" "one loop"
$SR replay --target "$f" --trace "$T/t.csv" --tag-stats --qd 4 --threads 2 --output-format json \
	-o "$T/b.json" || fail "replay --threads 2"
check "$T/b.json" "two workers"
ok "per-tag bytes and requests equal the trace's, in one loop and across two workers"

$SR replay "$f" --trace "$T/t.csv" --tag-stats --qd 8 >"$T/a.txt" || fail "text"
grep -q "tags: 5 distinct; top 5 by bytes:" "$T/a.txt" || fail "text: no tag table: $(cat "$T/a.txt")"
grep -q "6291464 (tensor 7 expert 5)" "$T/a.txt" || fail "text: tensor/expert not shown"
$SR replay "$f" --trace "$T/t.csv" --qd 8 --output-format json -o "$T/off.json" || fail "no tags"
[ "$(json "$T/off.json" '"tags" in j["jobs"][0]["ssdreplay"]')" = False ] || fail "tags reported without --tag-stats"
ok "text top table; nothing without --tag-stats"

# --merge merges only within a tag: contiguous records of two tags stay two requests
printf 'offset,length,op,time_ns,target,tag\n0,4096,r,0,0,1\n4096,4096,r,0,0,1\n8192,4096,r,0,0,2\n' >"$T/m.csv"
$SR replay "$f" --trace "$T/m.csv" --merge --tag-stats --output-format json -o "$T/m.json" || fail "merge"
[ "$(json "$T/m.json" '[(t["tag"], t["bytes"], t["ios"]) for t in j["jobs"][0]["ssdreplay"]["tags"]]')" = \
	"[(1, 8192, 1), (2, 4096, 1)]" ] || fail "merge across tags: $(json "$T/m.json" 'j["jobs"][0]["ssdreplay"]["tags"]')"
ok "--merge keeps tags apart"

# --cpus: where the replay threads ran, from sched_getaffinity in each thread
$SR replay "$f" --pattern rand --cpus 0 --output-format json -o "$T/c.json" || fail "--cpus 0"
[ "$(json "$T/c.json" 'j["jobs"][0]["ssdreplay"]["cpu_list"]')" = "[0]" ] || fail "--cpus 0: $(json "$T/c.json" 'j["jobs"][0]["ssdreplay"]["cpus"]')"
$SR replay --target "$f" --pattern rand --threads 2 --cpus 0 --output-format json -o "$T/c2.json" || fail "--cpus 0 threads"
[ "$(json "$T/c2.json" '(j["jobs"][0]["ssdreplay"]["cpus"], j["jobs"][0]["ssdreplay"]["targets"][0]["cpus"])')" = \
	"('0', '0')" ] || fail "--cpus 0 with two workers"
if [ "$(nproc)" -ge 2 ]; then
	$SR replay "$f" --pattern rand --cpus 1 --output-format json -o "$T/c3.json" || fail "--cpus 1"
	[ "$(json "$T/c3.json" 'j["jobs"][0]["ssdreplay"]["cpus"]')" = 1 ] || fail "--cpus 1"
	$SR replay "$f" --pattern rand --cpus 0-1 --output-format json -o "$T/c4.json" || fail "--cpus 0-1"
	[ "$(json "$T/c4.json" 'j["jobs"][0]["ssdreplay"]["cpu_list"]')" = "[0, 1]" ] || fail "--cpus 0-1"
fi
for bad in x 1- 3-1 "0,,1" -1 999999; do
	expect_exit 2 "--cpus: " $SR replay "$f" --pattern rand --cpus "$bad"
done
expect_exit 2 "CPU 1000 in '0,1000' is not available" $SR replay "$f" --pattern rand --cpus 0,1000
ok "--cpus pins the replay threads; bad lists refused"
