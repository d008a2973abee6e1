/*
 * sha256.h: SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), and on them
 * the TCP control socket's authentication. No I/O, no globals.
 */
#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN	32
#define SHA256_BLOCK	64

struct sha256 {
	uint32_t	h[8];
	uint64_t	nbytes;
	uint8_t		buf[SHA256_BLOCK];
	size_t		nbuf;
};

void	sha256_init(struct sha256 *);
void	sha256_update(struct sha256 *, const void *, size_t);
void	sha256_final(struct sha256 *, uint8_t out[SHA256_LEN]);
void	sha256(const void *, size_t, uint8_t out[SHA256_LEN]);
void	hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
	    uint8_t out[SHA256_LEN]);
void	hmac_sha256_2(const void *key, size_t klen, const void *a, size_t alen,
	    const void *b, size_t blen, uint8_t out[SHA256_LEN]);
/* 1 when equal; time depends only on len. */
int	ct_equal(const void *, const void *, size_t len);

/*
 * TCP auth v2 (PROTOCOL.md): the session of one connection. auth_start
 * derives the client's answer, the server's proof and the session key
 * from the key, both nonces and the name the client dialled. After it
 * every PDU carries a tag under the session key and the sequence number
 * of its direction (AUTH_C2S, AUTH_S2C): auth_seal appends it to the PDU
 * of n bytes in buf (returns the new length or a negative PDU error);
 * auth_check verifies one whole PDU (0, or -1: forged, replayed,
 * reordered or not sealed).
 */
enum { AUTH_C2S, AUTH_S2C };

struct auth_sess {
	uint8_t		ks[SHA256_LEN];
	uint64_t	seq[2];
};

void	auth_start(struct auth_sess *, const void *key, size_t klen,
	    const uint8_t *ns, const uint8_t *nc, const char *id,
	    uint8_t cmac[SHA256_LEN], uint8_t smac[SHA256_LEN]);
int	auth_seal(struct auth_sess *, int dir, uint8_t *buf, size_t cap, int n);
int	auth_check(struct auth_sess *, int dir, const uint8_t *buf, size_t len);

#endif /* SHA256_H */
