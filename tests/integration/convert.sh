#!/bin/bash
# convert: any reader to csv, fio-iolog and blkparse; round trips are exact,
# a fio iolog written here replays in the installed fio, and bad input
# leaves no output (and an existing output untouched).
. "$SR_TESTLIB"

awk 'BEGIN { srand(3); print "time_ns,offset,length,op";
	for (i = 0; i < 500; i++) printf "%d,%d,%d,%s\n", i * 1000 * int(1 + rand() * 50), int(rand() * 4000) * 4096,
		4096 * int(1 + rand() * 32), (rand() < 0.2 ? "w" : "r") }' >"$T/in.csv"
canon() { # the records of a trace as csv, through the reader under test
	$SR convert "$1" -o "$T/canon.csv" --to csv "${@:2}" || fail "convert $1 to csv"
	cat "$T/canon.csv"
}
base=$(canon "$T/in.csv")
for to in fio-iolog blkparse csv; do
	$SR convert "$T/in.csv" -o "$T/out.$to" --to $to || fail "convert to $to"
	[ "$(canon "$T/out.$to")" = "$base" ] || fail "csv -> $to -> csv changed the records"
	ok "round trip through $to"
done
head -1 "$T/out.fio-iolog" | grep -qx 'fio version 3 iolog' || fail "timed input should give an iolog v3"

# Filters apply on the way.
reads=$(awk -F, 'NR > 1 && $4 == "r"' "$T/in.csv" | wc -l)
$SR convert "$T/in.csv" -o "$T/r.csv" --to csv --ops r || fail "convert --ops r"
[ "$(($(wc -l <"$T/r.csv") - 1))" = "$reads" ] || fail "--ops r kept $(($(wc -l <"$T/r.csv") - 1)) of $reads reads"
ok "filters"

# fio replays what we wrote.
if command -v fio >/dev/null; then
	$SR prep "$T/target" --size 16M --quiet || fail "prep"
	$SR convert "$T/in.csv" -o "$T/fio.iolog" --to fio-iolog --ops r --iolog-name "$T/target" || fail "iolog"
	fio --name=x --read_iolog="$T/fio.iolog" --replay_no_stall=1 --direct=1 --ioengine=psync \
		--output-format=json --output="$T/fio.json" >/dev/null 2>&1 || fail "fio could not replay our iolog"
	want=$(awk -F, 'NR > 1 && $4 == "r" { s += $3 } END { print s }' "$T/in.csv")
	got=$(json "$T/fio.json" 'j["jobs"][0]["read"]["io_bytes"]')
	[ "$got" = "$want" ] || fail "fio replayed $got bytes of our iolog, expected $want"
	ok "fio --read_iolog replays $got bytes"
else
	echo "fio not installed: fio replay check not run"
fi

# Bad input: nothing written, an existing output kept.
echo keep >"$T/old.csv"
printf 'offset,length\n0,4096\n4096,x\n' >"$T/bad.csv"
expect_exit 2 "bad.csv:3:" $SR convert "$T/bad.csv" -o "$T/old.csv" --to csv
[ "$(cat "$T/old.csv")" = keep ] || fail "a failed convert touched the existing output"
ls "$T"/old.csv.tmp.* >/dev/null 2>&1 && fail "a failed convert left a temporary file"
expect_exit 2 "--to: expected csv, fio-iolog, blkparse" $SR convert "$T/in.csv" -o "$T/x" --to parquet
[ ! -e "$T/x" ] || fail "unknown --to wrote output"
expect_exit 2 "expected -o OUT and --to" $SR convert "$T/in.csv"
expect_exit 2 "--iolog-name: expected a file name" $SR convert "$T/in.csv" -o "$T/x" --to fio-iolog --iolog-name "a b"
ok "bad input"
