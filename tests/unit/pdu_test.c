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
		if (i == PDU_SIGNAL || i == PDU_AUTH || i == PDU_LOGS)
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
	s.health = 3;
	s.check_fails = 70000;
	s.skips = 5;
	s.next_run = 1700000000;
	strcpy(s.note, "serving 3 clients");
	strcpy(s.check_out, "HTTP 503");
	n = pdu_status_pack(buf, sizeof(buf), 9, &s);
	CHECK("status record with monitoring fields round trip",
	    pdu_status_unpack(buf, n, &s2) == 0 &&
	    memcmp(&s, &s2, sizeof(s)) == 0);
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

int
main(void)
{
	test_request();
	test_replies();
	test_refusals();
	test_fuzz();
	return fails != 0;
}
