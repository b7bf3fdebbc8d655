#!/bin/bash
# Man pages from --help: ssdreplay.1 and ssdreplay-COMMAND.1 for every
# command, with help2man when it is installed, else a plain roff wrapper of
# the same text (so a machine without help2man still installs pages).
# usage: mkman.sh BINARY OUTDIR VERSION
set -euo pipefail
bin=$1 out=$2 version=$3
mkdir -p "$out"
# the command table as `ssdreplay --help` prints it: "  NAME  description"
mapfile -t rows < <("$bin" --help | awk '/^commands:/ {f = 1; next} f && /^  [a-z]/ {print}' | grep -v '^  help ')

roff() { # NAME DESCRIPTION CMD... : a .1 page from CMD --help
	local name=$1 desc=$2 date
	shift 2
	date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%d)
	printf '.TH %s 1 "%s" "ssdreplay %s" "User Commands"\n' "${name^^}" "$date" "$version"
	printf '.SH NAME\n%s \\- %s\n.SH SYNOPSIS\n.nf\n' "$name" "$desc"
	"$@" --help | sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s/^'/\\\\\&'/"
	printf '.fi\n.SH SEE ALSO\nssdreplay(1)\n'
}

page() { # NAME DESCRIPTION CMD...
	local name=$1 desc=$2
	shift 2
	if command -v help2man >/dev/null; then
		# help2man runs "PROGRAM --help" through the shell
		help2man -N --no-discard-stderr --version-string="$version" -n "$desc" \
			-o "$out/$name.1" "$*" && return
	fi
	roff "$name" "$desc" "$@" >"$out/$name.1"
}

page ssdreplay "replay, analyze and simulate LLM weight-streaming I/O against SSDs" "$bin"
for row in "${rows[@]}"; do
	read -r cmd desc <<<"$row"
	page "ssdreplay-$cmd" "$desc" "$bin" "$cmd"
done
