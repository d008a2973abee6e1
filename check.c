/*
 * check.c: readiness, health checks, action handlers and schedules.
 *
 * Everything here runs on deadlines and fds owned by the loop: mon_tick()
 * does what is due and returns the next deadline, like proc_tick(). The
 * commands (checks, exec: probes, handlers) are children of pm spawned
 * through proc_spawn() with their process's spec; a small fixed table of
 * auxiliary children lets the reaper route their exits here. Results go
 * back to proc.c as events (proc_ready, proc_check_failed, proc_start):
 * only proc.c changes a process's state.
 */
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "events.h"
#include "log.h"
#include "pm.h"
#include "proc.h"

#define AUX_MAX		128	/* checks, probes and handlers at once */
#define HANDLER_MS	60000	/* a handler's time limit */
#define TCP_POLL_MS	100
#define EXEC_POLL_MS	500

enum { AX_FREE, AX_CHECK, AX_PROBE, AX_HANDLER, AX_FDREADY };
enum { EV_EXIT, EV_FATAL, EV_FAILED, EV_RECOVERED };
static const char *const ev_names[] = { "exit", "fatal", "check-failed",
	"check-recovered" };

/*
 * One auxiliary child or readiness pipe. The process is named by ID, not
 * index, because a reload rebuilds the process table under it.
 */
struct aux {
	struct watch	 w;		/* output pipe, or fd:N read end */
	pid_t		 pid;
	uint8_t		 kind;
	uint8_t		 ev;		/* AX_HANDLER: which event */
	bool		 killed;	/* timed out: SIGKILL sent */
	bool		 dropped;	/* its process is gone: ignore result */
	bool		 eol;		/* first line complete */
	uint32_t	 limit_ms;
	uint64_t	 deadline;
	size_t		 outlen;	/* before the arrays: a short offset */
	char		 id[PM_ID_MAX];
	char		 out[96];
};

/* "cannot create the notify socket: ...": one format for four. */
#define CANNOT	"cannot %s the %s: %m"

static struct aux	 aux[AUX_MAX];
static struct watch	 notify_w = { -1, NULL };
static char		 notify_env[40];	/* NOTIFY_SOCKET=@xxxxx */
static struct watch	 cron_w = { -1, NULL };
static long long	 cron_armed;
/* Both clocks when the timer was armed: what the old clock reads later. */
static long long	 armed_wall;
static uint64_t		 armed_mono;
static int		 pending_fd = -1;	/* fd:N write end until spawn */
static struct aux	*pending_aux;

/* Processes with any monitoring key: none, and mon_tick skips the table. */
static int		 nmon;

/*
 * Monitoring state of one process. check.c's own (issue 13): indexed like
 * the process table, rebuilt with it in mon_reload; status reads it
 * through mon_snapshot().
 */
struct proc_mon {
	bool		 acted;		/* on_check_fail ran; again after recovery */
	bool		 queued;	/* overlap = queue: one more run due */
	uint64_t	 next_check;	/* monotonic ms; 0: none due */
	uint64_t	 ready_poll;	/* next tcp: or exec: probe */
	uint64_t	 next_run;	/* @every, monotonic ms */
	/* What status shows; last, so the rest is at a short offset. */
	struct mon_view	 v;
};

static struct proc_mon	**mt;	/* NULL for a process without monitoring */
static int		 mt_n;

/* NULL for a process without monitoring, or without a table entry. */
static const struct cfg_mon *
mon(int idx)
{
	return idx < mt_n && mt[idx] != NULL ? proc_get(idx)->cfg->mon : NULL;
}

static void pipe_cb(struct watch *, uint32_t);

/*
 * A free slot. Its watch always has a callback: one epoll batch may still
 * hold an event for a slot that was freed and taken again meanwhile.
 */
static struct aux *
aux_new(int idx, int kind)
{
	const char *id = proc_get(idx)->cfg->id;
	int i;

	for (i = 0; i < AUX_MAX; i++)
		if (aux[i].kind == AX_FREE) {
			memset(&aux[i], 0, sizeof(aux[i]));
			aux[i].w.fd = -1;
			aux[i].w.cb = pipe_cb;
			aux[i].kind = (uint8_t)kind;
			snprintf(aux[i].id, sizeof(aux[i].id), "%s", id);
			return &aux[i];
		}
	plog_warn(id, "more than %d checks and handlers at once; skipped",
	    AUX_MAX);
	return NULL;
}

/*
 * Read what a check printed: keep its first line, drop the rest so a
 * chatty check never blocks on a full pipe. At EOF the pipe is closed.
 */
static void
drain(struct aux *a)
{
	char buf[512], *nl;
	ssize_t n;
	size_t k;

	while (a->w.fd >= 0) {
		n = read(a->w.fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			loop_close(&a->w);
			return;
		}
		if (a->eol)
			continue;
		if ((nl = memchr(buf, '\n', (size_t)n)) != NULL) {
			n = nl - buf;
			a->eol = true;
		}
		k = sizeof(a->out) - 1 - a->outlen;
		if ((size_t)n < k)
			k = (size_t)n;
		memcpy(a->out + a->outlen, buf, k);
		a->outlen += k;
		a->out[a->outlen] = '\0';
	}
}

static void
aux_free(struct aux *a)
{
	if (a->w.fd >= 0)
		loop_close(&a->w);
	a->kind = AX_FREE;
	a->pid = 0;
}

static void
pipe_cb(struct watch *w, uint32_t events)
{
	struct aux *a = (struct aux *)w;

	(void)events;
	if (w->fd < 0)
		return;		/* a stale event for a freed slot */
	if (a->kind == AX_FDREADY) {
		/* s6's convention: a newline on fd N means ready. */
		char buf[64];
		ssize_t n = read(w->fd, buf, sizeof(buf));
		int idx = proc_find(a->id);
		bool nl = n > 0 && memchr(buf, '\n', (size_t)n) != NULL;

		if (nl && idx >= 0)
			proc_ready(idx);
		if (n == 0 || nl)
			aux_free(a);
		return;
	}
	drain(a);
}

/*
 * Spawn a command in the clothes of process idx. out: capture the first
 * line of its output. Returns the aux slot, or NULL (logged).
 */
static struct aux *
run(int idx, int kind, char *const *argv, const char **env, bool out,
    uint32_t limit_ms)
{
	struct spawn sp = { proc_get(idx)->cfg, argv, { NULL }, -1, -1, -1, -1 };
	struct aux *a;
	enum spawn_step step;
	int fds[2] = { -1, -1 }, i;
	pid_t pid;

	if ((a = aux_new(idx, kind)) == NULL)
		return NULL;
	for (i = 0; env != NULL && env[i] != NULL && i < 6; i++)
		sp.env[i] = env[i];
	if (out && syscall(SYS_pipe2, fds, O_CLOEXEC | O_NONBLOCK) == 0) {
		sp.out = sp.err = fds[1];
		(void)loop_watch(&a->w, fds[0], pipe_cb);
	}
	pid = proc_spawn(&sp, false, &step);
	if (fds[1] >= 0)
		close(fds[1]);
	if (pid < 0) {
		if (pid == -2)
			plog_err(a->id, "cannot %s %s: %m",
			    spawn_step_name(step), argv[0]);
		else
			plog_err(a->id, "cannot fork: %m");
		aux_free(a);
		return NULL;
	}
	a->pid = pid;
	a->limit_ms = limit_ms;
	a->deadline = now_ms() + limit_ms;
	return a;
}

static struct aux *
find(const char *id, int kind, int ev)
{
	int i;

	for (i = 0; i < AUX_MAX; i++)
		if (aux[i].kind == kind && aux[i].ev == ev &&
		    strcmp(aux[i].id, id) == 0)
			return &aux[i];
	return NULL;
}

/*
 * Run one action handler with the event in its environment. One at a
 * time per process and event: a handler still running when the event
 * comes again means the new one is skipped, not queued.
 */
static void
handler(int idx, int ev, char *const *argv, int status)
{
	static char e[5 * 64];
	const char *env[7];
	const struct proc_view *p = proc_get(idx);
	struct aux *a;
	char *s = e;
	int i;

	if (argv == NULL || pm_stopping())
		return;
	if (find(p->cfg->id, AX_HANDLER, ev) != NULL) {
		plog_warn(p->cfg->id, "%s handler still running; not run again",
		    ev_names[ev]);
		return;
	}
	/* The five variables in one buffer, each ended by its NUL. */
	snprintf(e, sizeof(e), "PM_ID=%s%cPM_EVENT=%s%cPM_STATUS=%d%c"
	    "PM_PID=%d%cPM_RESTARTS=%d", p->cfg->id, 0, ev_names[ev], 0, status, 0,
	    (int)p->pid, 0, p->restarts);
	for (i = 0; i < 5; i++, s += strlen(s) + 1)
		env[i] = s;
	env[5] = ev <= EV_FATAL && p->oom ? "PM_REASON=oom" : NULL;
	env[6] = NULL;
	if ((a = run(idx, AX_HANDLER, argv, env, false, HANDLER_MS)) != NULL)
		a->ev = (uint8_t)ev;
}

/* ------------------------------------------------------------ readiness */

/*
 * The sd_notify socket: one datagram socket for every process, in the
 * abstract namespace with a kernel-chosen name (no file to clean up, no
 * clash between two pms). SO_PASSCRED makes the kernel attach the
 * sender's pid, which the sender cannot forge. Out of line, though
 * called once: inlined into mon_reload it took 18 bytes more.
 */
static void notify_cb(struct watch *, uint32_t);

static __attribute__((noinline)) void
notify_open(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len = sizeof(sa_family_t);
	int one = 1, fd;

	if (notify_w.fd >= 0)
		return;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one,
	    sizeof(one)) < 0 || bind(fd, (struct sockaddr *)&sun, len) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sun, &(socklen_t){
	    sizeof(sun) }) < 0) {
		log_err(CANNOT, "create", "notify socket");
		if (fd >= 0)
			close(fd);
		return;
	}
	/* The name up to its end (the rest is zero) or what notify_env holds. */
	snprintf(notify_env, sizeof(notify_env), "NOTIFY_SOCKET=@%.*s",
	    (int)sizeof(notify_env) - 16, sun.sun_path + 1);
	if (loop_watch(&notify_w, fd, notify_cb) < 0)
		log_err(CANNOT, "watch", "notify socket");
}

/*
 * sd_notify messages: newline-separated KEY=VALUE. The sender is found by
 * its pid, or by its session (every process is a session leader, so a
 * helper forked by the daemon counts as the daemon).
 */
static void
notify_cb(struct watch *w, uint32_t events)
{
	char buf[1024], cbuf[CMSG_SPACE(sizeof(struct ucred))], *l, *nl;
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	struct ucred uc;
	ssize_t n;
	pid_t sid;
	int idx;

	(void)events;
	while ((n = recvmsg(w->fd, &mh, MSG_DONTWAIT)) >= 0) {
		buf[n] = '\0';
		idx = -1;
		cm = CMSG_FIRSTHDR(&mh);
		if (cm != NULL && cm->cmsg_type == SCM_CREDENTIALS) {
			memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
			sid = (pid_t)syscall(SYS_getsid, uc.pid);
			/* By index, not a walk per message (issue 11). */
			if ((idx = proc_find_pid(uc.pid)) < 0)
				idx = proc_find_pid(sid);
		}
		mh.msg_controllen = sizeof(cbuf);
		if (idx < 0 || mon(idx) == NULL ||
		    mon(idx)->ready != RD_NOTIFY) {
			log_debug("notify message from an unknown sender");
			continue;
		}
		for (nl = buf; (l = strsep(&nl, "\n")) != NULL && *l != '\0';) {
			if (strcmp(l, "READY=1") == 0)
				proc_ready(idx);
			else if (strncmp(l, "STATUS=", 7) == 0)
				snprintf(mt[idx]->v.status,
				    sizeof(mt[idx]->v.status), "%s",
				    l + 7);
		}
	}
}

/* Before a spawn: NOTIFY_SOCKET, or the fd:N pipe's write end. */
void
mon_prespawn(int idx, struct spawn *sp)
{
	const struct cfg_mon *m = mon(idx);
	struct aux *a;
	int fds[2];

	if (m == NULL)
		return;
	if (m->ready == RD_NOTIFY && notify_w.fd >= 0)
		sp->env[0] = notify_env;
	if (m->ready != RD_FD || (a = aux_new(idx, AX_FDREADY)) == NULL)
		return;
	if (syscall(SYS_pipe2, fds, O_CLOEXEC | O_NONBLOCK) < 0) {
		plog_err(a->id, "cannot make the notification pipe: %m");
		aux_free(a);
		return;
	}
	if (loop_watch(&a->w, fds[0], pipe_cb) < 0) {
		close(fds[1]);
		aux_free(a);
		return;
	}
	sp->fd = pending_fd = fds[1];
	sp->fd_as = m->ready_arg;
	pending_aux = a;
}

/*
 * After a spawn: the write end is the child's alone now. Probes start at
 * once, checks an interval after the process is running.
 */
void
mon_spawned(int idx, bool ok)
{
	struct proc_mon *pm;

	if (pending_fd >= 0)
		close(pending_fd);
	if (!ok && pending_aux != NULL)
		aux_free(pending_aux);
	pending_fd = -1;
	pending_aux = NULL;
	if (mon(idx) == NULL)
		return;
	pm = mt[idx];
	pm->ready_poll = now_ms();
	pm->next_check = 0;
	pm->v.status[0] = '\0';
}

/* SIGKILL a running command, its process group first. */
static void
aux_kill(struct aux *a)
{
	kill(-a->pid, SIGKILL);
	kill(a->pid, SIGKILL);
	a->killed = true;
}

/* Kill a process's running checks and probes; out of line, smaller. */
static __attribute__((noinline)) void
kill_aux(const char *id)
{
	int i;

	for (i = 0; i < AUX_MAX; i++)
		if (aux[i].kind != AX_FREE && aux[i].kind != AX_HANDLER &&
		    strcmp(aux[i].id, id) == 0) {
			if (aux[i].pid > 0) {
				aux_kill(&aux[i]);
				aux[i].dropped = true;
			} else
				aux_free(&aux[i]);
		}
}

void
mon_exited(int idx, int status)
{
	const struct cfg_mon *m = mon(idx);

	if (m == NULL)
		return;
	kill_aux(proc_get(idx)->cfg->id);
	if (m->check != NULL)
		mt[idx]->v.health = H_UNKNOWN;
	handler(idx, EV_EXIT, m->exit_argv, status);
}

void
mon_fatal(int idx)
{
	if (mon(idx) != NULL)
		handler(idx, EV_FATAL, mon(idx)->fatal_argv,
		    proc_get(idx)->last_status);
}

/* tcp:PORT: ready when a connect to 127.0.0.1:PORT succeeds right away. */
static bool
tcp_up(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons((uint16_t)port),
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct pollfd pfd;
	int fd, err = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		err = 0;
	else if (errno == EINPROGRESS) {
		/* Loopback answers at once; do not wait for a slow one. */
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, 0) == 1)
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
			    &(socklen_t){ sizeof(err) });
	}
	close(fd);
	return err == 0;
}

/* ---------------------------------------------------------- aux reaping */

/* A check finished: count it, and act after check_retries in a row. */
static void
check_done(int idx, struct aux *a, int status)
{
	struct proc_mon *pm = mt[idx];
	const struct cfg_mon *m = mon(idx);

	pm->next_check = now_ms() + m->check_interval_ms;
	if (proc_get(idx)->state != PS_RUNNING)
		return;
	if (a->killed)
		snprintf(a->out, sizeof(a->out), "timed out after %ums",
		    a->limit_ms);
	ev_add(EVT_CHECK, a->id, status ? "fail" : "ok", EVR_NONE, status,
	    status ? a->out : "");
	if (status == 0) {
		if (pm->v.health == H_UNHEALTHY) {
			plog_info(a->id, "health check passes again");
			if (m->on_check_fail == CF_EXEC)
				handler(idx, EV_RECOVERED, m->fail_argv, 0);
		}
		pm->v.health = H_HEALTHY;
		pm->v.fails = 0;
		pm->acted = false;
		return;
	}
	memcpy(pm->v.out, a->out, sizeof(pm->v.out));
	pm->v.check_failures++;
	pm->v.fails++;
	plog_info(a->id, "health check failed with status %d (%d in a row): "
	    "%s", status, pm->v.fails, a->out);
	if (pm->v.fails < m->check_retries)
		return;
	pm->v.health = H_UNHEALTHY;
	if (pm->acted)
		return;
	pm->acted = true;
	if (m->on_check_fail == CF_EXEC)
		handler(idx, EV_FAILED, m->fail_argv, status);
	else
		proc_check_failed(idx, m->on_check_fail, status);
}

/* Called by the reaper for a pid that is not a supervised process. */
bool
mon_reap(pid_t pid, int status)
{
	struct aux *a = NULL;
	int i, idx;

	/* A free slot and a readiness pipe have pid 0. */
	for (i = 0; i < AUX_MAX && a == NULL; i++)
		if (aux[i].pid == pid)
			a = &aux[i];
	if (a == NULL)
		return false;
	drain(a);
	idx = proc_find(a->id);
	if (a->kind == AX_HANDLER) {
		ev_add(EVT_HANDLER, a->id, ev_names[a->ev], EVR_NONE, status,
		    "");
		if (status != 0)
			plog_warn(a->id, "%s handler failed with status %d",
			    ev_names[a->ev], status);
	}
	if (idx >= 0 && mon(idx) != NULL && !a->dropped) {
		if (a->kind == AX_CHECK)
			check_done(idx, a, status);
		else if (a->kind == AX_PROBE && !a->killed) {
			if (status == 0)
				proc_ready(idx);
			mt[idx]->ready_poll = now_ms() + EXEC_POLL_MS;
		}
	}
	aux_free(a);
	return true;
}

/* ------------------------------------------------------------ schedules */

/*
 * Plan each scheduled process's next run from now. Runs missed while the
 * clock jumped are not made up: one schedule, at most one run per due.
 */
static void
plan(int idx, uint64_t now)
{
	const struct cfg_mon *m = mon(idx);
	struct proc_mon *pm = mt[idx];

	if (m == NULL)
		return;
	if (m->schedule == NULL) {
		pm->next_run = 0;
		pm->v.next_wall = 0;
	} else if (m->sched.every_ms != 0) {
		pm->next_run = now + m->sched.every_ms;
		pm->v.next_wall = wall_now() + m->sched.every_ms / 1000;
	} else
		pm->v.next_wall = sched_next(&m->sched, wall_now());
}

/* A scheduled run is due: start it, or apply overlap when it still runs. */
static void
fire(int idx)
{
	const struct proc_view *p = proc_get(idx);
	struct proc_mon *pm = mt[idx];
	const char *why;

	if (p->pid == 0 && p->state != PS_STARTING) {
		plog_info(p->cfg->id, "scheduled run");
		proc_start(idx, &why);
		return;
	}
	switch (mon(idx)->overlap) {
	case OV_SKIP:
		pm->v.skips++;
		plog_info(p->cfg->id, "still running; scheduled run skipped "
		    "(%u so far)", pm->v.skips);
		break;
	case OV_QUEUE:
		pm->queued = true;
		break;
	case OV_KILL:
		plog_info(p->cfg->id, "still running; restarting for the "
		    "scheduled run");
		proc_restart(idx, &why);
		break;
	}
}

/*
 * The realtime timer fired, or the clock was set (ECANCELED). A run is due
 * when its time came on the clock the timer was armed by: the kernel drops
 * an expiry that meets the set, and that run must not be lost (issue 13).
 * Rounded up, so such a run may be judged due within a second early. Runs
 * the new time jumped over are not made up. After a set every cron job is
 * planned from the new time.
 */
static void
cron_cb(struct watch *w, uint32_t events)
{
	uint64_t ticks;
	long long now = wall_now(), last, old = now;
	bool set = read(w->fd, &ticks, sizeof(ticks)) < 0 &&
	    errno == ECANCELED, due;
	const struct cfg_mon *m;
	int i;

	(void)events;
	if (set) {
		log_info("the clock was set; planning schedules from now");
		old = armed_wall + (long long)(now_ms() - armed_mono + 999) /
		    1000;
	}
	cron_armed = 0;
	for (i = 0; i < mt_n; i++) {
		if ((m = mon(i)) == NULL || m->schedule == NULL ||
		    m->sched.every_ms != 0)
			continue;
		last = mt[i]->v.next_wall;
		if ((due = last > 0 && last <= old))
			fire(i);
		if (!set && last > now)
			continue;
		plan(i, 0);
		/* Set back over the minute just run: not that one again. */
		if (due && mt[i]->v.next_wall == last)
			mt[i]->v.next_wall = sched_next(&m->sched, last);
	}
}

static void
cron_arm(long long at)
{
	struct itimerspec its = { .it_value.tv_sec = (time_t)at };

	if (at == cron_armed)
		return;
	if (cron_w.fd < 0 && loop_watch(&cron_w,
	    timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC),
	    cron_cb) < 0) {
		log_err(CANNOT, "create", "schedule timer");
		return;
	}
	cron_armed = at;
	armed_wall = wall_now();
	armed_mono = now_ms();
	if (timerfd_settime(cron_w.fd, TFD_TIMER_ABSTIME |
	    TFD_TIMER_CANCEL_ON_SET, &its, NULL) < 0)
		log_err(CANNOT, "arm", "schedule timer");
}

/* ----------------------------------------------------------------- tick */

void
mon_reload(void)
{
	uint64_t now = now_ms();
	const struct cfg_mon *m;
	struct proc_mon **t;
	int i, j, n;

	/*
	 * Kept processes carry their state over; only a process with
	 * monitoring has it (1,000 plain services: 8 KB, not 250). Without
	 * memory for it, monitoring stops (mon() is NULL) but nothing else.
	 */
	t = proc_carry(mt, mt_n, &n);
	for (j = 0; j < mt_n; j++)
		free(mt[j]);
	free(mt);
	mt = t;
	mt_n = n;
	nmon = 0;
	for (i = 0; i < n; i++) {
		if ((m = proc_get(i)->cfg->mon) == NULL) {
			free(t[i]);
			t[i] = NULL;
			continue;
		}
		if (t[i] == NULL && (t[i] = calloc(1, sizeof(**t))) == NULL) {
			log_err("out of memory: checks stop");
			continue;
		}
		nmon++;
		if (m->ready == RD_NOTIFY)
			notify_open();
		if (m->check != NULL && mt[i]->v.health == H_NONE)
			mt[i]->v.health = H_UNKNOWN;
		plan(i, now);
	}
	cron_armed = -1;
}

/*
 * What status shows of a process's monitoring, read-only. A call at each
 * caller, not inlined: smaller.
 */
__attribute__((noinline)) const struct mon_view *
mon_view(int idx)
{
	static struct mon_view none;	/* bss: all zero, never written */

	return mon(idx) != NULL ? &mt[idx]->v : &none;
}

/* Per process: probes, checks, @every runs and queued runs that are due. */
static uint64_t
tick_proc(int idx, uint64_t now)
{
	const struct cfg_mon *m = mon(idx);
	struct proc_mon *pm = mt[idx];
	const struct proc_view *v = proc_get(idx);

	if (v->state == PS_STARTING && v->pid != 0 && now >= pm->ready_poll &&
	    (m->ready == RD_TCP || m->ready == RD_EXEC)) {
		pm->ready_poll = now + TCP_POLL_MS;
		if (m->ready == RD_TCP && tcp_up(m->ready_arg))
			proc_ready(idx);
		else if (m->ready == RD_EXEC) {
			pm->ready_poll = 0;	/* until the probe exits */
			if (find(v->cfg->id, AX_PROBE, 0) == NULL)
				run(idx, AX_PROBE, m->ready_argv, NULL, false,
				    m->ready_timeout_ms);
		}
	}
	/* next_check is 0 while a check runs: its time limit is the due. */
	if (m->check != NULL && v->state == PS_RUNNING &&
	    find(v->cfg->id, AX_CHECK, 0) == NULL) {
		if (pm->next_check == 0)
			pm->next_check = now + m->check_interval_ms;
		else if (now >= pm->next_check) {
			pm->next_check = 0;
			if (run(idx, AX_CHECK, m->check_argv, NULL, true,
			    m->check_timeout_ms) == NULL)
				pm->next_check = now + m->check_interval_ms;
		}
	}
	if (v->state != PS_RUNNING && v->state != PS_STARTING)
		pm->next_check = 0;
	if (pm->next_run != 0 && now >= pm->next_run) {
		fire(idx);
		plan(idx, now);
	}
	if (pm->queued && v->pid == 0 && v->state != PS_STARTING &&
	    v->state != PS_STOPPING) {
		pm->queued = false;
		plog_info(v->cfg->id, "queued scheduled run");
		proc_start(idx, &(const char *){ NULL });
	}
	/*
	 * Only deadlines this function acts on: returning one it would not
	 * act on would arm a timer that has fired already, and the loop
	 * would sleep through everything else that is due.
	 */
	return sched_earliest(sched_earliest(pm->next_run,
	    v->state == PS_RUNNING ? pm->next_check : 0),
	    v->state == PS_STARTING && v->pid != 0 &&
	    (m->ready == RD_TCP || m->ready == RD_EXEC) ? pm->ready_poll : 0);
}

/*
 * Handle due deadlines and return the next: probes, checks and their
 * time limits, handlers' time limits, @every runs. Wall-clock schedules
 * get their own realtime timer, armed only when a cron job exists, so an
 * idle pm with nothing scheduled never wakes up.
 */
uint64_t
mon_tick(uint64_t now)
{
	uint64_t next = 0;
	long long cron = 0;
	const struct cfg_mon *m;
	struct aux *a;
	int i;

	for (i = 0; i < AUX_MAX; i++) {
		a = &aux[i];
		if (a->pid <= 0)
			continue;
		if (!a->killed && now >= a->deadline) {
			plog_warn(a->id, "%s pid %d still running after %ums; "
			    "killing it", a->kind == AX_CHECK ? "check" :
			    a->kind == AX_PROBE ? "ready probe" : "handler",
			    (int)a->pid, a->limit_ms);
			aux_kill(a);
		}
		if (!a->killed)
			next = sched_earliest(next, a->deadline);
	}
	for (i = 0; nmon > 0 && i < mt_n; i++) {
		if ((m = mon(i)) == NULL)
			continue;
		next = sched_earliest(next, tick_proc(i, now));
		if (m->schedule != NULL && m->sched.every_ms == 0 &&
		    mt[i]->v.next_wall > 0 &&
		    (cron == 0 || mt[i]->v.next_wall < cron))
			cron = mt[i]->v.next_wall;
	}
	if (cron != 0 || cron_w.fd >= 0)
		cron_arm(cron);
	return next;
}
