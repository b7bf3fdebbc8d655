#!/bin/bash
# ssdreplay synth: schedules are reproducible from the seed, read back by the
# CSV reader, replay from a pipe against a real model file (written by
# --write-gguf), honour compute times under --timing recorded, and bad
# options are one line with exit 2 and nothing written.
source "$SR_TESTLIB"

"$SR" synth --help >/dev/null 2>&1 || skip "no synth command"
"$SR" synth --profile tiny-moe --info >/dev/null 2>&1 || skip "synth cannot load profiles here"

# --- reproducible: same seed, same bytes; another seed, other experts
"$SR" synth --profile tiny-moe --tokens 64 --prefill 8 --routing temporal --seed 7 -o "$T/a.csv" || fail "synth a"
"$SR" synth --profile tiny-moe --tokens 64 --prefill 8 --routing temporal --seed 7 >"$T/b.csv" || fail "synth b"
"$SR" synth --profile tiny-moe --tokens 64 --prefill 8 --routing temporal --seed 8 >"$T/c.csv" || fail "synth c"
cmp -s "$T/a.csv" "$T/b.csv" || fail "same seed gave different schedules"
cmp -s "$T/a.csv" "$T/c.csv" && fail "seeds 7 and 8 gave the same schedule"
head -1 "$T/a.csv" | grep -qx "offset,length,op,target,tag,flags" || fail "header: $(head -1 "$T/a.csv")"
# the first record opens the prefill batch: token|prefill = 3; the decode tokens follow
sed -n 2p "$T/a.csv" | grep -q ',3$' || fail "first record flags: $(sed -n 2p "$T/a.csv")"
[ "$(grep -c ',1$' "$T/a.csv")" = 64 ] || fail "expected 64 decode tokens flagged"
ok "same seed, same schedule; flags"

# --- the CSV reader reads it back: analyze counts the records
n=$(($(wc -l <"$T/a.csv") - 1))
"$SR" analyze --output-format json -o "$T/an.json" "$T/a.csv" || fail "analyze"
[ "$(json "$T/an.json" 'j["totals"]["requests"]')" = "$n" ] || fail "analyze read a different number of records"
ok "analyze reads the schedule back ($n records)"

# --- page access: every record one aligned 4 KiB page (the last may end at EOF)
"$SR" synth --profile tiny-llama --tokens 4 --access page:4k >"$T/p.csv" || fail "page schedule"
size=$("$SR" synth --profile tiny-llama --info --output-format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["model"]["file_bytes"])')
awk -F, -v size="$size" 'NR > 1 && ($1 % 4096 || ($2 != 4096 && $1 + $2 != size)) { bad = 1 } END { exit bad }' "$T/p.csv" ||
	fail "page access: unaligned or odd-sized records"
ok "page:4k records are aligned pages"

# --- --threads N: the same pages per token as one stream, in another order
# (ggml's row chunks walked by N threads at once), and its gaps turn from
# sequential to forward and backward jumps
"$SR" synth --profile llama-2-7b-q4_k_m --tokens 1 --access page:4k --seed 5 -o "$T/th1.csv" || fail "threads 1"
"$SR" synth --profile llama-2-7b-q4_k_m --tokens 1 --access page:4k --seed 5 --threads 1 | cmp -s - "$T/th1.csv" ||
	fail "--threads 1 differs from the default"
"$SR" synth --profile llama-2-7b-q4_k_m --tokens 1 --access page:4k --threads 8 --seed 5 -o "$T/th8.csv" || fail "threads 8"
cmp -s "$T/th1.csv" "$T/th8.csv" && fail "--threads 8 gave the one-thread order"
[ "$(sort "$T/th1.csv" | md5sum)" = "$(sort "$T/th8.csv" | md5sum)" ] || fail "--threads 8 faults other pages"
for n in 1 8; do
	"$SR" analyze --output-format json -o "$T/th$n.json" "$T/th$n.csv" || fail "analyze threads $n"
done
python3 - "$T/th1.json" "$T/th8.json" <<'PY' || fail "--threads 8 gap shares"
import json, sys
def shares(p):
    g = json.load(open(p))["gaps"]
    n = g["sequential"] + g["forward"] + g["backward"]
    return [100.0 * g[k] / n for k in ("sequential", "forward", "backward")]
one, eight = shares(sys.argv[1]), shares(sys.argv[2])
print(f"page:4k gaps seq/fwd/bwd %: threads 1 {one[0]:.1f}/{one[1]:.1f}/{one[2]:.1f}, threads 8 {eight[0]:.1f}/{eight[1]:.1f}/{eight[2]:.1f}")
assert one[0] > 99, one
assert 5 < eight[0] < 25 and eight[2] > 30 and eight[1] > 30, eight
PY
expect_exit 2 "threads goes with --access page" "$SR" synth --profile tiny-llama --threads 4 -o "$T/out.csv"
[ ! -e "$T/out.csv" ] || fail "--threads without page access: output written"
ok "--threads: same pages, interleaved order"

# --- --info JSON: tensor bytes add up per layer and to the file
"$SR" synth --profile tiny-moe --info --output-format json >"$T/info.json" || fail "info json"
python3 - "$T/info.json" <<'PY' || fail "info json totals"
import json, sys
j = json.load(open(sys.argv[1]))
t = j["tensors"]
assert len(t) == j["model"]["tensors"] == 33, len(t)
for l in j["layers"]:
    assert l["bytes"] == sum(x["bytes"] for x in t if x["layer"] == l["layer"]), l
    ex = [x for x in t if x["layer"] == l["layer"] and "experts" in x]
    assert l["expert_bytes"] == sum(x["expert_bytes"] for x in ex), l
    for x in ex:
        assert x["experts"] == 8 and x["expert_bytes"] * 8 == x["bytes"], x
end = max(x["offset"] + x["bytes"] for x in t)
assert end <= j["model"]["file_bytes"] < end + 32
PY
ok "--info json totals"

# --- a real model file: --write-gguf, then the GGUF stands in for the profile
"$SR" synth --profile tiny-moe --write-gguf "$T/m.gguf" --seed 3 || fail "write-gguf"
[ "$(stat -c %s "$T/m.gguf")" = "$(json "$T/info.json" 'j["model"]["file_bytes"]')" ] || fail "GGUF size"
"$SR" synth --gguf "$T/m.gguf" --tokens 64 --prefill 8 --routing temporal --seed 7 >"$T/g.csv" || fail "synth --gguf"
cmp -s "$T/a.csv" "$T/g.csv" || fail "the GGUF and its profile give different schedules"
ok "--write-gguf file gives the profile's schedule"

# --- --write-gguf --progress: the shared meter (% and ETA once the write
# passes 2 s: a 1.4 GiB model), ending at 100%; the file is the same byte for
# byte with and without it, nothing on stdout; on a pipe without --progress
# no progress line.
"$SR" synth --profile gpt-oss-20b-quick --write-gguf "$T/p.gguf" --progress >"$T/p.out" 2>"$T/p.err" || fail "write-gguf --progress"
tr '\r' '\n' <"$T/p.err" | grep -Eq '^\[ *[0-9.]+s\] +[0-9.]+% +[0-9.]+ MiB/s +eta' || fail "no progress line: $(cat "$T/p.err")"
tr '\r' '\n' <"$T/p.err" | grep -v '^$' | tail -1 | grep -q ' 100\.0% ' || fail "progress does not end at 100%: $(cat "$T/p.err")"
sum=$(sha256sum <"$T/p.gguf")
rm -f "$T/p.gguf"
"$SR" synth --profile gpt-oss-20b-quick --write-gguf "$T/p.gguf" >"$T/n.out" 2>"$T/n.err" || fail "write-gguf"
[ "$(sha256sum <"$T/p.gguf")" = "$sum" ] || fail "--progress changed the GGUF file"
rm -f "$T/p.gguf"
[ -s "$T/p.out" ] || [ -s "$T/n.out" ] && fail "--write-gguf printed on stdout"
grep -q 'eta' "$T/n.err" && fail "a progress line on a pipe without --progress: $(cat "$T/n.err")"
ok "--write-gguf --progress: % and ETA ending at 100%, the same file; none on a pipe without it"

# --- synth | replay --trace -: every byte of the schedule read from the file
"$SR" synth --gguf "$T/m.gguf" --tokens 8 | "$SR" replay --trace - --engine psync --buffered \
	--output-format json -o "$T/r.json" "$T/m.gguf" || fail "synth | replay"
want=$(awk -F, 'NR > 1 { s += $2 } END { print s }' <(("$SR" synth --gguf "$T/m.gguf" --tokens 8)))
[ "$(json "$T/r.json" 'j["jobs"][0]["read"]["io_bytes"]')" = "$want" ] || fail "replay read $(json "$T/r.json" 'j["jobs"][0]["read"]["io_bytes"]') bytes, schedule has $want"
ok "synth | replay --trace - reads the schedule's $want bytes"

# --- replay --synth: the same schedule built in-process, tags named after tensors
"$SR" replay "$T/m.gguf" --synth "$T/m.gguf --tokens 8" --engine psync --buffered --tag-stats \
	--output-format json -o "$T/rs.json" || fail "replay --synth"
[ "$(json "$T/rs.json" 'j["jobs"][0]["read"]["io_bytes"]')" = "$want" ] || fail "replay --synth read other bytes than the pipe"
[ "$(json "$T/rs.json" 'any(t["name"].endswith("_exps.weight[e%d]" % e) for t in j["jobs"][0]["ssdreplay"]["tags"] for e in range(8))')" = True ] ||
	fail "replay --synth: expert tags not named"
expect_exit 2 "expected a model" "$SR" replay "$T/m.gguf" --synth "--tokens 4"
expect_exit 2 "unknown option '--bogus'" "$SR" replay "$T/m.gguf" --synth "tiny-moe --bogus"
expect_exit 2 "schedule options only" "$SR" replay "$T/m.gguf" --synth "tiny-moe --info"
expect_exit 2 "exactly one of" "$SR" replay "$T/m.gguf" --synth tiny-moe --pattern seq
ok "replay --synth 'MODEL OPTS' reads what the pipe reads; bad specs exit 2"

# --- compute overlap: recorded timing waits for the compute times
"$SR" synth --profile tiny-llama --tokens 4 --compute ns-per-byte=1000 >"$T/t.csv" || fail "compute"
head -1 "$T/t.csv" | grep -q '^time_ns,' || fail "no time column"
last=$(tail -1 "$T/t.csv" | cut -d, -f1)
[ "$last" -gt 100000000 ] || fail "last compute time $last ns is too small"
start=$(date +%s%N)
"$SR" replay --trace "$T/t.csv" --timing recorded --engine psync --buffered -o /dev/null "$T/m.gguf" || fail "replay recorded"
took=$(($(date +%s%N) - start))
[ "$took" -ge $((last * 9 / 10)) ] || fail "replay --timing recorded took $took ns, the schedule spans $last ns"
ok "--compute: replay --timing recorded spans the compute time"

# --- KV traffic after the model
"$SR" synth --profile tiny-llama --tokens 2 --kv ctx=16,write >"$T/kv.csv" || fail "kv"
awk -F, -v size="$size" 'NR > 1 && int($6 / 4) % 2 { n++; if ($1 < size) bad = 1; if ($3 == "w") w++ } END { exit !(n == 2 * 2 * 4 && w == 2 * 2 * 2 && !bad) }' "$T/kv.csv" ||
	fail "KV records: expected 16 after the model, 8 of them writes"
ok "--kv ctx=16,write"

# --- bad input: one line, exit 2, nothing written
for args in "--routing bogus" "--routing zipf:0" "--routing temporal:2" "--routing log:$T/none.csv" \
	"--access page:3000" "--access pages" "--compute gflops=abc" "--compute flops=1" "--kv ctx=0" \
	"--kv ctx=4,read" "--tokens x" "--tokens 0" "--seed -1" "--access page --threads 0" \
	"--access page --threads 2000" "--access page --threads x"; do
	# shellcheck disable=SC2086
	expect_exit 2 "" "$SR" synth --profile tiny-moe $args -o "$T/out.csv"
	[ ! -e "$T/out.csv" ] || fail "$args: output written"
done
expect_exit 2 "expected --gguf MODEL.gguf or --profile" "$SR" synth --tokens 1
expect_exit 2 "" "$SR" synth --gguf "$T/none.gguf" --tokens 1
printf '0,0,1 2\n0,1,3\n' >"$T/route.csv"
expect_exit 2 "route.csv:2: expected 2 experts" "$SR" synth --profile tiny-moe --routing "log:$T/route.csv" -o "$T/out.csv"
[ ! -e "$T/out.csv" ] || fail "bad log: output written"
ok "bad options and routing logs: exit 2, one line, nothing written"

# --- a routing log drives the schedule
python3 - "$T/route.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("token,layer,experts\n")
    for t in range(3):
        for l in range(3):
            f.write(f"{t},{l},{(t + l) % 8} {(t + l + 4) % 8}\n")
PY
"$SR" synth --profile tiny-moe --tokens 3 --routing "log:$T/route.csv" >"$T/l.csv" || fail "log routing"
python3 - "$T/l.csv" "$T/info.json" <<'PY' || fail "log routing: experts read differ from the log"
import csv, json, sys
info = json.load(open(sys.argv[2]))["tensors"]
tok, seen = -1, {}
for r in csv.DictReader(open(sys.argv[1])):
    if int(r["flags"]) & 1:
        tok += 1
    tag = int(r["tag"])
    t, e = (tag & 0xfffff) - 1, (tag >> 20) - 1
    if e >= 0:
        ti = info[t]
        assert int(r["offset"]) == ti["offset"] + e * ti["expert_bytes"]
        seen.setdefault((tok, ti["layer"]), set()).add(e)
for (t, l), es in seen.items():
    assert es == {(t + l) % 8, (t + l + 4) % 8}, (t, l, es)
assert len(seen) == 9
PY
ok "log:FILE routing"

# A GGUF tensor name with ESC and a newline (a terminal escape, a fake report
# line) is printed escaped by --info and analyze, never raw.
python3 - "$T/esc.gguf" <<'PY'
import struct, sys
name = b"blk.0.attn\x1b[2J\nq.weight"
h = b"GGUF" + struct.pack("<IQQ", 3, 1, 0)
h += struct.pack("<Q", len(name)) + name + struct.pack("<IQIQ", 1, 32, 0, 0)
h += b"\0" * ((-len(h)) % 32)
open(sys.argv[1], "wb").write(h + b"\0" * 128)
PY
$SR synth --gguf "$T/esc.gguf" --info >"$T/esc.txt" || fail "synth --info of a GGUF with ESC in a tensor name"
grep -qF 'blk.0.attn\x1b[2J\nq.weight ' "$T/esc.txt" || { cat -A "$T/esc.txt" >&2; fail "tensor name not escaped"; }
if LC_ALL=C grep -q "$(printf '\033')" "$T/esc.txt"; then fail "raw ESC printed by synth --info"; fi
printf 'offset,length\n96,128\n' >"$T/esc.csv"
$SR analyze "$T/esc.csv" --gguf "$T/esc.gguf" >"$T/esc.an" || fail "analyze --gguf of a GGUF with ESC in a tensor name"
grep -qF 'blk.0.attn\x1b[2J\nq.weight' "$T/esc.an" || { cat -A "$T/esc.an" >&2; fail "analyze: tensor name not escaped"; }
if LC_ALL=C grep -q "$(printf '\033')" "$T/esc.an"; then fail "raw ESC printed by analyze"; fi
ok "control characters in GGUF tensor names printed escaped"

# --- the defaults --help prints are the values used: giving them changes nothing
"$SR" synth --help >"$T/help.txt" || fail "synth --help"
def() { sed -n "s/^ *--$1 [^ ]* .*\[default: \([^] ]*\)\]\$/\1/p" "$T/help.txt"; }
args=()
for o in tokens prefill access seed; do
	v=$(def $o); [ -n "$v" ] || fail "--$o: no default in --help"; args+=(--$o "$v")
done
"$SR" synth --profile tiny-moe >"$T/d0.csv" || fail "synth with the defaults"
"$SR" synth --profile tiny-moe "${args[@]}" >"$T/d1.csv" || fail "synth ${args[*]}"
cmp -s "$T/d0.csv" "$T/d1.csv" || fail "--help's defaults (${args[*]}) are not the ones used"
targs=(--kv-cache-tier --tier-capacity 64M --tier-report)
for o in kv-type kv-chunk sessions turns shared-prefix turn-tokens; do
	v=$(def $o); [ -n "$v" ] || fail "--$o: no default in --help"; targs+=(--$o "$v")
done
"$SR" synth --profile tiny-moe --kv-cache-tier --tier-capacity 64M --tier-report >"$T/t0.txt" || fail "tier report"
"$SR" synth --profile tiny-moe "${targs[@]}" >"$T/t1.txt" || fail "synth ${targs[*]}"
cmp -s "$T/t0.txt" "$T/t1.txt" || fail "--help's KV tier defaults (${targs[*]}) are not the ones used"
ok "--help's defaults are the values used"
