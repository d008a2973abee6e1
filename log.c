/*
 * log.c: pm's own messages, "pm: LEVEL: text", to stderr, syslog or a file.
 *
 * Each message is formatted into one stack buffer and written with a single
 * write(2), so lines from pm never interleave with each other mid-line, and
 * nothing here allocates. errno is preserved so callers can log and then
 * still inspect it, and "%m" works in formats (musl and glibc both expand it).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "safefile.h"

_Static_assert(L_ERR == 3 && L_WARN == 4 && L_INFO == 6 && L_DEBUG == 7,
    "the log macros' first format byte is the level");

static int	 log_level = L_INFO;
static int	 log_fd = 2;
static bool	 log_syslog;
/* The console writer logbuf.c hands over; NULL: write(2) directly. */
static void	(*log_con)(const char *, size_t);

void
log_console(void (*con)(const char *, size_t))
{
	log_con = con;
}

/*
 * Open a target: 2 for stderr, a connected socket (*sys set) or a file
 * opened as safe_open_log does, so a symlink or a directory that a non-root
 * user controls never redirects pm's log (issue 11). -1 with the reason
 * in err.
 */
static int
target_open(const char *target, bool *sys, char *err, size_t len)
{
	const char *why;
	int fd;

	*sys = false;
	if (target == NULL || strcmp(target, "stderr") == 0)
		return 2;
	if (strcmp(target, "syslog") == 0) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		strcpy(sun.sun_path, "/dev/log");
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun,
		    sizeof(sun)) == 0) {
			*sys = true;
			return fd;
		}
		snprintf(err, len, "cannot connect to /dev/log: %m");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if ((fd = safe_open_log(target, (uid_t)-1, &why)) < 0)
		snprintf(err, len, "cannot open log file %s: %s", target,
		    why != NULL ? why : strerror(errno));
	return fd;
}

/* Out of line: 14 bytes less than inlined into its two callers. */
static __attribute__((noinline)) void
target_set(int level, int fd, bool sys)
{
	log_level = level;
	if (log_fd > 2)
		close(log_fd);
	log_fd = fd;
	log_syslog = sys;
}

/*
 * Pick the target at start, and again on a reload, SIGHUP or `logs
 * --reopen` (a file may have been rotated away). A target that cannot be
 * opened falls back to stderr with a warning: pm must keep running even
 * when its log file's directory is gone.
 */
int
log_init(int level, const char *target)
{
	char err[1024];		/* as much as pm_log prints */

	if (log_switch(level, target, err, sizeof(err)) == 0)
		return 0;
	target_set(level, 2, false);
	log_warn("%s; logging to stderr", err);
	return -1;
}

/* A setting reload: a target pm cannot open is refused (issue 11). */
int
log_switch(int level, const char *target, char *err, size_t len)
{
	bool sys;
	int fd;

	if ((fd = target_open(target, &sys, err, len)) < 0)
		return -1;
	target_set(level, fd, sys);
	return 0;
}

void
pm_log(const char *fmt, ...)
{
	/* By level - L_ERR; level 5 is never used. */
	static const char names[][6] = { "error", "warn", "", "info",
	    "debug" };
	char buf[1024];
	int saved = errno, n, m, level = *fmt & ~L_ID;
	const char *id = "", *sep = "";
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	if (*fmt++ & L_ID) {
		id = va_arg(ap, const char *);
		sep = ": ";
	}
	/* syslog's "<PRI>" first; else the priority, 0, prints nothing. */
	n = snprintf(buf, sizeof(buf), log_syslog ? "<%d>pm: %s: %s%s" :
	    "%.0dpm: %s: %s%s", log_syslog ? 3 * 8 + level : 0,
	    names[level - L_ERR], id, sep);
	errno = saved;
	m = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/*
	 * stderr goes through the console writer, non-blocking and never
	 * cutting into a child's line; a full pipe or a gone syslogd loses
	 * the line, never blocks pm.
	 */
	if (log_fd == 2 || write(log_fd, buf, log_syslog ? (size_t)n - 1 :
	    (size_t)n) < 0) {
		if (log_con != NULL)
			log_con(buf, (size_t)n);
		else
			(void)!write(2, buf, (size_t)n);
	}
	errno = saved;
}

/*
 * A warning a peer can cause at will (a wrong MAC, a refused or a busy
 * connection) is written at most LOG_LIMIT_BURST times in LOG_LIMIT_MS;
 * the rest are counted, and the next line that is written says how many
 * were suppressed. One loopback client wrote 97,300 lines in 5 s before
 * (issue 11).
 */
void
log_limited(struct log_limit *l, const char *fmt, ...)
{
	char buf[900];
	int saved = errno;
	struct timespec ts;
	uint64_t now;
	va_list ap;

	if (L_WARN > log_level)
		return;
	/* The loop's clock, read here: log.c calls no other module. */
	clock_now(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if (l->start == 0 || now - l->start >= LOG_LIMIT_MS) {
		l->start = now;
		l->n = 0;
	}
	if (l->n >= LOG_LIMIT_BURST) {
		l->suppressed++;
		return;
	}
	l->n++;
	errno = saved;		/* for %m */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* One call: the count is passed either way, used only when set. */
	pm_log(l->suppressed > 0 ? "\4%s (%u more suppressed)" : "\4%s", buf,
	    l->suppressed);
	l->suppressed = 0;
	errno = saved;
}
