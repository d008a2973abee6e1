/*
 * config_test.c: config.c on its own, fed from strings. One line per
 * assertion, "ok - WHAT" or "FAIL - WHAT"; exit 1 when anything failed.
 * Built with ASan and UBSan (make unit), so leaks and overruns in the
 * error paths fail the run too.
 */
#include <sys/types.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

static int	fails;
static char	err[PM_ERR_MAX];

static void __attribute__((format(printf, 2, 3)))
check(bool cond, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[8192], *p;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One line per assertion: quoted errors and shows are flattened. */
	for (p = msg; *p != '\0'; p++)
		if (*p == '\n')
			*p = p[1] == '\0' || p[1] == ')' ? ' ' : '|';
	printf("%s - %s\n", cond ? "ok" : "FAIL", msg);
	if (!cond)
		fails++;
}

/* A config that must load; NULL (and a FAIL line) when it does not. */
static struct config *
good(const char *what, const char *text)
{
	struct config	*c;

	if (cfg_load_string("t.ini", text, &c, err, sizeof(err)) == -1) {
		check(false, "%s loads (errors: %s)", what, err);
		return NULL;
	}
	check(true, "%s loads", what);
	return c;
}

/*
 * A config that must fail with an error line that starts with "t.ini:LINE:"
 * and contains each of the given words.
 */
static void
bad(const char *what, const char *text, int line, const char *w1,
    const char *w2)
{
	struct config	*c = (struct config *)&c;
	char		 pfx[32], *at;
	int		 r;

	r = cfg_load_string("t.ini", text, &c, err, sizeof(err));
	snprintf(pfx, sizeof(pfx), "t.ini:%d: ", line);
	at = strstr(err, pfx);
	check(r == -1 && c == NULL, "%s: rejected", what);
	check(at != NULL && (at == err || at[-1] == '\n'),
	    "%s: error at %s (got: %s)", what, pfx, err);
	if (w1 != NULL)
		check(at != NULL && strstr(at, w1) != NULL,
		    "%s: message names '%s' (got: %s)", what, w1, err);
	if (w2 != NULL)
		check(at != NULL && strstr(at, w2) != NULL,
		    "%s: message names '%s' (got: %s)", what, w2, err);
}

static void
test_defaults(void)
{
	struct config	*c;
	struct cfg_proc	*p;

	c = good("empty config", "");
	if (c != NULL) {
		check(c->nproc == 0, "empty config has no processes");
		check(c->set.max_clients == 256, "max_clients default 256");
		check(c->set.shutdown_timeout_ms == 30000,
		    "shutdown_timeout default 30s");
		check(c->set.log_level == L_INFO, "log_level default info");
		check(c->set.socket == NULL && c->set.listen == NULL,
		    "socket and listen unset by default");
		check(strcmp(c->file, "t.ini") == 0, "config remembers name");
		cfg_free(c);
	}
	c = good("one service", "[process:web]\ncommand = /bin/web -p 80\n");
	if (c == NULL)
		return;
	p = &c->procs[0];
	check(c->nproc == 1 && strcmp(p->id, "web") == 0 && p->line == 1,
	    "id and header line recorded");
	check(p->type == PT_SERVICE && p->autostart && !p->shell &&
	    !p->critical, "service, autostart, no shell, not critical");
	check(p->restart == RS_ALWAYS, "service restart default always");
	check(p->restart_delay_ms == 1000 && p->restart_delay_max_ms == 60000,
	    "restart delays 1s and 60s");
	check(p->stable_ms == 10000, "stable_ms 10000");
	check(p->start_limit == 5, "start_limit 5");
	check(p->stop_signal == SIGTERM && p->stop_timeout_ms == 10000,
	    "stop TERM after 10s");
	check(p->uid == (uid_t)-1 && p->gid == (gid_t)-1 &&
	    p->user == NULL && p->group == NULL, "credentials unchanged");
	check(p->umask == -1 && !p->has_nice && p->directory == NULL,
	    "umask, nice, directory unchanged");
	check(p->rlimit_nofile == -1 && p->rlimit_core == -1 &&
	    p->rlimit_nproc == -1, "rlimits unchanged");
	check(p->nenv == 0 && p->ndeps == 0 && p->depends == NULL,
	    "no env, no deps");
	check(p->argv != NULL && strcmp(p->argv[0], "/bin/web") == 0 &&
	    strcmp(p->argv[2], "80") == 0 && p->argv[3] == NULL,
	    "argv split");
	check(strcmp(p->command, "/bin/web -p 80") == 0, "command as written");
	cfg_free(c);

	c = good("oneshot", "[process:init]\ncommand=x\ntype=oneshot\n");
	if (c != NULL) {
		check(c->procs[0].restart == RS_NEVER,
		    "oneshot restart default never");
		cfg_free(c);
	}
	c = good("oneshot with restart", "[process:init]\nrestart = "
	    "on-failure\ncommand=x\ntype=oneshot\n");
	if (c != NULL) {
		check(c->procs[0].restart == RS_ON_FAILURE,
		    "explicit restart kept for oneshot");
		cfg_free(c);
	}
}

static void
test_full(void)
{
	static const char text[] =
	    "\xef\xbb\xbf; a comment\n"
	    "# another comment\n"
	    "\n"
	    "[settings]\n"
	    "socket = /run/x.sock\n"
	    "socket_group = root\n"
	    "listen = [::1]:9000\n"
	    "token_file = /etc/pm.token\n"
	    "shutdown_timeout = 5s\n"
	    "log_level = debug\n"
	    "log_target = syslog\n"
	    "max_clients = 10\n"
	    "\n"
	    "[process:db]\n"
	    "command = db --data '/var/lib/db x'\n"
	    "\n"
	    "[process:web.1]\n"
	    "  command = sh -c 'echo a; echo b'\n"
	    "shell = no\n"
	    "autostart = false\n"
	    "restart = on-failure\n"
	    "restart_delay = 500ms\n"
	    "restart_delay_max = 2m\n"
	    "start_limit = 0\n"
	    "critical = yes\n"
	    "depends = db, cache\n"
	    "depends = db\n"
	    "stop_signal = SIGINT\n"
	    "stop_timeout = 0.5\n"
	    "user = root\n"
	    "directory = /srv\n"
	    "umask = 0077\n"
	    "nice = -5\n"
	    "rlimit_nofile = 4K\n"
	    "rlimit_core = unlimited\n"
	    "rlimit_nproc = 100\n"
	    "environment = A=1\n"
	    "environment = B=x=y\n"
	    "environment = EMPTY=\n"
	    "[process:cache]\n"
	    "command = echo 'a;b' ; date\n"
	    "shell = yes\n";
	struct config	*c;
	struct cfg_proc	*p, *db, *cache;
	char		 buf[2048];
	int		 n;

	if ((c = good("full config", text)) == NULL)
		return;
	check(strcmp(c->set.socket, "/run/x.sock") == 0, "socket");
	check(c->set.socket_gid == 0, "socket_group resolved");
	check(strcmp(c->set.listen, "[::1]:9000") == 0, "listen IPv6");
	check(c->set.shutdown_timeout_ms == 5000, "shutdown_timeout");
	check(c->set.log_level == L_DEBUG, "log_level debug");
	check(strcmp(c->set.log_target, "syslog") == 0, "log_target");
	check(c->set.max_clients == 10, "max_clients");
	check(c->nproc == 3, "three processes");
	db = &c->procs[cfg_find(c, "db")];
	p = &c->procs[cfg_find(c, "web.1")];
	cache = &c->procs[cfg_find(c, "cache")];
	check(cfg_find(c, "nope") == -1, "cfg_find unknown is -1");
	check(strcmp(db->argv[2], "/var/lib/db x") == 0 &&
	    db->argv[3] == NULL, "single quotes keep spaces");
	check(strcmp(p->argv[2], "echo a; echo b") == 0,
	    "';' survives (no inline comments)");
	check(!p->autostart && p->restart == RS_ON_FAILURE && p->critical,
	    "autostart, restart, critical");
	check(p->restart_delay_ms == 500 && p->restart_delay_max_ms == 120000,
	    "delays 500ms, 2m");
	check(p->start_limit == 0, "start_limit 0 allowed");
	check(p->ndeps == 2 && &c->procs[p->deps[0]] == db &&
	    &c->procs[p->deps[1]] == cache, "depends resolved, repeat dropped");
	check(p->depends != NULL && strcmp(p->depends, "db cache") == 0,
	    "depends names kept for display");
	check(p->stop_signal == SIGINT && p->stop_timeout_ms == 500,
	    "stop_signal SIGINT, stop_timeout 0.5");
	check(p->uid == 0 && p->gid == 0 && strcmp(p->user, "root") == 0,
	    "user root resolved with its group");
	check(strcmp(p->directory, "/srv") == 0 && p->umask == 077,
	    "directory, umask");
	check(p->has_nice && p->nice == -5, "nice -5");
	check(p->rlimit_nofile == 4096 && p->rlimit_core == -2 &&
	    p->rlimit_nproc == 100, "rlimits (K suffix, unlimited)");
	check(p->nenv == 3 && strcmp(p->env[1], "B=x=y") == 0 &&
	    strcmp(p->env[2], "EMPTY=") == 0, "environment lines");
	check(cache->shell && strcmp(cache->argv[0], "/bin/sh") == 0 &&
	    strcmp(cache->argv[1], "-c") == 0 &&
	    strcmp(cache->argv[2], "echo 'a;b' ; date") == 0 &&
	    cache->argv[3] == NULL, "shell = yes runs /bin/sh -c command");

	n = cfg_proc_show(p, buf, sizeof(buf));
	check(n > 0 && (size_t)n == strlen(buf), "proc show fits, returns "
	    "its length");
	check(strstr(buf, "restart_delay = 500ms\n") != NULL &&
	    strstr(buf, "restart_delay_max = 2m\n") != NULL &&
	    strstr(buf, "stop_signal = INT\n") != NULL &&
	    strstr(buf, "umask = 0077\n") != NULL &&
	    strstr(buf, "depends = db cache\n") != NULL &&
	    strstr(buf, "rlimit_core = unlimited\n") != NULL &&
	    strstr(buf, "environment = B=x=y\n") != NULL &&
	    strstr(buf, "start_limit = 0\n") != NULL,
	    "proc show uses config syntax (got: %s)", buf);
	n = cfg_proc_show(p, buf, 40);
	check(n == -1 && strlen(buf) < 40, "proc show too small is -1, "
	    "terminated");
	check(cfg_proc_show(p, buf, 0) == -1, "proc show into 0 bytes");
	n = cfg_proc_show(db, buf, sizeof(buf));
	check(n > 0 && strstr(buf, "# user =\n") != NULL &&
	    strstr(buf, "stop_timeout = 10s\n") != NULL &&
	    strstr(buf, "restart_delay_max = 1m\n") != NULL,
	    "defaults shown, unset keys commented");
	n = cfg_settings_show(&c->set, buf, sizeof(buf));
	check(n > 0 && strstr(buf, "listen = [::1]:9000\n") != NULL &&
	    strstr(buf, "log_level = debug\n") != NULL &&
	    strstr(buf, "max_clients = 10\n") != NULL &&
	    strstr(buf, "shutdown_timeout = 5s\n") != NULL,
	    "settings show (got: %s)", buf);
	check(cfg_settings_show(&c->set, buf, 20) == -1,
	    "settings show too small is -1");
	cfg_free(c);
}

/*
 * Issue 13: the shows walk the key tables. Every key, once, in the order
 * they have always had, with the defaults and the monitoring keys.
 */
static void
test_show_all(void)
{
	struct config	*c;
	char		 buf[2048];

	c = good("show all", "[settings]\ntcp_identity = h:1\n"
	    "[process:c]\ncommand = x\nready = exec:/bin/ok\n"
	    "on_check_fail = stop\ntty = /dev/tty9\nenvironment = A=1\n"
	    "stop_signal = 40\n");
	if (c == NULL)
		return;
	check(cfg_proc_show(&c->procs[0], buf, sizeof(buf)) > 0 &&
	    strcmp(buf, "command = x\nshell = no\ntype = service\n"
	    "autostart = yes\nrestart = always\nrestart_delay = 1s\n"
	    "restart_delay_max = 1m\nstart_limit = 5\ncritical = no\n"
	    "# depends =\nstop_signal = 40\nstop_timeout = 10s\n# user =\n"
	    "# group =\n# directory =\n# umask =\n# nice =\n"
	    "# rlimit_nofile =\n# rlimit_core =\n# rlimit_nproc =\n"
	    "environment = A=1\ntty = /dev/tty9\nlog = console\n"
	    "log_max_size = 10485760\nlog_keep = 3\nready = exec:/bin/ok\n"
	    "ready_timeout = 1m\n# check =\ncheck_interval = 30s\n"
	    "check_timeout = 10s\ncheck_retries = 3\non_check_fail = stop\n"
	    "# on_exit =\n# on_fatal =\n# schedule =\noverlap = skip\n"
	    "success_exit = 0\n# env_file =\n# process_group =\ninstances = 1\n"
	    "# memory_max =\n# memory_high =\n# memory_swap_max =\n"
	    "# pids_max =\n# cpu_max =\n# cpu_weight =\n# io_weight =\n") == 0,
	    "proc show: every key in order (got: %s)", buf);
	check(cfg_settings_show(&c->set, buf, sizeof(buf)) > 0 &&
	    strcmp(buf, "# socket =\n# socket_group =\n# listen =\n"
	    "# token_file =\ntcp_identity = h:1\nshutdown_timeout = 30s\n"
	    "log_level = info\nlog_target = stderr\nmax_clients = 256\n"
	    "init = auto\nctrlaltdel = reboot\non_critical = poweroff\n"
	    "# watchdog =\n# watchdog_timeout =\n# watchdog_test_stop =\n"
	    "log_format = text\n"
	    "log_timestamps = no\nlog_main_prefix = no\n"
	    "log_ring_size = 16384\n# http =\n# http_token_file =\n"
	    "# events =\nevents_max_size = 10485760\nevents_keep = 3\ncgroup = auto\n") == 0,
	    "settings show: every key in order (got: %s)", buf);
	cfg_free(c);
}

/* Issue 13: the three hints for an unknown section, from one format. */
static void
test_section_hints(void)
{
	bad("[setings]", "[setings]\n", 1, "unknown section [setings] "
	    "(did you mean [settings]?)\n", NULL);
	bad("[proces:web]", "[proces:web]\n", 1, "unknown section "
	    "[proces:web] (did you mean [process:web]?)\n", NULL);
	bad("[bogus]", "[bogus]\n", 1, "unknown section [bogus] (want "
	    "[settings] or [process:ID])\n", NULL);
}

/*
 * Issue 13: whole numbers are read with strtol. Past the key's bounds,
 * past 32 and past 64 bits, signs and trailing text are refused
 * with the bounds named; the bounds themselves are taken.
 */
static void
test_whole_numbers(void)
{
	static const char *const no[] = { "2147483648", "9223372036854775808",
	    "99999999999999999999", "-1", "", "5x", "0x10", "5.0",
	    "+-1" };
	struct config	*c;
	char		 text[128];
	size_t		 i;

	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(text, sizeof(text), "[process:a]\ncommand = x\n"
		    "start_limit = %s\n", no[i]);
		bad(no[i], text, 3, "is not a whole number from 0 to "
		    "2147483647", NULL);
	}
	bad("nice below -20", "[process:a]\ncommand = x\nnice = -21\n", 3,
	    "from -20 to 19", NULL);
	if ((c = good("the bounds", "[settings]\nmax_clients = 65535\n"
	    "[process:a]\ncommand = x\nstart_limit = 2147483647\n"
	    "nice = -20\n")) != NULL) {
		check(c->set.max_clients == 65535 &&
		    c->procs[0].start_limit == INT_MAX &&
		    c->procs[0].nice == -20, "bounds taken");
		cfg_free(c);
	}
}

/* A show of every process reads back as the same configuration. */
/* Issue 5: the output keys, their defaults, bounds and errors. */
static void
test_logkeys(void)
{
	struct config	*c;

	if ((c = good("log defaults", "[process:a]\ncommand = x\n")) != NULL) {
		check(c->procs[0].log == NULL && c->procs[0].log_keep == 3 &&
		    c->procs[0].log_max_size == 10 << 20, "log default: console, "
		    "10M, keep 3");
		check(c->set.log_format == LF_TEXT && !c->set.log_timestamps &&
		    !c->set.log_main_prefix && c->set.log_ring_size == 16384,
		    "log settings defaults");
		cfg_free(c);
	}
	if ((c = good("log keys", "[settings]\nlog_format = json\n"
	    "log_timestamps = yes\nlog_main_prefix = yes\n"
	    "log_ring_size = 64K\n[process:a]\ncommand = x\n"
	    "log = /var/log/a.log\nlog_max_size = 1M\nlog_keep = 0\n"
	    "[process:b]\ncommand = x\nlog = console\nlog_max_size = 0\n"))
	    != NULL) {
		check(c->set.log_format == LF_JSON && c->set.log_timestamps &&
		    c->set.log_main_prefix && c->set.log_ring_size == 65536,
		    "log settings parsed");
		check(strcmp(c->procs[0].log, "/var/log/a.log") == 0 &&
		    c->procs[0].log_max_size == 1 << 20 &&
		    c->procs[0].log_keep == 0, "log, log_max_size, log_keep");
		check(c->procs[1].log == NULL && c->procs[1].log_max_size == 0,
		    "log = console, log_max_size = 0 (no rotation)");
		cfg_free(c);
	}
	if ((c = good("ring off", "[settings]\nlog_ring_size = 0\n")) != NULL) {
		check(c->set.log_ring_size == 0, "log_ring_size = 0");
		cfg_free(c);
	}
	bad("relative log", "[process:a]\ncommand = x\nlog = a.log\n", 3,
	    "log", "absolute");
	bad("log_keep too big", "[process:a]\ncommand = x\nlog_keep = 100\n",
	    3, "log_keep", "0 to 99");
	bad("log_max_size too small", "[process:a]\ncommand = x\n"
	    "log_max_size = 10\n", 3, "log_max_size", "bad size");
	bad("log_max_size not a size", "[process:a]\ncommand = x\n"
	    "log_max_size = 1X\n", 3, "log_max_size", "bad size");
	bad("bad log_format", "[settings]\nlog_format = xml\n", 2,
	    "log_format", "text|json");
	bad("log_ring_size too small", "[settings]\nlog_ring_size = 100\n", 2,
	    "log_ring_size", NULL);
	bad("log_ring_size too big", "[settings]\nlog_ring_size = 1G\n", 2,
	    "log_ring_size", NULL);
	bad("log in settings", "[settings]\nlog = /x\n", 2, "log", "[process:ID]");
}

static void
test_roundtrip(void)
{
	struct config	*a, *b;
	char		 text[8192], *t = text;
	int		 i, n;

	a = good("roundtrip source", "[process:a]\ncommand = run \"x y\"\n"
	    "user = 0\ngroup = 0\nnice = 3\numask = 2\ndepends = b\n"
	    "[process:b]\ncommand = b\ntype = oneshot\nstop_signal = 40\n"
	    "restart_delay = 1.5s\n");
	if (a == NULL)
		return;
	for (i = 0; i < a->nproc; i++) {
		t += sprintf(t, "[process:%s]\n", a->procs[i].id);
		n = cfg_proc_show(&a->procs[i], t, text + sizeof(text) - t);
		t += n > 0 ? n : 0;
	}
	if ((b = good("show output", text)) != NULL) {
		for (i = 0; i < a->nproc; i++)
			check(!cfg_proc_changed(&a->procs[i], &b->procs[i]) &&
			    a->procs[i].stop_signal ==
			    b->procs[i].stop_signal &&
			    a->procs[i].restart_delay_ms ==
			    b->procs[i].restart_delay_ms &&
			    a->procs[i].ndeps == b->procs[i].ndeps,
			    "roundtrip of %s", a->procs[i].id);
		cfg_free(b);
	}
	cfg_free(a);
}

/*
 * Cgroup limits (issue 14) are kept as the text the kernel's file takes;
 * the boundaries of each kind of value.
 */
static void
test_cgroup_keys(void)
{
	static const struct {
		const char	*line, *want;
		int		 k;
	} ok[] = {
		{ "memory_max = 64M", "67108864", 0 },
		{ "memory_high = max", "max", 1 },
		{ "memory_swap_max = 0", "0", 2 },
		{ "pids_max = 1", "1", 3 },
		{ "cpu_max = 50%", "50000 100000", 4 },
		{ "cpu_max = 250%", "250000 100000", 4 },
		{ "cpu_max = 1000 1000", "1000 1000", 4 },
		{ "cpu_max = 20000 1000000", "20000 1000000", 4 },
		{ "cpu_weight = 1", "1", 5 },
		{ "io_weight = 10000", "10000", 6 },
	};
	static const char *const no[] = { "memory_max = 1.5G",
	    "memory_max = ", "pids_max = -1", "cpu_max = 0%", "cpu_max = 50",
	    "cpu_max = 999 100000", "cpu_max = 1000 999",
	    "cpu_max = 1000 1000001", "cpu_max = 50%x", "cpu_max = 1000 2000 3",
	    "cpu_weight = 0", "cpu_weight = 10001", "io_weight = max" };
	struct config	*c;
	char		 text[256];
	size_t		 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "[process:a]\ncommand = x\n%s\n",
		    ok[i].line);
		if ((c = good(ok[i].line, text)) == NULL)
			continue;
		check(c->procs[0].cg[ok[i].k] != NULL &&
		    strcmp(c->procs[0].cg[ok[i].k], ok[i].want) == 0,
		    "%s: kept as '%s' (got '%s')", ok[i].line, ok[i].want,
		    c->procs[0].cg[ok[i].k] ? c->procs[0].cg[ok[i].k] : "NULL");
		cfg_free(c);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(text, sizeof(text), "[process:a]\ncommand = x\n%s\n",
		    no[i]);
		bad(no[i], text, 3, "[process:a]", "want");
	}
	bad("cgroup = relative", "[settings]\ncgroup = sys/fs\n", 2, "cgroup",
	    "absolute");
	if ((c = good("cgroup = auto", "[settings]\ncgroup = auto\n")) != NULL) {
		check(c->set.cgroup == NULL, "cgroup = auto is the default");
		cfg_free(c);
	}
}

static void
test_changed(void)
{
	struct config	*a, *b;
	const char	*base = "[process:p]\ncommand = x\n";
	char		 text[512];
	static const struct {
		const char	*extra;
		bool		 changed;
	} cases[] = {
		{ "", false },
		{ "stop_signal = HUP\n", false },
		{ "stop_timeout = 3s\n", false },
		{ "restart = never\n", false },
		{ "restart_delay = 2s\n", false },
		{ "start_limit = 9\n", false },
		{ "autostart = no\n", false },
		{ "critical = yes\n", false },
		{ "depends = q\n", false },
		{ "memory_max = 1G\n", false },	/* live (issue 14) */
		{ "cpu_max = 5%\n", false },
		{ "shell = yes\n", true },
		{ "type = oneshot\n", true },
		{ "user = root\n", true },
		{ "group = root\n", true },
		{ "directory = /\n", true },
		{ "umask = 022\n", true },
		{ "nice = 1\n", true },
		{ "rlimit_core = 0\n", true },
		{ "environment = A=1\n", true },
	};
	size_t		 i;

	if ((a = good("diff base", "[process:p]\ncommand = x\n"
	    "[process:q]\ncommand = q\n")) == NULL)
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%s%s[process:q]\ncommand = q\n",
		    base, cases[i].extra);
		if (cfg_load_string("t.ini", text, &b, err, sizeof(err))) {
			check(false, "diff case '%s' loads: %s",
			    cases[i].extra, err);
			continue;
		}
		check(cfg_proc_changed(&a->procs[0], &b->procs[0]) ==
		    cases[i].changed, "changing '%.*s' %s a restart",
		    (int)strcspn(cases[i].extra, "\n"), cases[i].extra,
		    cases[i].changed ? "needs" : "does not need");
		cfg_free(b);
	}
	if (cfg_load_string("t.ini", "[process:p]\ncommand = x  y\n"
	    "[process:q]\ncommand = q\n", &b, err, sizeof(err)) == 0) {
		check(cfg_proc_changed(&a->procs[0], &b->procs[0]),
		    "changed command text needs a restart");
		cfg_free(b);
	}
	cfg_free(a);
}

static void
test_errors(void)
{
	char	long_line[PM_LINE_MAX + 100];
	char	ok_line[PM_LINE_MAX + 100];
	struct config	*c;

	bad("unknown key", "[process:web]\ncommand = x\nrestat = always\n",
	    3, "unknown key 'restat' in [process:web]",
	    "did you mean 'restart'?");
	bad("unknown settings key", "[settings]\nsoket = /x\n", 2,
	    "'soket'", "did you mean 'socket'?");
	bad("settings key in a process", "[process:a]\ncommand=x\n"
	    "listen = :1\n", 3, "listen", "[settings]");
	bad("unknown section", "[proces:web]\ncommand = x\n", 1,
	    "unknown section [proces:web]", NULL);
	bad("key outside a section", "command = x\n", 1, "command",
	    "outside");
	bad("bad duration", "[process:a]\ncommand = x\nrestart_delay = 5x\n",
	    3, "restart_delay", "bad duration '5x'");
	bad("duration overflow", "[process:a]\ncommand = x\n"
	    "stop_timeout = 2000h\n", 3, "stop_timeout", "2000h");
	bad("negative duration", "[settings]\nshutdown_timeout = -1\n", 2,
	    "shutdown_timeout", NULL);
	bad("bad ID", "[process:a/b]\ncommand = x\n", 1,
	    "bad process ID 'a/b'", NULL);
	bad("empty ID", "[process:]\ncommand = x\n", 1, "bad process ID",
	    NULL);
	bad("ID too long", "[process:0123456789012345678901234567890123456789]"
	    "\ncommand = x\n", 1, "bad process ID", "at most 39");
	bad("section name too long", "[process:01234567890123456789012345678"
	    "9012345678901234567890]\ncommand = x\n", 1,
	    "section name too long", NULL);
	bad("duplicate section", "[process:a]\ncommand = x\n\n[process:a]\n"
	    "command = y\n", 4, "duplicate section [process:a]",
	    "first at line 1");
	bad("duplicate settings", "[settings]\n[settings]\n", 2,
	    "duplicate section [settings]", "line 1");
	bad("duplicate key", "[process:a]\ncommand = x\ncommand = y\n", 3,
	    "duplicate key 'command'", "line 2");
	bad("missing command", "[process:a]\nshell = yes\n[process:b]\n"
	    "command = x\n", 1, "missing command", "process:a");
	bad("missing command at end", "[process:b]\ncommand = x\n"
	    "[process:a]\n", 3, "missing command", "process:a");
	bad("unknown dependency", "[process:a]\ncommand = x\n"
	    "depends = b nope\n[process:b]\ncommand = y\n", 3,
	    "unknown dependency 'nope'", "process:a");
	bad("self dependency", "[process:a]\ncommand = x\ndepends = a\n", 3,
	    "'a' depends on itself", NULL);
	bad("cycle", "[process:a]\ncommand = x\ndepends = b\n"
	    "[process:b]\ncommand = x\ndepends = c\n"
	    "[process:c]\ncommand = x\ndepends = a\n", 1,
	    "cycle in depends: a -> b -> c -> a", NULL);
	bad("bad depends ID", "[process:a]\ncommand = x\ndepends = b;c\n", 3,
	    "bad ID 'b;c'", NULL);
	bad("listen without token_file", "[settings]\nlog_level = info\n"
	    "listen = 127.0.0.1:9000\n", 3, "listen", "token_file");
	bad("bad listen port", "[settings]\nlisten = host:70000\n"
	    "token_file = /t\n", 2, "listen", "70000");
	bad("listen without port", "[settings]\nlisten = host\n"
	    "token_file = /t\n", 2, "listen", "HOST:PORT");
	bad("unterminated quote", "[process:a]\ncommand = echo 'x\n", 2,
	    "unterminated quote", "process:a");
	bad("bad umask", "[process:a]\ncommand = x\numask = 0898\n", 3,
	    "umask", "0898");
	bad("umask too big", "[process:a]\ncommand = x\numask = 1777\n", 3,
	    "umask", NULL);
	bad("bad signal", "[process:a]\ncommand = x\nstop_signal = SIGFOO\n",
	    3, "stop_signal", "SIGFOO");
	bad("unknown user", "[process:a]\ncommand = x\n"
	    "user = no_such_user_pm\n", 3, "unknown user 'no_such_user_pm'",
	    NULL);
	bad("unknown group", "[process:a]\ncommand = x\n"
	    "group = no_such_group_pm\n", 3,
	    "unknown group 'no_such_group_pm'", NULL);
	bad("nice out of range", "[process:a]\ncommand = x\nnice = 20\n", 3,
	    "nice", "-20 to 19");
	bad("bad bool", "[process:a]\ncommand = x\ncritical = maybe\n", 3,
	    "critical", "maybe");
	bad("bad enum", "[process:a]\ncommand = x\ntype = daemon\n", 3,
	    "type", "service|oneshot");
	bad("bad env", "[process:a]\ncommand = x\nenvironment = 1X=2\n", 3,
	    "environment", "1X=2");
	bad("env twice", "[process:a]\ncommand = x\nenvironment = X=1\n"
	    "environment = X=2\n", 4, "X is set twice", NULL);
	bad("relative directory", "[process:a]\ncommand = x\n"
	    "directory = srv\n", 3, "directory", "absolute");
	bad("bad rlimit", "[process:a]\ncommand = x\nrlimit_nofile = -1\n",
	    3, "rlimit_nofile", NULL);
	bad("socket path too long", "[settings]\nsocket = /run/"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "456789012345678901234567890123456789.sock\n", 2, "socket",
	    "too long");
	bad("relative socket", "[settings]\nsocket = pm.sock\n", 2,
	    "socket", "absolute");
	bad("bad log_target", "[settings]\nlog_target = file.log\n", 2,
	    "log_target", NULL);
	bad("max_clients 0", "[settings]\nmax_clients = 0\n", 2,
	    "max_clients", NULL);
	bad("line without =", "[process:a]\ncommand = x\njust words\n", 3,
	    "key = value", NULL);
	bad("unclosed section", "[process:a\ncommand = x\n", 1, "']'", NULL);
	bad("text after header", "[settings] ; c\n", 1, "after section",
	    NULL);
	bad("empty command", "[process:a]\ncommand =\n", 2, "command",
	    "empty");
	bad("delay max below delay", "[process:a]\ncommand = x\n"
	    "restart_delay = 10s\nrestart_delay_max = 5s\n", 4,
	    "restart_delay_max", NULL);

	memset(long_line, 'x', sizeof(long_line));
	memcpy(long_line, "[process:a]\ncommand = ", 22);
	long_line[12 + PM_LINE_MAX - 1] = '\n';
	memcpy(long_line + 12 + PM_LINE_MAX, "bogus\n", 7);
	bad("line too long", long_line, 2, "line too long (max 4094)", NULL);
	check(strstr(err, "t.ini:3: expected") != NULL,
	    "errors after the long line keep counting (got: %s)", err);

	memset(ok_line, 'y', sizeof(ok_line));
	memcpy(ok_line, "[process:a]\ncommand = ", 22);
	ok_line[12 + PM_LINE_MAX - 2] = '\n';
	ok_line[12 + PM_LINE_MAX - 1] = '\0';
	if ((c = good("line of exactly the maximum", ok_line)) != NULL) {
		check(strlen(c->procs[0].command) == PM_LINE_MAX - 2 - 10,
		    "longest command kept whole");
		cfg_free(c);
	}

	/* Several errors: all reported, in order, each on its own line. */
	bad("many errors", "[process:a]\ncommand = x\nfoo = 1\n"
	    "nice = 99\n[bogus]\n", 3, "foo", NULL);
	check(strstr(err, "t.ini:4: nice") != NULL &&
	    strstr(err, "t.ini:5: unknown section") != NULL,
	    "every error reported (got: %s)", err);
}

/* The error buffer is never overrun, whatever its size. */
static void
test_errbuf(void)
{
	char		 text[4096], small[64];
	struct config	*c;
	size_t		 n = 0;
	int		 i;

	for (i = 0; i < 100; i++)
		n += snprintf(text + n, sizeof(text) - n,
		    "[process:p%d]\nnice = 99\n", i);
	memset(small, 'Z', sizeof(small));
	check(cfg_load_string("t.ini", text, &c, small, 40) == -1,
	    "many errors rejected");
	check(strlen(small) < 40 && small[40] == 'Z', "small err buffer "
	    "respected");
	check(strstr(small, "...") != NULL || strlen(small) < 36,
	    "truncation is marked");
	check(cfg_load_string("t.ini", text, &c, NULL, 0) == -1 && c == NULL,
	    "NULL err buffer tolerated");
	check(cfg_load("/nonexistent/pm.ini", &c, err, sizeof(err)) == -1 &&
	    strstr(err, "/nonexistent/pm.ini: ") == err, "missing file named");
}

static void
test_durations(void)
{
	static const struct {
		const char	*s;
		int		 r;
		uint32_t	 ms;
	} t[] = {
		{ "500ms", 0, 500 }, { "10s", 0, 10000 }, { "5m", 0, 300000 },
		{ "1h", 0, 3600000 }, { "0.5", 0, 500 }, { "7", 0, 7000 },
		{ "0", 0, 0 }, { "1.5s", 0, 1500 }, { "0.25m", 0, 15000 },
		{ "1193h", 0, 4294800000U }, { "4294967295ms", 0, UINT32_MAX },
		{ "4294967296ms", -1, 0 }, { "1194h", -1, 0 },
		{ "99999999999999999999", -1, 0 }, { "", -1, 0 },
		{ "-1", -1, 0 }, { "s", -1, 0 }, { "10x", -1, 0 },
		{ "10 s", -1, 0 }, { "1.5ms", -1, 0 }, { ".", -1, 0 },
		{ "10sec", -1, 0 }, { "+5", -1, 0 },
	};
	size_t		i;
	uint32_t	ms;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ms = 12345;
		if (t[i].r == 0)
			check(cfg_parse_duration(t[i].s, &ms) == 0 &&
			    ms == t[i].ms, "duration '%s' = %u ms (got %u)",
			    t[i].s, t[i].ms, ms);
		else
			check(cfg_parse_duration(t[i].s, &ms) == -1 &&
			    ms == 12345, "duration '%s' rejected", t[i].s);
	}
}

static void
test_sizes(void)
{
	static const struct {
		const char		*s;
		int			 r;
		unsigned long long	 b;
	} t[] = {
		{ "0", 0, 0 }, { "100", 0, 100 }, { "4K", 0, 4096 },
		{ "2M", 0, 2097152 }, { "1G", 0, 1073741824ULL },
		{ "1k", 0, 1024 }, { "18446744073709551615", 0, ULLONG_MAX },
		{ "18446744073709551616", -1, 0 }, { "17179869184G", -1, 0 },
		{ "", -1, 0 }, { "-1", -1, 0 }, { "1KB", -1, 0 },
		{ "K", -1, 0 }, { "1 K", -1, 0 }, { "1T", -1, 0 },
	};
	size_t			i;
	unsigned long long	b;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		b = 7;
		if (t[i].r == 0)
			check(cfg_parse_size(t[i].s, &b) == 0 && b == t[i].b,
			    "size '%s' = %llu", t[i].s, t[i].b);
		else
			check(cfg_parse_size(t[i].s, &b) == -1 && b == 7,
			    "size '%s' rejected", t[i].s);
	}
}

static void
test_signals(void)
{
	static const char *const names[] = { "HUP", "INT", "QUIT", "ILL",
	    "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
	    "PIPE", "ALRM", "TERM", "CHLD", "CONT", "STOP", "TSTP", "TTIN",
	    "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO",
	    "PWR", "SYS" };
	size_t	i;
	int	sig;
	bool	all = true;

	check(cfg_parse_signal("TERM") == SIGTERM &&
	    cfg_parse_signal("SIGTERM") == SIGTERM &&
	    cfg_parse_signal("term") == SIGTERM &&
	    cfg_parse_signal("sigterm") == SIGTERM, "TERM spellings");
	check(cfg_parse_signal("9") == SIGKILL &&
	    cfg_parse_signal("64") == 64 &&
	    cfg_parse_signal("1") == 1, "numbers");
	check(cfg_parse_signal("0") == -1 && cfg_parse_signal("65") == -1 &&
	    cfg_parse_signal("") == -1 && cfg_parse_signal("SIG") == -1 &&
	    cfg_parse_signal("9x") == -1 && cfg_parse_signal("FOO") == -1 &&
	    cfg_parse_signal("-9") == -1 &&
	    cfg_parse_signal("99999999999") == -1, "bad signals rejected");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		sig = cfg_parse_signal(names[i]);
		if (sig <= 0 || cfg_signal_name(sig) == NULL ||
		    strcmp(cfg_signal_name(sig), names[i]) != 0) {
			check(false, "signal %s round trip", names[i]);
			all = false;
		}
	}
	check(all, "every named signal round-trips through its name");
	check(cfg_signal_name(SIGTERM) != NULL &&
	    strcmp(cfg_signal_name(SIGTERM), "TERM") == 0 &&
	    cfg_signal_name(0) == NULL && cfg_signal_name(50) == NULL,
	    "cfg_signal_name");
}

/* Split s and compare with the words in want (NULL-terminated). */
static void
split(const char *s, const char *const *want, int max)
{
	char		 buf[256], *argv[16];
	const char	*why = NULL;
	int		 n, i;
	bool		 same;

	snprintf(buf, sizeof(buf), "%s", s);
	n = cfg_split_command(buf, argv, max, &why);
	for (i = 0; want[i] != NULL; i++)
		;
	same = n == i;
	for (i = 0; same && i < n; i++)
		same = strcmp(argv[i], want[i]) == 0;
	same = same && argv[n] == NULL;
	check(same, "split [%s] into %d words (got %d%s%s)", s, i, n,
	    why ? ": " : "", why ? why : "");
}

static void
split_bad(const char *s, const char *want, int max)
{
	char		 buf[256], *argv[16];
	const char	*why = NULL;
	int		 n;

	snprintf(buf, sizeof(buf), "%s", s);
	n = cfg_split_command(buf, argv, max, &why);
	check(n == -1 && why != NULL && strcmp(why, want) == 0,
	    "split [%s] fails with '%s' (got %d, %s)", s, want, n,
	    why ? why : "no reason");
}

static void
test_split(void)
{
	split("a b  c", (const char *[]){ "a", "b", "c", NULL }, 16);
	split("  lead\ttab trail  ",
	    (const char *[]){ "lead", "tab", "trail", NULL }, 16);
	split("'a b' \"c d\"", (const char *[]){ "a b", "c d", NULL }, 16);
	split("'' x", (const char *[]){ "", "x", NULL }, 16);
	split("a'b'\"c\"d", (const char *[]){ "abcd", NULL }, 16);
	split("'$HOME \\n *'", (const char *[]){ "$HOME \\n *", NULL }, 16);
	split("\"\\\\ \\\" \\$ \\` \\n\"",
	    (const char *[]){ "\\ \" $ ` \\n", NULL }, 16);
	split("a\\ b \\'c", (const char *[]){ "a b", "'c", NULL }, 16);
	split("*.c $X ~", (const char *[]){ "*.c", "$X", "~", NULL }, 16);
	split("a b c", (const char *[]){ "a", "b", "c", NULL }, 4);
	split_bad("a b c d", "too many words", 4);
	split_bad("echo 'x", "unterminated quote", 16);
	split_bad("echo \"x\\\"", "unterminated quote", 16);
	split_bad("", "empty command", 16);
	split_bad("   ", "empty command", 16);
	split_bad("a \\", "backslash at end of command", 16);
	bad("too many words", "[process:a]\ncommand = 1 2 3 4 5 6 7 8 9 10 "
	    "11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 "
	    "32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 "
	    "53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71 72 73 "
	    "74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 "
	    "95 96 97 98 99 100 101 102 103 104 105 106 107 108 109 110 111 "
	    "112 113 114 115 116 117 118 119 120 121 122 123 124 125 126 127 "
	    "128\n", 2, "too many words", NULL);
}

static void
test_users(void)
{
	struct config	*c;

	c = good("numeric user with group", "[process:a]\ncommand = x\n"
	    "user = 54321\ngroup = 54322\n");
	if (c != NULL) {
		check(c->procs[0].uid == 54321 && c->procs[0].gid == 54322,
		    "numeric ids taken as is");
		cfg_free(c);
	}
	bad("numeric user without passwd entry or group", "[process:a]\n"
	    "command = x\nuser = 54321\n", 3, "group must be set", NULL);
	c = good("group only", "[process:a]\ncommand = x\ngroup = root\n");
	if (c != NULL) {
		check(c->procs[0].uid == (uid_t)-1 && c->procs[0].gid == 0,
		    "group only keeps pm's uid");
		cfg_free(c);
	}
	c = good("group before user", "[process:a]\ncommand = x\n"
	    "group = 54322\nuser = root\n");
	if (c != NULL) {
		check(c->procs[0].uid == 0 && c->procs[0].gid == 54322,
		    "explicit group wins over the user's primary group");
		cfg_free(c);
	}
}

static void
test_paths(void)
{
	struct config	*c;
	struct sock_loc	 v[PM_SOCK_LOCS];
	char		 buf[200];
	int		 n;

	setenv("PM_SOCKET", "/x/env.sock", 1);
	n = cfg_socket_locs(NULL, false, v);
	check(n == 1 && strcmp(v[0].name, "/x/env.sock") == 0, "PM_SOCKET "
	    "wins, alone");
	memset(buf, 'a', sizeof(buf) - 1);
	buf[0] = '/';
	buf[sizeof(buf) - 1] = '\0';
	setenv("PM_SOCKET", buf, 1);
	check(cfg_socket_locs(NULL, false, v) == -1, "socket path too long "
	    "is -1");
	unsetenv("PM_SOCKET");
	if ((c = good("socket setting", "[settings]\nsocket = /y.sock\n"))) {
		n = cfg_socket_locs(c, true, v);
		check(n == 1 && strcmp(v[0].name, "/y.sock") == 0,
		    "[settings] socket next");
		cfg_free(c);
	}
	if ((c = good("abstract socket", "[settings]\nsocket = @x\n"))) {
		n = cfg_socket_locs(c, true, v);
		check(n == 1 && strcmp(v[0].name, "@x") == 0,
		    "[settings] socket = @x");
		cfg_free(c);
	}
	n = cfg_socket_locs(NULL, true, v);
	if (geteuid() == 0)
		check(n == 3 && strcmp(v[0].name, "/run/pm.sock") == 0 &&
		    strcmp(v[1].name, "@pm") == 0 &&
		    strcmp(v[2].name, "@pm-0") == 0,
		    "root: /run/pm.sock, @pm, @pm-0");
	else
		check(n >= 3 && strcmp(v[n - 2].name, "@pm") == 0,
		    "non-root default ends in @pm, @pm-UID");
	check(cfg_socket_locs(NULL, false, v) >= n, "a client tries at least "
	    "the server's places");
	check(strcmp(cfg_default_file("/a.ini"), "/a.ini") == 0, "-c wins");
	setenv("PM_CONFIG", "/b.ini", 1);
	check(strcmp(cfg_default_file(NULL), "/b.ini") == 0, "PM_CONFIG");
	unsetenv("PM_CONFIG");
	check(strcmp(cfg_default_file(NULL), "/etc/pm.ini") == 0,
	    "/etc/pm.ini default");
}

/* Text for n processes, each depending on the one before. */
static char *
chain(int n, bool loop)
{
	size_t	 len = (size_t)n * 80, pos = 0;
	char	*text = malloc(len);
	int	 i;

	if (text == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		pos += snprintf(text + pos, len - pos, "[process:svc%d]\n"
		    "command = /usr/bin/svc --id %d\ndepends = svc%d\n", i, i,
		    i > 0 ? i - 1 : n - 1);
	if (!loop)
		*strstr(text, "depends") = '#';
	return text;
}

/* Many processes, including a dependency chain deeper than recursion. */
static void
test_many(void)
{
	struct config	*c;
	char		*text;

	if ((text = chain(1000, false)) == NULL)
		return;
	if ((c = good("1000 processes in a chain", text)) != NULL) {
		check(c->nproc == 1000 && c->procs[999].ndeps == 1 &&
		    c->procs[999].deps[0] == 998 && c->procs[0].ndeps == 0,
		    "chain resolved");
		cfg_free(c);
	}
	free(text);
	if ((text = chain(1000, true)) == NULL)
		return;
	bad("1000-long cycle", text, 1, "cycle in depends: svc0 -> svc999 ->",
	    "more) -> svc1 -> svc0\n");
	free(text);
}

/* Files: the same parser, plus what only a file can hold. */
/*
 * Issue 11: one log file for two processes (or for a process and pm's own
 * log_target) is refused however it is spelled: lexically, and through a
 * symlink or hard link when the file exists.
 */
static void
test_shared_logs(void)
{
	char		 dir[] = "/tmp/pm_config_test.XXXXXX", a[64], b[64], l[64];
	char		 text[512];
	struct config	*c;
	int		 fd;

	bad("same log", "[process:a]\ncommand = x\nlog = /l/a.log\n"
	    "[process:b]\ncommand = x\nlog = /l/a.log\n", 4, "[process:b]",
	    "[process:a]");
	bad("same log, spelled with // . ..", "[process:a]\ncommand = x\n"
	    "log = /l/a.log\n[process:b]\ncommand = x\n"
	    "log = //l/./x/..//a.log\n", 4, "log = //l/./x/..//a.log",
	    "log = /l/a.log in [process:a]");
	bad("a log that is log_target", "[settings]\nlog_target = /l/pm.log\n"
	    "[process:a]\ncommand = x\nlog = /l/../l/pm.log\n", 3,
	    "log_target = /l/pm.log in [settings]", "[process:a]");
	bad(".. above / stays at /", "[process:a]\ncommand = x\n"
	    "log = /../a.log\n[process:b]\ncommand = x\nlog = /a.log\n", 4,
	    "[process:b]", "[process:a]");
	bad("a log where another's rotates to", "[process:a]\ncommand = x\n"
	    "log = /l/a.log\nlog_keep = 2\n[process:b]\ncommand = x\n"
	    "log = /l/./a.log.2\n", 5, "[process:b] is where the log of "
	    "[process:a] rotates to", "log_keep = 2");
	bad("a log_target where a log rotates to", "[settings]\n"
	    "log_target = /l/a.log.1\n[process:a]\ncommand = x\n"
	    "log = /l/a.log\n", 1, "log_target = /l/a.log.1 in [settings]",
	    "[process:a]");
	if ((c = good("names past log_keep, or .0", "[process:a]\n"
	    "command = x\nlog = /l/a.log\nlog_keep = 2\n"
	    "[process:b]\ncommand = x\nlog = /l/a.log.3\n"
	    "[process:c]\ncommand = x\nlog = /l/a.log.0\n"
	    "[process:d]\ncommand = x\nlog = /l/b.log.1\nlog_keep = 0\n"
	    "[process:e]\ncommand = x\nlog = /l/b.log.1.1\n")) != NULL)
		cfg_free(c);
	if ((c = good("different logs, one a prefix of the other",
	    "[settings]\nlog_target = /l/a.log.x\n"
	    "[process:a]\ncommand = x\nlog = /l/a.log\n"
	    "[process:b]\ncommand = x\nlog = /l/a.logx\n"
	    "[process:c]\ncommand = x\nlog = /l/x/a.log\n"
	    "[process:d]\ncommand = x\n[process:e]\ncommand = x\n")) != NULL)
		cfg_free(c);

	/* Links are caught by device and inode once the file exists. */
	if (mkdtemp(dir) == NULL) {
		check(false, "temp dir");
		return;
	}
	snprintf(a, sizeof(a), "%s/a.log", dir);
	snprintf(b, sizeof(b), "%s/b.log", dir);
	snprintf(l, sizeof(l), "%s/l.log", dir);
	if ((fd = open(a, O_WRONLY | O_CREAT, 0600)) >= 0)
		close(fd);
	check(symlink(a, l) == 0 && link(a, b) == 0, "links made");
	snprintf(text, sizeof(text), "[process:a]\ncommand = x\nlog = %s\n"
	    "[process:b]\ncommand = x\nlog = %s\n", a, l);
	bad("a symlink to another's log", text, 4, l, a);
	snprintf(text, sizeof(text), "[process:a]\ncommand = x\nlog = %s\n"
	    "[process:b]\ncommand = x\nlog = %s\n", a, b);
	bad("a hard link to another's log", text, 4, b, a);
	unlink(l);
	unlink(b);
	unlink(a);
	rmdir(dir);
}

/*
 * Shared logs are found through a hash table, not a sort: a third name for
 * one file, and a clash or rotation name among many processes (probes past
 * other paths), are still each reported against an earlier name.
 */
static void
test_shared_logs_many(void)
{
	static char	 text[8192];
	size_t		 n = 0;
	int		 i;

	bad("three names for one log, the third", "[process:a]\ncommand = x\n"
	    "log = /l/a.log\n[process:b]\ncommand = x\nlog = /l/a.log\n"
	    "[process:c]\ncommand = x\nlog = /l/./a.log\n", 7,
	    "log = /l/./a.log in [process:c]", "[process:b]");
	bad("three names for one log, the second", "[process:a]\n"
	    "command = x\nlog = /l/a.log\n[process:b]\ncommand = x\n"
	    "log = /l/a.log\n[process:c]\ncommand = x\nlog = /l/./a.log\n",
	    4, "[process:b]", "[process:a]");
	for (i = 0; i < 60; i++)
		n += snprintf(text + n, sizeof(text) - n, "[process:p%d]\n"
		    "command = x\nlog = /l/p%d.log\n", i, i);
	snprintf(text + n, sizeof(text) - n, "[process:last]\ncommand = x\n"
	    "log = /l/p37.log\n[process:rot]\ncommand = x\n"
	    "log = /l/p41.log.1\n");
	bad("one log among sixty, named again", text, 181,
	    "[process:last]", "log = /l/p37.log in [process:p37]");
	bad("a rotation name among sixty", text, 184, "[process:rot]",
	    "[process:p41] rotates to");
}

static void
test_files(void)
{
	char		 path[] = "/tmp/pm_config_test.XXXXXX";
	struct config	*c;
	FILE		*fp;
	int		 fd;

	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		check(false, "temp file");
		return;
	}
	fputs("[process:a]\ncommand = x\n", fp);
	fflush(fp);
	check(cfg_load(path, &c, err, sizeof(err)) == 0 && c->nproc == 1 &&
	    strcmp(c->file, path) == 0, "file loads (%s)", err);
	if (c != NULL)
		cfg_free(c);
	fputs("nice = 1\n", fp);
	fwrite("nice = 2\0\n", 1, 10, fp);
	fclose(fp);
	check(cfg_load(path, &c, err, sizeof(err)) == -1 && c == NULL,
	    "NUL byte rejected");
	check(strstr(err, ":4: NUL byte") != NULL &&
	    strstr(err, "duplicate key") == NULL,
	    "NUL byte reported at its line (got: %s)", err);
	unlink(path);
}

/*
 * The checked-in examples: good.ini loads; each bad_*.ini fails with the
 * line and text its first line ("# error: LINE: TEXT") announces. The
 * same files feed tests/t_config_check.sh through the real binary.
 */
static void
test_examples(void)
{
	char		 path[512], first[512], want[600], *nl, *text;
	struct config	*c;
	struct dirent	*de;
	DIR		*d;
	FILE		*fp;
	int		 line, r;

	if ((d = opendir("tests/configs")) == NULL) {
		printf("skip - tests/configs not found (run from the repo "
		    "root)\n");
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (strstr(de->d_name, ".ini") == NULL)
			continue;
		snprintf(path, sizeof(path), "tests/configs/%s", de->d_name);
		r = cfg_load(path, &c, err, sizeof(err));
		if (strcmp(de->d_name, "good.ini") == 0) {
			check(r == 0, "%s loads (%s)", path, err);
			cfg_free(c);
			continue;
		}
		first[0] = '\0';
		if ((fp = fopen(path, "r")) != NULL) {
			if (fgets(first, sizeof(first), fp) == NULL)
				first[0] = '\0';
			fclose(fp);
		}
		if ((nl = strchr(first, '\n')) != NULL)
			*nl = '\0';
		if (sscanf(first, "# error: %d:", &line) != 1) {
			check(false, "%s announces its error", path);
			continue;
		}
		snprintf(want, sizeof(want), "%s:%d: ", path, line);
		text = strchr(first + 9, ':') + 2;
		nl = strchr(err, '\n');
		check(r == -1 && strstr(err, want) == err && nl != NULL &&
		    strstr(err, text) != NULL && strstr(err, text) < nl,
		    "%s fails at line %d with '%s' (got: %s)", path, line,
		    text, err);
	}
	closedir(d);
}

/* Issue 4: readiness, checks, handlers and schedules. */
static void
test_mon(void)
{
	struct config		*c, *b;
	const struct cfg_mon	*m;
	char			 text[8192];
	int			 n;

	c = good("monitoring keys", "[process:a]\ncommand = a\n"
	    "ready = tcp:8080\nready_timeout = 5s\ncheck = curl -f "
	    "'http://x/'\ncheck_interval = 2s\ncheck_timeout = 500ms\n"
	    "check_retries = 2\non_check_fail = exec:notify-team now\n"
	    "on_exit = log-exit\non_fatal = page\n"
	    "[process:b]\ncommand = backup\ntype = oneshot\n"
	    "schedule = */10 1-5,22 * * 1-5\noverlap = queue\n"
	    "[process:c]\ncommand = c\nready = fd:3\n");
	if (c == NULL)
		return;
	m = c->procs[0].mon;
	check(m != NULL && m->ready == RD_TCP && m->ready_arg == 8080 &&
	    m->ready_timeout_ms == 5000, "ready = tcp:8080 with its timeout");
	check(m != NULL && m->check_argv != NULL &&
	    strcmp(m->check_argv[1], "-f") == 0 &&
	    strcmp(m->check_argv[2], "http://x/") == 0 &&
	    m->check_interval_ms == 2000 && m->check_timeout_ms == 500 &&
	    m->check_retries == 2, "check is split like command");
	check(m != NULL && m->on_check_fail == CF_EXEC &&
	    strcmp(m->fail_argv[0], "notify-team") == 0 &&
	    strcmp(m->exit_argv[0], "log-exit") == 0 &&
	    strcmp(m->fatal_argv[0], "page") == 0, "handlers have argv");
	m = c->procs[1].mon;
	check(m != NULL && m->sched.every_ms == 0 && m->overlap == OV_QUEUE &&
	    m->sched.min == (1ULL | 1ULL << 10 | 1ULL << 20 | 1ULL << 30 |
	    1ULL << 40 | 1ULL << 50) && m->sched.hour == 0x40003e &&
	    m->sched.dow == 0x3e, "schedule masks");
	check(!c->procs[1].autostart, "a schedule makes autostart default no");
	check(c->procs[2].mon->ready == RD_FD && c->procs[2].mon->ready_arg ==
	    3, "ready = fd:3");
	check(c->procs[0].mon->ready_timeout_ms == 5000 &&
	    c->procs[2].mon->ready_timeout_ms == 60000 &&
	    c->procs[2].mon->check_retries == 3, "monitoring defaults");
	n = snprintf(text, sizeof(text), "[process:a]\n");
	n += cfg_proc_show(&c->procs[0], text + n, sizeof(text) - n);
	n += snprintf(text + n, sizeof(text) - n, "[process:b]\n");
	cfg_proc_show(&c->procs[1], text + n, sizeof(text) - n);
	if ((b = good("monitoring keys shown", text)) != NULL) {
		check(b->procs[0].mon->on_check_fail == CF_EXEC &&
		    strcmp(b->procs[0].mon->fail_cmd, "notify-team now") == 0 &&
		    b->procs[0].mon->ready_arg == 8080 &&
		    b->procs[1].mon->sched.min == c->procs[1].mon->sched.min &&
		    !b->procs[1].autostart, "monitoring keys round trip");
		cfg_free(b);
	}
	cfg_free(c);

	bad("cron minute out of range", "[process:a]\ncommand = a\n"
	    "type = oneshot\nschedule = 60 * * * *\n", 4, "schedule",
	    "minute");
	bad("cron bad step", "[process:a]\ncommand = a\ntype = oneshot\n"
	    "\nschedule = */0 * * * *\n", 5, "minute", NULL);
	bad("cron four fields", "[process:a]\ntype = oneshot\n"
	    "schedule = * * * *\ncommand = a\n", 3, "five fields", NULL);
	bad("cron weekday 8", "[process:a]\ncommand = a\ntype = oneshot\n"
	    "schedule = 0 0 * * 1,8\n", 4, "day of week", NULL);
	bad("schedule on a service", "[process:a]\ncommand = a\n"
	    "schedule = @every 1m\n", 3, "needs type = oneshot", NULL);
	bad("bad @every", "[process:a]\ncommand = a\ntype = oneshot\n"
	    "schedule = @every soon\n", 4, "@every", NULL);
	bad("ready fd:2", "[process:a]\ncommand = a\nready = fd:2\n", 3,
	    "fd:N", NULL);
	bad("ready tcp:70000", "[process:a]\ncommand = a\n"
	    "ready = tcp:70000\n", 3, "tcp:PORT", NULL);
	bad("ready word", "[process:a]\ncommand = a\nready = yes\n", 3,
	    "notify", NULL);
	bad("ready on a oneshot", "[process:a]\ncommand = a\ntype = oneshot\n"
	    "ready = notify\n", 4, "type = service", NULL);
	bad("on_check_fail word", "[process:a]\ncommand = a\n"
	    "on_check_fail = reboot\n", 3, "restart, stop, exit", NULL);
	bad("empty exec:", "[process:a]\ncommand = a\n"
	    "on_check_fail = exec:\n", 3, "empty command", NULL);
	bad("check_retries 0", "[process:a]\ncommand = a\n"
	    "check_retries = 0\n", 3, "check_retries", NULL);
	bad("check_interval 0", "[process:a]\ncommand = a\n"
	    "check_interval = 0\n", 1, "check_interval", NULL);
	bad("unterminated quote in check", "[process:a]\ncommand = a\n"
	    "check = sh -c 'x\n", 3, "check", "unterminated");
	bad("overlap word", "[process:a]\ncommand = a\ntype = oneshot\n"
	    "overlap = drop\n", 4, "skip|queue|kill", NULL);
}

int
main(void)
{
	test_defaults();
	test_full();
	test_roundtrip();
	test_logkeys();
	test_changed();
	test_cgroup_keys();
	test_errors();
	test_errbuf();
	test_durations();
	test_sizes();
	test_signals();
	test_split();
	test_mon();
	test_users();
	test_paths();
	test_many();
	test_files();
	test_shared_logs();
	test_show_all();
	test_section_hints();
	test_whole_numbers();
	test_shared_logs_many();
	test_examples();
	printf("%s\n", fails ? "some tests FAILED" : "all tests passed");
	return fails ? 1 : 0;
}
