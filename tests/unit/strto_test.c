/*
 * strto_test.c: strto.c (pm's own strtol family for the static build)
 * against glibc's: a table of edge cases (white space, signs, prefixes,
 * bases, overflow, no digits) and a deterministic fuzz, comparing the
 * value, where *end points and errno. Prints "ok - " / "FAIL - " lines.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define UNIT_SEED	0x13198a2e03707344ULL
#include "unit.h"

long			strto_strtol(const char *, char **, int);
unsigned long		strto_strtoul(const char *, char **, int);
long long		strto_strtoll(const char *, char **, int);
unsigned long long	strto_strtoull(const char *, char **, int);

/*
 * Run one function of each pair on s and compare all it tells (*end is
 * unspecified for a bad base: glibc leaves it alone, pm's sets it to s).
 */
#define PAIR(ours, libc, type) do {					\
	char *e1, *e2;							\
	type v1, v2;							\
	int x1, x2;							\
									\
	errno = 0;							\
	v1 = ours(s, &e1, base);					\
	x1 = errno;							\
	errno = 0;							\
	v2 = libc(s, &e2, base);					\
	x2 = errno;							\
	if (v1 != v2 || x1 != x2 || (x2 != EINVAL && e1 != e2)) {	\
		printf("# %s(\"%s\", %d): %lld end+%d errno %d, glibc "	\
		    "%lld end+%d errno %d\n", #libc, s, base,		\
		    (long long)v1, (int)(e1 - s), x1, (long long)v2,	\
		    (int)(e2 - s), x2);					\
		return 0;						\
	}								\
} while (0)

static int
same(const char *s, int base)
{
	PAIR(strto_strtol, strtol, long);
	PAIR(strto_strtoul, strtoul, unsigned long);
	PAIR(strto_strtoll, strtoll, long long);
	PAIR(strto_strtoull, strtoull, unsigned long long);
	if (strto_strtol(s, NULL, base) != strtol(s, NULL, base))
		return 0;
	return 1;
}

static void
test_table(void)
{
	static const char *in[] = {
		"0", "1", "-1", "+1", "42", "  42", "\t\n\v\f\r 7", "42abc",
		"", " ", "-", "+", "+-1", "--1", "abc", " -0", "007", "08",
		"0x", "0x1f", "0X1F", "0xg", "-0x10", "0x", "1e5", "12 34",
		"9223372036854775807", "9223372036854775808",
		"-9223372036854775808", "-9223372036854775809",
		"18446744073709551615", "18446744073709551616",
		"-18446744073709551615", "-18446744073709551616",
		"99999999999999999999999999", "-99999999999999999999999999",
		"4294967295", "4294967296", "2147483647", "-2147483648",
		"0777", "0b101", "zz", "ZZ", "1z", "7fffffffffffffff",
		"ffffffffffffffff", "10000000000000000", "0x8000000000000000",
	};
	static const int bases[] = { 10, 0, 16, 8, 2, 36, 1, -1, 37, 3 };
	size_t i, j;
	int ok = 1;

	for (i = 0; i < sizeof(in) / sizeof(in[0]) && ok; i++)
		for (j = 0; j < sizeof(bases) / sizeof(bases[0]) && ok; j++)
			ok = same(in[i], bases[j]);
	CHECK("edge cases match glibc in every base (value, end, errno)",
	    ok);
}

static void
test_fuzz(void)
{
	static const char alpha[] = " \t+-0123456789xXaAfFzZ_";
	char s[32];
	int i, k, n, ok = 1;

	for (i = 0; i < 300000 && ok; i++) {
		n = (int)(rnd() % 30);
		for (k = 0; k < n; k++)
			s[k] = rnd() % 3 ? "0123456789"[rnd() % 10] :
			    alpha[rnd() % (sizeof(alpha) - 1)];
		s[n] = '\0';
		ok = same(s, (int)(rnd() % 4 == 0 ? rnd() % 40 : 10));
	}
	CHECK("300000 random strings match glibc", ok);
}

int
main(void)
{
	test_table();
	test_fuzz();
	return fails != 0;
}
