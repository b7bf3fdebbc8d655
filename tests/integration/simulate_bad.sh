#!/bin/bash
# simulate: bad policy names and arguments, bad budgets and missing inputs
# are one-line errors with exit 2, before any I/O, nothing written.
. "$SR_TESTLIB"

head -c 1M /dev/urandom >"$T/target"
printf 'offset,length,op\n0,65536,r\n65536,65536,r\n' >"$T/t.csv"
run() { $SR simulate --trace "$T/t.csv" "$T/target" --output "$T/report" "$@"; }

for p in nosuch lru:1 lookahead:0 lookahead:x router-guess router-guess:2 pinned: oracle:3 \
	pagecache:abc expert-temporal:0 LRU ''; do
	expect_exit 2 "simulate: .*(policy|lookahead|router-guess|pinned|pagecache|expert-temporal)" run --policy "$p"
	[ ! -e "$T/report" ] || fail "--policy '$p': a report was written"
done
expect_exit 2 "unknown policy 'bogus'" run --compare lru,bogus,oracle
# policies that need tensor names refuse a bare trace
for p in expert-temporal expert-freq router-guess:0.5 'pinned:*norm*'; do
	expect_exit 2 "needs the model's tensors" run --policy "$p"
done
expect_exit 2 "--mem: expected sizes" run --mem 50%%
expect_exit 2 "--mem: expected sizes" run --mem 1G,,x
expect_exit 2 "--page: expected a power of two" run --page 3k
expect_exit 2 "--page: expected a power of two" run --page 4M
expect_exit 2 "--advise: expected" run --advise always
expect_exit 2 "--compute-ms-per-token: expected" run --compute-ms-per-token -3
expect_exit 2 "--access: expected tensor, page or page:SIZE" $SR simulate --profile tiny-llama --engine null --access pages
expect_exit 2 "--access: expected tensor, page or page:SIZE" $SR simulate --profile tiny-llama --engine null --access page:3k
expect_exit 2 "--threads goes with --access page" $SR simulate --profile tiny-llama --engine null --threads 2
expect_exit 2 "--threads goes with --access page" $SR simulate --profile tiny-llama --engine null --access tensor --threads 2
expect_exit 2 "--access shapes a synthesized schedule, not a --trace" run --access page
expect_exit 2 "--threads: expected" $SR simulate --profile tiny-llama --engine null --access page --threads 0
expect_exit 2 "expected --profile NAME or --gguf FILE" $SR simulate "$T/target"
expect_exit 2 "expected one TARGET" $SR simulate --trace "$T/t.csv"
: >"$T/afile"
expect_exit 2 "--plot: $T/afile: exists and is not a directory" run --plot "$T/afile"
expect_exit 2 "--plot: /proc/nodir: " run --plot /proc/nodir/x
# a record beyond the target
printf 'offset,length,op\n2097152,4096,r\n' >"$T/far.csv"
expect_exit 2 "beyond" $SR simulate --trace "$T/far.csv" "$T/target" --output "$T/report"
[ ! -e "$T/report" ] || fail "a report was written for a bad trace"
ok "bad input: exit 2, one line, nothing written"

# --help lists every policy
$SR simulate --help >"$T/help" || fail "--help"
for p in none lru fifo clock pinned lookahead expert-temporal expert-freq router-guess oracle pagecache; do
	grep -q "^  $p" "$T/help" || fail "--help does not list $p"
done
ok "--help lists the policies"
