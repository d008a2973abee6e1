/*
 * cgroup.h: per-process cgroups (cgroup.c, issue 14): pm's own subtree,
 * one group per process named after its ID, its limits, whole-group
 * kills, OOM kills and usage figures read on request.
 */
#ifndef CGROUP_H
#define CGROUP_H

#include <sys/types.h>

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

/* Set up pm's subtree as [settings] cgroup says; logs once when it cannot. */
void	 cg_init(const char *want);
bool	 cg_on(void);
/* Make every process's group and write its limits: at start and reload. */
void	 cg_apply(const struct config *);
/* A write-only fd of the group's cgroup.procs for a spawn, or -1. */
int	 cg_open(const char *id);
/* The child of a spawn, before exec: pm's oom_score_adj undone, into fd. */
int	 cg_child(int fd);
/* SIGKILL every member of the group (cgroup.kill). */
void	 cg_kill(const char *id);
/* memory.events oom_kill of the group; 0 without one. */
uint32_t cg_ooms(const char *id);

/* Usage: from the group, else from /proc/PID for the process alone. */
enum { CU_NONE, CU_CGROUP, CU_PROC };
struct cg_use {
	uint64_t	 mem;		/* bytes */
	uint64_t	 cpu_us;	/* CPU time used, microseconds */
	uint32_t	 pids;
	uint32_t	 ooms;
	int		 src;		/* CU_* */
};
void	 cg_usage(const char *id, pid_t pid, struct cg_use *);

#endif /* CGROUP_H */
