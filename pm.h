/*
 * pm.h: the interfaces between pm's modules.
 *
 * Who may call whom is fixed (see README, "Architecture"): config.c knows
 * nothing of processes; pdu.c knows nothing at all; proc.c is the only
 * writer of a process's state; pm.c owns the loop, every fd and the timer.
 */
#ifndef PM_H
#define PM_H

#include <sys/types.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PM_VERSION	"0.1.0"

#define PM_ID_MAX	40	/* bytes of an ID, NUL included */
#define PM_DEPS_MAX	32	/* entries in one depends = list */
#define PM_ENV_MAX	64	/* environment = lines per process */
#define PM_ARGV_MAX	128	/* words of one command */
#define PM_LINE_MAX	4096	/* longest config line, '\n' included */
#define PM_GROUPS_MAX	64	/* supplementary groups of a user */
#define PM_ERR_MAX	4096	/* room for the errors of one config load */
#define PM_PATH_MAX	256	/* a log = FILE path, NUL included */

/* Log levels, ordered like syslog's. */
enum { L_ERR = 3, L_WARN = 4, L_INFO = 6, L_DEBUG = 7 };

/* ---------------------------------------------------------------- config */

enum cfg_type { PT_SERVICE, PT_ONESHOT };
enum cfg_restart { RS_ALWAYS, RS_ON_FAILURE, RS_NEVER };
enum cfg_ready { RD_NONE, RD_NOTIFY, RD_FD, RD_TCP, RD_EXEC };
enum cfg_cfail { CF_RESTART, CF_STOP, CF_EXIT, CF_EXEC };
enum cfg_overlap { OV_SKIP, OV_QUEUE, OV_KILL };

/*
 * A schedule (sched.c): "@every" as an interval, or cron as bit masks,
 * one bit per allowed minute, hour, day, month and weekday (Sunday 0).
 */
struct sched {
	uint32_t	 every_ms;	/* 0: cron */
	uint64_t	 min;
	uint32_t	 hour;
	uint32_t	 dom;
	uint16_t	 mon;
	uint8_t		 dow;
	bool		 dom_any, dow_any;
};

/* Parse "@every 10m", "@daily" or five cron fields; -1 with why. */
int	 sched_parse(const char *, struct sched *, const char **why);
/* The first matching minute after `after` (Unix seconds, local time). */
long long sched_next(const struct sched *, long long after);

/*
 * Monitoring of one process (check.c): readiness, health check, action
 * handlers and schedule. Kept behind one pointer so the process spec
 * stays small when none of it is used; everything lives in the arena.
 */
struct cfg_mon {
	enum cfg_ready	 ready;
	int		 ready_arg;	/* fd:N or tcp:PORT */
	const char	*ready_cmd;	/* as written */
	char	       **ready_argv;	/* exec:CMD */
	uint32_t	 ready_timeout_ms;	/* default 60000 */
	const char	*check;
	char	       **check_argv;
	uint32_t	 check_interval_ms;	/* default 30000 */
	uint32_t	 check_timeout_ms;	/* default 10000 */
	int		 check_retries;		/* default 3 */
	enum cfg_cfail	 on_check_fail;
	const char	*fail_cmd;
	char	       **fail_argv;	/* exec:CMD */
	const char	*on_exit;
	char	       **exit_argv;
	const char	*on_fatal;
	char	       **fatal_argv;
	const char	*schedule;	/* as written; NULL: none */
	struct sched	 sched;
	enum cfg_overlap overlap;
};

/*
 * One [process:ID] section. Every string lives in the config's arena and
 * lives exactly as long as the struct config that holds it.
 */
struct cfg_proc {
	char		 id[PM_ID_MAX];
	int		 line;		/* line of the [process:ID] header */
	const char	*command;	/* as written, for display and diff */
	char	       **argv;		/* NULL-terminated, ready for execve */
	bool		 shell;
	enum cfg_type	 type;
	bool		 autostart;
	enum cfg_restart restart;
	uint32_t	 restart_delay_ms;	/* default 1000 */
	uint32_t	 restart_delay_max_ms;	/* default 60000 */
	uint32_t	 stable_ms;	/* a run this long resets backoff: 10000 */
	int		 start_limit;	/* failed starts in a row; default 5 */
	bool		 critical;
	int		 ndeps;
	int		 deps[PM_DEPS_MAX];	/* indices into config->procs */
	const char	*depends;	/* their IDs, space-separated; NULL: none */
	int		 stop_signal;		/* default SIGTERM */
	uint32_t	 stop_timeout_ms;	/* default 10000 */
	const char	*user;		/* NULL: unchanged */
	const char	*group;		/* NULL: user's primary group */
	uid_t		 uid;		/* resolved at load; (uid_t)-1: unchanged */
	gid_t		 gid;		/* (gid_t)-1: unchanged */
	gid_t		*groups;	/* with user: supplementary groups */
	int		 ngroups;
	const char	*directory;	/* NULL: pm's cwd */
	int		 umask;		/* -1: inherit */
	bool		 has_nice;
	int		 nice;
	long long	 rlimit_nofile;	/* -1: unchanged, -2: RLIM_INFINITY */
	long long	 rlimit_core;
	long long	 rlimit_nproc;
	int		 nenv;
	const char	*env[PM_ENV_MAX];	/* "KEY=VAL", added to pm's env */
	const char	*tty;		/* controlling terminal; NULL: none */
	const char	*log;		/* log = FILE; NULL: console */
	unsigned long long log_max_size;	/* rotate past this; 0: never */
	int		 log_keep;	/* FILE.1 ... FILE.N kept; default 3 */
	const struct cfg_mon *mon;	/* NULL: no monitoring keys set */
};

/* [settings] init: run the early boot of a machine's init when PID 1. */
enum cfg_init { INIT_AUTO, INIT_YES, INIT_NO };

struct cfg_settings {
	const char	*socket;	/* NULL: contract default */
	const char	*socket_group;	/* NULL: none (mode 0600) */
	gid_t		 socket_gid;	/* (gid_t)-1: none */
	const char	*listen;	/* NULL: TCP off */
	const char	*token_file;	/* required with listen */
	const char	*tcp_identity;	/* more names TCP clients dial */
	uint32_t	 shutdown_timeout_ms;	/* default 30000 */
	int		 log_level;	/* default L_INFO */
	const char	*log_target;	/* NULL or "stderr", "syslog", FILE */
	int		 max_clients;	/* default 256 */
	int		 init;		/* enum cfg_init; default INIT_AUTO */
	int		 ctrlaltdel;	/* enum pm_end, or -1: ignore; END_REBOOT */
	int		 log_format;	/* LF_TEXT (default) or LF_JSON */
	bool		 log_timestamps;	/* text lines start with the time */
	bool		 log_main_prefix;	/* capture the -- child's output */
	uint32_t	 log_ring_size;	/* bytes of recent output per process */
};

enum { LF_TEXT, LF_JSON };

struct config {
	const char	*file;		/* path it was read from */
	struct cfg_settings set;
	int		 nproc;
	struct cfg_proc	*procs;
	void		*arena;		/* owned by config.c */
	int		*index;		/* IDs hashed: index + 1, 0 empty */
	uint32_t	 index_mask;	/* its size - 1; at least 2 * nproc */
};

/*
 * Read FILE (or TEXT, named NAME in messages) into a new config. On error
 * return -1 and write "FILE:LINE: message" lines into err; nothing is kept.
 * An empty file is a valid config with no processes.
 */
int	 cfg_load(const char *file, struct config **out, char *err, size_t errlen);
int	 cfg_load_string(const char *name, const char *text,
	    struct config **out, char *err, size_t errlen);
void	 cfg_free(struct config *);
int	 cfg_find(const struct config *, const char *id);	/* index or -1 */
uint32_t cfg_id_hash(const char *id);	/* for tables indexed by ID */
/* True when a change between a and b needs the process restarted. */
bool	 cfg_proc_changed(const struct cfg_proc *a, const struct cfg_proc *b);
/* Write "key = value" lines describing one process or the settings. */
int	 cfg_proc_show(const struct cfg_proc *, char *buf, size_t len);
int	 cfg_settings_show(const struct cfg_settings *, char *buf, size_t len);
/*
 * The control socket's locations by the contract's rule, in the order a
 * server binds and a client tries them: env PM_SOCKET, else [settings]
 * socket of c (c may be NULL), alone; else the defaults (see config.c).
 * With server, only those this user may bind. A name starting with '@' is
 * in the abstract namespace. Returns the count, or -1 when one is too long.
 */
#define PM_SOCK_LOCS	5
enum sock_dir {
	SD_GIVEN,	/* explicit: used as it is */
	SD_OWN,		/* $XDG_RUNTIME_DIR: must be ours, not writable by others */
	SD_PRIVATE,	/* /tmp/pm-UID: created 0700, must be ours */
	SD_RUN,		/* /run: created 0755 by root when missing */
	SD_ABSTRACT	/* no directory */
};
struct sock_loc {
	char		 name[108];	/* sun_path */
	enum sock_dir	 dir;
};
int	 cfg_socket_locs(const struct config *c, bool server,
	    struct sock_loc *v);
struct sockaddr_un;
int	 cfg_sockaddr(const char *name, struct sockaddr_un *,
	    unsigned int *len);
/* The config file by the contract's rules: -c, else env PM_CONFIG, else
 * /etc/pm.ini. */
const char *cfg_default_file(const char *opt);
/*
 * HOST:PORT to a socket address, numeric only (IPv4, [IPv6], localhost;
 * with passive also * for any): 0, or -1 when it is not one.
 */
struct sockaddr_storage;
int	 cfg_parse_addr(const char *hostport, bool passive,
	    struct sockaddr_storage *, unsigned int *len);
/* Small parsers shared by the client and the fuzzers; 0 ok, -1 bad. */
int	 cfg_parse_duration(const char *, uint32_t *ms);
int	 cfg_parse_size(const char *, unsigned long long *bytes);
int	 cfg_parse_signal(const char *);		/* -1 when unknown */
const char *cfg_signal_name(int sig);			/* "TERM", or NULL */
/* Split a shell-like command into argv words in place; count or -1. */
int	 cfg_split_command(char *buf, char **argv, int max, const char **why);

/* ------------------------------------------------------------------ log */

int	 log_init(int level, const char *target);	/* -1: on stderr */
/* Switch to target, or keep the old one and say why in err: -1. */
int	 log_switch(int level, const char *target, char *err, size_t len);
void	 pm_log(int level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
#define log_err(...)	pm_log(L_ERR, __VA_ARGS__)
#define log_warn(...)	pm_log(L_WARN, __VA_ARGS__)
#define log_info(...)	pm_log(L_INFO, __VA_ARGS__)
#define log_debug(...)	pm_log(L_DEBUG, __VA_ARGS__)
/* Child bytes made safe for JSON (json) or a terminal; d holds 6 * n. */
char	*log_esc(char *d, const char *s, size_t n, bool json);

/* Rate-limited warnings (log.c): one struct per kind of message. */
#define LOG_LIMIT_BURST	5
#define LOG_LIMIT_MS	10000
struct log_limit {
	uint64_t	 start;		/* of the current window, ms */
	unsigned	 n;		/* lines written in it */
	unsigned	 suppressed;	/* lines dropped since the last one */
};
void	 log_limited(struct log_limit *, int level, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * logbuf.c: the output of supervised processes. Pipes, line assembly,
 * the per-process ring, log files with rotation, the console writer.
 */
struct lb;
struct proc;
extern unsigned lb_gen;		/* bumped when lbs may have been freed */
void	 lb_init(const struct config *);
int	 lb_sync(void);		/* after the table is built; allocates */
void	 lb_pipes(struct proc *, bool is_main, int io[2]);
void	 lb_spawned(struct proc *, bool ok);
void	 lb_drain(struct proc *);
void	 lb_reopen(void);
/* Open a log file as root without following what others control. */
int	 lb_open_log(const char *path, uid_t owner, const char **why);
uint64_t lb_tick(uint64_t now);
void	 lb_fini(void);
void	 lb_con_write(const char *, size_t);
const char *lb_path(const struct lb *);
uint64_t lb_dropped(const struct lb *);
uint64_t lb_end(const struct lb *);
uint64_t lb_last(const struct lb *, uint32_t n);
int	 lb_line(const struct lb *, uint64_t *pos, char *buf, size_t len,
	    uint64_t *skipped);

/* ----------------------------------------------------------------- loop */

/*
 * An fd in the loop's epoll set. The owner embeds the watch in its own
 * storage (no allocation) and gets cb called with the epoll events.
 */
struct watch {
	int	  fd;
	void	(*cb)(struct watch *, uint32_t events);
};

int	 loop_add(struct watch *, uint32_t events);
int	 loop_mod(struct watch *, uint32_t events);
void	 loop_del(struct watch *);
uint64_t now_ms(void);		/* CLOCK_MONOTONIC in milliseconds */
/* Ask the loop to recompute the timer before it next sleeps. */
void	 loop_deadline_changed(void);

/* What the server is asked to do when everything has stopped. */
enum pm_end { END_EXIT, END_HALT, END_POWEROFF, END_REBOOT };
void	 pm_shutdown(enum pm_end how, int status);
bool	 pm_stopping(void);

/*
 * Reload: read the config file again and apply the difference. emit is
 * called once per process with the planned action ("start", "stop",
 * "restart", "unchanged"). With dry_run nothing changes. -1 on a bad file,
 * errors in err and the old config kept.
 */
typedef void (*plan_fn)(void *ctx, const char *id, const char *action);
int	 pm_reload(bool dry_run, plan_fn emit, void *ctx, char *err,
	    size_t errlen);
const struct config *pm_config(void);
/*
 * Setting reload: re-read the file and apply the [settings] that can change
 * live; emit(key, "applied" | "needs restart" | "unchanged") per setting.
 */
int	 pm_setting_reload(plan_fn emit, void *ctx, char *err, size_t errlen);

/* ------------------------------------------------------------ ctl, client */

/* Open the control socket(s) of c and add them to the loop; -1 logged. */
int	 ctl_init(const struct config *c, const char *sock_override);
void	 ctl_fini(void);		/* close and unlink */
uint64_t ctl_tick(uint64_t now);	/* time out idle peers; next deadline */
/* The client: argv as given to pm; returns the process exit status. */
int	 client_main(int argc, char **argv);

/* ----------------------------------------------------------------- proc */

enum proc_state {
	PS_STOPPED, PS_STARTING, PS_RUNNING, PS_STOPPING, PS_EXITED,
	PS_BACKOFF, PS_FATAL, PS__COUNT
};

/* Monitoring state of one process; check.c writes it, status shows it. */
enum { H_NONE, H_UNKNOWN, H_HEALTHY, H_UNHEALTHY };
struct proc_mon {
	uint8_t		 health;	/* H_*; H_NONE without a check */
	bool		 acted;		/* on_check_fail ran; again after recovery */
	bool		 queued;	/* overlap = queue: one more run due */
	int		 fails;		/* failed checks in a row */
	uint32_t	 check_failures;	/* in all, for metrics */
	uint32_t	 skips;		/* scheduled runs skipped */
	uint64_t	 next_check;	/* monotonic ms; 0: none due */
	uint64_t	 ready_poll;	/* next tcp: or exec: probe */
	uint64_t	 next_run;	/* @every, monotonic ms */
	long long	 next_wall;	/* next scheduled run, Unix seconds */
	char		 status[96];	/* sd_notify STATUS= */
	char		 out[96];	/* first line of the last failed check */
};

struct proc {
	const struct cfg_proc *cfg;
	const enum proc_state state;	/* written by proc_set_state only */
	pid_t		 pid;		/* 0 when none */
	int		 restarts;	/* automatic restarts since load */
	int		 fails;		/* failed starts in a row */
	int		 last_status;	/* -1 none; exit code or 128+signal */
	uint32_t	 backoff_ms;	/* next restart delay */
	uint64_t	 since_ms;	/* when state was entered */
	uint64_t	 started_ms;	/* when pid was spawned */
	uint64_t	 deadline_ms;	/* 0: nothing due */
	bool		 want_up;	/* operator or autostart wants it */
	bool		 restart_after_stop;
	struct lb	*lb;		/* its output; owned by logbuf.c */
	bool		 ready_failed;	/* killed for missing ready_timeout */
	bool		 exit_pm;	/* on_check_fail = exit: pm follows */
	struct proc_mon	 mon;
};

extern struct proc	*proc_tab;
extern int		 proc_n;

const char *proc_state_name(enum proc_state);
/*
 * Size the table once for the config's processes plus, in `--` mode, the
 * main child (main may be NULL). Only load and reload allocate.
 */
int	 proc_init(const struct config *, const struct cfg_proc *main);
int	 proc_find(const char *id);		/* index or -1 */
int	 proc_find_pid(pid_t pid);		/* index or -1 */
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
/* Events from check.c: the process reported ready; its check failed. */
void	 proc_ready(int idx);
void	 proc_check_failed(int idx, enum cfg_cfail action, int status);

/*
 * What to spawn: a process's spec (user, limits, directory, environment)
 * with an argv of its own, so checks and handlers run exactly like the
 * process they belong to.
 */
struct spawn {
	const struct cfg_proc *cfg;
	char *const	*argv;
	const char	*env[6];	/* more KEY=VAL; NULL-terminated */
	int		 out, err;	/* -1, or the child's stdout, stderr */
	int		 fd, fd_as;	/* -1, or an fd to hand over as fd_as */
};
/* The step of a spawn that failed; spawn_step_name() words it for people. */
enum spawn_step {
	SP_OK, SP_FORK, SP_TTY, SP_STDIN, SP_OUTPUT, SP_NOTIFY_FD, SP_NOFILE,
	SP_CORE, SP_NPROC, SP_NICE, SP_CHDIR, SP_SETGROUPS, SP_SETGID,
	SP_SETUID, SP_EXEC, SP__COUNT
};
const char *spawn_step_name(enum spawn_step);
/*
 * The pid; -1 when fork failed, -2 when the child could not exec (step
 * names the step, errno says why; the child is reaped already).
 */
pid_t	 proc_spawn(const struct spawn *, bool is_main, enum spawn_step *step);

/* ---------------------------------------------------------------- check */

/*
 * check.c: readiness, health checks, handlers and schedules. proc.c calls
 * the hooks; check.c answers through proc_start/proc_ready/... only.
 */
void	 mon_reload(void);		/* after the table was (re)built */
void	 mon_prespawn(int idx, struct spawn *);
void	 mon_spawned(int idx, bool ok);
void	 mon_exited(int idx, int status);	/* before the state changes */
void	 mon_fatal(int idx);
bool	 mon_reap(pid_t pid, int status);	/* true: one of check.c's */
uint64_t mon_tick(uint64_t now);

/* ----------------------------------------------------------------- init */

/* Act as the machine's init? want is [settings] init (enum cfg_init). */
bool	 init_wanted(int want);
/* Mount /dev, /proc, /sys, /run when missing; stdio on the console. */
void	 init_early(void);
/* Child side of a spawn: tty as controlling terminal and fds 0-2. */
int	 init_tty(const char *tty);
/* Unmount, then reboot(2) as how says; returns only if it was refused. */
void	 init_end(enum pm_end how);

#endif /* PM_H */
