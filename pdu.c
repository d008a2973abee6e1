/*
 * pdu.c: encode and decode pm's control PDUs (PROTOCOL.md).
 *
 * The decoder trusts nothing it is given: the header's length is checked
 * against PDU_HDR_SIZE and PDU_MAX before the payload is looked at, every
 * field length against the bytes that remain, every string for an
 * embedded NUL and for the room of the field it lands in. Fields with a
 * tag the message does not know are skipped, so a newer peer may add
 * fields; a known scalar field with the wrong size, or given twice, makes
 * the PDU malformed. No I/O, no logging, no globals.
 */
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

/* ------------------------------------------------------------- writing */

/*
 * A writer over a caller's buffer. The first failure sticks in err, so a
 * pack function can add all its fields and check once at the end.
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

static void
wr_u8(struct wr *w, int tag, uint8_t v)
{
	wr_field(w, tag, &v, 1);
}

static void
wr_u32(struct wr *w, int tag, uint32_t v)
{
	uint8_t b[4];

	pdu_put32(b, v);
	wr_field(w, tag, b, 4);
}

static void
wr_u64(struct wr *w, int tag, uint64_t v)
{
	uint8_t b[8];

	pdu_put64(b, v);
	wr_field(w, tag, b, 8);
}

/*
 * Strings go without their NUL. One that would not fit the receiver's
 * field (max, NUL included) is refused here rather than truncated, so
 * the sender learns of it instead of the peer.
 */
static void
wr_str(struct wr *w, int tag, const char *s, size_t max)
{
	size_t n = strlen(s);

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

/*
 * A scalar field must have exactly its size and appear once; seen is a
 * bit set of the tags met so far in this PDU.
 */
static int
rd_once(uint32_t *seen, int tag, size_t n, size_t want)
{
	uint32_t bit = 1u << (tag & 31);

	if (n != want || (*seen & bit))
		return PDU_EFIELD;
	*seen |= bit;
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
	switch (e) {
	case PDU_EOK:
		return "no error";
	case PDU_ESHORT:
		return "truncated header";
	case PDU_EMAGIC:
		return "bad magic (not a pm peer)";
	case PDU_EVERSION:
		return "protocol version mismatch";
	case PDU_ELEN:
		return "bad PDU length";
	case PDU_ETYPE:
		return "unknown or unexpected message type";
	case PDU_EFIELD:
		return "malformed field";
	case PDU_ESPACE:
		return "message too large";
	}
	return "unknown error";
}

bool
pdu_is_request(int type)
{
	return type >= PDU_START && type <= PDU_REQ_LAST;
}

const char *
pdu_type_name(int type)
{
	static const char *const req[] = {
		"start", "stop", "restart", "status", "signal", "config show",
		"config reload", "setting show", "setting reload", "shutdown",
		"halt", "poweroff", "reboot", "version", "auth", "logs",
		"log reopen"
	};
	static const char *const rep[] = {
		"ok", "error", "end", "status record", "text", "version reply",
		"challenge", "auth ok"
	};

	if (pdu_is_request(type))
		return req[type - PDU_START];
	if (type >= PDU_OK && type <= PDU_REP_LAST)
		return rep[type - PDU_OK];
	return "unknown";
}

/* ------------------------------------------------------------ messages */

/*
 * Requests share one shape: T_ID repeated (up to PDU_IDS_MAX), then
 * T_SIGNAL, T_KEY or T_MAC as the type needs. The body is checked per
 * type here, so ctl.c only sees requests that make sense.
 */
int
pdu_req_pack(uint8_t *buf, size_t cap, const struct pdu_req *q)
{
	struct wr w;
	int i;

	if (q->nids < 0 || q->nids > PDU_IDS_MAX)
		return PDU_ESPACE;
	wr_begin(&w, buf, cap, q->type, q->flags, q->reqid);
	for (i = 0; i < q->nids; i++)
		wr_str(&w, T_ID, q->ids[i], PDU_ID_MAX);
	if (q->type == PDU_SIGNAL)
		wr_u32(&w, T_SIGNAL, (uint32_t)q->sig);
	if (q->type == PDU_SETTING_SHOW && q->key[0] != '\0')
		wr_str(&w, T_KEY, q->key, PDU_KEY_MAX);
	if (q->type == PDU_AUTH)
		wr_field(&w, T_MAC, q->mac, PDU_MAC_LEN);
	if (q->type == PDU_AUTH && q->host[0] != '\0') {
		wr_field(&w, T_NONCE, q->nonce, PDU_NONCE_LEN);
		wr_str(&w, T_HOST, q->host, PDU_HOST_MAX);
	}
	if (q->type == PDU_LOGS && q->lines != 0)
		wr_u32(&w, T_COUNT, q->lines);
	return wr_end(&w);
}

int
pdu_req_unpack(const uint8_t *buf, size_t len, struct pdu_req *q)
{
	struct pdu_hdr h;
	struct rd r;
	const uint8_t *v;
	size_t n;
	uint32_t seen = 0;
	int rc, tag;

	if ((rc = rd_begin(&r, buf, len, 0, &h)) != 0)
		return rc;
	q->type = h.type;
	q->flags = h.flags;
	q->reqid = h.reqid;
	q->nids = 0;
	q->sig = 0;
	q->lines = 0;
	q->key[0] = '\0';
	q->host[0] = '\0';
	while ((rc = rd_next(&r, &tag, &v, &n)) == 1) {
		switch (tag) {
		case T_ID:
			if (q->nids == PDU_IDS_MAX ||
			    rd_str(v, n, q->ids[q->nids], PDU_ID_MAX) != 0 ||
			    n == 0)
				return PDU_EFIELD;
			q->nids++;
			break;
		case T_SIGNAL:
			if (rd_once(&seen, tag, n, 4) != 0 ||
			    pdu_get32(v) > 127)
				return PDU_EFIELD;
			q->sig = (int)pdu_get32(v);
			break;
		case T_KEY:
			if (rd_once(&seen, tag, n, n) != 0 ||
			    rd_str(v, n, q->key, PDU_KEY_MAX) != 0)
				return PDU_EFIELD;
			break;
		case T_MAC:
			if (rd_once(&seen, tag, n, PDU_MAC_LEN) != 0)
				return PDU_EFIELD;
			memcpy(q->mac, v, PDU_MAC_LEN);
			break;
		case T_NONCE:
			if (rd_once(&seen, tag, n, PDU_NONCE_LEN) != 0)
				return PDU_EFIELD;
			memcpy(q->nonce, v, PDU_NONCE_LEN);
			break;
		case T_HOST:
			if (rd_once(&seen, tag, n, n) != 0 || n == 0 ||
			    rd_str(v, n, q->host, PDU_HOST_MAX) != 0)
				return PDU_EFIELD;
			break;
		case T_COUNT:
			if (rd_once(&seen, tag, n, 4) != 0)
				return PDU_EFIELD;
			q->lines = pdu_get32(v);
			break;
		default:
			break;		/* unknown tags are skipped */
		}
	}
	if (rc < 0)
		return rc;
	/* Per-type body rules. */
	switch (q->type) {
	case PDU_SIGNAL:
		if (q->nids != 1 || !(seen & (1u << T_SIGNAL)) || q->sig == 0)
			return PDU_EFIELD;
		break;
	case PDU_CONFIG_SHOW:
		if (q->nids > 1)
			return PDU_EFIELD;
		break;
	case PDU_AUTH:
		/* v1 sent the MAC alone; v2 adds the nonce and the host. */
		if (!(seen & (1u << T_MAC)) || !(seen & (1u << T_NONCE)) !=
		    !(seen & (1u << T_HOST)))
			return PDU_EFIELD;
		break;
	case PDU_LOGS:
		if (q->nids != 1)
			return PDU_EFIELD;
		break;
	case PDU_START: case PDU_STOP: case PDU_RESTART: case PDU_STATUS:
		break;
	default:
		if (q->nids != 0)
			return PDU_EFIELD;
		break;
	}
	return 0;
}

/* Both OK and ERROR carry an optional text; ERROR also a code and proto. */
int
pdu_ok_pack(uint8_t *buf, size_t cap, uint32_t reqid, const char *msg)
{
	struct wr w;

	wr_begin(&w, buf, cap, PDU_OK, 0, reqid);
	if (msg != NULL && msg[0] != '\0')
		wr_str(&w, T_MESSAGE, msg, PDU_MSG_MAX);
	return wr_end(&w);
}

int
pdu_ok_unpack(const uint8_t *buf, size_t len, char *msg, size_t msglen)
{
	struct pdu_hdr h;
	struct rd r;
	const uint8_t *v;
	size_t n;
	uint32_t seen = 0;
	int rc, tag;

	if ((rc = rd_begin(&r, buf, len, PDU_OK, &h)) != 0)
		return rc;
	if (msglen > 0)
		msg[0] = '\0';
	while ((rc = rd_next(&r, &tag, &v, &n)) == 1)
		if (tag == T_MESSAGE && (rd_once(&seen, tag, n, n) != 0 ||
		    rd_str(v, n, msg, msglen) != 0))
			return PDU_EFIELD;
	return rc;
}

/*
 * An error message longer than the field is cut rather than refused: the
 * error must always get through, and the cut is marked with "...".
 */
int
pdu_error_pack(uint8_t *buf, size_t cap, uint32_t reqid, const char *code,
    const char *msg)
{
	char m[PDU_MSG_MAX];
	struct wr w;
	size_t n = strlen(msg);

	if (n >= sizeof(m)) {
		memcpy(m, msg, sizeof(m) - 4);
		memcpy(m + sizeof(m) - 4, "...", 4);
		msg = m;
	}
	wr_begin(&w, buf, cap, PDU_ERROR, 0, reqid);
	wr_str(&w, T_CODE, code, PDU_CODE_MAX);
	wr_str(&w, T_MESSAGE, msg, PDU_MSG_MAX);
	wr_u8(&w, T_PROTO, PM_PROTO);
	return wr_end(&w);
}

int
pdu_error_unpack(const uint8_t *buf, size_t len, struct pdu_error *e)
{
	struct pdu_hdr h;
	struct rd r;
	const uint8_t *v;
	size_t n;
	uint32_t seen = 0;
	int rc, tag;

	if ((rc = rd_begin(&r, buf, len, PDU_ERROR, &h)) != 0)
		return rc;
	memset(e, 0, sizeof(*e));
	while ((rc = rd_next(&r, &tag, &v, &n)) == 1) {
		if (tag == T_CODE)
			rc = rd_once(&seen, tag, n, n) ||
			    rd_str(v, n, e->code, sizeof(e->code));
		else if (tag == T_MESSAGE)
			rc = rd_once(&seen, tag, n, n) ||
			    rd_str(v, n, e->msg, sizeof(e->msg));
		else if (tag == T_PROTO) {
			rc = rd_once(&seen, tag, n, 1);
			e->proto = n == 1 ? v[0] : 0;
		} else
			rc = 0;
		if (rc != 0)
			return PDU_EFIELD;
	}
	return rc;
}

int
pdu_end_pack(uint8_t *buf, size_t cap, uint32_t reqid, uint32_t count)
{
	struct wr w;

	wr_begin(&w, buf, cap, PDU_END, 0, reqid);
	wr_u32(&w, T_COUNT, count);
	return wr_end(&w);
}

int
pdu_end_unpack(const uint8_t *buf, size_t len, uint32_t *count)
{
	struct pdu_hdr h;
	struct rd r;
	const uint8_t *v;
	size_t n;
	uint32_t seen = 0;
	int rc, tag;

	if ((rc = rd_begin(&r, buf, len, PDU_END, &h)) != 0)
		return rc;
	while ((rc = rd_next(&r, &tag, &v, &n)) == 1) {
		if (tag != T_COUNT)
			continue;
		if (rd_once(&seen, tag, n, 4) != 0)
			return PDU_EFIELD;
		*count = pdu_get32(v);
	}
	if (rc == 0 && !(seen & (1u << T_COUNT)))
		return PDU_EFIELD;
	return rc;
}

int
pdu_status_pack(uint8_t *buf, size_t cap, uint32_t reqid,
    const struct pdu_status *s)
{
	struct wr w;

	wr_begin(&w, buf, cap, PDU_STATUS_REC, 0, reqid);
	wr_str(&w, T_ID, s->id, PDU_ID_MAX);
	wr_str(&w, T_STATE, s->state, PDU_STATE_MAX);
	wr_u32(&w, T_PID, s->pid);
	wr_u64(&w, T_UPTIME, s->uptime);
	wr_u64(&w, T_SINCE, s->since);
	wr_u32(&w, T_RESTARTS, s->restarts);
	wr_u32(&w, T_EXIT, (uint32_t)s->last_exit);
	wr_u8(&w, T_KIND, s->kind);
	wr_u64(&w, T_DROPPED, s->dropped);
	wr_u8(&w, T_HEALTH, s->health);
	wr_u32(&w, T_CHECK_FAILS, s->check_fails);
	wr_u32(&w, T_SKIPS, s->skips);
	wr_u64(&w, T_NEXT_RUN, s->next_run);
	if (s->note[0] != '\0')
		wr_str(&w, T_NOTE, s->note, PDU_NOTE_MAX);
	if (s->check_out[0] != '\0')
		wr_str(&w, T_CHECK_OUT, s->check_out, PDU_NOTE_MAX);
	return wr_end(&w);
}

/* ID and state are required; the numbers default to "none". */
int
pdu_status_unpack(const uint8_t *buf, size_t len, struct pdu_status *s)
{
	struct pdu_hdr h;
	struct rd r;
	const uint8_t *v;
	size_t n;
	uint32_t seen = 0;
	int rc, tag;

	if ((rc = rd_begin(&r, buf, len, PDU_STATUS_REC, &h)) != 0)
		return rc;
	memset(s, 0, sizeof(*s));
	s->last_exit = -1;
	while ((rc = rd_next(&r, &tag, &v, &n)) == 1) {
		switch (tag) {
		case T_ID:
			rc = rd_once(&seen, tag, n, n) ||
			    rd_str(v, n, s->id, sizeof(s->id));
			break;
		case T_STATE:
			rc = rd_once(&seen, tag, n, n) ||
			    rd_str(v, n, s->state, sizeof(s->state));
			break;
		case T_NOTE:
		case T_CHECK_OUT:
			rc = rd_once(&seen, tag, n, n) || rd_str(v, n,
			    tag == T_NOTE ? s->note : s->check_out,
			    PDU_NOTE_MAX);
			break;
		case T_PID:
		case T_RESTARTS:
		case T_EXIT:
		case T_CHECK_FAILS:
		case T_SKIPS:
			if ((rc = rd_once(&seen, tag, n, 4)) != 0)
				break;
			if (tag == T_PID)
				s->pid = pdu_get32(v);
			else if (tag == T_RESTARTS)
				s->restarts = pdu_get32(v);
			else if (tag == T_CHECK_FAILS)
				s->check_fails = pdu_get32(v);
			else if (tag == T_SKIPS)
				s->skips = pdu_get32(v);
			else
				s->last_exit = (int32_t)pdu_get32(v);
			break;
		case T_UPTIME:
		case T_SINCE:
		case T_NEXT_RUN:
		case T_DROPPED:
			if ((rc = rd_once(&seen, tag, n, 8)) != 0)
				break;
			if (tag == T_UPTIME)
				s->uptime = pdu_get64(v);
			else if (tag == T_SINCE)
				s->since = pdu_get64(v);
			else if (tag == T_NEXT_RUN)
				s->next_run = pdu_get64(v);
			else
				s->dropped = pdu_get64(v);
			break;
		case T_KIND:
		case T_HEALTH:
			if ((rc = rd_once(&seen, tag, n, 1)) == 0)
				*(tag == T_KIND ? &s->kind : &s->health) = v[0];
			break;
		default:
			rc = 0;
			break;
		}
		if (rc != 0)
			return PDU_EFIELD;
	}
	if (rc == 0 && (s->id[0] == '\0' || s->state[0] == '\0'))
		return PDU_EFIELD;
	return rc;
}

int
pdu_text_pack(uint8_t *buf, size_t cap, uint32_t reqid, const char *key,
    const char *text)
{
	struct wr w;

	wr_begin(&w, buf, cap, PDU_TEXT, 0, reqid);
	if (key != NULL && key[0] != '\0')
		wr_str(&w, T_KEY, key, PDU_KEY_MAX);
	wr_str(&w, T_TEXT, text, PDU_TEXT_MAX);
	return wr_end(&w);
}

int
pdu_text_unpack(const uint8_t *buf, size_t len, struct pdu_text *t)
{
	struct pdu_hdr h;
	struct rd r;
	const uint8_t *v;
	size_t n;
	uint32_t seen = 0;
	int rc, tag;

	if ((rc = rd_begin(&r, buf, len, PDU_TEXT, &h)) != 0)
		return rc;
	t->key[0] = '\0';
	t->text[0] = '\0';
	while ((rc = rd_next(&r, &tag, &v, &n)) == 1) {
		if (tag == T_KEY)
			rc = rd_once(&seen, tag, n, n) ||
			    rd_str(v, n, t->key, sizeof(t->key));
		else if (tag == T_TEXT)
			rc = rd_once(&seen, tag, n, n) ||
			    rd_str(v, n, t->text, sizeof(t->text));
		else
			rc = 0;
		if (rc != 0)
			return PDU_EFIELD;
	}
	return rc;
}

int
pdu_version_pack(uint8_t *buf, size_t cap, uint32_t reqid, const char *vers)
{
	struct wr w;

	wr_begin(&w, buf, cap, PDU_VERSION_REP, 0, reqid);
	wr_str(&w, T_VERSION, vers, PDU_VERS_MAX);
	wr_u8(&w, T_PROTO, PM_PROTO);
	return wr_end(&w);
}

int
pdu_version_unpack(const uint8_t *buf, size_t len, struct pdu_version *pv)
{
	struct pdu_hdr h;
	struct rd r;
	const uint8_t *v;
	size_t n;
	uint32_t seen = 0;
	int rc, tag;

	if ((rc = rd_begin(&r, buf, len, PDU_VERSION_REP, &h)) != 0)
		return rc;
	memset(pv, 0, sizeof(*pv));
	while ((rc = rd_next(&r, &tag, &v, &n)) == 1) {
		if (tag == T_VERSION)
			rc = rd_once(&seen, tag, n, n) ||
			    rd_str(v, n, pv->version, sizeof(pv->version));
		else if (tag == T_PROTO) {
			rc = rd_once(&seen, tag, n, 1);
			pv->proto = n == 1 ? v[0] : 0;
		} else
			rc = 0;
		if (rc != 0)
			return PDU_EFIELD;
	}
	return rc;
}

int
pdu_challenge_pack(uint8_t *buf, size_t cap, const uint8_t *nonce)
{
	struct wr w;

	wr_begin(&w, buf, cap, PDU_CHALLENGE, 0, 0);
	wr_field(&w, T_NONCE, nonce, PDU_NONCE_LEN);
	wr_u8(&w, T_PROTO, PM_PROTO);
	wr_u8(&w, T_AUTHV, PDU_AUTHV);
	return wr_end(&w);
}

int
pdu_challenge_unpack(const uint8_t *buf, size_t len, struct pdu_challenge *c)
{
	struct pdu_hdr h;
	struct rd r;
	const uint8_t *v;
	size_t n;
	uint32_t seen = 0;
	int rc, tag;

	if ((rc = rd_begin(&r, buf, len, PDU_CHALLENGE, &h)) != 0)
		return rc;
	memset(c, 0, sizeof(*c));
	while ((rc = rd_next(&r, &tag, &v, &n)) == 1) {
		if (tag == T_NONCE) {
			if (rd_once(&seen, tag, n, PDU_NONCE_LEN) != 0)
				return PDU_EFIELD;
			memcpy(c->nonce, v, PDU_NONCE_LEN);
		} else if (tag == T_PROTO || tag == T_AUTHV) {
			if (rd_once(&seen, tag, n, 1) != 0)
				return PDU_EFIELD;
			*(tag == T_PROTO ? &c->proto : &c->authv) = v[0];
		}
	}
	if (rc == 0 && !(seen & (1u << T_NONCE)))
		return PDU_EFIELD;
	return rc;
}

/* AUTH_OK: the server's proof that it holds the key too (auth v2). */
int
pdu_auth_ok_pack(uint8_t *buf, size_t cap, const uint8_t *mac)
{
	struct wr w;

	wr_begin(&w, buf, cap, PDU_AUTH_OK, 0, 0);
	wr_field(&w, T_MAC, mac, PDU_MAC_LEN);
	return wr_end(&w);
}

int
pdu_auth_ok_unpack(const uint8_t *buf, size_t len, uint8_t *mac)
{
	struct pdu_hdr h;
	struct rd r;
	const uint8_t *v;
	size_t n;
	uint32_t seen = 0;
	int rc, tag;

	if ((rc = rd_begin(&r, buf, len, PDU_AUTH_OK, &h)) != 0)
		return rc;
	while ((rc = rd_next(&r, &tag, &v, &n)) == 1) {
		if (tag != T_MAC)
			continue;
		if (rd_once(&seen, tag, n, PDU_MAC_LEN) != 0)
			return PDU_EFIELD;
		memcpy(mac, v, PDU_MAC_LEN);
	}
	if (rc == 0 && !(seen & (1u << T_MAC)))
		return PDU_EFIELD;
	return rc;
}

/*
 * The TAG field goes last and its tag covers everything before it, the
 * header with the final length included; decoders skip it as a tag they
 * do not use, so no message changes shape.
 */
int
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
