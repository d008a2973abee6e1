/*
 * sha256.h: SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), enough for
 * the TCP control socket's challenge-response. No I/O, no globals.
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
/* 1 when equal; time depends only on len. */
int	ct_equal(const void *, const void *, size_t len);

#endif /* SHA256_H */
