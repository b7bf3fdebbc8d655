#!/bin/bash
# Model profiles through the CLI: a shipped profile loads by name and by path,
# a bad profile is one line naming FILE:LINE with exit 2 and nothing written.
source "$SR_TESTLIB"

help=$("$SR" synth --help 2>&1) || true
opt=
for o in --model --profile; do
	if grep -q -- "$o" <<<"$help"; then opt=$o; break; fi
done
[ -n "$opt" ] || skip "synth has no --model/--profile option yet"

"$SR" synth "$opt" tiny-llama --tokens 1 >"$T/by-name" 2>"$T/err" || { cat "$T/err" >&2; fail "tiny-llama by name"; }
"$SR" synth "$opt" "$SR_SRC/profiles/models/tiny-llama.ini" --tokens 1 >"$T/by-path" 2>"$T/err" ||
	{ cat "$T/err" >&2; fail "tiny-llama by path"; }
cmp -s "$T/by-name" "$T/by-path" || fail "the same profile by name and by path gives different output"
ok "tiny-llama by name and by path"

expect_exit 2 "unknown model profile 'no-such-model'" "$SR" synth "$opt" no-such-model --tokens 1
ok "unknown profile name"

sed 's/^n_embd = 64$/n_embd = 64\nn_expert = 8\nn_expert_used = 9/' \
	"$SR_SRC/profiles/models/tiny-llama.ini" >"$T/bad.ini"
expect_exit 2 "bad.ini:[0-9]+: n_expert_used = 9: expected at most n_expert = 8" \
	"$SR" synth "$opt" "$T/bad.ini" --tokens 1
[ ! -s "$T/out" ] || fail "a bad profile still produced output"
ok "bad profile: one line with FILE:LINE, exit 2"
