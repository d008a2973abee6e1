/*
 * adhoc.c: processes added at run time (issue 17). `pm run` sends a
 * section's lines; they are kept as text after the config file's own
 * and the two are loaded and applied as one config, so an added process
 * is checked by the same parser, survives a reload, and is gone when
 * the server ends. A section is "added" when it starts past the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adhoc.h"
#include "check.h"
#include "logbuf.h"
#include "pm.h"
#include "proc.h"

bool		 adhoc_keep;	/* load the file as last read */
static char	*base;		/* the file as last read */
static char	*added;		/* the added sections */
static int	 base_lines;

static int
lines_of(const char *s)
{
	int n = 0;

	while ((s = strchr(s, '\n')) != NULL && ++s)
		n++;
	return n;
}

/* s, then t, in one new string; NULL when out of memory. */
static char *
cat(const char *s, const char *t)
{
	size_t n = s ? strlen(s) : 0, m = t ? strlen(t) : 0;
	char *r = malloc(n + m + 1);

	if (r != NULL) {
		memcpy(r, s ? s : "", n);
		memcpy(r + n, t ? t : "", m + 1);
	}
	return r;
}

int
adhoc_load(const char *file, struct config **out, char *err, size_t len)
{
	char *t = NULL, *p, *all;
	size_t cap = 0, n = 0;
	ssize_t r = 1;
	int fd, rc;

	if (file != NULL && !adhoc_keep) {
		/* Any file: a pipe (-c <(...)) has no size to ask for. */
		if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
			r = -1;
		while (r > 0) {
			if (n + 2 >= cap) {
				cap = 2 * cap + 4096;
				if ((p = realloc(t, cap)) == NULL) {
					r = -1;
					break;
				}
				t = p;
			}
			if ((r = read(fd, t + n, cap - n - 2)) > 0)
				n += (size_t)r;
		}
		if (r < 0) {
			snprintf(err, len, "%s: %s\n", file, strerror(errno));
			free(t);
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
		/* A last line without its newline ends before the added. */
		t[n] = '\n';
		t[n + 1] = '\0';
		free(base);
		base = t;
	}
	if ((all = cat(base, added)) == NULL)
		return -1;
	base_lines = lines_of(base ? base : "");
	rc = cfg_load_string(file ? file : "(none)", all, out, err, len);
	free(all);
	return rc;
}

bool
adhoc_is(const struct cfg_proc *c)
{
	return c->line > base_lines;
}

static void
quiet(void *ctx, const char *id, const char *action)
{
	(void)ctx;
	(void)id;
	(void)action;
}

/* Apply the sections in next (taken over); on failure keep the old. */
static int
apply(char *next, char *msg, size_t len)
{
	char *old = added;
	int rc;

	added = next;
	adhoc_keep = true;
	rc = pm_reload(false, quiet, NULL, msg, len);
	adhoc_keep = false;
	free(rc < 0 ? next : old);
	if (rc < 0)
		added = old;
	return rc;
}

int
adhoc_run(const char *id, const char *body, char *msg, size_t len)
{
	const struct proc_view *v;
	const char *p = body;
	char *next;
	int i;

	if (proc_find(id) >= 0) {
		snprintf(msg, len, "%s exists; --name another ID", id);
		return -1;
	}
	/* Its lines stay in its section: no header in the ID or a line. */
	for (i = strpbrk(id, "]\n") != NULL; p != NULL && !i; p = *p ?
	    strchr(p + 1, '\n') : NULL)
		i = p[strspn(p, "\n \t")] == '[';
	if (i) {
		snprintf(msg, len, "no section headers in pm run");
		return -1;
	}
	snprintf(msg, len, "[process:%s]\n%s\n", id, body);
	if ((next = cat(added, msg)) == NULL || apply(next, msg, len) < 0)
		return -1;
	/* Started now rather than on the loop's next turn: the pid. */
	proc_tick(now_ms());
	i = proc_find(id);
	v = proc_get(i);
	snprintf(msg, len, "%s %d", id, (int)v->pid);
	return 0;
}

int
adhoc_rm(const char *id, char *msg, size_t len)
{
	char *s, *e, *next;
	size_t n;

	n = (size_t)snprintf(msg, len, "[process:%s]\n", id);
	for (s = added; s != NULL && *s && strncmp(s, msg, n) != 0; )
		s = strchr(s, '\n') + 1;
	if (s == NULL || *s == '\0') {
		snprintf(msg, len, "%s was not added by pm run", id);
		return -1;
	}
	/* The section ends where the next begins. */
	for (e = s + n; *e && *e != '[';)
		e = strchr(e, '\n') + 1;
	if ((next = cat(added, e)) == NULL)
		return -1;
	next[s - added] = '\0';
	memmove(next + (s - added), e, strlen(e) + 1);
	msg[0] = '\0';
	return apply(next, msg, len);
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
