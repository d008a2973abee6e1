/*
 * config.h: the immutable config (config.c): INI to struct config, its checks,
 * the diff between two, and the small parsers the client shares.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sched.h"

#define PM_ID_MAX	40	/* bytes of an ID, NUL included */
#define PM_ENV_MAX	64	/* environment = lines per process */
#define PM_ARGV_MAX	128	/* words of one command */
#define PM_LINE_MAX	4096	/* longest config line, '\n' included */
#define PM_GROUPS_MAX	64	/* supplementary groups of a user */
#define PM_ERR_MAX	4096	/* room for the errors of one config load */
#define PM_PATH_MAX	256	/* a log = FILE path, NUL included */
#define PM_CG_KEYS	7	/* cgroup limits, in cgroup.c's file order */

enum cfg_type { PT_SERVICE, PT_ONESHOT };
enum cfg_restart { RS_ALWAYS, RS_ON_FAILURE, RS_NEVER };
enum cfg_ready { RD_NONE, RD_NOTIFY, RD_FD, RD_TCP, RD_EXEC };
enum cfg_cfail { CF_RESTART, CF_STOP, CF_EXIT, CF_EXEC };
enum cfg_overlap { OV_SKIP, OV_QUEUE, OV_KILL };


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
	enum cfg_cfail	 on_check_fail;
	int		 check_retries;		/* default 3 */
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
 * lives exactly as long as the struct config that holds it. The fields
 * the code reads most come first, below offset 128, where x86-64 reaches
 * them by a one-byte displacement; the flags share one word.
 */
struct cfg_proc {
	char		 id[PM_ID_MAX];
	int		 line;		/* line of the [process:ID] header */
	bool		 added;		/* from cfg_added: by `pm run` */
	bool		 shell;
	bool		 autostart;
	bool		 critical;
	const struct cfg_mon *mon;	/* NULL: no monitoring keys set */
	const char     **env;		/* nenv "KEY=VAL", added to pm's env */
	int		 nenv;
	enum cfg_type	 type;
	char	       **argv;		/* NULL-terminated, ready for execve */
	int		*deps;		/* ndeps indices into config->procs */
	int		 ndeps;
	enum cfg_restart restart;
	uint32_t	 restart_delay_ms;	/* default 1000 */
	uint32_t	 restart_delay_max_ms;	/* default 60000 */
	uint32_t	 stable_ms;	/* a run this long resets backoff: 10000 */
	int		 start_limit;	/* failed starts in a row; default 5 */
	int		 stop_signal;		/* default SIGTERM */
	uint32_t	 stop_timeout_ms;	/* default 10000 */
	const char	*user;		/* NULL: unchanged */
	const char	*group;		/* NULL: user's primary group */
	gid_t		 gid;		/* (gid_t)-1: unchanged */
	uid_t		 uid;		/* resolved at load; (uid_t)-1: unchanged */
	gid_t		*groups;	/* with user: supplementary groups */
	int		 ngroups;
	const char	*directory;	/* NULL: pm's cwd */
	int		 umask;		/* -1: inherit */
	bool		 has_nice;
	int		 nice;
	long long	 rlimit_nofile;	/* -1: unchanged, -2: RLIM_INFINITY */
	long long	 rlimit_core;
	long long	 rlimit_nproc;
	const char	*tty;		/* controlling terminal; NULL: none */
	const char	*log;		/* log = FILE; NULL: console */
	unsigned long long log_max_size;	/* rotate past this; 0: never */
	int		 log_keep;	/* FILE.1 ... FILE.N kept; default 3 */
	const char	*command;	/* as written, for display and diff */
	const char	*depends;	/* deps' IDs, space-separated; NULL: none */
	const char	*pgroup;	/* process_group; NULL: none */
	const char	*success;	/* success_exit as written; "0" unset */
	int		 instances;	/* copies named ID_00 ...; 0 or 1: one */
	/* memory_max ... io_weight as the kernel reads them; NULL: default */
	const char	*cg[PM_CG_KEYS];
};

/*
 * What the server is asked to do when everything has stopped; also what
 * [settings] ctrlaltdel names.
 */
enum pm_end { END_EXIT, END_HALT, END_POWEROFF, END_REBOOT };

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
	int		 on_critical;	/* enum pm_end; END_POWEROFF (issue 18) */
	const char	*watchdog;	/* NULL: no hardware watchdog */
	uint32_t	 watchdog_timeout_ms;	/* 0: the device's own */
	uint32_t	 watchdog_test_stop_ms;	/* testing: stop kicking after */
	int		 log_format;	/* LF_TEXT (default) or LF_JSON */
	bool		 log_timestamps;	/* text lines start with the time */
	bool		 log_main_prefix;	/* capture the -- child's output */
	uint32_t	 log_ring_size;	/* bytes of recent output per process */
	const char	*http;		/* ADDR:PORT; NULL: no HTTP (issue 15) */
	const char	*http_token_file;	/* NULL: no bearer token */
	const char	*events;	/* events file; NULL: none */
	unsigned long long events_max_size;	/* as log_max_size */
	int		 events_keep;	/* as log_keep */
	const char	*cgroup;	/* NULL: auto; "no"; or a cgroup2 path */
};

enum { LF_TEXT, LF_JSON };

/* The processes first, the settings last: as struct cfg_proc's order. */
struct config {
	struct cfg_proc	*procs;
	void		*arena;		/* owned by config.c */
	int		 nproc;
	uint32_t	 index_mask;	/* its size - 1; at least 2 * nproc */
	int		*index;		/* IDs hashed: index + 1, 0 empty */
	const char	*file;		/* path it was read from */
	struct cfg_settings set;
};

/*
 * Read FILE (or TEXT, named NAME in messages) into a new config. On error
 * return -1 and write "FILE:LINE: message" lines into err; nothing is kept.
 * On success err holds the warnings, if any (a supervisord file's notes).
 * An empty file is a valid config with no processes. A file with
 * supervisord's sections, or any file when cfg_supervisord is set, is read
 * as supervisord's format (superv.c).
 */
extern bool cfg_supervisord;
int	 cfg_format(const char *);	/* --format pm|supervisord; -1: neither */
int	 cfg_load(const char *file, struct config **out, char *err, size_t errlen);
/*
 * Open a file the config names for reading: a regular file only, checked
 * before the open, read without blocking. NULL: *why says why.
 */
FILE	*cfg_fopen(const char *path, const char **why);
/*
 * Sections cfg_load reads after FILE (or alone, FILE NULL): `pm run`'s;
 * with cfg_again, FILE's text as it last read it, not the file now.
 */
extern const char *cfg_added;
extern bool cfg_again;
int	 cfg_load_string(const char *name, const char *text,
	    struct config **out, char *err, size_t errlen);
void	 cfg_free(struct config *);
int	 cfg_find(const struct config *, const char *id);	/* index or -1 */
bool	 cfg_str_eq(const char *, const char *);	/* or both NULL */
const char *cfg_sig_shown(int sig);	/* its name, or "?" */
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
/* The client's light reader: [settings] socket and token_file only. */
void	 cfg_load_client(const char *file, struct config *c);
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
/* A bounded writer: once something did not fit, everything fails. */
struct out {
	char	*buf;
	size_t	 len;
	size_t	 pos;
	bool	 full;
};
void	 outf(struct out *o, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Is exit status st a success for p (success_exit)? With st -1: is
 * success_exit set? */
bool	 cfg_success(const struct cfg_proc *p, int st);
/* Small parsers shared by the client and the fuzzers; 0 ok, -1 bad. */
int	 cfg_parse_duration(const char *, uint32_t *ms);
int	 cfg_parse_size(const char *, unsigned long long *bytes);
int	 cfg_parse_signal(const char *);		/* -1 when unknown */
const char *cfg_signal_name(int sig);			/* "TERM", or NULL */
/* Every process key as a `pm run` option ("--key"), one line. */
void	 cfg_run_opts(int fd);	/* to fd 1 or 2 (out.h) */
/* Split a shell-like command into argv words in place; count or -1. */
int	 cfg_split_command(char *buf, char **argv, int max, const char **why);

#endif /* CONFIG_H */
