/*
 * logbuf.c: the output of supervised processes (issue 5).
 *
 * Each child's stdout and stderr are pipes whose read ends sit in the
 * loop's epoll set. Bytes become lines here: split on '\n', reassembled
 * across reads in a fixed per-stream buffer, and a line longer than
 * LB_LINE is cut into pieces that end in LB_MARK, so nothing is dropped
 * silently. Every line goes to three places:
 *
 * - the process's ring, a fixed byte ring ("S<line>\n" records, S the
 *   stream) that `pm logs ID [-n N] [-f]` reads through lb_line();
 * - its file (log = FILE), appended in one write per read, rotated to
 *   FILE.1 ... FILE.N at a line boundary; a failed write (ENOSPC, a gone
 *   directory) is cut back to the last whole line, reported once and
 *   retried after LB_RETRY_MS, the lines in between counted as dropped;
 * - or the console: pm's stdout (stderr for stderr lines) prefixed with
 *   "ID | ". Console writes are non-blocking and go through one FIFO of
 *   whole records per target, so lines never interleave mid-line, not
 *   even with pm's own messages; each process may hold at most LB_QUOTA
 *   bytes of it, so one flood cannot crowd the others out. A line that
 *   does not fit is dropped and counted.
 *
 * Dropped lines are reported at most once per LB_REPORT_MS. Everything is
 * allocated in lb_sync (config load and reload); reading, writing and
 * rotating never allocate.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "events.h"
#include "log.h"
#include "logbuf.h"
#include "pm.h"
#include "proc.h"
#include "safefile.h"

#define LB_LINE		4096	/* longest piece of a line kept whole */
#define LB_READ		16384	/* one read from a pipe */
#define LB_CONQ		65536	/* console FIFO per target */
#define LB_QUOTA	(LB_CONQ / 4)	/* of it, per process */
#define LB_FMT		(LB_LINE * 6 + 256)	/* one line, JSON-escaped */
#define LB_REPORT_MS	10000
#define LB_RETRY_MS	1000
#define LB_MARK		" [...]"	/* the line goes on in the next piece */

struct lb;

struct lb_in {
	struct watch	 w;		/* first: the callback gets &w */
	struct lb	*lb;
	int		 stream;	/* 1 stdout, 2 stderr */
	int		 wfd;		/* the child's end, until spawned */
	size_t		 plen;		/* bytes of a line waiting for '\n' */
};

/*
 * The members used most come first, within 128 bytes of the start: x86
 * reaches them with a one-byte offset, not four.
 */
struct lb {
	struct lb	*next;		/* every lb, for the sweep in lb_sync */
	const struct cfg_proc *cfg;
	char		*path;		/* nopath: console; else its own copy */
	char		*ring;
	uint64_t	 first, total;	/* ring: records in [first, total) */
	size_t		 ringsz;
	uint64_t	 dropped, reported;
	size_t		 queued;	/* bytes in the console FIFOs */
	uint64_t	 fsize;
	uint64_t	 fretry;	/* file failing: retry after; else 0 */
	const char	*fwhy;		/* and why it was refused, or */
	int		 ffd;
	int		 ferr;		/* the errno it failed with */
	unsigned	 gen;		/* lb_gen + 1 of the lb_sync that kept it */
	struct lb_in	 in[2];
	/*
	 * The partial lines and the ring live apart from this header, in a
	 * block shared with the other lbs of the same load, whose pages cost
	 * nothing until the process writes (1,000 silent services: about
	 * 1 MB, not 5 MB; issue 7).
	 */
	char		*part[2];
	struct lbblock	*block;		/* where part and ring live */
};

/*
 * The buffers of every lb made by one lb_sync, in one allocation: the
 * allocator maps it fresh and only its first page (this count) is
 * touched up front, so a silent process costs its small header alone.
 */
struct lbblock {
	int		 refs;
};

/* A console FIFO: records of a struct rec header and the bytes. */
struct conq {
	struct watch	 w;
	bool		 sock;		/* send(MSG_DONTWAIT), fd is shared */
	bool		 watched;	/* in the epoll set */
	bool		 waiting;	/* EAGAIN: EPOLLOUT armed */
	size_t		 off, len, done;
	char		 buf[LB_CONQ];
};

struct rec {
	struct lb	*owner;		/* NULL: pm's own message */
	size_t		 n;
};

static struct lb	*all;
static char		 nopath[1];
static size_t		 ringsz;
static struct conq	 cq[2];
static struct conq	*con[3];	/* by stream; [2] may be [1] */
static uint64_t		 report_at, last_report;
static char		 rbuf[LB_READ];
static char		 fmt[LB_FMT];
static char		 tstamp[EV_TIME_MAX];
static struct {
	struct lb	*owner;
	size_t		 len;
	uint64_t	 lines;
	char		 buf[LB_FMT + LB_READ];
} fb;
unsigned		 lb_gen;
/* Each process's lb, indexed like the process table; rebuilt in lb_sync. */
static struct lb	**lb_tab;
static int		 lb_n;

/* Set up in lb_init: an initializer would put both in the file. */
static struct cfg_proc	 ev_cfg;
static struct lb	 ev_lb;

static void	con_flush(struct conq *);
static void	file_open(struct lb *);
static void	con_write(const char *, size_t);

/* An entry's lb; none past the table (lb_sync found no memory for it). */
static struct lb *
lbp(int idx)
{
	return idx < lb_n ? lb_tab[idx] : NULL;
}
static void	count_drop(struct lb *, uint64_t);

/* --------------------------------------------------------------- console */

static void
con_cb(struct watch *w, uint32_t ev)
{
	(void)ev;
	con_flush((struct conq *)w);
}

/*
 * A non-blocking writer for pm's fd without changing fd itself, which
 * the -- mode's main child may share: a pipe or terminal is opened again
 * through /proc (a new open file description), a socket gets
 * MSG_DONTWAIT per send, a regular file never blocks and is used as is.
 */
static void
con_open(struct conq *q, int fd)
{
	struct stat st;
	char path[32];

	q->w.cb = con_cb;
	q->w.fd = fd;
	if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode) &&
	    !(q->sock = S_ISSOCK(st.st_mode))) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		q->w.fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC |
		    O_NOCTTY);
		if (q->w.fd < 0)
			q->w.fd = fd;
	}
}

/*
 * Make sure fds 0-2 are open (so a pipe never lands on them and a child
 * always has them), then set up the console writers. Once, at start.
 */
void
lb_init(const struct config *c)
{
	struct stat a, b;
	char *p;
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
	ringsz = c->set.log_ring_size;
	con_open(&cq[0], 1);
	con[1] = con[2] = &cq[0];
	if (fstat(1, &a) < 0 || fstat(2, &b) < 0 || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino) {
		con_open(&cq[1], 2);
		con[2] = &cq[1];
	}
	log_console(con_write);
	/* Issue 15: the events file, written and rotated as a process log. */
	ev_lb.path = nopath;
	if (c->set.events != NULL) {
		strcpy(ev_cfg.id, "events");
		ev_lb.cfg = &ev_cfg;
		ev_cfg.uid = (uid_t)-1;
		ev_cfg.log_max_size = c->set.events_max_size;
		ev_cfg.log_keep = c->set.events_keep;
		if ((p = strdup(c->set.events)) != NULL) {
			ev_lb.path = p;
			file_open(&ev_lb);
		}
	}
}

/*
 * Write as much of the FIFO as the target takes now; on EAGAIN wait for
 * EPOLLOUT. A record cut by a short write is finished before any other,
 * so lines stay whole. A hard error drops what is queued, counted.
 */
static void
con_flush(struct conq *q)
{
	struct iovec iov[64];
	struct msghdr mh = { .msg_iov = iov };
	struct rec r;
	size_t o, left;
	ssize_t n;
	int i;

	while (q->off < q->len) {
		for (i = 0, o = q->off; o < q->len && i < 64; i++) {
			memcpy(&r, q->buf + o, sizeof(r));
			iov[i].iov_base = q->buf + o + sizeof(r) +
			    (i == 0 ? q->done : 0);
			iov[i].iov_len = r.n - (i == 0 ? q->done : 0);
			o += sizeof(r) + r.n;
		}
		mh.msg_iovlen = (size_t)i;
		n = q->w.fd < 0 ? -1 : q->sock ? sendmsg(q->w.fd, &mh, MSG_DONTWAIT |
		    MSG_NOSIGNAL) : syscall(SYS_writev, q->w.fd, iov, i);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!q->watched)
				q->watched = loop_add(&q->w, EPOLLOUT) == 0;
			else if (!q->waiting)
				loop_mod(&q->w, EPOLLOUT);
			q->waiting = q->watched;
			return;
		}
		left = n < 0 ? SIZE_MAX : (size_t)n;
		while (q->off < q->len) {
			memcpy(&r, q->buf + q->off, sizeof(r));
			if (left < r.n - q->done) {
				q->done += left;
				break;
			}
			left -= r.n - q->done;
			if (r.owner != NULL) {
				r.owner->queued -= r.n;
				if (n < 0)
					count_drop(r.owner, 1);
			}
			q->off += sizeof(r) + r.n;
			q->done = 0;
		}
	}
	q->off = q->len = q->done = 0;
	if (q->waiting)
		loop_mod(&q->w, 0);
	q->waiting = false;
}

/*
 * Queue one record. Without room (or over the owner's quota) it is
 * dropped: the caller counts it. 0 queued, -1 dropped.
 */
static int
con_put(struct conq *q, struct lb *owner, const char *s, size_t n)
{
	struct rec r = { owner, n };

	/* The loop's turn-end flush may not have come yet: try it now. */
	if (((owner != NULL && owner->queued + n > LB_QUOTA) ||
	    q->len + sizeof(r) + n > sizeof(q->buf)) && !q->waiting)
		con_flush(q);
	if (owner != NULL && owner->queued + n > LB_QUOTA)
		return -1;
	if (q->len + sizeof(r) + n > sizeof(q->buf) && q->off > 0) {
		memmove(q->buf, q->buf + q->off, q->len - q->off);
		q->len -= q->off;
		q->off = 0;
	}
	if (q->len + sizeof(r) + n > sizeof(q->buf))
		return -1;
	memcpy(q->buf + q->len, &r, sizeof(r));
	memcpy(q->buf + q->len + sizeof(r), s, n);
	q->len += sizeof(r) + n;
	if (owner != NULL)
		owner->queued += n;
	return 0;
}

/*
 * pm's own messages to stderr take the same FIFO as the children's
 * stderr lines, so the two never cut into each other. Before lb_init
 * (and in the client) log.c writes them directly: it has this writer
 * only from lb_init on, when con[2] is set.
 */
static void
con_write(const char *s, size_t n)
{
	if (con_put(con[2], NULL, s, n) == 0 && !con[2]->waiting)
		con_flush(con[2]);
}

/* ------------------------------------------------------------------ ring */

/* A call at each reader, not inlined: smaller. */
static __attribute__((noinline)) char
ring_at(const struct lb *lb, uint64_t pos)
{
	return lb->ring[pos % lb->ringsz];
}

static void
ring_copy(struct lb *lb, const char *s, size_t n)
{
	size_t at, k;

	while (n > 0) {
		at = (size_t)(lb->total % lb->ringsz);
		k = lb->ringsz - at < n ? lb->ringsz - at : n;
		memcpy(lb->ring + at, s, k);
		lb->total += k;
		s += k;
		n -= k;
	}
}

/* Append one record, first forgetting as many old lines as it needs. */
static void
ring_put(struct lb *lb, int stream, const char *s, size_t n, bool cont)
{
	size_t k = n + (cont ? sizeof(LB_MARK) - 1 : 0) + 2;
	char c = (char)('0' + stream);

	const char *e;
	size_t at;

	if (lb->ringsz == 0)
		return;
	/* Forget the oldest records, each up to its '\n' (maybe wrapped). */
	while (lb->total + k - lb->first > lb->ringsz)
		do {
			at = (size_t)(lb->first % lb->ringsz);
			e = memchr(lb->ring + at, '\n', lb->ringsz - at);
			lb->first += e != NULL ? (size_t)(e - lb->ring) + 1 -
			    at : lb->ringsz - at;
		} while (e == NULL);
	ring_copy(lb, &c, 1);
	ring_copy(lb, s, n);
	/* The mark and '\n', or the '\n' alone: the literal's tail. */
	ring_copy(lb, LB_MARK "\n" + (cont ? 0 : sizeof(LB_MARK) - 1),
	    cont ? sizeof(LB_MARK) : 1);
}

uint64_t
lb_end(const struct lb *lb)
{
	return lb->total;
}

/* Where the n-th newest line starts (n = 0: the oldest kept). */
uint64_t
lb_last(const struct lb *lb, uint32_t n)
{
	uint64_t p = lb->total;

	if (n == 0)
		return lb->first;
	for (; n > 0 && p > lb->first; n--) {
		p--;
		while (p > lb->first && ring_at(lb, p - 1) != '\n')
			p--;
	}
	return p;
}

/*
 * Copy the line at *pos into buf (cut to fit; NUL bytes become spaces, as
 * the wire takes strings) and move *pos past it. Returns its stream, or 0
 * when *pos is the end. A reader the ring has overtaken gets *skipped
 * bytes and continues at the oldest line.
 */
int
lb_line(const struct lb *lb, uint64_t *pos, char *buf, size_t len,
    uint64_t *skipped)
{
	size_t i = 0;
	char c;
	int stream;

	*skipped = 0;
	if (*pos < lb->first) {
		*skipped = lb->first - *pos;
		*pos = lb->first;
	}
	if (*pos >= lb->total)
		return 0;
	stream = ring_at(lb, (*pos)++) - '0';
	while ((c = ring_at(lb, (*pos)++)) != '\n')
		if (i + 1 < len)
			buf[i++] = c != '\0' ? c : ' ';
	buf[i] = '\0';
	return stream;
}

uint64_t
lb_dropped(const struct lb *lb)
{
	return lb != NULL ? lb->dropped : 0;
}

const char *
lb_path(int idx)
{
	const struct lb *lb = lbp(idx);

	return lb != NULL && lb->path[0] != '\0' ? lb->path : NULL;
}

static void
count_drop(struct lb *lb, uint64_t n)
{
	uint64_t now = now_ms();

	lb->dropped += n;
	if (report_at == 0)
		report_at = last_report + LB_REPORT_MS > now ?
		    last_report + LB_REPORT_MS : now;
}

/* ------------------------------------------------------------------ files */

/*
 * Report a failing file once, and again when the reason changes: a file
 * that was missing and is now refused says so (issue 11).
 */
static void
file_fail(struct lb *lb, const char *what, const char *why)
{
	if (lb->fretry == 0 || lb->fwhy != why || (why == NULL &&
	    lb->ferr != errno))
		plog_warn(lb->cfg->id, "cannot %s %s: %s; retrying every %ds",
		    what, lb->path, why != NULL ? why : strerror(errno),
		    LB_RETRY_MS / 1000);
	lb->fretry = now_ms() + LB_RETRY_MS;
	lb->fwhy = why;
	lb->ferr = errno;
}

static void
file_opened(struct lb *lb, const char *why)
{
	struct stat st;

	if (lb->ffd < 0) {
		file_fail(lb, "open", why);
		return;
	}
	lb->fsize = fstat(lb->ffd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void
file_open(struct lb *lb)
{
	const char *why;

	lb->ffd = safe_open_log(lb->path, lb->cfg->uid, &why);
	file_opened(lb, why);
}

/* A call at each of its three callers, not inlined: smaller. */
static __attribute__((noinline)) void
file_close(struct lb *lb)
{
	if (lb->ffd >= 0)
		close(lb->ffd);
	lb->ffd = -1;
}

static void file_flush(void);

/* Let go of lb's file: its batch written, the fd closed, the path freed. */
static void
file_drop(struct lb *lb)
{
	if (fb.owner == lb)
		file_flush();
	fb.owner = fb.owner == lb ? NULL : fb.owner;
	file_close(lb);
	if (lb->path != nopath)
		free(lb->path);
}

/*
 * Write the batch of lines waiting for its file in one write. A short
 * write is cut back to the last whole line, so a full disk never leaves
 * half a line; a failing file drops lines (counted) until its retry time.
 */
static void
file_flush(void)
{
	struct lb *lb = fb.owner;
	ssize_t n;

	if (lb == NULL || fb.len == 0)
		goto out;
	if (lb->fretry != 0 && now_ms() < lb->fretry)
		goto drop;
	if (lb->ffd < 0)
		file_open(lb);
	if (lb->ffd < 0)
		goto drop;
	n = write(lb->ffd, fb.buf, fb.len);
	if (n == (ssize_t)fb.len) {
		lb->fsize += fb.len;
		if (lb->fretry != 0)
			plog_info(lb->cfg->id, "writing %s again", lb->path);
		lb->fretry = 0;
		goto out;
	}
	if (n >= 0) {
		if (ftruncate(lb->ffd, (off_t)lb->fsize) < 0)
			lb->fsize += (uint64_t)n;
		errno = ENOSPC;
	}
	file_fail(lb, "write", NULL);
drop:
	count_drop(lb, fb.lines);
out:
	fb.len = 0;
	fb.lines = 0;
}

/*
 * FILE.N-1 -> FILE.N ... FILE -> FILE.1, then a fresh FILE, all in one
 * directory fd reached as lb_open_log does (issue 11): a name swapped for
 * a symlink during the rotation is renamed or refused, never written.
 */
static void
file_rotate(struct lb *lb)
{
	char a[PM_PATH_MAX + 16], b[PM_PATH_MAX + 16];
	const char *base, *why = NULL;
	int k = lb->cfg->log_keep, dfd;

	if (k == 0) {
		/* The fd was checked when opened: it is this log's file. */
		if (ftruncate(lb->ffd, 0) == 0)
			lb->fsize = 0;
		return;
	}
	if ((dfd = safe_dir(lb->path, &base, &why)) < 0) {
		file_fail(lb, "rotate", why);
		return;
	}
	/* FILE.k-1 to FILE.k, down to FILE itself to FILE.1. */
	for (; k > 0; k--) {
		snprintf(a, sizeof(a), "%s.%d", base, k - 1);
		snprintf(b, sizeof(b), "%s.%d", base, k);
		if (renameat(dfd, k > 1 ? a : base, dfd, b) < 0 && k == 1 &&
		    errno != ENOENT) {
			file_fail(lb, "rotate", NULL);
			close(dfd);
			return;
		}
	}
	file_close(lb);
	lb->ffd = safe_open(dfd, base, lb->cfg->uid, &why);
	close(dfd);
	file_opened(lb, why);
}

static void
file_line(struct lb *lb, const char *s, size_t n)
{
	unsigned long long max = lb->cfg->log_max_size;

	if (fb.owner != lb || fb.len + n > sizeof(fb.buf))
		file_flush();
	fb.owner = lb;
	if (max != 0 && lb->fsize + fb.len + n > max &&
	    lb->fsize + fb.len > 0) {
		file_flush();
		if (lb->ffd >= 0 && lb->fretry == 0)
			file_rotate(lb);
	}
	memcpy(fb.buf + fb.len, s, n);
	fb.len += n;
	fb.lines++;
}

/* One events.c JSON line, '\n' included, at once: events are rare. */
void
lb_event(const char *s, size_t n)
{
	if (ev_lb.path == NULL || ev_lb.path[0] == '\0')
		return;
	file_line(&ev_lb, s, n);
	file_flush();
}

void
lb_reopen(void)
{
	const struct cfg_settings *set = pm_settings();
	struct lb *lb;

	file_flush();
	/* The events file first; it is on no list, so its link is free. */
	for (ev_lb.next = all, lb = &ev_lb; lb != NULL; lb = lb->next) {
		if (lb->path[0] == '\0')
			continue;
		file_close(lb);
		lb->fretry = 0;
		file_open(lb);
	}
	log_init(set->log_level, set->log_target);
	log_info("log files reopened");
}

/* ------------------------------------------------------------------ lines */

/*
 * The wall clock as ISO 8601 UTC with milliseconds, for this batch of
 * lines, formatted as the events' times are. gmtime_r shares musl's date
 * code with the schedules' localtime_r (a hand-made days-to-date
 * conversion was smaller only without them). A call, not inlined, at
 * each of its three callers.
 */
static __attribute__((noinline)) void
stamp(void)
{
	ev_time(tstamp, -1);
}

/*
 * One line, formatted for its sink into fmt: JSON with log_format = json,
 * else "[TIME ]ID | line" on the console and "[TIME ]line" in a file.
 */
static size_t
format(const struct lb *lb, int stream, const char *s, size_t n, bool cont)
{
	const struct cfg_settings *set = pm_settings();
	char *d = fmt;

	if (set->log_format == LF_JSON) {
		/* stpcpy, not snprintf: this runs for every line. */
		d = stpcpy(stpcpy(stpcpy(d, "{\"time\":\""), tstamp),
		    "\",\"id\":\"");
		d = stpcpy(stpcpy(stpcpy(d, lb->cfg->id), "\",\"stream\":\"std"),
		    stream == 1 ? "out" : "err");
		d = stpcpy(d, "\",\"line\":\"");
		d = log_esc(d, s, n, true);
		if (cont)
			d = log_esc(d, LB_MARK, sizeof(LB_MARK) - 1, true);
		d = stpcpy(d, "\"}\n");
		return (size_t)(d - fmt);
	}
	if (set->log_timestamps)
		d = stpcpy(stpcpy(d, tstamp), " ");
	if (lb->path[0] == '\0')
		d = stpcpy(stpcpy(d, lb->cfg->id), " | ");
	memcpy(d, s, n);
	d += n;
	d = stpcpy(d, LB_MARK "\n" + (cont ? 0 : sizeof(LB_MARK) - 1));
	return (size_t)(d - fmt);
}

static void
emit(struct lb *lb, int stream, const char *s, size_t n, bool cont)
{
	size_t len;

	ring_put(lb, stream, s, n, cont);
	len = format(lb, stream, s, n, cont);
	if (lb->path[0] != '\0')
		file_line(lb, fmt, len);
	else if (con_put(con[stream], lb, fmt, len) < 0)
		count_drop(lb, 1);
}

/* Cut bytes from a pipe into lines; keep the unfinished one for later. */
static void
feed(struct lb_in *in, const char *d, size_t n)
{
	struct lb *lb = in->lb;
	char *part = lb->part[in->stream - 1];
	const char *nl, *src;
	size_t take;
	bool cut;

	while (n > 0) {
		nl = memchr(d, '\n', n);
		take = nl != NULL ? (size_t)(nl - d) : n;
		if ((cut = in->plen + take > LB_LINE))
			take = LB_LINE - in->plen;
		/* A whole line in d is emitted from there, without a copy. */
		src = d;
		if (in->plen != 0 || nl == NULL || cut) {
			memcpy(part + in->plen, d, take);
			src = part;
		}
		in->plen += take;
		if (nl != NULL || cut) {
			emit(lb, in->stream, src, in->plen, cut);
			in->plen = 0;
			take += !cut;
		}
		d += take;
		n -= take;
	}
}

/* End of a stream: its last unfinished line still counts. */
static void
in_close(struct lb_in *in)
{
	if (in->w.fd >= 0)
		loop_close(&in->w);
	if (in->wfd >= 0)
		close(in->wfd);
	in->wfd = -1;
	if (in->plen > 0) {
		stamp();
		emit(in->lb, in->stream, in->lb->part[in->stream - 1],
		    in->plen, false);
		in->plen = 0;
	}
}

/* One read per wake-up, so a flood cannot starve the rest of the loop. */
static bool
in_read(struct lb_in *in)
{
	ssize_t n;

	n = read(in->w.fd, rbuf, sizeof(rbuf));
	if (n > 0) {
		stamp();
		feed(in, rbuf, (size_t)n);
		return true;
	}
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		in_close(in);
	return false;
}

static void
in_cb(struct watch *w, uint32_t ev)
{
	(void)ev;
	in_read((struct lb_in *)w);
	file_flush();
}

/*
 * A child has exited: take what it left in its pipes now, so its last
 * lines come before the news of its exit. A grandchild may still hold a
 * write end; the pipe stays watched until EOF or the next spawn.
 */
const struct lb *
lb_of(int idx)
{
	return lbp(idx);
}

void
lb_drain(int idx)
{
	struct lb *lb = lbp(idx);
	int i, k;

	if (lb == NULL)
		return;
	for (i = 0; i < 2; i++)
		for (k = 0; k < 64 && lb->in[i].w.fd >= 0 &&
		    in_read(&lb->in[i]); k++)
			;
	file_flush();
}

/* ----------------------------------------------------------------- spawn */

/*
 * Before a spawn: fresh pipes for the child's stdout and stderr, which
 * io[] gets (the write ends, close-on-exec, dup2'ed by the child). The
 * pipes of an earlier run are drained and closed first. io[] stays -1,
 * and the child inherits pm's own, for the -- mode's main child unless
 * log_main_prefix is set, and when pipes cannot be made.
 */
void
lb_pipes(int idx, bool is_main, int io[2])
{
	struct lb *lb = lbp(idx);
	int i, fds[2];

	io[0] = io[1] = -1;
	if (lb == NULL || (is_main && !pm_settings()->log_main_prefix))
		return;
	lb_drain(idx);
	for (i = 0; i < 2; i++) {
		in_close(&lb->in[i]);
		if (syscall(SYS_pipe2, fds, O_CLOEXEC) < 0) {
			plog_warn(lb->cfg->id, "cannot make a pipe: %m; "
			    "output not captured");
			in_close(&lb->in[0]);
			io[0] = io[1] = -1;
			return;
		}
		(void)syscall(SYS_ioctl, fds[0], FIONBIO, &(int){ 1 });
		lb->in[i].w.fd = fds[0];
		lb->in[i].wfd = io[i] = fds[1];
	}
	file_flush();
}

/* After the fork: watch the read ends, or drop them if it failed. */
void
lb_spawned(int idx, bool ok)
{
	struct lb *lb = lbp(idx);
	struct lb_in *in;
	int i;

	if (lb == NULL)
		return;
	for (i = 0; i < 2; i++) {
		in = &lb->in[i];
		if (in->wfd >= 0)
			close(in->wfd);
		in->wfd = -1;
		if (in->w.fd < 0)
			continue;
		if (!ok || loop_add(&in->w, EPOLLIN) < 0) {
			close(in->w.fd);
			in->w.fd = -1;
		}
	}
}

/* ------------------------------------------------------------ lifecycle */

/* Each lb's share of a block: two partial lines and the ring. */
#define LB_SHARE	(2 * LB_LINE + ringsz)

static struct lb *
lb_new(struct lbblock *b, int slot)
{
	struct lb *lb;
	int i;

	if ((lb = calloc(1, sizeof(*lb))) == NULL)
		return NULL;
	lb->block = b;
	b->refs++;
	lb->part[0] = (char *)b + 64 + (size_t)slot * LB_SHARE;
	lb->part[1] = lb->part[0] + LB_LINE;
	lb->ring = lb->part[0] + 2 * LB_LINE;
	lb->ringsz = ringsz;
	lb->path = nopath;
	lb->ffd = -1;
	for (i = 0; i < 2; i++) {
		lb->in[i].w.fd = lb->in[i].wfd = -1;
		lb->in[i].w.cb = in_cb;
		lb->in[i].lb = lb;
		lb->in[i].stream = i + 1;
	}
	lb->next = all;
	all = lb;
	return lb;
}

/*
 * Forget lb: close its pipes and file, disown its queued console lines.
 * Out of line, though called once: smaller so.
 */
static __attribute__((noinline)) void
lb_free(struct lb *lb)
{
	struct rec r;
	size_t o;
	int i;

	for (i = 0; i < 2; i++) {
		lb->in[i].plen = 0;
		in_close(&lb->in[i]);
	}
	file_drop(lb);
	for (i = 0; i < 2; i++)
		for (o = cq[i].off; o < cq[i].len; o += sizeof(r) + r.n) {
			memcpy(&r, cq[i].buf + o, sizeof(r));
			if (r.owner == lb) {
				r.owner = NULL;
				memcpy(cq[i].buf + o, &r, sizeof(r));
			}
		}
	if (--lb->block->refs == 0)
		free(lb->block);
	free(lb);
}

/*
 * After the process table was (re)built: every entry gets its lb (kept
 * entries carry theirs, with ring, pipes and file), a changed log = path
 * is opened, and the lbs of entries that are gone are freed. The only
 * place that allocates; -1 when out of memory (that process's output
 * then goes to pm's own stdout and stderr).
 */
int
lb_sync(void)
{
	struct lbblock *b = NULL;
	struct lb *lb, **pp, **t;
	const char *path;
	char *p;
	int i, n, rc = 0, fresh = 0, slot = 0;

	/* Without a new table every lb goes: output then goes to pm's own. */
	if ((t = proc_carry(lb_tab, lb_n, &n)) == NULL)
		rc = -1;
	for (i = 0; i < n; i++)
		fresh += t[i] == NULL;
	if (fresh > 0 && (b = calloc(1, 64 + (size_t)fresh * LB_SHARE)) == NULL)
		rc = -1;
	for (i = 0; i < n; i++) {
		if (t[i] == NULL && (b == NULL ||
		    (t[i] = lb_new(b, slot++)) == NULL)) {
			rc = -1;
			continue;
		}
		lb = t[i];
		lb->gen = lb_gen + 1;
		lb->cfg = proc_get(i)->cfg;
		path = lb->cfg->log != NULL ? lb->cfg->log : "";
		if (strcmp(path, lb->path) == 0)
			continue;
		file_drop(lb);
		/* Only a log file costs its path: 1,000 services, 250 KB. */
		lb->path = nopath;
		lb->fretry = 0;
		if (*path != '\0') {
			if ((p = strdup(path)) != NULL)
				lb->path = p;
			else
				rc = -1;
			file_open(lb);
		}
	}
	for (pp = &all; (lb = *pp) != NULL;) {
		if (lb->gen == lb_gen + 1) {
			pp = &lb->next;
			continue;
		}
		*pp = lb->next;
		lb_free(lb);
	}
	if (b != NULL && b->refs == 0)
		free(b);
	free(lb_tab);
	lb_tab = t;
	lb_n = n;
	lb_gen++;
	return rc;
}

/*
 * Each turn of the loop: write what the turn queued for the console (one
 * writev for many lines), and report drops once the interval is over.
 */
uint64_t
lb_tick(uint64_t now)
{
	uint64_t next;
	int i;

	if (report_at != 0 && now >= report_at) {
		for (i = 0; i < lb_n; i++) {
			struct lb *lb = lb_tab[i];

			if (lb == NULL || lb->dropped == lb->reported)
				continue;
			plog_warn(lb->cfg->id, "%llu lines of output dropped "
			    "(the console or log file did not keep up)",
			    (unsigned long long)(lb->dropped - lb->reported));
			lb->reported = lb->dropped;
		}
		last_report = now;
		report_at = 0;
	}
	/* A FIFO still not empty and not waiting for EPOLLOUT: soon again. */
	next = report_at;
	for (i = 0; i < 2; i++) {
		if (cq[i].off < cq[i].len && !cq[i].waiting)
			con_flush(&cq[i]);
		if (cq[i].off < cq[i].len && !cq[i].waiting)
			next = sched_earliest(next, now + 50);
	}
	return next;
}

/* At exit: give the console up to a second to take what is queued. */
void
lb_fini(void)
{
	uint64_t end = now_ms() + 1000, now;
	struct pollfd pfd;
	int i;

	file_flush();
	for (i = 0; i < 2; i++)
		while (cq[i].off < cq[i].len && (now = now_ms()) < end) {
			pfd.fd = cq[i].w.fd;
			pfd.events = POLLOUT;
			(void)poll(&pfd, 1, (int)(end - now));
			con_flush(&cq[i]);
		}
}
