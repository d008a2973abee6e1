/*
 * pm.c: main, the choice of mode, the event loop and shutdown.
 *
 * pm is the server when it is PID 1 or given -d, the tini-style container
 * supervisor with `pm -- CMD`, and the client otherwise. The server is one
 * epoll set holding a signalfd (every signal but the fault signals is
 * blocked and read as data), one timerfd armed for the nearest deadline,
 * and the control sockets. Nothing wakes it when nothing happens.
 */
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adhoc.h"
#include "cgroup.h"
#include "check.h"
#include "client.h"
#include "config.h"
#include "ctl.h"
#include "events.h"
#include "http.h"
#include "init.h"
#include "log.h"
#include "logbuf.h"
#include "out.h"
#include "pm.h"
#include "proc.h"
#include "safefile.h"
#include "sys.h"

#define MAX_EXIT_MAP	32
#define WITHOUT		"running without %s"

static struct pm_opt {
	const char	*cfg_opt;	/* -c */
	const char	*sock;		/* -S */
	bool		 daemon;	/* -d */
	bool		 background;	/* --background */
	bool		 subreaper;	/* -s */
	bool		 group;		/* -g */
	int		 nexit;
	int		 exit_map[MAX_EXIT_MAP];	/* -e */
	char	       **cmd;		/* after -- */
} opt;

static struct config	*cur;
/*
 * The process proc.c told of last in this turn of the loop (-1: none),
 * so a shutdown it asks for right after can name a critical process
 * (issue 18); and the one that ended the machine.
 */
static int		 told_idx = -1;
static char		 crit_id[80];
static int		 crit_status;
const char *const pm_end_act[] = {
	[END_EXIT] = "exiting", [END_HALT] = "halting",
	[END_POWEROFF] = "powering off", [END_REBOOT] = "rebooting"
};

static void
exited_hook(int idx, int status)
{
	told_idx = idx;
	mon_exited(idx, status);
}

static void
fatal_hook(int idx)
{
	told_idx = idx;
	mon_fatal(idx);
}

/* proc.c's news for the modules with tables of their own (issue 13). */
static const struct proc_hooks hooks = {
	.out_sync = lb_sync, .rebuilt = mon_reload, .out_path = lb_path,
	.prespawn = mon_prespawn, .out_pipes = lb_pipes,
	.out_spawned = lb_spawned, .spawned = mon_spawned, .reap = mon_reap,
	.out_drain = lb_drain, .exited = exited_hook, .fatal = fatal_hook,
	.state = ev_state
};
/*
 * The settings in force, apart from cur (issue 13): a setting reload builds
 * a new struct and swaps it in, and the config it was read from stays
 * with it, holding its strings. NULL: cur's own [settings] are in force.
 */
static struct live_set {
	struct cfg_settings	 set;
	struct config		*src;
} *live;
static const char	*cfg_path;	/* NULL: running without a file */
static char		 cfg_err[PM_ERR_MAX];	/* why cfg_path was refused */
static bool		 init_mode;	/* the machine's init (init.c) */
static struct cfg_proc	 main_cfg;
static int		 epfd = -1;
static struct watch	 sig_w, timer_w;
static uint64_t		 armed;		/* deadline the timerfd holds */

static struct {
	bool		 on;
	enum pm_end	 how;
	int		 status;
	uint64_t	 deadline;
	bool		 killed;	/* deadline passed: SIGKILL sent */
} stop;

/* Raw epoll_ctl, as the rest of the epoll calls here. */
static int
watch_ctl(int op, struct watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return (int)syscall(SYS_epoll_ctl, epfd, op, w->fd, &ev);
}

/* Out of line: LTO copied it into each caller. */
int __attribute__((noinline))
loop_add(struct watch *w, uint32_t events)
{
	return watch_ctl(EPOLL_CTL_ADD, w, events);
}

int
loop_watch(struct watch *w, int fd, void (*cb)(struct watch *, uint32_t))
{
	w->fd = fd;
	w->cb = cb;
	if (fd >= 0 && loop_add(w, EPOLLIN) == 0)
		return 0;
	close_keep(fd);
	w->fd = -1;
	return -1;
}

int
loop_mod(struct watch *w, uint32_t events)
{
	return watch_ctl(EPOLL_CTL_MOD, w, events);
}

/*
 * The events of the batch being dispatched. A callback may delete a watch
 * and free (or reuse) its storage while a later event of the same batch
 * still points at it (issue 11): a reload frees the output buffers of a
 * removed process whose leftover helper just wrote. Deleting a watch
 * therefore cancels its pending events, so no callback reaches storage
 * that was let go; a watch added during the batch has none yet.
 */
static struct epoll_event batch[64];
static int		 batch_i, batch_n;

void
loop_close(struct watch *w)
{
	int i;

	(void)watch_ctl(EPOLL_CTL_DEL, w, 0);
	for (i = batch_i + 1; i < batch_n; i++)
		if (batch[i].data.ptr == w)
			batch[i].data.ptr = NULL;
	close(w->fd);
	w->fd = -1;
}

/*
 * Deadlines are recomputed on every turn of the loop; a change made while
 * the ticks run (a state change, a start asked by check.c) only means the
 * ticks go round once more before the loop sleeps.
 */
static bool changed;

/* Out of line: LTO copied it into every caller. */
void __attribute__((noinline))
loop_deadline_changed(void)
{
	changed = true;
}

const struct config *
pm_config(void)
{
	return cur;
}

const struct cfg_settings *
pm_settings(void)
{
	return live != NULL ? &live->set : &cur->set;
}

int
pm_state_show(char *buf, size_t len)
{
	int n = init_wd_show(buf, len);

	if (crit_id[0] != '\0' && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, "critical_failed = %s "
		    "(status %d): %s\n", crit_id, crit_status,
		    pm_end_act[stop.how]);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

/* Back to cur's own settings, or to next's. */
static void
live_swap(struct live_set *next)
{
	if (live != NULL) {
		cfg_free(live->src);
		free(live);
	}
	live = next;
}

bool
pm_stopping(void)
{
	return stop.on;
}

/*
 * Begin the one shutdown sequence: stop every process in reverse dependency
 * order, bounded by shutdown_timeout. The loop exits once nothing is left.
 */
void
pm_shutdown(enum pm_end how, int status)
{
	const struct proc_view *v;

	if (stop.on)
		return;
	/*
	 * As a machine's init, the exit that a critical process asks for
	 * is [settings] on_critical (issue 18); in a container pm exits
	 * with its status, as before.
	 */
	if (init_mode && how == END_EXIT && told_idx >= 0 &&
	    (v = proc_get(told_idx)) != NULL && v->cfg->critical) {
		how = (enum pm_end)pm_settings()->on_critical;
		snprintf(crit_id, sizeof(crit_id), "%s", v->cfg->id);
		crit_status = status;
		plog_err(crit_id, "critical process failed (status %d); %s",
		    status, pm_end_act[how]);
	}
	ev_add(EVT_SHUTDOWN, "", pm_end_act[how], EVR_NONE, status, "");
	stop.on = true;
	stop.how = how;
	stop.status = status;
	stop.deadline = now_ms() + pm_settings()->shutdown_timeout_ms;
	if (init_mode)
		log_info("shutting down for %s", how == END_HALT ? "halt" :
		    how == END_REBOOT ? "reboot" : "power-off");
	else
		log_info("shutting down");
	proc_stop_all();
}


/*
 * In -- mode the command is the process "main": a config process of that
 * name would be a second one, reached by every command meant for the
 * command (issue 11). The name is reserved; -1 with the reason in err.
 */
static int
main_clash(const struct config *c, char *err, size_t errlen)
{
	int i;

	if (opt.cmd == NULL || (i = cfg_find(c, "main")) < 0)
		return 0;
	snprintf(err, errlen, "%s:%d: process ID 'main' is reserved for the "
	    "-- command; rename [process:main]\n", c->file, c->procs[i].line);
	return -1;
}

static plan_fn	 plan_to;	/* a reload's own emit, behind plan_tee */

/* Each change a reload makes is an event too (issue 15). */
static void
plan_tee(void *ctx, const char *id, const char *action)
{
	if (strcmp(action, "unchanged") != 0)
		ev_add(EVT_RELOAD, id, action, EVR_NONE, EV_NOSTATUS, "");
	plan_to(ctx, id, action);
}

static int	 reload(bool, plan_fn, void *, char *, size_t);

/* The file read again for a reload; `pm run`'s sections need none. */
static int
load_again(struct config **newc, char *err, size_t errlen)
{
	if (cfg_path == NULL && !cfg_again) {
		snprintf(err, errlen, "pm runs without a config file\n");
		return -1;
	}
	return cfg_load(cfg_path, newc, err, errlen);
}

/*
 * Issue 11: a new log_target pm cannot open refuses a reload, its reason
 * in err and then what was kept. 1: moved to n's target, 0: the same.
 */
static int
log_move(const struct cfg_settings *n, const char *kept, char *err,
    size_t errlen)
{
	size_t len;

	if (cfg_str_eq(pm_settings()->log_target, n->log_target))
		return 0;
	if (log_switch(n->log_level, n->log_target, err, errlen) == 0)
		return 1;
	len = strlen(err);
	snprintf(err + len, errlen - len, "; %s", kept);
	return -1;
}

/* Out of line: smaller than the copies LTO inlined. */
int __attribute__((noinline))
pm_reload(bool dry_run, plan_fn emit, void *ctx, char *err, size_t errlen)
{
	int rc;

	plan_to = emit;
	rc = reload(dry_run, dry_run ? emit : plan_tee, ctx, err, errlen);
	if (!dry_run)
		ev_reloaded(rc == 0);
	return rc;
}

/* Out of line: smaller than the copy LTO inlined. */
static int __attribute__((noinline))
reload(bool dry_run, plan_fn emit, void *ctx, char *err, size_t errlen)
{
	struct config *newc, *old;
	char *w, *e;
	int rc = -1, moved = 0;

	if (load_again(&newc, err, errlen) < 0)
		return -1;
	/* A supervisord file's warnings, a line each, as at the start. */
	for (w = err; !dry_run && (e = strchr(w, '\n')) != NULL; w = e + 1)
		log_warn("%.*s", (int)(e - w), w);
	if (main_clash(newc, err, errlen) < 0)
		goto out;
	if (!dry_run && (moved = log_move(&newc->set, "old config kept\n", err,
	    errlen)) < 0)
		goto out;
	if (proc_apply(newc, dry_run, emit, ctx) < 0) {
		snprintf(err, errlen, "out of memory applying %s\n", cfg_path);
		goto out;
	}
	rc = 0;
	if (dry_run)
		goto out;
	if (!moved)
		log_init(newc->set.log_level, newc->set.log_target);
	cg_apply(newc);	/* limits live, no restart (issue 14) */
	live_swap(NULL);
	/* The old config is the one freed. */
	old = cur;
	cur = newc;
	newc = old;
	if (!cfg_again)
		log_info("reloaded %s", cfg_path);
out:
	cfg_free(newc);
	return rc;
}

/*
 * The settings a setting reload reports, in its order: live ones change
 * at once, the others need a restart. An empty key is one more field of
 * the setting above it. The keys are setkeys' NUL-separated names, a row
 * each.
 */
#define LIVE		16	/* in a row's size: changes at once */
#define STR		32	/* in a row's size: a string, compared by value */
#define SIZE(r)		((r)->size & (LIVE - 1))
#define SET_INT(f, live)	{ offsetof(struct cfg_settings, f), \
	sizeof(((struct cfg_settings *)0)->f) | (live) }
#define SET_STR(f, live)	{ offsetof(struct cfg_settings, f), \
	sizeof(char *) | STR | (live) }
static const char setkeys[] = "log_level\0log_target\0shutdown_timeout\0"
    "log_format\0log_timestamps\0log_main_prefix\0log_ring_size\0socket\0"
    "socket_group\0listen\0token_file\0tcp_identity\0max_clients\0http\0\0"
    "events\0init\0cgroup\0ctrlaltdel\0on_critical\0watchdog\0\0";
static const struct setrow {
	uint8_t		 off;
	uint8_t		 size;	/* SIZE, LIVE and STR */
} setrows[] = {
	SET_INT(log_level, LIVE),
	SET_STR(log_target, LIVE),
	SET_INT(shutdown_timeout_ms, LIVE),
	SET_INT(log_format, LIVE),
	SET_INT(log_timestamps, LIVE),
	SET_INT(log_main_prefix, 0),
	SET_INT(log_ring_size, 0),
	SET_STR(socket, 0),
	SET_STR(socket_group, 0),
	SET_STR(listen, 0),
	SET_STR(token_file, 0),
	SET_STR(tcp_identity, 0),
	SET_INT(max_clients, 0),
	SET_STR(http, 0),
	SET_STR(http_token_file, 0),
	SET_STR(events, 0),
	SET_INT(init, 0),
	SET_STR(cgroup, 0),
	SET_INT(ctrlaltdel, LIVE),
	SET_INT(on_critical, LIVE),
	SET_STR(watchdog, 0),
	SET_INT(watchdog_timeout_ms, 0),
	SET_INT(watchdog_test_stop_ms, 0),
};
#define NSETROWS	(sizeof(setrows) / sizeof(setrows[0]))

static bool
setting_same(const struct cfg_settings *o, const struct cfg_settings *n,
    const struct setrow *r)
{
	const char *a = (const char *)o + r->off, *b = (const char *)n + r->off;

	if (r->size & STR)
		return cfg_str_eq(*(char *const *)a, *(char *const *)b);
	return memcmp(a, b, SIZE(r)) == 0;
}

/*
 * Setting reload: the settings that the loop reads as it goes (log level,
 * target and format, shutdown timeout) change at once; those fixed when
 * the sockets, rings or main child were set up need a restart.
 * Out of line: smaller than the copy LTO inlined.
 */
int __attribute__((noinline))
pm_setting_reload(plan_fn emit, void *ctx, char *err, size_t errlen)
{
	struct live_set *ls;
	struct config *newc;
	const struct cfg_settings *o = pm_settings(), *n;
	const struct setrow *r, *e;
	const char *k = setkeys, *key;
	bool same;
	int moved;

	if (load_again(&newc, err, errlen) < 0)
		return -1;
	n = &newc->set;
	if ((ls = malloc(sizeof(*ls))) == NULL) {
		snprintf(err, errlen, "out of memory; nothing changed\n");
		goto refuse;
	}
	/*
	 * Issue 11: a log_target pm cannot open is refused with its reason
	 * before anything changes, never swapped for stderr behind an
	 * "applied".
	 */
	if ((moved = log_move(n, "nothing changed\n", err, errlen)) < 0) {
		free(ls);
		goto refuse;
	}
	for (r = setrows; r < setrows + NSETROWS; r = e) {
		same = true;
		key = k;
		e = r;
		do {
			same &= setting_same(o, n, e);
			k += strlen(k) + 1;
		} while (++e < setrows + NSETROWS && *k == '\0');
		emit(ctx, key, same ? "unchanged" : r->size & LIVE ? "applied" :
		    "needs restart");
	}
	/*
	 * The fixed ones stay as they are in force (their strings in cur),
	 * the live ones come from newc, which ls keeps.
	 */
	ls->set = *o;
	for (r = setrows; r < setrows + NSETROWS; r++)
		if (r->size & LIVE)
			memcpy((char *)&ls->set + r->off, (const char *)n +
			    r->off, SIZE(r));
	ls->src = newc;
	live_swap(ls);
	if (!moved)
		log_init(ls->set.log_level, ls->set.log_target);
	return 0;
refuse:
	cfg_free(newc);
	return -1;
}

static void
reload_log(void *ctx, const char *id, const char *action)
{
	(void)ctx;
	if (strcmp(action, "unchanged") != 0)
		plog_info(id, "%s", action);
}

/*
 * Signal a process that is not ours any more: orphans adopted as PID 1 or
 * as subreaper. As PID 1 every process in the namespace is fair game; a
 * subreaper only signals its own children, found in /proc.
 */
static void
signal_orphans(int sig)
{
	char path[300];
	unsigned long long ppid;
	/* getdents64's records are struct dirent, 8-byte aligned. */
	char buf[2048] __attribute__((aligned(8)));
	struct dirent *de;
	pid_t self = getpid();
	long n, i;
	int fd;

	if (self == 1) {
		static int told;

		if (told != sig && init_mode)
			log_info("sending SIG%s to all processes",
			    cfg_sig_shown(sig));
		told = sig;
		kill(-1, sig);
		return;
	}
	/* The raw call on an fd: opendir's DIR is not linked for this alone. */
	if ((fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i += de->d_reclen) {
			de = (struct dirent *)(buf + i);
			if (!isdigit((unsigned char)de->d_name[0]))
				continue;
			snprintf(path, sizeof(path), "/proc/%s/stat",
			    de->d_name);
			/* Field 4: the parent's pid. */
			if (sys_proc_stat(path, 4, 1, &ppid) == 0 &&
			    ppid == (unsigned long long)self)
				kill((pid_t)strtol(de->d_name, NULL, 10), sig);
		}
	close(fd);
}

static bool
have_children(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	/* Raw: libc's is a cancellation point, which pm has no use for. */
	return syscall(SYS_waitid, P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT,
	    NULL) == 0;
}

/* tini's -e: map chosen exit statuses of the main child to 0. */
static int
map_exit(int status)
{
	int i;

	for (i = 0; i < opt.nexit; i++)
		if (opt.exit_map[i] == status)
			return 0;
	return status;
}

/* Out of line: smaller than the copy LTO inlined. */
static void __attribute__((noinline))
forward(int sig)
{
	pid_t pid = proc_main_pid();

	if (pid == 0)
		return;
	if (kill(opt.group ? -pid : pid, sig) < 0 && opt.group)
		kill(pid, sig);
}

#define FWD	(1ULL << SIGTERM | 1ULL << SIGINT | 1ULL << SIGHUP | \
	1ULL << SIGQUIT | 1ULL << SIGUSR1 | 1ULL << SIGUSR2 | 1ULL << SIGWINCH)

static void
signal_cb(struct watch *w, uint32_t events)
{
	struct signalfd_siginfo si[16];
	ssize_t n;
	int i, sig, how;
	bool chld = false;
	char err[PM_ERR_MAX];

	(void)events;
	while ((n = read(w->fd, si, sizeof(si))) > 0) {
		for (i = 0; i < n / (ssize_t)sizeof(si[0]); i++) {
			sig = (int)si[i].ssi_signo;
			if (sig == SIGCHLD) {
				chld = true;
				continue;
			}
			/* The signals -- mode passes on, as a mask. */
			if (opt.cmd != NULL) {
				if (sig < 64 && (FWD >> sig & 1))
					forward(sig);
				continue;
			}
			/*
			 * As init, busybox init's signals (see README); how,
			 * the end one asks for (-1: none).
			 */
			how = -1;
			switch (sig) {
			case SIGTERM:
				how = init_mode ? END_REBOOT : END_EXIT;
				break;
			case SIGINT:
				how = init_mode ? pm_settings()->ctrlaltdel :
				    END_EXIT;
				if (how < 0)
					log_info("ctrl-alt-del ignored");
				break;
			case SIGHUP:
				/* As busybox init and supervisord do; the
				 * reopen is for an external logrotate. */
				lb_reopen();
				if (pm_reload(false, reload_log, NULL, err,
				    sizeof(err)) < 0)
					log_err("reload failed, old config kept:"
					    "\n%s", err);
				break;
			case SIGUSR1:
			case SIGUSR2:
				if (init_mode) {
					how = sig == SIGUSR1 ? END_HALT :
					    END_POWEROFF;
					break;
				}
				/* FALLTHROUGH */
			default:
				log_debug("ignoring SIG%s", cfg_sig_shown(sig));
			}
			if (how >= 0)
				pm_shutdown((enum pm_end)how, 0);
		}
	}
	if (chld)
		proc_reap();
}

static void
timer_cb(struct watch *w, uint32_t events)
{
	uint64_t ticks;

	(void)events;
	(void)!read(w->fd, &ticks, sizeof(ticks));
}

/* Arm the one timerfd for the nearest deadline, only when it changed. */
static void
arm(uint64_t deadline)
{
	struct itimerspec its = { 0 };

	if (deadline == armed)
		return;
	armed = deadline;
	if (deadline != 0) {
		its.it_value.tv_sec = (time_t)(deadline / 1000);
		its.it_value.tv_nsec = (long)(deadline % 1000) * 1000000;
	}
	timerfd_settime(timer_w.fd, TFD_TIMER_ABSTIME, &its, NULL);
}

/*
 * The loop. Each turn settles the process table, collects the deadlines,
 * arms the timer and sleeps in epoll_wait until an fd is ready. During
 * shutdown it also drives the end: once every supervised process is down,
 * leftover orphans get SIGTERM (SIGKILL after the deadline), and the loop
 * ends when pm has no child left at all.
 */
static void
loop(void)
{
	struct watch *w;
	uint64_t now, next;
	int i, n;

	for (;;) {
		now = now_ms();
		/*
		 * proc settles the table, check.c reacts to the new states
		 * (and may ask for starts); a few rounds reach a fixed point.
		 */
		for (i = 0; i < 4; i++) {
			told_idx = -1;
			changed = false;
			next = proc_tick(now);
			next = sched_earliest(next, mon_tick(now));
			if (!changed)
				break;
		}
		next = sched_earliest(next, ctl_tick(now));
		next = sched_earliest(next, http_tick(now));
		next = sched_earliest(next, lb_tick(now));
		next = sched_earliest(next, init_wd_tick(now));
		if (stop.on) {
			if (!stop.killed && now >= stop.deadline) {
				log_warn("shutdown_timeout passed; killing what "
				    "is left");
				proc_kill_all();
				signal_orphans(SIGKILL);
				stop.killed = true;
			}
			if (proc_all_down()) {
				if (!have_children())
					return;
				signal_orphans(stop.killed ? SIGKILL : SIGTERM);
			}
			if (!stop.killed)
				next = sched_earliest(next, stop.deadline);
		}
		arm(next);
		/*
		 * Raw epoll_pwait (the one every arch has) with no mask:
		 * libc's epoll_wait adds a fallback for kernels before 2.6.19.
		 */
		n = (int)syscall(SYS_epoll_pwait, epfd, batch, 64, -1, NULL,
		    (size_t)NSIG / 8);
		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %m");
			continue;
		}
		for (batch_n = n, batch_i = 0; batch_i < batch_n; batch_i++)
			if ((w = batch[batch_i].data.ptr) != NULL) {
				told_idx = -1;
				w->cb(w, batch[batch_i].events);
			}
		batch_n = 0;
	}
}

static void __attribute__((noreturn))
usage(void)
{
	client_usage(true);
	exit(2);
}

/*
 * Decide the mode from argv alone, once client_cmd has said it is not a
 * client command: "--" makes pm the container supervisor, -d (or being
 * PID 1) the server; anything else goes to the client, which parses argv
 * itself. Server options come before "--".
 */
static bool
server_args(int argc, char **argv)
{
	/*
	 * The options, NUL-separated: the four flags (their fields in flag[]),
	 * the three that take a value, the end of them, and --format.
	 */
	static const char *const opts = "-d\0--background\0-s\0-g\0-c\0-S\0-e\0--\0"
	    "--format";
	static const uint8_t flag[] = { offsetof(struct pm_opt, daemon),
	    offsetof(struct pm_opt, background),
	    offsetof(struct pm_opt, subreaper), offsetof(struct pm_opt, group) };
	int i, k;
	bool server = getpid() == 1;
	const char *f;
	char *end;
	long v;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		for (k = 0, f = opts; k < 9 && strcmp(a, f) != 0; k++)
			f += strlen(f) + 1;
		if (k == 7) {
			if (i + 1 >= argc)
				usage();
			opt.cmd = &argv[i + 1];
			return true;
		} else if (k < 4) {
			*((bool *)&opt + flag[k]) = true;
			server |= k == 0;
		} else if ((k < 7 || k == 8) && i + 1 < argc) {
			if (k == 8) {
				if (cfg_format(argv[++i]) < 0)
					usage();
			} else if (k == 4)
				opt.cfg_opt = argv[++i];
			else if (k == 5)
				opt.sock = argv[++i];
			else {
				v = strtol(argv[++i], &end, 10);
				if (*end != '\0' || v < 0 || v > 255 ||
				    opt.nexit == MAX_EXIT_MAP) {
					out(2, "pm: -e: bad exit code "
					    "'%s'\n", argv[i]);
					exit(2);
				}
				opt.exit_map[opt.nexit++] = (int)v;
			}
		} else if (a[0] == '-' && server) {
			out(2, "pm: unknown option '%s'\n", a);
			usage();
		} else if (a[0] != '-')
			break;
	}
	if (server && i < argc && getpid() != 1) {
		out(2, "pm: unexpected argument '%s' with -d\n",
		    argv[i]);
		usage();
	}
	if (opt.background && !opt.daemon)
		usage();
	return server;
}

/*
 * Load the config before the loop exists: a bad file is a plain error and
 * exit. Without -c or PM_CONFIG, container mode and PID 1 run without a
 * file when /etc/pm.ini is absent. PID 1 survives a broken one: cur stays
 * NULL and cfg_err holds why, for rescue() once stdio is set up.
 */
/* Why the config was refused, on stderr. */
static void
cfg_err_show(void)
{
	out_put(2, cfg_err, strlen(cfg_err));
}

/* No file: an empty config, which only a want of memory fails. */
static void
load_none(void)
{
	if (cfg_load_string("(none)", "", &cur, cfg_err, sizeof(cfg_err)) < 0) {
		cfg_err_show();
		exit(1);
	}
}

static void
load_config(void)
{
	const char *file = cfg_default_file(opt.cfg_opt);
	bool implicit = opt.cfg_opt == NULL && getenv("PM_CONFIG") == NULL;

	cfg_path = file;
	if (implicit && (opt.cmd != NULL || getpid() == 1) &&
	    access(file, F_OK) < 0)
		cfg_path = NULL;
	if (cfg_path != NULL) {
		/* Loaded, cfg_err holds the warnings (a supervisord file's). */
		if (cfg_load(cfg_path, &cur, cfg_err, sizeof(cfg_err)) == 0 &&
		    (cfg_err_show(), main_clash(cur, cfg_err,
		    sizeof(cfg_err)) == 0))
			return;
		cfg_free(cur);
		cur = NULL;
		if (getpid() == 1)
			return;
		cfg_err_show();
		exit(1);
	}
	load_none();
}

/*
 * PID 1 with an unusable config must not die: say why on the console, and
 * as the machine's init run a rescue shell there when /bin/sh exists
 * (respawned, like a getty); otherwise run nothing and keep reaping. The
 * file stays the one `pm config reload` reads, so a fixed file brings the
 * services up without a reboot.
 */
static void
rescue(void)
{
	static const char *const shell = "[process:rescue]\ncommand=/bin/sh\n"
	    "tty=console\nstop_signal=HUP\nstart_limit=0\n";
	bool sh = init_mode && access("/bin/sh", X_OK) == 0;

	cfg_err_show();
	log_err("%s is unusable; %s", cfg_path, sh ? "starting a rescue "
	    "shell on the console" : init_mode ? "no /bin/sh for a rescue "
	    "shell; only reaping" : "running without it");
	if (sh && cfg_load_string("(rescue)", shell, &cur, cfg_err,
	    sizeof(cfg_err)) == 0)
		return;
	load_none();	/* out of memory at boot: nothing to do */
}

/* The -- mode's main child, described like any other process. */
static void
setup_main(void)
{
	snprintf(main_cfg.id, sizeof(main_cfg.id), "main");
	main_cfg.command = opt.cmd[0];
	main_cfg.argv = opt.cmd;
	main_cfg.type = PT_ONESHOT;
	main_cfg.autostart = true;
	main_cfg.restart = RS_NEVER;
	main_cfg.stop_signal = SIGTERM;
	main_cfg.stop_timeout_ms = 10000;
	main_cfg.restart_delay_ms = main_cfg.restart_delay_max_ms = 1000;
	main_cfg.umask = -1;
	main_cfg.rlimit_nofile = main_cfg.rlimit_core = -1;
	main_cfg.rlimit_nproc = -1;
}

static sigset_t		 blocked;

/* Raw as the mask: libc's signalfd adds a fallback for old kernels. */
static int
sig_open(void)
{
	return loop_watch(&sig_w, (int)syscall(SYS_signalfd4, -1, &blocked,
	    (size_t)NSIG / 8, SFD_NONBLOCK | SFD_CLOEXEC), signal_cb);
}

static int
open_fds(void)
{
	/*
	 * Block every signal, so each one is read from the signalfd and
	 * acted on or ignored, never left to a default that kills pm (issue
	 * 11). That includes the faults: a real one (SEGV, BUS, FPE, ILL,
	 * TRAP, SYS) is forced on pm by the kernel, which unblocks it and
	 * restores its default, and abort() unblocks SIGABRT itself, so pm
	 * still dies loudly of its own faults; only a kill(2) from outside
	 * is read and ignored. libc keeps 32-34 for itself: musl's sigfillset
	 * leaves them out and glibc's sigprocmask drops them, so `kill -34`
	 * killed pm. pm has no threads and no timers that use them: every
	 * bit is set by hand and the mask set with the raw call. The
	 * kernel's sigset is NSIG / 8 bytes: musl's NSIG is 65 (8 bytes)
	 * but 128 on MIPS (16 bytes; issue 18: (NSIG - 1) / 8 was refused).
	 */
	memset(&blocked, 0xff, sizeof(blocked));
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &blocked, NULL,
	    (size_t)NSIG / 8) < 0)
		return -1;
	/* Raw as signalfd4 below: libc's adds a fallback for old kernels. */
	if ((epfd = (int)syscall(SYS_epoll_create1, EPOLL_CLOEXEC)) < 0)
		return -1;
	if (sig_open() < 0)
		return -1;
	return loop_watch(&timer_w, timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC), timer_cb);
}

/*
 * Detach once the control socket listens, so `pm -d --background && pm
 * status` works: the parent exits 0 and the child carries on as the server.
 * The raw fork system call: pm has one thread and no atfork handlers, and
 * libc's fork would bring the locks that keep threads consistent across it.
 * (aarch64 has only clone; with SIGCHLD and no other flag it is a fork.)
 */
static void
background(void)
{
#ifdef SYS_fork
	pid_t pid = (pid_t)syscall(SYS_fork);
#else
	pid_t pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
#endif
	int fd;

	if (pid < 0) {
		out(2, "pm: fork: %m\n");
		exit(1);
	}
	if (pid > 0)
		_exit(0);
	/*
	 * A signalfd wakes epoll through the signal queue of the process that
	 * added it, so the child needs a signalfd of its own; the parent's
	 * would never fire for the child's SIGCHLD.
	 */
	loop_close(&sig_w);
	if (sig_open() < 0) {
		log_err("cannot set up signals after detaching: %m");
		exit(1);
	}
	setsid();
	if ((fd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		dup2(fd, 0);
		close(fd);
	}
}

static int
server_main(void)
{
	int status;

	/*
	 * 1. The config, read and checked before anything starts. PM_TOKEN
	 * is the client's key; the server never reads it, and its children
	 * must not inherit it (issue 8).
	 */
	sys_env(NULL);
	load_config();

	/* 2. As a machine's init: mounts and console first (init.c). */
	init_mode = opt.cmd == NULL &&
	    init_wanted(cur != NULL ? cur->set.init : INIT_AUTO);
	if (init_mode)
		init_early();
	if (cur == NULL)
		rescue();
	log_init(cur->set.log_level, cur->set.log_target);
	if (opt.cmd != NULL)
		setup_main();

	/* 3. Signals as data, the timer, and the epoll set. */
	if (open_fds() < 0) {
		out(2, "pm: cannot set up the event loop: %m\n");
		return 1;
	}

	/* 4. The control socket: required with -d, best effort otherwise. */
	if (ctl_init(cur, opt.sock) < 0) {
		if (opt.daemon && getpid() != 1)
			return 1;
		log_warn(WITHOUT, "a control socket");
	}
	/* 4b. The HTTP endpoint (issue 15): best effort, like TCP. */
	if (http_init(cur) < 0)
		log_warn(WITHOUT, "the HTTP endpoint");
	if (opt.background)
		background();

	/* 5. Adopt orphans, so nothing our children leave behind escapes. */
	if (getpid() != 1 || opt.subreaper)
		/* Raw: libc's prctl unpacks four variadic arguments. */
		if (syscall(SYS_prctl, PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 &&
		    getpid() != 1)
			log_warn("cannot become a subreaper: %m");

	/* 6. Cgroups, the output writers, the table, the first starts. */
	cg_init(cur->set.cgroup);
	cg_apply(cur);
	lb_init(cur);
	proc_set_hooks(&hooks);
	if (proc_init(cur, opt.cmd != NULL ? &main_cfg : NULL) < 0) {
		log_err("cannot allocate the process table: %m");
		if (getpid() != 1)
			return 1;
	}
	init_wd_open(pm_settings(), now_ms());
	proc_start_autostart();

	/* 7. Run until a shutdown has stopped everything. */
	loop();
	ctl_fini();
	if (init_mode) {
		/*
		 * Issue 18: pm's own files written on the root (process
		 * logs, log_target) would keep it from going read-only;
		 * init_end closes them, so the last lines go to stderr.
		 */
		lb_fini();
		log_console(NULL);
		log_init(pm_settings()->log_level, NULL);
		init_end(stop.how);	/* returns only if reboot(2) refused */
	}
	init_wd_close();
	status = stop.status;
	if (opt.cmd != NULL)
		status = map_exit(status);
	log_info("exiting with status %d", status);
	lb_fini();
	/* Freed so that a leak checker sees only what was really lost. */
	live_swap(NULL);
	cfg_free(cur);
	cur = NULL;
	return status;
}

int
main(int argc, char **argv)
{
	/*
	 * The client knows its own grammar; as PID 1 too a command runs
	 * and exits (issue 13: `RUN pm config check` ended no build).
	 */
	if (client_cmd(argc, argv) || !server_args(argc, argv))
		return client_main(argc, argv);
	return server_main();
}
