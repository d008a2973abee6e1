# tests/docker/env.sh: where the harness's own engine lives (sourced).
DROOT=$ROOT/build/docker
# Debian's client: a docker earlier in PATH may be another build.
DOCKER=/usr/bin/docker
export DOCKER_HOST=unix://$DROOT/docker.sock
CTX=$DROOT/ctx
DEBIAN_IMG=pmt-debian-minbase:12
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
