/*
 * proc.h: the process table and its state machine (proc.c). The table is
 * private; others read snapshots and change it through these calls.
 */
#ifndef PROC_H
#define PROC_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "pm.h"
#include "sys.h"

enum proc_state {
	PS_STOPPED, PS_STARTING, PS_RUNNING, PS_STOPPING, PS_EXITED,
	PS_BACKOFF, PS_FATAL, PS__COUNT
};

/*
 * What others may know of one process. The table is private to proc.c
 * (issue 13): others read this through a const pointer and change the
 * process through proc_* calls only.
 */
struct proc_view {
	const struct cfg_proc *cfg;
	const enum proc_state state;	/* written by proc_set_state only */
	pid_t		 pid;		/* 0 when none */
	int		 restarts;	/* automatic restarts since load */
	int		 last_status;	/* -1 none; exit code or 128+signal */
	uint64_t	 since_ms;	/* when state was entered */
	uint64_t	 started_ms;	/* when pid was spawned */
	bool		 oom;		/* the last exit was an OOM kill */
	uint32_t	 oom_base;	/* its group's OOM kills at spawn */
};

int	 proc_count(void);		/* entries, ghosts included */
/* Entry idx < proc_count(), read-only; valid until the next reload. */
const struct proc_view *proc_get(int idx);
/*
 * After a rebuild of the table, a new table of a pointer per entry, each
 * moved from the same entry's place in old (oldn pointers, where it is
 * cleared): logbuf.c and check.c carry their own tables over by it. NULL
 * (*n 0) without memory.
 */
void	*proc_carry(void *old, int oldn, int *n);

const char *proc_state_name(enum proc_state);
/*
 * Size the table once for the config's processes plus, in `--` mode, the
 * main child (main may be NULL). Only load and reload allocate.
 */
int	 proc_init(const struct config *, const struct cfg_proc *main);
int	 proc_find(const char *id);		/* index or -1 */
int	 proc_find_pid(pid_t pid);		/* index or -1 */
/*
 * Is entry idx listed (status, metrics)? A process that a reload removed
 * stays in the table until the next one; once stopped it is not shown.
 */
bool	 proc_shown(int idx);
/* Operator commands; 0 ok, -1 with a reason in why. */
int	 proc_start(int idx, const char **why);
int	 proc_stop(int idx, const char **why);
int	 proc_restart(int idx, const char **why);
int	 proc_signal(int idx, int sig, const char **why);
void	 proc_start_autostart(void);
void	 proc_stop_all(void);
void	 proc_kill_all(void);		/* SIGKILL every live group */
bool	 proc_all_down(void);
/* Reap every exited child; called on SIGCHLD. */
void	 proc_reap(void);
/* Handle due deadlines and return the next one (0: none). */
uint64_t proc_tick(uint64_t now);
/* Swap in a new config, applying the difference; see pm_reload. */
int	 proc_apply(const struct config *newc, bool dry_run, plan_fn emit,
	    void *ctx);
pid_t	 proc_main_pid(void);	/* the -- mode's main child, or 0 */
/* Why idx is in its state, one line for `pm why`; snprintf's result. */
int	 proc_why(int idx, char *buf, size_t len);
/* Events from check.c: the process reported ready; its check failed. */
void	 proc_ready(int idx);
void	 proc_check_failed(int idx, enum cfg_cfail action, int status);

/* A check's, probe's or handler's spawn: sys_spawn, for check.c. */
pid_t	 proc_spawn(const struct spawn *, bool is_main, enum spawn_step *step);

/*
 * What proc.c tells the modules that keep per-process tables of their own
 * (check.c, logbuf.c), handed in by pm.c before proc_init: proc.c calls
 * neither by name, so neither is called back by a module it calls.
 */
struct proc_hooks {
	/* the table was (re)built: output buffers, then monitoring */
	int	 (*out_sync)(void);		/* -1: out of memory */
	void	 (*rebuilt)(void);
	/* a removed process's log path, kept while it stops */
	const char *(*out_path)(int idx);
	/* around a spawn */
	void	 (*prespawn)(int idx, struct spawn *);
	void	 (*out_pipes)(int idx, bool is_main, int io[2]);
	void	 (*out_spawned)(int idx, bool ok);
	void	 (*spawned)(int idx, bool ok);
	/* a pid that is no supervised process's: true when it was a check's */
	bool	 (*reap)(pid_t pid, int status);
	/* an exit: output first, then handlers (they see the pid) */
	void	 (*out_drain)(int idx);
	void	 (*exited)(int idx, int status);
	void	 (*fatal)(int idx);
	/* a state entered, and why (events.h: enum ev_reason) */
	void	 (*state)(int idx, int reason, int status);
};
void	 proc_set_hooks(const struct proc_hooks *);

#endif /* PROC_H */
