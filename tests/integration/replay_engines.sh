#!/bin/bash
# prep + replay + verify on a regular file with every engine, seq and rand.
. "$SR_TESTLIB"

f=$T/target
$SR prep "$f" --size 32M --quiet || fail "prep"
for eng in io_uring libaio psync "psync --threads 4" null "io_uring --no-register" "io_uring --sqpoll"; do
	for pat in seq rand; do
		v=--verify
		[ "$eng" = null ] && v=
		# shellcheck disable=SC2086
		$SR replay "$f" --pattern $pat --bs 64k --qd 8 --engine $eng $v \
			--output-format json --output "$T/r.json" 2>"$T/err" || { cat "$T/err"; fail "$eng $pat"; }
		bytes=$(json "$T/r.json" 'j["jobs"][0]["read"]["io_bytes"]')
		ios=$(json "$T/r.json" 'j["jobs"][0]["read"]["total_ios"]')
		[ "$bytes" = $((32 << 20)) ] || fail "$eng $pat: read $bytes bytes, expected $((32 << 20))"
		[ "$ios" = 512 ] || fail "$eng $pat: $ios requests, expected 512"
		if [ "$eng" != null ]; then
			v=$(json "$T/r.json" 'j["jobs"][0]["ssdreplay"]["verified_bytes"]')
			[ "$v" = $((32 << 20)) ] || fail "$eng $pat: verified $v bytes"
		fi
	done
	ok "$eng"
done

# A misplaced block must be caught and named: copy sector 10 over sector 20.
dd if="$f" of="$f" bs=512 skip=10 seek=20 count=1 conv=notrunc status=none
expect_exit 1 "verify failed.*offset 10240" $SR replay "$f" --pattern seq --bs 64k --verify
ok "misplaced sector detected at the right offset"

expect_exit 2 "verify needs an engine that reads" $SR replay "$f" --pattern seq --engine null --verify
# --verify on a file prep never wrote is bad input
head -c 1M /dev/zero >"$T/plain"
expect_exit 2 "no ssdreplay prep header" $SR replay "$T/plain" --pattern seq --verify
# prep refuses to overwrite foreign data unless forced
expect_exit 2 "not written by ssdreplay prep" $SR prep "$T/plain" --size 1M
$SR prep "$T/plain" --size 1M --force --quiet || fail "prep --force"
ok "prep guards"
