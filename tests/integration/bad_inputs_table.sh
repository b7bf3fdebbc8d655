#!/bin/bash
# Every class of bad input, one row each: the command must exit 2 with one
# line on stderr matching the row's pattern (rows marked 0 are accepted on
# purpose and say so in the report). The same table is docs/bad-inputs.md:
#   SSDREPLAY=build/ssdreplay SR_TESTLIB=tests/integration/lib/common.sh \
#     tests/integration/bad_inputs_table.sh --markdown >docs/bad-inputs.md
# so the documented messages are the real ones and cannot drift.
. "$SR_TESTLIB"

markdown=0
[ "${1:-}" = --markdown ] && markdown=1

F=$T/target
$SR prep "$F" --size 8M --quiet || fail "prep"
truncate -s 4G "$T/sparse"
mk() { local name=$1; shift; { printf 'offset,length\n'; printf '%s\n' "$@"; } >"$T/$name"; }
mk short.csv 0,4096 4096
mk zero.csv 0,0
mk ovf.csv 0,99999999999999999999
mkfifo "$T/fifo"
mk neg.csv 0,-4096
mk negoff.csv -1,4096
mk big.csv 0,3221225472
mk past.csv 0,4096 16777216,4096
mk unal.csv 0,4096 100,4096
printf 'offset,length,time_ns\n0,4096,0\n4096,4096,18446744073709551614\n' >"$T/wrap.csv"
printf 'offset,length,time_ns\n0,4096,18446744073709551615\n' >"$T/tmax.csv"
mkdir "$T/dir"
python3 - "$T" <<'EOF'
import struct, sys
d = sys.argv[1]
open(d + "/long.csv", "w").write("offset,length\n0," + "4" * 100000 + "\n")
# blktrace: struct blk_io_trace, 48 bytes; magic 0x65617400 | version 7
rec = struct.pack("<IIQQIIIIIHH", 0x65617407, 0, 1000, 0, 4096, 0x00010001, 1, 8 << 20, 0, 0, 0)
open(d + "/trunc.blk", "wb").write(rec * 2 + rec[:30])
open(d + "/magic.blk", "wb").write(b"\x00\x11\x22\x33" + rec[4:])
open(d + "/ver.blk", "wb").write(struct.pack("<I", 0x65617409) + rec[4:])
open(d + "/junk.bin", "wb").write(bytes(range(256)) * 12)
import gzip
open(d + "/cut.csv.gz", "wb").write(gzip.compress(b"offset,length\n" + b"0,4096\n" * 2000)[:60])
# GGUF: magic, u32 version, u64 tensor count, u64 kv count
open(d + "/trunc.gguf", "wb").write(b"GGUF" + struct.pack("<I", 3))
open(d + "/magic.gguf", "wb").write(b"GGUX" + struct.pack("<IQQ", 3, 0, 0))
open(d + "/ver.gguf", "wb").write(b"GGUF" + struct.pack("<IQQ", 99, 0, 0))
open(d + "/ovf.gguf", "wb").write(b"GGUF" + struct.pack("<IQQ", 3, 1 << 60, 0))
# split GGUF (llama.cpp gguf-split): a first shard whose second is missing, a shard named without -NNNNN-of-NNNNN
def kvs(*kv):
    return b"".join(struct.pack("<Q", len(k)) + k.encode() + struct.pack("<IH", 2, v) for k, v in kv)
shard = b"GGUF" + struct.pack("<IQQ", 3, 0, 2) + kvs(("split.no", 0), ("split.count", 2))
open(d + "/m-00001-of-00002.gguf", "wb").write(shard + b"\0" * (-len(shard) % 32))
open(d + "/lone.gguf", "wb").write(shard + b"\0" * (-len(shard) % 32))
open(d + "/v9.iolog", "w").write("fio version 9 iolog\n")
open(d + "/key.ini", "w").write("[model]\nname = x\nn_layers = 2\n")
open(d + "/ovl.ini", "w").write("[routing]\noverlap = 1.5\n")
open(d + "/nosect.ini", "w").write("name = x\n[model]\n")
open(d + "/nohead.ini", "w").write("[model]\nname = nohead\narch = llama\n[hparams]\nn_layer = 1\nn_embd = 64\nn_vocab = 32\n[layer]\nattn_norm.weight = n_embd\n")
open(d + "/req.csv", "w").write("session,prompt_tokens\n0,600\n1,x\n")
ev = "  8,0    3        %d     0.00000%d000   697  D   R %d + 8 [dd]\n"
open(d + "/garbage.blkparse", "w").write(ev % (1, 1, 0) + "this is not an event\n" + ev % (2, 2, 8))
open(d + "/bytes.cheops", "w").write("45502109053447, W, 4096, 170104688, 8\n45502109053448, R, 8192, 170104688, 8\n")
open(d + "/nul.ini", "w").write("[model]\nname = x\0y\n")
EOF

# class | input | exit | stderr pattern (ERE; exit 0: stdout) | command (eval'd; $SR $F $T)
rows=(
	'truncated|blktrace cut inside a record|2|trunc\.blk@96: truncated record: expected 48 bytes, found 30|$SR replay $F --trace $T/trunc.blk --format blktrace'
	'truncated|GGUF cut inside the header|2|trunc\.gguf@8: truncated tensor count|$SR synth --gguf $T/trunc.gguf'
	'split GGUF|a shard of a split model whose next shard is missing|2|m-00002-of-00002\.gguf: No such file or directory, expected a readable GGUF file|$SR synth --gguf $T/m-00001-of-00002.gguf'
	'split GGUF|a shard (split.count 2) not named PREFIX-00001-of-00002.gguf|2|lone\.gguf: shard 1 of a model split in 2 \(split.count\), expected the shards named PREFIX-00001-of-00002\.gguf|$SR synth --gguf $T/lone.gguf'
	'truncated|CSV row missing a column|2|short\.csv:3: |$SR replay $F --trace $T/short.csv'
	'inconsistent record|cheops-csv bytes 8192 with nr_sector 8 (it was ignored)|2|bytes\.cheops:2: expected bytes 0 or nr_sector \* 512 = 4096, found 8192|$SR replay $F --trace $T/bytes.cheops --format cheops-csv'
	'garbage line|blkparse text with a garbage line between events (it was dropped)|2|garbage\.blkparse:2: expected a blkparse event line .* or its summary, found .this.|$SR replay $F --trace $T/garbage.blkparse'
	'wrong magic|blktrace|2|magic\.blk@0: expected blktrace magic 0x65617407, found 0x33221100|$SR replay $F --trace $T/magic.blk --format blktrace'
	'wrong magic|GGUF|2|magic\.gguf@0: bad magic .* expected .GGUF.|$SR synth --gguf $T/magic.gguf'
	'wrong magic|no known format (--format auto)|2|junk\.bin: cannot tell the trace format|$SR replay $F --trace $T/junk.bin'
	'unknown version|blktrace version 9|2|ver\.blk@0: unknown blktrace version 9, expected 7 or 8|$SR replay $F --trace $T/ver.blk --format blktrace'
	'unknown version|GGUF version 99|2|ver\.gguf@4: unknown GGUF version 99, expected 2 or 3|$SR synth --gguf $T/ver.gguf'
	'unknown version|fio iolog version 9|2|v9\.iolog:1: |$SR replay $F --trace $T/v9.iolog'
	'overlong line|CSV line of 100 000 bytes|2|long\.csv:2: line longer than 4096 bytes|$SR replay $F --trace $T/long.csv'
	'overflowing numbers|CSV length 99999999999999999999|2|ovf\.csv:2: expected length as an unsigned 64-bit integer|$SR replay $F --trace $T/ovf.csv'
	'overflowing numbers|GGUF tensor count 2^60|2|ovf\.gguf@8: tensor count 1152921504606846976 cannot fit|$SR synth --gguf $T/ovf.gguf'
	'overflowing numbers|--size 99999999999999999999999|2|--size: size .* does not fit in 64 bits|$SR replay $F --pattern seq --size 99999999999999999999999'
	'overflowing numbers|--qd 99999999999999999999|2|--qd: expected an integer from 1 to 32768|$SR replay $F --pattern seq --qd 99999999999999999999'
	'overflowing numbers|sweep range step 2^64-4096|2|--bs: expected a step that does not overflow 64 bits|$SR sweep $F --engine null --qd 1 --bs 4k..8k:+18446744073709547520'
	'overflowing numbers|sweep range step 2^64-1|2|--qd: expected a step that does not overflow 64 bits|$SR sweep $F --engine null --bs 4k --qd 2..32:+18446744073709551615'
	'overflowing numbers|synth --kv-offset 2^64-1|2|the KV region .* ends beyond 2\^64 bytes|$SR synth --profile tiny-llama --kv ctx=4,write --kv-offset 18446744073709551615'
	'overflowing numbers|CSV time_ns 2^64-2 with --timing recorded|2|wrap\.csv:3: time 18446744073709551614 ns overflows the replay clock|$SR replay $F --trace $T/wrap.csv --timing recorded --engine null'
	'overflowing numbers|CSV time_ns 2^64-1|2|tmax\.csv:2: expected time_ns below 2\^64-1|$SR replay $F --trace $T/tmax.csv --engine null'
	'too much memory|--threads 1024 --qd 32768 --bs 1M|2|buffers need 32.00 TiB, more than the .* of memory available|$SR replay $F --pattern seq --engine null --threads 1024 --qd 32768 --bs 1M --loops 0 --runtime 1'
	'wrong output|--timeline in a directory that does not exist|2|x\.csv: cannot write there: No such file or directory|$SR replay $F --pattern seq --engine null --timeline /nonexistent/x.csv'
	'wrong output|--timeline a directory|2|dir: a directory: expected a regular file, a character device or a FIFO|$SR replay $F --pattern seq --engine null --timeline $T/dir'
	'wrong output|--write-gguf onto a character device|2|null: not a regular file: --write-gguf writes a regular file|$SR synth --profile tiny-llama --write-gguf /dev/null'
	'negative sizes|CSV length -4096|2|neg\.csv:2: expected length as an unsigned 64-bit integer, found .-4096.|$SR replay $F --trace $T/neg.csv'
	'negative sizes|CSV offset -1|2|negoff\.csv:2: expected offset as an unsigned 64-bit integer, found .-1.|$SR replay $F --trace $T/negoff.csv'
	'negative sizes|--bs -4k|2|--bs: expected a size like 4096, 128k, 4M, 2G, found .-4k.|$SR replay $F --pattern seq --bs -4k'
	'zero-length requests|CSV length 0|2|zero\.csv:2: expected length > 0|$SR replay $F --trace $T/zero.csv'
	'lengths > 2 GiB|a 3 GiB record on an 8 MiB target|2|big\.csv:2: length 3221225472 is larger than the target region|$SR replay $F --trace $T/big.csv'
	'lengths > 2 GiB|a 3 GiB record on a 4 GiB target: split to --bs|0|split \+3071|$SR replay $T/sparse --trace $T/big.csv --engine null'
	'lengths > 2 GiB|--bs 3G|2|--bs: expected 1 byte to 1 GiB, found .3G.|$SR replay $F --pattern seq --bs 3G'
	'offsets past the end|offset 16 MiB on an 8 MiB target|2|past\.csv:3: offset 16777216 .* past the end|$SR replay $F --trace $T/past.csv'
	'unaligned offsets under O_DIRECT|offset 100 with --align error|2|unal\.csv:3: offset 100 length 4096 not aligned to the 512-byte|$SR replay $F --trace $T/unal.csv --align error'
	'unaligned offsets under O_DIRECT|offset 100 (default --align expand): rounded out, counted|0|realigned 1|$SR replay $F --trace $T/unal.csv'
	'unaligned offsets under O_DIRECT|--range 100:4M|2|--range 100:4194304 is not aligned|$SR replay $F --pattern seq --range 100:4M'
	'unaligned offsets under O_DIRECT|--bs 1000|2|--bs 1000 is not a multiple of .* 512-byte logical block size|$SR replay $F --pattern seq --bs 1000'
	'unknown format|--format blk|2|format|$SR replay $F --trace $T/past.csv --format blk'
	'unknown format|convert --to nosuch|2|--to: expected csv, fio-iolog, blkparse, blktrace, found .nosuch.|$SR convert $T/past.csv --to nosuch --output $T/x.out'
	'unknown engine|--engine spdk|2|--engine: expected io_uring, libaio, psync, null or faulty:NAME, found .spdk.|$SR replay $F --pattern seq --engine spdk'
	'unknown engine|--engine faulty:spdk|2|--engine: expected faulty:NAME with NAME io_uring, libaio, psync or null|$SR replay $F --pattern seq --engine faulty:spdk'
	'unknown policy|simulate --policy nosuch|2|unknown policy .nosuch.: expected one of none, lru|$SR simulate --profile tiny-llama $F --policy nosuch'
	'unknown profile|simulate --profile nosuch|2|unknown model profile .nosuch. \(installed in|$SR simulate --profile nosuch $F'
	'bad INI profile|unknown key|2|key\.ini:3: unknown key .n_layers. in \[model\]|$SR synth --profile $T/key.ini'
	'bad INI profile|[routing] overlap out of range|2|ovl\.ini:2: overlap = 1.5: expected the share of tokens|$SR synth --profile $T/ovl.ini'
	'bad INI profile|key before any section|2|nosect\.ini:1: key .name. before any \[section\]|$SR synth --profile $T/nosect.ini'
	'bad INI profile|a NUL byte in a line|2|nul\.ini:2: NUL byte: expected an INI text file|$SR synth --profile $T/nul.ini'
	'bad INI profile|synth --gguf /dev/zero (neither GGUF nor text; it looped forever)|2|/dev/zero@0: expected a GGUF file .* or an INI model profile, found NUL bytes|$SR synth --gguf /dev/zero --info'
	'bad --spec|--spec /dev/zero (it looped forever)|2|/dev/zero:1: NUL byte: expected an INI text file|$SR replay $F --pattern seq --spec /dev/zero'
	'bad --spec|seq_read=fast|2|--spec: seq_read: expected a bandwidth like 7000MB/s|$SR replay $F --pattern seq --spec seq_read=fast'
	'bad --spec|unknown key|2|--spec: unknown key .bogus.|$SR replay $F --pattern seq --spec bogus=1'
	'bad --spec|a file that does not exist|2|--spec: .*/nonexistent.ini. is neither a readable profile file nor key=value|$SR replay $F --pattern seq --spec $T/nonexistent.ini'
	'bad --fault|rate above 1|2|--fault: expected eio:RATE, short:RATE, delay:MS:RATE or fail-at:N|$SR replay $F --pattern seq --engine faulty:null --fault eio:1.5'
	'bad --fault|without --engine faulty:NAME|2|--fault needs --engine faulty:NAME|$SR replay $F --pattern seq --fault eio:0.1'
	'bad --on-error|retry:0|2|--on-error: expected stop, continue, retry:N or retry:N,continue|$SR replay $F --pattern seq --on-error retry:0'
	'unknown routing|synth --routing bogus|2|--routing: expected uniform, zipf:S, temporal|$SR synth --profile tiny-llama --routing bogus'
	'routing log from a dense model|convert --to routing-log --gguf DENSE|2|--to routing-log: expected a model with routed experts|$SR convert $T/short.csv --gguf tiny-llama --to routing-log -o $T/rl.csv'
	'bad KV option|synth --kv-offload prompt=0 (P zero)|2|--kv-offload: expected prompt=P,gen=G\[,batch=B\] with P, G and B integers from 1|$SR synth --profile tiny-llama --kv-offload prompt=0,gen=4'
	'bad KV option|synth --kv-offload gen=0 (G zero)|2|--kv-offload: expected prompt=P,gen=G|$SR synth --profile tiny-llama --kv-offload prompt=4,gen=0'
	'bad KV option|synth --kv-offload batch=0 (B zero)|2|--kv-offload: expected prompt=P,gen=G|$SR synth --profile tiny-llama --kv-offload prompt=4,gen=4,batch=0'
	'bad KV option|synth --kv-offload prompt=99999999999999999999 (overflowing)|2|--kv-offload: expected prompt=P,gen=G|$SR synth --profile tiny-llama --kv-offload prompt=99999999999999999999,gen=1'
	'bad KV option|synth --kv-offload P+G above 16M positions|2|--kv-offload: prompt \+ gen = 16777216 \+ 1: expected at most 16777216 positions|$SR synth --profile tiny-llama --kv-offload prompt=16777216,gen=1'
	'bad KV option|synth --kv-offload batch=9999999 (above 2^18 sequences)|2|--kv-offload: batch = 9999999: expected at most 262144 sequences|$SR synth --profile tiny-llama --kv-offload prompt=4,gen=4,batch=9999999'
	'bad KV option|synth --kv-offload with --tokens|2|--kv-offload sets the tokens|$SR synth --profile tiny-llama --kv-offload prompt=4,gen=4 --tokens 3'
	'bad KV option|synth --kv-block 0|2|--kv-block: expected an integer from 1 to 1048576|$SR synth --profile tiny-llama --kv-offload prompt=4,gen=4 --kv-block 0'
	'bad KV option|synth --kv-block without --kv-offload|2|--kv-block goes with --kv-offload|$SR synth --profile tiny-llama --kv-block 16'
	'bad KV option|synth --kv-type f8|2|--kv-type: expected f16, q8_0 or f32, found .f8.|$SR synth --profile tiny-llama --kv-offload prompt=4,gen=4 --kv-type f8'
	'bad KV option|a model without attention geometry|2|nohead: --kv-offload: the model gives no attention geometry|$SR synth --profile $T/nohead.ini --kv-offload prompt=4,gen=4'
	'bad KV option|synth --kv-cache-tier without --tier-capacity|2|--kv-cache-tier: expected --tier-capacity SIZE above 0|$SR synth --profile tiny-llama --kv-cache-tier'
	'bad KV option|synth --tier-capacity below one chunk object|2|--tier-capacity 1024: below one chunk object|$SR synth --profile tiny-llama --kv-cache-tier --tier-capacity 1k'
	'bad KV option|synth --sessions 0|2|--sessions: expected an integer from 1 to 16777216|$SR synth --profile tiny-llama --kv-cache-tier --tier-capacity 1G --sessions 0'
	'bad KV option|synth --sessions without --kv-cache-tier|2|go with --kv-cache-tier|$SR synth --profile tiny-llama --sessions 4'
	'bad KV option|synth --requests log with a bad line|2|req\.csv:3: expected session,prompt_tokens|$SR synth --profile tiny-llama --kv-cache-tier --tier-capacity 1G --requests $T/req.csv'
	'wrong target|a FIFO (opening it would wait for a writer)|2|fifo: is a FIFO, expected a file or a block device|$SR replay $T/fifo --pattern seq'
	'wrong target|replay --target F --target F (one file twice, through ./)|2|replay: --target .*target is given twice \(the same file as|$SR replay --target $F --target $T/./target --layout stripe:64k --pattern seq'
	'wrong target|simulate --target F --target F|2|simulate: --target .*target is given twice \(the same file as|$SR simulate --profile tiny-llama --target $F --target $T/./target --layout stripe:64k --engine null'
	'wrong target|a character device (it said: use --buffered)|2|/dev/null: is a character device, expected a file or a block device|$SR replay /dev/null --pattern seq'
	'wrong target|sweep on a character device (its hint named --buffered, which sweep does not take)|2|/dev/zero: is a character device, expected a file or a block device$|$SR sweep /dev/zero --bs 4k --qd 1'
	'overflowing numbers|convert --blk-dev 99999999999:0 (its hint named --dev)|2|convert: --blk-dev: expected MAJ:MIN like 259:0|$SR convert $T/past.csv --to blkparse --blk-dev 99999999999:0'
	'too small a budget|simulate --mem below one cache page|2|--mem: 4095 bytes hold no cache page .--page 4096.|$SR simulate --profile tiny-llama $F --engine null --mem 4095'
	'too small a budget|simulate --mem-spread taking a budget below one cache page|2|--mem: 4000 bytes .the budget less --mem-spread. hold no cache page .--page 4096.|$SR simulate --profile tiny-llama $F --engine null --mem 8000 --mem-spread 50'
	'out-of-range numbers|simulate --mem-spread 60 (up to 50% of each budget)|2|--mem-spread: expected a percentage from 0 to 50 .5%., found .60.|$SR simulate --profile tiny-llama $F --engine null --mem-spread 60'
	'unknown cost model|simulate --mmap-cost always|2|--mmap-cost: expected off, auto or measure, found .always.|$SR simulate --profile tiny-llama $F --engine null --mmap-cost always'
	'too large a queue|--qd 32769 (io_uring takes 32768)|2|--qd: expected an integer from 1 to 32768|$SR replay $F --pattern seq --qd 32769'
	'unknown option|--frobnicate|2|unknown option .--frobnicate.|$SR replay $F --pattern seq --frobnicate'
	'unknown command|ssdreplay frob|2|unknown command .frob.|$SR frob'
	'truncated|gzip trace cut short|2|cut\.csv\.gz: gzip data: unexpected end of file|$SR replay $F --trace $T/cut.csv.gz'
	'fio spellings|--rw r (the old filter, now --ops r)|2|the read/write filter is now --ops r|$SR replay $F --trace $T/past.csv --rw r'
	'fio spellings|--rw write without --allow-write|2|a write pattern overwrites|$SR replay $F --rw write'
	'fio spellings|-o json (meant as --output-format json)|2|-o json would write a file named|$SR replay $F --pattern seq -o json'
	'fio spellings|--output-format terse|2|semicolon format is not written|$SR replay $F --pattern seq --output-format terse'
)

md_cell() { sed -e 's/|/\\|/g' -e "s#$T/#DIR/#g" -e "s#${SR_SRC:-/nonexistent}/#SRC/#g" -e 's#[$]SR#ssdreplay#g' -e 's#[$]F#DIR/target#g' -e 's#[$]T/#DIR/#g'; }

if [ $markdown = 1 ]; then
	cat <<'EOF'
# Bad inputs

Every class of bad input tried, with the exact message it gets. Bad input is
one line on stderr naming the file and line (`FILE:LINE`), byte offset
(`FILE@OFFSET`) or flag, and what was expected; exit status 2; nothing
written. Rows with exit 0 are accepted on purpose and counted in the report.
Generated by `tests/integration/bad_inputs_table.sh --markdown`, which also
runs every row as a test (DIR is the test's scratch directory).

| class | input | command | exit | message |
|---|---|---|---|---|
EOF
fi

n=0
for row in "${rows[@]}"; do
	IFS='|' read -r class what want re cmd <<<"$row"
	rm -f "$T/report"
	eval "$cmd" --output "$T/report" >"$T/out" 2>"$T/err" </dev/null
	got=$?
	[ "$got" = "$want" ] || { cat "$T/err" >&2; fail "$class / $what: exit $got, expected $want"; }
	if [ "$want" = 2 ]; then
		[ "$(wc -l <"$T/err")" = 1 ] || { cat "$T/err" >&2; fail "$class / $what: expected one line on stderr"; }
		grep -Eq -- "$re" "$T/err" || { cat "$T/err" >&2; fail "$class / $what: stderr does not match /$re/"; }
		[ ! -e "$T/report" ] || fail "$class / $what: a report was written despite bad input"
		msg=$(cat "$T/err")
	else
		[ ! -s "$T/err" ] || { cat "$T/err" >&2; fail "$class / $what: accepted, but said something on stderr"; }
		grep -Eq -- "$re" "$T/report" || { cat "$T/report" >&2; fail "$class / $what: report does not say /$re/"; }
		msg="(report) $(grep -Eo -- "[^,;:]*$re[^,;]*" "$T/report" | head -1 | sed 's/^ *//')"
	fi
	n=$((n + 1))
	if [ $markdown = 1 ]; then
		printf '| %s | %s | `%s` | %s | `%s` |\n' "$class" "$what" "$(echo "$cmd" | md_cell)" "$want" \
			"$(echo "$msg" | md_cell)"
	fi
done
[ $markdown = 1 ] || ok "$n bad-input rows: exit status, one line, message"
