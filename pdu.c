/*
 * pdu.c: encode and decode pm's control PDUs (PROTOCOL.md).
 *
 * Two layers, kept apart as OpenBSD's imsg keeps framing apart from the
 * messages: the framing (the 16-byte header, the TLV fields, the limits
 * of both) is the wr_* and rd_* helpers; the messages are data. Each
 * message type is a row of msgs[] naming a table of its fields in ft,
 * and one walker, pdu_pack(), packs any of them from its struct, and
 * another, pdu_unpack(), checks and decodes any of them into it. The
 * pdu_*_pack and pdu_*_unpack calls of pdu.h are that pair under the names
 * of their messages.
 *
 * Adding a message type:
 *   1. pdu.h: its number in enum pdu_type (keep PDU_REQ_LAST or
 *      PDU_REP_LAST last), new tags at the end of enum pdu_tag, and the
 *      struct it fills (strings as char arrays with room for the NUL).
 *   2. Here: a field table, one struct field row per tag, in the order
 *      they go on the wire (the F_* macros below fill a row), and the
 *      message's row in msgs[] and its name in names.
 *   3. pdu.h: pack and unpack names for it beside the others, and a
 *      line in PROTOCOL.md's tables; tests/unit/pdu_test.c: its golden
 *      bytes.
 * A request type uses struct pdu_req (a new request field is a member
 * there): its table says which of the request fields it carries, and
 * every request table starts with the ID list and how many IDs it takes.
 *
 * The decoder trusts nothing it is given: the header's length is checked
 * against PDU_HDR_SIZE and PDU_MAX before the payload is looked at, every
 * field length against the bytes that remain, every string for an
 * embedded NUL and for the room of the field it lands in. Fields with a
 * tag the message does not know are skipped, so a newer peer may add
 * fields; a known scalar field with the wrong size, or given twice, makes
 * the PDU malformed. No I/O, no logging, no globals (the tables are const).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "pdu.h"

void
pdu_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void
pdu_put32(uint8_t *p, uint32_t v)
{
	pdu_put16(p, (uint16_t)(v >> 16));
	pdu_put16(p + 2, (uint16_t)v);
}

void
pdu_put64(uint8_t *p, uint64_t v)
{
	pdu_put32(p, (uint32_t)(v >> 32));
	pdu_put32(p + 4, (uint32_t)v);
}

uint16_t
pdu_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t
pdu_get32(const uint8_t *p)
{
	return (uint32_t)pdu_get16(p) << 16 | pdu_get16(p + 2);
}

uint64_t
pdu_get64(const uint8_t *p)
{
	return (uint64_t)pdu_get32(p) << 32 | pdu_get32(p + 4);
}

/*
 * Word n of the NUL-separated words w, which has max of them; none when
 * n is not one of them. The names below are such lists, not tables of
 * pointers.
 */
static const char *
word(const char *w, unsigned n, unsigned max, const char *none)
{
	if (n >= max)
		return none;
	while (n-- > 0)
		w += strlen(w) + 1;
	return w;
}

/* ------------------------------------------------------------- writing */

/*
 * A writer over a caller's buffer. The first failure sticks in err, so
 * pdu_pack can add all of a message's fields and check once at the end.
 */
struct wr {
	uint8_t	*buf;
	size_t	 cap;
	size_t	 len;
	int	 err;
};

static void
wr_begin(struct wr *w, uint8_t *buf, size_t cap, int type, uint16_t flags,
    uint32_t reqid)
{
	w->buf = buf;
	w->cap = cap < PDU_MAX ? cap : PDU_MAX;
	w->len = PDU_HDR_SIZE;
	w->err = 0;
	if (w->cap < PDU_HDR_SIZE) {
		w->err = PDU_ESPACE;
		return;
	}
	pdu_put16(buf + PDU_OFF_MAGIC, PDU_MAGIC);
	buf[PDU_OFF_VERSION] = PM_PROTO;
	buf[PDU_OFF_TYPE] = (uint8_t)type;
	pdu_put16(buf + PDU_OFF_FLAGS, flags);
	pdu_put16(buf + PDU_OFF_RSVD, 0);
	pdu_put32(buf + PDU_OFF_REQID, reqid);
}

/* Add one field; the value is copied as is. */
static void
wr_field(struct wr *w, int tag, const void *val, size_t len)
{
	if (w->err)
		return;
	if (len > 0xffff || w->cap - w->len < 4 + len) {
		w->err = PDU_ESPACE;
		return;
	}
	pdu_put16(w->buf + w->len, (uint16_t)tag);
	pdu_put16(w->buf + w->len + 2, (uint16_t)len);
	if (len > 0)
		memcpy(w->buf + w->len + 4, val, len);
	w->len += 4 + len;
}

/*
 * Strings go without their NUL. One that would not fit the receiver's
 * field (max, NUL included) is refused here rather than truncated, so
 * the sender learns of it instead of the peer.
 */
static void
wr_str(struct wr *w, int tag, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (n >= max) {
		if (!w->err)
			w->err = PDU_ESPACE;
		return;
	}
	wr_field(w, tag, s, n);
}

static int
wr_end(struct wr *w)
{
	if (w->err)
		return w->err;
	pdu_put32(w->buf + PDU_OFF_LEN, (uint32_t)w->len);
	return (int)w->len;
}

/* ------------------------------------------------------------- reading */

struct rd {
	const uint8_t	*p;
	size_t		 left;
};

/*
 * Check the header of one whole PDU of len bytes and of the wanted type
 * (0: any request), then set r to its payload.
 */
static int
rd_begin(struct rd *r, const uint8_t *buf, size_t len, int want,
    struct pdu_hdr *h)
{
	int rc;

	if ((rc = pdu_hdr_unpack(buf, len, h)) != 0)
		return rc;
	if (h->len != len)
		return PDU_ELEN;
	if (want ? h->type != want : !pdu_is_request(h->type))
		return PDU_ETYPE;
	r->p = buf + PDU_HDR_SIZE;
	r->left = len - PDU_HDR_SIZE;
	return 0;
}

/* Next field: 1 with tag, val and n set, 0 at the end, PDU_EFIELD. */
static int
rd_next(struct rd *r, int *tag, const uint8_t **val, size_t *n)
{
	if (r->left == 0)
		return 0;
	if (r->left < 4)
		return PDU_EFIELD;
	*tag = pdu_get16(r->p);
	*n = pdu_get16(r->p + 2);
	if (*n > r->left - 4)
		return PDU_EFIELD;
	*val = r->p + 4;
	r->p += 4 + *n;
	r->left -= 4 + *n;
	return 1;
}

/* Copy a string field into dst (size max): no NUL inside, room for one. */
static int
rd_str(const uint8_t *val, size_t n, char *dst, size_t max)
{
	if (n >= max || memchr(val, '\0', n) != NULL)
		return PDU_EFIELD;
	memcpy(dst, val, n);
	dst[n] = '\0';
	return 0;
}

int
pdu_hdr_unpack(const uint8_t *buf, size_t avail, struct pdu_hdr *h)
{
	if (avail < PDU_OFF_TYPE + 1)
		return PDU_ESHORT;
	if (pdu_get16(buf + PDU_OFF_MAGIC) != PDU_MAGIC)
		return PDU_EMAGIC;
	h->version = buf[PDU_OFF_VERSION];
	h->type = buf[PDU_OFF_TYPE];
	if (h->version != PM_PROTO)
		return PDU_EVERSION;
	if (avail < PDU_HDR_SIZE)
		return PDU_ESHORT;
	h->flags = pdu_get16(buf + PDU_OFF_FLAGS);
	h->reqid = pdu_get32(buf + PDU_OFF_REQID);
	h->len = pdu_get32(buf + PDU_OFF_LEN);
	if (h->len < PDU_HDR_SIZE || h->len > PDU_MAX)
		return PDU_ELEN;
	return 0;
}

const char *
pdu_strerror(int e)
{
	/* By -e, PDU_EOK to PDU_ESPACE. */
	return word("no error\0truncated header\0bad magic (not a pm peer)\0"
	    "protocol version mismatch\0bad PDU length\0"
	    "unknown or unexpected message type\0malformed field\0"
	    "message too large", (unsigned)-e, 1 - PDU_ESPACE, "unknown error");
}

bool
pdu_is_request(int type)
{
	return type >= PDU_START && type <= PDU_REQ_LAST;
}


/* ------------------------------------------------------------ messages */

/* How a field's value is kept in its message's struct and sent. */
enum fkind {
	FK_INT,		/* u8, u32 or u64 (size 1, 4, 8), big-endian */
	FK_STR,		/* char[size], sent without its NUL */
	FK_BYTES,	/* uint8_t[size], sent as exactly size bytes */
	FK_IDS		/* struct pdu_req's ids[nids]: the tag repeated */
};

/*
 * Row flags. FF_OPT: pack leaves the field out when it is empty, 0 or
 * all zero bytes.
 * FF_NEED: unpack requires it, and a string or list not empty. FF_NONE:
 * unpack reads an absent integer as -1.
 */
#define FF_OPT	0x01
#define FF_NEED	0x02
#define FF_NONE	0x04
#define FF_PAIR	0x08	/* unpack: present exactly when the next row is */

/*
 * One field of a message: its tag, where its value lives in the struct,
 * and what a decoder accepts. lim is, for an integer, the highest value
 * accepted with 0 refused (0: any value), and for FK_IDS the most IDs.
 */
struct field {
	uint8_t		tag;		/* enum pdu_tag */
	uint8_t		kind : 2;	/* enum fkind; one byte with flags, */
	uint8_t		flags : 6;	/* FF_*, so that a row is 8 bytes */
	uint16_t	off;		/* of the value in the struct */
	uint16_t	size;		/* integer width, room, bytes */
	uint16_t	lim;
};

/* Size of member m of struct st. */
#define MSIZE(st, m)	sizeof(((struct st *)0)->m)
/* Offset of member m, which must be w bytes wide (else a compile error). */
#define AT(st, m, w)	(offsetof(struct st, m) + \
	0 * sizeof(char[MSIZE(st, m) == (w) ? 1 : -1]))

#define F_U8(tag, st, m, fl)	{ tag, FK_INT, fl, AT(st, m, 1), 1, 0 }
#define F_U32(tag, st, m, fl)	{ tag, FK_INT, fl, AT(st, m, 4), 4, 0 }
#define F_U64(tag, st, m, fl)	{ tag, FK_INT, fl, AT(st, m, 8), 8, 0 }
#define F_STR(tag, st, m, fl) \
	{ tag, FK_STR, fl, offsetof(struct st, m), MSIZE(st, m), 0 }
#define F_BYTES(tag, st, m, fl) \
	{ tag, FK_BYTES, fl, offsetof(struct st, m), MSIZE(st, m), 0 }
/* A request's ID list, at most most IDs. */
#define F_IDS(most, fl) \
	{ T_ID, FK_IDS, fl, offsetof(struct pdu_req, ids), PDU_ID_MAX, most }

/* Replies. OK and END have no struct in pdu.h: their calls take values. */
struct ok_body {
	char		msg[PDU_MSG_MAX];
};
struct end_body {
	uint32_t	count;
};
struct auth_ok_body {
	uint8_t		mac[PDU_MAC_LEN];
};

/*
 * Every message's fields, one table after another, so that a message's
 * row names its fields by their place in ft (a byte), not by a pointer.
 * A request of IDs alone uses the first row of a longer table (REQ1).
 */
static const struct ftab {
	struct field	ids[1], one_id[1], signal[2], setting[2], auth[4],
			run[2], logs[2], ok[1], error[3], end[1], status[21],
			text[2], version[2], challenge[3], auth_ok[1];
} ft = {
	/*
	 * Requests. Every request may carry IDs as far as its table
	 * allows, so IDs on SHUTDOWN are malformed rather than ignored
	 * (PROTOCOL.md).
	 */
	.ids = { F_IDS(PDU_IDS_MAX, 0) },
	.one_id = { F_IDS(1, 0) },
	.signal = {
		F_IDS(1, FF_NEED),
		{ T_SIGNAL, FK_INT, FF_NEED, AT(pdu_req, sig, 4), 4, 127 }
	},
	.setting = {
		F_IDS(0, 0),
		F_STR(T_KEY, pdu_req, key, FF_OPT)
	},
	/* Auth v1 sent the MAC alone; v2 adds the client's nonce, the name. */
	.auth = {
		F_IDS(0, 0),
		F_BYTES(T_MAC, pdu_req, mac, FF_NEED),
		F_BYTES(T_NONCE, pdu_req, nonce, FF_OPT | FF_PAIR),
		F_STR(T_HOST, pdu_req, host, FF_OPT)
	},
	.run = {
		F_IDS(1, FF_NEED),
		F_STR(T_TEXT, pdu_req, text, FF_NEED)
	},
	.logs = {
		F_IDS(1, FF_NEED),
		F_U32(T_COUNT, pdu_req, lines, FF_OPT)
	},

	/* Replies. */
	.ok = {
		F_STR(T_MESSAGE, ok_body, msg, FF_OPT)
	},
	.error = {
		F_STR(T_CODE, pdu_error, code, 0),
		F_STR(T_MESSAGE, pdu_error, msg, 0),
		F_U8(T_PROTO, pdu_error, proto, 0)
	},
	.end = {
		F_U32(T_COUNT, end_body, count, FF_NEED)
	},
	.status = {
		F_STR(T_ID, pdu_status, id, FF_NEED),
		F_STR(T_STATE, pdu_status, state, FF_NEED),
		F_U32(T_PID, pdu_status, pid, 0),
		F_U64(T_UPTIME, pdu_status, uptime, 0),
		F_U64(T_SINCE, pdu_status, since, 0),
		F_U32(T_RESTARTS, pdu_status, restarts, 0),
		F_U32(T_EXIT, pdu_status, last_exit, FF_NONE),
		F_U8(T_KIND, pdu_status, kind, 0),
		F_U64(T_DROPPED, pdu_status, dropped, 0),
		F_U8(T_HEALTH, pdu_status, health, 0),
		F_U32(T_CHECK_FAILS, pdu_status, check_fails, 0),
		F_U32(T_SKIPS, pdu_status, skips, 0),
		F_U64(T_NEXT_RUN, pdu_status, next_run, 0),
		F_STR(T_NOTE, pdu_status, note, FF_OPT),
		F_STR(T_CHECK_OUT, pdu_status, check_out, FF_OPT),
		F_U64(T_MEM, pdu_status, mem, FF_OPT),
		F_U64(T_CPU, pdu_status, cpu_us, FF_OPT),
		F_U32(T_PIDS, pdu_status, pids, FF_OPT),
		F_U32(T_OOMS, pdu_status, ooms, FF_OPT),
		F_U8(T_CG, pdu_status, cg, FF_OPT),
		F_U8(T_ADDED, pdu_status, added, FF_OPT)
	},
	.text = {
		F_STR(T_KEY, pdu_text, key, FF_OPT),
		F_STR(T_TEXT, pdu_text, text, 0)
	},
	.version = {
		F_STR(T_VERSION, pdu_version, version, 0),
		F_U8(T_PROTO, pdu_version, proto, 0)
	},
	.challenge = {
		F_BYTES(T_NONCE, pdu_challenge, nonce, FF_NEED),
		F_U8(T_PROTO, pdu_challenge, proto, 0),
		F_U8(T_AUTHV, pdu_challenge, authv, 0)
	},
	.auth_ok = {
		F_BYTES(T_MAC, auth_ok_body, mac, FF_NEED)
	},
};

/*
 * A message type: its fields (nf rows of ft from row f), the struct it
 * fills; its name for people is its place in names.
 */
struct msg {
	uint8_t		 f;
	uint8_t		 nf;	/* 32 at most (pdu_unpack) */
	uint16_t	 size;
};

#define NROWS(a)	(sizeof(a) / sizeof((a)[0]))
#define FT(a)		(offsetof(struct ftab, a) / sizeof(struct field))
#define NREQ		(PDU_REQ_LAST - PDU_START + 1)
#define REQ(t, a)	[PDU_##t - PDU_START] = \
	{ FT(a), NROWS(ft.a), sizeof(struct pdu_req) }
/* A request of no fields but its IDs: the first row of a, alone. */
#define REQ1(t, a)	[PDU_##t - PDU_START] = \
	{ FT(a), 1, sizeof(struct pdu_req) }
#define REP(t, a, st)	[NREQ + PDU_##t - PDU_OK] = \
	{ FT(a), NROWS(ft.a), sizeof(st) }

/* ft is its rows one after another: a row's place is its index in ROWS. */
#define ROWS		((const struct field *)&ft)
_Static_assert(sizeof(struct ftab) == (FT(auth_ok) + 1) *
    sizeof(struct field), "struct ftab has padding");

static const struct msg msgs[NREQ + PDU_REP_LAST - PDU_OK + 1] = {
	REQ(START, ids),
	REQ(STOP, ids),
	REQ(RESTART, ids),
	REQ(STATUS, ids),
	REQ(SIGNAL, signal),
	REQ(CONFIG_SHOW, one_id),
	REQ1(CONFIG_RELOAD, setting),
	REQ(SETTING_SHOW, setting),
	REQ1(SETTING_RELOAD, setting),
	REQ1(SHUTDOWN, setting),
	REQ1(HALT, setting),
	REQ1(POWEROFF, setting),
	REQ1(REBOOT, setting),
	REQ1(VERSION, setting),
	REQ(AUTH, auth),
	REQ(LOGS, logs),
	REQ1(LOG_REOPEN, setting),
	REQ(METRICS, ids),
	REQ(EVENTS, ids),
	REQ(RUN, run),
	REQ1(RM, run),
	REQ1(WHY, run),
	REQ1(SAVE, setting),
	REP(OK, ok, struct ok_body),
	REP(ERROR, error, struct pdu_error),
	REP(END, end, struct end_body),
	REP(STATUS_REC, status, struct pdu_status),
	REP(TEXT, text, struct pdu_text),
	REP(VERSION_REP, version, struct pdu_version),
	REP(CHALLENGE, challenge, struct pdu_challenge),
	REP(AUTH_OK, auth_ok, struct auth_ok_body)
};

/* Each row's name, in the order of msgs. */
static const char *const names =
	    "start\0" "stop\0" "restart\0" "status\0" "signal\0" "config show\0"
	    "config reload\0" "setting show\0" "setting reload\0" "shutdown\0"
	    "halt\0" "poweroff\0" "reboot\0" "version\0" "auth\0" "logs\0"
	    "log reopen\0" "metrics\0" "events\0" "run\0" "rm\0" "why\0" "save\0"
	    "ok\0" "error\0" "end\0" "status record\0" "text\0" "version reply\0"
	    "challenge\0" "auth ok";

/* The row of a message type; NULL for a type without one. */
static const struct msg *
msg_of(int type)
{
	if (pdu_is_request(type))
		return &msgs[type - PDU_START];
	if (type >= PDU_OK && type <= PDU_REP_LAST)
		return &msgs[NREQ + type - PDU_OK];
	return NULL;
}

const char *
pdu_type_name(int type)
{
	const struct msg *m = msg_of(type);

	return word(names, m != NULL ? (unsigned)(m - msgs) : NROWS(msgs),
	    NROWS(msgs), "unknown");
}

/*
 * An integer of n bytes (1, 4 or 8) kept in host order at p: the n
 * low-order bytes of a u64, which lie at its start on a little-endian
 * machine and at its end on a big-endian one.
 */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LOW(x, n)	((char *)&(x) + 8 - (n))
#else
#define LOW(x, n)	((char *)&(x))
#endif

static uint64_t
int_load(const void *p, size_t n)
{
	uint64_t x = 0;

	memcpy(LOW(x, n), p, n);
	return x;
}

static void
int_store(void *p, size_t n, uint64_t x)
{
	memcpy(p, LOW(x, n), n);
}

/* True when the n bytes at v are all zero (an absent FF_OPT field). */
static bool
zero(const char *v, size_t n)
{
	while (n > 0 && v[n - 1] == 0)
		n--;
	return n == 0;
}

/*
 * Pack msg, the struct of this type, field after field in the order of
 * its table. A string too long for the receiver's room is refused here
 * (wr_str), so the sender learns of it instead of the peer.
 */
int
pdu_pack(uint8_t *buf, size_t cap, int type, uint16_t flags, uint32_t reqid,
    const void *msg)
{
	const struct msg *m = msg_of(type);
	const struct pdu_req *q = msg;
	const struct field *f;
	const char *v;
	uint8_t b[8];
	uint64_t x;
	struct wr w;
	int i;

	if (m == NULL)
		return PDU_ETYPE;
	wr_begin(&w, buf, cap, type, flags, reqid);
	for (f = ROWS + m->f; f < ROWS + m->f + m->nf; f++) {
		v = (const char *)msg + f->off;
		switch (f->kind) {
		case FK_IDS:
			if (q->nids < 0 || q->nids > PDU_IDS_MAX)
				w.err = PDU_ESPACE;
			for (i = 0; i < q->nids && w.err == 0; i++)
				wr_str(&w, f->tag, q->ids[i], f->size);
			break;
		case FK_STR:
			if (v[0] != '\0' || !(f->flags & FF_OPT))
				wr_str(&w, f->tag, v, f->size);
			break;
		case FK_BYTES:
			if (!(f->flags & FF_OPT) || !zero(v, f->size))
				wr_field(&w, f->tag, v, f->size);
			break;
		default:
			x = int_load(v, f->size);
			pdu_put64(b, x);
			if (x != 0 || !(f->flags & FF_OPT))
				wr_field(&w, f->tag, b + 8 - f->size, f->size);
			break;
		}
	}
	return wr_end(&w);
}

/*
 * Decode one field's value into msg. bit marks the row in seen: every
 * field but the ID list may come once.
 */
static int
rd_value(const struct field *f, const uint8_t *v, size_t n, void *msg,
    uint32_t *seen, uint32_t bit)
{
	struct pdu_req *q = msg;
	char *p = (char *)msg + f->off;
	uint64_t x = 0;
	size_t i;

	if (f->kind == FK_IDS) {
		if (q->nids >= f->lim || n == 0)
			return PDU_EFIELD;
		return rd_str(v, n, q->ids[q->nids++], f->size);
	}
	if (*seen & bit)
		return PDU_EFIELD;
	*seen |= bit;
	if (f->kind == FK_STR)
		return rd_str(v, n, p, f->size);
	if (n != f->size)
		return PDU_EFIELD;
	if (f->kind == FK_BYTES) {
		memcpy(p, v, n);
		return 0;
	}
	for (i = 0; i < n; i++)
		x = x << 8 | v[i];
	if (f->lim != 0 && (x == 0 || x > f->lim))
		return PDU_EFIELD;
	int_store(p, n, x);
	return 0;
}

/*
 * Decode one whole PDU of the wanted type (0: any request) into msg, the
 * struct of its type. Tags the type's table does not name are skipped
 * (PROTOCOL.md); then every row is checked for presence.
 */
int
pdu_unpack(const uint8_t *buf, size_t len, int type, void *msg)
{
	struct pdu_req *q = msg;
	const struct msg *m;
	const struct field *f, *fs;
	const uint8_t *v;
	char *p;
	struct pdu_hdr h;
	struct rd r;
	uint32_t seen = 0;
	size_t n;
	int rc, tag, i, absent, pair = -1;

	if ((rc = rd_begin(&r, buf, len, type, &h)) != 0)
		return rc;
	if ((m = msg_of(h.type)) == NULL)
		return PDU_ETYPE;
	fs = ROWS + m->f;
	memset(msg, 0, m->size);
	/* The header's type, flags and reqid are part of a request's struct. */
	if (type == 0) {
		q->type = h.type;
		q->flags = h.flags;
		q->reqid = h.reqid;
	}
	while ((rc = rd_next(&r, &tag, &v, &n)) == 1) {
		for (i = 0; i < m->nf && fs[i].tag != tag; i++)
			;
		if (i < m->nf &&
		    rd_value(&fs[i], v, n, msg, &seen, 1u << i) != 0)
			return PDU_EFIELD;
	}
	if (rc < 0)
		return rc;
	for (i = 0; i < m->nf; i++) {
		f = &fs[i];
		p = (char *)msg + f->off;
		if (f->kind == FK_IDS)
			absent = q->nids == 0;
		else if (f->kind == FK_STR)
			absent = p[0] == '\0';
		else
			absent = !(seen & 1u << i);
		if (absent && (f->flags & FF_NEED))
			return PDU_EFIELD;
		/* -1 of any width: every byte 0xff. */
		if (absent && (f->flags & FF_NONE))
			memset(p, 0xff, f->size);
		if (pair >= 0 && pair != absent)
			return PDU_EFIELD;
		pair = (f->flags & FF_PAIR) ? absent : -1;
	}
	return 0;
}

/* ------------------------------------------------- calls by message name */

/* Copy s (NULL: empty) into a field of size bytes; -1 if it does not fit. */
static int
setstr(char *dst, size_t size, const char *s)
{
	return snprintf(dst, size, "%s", s != NULL ? s : "") < (int)size ?
	    0 : -1;
}

int
pdu_req_pack(uint8_t *buf, size_t cap, const struct pdu_req *q)
{
	return pdu_pack(buf, cap, q->type, q->flags, q->reqid, q);
}

int
pdu_req_unpack(const uint8_t *buf, size_t len, struct pdu_req *q)
{
	return pdu_unpack(buf, len, 0, q);
}

/*
 * The message is struct ok_body's one field, read in place: pdu_pack's
 * string reads stop at its NUL, and refuse it as too long for the field
 * as a copy into the struct would have.
 */
int
pdu_ok_pack(uint8_t *buf, size_t cap, uint32_t reqid, const char *msg)
{
	return pdu_pack(buf, cap, PDU_OK, 0, reqid, msg != NULL ? msg : "");
}

/* The caller's buffer may be smaller than the field: a longer one is bad. */
int
pdu_ok_unpack(const uint8_t *buf, size_t len, char *msg, size_t msglen)
{
	struct ok_body b;
	int rc;

	if ((rc = pdu_unpack(buf, len, PDU_OK, &b)) != 0)
		return rc;
	return setstr(msg, msglen, b.msg) != 0 ? PDU_EFIELD : 0;
}

/*
 * An error message longer than the field is cut rather than refused: the
 * error must always get through, and the cut is marked with "...".
 */
int
pdu_error_pack(uint8_t *buf, size_t cap, uint32_t reqid, const char *code,
    const char *msg)
{
	struct pdu_error e;

	if (setstr(e.code, sizeof(e.code), code) != 0)
		return PDU_ESPACE;
	if (setstr(e.msg, sizeof(e.msg), msg) != 0)
		memcpy(e.msg + sizeof(e.msg) - 4, "...", 4);
	e.proto = PM_PROTO;
	return pdu_pack(buf, cap, PDU_ERROR, 0, reqid, &e);
}

int
pdu_text_pack(uint8_t *buf, size_t cap, uint32_t reqid, const char *key,
    const char *text)
{
	struct pdu_text t;

	if (setstr(t.key, sizeof(t.key), key) != 0 ||
	    setstr(t.text, sizeof(t.text), text) != 0)
		return PDU_ESPACE;
	return pdu_pack(buf, cap, PDU_TEXT, 0, reqid, &t);
}

int
pdu_version_pack(uint8_t *buf, size_t cap, uint32_t reqid, const char *vers)
{
	struct pdu_version v;

	if (setstr(v.version, sizeof(v.version), vers) != 0)
		return PDU_ESPACE;
	v.proto = PM_PROTO;
	return pdu_pack(buf, cap, PDU_VERSION_REP, 0, reqid, &v);
}

/* The challenge opens a TCP connection, before any request: reqid 0. */
int
pdu_challenge_pack(uint8_t *buf, size_t cap, const uint8_t *nonce)
{
	struct pdu_challenge c;

	memcpy(c.nonce, nonce, PDU_NONCE_LEN);
	c.proto = PM_PROTO;
	c.authv = PDU_AUTHV;
	return pdu_pack(buf, cap, PDU_CHALLENGE, 0, 0, &c);
}

/*
 * AUTH_OK: the server's proof that it holds the key too (auth v2). The
 * mac's bytes are struct auth_ok_body: packed from where they are.
 */
int
pdu_auth_ok_pack(uint8_t *buf, size_t cap, const uint8_t *mac)
{
	_Static_assert(sizeof(struct auth_ok_body) == PDU_MAC_LEN,
	    "auth_ok_body is the MAC alone");
	return pdu_pack(buf, cap, PDU_AUTH_OK, 0, 0, mac);
}

/* Into mac itself (its PDU_MAC_LEN bytes), which a failure leaves undefined. */
int
pdu_auth_ok_unpack(const uint8_t *buf, size_t len, uint8_t *mac)
{
	return pdu_unpack(buf, len, PDU_AUTH_OK, mac);
}

/*
 * The TAG field goes last and its tag covers everything before it, the
 * header with the final length included; decoders skip it as a tag they
 * do not use, so no message changes shape. Not inlined: smaller where it
 * is called.
 */
__attribute__((noinline)) int
pdu_seal(uint8_t *buf, size_t cap, size_t n)
{
	if (n < PDU_HDR_SIZE || n > PDU_MAX - PDU_SEAL_SIZE ||
	    cap < n + PDU_SEAL_SIZE)
		return PDU_ESPACE;
	pdu_put16(buf + n, T_TAG);
	pdu_put16(buf + n + 2, PDU_TAG_LEN);
	memset(buf + n + 4, 0, PDU_TAG_LEN);
	n += PDU_SEAL_SIZE;
	pdu_put32(buf + PDU_OFF_LEN, (uint32_t)n);
	return (int)n;
}

int
pdu_sealed(const uint8_t *buf, size_t len)
{
	if (len < PDU_HDR_SIZE + PDU_SEAL_SIZE ||
	    pdu_get32(buf + PDU_OFF_LEN) != len ||
	    pdu_get16(buf + len - PDU_SEAL_SIZE) != T_TAG ||
	    pdu_get16(buf + len - PDU_SEAL_SIZE + 2) != PDU_TAG_LEN)
		return PDU_EFIELD;
	return 0;
}

/* ------------------------------------------------------------- health */

/*
 * The states' names, as a status record carries them, in proc.h's order
 * (proc_state_name is this): one list for both.
 */
const char *
pdu_state_name(int k)
{
	return word("stopped\0starting\0running\0stopping\0exited\0backoff\0"
	    "fatal", (unsigned)k, PDU_ST_OTHER, "?");
}

/* A status record's state: its PDU_ST_*, PDU_ST_OTHER for none. */
static int
state_of(const struct pdu_status *s)
{
	int k;

	for (k = 0; k < PDU_ST_OTHER &&
	    strcmp(s->state, pdu_state_name(k)) != 0; k++)
		;
	return k;
}

/* Up: running, or a oneshot that exited 0 (status with IDs, metrics). */
bool
pdu_is_up(const struct pdu_status *s)
{
	int k = state_of(s);

	return k == PDU_ST_RUNNING || (s->kind == PK_ONESHOT && k == PDU_ST_EXITED &&
	    s->last_exit == 0);
}

/*
 * Is s where it should be? The contract's "fine" for ping and for the
 * exit of status with no ID (issue 12): NULL when it is, else why not.
 * A stopped process is one nobody asked to run (autostart = no, or an
 * operator's stop); a scheduled oneshot between runs is waiting, not down.
 */
const char *
pdu_not_fine(const struct pdu_status *s, char *buf, size_t len)
{
	int k = state_of(s);
	bool oneshot = s->kind == PK_ONESHOT;
	const char *fmt;

	if (k == PDU_ST_RUNNING || k == PDU_ST_STOPPED)
		return NULL;
	if (oneshot && s->next_run != 0 && k != PDU_ST_BACKOFF && k != PDU_ST_FATAL)
		return NULL;
	/* Each format takes the exit status, then the restart's number. */
	if (k == PDU_ST_EXITED) {
		if (oneshot && s->last_exit == 0)
			return NULL;
		fmt = oneshot ? "oneshot exited with status %d" :
		    "service exited with status %d and is not restarted";
	} else if (k == PDU_ST_BACKOFF)
		fmt = "exited with status %d; restart %u is waiting";
	else if (k == PDU_ST_FATAL)
		fmt = "gave up after failed starts (last status %d)";
	else
		return k == PDU_ST_STARTING ? "not up yet" : "on its way down";
	snprintf(buf, len, fmt, s->last_exit, s->restarts + 1);
	return buf;
}
