# bash completion for ssdreplay: commands from `ssdreplay --help`, options
# from `ssdreplay COMMAND --help`, so it never lags behind the binary.
_ssdreplay()
{
	local cur prev cmd words
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	if [ "$COMP_CWORD" -eq 1 ]; then
		words=$("${COMP_WORDS[0]}" --help 2>/dev/null |
			awk '/^commands:/ {f = 1; next} f && /^  [a-z]/ {print $1}')
		COMPREPLY=($(compgen -W "$words --help --version" -- "$cur"))
		return
	fi
	cmd=${COMP_WORDS[1]}
	case $prev in
	-t|--trace|-o|--output|--timeline|--file-map|--gguf|--target|--plot|--spec|--reference|\
	--write_bw_log|--write_lat_log|--write_iops_log)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-e|--engine|--ioengine)
		COMPREPLY=($(compgen -W "io_uring libaio psync null" -- "$cur"))
		return ;;
	--output-format)
		COMPREPLY=($(compgen -W "text json json+ csv" -- "$cur"))
		return ;;
	-f|--format)
		COMPREPLY=($(compgen -W "auto csv fio-iolog blktrace blkparse ftrace filemap faults cheops-csv" -- "$cur"))
		return ;;
	esac
	if [[ $cur == -* ]]; then
		words=$("${COMP_WORDS[0]}" "$cmd" --help 2>/dev/null |
			grep -oE -- '--[a-z][a-z0-9_+-]*' | sort -u)
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _ssdreplay ssdreplay
