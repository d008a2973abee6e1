/*
 * proc.c: the process table and its state machine.
 *
 * The table is sized once per config load; spawning, reaping, stopping and
 * the backoff deadlines all work in it without allocating. Exactly one
 * function, proc_set_state(), writes a process's state: it logs the
 * transition and (re)arms the deadline that goes with the new state.
 *
 * Every transition is a cell of one table, machine[], by state and event
 * (as s6-supervise's actions[state][event]): the code that learns of an
 * event (a command, a reap, a deadline, settle) names it, and fire() runs
 * the cell's action and enters its state. The system calls under it go through sys.h, a seam that
 * tests/unit/proc_test.c fills with fakes.
 *
 * Dependencies are settled lazily: events only mark the table dirty, and
 * settle() then starts every waiting process whose dependencies are ready
 * and stops every process that is no longer wanted once nothing that
 * depends on it is still alive. This gives start order and reverse stop
 * order from one rule, and batches the work of many events into one pass.
 */
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "config.h"
#include "events.h"
#include "log.h"
#include "pdu.h"
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
	uint8_t		 cause;		/* EVR_*: why its next state (issue 15) */
	int		 idx;		/* its own index, set in proc_init */
};

static struct proc	*proc_tab;
static int		 proc_n;

/* Per entry, beside struct proc: what only the table's upkeep needs. */
struct proc_x {
	int		 live_dependents;	/* dependents holding a pid */
	int		 from;			/* index in the last table, or -1 */
	bool		 removed;		/* gone from the config */
	bool		 fresh;			/* new in this config */
	uint8_t		 reach;			/* reach(): depends on root? */
	int		 edge, up;		/* reach()'s walk */
};

static struct proc_x	*proc_xt;
static const struct proc_hooks *hk;	/* check.c's and logbuf.c's, by pm.c */
static int		 main_idx = -1;
static bool		 dirty;


/*
 * proc_tick's memory of the earliest deadline in the table, so that a turn
 * of the loop in which no state changed and nothing fell due (a client's
 * request, a line of output) does not walk 1,000 entries (issue 7): dirty
 * is set by every change of state too, and proc_tick clears it.
 */
static uint64_t		 next_due;

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

/* The names are the protocol's: pdu.c keeps them, in this order. */
#define SAME(s)	((int)PS_##s == PDU_ST_##s)
_Static_assert(SAME(STOPPED) && SAME(STARTING) && SAME(RUNNING) &&
    SAME(STOPPING) && SAME(EXITED) && SAME(BACKOFF) && SAME(FATAL) &&
    (int)PS__COUNT == PDU_ST_OTHER, "proc.h's states and pdu.h's differ");
#undef SAME

const char *
proc_state_name(enum proc_state s)
{
	return pdu_state_name(s);
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
		plog_debug(p->v.cfg->id, "%s -> %s",
		    proc_state_name(p->v.state), proc_state_name(s));
	*(enum proc_state *)&p->v.state = s;
	if (fatal)
		hk->fatal(p->idx);
	p->v.since_ms = now_ms();
	p->deadline_ms = deadline;
	dirty = true;
	loop_deadline_changed();
}

/* Kept in the entry: p - proc_tab divides by an odd size at every use. */
static int
idx_of(const struct proc *p)
{
	return p->idx;
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


/*
 * The machine's rows: proc.h's states, with PS_STARTING split in two by
 * whether the process has a pid yet. PS_WAITING is a start waiting for its
 * dependencies (no pid); others see "starting" for both.
 */
#define PS_WAITING	PS__COUNT
#define NROWS		(PS__COUNT + 1)

/* What can happen to a process: the machine's columns. */
enum event {
	EV_START,		/* wanted: operator, autostart, dependent */
	EV_RESTART,		/* restart of a live process */
	EV_STOP,		/* unwanted: operator, shutdown, reload */
	EV_DEPS_READY,		/* waiting, wanted, dependencies ready */
	EV_UNNEEDED,		/* unwanted, live, no live dependent */
	EV_SPAWNED,		/* spawned; no readiness protocol */
	EV_SPAWNED_WAIT,	/* spawned; starting until ready */
	EV_SPAWN_RETRY,		/* no slot, memory or fd to spawn now */
	EV_SPAWN_FAILED,	/* the command cannot run */
	EV_READY,		/* its readiness protocol said so */
	EV_DEADLINE,		/* the state's deadline passed */
	EV_CHECK_EXIT,		/* on_check_fail = exit */
	EV_EXIT_END,		/* exited, ending pm: --'s main, check's
				   exit, a critical oneshot that failed */
	EV_EXIT_DONE,		/* exited; restart policy says done */
	EV_EXIT_RETRY,		/* exited; restart after the backoff */
	EV_EXIT_GIVEUP,		/* exited; past start_limit */
	EV_EXIT_STOPPED,	/* exited after a stop */
	EV_EXIT_RESTART,	/* exited after a stop, wanted again */
	EV__COUNT
};

/*
 * A cell: in a row, on an event, what to do, then the state to enter. An
 * action runs in the old state and returns the new state's deadline (0:
 * none). Three bytes a cell: the row and event in one, and the action is
 * an index into actions[].
 */
struct cell {
	uint8_t		 at;	/* AT(row, event) */
	uint8_t		 to;	/* TO(state); 0: stay */
	uint8_t		 act;	/* A_*; 0: none */
};
#define AT(r, e)	((r) * EV__COUNT + (e))
#define TO(s)	((s) + 1)
_Static_assert(AT(NROWS, 0) <= 256, "a cell's row and event fit a byte");
typedef uint64_t action_fn(struct proc *, int arg);

static int	 end_status = -1;	/* pm ends once the state is set */

static int
row(const struct proc *p)
{
	return p->v.state == PS_STARTING && p->v.pid == 0 ? PS_WAITING :
	    (int)p->v.state;
}

/* Ask pm to end with status, after the transition (on_fatal runs first). */
static void
end_pm(int status)
{
	end_status = status;
}

/* Send the stop signal to the process group; the kill deadline. */
static uint64_t
a_stop(struct proc *p, int arg)
{
	const struct cfg_proc *c = p->v.cfg;
	pid_t target = idx_of(p) == main_idx ? p->v.pid : -p->v.pid;

	(void)arg;
	if (sys_kill(target, c->stop_signal) < 0 && errno == ESRCH)
		sys_kill(p->v.pid, c->stop_signal);
	plog_info(c->id, "stopping pid %d with SIG%s", (int)p->v.pid,
	    cfg_sig_shown(c->stop_signal));
	return now_ms() + c->stop_timeout_ms;
}

/* A start from rest: a fresh count of failures and a fresh delay. */
static uint64_t
a_fresh(struct proc *p, int arg)
{
	(void)arg;
	p->fails = 0;
	p->backoff_ms = p->v.cfg->restart_delay_ms;
	return 0;
}

/* Wanted while stopping: start again once it has exited. */
static uint64_t
a_again(struct proc *p, int arg)
{
	(void)arg;
	p->restart_after_stop = true;
	return 0;
}

static uint64_t
a_cycle(struct proc *p, int arg)
{
	p->want_up = true;
	p->restart_after_stop = true;
	return a_stop(p, arg);
}

/* Unwanted: a live one stops once nothing live depends on it (settle). */
static uint64_t
a_unwant(struct proc *p, int arg)
{
	(void)arg;
	p->want_up = false;
	p->restart_after_stop = false;
	dirty = true;
	return 0;
}

static uint64_t	 a_spawn(struct proc *, int);

/* arg: the pid. Starting until ready_timeout with a readiness protocol. */
static uint64_t
a_spawned(struct proc *p, int arg)
{
	const struct cfg_proc *c = p->v.cfg;
	uint32_t rt = c->mon != NULL && c->mon->ready != RD_NONE ?
	    c->mon->ready_timeout_ms : 0;

	p->v.pid = arg;
	pid_ix[pid_slot(arg)] = idx_of(p) + 1;
	p->v.started_ms = now_ms();
	p->v.oom_base = cg_ooms(c->id);
	count_dependents(p, +1);
	plog_info(c->id, "started pid %d", arg);
	return rt ? p->v.started_ms + rt : 0;
}

/*
 * Wait d, and double the next delay up to restart_delay_max. Out of line:
 * both actions that wait share one copy.
 */
static uint64_t __attribute__((noinline))
wait_for(struct proc *p, uint32_t d)
{
	uint32_t max = p->v.cfg->restart_delay_max_ms;

	p->backoff_ms = d * 2 > max ? max : d * 2;
	return now_ms() + d;
}

/*
 * A start that failed for want of a resource (a process slot, memory, an
 * fd) is no fault of the command: say why and try again after the
 * backoff, which doubles as for a crash, without counting a failed start.
 * arg: the step; errno says why.
 */
static uint64_t
a_retry_later(struct proc *p, int arg)
{
	uint32_t d = p->backoff_ms ? p->backoff_ms : 1000;

	plog_warn(p->v.cfg->id, "cannot %s%s%s: %m; retrying in %u.%03us",
	    spawn_step_name(arg), arg != SP_FORK ? " " : "",
	    arg != SP_FORK ? p->v.cfg->argv[0] : "", d / 1000, d % 1000);
	return wait_for(p, d);
}

/* The command cannot run (arg: the step; errno says why): fatal at once. */
static uint64_t
a_cannot_run(struct proc *p, int arg)
{
	const struct cfg_proc *c = p->v.cfg;

	plog_err(c->id, "cannot %s %s: %m", spawn_step_name(arg),
	    arg == SP_CHDIR && c->directory ? c->directory :
	    arg == SP_TTY ? c->tty : c->argv[0]);
	p->v.last_status = errno == ENOENT ? 127 : 126;
	if (c->critical || idx_of(p) == main_idx)
		end_pm(p->v.last_status);
	return 0;
}

static uint64_t
a_ready(struct proc *p, int arg)
{
	(void)arg;
	plog_info(p->v.cfg->id, "ready after %llums",
	    (unsigned long long)(now_ms() - p->v.started_ms));
	return 0;
}

static uint64_t
a_next_try(struct proc *p, int arg)
{
	(void)arg;
	p->v.restarts++;
	return 0;
}

static uint64_t
a_not_ready(struct proc *p, int arg)
{
	plog_warn(p->v.cfg->id, "not ready within %ums; stopping it",
	    p->v.cfg->mon->ready_timeout_ms);
	p->ready_failed = true;
	return a_stop(p, arg);
}

/* SIGKILL p's group, p, and what is left in its cgroup. */
static void
kill_tree(const struct proc *p)
{
	sys_kill(-p->v.pid, SIGKILL);
	sys_kill(p->v.pid, SIGKILL);
	cg_kill(p->v.cfg->id);
}

static uint64_t
a_kill(struct proc *p, int arg)
{
	(void)arg;
	plog_warn(p->v.cfg->id, "did not stop within %ums; sending SIGKILL",
	    p->v.cfg->stop_timeout_ms);
	kill_tree(p);
	return 0;
}

static uint64_t
a_end_after(struct proc *p, int arg)
{
	p->exit_pm = true;
	return a_stop(p, arg);
}

/*
 * arg: the exit status. After on_check_fail = exit the container dies,
 * never with 0.
 */
static uint64_t
a_end(struct proc *p, int arg)
{
	if (p->exit_pm) {
		p->exit_pm = false;
		arg = arg ? arg : 1;
	} else if (idx_of(p) != main_idx)
		plog_err(p->v.cfg->id, "critical oneshot failed with status %d",
		    arg);
	end_pm(arg);
	return 0;
}

static uint64_t
a_backoff(struct proc *p, int arg)
{
	uint32_t d = p->backoff_ms;

	(void)arg;
	/* No failed start in a row: a stable run ended; back at once. */
	if (p->fails == 0)
		return now_ms();
	plog_info(p->v.cfg->id, "backoff %u.%03us", d / 1000, d % 1000);
	return wait_for(p, d);
}

static uint64_t
a_give_up(struct proc *p, int arg)
{
	plog_err(p->v.cfg->id, "fatal: %d failed starts in a row, giving up",
	    p->fails);
	if (p->v.cfg->critical)
		end_pm(arg);
	return 0;
}

static uint64_t
a_restart(struct proc *p, int arg)
{
	(void)arg;
	p->restart_after_stop = false;
	return 0;
}

/* The actions, as the cells name them. */
enum action {
	A_NONE, A_FRESH, A_AGAIN, A_CYCLE, A_UNWANT, A_SPAWN, A_SPAWNED,
	A_RETRY_LATER, A_CANNOT_RUN, A_READY, A_NEXT_TRY, A_NOT_READY, A_STOP,
	A_KILL, A_END_AFTER, A_END, A_BACKOFF, A_GIVE_UP, A_RESTART,
};
static action_fn *const actions[] = {
	[A_FRESH] = a_fresh, [A_AGAIN] = a_again,
	[A_CYCLE] = a_cycle, [A_UNWANT] = a_unwant,
	[A_SPAWN] = a_spawn, [A_SPAWNED] = a_spawned,
	[A_RETRY_LATER] = a_retry_later, [A_CANNOT_RUN] = a_cannot_run,
	[A_READY] = a_ready, [A_NEXT_TRY] = a_next_try,
	[A_NOT_READY] = a_not_ready, [A_STOP] = a_stop,
	[A_KILL] = a_kill, [A_END_AFTER] = a_end_after,
	[A_END] = a_end, [A_BACKOFF] = a_backoff,
	[A_GIVE_UP] = a_give_up, [A_RESTART] = a_restart,
};

/*
 * The supervision state machine (issue 13): for each row and event, the
 * action and the state it leads to. A cell not listed ignores the event;
 * only the 45 that do something are, row by row (a full table was 144
 * cells, most of them empty).
 * Rows with a pid are STARTING, RUNNING and STOPPING; only they exit.
 * Stopping a process by command stops first what depends on it
 * (stop_dependents), or it would wait for them forever.
 */
#define C(r, e, to, act)	{ AT(r, e), to, act }
#define EXITS(r)	\
	C(r, EV_EXIT_END, TO(PS_EXITED), A_END),			\
	C(r, EV_EXIT_DONE, TO(PS_EXITED), 0),			\
	C(r, EV_EXIT_RETRY, TO(PS_BACKOFF), A_BACKOFF),		\
	C(r, EV_EXIT_GIVEUP, TO(PS_FATAL), A_GIVE_UP),		\
	C(r, EV_EXIT_STOPPED, TO(PS_STOPPED), 0)
#define AT_REST(r)	\
	C(r, EV_START, TO(PS_WAITING), A_FRESH),			\
	C(r, EV_STOP, 0, A_UNWANT)

static const struct cell machine[] = {
	AT_REST(PS_STOPPED),
	AT_REST(PS_EXITED),
	AT_REST(PS_FATAL),
	C(PS_BACKOFF, EV_START, TO(PS_WAITING), A_FRESH),
	C(PS_BACKOFF, EV_STOP, TO(PS_STOPPED), A_UNWANT),
	C(PS_BACKOFF, EV_DEADLINE, TO(PS_WAITING), A_NEXT_TRY),

	C(PS_WAITING, EV_STOP, TO(PS_STOPPED), A_UNWANT),
	C(PS_WAITING, EV_DEPS_READY, 0, A_SPAWN),
	C(PS_WAITING, EV_SPAWNED, TO(PS_RUNNING), A_SPAWNED),
	C(PS_WAITING, EV_SPAWNED_WAIT, TO(PS_STARTING), A_SPAWNED),
	C(PS_WAITING, EV_SPAWN_RETRY, TO(PS_BACKOFF), A_RETRY_LATER),
	C(PS_WAITING, EV_SPAWN_FAILED, TO(PS_FATAL), A_CANNOT_RUN),

	C(PS_STARTING, EV_RESTART, TO(PS_STOPPING), A_CYCLE),
	C(PS_STARTING, EV_STOP, 0, A_UNWANT),
	C(PS_STARTING, EV_UNNEEDED, TO(PS_STOPPING), A_STOP),
	C(PS_STARTING, EV_READY, TO(PS_RUNNING), A_READY),
	C(PS_STARTING, EV_DEADLINE, TO(PS_STOPPING), A_NOT_READY),
	C(PS_STARTING, EV_CHECK_EXIT, TO(PS_STOPPING), A_END_AFTER),
	EXITS(PS_STARTING),

	C(PS_RUNNING, EV_RESTART, TO(PS_STOPPING), A_CYCLE),
	C(PS_RUNNING, EV_STOP, 0, A_UNWANT),
	C(PS_RUNNING, EV_UNNEEDED, TO(PS_STOPPING), A_STOP),
	C(PS_RUNNING, EV_CHECK_EXIT, TO(PS_STOPPING), A_END_AFTER),
	EXITS(PS_RUNNING),

	C(PS_STOPPING, EV_START, 0, A_AGAIN),
	C(PS_STOPPING, EV_STOP, 0, A_UNWANT),
	C(PS_STOPPING, EV_DEADLINE, 0, A_KILL),
	C(PS_STOPPING, EV_CHECK_EXIT, TO(PS_STOPPING), A_END_AFTER),
	EXITS(PS_STOPPING),
	C(PS_STOPPING, EV_EXIT_RESTART, TO(PS_WAITING), A_RESTART),
};
#define NCELLS	(sizeof(machine) / sizeof(machine[0]))

/* The cell of row r for ev, or NULL: ev is ignored there. */
static const struct cell *
cell(int r, enum event ev)
{
	const struct cell *c;

	for (c = machine; c < machine + NCELLS; c++)
		if (c->at == AT(r, ev))
			return c;
	return NULL;
}

#ifdef PROC_UNIT
/* tests/unit/proc_test.c: the table's shape, and the cells that ran. */
extern bool proc_unit_hit[NROWS][EV__COUNT];
bool	 proc_unit_hit[NROWS][EV__COUNT];
extern const int proc_unit_nevents;
const int proc_unit_nevents = EV__COUNT;
bool	 proc_unit_cell(int, int);
#define HIT(r, e)	(proc_unit_hit[r][e] = true)

bool
proc_unit_cell(int r, int e)
{
	return cell(r, (enum event)e) != NULL;
}
#else
#define HIT(r, e)	((void)0)
#endif

/*
 * Why a state changed, by event, unless the process's cause says more:
 * an exit says exit or signal, a check's action check (issue 15). The
 * exits' events have none here: under 16 bytes, the table is not aligned.
 */
static const uint8_t reasons[EV_CHECK_EXIT + 1] = {
	[EV_START] = EVR_COMMAND, [EV_RESTART] = EVR_COMMAND,
	[EV_STOP] = EVR_COMMAND, [EV_DEPS_READY] = EVR_READY,
	[EV_UNNEEDED] = EVR_COMMAND, [EV_SPAWNED] = EVR_SPAWN,
	[EV_SPAWNED_WAIT] = EVR_SPAWN, [EV_SPAWN_RETRY] = EVR_SPAWN,
	[EV_SPAWN_FAILED] = EVR_SPAWN, [EV_READY] = EVR_READY,
	[EV_DEADLINE] = EVR_TIMEOUT, [EV_CHECK_EXIT] = EVR_CHECK,
};

/*
 * Deliver ev to p in row r: run the cell's action, then enter its state.
 * False when the cell is empty and the event was ignored.
 */
static bool
fire_in(struct proc *p, int r, enum event ev, int arg)
{
	const struct cell *c = cell(r, ev);
	uint64_t deadline = 0;
	int s;

	if (c == NULL)
		return false;
	HIT(r, ev);
	if (c->act != 0)
		deadline = actions[c->act](p, arg);
	if (c->to != 0) {
		s = p->v.state;
		proc_set_state(p, c->to - 1 == PS_WAITING ? PS_STARTING :
		    (enum proc_state)(c->to - 1), deadline);
		/* The event stream (issue 15): what changed, and why. */
		if (s != (int)p->v.state)
			hk->state(idx_of(p), p->cause ? p->cause :
			    ev <= EV_CHECK_EXIT ? reasons[ev] : EVR_NONE,
			    arg);
		p->cause = EVR_NONE;
	}
	if (end_status >= 0) {
		s = end_status;
		end_status = -1;
		pm_shutdown(END_EXIT, s);
	}
	return true;
}

static bool
fire(struct proc *p, enum event ev, int arg)
{
	return fire_in(p, row(p), ev, arg);
}

/* Spawn one process; its outcome is the next event. */
static uint64_t
a_spawn(struct proc *p, int arg)
{
	const struct cfg_proc *c = p->v.cfg;
	struct spawn sp = { c, c->argv, { NULL }, -1, -1, -1, -1 };
	enum spawn_step step = SP_OK;
	int io[2], saved, idx = idx_of(p);
	pid_t pid;

	(void)arg;
	hk->prespawn(idx, &sp);
	/* A process on a terminal (tty =) talks to it, not to a pipe. */
	if (c->tty != NULL)
		io[0] = io[1] = -1;
	else
		hk->out_pipes(idx, idx == main_idx, io);
	sp.out = io[0];
	sp.err = io[1];
	pid = sys_spawn(&sp, idx == main_idx, &step);
	saved = errno;
	hk->out_spawned(idx, pid > 0);
	hk->spawned(idx, pid > 0);
	errno = saved;
	if (pid > 0)
		fire(p, c->mon != NULL && c->mon->ready != RD_NONE ?
		    EV_SPAWNED_WAIT : EV_SPAWNED, pid);
	else
		fire(p, pid == -1 ? EV_SPAWN_RETRY : EV_SPAWN_FAILED, step);
	return 0;
}

pid_t
proc_spawn(const struct spawn *sp, bool is_main, enum spawn_step *step)
{
	return sys_spawn(sp, is_main, step);
}

void
proc_ready(int idx)
{
	fire(&proc_tab[idx], EV_READY, 0);
}

/*
 * One pass over the table: start whatever waits and is now free to start,
 * stop whatever is unwanted and no longer needed by a live dependent.
 * Out of line: smaller than the copy LTO inlined.
 */
static void __attribute__((noinline))
settle(void)
{
	struct proc *p;
	int i;

	dirty = false;
	for (i = 0; i < proc_n; i++) {
		p = &proc_tab[i];
		if (p->want_up && row(p) == PS_WAITING && !pm_stopping() &&
		    deps_ready(p))
			fire(p, EV_DEPS_READY, 0);
		else if (!p->want_up && p->v.pid != 0 &&
		    proc_xt[i].live_dependents == 0)
			fire(p, EV_UNNEEDED, 0);
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
	fire(p, EV_START, 0);
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

/*
 * Whether each entry depends on root, directly or not, into proc_x.reach:
 * a depth-first walk with an explicit stack (a chain of 100,000 would
 * overflow a recursion) that answers each entry once.
 */
enum { R_NEW, R_OPEN, R_OPEN_YES, R_NO, R_YES };

static void
reach(int root)
{
	struct proc_x *x;
	int i, v, w;

	for (i = 0; i < proc_n; i++)
		proc_xt[i].reach = R_NEW;
	proc_xt[root].reach = R_YES;
	for (i = 0; i < proc_n; i++) {
		if (proc_xt[i].reach != R_NEW)
			continue;
		proc_xt[i].reach = R_OPEN;
		proc_xt[i].edge = 0;
		proc_xt[i].up = -1;
		for (v = i; v >= 0;) {
			x = &proc_xt[v];
			if (x->edge < proc_tab[v].v.cfg->ndeps) {
				w = proc_tab[v].v.cfg->deps[x->edge++];
				if (proc_xt[w].reach == R_NEW) {
					proc_xt[w].reach = R_OPEN;
					proc_xt[w].edge = 0;
					proc_xt[w].up = v;
					v = w;
				} else if (proc_xt[w].reach == R_YES)
					x->reach = R_OPEN_YES;
				continue;
			}
			x->reach = x->reach == R_OPEN_YES ? R_YES : R_NO;
			if ((v = x->up) >= 0 && x->reach == R_YES)
				proc_xt[v].reach = R_OPEN_YES;
		}
	}
}

/*
 * Stopping a process stops first what depends on it and runs or waits to
 * start (issue 13): before, it waited for them and nothing stopped them,
 * so `pm stop` answered OK and did nothing. The answer names them.
 */
static const char *
stop_dependents(int root)
{
	static char note[512];
	const char *id = proc_tab[root].v.cfg->id;
	size_t off = 0, len;
	int i, n = 0;

	reach(root);
	for (i = 0; i < proc_n; i++) {
		if (i == root || proc_xt[i].reach != R_YES ||
		    (!proc_tab[i].want_up && proc_tab[i].v.pid == 0))
			continue;
		len = strlen(proc_tab[i].v.cfg->id);
		if (off + len + 2 * PM_ID_MAX + 32 < sizeof(note))
			off += (size_t)snprintf(note + off, sizeof(note) - off,
			    "%s%s", n ? ", " : "stopping ",
			    proc_tab[i].v.cfg->id);
		else if (off + 5 < sizeof(note) && note[off - 1] != '.')
			off += (size_t)snprintf(note + off, sizeof(note) - off,
			    ", ...");
		n++;
		fire(&proc_tab[i], EV_STOP, 0);
	}
	if (n == 0)
		return NULL;
	snprintf(note + off, sizeof(note) - off, " (depend%s on %s), then %s",
	    n == 1 ? "s" : "", id, id);
	log_info("%s", note);
	return note;
}

int
proc_stop(int idx, const char **why)
{
	*why = stop_dependents(idx);
	fire(&proc_tab[idx], EV_STOP, 0);
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
	/* What does not run (or stops already) restarts by a start. */
	if (!fire(p, EV_RESTART, 0))
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
	if (sys_kill(p->v.pid, sig) < 0) {
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
		fire(&proc_tab[i], EV_STOP, 0);
}

/* SIGKILL every process group still alive: the shutdown deadline passed. */
void
proc_kill_all(void)
{
	int i;

	for (i = 0; i < proc_n; i++)
		if (proc_tab[i].v.pid != 0) {
			plog_warn(proc_tab[i].v.cfg->id,
			    "still running; sending SIGKILL");
			kill_tree(&proc_tab[i]);
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
 * Out of line: smaller than the copy LTO inlined.
 */
void __attribute__((noinline))
proc_check_failed(int idx, enum cfg_cfail action, int status)
{
	const char *why;

	static const char *const act[] = { "restart", "stop", "exit", "exec" };

	plog_warn(proc_tab[idx].v.cfg->id, "health check failed (status %d); "
	    "on_check_fail = %s", status, act[action]);
	proc_tab[idx].cause = EVR_CHECK;
	if (action == CF_RESTART)
		proc_restart(idx, &why);
	else if (action == CF_STOP)
		proc_stop(idx, &why);
	else if (action == CF_EXIT)
		fire(&proc_tab[idx], EV_CHECK_EXIT, 0);
}

pid_t
proc_main_pid(void)
{
	return main_idx >= 0 ? proc_tab[main_idx].v.pid : 0;
}

/*
 * What a service's exit means: the end of pm, a stop done, a restart
 * after a stop, done for good, a restart after the backoff, or fatal.
 * It counts the failed starts that decide between the last two.
 */
static enum event
exit_event(struct proc *p, int status, uint64_t ran)
{
	const struct cfg_proc *c = p->v.cfg;
	bool failed = !cfg_success(c, status) || p->v.oom;

	if (idx_of(p) == main_idx || p->exit_pm)
		return EV_EXIT_END;
	if (p->ready_failed && p->want_up && !pm_stopping()) {
		/* Never became ready: a failed start, not an operator stop. */
		p->ready_failed = false;
		ran = 0;
		failed = true;
	} else if (p->v.state == PS_STOPPING || !p->want_up || pm_stopping())
		return p->restart_after_stop && p->want_up && !pm_stopping() ?
		    EV_EXIT_RESTART : EV_EXIT_STOPPED;
	if (c->restart != RS_ALWAYS && (c->restart != RS_ON_FAILURE ||
	    !failed))
		return failed && c->critical && c->type == PT_ONESHOT ?
		    EV_EXIT_END : EV_EXIT_DONE;
	if (ran >= c->stable_ms) {
		p->fails = 0;
		p->backoff_ms = c->restart_delay_ms;
	} else if (failed || !cfg_success(c, -1))
		p->fails++;
	return c->start_limit > 0 && p->fails > c->start_limit ?
	    EV_EXIT_GIVEUP : EV_EXIT_RETRY;
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
	int st, status, r;
	pid_t pid;

	while ((pid = sys_wait(&st)) > 0) {
		status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		p = by_pid(pid);
		if (p == NULL) {
			if (!hk->reap(pid, status))
				log_debug("reaped pid %d", (int)pid);
			continue;
		}
		hk->out_drain(idx_of(p));
		if (WIFSIGNALED(st))
			plog_info(p->v.cfg->id, "pid %d killed by SIG%s "
			    "(status %d)", (int)pid,
			    cfg_sig_shown(WTERMSIG(st)), status);
		else
			plog_info(p->v.cfg->id, "pid %d exited with status %d",
			    (int)pid, status);
		/*
		 * Issue 14: an OOM kill in its group is named; and nothing
		 * of its tree outlives it, even what left its process group.
		 */
		p->v.oom = cg_ooms(p->v.cfg->id) > p->v.oom_base;
		if (p->v.oom)
			plog_warn(p->v.cfg->id, "OOM kill in its cgroup");
		cg_kill(p->v.cfg->id);
		count_dependents(p, -1);
		hk->exited(idx_of(p), status);	/* handlers see the pid */
		r = row(p);
		pid_forget(p);
		p->v.pid = 0;
		p->v.last_status = status;
		p->cause = WIFSIGNALED(st) ? EVR_SIGNAL : EVR_EXIT;
		fire_in(p, r, exit_event(p, status, now_ms() - p->v.started_ms),
		    status);
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

	if (dirty || (next_due != 0 && now >= next_due)) {
		for (i = 0; i < proc_n; i++) {
			p = &proc_tab[i];
			if (p->deadline_ms == 0 || p->deadline_ms > now)
				continue;
			p->deadline_ms = 0;
			fire(p, EV_DEADLINE, 0);
		}
		while (dirty)
			settle();
		for (i = 0; i < proc_n; i++)
			next = sched_earliest(next, proc_tab[i].deadline_ms);
		next_due = next;
	}
	sys_widen();
	return next_due;
}

/* Out of line: smaller than the copy LTO inlined. */
void __attribute__((noinline))
proc_set_hooks(const struct proc_hooks *h)
{
	hk = h;
}

/* Out of line: smaller than the copies LTO inlined. */
int __attribute__((noinline))
proc_count(void)
{
	return proc_n;
}

/* Every module reads the table by it: one copy, not one per call. */
const struct proc_view * __attribute__((noinline))
proc_get(int idx)
{
	return &proc_tab[idx].v;
}

void *
proc_carry(void *old, int oldn, int *n)
{
	void **o = old, **t;
	int i, j;

	if ((t = calloc(proc_n ? proc_n : 1, sizeof(*t))) == NULL)
		*n = 0;
	else
		*n = proc_n;
	for (i = 0; i < *n; i++)
		if ((j = proc_xt[i].from) >= 0 && j < oldn) {
			t[i] = o[j];
			o[j] = NULL;
		}
	return t;
}

int
proc_find(const char *id)
{
	int i = find_any(id);

	return i >= 0 && !proc_xt[i].removed ? i : -1;
}

bool
proc_shown(int idx)
{
	return proc_tab[idx].v.pid != 0 ||
	    proc_find(proc_tab[idx].v.cfg->id) == idx;
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

/* Entry i still runs but newc has no such process: a ghost. */
static bool
ghost(const struct config *newc, int i)
{
	return proc_tab[i].v.pid != 0 && i != main_idx &&
	    cfg_find(newc, proc_tab[i].v.cfg->id) < 0;
}

/*
 * Build a table for newc: kept processes carry their runtime state over,
 * removed ones that still run stay as ghosts (their spec copied, pointers
 * into the old config dropped) until they have stopped.
 */
static int
build_table(const struct config *newc, const struct cfg_proc *mainc,
    struct proc **ot, struct proc_x **oxt, int *on)
{
	int i, j, n, ghosts = 0, nmain = mainc != NULL ? 1 : 0;
	const struct cfg_proc *old, *c;
	struct cfg_proc *gh, *g;
	struct proc *t;
	struct proc_x *xt;

	for (i = 0; i < proc_n; i++)
		ghosts += ghost(newc, i);
	n = newc->nproc + nmain + ghosts;
	/* One block, freed as proc_tab: entries, ghosts, the extras. */
	_Static_assert(sizeof(*t) % _Alignof(struct cfg_proc) == 0 &&
	    sizeof(*gh) % _Alignof(struct proc_x) == 0, "aligned parts");
	if ((t = calloc(1, n * (sizeof(*t) + sizeof(*xt)) + ghosts *
	    sizeof(*gh) + 1)) == NULL)
		return -1;
	gh = (struct cfg_proc *)(void *)(t + n);
	xt = (struct proc_x *)(void *)(gh + ghosts);
	/* The config's processes, then -- mode's main, kept if it was. */
	for (n = 0; n < newc->nproc + nmain; n++) {
		/*
		 * A removed process still stopping that comes back takes its
		 * old entry, pid and all, and starts once the old instance is
		 * gone, as restart does: never two instances of one ID (issue
		 * 11). proc_apply wants it like any new process.
		 */
		c = n < newc->nproc ? &newc->procs[n] : mainc;
		j = n < newc->nproc ? find_any(c->id) : main_idx;
		if (j >= 0 && (j != main_idx || c == mainc)) {
			memcpy(&t[n], &proc_tab[j], sizeof(t[n]));
			t[n].v.cfg = c;
			xt[n].fresh = proc_xt[j].removed;
			xt[n].from = j;
		} else {
			proc_reset(&t[n], c);
			xt[n].fresh = true;
			xt[n].from = -1;
		}
	}
	for (i = 0, g = gh; i < proc_n; i++) {
		if (!ghost(newc, i))
			continue;
		/*
		 * A ghost keeps only what stopping it needs. Every pointer
		 * of the old spec points into the old config, which is about
		 * to be freed, so none is copied: a field added to cfg_proc
		 * later cannot dangle here by being forgotten.
		 */
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
		t[n].v.cfg = g++;
		t[n].want_up = false;
		xt[n].removed = true;
		xt[n].from = i;
		n++;
	}
	*ot = t;
	*oxt = xt;
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
	struct proc *t;
	struct proc_x *xt;
	uint32_t cap = 16;
	int tn, *ix, *px, i;

	if (sys_init() < 0)
		return -1;
	/* The new table holds at most every old entry and one per process. */
	while (cap < 2 * ((uint32_t)c->nproc + 1 + (uint32_t)proc_n))
		cap *= 2;
	/* One block, freed as id_ix: the ID index, then the pid index. */
	ix = calloc(2 * cap, sizeof(*ix));
	px = ix + cap;
	if (ix == NULL || build_table(c, mainc, &t, &xt, &tn) < 0) {
		free(ix);
		return -1;
	}
	free(proc_tab);
	free(id_ix);
	proc_tab = t;
	proc_xt = xt;
	proc_n = tn;
	main_idx = mainc != NULL ? c->nproc : -1;
	id_ix = ix;
	pid_ix = px;
	ix_mask = cap - 1;
	/* The first of an ID wins: the config's own before -- mode's main. */
	for (i = 0; i < proc_n; i++) {
		proc_tab[i].idx = i;
		if (id_ix[id_slot(proc_tab[i].v.cfg->id)] == 0)
			id_ix[id_slot(proc_tab[i].v.cfg->id)] = i + 1;
		if (proc_tab[i].v.pid != 0)
			pid_ix[pid_slot(proc_tab[i].v.pid)] = i + 1;
	}
	recount();
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
	bool *restart;
	int i, j;

	/* Whether each changed process restarts, found once for both. */
	if ((restart = calloc(newc->nproc + 1, sizeof(bool))) == NULL)
		return -1;
	for (i = 0; i < newc->nproc; i++) {
		j = proc_find(newc->procs[i].id);
		emit(ctx, newc->procs[i].id, j < 0 || j == main_idx ?
		    newc->procs[i].autostart ? "start" : "add" :
		    !cfg_proc_changed(proc_tab[j].v.cfg, &newc->procs[i]) ?
		    "unchanged" : (restart[i] = proc_tab[j].v.pid != 0) ?
		    "restart" : "update");
	}
	for (i = 0; i < proc_n; i++)
		if (i != main_idx && !proc_xt[i].removed &&
		    cfg_find(newc, proc_tab[i].v.cfg->id) < 0)
			emit(ctx, proc_tab[i].v.cfg->id, "stop");
	if (dry_run || proc_init(newc, mainc) < 0) {
		free(restart);
		return dry_run ? 0 : -1;
	}
	for (i = 0; i < proc_n; i++) {
		if (proc_xt[i].removed) {
			fire(&proc_tab[i], EV_STOP, 0);
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

/*
 * Why idx is where it is, for `pm why` (issue 17): what only the table
 * knows, in one line; the caller adds the check's and the output's.
 */
int
proc_why(int idx, char *buf, size_t len)
{
	const struct proc *p = &proc_tab[idx], *d;
	const struct cfg_proc *c = p->v.cfg;
	time_t t;
	struct tm tm;
	int i;

	for (i = 0; i < c->ndeps && p->want_up && p->v.pid == 0; i++)
		if (!dep_ready(d = &proc_tab[c->deps[i]]))
			return snprintf(buf, len, "waiting on dependency %s "
			    "(%s)", d->v.cfg->id, proc_state_name(d->v.state));
	switch (p->v.state) {
	case PS_BACKOFF:
		t = (time_t)(wall_now() + (long long)(p->deadline_ms -
		    now_ms()) / 1000);
		localtime_r(&t, &tm);
		return snprintf(buf, len, "backoff until %02d:%02d:%02d after "
		    "exit %d (restart %d)", tm.tm_hour, tm.tm_min, tm.tm_sec,
		    p->v.last_status, p->v.restarts + 1);
	case PS_FATAL:
		return snprintf(buf, len, "fatal after %d failed starts, last "
		    "exit %d", p->fails, p->v.last_status);
	case PS_STOPPED:
		return snprintf(buf, len, "%s", p->want_up ? "waiting to start" :
		    c->autostart || p->v.started_ms ? "stopped by operator" :
		    "not started (autostart = no)");
	case PS_EXITED:
		return snprintf(buf, len, "exited with status %d",
		    p->v.last_status);
	default:
		return snprintf(buf, len, "%s, pid %d",
		    proc_state_name(p->v.state), (int)p->v.pid);
	}
}
