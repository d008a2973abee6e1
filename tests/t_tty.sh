#!/usr/bin/env bash
# pm at a real terminal (issue 17), driven through tmux as a person would:
# bash and zsh complete a command and an ID asked from the live server,
# status is coloured on the tty (and not with NO_COLOR), and `pm logs -f`
# of a `pm run -- python3 -m http.server 0` ends on Ctrl-C and leaves the
# process running.
. "$(dirname "$0")/lib.sh"
"$ROOT/tests/install-deps.sh" tmux zsh iproute2 >/dev/null 2>&1 ||
    { echo "skip - tmux, zsh or iproute2 missing"; finish; }

cat >"$T/pm.ini" <<'CFG'
[process:webapp]
command = sleep 1000
CFG
start_server "$T/pm.ini" || finish
mkdir "$T/bin" && ln -s "$PM" "$T/bin/pm"

TM="tmux -L pmtest-${T##*.}"
# term SHELL...: a terminal running SHELL with pm on its PATH, its HOME
# the test's directory (the shells' history and zsh's completion dump stay
# there, not in the home of whoever runs the tests).
term() {
	$TM kill-server 2>/dev/null
	$TM -f /dev/null new-session -d -x 160 -y 40 \
	    env PATH="$T/bin:$PATH" HOME="$T" PM_SOCKET="$SOCK" PMTEST_TAG="$T" TERM=xterm "$@"
	track "$($TM display -p '#{pid}')"
}
screen() { $TM capture-pane -p -J; }
# shows REGEX: the screen has it now (for wait_until); colours: with -e.
shows() { screen | grep -Eq -- "$1"; }
shows_e() { $TM capture-pane -p -e -J | grep -Eq -- "$1"; }
keys() { $TM send-keys "$@"; }

term bash --norc --noprofile
keys "PS1='> '; source '$ROOT/completion/pm.bash'" Enter
wait_until 5 shows '^> $' || fail "bash did not start: $(screen)"
keys 'pm resta' Tab
check "bash completes a command" wait_until 5 shows '^> pm restart ?$'
keys C-u 'pm status web' Tab
check "bash completes an ID from the live server" wait_until 5 shows '^> pm status webapp $'
keys Enter
check "status colours the state on the tty" wait_until 5 shows_e $'webapp +\e\\[32mrunning'
keys C-u 'clear; NO_COLOR=1 pm status' Enter
wait_until 5 shows '^webapp +running'
check "NO_COLOR: no colour" sh -c "! $TM capture-pane -p -e | grep -q $'\e\\[32m'"
check "no colour when not a tty" sh -c "! '$PM' status | grep -q $'\e'"

keys 'clear; pm run -- python3 -m http.server 0' Enter
check "pm run prints ID and pid" wait_until 5 shows '^python3 [0-9]+$'
pid=$(screen | sed -n 's/^python3 \([0-9]*\)$/\1/p' | tail -1)
port=
wait_until 5 sh -c "ss -Hltnp | grep -q 'pid=$pid,'" &&
    port=$(ss -Hltnp | grep "pid=$pid," | awk '{ n = split($4, a, ":"); print a[n] }' | head -1)
keys 'pm logs -f python3' Enter
python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$port/hello-from-test')" >/dev/null 2>&1
check "logs -f shows the server's output" wait_until 5 shows 'GET /hello-from-test'
keys C-c
check "Ctrl-C ends logs -f" wait_until 5 shows '^> $'
check "... and the process runs on" alive "$pid"
expect_match "... still running for pm" "$(pmc status python3)" 'python3 +running'
$TM kill-server

# zsh, with the completion function from the same directory. compinit
# reads every completion function zsh has: seconds on a loaded machine,
# hence the longer bound for the prompt.
term zsh -f
keys "PS1='> '; fpath=('$ROOT/completion' \$fpath); autoload -U compinit; compinit -u" Enter
wait_until 30 shows '^> $' || fail "zsh did not start: $(screen)"
keys 'pm resta' Tab
check "zsh completes a command" wait_until 5 shows '^> pm restart ?$'
keys C-u 'pm why web' Tab
check "zsh completes an ID from the live server" wait_until 5 shows '^> pm why webapp ?$'
$TM kill-server
pmc rm python3 >/dev/null
finish
