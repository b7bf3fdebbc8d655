#!/bin/bash
# cmake --install into a DESTDIR: the binary, profiles under share/ssdreplay
# (found relative to the installed binary, SSDREPLAY_PROFILES overrides), a
# man page per command and bash completion; then the installed binary runs.
source "$SR_TESTLIB"

build=$(dirname "$SR")
[ -f "$build/CMakeCache.txt" ] || skip "$SR is not in a CMake build tree"
root=$T/root
DESTDIR=$root cmake --install "$build" --prefix /opt/sr >"$T/log" 2>&1 || { cat "$T/log" >&2; fail "cmake --install"; }
bin=$root/opt/sr/bin/ssdreplay
[ -x "$bin" ] || fail "no binary installed at $bin"
share=$root/opt/sr/share/ssdreplay/profiles
[ -f "$share/models/tiny-llama.ini" ] && [ -f "$share/reference/cheops25.ini" ] && [ -d "$share/devices" ] ||
	fail "profiles not installed under share/ssdreplay"
ok "binary and profiles installed"

# the installed binary uses its own profiles, not the source tree's
"$bin" --version >"$T/ver" || fail "installed --version"
grep -q "^profiles: $root/opt/sr/bin/../share/ssdreplay/profiles$" "$T/ver" || { cat "$T/ver" >&2; fail "installed binary does not use its share/ssdreplay/profiles"; }
grep -Eq "^built with: libnvme:(yes|no) hwloc:(yes|no)" "$T/ver" || fail "--version does not list the optional parts"
grep -Eq "^gnuplot \(PNG plots\): (found|not found)" "$T/ver" || fail "--version does not say whether gnuplot is there"
# a profile only the installed tree has, found by name
sed 's/^name = .*/name = only-installed/' "$share/models/tiny-llama.ini" >"$share/models/only-installed.ini"
"$bin" synth --profile only-installed --tokens 1 >"$T/synth" 2>"$T/err" || { cat "$T/err" >&2; fail "installed binary cannot find an installed profile"; }
ok "installed binary finds profiles beside itself"

mkdir -p "$T/mine/models"
cp "$share/models/tiny-llama.ini" "$T/mine/models/mine-only.ini"
SSDREPLAY_PROFILES=$T/mine "$bin" synth --profile mine-only --tokens 1 >/dev/null 2>"$T/err" || { cat "$T/err" >&2; fail "SSDREPLAY_PROFILES does not override"; }
SSDREPLAY_PROFILES=$T/mine "$bin" --version | grep -q "^profiles: $T/mine$" || fail "--version ignores SSDREPLAY_PROFILES"
ok "SSDREPLAY_PROFILES overrides"

# a man page per command, each naming its options
man=$root/opt/sr/share/man/man1
cmds=$("$bin" --help | awk '/^commands:/ {f = 1; next} f && /^  [a-z]/ && $1 != "help" {print $1}')
[ "$(wc -w <<<"$cmds")" -ge 11 ] || fail "expected 11 commands, found: $cmds"
[ -s "$man/ssdreplay.1" ] || fail "no ssdreplay.1"
for c in $cmds; do
	[ -s "$man/ssdreplay-$c.1" ] || fail "no man page for $c"
done
grep -q -- 'output\\-format\|output-format' "$man/ssdreplay-replay.1" || fail "replay's man page lacks --output-format"
if command -v man >/dev/null; then
	MANWIDTH=80 man -l "$man/ssdreplay-convert.1" 2>/dev/null | grep -q -- "--to" || fail "man -l cannot render convert's page"
fi
ok "man pages for ssdreplay and $(wc -w <<<"$cmds") commands"

comp=$(find "$root" -path '*completions/ssdreplay' -type f)
[ -n "$comp" ] || fail "no bash completion installed"
got=$(PATH=$root/opt/sr/bin:$PATH bash -c 'source "$1"
	COMP_WORDS=(ssdreplay rep); COMP_CWORD=1; _ssdreplay; echo "${COMPREPLY[*]}"
	COMP_WORDS=(ssdreplay replay --output-f); COMP_CWORD=2; _ssdreplay; echo "${COMPREPLY[*]}"' _ "$comp")
[ "$got" = $'replay\n--output-format' ] || fail "completion gave '$got'"
ok "bash completion of commands and options"
