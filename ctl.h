/*
 * ctl.h: the control sockets (ctl.c).
 */
#ifndef CTL_H
#define CTL_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct pdu_status;

#define CTL_KEY_MAX	4096

/* Open the control socket(s) of c and add them to the loop; -1 logged. */
int	 ctl_init(const struct config *c, const char *sock_override);
void	 ctl_fini(void);		/* close and unlink */
uint64_t ctl_tick(uint64_t now);	/* time out idle peers; next deadline */

/* Process idx's status record, as `pm status` shows it. */
void	 ctl_status(struct pdu_status *, int idx, uint64_t now);
/*
 * Read a token file (mode 0600, root's or pm's own) into key, CTL_KEY_MAX
 * bytes, trailing newline cut: 0, or -1 logged.
 */
int	 ctl_key_load(const char *file, char *key, size_t *len);

/* A non-blocking TCP socket listening at addr; -1 logged, naming what. */
int	 ctl_tcp_bind(const char *what, const char *addr);

#endif /* CTL_H */
