/*
 * events.h: what happened to the processes and to pm, kept in a bounded
 * ring for `pm events` and appended to [settings] events = FILE (events.c).
 */
#ifndef EVENTS_H
#define EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ev_type { EVT_STATE, EVT_CHECK, EVT_HANDLER, EVT_RELOAD, EVT_SHUTDOWN };

/*
 * Why a state changed: a row of events.c's names (the JSON "reason").
 * A new cause is a new name at the end of both lists.
 */
enum ev_reason {
	EVR_NONE, EVR_EXIT, EVR_SIGNAL, EVR_CHECK, EVR_COMMAND, EVR_TIMEOUT,
	EVR_READY, EVR_SPAWN, EVR__COUNT
};

#define EV_NOSTATUS	(-1000)		/* no "status" member */
#define EV_LINE_MAX	1024		/* room ev_line needs */

/* Record one event (and append it to the events file, if any). */
void	 ev_add(int type, const char *id, const char *value, int reason,
	    int status, const char *text);
void	 ev_reloaded(bool ok);		/* a reload's outcome, counted */
/* proc.c's state hook: idx entered its state for reason. */
void	 ev_state(int idx, int reason, int status);
uint32_t ev_reloads(bool *last_ok);
long long ev_start_time(void);		/* pm's start, Unix seconds */
void	 ev_init(void);
/*
 * The wall clock's Unix ms (now: -1) as ISO 8601 UTC with milliseconds,
 * "YYYY-MM-DDTHH:MM:SS.mmmZ", into d; returns where ".mmmZ" starts.
 */
#define EV_TIME_MAX	32
int	 ev_time(char *d, long long ms);
uint64_t ev_end(void);			/* the next event's number */
/*
 * Render the event at *pos (or the oldest kept, when *pos was dropped)
 * as one line, JSON or text, and advance *pos. Its length, or 0 when
 * there is none yet; *id is the event's process ID ("" for none).
 */
size_t	 ev_line(uint64_t *pos, bool json, char *buf, size_t len,
	    const char **id);

#endif /* EVENTS_H */
