#!/usr/bin/env bash
# `pm -- CMD` as the ENTRYPOINT (issue 12): CMD's exit status comes back,
# 128+N when a signal killed it, -e maps a status to 0; `docker run -it`
# with an interactive shell: the shell owns the terminal, Ctrl-C reaches
# its foreground job and not pm, and its exit status comes back.
. "$(dirname "$0")/lib.sh"

build_img img 'FROM pmt-base
ENTRYPOINT ["/usr/local/bin/pm", "--"]
CMD ["/bin/sh"]'
img=$NAME-img
r() { dk run --rm --network none --name "$NAME-run" "$@" >/dev/null 2>&1; echo $?; }
CTRS+=("$NAME-run" "$NAME-tty")
expect_eq "exit status of CMD" "$(r "$img" sh -c 'exit 7')" 7
expect_eq "killed by SIGUSR1: 128+10" "$(r "$img" sh -c 'kill -USR1 $$')" 138
expect_eq "killed by SIGKILL: 128+9" "$(r "$img" sh -c 'kill -KILL $$')" 137
expect_eq "-e 3 maps exit 3 to 0" \
    "$(r --entrypoint /usr/local/bin/pm "$img" -e 3 -- sh -c 'exit 3')" 0
expect_eq "-e 3 leaves exit 4 alone" \
    "$(r --entrypoint /usr/local/bin/pm "$img" -e 3 -- sh -c 'exit 4')" 4
expect_eq "the stdout of CMD is not prefixed" \
    "$(dk run --rm --network none --name "$NAME-run" "$img" echo plain 2>/dev/null)" plain

out=$(timeout 60 python3 "$ROOT/tests/docker/pty_shell.py" \
    "$DOCKER" run -it --rm --network none --name "$NAME-tty" "$img" /bin/sh 2>&1)
printf '%s\n' "$out" | grep -E '^(ok|FAIL) - '
printf '%s\n' "$out" | grep -Ev '^(ok|FAIL) - |^status ' | tail -20 | sed 's/^/# /'
FAILS=$((FAILS + $(printf '%s\n' "$out" | grep -c '^FAIL - ')))
expect_eq "docker run -it: the shell's exit status comes back" \
    "$(printf '%s\n' "$out" | sed -n 's/^status //p')" 5
finish
