#!/bin/bash
# simulate --load populate: llama.cpp's loader maps the model with
# MAP_POPULATE, so the kernel has read the whole file, in file order, through
# the memory limit before the prompt. With room for all of it the first
# decode token then reads nothing, where a cold start reads the model. The
# load's own reads count nowhere: at 90% of the model both starts re-read
# most of the model a token, and the populated run's total is its tokens'.
# A bad --load value, and --load without a model, are refused.
source "$SR_TESTLIB"
f16_model tiny-llama 4 512 1024 "$T/dense.gguf"
for mem in 120 90; do
	for load in none populate; do
		"$SR" simulate --gguf "$T/dense.gguf" --policy pagecache --mem $mem% --tokens 4 --compute-ms-per-token 5 \
			--advise sequential --load $load --output-format json -o "$T/$load.$mem.json" ||
			fail "simulate --mem $mem% --load $load"
	done
done
python3 - "$T" "$(stat -c %s "$T/dense.gguf")" <<'PY' || fail "the first token after the load"
import json, sys
row = lambda n: json.load(open("%s/%s.json" % (sys.argv[1], n)))["rows"][0]
size = int(sys.argv[2])
c0, p0 = row("none.120")["per_token_read_bytes"][0], row("populate.120")["per_token_read_bytes"][0]
print("  room 120%%, first token: %.1f MiB cold, %.1f MiB after the load; model %.1f MiB" % (c0 / 2**20, p0 / 2**20, size / 2**20))
assert c0 > 0.7 * size, (c0, size)          # cold: the model's weights, all of them
assert p0 == 0, p0                          # populated: all of it stayed
c, p = row("none.90")["read_bytes"], row("populate.90")["read_bytes"]
print("  room 90%%, 4 tokens: %.1f MiB cold, %.1f MiB after the load" % (c / 2**20, p / 2**20))
# (the populated run's load leaves part of the model active, and with the
# statistics as of the last flush reclaim keeps it: 13.9 MiB a token here,
# where --real-mmap's kernel read 14.5-50.9 MiB, the model or more, as
# README's rooms under four readahead windows say)
assert c > 3 * size and p > 2 * size, (c, p, size)
# the load is in no figure: the populated run's bytes are its tokens' (the
# totals are not compared with the cold run's: that read 82.6 MB once and
# 92.5 MB another time, the same inputs, as its reads landed)
t = row("populate.90")["per_token_read_bytes"]
assert len(t) == 4 and sum(t) == p, (t, p)
PY
ok "--load populate: with room for the model the first token reads nothing, and the load counts in no figure"
expect_exit 2 "load.*expected.*none.*populate" "$SR" simulate --gguf "$T/dense.gguf" --policy pagecache --load cold
printf 'offset,length\n0,4096\n' >"$T/t.csv"
expect_exit 2 "load populate loads the model.s file" "$SR" simulate --trace "$T/t.csv" "$T/dense.gguf" --policy pagecache \
	--load populate
ok "--load cold, and --load populate without a model: refused with exit 2"
