#!/bin/bash
# --timing recorded honours trace timestamps; scale:X stretches them; afap
# ignores them. Only lower bounds on elapsed time (a loaded machine is slow,
# never early) plus the ordering afap < scaled < recorded.
. "$SR_TESTLIB"

f=$T/target
$SR prep "$f" --size 8M --quiet || fail "prep"
{
	echo "time_ns,offset,length"
	for i in $(seq 0 10); do echo "$((i * 100000000)),$((i * 4096)),4096"; done
} >"$T/t.csv"
rt() { json "$T/r.json" 'j["jobs"][0]["job_runtime"]'; }
$SR replay "$f" --trace "$T/t.csv" --timing recorded --output-format json --output "$T/r.json" || fail "recorded"
rec=$(rt)
[ "$rec" -ge 990 ] || fail "recorded timing took $rec ms, trace spans 1000 ms"
lag=$(json "$T/r.json" 'j["jobs"][0]["ssdreplay"]["lag_ns"]["N"]')
[ "$lag" = 11 ] || fail "lag recorded for $lag requests, expected 11"
$SR replay "$f" --trace "$T/t.csv" --timing scale:0.3 --output-format json --output "$T/r.json" || fail "scale"
sc=$(rt)
[ "$sc" -ge 290 ] || fail "scale:0.3 took $sc ms, expected >= 300"
$SR replay "$f" --trace "$T/t.csv" --output-format json --output "$T/r.json" || fail "afap"
af=$(rt)
[ "$af" -lt "$sc" ] && [ "$sc" -lt "$rec" ] || fail "expected afap ($af) < scale:0.3 ($sc) < recorded ($rec) ms"
ok "recorded ${rec} ms, scale:0.3 ${sc} ms, afap ${af} ms"

# --runtime bounds every engine, including the synchronous ones (null, psync)
# whose slots come back at once: they must still look at the clock.
for eng in null psync io_uring; do
	timeout 30 $SR replay "$f" --pattern rand --bs 4k --qd 4 --engine $eng --loops 0 --runtime 1 \
		--output-format json --output "$T/r.json" || fail "$eng --runtime 1 did not finish in 30 s"
	r=$(rt)
	[ "$r" -ge 990 ] && [ "$r" -le 10000 ] || fail "$eng --runtime 1 ran $r ms"
	[ "$(json "$T/r.json" 'j["jobs"][0]["ssdreplay"]["partial"]')" = False ] || fail "$eng: runtime end marked partial"
	ok "$eng --runtime 1: ${r} ms"
done
