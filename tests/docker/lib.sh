# tests/docker/lib.sh: helpers for the tests under a real Docker engine
# (issue 12). Each tests/docker/t_*.sh sources this file; run.sh has
# started the engine and built pmt-base (init-examples/Dockerfile.scratch:
# busybox and pm, FROM scratch) and the imported Debian root.
# Every container and image a test makes is named pmt-TEST-...; cleanup
# removes them by those names.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
unset PM_SOCKET
. "$ROOT/tests/docker/env.sh"
NAME=pmt-$(basename "$0" .sh | tr _ -)
CTRS=() IMGS=()

# dk ARGS...: the docker client on our engine, bounded in time.
dk() { timeout -k 5 "${DK_TIMEOUT:-60}" "$DOCKER" "$@"; }

# run_ctr SUFFIX ARGS...: docker run -d as $NAME-SUFFIX, no network.
# The container is removed at exit.
run_ctr() {
	local n=$NAME-$1; shift
	CTRS+=("$n")
	dk run -d --network none --name "$n" "$@" >/dev/null
}
# build_img SUFFIX DOCKERFILE-TEXT: an image $NAME-SUFFIX from a Dockerfile
# read on stdin with no context (FROM pmt-base and the like).
build_img() {
	local n=$NAME-$1
	IMGS+=("$n")
	printf '%s\n' "$2" | dk build -q -t "$n" - >/dev/null
}
# cfg FILE: a config as a file the containers can mount read-only.
cfg() { cat >"$T/$1"; chmod 644 "$T/$1"; }

health() { dk inspect -f '{{.State.Health.Status}}' "$1" 2>/dev/null; }
health_is() { [ "$(health "$1")" = "$2" ]; }
# health_log CTR: the output of the last health checks.
health_log() {
	dk inspect -f '{{range .State.Health.Log}}{{.ExitCode}}: {{.Output}}{{end}}' "$1" 2>/dev/null
}
running() { [ "$(dk inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }
exited() { [ "$(dk inspect -f '{{.State.Status}}' "$1" 2>/dev/null)" = exited ]; }
exit_code() { dk inspect -f '{{.State.ExitCode}}' "$1"; }
# pm_in CTR ARGS...: the pm client in the container.
pm_in() { dk exec "$1" pm "${@:2}"; }
# state_in CTR ID: ID's state as `pm status` in the container shows it.
state_in() { pm_in "$1" status 2>/dev/null | awk -v id="$2" '$1 == id { print $2 }'; }
state_in_is() { [ "$(state_in "$1" "$2")" = "$3" ]; }
# Fast health checks for the tests (the images say 10 s).
HC=(--health-interval 1s --health-timeout 3s --health-retries 1)

# diag CTR: what a failing test shows of a container.
diag() {
	echo "# $1: $(dk inspect -f '{{.State.Status}} exit={{.State.ExitCode}}' "$1" 2>&1)"
	dk logs "$1" 2>&1 | tail -15 | sed 's/^/#   /'
}

docker_cleanup() {
	local c
	for c in "${CTRS[@]}"; do dk rm -f "$c" >/dev/null 2>&1; done
	for c in "${IMGS[@]}"; do dk rmi -f "$c" >/dev/null 2>&1; done
	cleanup
}
trap docker_cleanup EXIT
