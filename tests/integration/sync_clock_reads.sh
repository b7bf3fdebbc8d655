#!/bin/bash
# A synchronous engine (null, psync) completes a request inside queue(): one
# clock read must both end it and start the next. Two reads per request were
# half the null engine's time (issue #19: null engine requests per core
# against fio's). Counted by a clock_gettime() shim preloaded into the
# replay: at most 1.5 calls per request (the old loop made 2).
. "$SR_TESTLIB"

cc=$(command -v cc || command -v gcc || command -v clang) || skip "no C compiler for the preload shim"
cat >"$T/shim.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static unsigned long long calls;
static int (*real)(clockid_t, struct timespec *);

int clock_gettime(clockid_t id, struct timespec *ts)
{
	if (!real)
		real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
	__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
	return real(id, ts);
}

__attribute__((destructor)) static void report(void)
{
	const char *p = getenv("SHIM_OUT");
	FILE *f = p ? fopen(p, "w") : NULL;

	if (f) {
		fprintf(f, "%llu\n", calls);
		fclose(f);
	}
}
EOF
"$cc" -shared -fPIC -O2 -o "$T/shim.so" "$T/shim.c" -ldl 2>"$T/cc.err" || skip "cannot build the shim: $(head -1 "$T/cc.err")"
f=$T/target
truncate -s 256M "$f" # the null engine reads nothing
# the sanitizer build's runtime must otherwise come first in the library list
SHIM_OUT=$T/calls LD_PRELOAD=$T/shim.so ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	$SR replay "$f" --pattern rand --bs 4k --qd 1 --engine null --loops 1 \
	--output-format json --output "$T/r.json" 2>"$T/err" || { cat "$T/err"; fail "replay with the shim"; }
ios=$(json "$T/r.json" 'j["jobs"][0]["read"]["total_ios"]')
[ "$ios" = 65536 ] || fail "$ios requests, expected 65536"
[ -s "$T/calls" ] || skip "the shim saw no exit (static or unusual libc?)"
n=$(cat "$T/calls")
[ "$n" -gt 0 ] || skip "clock_gettime is not called through the dynamic symbol here"
[ $((n * 2)) -le $((ios * 3)) ] || fail "$n clock reads for $ios null-engine requests (more than 1.5 each)"
ok "$n clock reads for $ios null-engine requests"
