/*
 * fmt.c: pm's own printf family, linked only into the static musl build.
 *
 * pm is one static binary whose goal is under 128 KiB. musl's vfprintf
 * brings floating point formatting, wide characters and positional
 * arguments (about 10 KB) that pm never uses. This file formats what pm's
 * format strings need, with C99 semantics: the flags '-', '0', '+', ' '
 * and '#', a width and a precision (either may be '*'), the lengths hh h
 * l ll z j t, and the conversions d i u o x X c s m %; %m is
 * strerror(errno), as in musl and glibc. Anything else (a float, %n, %p,
 * a positional argument) fails with EINVAL as musl fails a bad format;
 * -Wformat already refuses them in pm's literal format strings.
 *
 * The SAN build keeps the C library's printf; tests/unit/fmt_test.c
 * builds this file with FMT_TEST (the functions then get an fmt_ prefix)
 * and compares it with glibc's snprintf.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifdef FMT_TEST
#define vsnprintf	fmt_vsnprintf
#define snprintf	fmt_snprintf
#define vfprintf	fmt_vfprintf
#define fprintf		fmt_fprintf
#define vprintf		fmt_vprintf
#define printf		fmt_printf
int	fmt_vsnprintf(char *, size_t, const char *, va_list);
int	fmt_snprintf(char *, size_t, const char *, ...);
int	fmt_vfprintf(FILE *, const char *, va_list);
int	fmt_fprintf(FILE *, const char *, ...);
int	fmt_vprintf(const char *, va_list);
int	fmt_printf(const char *, ...);
#endif

/* Where formatted bytes go: a string, or chunks of a stack buffer. */
struct out {
	char	*buf;
	size_t	 cap;	/* bytes buf can take (a string: its size - 1) */
	size_t	 len;	/* bytes in buf */
	size_t	 total;	/* bytes produced, written or not */
	FILE	*fp;	/* NULL: a string, whose excess is only counted */
	int	 err;
};

#define F_LEFT	1
#define F_ZERO	2
#define F_PLUS	4
#define F_SPACE	8
#define F_ALT	16

/*
 * Hand n bytes to the sink: those of s, or n copies of c when s is NULL.
 * A stream's chunk is written whenever it fills; a string keeps what fits.
 */
static void
emit(struct out *o, const char *s, int c, size_t n)
{
	size_t k;

	o->total += n;
	while (n > 0) {
		if (o->len == o->cap) {
			if (o->fp == NULL)
				return;
			if (fwrite(o->buf, 1, o->len, o->fp) != o->len)
				o->err = 1;
			o->len = 0;
		}
		k = o->cap - o->len < n ? o->cap - o->len : n;
		if (s != NULL) {
			memcpy(o->buf + o->len, s, k);
			s += k;
		} else
			memset(o->buf + o->len, c, k);
		o->len += k;
		n -= k;
	}
}

/*
 * Read the digits of a width or precision; past INT_MAX it stops
 * counting, and the caller refuses the conversion.
 */
static long long
number(const char **fp)
{
	const char *f = *fp;
	long long v = 0;

	for (; *f >= '0' && *f <= '9'; f++)
		if (v <= INT_MAX)
			v = v * 10 + (*f - '0');
	*fp = f;
	return v;
}

/*
 * The formatter shared by every entry point. Returns the length of the
 * full output (what C99 snprintf returns), or -1 with errno set.
 */
static int
format(struct out *o, const char *f, va_list ap0)
{
	static const char digits[] = "0123456789abcdef0123456789ABCDEF";
	static const char flags[] = "-0+ #";	/* in F_ bit order */
	char tmp[3 * sizeof(unsigned long long)], *d;
	const char *s, *pfx;
	unsigned long long v;
	long long w, p;
	size_t n, pl, zeros;
	int fl, lng, base, saved = errno;
	va_list ap;

	va_copy(ap, ap0);
	for (; *f != '\0'; f++) {
		if (*f != '%') {
			for (s = f; f[1] != '\0' && f[1] != '%'; f++)
				;
			emit(o, s, 0, (size_t)(f - s) + 1);
			continue;
		}
		for (fl = 0;; f++) {
			s = strchr(flags, f[1]);
			if (f[1] == '\0' || s == NULL)
				break;
			fl |= 1 << (s - flags);
		}
		f++;
		if (*f == '*') {
			w = va_arg(ap, int);
			f++;
			if (w < 0) {
				fl |= F_LEFT;
				w = -w;
			}
		} else
			w = number(&f);
		p = -1;
		if (*f == '.') {
			f++;
			if (*f == '*') {
				p = va_arg(ap, int);
				f++;
				if (p < 0)
					p = -1;
			} else
				p = number(&f);
		}
		if (w > INT_MAX || p > INT_MAX)
			goto overflow;
		/* lng: 0 int, -1 short, -2 char, 1 long (z, t), 2 long long */
		for (lng = 0; *f != '\0' && strchr("hlzjt", *f) != NULL; f++) {
			if (*f == 'h')
				lng--;
			else if (*f == 'l')
				lng++;
			else
				lng += *f == 'j' ? 2 : 1;
		}
		if (lng < -2 || lng > 2)
			goto invalid;
		pfx = "";
		pl = 0;
		zeros = 0;
		switch (*f) {
		case '%':
			s = "%";
			n = 1;
			break;
		case 'c':
			if (lng != 0)
				goto invalid;
			tmp[0] = (char)va_arg(ap, int);
			s = tmp;
			n = 1;
			break;
		case 'm':
			s = strerror(saved);
			n = strlen(s);
			break;
		case 's':
			if (lng != 0)
				goto invalid;
			if ((s = va_arg(ap, const char *)) == NULL)
				s = "(null)";
			n = p < 0 ? strlen(s) : strnlen(s, (size_t)p);
			break;
		case 'd':
		case 'i':
			if (lng == 2)
				v = (unsigned long long)va_arg(ap, long long);
			else if (lng == 1)
				v = (unsigned long long)va_arg(ap, long);
			else {
				v = (unsigned long long)(long long)va_arg(ap,
				    int);
				if (lng == -1)
					v = (unsigned long long)(short)v;
				else if (lng == -2)
					v = (unsigned long long)(signed char)v;
			}
			pfx = (fl & F_PLUS) ? "+" : (fl & F_SPACE) ? " " : "";
			if ((long long)v < 0) {
				v = -v;
				pfx = "-";
			}
			pl = strlen(pfx);
			base = 10;
			goto digits;
		case 'o':
		case 'u':
		case 'x':
		case 'X':
			if (lng == 2)
				v = va_arg(ap, unsigned long long);
			else if (lng == 1)
				v = va_arg(ap, unsigned long);
			else {
				v = va_arg(ap, unsigned int);
				if (lng == -1)
					v = (unsigned short)v;
				else if (lng == -2)
					v = (unsigned char)v;
			}
			base = *f == 'o' ? 8 : *f == 'u' ? 10 : 16;
			if ((fl & F_ALT) && base == 16 && v != 0) {
				pfx = *f == 'x' ? "0x" : "0X";
				pl = 2;
			}
		digits:
			d = tmp + sizeof(tmp);
			for (; v != 0; v /= (unsigned)base)
				*--d = digits[v % (unsigned)base +
				    (*f == 'X' ? 16 : 0)];
			s = d;
			n = (size_t)(tmp + sizeof(tmp) - d);
			if (p >= 0)
				fl &= ~F_ZERO;
			else
				p = 1;
			/* '#' makes an octal number start with a 0 */
			if ((fl & F_ALT) && base == 8 && (size_t)p <= n)
				p = (long long)n + 1;
			if ((size_t)p > n)
				zeros = (size_t)p - n;
			if ((fl & (F_ZERO | F_LEFT)) == F_ZERO &&
			    (size_t)w > pl + zeros + n)
				zeros = (size_t)w - pl - n;
			break;
		default:
			goto invalid;
		}
		if (n + zeros + pl > (size_t)INT_MAX)
			goto overflow;
		w = (size_t)w > n + zeros + pl ? w - (long long)(n + zeros + pl) :
		    0;
		if (!(fl & F_LEFT))
			emit(o, NULL, ' ', (size_t)w);
		emit(o, pfx, 0, pl);
		emit(o, NULL, '0', zeros);
		emit(o, s, 0, n);
		if (fl & F_LEFT)
			emit(o, NULL, ' ', (size_t)w);
		if (o->total > INT_MAX)
			goto overflow;
	}
	va_end(ap);
	if (o->fp != NULL && o->len > 0 &&
	    fwrite(o->buf, 1, o->len, o->fp) != o->len)
		o->err = 1;
	return o->err ? -1 : (int)o->total;
invalid:
	errno = EINVAL;
	va_end(ap);
	return -1;
overflow:
	errno = EOVERFLOW;
	va_end(ap);
	return -1;
}

/*
 * C99 vsnprintf: at most size - 1 bytes and a NUL when size > 0; returns
 * the length the whole output would have had.
 */
int
vsnprintf(char *restrict buf, size_t size, const char *restrict fmt,
    va_list ap)
{
	struct out o;
	char dummy[1];
	int r;

	memset(&o, 0, sizeof(o));
	o.buf = size > 0 ? buf : dummy;
	o.cap = size > 0 ? size - 1 : 0;
	r = format(&o, fmt, ap);
	if (size > 0)
		buf[o.len] = '\0';
	return r;
}

int
snprintf(char *restrict buf, size_t size, const char *restrict fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return r;
}

/*
 * Streams get the output through fwrite in chunks of a stack buffer, so
 * it stays in order with every other stdio call on the same FILE, and a
 * message shorter than the chunk reaches an unbuffered stderr in one
 * write.
 */
int
vfprintf(FILE *restrict fp, const char *restrict fmt, va_list ap)
{
	struct out o;
	char chunk[1024];

	memset(&o, 0, sizeof(o));
	o.buf = chunk;
	o.cap = sizeof(chunk);
	o.fp = fp;
	return format(&o, fmt, ap);
}

int
fprintf(FILE *restrict fp, const char *restrict fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfprintf(fp, fmt, ap);
	va_end(ap);
	return r;
}

int
vprintf(const char *restrict fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int
printf(const char *restrict fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return r;
}
