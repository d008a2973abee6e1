/*
 * init.h: machine init (init.c): early mounts, terminals, the end.
 */
#ifndef INIT_H
#define INIT_H

#include <stdbool.h>

#include "pm.h"

/* Act as the machine's init? want is [settings] init (enum cfg_init). */
bool	 init_wanted(int want);
/* Mount /dev, /proc, /sys, /run when missing; stdio on the console. */
void	 init_early(void);
/* Child side of a spawn: tty as controlling terminal and fds 0-2. */
int	 init_tty(const char *tty);
/* Unmount, then reboot(2) as how says; returns only if it was refused. */
void	 init_end(enum pm_end how);

#endif /* INIT_H */
