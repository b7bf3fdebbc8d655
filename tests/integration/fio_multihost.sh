#!/bin/bash
# A converted fio job run through fio's client/server mode, the way it runs
# across hosts, on loopback: `fio --server` on 127.0.0.1 at a free port, a
# bounded `fio --client` run of job.fio, the JSON checked, the server
# stopped by the test (trap).
. "$SR_TESTLIB"
command -v fio >/dev/null || skip "fio not installed"
command -v timeout >/dev/null || skip "timeout not installed"

srv=
stop_server() {
	# the server forks a child per client connection: stop its whole
	# process group (setsid made it its own), then wait for it to go
	if [ -n "$srv" ]; then
		kill -- -"$srv" 2>/dev/null
		wait "$srv" 2>/dev/null
		for i in $(seq 50); do
			kill -0 -- -"$srv" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL -- -"$srv" 2>/dev/null
	fi
	cleanup
}
trap stop_server EXIT

$SR prep "$T/a" --size 16M --quiet || fail "prep"
awk 'BEGIN { srand(9); print "offset,length,op"; for (i = 0; i < 200; i++)
	printf "%d,%d,r\n", int(rand() * 3000) * 4096, 4096 * int(1 + rand() * 16) }' >"$T/in.csv"
$SR convert "$T/in.csv" -o "$T/job" --to fio-job --target "$T/a" --qd 1 || fail "convert"
want=$(awk -F, 'NR > 1 { n++; s += $2 } END { print n, s }' "$T/in.csv")

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
	skip "no free port"
command -v setsid >/dev/null || skip "setsid not installed"
setsid fio --server=ip:127.0.0.1,"$port" >"$T/server.log" 2>&1 &
srv=$!
for i in $(seq 50); do
	python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$port" 2>/dev/null && break
	kill -0 "$srv" 2>/dev/null || { cat "$T/server.log"; skip "fio --server did not start"; }
	sleep 0.1
done
timeout 60 fio --client=ip:127.0.0.1,"$port" "$T/job/job.fio" --output-format=json >"$T/c.json" 2>"$T/c.err" ||
	{ cat "$T/c.err" "$T/server.log"; fail "fio --client run failed or timed out"; }
# The client prints JSON after any text lines; per-job stats are in client_stats.
python3 - "$T/c.json" "$want" <<'PY' || fail "client JSON"
import json, sys
text = open(sys.argv[1]).read()
j = json.loads(text[text.index('{'):])
jobs = [c for c in j['client_stats'] if c['jobname'] == 'target0']
assert len(jobs) == 1, [c['jobname'] for c in j['client_stats']]
got = "%d %d" % (jobs[0]['read']['total_ios'], jobs[0]['read']['io_bytes'])
assert got == sys.argv[2], (got, sys.argv[2])
assert jobs[0]['hostname'], jobs[0]
print("ok: fio --client read %s (requests bytes) on server %s" % (got, jobs[0]['hostname']))
PY
ok "client/server run on 127.0.0.1:$port"
