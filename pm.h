/*
 * pm.h: the loop's interface (pm.c): watches on fds, the clock, deadlines,
 * shutdown, and reload orchestration.
 *
 * Who may call whom is fixed (see README, "Architecture"): each module's
 * header is its whole public interface.
 */
#ifndef PM_H
#define PM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"	/* enum pm_end */

#define PM_VERSION	"0.1.0"

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
void	 loop_close(struct watch *);	/* out of the loop, fd closed, -1 */
/* Watch fd (-1: failed already) for input; else close it, -1, errno kept. */
int	 loop_watch(struct watch *, int fd, void (*cb)(struct watch *,
	    uint32_t));
uint64_t now_ms(void);		/* CLOCK_MONOTONIC in milliseconds (sys.c) */
long long wall_now(void);	/* CLOCK_REALTIME in Unix seconds (sys.c) */
/* Ask the loop to recompute the timer before it next sleeps. */
void	 loop_deadline_changed(void);

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
/* The [settings] in force: the config's, or those a setting reload set. */
const struct cfg_settings *pm_settings(void);
/*
 * Setting reload: re-read the file and apply the [settings] that can change
 * live; emit(key, "applied" | "needs restart" | "unchanged") per setting.
 */
int	 pm_setting_reload(plan_fn emit, void *ctx, char *err, size_t errlen);
/* Lines for the settings view on what runs now: watchdog, critical. */
int	 pm_state_show(char *buf, size_t len);

#endif /* PM_H */
