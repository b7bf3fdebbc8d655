#!/bin/bash
# prep --progress: one progress line over all targets on stderr with % and
# ETA (from the start with --progress; on a terminal once past 2 s), ending at 100%; stdout ("prepped ...")
# the same as without it; on a stderr that is not a terminal, no line
# without --progress. Two 256 MiB files (the page cache is bypassed: O_DIRECT).
source "$SR_TESTLIB"

avail=$(df -Pk "$T" | awk 'NR == 2 { print $4 }')
[ "$avail" -gt $((2 << 20)) ] || skip "needs 2 GiB free in $T"
$SR prep "$T/a" "$T/b" --size 256M --run-id 7 --progress >"$T/p.out" 2>"$T/p.err" || fail "prep --progress: $(cat "$T/p.err")"
tr '\r' '\n' <"$T/p.err" | grep -Eq '^\[ *[0-9.]+s\] +[0-9.]+% +[0-9.]+ MiB/s +eta' || fail "no progress line: $(cat "$T/p.err")"
tr '\r' '\n' <"$T/p.err" | grep -v '^$' | tail -1 | grep -q ' 100\.0% ' || fail "progress does not end at 100%: $(cat "$T/p.err")"
[ "$(tail -c1 "$T/p.err" | od -An -c | tr -d ' ')" = '\n' ] || fail "the progress line does not end with a newline"
# the % only grows across the two files: it is over both
tr '\r' '\n' <"$T/p.err" | grep -oE '[0-9]+\.[0-9]%' | tr -d % | sort -c -g || fail "the % went down: $(cat "$T/p.err")"
ok "prep --progress: % and ETA over both files on stderr from the start, ending at 100%"
rm -f "$T/a" "$T/b"
$SR prep "$T/a" "$T/b" --size 256M --run-id 7 >"$T/n.out" 2>"$T/n.err" || fail "prep"
cmp -s "$T/p.out" "$T/n.out" || fail "--progress changed stdout: $(diff "$T/p.out" "$T/n.out")"
grep -q 'prepped .*/b: 256.00 MiB' "$T/n.out" || fail "stdout: $(cat "$T/n.out")"
[ -s "$T/n.err" ] && fail "stderr on a pipe without --progress: $(cat "$T/n.err")"
rm -f "$T/a" "$T/b"
$SR prep "$T/a" --size 4M --quiet --progress >"$T/q.out" 2>"$T/q.err" || fail "prep --quiet --progress"
[ -s "$T/q.out" ] && fail "--quiet printed on stdout"
ok "prep: stdout the same with and without --progress; nothing on stderr without it"
