/*
 * proc.c: the process table and its state machine.
 *
 * The table is sized once per config load; spawning, reaping, stopping and
 * the backoff deadlines all work in it without allocating. Exactly one
 * function, proc_set_state(), writes a process's state: it logs the
 * transition and (re)arms the deadline that goes with the new state.
 *
 * Dependencies are settled lazily: events only mark the table dirty, and
 * settle() then starts every waiting process whose dependencies are ready
 * and stops every process that is no longer wanted once nothing that
 * depends on it is still alive. This gives start order and reverse stop
 * order from one rule, and batches the work of many events into one pass.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "init.h"
#include "log.h"
#include "pm.h"
#include "proc.h"

/*
 * One supervised process. Private to this file (issue 13): the others read
 * its view through proc_get() and change it through proc_* calls only.
 */
struct proc {
	struct proc_view v;	/* what others may read, through proc_get() */
	int		 fails;		/* failed starts in a row */
	uint32_t	 backoff_ms;	/* next restart delay */
	uint64_t	 deadline_ms;	/* 0: nothing due */
	bool		 want_up;	/* operator or autostart wants it */
	bool		 restart_after_stop;
	bool		 ready_failed;	/* killed for missing ready_timeout */
	bool		 exit_pm;	/* on_check_fail = exit: pm follows */
};

static struct proc	*proc_tab;
static int		 proc_n;

/* Per entry, beside struct proc: what only the table's upkeep needs. */
struct proc_x {
	int		 live_dependents;	/* dependents holding a pid */
	int		 from;			/* index in the last table, or -1 */
	bool		 removed;		/* gone from the config */
	bool		 fresh;			/* new in this config */
};

static struct proc_x	*proc_xt;
static const struct proc_hooks *hk;	/* check.c's and logbuf.c's, by pm.c */
static struct cfg_proc	*ghost_tab;	/* specs of removed, still running */
static int		 main_idx = -1;
static bool		 dirty;
static char	       **envp_buf;	/* environ + PM_ENV_MAX, sized once */
static size_t		 envp_cap;
static int		 devnull = -1;

#define ENV_ROOM	(PM_ENV_MAX + 8)	/* config lines, extras, NULL */

/*
 * Spawns run on the CPU pm runs on (issue 7). With vfork the parent
 * sleeps until the child has exec'd, so nothing runs in parallel anyway;
 * but the scheduler puts a new task on an idle CPU, and waking that CPU
 * and then pm again on its own cost more than the spawn itself on virtual
 * machines (cold start of 1,000 services: 0.55 s, and 0.1 s on one CPU).
 * So the first spawn of a loop turn narrows pm to its current CPU, every
 * child widens its mask back before exec, and proc_tick() widens pm's
 * own again before the loop sleeps.
 */
static cpu_set_t	 spawn_cpus;	/* pm's own mask, while narrowed */
/*
 * proc_tick's memory of the earliest deadline in the table, so that a turn
 * of the loop in which no state changed and nothing fell due (a client's
 * request, a line of output) does not walk 1,000 entries (issue 7).
 */
static uint64_t		 next_due;
static bool		 rescan = true;
static bool		 spawn_narrow;

/*
 * The table indexed by ID and by pid, rebuilt with it (issue 11): a reload
 * diff, a command naming a process and a reap each cost O(1), where one
 * walk over the table per lookup made a reload of 20,000 processes block
 * the loop for seconds. Open addressing, at least twice the table's size;
 * a slot holds an index + 1, 0 is empty.
 */
static int		*id_ix, *pid_ix;
static uint32_t		 ix_mask;

static uint32_t
pid_hash(pid_t pid)
{
	return ((uint32_t)pid * 2654435761u) & ix_mask;
}

/* The slot of id, or the empty one it would take. */
static uint32_t
id_slot(const char *id)
{
	uint32_t i = cfg_id_hash(id) & ix_mask;

	while (id_ix[i] != 0 && strcmp(proc_tab[id_ix[i] - 1].v.cfg->id, id) != 0)
		i = (i + 1) & ix_mask;
	return i;
}

static uint32_t
pid_slot(pid_t pid)
{
	uint32_t i = pid_hash(pid);

	while (pid_ix[i] != 0 && proc_tab[pid_ix[i] - 1].v.pid != pid)
		i = (i + 1) & ix_mask;
	return i;
}

/* Any entry named id, removed ones included; -1 when none. */
static int
find_any(const char *id)
{
	return id_ix != NULL ? id_ix[id_slot(id)] - 1 : -1;
}

/* Forget p's pid, shifting back the entries that probed past it. */
static void
pid_forget(struct proc *p)
{
	uint32_t i = pid_slot(p->v.pid), j = i, k;

	if (pid_ix[i] == 0)
		return;
	for (;;) {
		pid_ix[i] = 0;
		do {
			j = (j + 1) & ix_mask;
			if (pid_ix[j] == 0)
				return;
			k = pid_hash(proc_tab[pid_ix[j] - 1].v.pid);
		} while (i <= j ? i < k && k <= j : i < k || k <= j);
		pid_ix[i] = pid_ix[j];
		i = j;
	}
}

static const char *const state_names[PS__COUNT] = {
	[PS_STOPPED] = "stopped", [PS_STARTING] = "starting",
	[PS_RUNNING] = "running", [PS_STOPPING] = "stopping",
	[PS_EXITED] = "exited", [PS_BACKOFF] = "backoff", [PS_FATAL] = "fatal",
};

const char *
proc_state_name(enum proc_state s)
{
	return (s >= 0 && s < PS__COUNT) ? state_names[s] : "?";
}

/*
 * The single writer of p->v.state. The deadline belongs to the state: it is
 * set here for the states that have one and cleared for the others.
 */
static void
proc_set_state(struct proc *p, enum proc_state s, uint64_t deadline)
{
	bool fatal = s == PS_FATAL && p->v.state != PS_FATAL;

	if (p->v.state != s)
		log_debug("%s: %s -> %s", p->v.cfg->id, proc_state_name(p->v.state),
		    proc_state_name(s));
	*(enum proc_state *)&p->v.state = s;
	if (fatal)
		hk->fatal((int)(p - proc_tab));
	p->v.since_ms = now_ms();
	p->deadline_ms = deadline;
	dirty = true;
	rescan = true;
	loop_deadline_changed();
}

static int
idx_of(const struct proc *p)
{
	return (int)(p - proc_tab);
}

/* A dependency counts as ready when it runs, or is a oneshot that succeeded. */
static bool
dep_ready(const struct proc *d)
{
	if (d->v.cfg->type == PT_ONESHOT)
		return d->v.state == PS_EXITED && d->v.last_status == 0;
	return d->v.state == PS_RUNNING;
}

static bool
deps_ready(const struct proc *p)
{
	int i;

	for (i = 0; i < p->v.cfg->ndeps; i++)
		if (!dep_ready(&proc_tab[p->v.cfg->deps[i]]))
			return false;
	return true;
}

/* Keep each dependency's count of live dependents in step with our pid. */
static void
count_dependents(const struct proc *p, int delta)
{
	int i;

	for (i = 0; i < p->v.cfg->ndeps; i++)
		proc_xt[p->v.cfg->deps[i]].live_dependents += delta;
}

/* Set or override one KEY=VAL among the first n entries of envp_buf. */
static size_t
env_put(size_t n, const char *kv)
{
	size_t i, klen = strcspn(kv, "=") + 1;

	for (i = 0; i < n; i++)
		if (strncmp(envp_buf[i], kv, klen) == 0)
			break;
	envp_buf[i] = (char *)kv;
	return i == n ? n + 1 : n;
}

/*
 * Build the child's environment: pm's own, with the process's environment
 * lines and then the spawn's extras added or overriding. The pointer
 * array was sized at init, so this only fills it.
 */
static char **
build_env(const struct spawn *sp)
{
	extern char **environ;
	size_t n = 0;
	char **e;
	int j;

	for (e = environ; *e != NULL && n + ENV_ROOM < envp_cap; e++)
		envp_buf[n++] = *e;
	for (j = 0; j < sp->cfg->nenv; j++)
		n = env_put(n, sp->cfg->env[j]);
	for (j = 0; j < 6 && sp->env[j] != NULL; j++)
		n = env_put(n, sp->env[j]);
	envp_buf[n] = NULL;
	return envp_buf;
}

/* Where the child reports a failure before exec; written across vfork. */
struct spawn_err {
	int		 err;
	enum spawn_step	 step;	/* SP_OK: the exec went through */
};

/* What each step of a spawn is called in a log line, in enum order. */
static const char step_names[] = "start\0fork\0open tty\0redirect stdin\0"
    "redirect output\0pass the notification fd\0set rlimit_nofile\0"
    "set rlimit_core\0set rlimit_nproc\0set nice\0chdir\0setgroups\0"
    "setgid\0setuid\0execute";

const char *
spawn_step_name(enum spawn_step s)
{
	const char *n = step_names;

	while (s-- > 0)
		n += strlen(n) + 1;
	return n;
}

/* Close fds lo..hi (inclusive); close_range, or a loop on old kernels. */
static void
close_fds(unsigned lo, unsigned hi)
{
	struct rlimit rl;
	unsigned fd, max = 65536;

	if (lo > hi || syscall(SYS_close_range, lo, hi, 0) == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
		max = (unsigned)rl.rlim_cur;
	for (fd = lo; fd < max && fd <= hi; fd++)
		close((int)fd);
}

static int
set_rlimit(int res, long long v)
{
	struct rlimit rl;

	if (v == -1)
		return 0;
	rl.rlim_cur = rl.rlim_max = (v == -2) ? RLIM_INFINITY : (rlim_t)v;
	return setrlimit(res, &rl);
}

/*
 * The child half of a spawn, run between vfork and exec. It shares pm's
 * memory, so it only makes system calls and reports a failure through se;
 * it never returns. The order matters: session first, then limits and
 * directory while still privileged, then groups, gid and uid last.
 */
static void __attribute__((noreturn, noinline))
child_exec(const struct spawn *sp, bool is_main, char **envp,
    struct spawn_err *se)
{
	static const unsigned long dfl[8];
	const struct cfg_proc *c = sp->cfg;
	sigset_t none;
	int sig;

#define FAIL(w)	do { se->err = errno; se->step = (w); goto fail; } while (0)
	if (is_main) {
		/* Own group, and the terminal's foreground, as tini does. */
		setpgid(0, 0);
		if (isatty(0))
			(void)tcsetpgrp(0, getpid());
	} else if (c->tty != NULL) {
		if (init_tty(c->tty) < 0)
			FAIL(SP_TTY);
	} else {
		setsid();
		if (devnull >= 0 && dup2(devnull, 0) < 0)
			FAIL(SP_STDIN);
	}
	/* stdout and stderr into pm's pipes (issue 5); -1 keeps pm's own. */
	if ((sp->out >= 0 && dup2(sp->out, 1) < 0) ||
	    (sp->err >= 0 && dup2(sp->err, 2) < 0))
		FAIL(SP_OUTPUT);
	if (sp->fd >= 0 && (sp->fd == sp->fd_as ? fcntl(sp->fd, F_SETFD, 0) :
	    dup2(sp->fd, sp->fd_as)) < 0)
		FAIL(SP_NOTIFY_FD);
	if (sp->fd >= 0) {
		close_fds(3, (unsigned)sp->fd_as - 1);
		close_fds((unsigned)sp->fd_as + 1, ~0U);
	} else
		close_fds(3, ~0U);
	/*
	 * Raw rt_sigaction, because libc refuses the signals it reserves for
	 * itself, and an ignored one would stay ignored across exec. An
	 * all-zero kernel sigaction is SIG_DFL with no flags on every arch.
	 */
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, dfl, NULL,
			    (size_t)NSIG / 8);	/* 16 on MIPS (issue 18) */
	if (set_rlimit(RLIMIT_NOFILE, c->rlimit_nofile) < 0)
		FAIL(SP_NOFILE);
	if (set_rlimit(RLIMIT_CORE, c->rlimit_core) < 0)
		FAIL(SP_CORE);
	if (set_rlimit(RLIMIT_NPROC, c->rlimit_nproc) < 0)
		FAIL(SP_NPROC);
	if (c->has_nice && setpriority(PRIO_PROCESS, 0, c->nice) < 0)
		FAIL(SP_NICE);
	if (c->umask >= 0)
		umask((mode_t)c->umask);
	if (c->directory != NULL && chdir(c->directory) < 0)
		FAIL(SP_CHDIR);
	if (c->user != NULL || c->group != NULL) {
		if ((c->user != NULL ? setgroups((size_t)c->ngroups, c->groups)
		    : setgroups(1, &c->gid)) < 0)
			FAIL(SP_SETGROUPS);
		if (setgid(c->gid) < 0)
			FAIL(SP_SETGID);
	}
	if (c->user != NULL && setuid(c->uid) < 0)
		FAIL(SP_SETUID);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (spawn_narrow)
		(void)sched_setaffinity(0, sizeof(spawn_cpus), &spawn_cpus);
	execvpe(sp->argv[0], sp->argv, envp);
	se->err = errno;
	se->step = SP_EXEC;
fail:
	_exit(se->err == ENOENT ? 127 : 126);
#undef FAIL
}

/*
 * A start that failed for want of a resource (a process slot, memory, an
 * fd) is no fault of the command: say why and try again after the
 * backoff, which doubles as for a crash, without counting a failed start.
 */
static void
retry_later(struct proc *p, const char *what, const char *arg)
{
	uint32_t d = p->backoff_ms ? p->backoff_ms : 1000;

	log_warn("%s: cannot %s%s%s: %m; retrying in %u.%03us", p->v.cfg->id,
	    what, arg ? " " : "", arg ? arg : "", d / 1000, d % 1000);
	proc_set_state(p, PS_BACKOFF, now_ms() + d);
	p->backoff_ms = d * 2 > p->v.cfg->restart_delay_max_ms ?
	    p->v.cfg->restart_delay_max_ms : d * 2;
}

static bool
transient(int e)
{
	return e == EAGAIN || e == ENOMEM || e == EMFILE || e == ENFILE;
}

/*
 * Fork and exec one child from a spec: a supervised process, or a check,
 * readiness probe or handler in its process's clothes. vfork keeps a
 * respawn cheap even for a large pm and lets the child hand back the
 * reason it could not exec, so a command that does not exist is reported
 * once instead of looping.
 */
pid_t
proc_spawn(const struct spawn *sp, bool is_main, enum spawn_step *step)
{
	/*
	 * Static: the vfork child writes it, and the compiler must not assume
	 * that a local whose address only the child saw is still unchanged.
	 */
	static struct spawn_err se;
	extern char **environ;
	int st;
	pid_t pid;

	se.err = 0;
	se.step = SP_OK;
	if (!spawn_narrow && sched_getaffinity(0, sizeof(spawn_cpus),
	    &spawn_cpus) == 0) {
		cpu_set_t one;
		unsigned cpu = 0;

		CPU_ZERO(&one);
		if (syscall(SYS_getcpu, &cpu, NULL, NULL) == 0 &&
		    cpu < CPU_SETSIZE) {
			CPU_SET(cpu, &one);
			spawn_narrow = sched_setaffinity(0, sizeof(one),
			    &one) == 0;
		}
	}
	pid = vfork();
	if (pid == 0)
		child_exec(sp, is_main, is_main ? environ : build_env(sp), &se);
	*step = SP_FORK;
	if (pid < 0 || se.step == SP_OK)
		return pid;
	/* The child has exited already; collect it right here. */
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	*step = se.step;
	errno = se.err;
	/*
	 * EAGAIN from execve after setuid means the user is at its
	 * RLIMIT_NPROC: like the other shortages it passes, so it is -1,
	 * retried, not -2, fatal.
	 */
	return transient(se.err) ? -1 : -2;
}

/* Start one process; a command that cannot run goes fatal at once. */
static void
spawn(struct proc *p)
{
	const struct cfg_proc *c = p->v.cfg;
	struct spawn sp = { c, c->argv, { NULL }, -1, -1, -1, -1 };
	enum spawn_step step = SP_OK;
	uint32_t rt;
	int io[2], saved;
	pid_t pid;

	hk->prespawn(idx_of(p), &sp);
	/* A process on a terminal (tty =) talks to it, not to a pipe. */
	if (c->tty != NULL)
		io[0] = io[1] = -1;
	else
		hk->out_pipes(idx_of(p), idx_of(p) == main_idx, io);
	sp.out = io[0];
	sp.err = io[1];
	pid = proc_spawn(&sp, idx_of(p) == main_idx, &step);
	saved = errno;
	hk->out_spawned(idx_of(p), pid > 0);
	hk->spawned(idx_of(p), pid > 0);
	errno = saved;
	if (pid == -1) {
		retry_later(p, spawn_step_name(step), step == SP_FORK ? NULL :
		    c->argv[0]);
		return;
	}
	if (pid == -2) {
		log_err("%s: cannot %s %s: %m", c->id, spawn_step_name(step),
		    step == SP_CHDIR && c->directory ? c->directory :
		    step == SP_TTY ? c->tty : c->argv[0]);
		p->v.last_status = errno == ENOENT ? 127 : 126;
		proc_set_state(p, PS_FATAL, 0);
		if (c->critical || idx_of(p) == main_idx)
			pm_shutdown(END_EXIT, p->v.last_status);
		return;
	}
	p->v.pid = pid;
	pid_ix[pid_slot(pid)] = idx_of(p) + 1;
	p->v.started_ms = now_ms();
	count_dependents(p, +1);
	log_info("%s: started pid %d", c->id, (int)pid);
	/* With a readiness protocol it is starting until it says so. */
	rt = c->mon != NULL && c->mon->ready != RD_NONE ?
	    c->mon->ready_timeout_ms : 0;
	proc_set_state(p, rt ? PS_STARTING : PS_RUNNING,
	    rt ? p->v.started_ms + rt : 0);
}

void
proc_ready(int idx)
{
	struct proc *p = &proc_tab[idx];

	if (p->v.state != PS_STARTING || p->v.pid == 0)
		return;
	log_info("%s: ready after %llums", p->v.cfg->id,
	    (unsigned long long)(now_ms() - p->v.started_ms));
	proc_set_state(p, PS_RUNNING, 0);
}

/* Send the stop signal to the process group and arm the kill deadline. */
static void
begin_stop(struct proc *p)
{
	const struct cfg_proc *c = p->v.cfg;
	pid_t target = idx_of(p) == main_idx ? p->v.pid : -p->v.pid;

	if (kill(target, c->stop_signal) < 0 && errno == ESRCH)
		kill(p->v.pid, c->stop_signal);
	log_info("%s: stopping pid %d with SIG%s", c->id, (int)p->v.pid,
	    cfg_signal_name(c->stop_signal) ? cfg_signal_name(c->stop_signal)
	    : "?");
	proc_set_state(p, PS_STOPPING, now_ms() + c->stop_timeout_ms);
}

/*
 * One pass over the table: start whatever waits and is now free to start,
 * stop whatever is unwanted and no longer needed by a live dependent.
 */
static void
settle(void)
{
	struct proc *p;
	int i;

	dirty = false;
	for (i = 0; i < proc_n; i++) {
		p = &proc_tab[i];
		if (p->want_up && p->v.state == PS_STARTING && p->v.pid == 0 &&
		    !pm_stopping() && deps_ready(p))
			spawn(p);
		else if (!p->want_up && p->v.pid != 0 &&
		    (p->v.state == PS_RUNNING || p->v.state == PS_STARTING) &&
		    proc_xt[i].live_dependents == 0)
			begin_stop(p);
	}
}

/* Mark p (and, transitively, what it depends on) wanted and waiting. */
static void
want(struct proc *p)
{
	int i;

	if (proc_xt[idx_of(p)].removed)
		return;
	if (!p->want_up)
		p->restart_after_stop = false;
	p->want_up = true;
	for (i = 0; i < p->v.cfg->ndeps; i++)
		if (!proc_tab[p->v.cfg->deps[i]].want_up)
			want(&proc_tab[p->v.cfg->deps[i]]);
	switch (p->v.state) {
	case PS_STOPPED:
	case PS_EXITED:
	case PS_FATAL:
	case PS_BACKOFF:
		p->fails = 0;
		p->backoff_ms = p->v.cfg->restart_delay_ms;
		proc_set_state(p, PS_STARTING, 0);
		break;
	case PS_STOPPING:
		p->restart_after_stop = true;
		break;
	default:
		break;
	}
}

int
proc_start(int idx, const char **why)
{
	if (pm_stopping()) {
		*why = "pm is shutting down";
		return -1;
	}
	want(&proc_tab[idx]);
	return 0;
}

/* Stop one process: unwanted now, and stopped once dependents are gone. */
static void
unwant(struct proc *p)
{
	p->want_up = false;
	p->restart_after_stop = false;
	if (p->v.pid == 0 && (p->v.state == PS_STARTING || p->v.state == PS_BACKOFF))
		proc_set_state(p, PS_STOPPED, 0);
	dirty = true;
}

int
proc_stop(int idx, const char **why)
{
	(void)why;
	unwant(&proc_tab[idx]);
	return 0;
}

int
proc_restart(int idx, const char **why)
{
	struct proc *p = &proc_tab[idx];

	if (pm_stopping()) {
		*why = "pm is shutting down";
		return -1;
	}
	/* Its exit ends pm: a restart would answer OK, then exit (issue 11). */
	if (idx == main_idx) {
		*why = "the -- command runs once; its exit ends pm";
		return -1;
	}
	if (p->v.pid != 0 && p->v.state != PS_STOPPING) {
		p->want_up = true;
		p->restart_after_stop = true;
		begin_stop(p);
		return 0;
	}
	want(p);
	return 0;
}

int
proc_signal(int idx, int sig, const char **why)
{
	struct proc *p = &proc_tab[idx];

	if (p->v.pid == 0) {
		*why = "not running";
		return -1;
	}
	if (kill(p->v.pid, sig) < 0) {
		*why = strerror(errno);
		return -1;
	}
	return 0;
}

void
proc_start_autostart(void)
{
	int i;

	for (i = 0; i < proc_n; i++)
		if (proc_tab[i].v.cfg->autostart && !proc_xt[i].removed)
			want(&proc_tab[i]);
}

void
proc_stop_all(void)
{
	int i;

	for (i = 0; i < proc_n; i++)
		unwant(&proc_tab[i]);
}

/* SIGKILL every process group still alive: the shutdown deadline passed. */
void
proc_kill_all(void)
{
	int i;

	for (i = 0; i < proc_n; i++)
		if (proc_tab[i].v.pid != 0) {
			log_warn("%s: still running; sending SIGKILL",
			    proc_tab[i].v.cfg->id);
			kill(-proc_tab[i].v.pid, SIGKILL);
			kill(proc_tab[i].v.pid, SIGKILL);
		}
}

bool
proc_all_down(void)
{
	int i;

	for (i = 0; i < proc_n; i++)
		if (proc_tab[i].v.pid != 0)
			return false;
	return true;
}

/*
 * The action of a health check that failed check_retries times in a row
 * (exec: handlers are check.c's own). status is the check's.
 */
void
proc_check_failed(int idx, enum cfg_cfail action, int status)
{
	struct proc *p = &proc_tab[idx];
	const char *why;

	log_warn("%s: health check failed (status %d); on_check_fail = %s",
	    p->v.cfg->id, status, (const char *[]){ "restart", "stop", "exit",
	    "exec" }[action]);
	if (action == CF_RESTART)
		proc_restart(idx, &why);
	else if (action == CF_STOP)
		unwant(p);
	else if (action == CF_EXIT && p->v.pid != 0) {
		p->exit_pm = true;
		begin_stop(p);
	}
}

pid_t
proc_main_pid(void)
{
	return main_idx >= 0 ? proc_tab[main_idx].v.pid : 0;
}

/* Decide what a service's exit means: restart, backoff, fatal or done. */
static void
after_exit(struct proc *p, int status, uint64_t ran)
{
	const struct cfg_proc *c = p->v.cfg;
	bool failed = status != 0, again;

	if (idx_of(p) == main_idx) {
		proc_set_state(p, PS_EXITED, 0);
		pm_shutdown(END_EXIT, status);
		return;
	}
	if (p->exit_pm) {
		/* on_check_fail = exit: the container dies, never with 0. */
		p->exit_pm = false;
		proc_set_state(p, PS_EXITED, 0);
		pm_shutdown(END_EXIT, status ? status : 1);
		return;
	}
	if (p->ready_failed && p->want_up && !pm_stopping()) {
		/* Never became ready: a failed start, not an operator stop. */
		p->ready_failed = false;
		ran = 0;
		failed = true;
	} else if (p->v.state == PS_STOPPING || !p->want_up || pm_stopping()) {
		if (p->restart_after_stop && p->want_up && !pm_stopping()) {
			p->restart_after_stop = false;
			proc_set_state(p, PS_STARTING, 0);
		} else
			proc_set_state(p, PS_STOPPED, 0);
		return;
	}
	again = c->restart == RS_ALWAYS || (c->restart == RS_ON_FAILURE &&
	    failed);
	if (c->type == PT_ONESHOT && !again) {
		proc_set_state(p, PS_EXITED, 0);
		if (failed && c->critical) {
			log_err("%s: critical oneshot failed with status %d",
			    c->id, status);
			pm_shutdown(END_EXIT, status);
		}
		return;
	}
	if (!again) {
		proc_set_state(p, PS_EXITED, 0);
		return;
	}
	if (ran >= c->stable_ms) {
		p->fails = 0;
		p->backoff_ms = c->restart_delay_ms;
	} else
		p->fails++;
	if (c->start_limit > 0 && p->fails > c->start_limit) {
		log_err("%s: fatal: %d failed starts in a row, giving up",
		    c->id, p->fails);
		proc_set_state(p, PS_FATAL, 0);
		if (c->critical)
			pm_shutdown(END_EXIT, status);
		return;
	}
	log_info("%s: backoff %u.%03us", c->id, p->backoff_ms / 1000,
	    p->backoff_ms % 1000);
	proc_set_state(p, PS_BACKOFF, now_ms() + p->backoff_ms);
	p->backoff_ms = p->backoff_ms * 2 > c->restart_delay_max_ms ?
	    c->restart_delay_max_ms : p->backoff_ms * 2;
}

int
proc_find_pid(pid_t pid)
{
	return pid_ix != NULL && pid > 0 ? pid_ix[pid_slot(pid)] - 1 : -1;
}

static struct proc *
by_pid(pid_t pid)
{
	int i = proc_find_pid(pid);

	return i >= 0 ? &proc_tab[i] : NULL;
}

/*
 * Reap until nothing is left. SIGCHLDs coalesce, so the signal says only
 * that something exited; waitpid says what (openSUSE/catatonit#4).
 */
void
proc_reap(void)
{
	struct proc *p;
	int st, status;
	pid_t pid;

	for (;;) {
		pid = waitpid(-1, &st, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			break;
		status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		p = by_pid(pid);
		if (p == NULL) {
			if (!hk->reap(pid, status))
				log_debug("reaped pid %d", (int)pid);
			continue;
		}
		hk->out_drain(idx_of(p));
		if (WIFSIGNALED(st))
			log_info("%s: pid %d killed by SIG%s (status %d)",
			    p->v.cfg->id, (int)pid, cfg_signal_name(WTERMSIG(st))
			    ? cfg_signal_name(WTERMSIG(st)) : "?", status);
		else
			log_info("%s: pid %d exited with status %d", p->v.cfg->id,
			    (int)pid, status);
		count_dependents(p, -1);
		hk->exited(idx_of(p), status);	/* handlers see the pid */
		pid_forget(p);
		p->v.pid = 0;
		p->v.last_status = status;
		after_exit(p, status, now_ms() - p->v.started_ms);
	}
}

/* pm's own CPU mask back after the spawns of a turn (see spawn_cpus). */
static void
widen(void)
{
	if (spawn_narrow) {
		(void)sched_setaffinity(0, sizeof(spawn_cpus), &spawn_cpus);
		spawn_narrow = false;
	}
}

/*
 * Act on due deadlines, settle the table, and return the next deadline.
 * Called by the loop on every turn, so one pass serves many events.
 */
uint64_t
proc_tick(uint64_t now)
{
	uint64_t next = 0;
	struct proc *p;
	int i;

	if (!dirty && !rescan && (next_due == 0 || now < next_due)) {
		widen();
		return next_due;
	}
	for (i = 0; i < proc_n; i++) {
		p = &proc_tab[i];
		if (p->deadline_ms == 0 || p->deadline_ms > now)
			continue;
		if (p->v.state == PS_BACKOFF) {
			p->v.restarts++;
			proc_set_state(p, PS_STARTING, 0);
		} else if (p->v.state == PS_STARTING && p->v.pid != 0) {
			log_warn("%s: not ready within %ums; stopping it",
			    p->v.cfg->id, p->v.cfg->mon->ready_timeout_ms);
			p->ready_failed = true;
			begin_stop(p);
		} else if (p->v.state == PS_STOPPING && p->v.pid != 0) {
			log_warn("%s: did not stop within %ums; sending SIGKILL",
			    p->v.cfg->id, p->v.cfg->stop_timeout_ms);
			kill(-p->v.pid, SIGKILL);
			kill(p->v.pid, SIGKILL);
			p->deadline_ms = 0;
		} else
			p->deadline_ms = 0;
	}
	while (dirty)
		settle();
	widen();
	rescan = false;
	for (i = 0; i < proc_n; i++) {
		p = &proc_tab[i];
		if (p->deadline_ms != 0 && (next == 0 || p->deadline_ms < next))
			next = p->deadline_ms;
	}
	next_due = next;
	return next;
}

void
proc_set_hooks(const struct proc_hooks *h)
{
	hk = h;
}

int
proc_count(void)
{
	return proc_n;
}

const struct proc_view *
proc_get(int idx)
{
	return &proc_tab[idx].v;
}

int
proc_prev(int idx)
{
	return proc_xt[idx].from;
}

int
proc_find(const char *id)
{
	int i = find_any(id);

	return i >= 0 && !proc_xt[i].removed ? i : -1;
}

static void
proc_reset(struct proc *p, const struct cfg_proc *c)
{
	memset(p, 0, sizeof(*p));
	p->v.cfg = c;
	p->v.last_status = -1;
	p->backoff_ms = c->restart_delay_ms;
	p->v.since_ms = now_ms();
}

/*
 * Build a table for newc: kept processes carry their runtime state over,
 * removed ones that still run stay as ghosts (their spec copied, pointers
 * into the old config dropped) until they have stopped.
 */
static int
build_table(const struct config *newc, const struct cfg_proc *mainc,
    struct proc **ot, struct proc_x **oxt, struct cfg_proc **ogh, int *on)
{
	int i, j, n, ghosts = 0, nmain = mainc != NULL ? 1 : 0;
	const struct cfg_proc *old;
	struct cfg_proc *gh, *g;
	struct proc *t;
	struct proc_x *xt;

	for (i = 0; i < proc_n; i++)
		if (proc_tab[i].v.pid != 0 && i != main_idx &&
		    cfg_find(newc, proc_tab[i].v.cfg->id) < 0)
			ghosts++;
	n = newc->nproc + nmain + ghosts;
	t = calloc(n ? n : 1, sizeof(*t));
	xt = calloc(n ? n : 1, sizeof(*xt));
	gh = calloc(ghosts ? ghosts : 1, sizeof(*gh));
	if (t == NULL || xt == NULL || gh == NULL) {
		free(t);
		free(xt);
		free(gh);
		return -1;
	}
	for (i = 0; i < newc->nproc; i++) {
		/*
		 * A removed process still stopping that comes back takes its
		 * old entry, pid and all, and starts once the old instance is
		 * gone, as restart does: never two instances of one ID (issue
		 * 11). proc_apply wants it like any new process.
		 */
		j = find_any(newc->procs[i].id);
		if (j >= 0 && j != main_idx) {
			memcpy(&t[i], &proc_tab[j], sizeof(t[i]));
			t[i].v.cfg = &newc->procs[i];
			xt[i].fresh = proc_xt[j].removed;
			xt[i].from = j;
		} else {
			proc_reset(&t[i], &newc->procs[i]);
			xt[i].fresh = true;
			xt[i].from = -1;
		}
	}
	n = newc->nproc;
	if (mainc != NULL) {
		if (main_idx >= 0)
			memcpy(&t[n], &proc_tab[main_idx], sizeof(t[n]));
		else
			proc_reset(&t[n], mainc);
		xt[n].from = main_idx;
		n++;
	}
	for (i = 0; i < proc_n; i++) {
		if (proc_tab[i].v.pid == 0 || i == main_idx ||
		    cfg_find(newc, proc_tab[i].v.cfg->id) >= 0)
			continue;
		/*
		 * A ghost keeps only what stopping it needs. Every pointer
		 * of the old spec points into the old config, which is about
		 * to be freed, so none is copied: a field added to cfg_proc
		 * later cannot dangle here by being forgotten.
		 */
		g = &gh[n - newc->nproc - nmain];
		old = proc_tab[i].v.cfg;
		memcpy(g->id, old->id, sizeof(g->id));
		g->line = old->line;
		g->type = old->type;
		g->restart = RS_NEVER;
		g->stop_signal = old->stop_signal;
		g->stop_timeout_ms = old->stop_timeout_ms;
		g->restart_delay_ms = old->restart_delay_ms;
		g->restart_delay_max_ms = old->restart_delay_max_ms;
		g->stable_ms = old->stable_ms;
		g->umask = -1;
		g->rlimit_nofile = g->rlimit_core = g->rlimit_nproc = -1;
		g->log = hk->out_path(i);	/* lives with the output */
		memcpy(&t[n], &proc_tab[i], sizeof(t[n]));
		t[n].v.cfg = g;
		t[n].want_up = false;
		xt[n].removed = true;
		xt[n].from = i;
		n++;
	}
	*ot = t;
	*oxt = xt;
	*ogh = gh;
	*on = n;
	return 0;
}

/* Recount live dependents from scratch after the table was rebuilt. */
static void
recount(void)
{
	int i;

	for (i = 0; i < proc_n; i++)
		proc_xt[i].live_dependents = 0;
	for (i = 0; i < proc_n; i++)
		if (proc_tab[i].v.pid != 0)
			count_dependents(&proc_tab[i], +1);
}

int
proc_init(const struct config *c, const struct cfg_proc *mainc)
{
	extern char **environ;
	struct cfg_proc *gh;
	struct proc *t;
	struct proc_x *xt;
	size_t n = 0;
	uint32_t cap = 16;
	int tn, *ix, *px, i;

	if (envp_buf == NULL) {
		while (environ[n] != NULL)
			n++;
		envp_cap = n + ENV_ROOM;
		if ((envp_buf = calloc(envp_cap, sizeof(char *))) == NULL)
			return -1;
		devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	}
	/* The new table holds at most every old entry and one per process. */
	while (cap < 2 * ((uint32_t)c->nproc + 1 + (uint32_t)proc_n))
		cap *= 2;
	ix = calloc(cap, sizeof(*ix));
	px = calloc(cap, sizeof(*px));
	if (ix == NULL || px == NULL ||
	    build_table(c, mainc, &t, &xt, &gh, &tn) < 0) {
		free(ix);
		free(px);
		return -1;
	}
	free(proc_tab);
	free(proc_xt);
	free(ghost_tab);
	free(id_ix);
	free(pid_ix);
	proc_tab = t;
	proc_xt = xt;
	ghost_tab = gh;
	proc_n = tn;
	main_idx = mainc != NULL ? c->nproc : -1;
	id_ix = ix;
	pid_ix = px;
	ix_mask = cap - 1;
	/* The first of an ID wins: the config's own before -- mode's main. */
	for (i = 0; i < proc_n; i++) {
		if (id_ix[id_slot(proc_tab[i].v.cfg->id)] == 0)
			id_ix[id_slot(proc_tab[i].v.cfg->id)] = i + 1;
		if (proc_tab[i].v.pid != 0)
			pid_ix[pid_slot(proc_tab[i].v.pid)] = i + 1;
	}
	recount();
	rescan = true;
	dirty = true;
	if (hk->out_sync() < 0)
		log_warn("out of memory for output buffers; some output goes "
		    "to pm's own");
	hk->rebuilt();
	return 0;
}

/*
 * Apply a new config: emit the plan per process, and unless dry_run swap
 * the table and start, stop or restart what changed. Processes whose spec
 * is unchanged keep running with the same pid.
 */
int
proc_apply(const struct config *newc, bool dry_run, plan_fn emit, void *ctx)
{
	const struct cfg_proc *mainc = main_idx >= 0 ? proc_tab[main_idx].v.cfg
	    : NULL;
	bool *restart = NULL;
	int i, j;

	for (i = 0; i < newc->nproc; i++) {
		j = proc_find(newc->procs[i].id);
		if (j < 0 || j == main_idx)
			emit(ctx, newc->procs[i].id, newc->procs[i].autostart ?
			    "start" : "add");
		else if (cfg_proc_changed(proc_tab[j].v.cfg, &newc->procs[i]))
			emit(ctx, newc->procs[i].id, proc_tab[j].v.pid != 0 ?
			    "restart" : "update");
		else
			emit(ctx, newc->procs[i].id, "unchanged");
	}
	for (i = 0; i < proc_n; i++)
		if (i != main_idx && !proc_xt[i].removed &&
		    cfg_find(newc, proc_tab[i].v.cfg->id) < 0)
			emit(ctx, proc_tab[i].v.cfg->id, "stop");
	if (dry_run)
		return 0;

	if ((restart = calloc(newc->nproc + 1, sizeof(bool))) == NULL)
		return -1;
	for (i = 0; i < newc->nproc; i++) {
		j = proc_find(newc->procs[i].id);
		restart[i] = j >= 0 && j != main_idx && proc_tab[j].v.pid != 0 &&
		    cfg_proc_changed(proc_tab[j].v.cfg, &newc->procs[i]);
	}
	if (proc_init(newc, mainc) < 0) {
		free(restart);
		return -1;
	}
	for (i = 0; i < proc_n; i++) {
		if (proc_xt[i].removed) {
			unwant(&proc_tab[i]);
			continue;
		}
		if (i == main_idx)
			continue;
		if (i < newc->nproc && restart[i])
			proc_restart(i, &(const char *){ NULL });
		else if (proc_xt[i].fresh && proc_tab[i].v.cfg->autostart &&
		    !pm_stopping())
			want(&proc_tab[i]);
	}
	free(restart);
	return 0;
}
