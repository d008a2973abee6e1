/*
 * fuzz_handshake.c: the TCP authentication of PROTOCOL.md (issue 11), as
 * ctl.c and client.c drive it, over bytes a hostile peer could send.
 *
 * The first byte picks the role and how far the peer plays fair; the rest
 * is a stream of PDUs. Bit 0 clear, the server: the first PDU must be an
 * AUTH (a v2 one is checked against a fixed key, nonce and name), then
 * come sealed requests. Bit 0 set, the client: CHALLENGE, then AUTH_OK,
 * then sealed replies. Bit 1 lets a peer that failed the MAC or the
 * proof through, so the sealed PDUs after it are reached; bit 2 seals
 * each later PDU as an honest peer would, and it must then verify exactly
 * once (the same PDU again is a replay, a changed tag a forgery). An AUTH
 * that decodes is packed again and must decode the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../pdu.h"
#include "../../sha256.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char	 key[] = "fuzz-key";
static const char	 name[] = "127.0.0.1:7070";
static const uint8_t	 ns[PDU_NONCE_LEN] = { 1, 2, 3 };

/* AUTH must survive a pack and unpack unchanged. */
static void
again_auth(const struct pdu_req *q)
{
	static struct pdu_req r;
	static uint8_t buf[PDU_MAX];
	int n;

	if ((n = pdu_req_pack(buf, sizeof(buf), q)) < 0 ||
	    pdu_req_unpack(buf, (size_t)n, &r) != 0 ||
	    memcmp(r.mac, q->mac, PDU_MAC_LEN) != 0 ||
	    strcmp(r.host, q->host) != 0 ||
	    (q->host[0] != '\0' && memcmp(r.nonce, q->nonce,
	    PDU_NONCE_LEN) != 0))
		abort();
}

/* One sealed PDU of len bytes in p, from direction dir. */
static void
sealed(struct auth_sess *a, int dir, bool fair, const uint8_t *p, size_t len)
{
	static uint8_t buf[PDU_MAX + PDU_SEAL_SIZE];
	static struct pdu_req q;
	struct auth_sess before;
	int n;

	if (!fair) {
		before = *a;
		if (auth_check(a, dir, p, len) != 0) {
			if (memcmp(&before, a, sizeof(before)) != 0)
				abort();	/* a failure moved the sequence */
		} else if (dir == AUTH_C2S)
			(void)pdu_req_unpack(p, len, &q);
		return;
	}
	memcpy(buf, p, len);
	if ((n = auth_seal(a, dir, buf, sizeof(buf), (int)len)) < 0)
		return;
	a->seq[dir]--;
	if (auth_check(a, dir, buf, (size_t)n) != 0)
		abort();
	if (auth_check(a, dir, buf, (size_t)n) == 0)
		abort();	/* the same PDU again is a replay */
	buf[n - 1] ^= 1;
	a->seq[dir]--;
	if (auth_check(a, dir, buf, (size_t)n) == 0)
		abort();	/* so is a changed tag */
	a->seq[dir]++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pdu_req q;
	struct pdu_challenge ch;
	struct pdu_hdr h;
	struct auth_sess a;
	uint8_t cmac[SHA256_LEN], smac[SHA256_LEN], mac[PDU_MAC_LEN];
	uint8_t mode;
	size_t off;
	int i;

	if (size < 1)
		return 0;
	mode = data[0];
	memset(&a, 0, sizeof(a));
	for (off = 1, i = 0; off < size; off += h.len, i++) {
		if (pdu_hdr_unpack(data + off, size - off, &h) != 0 ||
		    h.len > size - off)
			return 0;
		if (!(mode & 1) && i == 0) {		/* server: AUTH */
			if (pdu_req_unpack(data + off, h.len, &q) != 0 ||
			    q.type != PDU_AUTH)
				return 0;
			again_auth(&q);
			if (q.host[0] == '\0')
				return 0;		/* v1: refused */
			auth_start(&a, key, sizeof(key) - 1, ns, q.nonce,
			    q.host, cmac, smac);
			if (!(mode & 2) && (strcmp(q.host, name) != 0 ||
			    !ct_equal(cmac, q.mac, sizeof(cmac))))
				return 0;
		} else if (mode & 1 && i == 0) {	/* client: CHALLENGE */
			if (pdu_challenge_unpack(data + off, h.len, &ch) != 0)
				return 0;
			memset(q.nonce, 7, sizeof(q.nonce));
			auth_start(&a, key, sizeof(key) - 1, ch.nonce, q.nonce,
			    name, cmac, smac);
		} else if (mode & 1 && i == 1) {	/* client: AUTH_OK */
			if (pdu_auth_ok_unpack(data + off, h.len, mac) != 0)
				return 0;
			if (!(mode & 2) && !ct_equal(mac, smac, sizeof(mac)))
				return 0;
		} else
			sealed(&a, mode & 1 ? AUTH_S2C : AUTH_C2S,
			    (mode & 4) != 0, data + off, h.len);
	}
	return 0;
}
