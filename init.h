/*
 * init.h: machine init (init.c): early mounts, terminals, the end.
 */
#ifndef INIT_H
#define INIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pm.h"

/* Act as the machine's init? want is [settings] init (enum cfg_init). */
bool	 init_wanted(int want);
/* Mount /dev, /proc, /sys, /run when missing; stdio on the console. */
void	 init_early(void);
/* Child side of a spawn: tty as controlling terminal and fds 0-2. */
int	 init_tty(const char *tty);
/* Unmount, then reboot(2) as how says; returns only if it was refused. */
void	 init_end(enum pm_end how);

/*
 * The hardware watchdog (issue 18): open [settings] watchdog and set its
 * timeout; kick it when due, returning the next kick (0: no timer); the
 * magic close on a clean end; its state as a settings line.
 */
void	 init_wd_open(const struct cfg_settings *, uint64_t now);
uint64_t init_wd_tick(uint64_t now);
void	 init_wd_close(void);
int	 init_wd_show(char *buf, size_t len);

#endif /* INIT_H */
