/*
 * proc_test.c: proc.c's state machine on its own, without processes,
 * signals or sleeps. The sys seam (sys.h) and pm.c's loop are faked here:
 * spawn hands out fake pids, kill records the signals, waitpid returns the
 * exits a test queues, and the clock moves only when a test advances it.
 * proc.c is built with PROC_UNIT, so the test can see which cells of the
 * state table ran and check at the end that every cell did.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "config.h"
#include "events.h"
#include "log.h"
#include "pm.h"
#include "proc.h"
#include "sys.h"
#include "unit.h"

/* proc.c's test view of its table (PROC_UNIT). */
#define NROWS	(PS__COUNT + 1)
#define NEVENTS	18
extern bool	 proc_unit_hit[NROWS][NEVENTS];
extern const int proc_unit_nevents;
bool		 proc_unit_cell(int row, int ev);

/* ------------------------------------------------------- the fakes */

static uint64_t	 clock_ms = 1000000;
static pid_t	 next_pid = 100;
static int	 spawn_fail;	/* 0 ok; -1 no resource; -2 cannot exec */
static char	 spawned[512];	/* IDs in spawn order */
static struct { pid_t pid; int sig; } kills[64];
static int	 nkills;
static struct { pid_t pid; int st; } exits[16];
static int	 nexits;
static bool	 stopping;
static int	 end_calls, end_status;

uint64_t
now_ms(void)
{
	return clock_ms;
}

long long
wall_now(void)
{
	return 1000000000 + (long long)clock_ms / 1000;
}

int
sys_init(void)
{
	return 0;
}

void
sys_widen(void)
{
}

pid_t
sys_spawn(const struct spawn *sp, bool is_main, enum spawn_step *step)
{
	(void)is_main;
	if (spawn_fail != 0) {
		*step = spawn_fail == -1 ? SP_FORK : SP_EXEC;
		errno = spawn_fail == -1 ? EAGAIN : ENOENT;
		return spawn_fail;
	}
	strcat(spawned, sp->cfg->id);
	strcat(spawned, " ");
	return next_pid++;
}

const char *
spawn_step_name(enum spawn_step s)
{
	return s == SP_FORK ? "fork" : "execute";
}

/* cgroup.c's part in the machine: no cgroups here. */
void
cg_kill(const char *id)
{
	(void)id;
}

uint32_t
cg_ooms(const char *id)
{
	(void)id;
	return 0;
}

int
sys_kill(pid_t pid, int sig)
{
	if (nkills < 64) {
		kills[nkills].pid = pid;
		kills[nkills].sig = sig;
		nkills++;
	}
	return 0;
}

pid_t
sys_wait(int *st)
{
	pid_t pid;

	if (nexits == 0)
		return 0;
	pid = exits[0].pid;
	*st = exits[0].st;
	memmove(exits, exits + 1, --nexits * sizeof(exits[0]));
	return pid;
}

void
loop_deadline_changed(void)
{
}

bool
pm_stopping(void)
{
	return stopping;
}

/* As pm.c's: the first call wins and stops everything. */
void
pm_shutdown(enum pm_end how, int status)
{
	(void)how;
	end_calls++;
	if (stopping)
		return;
	stopping = true;
	end_status = status;
	proc_stop_all();
}

static int	 h_fatal;
static int	 hk_sync(void) { return 0; }
static void	 hk_void(void) { }
static const char *hk_path(int i) { (void)i; return NULL; }
static void	 hk_pre(int i, struct spawn *s) { (void)i; (void)s; }
static void	 hk_pipes(int i, bool m, int io[2]) { (void)i; (void)m;
		    io[0] = io[1] = -1; }
static void	 hk_ok(int i, bool ok) { (void)i; (void)ok; }
static bool	 hk_reap(pid_t p, int s) { (void)p; (void)s; return false; }
static void	 hk_idx(int i) { (void)i; }
static void	 hk_exit(int i, int s) { (void)i; (void)s; }
static void	 hk_fatal(int i) { (void)i; h_fatal++; }
/* The event stream's view (issue 15): each state entered, and why. */
static char	 h_states[512];
static void
hk_state(int i, int reason, int status)
{
	size_t n = strlen(h_states);

	/* The status counts for an exit; other events pass a pid or 0. */
	snprintf(h_states + n, sizeof(h_states) - n, "%s %s %d %d;",
	    proc_get(i)->cfg->id, proc_state_name(proc_get(i)->state), reason,
	    reason == EVR_EXIT || reason == EVR_SIGNAL ? status : 0);
}

static const struct proc_hooks hooks = {
	.out_sync = hk_sync, .rebuilt = hk_void, .out_path = hk_path,
	.prespawn = hk_pre, .out_pipes = hk_pipes, .out_spawned = hk_ok,
	.spawned = hk_ok, .reap = hk_reap, .out_drain = hk_idx,
	.exited = hk_exit, .fatal = hk_fatal, .state = hk_state
};

/* ----------------------------------------------------- the helpers */

static struct config	*cfgs[128];
static int		 ncfg;

static struct config *
load(const char *text)
{
	char err[PM_ERR_MAX];
	struct config *c;

	if (cfg_load_string("t.ini", text, &c, err, sizeof(err)) < 0) {
		printf("FAIL - config loads: %s\n", err);
		exit(1);
	}
	cfgs[ncfg++] = c;
	return c;
}

static uint64_t
tick(void)
{
	return proc_tick(clock_ms);
}

static void
advance(uint64_t ms)
{
	clock_ms += ms;
	tick();
}

/*
 * A fresh pm: the last test's processes gone (their table entries would
 * carry over, as on a reload), a config loaded and its autostart
 * processes started.
 */
static void
boot(const char *text, const char *main_text)
{
	struct config *c;
	int i;

	stopping = true;
	nexits = 0;
	for (i = 0; i < proc_count() && nexits < 16; i++)
		if (proc_get(i)->pid != 0) {
			exits[nexits].pid = proc_get(i)->pid;
			exits[nexits++].st = SIGKILL;
		}
	proc_reap();
	if (proc_init(load(""), NULL) < 0 || proc_count() != 0) {
		printf("FAIL - a clean table\n");
		exit(1);
	}
	c = load(text);
	stopping = false;
	end_calls = 0;
	end_status = -1;
	spawn_fail = 0;
	spawned[0] = '\0';
	nkills = nexits = 0;
	if (proc_init(c, main_text ? &load(main_text)->procs[0] : NULL) < 0) {
		printf("FAIL - proc_init\n");
		exit(1);
	}
	proc_start_autostart();
	tick();
}

static const struct proc_view *
v(const char *id)
{
	int i = proc_find(id);

	if (i < 0 && strcmp(id, "main") == 0)
		i = proc_count() - 1;
	return i >= 0 ? proc_get(i) : NULL;
}

static const char *
st(const char *id)
{
	return proc_state_name(v(id)->state);
}

static bool
is(const char *id, const char *state)
{
	return strcmp(st(id), state) == 0;
}

/* id's process ends: with exit status code, or killed by signal sig. */
static void
ends(const char *id, int code, int sig)
{
	exits[nexits].pid = v(id)->pid;
	exits[nexits].st = sig ? sig : W_EXITCODE(code, 0);
	nexits++;
	proc_reap();
	tick();
}

static int
idx(const char *id)
{
	return proc_find(id);
}

static bool
sent(pid_t pid, int sig)
{
	int i;

	for (i = 0; i < nkills; i++)
		if (kills[i].pid == pid && kills[i].sig == sig)
			return true;
	return false;
}

/* ------------------------------------------------------ the tests */

static void
test_start_exit(void)
{
	const char *why = NULL;
	pid_t pid;

	boot("[process:a]\ncommand = a\nrestart = never\n"
	    "[process:b]\ncommand = b\nautostart = no\n", NULL);
	CHECK("autostart: a running", is("a", "running") && v("a")->pid > 0);
	CHECK("autostart = no: b stopped", is("b", "stopped"));
	CHECK("stop a stopped process: OK, still stopped",
	    proc_stop(idx("b"), &why) == 0 && why == NULL &&
	    is("b", "stopped"));
	proc_start(idx("b"), &why);
	tick();
	CHECK("start b: running", is("b", "running"));
	pid = v("a")->pid;
	ends("a", 0, 0);
	CHECK("restart = never: a exited 0", is("a", "exited") &&
	    v("a")->pid == 0 && v("a")->last_status == 0);
	CHECK("the exited pid is forgotten", proc_find_pid(pid) == -1);
	proc_stop(idx("a"), &why);
	CHECK("stop an exited process: still exited", is("a", "exited"));
	proc_start(idx("a"), &why);
	tick();
	CHECK("start an exited process: running", is("a", "running"));
	proc_stop(idx("b"), &why);
	CHECK("stop b: wanted down, TERM to its group",
	    (tick(), is("b", "stopping")) && sent(-v("b")->pid, SIGTERM));
	ends("b", 0, SIGTERM);
	CHECK("b stopped after its exit", is("b", "stopped"));
	proc_stop(idx("a"), &why);
	tick();
	/* Exits before the loop came round to stop it: a stop all the same. */
	proc_start(idx("a"), &why);
	tick();
	proc_stop(idx("a"), &why);
	ends("a", 1, 0);
	CHECK("unwanted running exit: stopped", is("a", "stopped"));
}

static void
test_backoff(void)
{
	const char *why;
	uint64_t due;
	int i;

	boot("[process:a]\ncommand = a\nrestart_delay = 1s\n"
	    "restart_delay_max = 4s\nstart_limit = 0\n", NULL);
	ends("a", 1, 0);
	due = tick();
	CHECK("crash: backoff, due in the first delay",
	    is("a", "backoff") && due == clock_ms + 1000);
	{
		char w[128];

		setenv("TZ", "UTC0", 1);
		tzset();
		proc_why(idx("a"), w, sizeof(w));
		/* 1000000000 + 1000 s + 1 s: 02:03:21 UTC. */
		CHECK("why: backoff until the wall time of the restart",
		    strcmp(w, "backoff until 02:03:21 after exit 1 "
		    "(restart 1)") == 0);
	}
	advance(999);
	CHECK("not before the delay", is("a", "backoff"));
	advance(1);
	CHECK("after the delay: running again, one restart",
	    is("a", "running") && v("a")->restarts == 1);
	ends("a", 1, 0);
	CHECK("second delay doubles: 2 s", tick() == clock_ms + 2000);
	advance(2000);
	ends("a", 1, 0);
	CHECK("third: 4 s", tick() == clock_ms + 4000);
	advance(4000);
	ends("a", 1, 0);
	CHECK("capped at restart_delay_max: 4 s", tick() == clock_ms + 4000);
	advance(4000);
	advance(10000);		/* a stable run: stable_ms, 10 s */
	ends("a", 1, 0);
	CHECK("a crash after a stable run: running again at once",
	    is("a", "running") && v("a")->restarts == 5);
	advance(9999);		/* one ms short of stable */
	ends("a", 1, 0);
	CHECK("then a quick failure: the first delay again",
	    is("a", "backoff") && tick() == clock_ms + 1000);
	advance(1000);
	ends("a", 1, 0);
	CHECK("and the next doubles: 2 s", tick() == clock_ms + 2000);
	advance(2000);
	advance(10000);
	ends("a", 0, SIGKILL);
	CHECK("killed after a stable run: at once too", is("a", "running"));
	ends("a", 1, 0);
	CHECK("a failure right after that restart backs off",
	    tick() == clock_ms + 1000);
	proc_start(idx("a"), &why);
	tick();
	CHECK("start during backoff: running at once", is("a", "running"));
	ends("a", 1, 0);
	proc_stop(idx("a"), &why);
	CHECK("stop during backoff: stopped", is("a", "stopped"));
	for (i = 0; i < 3; i++)
		tick();
	CHECK("and it stays stopped", is("a", "stopped"));
}

static void
test_fatal(void)
{
	const char *why;

	boot("[process:a]\ncommand = a\nstart_limit = 2\n"
	    "[process:b]\ncommand = b\nautostart = no\n", NULL);
	ends("a", 1, 0);
	advance(1000);
	ends("a", 1, 0);
	advance(2000);
	CHECK("two failed starts: still retrying", is("a", "running"));
	ends("a", 1, 0);
	CHECK("start_limit + 1 failed starts: fatal, on_fatal told",
	    is("a", "fatal") && h_fatal == 1 && end_calls == 0);
	proc_stop(idx("a"), &why);
	CHECK("stop a fatal process: still fatal", is("a", "fatal"));
	proc_start(idx("a"), &why);
	tick();
	CHECK("start a fatal process: running", is("a", "running"));
	spawn_fail = -2;
	proc_start(idx("b"), &why);
	tick();
	CHECK("a command that cannot run: fatal at once, status 127",
	    is("b", "fatal") && v("b")->last_status == 127);
	spawn_fail = -1;
	proc_restart(idx("b"), &why);
	CHECK("no resource to spawn: backoff, no failure counted",
	    (tick(), is("b", "backoff")));
	spawn_fail = 0;
	advance(1000);
	CHECK("then it starts", is("b", "running"));
}

static void
test_deps(void)
{
	const char *why = NULL;

	boot("[process:c]\ncommand = c\ndepends = b\n"
	    "[process:b]\ncommand = b\ndepends = a\n"
	    "[process:a]\ncommand = a\nready = notify\n"
	    "[process:x]\ncommand = x\n", NULL);
	CHECK("a spawned first; b, c wait for it to be ready",
	    strcmp(spawned, "a x ") == 0 && is("a", "starting") &&
	    is("b", "starting") && v("b")->pid == 0);
	proc_ready(idx("a"));
	tick();
	CHECK("a ready: then b, then c", strcmp(spawned, "a x b c ") == 0 &&
	    is("c", "running"));
	nkills = 0;
	CHECK("stop a stops its dependents first, and says so",
	    proc_stop(idx("a"), &why) == 0 && why != NULL &&
	    strcmp(why, "stopping c, b (depend on a), then a") == 0);
	tick();
	CHECK("c is stopped first; b and a wait",
	    is("c", "stopping") && is("b", "running") && is("a", "running") &&
	    nkills == 1 && sent(-v("c")->pid, SIGTERM));
	ends("c", 0, SIGTERM);
	CHECK("then b", is("b", "stopping") && is("a", "running"));
	ends("b", 0, SIGTERM);
	CHECK("then a", is("a", "stopping"));
	ends("a", 0, SIGTERM);
	CHECK("all stopped; x untouched", is("a", "stopped") &&
	    is("b", "stopped") && is("c", "stopped") && is("x", "running"));
	proc_start(idx("b"), &why);
	tick();
	CHECK("start b starts a, b waits for it", is("a", "starting") &&
	    is("b", "starting") && v("b")->pid == 0);
	why = NULL;
	proc_stop(idx("b"), &why);
	CHECK("stop b while it waits: stopped at once, nothing to name",
	    is("b", "stopped") && why == NULL);
	proc_start(idx("b"), &why);
	proc_stop(idx("a"), &why);
	CHECK("stop a while b waits for it: b stopped too",
	    is("b", "stopped") && why != NULL &&
	    strcmp(why, "stopping b (depends on a), then a") == 0);
}

static void
test_stop_timeout(void)
{
	const char *why;
	pid_t pid;

	boot("[process:a]\ncommand = a\nstop_timeout = 300ms\n"
	    "stop_signal = HUP\n", NULL);
	pid = v("a")->pid;
	proc_stop(idx("a"), &why);
	CHECK("stop: the stop signal to the group, due at stop_timeout",
	    tick() == clock_ms + 300 && sent(-pid, SIGHUP) && !sent(-pid,
	    SIGKILL));
	proc_stop(idx("a"), &why);
	CHECK("stop again while stopping: still stopping", is("a", "stopping"));
	advance(299);
	CHECK("no SIGKILL before stop_timeout", !sent(-pid, SIGKILL));
	advance(1);
	CHECK("SIGKILL to group and pid at stop_timeout", sent(-pid, SIGKILL) &&
	    sent(pid, SIGKILL) && is("a", "stopping") && tick() == 0);
	proc_start(idx("a"), &why);
	CHECK("start while stopping: still stopping", is("a", "stopping"));
	ends("a", 0, SIGKILL);
	CHECK("then started again after the exit", is("a", "running") &&
	    v("a")->pid != pid);
	pid = v("a")->pid;
	proc_restart(idx("a"), &why);
	tick();
	CHECK("restart: stop, then", is("a", "stopping") && sent(-pid, SIGHUP));
	ends("a", 0, SIGHUP);
	CHECK("start again", is("a", "running") && v("a")->pid != pid);
}

static void
test_ready(void)
{
	const char *why;

	boot("[process:n]\ncommand = n\nready = notify\nready_timeout = 2s\n"
	    "restart = never\n"
	    "[process:r]\ncommand = r\nready = notify\nready_timeout = 1s\n"
	    "start_limit = 1\n", NULL);
	CHECK("notify: starting until ready, due at ready_timeout",
	    is("n", "starting") && tick() == clock_ms + 1000);
	proc_ready(idx("n"));
	CHECK("ready: running", is("n", "running"));
	proc_restart(idx("n"), &why);
	ends("n", 0, SIGTERM);
	CHECK("restarted: starting again", is("n", "starting"));
	proc_restart(idx("n"), &why);
	CHECK("restart while starting: stopping", is("n", "stopping"));
	ends("n", 0, SIGTERM);
	ends("n", 3, 0);
	CHECK("exit before ready, restart = never: exited", is("n", "exited"));
	advance(1000);
	CHECK("r not ready within ready_timeout: stopped",
	    is("r", "stopping"));
	ends("r", 0, SIGTERM);
	CHECK("a failed start: backoff", is("r", "backoff"));
	advance(1000);
	ends("r", 1, 0);
	CHECK("crash before ready, past start_limit: fatal", is("r", "fatal"));
	proc_start(idx("r"), &why);
	tick();
	ends("r", 1, 0);
	CHECK("crash before ready: backoff", is("r", "backoff"));
	advance(1000);
	advance(1000);
	CHECK("not ready again: stopping", is("r", "stopping"));
	ends("r", 0, SIGTERM);
	advance(2000);
	advance(1000);
	ends("r", 0, SIGTERM);
	CHECK("not ready past start_limit: fatal", is("r", "fatal"));
	/* Ready timeout with restart = never: done. */
	proc_start(idx("n"), &why);
	tick();
	advance(2000);
	CHECK("n not ready: stopping", is("n", "stopping"));
	ends("n", 0, SIGTERM);
	CHECK("restart = never: exited", is("n", "exited"));
	/* Unwanted and gone before the loop stops it. */
	proc_start(idx("n"), &why);
	tick();
	proc_stop(idx("n"), &why);
	ends("n", 0, 0);
	CHECK("stop while starting, exit before the signal: stopped",
	    is("n", "stopped"));
	proc_start(idx("n"), &why);
	tick();
	proc_stop(idx("n"), &why);
	tick();
	CHECK("stop while starting: stopping", is("n", "stopping"));
}

static void
test_check_exit(void)
{
	const char *why;

	boot("[process:a]\ncommand = a\n"
	    "[process:b]\ncommand = b\nready = notify\n", NULL);
	proc_check_failed(idx("a"), CF_STOP, 1);
	tick();
	CHECK("on_check_fail = stop: stopping", is("a", "stopping"));
	proc_check_failed(idx("a"), CF_EXIT, 1);
	CHECK("on_check_fail = exit while stopping: stopping",
	    is("a", "stopping"));
	ends("a", 0, 0);
	CHECK("its exit ends pm, never with 0", is("a", "exited") &&
	    end_calls == 1 && end_status == 1 && stopping);
	CHECK("and everything stops", (tick(), is("b", "stopping")));
	ends("b", 0, SIGTERM);
	CHECK("b stopped", is("b", "stopped"));
	CHECK("no start while pm stops", proc_start(idx("a"), &why) == -1);

	boot("[process:a]\ncommand = a\n"
	    "[process:b]\ncommand = b\nready = notify\n", NULL);
	proc_check_failed(idx("b"), CF_EXIT, 1);
	CHECK("on_check_fail = exit while starting: stopping",
	    is("b", "stopping"));
	ends("b", 7, 0);
	CHECK("ends pm with the status", end_status == 7);
	boot("[process:a]\ncommand = a\n", NULL);
	proc_check_failed(idx("a"), CF_EXIT, 1);
	CHECK("on_check_fail = exit while running: stopping",
	    is("a", "stopping"));
	proc_check_failed(idx("a"), CF_RESTART, 1);
	ends("a", 0, 0);
	CHECK("exit status 0 ends pm with 1", end_status == 1);
}

/* Each state change reaches the hook with its reason (issue 15). */
static void
test_reasons(void)
{
	char want[512];
	const char *why;

	boot("[process:a]\ncommand = a\nrestart_delay = 1s\n", NULL);
	h_states[0] = '\0';
	ends("a", 0, SIGKILL);
	advance(1000);
	ends("a", 3, 0);
	advance(2000);
	proc_check_failed(idx("a"), CF_STOP, 1);
	tick();
	ends("a", 0, SIGTERM);
	proc_start(idx("a"), &why);
	tick();
	snprintf(want, sizeof(want), "a backoff %d 137;a starting %d 0;"
	    "a running %d 0;a backoff %d 3;a starting %d 0;a running %d 0;"
	    "a stopping %d 0;a stopped %d 143;a starting %d 0;a running %d 0;",
	    EVR_SIGNAL, EVR_TIMEOUT, EVR_SPAWN, EVR_EXIT, EVR_TIMEOUT,
	    EVR_SPAWN, EVR_CHECK, EVR_SIGNAL, EVR_COMMAND, EVR_SPAWN);
	CHECK("reasons: kill, restart, exit, check's stop, operator's start",
	    strcmp(h_states, want) == 0);
	if (strcmp(h_states, want) != 0)
		printf("# got  %s\n# want %s\n", h_states, want);
}

static void
test_critical(void)
{
	boot("[process:m]\ntype = oneshot\ncommand = m\ncritical = yes\n"
	    "[process:s]\ncommand = s\n", NULL);
	ends("m", 5, 0);
	CHECK("a critical oneshot fails: exited, pm ends with its status",
	    is("m", "exited") && end_status == 5);
	CHECK("the others stop", (tick(), is("s", "stopping")));
	ends("s", 0, SIGTERM);
	CHECK("exit during shutdown: stopped", is("s", "stopped"));
	boot("[process:m]\ntype = oneshot\ncommand = m\ncritical = yes\n",
	    NULL);
	ends("m", 0, 0);
	CHECK("a critical oneshot that succeeds changes nothing",
	    is("m", "exited") && end_calls == 0);
	boot("[process:c]\ncommand = c\ncritical = yes\nstart_limit = 1\n",
	    NULL);
	ends("c", 1, 0);
	advance(1000);
	ends("c", 3, 0);
	CHECK("a critical service goes fatal: pm ends with its status",
	    is("c", "fatal") && end_status == 3);
	boot("[process:c]\ncommand = c\ncritical = yes\n", NULL);
	spawn_fail = -2;
	proc_restart(idx("c"), &(const char *){ NULL });
	ends("c", 0, SIGTERM);
	CHECK("a critical command that cannot run: pm ends with 127",
	    is("c", "fatal") && end_status == 127);
}

static void
test_main(void)
{
	const char *why = NULL;

	boot("[process:a]\ncommand = a\n", "[process:main]\ncommand = m\n"
	    "type = oneshot\nrestart = never\n");
	CHECK("-- mode: main runs", is("main", "running"));
	CHECK("main cannot be restarted",
	    proc_restart(proc_count() - 1, &why) == -1 && why != NULL);
	ends("main", 4, 0);
	CHECK("main's exit ends pm with its status", is("main", "exited") &&
	    end_status == 4);
	boot("[process:a]\ncommand = a\n", "[process:main]\ncommand = m\n"
	    "ready = notify\n");
	ends("main", 2, 0);
	CHECK("main exits before it is ready: pm ends", end_status == 2);
	boot("[process:a]\ncommand = a\n", "[process:main]\ncommand = m\n");
	pm_shutdown(END_EXIT, 0);
	tick();
	CHECK("shutdown stops main", is("main", "stopping"));
	ends("main", 0, SIGTERM);
	CHECK("main's exit while stopping: exited", is("main", "exited"));
}

/* Reload: emit's plan, and what happens to each process. */
static char plan[512];

static void
emit(void *ctx, const char *id, const char *action)
{
	(void)ctx;
	snprintf(plan + strlen(plan), sizeof(plan) - strlen(plan), "%s=%s ",
	    id, action);
}

static void
test_reload(void)
{
	pid_t keep, chg, gone;

	boot("[process:keep]\ncommand = k\n[process:chg]\ncommand = c1\n"
	    "[process:gone]\ncommand = g\n", NULL);
	keep = v("keep")->pid;
	chg = v("chg")->pid;
	gone = v("gone")->pid;
	plan[0] = '\0';
	proc_apply(load("[process:keep]\ncommand = k\n"
	    "[process:chg]\ncommand = c2\n[process:new]\ncommand = n\n"), true,
	    emit, NULL);
	CHECK("dry run: the plan, nothing changes", strcmp(plan,
	    "keep=unchanged chg=restart new=start gone=stop ") == 0 &&
	    proc_find("new") < 0);
	plan[0] = '\0';
	proc_apply(load("[process:keep]\ncommand = k\n"
	    "[process:chg]\ncommand = c2\n[process:new]\ncommand = n\n"),
	    false, emit, NULL);
	tick();
	CHECK("unchanged keeps its pid", v("keep")->pid == keep &&
	    is("keep", "running"));
	CHECK("changed restarts", is("chg", "stopping") && sent(-chg, SIGTERM));
	CHECK("new starts", is("new", "running"));
	CHECK("removed stops, still listed until gone",
	    proc_find("gone") < 0 && proc_find_pid(gone) >= 0 &&
	    sent(-gone, SIGTERM));
	ends("chg", 0, SIGTERM);
	CHECK("changed runs again", is("chg", "running") &&
	    v("chg")->pid != chg);
	/* gone comes back while its old instance still stops (issue 11). */
	proc_apply(load("[process:keep]\ncommand = k\n"
	    "[process:chg]\ncommand = c2\n[process:new]\ncommand = n\n"
	    "[process:gone]\ncommand = g\n"), false, emit, NULL);
	tick();
	CHECK("re-added while stopping: the old one still stops, no second",
	    is("gone", "stopping") && v("gone")->pid == gone);
	exits[nexits].pid = gone;
	exits[nexits].st = SIGTERM;
	nexits++;
	proc_reap();
	tick();
	CHECK("then it starts anew", is("gone", "running") &&
	    v("gone")->pid != gone);
}

/* Every non-empty cell of the table ran at least once above. */
static void
test_every_cell(void)
{
	char what[64];
	int r, e, n = 0;

	CHECK("the test knows every event", proc_unit_nevents == NEVENTS);
	for (r = 0; r < NROWS; r++)
		for (e = 0; e < NEVENTS; e++) {
			if (!proc_unit_cell(r, e))
				continue;
			n++;
			if (proc_unit_hit[r][e])
				continue;
			snprintf(what, sizeof(what),
			    "cell [row %d][event %d] ran", r, e);
			CHECK(what, false);
		}
	snprintf(what, sizeof(what), "all %d cells of the table ran", n);
	CHECK(what, n > 40);
}

int
main(void)
{
	int i;

	log_init(L_ERR, NULL);
	proc_set_hooks(&hooks);
	test_start_exit();
	test_backoff();
	test_fatal();
	test_deps();
	test_stop_timeout();
	test_ready();
	test_check_exit();
	test_reasons();
	test_critical();
	test_main();
	test_reload();
	test_every_cell();
	for (i = 0; i < ncfg; i++)
		cfg_free(cfgs[i]);
	return fails != 0;
}
