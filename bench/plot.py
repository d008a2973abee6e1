#!/usr/bin/env python3
"""bench/plot.py JSON DIR: one plot per metric from the bench's own JSON
(bench/report.py writes it), drawn by gnuplot as SVG into DIR.

Costs against N on log-log axes, pm and every peer; log throughput as
bars. Each point is the median of the run's samples.
"""
import json
import os
import statistics
import subprocess
import sys

res = json.load(open(sys.argv[1]))
S, meta, out = res["samples"], res["meta"], sys.argv[2]
os.makedirs(out, exist_ok=True)
sub = "%s, %s run on %s" % (meta.get("cpu", "?"), meta.get("mode", "?"),
                            meta.get("date", "?"))


def med(who, n, key):
    v = S.get(who, {}).get(str(n), {}).get(key)
    return statistics.median(v) if v else None


def gnuplot(name, script, data):
    with open(os.path.join(out, name + ".dat"), "w") as f:
        f.write(data)
    full = ("set terminal svg size 720,440 dynamic font 'sans,12'\n"
            "set output '%s'\nset key top left\nset grid\n"
            "set label 1 '%s' at screen 0.01,0.02 font ',9'\n%s\n"
            % (os.path.join(out, name + ".svg"), sub, script))
    subprocess.run(["gnuplot"], input=full.encode(), check=True)
    os.remove(os.path.join(out, name + ".dat"))


def against_n(name, key, title, ylabel, whos, scale=1.0):
    ns = sorted({int(n) for w in whos for n in S.get(w, {})
                 if n.isdigit() and int(n) > 0 and key in S[w][n]})
    whos = [w for w in whos if any(med(w, n, key) is not None for n in ns)]
    if len(ns) < 2 or not whos:
        return
    rows = ["%d %s" % (n, " ".join(
        "%g" % (med(w, n, key) * scale) if med(w, n, key) is not None
        else "NaN" for w in whos)) for n in ns]
    dat = os.path.join(out, name + ".dat")
    plots = ", ".join("'%s' using 1:%d with linespoints lw 2 title '%s'"
                      % (dat, i + 2, w) for i, w in enumerate(whos))
    gnuplot(name, "set title '%s'\nset logscale xy\nset xlabel 'N'\n"
            "set ylabel '%s'\nset xtics (%s)\nset xrange [%g:%g]\nplot %s"
            % (title, ylabel, ", ".join(str(n) for n in ns), ns[0] / 1.5,
               ns[-1] * 1.5, plots),
            "\n".join(rows) + "\n")


def bars(name, key, title, ylabel, whos, scale=1.0, log=False):
    whos = [w for w in whos if med(w, 1, key) is not None]
    if not whos:
        return
    rows = ["\"%s\" %s" % (w, " ".join(
        "%g" % (med(w, n, key) * scale) if med(w, n, key) is not None
        else "NaN" for n in (1, 10))) for w in whos]
    dat = os.path.join(out, name + ".dat")
    gnuplot(name, "set title '%s'\nset ylabel '%s'\nset style data "
            "histograms\nset style histogram clustered gap 1\nset style "
            "fill solid 0.8 border -1\nset key top right\nset xtics "
            "rotate by -30\n%s\nplot '%s' using 2:xtic(1) "
            "title '1 process', '' using 3 title '10 processes'"
            % (title, ylabel, "set logscale y" if log else "set yrange [0:*]",
               dat), "\n".join(rows) + "\n")


SUPS = ["pm", "runit", "s6", "supervisord"]
INITS = ["pm", "tini", "dumb-init", "catatonit"]
LOGW = ["pipe", "pm-text", "pm-json", "pm-file", "sed", "supervisord", "s6",
        "runit"]
against_n("memory", "pss_kib", "Memory: PSS of the supervisor", "MiB",
          SUPS, 1 / 1024)
against_n("status", "status_us", "Status of all N services, whole process",
          "ms", [w for w in SUPS if w != "s6"], 1e-3)
against_n("cold_start", "cold_us", "Cold start until all N services run",
          "ms", SUPS, 1e-3)
against_n("respawn", "respawn_us", "Respawn after kill -9", "ms", SUPS, 1e-3)
against_n("reap", "reap_us", "PID 1: reaping N orphans released at once",
          "ms", INITS, 1e-3)
bars("log_lines", "lines_s", "Log throughput, 80-byte lines",
     "million lines/s", LOGW, 1e-6)
bars("log_cpu", "cpu_s_gb", "CPU seconds per GB of log (lower is better)",
     "CPU s/GB (log scale)", LOGW, log=True)
