# bash completion for pm. Commands, sub-commands and options come from
# pm's own help (its command table); IDs from the running server.
_pm()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local i w cmd= g=() words
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-S|-H|-c|--token-file) g+=("$w" "${COMP_WORDS[i+1]}"); ((i++)) ;;
		--) return ;;
		-*) ;;
		*) [ -z "$cmd" ] && cmd=$w ;;
		esac
	done
	case $prev in
	-S|-c|--token-file|--log|--dir|--env-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	esac
	if [ -z "$cmd" ]; then
		words=$(pm --help 2>/dev/null | sed -n 's/.*commands: //p')
		[[ $cur == -* ]] && words="-S -H -c --token-file --json -q -h --help --version"
	elif [ "$cmd" = signal ] && [ "$prev" != signal ]; then
		words=$(kill -l | tr -s ' \t' '\n' | sed -n 's/^SIG//p')
	elif [ "$cmd" = run ]; then
		words="$(pm help run 2>/dev/null | tr -s ' ,:()' '\n' | grep '^--[a-z]') --"
	elif [[ $cur == -* ]] || [ "$cmd" = config ] || [ "$cmd" = setting ] || [ "$cmd" = help ]; then
		words=$(pm help "$cmd" 2>/dev/null | sed -n 's/^[ usage:]*pm [a-z]* //p' | tr -s ' |[]' '\n' | grep -v '^[A-Z.]')
		[ "$cmd" = help ] && words=$(pm --help 2>/dev/null | sed -n 's/.*commands: //p')
	else
		words=$(pm "${g[@]}" status 2>/dev/null | awk 'NR > 1 { print $1 }')
	fi
	COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _pm pm
