/*
 * sys.h: the system calls under proc.c's state machine (sys.c): the clock,
 * spawn, signals and reaping. It is a seam: tests/unit/proc_test.c links
 * fakes of these instead of sys.c, and drives the machine with fake pids,
 * recorded signals and a clock it advances (issue 13).
 */
#ifndef SYS_H
#define SYS_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

struct cfg_proc;

/*
 * What to spawn: a process's spec (user, limits, directory, environment)
 * with an argv of its own, so checks and handlers run exactly like the
 * process they belong to.
 */
struct spawn {
	const struct cfg_proc *cfg;
	char *const	*argv;
	const char	*env[7];	/* more KEY=VAL; NULL-terminated */
	int		 out, err;	/* -1, or the child's stdout, stderr */
	int		 fd, fd_as;	/* -1, or an fd to hand over as fd_as */
};
/* The step of a spawn that failed; spawn_step_name() words it for people. */
enum spawn_step {
	SP_OK, SP_FORK, SP_TTY, SP_STDIN, SP_OUTPUT, SP_NOTIFY_FD, SP_NOFILE,
	SP_CORE, SP_NPROC, SP_NICE, SP_CHDIR, SP_SETGROUPS, SP_SETGID,
	SP_SETUID, SP_EXEC, SP_CGROUP, SP__COUNT
};
const char *spawn_step_name(enum spawn_step);
/*
 * The pid; -1 when fork failed, -2 when the child could not exec (step
 * names the step, errno says why; the child is reaped already).
 */
pid_t	 sys_spawn(const struct spawn *, bool is_main,
	    enum spawn_step *step);
/* Size the spawn's environment and open /dev/null, once: -1 out of memory. */
int	 sys_init(void);
/* pm's environment without PM_TOKEN, with add if not NULL (see sys.c). */
void	 sys_env(char *add);
/* pm's CPU mask back after the spawns of a loop turn (see sys.c). */
void	 sys_widen(void);
void	 sys_close_fds(int keep);
int	 sys_kill(pid_t, int sig);		/* kill(2) */
/* waitpid(-1, st, WNOHANG) without EINTR: a pid, 0 or -1 when none. */
pid_t	 sys_wait(int *st);
/*
 * Fields from to from + n - 1 of a /proc/PID/stat file, as numbers into
 * v: 0, or -1 when it cannot be read or is shorter (see sys.c).
 */
int	 sys_proc_stat(const char *path, int from, int n,
	    unsigned long long *v);
/* CLOCK_MONOTONIC in milliseconds: the loop's clock too (pm.h). */
uint64_t now_ms(void);

#endif /* SYS_H */
