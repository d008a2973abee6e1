/*
 * logbuf.h: the output of supervised processes (logbuf.c).
 */
#ifndef LOGBUF_H
#define LOGBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;

/*
 * logbuf.c: the output of supervised processes. Pipes, line assembly,
 * the per-process ring, log files with rotation, the console writer.
 */
struct lb;
extern unsigned lb_gen;		/* bumped when lbs may have been freed */
void	 lb_init(const struct config *);
int	 lb_sync(void);		/* after the table is built; allocates */
/* The buffers of process idx (indexed like the process table), or NULL. */
const struct lb *lb_of(int idx);
void	 lb_pipes(int idx, bool is_main, int io[2]);
void	 lb_spawned(int idx, bool ok);
void	 lb_drain(int idx);
void	 lb_reopen(void);
void	 lb_event(const char *line, size_t n);	/* [settings] events */
uint64_t lb_tick(uint64_t now);
void	 lb_fini(void);
/* Process idx's log = path, held while its lb lives; NULL: console. */
const char *lb_path(int idx);
uint64_t lb_dropped(const struct lb *);
uint64_t lb_end(const struct lb *);
uint64_t lb_last(const struct lb *, uint32_t n);
int	 lb_line(const struct lb *, uint64_t *pos, char *buf, size_t len,
	    uint64_t *skipped);

#endif /* LOGBUF_H */
