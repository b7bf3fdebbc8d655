#!/bin/bash
# convert --to blktrace writes the kernel's binary format (struct
# blk_io_trace v7): blkparse -i lists a queue (Q) and an issue (D) event per
# record with its time, sectors, direction and size, and our own blktrace
# reader reads the records back unchanged.
. "$SR_TESTLIB"
command -v blkparse >/dev/null || skip "blkparse (package blktrace) needed"

awk 'BEGIN { srand(5); print "time_ns,offset,length,op";
	for (i = 0; i < 200; i++) printf "%d,%d,%d,%s\n", i * 250000, int(rand() * 4000) * 4096,
		4096 * int(1 + rand() * 32), (rand() < 0.25 ? "w" : "r") }' >"$T/in.csv"
$SR convert "$T/in.csv" -o "$T/t.blktrace.0" --to blktrace || fail "convert to blktrace"
[ "$(stat -c %s "$T/t.blktrace.0")" = $((200 * 2 * 48 + 48 + 16)) ] || fail "expected 400 records of 48 bytes and a process note"

# what blkparse reads: "EVENT TIME SECTOR+COUNT RWBS" per line
blkparse -i "$T/t.blktrace.0" -f '%a %T.%9t %S+%n %d\n' 2>/dev/null | grep -E '^[QD] ' >"$T/got" ||
	fail "blkparse -i read nothing"
awk -F, 'NR > 1 { t = sprintf("%d.%09d", int($1 / 1e9), $1 % 1e9); s = $2 / 512 "+" $3 / 512
	op = ($4 == "w" ? "W" : "R"); print "Q " t " " s " " op; print "D " t " " s " " op }' "$T/in.csv" >"$T/want"
diff "$T/want" "$T/got" >"$T/diff" || { head -5 "$T/diff"; fail "blkparse's events differ from the CSV's records"; }
ok "blkparse -i lists a Q and a D event per record, as written"

$SR convert "$T/t.blktrace.0" --format blktrace -o "$T/back.csv" --to csv || fail "read back"
[ "$(cut -d, -f1-4 "$T/back.csv" | tail -n +2)" = "$(tail -n +2 "$T/in.csv")" ] || fail "csv -> blktrace -> csv changed the records"
ok "round trip through our blktrace reader"
