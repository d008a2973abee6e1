/*
 * pdu_test.c: round trips of every message, the decoder's refusals, and a
 * deterministic fuzz loop. Prints "ok - " / "FAIL - " lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pdu.h"
#include "unit.h"

static uint8_t buf[PDU_MAX];

static void
test_request(void)
{
	static struct pdu_req q, r;
	int n, i;

	memset(&q, 0, sizeof(q));
	q.type = PDU_STATUS;
	q.reqid = 0xdeadbeef;
	q.nids = PDU_IDS_MAX;
	for (i = 0; i < q.nids; i++)
		snprintf(q.ids[i], PDU_ID_MAX, "proc-%d", i);
	n = pdu_req_pack(buf, sizeof(buf), &q);
	CHECK("status request with 256 IDs packs", n > 0);
	CHECK("status request round trip",
	    pdu_req_unpack(buf, n, &r) == 0 && r.type == PDU_STATUS &&
	    r.reqid == 0xdeadbeef && r.nids == PDU_IDS_MAX &&
	    strcmp(r.ids[255], "proc-255") == 0);

	memset(&q, 0, sizeof(q));
	q.type = PDU_SIGNAL;
	q.nids = 1;
	strcpy(q.ids[0], "web");
	q.sig = 10;
	n = pdu_req_pack(buf, sizeof(buf), &q);
	CHECK("signal request round trip", n > 0 &&
	    pdu_req_unpack(buf, n, &r) == 0 && r.sig == 10 &&
	    strcmp(r.ids[0], "web") == 0);
	q.nids = 0;
	n = pdu_req_pack(buf, sizeof(buf), &q);
	CHECK("signal request without ID refused",
	    pdu_req_unpack(buf, n, &r) == PDU_EFIELD);

	memset(&q, 0, sizeof(q));
	q.type = PDU_CONFIG_RELOAD;
	q.flags = PDU_F_DRY_RUN;
	n = pdu_req_pack(buf, sizeof(buf), &q);
	CHECK("reload dry-run flag round trip",
	    pdu_req_unpack(buf, n, &r) == 0 && r.flags == PDU_F_DRY_RUN);

	memset(&q, 0, sizeof(q));
	q.type = PDU_SETTING_SHOW;
	strcpy(q.key, "max_clients");
	n = pdu_req_pack(buf, sizeof(buf), &q);
	CHECK("setting show key round trip",
	    pdu_req_unpack(buf, n, &r) == 0 &&
	    strcmp(r.key, "max_clients") == 0);

	memset(&q, 0, sizeof(q));
	q.type = PDU_AUTH;
	memset(q.mac, 0xa5, sizeof(q.mac));
	n = pdu_req_pack(buf, sizeof(buf), &q);
	CHECK("auth round trip", pdu_req_unpack(buf, n, &r) == 0 &&
	    memcmp(r.mac, q.mac, PDU_MAC_LEN) == 0);
	CHECK("auth v1 (MAC alone) decodes with no host",
	    pdu_req_unpack(buf, n, &r) == 0 && r.host[0] == '\0');
	memset(q.nonce, 0x5a, sizeof(q.nonce));
	strcpy(q.host, "board7:7070");
	n = pdu_req_pack(buf, sizeof(buf), &q);
	CHECK("auth v2 round trip (nonce, host)",
	    pdu_req_unpack(buf, n, &r) == 0 &&
	    memcmp(r.nonce, q.nonce, PDU_NONCE_LEN) == 0 &&
	    strcmp(r.host, "board7:7070") == 0);
	/* Drop the HOST field (the last): a nonce alone is malformed. */
	n -= 4 + (int)strlen(q.host);
	pdu_put32(buf + PDU_OFF_LEN, (uint32_t)n);
	CHECK("auth with a nonce but no host is malformed",
	    pdu_req_unpack(buf, n, &r) == PDU_EFIELD);
	n = pdu_auth_ok_pack(buf, sizeof(buf), q.nonce);
	CHECK("auth ok round trip", pdu_auth_ok_unpack(buf, n, r.mac) == 0 &&
	    memcmp(r.mac, q.nonce, PDU_MAC_LEN) == 0);

	memset(&q, 0, sizeof(q));
	q.type = PDU_LOGS;
	q.flags = PDU_F_FOLLOW;
	q.lines = 5;
	q.nids = 1;
	strcpy(q.ids[0], "web");
	n = pdu_req_pack(buf, sizeof(buf), &q);
	CHECK("logs request round trip", pdu_req_unpack(buf, n, &r) == 0 &&
	    r.lines == 5 && r.flags == PDU_F_FOLLOW && r.nids == 1 &&
	    strcmp(r.ids[0], "web") == 0);
	q.nids = 0;
	n = pdu_req_pack(buf, sizeof(buf), &q);
	CHECK("logs request without an ID refused",
	    pdu_req_unpack(buf, n, &r) == PDU_EFIELD);

	for (i = PDU_START; i <= PDU_REQ_LAST; i++) {
		if (i == PDU_SIGNAL || i == PDU_AUTH || i == PDU_LOGS ||
		    i == PDU_RUN || i == PDU_RM || i == PDU_WHY)
			continue;
		memset(&q, 0, sizeof(q));
		q.type = (uint8_t)i;
		n = pdu_req_pack(buf, sizeof(buf), &q);
		if (n < 0 || pdu_req_unpack(buf, n, &r) != 0 || r.type != i)
			break;
	}
	CHECK("every bare request type round trips", i > PDU_REQ_LAST);

	memset(&q, 0, sizeof(q));
	q.type = PDU_STOP;
	q.nids = 1;
	memset(q.ids[0], 'x', PDU_ID_MAX);	/* no NUL: too long */
	q.ids[0][PDU_ID_MAX - 1] = '\0';
	CHECK("ID of 39 bytes packs", pdu_req_pack(buf, sizeof(buf), &q) > 0);
	CHECK("request into a small buffer refused",
	    pdu_req_pack(buf, 20, &q) == PDU_ESPACE);
}

static void
test_replies(void)
{
	static struct pdu_text t;
	struct pdu_status s, s2;
	struct pdu_error e;
	struct pdu_version v;
	struct pdu_challenge c;
	uint8_t nonce[PDU_NONCE_LEN];
	char msg[64];
	uint32_t cnt = 0;
	int n;

	n = pdu_ok_pack(buf, sizeof(buf), 7, "done");
	CHECK("ok round trip", pdu_ok_unpack(buf, n, msg, sizeof(msg)) == 0 &&
	    strcmp(msg, "done") == 0);
	n = pdu_error_pack(buf, sizeof(buf), 7, "unknown id", "unknown id: x");
	CHECK("error round trip", pdu_error_unpack(buf, n, &e) == 0 &&
	    strcmp(e.code, "unknown id") == 0 &&
	    strcmp(e.msg, "unknown id: x") == 0 && e.proto == PM_PROTO);
	{
		static char big[PDU_MSG_MAX * 2];

		memset(big, 'e', sizeof(big) - 1);
		n = pdu_error_pack(buf, sizeof(buf), 1, "x", big);
		CHECK("long error message is cut, not lost", n > 0 &&
		    pdu_error_unpack(buf, n, &e) == 0 &&
		    strlen(e.msg) == PDU_MSG_MAX - 1);
	}
	n = pdu_end_pack(buf, sizeof(buf), 7, 1000);
	CHECK("end round trip", pdu_end_unpack(buf, n, &cnt) == 0 &&
	    cnt == 1000);

	memset(&s, 0, sizeof(s));
	strcpy(s.id, "web");
	strcpy(s.state, "running");
	s.pid = 4242;
	s.uptime = 1ULL << 40;
	s.since = 3;
	s.restarts = 2;
	s.last_exit = -1;
	s.kind = PK_ONESHOT;
	s.dropped = 77;
	n = pdu_status_pack(buf, sizeof(buf), 9, &s);
	CHECK("status record round trip", pdu_status_unpack(buf, n, &s2) == 0 &&
	    memcmp(&s, &s2, sizeof(s)) == 0);
	/* The monitoring fields' round trip is in test_golden_replies. */
	strcpy(s.check_out, "HTTP 503");
	n = pdu_status_pack(buf, sizeof(buf), 9, &s);
	buf[n - 1 - strlen("HTTP 503") + 2] = '\0';
	CHECK("NUL in a check output is malformed",
	    pdu_status_unpack(buf, n, &s2) == PDU_EFIELD);

	n = pdu_text_pack(buf, sizeof(buf), 1, "web", "command = sleep 1\n");
	CHECK("text round trip", pdu_text_unpack(buf, n, &t) == 0 &&
	    strcmp(t.key, "web") == 0 &&
	    strcmp(t.text, "command = sleep 1\n") == 0);
	n = pdu_version_pack(buf, sizeof(buf), 1, "0.1.0");
	CHECK("version round trip", pdu_version_unpack(buf, n, &v) == 0 &&
	    strcmp(v.version, "0.1.0") == 0 && v.proto == PM_PROTO);
	memset(nonce, 0x3c, sizeof(nonce));
	n = pdu_challenge_pack(buf, sizeof(buf), nonce);
	CHECK("challenge round trip", pdu_challenge_unpack(buf, n, &c) == 0 &&
	    memcmp(c.nonce, nonce, sizeof(nonce)) == 0);
	CHECK("a reply is not taken for another",
	    pdu_ok_unpack(buf, n, msg, sizeof(msg)) == PDU_ETYPE);
}

static void
test_refusals(void)
{
	struct pdu_hdr h;
	struct pdu_req r;
	struct pdu_text t;
	uint8_t p[64];
	int n;

	n = pdu_ok_pack(p, sizeof(p), 1, NULL);
	CHECK("header alone is a PDU", n == PDU_HDR_SIZE);
	CHECK("truncated header asks for more",
	    pdu_hdr_unpack(p, PDU_HDR_SIZE - 1, &h) == PDU_ESHORT);
	CHECK("empty input asks for more", pdu_hdr_unpack(p, 0, &h) ==
	    PDU_ESHORT);
	pdu_put32(p + PDU_OFF_LEN, 0x80000000u);
	CHECK("declared length 2^31 refused from the header",
	    pdu_hdr_unpack(p, PDU_HDR_SIZE, &h) == PDU_ELEN);
	pdu_put32(p + PDU_OFF_LEN, PDU_MAX + 1);
	CHECK("PDU_MAX + 1 refused", pdu_hdr_unpack(p, PDU_HDR_SIZE, &h) ==
	    PDU_ELEN);
	pdu_put32(p + PDU_OFF_LEN, PDU_HDR_SIZE - 1);
	CHECK("length below header refused",
	    pdu_hdr_unpack(p, PDU_HDR_SIZE, &h) == PDU_ELEN);
	pdu_put32(p + PDU_OFF_LEN, PDU_HDR_SIZE);
	p[0] = 'X';
	CHECK("bad magic refused", pdu_hdr_unpack(p, PDU_HDR_SIZE, &h) ==
	    PDU_EMAGIC);
	pdu_put16(p, PDU_MAGIC);
	p[PDU_OFF_VERSION] = 2;
	CHECK("other version reported with its number",
	    pdu_hdr_unpack(p, 4, &h) == PDU_EVERSION && h.version == 2);
	p[PDU_OFF_VERSION] = PM_PROTO;
	p[PDU_OFF_TYPE] = 0x7f;
	CHECK("unknown request type refused",
	    pdu_req_unpack(p, PDU_HDR_SIZE, &r) == PDU_ETYPE);

	/* STATUS with one ID "a\0b": embedded NUL. */
	n = pdu_text_pack(p, sizeof(p), 1, NULL, "x");
	p[PDU_OFF_TYPE] = PDU_STATUS;
	memcpy(p + PDU_HDR_SIZE, "\0\1\0\3a\0b", 7);
	pdu_put32(p + PDU_OFF_LEN, PDU_HDR_SIZE + 7);
	CHECK("embedded NUL in a string refused",
	    pdu_req_unpack(p, PDU_HDR_SIZE + 7, &r) == PDU_EFIELD);
	/* A field whose length runs past the PDU. */
	memcpy(p + PDU_HDR_SIZE, "\0\1\0\x09" "abc", 7);
	CHECK("field longer than the PDU refused",
	    pdu_req_unpack(p, PDU_HDR_SIZE + 7, &r) == PDU_EFIELD);
	/* Half a field header. */
	pdu_put32(p + PDU_OFF_LEN, PDU_HDR_SIZE + 3);
	CHECK("half a field header refused",
	    pdu_req_unpack(p, PDU_HDR_SIZE + 3, &r) == PDU_EFIELD);
	/* Header length disagreeing with the bytes given. */
	pdu_put32(p + PDU_OFF_LEN, PDU_HDR_SIZE + 7);
	CHECK("length not matching the buffer refused",
	    pdu_req_unpack(p, PDU_HDR_SIZE + 4, &r) == PDU_ELEN);
	/* Unknown tag 999 before a known ID field: skipped. */
	memcpy(p + PDU_HDR_SIZE, "\x03\xe7\0\2zz" "\0\1\0\3web", 13);
	pdu_put32(p + PDU_OFF_LEN, PDU_HDR_SIZE + 13);
	CHECK("unknown tag skipped",
	    pdu_req_unpack(p, PDU_HDR_SIZE + 13, &r) == 0 && r.nids == 1 &&
	    strcmp(r.ids[0], "web") == 0);
	/*
	 * A known tag the type does not use is skipped like an unknown one
	 * (PROTOCOL.md), even when it would be malformed where it is used:
	 * a SIGNAL of 3 bytes on STOP.
	 */
	memset(&r, 0, sizeof(r));
	r.type = PDU_STOP;
	n = pdu_req_pack(p, sizeof(p), &r);
	memcpy(p + n, "\0\2\0\3abc", 7);
	pdu_put32(p + PDU_OFF_LEN, (uint32_t)n + 7);
	CHECK("a field the type does not use is skipped",
	    pdu_req_unpack(p, n + 7, &r) == 0 && r.type == PDU_STOP &&
	    r.sig == 0);
	memset(&r, 0, sizeof(r));
	r.type = PDU_AUTH;
	r.nids = 1;
	strcpy(r.ids[0], "web");
	n = pdu_req_pack(p, sizeof(p), &r);
	CHECK("IDs on AUTH refused, as on every type without IDs",
	    n > 0 && pdu_req_unpack(p, n, &r) == PDU_EFIELD);
	CHECK("no PDU of a type without a table",
	    pdu_pack(p, sizeof(p), 0x7f, 0, 1, &r) == PDU_ETYPE &&
	    pdu_pack(p, sizeof(p), PDU_REP_LAST + 1, 0, 1, &r) == PDU_ETYPE);
	/* An ID of 40 bytes does not fit PDU_ID_MAX. */
	{
		uint8_t q[PDU_HDR_SIZE + 4 + PDU_ID_MAX];

		memcpy(q, p, PDU_HDR_SIZE);
		pdu_put16(q + PDU_HDR_SIZE, T_ID);
		pdu_put16(q + PDU_HDR_SIZE + 2, PDU_ID_MAX);
		memset(q + PDU_HDR_SIZE + 4, 'i', PDU_ID_MAX);
		pdu_put32(q + PDU_OFF_LEN, sizeof(q));
		CHECK("over-long ID refused",
		    pdu_req_unpack(q, sizeof(q), &r) == PDU_EFIELD);
	}
	/* A scalar with the wrong size. */
	n = pdu_end_pack(p, sizeof(p), 1, 5);
	pdu_put16(p + PDU_HDR_SIZE + 2, 3);
	pdu_put32(p + PDU_OFF_LEN, n - 1);
	CHECK("u32 field of 3 bytes refused",
	    pdu_end_unpack(p, n - 1, (uint32_t *)(void *)&r.sig) ==
	    PDU_EFIELD);
	{
		static char big[PDU_TEXT_MAX + 1];

		memset(big, 't', PDU_TEXT_MAX);
		CHECK("text too long for its field refused at pack",
		    pdu_text_pack(buf, sizeof(buf), 1, NULL, big) ==
		    PDU_ESPACE);
		big[PDU_TEXT_MAX - 1] = '\0';
		n = pdu_text_pack(buf, sizeof(buf), 1, NULL, big);
		CHECK("text of PDU_TEXT_MAX - 1 bytes round trips",
		    n > 0 && pdu_text_unpack(buf, n, &t) == 0 &&
		    strlen(t.text) == PDU_TEXT_MAX - 1);
	}
}

/*
 * Deterministic fuzz: random bytes, and mutations of valid PDUs, through
 * every decoder. Only crashes and sanitizer reports count as failures.
 */
static void
test_fuzz(void)
{
	static struct pdu_req r;
	static struct pdu_text t;
	static struct pdu_error e;
	struct pdu_status s;
	struct pdu_version v;
	struct pdu_challenge c;
	struct pdu_hdr h;
	uint8_t in[512];
	uint32_t seed = 12345, cnt;
	char msg[32];
	int i, j, n, len, accepted = 0;

	for (i = 0; i < 100000; i++) {
		seed = seed * 1103515245 + 12345;
		len = (int)(seed >> 16) % (int)sizeof(in);
		if (i % 2 == 0) {
			for (j = 0; j < len; j++) {
				seed = seed * 1103515245 + 12345;
				in[j] = (uint8_t)(seed >> 16);
			}
			if (len >= PDU_HDR_SIZE && i % 4 == 0) {
				pdu_put16(in, PDU_MAGIC);
				in[PDU_OFF_VERSION] = PM_PROTO;
				in[PDU_OFF_TYPE] = (uint8_t)(1 + i / 4 % 0x90);
				pdu_put32(in + PDU_OFF_LEN, (uint32_t)len);
			}
		} else {
			n = pdu_text_pack(in, sizeof(in), 1, "k", "hello");
			len = n;
			for (j = 0; j < 3; j++) {
				seed = seed * 1103515245 + 12345;
				in[(seed >> 16) % n] = (uint8_t)(seed >> 8);
			}
		}
		if (pdu_hdr_unpack(in, len, &h) == 0 && h.len <= (size_t)len)
			len = (int)h.len;
		accepted += pdu_req_unpack(in, len, &r) == 0;
		accepted += pdu_text_unpack(in, len, &t) == 0;
		(void)pdu_ok_unpack(in, len, msg, sizeof(msg));
		(void)pdu_error_unpack(in, len, &e);
		(void)pdu_end_unpack(in, len, &cnt);
		(void)pdu_status_unpack(in, len, &s);
		(void)pdu_version_unpack(in, len, &v);
		(void)pdu_challenge_unpack(in, len, &c);
	}
	CHECK("100000 fuzz inputs decoded without a crash", accepted > 0);
}

/* ------------------------------------------------------------ golden bytes */

/*
 * Every message type packed from representative values, compared byte for
 * byte with what pm sent when these arrays were captured, then decoded
 * back. A difference here is a change of the wire format: PROTOCOL.md and
 * PM_PROTO must move with it, never the arrays alone.
 */
struct golden {
	const char	*what;
	const char	*bytes;
	size_t		 len;
};
#define G(what, s)	{ what, s, sizeof(s) - 1 }

static const struct golden golden_req[] = {
	G("start request",
	    "\x50\x4d\x01\x01\x00\x00\x00\x00\x01\x02\x03\x04\x00\x00\x00\x1d"
	    "\x00\x01\x00\x03\x77\x65\x62\x00\x01\x00\x02\x64\x62"),
	G("stop request",
	    "\x50\x4d\x01\x02\x00\x00\x00\x00\x01\x02\x03\x05\x00\x00\x00\x10"),
	G("restart request",
	    "\x50\x4d\x01\x03\x00\x00\x00\x00\x01\x02\x03\x06\x00\x00\x00\x17"
	    "\x00\x01\x00\x03\x77\x65\x62"),
	G("status request",
	    "\x50\x4d\x01\x04\x00\x00\x00\x00\x01\x02\x03\x07\x00\x00\x00\x17"
	    "\x00\x01\x00\x03\x77\x65\x62"),
	G("signal request",
	    "\x50\x4d\x01\x05\x00\x00\x00\x00\x01\x02\x03\x08\x00\x00\x00\x1f"
	    "\x00\x01\x00\x03\x77\x65\x62\x00\x02\x00\x04\x00\x00\x00\x0f"),
	G("config show request",
	    "\x50\x4d\x01\x06\x00\x00\x00\x00\x01\x02\x03\x09\x00\x00\x00\x17"
	    "\x00\x01\x00\x03\x77\x65\x62"),
	G("config reload request",
	    "\x50\x4d\x01\x07\x00\x01\x00\x00\x01\x02\x03\x0a\x00\x00\x00\x10"),
	G("setting show request",
	    "\x50\x4d\x01\x08\x00\x00\x00\x00\x01\x02\x03\x0b\x00\x00\x00\x1f"
	    "\x00\x03\x00\x0b\x6d\x61\x78\x5f\x63\x6c\x69\x65\x6e\x74\x73"),
	G("setting reload request",
	    "\x50\x4d\x01\x09\x00\x00\x00\x00\x01\x02\x03\x0c\x00\x00\x00\x10"),
	G("shutdown request",
	    "\x50\x4d\x01\x0a\x00\x00\x00\x00\x01\x02\x03\x0d\x00\x00\x00\x10"),
	G("halt request",
	    "\x50\x4d\x01\x0b\x00\x00\x00\x00\x01\x02\x03\x0e\x00\x00\x00\x10"),
	G("poweroff request",
	    "\x50\x4d\x01\x0c\x00\x00\x00\x00\x01\x02\x03\x0f\x00\x00\x00\x10"),
	G("reboot request",
	    "\x50\x4d\x01\x0d\x00\x00\x00\x00\x01\x02\x03\x10\x00\x00\x00\x10"),
	G("version request",
	    "\x50\x4d\x01\x0e\x00\x00\x00\x00\x01\x02\x03\x11\x00\x00\x00\x10"),
	G("auth request",
	    "\x50\x4d\x01\x0f\x00\x00\x00\x00\x01\x02\x03\x12\x00\x00\x00\x34"
	    "\x00\x11\x00\x20\xa0\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8\xa9\xaa\xab"
	    "\xac\xad\xae\xaf\xb0\xb1\xb2\xb3\xb4\xb5\xb6\xb7\xb8\xb9\xba\xbb"
	    "\xbc\xbd\xbe\xbf"),
	G("logs request",
	    "\x50\x4d\x01\x10\x00\x02\x00\x00\x01\x02\x03\x13\x00\x00\x00\x1f"
	    "\x00\x01\x00\x03\x77\x65\x62\x00\x0b\x00\x04\x00\x00\x01\xf4"),
	G("log reopen request",
	    "\x50\x4d\x01\x11\x00\x00\x00\x00\x01\x02\x03\x14\x00\x00\x00\x10"),
	G("metrics request",
	    "\x50\x4d\x01\x12\x00\x00\x00\x00\x01\x02\x03\x15\x00\x00\x00\x17"
	    "\x00\x01\x00\x03\x77\x65\x62"),
	G("events request",
	    "\x50\x4d\x01\x13\x00\x06\x00\x00\x01\x02\x03\x16\x00\x00\x00\x17"
	    "\x00\x01\x00\x03\x77\x65\x62"),
	G("run request",
	    "\x50\x4d\x01\x14\x00\x00\x00\x00\x01\x02\x03\x17\x00\x00\x00\x2a"
	    "\x00\x01\x00\x03\x77\x65\x62\x00\x0a\x00\x0f\x72\x65\x73\x74\x61"
	    "\x72\x74\x20\x3d\x20\x6e\x65\x76\x65\x72"),
	G("rm request",
	    "\x50\x4d\x01\x15\x00\x00\x00\x00\x01\x02\x03\x18\x00\x00\x00\x17"
	    "\x00\x01\x00\x03\x77\x65\x62"),
	G("why request",
	    "\x50\x4d\x01\x16\x00\x00\x00\x00\x01\x02\x03\x19\x00\x00\x00\x17"
	    "\x00\x01\x00\x03\x77\x65\x62"),
	G("save request",
	    "\x50\x4d\x01\x17\x00\x00\x00\x00\x01\x02\x03\x1a\x00\x00\x00\x10"),
	G("setting show without a key",
	    "\x50\x4d\x01\x08\x00\x00\x00\x00\x01\x02\x03\x0b\x00\x00\x00\x10"),
	G("logs of all lines",
	    "\x50\x4d\x01\x10\x00\x02\x00\x00\x01\x02\x03\x13\x00\x00\x00\x17"
	    "\x00\x01\x00\x03\x77\x65\x62"),
};

static const struct golden golden_rep[] = {
	G("ok",
	    "\x50\x4d\x01\x80\x00\x00\x00\x00\x00\x00\x00\x80\x00\x00\x00\x1f"
	    "\x00\x0d\x00\x0b\x73\x74\x6f\x70\x70\x65\x64\x20\x77\x65\x62"),
	G("ok without a message",
	    "\x50\x4d\x01\x80\x00\x00\x00\x00\x00\x00\x00\x81\x00\x00\x00\x10"),
	G("error",
	    "\x50\x4d\x01\x81\x00\x00\x00\x00\x00\x00\x00\x82\x00\x00\x00\x39"
	    "\x00\x0c\x00\x0a\x75\x6e\x6b\x6e\x6f\x77\x6e\x20\x69\x64\x00\x0d"
	    "\x00\x12\x75\x6e\x6b\x6e\x6f\x77\x6e\x20\x69\x64\x3a\x20\x6e\x6f"
	    "\x73\x75\x63\x68\x00\x0f\x00\x01\x01"),
	G("end",
	    "\x50\x4d\x01\x82\x00\x00\x00\x00\x00\x00\x00\x83\x00\x00\x00\x18"
	    "\x00\x0b\x00\x04\x01\x02\x03\x04"),
	G("status record",
	    "\x50\x4d\x01\x83\x00\x00\x00\x00\x00\x00\x00\x84\x00\x00\x00\xa5"
	    "\x00\x01\x00\x03\x77\x65\x62\x00\x04\x00\x07\x72\x75\x6e\x6e\x69"
	    "\x6e\x67\x00\x05\x00\x04\x00\x00\x10\x92\x00\x06\x00\x08\x01\x02"
	    "\x03\x04\x05\x06\x07\x08\x00\x12\x00\x08\x00\x00\x00\x00\x00\x00"
	    "\x00\x3c\x00\x07\x00\x04\x00\x00\x00\x03\x00\x08\x00\x04\x00\x00"
	    "\x00\x89\x00\x09\x00\x01\x00\x00\x19\x00\x08\x00\x00\x00\x02\x00"
	    "\x00\x00\x00\x00\x13\x00\x01\x02\x00\x14\x00\x04\x00\x01\x11\x70"
	    "\x00\x15\x00\x04\x00\x00\x00\x04\x00\x16\x00\x08\x00\x00\x00\x00"
	    "\x65\x53\xf1\x00\x00\x17\x00\x11\x73\x65\x72\x76\x69\x6e\x67\x20"
	    "\x33\x20\x63\x6c\x69\x65\x6e\x74\x73\x00\x18\x00\x08\x48\x54\x54"
	    "\x50\x20\x35\x30\x33"),
	G("status record without notes",
	    "\x50\x4d\x01\x83\x00\x00\x00\x00\x00\x00\x00\x85\x00\x00\x00\x83"
	    "\x00\x01\x00\x03\x6a\x6f\x62\x00\x04\x00\x06\x65\x78\x69\x74\x65"
	    "\x64\x00\x05\x00\x04\x00\x00\x00\x00\x00\x06\x00\x08\x00\x00\x00"
	    "\x00\x00\x00\x00\x00\x00\x12\x00\x08\x00\x00\x00\x00\x00\x00\x00"
	    "\x00\x00\x07\x00\x04\x00\x00\x00\x00\x00\x08\x00\x04\xff\xff\xff"
	    "\xff\x00\x09\x00\x01\x01\x00\x19\x00\x08\x00\x00\x00\x00\x00\x00"
	    "\x00\x00\x00\x13\x00\x01\x00\x00\x14\x00\x04\x00\x00\x00\x00\x00"
	    "\x15\x00\x04\x00\x00\x00\x00\x00\x16\x00\x08\x00\x00\x00\x00\x00"
	    "\x00\x00\x00"),
	G("text",
	    "\x50\x4d\x01\x84\x00\x00\x00\x00\x00\x00\x00\x86\x00\x00\x00\x35"
	    "\x00\x03\x00\x0b\x70\x72\x6f\x63\x65\x73\x73\x3a\x77\x65\x62\x00"
	    "\x0a\x00\x12\x63\x6f\x6d\x6d\x61\x6e\x64\x20\x3d\x20\x73\x6c\x65"
	    "\x65\x70\x20\x31\x0a"),
	G("text without a key",
	    "\x50\x4d\x01\x84\x00\x00\x00\x00\x00\x00\x00\x87\x00\x00\x00\x14"
	    "\x00\x0a\x00\x00"),
	G("version reply",
	    "\x50\x4d\x01\x85\x00\x00\x00\x00\x00\x00\x00\x88\x00\x00\x00\x1e"
	    "\x00\x0e\x00\x05\x30\x2e\x31\x2e\x30\x00\x0f\x00\x01\x01"),
	/* Auth v2 (issue 11) added AUTHV to the challenge. */
	G("challenge",
	    "\x50\x4d\x01\x86\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x3e"
	    "\x00\x10\x00\x20\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b"
	    "\x1c\x1d\x1e\x1f\x20\x21\x22\x23\x24\x25\x26\x27\x28\x29\x2a\x2b"
	    "\x2c\x2d\x2e\x2f\x00\x0f\x00\x01\x01\x00\x1a\x00\x01\x02"),
};

/* Print what was packed, as a literal for the table above. */
static void
dump(const uint8_t *p, int n)
{
	int i;

	for (i = 0; i < n; i++)
		printf("%s\\x%02x%s", i % 16 ? "" : "\t    \"", p[i],
		    i % 16 == 15 || i == n - 1 ? "\"\n" : "");
}

static int
golden_same(const struct golden *g, int n)
{
	if (n == (int)g->len && memcmp(buf, g->bytes, g->len) == 0)
		return 1;
	printf("# %s packed %d bytes:\n", g->what, n);
	if (n > 0)
		dump(buf, n);
	return 0;
}

/* One request of each type, with the fields its type carries. */
static void
golden_requests(struct pdu_req *q, int i)
{
	memset(q, 0, sizeof(*q));
	q->type = (uint8_t)(PDU_START + i);
	q->reqid = 0x01020304u + (uint32_t)i;
	switch (q->type) {
	case PDU_START:
		q->nids = 2;
		strcpy(q->ids[0], "web");
		strcpy(q->ids[1], "db");
		break;
	case PDU_RESTART:
	case PDU_STATUS:
	case PDU_CONFIG_SHOW:
		q->nids = 1;
		strcpy(q->ids[0], "web");
		break;
	case PDU_SIGNAL:
		q->nids = 1;
		strcpy(q->ids[0], "web");
		q->sig = 15;
		break;
	case PDU_CONFIG_RELOAD:
		q->flags = PDU_F_DRY_RUN;
		break;
	case PDU_SETTING_SHOW:
		strcpy(q->key, "max_clients");
		break;
	case PDU_AUTH:
		for (i = 0; i < PDU_MAC_LEN; i++)
			q->mac[i] = (uint8_t)(0xa0 + i);
		break;
	case PDU_METRICS:
		q->nids = 1;
		strcpy(q->ids[0], "web");
		break;
	case PDU_EVENTS:
		q->flags = PDU_F_FOLLOW | PDU_F_JSON;
		q->nids = 1;
		strcpy(q->ids[0], "web");
		break;
	case PDU_LOGS:
		q->flags = PDU_F_FOLLOW;
		q->nids = 1;
		strcpy(q->ids[0], "web");
		q->lines = 500;
		break;
	case PDU_RUN:
		strcpy(q->text, "restart = never");
		/* FALLTHROUGH */
	case PDU_RM:
	case PDU_WHY:
		q->nids = 1;
		strcpy(q->ids[0], "web");
		break;
	}
}

static void
test_golden_requests(void)
{
	static struct pdu_req q, r;
	char what[80];
	int i, j, n, ok;

	CHECK("one golden request per request type, and two variants",
	    sizeof(golden_req) / sizeof(golden_req[0]) ==
	    PDU_REQ_LAST - PDU_START + 3);
	for (i = 0; i <= PDU_REQ_LAST - PDU_START; i++) {
		golden_requests(&q, i);
		n = pdu_req_pack(buf, sizeof(buf), &q);
		snprintf(what, sizeof(what), "%s request: golden bytes",
		    pdu_type_name(q.type));
		CHECK(what, golden_same(&golden_req[i], n));
		ok = n > 0 && pdu_req_unpack(buf, n, &r) == 0 &&
		    r.type == q.type && r.flags == q.flags &&
		    r.reqid == q.reqid && r.nids == q.nids &&
		    r.sig == q.sig && r.lines == q.lines &&
		    strcmp(r.key, q.key) == 0 && strcmp(r.text, q.text) == 0 &&
		    (q.type != PDU_AUTH ||
		    memcmp(r.mac, q.mac, PDU_MAC_LEN) == 0);
		for (j = 0; ok && j < q.nids; j++)
			ok = strcmp(r.ids[j], q.ids[j]) == 0;
		snprintf(what, sizeof(what), "%s request: decodes back",
		    pdu_type_name(q.type));
		CHECK(what, ok);
	}
	/* SETTING_SHOW without a key and LOGS of all lines send less. */
	golden_requests(&q, PDU_SETTING_SHOW - PDU_START);
	q.key[0] = '\0';
	n = pdu_req_pack(buf, sizeof(buf), &q);
	CHECK("setting show without a key: golden bytes",
	    golden_same(&golden_req[i++], n));
	golden_requests(&q, PDU_LOGS - PDU_START);
	q.lines = 0;
	n = pdu_req_pack(buf, sizeof(buf), &q);
	CHECK("logs of all lines: golden bytes",
	    golden_same(&golden_req[i], n));
	CHECK("logs of all lines: decodes back",
	    pdu_req_unpack(buf, n, &r) == 0 && r.lines == 0 &&
	    r.nids == 1 && strcmp(r.ids[0], "web") == 0);
}

static void
test_golden_replies(void)
{
	static struct pdu_text t;
	static struct pdu_error e;
	static char msg[PDU_MSG_MAX];
	const struct golden *g = golden_rep;
	struct pdu_status s, s2;
	struct pdu_version v;
	struct pdu_challenge c;
	uint8_t nonce[PDU_NONCE_LEN];
	uint32_t cnt;
	int i, n;

	n = pdu_ok_pack(buf, sizeof(buf), 0x80, "stopped web");
	CHECK("ok: golden bytes", golden_same(g++, n));
	CHECK("ok: decodes back", pdu_ok_unpack(buf, n, msg,
	    sizeof(msg)) == 0 && strcmp(msg, "stopped web") == 0);
	n = pdu_ok_pack(buf, sizeof(buf), 0x81, NULL);
	CHECK("ok without a message: golden bytes", golden_same(g++, n));
	CHECK("ok without a message: decodes back", pdu_ok_unpack(buf, n,
	    msg, sizeof(msg)) == 0 && msg[0] == '\0');

	n = pdu_error_pack(buf, sizeof(buf), 0x82, "unknown id",
	    "unknown id: nosuch");
	CHECK("error: golden bytes", golden_same(g++, n));
	CHECK("error: decodes back", pdu_error_unpack(buf, n, &e) == 0 &&
	    strcmp(e.code, "unknown id") == 0 &&
	    strcmp(e.msg, "unknown id: nosuch") == 0 && e.proto == PM_PROTO);

	n = pdu_end_pack(buf, sizeof(buf), 0x83, 0x01020304u);
	CHECK("end: golden bytes", golden_same(g++, n));
	CHECK("end: decodes back", pdu_end_unpack(buf, n, &cnt) == 0 &&
	    cnt == 0x01020304u);

	memset(&s, 0, sizeof(s));
	strcpy(s.id, "web");
	strcpy(s.state, "running");
	s.pid = 4242;
	s.uptime = 0x0102030405060708ULL;
	s.since = 60;
	s.restarts = 3;
	s.last_exit = 128 + 9;
	s.kind = PK_SERVICE;
	s.dropped = 1ULL << 33;
	s.health = 2;
	s.check_fails = 70000;
	s.skips = 4;
	s.next_run = 1700000000;
	strcpy(s.note, "serving 3 clients");
	strcpy(s.check_out, "HTTP 503");
	n = pdu_status_pack(buf, sizeof(buf), 0x84, &s);
	CHECK("status record: golden bytes", golden_same(g++, n));
	CHECK("status record: decodes back",
	    pdu_status_unpack(buf, n, &s2) == 0 &&
	    memcmp(&s, &s2, sizeof(s)) == 0);
	memset(&s, 0, sizeof(s));
	strcpy(s.id, "job");
	strcpy(s.state, "exited");
	s.last_exit = -1;
	s.kind = PK_ONESHOT;
	n = pdu_status_pack(buf, sizeof(buf), 0x85, &s);
	CHECK("status record without notes: golden bytes",
	    golden_same(g++, n));
	CHECK("status record without notes: decodes back",
	    pdu_status_unpack(buf, n, &s2) == 0 &&
	    memcmp(&s, &s2, sizeof(s)) == 0);

	n = pdu_text_pack(buf, sizeof(buf), 0x86, "process:web",
	    "command = sleep 1\n");
	CHECK("text: golden bytes", golden_same(g++, n));
	CHECK("text: decodes back", pdu_text_unpack(buf, n, &t) == 0 &&
	    strcmp(t.key, "process:web") == 0 &&
	    strcmp(t.text, "command = sleep 1\n") == 0);
	n = pdu_text_pack(buf, sizeof(buf), 0x87, NULL, "");
	CHECK("text without a key: golden bytes", golden_same(g++, n));
	CHECK("text without a key: decodes back",
	    pdu_text_unpack(buf, n, &t) == 0 && t.key[0] == '\0' &&
	    t.text[0] == '\0');

	n = pdu_version_pack(buf, sizeof(buf), 0x88, "0.1.0");
	CHECK("version reply: golden bytes", golden_same(g++, n));
	CHECK("version reply: decodes back",
	    pdu_version_unpack(buf, n, &v) == 0 &&
	    strcmp(v.version, "0.1.0") == 0 && v.proto == PM_PROTO);

	for (i = 0; i < PDU_NONCE_LEN; i++)
		nonce[i] = (uint8_t)(0x10 + i);
	n = pdu_challenge_pack(buf, sizeof(buf), nonce);
	CHECK("challenge: golden bytes", golden_same(g++, n));
	CHECK("challenge: decodes back",
	    pdu_challenge_unpack(buf, n, &c) == 0 &&
	    memcmp(c.nonce, nonce, PDU_NONCE_LEN) == 0 &&
	    c.proto == PM_PROTO && c.authv == PDU_AUTHV);
	CHECK("every golden reply was checked",
	    g == golden_rep + sizeof(golden_rep) / sizeof(golden_rep[0]));
}

/* The example at the end of PROTOCOL.md, byte for byte. */
static void
test_protocol_example(void)
{
	static const struct golden req = G("example request",
	    "\x50\x4d\x01\x04\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x17"
	    "\x00\x01\x00\x03\x77\x65\x62");
	static const struct golden rec = G("example status record",
	    "\x50\x4d\x01\x83\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x84"
	    "\x00\x01\x00\x03\x77\x65\x62"
	    "\x00\x04\x00\x07\x72\x75\x6e\x6e\x69\x6e\x67"
	    "\x00\x05\x00\x04\x00\x00\x10\x92"
	    "\x00\x06\x00\x08\x00\x00\x00\x00\x00\x00\x00\x3c"
	    "\x00\x12\x00\x08\x00\x00\x00\x00\x00\x00\x00\x3c"
	    "\x00\x07\x00\x04\x00\x00\x00\x00"
	    "\x00\x08\x00\x04\xff\xff\xff\xff"
	    "\x00\x09\x00\x01\x00"
	    "\x00\x19\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00"
	    "\x00\x13\x00\x01\x00"
	    "\x00\x14\x00\x04\x00\x00\x00\x00"
	    "\x00\x15\x00\x04\x00\x00\x00\x00"
	    "\x00\x16\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00");
	static const struct golden end = G("example end",
	    "\x50\x4d\x01\x82\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x18"
	    "\x00\x0b\x00\x04\x00\x00\x00\x01");
	static struct pdu_req q;
	struct pdu_status s;

	memset(&q, 0, sizeof(q));
	q.type = PDU_STATUS;
	q.reqid = 1;
	q.nids = 1;
	strcpy(q.ids[0], "web");
	CHECK("PROTOCOL.md example: request",
	    golden_same(&req, pdu_req_pack(buf, sizeof(buf), &q)));
	memset(&s, 0, sizeof(s));
	strcpy(s.id, "web");
	strcpy(s.state, "running");
	s.pid = 4242;
	s.uptime = 60;
	s.since = 60;
	s.last_exit = -1;
	CHECK("PROTOCOL.md example: status record",
	    golden_same(&rec, pdu_status_pack(buf, sizeof(buf), 1, &s)));
	CHECK("PROTOCOL.md example: end",
	    golden_same(&end, pdu_end_pack(buf, sizeof(buf), 1, 1)));
}

int
main(void)
{
	test_golden_requests();
	test_golden_replies();
	test_protocol_example();
	test_request();
	test_replies();
	test_refusals();
	test_fuzz();
	return fails != 0;
}
