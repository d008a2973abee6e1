/*
 * ctl.h: the control sockets (ctl.c).
 */
#ifndef CTL_H
#define CTL_H

#include <stdint.h>

struct config;

/* Open the control socket(s) of c and add them to the loop; -1 logged. */
int	 ctl_init(const struct config *c, const char *sock_override);
void	 ctl_fini(void);		/* close and unlink */
uint64_t ctl_tick(uint64_t now);	/* time out idle peers; next deadline */

#endif /* CTL_H */
