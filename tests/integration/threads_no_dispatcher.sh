#!/bin/bash
# --threads N on one target: the workers take requests from the feed
# themselves. A dispatcher thread in between was woken (futex) every few
# requests, a third busy thread on a 2-core machine (issue #19: 0.75x fio
# --numjobs=2). Counted with strace: the main thread's futex calls must not
# grow with the number of requests (65536 here; the dispatcher made ~430).
. "$SR_TESTLIB"

command -v strace >/dev/null || skip "no strace"
# LeakSanitizer cannot run under ptrace (sanitizer build): leaks are checked elsewhere
f=$T/target
truncate -s 256M "$f" # the null engine reads nothing
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -ff -qq -e trace=futex,execve -o "$T/st" \
	$SR replay "$f" --pattern seq --bs 4k --qd 8 --engine null --threads 2 --loops 1 \
	--output-format json --output "$T/r.json" 2>"$T/err" || { cat "$T/err"; fail "replay under strace"; }
ios=$(json "$T/r.json" 'j["jobs"][0]["read"]["total_ios"]')
[ "$ios" = 65536 ] || fail "$ios requests, expected 65536"
main=$(grep -l execve "$T"/st.* | head -1)
[ -n "$main" ] || skip "strace -ff wrote no per-thread files"
n=$(grep -c futex "$main")
threads=$(ls "$T"/st.* | wc -l)
[ "$threads" = 3 ] || fail "$threads threads traced, expected 3 (main + 2 workers)"
# the main thread only starts, waits for (100 ms ticks) and joins the workers
[ "$n" -lt 100 ] || fail "main thread made $n futex calls for $ios requests: a dispatcher is feeding the workers"
ok "main thread: $n futex calls for $ios requests over 2 workers"
