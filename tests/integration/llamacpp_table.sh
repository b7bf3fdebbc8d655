#!/bin/bash
# scripts/llamacpp_table.py with each run's figures: how far the medians of
# runs 1-3, 4-6, ... of one point are apart, whether one figure could be
# within the goal band of all of them (bytes/token +-15% with a 1 MiB floor:
# 1.35x apart at most; tokens/s +-25%: 1.67x), and of how many the
# prediction is; a point of fewer than 6 runs is left out of it, and a table
# without the runs' columns has no such part.
. "$SR_TESTLIB"
command -v python3 >/dev/null || skip "no python3"
M=1048576
P=$T/points.tsv
{
	printf 'model\tlevel\troom\treal_tps\treal_tps_min\treal_tps_max\treal_bpt\treal_bpt_min\treal_bpt_max\tpred_tps\tpred_bpt\tram_tps\treal_fpt\tpred_fpt\tpred_tps_min\tpred_tps_max\tpred_bpt_min\tpred_bpt_max\treal_tps_runs\treal_bpt_runs\n'
	# a: bytes medians 100, 180, 140 MiB (1.80x: no one figure fits),
	# tokens/s medians 5, 5.5, 6 (1.20x: fits); predicted 155 MiB (within
	# 15% of 180 and 140, not of 100) and 4 tok/s (within 25% of 5 only)
	printf 'a\t85\t%d\t5.5\t4\t7\t%d\t%d\t%d\t4\t%d\t50\t8\t8\t3\t5\t%d\t%d\t' $((190 * M)) $((140 * M)) $((90 * M)) $((200 * M)) \
		$((155 * M)) $((100 * M)) $((160 * M))
	printf '4,5,6,5.5,7,5,6,8,4\t%d,%d,%d,%d,%d,%d,%d,%d,%d\n' $((90 * M)) $((100 * M)) $((120 * M)) \
		$((200 * M)) $((180 * M)) $((170 * M)) $((140 * M)) $((130 * M)) $((150 * M))
	# b: 7 runs, two groups (the 7th left out): bytes 0 and 0.5 MiB (within
	# the 1 MiB floor of each other: fits), tokens/s 10 and 20 (2x: does not)
	printf 'b\t60\t%d\t15\t10\t20\t0\t0\t%d\t12\t0\t50\t0\t0\t\t\t\t\t' $((300 * M)) $((M / 2))
	printf '9,10,11,19,20,21,99\t0,0,0,%d,%d,%d,0\n' $((M / 2)) $((M / 2)) $((M / 2))
	# c: 3 runs: a point of one validation, not in the repeatability part
	printf 'c\t35\t%d\t3\t2\t4\t%d\t%d\t%d\t3\t%d\t50\t9\t9\t\t\t\t\t3,2,4\t%d,%d,%d\n' $((70 * M)) $((200 * M)) \
		$((190 * M)) $((210 * M)) $((200 * M)) $((190 * M)) $((200 * M)) $((210 * M))
} >"$P"
python3 "$SR_SRC/scripts/llamacpp_table.py" "$P" >"$T/out" 2>"$T/err" || fail "table: $(cat "$T/err")"
grep -q "^within the goal: bytes/token +-15%: 3 of 3 points; tokens/s +-25%: 2 of 3" "$T/out" ||
	fail "the point verdict changed with the runs' columns: $(cat "$T/out")"
grep -qF "| a | 85% (190 MiB) | 100.0 180.0 140.0 | 1.80x | 2 of 3 | 5.00 5.50 6.00 | 1.20x | 1 of 3 |" "$T/out" ||
	fail "point a's repeatability row: $(cat "$T/out")"
grep -qF "| b | 60% (300 MiB) | 0.0 0.5 | - | 2 of 2 | 10.00 20.00 | 2.00x | 1 of 2 |" "$T/out" ||
	fail "point b's repeatability row: $(cat "$T/out")"
grep -q "^| c |.*| 3 of 3 |" "$T/out" && fail "a point of 3 runs in the repeatability part: $(cat "$T/out")"
grep -q "^medians of three runs too far apart for one figure to be within the goal band of all: bytes/token at 1 of 2 points, tokens/s at 1 of 2$" "$T/out" ||
	fail "repeatability verdict: $(cat "$T/out")"
ok "table: medians of runs 1-3, 4-6, 7-9 and how far apart; 1.80x apart does not fit +-15%, 1 MiB apart at 0 does"
# simulate's small-room flag (small_room 1): the room marked, counted under the table
awk -F'\t' -v OFS='\t' 'NR == 1 { print $0, "small_room"; next } { print $0, ($1 == "a") }' "$P" >"$T/small.tsv"
python3 "$SR_SRC/scripts/llamacpp_table.py" "$T/small.tsv" >"$T/out" 2>"$T/err" || fail "small-room table: $(cat "$T/err")"
grep -q "^| a | 85% (190 MiB) \* | " "$T/out" && ! grep -q "^| [bc] | .* \* | " "$T/out" ||
	fail "small-room marks: $(cat "$T/out")"
grep -q "^\* under four readahead windows .*: 1 of 3 points, 1 of them within the bytes/token band$" "$T/out" ||
	fail "small-room count: $(cat "$T/out")"
ok "table: points simulate flagged under four readahead windows are marked and counted"
# a validation's points before the runs' columns: no repeatability part
cut -f1-18 "$P" >"$T/old.tsv"
python3 "$SR_SRC/scripts/llamacpp_table.py" "$T/old.tsv" >"$T/out" 2>"$T/err" || fail "old table: $(cat "$T/err")"
grep -q "^| a | 85% " "$T/out" && ! grep -q "^repeatability" "$T/out" || fail "old points: $(cat "$T/out")"
ok "table: points without each run's figures print no repeatability part"
