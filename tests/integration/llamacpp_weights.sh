#!/bin/bash
# Whether a real llama.cpp reads a model's matrices through its mapping, the
# premise of every prediction held against it. node-llama-cpp's prebuilt CPU
# llama.cpp (scripts/llamacpp_run.mjs) loads a dense llama written in BF16
# and in F16, and reports the anonymous memory its load took
# (weights_anon_kb): weights it copied into a CPU extra buffer, which decode
# never reads from the file again. On a CPU with AMX, llama.cpp's AMX buffer
# takes F16 matrices (and Q4_0/Q4_1/Q8_0/Q4_K/Q5_K/Q6_K/IQ4_XS ones); BF16 it
# leaves in the mapping. Checks:
# - BF16 (llamacpp_validate.sh's default) is read through the mapping: under
#   an eighth of the file copied;
# - where F16 is copied (more than an eighth), llamacpp_validate.sh with
#   WTYPE=F16 refuses it: exit 2 and one line naming the model, before any
#   limited run (needs root: the validation's cgroup; else that part is
#   left out and said so).
# A WTYPE it does not know is refused at once (exit 2, one line). SKIP (77)
# without node/node-llama-cpp 3.22.1, or where this CPU's llama.cpp copies
# BF16 too (then the validation cannot run here either).
source "$SR_TESTLIB"

RUN=$SR_SRC/scripts/llamacpp_run.mjs
WTYPE=Q8_0 expect_exit 2 "^llamacpp_validate: WTYPE: expected BF16, F16 or F32, found 'Q8_0'$" \
	bash "$SR_SRC/scripts/llamacpp_validate.sh" "$T/bad"
[ "$(wc -l <"$T/err")" = 1 ] && [ ! -e "$T/bad" ] || fail "WTYPE=Q8_0: one line and nothing written expected"
ok "a weight type the validation cannot use is refused"
FLUSH=sometimes expect_exit 2 "^llamacpp_validate: FLUSH: expected none or mark, found 'sometimes'$" \
	bash "$SR_SRC/scripts/llamacpp_validate.sh" "$T/bad"
[ "$(wc -l <"$T/err")" = 1 ] && [ ! -e "$T/bad" ] || fail "FLUSH=sometimes: one line and nothing written expected"
ok "a FLUSH the validation does not know is refused"
need_nlc 3.22.1

# MODEL -> the kB its load took in anonymous memory (the runner's weights_anon_kb)
copied_kb() {
	timeout 300 node "$RUN" "$1" --tokens 2 --threads 2 >"$T/run.json" 2>"$T/run.err"
	local rc=$?
	[ $rc = 3 ] && skip "node-llama-cpp cannot be imported: $(head -1 "$T/run.err")"
	[ $rc = 0 ] || { cat "$T/run.err" >&2; fail "llama.cpp did not run $1 (exit $rc)"; }
	python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); print(d["weights_anon_kb"])' "$T/run.json" ||
		fail "no weights_anon_kb in the runner's JSON: $(cut -c1-200 "$T/run.json")"
}

WTYPE=BF16 f16_model tiny-llama 4 1024 2816 "$T/bf16.gguf" >/dev/null
WTYPE=F16 f16_model tiny-llama 4 1024 2816 "$T/f16.gguf" >/dev/null
size_kb=$(($(stat -c %s "$T/f16.gguf") / 1024))

bf=$(copied_kb "$T/bf16.gguf")
echo "BF16: $bf of $size_kb kB copied at load"
[ "$bf" -le $((size_kb / 8)) ] ||
	skip "llama.cpp on this CPU copies BF16 matrices into anonymous memory ($bf of $size_kb kB): no weight type here is read through the mapping for the validation"
ok "BF16 matrices stay in the mapping"

f16=$(copied_kb "$T/f16.gguf")
echo "F16: $f16 of $size_kb kB copied at load ($(grep -qw amx_tile /proc/cpuinfo && echo "CPU with AMX" || echo "no AMX"))"
if [ "$f16" -le $((size_kb / 8)) ]; then
	ok "F16 matrices stay in the mapping on this CPU: the validation's refusal is not exercised here"
	exit 0
fi
[ "$(id -u)" = 0 ] || { ok "F16 copied here; the validation's refusal needs root (left out)"; exit 0; }
SSDREPLAY=$SR WTYPE=F16 SHAPES=dense:4:1024:2816 LEVELS=35 RUNS=1 TOKENS=3 timeout 600 \
	bash "$SR_SRC/scripts/llamacpp_validate.sh" "$T/v" >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 77 ] && skip "$(tail -1 "$T/err")"
[ $rc = 2 ] || { cat "$T/out" "$T/err" >&2; fail "llamacpp_validate.sh WTYPE=F16 exited $rc, expected 2 (F16 copied)"; }
[ "$(wc -l <"$T/err")" = 1 ] && grep -q "dense-4l-1024e.gguf: llama.cpp copied .* into anonymous memory" "$T/err" ||
	{ cat "$T/err" >&2; fail "expected one line naming the model"; }
! ls "$T/v"/*.35.1.json >/dev/null 2>&1 || fail "a limited run ran before the refusal"
ok "llamacpp_validate.sh refuses F16 where llama.cpp copies it: $(cat "$T/err")"
