#!/usr/bin/env python3
"""bench/report.py META RAW [JSON]: the tables of bench/RESULTS.md.

RAW holds "contender N key value" lines written by bench/run.sh from
bench/pmb's output; META the machine, versions and run settings. Every
table shows the median with (min-max) over all samples of the run, and
the ratio of pm's median to the best peer's (below 1: pm is better).
The goals of issue 7 are judged at the end, met or missed by how much.
With JSON, every sample (and the derived log rates) is also written there
as {"meta": {...}, "samples": {who: {n: {key: [values]}}}} for
bench/plot.py.
"""
import json
import statistics
import sys
from collections import defaultdict

meta_lines = open(sys.argv[1]).read().splitlines()
meta = {}
pkgs = []
for line in meta_lines:
    k, _, v = line.partition(" ")
    if k == "pkg":
        pkgs.append(v.split(" ", 1))
    else:
        meta[k] = v

data = defaultdict(list)        # (who, n, key) -> [values]
whos = []
for line in open(sys.argv[2]):
    parts = line.split(None, 3)
    if len(parts) < 4:
        continue
    who, n, key, val = parts[0], parts[1], parts[2], parts[3].strip()
    if who not in whos:
        whos.append(who)
    try:
        data[(who, n, key)].append(float(val))
    except ValueError:
        data[(who, n, key + "_text")].append(val)

# Log rounds: per-sample rates from the time and CPU of each round.
LOGW = [w for w in ["pipe", "pm-text", "pm-json", "pm-file", "sed",
                    "supervisord", "s6", "runit"]
        if (w, "1", "secs") in data or (w, "1", "error_text") in data]
log_bytes = float(meta.get("log_lines", 0)) * 80
for (w, n, k), vs in list(data.items()):
    if k == "secs" and w in LOGW and log_bytes:
        data[(w, n, "lines_s")] = [log_bytes / 80 / v for v in vs if v > 0]
        data[(w, n, "mb_s")] = [log_bytes / 1e6 / v for v in vs if v > 0]
    if k in ("cpu_s", "pm_cpu_s") and w in LOGW and log_bytes:
        data[(w, n, k + "_gb")] = [v / (log_bytes / 1e9) for v in vs]

SUPS = [w for w in ["pm", "runit", "s6", "supervisord"] if w in whos]
INITS = [w for w in ["pm", "tini", "dumb-init", "catatonit"] if w in whos]
NS = sorted({int(n) for (w, n, k) in data if k == "cold_us" and n.isdigit()})
ORPH = sorted({int(n) for (w, n, k) in data if k == "reap_us"})
goals = []


def med(who, n, key):
    v = data.get((who, str(n), key))
    return statistics.median(v) if v else None


def fmt_us(v):
    if v is None:
        return "—"
    if v >= 1e6:
        return "%.2f s" % (v / 1e6)
    if v >= 1e4:
        return "%.0f ms" % (v / 1e3)
    if v >= 1e3:
        return "%.1f ms" % (v / 1e3)
    return "%.2f ms" % (v / 1e3)


def fmt_kib(v):
    if v is None:
        return "—"
    if v >= 1024:
        return "%.2f MiB" % (v / 1024)
    return "%.0f KiB" % v


def fmt_n(v):
    return "—" if v is None else "%.0f" % v


def cell(who, n, key, f):
    v = data.get((who, str(n), key))
    if not v:
        e = data.get((who, str(n), "error_text"))
        return "— (%s)" % e[0] if e else "—"
    m = statistics.median(v)
    if min(v) == max(v):
        return f(m)
    return "%s (%s–%s)" % (f(m), f(min(v)), f(max(v)))


def ratio(n, key, peers, higher_better=False):
    pm = med("pm", n, key)
    vals = [med(p, n, key) for p in peers if p != "pm"]
    vals = [v for v in vals if v is not None]
    if pm is None or not vals:
        return "—", None
    best = max(vals) if higher_better else min(vals)
    if best == 0:
        return ("1" if pm == 0 else "∞"), best
    return "%.2f" % (pm / best), best


def table(title, key, f, who_list, ns, note="", higher_better=False):
    print("### %s\n" % title)
    if note:
        print(note + "\n")
    cols = ["N = %s" % n for n in ns] if ns[0].isdigit() else ["value"]
    print("| | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for w in who_list:
        print("| %s | " % w + " | ".join(cell(w, n, key, f) for n in ns) + " |")
    print("| **pm / best peer** | " + " | ".join(
        ratio(n, key, who_list, higher_better)[0] for n in ns) + " |")
    print()


def goal(what, ok, detail):
    goals.append((what, ok, detail))


def nopipe():
    k = max(data.get(("pm", "10000", "nopipe"), [0]))
    return (" At N = 10,000 pm ran out of open files (limit %s) for the "
            "pipes of %d services, which ran with their output not "
            "captured, as pm said." % (meta.get("nofile"), k)) if k else ""


def growth(key, what):
    """Cost at N = 10,000 over N = 1,000: linear or better is at most 10."""
    a, b = med("pm", 1000, key), med("pm", 10000, key)
    if a and b is not None:
        goal("%s grows linearly or better, N=1000 to 10000" % what,
             b / a <= 10, "%.1f times for 10 times the services"
             % (b / a))


print("# pm benchmark results\n")
print("Written by `make bench` (bench/run.sh%s) on %s. Do not edit by hand.\n"
      % (" --quick" if meta.get("mode") == "quick" else "", meta.get("date")))
print("| | |\n|---|---|")
for k, label in [("cpu", "machine"), ("mem", "memory"), ("kernel", "kernel"),
                 ("os", "system"), ("pm", "pm")]:
    print("| %s | %s |" % (label, meta.get(k, "?")))
for p, v in pkgs:
    print("| %s | %s |" % (p, v))
print("| run | %s, %s repetitions interleaved (each repetition runs every "
      "contender once, in turn), %s s |" % (meta.get("mode"), meta.get("reps"),
                                           meta.get("elapsed")))
if meta.get("load"):
    print("| load average | %s (1, 5, 15 min; 2 cores: above 2, the run "
          "shared the machine) |" % meta["load"])
print()
if meta.get("skipped", "").strip():
    print("Left out of this run: %s (— in the tables).\n"
          % ", ".join(x.replace(":", " at N=") for x in meta["skipped"].split()))
print("Every cell: median (min–max) over all samples. Ratio: pm's median over "
      "the best peer's; below 1, pm is better (for requests/s, above 1).\n")

# Footprint.
print("### Footprint\n")
print("pm: the stripped static binary. Peers: every executable and shared "
      "library they need (supervisord: python3 and the supervisor package, "
      "python's standard library not counted).\n")
print("| | bytes | |\n|---|---|---|")
fp = {w: med(w, 0, "footprint_bytes") for w in whos}
fp = {w: v for w, v in fp.items() if v is not None}
for w, v in sorted(fp.items(), key=lambda x: x[1]):
    print("| %s | %d | %.0f KiB |" % (w, v, v / 1024))
peers = [v for w, v in fp.items() if w != "pm"]
if "pm" in fp and peers:
    print("| **pm / best peer** | %.2f | |" % (fp["pm"] / min(peers)))
print()
if "pm" in fp:
    goal("footprint ≤ 128 KiB (131072 bytes)", fp["pm"] <= 131072,
         "%d bytes (%.1f KiB)" % (fp["pm"], fp["pm"] / 1024))

sns = [str(n) for n in NS]
if NS:
    table("Memory: total PSS of the supervisor's processes", "pss_kib",
          fmt_kib, SUPS, sns,
          "runit: runsvdir + N runsv; s6: s6-svscan + N s6-supervise; "
          "supervisord: one python process; pm: one process. Services "
          "excluded. Measured %s s after the last service started."
          % meta.get("settle", "?"))
    if 10000 in NS:
        print("N = 10,000 ran in %s of the %s repetitions, each contender "
              "given %s s to start all services; — (why) marks one that "
              "did not.%s\n" % (meta.get("big_reps"), meta.get("reps"),
                                meta.get("big_limit"), nopipe()))
    for n, lim, lab in [(1000, 2048, "2 MiB"), (1000, 1024, "1 MiB"),
                        (10, 512, "0.5 MiB")]:
        v = med("pm", n, "pss_kib")
        if v is not None:
            goal("memory ≤ %s at N=%d" % (lab, n), v <= lim,
                 "%s%s" % (fmt_kib(v), "" if v <= lim else
                           ", %s over" % fmt_kib(v - lim)))
    table("Status of all N services, whole process", "status_us", fmt_us,
          [w for w in SUPS if w != "s6"], sns,
          "`pm status`, `sv status DIR...`, `supervisorctl status`: "
          "fork, exec, query, print, exit. s6 has no status command for "
          "many services (s6-svstat takes one directory), so it is not "
          "listed.")
    for n in NS:
        for w in SUPS:
            lines = data.get((w, str(n), "status_lines"))
            if lines and min(lines) < n:
                print("Note: %s printed %d lines for N=%d.\n"
                      % (w, min(lines), n))
    v = med("pm", 1000, "status_us")
    if v is not None:
        goal("status of all N ≤ 2 ms at N=1000", v <= 2000, fmt_us(v) + (
            "" if v <= 2000 else ", %s over" % fmt_us(v - 2000)))
    table("Cold start: launch until all N services run", "cold_us", fmt_us,
          SUPS, sns, "Until the last service has announced its pid on the "
          "bench's socket.")
    v = med("pm", 1000, "cold_us")
    if v is not None:
        goal("cold start ≤ 0.5 s at N=1000", v <= 5e5, fmt_us(v) + (
            "" if v <= 5e5 else ", %s over" % fmt_us(v - 5e5)))
    table("Respawn: kill -9 a service until its replacement runs",
          "respawn_us", fmt_us, SUPS, sns,
          "pm with restart_delay = 0; peers as shipped. Each victim has "
          "run for over 1.5 s (runsv and s6-supervise delay the restart "
          "of a younger one).")
    for n in NS:
        v = med("pm", n, "respawn_us")
        if v is not None:
            for lim in (1000, 500):
                goal("respawn ≤ %s median at N=%d" % (fmt_us(lim), n),
                     v <= lim, fmt_us(v) + ("" if v <= lim else ", %s over"
                                            % fmt_us(v - lim)))

    for key, what in [("pss_kib", "memory"), ("status_us", "status"),
                      ("cold_us", "cold start"), ("respawn_us", "respawn")]:
        growth(key, what)

if any(k == "idle_vcs" for (w, n, k) in data):
    table("Idle wakeups: voluntary context switches in %s s, 10 idle "
          "services" % meta.get("idle_secs"), "idle_vcs", fmt_n, SUPS,
          ["idle"], "All contenders side by side over the same window, "
                    "summed over the supervisor's processes.")
    v = data.get(("pm", "idle", "idle_vcs"))
    if v:
        goal("idle wakeups = 0", max(v) == 0,
             "%d at most over %s s" % (max(v), meta.get("idle_secs")))

if ORPH:
    os_ = [str(n) for n in ORPH]
    table("PID 1 reaping: N orphans released at once", "reap_us", fmt_us,
          INITS, os_, "Inside `unshare --pid --fork --mount-proc INIT`: a "
          "child leaves N grandchildren to PID 1 and releases them at "
          "once; time until only PID 1 (and that child) is left.")
    print("| | orphans left (max) | exit status right | TERM forwarded |")
    print("|---|---|---|---|")
    for w in INITS:
        left = max([max(data.get((w, n, "left"), [0])) for n in os_])
        ok = sum(sum(data.get((w, n, "status_ok"), [])) for n in os_)
        tot = sum(len(data.get((w, n, "status_ok"), [])) for n in os_)
        tok = data.get((w, "0", "term_ok"), [])
        print("| %s | %d | %d of %d | %d of %d |" % (w, left, ok, tot,
                                                     sum(tok), len(tok)))
    print()
    for n in os_:
        r, best = ratio(n, "reap_us", INITS)
        v = med("pm", n, "reap_us")
        if v is not None and best is not None:
            goal("reaping %s orphans no slower than the best peer" % n,
                 v <= best, "pm %s, best peer %s (ratio %s)"
                 % (fmt_us(v), fmt_us(best), r))
    left = max([max(data.get(("pm", n, "left"), [0])) for n in os_])
    sok = data.get(("pm", os_[0], "status_ok"), [])
    allok = all(all(data.get(("pm", n, "status_ok"), [0])) for n in os_)
    tok = data.get(("pm", "0", "term_ok"), [])
    goal("PID 1: 0 orphans left, status and TERM always right",
         left == 0 and allok and tok and all(tok),
         "%d left, status %s, TERM %d of %d" % (
             left, "right" if allok and sok else "WRONG", sum(tok), len(tok)))

if data.get(("pm", "10", "ping_us")):
    print("### Client round trip (pm only: no peer serves this)\n")
    print("`pm ping s1` as a whole process against a server with 10 "
          "services; requests/s from 50 concurrent clients (bench/pmb, "
          "two processes speaking PROTOCOL.md: connect, STATUS s1, read "
          "to EOF) against one server.\n")
    print("| | value |\n|---|---|")
    print("| `pm ping` whole process | %s |" % cell("pm", 10, "ping_us", fmt_us))
    print("| requests/s, 50 clients | %s |" % cell("pm", 10, "load_rps", fmt_n))
    errs = sum(data.get(("pm", "10", "load_errors"), []))
    print("| failed requests | %d |" % errs)
    print()
    v = med("pm", 10, "ping_us")
    goal("pm ping ≤ 1 ms whole process", v <= 1000, fmt_us(v))
    v = med("pm", 10, "load_rps")
    goal("≥ 50,000 requests/s from 50 clients", v >= 50000, "%.0f/s%s" % (
        v, "" if v >= 50000 else ", %.0f short" % (50000 - v)))

if LOGW:
    print("### Log throughput\n")
    print("%d lines of 80 bytes, from 1 process or split over 10 at once "
          "(bench/pmb gen, writing 51 whole lines at a time), all starting "
          "on one word once all run; timed from that word until the last "
          "line is in the sink. "
          "pipe: the producers into a plain pipe, `cat > FILE`: the limit. "
          "pm-text: pm's console (`ID | line`) to a file; pm-json: the same "
          "with `log_format = json`; pm-file: `log = FILE` per process. "
          "sed: the pipe through `sed -u 's/^/gen | /'`. supervisord: "
          "`stdout_logfile=/dev/stdout`, `maxbytes=0` (no prefix); s6: "
          "s6-log per process (no prefix); runit: svlogd per process with "
          "a prefix. CPU: every process of the contender but the "
          "producers, from /proc/PID/schedstat.\n"
          % float(meta.get("log_lines", 0)))
    print("| | lines/s, 1 | lines/s, 10 | MB/s, 1 | MB/s, 10 | CPU s/GB, 1 "
          "| CPU s/GB, 10 |")
    print("|---|---|---|---|---|---|---|")
    fl = lambda v: "%.2fM" % (v / 1e6)
    fm = lambda v: "%.0f" % v
    fc = lambda v: "%.2f" % v
    for w in LOGW:
        print("| %s | %s | %s | %s | %s | %s | %s |" % (
            w, cell(w, 1, "lines_s", fl), cell(w, 10, "lines_s", fl),
            cell(w, 1, "mb_s", fm), cell(w, 10, "mb_s", fm),
            cell(w, 1, "cpu_s_gb", fc), cell(w, 10, "cpu_s_gb", fc)))
    print()
    print("| | lines cut, merged or out of order | `pm status` during the "
          "flood, median (max) |\n|---|---|---|")
    for w in LOGW:
        bad = sum(sum(data.get((w, n, "bad"), [])) for n in ("1", "10"))
        tot = sum(sum(data.get((w, n, "lines"), [])) for n in ("1", "10"))
        lat = "—"
        if data.get((w, "1", "status_med_us")):
            lat = " / ".join("%s (%s) at %s" % (
                fmt_us(med(w, n, "status_med_us")),
                fmt_us(max(data[(w, n, "status_max_us")])),
                "1 process" if n == "1" else "10")
                for n in ("1", "10") if data.get((w, n, "status_med_us")))
        print("| %s | %d of %d | %s |" % (w, bad, tot, lat))
    print()
    peers = [w for w in LOGW if w in ("sed", "supervisord", "s6", "runit")]
    for n in ("1", "10"):
        pipe, pm = med("pipe", n, "lines_s"), med("pm-text", n, "lines_s")
        if pipe and pm:
            goal("prefixed logs ≥ half the plain pipe, %s process%s" %
                 (n, "" if n == "1" else "es"), pm >= pipe / 2,
                 "%.0f%% of the pipe (%.2fM vs %.2fM lines/s)" %
                 (100 * pm / pipe, pm / 1e6, pipe / 1e6))
        best = max([med(p, n, "lines_s") or 0 for p in peers] or [0])
        if pm and best:
            goal("prefixed logs ahead of every peer, %s process%s" %
                 (n, "" if n == "1" else "es"), pm > best,
                 "pm %.2fM, best peer %.2fM lines/s" % (pm / 1e6,
                                                       best / 1e6))
        cpu = med("pm-text", n, "cpu_s_gb")
        best = min([med(p, n, "cpu_s_gb") or 1e9 for p in peers] or [1e9])
        if cpu and best < 1e9:
            goal("prefixed logs: less CPU per GB than every peer, %s "
                 "process%s" % (n, "" if n == "1" else "es"), cpu < best,
                 "pm %.2f s/GB, best peer %.2f" % (cpu, best))
    bad = sum(sum(data.get((w, n, "bad"), [])) for w in LOGW
              if w.startswith("pm") for n in ("1", "10"))
    goal("pm's lines whole and in order per process", bad == 0,
         "%d bad" % bad)
    mx = [max(data.get((w, n, "status_max_us"), [0])) for w in LOGW
          for n in ("1", "10")]
    md = [med(w, n, "status_med_us") or 0 for w in LOGW for n in ("1", "10")]
    if max(mx):
        goal("`pm status` answers during the flood: median ≤ 5 ms",
             max(md) <= 5000, "worst median %s, worst single %s"
             % (fmt_us(max(md)), fmt_us(max(mx))))

print("### Goals (issues 7 and 19)\n")
print("| goal | | measured |\n|---|---|---|")
for what, ok, detail in goals:
    print("| %s | %s | %s |" % (what, "met" if ok else "**MISSED**", detail))
print()
errors = [(w, n, v) for (w, n, k), vs in data.items() if k == "error_text"
          for v in vs]
if errors:
    print("### Errors during the run\n")
    for w, n, v in errors:
        print("- %s N=%s: %s" % (w, n, v))
    print()

if len(sys.argv) > 3:
    samples = {}
    for (w, n, k), vs in data.items():
        if not k.endswith("_text"):
            samples.setdefault(w, {}).setdefault(n, {})[k] = vs
    with open(sys.argv[3], "w") as f:
        json.dump({"meta": meta, "samples": samples}, f, indent=1,
                  sort_keys=True)
        f.write("\n")
