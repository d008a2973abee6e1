/*
 * fmt_test.c: fmt.c (pm's own printf for the static build) against
 * glibc's: a table of the formats pm uses, the C99 return value and
 * truncation rules, %m, streams, refusals, and a deterministic fuzz of
 * flags, widths, precisions, lengths and values. Prints "ok - " /
 * "FAIL - " lines.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#define UNIT_SEED	0x9e3779b97f4a7c15ULL
#include "unit.h"

/* The comparisons truncate and print NULL on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#pragma GCC diagnostic ignored "-Wformat-overflow"

int	fmt_vsnprintf(char *, size_t, const char *, va_list);
int	fmt_snprintf(char *, size_t, const char *, ...);
int	fmt_vfprintf(FILE *, const char *, va_list);
int	fmt_fprintf(FILE *, const char *, ...);
int	fmt_vprintf(const char *, va_list);
int	fmt_printf(const char *, ...);

static char ours[4096], libc[4096];

/*
 * Format with both into buffers of size n (filled with a marker first, so
 * a byte written past n shows) and compare the return values and bytes.
 */
#define SAME(n, ...) same_((n), fmt_snprintf(ours, (n), __VA_ARGS__),	\
	snprintf(libc, (n), __VA_ARGS__))

static int
same_(size_t n, int a, int b)
{
	size_t k;

	if (a != b)
		return 0;
	k = n == 0 ? 0 : ((size_t)a < n - 1 ? (size_t)a : n - 1) + 1;
	return memcmp(ours, libc, k) == 0 &&
	    memcmp(ours + k, libc + k, sizeof(ours) - k) == 0;
}

static void
reset(void)
{
	memset(ours, 'Z', sizeof(ours));
	memset(libc, 'Z', sizeof(libc));
}

static void
test_table(void)
{
	static const char *ifmt[] = {
		"%d", "%u", "%x", "%X", "%o", "%i", "%c", "%02d", "%03d",
		"%02u", "%03u", "%04x", "%04o", "%03o", "%8u", "%-8d", "%+d",
		"% d", "%#x", "%#X", "%#o", "%#06x", "%.0d", "%.0u", "%5.3d",
		"%-5.3d", "%05.3d", "%-05d", "%hhd", "%hhu", "%hd", "%hu",
		"%+.0d", "% 05d", "%#.0o", "%#5o", "%x|%X", "[%10d]",
	};
	static const int ival[] = { 0, 1, -1, 7, 8, 9, 10, 42, -42, 255,
	    256, 4095, 65535, 65536, -32768, 123456789, INT_MAX, INT_MIN };
	static const char *lfmt[] = {
		"%lld", "%llu", "%02lld", "%04lld", "%ld", "%lu", "%lx", "%zu",
		"%zd", "%jd", "%ju", "%td", "%llx", "%llo", "%#llx", "%20lld",
		"%-20llu|", "%.25lld", "%+lld",
	};
	static const long long lval[] = { 0, 1, -1, 59, 3600, 86400,
	    1700000000, -1700000000, 4294967296LL, LLONG_MAX, LLONG_MIN,
	    (long long)ULLONG_MAX / 3 };
	static const char *sfmt[] = {
		"%s", "%.*s", "%-*s", "%*s", "%7s", "%4s", "%-9s", "%-8s",
		"%8s", "%.64s", "%.500s", "%.40s", "%.0s", "%.1s", "[%s]",
		"%s=%s", "%10.3s", "%-10.3s|", "%%%s%%",
	};
	static const char *sval[] = { "", "a", "web", "hello world",
	    "a string longer than forty bytes, to be cut by precision" };
	size_t i, j;
	int ok;

	ok = 1;
	for (i = 0; i < sizeof(ifmt) / sizeof(ifmt[0]); i++)
		for (j = 0; j < sizeof(ival) / sizeof(ival[0]); j++) {
			reset();
			if (strstr(ifmt[i], "|") != NULL)
				ok &= SAME(64, ifmt[i], ival[j], ival[j]);
			else
				ok &= SAME(64, ifmt[i], ival[j]);
			if (!ok) {
				printf("# %s %d: \"%s\" vs \"%s\"\n", ifmt[i],
				    ival[j], ours, libc);
				break;
			}
		}
	CHECK("int conversions match glibc", ok);

	ok = 1;
	for (i = 0; i < sizeof(lfmt) / sizeof(lfmt[0]); i++)
		for (j = 0; j < sizeof(lval) / sizeof(lval[0]); j++) {
			reset();
			if (strchr(lfmt[i], 'z') || strchr(lfmt[i], 't') ||
			    strchr(lfmt[i], 'j') || lfmt[i][2] != 'l')
				ok &= SAME(64, lfmt[i], (long)lval[j]);
			else
				ok &= SAME(64, lfmt[i], lval[j]);
			if (!ok) {
				printf("# %s %lld: \"%s\" vs \"%s\"\n", lfmt[i],
				    lval[j], ours, libc);
				break;
			}
		}
	CHECK("long and long long conversions match glibc", ok);

	ok = 1;
	for (i = 0; i < sizeof(sfmt) / sizeof(sfmt[0]); i++)
		for (j = 0; j < sizeof(sval) / sizeof(sval[0]); j++) {
			reset();
			if (strchr(sfmt[i], '*') != NULL)
				ok &= SAME(128, sfmt[i], 6, sval[j]);
			else
				ok &= SAME(128, sfmt[i], sval[j], sval[j]);
			if (!ok) {
				printf("# %s \"%s\": \"%s\" vs \"%s\"\n",
				    sfmt[i], sval[j], ours, libc);
				break;
			}
		}
	CHECK("string conversions match glibc", ok);

	reset();
	CHECK("format of pm's status line", SAME(256,
	    "%-*s %-8s %7s %4s %-9s %s\n", 12, "web", "running", "1234",
	    "3", "12:03:04", "ok"));
	reset();
	CHECK("negative '*' width left-adjusts", SAME(64, "[%*d]", -6, 42));
	reset();
	CHECK("negative '*' precision is no precision",
	    SAME(64, "[%.*d][%.*s]", -3, 42, -1, "abc"));
	reset();
	CHECK("NULL string prints (null)", SAME(64, "%s",
	    (const char *)NULL));
	reset();
	CHECK("a NUL from %c is counted", SAME(64, "a%cb", 0));
	reset();
	CHECK("plain text with no conversion", SAME(64, "no conversion"));
	reset();
	CHECK("empty format", SAME(64, "%s", "") && SAME(64, "x%sy", ""));
}

/* C99 snprintf: the would-be length, NUL termination, nothing past n. */
static void
test_truncation(void)
{
	int ok = 1;
	size_t n;

	for (n = 0; n < 40; n++) {
		reset();
		ok &= SAME(n, "%s=%05d [%-6s] %x", "key", -42, "ab", 0xbeef);
	}
	CHECK("every buffer size truncates like glibc", ok);
	reset();
	CHECK("size 0 writes nothing and returns the length",
	    fmt_snprintf(ours, 0, "%d", 12345) == 5 && ours[0] == 'Z');
	CHECK("NULL buffer with size 0 is allowed",
	    fmt_snprintf(NULL, 0, "%s%d", "abc", 7) == 4);
	reset();
	CHECK("size 1 gets only the NUL",
	    fmt_snprintf(ours, 1, "abc") == 3 && ours[0] == '\0' &&
	    ours[1] == 'Z');
}

/* %m is strerror(errno) at the call, and errno is left alone. */
static void
test_errno(void)
{
	char want[256];
	int r;

	errno = ENOENT;
	r = fmt_snprintf(ours, sizeof(ours), "open x: %m (%d)", 3);
	snprintf(want, sizeof(want), "open x: %s (3)", strerror(ENOENT));
	CHECK("%m expands strerror(errno)", r == (int)strlen(want) &&
	    strcmp(ours, want) == 0 && errno == ENOENT);
	errno = EACCES;
	fmt_snprintf(ours, sizeof(ours), "%-30m|");
	snprintf(want, sizeof(want), "%-30s|", strerror(EACCES));
	CHECK("%m takes a width", strcmp(ours, want) == 0);
	errno = 0;
	CHECK("a float is refused with EINVAL",
	    fmt_snprintf(ours, sizeof(ours), "%f", 1.0) == -1 &&
	    errno == EINVAL);
	errno = 0;
	CHECK("%n and %p are refused",
	    fmt_snprintf(ours, sizeof(ours), "%n", &r) == -1 &&
	    fmt_snprintf(ours, sizeof(ours), "%p", (void *)&r) == -1 &&
	    errno == EINVAL);
	CHECK("%ls is refused", fmt_snprintf(ours, sizeof(ours), "%ls",
	    L"x") == -1);
	errno = 0;
	CHECK("a width past INT_MAX overflows",
	    fmt_snprintf(ours, sizeof(ours), "%99999999999d", 1) == -1 &&
	    errno == EOVERFLOW);
	errno = 0;
	CHECK("output past INT_MAX overflows",
	    fmt_snprintf(NULL, 0, "%2147483647d%d", 1, 2) == -1 &&
	    errno == EOVERFLOW);
	CHECK("output of exactly INT_MAX bytes is counted",
	    fmt_snprintf(NULL, 0, "%2147483647d", 1) == INT_MAX);
}

/* Write through a FILE, the way pm's client prints, and read it back. */
static char *
stream(FILE *fp, size_t *len)
{
	static char back[65536];

	fflush(fp);
	rewind(fp);
	*len = fread(back, 1, sizeof(back) - 1, fp);
	back[*len] = '\0';
	return back;
}

static void
test_stream(void)
{
	static char big[5000], want[10000];
	FILE *fp;
	size_t len;
	char *got;
	int r, ok;

	if ((fp = tmpfile()) == NULL) {
		CHECK("tmpfile", 0);
		return;
	}
	fputs("a", fp);
	r = fmt_fprintf(fp, "[%s %d]", "b", 1);
	fputc('c', fp);
	fmt_fprintf(fp, "%s", "");
	fputs("d", fp);
	got = stream(fp, &len);
	CHECK("fprintf keeps order with other stdio calls",
	    r == 5 && strcmp(got, "a[b 1]cd") == 0);

	memset(big, 'x', sizeof(big) - 1);
	rewind(fp);
	if (ftruncate(fileno(fp), 0) != 0)
		CHECK("ftruncate", 0);
	r = fmt_fprintf(fp, "<%s|%-3000d|%.1500s>", big, 7, big);
	snprintf(want, sizeof(want), "<%s|%-3000d|%.1500s>", big, 7, big);
	got = stream(fp, &len);
	CHECK("output longer than the chunk arrives whole",
	    r == (int)strlen(want) && len == strlen(want) &&
	    strcmp(got, want) == 0);
	fclose(fp);

	/* A stream that fails to write reports -1. */
	if ((fp = fopen("/dev/full", "w")) != NULL) {
		setvbuf(fp, NULL, _IONBF, 0);
		CHECK("a failed write returns -1",
		    fmt_fprintf(fp, "%s", "x") == -1);
		fclose(fp);
	}

	/* printf goes to stdout in order with puts. */
	fflush(stdout);
	ok = fmt_printf("ok - fmt_printf reaches stdout (%s)\n", "order") ==
	    (int)strlen("ok - fmt_printf reaches stdout (order)\n");
	CHECK("fmt_printf returns its length", ok);
}

static long long
rndval(void)
{
	switch (rnd() % 6) {
	case 0:
		return (long long)(rnd() % 20) - 10;
	case 1:
		return (long long)(rnd() % 100000);
	case 2:
		return (long long)rnd();
	case 3:
		return (int)rnd();
	case 4:
		return rnd() % 2 ? LLONG_MIN : LLONG_MAX;
	default:
		return rnd() % 2 ? INT_MIN : UINT_MAX;
	}
}

/*
 * Random conversions: flags, width and precision (digits or '*'), a
 * length and a conversion, text around them, a random buffer size; the
 * argument is passed with the type the length asks for.
 */
#define FUZZ(n, fm, v) (star == 0 ? SAME(n, fm, v) :			\
	star == 1 ? SAME(n, fm, a1, v) : SAME(n, fm, a1, a2, v))

static void
test_fuzz(void)
{
	static const char *lens[] = { "", "hh", "h", "l", "ll", "z", "j",
	    "t" };
	static const char convs[] = "diuoxXcs";
	static const char *strs[] = { "", "x", "pm", "hello, world",
	    "0123456789abcdefghijklmnopqrstuvwxyz" };
	char fm[64], *p;
	const char *len, *str;
	int i, k, ok = 1, tried = 0, star, a1, a2, conv;
	size_t n;
	long long v;

	for (i = 0; i < 200000 && ok; i++) {
		p = fm;
		if (rnd() % 4 == 0)
			*p++ = 'A' + rnd() % 26;
		*p++ = '%';
		for (k = (int)(rnd() % 4); k > 0; k--)
			*p++ = "-0+ #"[rnd() % 5];
		star = 0;
		a1 = (int)(rnd() % 41) - 20;
		a2 = (int)(rnd() % 41) - 20;
		if (rnd() % 3 == 0) {
			*p++ = '*';
			star++;
		} else if (rnd() % 2)
			p += sprintf(p, "%d", (int)(rnd() % 30));
		if (rnd() % 2) {
			*p++ = '.';
			if (rnd() % 3 == 0) {
				*p++ = '*';
				star++;
				if (star == 1)
					a1 = a2;
			} else if (rnd() % 2)
				p += sprintf(p, "%d", (int)(rnd() % 30));
		}
		conv = convs[rnd() % (sizeof(convs) - 1)];
		len = conv == 'c' || conv == 's' ? "" :
		    lens[rnd() % (sizeof(lens) / sizeof(lens[0]))];
		p += sprintf(p, "%s%c", len, conv);
		if (rnd() % 4 == 0)
			*p++ = 'z';
		*p = '\0';
		/* C leaves these undefined; glibc and musl differ. */
		if ((conv == 'c' || conv == 's') && strpbrk(fm, "0+ #"))
			continue;
		if (conv == 'c' && strchr(fm, '.'))
			continue;
		n = rnd() % 3 == 0 ? rnd() % 12 : 200;
		v = rndval();
		str = strs[rnd() % 5];
		tried++;
		if (getenv("FMT_SHOW") != NULL && i < 40)
			printf("# %s\n", fm);
		reset();
		if (conv == 's')
			ok = FUZZ(n, fm, str);
		else if (strcmp(len, "ll") == 0 || strcmp(len, "j") == 0)
			ok = FUZZ(n, fm, v);
		else if (len[0] == 'l' || len[0] == 'z' || len[0] == 't')
			ok = FUZZ(n, fm, (long)v);
		else
			ok = FUZZ(n, fm, (int)v);
		if (!ok)
			printf("# \"%s\" (%d %d %lld) size %zu: \"%s\" vs "
			    "\"%s\"\n", fm, a1, a2, v, n, ours, libc);
	}
	CHECK("over 150000 random conversions match glibc",
	    ok && tried > 150000);
}

int
main(void)
{
	test_table();
	test_truncation();
	test_errno();
	test_stream();
	test_fuzz();
	return fails != 0;
}
