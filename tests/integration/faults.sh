#!/bin/bash
# --engine faulty:INNER: injected EIO, short transfers, delays and fail-at
# over every engine, one and several targets; every request accounted
# exactly once, bytes add up, the report and the exit status say what failed.
. "$SR_TESTLIB"

f=$T/target
$SR prep "$f" --size 8M --quiet || fail "prep"
$SR prep "$T/b" --size 8M --quiet || fail "prep b"

# acct FILE [EXPR...]: the accounting invariants over a JSON report, then
# each EXPR (Python over e = errors, fl = faults, j = jobs[0]) must hold.
acct() {
	python3 - "$@" <<'EOF' || fail "accounting: $*"
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
s = j["ssdreplay"]; e = s["errors"]; fl = s.get("faults", {})
def need(c, what):
    if not c:
        print("accounting broken: %s\nerrors=%s\nfaults=%s" % (what, e, fl)); sys.exit(1)
rd, wr = j["read"], j["write"]
need(e["issued"] == e["completed"] + e["failed"], "issued = completed + failed")
need(e["issued_bytes"] == e["completed_bytes"] + e["failed_bytes"], "bytes add up")
need(e["completed"] == rd["total_ios"] + wr["total_ios"], "completed = read + write ios")
need(e["completed_bytes"] == rd["io_bytes"] + wr["io_bytes"], "completed bytes = read + write bytes")
need(e["failed"] == rd["errors"] + wr["errors"], "failed = read + write errors")
need(e["short"] == rd["short_ios"] + wr["short_ios"], "short = read + write short_ios")
need(e["retried_ok"] <= e["retried"], "retried_ok <= retried")
need((e["first_error"] is not None) == (e["failed"] > 0), "first_error iff failed")
need(j["error"] == (e["first_error"]["errno"] if e["failed"] else j["error"]), "jobs[0].error is the first errno")
if "targets" in s and len(s["targets"]) > 1:
    need(sum(t["read"]["errors"] + t["write"]["errors"] for t in s["targets"]) == e["failed"], "per-target errors add up")
    need(sum(t["ios"] for t in s["targets"]) == e["completed"], "per-target ios add up")
for x in sys.argv[2:]:
    need(eval(x), x)
EOF
}

run() { # run RC ARGS...: replay with a JSON report in $T/r.json, expect exit RC
	local want=$1
	shift
	rm -f "$T/r.json"
	$SR replay "$@" --output-format json --output "$T/r.json" 2>"$T/err"
	rc=$?
	[ $rc = "$want" ] || { cat "$T/err" >&2; fail "'$*' exited $rc, expected $want"; }
}

# 1. Every engine: EIO, short and delay at once, --on-error continue.
for eng in null psync "psync --threads 3" io_uring libaio; do
	# shellcheck disable=SC2086
	run 1 "$f" --pattern rand --bs 4k --qd 8 --engine faulty:$eng \
		--fault eio:0.02,short:0.1,delay:1:0.01 --on-error continue
	acct "$T/r.json" 'e["issued"] == 2048' 'e["failed"] > 0' 'e["failed"] == e["eio"] == fl["injected_eio"]' \
		'e["short"] == e["resubmitted"] == fl["injected_short"] > 0' 'fl["injected_delay"] > 0' \
		'e["first_error"]["errno"] == 5 and j["error"] == 5' 'not s["partial"]' \
		'fl["completions"] == e["issued"] + e["resubmitted"]'
	grep -q "requests failed.*first: read of 4096 bytes at offset [0-9]* on .*Input/output error" "$T/err" ||
		fail "$eng: stderr does not say what failed: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "$eng: expected one line on stderr"
	ok "faulty:$eng eio+short+delay, continue"
done

# 2. Short transfers only: the rest is resubmitted, nothing fails, exit 0;
# with --verify the data lands where it belongs (buffer arithmetic).
run 0 "$f" --pattern seq --bs 64k --qd 4 --engine faulty:io_uring --fault short:0.5 --verify
acct "$T/r.json" 'e["failed"] == 0' 'e["short"] > 20' 'e["completed_bytes"] == 8 << 20' \
	's["verify_errors"] == 0 and s["verified_bytes"] == 8 << 20' 'j["error"] == 0'
# writes cut short and resubmitted write the right bytes: a verified read after
printf 'offset,length,op\n' >"$T/w.csv"
for i in $(seq 0 63); do echo "$((i * 131072)),65536,W"; done >>"$T/w.csv"
run 0 "$f" --trace "$T/w.csv" --allow-write --engine faulty:libaio --fault short:0.7
acct "$T/r.json" 'e["failed"] == 0' 'e["short"] > 10' 'j["write"]["io_bytes"] == 64 * 65536'
run 0 "$f" --pattern seq --bs 128k --verify --engine libaio
acct "$T/r.json" 's["verify_errors"] == 0'
ok "short transfers resubmitted, reads and writes verified"

# 3. fail-at:N with the default (stop): exit 1, one line, partial report.
run 1 "$f" --pattern rand --bs 4k --qd 8 --engine faulty:io_uring --fault fail-at:100
acct "$T/r.json" 'e["failed"] == 1 and e["eio"] == 1' 's["partial"]' 'e["issued"] < 2048' \
	'e["on_error"] == "stop"'
grep -Eq "^ssdreplay: .*target: read at offset [0-9]+ length 4096 failed: Input/output error$" "$T/err" ||
	fail "fail-at: stderr: $(cat "$T/err")"
[ "$(wc -l <"$T/err")" = 1 ] || fail "fail-at: expected one line on stderr"
# the text report says it too
$SR replay "$f" --pattern rand --bs 4k --engine faulty:psync --fault fail-at:7 >"$T/r.txt" 2>/dev/null
[ $? = 1 ] || fail "fail-at text: exit status"
grep -q "requests: [0-9]* issued .* = [0-9]* completed .* + 1 failed" "$T/r.txt" || fail "text: no request line"
grep -q "first failure: read of 4096 bytes at offset [0-9]* on .*: Input/output error (errno 5)" "$T/r.txt" ||
	fail "text: no first failure"
grep -q "PARTIAL" "$T/r.txt" || fail "text: not marked partial"
ok "fail-at: stop at the first failure"

# 4. Retries: fail-at with retry:1 recovers (exit 0); eio:1 never does.
run 0 "$f" --pattern rand --bs 4k --qd 8 --engine faulty:io_uring --fault fail-at:100,fail-at:200 --on-error retry:1
acct "$T/r.json" 'e["failed"] == 0' 'e["retried"] == 2 and e["retried_ok"] == 2 and e["eio"] == 2' \
	'e["completed"] == 2048' 'j["error"] == 0'
run 0 "$f" --pattern rand --bs 4k --qd 8 --engine faulty:libaio --fault eio:0.05 --on-error retry:20
acct "$T/r.json" 'e["failed"] == 0' 'e["retried"] == e["eio"] > 0' 'e["retried_ok"] <= e["retried"]'
run 1 "$f" --pattern seq --bs 64k --size 1M --engine faulty:psync --fault eio:1 --on-error retry:2,continue
acct "$T/r.json" 'e["failed"] == e["issued"] == 16' 'e["eio"] == 48' 'e["retried"] == 32' 'e["retried_ok"] == 0' \
	'e["completed"] == 0'
grep -q "16 of 16 requests failed" "$T/err" || fail "retry exhausted: $(cat "$T/err")"
ok "retries: recovered, exhausted"

# 5. Several targets and threads: exact accounting over the merge; fail-at
# counts completions over the whole run, so exactly one fails.
run 1 --target "$f" --target "$T/b" --layout stripe:64k --threads 2 --pattern rand --bs 4k --qd 8 \
	--engine faulty:io_uring --fault eio:0.02,short:0.1 --on-error continue
acct "$T/r.json" 'e["issued"] == 4096' 'e["failed"] == e["eio"] > 0' 'e["short"] > 0'
run 0 --target "$f" --target "$T/b" --layout by-target --threads 2 --trace <(
	echo offset,length,target
	for i in $(seq 0 255); do echo "$((i * 8192)),4096,$((i % 2))"; done) --format csv \
	--engine faulty:libaio --fault fail-at:50 --on-error retry:1
acct "$T/r.json" 'e["issued"] == 256' 'e["failed"] == 0 and e["retried"] == 1 and e["retried_ok"] == 1'
run 1 --target "$f" --target "$T/b" --layout stripe:64k --threads 2 --pattern rand --bs 4k --qd 8 \
	--engine faulty:io_uring --fault fail-at:300
acct "$T/r.json" 'e["failed"] == 1' 's["partial"]' \
	'e["first_error"]["target"] in (s["targets"][0]["name"], s["targets"][1]["name"])'
ok "several targets and threads"

# 6. The same seed injects the same faults (one thread); another seed others.
sig() { json "$T/r.json" '(j["jobs"][0]["ssdreplay"]["errors"]["first_error"]["offset"], j["jobs"][0]["ssdreplay"]["errors"]["eio"], j["jobs"][0]["ssdreplay"]["errors"]["short"])'; }
run 1 "$f" --pattern rand --bs 4k --engine faulty:psync --fault eio:0.01,short:0.05 --on-error continue --seed 7
a=$(sig)
run 1 "$f" --pattern rand --bs 4k --engine faulty:psync --fault eio:0.01,short:0.05 --on-error continue --seed 7
[ "$(sig)" = "$a" ] || fail "seed 7 twice: $a vs $(sig)"
run 1 "$f" --pattern rand --bs 4k --engine faulty:psync --fault eio:0.01,short:0.05 --on-error continue --seed 8
[ "$(sig)" != "$a" ] || fail "seeds 7 and 8 injected the same faults"
ok "seeded: repeatable"

# 7. Delays hold completions back: 40 requests, every one 50 ms late, 4 in
# flight: at least 0.5 s (a lower bound only: the machine may be slow).
run 0 "$f" --pattern seq --bs 4k --size 160k --qd 4 --threads 4 --engine faulty:psync --fault delay:50:1
acct "$T/r.json" 'fl["injected_delay"] == 40' 'e["completed"] == 40' 'j["job_runtime"] >= 450' \
	'j["read"]["clat_ns"]["min"] >= 50e6'
run 0 "$f" --pattern seq --bs 4k --size 160k --qd 4 --engine faulty:io_uring --fault delay:50:1
acct "$T/r.json" 'j["read"]["clat_ns"]["min"] >= 50e6' 'j["job_runtime"] >= 450'
ok "delays"

# 8. A signal during a faulty run: drained, accounted, partial, exit 130.
$SR replay "$f" --pattern rand --bs 4k --qd 8 --loops 0 --runtime 60 --engine faulty:io_uring \
	--fault eio:0.01,short:0.1,delay:20:0.05 --on-error retry:3 \
	--output-format json --output "$T/r.json" 2>"$T/err" &
pid=$!
sleep 1.5
kill -INT $pid
stop_within 10 $pid || fail "faulty run did not stop within 10 s of SIGINT"
[ $rc = 130 ] || fail "SIGINT: exit $rc, expected 130"
acct "$T/r.json" 's["partial"]' 'e["completed"] > 0'
ok "SIGINT mid-run: every request accounted"

# 9. Bad fault options.
expect_exit 2 "--fault needs --engine faulty" $SR replay "$f" --pattern seq --fault eio:0.1
expect_exit 2 "--engine: expected faulty:NAME" $SR replay "$f" --pattern seq --engine faulty:spdk
expect_exit 2 "--fault: expected eio:RATE" $SR replay "$f" --pattern seq --engine faulty:null --fault eio:1.5
expect_exit 2 "--on-error: expected" $SR replay "$f" --pattern seq --on-error retry:0
ok "bad fault options refused"
