/*
 * adhoc.c: processes added at run time (issue 17). `pm run` sends a
 * section's lines; they are kept as text that cfg_load reads after the
 * config file's own, so an added process is checked by the same parser,
 * survives a reload, and is gone when the server ends.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adhoc.h"
#include "check.h"
#include "logbuf.h"
#include "pm.h"
#include "proc.h"

static char	*added;		/* "\n[process:ID]\nlines\n"...; cfg_added */

static void
quiet(void *ctx, const char *id, const char *action)
{
	(void)ctx;
	(void)id;
	(void)action;
}

/*
 * The added sections become next: the first cut bytes of the ones in
 * force (cfg_added: added, or "" before any), then t, and applied; on
 * failure the old ones stay.
 */
static int
apply(size_t cut, const char *t, char *msg, size_t len)
{
	const char *was = cfg_added;
	char *next = malloc(cut + strlen(t) + 1);
	int rc = -1;

	if (next != NULL) {
		memcpy(next, was, cut);
		strcpy(next + cut, t);
		cfg_added = next;
		cfg_again = true;
		rc = pm_reload(false, quiet, NULL, msg, len);
		cfg_again = false;
		if (rc < 0) {
			cfg_added = was;
			free(next);
		} else {
			free(added);
			added = next;
		}
	}
	return rc;
}

/* Out of line: smaller than the copy LTO inlined. */
int __attribute__((noinline))
adhoc_run(const char *id, const char *body, char *msg, size_t len)
{
	const char *p;
	bool bol = true, bad = strpbrk(id, "]\n") != NULL;

	if (proc_find(id) >= 0) {
		snprintf(msg, len, "%s exists", id);
		return -1;
	}
	/* Its lines stay in its section: no header in the ID or a line. */
	for (p = body; *p; p++) {
		bad |= bol && *p == '[';
		bol = isspace((unsigned char)*p) && (bol || *p == '\n');
	}
	if (bad) {
		snprintf(msg, len, "no section headers");
		return -1;
	}
	snprintf(msg, len, "\n[process:%s]\n%s\n", id, body);
	if (apply(strlen(cfg_added), msg, msg, len) < 0)
		return -1;
	/* Started now rather than on the loop's next turn: the pid. */
	proc_tick(now_ms());
	snprintf(msg, len, "%s %d", id, (int)proc_get(proc_find(id))->pid);
	return 0;
}

/* Out of line: smaller than the copy LTO inlined. */
int __attribute__((noinline))
adhoc_rm(const char *id, char *msg, size_t len)
{
	char *s = added, *e;
	size_t n = (size_t)snprintf(msg, len, "\n[process:%s]\n", id);

	while (s != NULL && strncmp(s, msg, n) != 0)
		s = strchr(s + 1, '\n');
	if (s == NULL) {
		snprintf(msg, len, "%s was not added by pm run", id);
		return -1;
	}
	/* The section ends where the next begins. */
	for (e = s + 1; *e != '\0' && (*e != '\n' || e[1] != '['); e++)
		;
	msg[0] = '\0';
	return apply((size_t)(s - added), e, msg, len);
}

void
adhoc_why(int idx, char *msg, size_t len)
{
	const struct mon_view *m = mon_view(idx);
	const struct lb *lb = lb_of(idx);
	uint64_t pos, skip;
	size_t n = (size_t)proc_why(idx, msg, len);
	char line[256];

	if (n < len && (m->health == H_UNHEALTHY || m->fails > 0))
		n += (size_t)snprintf(msg + n, len - n, "\ncheck failing (%d "
		    "in a row): %s", m->fails, m->out);
	if (lb == NULL || proc_get(idx)->state != PS_FATAL)
		return;
	pos = lb_last(lb, 5);
	while (n < len && lb_line(lb, &pos, line, sizeof(line), &skip) > 0 &&
	    skip == 0)
		n += (size_t)snprintf(msg + n, len - n, "\n> %s", line);
}
