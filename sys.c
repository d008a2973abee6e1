/*
 * sys.c: the system calls under proc.c's state machine: the clock, spawn
 * (vfork and exec in a process's clothes), signals and reaping. proc.c
 * reaches the system only through here, so tests/unit/proc_test.c links
 * fakes of these functions instead and drives the machine without
 * processes, signals or sleeps (as dinit's baseproc-sys does).
 */
#include <sys/ioctl.h>
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
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "clock.h"
#include "config.h"
#include "init.h"
#include "safefile.h"
#include "sys.h"

static char	       **envp_buf;	/* environ + PM_ENV_MAX, sized once */
static size_t		 envp_cap;
static int		 devnull = -1;
/*
 * Low descriptors that hold a spawn's stdout, stderr, fd:N and cgroup
 * file while the child starts, and /dev/null between spawns. The child
 * shares pm's descriptor table (CLONE_FILES) and unshares it keeping only
 * those below slot_lo: copying and closing all of pm's, two pipes per
 * service, made every spawn cost O(N), and a cold start O(N^2).
 */
static int		 slot[4], slot_lo;

#define ENV_ROOM	(PM_ENV_MAX + 8)	/* config lines, extras, NULL */

/*
 * Spawns run on the CPU pm runs on (issue 7). With vfork the parent
 * sleeps until the child has exec'd, so nothing runs in parallel anyway;
 * but the scheduler puts a new task on an idle CPU, and waking that CPU
 * and then pm again on its own cost more than the spawn itself on virtual
 * machines (cold start of 1,000 services: 0.55 s, and 0.1 s on one CPU).
 * So the first spawn of a loop turn narrows pm to its current CPU, every
 * child widens its mask back before exec, and sys_widen() (proc_tick,
 * before the loop sleeps) widens pm's own again.
 */
static cpu_set_t	 spawn_cpus;	/* pm's own mask, while narrowed */
static bool		 spawn_narrow;

uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_now(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * The wall clock, for schedules: one function beside now_ms, so that
 * check.c's unit test can set the clock by linking its own (issue 13).
 */
long long
wall_now(void)
{
	struct timespec ts;

	clock_now(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec;
}

/*
 * The one reader of /proc/PID/stat (cgroup.c's usage without a group,
 * init.c's kthreadd, pm.c's orphans). Field 2, the name, may hold spaces
 * and parentheses: counting goes on after its last ')', where field 3,
 * the state, begins.
 */
int
sys_proc_stat(const char *path, int from, int n, unsigned long long *v)
{
	char buf[1024], *p;
	int i;

	if (safe_read(AT_FDCWD, path, buf, sizeof(buf)) < 0 ||
	    (p = strrchr(buf, ')')) == NULL)
		return -1;
	for (i = 3; i < from + n && (p = strchr(p + 1, ' ')) != NULL; i++)
		if (i >= from)
			v[i - from] = strtoull(p + 1, NULL, 10);
	return i < from + n ? -1 : 0;
}

int
sys_init(void)
{
	extern char **environ;
	size_t n = 0;

	if (envp_buf != NULL)
		return 0;
	while (environ[n] != NULL)
		n++;
	envp_cap = n + ENV_ROOM;
	if ((envp_buf = calloc(envp_cap, sizeof(char *))) == NULL)
		return -1;
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
#ifndef SPAWN_COPY	/* valgrind's build: it runs no clone that shares */
	/* Each the lowest free, so the last is the highest; -1 on failure. */
	for (n = 0; n < 4; n++)
		slot[n] = (int)syscall(SYS_fcntl, devnull, F_DUPFD_CLOEXEC, 3);
	slot_lo = slot[3] + 1;
#endif
	return 0;
}

/*
 * pm's own environment, set before anything is spawned: without PM_TOKEN,
 * the client's key, which the server never reads and its children must
 * not inherit (issue 8), and with add (init's PATH: execvpe searches
 * pm's own) at the end. A copy environ points to; out of memory, the
 * entries are only dropped, in place.
 */
void
sys_env(char *add)
{
	extern char **environ;
	/*
	 * Held here too: glibc's exit clean-up (under valgrind, make
	 * memcheck) resets environ, and the copy would look lost.
	 */
	static char **env;
	char **e = environ, **prev = env, **to;
	size_t n = 2;

	while (*e++ != NULL)
		n++;
	if ((to = calloc(n, sizeof(*to))) == NULL) {
		to = environ;
		add = NULL;
		prev = NULL;
	} else
		env = to;
	for (n = 0, e = environ; *e != NULL; e++)
		if (strncmp(*e, "PM_TOKEN=", 9) != 0)
			to[n++] = *e;
	to[n] = add;
	environ = to;
	free(prev);	/* init's second call: the first copy */
}

/* fd into slot i for a spawn (devnull: free the slot); the slot, or fd. */
static int
hold(int fd, int i)
{
	return fd >= 0 && slot_lo > 0 &&
	    syscall(SYS_dup3, fd, slot[i], O_CLOEXEC) >= 0 ? slot[i] : fd;
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
static const char *const step_names = "start\0fork\0open tty\0redirect stdin\0"
    "redirect output\0pass the notification fd\0set rlimit_nofile\0"
    "set rlimit_core\0set rlimit_nproc\0set nice\0chdir\0setgroups\0"
    "setgid\0setuid\0execute\0join the cgroup";

const char *
spawn_step_name(enum spawn_step s)
{
	const char *n = step_names;

	while (s-- > 0)
		n += strlen(n) + 1;
	return n;
}

/*
 * Close every fd from 3 up but keep (-1: none); close_range, or a loop on
 * old kernels.
 */
void
sys_close_fds(int keep)
{
	struct rlimit rl;
	unsigned fd, max = 65536, k = keep >= 3 ? (unsigned)keep : ~0U;

	if ((k == 3 || syscall(SYS_close_range, 3, k - 1, 0) == 0) &&
	    (k == ~0U || syscall(SYS_close_range, k + 1, ~0U, 0) == 0))
		return;
	if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)max)
		max = (unsigned)rl.rlim_cur;
	for (fd = 3; fd < max; fd++)
		if (fd != k)
			close((int)fd);
}

_Static_assert(offsetof(struct cfg_proc, rlimit_core) ==
    offsetof(struct cfg_proc, rlimit_nofile) + sizeof(long long) &&
    offsetof(struct cfg_proc, rlimit_nproc) ==
    offsetof(struct cfg_proc, rlimit_core) + sizeof(long long) &&
    SP_CORE == SP_NOFILE + 1 && SP_NPROC == SP_NOFILE + 2,
    "child_exec sets the limits in one loop");

static int
set_rlimit(int res, long long v)
{
	struct rlimit rl;

	if (v == -1)
		return 0;
	rl.rlim_cur = rl.rlim_max = (v == -2) ? RLIM_INFINITY : (rlim_t)v;
	return (int)syscall(SYS_prlimit64, 0, res, &rl, NULL);
}

/*
 * The child sets its ids and limits through the raw system calls: it is
 * pm's only thread, and libc's setuid, setgid, setgroups and setrlimit
 * bring the machinery that applies them to every thread of a process.
 * (fcntl too: libc's is a switch of cases that pm does not use; and
 * setpriority, setpgid and umask, whose wrappers were linked for these
 * calls alone.)
 * (prlimit64 takes 64-bit limits, as musl's struct rlimit has everywhere.)
 * 32-bit ARM and x86 name the calls with 32-bit ids *32.
 */
#ifdef SYS_setgroups32
#define SYS_SETGROUPS	SYS_setgroups32
#define SYS_SETGID	SYS_setgid32
#define SYS_SETUID	SYS_setuid32
#else
#define SYS_SETGROUPS	SYS_setgroups
#define SYS_SETGID	SYS_setgid
#define SYS_SETUID	SYS_setuid
#endif

/*
 * The child half of a spawn, run between vfork and exec. It shares pm's
 * memory, so it only makes system calls and reports a failure through se;
 * it never returns. The order matters: session first, then limits and
 * directory while still privileged, then groups, gid and uid last.
 */
struct child {
	struct spawn	 sp;
	bool		 is_main;
	char	       **envp;
	struct spawn_err *se;
	int		 cg;
	int		 lo;	/* table shared: keep only below lo; 0: a copy */
};

static int __attribute__((noreturn))
child_exec(void *arg)
{
	static unsigned long dfl[8];	/* zero: in .bss, not the file */
	static const uint8_t lim[] = { RLIMIT_NOFILE, RLIMIT_CORE,
	    RLIMIT_NPROC };
	struct child *ch = arg;
	const struct spawn *sp = &ch->sp;
	const struct cfg_proc *c = sp->cfg;
	struct spawn_err *se = ch->se;
	int sig;

#define FAIL(w)	do { se->err = errno; se->step = (w); goto fail; } while (0)
	/* Our own table, of the few low descriptors only (CLOSE_RANGE_UNSHARE). */
	if (ch->lo > 0 && syscall(SYS_close_range, ch->lo, ~0U, 2) < 0 &&
	    syscall(SYS_unshare, CLONE_FILES) < 0)
		FAIL(SP_FORK);
	/* Its group's limits hold from here on (issue 14). */
	if (cg_child(ch->cg) < 0)
		FAIL(SP_CGROUP);
	if (ch->is_main) {
		/*
		 * Own group, and the terminal's foreground, as tini does;
		 * on an fd 0 that is no terminal, tcsetpgrp is only ENOTTY.
		 * tcsetpgrp is this ioctl, as in init_tty: no wrapper linked.
		 */
		syscall(SYS_setpgid, 0, 0);
		(void)syscall(SYS_ioctl, 0, TIOCSPGRP, &(pid_t){ getpid() });
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
	if (sp->fd >= 0 && (sp->fd == sp->fd_as ?
	    syscall(SYS_fcntl, sp->fd, F_SETFD, 0) :
	    dup2(sp->fd, sp->fd_as)) < 0)
		FAIL(SP_NOTIFY_FD);
	sys_close_fds(sp->fd >= 0 ? sp->fd_as : -1);
	/*
	 * Raw rt_sigaction, because libc refuses the signals it reserves for
	 * itself, and an ignored one would stay ignored across exec. An
	 * all-zero kernel sigaction is SIG_DFL with no flags on every arch.
	 */
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, dfl, NULL,
			    (size_t)NSIG / 8);	/* 16 on MIPS (issue 18) */
	/* The three limits: fields and steps side by side, one loop. */
	for (sig = 0; sig < 3; sig++)
		if (set_rlimit(lim[sig], *(const long long *)((const char *)c +
		    offsetof(struct cfg_proc, rlimit_nofile) +
		    (size_t)sig * sizeof(long long))) < 0)
			FAIL(SP_NOFILE + sig);
	if (c->has_nice && syscall(SYS_setpriority, PRIO_PROCESS, 0, c->nice) < 0)
		FAIL(SP_NICE);
	if (c->umask >= 0)
		syscall(SYS_umask, c->umask);
	if (c->directory != NULL && chdir(c->directory) < 0)
		FAIL(SP_CHDIR);
	if (c->user != NULL || c->group != NULL) {
		if ((c->user != NULL ?
		    syscall(SYS_SETGROUPS, (size_t)c->ngroups, c->groups) :
		    syscall(SYS_SETGROUPS, 1, &c->gid)) < 0)
			FAIL(SP_SETGROUPS);
		if (syscall(SYS_SETGID, c->gid) < 0)
			FAIL(SP_SETGID);
	}
	if (c->user != NULL && syscall(SYS_SETUID, c->uid) < 0)
		FAIL(SP_SETUID);
	/* dfl is all zero bits: the empty mask too. */
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, dfl, NULL, (size_t)NSIG / 8);
	if (spawn_narrow)
		(void)syscall(SYS_sched_setaffinity, 0, sizeof(spawn_cpus),
		    &spawn_cpus);
	execvpe(sp->argv[0], sp->argv, ch->envp);
	se->err = errno;
	se->step = SP_EXEC;
fail:
	_exit(se->err == ENOENT ? 127 : 126);
#undef FAIL
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
sys_spawn(const struct spawn *sp, bool is_main, enum spawn_step *step)
{
	/*
	 * Static: the vfork child writes it, and the compiler must not assume
	 * that a local whose address only the child saw is still unchanged.
	 */
	static struct spawn_err se;
	extern char **environ;
	struct child ch = { *sp, is_main, is_main ? environ : build_env(sp),
	    &se, -1, slot_lo };
	/* The child's stack: static, so no frame of pm's reuses its memory. */
	static char stack[32768] __attribute__((aligned(16)));
	int st, i, cg = cg_open(sp->cfg->id);
	pid_t pid;

	se.err = 0;
	se.step = SP_OK;
	/*
	 * The raw call returns the bytes it wrote; libc's wrapper only adds
	 * zeroing the rest, which stays zero here (static, written by no
	 * one else).
	 */
	if (!spawn_narrow && syscall(SYS_sched_getaffinity, 0,
	    sizeof(spawn_cpus), &spawn_cpus) > 0) {
		cpu_set_t one;
		unsigned cpu = 0;

		CPU_ZERO(&one);
		if (syscall(SYS_getcpu, &cpu, NULL, NULL) == 0 &&
		    cpu < CPU_SETSIZE) {
			CPU_SET(cpu, &one);
			spawn_narrow = syscall(SYS_sched_setaffinity, 0,
			    sizeof(one), &one) == 0;
		}
	}
	ch.sp.out = hold(sp->out, 0);
	ch.sp.err = hold(sp->err, 1);
	ch.sp.fd = hold(sp->fd, 2);
	ch.cg = hold(cg, 3);
	/*
	 * As vfork, but sharing the table while there are slots; qemu-user
	 * shares no table (EINVAL): a copy from then on.
	 */
	while ((pid = clone(child_exec, stack + sizeof(stack), CLONE_VM |
	    CLONE_VFORK | (ch.lo > 0 ? CLONE_FILES : 0) | SIGCHLD, &ch)) < 0 &&
	    errno == EINVAL && ch.lo > 0)
		ch.lo = 0;
	st = errno;
	for (i = 0; i < 4; i++)
		hold(devnull, i);
	slot_lo = ch.lo;
	if (cg >= 0)
		close(cg);
	errno = st;
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

void
sys_widen(void)
{
	if (spawn_narrow) {
		(void)syscall(SYS_sched_setaffinity, 0, sizeof(spawn_cpus),
		    &spawn_cpus);
		spawn_narrow = false;
	}
}

int
sys_kill(pid_t pid, int sig)
{
	return kill(pid, sig);
}

pid_t
sys_wait(int *st)
{
	pid_t pid;

	while ((pid = waitpid(-1, st, WNOHANG)) < 0 && errno == EINTR)
		;
	return pid;
}
