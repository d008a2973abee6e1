/*
 * check.h: readiness, health checks, handlers and schedules (check.c), with
 * their own per-process table.
 */
#ifndef CHECK_H
#define CHECK_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proc.h"

/*
 * check.c: readiness, health checks, handlers and schedules. proc.c calls
 * the hooks; check.c answers through proc_start/proc_ready/... only.
 */
void	 mon_reload(void);		/* after the table was (re)built */
/* A process's health (H_*; H_NONE without a check). */
enum { H_NONE, H_UNKNOWN, H_HEALTHY, H_UNHEALTHY };
struct mon_view {
	uint8_t		 health;
	int		 fails;		/* failed checks in a row */
	uint32_t	 check_failures;	/* in all, for metrics */
	uint32_t	 skips;		/* scheduled runs skipped */
	long long	 next_wall;	/* next scheduled run, Unix seconds */
	char		 status[96];	/* sd_notify STATUS= */
	char		 out[96];	/* first line of the last failed check */
};
/* Read-only; only check.c writes it. Valid until the next mon_reload. */
const struct mon_view *mon_view(int idx);
void	 mon_prespawn(int idx, struct spawn *);
void	 mon_spawned(int idx, bool ok);
void	 mon_exited(int idx, int status);	/* before the state changes */
void	 mon_fatal(int idx);
bool	 mon_reap(pid_t pid, int status);	/* true: one of check.c's */
uint64_t mon_tick(uint64_t now);

#endif /* CHECK_H */
