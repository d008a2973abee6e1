/*
 * ctl.c: the server side of the control socket(s).
 *
 * Every peer is untrusted and may be slow, silent or hostile; none may
 * delay the loop or another peer. So: connections are non-blocking and
 * live in a table sized once in ctl_init (max_clients entries, fixed
 * in/out buffers, no malloc afterwards); a peer has CTL_TIMEOUT_MS to
 * deliver its request and as long again for each step of draining its
 * reply; a malformed PDU closes that peer only. Long replies are not
 * built whole: a per-connection cursor refills the out buffer as the
 * socket drains. One request per connection (after AUTH on TCP); the
 * server closes once the reply is sent.
 *
 * TCP peers authenticate with auth v2 (PROTOCOL.md): the answer binds
 * both nonces and the name the client dialled, the server proves the key
 * back, and every later PDU is tagged with the session key. TCP peers and
 * followers may never take the last quarter of the table, which is kept
 * for local requests (issue 11).
 */
#include <sys/types.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "adhoc.h"
#include "cgroup.h"
#include "check.h"
#include "config.h"
#include "ctl.h"
#include "events.h"
#include "http.h"
#include "log.h"
#include "logbuf.h"
#include "pdu.h"
#include "pm.h"
#include "proc.h"
#include "sha256.h"

_Static_assert(PDU_ID_MAX >= PM_ID_MAX, "an ID must fit the wire field");
_Static_assert(PDU_HALT - PDU_SHUTDOWN == END_HALT &&
    PDU_POWEROFF - PDU_SHUTDOWN == END_POWEROFF &&
    PDU_REBOOT - PDU_SHUTDOWN == END_REBOOT && END_EXIT == 0,
    "the shutdown requests are in enum pm_end's order");

#define CTL_TIMEOUT_MS	5000
#define CTL_AUTH_MS	2000	/* a TCP peer's handshake (issue 11) */
#define CTL_UNAUTH_MAX	8	/* TCP peers not yet authenticated */
#define CTL_STALL_S	10	/* a follower that takes nothing */
#define CTL_STALL_MS	(CTL_STALL_S * 1000)
#define CTL_IDS_MAX	1022	/* listen and tcp_identity, ',' between */
#define CTL_IDS_SIZE	(CTL_IDS_MAX + 2)
#define CTL_RETRY_MS	1000	/* accept paused after EMFILE */
#define CTL_IN_SIZE	(PDU_HDR_SIZE + PDU_IDS_MAX * (4 + PDU_ID_MAX) + 256)
#define CTL_OUT_SIZE	(PDU_TEXT_MAX + PDU_KEY_MAX + 1024)
#define CTL_PLAN_SIZE	65536
#define CTL_NLISTEN	3
/* A constant's digits, for a message: no argument to format. */
#define STR_(x)		#x
#define STR(x)		STR_(x)

enum { K_UNIX, K_TCP };
enum { C_FREE, C_AUTH, C_READ, C_REPLY, C_CLOSING };
/* Jobs up to J_METRICS walk the process table; from J_LOGS they stream. */
enum { J_NONE, J_STATUS, J_SHOW, J_METRICS, J_PLAN, J_LOGS, J_EVENTS };

/*
 * The scalars first, then the ID indices: a field (or an array read by
 * index) that starts within 128 bytes of the start is addressed with a
 * one-byte offset, one further on with four, at every use.
 */
struct conn {
	struct watch	 w;
	uint8_t		 kind;
	uint8_t		 state;
	uint8_t		 job;
	uint64_t	 deadline;
	uint32_t	 reqid;
	int		 cursor;
	int		 nidx;		/* -1: every process */
	uint32_t	 count;		/* items sent so far */
	bool		 sealed;	/* TCP after auth: every PDU tagged */
	bool		 bulk;		/* TCP or following: capped */
	bool		 unauth;	/* TCP before auth: capped */
	bool		 json;		/* EVENTS: JSON lines */
	bool		 admin;		/* Unix peer root or pm's user: run */
	uint32_t	 events;	/* as last given to the loop */
	uint32_t	 inlen;
	uint32_t	 outoff;
	uint32_t	 outlen;
	const struct lb	*lb;		/* LOGS: whose ring, valid in lgen */
	unsigned	 lgen;		/* the table's generation at the start */
	uint64_t	 lpos;		/* next line in the ring */
	uint64_t	 lend;		/* UINT64_MAX: follow */
	uint16_t	 idx[PDU_IDS_MAX];
	uint8_t		 nonce[PDU_NONCE_LEN];
	struct auth_sess as;
	char		 lid[PDU_ID_MAX];
	uint8_t		 in[CTL_IN_SIZE];
	uint8_t		 out[CTL_OUT_SIZE];
};

struct listener {
	struct watch	 w;
	int		 kind;
};

static struct listener	 lis[CTL_NLISTEN];
static int		 nlis;
static struct conn	*conns;
static int		 nconns;
static int		 nactive;
static uint64_t		 paused_until;	/* accept off after EMFILE */
static char		 sockpath[sizeof(((struct sockaddr_un *)0)->sun_path)];
static gid_t		 sock_gid;	/* NO_GID: no socket_group */
#define NO_GID		((gid_t)-1)
static char		 key[CTL_KEY_MAX];
static size_t		 keylen;
static char		 idents[CTL_IDS_SIZE];	/* names TCP clients may dial */
/*
 * Slots (issue 11): TCP peers and followers together may hold at most
 * bulk_max of them, so a quarter of the table (at least one) is always
 * left to local requests; peers still in the handshake, at most
 * CTL_UNAUTH_MAX.
 */
static int		 nbulk;
static int		 bulk_max;
static int		 nunauth;
static struct log_limit	 lim_auth, lim_refused, lim_busy, lim_stall;

/*
 * The reload and setting-reload plans are emitted synchronously by pm.c
 * but may be longer than one out buffer; they wait here, owned by one
 * connection, and drain through its cursor. A second reload while one
 * plan is still draining is told to retry.
 */
static struct {
	char		 buf[CTL_PLAN_SIZE];
	size_t		 len;
	uint32_t	 dropped;
	struct conn	*owner;
} plan;

static char		 scratch[PDU_TEXT_MAX];
#define CUT	"; ... cut here: longer than one reply holds\n"

static void	conn_cb(struct watch *, uint32_t);
static void	conn_close(struct conn *);
static void	conn_flush(struct conn *);

/* ------------------------------------------------------------- helpers */

static void
conn_events(struct conn *c, uint32_t ev)
{
	if (ev != c->events && loop_mod(&c->w, ev) == 0)
		c->events = ev;
}

/*
 * The peer's deadline, ms from now (0: none); the clock is read here, not
 * at each caller. Not inlined, nor conn_add below: a call is smaller at
 * their callers.
 */
static __attribute__((noinline)) void
conn_deadline(struct conn *c, unsigned ms)
{
	c->deadline = ms != 0 ? now_ms() + ms : 0;
	loop_deadline_changed();
}

static void
listeners_enable(bool on)
{
	int i;

	for (i = 0; i < nlis; i++)
		if (loop_mod(&lis[i].w, on ? EPOLLIN : 0) == -1)
			log_warn("control: epoll: %m");
}

/* Accept again once a pause after EMFILE is over (now) or a slot is free. */
static void
listeners_resume(uint64_t now)
{
	if (paused_until != 0 && now >= paused_until) {
		paused_until = 0;
		listeners_enable(true);
	}
}

/* Queue a reply PDU that pack wrote at the end of the out buffer. */
static uint8_t *
conn_room(struct conn *c, size_t *room)
{
	if (c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	*room = sizeof(c->out) - c->outlen;
	/* Keep room for the tag that conn_add appends after TCP auth. */
	if (c->sealed)
		*room = *room > PDU_SEAL_SIZE ? *room - PDU_SEAL_SIZE : 0;
	return c->out + c->outlen;
}

/* Queue that PDU of n bytes, tagged with the session key after auth. */
static __attribute__((noinline)) int
conn_add(struct conn *c, int n)
{
	if (n > 0 && c->sealed)
		n = auth_seal(&c->as, AUTH_S2C, c->out + c->outlen,
		    sizeof(c->out) - c->outlen, n);
	if (n > 0)
		c->outlen += (size_t)n;
	return n;
}

static void
conn_push(struct conn *c, int n)
{
	if (conn_add(c, n) <= 0)
		log_warn("control: reply of %u dropped: %s", c->reqid,
		    pdu_strerror(n));
}

/* Queue the last PDU of a reply, of n bytes; close once it is sent. */
static void
conn_last(struct conn *c, int n)
{
	conn_push(c, n);
	c->state = C_CLOSING;
	conn_flush(c);
}

/* Answer with an error and close once it is sent. */
static void
conn_fail(struct conn *c, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
conn_fail(struct conn *c, const char *code, const char *fmt, ...)
{
	char msg[PDU_MSG_MAX];
	uint8_t *p;
	size_t room;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p = conn_room(c, &room);
	c->job = J_NONE;
	conn_deadline(c, CTL_TIMEOUT_MS);
	conn_last(c, pdu_error_pack(p, room, c->reqid, code, msg));
}

static void
conn_ok(struct conn *c, const char *msg)
{
	uint8_t *p;
	size_t room;

	p = conn_room(c, &room);
	conn_last(c, pdu_ok_pack(p, room, c->reqid, msg));
}

/* -------------------------------------------------------------- replies */

/*
 * Bounded copies, not snprintf: a status of every process fills one
 * record per process, and formatting was half the server's work for a
 * status of 1,000 (issue 7). Both sources fit (IDs are checked at load,
 * state names are short); a longer one would be cut, never overflow.
 */
static void
copy_str(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

void
ctl_status(struct pdu_status *s, int idx, uint64_t now)
{
	const struct mon_view *m = mon_view(idx);
	const struct proc_view *p = proc_get(idx);
	struct cg_use u;
	int k;

	memset(s, 0, sizeof(*s));
	copy_str(s->id, sizeof(s->id), p->cfg->id);
	copy_str(s->state, sizeof(s->state), proc_state_name(p->state));
	s->pid = p->pid > 0 ? (uint32_t)p->pid : 0;
	if (p->pid > 0 && now >= p->started_ms)
		s->uptime = (now - p->started_ms) / 1000;
	if (now >= p->since_ms)
		s->since = (now - p->since_ms) / 1000;
	s->restarts = (uint32_t)p->restarts;
	s->last_exit = p->last_status;
	s->kind = p->cfg->type == PT_ONESHOT ? PK_ONESHOT : PK_SERVICE;
	s->health = m->health;
	s->check_fails = m->check_failures;
	s->skips = m->skips;
	s->next_run = m->next_wall > 0 ? (uint64_t)m->next_wall : 0;
	memcpy(s->note, m->status, sizeof(s->note));
	if (m->health == H_UNHEALTHY || m->fails > 0)
		memcpy(s->check_out, m->out, sizeof(s->check_out));
	s->dropped = lb_dropped(lb_of(idx));
	/* Issue 14: usage read now, on request; limits set but not held. */
	cg_usage(p->cfg->id, p->pid, &u);
	s->mem = u.mem;
	s->cpu_us = u.cpu_us;
	s->pids = u.pids;
	s->ooms = u.ooms;
	s->cg = (uint8_t)(u.src | (p->oom ? PDU_CG_OOM : 0));
	for (k = 0; k < PM_CG_KEYS && !cg_on(); k++)
		if (p->cfg->cg[k] != NULL)
			s->cg |= PDU_CG_NOLIMITS;
	/* Never "stopped" while its group still has members. */
	if (p->pid == 0 && u.pids > 0 && u.src == CU_CGROUP) {
		copy_str(s->state, sizeof(s->state), "stopping");
		snprintf(s->note, sizeof(s->note), "%u pids left", u.pids);
	}
	s->added = p->cfg->added;
}

/*
 * A reload may have freed rings: find the follower's process again by
 * ID (a kept process keeps its ring). -1 when it is gone.
 */
static int
logs_refind(struct conn *c)
{
	int idx = proc_find(c->lid);

	if (idx < 0 || lb_of(idx) == NULL)
		return -1;
	if (lb_of(idx) != c->lb)
		c->lpos = 0;
	c->lb = lb_of(idx);
	c->lgen = lb_gen;
	return 0;
}

/*
 * Render item i of a CONFIG_SHOW into scratch: with every process, item 0
 * is [settings]. Returns the section name (in name, or a literal), or
 * NULL past the end.
 */
static const char *
show_item(struct conn *c, int i, char *name, size_t len)
{
	const struct config *cf = pm_config();
	const struct cfg_proc *cp;

	if (cf == NULL)
		return NULL;
	if (c->nidx < 0) {
		if (i == 0) {
			if (cfg_settings_show(pm_settings(), scratch,
			    sizeof(scratch)) < 0)
				scratch[0] = '\0';
			return "settings";
		}
		i--;
		if (i >= cf->nproc)
			return NULL;
		cp = &cf->procs[i];
	} else {
		if (i >= c->nidx || c->idx[i] >= proc_count())
			return NULL;
		cp = proc_get(c->idx[i])->cfg;
	}
	/*
	 * A spec longer than one TEXT PDU (long environment lines) is
	 * shown up to the last whole line that fits, and says so; it used
	 * to be shown as nothing at all.
	 */
	if (cfg_proc_show(cp, scratch, sizeof(scratch) - sizeof(CUT)) < 0)
		strcpy(scratch + strlen(scratch), CUT);
	snprintf(name, len, "process:%s", cp->id);
	return name;
}

/*
 * Add list items to the out buffer while they fit, then the END PDU. An
 * item that does not fit waits until the socket drains; one that could
 * never fit (cannot happen with the sizes above) is skipped.
 */
static void
conn_refill(struct conn *c)
{
	struct pdu_status s;
	char name[PDU_KEY_MAX];
	const char *k, *v;
	uint8_t *p;
	size_t room;
	uint64_t now = now_ms(), save = 0, skipped;
	int n, idx, step;

	/*
	 * A reload rebuilds the table: a list begun in the old one went on
	 * by index in the new one, so one reply could mix the two, show a
	 * process twice or leave one out. It ends with an error instead of
	 * its END.
	 */
	if (c->job <= J_METRICS && c->lgen != lb_gen)
		goto end;
	for (;;) {
		p = conn_room(c, &room);
		n = 0;
		step = 1;
		switch (c->job) {
		case J_STATUS:
			if (c->nidx < 0 ? c->cursor >= proc_count() :
			    c->cursor >= c->nidx)
				goto end;
			idx = c->nidx < 0 ? c->cursor : c->idx[c->cursor];
			/* Issue 8: a removed process, once stopped. */
			if (idx >= proc_count() || !proc_shown(idx)) {
				c->cursor++;
				continue;
			}
			ctl_status(&s, idx, now);
			n = pdu_status_pack(p, room, c->reqid, &s);
			break;
		case J_SHOW:
			if ((k = show_item(c, c->cursor, name, sizeof(name))) ==
			    NULL)
				goto end;
			n = pdu_text_pack(p, room, c->reqid, k, scratch);
			break;
		case J_PLAN:
			if ((size_t)c->cursor >= plan.len)
				goto end;
			k = plan.buf + c->cursor;
			v = k + strlen(k) + 1;
			step = (int)(strlen(k) + strlen(v) + 2);
			n = pdu_text_pack(p, room, c->reqid, k, v);
			break;
		case J_LOGS:
			if ((c->lgen != lb_gen && logs_refind(c) == -1) ||
			    c->lpos >= c->lend)
				goto end;
			save = c->lpos;
			idx = lb_line(c->lb, &c->lpos, scratch, sizeof(scratch),
			    &skipped);
			if (skipped != 0) {
				/* A slow reader skips ahead, told how far. */
				c->lpos = save + skipped;
				snprintf(scratch, sizeof(scratch), "[pm: %llu "
				    "bytes of output skipped]",
				    (unsigned long long)skipped);
				n = pdu_text_pack(p, room, c->reqid, "...",
				    scratch);
			} else if (idx == 0 && c->lend == UINT64_MAX)
				return;		/* following: wait for more */
			else if (idx == 0)
				goto end;
			else
				n = pdu_text_pack(p, room, c->reqid, idx == 1 ?
				    "stdout" : "stderr", scratch);
			break;
		case J_METRICS:
			/* Issue 15: the same lines as HTTP /metrics. */
			if ((idx = http_metrics(c->cursor, c->idx, c->nidx,
			    scratch, sizeof(scratch))) < 0)
				goto end;
			if (idx == 0)
				break;
			n = pdu_text_pack(p, room, c->reqid, "", scratch);
			break;
		case J_EVENTS:
			save = c->lpos;
			if (ev_line(&c->lpos, c->json, scratch, sizeof(scratch),
			    &k) == 0) {
				if (c->lend == UINT64_MAX)
					return;		/* following */
				goto end;
			}
			n = pdu_text_pack(p, room, c->reqid, k, scratch);
			step = 0;
			break;
		default:
			return;
		}
		if (n == PDU_ESPACE && c->job >= J_LOGS)
			c->lpos = save;
		if (n == PDU_ESPACE && c->outlen > 0)
			return;		/* wait for the socket to drain */
		if (conn_add(c, n) > 0)
			c->count++;
		c->cursor += step;
	}
end:
	if (c->job == J_PLAN && plan.dropped > 0) {
		p = conn_room(c, &room);
		snprintf(name, sizeof(name), "%u more", plan.dropped);
		n = pdu_text_pack(p, room, c->reqid, "...", name);
		if (n == PDU_ESPACE)
			return;
		conn_push(c, n);
		plan.dropped = 0;
	}
	p = conn_room(c, &room);
	n = c->job <= J_METRICS && c->lgen != lb_gen ?
	    pdu_error_pack(p, room, c->reqid, "changed", "a reload changed "
	    "the process table mid-reply; ask again") :
	    pdu_end_pack(p, room, c->reqid, c->count);
	if (n == PDU_ESPACE)
		return;
	conn_push(c, n);
	if (c->job == J_PLAN)
		plan.owner = NULL;
	c->job = J_NONE;
	c->state = C_CLOSING;
}

/* Collect one plan line: "key\0action\0". */
static void
plan_emit(void *ctx, const char *id, const char *action)
{
	size_t a = strlen(id), b = strlen(action);

	(void)ctx;
	if (a >= PDU_KEY_MAX || b >= PDU_TEXT_MAX ||
	    sizeof(plan.buf) - plan.len < a + b + 2) {
		plan.dropped++;
		return;
	}
	memcpy(plan.buf + plan.len, id, a + 1);
	memcpy(plan.buf + plan.len + a + 1, action, b + 1);
	plan.len += a + b + 2;
}

/*
 * Resolve the request's IDs to table indices; answer "unknown id" naming
 * the first one that is not known. A group is named @web, web: or web:*
 * (a process outside any group is its own group); web:php names php.
 * -1 when answered.
 */
static int
resolve_ids(struct conn *c, const struct pdu_req *q)
{
	const struct cfg_proc *p;
	const char *id, *g;
	size_t n;
	int i, j = 0, k = 0, m;

	for (i = 0; i < q->nids; i++) {
		id = q->ids[i];
		g = strchr(id, ':');
		m = k;
		if (g != NULL && g[1] != '\0' && strcmp(g, ":*") != 0)
			id = g + 1;
		else if (g != NULL || *id == '@') {
			id += *id == '@';
			n = g != NULL ? (size_t)(g - id) : strlen(id);
			for (j = 0; j < proc_count() && k < PDU_IDS_MAX; j++) {
				p = proc_get(j)->cfg;
				g = p->pgroup != NULL ? p->pgroup : p->id;
				if (strncmp(g, id, n) == 0 && g[n] == '\0')
					c->idx[k++] = (uint16_t)j;
			}
			id = q->ids[i];
		}
		if (k == m && (k == PDU_IDS_MAX || (j = proc_find(id)) < 0)) {
			conn_fail(c, "unknown id", "unknown id: %s", id);
			return -1;
		}
		if (k == m)
			c->idx[k++] = (uint16_t)j;
	}
	c->nidx = k > 0 ? k : -1;
	return 0;
}

/* START, STOP, RESTART, SIGNAL: act on each, report what failed. */
static void
do_action(struct conn *c, const struct pdu_req *q)
{
	char msg[PDU_MSG_MAX];
	const char *why;
	size_t off = 0;
	bool failed = false;
	int i, n, rc;

	msg[0] = '\0';
	if (resolve_ids(c, q) == -1)
		return;
	if (c->nidx < 0 && q->type == PDU_START) {
		proc_start_autostart();
		conn_ok(c, NULL);
		return;
	}
	if (c->nidx < 0 && q->type == PDU_STOP) {
		proc_stop_all();
		conn_ok(c, NULL);
		return;
	}
	n = c->nidx < 0 ? proc_count() : c->nidx;
	for (i = 0; i < n; i++) {
		int idx = c->nidx < 0 ? i : c->idx[i];

		why = NULL;
		if (q->type == PDU_START)
			rc = proc_start(idx, &why);
		else if (q->type == PDU_STOP)
			rc = proc_stop(idx, &why);
		else if (q->type == PDU_RESTART)
			rc = proc_restart(idx, &why);
		else
			rc = proc_signal(idx, q->sig, &why);
		/* A stop names the dependents it stops first (issue 13). */
		if ((rc == -1 || why != NULL) && off < sizeof(msg))
			off += (size_t)snprintf(msg + off, sizeof(msg) - off,
			    "%s%s%s%s", off ? "; " : "", rc == -1 ?
			    proc_get(idx)->cfg->id : "", rc == -1 ? ": " : "",
			    why ? why : "failed");
		failed |= rc == -1;
	}
	if (failed)
		conn_fail(c, "failed", "%s", msg);
	else
		conn_ok(c, off > 0 ? msg : NULL);
}

/*
 * SETTING_SHOW with a key: the matching "key = value" line of
 * cfg_settings_show, or "unknown setting".
 */
static void
do_setting_show(struct conn *c, const struct pdu_req *q)
{
	const struct config *cf = pm_config();
	uint8_t *p;
	size_t room, kl = strlen(q->key);
	char *line, *nl;
	int n;

	/* Then what runs now: the watchdog, a critical failure (issue 18). */
	if (cf == NULL || (n = cfg_settings_show(pm_settings(), scratch,
	    sizeof(scratch))) < 0 || pm_state_show(scratch + n,
	    sizeof(scratch) - n) < 0) {
		conn_fail(c, "failed", "no settings to show");
		return;
	}
	if (kl > 0) {
		for (line = scratch; line != NULL; line = nl) {
			if ((nl = strchr(line, '\n')) != NULL)
				*nl++ = '\0';
			if (strncmp(line, q->key, kl) == 0 &&
			    (line[kl] == ' ' || line[kl] == '=' ||
			    line[kl] == '\t'))
				break;
		}
		if (line == NULL) {
			conn_fail(c, "unknown key", "unknown setting: %s",
			    q->key);
			return;
		}
		kl = strlen(line);
		memmove(scratch, line, kl);
		memcpy(scratch + kl, "\n", 2);
	}
	p = conn_room(c, &room);
	conn_push(c, pdu_text_pack(p, room, c->reqid, "settings", scratch));
	p = conn_room(c, &room);
	conn_last(c, pdu_end_pack(p, room, c->reqid, 1));
}

/* CONFIG_RELOAD and SETTING_RELOAD: run it, then stream the plan. */
static void
do_reload(struct conn *c, const struct pdu_req *q)
{
	static char err[PM_ERR_MAX];
	int rc;

	if (plan.owner != NULL) {
		conn_fail(c, "busy", "another reload is being reported; "
		    "try again");
		return;
	}
	plan.len = 0;
	plan.dropped = 0;
	err[0] = '\0';
	if (q->type == PDU_CONFIG_RELOAD)
		rc = pm_reload((q->flags & PDU_F_DRY_RUN) != 0, plan_emit,
		    NULL, err, sizeof(err));
	else
		rc = pm_setting_reload(plan_emit, NULL, err, sizeof(err));
	if (rc == -1) {
		conn_fail(c, "config", "%s", err[0] ? err : "reload failed");
		return;
	}
	plan.owner = c;
	c->job = J_PLAN;
	c->cursor = 0;
	c->state = C_REPLY;
	conn_flush(c);
}

/*
 * LOGS: the last N lines of a process's ring (all with N = 0), then END;
 * with PDU_F_FOLLOW no END: the connection stays open, exempt from the
 * idle timeout, and ctl_tick pushes new lines as the ring grows. EVENTS
 * (issue 15): the same from the event ring, every event kept.
 */
static void
do_logs(struct conn *c, const struct pdu_req *q)
{
	const struct cfg_proc *cp;
	bool ev = q->type == PDU_EVENTS;

	if (!ev && resolve_ids(c, q) == -1)
		return;
	cp = ev ? NULL : proc_get(c->idx[0])->cfg;
	if (!ev && lb_of(c->idx[0]) == NULL) {
		conn_fail(c, "failed", "%s: no output kept", cp->id);
		return;
	}
	/*
	 * Followers stay; they must never take the slots that ordinary
	 * requests need (issue 11).
	 */
	if ((q->flags & PDU_F_FOLLOW) && !c->bulk) {
		if (nbulk >= bulk_max) {
			conn_fail(c, "busy", "too many followers and TCP "
			    "clients (%d); try again later", bulk_max);
			return;
		}
		c->bulk = true;
		nbulk++;
	}
	c->lpos = 0;
	c->lend = 0;
	c->json = (q->flags & PDU_F_JSON) != 0;
	c->job = J_EVENTS;
	if (!ev) {
		copy_str(c->lid, sizeof(c->lid), cp->id);
		c->lb = lb_of(c->idx[0]);
		c->lgen = lb_gen;
		c->lpos = lb_last(c->lb, q->lines);
		c->lend = lb_end(c->lb);
		c->job = J_LOGS;
	}
	if (q->flags & PDU_F_FOLLOW)
		c->lend = UINT64_MAX;
	c->state = C_REPLY;
	if (c->lend == UINT64_MAX) {
		conn_deadline(c, 0);
		conn_events(c, EPOLLIN);
	}
	conn_flush(c);
}

/* SAVE (issue 17): a CONFIG_SHOW of the processes added by RUN. */
static void
save_ids(struct conn *c)
{
	const struct proc_view *v;
	int i;

	c->nidx = 0;
	for (i = 0; i < proc_count() && c->nidx < PDU_IDS_MAX; i++)
		if ((v = proc_get(i))->cfg->added && proc_find(v->cfg->id) == i)
			c->idx[c->nidx++] = (uint16_t)i;
}

/*
 * adhoc.c's message without its last newline, as an error or an OK. Not
 * inlined: the compiler copied it after each of the three adhoc calls.
 */
static __attribute__((noinline)) void
adhoc_reply(struct conn *c, int rc, char *msg)
{
	size_t i = strlen(msg);

	if (i > 0 && msg[i - 1] == '\n')
		msg[i - 1] = '\0';
	if (rc < 0)
		conn_fail(c, "failed", "%s", msg);
	else
		conn_ok(c, msg);
}

/* RUN, RM and WHY (issue 17): adhoc.c does the work. */
static void
do_adhoc(struct conn *c, const struct pdu_req *q)
{
	static char msg[PDU_MSG_MAX];
	int rc = 0;

	msg[0] = '\0';
	/*
	 * A command of one's choosing runs as pm's user: not for a member
	 * of socket_group, nor over TCP, whose key stops and starts.
	 */
	if ((q->type == PDU_RUN || q->type == PDU_RM) && !c->admin) {
		conn_fail(c, "permission", "run and rm: only root or pm's user "
		    "(uid %u)", (unsigned)geteuid());
		return;
	}
	if (q->type == PDU_WHY) {
		if (resolve_ids(c, q) == -1)
			return;
		adhoc_why(c->idx[0], msg, sizeof(msg));
	} else
		rc = q->type == PDU_RUN ? adhoc_run(q->ids[0], q->text, msg,
		    sizeof(msg)) : adhoc_rm(q->ids[0], msg, sizeof(msg));
	adhoc_reply(c, rc, msg);
}

/* Dispatch one decoded request; every path ends in a reply. */
static void
conn_request(struct conn *c, const struct pdu_req *q)
{
	/* Each request type's handling: a byte each, not a case each. */
	enum { R_NONE, R_ACTION, R_LIST, R_RELOAD, R_SETTING, R_END, R_LOGS,
	    R_ADHOC, R_REOPEN, R_VERSION };
	static const uint8_t how[PDU_REQ_LAST + 1] = {
		[PDU_START] = R_ACTION, [PDU_STOP] = R_ACTION,
		[PDU_RESTART] = R_ACTION, [PDU_SIGNAL] = R_ACTION,
		[PDU_SAVE] = R_LIST, [PDU_STATUS] = R_LIST,
		[PDU_CONFIG_SHOW] = R_LIST, [PDU_METRICS] = R_LIST,
		[PDU_CONFIG_RELOAD] = R_RELOAD, [PDU_SETTING_RELOAD] = R_RELOAD,
		[PDU_SETTING_SHOW] = R_SETTING, [PDU_SHUTDOWN] = R_END,
		[PDU_HALT] = R_END, [PDU_POWEROFF] = R_END,
		[PDU_REBOOT] = R_END, [PDU_LOGS] = R_LOGS,
		[PDU_EVENTS] = R_LOGS, [PDU_RUN] = R_ADHOC, [PDU_RM] = R_ADHOC,
		[PDU_WHY] = R_ADHOC, [PDU_LOG_REOPEN] = R_REOPEN,
		[PDU_VERSION] = R_VERSION
	};
	uint8_t *p;
	size_t room;

	c->reqid = q->reqid;
	c->count = 0;
	c->cursor = 0;
	/* q->type is a request's (pdu_unpack), so within how[]. */
	switch (how[q->type]) {
	case R_ACTION:
		do_action(c, q);
		break;
	case R_LIST:
		if (q->type == PDU_SAVE)
			save_ids(c);
		else if (resolve_ids(c, q) == -1)
			return;
		c->job = q->type == PDU_STATUS ? J_STATUS : q->type ==
		    PDU_METRICS ? J_METRICS : J_SHOW;
		c->lgen = lb_gen;
		c->state = C_REPLY;
		conn_flush(c);
		break;
	case R_RELOAD:
		do_reload(c, q);
		break;
	case R_SETTING:
		do_setting_show(c, q);
		break;
	case R_END:
		log_info("%s requested over the control socket",
		    pdu_type_name(q->type));
		conn_ok(c, NULL);
		pm_shutdown((enum pm_end)(q->type - PDU_SHUTDOWN), 0);
		break;
	case R_LOGS:
		do_logs(c, q);
		break;
	case R_ADHOC:
		do_adhoc(c, q);
		break;
	case R_REOPEN:
		lb_reopen();
		conn_ok(c, NULL);
		break;
	case R_VERSION:
		p = conn_room(c, &room);
		conn_last(c, pdu_version_pack(p, room, c->reqid, PM_VERSION));
		break;
	default:
		conn_fail(c, "protocol", "unexpected %s request",
		    pdu_type_name(q->type));
		break;
	}
}

/* Is name (HOST:PORT as a client dialled it) one of this server's? */
static bool
ident_ok(const char *name)
{
	const char *p, *e;
	size_t n = strlen(name);

	for (p = idents; *p != '\0'; p = *e ? e + 1 : e) {
		while (*p == ' ')
			p++;
		e = p + strcspn(p, ",");
		if ((size_t)(e - p) == n && strncasecmp(p, name, n) == 0)
			return true;
	}
	return false;
}

/*
 * TCP auth v2 (issue 11): the client's answer binds our nonce, its nonce
 * and the name it dialled, so a relay can neither pass our challenge to
 * a client that dialled it, nor replay an answer. We prove the key in
 * return, and both sides tag every later PDU with the session key.
 * -1 when the peer was refused.
 */
static int
conn_auth(struct conn *c, const struct pdu_req *q)
{
	uint8_t cmac[SHA256_LEN], smac[SHA256_LEN], *p;
	size_t room;

	if (q->type != PDU_AUTH) {
		conn_fail(c, "auth", "authentication required");
		return -1;
	}
	if (q->host[0] == '\0') {
		conn_fail(c, "auth", "this server needs TCP authentication "
		    "version " STR(PDU_AUTHV) " (client nonce and server name); "
		    "upgrade the client");
		return -1;
	}
	if (!ident_ok(q->host)) {
		log_limited(&lim_auth, "control: TCP peer dialled "
		    "'%s', which is not a name of this server (listen, "
		    "tcp_identity)", q->host);
		conn_fail(c, "auth", "authentication failed: this server is "
		    "not '%s' (see tcp_identity)", q->host);
		return -1;
	}
	auth_start(&c->as, key, keylen, c->nonce, q->nonce, q->host, cmac,
	    smac);
	if (!ct_equal(cmac, q->mac, sizeof(cmac))) {
		log_limited(&lim_auth, "control: TCP peer failed "
		    "authentication");
		conn_fail(c, "auth", "authentication failed");
		return -1;
	}
	p = conn_room(c, &room);
	conn_push(c, pdu_auth_ok_pack(p, room, smac));
	explicit_bzero(smac, sizeof(smac));
	c->sealed = true;
	c->state = C_READ;
	c->unauth = false;
	nunauth--;
	conn_deadline(c, CTL_TIMEOUT_MS);
	conn_flush(c);
	return 0;
}

/*
 * Take whole PDUs from the in buffer. Anything malformed is answered
 * with an error and the connection closes; the header is judged before
 * the body is waited for, so a declared 2 GiB length costs nothing.
 */
static void
conn_parse(struct conn *c)
{
	static struct pdu_req q;
	struct pdu_hdr h;
	int rc;

	while (c->state == C_AUTH || c->state == C_READ) {
		rc = pdu_hdr_unpack(c->in, c->inlen, &h);
		if (rc == PDU_ESHORT)
			return;
		if (rc == PDU_EVERSION) {
			conn_fail(c, "version", "protocol version mismatch: "
			    "server speaks " STR(PM_PROTO) ", client sent %d",
			    h.version);
			return;
		}
		if (rc == 0 && h.len > sizeof(c->in))
			rc = PDU_ESPACE;
		if (rc != 0) {
			conn_fail(c, "protocol", "%s", pdu_strerror(rc));
			return;
		}
		if (c->inlen < h.len)
			return;
		c->reqid = h.reqid;
		/* Forged, replayed, reordered: judged before it is read. */
		if (c->sealed && auth_check(&c->as, AUTH_C2S, c->in,
		    h.len) == -1) {
			log_limited(&lim_auth, "control: TCP request "
			    "failed authentication");
			conn_fail(c, "auth", "request failed authentication");
			return;
		}
		rc = pdu_req_unpack(c->in, h.len, &q);
		/* Both speak PM_PROTO here (else PDU_EVERSION above). */
		if (rc == PDU_ETYPE) {
			conn_fail(c, "protocol", "unknown request type %d "
			    "(server protocol " STR(PM_PROTO) ", client "
			    "protocol " STR(PM_PROTO) ")", h.type);
			return;
		}
		if (rc != 0) {
			conn_fail(c, "protocol", "bad %s request: %s",
			    pdu_type_name(h.type), pdu_strerror(rc));
			return;
		}
		memmove(c->in, c->in + h.len, c->inlen - h.len);
		c->inlen -= h.len;
		if (c->state == C_AUTH) {
			if (conn_auth(c, &q) == -1)
				return;
			continue;
		}
		if (q.type == PDU_AUTH) {
			conn_fail(c, "protocol", "unexpected auth");
			return;
		}
		conn_events(c, 0);
		conn_request(c, &q);
	}
}

/* ------------------------------------------------------------ plumbing */

/*
 * Write what is queued; refill from the job's cursor as room appears;
 * close when a finished reply has gone out. Each write that makes
 * progress grants the peer another timeout to keep reading.
 */
static void
conn_flush(struct conn *c)
{
	ssize_t n;

	for (;;) {
		if (c->job != J_NONE)
			conn_refill(c);
		if (c->outoff == c->outlen)
			break;
		n = send(c->w.fd, c->out + c->outoff, c->outlen - c->outoff,
		    MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/*
			 * A follower that takes nothing for CTL_STALL_MS is
			 * dropped: stopped, or a TCP peer gone (issue 11).
			 */
			if (c->job >= J_LOGS && c->lend == UINT64_MAX &&
			    c->deadline == 0)
				conn_deadline(c, CTL_STALL_MS);
			conn_events(c, EPOLLOUT);
			return;
		}
		if (n == -1) {
			conn_close(c);
			return;
		}
		c->outoff += (size_t)n;
		/* The handshake's deadline is its own, and short. */
		if (c->state != C_AUTH)
			conn_deadline(c, c->job >= J_LOGS &&
			    c->lend == UINT64_MAX ? 0 : CTL_TIMEOUT_MS);
	}
	if (c->state == C_CLOSING && c->job == J_NONE)
		conn_close(c);
	else if (c->state == C_AUTH || c->state == C_READ || c->job >= J_LOGS)
		conn_events(c, EPOLLIN);
}

static void
conn_close(struct conn *c)
{
	if (c->state == C_FREE)
		return;
	if (plan.owner == c)
		plan.owner = NULL;
	loop_close(&c->w);
	c->state = C_FREE;
	c->deadline = 0;
	c->sealed = false;
	explicit_bzero(&c->as, sizeof(c->as));
	nactive--;
	if (c->bulk)
		nbulk--;
	if (c->unauth)
		nunauth--;
	c->bulk = c->unauth = false;
	listeners_resume(UINT64_MAX);
}

static void
conn_cb(struct watch *w, uint32_t ev)
{
	struct conn *c = (struct conn *)w;
	ssize_t n;
	size_t off;
	bool rd;

	if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		/*
		 * A peer that hangs up before its reply is gone; a follower
		 * (the one reader here) ends with EOF, what it sends is
		 * dropped.
		 */
		rd = c->state == C_AUTH || c->state == C_READ;
		if (!rd && (ev & (EPOLLHUP | EPOLLERR))) {
			conn_close(c);
			return;
		}
		if (rd || (ev & EPOLLIN)) {
			off = rd ? c->inlen : 0;
			n = recv(c->w.fd, c->in + off, sizeof(c->in) - off, 0);
			if (n == 0 || (n == -1 && errno != EAGAIN &&
			    errno != EINTR)) {
				conn_close(c);
				return;
			}
			if (rd && n > 0) {
				c->inlen += (uint32_t)n;
				conn_parse(c);
				if (c->state == C_FREE)
					return;
			}
		}
	}
	if (ev & EPOLLOUT)
		conn_flush(c);
}

/*
 * A Unix peer may talk to pm when it is root, runs as pm's own user, or
 * belongs to socket_group (primary or supplementary, read from /proc as
 * the static binary has no NSS).
 */
static bool
peer_allowed(int fd, uid_t *uid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	char path[64], line[512], *p, *end;
	FILE *f;
	bool ok = false;

	*uid = (uid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1)
		return false;
	*uid = cr.uid;
	if (cr.uid == 0 || cr.uid == geteuid())
		return true;
	if (sock_gid == NO_GID)
		return false;
	if (cr.gid == sock_gid)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)cr.pid);
	if ((f = fopen(path, "re")) == NULL)
		return false;
	while (!ok && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		for (p = line + 7; !ok; p = end) {
			unsigned long g = strtoul(p, &end, 10);

			if (end == p)
				break;
			ok = g == sock_gid;
		}
	}
	fclose(f);
	return ok;
}

/*
 * A TCP peer that vanished (a board switched off, a cable pulled) is
 * noticed within about two minutes even when pm has nothing to send it.
 */
static void
tcp_keepalive(int fd)
{
	/* Each option and its value: on, idle 60 s, then 6 probes 10 s apart. */
	static const int opts[][3] = {
		{ SOL_SOCKET, SO_KEEPALIVE, 1 },
		{ IPPROTO_TCP, TCP_KEEPIDLE, 60 },
		{ IPPROTO_TCP, TCP_KEEPINTVL, 10 },
		{ IPPROTO_TCP, TCP_KEEPCNT, 6 },
	};
	int i;

	for (i = 0; i < 4; i++)
		(void)setsockopt(fd, opts[i][0], opts[i][1], &opts[i][2],
		    sizeof(int));
}

/*
 * A fresh challenge nonce, without blocking (GRND_NONBLOCK): -1 with
 * errno EAGAIN while the kernel's pool is not yet initialized.
 */
static int
nonce_fill(uint8_t *nonce)
{
	ssize_t n = getrandom(nonce, PDU_NONCE_LEN, GRND_NONBLOCK);

	if (n == PDU_NONCE_LEN)
		return 0;
	if (n >= 0)
		errno = EAGAIN;
	return -1;
}

/* Tell a peer we will not serve it, without waiting, then close it. */
static void
refuse(int fd, const char *code, const char *msg)
{
	uint8_t buf[256];
	int n;

	if ((n = pdu_error_pack(buf, sizeof(buf), 0, code, msg)) > 0)
		(void)send(fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

/*
 * Accept until EAGAIN. When out of fds, stop watching the listeners so
 * the loop does not spin on a readable socket it cannot accept from;
 * they come back when a connection closes or after CTL_RETRY_MS.
 */
static void
listen_cb(struct watch *w, uint32_t ev)
{
	struct listener *l = (struct listener *)w;
	struct conn *c;
	char why[128];
	uid_t uid = (uid_t)-1;
	int fd, i;
	bool full;

	(void)ev;
	for (;;) {
		fd = accept4(l->w.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			full = errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM;
			if (full || (errno != EAGAIN && errno != EWOULDBLOCK))
				log_warn("control: accept: %m%s", full ?
				    "; pausing" : "");
			if (full) {
				paused_until = now_ms() + CTL_RETRY_MS;
				listeners_enable(false);
				loop_deadline_changed();
			}
			return;
		}
		if (l->kind == K_UNIX && !peer_allowed(fd, &uid)) {
			/* Say why, so the refused user knows (issue 12). */
			snprintf(why, sizeof(why), "permission denied: uid %d "
			    "is not root, pm's user (uid %u) or in "
			    "socket_group", (int)uid, (unsigned)geteuid());
			log_limited(&lim_refused, "control: peer "
			    "refused: %s", why +
			    sizeof("permission denied: ") - 1);
			refuse(fd, "permission", why);
			continue;
		}
		/*
		 * TCP peers never take the local reserve, and those still in
		 * the handshake have a small pool of their own (issue 11).
		 */
		if (nactive >= nconns || (l->kind == K_TCP &&
		    (nbulk >= bulk_max || nunauth >= CTL_UNAUTH_MAX))) {
			log_limited(&lim_busy, "control: too many %s "
			    "(%d)", l->kind == K_UNIX ? "clients" : nunauth >=
			    CTL_UNAUTH_MAX ? "unauthenticated TCP peers" :
			    "TCP clients and followers", l->kind == K_UNIX ?
			    nconns : nunauth >= CTL_UNAUTH_MAX ?
			    CTL_UNAUTH_MAX : bulk_max);
			refuse(fd, "busy", "too many clients");
			continue;
		}
		for (i = 0; conns[i].state != C_FREE; i++)
			;
		c = &conns[i];
		c->kind = l->kind;
		c->admin = l->kind == K_UNIX && (uid == 0 || uid == geteuid());
		c->state = l->kind == K_TCP ? C_AUTH : C_READ;
		c->job = J_NONE;
		c->inlen = c->outoff = c->outlen = 0;
		c->reqid = 0;
		c->events = EPOLLIN;
		if (loop_watch(&c->w, fd, conn_cb) == -1) {
			log_warn("control: epoll: %m");
			c->state = C_FREE;
			continue;
		}
		nactive++;
		conn_deadline(c, c->kind == K_TCP ? CTL_AUTH_MS :
		    CTL_TIMEOUT_MS);
		if (c->kind == K_TCP) {
			uint8_t *p;
			size_t room;

			c->bulk = c->unauth = true;
			nbulk++;
			nunauth++;
			tcp_keepalive(fd);
			/*
			 * Never wait for entropy: on a board at boot the pool
			 * may not be ready, and the loop must not block. The
			 * peer is told why and may try again.
			 */
			if (nonce_fill(c->nonce) == -1) {
				log_limited(&lim_busy, "control: no "
				    "random nonce for a TCP peer: %m");
				conn_fail(c, "busy", "the server's random "
				    "source is not ready yet; try again");
				continue;
			}
			p = conn_room(c, &room);
			conn_push(c, pdu_challenge_pack(p, room, c->nonce));
			conn_flush(c);
		}
	}
}

uint64_t
ctl_tick(uint64_t now)
{
	uint64_t next = 0;
	int i;

	listeners_resume(now);
	for (i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];

		if (c->state == C_FREE)
			continue;
		if (c->deadline != 0 && now >= c->deadline) {
			if (c->job >= J_LOGS && c->lend == UINT64_MAX)
				log_limited(&lim_stall, "control: "
				    "follower of %s took nothing for "
				    STR(CTL_STALL_S) " s; dropped", c->job ==
				    J_LOGS ? c->lid : "events");
			else
				log_debug("control: peer timed out");
			conn_close(c);
			continue;
		}
		/* Followers not waiting on their socket get the new lines. */
		if (!(c->events & EPOLLOUT) && ((c->job == J_LOGS &&
		    (c->lgen != lb_gen || lb_end(c->lb) != c->lpos)) ||
		    (c->job == J_EVENTS && ev_end() != c->lpos)))
			conn_flush(c);
		if (c->state == C_FREE)
			continue;
		if (c->deadline != 0 && (next == 0 || c->deadline < next))
			next = c->deadline;
	}
	if (paused_until != 0 && (next == 0 || paused_until < next))
		next = paused_until;
	return next;
}

/* ----------------------------------------------------------------- init */

static int
add_listener(int fd, int kind)
{
	struct listener *l = &lis[nlis];

	l->kind = kind;
	if (listen(fd, 128) == -1) {
		close(fd);
		return -1;
	}
	if (loop_watch(&l->w, fd, listen_cb) == -1)
		return -1;
	nlis++;
	return 0;
}

/*
 * Who listens at sun? 1 with their uid in *uid (-1 when unknown), 0 when
 * nobody does (a stale file, or a free abstract name), -1 with errno set.
 * A server that was just SIGKILLed may leave its socket open for a moment
 * in a child caught between vfork and exec, so a connect that succeeds is
 * tried again for up to a second (this runs before the loop, where waiting
 * is allowed).
 */
static int
sock_probe(const struct sockaddr_un *sun, socklen_t len, uid_t *uid)
{
	struct ucred cr;
	socklen_t crlen = sizeof(cr);
	int fd, rc, e, tries;

	for (tries = 0;; tries++) {
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0)) == -1)
			return -1;
		rc = connect(fd, (const struct sockaddr *)sun, len);
		if (rc == -1 && errno != EAGAIN && errno != EINPROGRESS) {
			e = errno;
			close(fd);
			errno = e;
			return e == ECONNREFUSED ? 0 : -1;
		}
		if (tries == 10)
			break;
		close(fd);
		/* poll of no fd: a sleep, with no nanosleep linked */
		(void)poll(NULL, 0, 100);
	}
	*uid = (uid_t)-1;
	if (rc == 0 && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr,
	    &crlen) == 0)
		*uid = cr.uid;
	close(fd);
	return 1;
}

/*
 * Make the directory of a default location fit to hold the socket
 * (issues 11 and 12): /run is created when the image has none; /tmp/pm-UID
 * is created 0700 and must be a real directory of ours that nobody else
 * can write, so another user can neither squat it nor swap it. 0, or -1
 * with the reason in why.
 */
static int
sock_dir(const struct sock_loc *l, char *why, size_t len)
{
	char dir[sizeof(l->name)];
	const char *fmt = "%s: %m";
	struct stat st;
	unsigned x = 0;

	if (l->dir == SD_GIVEN || l->dir == SD_ABSTRACT)
		return 0;
	memcpy(dir, l->name, sizeof(dir));
	*strrchr(dir, '/') = '\0';
	/* mkdirat, as cgroup.c makes its groups: mkdir is not linked. */
	if (l->dir != SD_OWN && mkdirat(AT_FDCWD, dir, l->dir == SD_PRIVATE ?
	    0700 : 0755) == -1 && errno != EEXIST)
		goto fail;
	/* Root's own /run may be a symlink root made; the others never. */
	if (fstatat(AT_FDCWD, dir, &st,
	    l->dir == SD_RUN ? 0 : AT_SYMLINK_NOFOLLOW) == -1)
		goto fail;
	/* One format and its number: the owner's uid or the mode. */
	if (!S_ISDIR(st.st_mode))
		fmt = "%s is not a directory";
	else if ((x = st.st_uid) != geteuid())
		fmt = "%s belongs to uid %u";
	else if ((st.st_mode & 022) != 0 && (l->dir != SD_RUN ||
	    !(st.st_mode & S_ISVTX))) {
		fmt = "%s is writable by others (mode %03o)";
		x = st.st_mode & 0777;
	} else
		return 0;
fail:
	snprintf(why, len, fmt, dir, x);
	return -1;
}

/*
 * Bind one location. A socket file nobody answers on is stale (pm was
 * killed) and removed; one that answers is left alone: our own user's is
 * another pm (-2, logged), anyone else's a squatter this location is lost
 * to. -1 with the reason in why: try the next location.
 */
static int
unix_bind(const struct sock_loc *l, char *why, size_t len)
{
	struct sockaddr_un sun;
	socklen_t alen;
	struct stat st;
	uid_t peer = 0;
	mode_t old;
	int fd, rc, tries = 0;
	/* Why not, formatted once at fail with the peer's uid. */
	const char *fmt = "name too long";

	if (cfg_sockaddr(l->name, &sun, &alen) == -1)
		goto fail;
	if (sock_dir(l, why, len) == -1)
		return -1;
again:
	rc = 0;
	if (l->name[0] != '@' && fstatat(AT_FDCWD, l->name, &st,
	    AT_SYMLINK_NOFOLLOW) == 0) {
		fmt = "exists and is not a socket";
		if (!S_ISSOCK(st.st_mode))
			goto fail;
		/* unlinkat, raw: the one call every arch has. */
		fmt = "cannot remove stale socket: %m";
		if ((rc = sock_probe(&sun, alen, &peer)) == 0 &&
		    syscall(SYS_unlinkat, AT_FDCWD, l->name, 0) == -1)
			goto fail;
	}
	if (rc == 1)
		goto held;
	fmt = "%m";
	if (rc == -1 || (fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	/*
	 * The final mode comes from the umask at bind, and the group is set
	 * without following a symlink: a chmod or chown by path after bind
	 * would follow whatever someone with write access to the directory
	 * put there meanwhile, and make root chmod 0660 a file of their
	 * choosing (issue 8).
	 */
	/* The raw calls, as sys.c's child makes its own: no wrapper linked. */
	old = (mode_t)syscall(SYS_umask, sock_gid != NO_GID ? 0117 :
	    0177);
	rc = bind(fd, (struct sockaddr *)&sun, alen);
	syscall(SYS_umask, old);
	if (rc == -1) {
		snprintf(why, len, "bind: %m");
		close(fd);
		/* An abstract name is never stale: who holds it? */
		if (errno != EADDRINUSE || l->name[0] != '@' || tries++ > 0)
			return -1;
		if ((rc = sock_probe(&sun, alen, &peer)) == 0)
			goto again;
		if (rc == -1)
			return -1;
		goto held;
	}
	if (l->name[0] != '@')
		memcpy(sockpath, l->name, sizeof(sockpath));
	/* Raw fchownat: its wrapper was linked for this one call. */
	if (sock_gid != NO_GID && l->name[0] != '@' && syscall(SYS_fchownat,
	    AT_FDCWD, l->name, (uid_t)-1, sock_gid,
	    AT_SYMLINK_NOFOLLOW) == -1) {
		snprintf(why, len, "group: %m");
		close(fd);
		return -2;
	}
	return fd;
held:
	if (peer == geteuid()) {
		log_err("another pm is already listening on %s", l->name);
		return -2;
	}
	fmt = peer == (uid_t)-1 ? "held by a process that does not answer" :
	    "held by uid %u, not by pm's user";
fail:
	snprintf(why, len, fmt, (unsigned)peer);
	return -1;
}

/*
 * Create the Unix socket at the first usable location of the rule
 * (cfg_socket_locs). An explicit location is the only one: its failure is
 * an error. The defaults are tried in order, each failure logged, so a
 * scratch image, a read-only root or a squatted path still gets a socket.
 */
static int
unix_init(const struct sock_loc *v, int n)
{
	char why[256];
	int fd = -1, i;

	for (i = 0; i < n; i++) {
		why[0] = '\0';
		if ((fd = unix_bind(&v[i], why, sizeof(why))) >= 0)
			break;
		/* -2, or the only place: an error (-2 may have said why). */
		if (fd == -2 || n == 1) {
			if (fd == -1 || why[0] != '\0')
				log_err("control socket %s: %s", v[i].name,
				    why);
			return -1;
		}
		log_info("control socket %s: %s; trying the next place",
		    v[i].name, why);
	}
	if (fd < 0) {
		if (n > 1)
			log_err("no usable control socket location (see above)");
		return -1;
	}
	if (add_listener(fd, K_UNIX) == -1) {
		log_err("listen %s: %m", v[i].name);
		return -1;
	}
	log_info("control socket %s", v[i].name);
	return 0;
}

/*
 * The pre-shared key. A key others could read is no secret, so such a
 * file stops pm from starting, with the file named. file is never NULL:
 * the config refuses listen without token_file, and http.c passes
 * http_token_file only when it is set.
 */
int
ctl_key_load(const char *file, char *buf, size_t *len)
{
	struct stat st;
	ssize_t n = -1;
	unsigned mode = 0;
	int fd;
	/* Why not, logged once at the end with the file and its mode (pm_log:
	 * the level is the format's first byte, as log.h's macros put it). */
	const char *fmt = "\3token_file %s: %m";

	/* O_NONBLOCK: a FIFO put there must not hang pm at start. */
	if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		goto bad;
	if (fstat(fd, &st) == -1 || ((mode = st.st_mode & 0777) & 077) != 0)
		fmt = "\3token_file %s is accessible by group or others "
		    "(mode %03o); chmod 600 it";
	/* Its owner can read it too, or rewrite it: only pm's user or root. */
	else if (!S_ISREG(st.st_mode) || (st.st_uid != 0 &&
	    st.st_uid != geteuid()))
		fmt = "\3token_file %s must be a regular file owned by root "
		    "or by pm's user";
	else if ((n = read(fd, buf, CTL_KEY_MAX)) == CTL_KEY_MAX) {
		fmt = "\3token_file %s: too long";
		n = -1;
	}
	close(fd);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n == 0)
		fmt = "\3token_file %s is empty";
	if (n <= 0) {
bad:
		pm_log(fmt, file, mode);
		return -1;
	}
	*len = (size_t)n;
	return 0;
}

/*
 * The names a TCP client may dial this server by (issue 11): the listen
 * value as written and the tcp_identity list. A wildcard listen address
 * is not one a client can dial.
 */
static int
idents_init(const char *listen_on, const char *more)
{
	if (snprintf(idents, sizeof(idents), "%s,%s", listen_on,
	    more != NULL ? more : "") >= (int)sizeof(idents)) {
		log_err("tcp_identity: too long (max " STR(CTL_IDS_MAX)
		    " bytes)");
		return -1;
	}
	if (more == NULL && (listen_on[0] == ':' || listen_on[0] == '*' ||
	    strncmp(listen_on, "0.0.0.0:", 8) == 0 ||
	    strncmp(listen_on, "[::]:", 5) == 0))
		log_warn("listen = %s: no client can dial that name; set "
		    "tcp_identity = HOST:PORT (the names clients use)",
		    listen_on);
	return 0;
}

/* TCP listeners for HOST:PORT ("[::1]:7000", "127.0.0.1:7000", ":7000"). */
int
ctl_tcp_bind(const char *what, const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, on = 1;

	if (cfg_parse_addr(addr, true, &ss, &len) < 0) {
		log_err("%s = %s: expected IP:PORT, [IPV6]:PORT or *:PORT",
		    what, addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		log_err("%s = %s: socket: %m", what, addr);
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, 128) == -1) {
		log_err("%s = %s: bind: %m", what, addr);
		close(fd);
		return -1;
	}
	return fd;
}

static int
tcp_init(const char *listen_on)
{
	int fd = ctl_tcp_bind("listen", listen_on);

	return fd == -1 ? -1 : add_listener(fd, K_TCP);
}

int
ctl_init(const struct config *c, const char *sock_override)
{
	struct sock_loc v[PM_SOCK_LOCS];
	int max, n;

	/* The config holds max_clients to 1..65535. */
	max = c != NULL ? c->set.max_clients : 256;
	if ((conns = calloc((size_t)max, sizeof(*conns))) == NULL) {
		log_err("control: %m");
		return -1;
	}
	nconns = max;
	bulk_max = max - (max / 4 > 1 ? max / 4 : 1);
	if (bulk_max < 1)
		bulk_max = 1;
	/* The config's socket_gid is NO_GID without socket_group. */
	sock_gid = c != NULL ? c->set.socket_gid : NO_GID;
	if (c != NULL && c->set.listen != NULL &&
	    (ctl_key_load(c->set.token_file, key, &keylen) == -1 ||
	    idents_init(c->set.listen, c->set.tcp_identity) == -1 ||
	    tcp_init(c->set.listen) == -1)) {
		ctl_fini();
		return -1;
	}
	if (sock_override != NULL) {
		memset(v, 0, sizeof(v));
		n = snprintf(v[0].name, sizeof(v[0].name), "%s",
		    sock_override) < (int)sizeof(v[0].name) ? 1 : -1;
	} else
		n = cfg_socket_locs(c, true, v);
	if (n == -1 || unix_init(v, n) == -1) {
		if (n == -1)
			log_err("control socket path too long");
		ctl_fini();
		return -1;
	}
	return 0;
}

void
ctl_fini(void)
{
	int i;

	for (i = 0; i < nconns; i++)
		conn_close(&conns[i]);
	for (i = 0; i < nlis; i++)
		loop_close(&lis[i].w);
	nlis = 0;
	if (sockpath[0] != '\0')
		(void)syscall(SYS_unlinkat, AT_FDCWD, sockpath, 0);
	sockpath[0] = '\0';
	free(conns);
	conns = NULL;
	nconns = 0;
	explicit_bzero(key, sizeof(key));
	keylen = 0;
}
