/*
 * out.h: pm's own output on stdout and stderr (out.c): the client's
 * replies, usage and errors, and the server's words before its log is
 * set up. Text is formatted by vsnprintf and written with write(2), so
 * libc's FILE machinery is not linked. Buffered as stdio buffers them:
 * stdout kept until a line ends on a terminal, the buffer fills, or
 * out_flush; stderr written at once. Calls no other module.
 */
#ifndef OUT_H
#define OUT_H

#include <stdarg.h>
#include <stddef.h>

/* printf to fd 1 (buffered), 2 (at once), or OUT_PM: 2 after "pm: ". */
enum { OUT_PM = 3 };
void	 out(int fd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	 out_put(int fd, const char *s, size_t n);	/* n bytes of s */
void	 out_flush(void);
int	 out_isatty(int fd);	/* fd is a terminal */	/* stdout's pending bytes, before exit */

#endif /* OUT_H */
