# Sourced by the integration tests. $SSDREPLAY is the binary under test.
# Exit codes: 0 pass, 1 fail, 77 skip (CTest shows SKIP).
set -u
: "${SSDREPLAY:?SSDREPLAY must point at the built binary}"
SR=$SSDREPLAY
# The scratch directory's file system must be on a block device: the tests
# read their files back through the page cache, under memory cgroups and with
# O_DIRECT, and a file on tmpfs (a RAM-backed /tmp, as Debian 13 mounts it)
# is memory that nothing reads from a device and reclaim cannot drop. So a
# RAM-backed TMPDIR (or /tmp) gives way to /var/tmp.
sr_scratch_base() {
	local d
	for d in "${TMPDIR:-/tmp}" /var/tmp; do
		case "$(stat -f -c %T "$d" 2>/dev/null)" in
		tmpfs | ramfs | "") continue ;;
		esac
		[ -w "$d" ] && { echo "$d"; return; }
	done
	echo "${TMPDIR:-/tmp}"
}
SR_SCRATCH_BASE=$(sr_scratch_base)
# shm_dir: a writable tmpfs directory (/dev/shm or /run/shm); SKIP without one
shm_dir() {
	local d
	for d in /dev/shm /run/shm; do
		[ "$(stat -f -c %T "$d" 2>/dev/null)" = tmpfs ] && [ -w "$d" ] && { echo "$d"; return; }
	done
	skip "no writable tmpfs at /dev/shm"
}
T=$(mktemp -d "$SR_SCRATCH_BASE/sr-test.XXXXXX")
SR_LOOPS=()
declare -A SR_LOOP_FILE=() # new_loop's devices: the backing file as losetup shows it

# loop_on DEV FILE: DEV is attached to FILE (or to FILE since deleted)
loop_on() {
	case "$(losetup -n -O BACK-FILE "$1" 2>/dev/null)" in
	"$2" | "$2 (deleted)") return 0 ;;
	esac
	return 1
}

cleanup() {
	local l f
	for l in "${SR_LOOPS[@]+"${SR_LOOPS[@]}"}"; do
		umount "$l" 2>/dev/null
		f=${SR_LOOP_FILE[$l]-}
		if [ -z "$f" ]; then # not new_loop's: one try
			losetup -d "$l" 2>/dev/null
			continue
		fi
		# detach only while the device is on the file new_loop attached:
		# once detached (by the test itself, or a try here), a test
		# running beside this one can attach the same device to its own
		# file. A device udev is still probing can refuse the detach
		# (EBUSY): try again for up to 2 s rather than leave it attached.
		for _ in $(seq 20); do
			loop_on "$l" "$f" || break
			losetup -d "$l" 2>/dev/null
			loop_on "$l" "$f" || break
			sleep 0.1
		done
	done
	rm -rf "$T"
}
trap cleanup EXIT
echo $$ >"$T/.pid"

# reap_stale_tests: the swap areas and scratch directories of integration
# tests that were killed (SIGKILL, a CTest timeout) and could not clean up:
# a directory whose test process is gone. A study test's left swap area
# stays on host-wide, and its directory holds ~2 GB.
reap_stale_tests() {
	local d f
	for d in "$SR_SCRATCH_BASE"/sr-test.*; do
		[ "$d" != "$T" ] && [ -f "$d/.pid" ] || continue
		kill -0 "$(cat "$d/.pid")" 2>/dev/null && continue
		for f in $(awk -v d="$d/" 'index($1, d) == 1 { print $1 }' /proc/swaps); do
			swapoff "$f" && echo "note: turned off $f, left by a killed test" >&2
		done
		rm -rf "$d"
	done
}

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
# real_mmap_rc RC ERRFILE WHAT: after a --real-mmap run that exited RC with
# its stderr in ERRFILE: nothing when 0, a skip when no memory cgroup can be
# made here, else a failure naming WHAT.
real_mmap_rc() {
	[ "$1" = 0 ] && return 0
	grep -Eq "no memory cgroup|cannot create the cgroup|cannot set the memory limit|cannot move" "$2" &&
		skip "$(cat "$2")"
	cat "$2" >&2
	fail "$3 exited $1"
}
ok() { echo "ok: $*"; }

# need_nlc VERSION: node and node-llama-cpp VERSION in $NLC_DIR (exported;
# default ${XDG_CACHE_HOME:-~/.cache}/ssdreplay/nlc), installed there once if
# the npm registry answers; else SKIP
need_nlc() {
	command -v node >/dev/null || skip "no node"
	export NLC_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/ssdreplay/nlc
	nlc_installed "$1" && return 0
	command -v npm >/dev/null || skip "no npm to install node-llama-cpp"
	mkdir -p "$NLC_DIR" || skip "cannot create $NLC_DIR"
	timeout 300 npm install --prefix "$NLC_DIR" --prefer-offline --no-audit --no-fund \
		"node-llama-cpp@$1" >"$T/npm.log" 2>&1 || { tail -5 "$T/npm.log" >&2; skip "cannot install node-llama-cpp@$1 (registry unreachable?)"; }
	nlc_installed "$1" || skip "node-llama-cpp@$1 did not install into $NLC_DIR"
}
nlc_installed() {
	node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' \
		"$NLC_DIR/node_modules/node-llama-cpp/package.json" "$1" 2>/dev/null
}

# f16_model BASE LAYERS EMBD FF OUT.gguf: profiles/models/BASE.ini (tiny-llama,
# tiny-moe) reshaped and in F16 (or $WTYPE: BF16, F32), written as a GGUF (seed 3)
f16_model() {
	local t=${WTYPE:-F16} ft
	case $t in F16) ft=1 ;; BF16) ft=32 ;; F32) ft=0 ;; *) fail "f16_model: WTYPE $t" ;; esac
	sed -e "s/^n_layer = .*/n_layer = $2/; s/^n_embd = .*/n_embd = $3/; s/^n_ff = .*/n_ff = $4/" \
	    -e "s/^\\* = Q8_0/* = $t/; s/^file_type = 7/file_type = $ft/" \
	    "$SR_SRC/profiles/models/$1.ini" >"${5%.gguf}.ini" || fail "reshaping $1"
	"$SR" synth --profile "${5%.gguf}.ini" --write-gguf "$5" --seed 3 || fail "synth --write-gguf $5"
}

# expect_exit CODE REGEX cmd...: run cmd, check the exit status and that stderr matches REGEX.
expect_exit() {
	local want=$1 re=$2 got
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	[ "$got" = "$want" ] || { cat "$T/err" >&2; fail "'$*' exited $got, expected $want"; }
	if [ -n "$re" ]; then
		grep -Eq -- "$re" "$T/err" || { cat "$T/err" >&2; fail "'$*' stderr does not match /$re/"; }
	fi
	if [ "$want" = 2 ]; then
		[ "$(wc -l <"$T/err")" -eq 1 ] || { cat "$T/err" >&2; fail "'$*': expected a one-line error"; }
	fi
}

# json FILE EXPR: evaluate a python expression over the parsed report `j`.
json() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# catches PID SIG [SECS]: wait (up to SECS, 30 by default) until process PID
# has a handler for signal number SIG (its SigCgt bit in /proc). A job started
# with & in a script begins with SIGINT ignored; a program that installs its
# own handler late loses a SIGINT sent before, and never stops. 1 on timeout.
catches() {
	local i mask
	for i in $(seq $((${3:-30} * 10))); do
		mask=$(awk '/^SigCgt:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
		[ -n "$mask" ] || return 1
		(( (16#$mask >> ($2 - 1)) & 1 )) && return 0
		sleep 0.1
	done
	return 1
}

# stop_within SECS PID: wait up to SECS for PID (a job of this shell) to end,
# then reap it; its exit status is left in $rc. A process still there is
# killed (SIGKILL) and 1 is returned, so a test fails instead of hanging.
# wait_gone SECS PID: wait up to SECS for PID to end; 1 if it is still there.
wait_gone() {
	local i
	for i in $(seq $(($1 * 10))); do
		kill -0 "$2" 2>/dev/null || return 0
		sleep 0.1
	done
	! kill -0 "$2" 2>/dev/null
}

stop_within() {
	if ! wait_gone "$1" "$2"; then
		kill -9 "$2" 2>/dev/null
		wait "$2" 2>/dev/null
		rc=137
		return 1
	fi
	wait "$2"
	rc=$?
	return 0
}

need_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }

# new_loop FILE: attach FILE with direct I/O; the device is left in $LOOP
# (not printed: a command substitution would lose it from the cleanup list).
new_loop() {
	command -v losetup >/dev/null || skip "no losetup"
	LOOP=$(losetup --direct-io=on -f --show "$1" 2>/dev/null) || skip "cannot attach a loop device"
	SR_LOOPS+=("$LOOP")
	SR_LOOP_FILE[$LOOP]=$(losetup -n -O BACK-FILE "$LOOP" 2>/dev/null)
}

# loop_sectors DEV rd|wr: sectors the kernel counted for the whole device.
loop_sectors() {
	local name
	name=$(basename "$1")
	if [ "$2" = rd ]; then awk '{print $3}' "/sys/block/$name/stat"; else awk '{print $7}' "/sys/block/$name/stat"; fi
}

# need_tracefs [EVENT_DIR...]: find (or mount) tracefs with instances and the
# given events (e.g. block/block_rq_issue); the mount point is left in $tr.
need_tracefs() {
	local ev
	if [ -d /sys/kernel/tracing/instances ]; then
		tr=/sys/kernel/tracing
	elif [ -d /sys/kernel/debug/tracing/instances ]; then
		tr=/sys/kernel/debug/tracing
	else
		mount -t tracefs none /sys/kernel/tracing 2>/dev/null || skip "tracefs cannot be mounted"
		tr=/sys/kernel/tracing
	fi
	[ -d "$tr/instances" ] || skip "no tracefs instances at $tr"
	for ev in "$@"; do
		[ -d "$tr/events/$ev" ] || skip "no $ev event"
	done
}

# uring_qd1_strace: 2048 random 4 KiB reads of an 8 MiB file at QD 1 through
# io_uring, with strace writing every io_uring_enter to $T/st; sets ios to
# the report's request count (checked: 2048). Skips without strace or
# io_uring. LeakSanitizer cannot run under ptrace (sanitizer build): leaks
# are checked by the other tests.
uring_qd1_strace() {
	command -v strace >/dev/null || skip "no strace"
	$SR prep "$T/target" --size 8M --quiet || fail "prep"
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=io_uring_enter -o "$T/st" \
		$SR replay "$T/target" --pattern rand --bs 4k --qd 1 --engine io_uring --loops 1 \
		--output-format json --output "$T/r.json" 2>"$T/err" || {
		grep -q "io_uring_queue_init" "$T/err" && skip "no io_uring here"
		cat "$T/err"
		fail "replay under strace"
	}
	ios=$(json "$T/r.json" 'j["jobs"][0]["read"]["total_ios"]')
	[ "$ios" = 2048 ] || fail "$ios requests, expected 2048"
}
