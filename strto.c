/*
 * strto.c: strtol, strtoul, strtoll and strtoull for the static musl build.
 *
 * pm is one static binary whose goal is under 128 KiB. musl reads numbers
 * through the scanf engine's __intscan and its FILE shim (about 2.5 KB);
 * this is the same C rule in one small loop: leading white space, a sign,
 * base 0 or 16's 0x prefix, base 0's leading 0 for octal, ERANGE and the
 * clamped value on overflow, *end left at the string when there are no
 * digits, EINVAL for a base outside 2..36. The SAN build keeps the C
 * library's; tests/unit/strto_test.c builds this file with STRTO_TEST
 * (the functions then get a strto_ prefix) and compares it with glibc's.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#ifdef STRTO_TEST
#define strtol		strto_strtol
#define strtoul		strto_strtoul
#define strtoll		strto_strtoll
#define strtoull	strto_strtoull
long			strto_strtol(const char *, char **, int);
unsigned long		strto_strtoul(const char *, char **, int);
long long		strto_strtoll(const char *, char **, int);
unsigned long long	strto_strtoull(const char *, char **, int);
#endif

/* The value of digit c, or 36 when it is no digit in any base. */
static unsigned
digit(int c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	c |= 32;
	return c >= 'a' && c <= 'z' ? (unsigned)(c - 'a' + 10) : 36;
}

/*
 * Read a number whose magnitude may reach max (a signed type's negative
 * side one more), and return it negated in unsigned arithmetic when it
 * had a '-', which is what each caller's conversion needs.
 */
static unsigned long long
scan(const char *nptr, char **end, int base, unsigned long long max,
    int sgn)
{
	const char *s = nptr, *first;
	unsigned long long v = 0, lim;
	unsigned d;
	int neg = 0, over = 0;

	while (*s == ' ' || (unsigned)(*s - '\t') < 5)
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] | 32) == 'x' &&
	    digit(s[2]) < 16) {
		s += 2;
		base = 16;
	} else if (base == 0)
		base = *s == '0' ? 8 : 10;
	if (base < 2 || base > 36) {
		errno = EINVAL;
		base = 0;	/* no digits, so 0 and *end = nptr */
	}
	lim = sgn && neg ? max + 1 : max;
	for (first = s; (d = digit(*s)) < (unsigned)base; s++) {
		if (v > (lim - d) / (unsigned)base)
			over = 1;
		else
			v = v * (unsigned)base + d;
	}
	if (end != NULL)
		*end = (char *)(s == first ? nptr : s);
	if (over) {
		errno = ERANGE;
		return sgn && neg ? -lim : lim;
	}
	return neg ? -v : v;
}

long
strtol(const char *restrict s, char **restrict end, int base)
{
	return (long)scan(s, end, base, LONG_MAX, 1);
}

unsigned long
strtoul(const char *restrict s, char **restrict end, int base)
{
	return (unsigned long)scan(s, end, base, ULONG_MAX, 0);
}

long long
strtoll(const char *restrict s, char **restrict end, int base)
{
	return (long long)scan(s, end, base, LLONG_MAX, 1);
}

unsigned long long
strtoull(const char *restrict s, char **restrict end, int base)
{
	return scan(s, end, base, ULLONG_MAX, 0);
}
