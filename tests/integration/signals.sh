#!/bin/bash
# SIGINT/SIGTERM: stop issuing, drain, print the partial report marked
# partial, exit 130 — promptly, never hang.
. "$SR_TESTLIB"

f=$T/target
$SR prep "$f" --size 16M --quiet || fail "prep"
for sig in INT TERM; do
	for eng in io_uring libaio "psync --threads 2"; do
		# shellcheck disable=SC2086
		$SR replay "$f" --pattern rand --bs 4k --qd 8 --engine $eng --loops 0 --runtime 60 \
			--output-format json --output "$T/p.json" 2>"$T/err" &
		pid=$!
		sleep 1
		kill -"$sig" $pid
		stop_within 10 $pid || fail "$eng did not stop within 10 s of SIG$sig"
		[ $rc = 130 ] || fail "$eng SIG$sig: exit $rc, expected 130"
		[ "$(json "$T/p.json" 'j["jobs"][0]["ssdreplay"]["partial"]')" = True ] || fail "report not marked partial"
		[ "$(json "$T/p.json" 'j["jobs"][0]["read"]["io_bytes"] > 0')" = True ] || fail "partial report empty"
		ok "$eng SIG$sig"
	done
done

# nohup: an inherited SIG_IGN for SIGHUP stays ignored, so a SIGHUP does not
# stop the run: it runs its 2 s and exits 0 with a complete report. (SIGINT is
# ignored by the shell in every background job and is still handled: above.)
( trap '' HUP; exec $SR replay "$f" --pattern rand --bs 4k --qd 8 --engine psync --loops 0 --runtime 2 \
	--output-format json --output "$T/h.json" ) 2>"$T/err" &
pid=$!
sleep 0.5
kill -HUP $pid
wait $pid
rc=$?
[ $rc = 0 ] || { cat "$T/err" >&2; fail "SIGHUP under nohup: exit $rc, expected 0 (SIG_IGN kept)"; }
[ "$(json "$T/h.json" 'j["jobs"][0]["ssdreplay"]["partial"]')" = False ] || fail "nohup run marked partial"
ok "inherited SIG_IGN for SIGHUP kept (nohup)"
