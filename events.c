/*
 * events.c: the event ring (issue 15).
 *
 * Every state change (with its reason), check result, handler run, reload
 * plan and outcome, and the shutdown, becomes one fixed-size record in a
 * ring of EV_RING entries numbered by seq; `pm events` reads it through
 * ev_line(), and followers catch up from their last number. When the
 * ring wraps, the oldest go: a reader that fell behind skips to the
 * oldest kept. Each event is also written as its JSON line to [settings]
 * events = FILE by logbuf.c's file writer (rotation, no symlinks). No
 * allocation: the ring is static.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "events.h"
#include "log.h"
#include "logbuf.h"
#include "proc.h"

#define EV_RING		512
#define EV_TEXT		96

struct ev {
	uint64_t	 seq;
	long long	 ms;		/* wall clock */
	int		 status;
	uint8_t		 type;
	uint8_t		 reason;
	char		 id[PM_ID_MAX];
	char		 value[16];
	char		 text[EV_TEXT];
};

static struct ev	 ring[EV_RING];
static uint64_t		 next_seq = 1;
static uint32_t		 reloads;
static bool		 reload_ok = true;
static long long	 started;

/* Arrays of names, not pointers: no 8-byte pointer per name. */
static const char type_names[][9] = { "state", "check", "handler",
	"reload", "shutdown" };
static const char reason_names[EVR__COUNT][8] = { "", "exit",
	"signal", "check", "command", "timeout", "ready", "spawn" };

static long long
wall_ms(void)
{
	struct timespec ts;

	clock_now(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ev_time(char *d, long long ms)
{
	struct tm tm;
	time_t t;

	if (ms < 0)
		ms = wall_ms();
	t = (time_t)(ms / 1000);
	gmtime_r(&t, &tm);
	return snprintf(d, EV_TIME_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000)) - 5;
}

void
ev_init(void)
{
	started = wall_ms() / 1000;
}

long long
ev_start_time(void)
{
	return started;
}

uint32_t
ev_reloads(bool *last_ok)
{
	*last_ok = reload_ok;
	return reloads;
}

uint64_t
ev_end(void)
{
	return next_seq;
}

/* A bounded copy, cut to fit as snprintf would. */
static void
copy(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

void
ev_add(int type, const char *id, const char *value, int reason, int status,
    const char *text)
{
	struct ev *e = &ring[next_seq % EV_RING];
	char line[EV_LINE_MAX];
	uint64_t pos = next_seq;
	const char *dummy;
	size_t n;

	e->seq = next_seq++;
	e->ms = wall_ms();
	e->type = (uint8_t)type;
	e->reason = (uint8_t)reason;
	e->status = status;
	copy(e->id, sizeof(e->id), id);
	copy(e->value, sizeof(e->value), value);
	copy(e->text, sizeof(e->text), text);
	/* Its line has room for the '\n': ev_line keeps one byte for a NUL. */
	if ((n = ev_line(&pos, true, line, sizeof(line), &dummy)) > 0) {
		line[n++] = '\n';
		lb_event(line, n);
	}
}

void
ev_state(int idx, int reason, int status)
{
	const struct proc_view *v = proc_get(idx);

	ev_add(EVT_STATE, v->cfg->id, proc_state_name(v->state), reason,
	    reason == EVR_EXIT || reason == EVR_SIGNAL ? status : EV_NOSTATUS,
	    "");
}

/* A call at each caller, not inlined: smaller. */
__attribute__((noinline)) void
ev_reloaded(bool ok)
{
	reloads++;
	reload_ok = ok;
	ev_add(EVT_RELOAD, "", ok ? "ok" : "failed", EVR_NONE, EV_NOSTATUS,
	    "");
}

size_t
ev_line(uint64_t *pos, bool json, char *buf, size_t len, const char **id)
{
	const struct ev *e;
	const char *f;
	char esc[EV_TEXT * 6], *p = esc, tm[EV_TIME_MAX];
	int n;

	if (*pos + EV_RING < next_seq)
		*pos = next_seq - EV_RING;
	if (*pos == 0)
		*pos = 1;
	if (*pos >= next_seq)
		return 0;
	e = &ring[(*pos)++ % EV_RING];
	*id = e->id;
	/* Check output is a child's bytes: escaped, never obeyed. */
	p = log_esc(esc, e->text, strlen(e->text), json);
	*p = '\0';
	if (json)
		n = snprintf(buf, len, "{\"seq\":%llu,\"time\":%lld.%03d,"
		    "\"type\":\"%s\"%s%s%s,\"value\":\"%s\"",
		    (unsigned long long)e->seq, e->ms / 1000, (int)(e->ms % 1000),
		    type_names[e->type], e->id[0] ? ",\"id\":\"" : "", e->id,
		    e->id[0] ? "\"" : "", e->value);
	else {
		/* The time to the second. */
		n = ev_time(tm, e->ms);
		n = snprintf(buf, len, "%.*sZ %s %s %s", n, tm,
		    type_names[e->type], e->id[0] ? e->id : "-", e->value);
	}
	/*
	 * The optional members, in one order for both forms: their formats
	 * NUL-separated (a literal, not a 16-aligned array), taken in turn.
	 */
	f = json ? ",\"reason\":\"%s\"\0,\"status\":%d\0,\"text\":\"%s\"" :
	    " %s\0 status=%d\0: %s";
	if (e->reason)
		n += snprintf(buf + n, len - n, f, reason_names[e->reason]);
	f += strlen(f) + 1;
	if (e->status != EV_NOSTATUS)
		n += snprintf(buf + n, len - n, f, e->status);
	f += strlen(f) + 1;
	if (esc[0])
		n += snprintf(buf + n, len - n, f, esc);
	if (json && (size_t)n + 1 < len) {
		buf[n++] = '}';
		buf[n] = '\0';
	}
	return n > 0 && (size_t)n < len ? (size_t)n : len - 1;
}
