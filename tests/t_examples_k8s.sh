#!/usr/bin/env bash
# init-examples/kubernetes.yaml and compose.yaml (issue 15), parsed with
# python3-yaml (installed when missing), agree with the pm.ini they run
# (pod.ini): pm is the image's ENTRYPOINT, liveness runs `pm ping`,
# readiness and the prometheus.io annotations use pm's http port, and the
# grace periods leave room for shutdown_timeout.
. "$(dirname "$0")/lib.sh"
"$ROOT/tests/install-deps.sh" python3-yaml >/dev/null ||
	{ echo "skip - python3-yaml cannot be installed here"; finish; }
E=$ROOT/init-examples

check "pod.ini checks" "$PM" config check "$E/pod.ini"
port=$(sed -n 's/^http = .*:\([0-9]*\)$/\1/p' "$E/pod.ini")
st=$(sed -n 's/^shutdown_timeout = \([0-9]*\)s$/\1/p' "$E/pod.ini")
check "pod.ini has an http port ($port) and shutdown_timeout ($st s)" \
	test -n "$port" -a -n "$st"
check "the image runs pm as its ENTRYPOINT" \
	grep -Eq '^ENTRYPOINT \["/usr/local/bin/pm"\]' "$E/Dockerfile.debian"

out=$(python3 - "$E/kubernetes.yaml" "$E/compose.yaml" "$port" "$st" <<'PY'
import sys, yaml
k8s, compose, port, st = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def say(ok, what):
    print(("ok - " if ok else "FAIL - ") + what)
d = yaml.safe_load(open(k8s))
say(d["kind"] == "Deployment", "kubernetes.yaml is a Deployment")
t = d["spec"]["template"]
a = t["metadata"]["annotations"]
say(a.get("prometheus.io/scrape") == "true", "prometheus.io/scrape is \"true\"")
say(a.get("prometheus.io/port") == str(port), "prometheus.io/port is pm's http port")
say(a.get("prometheus.io/path") == "/metrics", "prometheus.io/path is /metrics")
g = t["spec"]["terminationGracePeriodSeconds"]
say(g > st, "terminationGracePeriodSeconds (%d) > shutdown_timeout (%d)" % (g, st))
c = t["spec"]["containers"][0]
say("command" not in c and "args" not in c, "no command: the image's ENTRYPOINT (pm) runs")
say(c["livenessProbe"]["exec"]["command"] == ["pm", "ping"], "liveness runs pm ping")
r = c["readinessProbe"]["httpGet"]
say(r["path"] == "/readyz" and r["port"] == port, "readiness: httpGet /readyz on pm's http port")
say(port in [p["containerPort"] for p in c["ports"]], "the http port is a containerPort")
say(any(m["mountPath"] == "/etc/pm.ini" for m in c["volumeMounts"]), "pm.ini mounted at /etc/pm.ini")
d = yaml.safe_load(open(compose))
s = d["services"]["pm"]
say("entrypoint" not in s and "command" not in s, "compose: the image's ENTRYPOINT (pm) runs")
say(s["healthcheck"]["test"] == ["CMD", "pm", "ping"], "compose: healthcheck runs pm ping")
gp = s["stop_grace_period"]
say(gp.endswith("s") and int(gp[:-1]) > st, "compose: stop_grace_period (%s) > shutdown_timeout" % gp)
say(any(str(p).endswith(":%d" % port) for p in s["ports"]), "compose: pm's http port published")
say("./pod.ini:/etc/pm.ini:ro" in s["volumes"], "compose: pod.ini is /etc/pm.ini")
PY
)
echo "$out"
FAILS=$((FAILS + $(printf '%s\n' "$out" | grep -c '^FAIL')))
check "the yaml checks ran" test "$(printf '%s\n' "$out" | grep -c '^ok')" -ge 15
finish
