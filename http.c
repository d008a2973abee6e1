/*
 * http.c: an optional read-only HTTP/1.1 endpoint in the loop (issue 15).
 *
 * GET or HEAD /metrics (Prometheus text), /livez and /readyz[?id=ID] for
 * Prometheus and the kubelet. Peers are untrusted, as on the control
 * socket: a table of HTTP_CONNS connections with fixed buffers, made once
 * at start; a request must arrive whole within HTTP_MS (so one byte a
 * second gets a 408), fit HTTP_IN (else 414 or 431) and be well formed
 * (else 400); past the cap a peer gets a 503 at once. One request per
 * connection: the reply streams from a cursor as the socket drains, then
 * the write side is shut and what the peer still sends is read and
 * dropped until it closes, so an error reply is not lost to a reset.
 * Nothing here blocks or waits for a peer.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "events.h"
#include "http.h"
#include "log.h"
#include "pdu.h"
#include "pm.h"
#include "proc.h"
#include "sha256.h"

#define HTTP_CONNS	64
#define HTTP_IN		2048
#define HTTP_OUT	8192
#define HTTP_MS		5000

enum { H_FREE, H_READ, H_WRITE, H_DRAIN };
enum { RT_METRICS, RT_LIVEZ, RT_READYZ, RT_ERROR };

struct hconn {
	struct watch	 w;
	int		 state;
	int		 route;
	int		 k;		/* the body's next item */
	int		 only;		/* /readyz?id=: its index, else -1 */
	int		 bad;		/* /readyz: processes not fine */
	bool		 head;
	uint64_t	 deadline;
	size_t		 inlen, outoff, outlen;
	char		 in[HTTP_IN];
	char		 out[HTTP_OUT];
};

static struct hconn	*hc;
static struct watch	 lw;
static uint8_t		 tok[SHA256_LEN];	/* SHA-256 of the token */
static bool		 has_tok;
static uint64_t		 paused;	/* accept off until then (EMFILE) */
static struct log_limit	 lim_busy;

static const char routes[][9] = { "/metrics", "/livez", "/readyz" };

/* ------------------------------------------------------------ the bodies */

int
http_metrics(int k, const uint16_t *idx, int nidx, char *buf, size_t len)
{
	/* Each family's name and help, NUL-separated, in this order. */
	static const char *const fam =
	    "up\0" "1 when running, or a oneshot that exited 0\0"
	    "state\0" "the current state, as a label\0"
	    "restarts_total\0" "automatic restarts\0"
	    "last_exit_status\0"
	    "last exit status (128+N: signal N), -1 none\0"
	    "check_failures_total\0" "failed health checks\0"
	    "healthy\0" "1 healthy, 0 unhealthy, -1 unknown\0"
	    "uptime_seconds\0" "seconds since the process started\0"
	    "skipped_runs_total\0"
	    "scheduled runs skipped because the last still ran\0"
	    /* issue 14: from the process's cgroup, else /proc */
	    "memory_bytes\0" "memory in use (its cgroup, else its RSS)\0"
	    "cpu_seconds_total\0" "CPU time used\0"
	    "pids\0" "processes in its cgroup, else 1 while running\0"
	    "oom_kills_total\0" "OOM kills in its cgroup\0"
	    /* pm's own, one sample each (issue 15) */
	    "build_info\0" "pm's version, as a label\0"
	    "start_time_seconds\0" "when pm started, Unix seconds\0"
	    "reloads_total\0" "configuration reloads tried\0"
	    "config_last_reload_successful\0"
	    "1 when the last reload succeeded";
	enum { NP = 12 };	/* the pm_process_ families come first */
	/*
	 * Where each family's value is in a status record, with its type in
	 * the low bits (1: int32_t, 2: uint64_t, else uint32_t); 0, 1 and 5
	 * are worked out.
	 */
#define AT(m, t)	(offsetof(struct pdu_status, m) | (t))
	static const uint16_t at[NP] = { [2] = AT(restarts, 0),
	    AT(last_exit, 1), AT(check_fails, 0), [6] = AT(uptime, 2),
	    AT(skips, 0), AT(mem, 2), AT(cpu_us, 2), AT(pids, 0),
	    AT(ooms, 0) };
#undef AT
	struct pdu_status s;
	const char *t, *pfx, *name = fam, *help, *p;
	int n = nidx < 0 ? proc_count() : nidx, f, i, j;
	long long v;
	bool ok;

	if (k < 4 * 2) {
		f = NP + k / 2;
		i = k % 2;
	} else {
		f = (k - 8) / (n + 1);
		i = (k - 8) % (n + 1);
		if (f >= NP)
			return -1;
	}
	for (j = 2 * f; j > 0; j--)
		name += strlen(name) + 1;
	help = name + strlen(name) + 1;
	pfx = f < NP ? "pm_process_" : "pm_";
	if (i == 0) {
		/* As the format's names say: a _total is a counter. */
		t = strrchr(name, '_');
		return snprintf(buf, len, "# HELP %s%s %s.\n# TYPE %s%s %s\n",
		    pfx, name, help, pfx, name, t != NULL &&
		    strcmp(t, "_total") == 0 ? "counter" : "gauge");
	}
	if (f >= NP) {
		v = f == NP ? 1 : f == NP + 1 ? ev_start_time() : ev_reloads(&ok);
		if (f == NP + 3)
			v = ok;
		return snprintf(buf, len, "pm_%s%s %lld\n", name,
		    f == NP ? "{version=\"" PM_VERSION "\"}" : "", v);
	}
	i = nidx < 0 ? i - 1 : idx[i - 1];
	if (i >= proc_count() || !proc_shown(i))
		return 0;
	ctl_status(&s, i, now_ms());
	if ((f == 5 && s.health == 0) ||
	    (f > 7 && !(s.cg & (f == 11 ? 1 : 3))))
		return 0;
	p = (const char *)&s + (at[f] & ~3);
	v = f == 0 ? pdu_is_up(&s) : f == 1 ? 1 :
	    f == 5 ? (s.health == 2) - (s.health == 1) :
	    at[f] & 2 ? (long long)*(const uint64_t *)p :
	    at[f] & 1 ? *(const int32_t *)p : (long long)*(const uint32_t *)p;
	/* CPU seconds with their microseconds; the rest whole. */
	return snprintf(buf, len, f == 9 ?
	    "pm_process_%s{id=\"%s\"%s%s%s} %lld.%06lld\n" :
	    "pm_process_%s{id=\"%s\"%s%s%s} %lld\n",
	    name, s.id, f == 1 ? ",state=\"" : "", f == 1 ? s.state : "",
	    f == 1 ? "\"" : "", f == 9 ? v / 1000000 : v, v % 1000000);
}

/*
 * /readyz by ping's rules: a line per process that is not fine, or one
 * line saying all are. With fill false, count them into c->bad.
 */
static int
ready_item(struct hconn *c, int k, char *buf, size_t len, bool fill)
{
	struct pdu_status s;
	char why[96];
	const char *w;

	if (k >= proc_count())
		return -1;
	if (!proc_shown(k) || (c->only >= 0 && k != c->only))
		return 0;
	ctl_status(&s, k, now_ms());
	if ((w = pdu_not_fine(&s, why, sizeof(why))) == NULL)
		return 0;
	if (!fill) {
		c->bad++;
		return 0;
	}
	return snprintf(buf, len, "%s %s: %s\n", s.id, s.state, w);
}

static int
item(struct hconn *c, int k, char *buf, size_t len)
{
	if (c->route == RT_METRICS)
		return http_metrics(k, NULL, -1, buf, len);
	if (c->route == RT_READYZ && c->bad > 0)
		return ready_item(c, k, buf, len, true);
	return k == 0 ? snprintf(buf, len, "ok\n") : -1;
}

/* ---------------------------------------------------------- connections */

static void
hc_close(struct hconn *c)
{
	loop_close(&c->w);
	c->state = H_FREE;
	paused = paused ? 1 : 0;	/* a free fd: try again at once */
}

static void
hc_events(struct hconn *c, uint32_t ev)
{
	if (loop_mod(&c->w, ev) == -1)
		hc_close(c);
}

/* Write what is queued, refilling from the body's cursor as it drains. */
static void
hc_flush(struct hconn *c)
{
	ssize_t n;
	int m;

	for (;;) {
		while (c->route != RT_ERROR && !c->head) {
			m = item(c, c->k, c->out + c->outlen,
			    sizeof(c->out) - c->outlen);
			if (m < 0) {
				c->route = RT_ERROR;	/* the body is done */
				break;
			}
			if ((size_t)m >= sizeof(c->out) - c->outlen)
				break;
			c->outlen += (size_t)m;
			c->k++;
		}
		if (c->outoff == c->outlen)
			break;
		n = send(c->w.fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			hc_events(c, EPOLLOUT);
			return;
		}
		if (n == -1) {
			hc_close(c);
			return;
		}
		c->outoff += (size_t)n;
		if (c->outoff == c->outlen)
			c->outoff = c->outlen = 0;
		c->deadline = now_ms() + HTTP_MS;
	}
	if (c->route != RT_ERROR && !c->head)
		return;
	/* Done: read and drop what the peer still sends, until it closes. */
	(void)shutdown(c->w.fd, SHUT_WR);
	c->state = H_DRAIN;
	hc_events(c, EPOLLIN);
}

/* Queue the status line and headers; the body follows from the route. */
static void
respond(struct hconn *c, int code, int route)
{
	/*
	 * The codes, by their low bytes (all differ: a byte each, not two),
	 * and their reasons NUL-separated in the same order.
	 */
	static const uint8_t codes[] = { 200, 400 & 255, 401 & 255,
	    404 & 255, 405 & 255, 408 & 255, 414 & 255, 431 & 255, 503 & 255 };
	static const char *const reasons = "OK\0Bad Request\0Unauthorized\0"
	    "Not Found\0Method Not Allowed\0Request Timeout\0URI Too Long\0"
	    "Request Header Fields Too Large\0Service Unavailable";
	const char *text = reasons;
	int i;

	for (i = 0; codes[i] != (code & 255); i++)
		text += strlen(text) + 1;
	c->route = route;
	c->k = 0;
	c->outoff = 0;
	c->outlen = (size_t)snprintf(c->out, sizeof(c->out), "HTTP/1.1 %d %s\r\n"
	    "Content-Type: text/plain; %scharset=utf-8\r\n%s"
	    "Connection: close\r\n\r\n%s%s", code, text,
	    route == RT_METRICS ? "version=0.0.4; " : "",
	    code == 401 ? "WWW-Authenticate: Bearer\r\n" : code == 405 ?
	    "Allow: GET, HEAD\r\n" : "",
	    route == RT_ERROR && !c->head ? text : "",
	    route == RT_ERROR && !c->head ? "\n" : "");
	c->state = H_WRITE;
	c->deadline = now_ms() + HTTP_MS;
	hc_flush(c);
}

/*
 * The line after p that starts with name (case-insensitive; "" finds the
 * empty line that ends the headers), or NULL. By hand: strstr would add
 * its two-way search to the binary for this one use.
 */
static const char *
header(const char *p, const char *name)
{
	size_t n = strlen(name);

	while ((p = strchr(p, '\n')) != NULL)
		if (strncasecmp(++p, name, n) == 0 &&
		    (n > 0 || *p == '\n' || (*p == '\r' && p[1] == '\n')))
			return p;
	return NULL;
}

/* Is the bearer token right? In constant time, over its hash. */
static bool
authorized(const char *hdr)
{
	uint8_t h[SHA256_LEN];
	const char *a = header(hdr, "Authorization:");

	if (!has_tok)
		return true;
	if (a == NULL)
		return false;
	for (a += 14; *a == ' ' || *a == '\t'; a++)
		;	/* strspn was linked for this alone */
	if (strncasecmp(a, "Bearer ", 7) != 0)
		return false;
	a += 7;
	sha256(a, strcspn(a, "\r\n"), h);
	return ct_equal(h, tok, sizeof(h)) != 0;
}

/* A whole request is in c->in: route it and answer. */
static void
request(struct hconn *c)
{
	char *m = c->in, *path, *q, *e;
	int r, i;

	path = m + strcspn(m, " ");
	e = *path ? path + 1 + strcspn(path + 1, " ") : path;
	if (*path == '\0' || *e == '\0' || strncmp(e, " HTTP/1.", 8) != 0) {
		respond(c, 400, RT_ERROR);
		return;
	}
	*path++ = '\0';
	*e = '\0';
	c->head = strcmp(m, "HEAD") == 0;
	if ((q = strchr(path, '?')) != NULL)
		*q++ = '\0';
	for (r = 0; r < RT_ERROR && strcmp(path, routes[r]) != 0; r++)
		;
	if (r == RT_ERROR) {
		respond(c, 404, RT_ERROR);
		return;
	}
	if (!c->head && strcmp(m, "GET") != 0) {
		respond(c, 405, RT_ERROR);
		return;
	}
	if (!authorized(e + 1)) {
		respond(c, 401, RT_ERROR);
		return;
	}
	c->only = -1;
	c->bad = 0;
	if (r == RT_READYZ) {
		if (q != NULL && strncmp(q, "id=", 3) == 0 &&
		    (c->only = proc_find(q + 3)) < 0) {
			respond(c, 404, RT_ERROR);
			return;
		}
		for (i = 0; ready_item(c, i, NULL, 0, false) >= 0; i++)
			;
	}
	respond(c, c->bad > 0 ? 503 : 200, r);
}

static void
hc_cb(struct watch *w, uint32_t ev)
{
	struct hconn *c = (struct hconn *)w;
	char drop[512];
	ssize_t n;

	if (c->state == H_WRITE) {
		if (ev & (EPOLLERR | EPOLLHUP))
			hc_close(c);
		else
			hc_flush(c);
		return;
	}
	n = recv(w->fd, c->state == H_DRAIN ? drop : c->in + c->inlen,
	    c->state == H_DRAIN ? sizeof(drop) : sizeof(c->in) - 1 - c->inlen,
	    0);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			hc_close(c);
		return;
	}
	if (c->state == H_DRAIN)
		return;
	c->inlen += (size_t)n;
	c->in[c->inlen] = '\0';
	if (strlen(c->in) != c->inlen)
		respond(c, 400, RT_ERROR);
	else if (header(c->in, "") != NULL)
		request(c);
	else if (c->inlen == sizeof(c->in) - 1)
		respond(c, strchr(c->in, '\n') == NULL ? 414 : 431, RT_ERROR);
}

/* A literal, not an array: an array of 32 bytes or more is aligned to 32. */
#define BUSY	"HTTP/1.1 503 Service Unavailable\r\n" \
	    "Connection: close\r\n\r\n"

/* Accept until EAGAIN; past the cap, a 503 without waiting. */
static void
listen_cb(struct watch *w, uint32_t ev)
{
	struct hconn *c;
	int fd, i;

	(void)ev;
	while ((fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) != -1) {
		for (i = 0; i < HTTP_CONNS && hc[i].state != H_FREE; i++)
			;
		if (i == HTTP_CONNS) {
			log_limited(&lim_busy, "http: too many clients "
			    "(%d)", HTTP_CONNS);
			(void)send(fd, BUSY, sizeof(BUSY) - 1, MSG_NOSIGNAL |
			    MSG_DONTWAIT);
			close(fd);
			continue;
		}
		c = &hc[i];
		c->inlen = 0;
		c->head = false;
		if (loop_watch(&c->w, fd, hc_cb) == -1)
			continue;
		c->state = H_READ;
		c->deadline = now_ms() + HTTP_MS;
		loop_deadline_changed();
	}
	if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
	    errno == ENOMEM) {
		/* Out of fds: a second, or until a connection closes. */
		log_limited(&lim_busy, "http: accept: %m; pausing");
		if (loop_mod(&lw, 0) == 0)
			paused = now_ms() + 1000;
	}
}

uint64_t
http_tick(uint64_t now)
{
	uint64_t next = paused;
	int i;

	if (paused != 0 && now >= paused && loop_mod(&lw, EPOLLIN) == 0)
		next = paused = 0;
	for (i = 0; hc != NULL && i < HTTP_CONNS; i++) {
		struct hconn *c = &hc[i];

		if (c->state == H_FREE)
			continue;
		if (now >= c->deadline) {
			/* Slow or silent: told so once, then let go. */
			if (c->state == H_READ)
				respond(c, 408, RT_ERROR);
			else
				hc_close(c);
			if (c->state == H_FREE)
				continue;
			if (now >= c->deadline)
				c->deadline = now + HTTP_MS;
		}
		if (next == 0 || c->deadline < next)
			next = c->deadline;
	}
	return next;
}

int
http_init(const struct config *cf)
{
	char key[CTL_KEY_MAX];
	size_t n;

	ev_init();
	if (cf->set.http == NULL)
		return 0;
	if (cf->set.http_token_file != NULL) {
		if (ctl_key_load(cf->set.http_token_file, key, &n) == -1)
			return -1;
		sha256(key, n, tok);
		explicit_bzero(key, sizeof(key));
		has_tok = true;
	}
	if ((hc = calloc(HTTP_CONNS, sizeof(*hc))) == NULL ||
	    (lw.fd = ctl_tcp_bind("http", cf->set.http)) == -1)
		return -1;
	lw.cb = listen_cb;
	return loop_add(&lw, EPOLLIN);
}
