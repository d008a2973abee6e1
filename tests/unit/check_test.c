/*
 * check_test.c: check.c's logic driven without processes or sleeps (issue
 * 13): readiness probes, health checks with their retries and actions,
 * overlap policies, @every and cron planning, and the clock being set.
 *
 * check.c is linked with this file and sched.c only. Everything it calls
 * outside itself is replaced here at link time: proc.c's functions
 * (a table of views the test writes), the loop (watches are recorded and
 * their callbacks called the way the loop would), both clocks (now_ms and
 * wall_now are variables), and the few system calls whose effect must not
 * reach the machine or must be made to fail: kill (recorded, nothing is
 * signalled), and the realtime timerfd (timerfd_create, timerfd_settime
 * and read on it), so that a read can return ECANCELED as the kernel's
 * does when the clock is set, which a test cannot make the real clock do
 * without CAP_SYS_TIME. Every other read goes to the kernel.
 */
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../check.h"
#include "../../events.h"
#include "../../log.h"
#include "../../pm.h"
#include "../../proc.h"
#include "../../sched.h"
#include "unit.h"

/* ---------------------------------------------------------- the fakes */

#define NP	4

static struct proc_view	 views[NP];
static struct cfg_proc	 cfgs[NP];
static struct cfg_mon	 mons[NP];
static int		 nproc;

static uint64_t		 mono = 1000000;	/* now_ms() */
static long long	 wall;			/* wall_now() */

/* What check.c asked of proc.c and of the system, in order. */
static int		 n_ready, n_start, n_restart, n_failed;
static int		 last_fail_action, last_fail_status;
static int		 n_spawn, n_kill;
static pid_t		 last_pid = 0x40000000, last_kill;
static char *const	*last_argv;
static char		 last_env[6][64];
static uint32_t		 spawn_fail;	/* fail the next spawns */
static const char	*spawn_out;	/* what the next spawn prints */

/* The realtime timer: its fd, where it is armed, and a pending set. */
static int		 tfd = -1, tfd_clock = -1, tfd_flags;
static long long	 tfd_at;
static bool		 tfd_set;	/* the clock was set: read fails */
static int		 n_arm;

static struct watch	*watches[16];
static struct watch	*last_added;
static bool		 stopping;	/* pm_stopping() */
static char		 logs[8192];

static void
set_state(int i, enum proc_state s, pid_t pid)
{
	/* The view's state is const for others; the test plays proc.c. */
	memcpy((void *)&views[i].state, &s, sizeof(s));
	views[i].pid = pid;
}

int
proc_count(void)
{
	return nproc;
}

const struct proc_view *
proc_get(int idx)
{
	return &views[idx];
}

/* Each entry's index before the last rebuild; -1: new. */
static int		 prev[NP];

void *
proc_carry(void *old, int oldn, int *n)
{
	void **o = old, **t = calloc(nproc ? nproc : 1, sizeof(*t));

	*n = t != NULL ? nproc : 0;
	for (int i = 0; i < *n; i++)
		if (prev[i] >= 0 && prev[i] < oldn) {
			t[i] = o[prev[i]];
			o[prev[i]] = NULL;
		}
	return t;
}

int
proc_find(const char *id)
{
	for (int i = 0; i < nproc; i++)
		if (strcmp(cfgs[i].id, id) == 0)
			return i;
	return -1;
}

int
proc_find_pid(pid_t pid)
{
	for (int i = 0; i < nproc; i++)
		if (pid != 0 && views[i].pid == pid)
			return i;
	return -1;
}

void
proc_ready(int idx)
{
	(void)idx;
	n_ready++;
}

void
proc_check_failed(int idx, enum cfg_cfail action, int status)
{
	(void)idx;
	n_failed++;
	last_fail_action = (int)action;
	last_fail_status = status;
}

int
proc_start(int idx, const char **why)
{
	(void)idx;
	(void)why;
	n_start++;
	return 0;
}

int
proc_restart(int idx, const char **why)
{
	(void)idx;
	(void)why;
	n_restart++;
	return 0;
}

const char *
spawn_step_name(enum spawn_step s)
{
	(void)s;
	return "exec";
}

/*
 * A spawn: a pid no process has, its argv and environment kept, and what
 * the test wants the child to print written into its output pipe.
 */
pid_t
proc_spawn(const struct spawn *sp, bool is_main, enum spawn_step *step)
{
	(void)is_main;
	*step = SP_EXEC;
	if (spawn_fail > 0) {
		spawn_fail--;
		return -1;
	}
	n_spawn++;
	last_argv = sp->argv;
	for (int i = 0; i < 6; i++)
		snprintf(last_env[i], sizeof(last_env[i]), "%s",
		    sp->env[i] != NULL ? sp->env[i] : "");
	if (spawn_out != NULL && sp->out >= 0)
		CHECK("the check's output reaches its pipe",
		    write(sp->out, spawn_out, strlen(spawn_out)) ==
		    (ssize_t)strlen(spawn_out));
	return ++last_pid;
}

int
loop_watch(struct watch *w, int fd, void (*cb)(struct watch *, uint32_t))
{
	w->fd = fd;
	w->cb = cb;
	for (int i = 0; i < 16 && fd >= 0; i++)
		if (watches[i] == NULL) {
			watches[i] = last_added = w;
			return 0;
		}
	close(fd);
	w->fd = -1;
	return -1;
}

void
loop_close(struct watch *w)
{
	for (int i = 0; i < 16; i++)
		if (watches[i] == w)
			watches[i] = NULL;
	close(w->fd);
	w->fd = -1;
}

uint64_t
now_ms(void)
{
	return mono;
}

long long
wall_now(void)
{
	return wall;
}

bool
pm_stopping(void)
{
	return stopping;
}

/* events.c stands in as a line in the log, so tests can look for it. */
void
ev_add(int type, const char *id, const char *value, int reason, int status,
    const char *text)
{
	(void)reason;
	(void)text;
	log_info("event %d %s %s %d", type, id, value, status);
}

void
pm_log(const char *fmt, ...)
{
	size_t n = strlen(logs);
	va_list ap;

	va_start(ap, fmt);
	/* The first byte is the level; with L_ID, an ID comes first. */
	if ((fmt[0] & L_ID) && n < sizeof(logs) - 2)
		n += (size_t)snprintf(logs + n, sizeof(logs) - n - 1, "%s: ",
		    va_arg(ap, const char *));
	if (n < sizeof(logs) - 2) {
		vsnprintf(logs + n, sizeof(logs) - n - 1, fmt + 1, ap);
		strcat(logs, "\n");
	}
	va_end(ap);
}

/* Nothing is signalled: the pids are made up. */
int
kill(pid_t pid, int sig)
{
	(void)sig;
	n_kill++;
	last_kill = pid;
	return 0;
}

/* A real fd, so close and epoll stay honest; read decides what it says. */
int
timerfd_create(int clockid, int flags)
{
	(void)flags;
	tfd_clock = clockid;
	return tfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

int
timerfd_settime(int fd, int flags, const struct itimerspec *new,
    struct itimerspec *old)
{
	(void)old;
	if (fd != tfd)
		return -1;
	n_arm++;
	tfd_flags = flags;
	tfd_at = (long long)new->it_value.tv_sec;
	tfd_set = false;	/* a new setting clears a cancel */
	return 0;
}

/*
 * The timerfd as the kernel keeps it: after the clock was set, a read
 * fails with ECANCELED and the expiry is dropped; else it counts one
 * expiry once the wall clock passed the armed time.
 */
ssize_t
read(int fd, void *buf, size_t n)
{
	uint64_t one = 1;

	if (fd != tfd || tfd < 0)
		return syscall(SYS_read, fd, buf, n);
	if (tfd_set) {
		tfd_set = false;
		tfd_at = 0;
		errno = ECANCELED;
		return -1;
	}
	if (tfd_at == 0 || wall < tfd_at || n < sizeof(one)) {
		errno = EAGAIN;
		return -1;
	}
	tfd_at = 0;
	memcpy(buf, &one, sizeof(one));
	return sizeof(one);
}

/* --------------------------------------------------------- the driver */

static struct watch *
cron_watch(void)
{
	for (int i = 0; i < 16; i++)
		if (watches[i] != NULL && watches[i]->fd == tfd && tfd >= 0)
			return watches[i];
	return NULL;
}

/*
 * One turn of the loop: the ready fds' callbacks (the realtime timer when
 * it expired or was cancelled), then mon_tick, as pm.c's loop does.
 */
static void
turn(void)
{
	struct watch *w = cron_watch();

	if (w != NULL && (tfd_set || (tfd_at != 0 && wall >= tfd_at)))
		w->cb(w, EPOLLIN);
	mon_tick(mono);
}

/* Time passes on both clocks, one loop turn per second (or less). */
static void
pass(uint64_t ms)
{
	while (ms > 0) {
		uint64_t d = ms < 1000 ? ms : 1000;

		mono += d;
		if (mono % 1000 < d)
			wall++;
		ms -= d;
		turn();
	}
}

/* The wall clock is set; armed with CANCEL_ON_SET, the timer says so. */
static void
set_clock(long long to)
{
	wall = to;
	if (tfd_at != 0 && (tfd_flags & TFD_TIMER_CANCEL_ON_SET))
		tfd_set = true;
	turn();
}

static bool
logged(const char *s)
{
	return strstr(logs, s) != NULL;
}

static long long
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	    .tm_hour = h, .tm_min = mi, .tm_sec = s };

	return (long long)timegm(&tm);
}

static char *check_argv[] = { "check-cmd", NULL };
static char *fail_argv[] = { "fail-cmd", NULL };
static char *probe_argv[] = { "probe-cmd", NULL };

/*
 * A fresh world of one process with monitoring m: no watches, no aux
 * children left from the test before (their pids are forgotten by a
 * reload that drops them), counters at zero.
 */
static void
world(const struct cfg_mon *m, enum cfg_type type, enum proc_state s,
    pid_t pid)
{
	/* Reap whatever the test before left running, as a stop would. */
	for (pid_t p = 0x40000001; p <= last_pid; p++)
		mon_reap(p, 9);
	memset(views, 0, sizeof(views));
	memset(cfgs, 0, sizeof(cfgs));
	snprintf(cfgs[0].id, sizeof(cfgs[0].id), "p");
	cfgs[0].type = type;
	mons[0] = *m;
	cfgs[0].mon = &mons[0];
	views[0].cfg = &cfgs[0];
	views[0].last_status = -1;
	set_state(0, s, pid);
	nproc = 1;
	prev[0] = -1;	/* every world is a new table */
	mon_reload();
	n_ready = n_start = n_restart = n_failed = n_spawn = n_kill = 0;
	last_fail_action = last_fail_status = -1;
	spawn_out = NULL;
	logs[0] = '\0';
}

/* world(m) with the service in state s, just spawned; the loop turns. */
static void
spawned(const struct cfg_mon *m, enum proc_state s)
{
	world(m, PT_SERVICE, s, 4242);
	mon_spawned(0, true);
	turn();
}

static struct cfg_mon
checked(enum cfg_cfail action)
{
	return (struct cfg_mon){ .check = "check-cmd",
	    .check_argv = check_argv, .check_interval_ms = 1000,
	    .check_timeout_ms = 500, .check_retries = 3,
	    .on_check_fail = action, .fail_cmd = "fail-cmd",
	    .fail_argv = action == CF_EXEC ? fail_argv : NULL,
	    .overlap = OV_SKIP };
}

/* One check is due, runs and exits with status. */
static void
one_check(int status)
{
	int before = n_spawn;

	pass(1000);
	if (n_spawn != before + 1 || last_argv != check_argv)
		printf("# no check ran (%d spawns)\n", n_spawn - before);
	mon_reap(last_pid, status);
	turn();
}

/* --------------------------------------------------------- the tests */

static void
test_checks(void)
{
	static const char *names[] = { "restart", "stop", "exit" };
	char what[160];

	for (int act = CF_RESTART; act <= CF_EXIT; act++) {
		struct cfg_mon m = checked((enum cfg_cfail)act);

		spawned(&m, PS_RUNNING);
		CHECK("health is unknown before the first check",
		    mon_view(0)->health == H_UNKNOWN);
		pass(999);
		CHECK("no check before check_interval", n_spawn == 0);
		pass(1);
		CHECK("a check runs after check_interval",
		    n_spawn == 1 && last_argv == check_argv);
		mon_reap(last_pid, 0);
		turn();
		CHECK("a passing check makes it healthy",
		    mon_view(0)->health == H_HEALTHY);
		one_check(1);
		one_check(1);
		CHECK("two failures of three: no action, still healthy",
		    n_failed == 0 && mon_view(0)->fails == 2 &&
		    mon_view(0)->health == H_HEALTHY);
		one_check(3);
		snprintf(what, sizeof(what), "the third failure in a row "
		    "gives proc.c on_check_fail = %s with the status",
		    names[act]);
		CHECK(what, n_failed == 1 && last_fail_action == act &&
		    last_fail_status == 3);
		CHECK("and it is unhealthy",
		    mon_view(0)->health == H_UNHEALTHY &&
		    mon_view(0)->check_failures == 3);
		one_check(1);
		one_check(1);
		CHECK("the action is taken once until the check recovers",
		    n_failed == 1 && mon_view(0)->fails == 5);
		one_check(0);
		CHECK("recovery resets the count and the health",
		    mon_view(0)->fails == 0 &&
		    mon_view(0)->health == H_HEALTHY && logged("passes again"));
		CHECK("each result is an event (issue 15)",
		    logged("event 1 p fail 3") && logged("event 1 p ok 0"));
		one_check(1);
		one_check(1);
		one_check(1);
		CHECK("after recovery, check_retries failures act again",
		    n_failed == 2 && last_fail_action == act);
	}
}

static void
test_check_exec_and_output(void)
{
	struct cfg_mon m = checked(CF_EXEC);

	spawned(&m, PS_RUNNING);
	spawn_out = "db is down\nsecond line\n";
	one_check(2);
	CHECK("the first line of a failed check is kept",
	    strcmp(mon_view(0)->out, "db is down") == 0);
	spawn_out = NULL;
	one_check(2);
	n_spawn = 0;
	one_check(2);
	CHECK("on_check_fail = exec runs the handler, not proc.c's action",
	    n_failed == 0 && n_spawn == 2 && last_argv == fail_argv);
	CHECK("the handler learns the event and the status",
	    strcmp(last_env[1], "PM_EVENT=check-failed") == 0 &&
	    strcmp(last_env[2], "PM_STATUS=2") == 0);
	mon_reap(last_pid, 0);
	n_spawn = 0;
	one_check(0);
	CHECK("recovery runs the handler with check-recovered",
	    n_spawn == 2 && last_argv == fail_argv &&
	    strcmp(last_env[1], "PM_EVENT=check-recovered") == 0);
	mon_reap(last_pid, 0);
}

static void
test_check_timeout(void)
{
	struct cfg_mon m = checked(CF_RESTART);
	pid_t pid;

	spawned(&m, PS_RUNNING);
	pass(1000);
	pid = last_pid;
	pass(400);
	CHECK("a check within check_timeout is left alone", n_kill == 0);
	pass(100);
	CHECK("a check over check_timeout is killed, group and pid",
	    n_kill == 2 && last_kill == pid);
	pass(1000);
	CHECK("no second check while the killed one is not reaped",
	    n_spawn == 1 && n_kill == 2);
	mon_reap(pid, 128 + SIGKILL);
	CHECK("a timed-out check fails saying so",
	    mon_view(0)->fails == 1 &&
	    strcmp(mon_view(0)->out, "timed out after 500ms") == 0);

	world(&m, PT_SERVICE, PS_STARTING, 4242);
	mon_spawned(0, true);
	pass(5000);
	CHECK("no check runs before the process is running", n_spawn == 0);
	spawn_fail = 1;
	set_state(0, PS_RUNNING, 4242);
	pass(2000);
	CHECK("a check is due check_interval after running; its spawn "
	    "fails", n_spawn == 0 && spawn_fail == 0);
	pass(999);
	CHECK("it is not retried at once", n_spawn == 0);
	pass(1);
	CHECK("but check_interval later", n_spawn == 1);
}

static void
test_readiness(void)
{
	struct cfg_mon m = { .ready = RD_EXEC, .ready_cmd = "probe-cmd",
	    .ready_argv = probe_argv, .ready_timeout_ms = 2000 };
	struct spawn sp = { &cfgs[0], NULL, { NULL }, -1, -1, -1, -1 };
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	struct watch *w;
	pid_t pid;
	int fd, lfd;

	spawned(&m, PS_STARTING);
	CHECK("an exec: probe runs at once", n_spawn == 1 &&
	    last_argv == probe_argv);
	mon_reap(last_pid, 1);
	turn();
	CHECK("a failing probe is not ready", n_ready == 0);
	pass(499);
	CHECK("and is not run again before 500 ms", n_spawn == 1);
	pass(1);
	CHECK("but then", n_spawn == 2);
	mon_reap(last_pid, 0);
	CHECK("a passing probe tells proc.c the process is ready",
	    n_ready == 1);
	pass(500);
	pid = last_pid;
	pass(1999);
	CHECK("a probe within ready_timeout is left alone", n_kill == 0);
	pass(1);
	CHECK("a probe over ready_timeout is killed", n_kill == 2 &&
	    last_kill == pid);
	mon_reap(pid, 128 + SIGKILL);
	CHECK("a killed probe never makes it ready", n_ready == 1);
	set_state(0, PS_RUNNING, 4242);
	n_spawn = 0;
	pass(5000);
	CHECK("once running, no more probes", n_spawn == 0);

	/*
	 * tcp:PORT: a real socket on 127.0.0.1, bound but not listening
	 * until the test says so; connects are tried every 100 ms.
	 */
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK("a port is bound on 127.0.0.1", lfd >= 0 &&
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(lfd, (struct sockaddr *)&sin, &len) == 0);
	m = (struct cfg_mon){ .ready = RD_TCP, .ready_arg = ntohs(sin.sin_port),
	    .ready_timeout_ms = 2000 };
	spawned(&m, PS_STARTING);
	pass(300);
	CHECK("tcp: not ready while nothing listens", n_ready == 0 &&
	    n_spawn == 0);
	CHECK("the port listens", listen(lfd, 1) == 0);
	pass(99);
	CHECK("tcp: not tried again before 100 ms", n_ready == 0);
	pass(1);
	CHECK("tcp: ready once the port accepts", n_ready == 1);
	close(lfd);

	/* fd:N: the child writes a newline on its end of the pipe. */
	m = (struct cfg_mon){ .ready = RD_FD, .ready_arg = 3,
	    .ready_timeout_ms = 2000 };
	world(&m, PT_SERVICE, PS_STOPPED, 0);
	mon_prespawn(0, &sp);
	CHECK("fd:3 hands the child a pipe as fd 3", sp.fd >= 0 &&
	    sp.fd_as == 3);
	fd = dup(sp.fd);
	set_state(0, PS_STARTING, 4242);
	mon_spawned(0, true);
	w = NULL;
	for (int i = 0; i < 16; i++)
		if (watches[i] != NULL && watches[i]->fd >= 0 &&
		    watches[i]->fd != tfd)
			w = watches[i];
	CHECK("its read end is watched", w != NULL);
	if (w == NULL || fd < 0)
		return;
	CHECK("a partial line is written", write(fd, "READY", 5) == 5);
	w->cb(w, EPOLLIN);
	CHECK("a partial line is not ready", n_ready == 0);
	CHECK("a newline is written", write(fd, "\n", 1) == 1);
	w->cb(w, EPOLLIN);
	CHECK("a newline on fd:N tells proc.c it is ready", n_ready == 1);
	close(fd);
}

/*
 * sd_notify: datagrams on check.c's real socket, sent by this very
 * process; the kernel vouches for the sender's pid, which the test's
 * process table gives to the process.
 */
static void
test_notify(void)
{
	struct cfg_mon m = { .ready = RD_NOTIFY, .ready_timeout_ms = 2000 };
	struct spawn sp = { &cfgs[0], NULL, { NULL }, -1, -1, -1, -1 };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct watch *w;
	const char *name;
	socklen_t len;
	int fd;

	last_added = NULL;
	world(&m, PT_SERVICE, PS_STOPPED, 0);
	w = last_added;
	mon_prespawn(0, &sp);
	name = sp.env[0] != NULL ? strchr(sp.env[0], '@') : NULL;
	CHECK("ready = notify hands the child NOTIFY_SOCKET=@NAME",
	    w != NULL && name != NULL &&
	    strncmp(sp.env[0], "NOTIFY_SOCKET=@", 15) == 0);
	if (w == NULL || name == NULL)
		return;
	snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "%s", name + 1);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 +
	    strlen(name + 1));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	set_state(0, PS_STARTING, getpid() + 1);
	mon_spawned(0, true);
	CHECK("a message is sent", sendto(fd, "READY=1", 7, 0,
	    (struct sockaddr *)&sun, len) == 7);
	w->cb(w, EPOLLIN);
	CHECK("READY=1 from a pid that is no process's is ignored",
	    n_ready == 0 && logged("unknown sender"));
	set_state(0, PS_STARTING, getpid());
	CHECK("another is sent", sendto(fd, "STATUS=warming up\nREADY=0",
	    26, 0, (struct sockaddr *)&sun, len) == 26);
	w->cb(w, EPOLLIN);
	CHECK("STATUS= is shown; READY=0 is not readiness",
	    strcmp(mon_view(0)->status, "warming up") == 0 && n_ready == 0);
	CHECK("READY=1 is sent", sendto(fd, "STATUS=serving\nREADY=1", 22,
	    0, (struct sockaddr *)&sun, len) == 22);
	w->cb(w, EPOLLIN);
	CHECK("READY=1 from the process tells proc.c it is ready",
	    n_ready == 1 && strcmp(mon_view(0)->status, "serving") == 0);
	close(fd);
}

/* on_exit and on_fatal: one at a time, bounded, none while stopping. */
static void
test_handlers(void)
{
	static char *exit_argv[] = { "exit-cmd", NULL };
	static char *fatal_argv[] = { "fatal-cmd", NULL };
	struct cfg_mon m = checked(CF_RESTART);
	pid_t check, h;

	m.on_exit = "exit-cmd";
	m.exit_argv = exit_argv;
	m.on_fatal = "fatal-cmd";
	m.fatal_argv = fatal_argv;
	world(&m, PT_SERVICE, PS_RUNNING, 4242);
	views[0].restarts = 2;
	mon_spawned(0, true);
	turn();
	pass(1000);
	check = last_pid;
	mon_exited(0, 143);
	CHECK("an exit kills the check still running", n_kill == 2 &&
	    last_kill == check);
	CHECK("and health goes back to unknown",
	    mon_view(0)->health == H_UNKNOWN);
	CHECK("on_exit runs with the status, pid and restarts",
	    last_argv == exit_argv &&
	    strcmp(last_env[0], "PM_ID=p") == 0 &&
	    strcmp(last_env[1], "PM_EVENT=exit") == 0 &&
	    strcmp(last_env[2], "PM_STATUS=143") == 0 &&
	    strcmp(last_env[3], "PM_PID=4242") == 0 &&
	    strcmp(last_env[4], "PM_RESTARTS=2") == 0);
	h = last_pid;
	set_state(0, PS_EXITED, 0);
	mon_reap(check, 128 + SIGKILL);
	CHECK("the killed check's result is dropped",
	    mon_view(0)->fails == 0 && n_failed == 0);
	mon_exited(0, 1);
	CHECK("on_exit is not run again while the last still runs",
	    last_pid == h && logged("exit handler still running"));
	views[0].last_status = 1;
	mon_fatal(0);
	CHECK("on_fatal runs beside it with the last status",
	    last_argv == fatal_argv &&
	    strcmp(last_env[1], "PM_EVENT=fatal") == 0 &&
	    strcmp(last_env[2], "PM_STATUS=1") == 0);
	n_kill = 0;
	pass(59000);
	CHECK("handlers have a minute", n_kill == 0);
	pass(1000);
	CHECK("and are killed after it", n_kill == 4);
	mon_reap(h, 128 + SIGKILL);
	CHECK("a failed handler is logged",
	    logged("exit handler failed with status 137"));
	CHECK("and is an event with its status (issue 15)",
	    logged("event 2 p exit 137"));
	stopping = true;
	n_spawn = 0;
	mon_exited(0, 0);
	CHECK("no handler runs while pm shuts down", n_spawn == 0);
	stopping = false;
}

/* A reload: kept processes keep their monitoring, new ones start afresh. */
static void
test_reload(void)
{
	struct cfg_mon m = checked(CF_RESTART);

	spawned(&m, PS_RUNNING);
	one_check(1);
	one_check(1);
	/* The new table: a new process first, the old one second. */
	memcpy(&views[1], &views[0], sizeof(views[0]));
	cfgs[1] = cfgs[0];
	mons[1] = mons[0];
	cfgs[1].mon = &mons[1];
	views[1].cfg = &cfgs[1];
	snprintf(cfgs[0].id, sizeof(cfgs[0].id), "new");
	set_state(0, PS_STOPPED, 0);
	views[0].pid = 0;
	prev[0] = -1;
	prev[1] = 0;
	nproc = 2;
	mon_reload();
	CHECK("a kept process keeps its failures in a row over a reload",
	    mon_view(1)->fails == 2 && mon_view(1)->check_failures == 2);
	CHECK("a new one starts with unknown health and none",
	    mon_view(0)->health == H_UNKNOWN && mon_view(0)->fails == 0);
	one_check(1);
	CHECK("and the kept one acts at its third", n_failed == 1);
}

/* A oneshot scheduled @every 10s with an overlap policy. */
static void
every(enum cfg_overlap ov)
{
	static struct cfg_mon m;

	m = (struct cfg_mon){ .schedule = "@every 10s", .overlap = ov };
	CHECK("@every 10s parses",
	    sched_parse("@every 10s", &m.sched, &(const char *){ "" }) == 0);
	world(&m, PT_ONESHOT, PS_STOPPED, 0);
	turn();
}

static void
test_every_and_overlap(void)
{
	every(OV_SKIP);
	CHECK("status shows the next run in Unix seconds",
	    mon_view(0)->next_wall == wall + 10);
	pass(9000);
	CHECK("@every 10s does not run before 10 s", n_start == 0);
	pass(1000);
	CHECK("and runs at 10 s", n_start == 1);
	set_state(0, PS_RUNNING, 77);
	pass(10000);
	CHECK("overlap = skip: a run still going skips the next",
	    n_start == 1 && n_restart == 0 && mon_view(0)->skips == 1 &&
	    logged("scheduled run skipped (1 so far)"));
	set_state(0, PS_EXITED, 0);
	pass(10000);
	CHECK("the run after that starts", n_start == 2);
	set_state(0, PS_STOPPED, 0);
	mono += 35000;	/* the loop was held up for three periods */
	turn();
	CHECK("periods passed while the loop was held up run once",
	    n_start == 3);
	pass(9000);
	CHECK("and the next is planned from then", n_start == 3);
	pass(1000);
	CHECK("10 s later", n_start == 4);

	every(OV_QUEUE);
	set_state(0, PS_RUNNING, 77);
	pass(10000);
	CHECK("overlap = queue: nothing starts while it runs",
	    n_start == 0 && n_restart == 0);
	pass(10000);
	set_state(0, PS_STOPPING, 0);
	turn();
	CHECK("nor while it stops", n_start == 0);
	set_state(0, PS_EXITED, 0);
	turn();
	CHECK("one queued run starts when it has exited, however many "
	    "came due", n_start == 1);
	turn();
	CHECK("only one", n_start == 1);

	every(OV_KILL);
	set_state(0, PS_STARTING, 77);
	pass(10000);
	CHECK("overlap = kill: a run still going is restarted",
	    n_restart == 1 && n_start == 0);

	every(OV_SKIP);
	set_state(0, PS_STARTING, 0);
	pass(10000);
	CHECK("a run not yet spawned counts as still going",
	    n_start == 0 && mon_view(0)->skips == 1);
	set_state(0, PS_STOPPED, 0);
	set_clock(wall + 86400);
	pass(9000);
	CHECK("@every runs on the monotonic clock: setting the wall clock "
	    "neither fires nor delays it", n_start == 0);
	pass(1000);
	CHECK("it runs 10 s after the last", n_start == 1);
}

/*
 * A oneshot on a cron schedule, at a wall time in UTC and ms into its
 * second.
 */
static void
crontab_ms(const char *spec, long long at, uint64_t ms)
{
	static struct cfg_mon m;

	m = (struct cfg_mon){ .schedule = spec, .overlap = OV_SKIP };
	CHECK("the schedule parses",
	    sched_parse(spec, &m.sched, &(const char *){ "" }) == 0);
	wall = at;
	mono = (mono / 1000 + 1) * 1000 + ms;
	world(&m, PT_ONESHOT, PS_STOPPED, 0);
	turn();
}

static void
crontab(const char *spec, long long at)
{
	crontab_ms(spec, at, 0);
}

/*
 * "30 3 * * *" armed MS into 03:29:59; time passes to 03:30:00, the run
 * due but not yet read, and the clock is stepped by STEP seconds.
 */
static void
due_then_step(uint64_t ms, long long step)
{
	crontab_ms("30 3 * * *", utc(2026, 11, 30, 3, 29, 59), ms);
	mono += 1000 - ms;
	wall++;
	set_clock(wall + step);
}

/* The next run is planned at T and the realtime timer armed for it. */
static bool
armed_at(long long t)
{
	return mon_view(0)->next_wall == t && tfd_at == t;
}

static void
test_cron(void)
{
	long long t;

	crontab("30 3 * * *", utc(2026, 11, 30, 3, 0, 0));
	CHECK("the next run is 03:30",
	    mon_view(0)->next_wall == utc(2026, 11, 30, 3, 30, 0));
	CHECK("on a realtime timer at 03:30 that the clock being set "
	    "cancels", tfd_clock == CLOCK_REALTIME &&
	    tfd_at == utc(2026, 11, 30, 3, 30, 0) &&
	    tfd_flags == (TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET));
	pass(30 * 60 * 1000 - 1000);
	CHECK("nothing runs before", n_start == 0);
	pass(1000);
	CHECK("it runs at 03:30", n_start == 1);
	CHECK("and the next is tomorrow's, armed",
	    armed_at(utc(2026, 12, 1, 3, 30, 0)));

	/* Forwards over a run: planned afresh, not made up. */
	crontab("30 3 * * *", utc(2026, 11, 30, 3, 0, 0));
	set_clock(utc(2026, 11, 30, 5, 0, 0));
	CHECK("the clock set forwards over 03:30 is noticed",
	    logged("the clock was set"));
	CHECK("the run it jumped over is not made up", n_start == 0);
	CHECK("the next run is planned from the new time and armed",
	    armed_at(utc(2026, 12, 1, 3, 30, 0)));

	/* Backwards: the run comes sooner, not at the old time. */
	crontab("0 * * * *", utc(2026, 11, 30, 3, 10, 0));
	set_clock(utc(2026, 11, 30, 1, 10, 0));
	CHECK("set backwards, the next run is planned from the new time",
	    n_start == 0 && armed_at(utc(2026, 11, 30, 2, 0, 0)));
	pass(50 * 60 * 1000);
	CHECK("and happens then: no hour is lost", n_start == 1);

	/* Forwards by a day over 288 runs: none at once, then one. */
	crontab("*/5 * * * *", utc(2026, 11, 30, 3, 1, 0));
	set_clock(utc(2026, 12, 1, 3, 1, 0));
	CHECK("a day's jump does not make up its 288 runs", n_start == 0);
	pass(4 * 60 * 1000);
	CHECK("the next run is the next 5 minutes of the new time",
	    n_start == 1);
	pass(60 * 1000);
	CHECK("one run each", n_start == 1);

	/*
	 * The clock is stepped just as a run comes due: the kernel drops
	 * the expiry and reports only the set. That run came due on the old
	 * clock, so it is not lost; and it is not run twice either when the
	 * step goes back over its minute.
	 */
	due_then_step(0, 2);
	CHECK("a run due when the clock is stepped forwards still runs",
	    n_start == 1 &&
	    mon_view(0)->next_wall == utc(2026, 12, 1, 3, 30, 0));
	due_then_step(0, -2);	/* back to 03:29:58 */
	CHECK("a run due when the clock is stepped back runs once",
	    n_start == 1 &&
	    mon_view(0)->next_wall == utc(2026, 12, 1, 3, 30, 0));
	pass(5000);
	CHECK("not again when 03:30 comes round on the new clock",
	    n_start == 1);
	/* Armed at 03:29:59.900: wall_now() said 03:29:59. */
	due_then_step(900, 2);
	CHECK("the old clock is not read a second late",
	    n_start == 1);

	/* A still-running cron job follows overlap like @every. */
	crontab("* * * * *", utc(2026, 11, 30, 3, 0, 30));
	set_state(0, PS_RUNNING, 77);
	pass(30000);
	CHECK("a cron run due while the last still runs is skipped",
	    n_start == 0 && mon_view(0)->skips == 1);

	/* No cron job left: the timer is disarmed, not left to fire. */
	t = n_arm;
	world(&(struct cfg_mon){ .check = NULL }, PT_SERVICE, PS_STOPPED, 0);
	turn();
	CHECK("without cron jobs the timer is disarmed",
	    n_arm == t + 1 && tfd_at == 0);
}

int
main(void)
{
	setenv("TZ", "UTC0", 1);
	tzset();
	wall = utc(2026, 11, 30, 0, 0, 0);
	test_checks();
	test_check_exec_and_output();
	test_check_timeout();
	test_readiness();
	test_notify();
	test_handlers();
	test_reload();
	test_every_and_overlap();
	test_cron();
	return fails != 0;
}
