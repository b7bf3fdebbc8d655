#!/bin/bash
# simulate --engine null reads nothing: its rows count pages exactly but
# must not show tokens/s, stall or GB/s as if measured ("accounting only");
# MIN's run-length next-use table gives the oracle at least LRU's hit rate.
. "$SR_TESTLIB"

truncate -s 64M "$T/target" # never read: the null engine does no I/O
run() { $SR simulate --profile tiny-llama --engine null --tokens 6 --mem 30% --page 4k \
	--compare lru,oracle,pagecache "$T/target" "$@"; }
run >"$T/text" || fail "simulate --engine null failed"
grep -q "accounting only" "$T/text" || fail "no 'accounting only' note: $(cat "$T/text")"
awk '$1 == "lru" || $1 == "oracle" { if ($3 != "-" || $4 != "-" || $16 != "-") bad = 1 } END { exit bad }' "$T/text" ||
	fail "tok/s, stall or GB/s printed for the null engine: $(cat "$T/text")"
run --output-format json >"$T/j" || fail "json report failed"
python3 - "$T/j" <<'PY' || fail "json: $(cat "$T/j")"
import json, sys
rows = {r["policy"]: r for r in json.load(open(sys.argv[1]))["rows"]}
for r in rows.values():
    assert r["tokens_per_s"] is None and r["read_Bps"] is None, r
    assert r["read_bytes"] > 0 and 0 <= r["hit_pct"] <= 100, r
assert rows["oracle"]["hit_pct"] >= rows["lru"]["hit_pct"], rows
PY
ok "null engine: accounting only"

# --access page --threads N: the synthesized schedule is synth's page-fault schedule of the same options
# (the same figures as that schedule given as --trace), and the threads' interleaving changes what is read
truncate -s 4T "$T/q"
sz=$($SR simulate --profile llama-2-7b-quick "$T/q" --engine null --tokens 1 --policy none --output-format json |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["model_bytes"])') || fail "model size"
truncate -s "$sz" "$T/q"
# a 128 KiB readahead window: the interleaving moves its marks (with 16 MiB
# windows of 2 MiB folios the threads read the same)
fig() { "$@" --engine null --tokens 1 --mem 30% --page 4k --policy pagecache --read-ahead-kb 128 --output-format json |
	python3 -c 'import json, sys; r = json.load(sys.stdin)["rows"][0]; print(r["pages"], r["misses"], r["read_bytes"], r["faults"])'; }
a=$(fig $SR simulate --profile llama-2-7b-quick "$T/q" --access page --threads 2) || fail "--access page --threads 2"
$SR synth --profile llama-2-7b-quick --tokens 1 --access page --threads 2 -o "$T/q2.csv" || fail "synth --threads 2"
b=$(fig $SR simulate --profile llama-2-7b-quick --trace "$T/q2.csv" "$T/q") || fail "simulate --trace"
[ "$a" = "$b" ] || fail "--access page --threads 2 gave '$a', synth's schedule as a trace '$b'"
c=$(fig $SR simulate --profile llama-2-7b-quick "$T/q" --access page) || fail "--access page"
d=$(fig $SR simulate --profile llama-2-7b-quick "$T/q") || fail "tensor access"
[ "$a" != "$c" ] && [ "$a" != "$d" ] || fail "pages, misses, bytes, faults the same for 2 threads ($a), 1 ($c) and tensors ($d)"
ok "--access page --threads 2: synth's schedule ($a); 1 thread: $c; tensors: $d"

# The null engine lands nothing during compute, so its emulated compute takes no time: 20 tokens of 200 ms
# compute are charged 4 s and run in a fraction of it (each slice of compute slept once, 4 s at least)
$SR simulate --profile tiny-llama "$T/target" --engine null --tokens 20 --compute-ms-per-token 200 --policy lru \
	--output-format json >"$T/n.json" || fail "simulate --engine null --compute-ms-per-token"
python3 - "$T/n.json" <<'PY' || fail "null engine's compute: $(cat "$T/n.json")"
import json, sys
r = json.load(open(sys.argv[1]))["rows"][0]
assert abs(r["compute_s"] - 4.0) < 1e-6, r["compute_s"]
assert r["wall_s"] < 1.0, ("the null engine waited out its compute", r["wall_s"])
PY
ok "null engine: 4 s of compute charged, not waited for"

# --progress (the default on a terminal): a run past 2 s shows % and ETA every second on stderr, ending at 100%;
# 12 tokens of 300 ms compute take 3.6 s on an engine that reads (the catching-up with compute is real)
head -c 1M /dev/urandom >"$T/small"
$SR simulate --profile tiny-llama "$T/small" --engine psync --tokens 12 --compute-ms-per-token 300 --progress \
	>"$T/p.out" 2>"$T/p.err" || fail "simulate --progress"
tr '\r' '\n' <"$T/p.err" | grep -Eq '^\[ *[0-9.]+s\] +[0-9.]+% .*eta' || fail "no progress line: $(cat "$T/p.err")"
tr '\r' '\n' <"$T/p.err" | grep -v '^$' | tail -1 | grep -q ' 100\.0% ' || fail "progress does not end at 100%"
grep -q "eta" "$T/p.out" && fail "progress went to stdout"
ok "simulate --progress: % and ETA on stderr"

# --mmap-cost charges the mmap rows' stalls from the page-cache cost model, whatever the engine: with null
# their tokens/s and stalls are the model's (compute + bytes x cost) and shown, GB/s still not; the lru row,
# not charged, stays '-'. The cost is measured here (a cgroup for the reclaiming figures: root).
if [ "$(id -u)" = 0 ]; then
	# an 8 MiB target is under what the calibration streams (144 MiB here): it is measured on a scratch file
	# written beside the target, on the same filesystem, and removed after
	mkdir "$T/cd"
	head -c 8M /dev/urandom >"$T/cd/c8"
	cost() { SSDREPLAY_STATE=$T/state $SR simulate --profile tiny-llama "$T/cd/c8" --engine null --tokens 6 --mem 50% \
		--compute-ms-per-token 5 --compare pagecache,lru --mmap-cost auto --mmap-threads 1 "$@"; }
	cost --output-format json >"$T/c.json" 2>"$T/c.err" || fail "simulate --engine null --mmap-cost auto: $(cat "$T/c.err")"
	grep -q "c8 is under the [0-9]* MiB the measurement streams: measured on a scratch file of that size beside it" "$T/c.err" ||
		fail "no note on the scratch file: $(cat "$T/c.err")"
	[ "$(ls -A "$T/cd")" = c8 ] || fail "the scratch file was left: $(ls -A "$T/cd")"
	grep -q "^; .* scratch file beside .*c8, 1 threads" "$T"/state/devices/pagecache-cost-*-t1.ini ||
		fail "the kept cost does not say what it streamed: $(cat "$T"/state/devices/pagecache-cost-*-t1.ini)"
	python3 - "$T/c.json" "$(cat /sys/kernel/mm/lru_gen/enabled 2>/dev/null)" <<'PY' || fail "null engine with --mmap-cost: $(cat "$T/c.json")"
import json, sys
d = json.load(open(sys.argv[1]))
rows = {r["policy"]: r for r in d["rows"]}
pc, lru, c = rows["pagecache"], rows["lru"], d["pagecache_cost"]
assert c and c["seq_ns_per_byte"] > 0, c
# reclaim's time per page activated: a hot set swept in the cgroup is activated and charged for, unless the
# kernel keeps its lists by generations (MGLRU), where pgactivate does not count them
mglru = sys.argv[2] not in ("", "0x0000")
assert c["activate_ns_per_page"] >= 0 and (mglru or c["activate_ns_per_page"] > 0), c
assert len(pc["per_token_activations"]) == len(pc["per_token_deactivations"]) == len(pc["per_token_read_bytes"]) == pc["tokens"], pc
want = pc["tokens"] / (pc["compute_s"] + pc["stall_s"])
assert pc["tokens_per_s"] is not None and abs(pc["tokens_per_s"] / want - 1) < 1e-6, (pc["tokens_per_s"], want)
assert pc["stall_s"] > 0 and pc["stall_ms_per_token_mean"] is not None, pc
assert pc["read_Bps"] is None and pc["device_busy_pct"] is None, pc  # nothing was read
assert lru["tokens_per_s"] is None and lru["stall_ms_per_token_mean"] is None, lru
PY
	cost >"$T/c.txt" || fail "simulate --engine null --mmap-cost auto (text)"
	grep -q "except the tok/s and stall of rows charged the page-cache cost" "$T/c.txt" || fail "no note on the costed rows: $(cat "$T/c.txt")"
	grep -Eq '^activate_ns_per_page = [0-9.]+$' "$T"/state/devices/pagecache-cost-*-t1.ini ||
		fail "the kept cost has no activate_ns_per_page: $(cat "$T"/state/devices/pagecache-cost-*-t1.ini)"
	awk '$1 == "pagecache" && $3 != "-" { t = 1 } $1 == "lru" && $3 == "-" { l = 1 } END { exit !(t && l) }' "$T/c.txt" ||
		fail "tok/s: pagecache's shown, lru's '-' expected: $(cat "$T/c.txt")"
	ok "null engine with --mmap-cost: the costed row's tokens/s are the model's, the others '-'"
	# where no scratch file can be made (a directory nothing may be created in): one line, exit 2, nothing left
	mkdir "$T/ro"
	cp "$T/cd/c8" "$T/ro/c8"
	trap 'chattr -i "$T/ro" 2>/dev/null; cleanup' EXIT # or nothing could remove it
	if chattr +i "$T/ro" 2>/dev/null; then
		SSDREPLAY_STATE=$T/state2 $SR simulate --profile tiny-llama "$T/ro/c8" --engine null --mmap-cost measure \
			>"$T/ro.out" 2>"$T/ro.err"
		rc=$?
		chattr -i "$T/ro"
		[ $rc = 2 ] && [ "$(wc -l <"$T/ro.err")" = 1 ] && [ ! -s "$T/ro.out" ] ||
			fail "no scratch file possible: rc $rc, $(cat "$T/ro.err")"
		grep -q "c8: 8 MiB, under the [0-9]* MiB the measurement streams, and no scratch file of that size could be made beside it (.*; --mmap-cost off, or a larger TARGET)" "$T/ro.err" ||
			fail "no scratch file possible: $(cat "$T/ro.err")"
		[ ! -e "$T/state2" ] || [ -z "$(find "$T/state2" -name '*.ini')" ] || fail "a cost was kept without a measurement"
		ok "--mmap-cost with no room for a scratch file: one line, exit 2"
	else
		echo "chattr +i refused on $(stat -f -c %T "$T"): the no-scratch case not run"
	fi
else
	echo "not root: --mmap-cost's calibration needs a memory cgroup; skipped that part"
fi
