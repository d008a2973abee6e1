/*
 * out.c: pm's own output on stdout and stderr; see out.h. One buffer,
 * stdout's, of stdio's size: what a command prints reaches a pipe in few
 * writes, and on a shared file or terminal the two streams interleave as
 * they did through stdio.
 */
#include "plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out.h"

static char	 buf[BUFSIZ];	/* stdout's bytes not yet written */
static size_t	 len;
static int	 tty;		/* 1 + stdout is a terminal: line by line */

/* All of s, or what fd takes before an error (as stdio drops the rest). */
static void
wr(int fd, const char *s, size_t n)
{
	int	 r;

	for (; n > 0 && (r = (int)write(fd, s, n)) > 0; s += r, n -= (size_t)r)
		;
}

void
out_flush(void)
{
	wr(1, buf, len);
	len = 0;
}

/* plat_isatty's one copy. */
int __attribute__((noinline))
out_isatty(int fd)
{
	return plat_isatty(fd);
}

void
out_put(int fd, const char *s, size_t n)
{
	if (fd == 1 && len + n > sizeof(buf))
		out_flush();
	if (fd != 1 || n > sizeof(buf)) {
		wr(fd, s, n);
		return;
	}
	memcpy(buf + len, s, n);
	len += n;
	if (tty == 0)
		tty = 1 + out_isatty(1);
	/* On a terminal, each line as it ends. */
	if (tty > 1 && memchr(s, '\n', n) != NULL)
		out_flush();
}

void
out(int fd, const char *fmt, ...)
{
	static char tmp[1024];
	char	*p = NULL;
	va_list	 ap, aq;
	int	 n;

	if (fd == OUT_PM) {
		out_put(2, "pm: ", 4);
		fd = 2;
	}
	va_start(ap, fmt);
	va_copy(aq, ap);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	/* Longer: in full from the heap, or cut short without it. */
	if (n >= (int)sizeof(tmp) && (p = malloc((size_t)n + 1)) != NULL)
		vsnprintf(p, (size_t)n + 1, fmt, aq);
	va_end(aq);
	va_end(ap);
	if (p != NULL)
		out_put(fd, p, (size_t)n);
	else if (n > 0)
		out_put(fd, tmp, n < (int)sizeof(tmp) ? (size_t)n :
		    sizeof(tmp) - 1);
	free(p);
}
