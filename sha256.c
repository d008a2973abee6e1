/*
 * sha256.c: SHA-256 as specified in FIPS 180-4 section 6.2, and HMAC as in
 * RFC 2104, and on them the TCP control socket's authentication (auth_*).
 * Written for pm's TCP authentication only, so it favours small code over
 * speed: the whole binary must stay small and static.
 */
#include <string.h>

#include "pdu.h"
#include "sha256.h"

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

#define ROR(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))

/*
 * Process one 64-byte block (FIPS 180-4 6.2.2). The message schedule is
 * kept as a 16-word ring rather than 64 words to keep the stack small.
 * Not inlined into sha256_update: smaller, and a call a block costs
 * nothing measurable.
 */
static __attribute__((noinline)) void
sha256_block(struct sha256 *s, const uint8_t *p)
{
	uint32_t w[16], a, b, c, d, e, f, g, h, t1, t2, s0, s1;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = pdu_get32(p + 4 * i);
	a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
	e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
	for (i = 0; i < 64; i++) {
		if (i >= 16) {
			s0 = w[(i + 1) & 15];
			s0 = ROR(s0, 7) ^ ROR(s0, 18) ^ (s0 >> 3);
			s1 = w[(i + 14) & 15];
			s1 = ROR(s1, 17) ^ ROR(s1, 19) ^ (s1 >> 10);
			w[i & 15] += s0 + s1 + w[(i + 9) & 15];
		}
		t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
		    ((e & f) ^ (~e & g)) + K[i] + w[i & 15];
		t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
		    ((a & b) ^ (a & c) ^ (b & c));
		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
	s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

/* Not inlined at its callers: the IV's copy is made once, here. */
__attribute__((noinline)) void
sha256_init(struct sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};

	memcpy(s->h, iv, sizeof(iv));
	s->nbytes = 0;
	s->nbuf = 0;
}

void
sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t n;

	s->nbytes += len;
	while (len > 0) {
		n = SHA256_BLOCK - s->nbuf;
		if (n > len)
			n = len;
		memcpy(s->buf + s->nbuf, p, n);
		s->nbuf += n;
		p += n;
		len -= n;
		if (s->nbuf == SHA256_BLOCK) {
			sha256_block(s, s->buf);
			s->nbuf = 0;
		}
	}
}

/*
 * Pad with 0x80, zeros and the bit length as a big-endian u64 (FIPS 180-4
 * 5.1.1), then write the state out big-endian.
 */
void
sha256_final(struct sha256 *s, uint8_t out[SHA256_LEN])
{
	uint8_t len[8], b = 0x80;
	int i;

	/* The length is taken before the padding adds to nbytes. */
	pdu_put64(len, s->nbytes * 8);
	/* A byte at a time through sha256_update, which hashes full blocks. */
	do {
		sha256_update(s, &b, 1);
		b = 0;
	} while (s->nbuf != SHA256_BLOCK - 8);
	sha256_update(s, len, sizeof(len));
	for (i = 0; i < 8; i++)
		pdu_put32(out + 4 * i, s->h[i]);
	memset(s, 0, sizeof(*s));
}

void
sha256(const void *data, size_t len, uint8_t out[SHA256_LEN])
{
	struct sha256 s;

	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final(&s, out);
}

/*
 * HMAC (RFC 2104): H((K ^ opad) || H((K ^ ipad) || msg)), a key longer
 * than a block being hashed first. The message is given in two parts,
 * a || b, so a sequence number and a PDU need not be copied together.
 * Key material is wiped from the stack.
 */
void
hmac_sha256_2(const void *key, size_t klen, const void *a, size_t alen,
    const void *b, size_t blen, uint8_t out[SHA256_LEN])
{
	uint8_t k[SHA256_BLOCK], pad[SHA256_BLOCK], inner[SHA256_LEN];
	struct sha256 s;
	int i, j;

	memset(k, 0, sizeof(k));
	if (klen > SHA256_BLOCK)
		sha256(key, klen, k);
	else if (klen > 0)
		memcpy(k, key, klen);
	/* The inner hash, then the outer one, whose message is the inner. */
	for (j = 0; j < 2; j++) {
		for (i = 0; i < SHA256_BLOCK; i++)
			pad[i] = k[i] ^ (j ? 0x5c : 0x36);
		sha256_init(&s);
		sha256_update(&s, pad, sizeof(pad));
		sha256_update(&s, a, alen);
		sha256_update(&s, b, blen);
		sha256_final(&s, j ? out : inner);
		a = inner;
		alen = sizeof(inner);
		blen = 0;
	}
	memset(k, 0, sizeof(k));
	memset(pad, 0, sizeof(pad));
}

void
hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
    uint8_t out[SHA256_LEN])
{
	hmac_sha256_2(key, klen, msg, mlen, NULL, 0, out);
}

/*
 * Compare without an early exit, so the time taken does not tell an
 * attacker how many leading bytes of a guessed MAC were right.
 */
int
ct_equal(const void *a, const void *b, size_t len)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;
	size_t i;

	for (i = 0; i < len; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

/* ------------------------------------------------- TCP auth v2 (issue 11) */

/*
 * Three HMACs under the pre-shared key, each over label || Ns || Nc ||
 * u16 len || id: the transcript that binds both nonces and the name the
 * client dialled, so an answer made for one connection, or for one
 * server, is worth nothing on another (PROTOCOL.md, "Authentication").
 * The transcript is built once; each label is put just before it.
 */
_Static_assert(sizeof(PDU_AUTH_CLIENT) <= 33 && sizeof(PDU_AUTH_SERVER) <=
    33 && sizeof(PDU_AUTH_SESSION) <= 33, "a label fits before the transcript");

void
auth_start(struct auth_sess *a, const void *key, size_t klen,
    const uint8_t *ns, const uint8_t *nc, const char *id,
    uint8_t cmac[SHA256_LEN], uint8_t smac[SHA256_LEN])
{
	uint8_t t[32 + 2 * PDU_NONCE_LEN + 2 + PDU_HOST_MAX], *tr = t + 32;
	uint8_t *out[3] = { cmac, smac, a->ks };
	const char *l = PDU_AUTH_CLIENT "\0" PDU_AUTH_SERVER "\0"
	    PDU_AUTH_SESSION;
	size_t ll, il = strnlen(id, PDU_HOST_MAX - 1);
	int i;

	memcpy(tr, ns, PDU_NONCE_LEN);
	memcpy(tr + PDU_NONCE_LEN, nc, PDU_NONCE_LEN);
	pdu_put16(tr + 2 * PDU_NONCE_LEN, (uint16_t)il);
	memcpy(tr + 2 * PDU_NONCE_LEN + 2, id, il);
	for (i = 0; i < 3; i++, l += ll + 1) {
		ll = strlen(l);
		memcpy(tr - ll, l, ll);
		hmac_sha256(key, klen, tr - ll,
		    ll + 2 * PDU_NONCE_LEN + 2 + il, out[i]);
	}
	a->seq[0] = a->seq[1] = 0;
}

/* Tag of the PDU in buf (len bytes up to the tag) as message seq of dir. */
static void
auth_tag(const struct auth_sess *a, int dir, const uint8_t *buf, size_t len,
    uint8_t out[SHA256_LEN])
{
	uint8_t pre[9];

	pre[0] = (uint8_t)dir;
	pdu_put64(pre + 1, a->seq[dir]);
	hmac_sha256_2(a->ks, sizeof(a->ks), pre, sizeof(pre), buf, len, out);
}

int
auth_seal(struct auth_sess *a, int dir, uint8_t *buf, size_t cap, int n)
{
	if (n < 0 || (n = pdu_seal(buf, cap, (size_t)n)) < 0)
		return n;
	auth_tag(a, dir, buf, (size_t)n - PDU_TAG_LEN,
	    buf + n - PDU_TAG_LEN);
	a->seq[dir]++;
	return n;
}

int
auth_check(struct auth_sess *a, int dir, const uint8_t *buf, size_t len)
{
	uint8_t t[SHA256_LEN];

	if (pdu_sealed(buf, len) != 0)
		return -1;
	auth_tag(a, dir, buf, len - PDU_TAG_LEN, t);
	if (!ct_equal(t, buf + len - PDU_TAG_LEN, PDU_TAG_LEN))
		return -1;
	a->seq[dir]++;
	return 0;
}
