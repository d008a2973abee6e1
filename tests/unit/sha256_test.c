/*
 * sha256_test.c: SHA-256 against FIPS 180 examples and HMAC-SHA256
 * against RFC 4231 test cases 1-4, 6 and 7. Prints "ok - " or "FAIL - "
 * per vector, as tests/run.sh expects.
 */
#include <stdio.h>
#include <string.h>

#include "../../pdu.h"
#include "../../sha256.h"

static int fails;

static void
expect(const char *what, const uint8_t got[SHA256_LEN], const char *want)
{
	char hex[2 * SHA256_LEN + 1];
	int i;

	for (i = 0; i < SHA256_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", got[i]);
	if (strcmp(hex, want) == 0)
		printf("ok - %s\n", what);
	else {
		printf("FAIL - %s: got %s want %s\n", what, hex, want);
		fails++;
	}
}

static void
test_sha256(void)
{
	static const char m448[] =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	uint8_t out[SHA256_LEN], a[1000];
	struct sha256 s;
	int i;

	sha256("", 0, out);
	expect("sha256 empty", out,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256("abc", 3, out);
	expect("sha256 abc", out,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256(m448, strlen(m448), out);
	expect("sha256 448-bit message", out,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(a, 'a', sizeof(a));
	sha256_init(&s);
	for (i = 0; i < 1000; i++)
		sha256_update(&s, a, sizeof(a));
	sha256_final(&s, out);
	expect("sha256 one million a", out,
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	/* Same input, odd chunking: the buffering must not change the hash. */
	sha256_init(&s);
	for (i = 0; i < (int)strlen(m448); i += 7)
		sha256_update(&s, m448 + i,
		    strlen(m448) - i < 7 ? strlen(m448) - i : 7);
	sha256_final(&s, out);
	expect("sha256 448-bit message in 7-byte chunks", out,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void
test_hmac(void)
{
	uint8_t key[131], data[50], out[SHA256_LEN];
	const char *m;
	int i;

	memset(key, 0x0b, 20);
	hmac_sha256(key, 20, "Hi There", 8, out);
	expect("rfc4231 case 1", out,
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	m = "what do ya want for nothing?";
	hmac_sha256("Jefe", 4, m, strlen(m), out);
	expect("rfc4231 case 2", out,
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	hmac_sha256(key, 20, data, 50, out);
	expect("rfc4231 case 3", out,
	    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
	for (i = 0; i < 25; i++)
		key[i] = (uint8_t)(i + 1);
	memset(data, 0xcd, 50);
	hmac_sha256(key, 25, data, 50, out);
	expect("rfc4231 case 4", out,
	    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
	memset(key, 0xaa, 131);
	m = "Test Using Larger Than Block-Size Key - Hash Key First";
	hmac_sha256(key, 131, m, strlen(m), out);
	expect("rfc4231 case 6", out,
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
	m = "This is a test using a larger than block-size key and a larger "
	    "than block-size data. The key needs to be hashed before being "
	    "used by the HMAC algorithm.";
	hmac_sha256(key, 131, m, strlen(m), out);
	expect("rfc4231 case 7", out,
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void
check(const char *what, int cond)
{
	printf("%s - %s\n", cond ? "ok" : "FAIL", what);
	fails += !cond;
}

/*
 * TCP auth v2 (issue 11): the key schedule against values computed
 * independently (Python's hmac, see PROTOCOL.md), and the tags of a
 * session: each PDU verifies once, in order, unchanged, in its session.
 */
static void
test_auth(void)
{
	static const char key[] = "fuzz-key", name[] = "127.0.0.1:7070";
	uint8_t ns[PDU_NONCE_LEN] = { 1, 2, 3 }, nc[PDU_NONCE_LEN];
	uint8_t cmac[SHA256_LEN], smac[SHA256_LEN], out[SHA256_LEN];
	uint8_t a[256], b[256], x[256];
	struct auth_sess cli, srv, other;
	struct pdu_req q = { .type = PDU_STATUS, .reqid = 7, .nids = 1 };
	int i, na, nb;

	for (i = 0; i < PDU_NONCE_LEN; i++)
		nc[i] = (uint8_t)i;
	hmac_sha256_2("k", 1, "ab", 2, "cd", 2, cmac);
	hmac_sha256("k", 1, "abcd", 4, smac);
	check("hmac over two parts is hmac over their concatenation",
	    memcmp(cmac, smac, SHA256_LEN) == 0);
	auth_start(&cli, key, 8, ns, nc, name, cmac, smac);
	expect("auth v2: client answer", cmac,
	    "5d00679af59530b86ea5fbb808212521c342e100880d6e1ac83aa8dfcfe818ca");
	expect("auth v2: server proof", smac,
	    "4ba0250c6f066bf6bcf582b592f36f70ee46d3578136eb1b538866e88e9a6151");
	expect("auth v2: session key", cli.ks,
	    "29d878da6e9b1e1c03900d1a65620d9f3f756bd32c411c613f652e90fdbb3243");
	auth_start(&srv, key, 8, ns, nc, name, out, out);
	auth_start(&other, key, 8, ns, nc, "127.0.0.1:7071", out, out);
	strcpy(q.ids[0], "web");
	na = auth_seal(&cli, AUTH_C2S, a, sizeof(a),
	    pdu_req_pack(a, sizeof(a), &q));
	q.type = PDU_STOP;
	nb = auth_seal(&cli, AUTH_C2S, b, sizeof(b),
	    pdu_req_pack(b, sizeof(b), &q));
	check("sealed PDUs still decode", na > 0 && nb > 0 &&
	    pdu_req_unpack(a, (size_t)na, &q) == 0 && q.type == PDU_STATUS);
	check("a tag from another name's session fails",
	    auth_check(&other, AUTH_C2S, a, (size_t)na) == -1);
	check("the second PDU before the first fails",
	    auth_check(&srv, AUTH_C2S, b, (size_t)nb) == -1);
	check("the wrong direction fails",
	    auth_check(&srv, AUTH_S2C, a, (size_t)na) == -1);
	memcpy(x, a, (size_t)na);
	x[PDU_HDR_SIZE + 4] ^= 1;
	check("a changed byte fails",
	    auth_check(&srv, AUTH_C2S, x, (size_t)na) == -1);
	check("the first PDU verifies",
	    auth_check(&srv, AUTH_C2S, a, (size_t)na) == 0);
	check("and not a second time (replay)",
	    auth_check(&srv, AUTH_C2S, a, (size_t)na) == -1);
	check("then the second verifies",
	    auth_check(&srv, AUTH_C2S, b, (size_t)nb) == 0);
	check("an unsealed PDU fails", auth_check(&srv, AUTH_C2S, b,
	    (size_t)nb - PDU_SEAL_SIZE) == -1);
	check("no room for the tag: refused", auth_seal(&cli, AUTH_S2C, x,
	    PDU_HDR_SIZE + 8, pdu_end_pack(x, sizeof(x), 1, 1)) ==
	    PDU_ESPACE);
}

int
main(void)
{
	test_sha256();
	test_hmac();
	test_auth();
	if (ct_equal("abcd", "abcd", 4) && !ct_equal("abcd", "abce", 4))
		printf("ok - ct_equal\n");
	else {
		printf("FAIL - ct_equal\n");
		fails++;
	}
	return fails != 0;
}
