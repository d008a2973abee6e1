/*
 * esc.c: the one escaper for child bytes (log.h), apart from log.c so that
 * the Windows client links it without pm's own logging (issue 20).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

/*
 * The length of the well-formed UTF-8 character at s (n bytes there), or
 * 0 when it is not one: a stray continuation byte, an overlong form, a
 * surrogate, beyond U+10FFFF, or cut short.
 */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	/* Its leading 1 bits: 2 to 4 begin a character. */
	len = (size_t)__builtin_clz(~((uint32_t)s[0] << 24));
	if (len < 2 || len > 4 || n < len)
		return 0;
	cp = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong: within the 7, 11 or 16 bits of a shorter form. */
	if (cp >> "\7\13\20"[len - 2] == 0 || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * The one escaper for child bytes on their way out (issue 11): processes
 * and checks write whatever bytes they like, and a JSON reader or a
 * terminal must get none of them raw. With json: a JSON string body,
 * always valid UTF-8 (a malformed byte becomes U+FFFD, control characters
 * \uXXXX). Else for a terminal: control bytes, C1 controls and malformed
 * bytes as \xHH, so an ESC[2J is shown, not obeyed. d holds at least
 * 6 * n + 1 bytes (4 * n + 1 for a terminal): an escape at the very end
 * writes a NUL after it. Returns its end, where no NUL is promised.
 */
char *
log_esc(char *d, const char *src, size_t n, bool json)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t len, i;

	while (n > 0) {
		len = utf8_len(s, n);
		if (len == 1 && json && (*s == '"' || *s == '\\' ||
		    *s == '\n' || *s == '\t')) {
			*d++ = '\\';
			*d++ = *s == '\n' ? 'n' : *s == '\t' ? 't' : (char)*s;
		} else if (len == 1 ? *s >= 0x20 && *s != 0x7f : len > 2 ||
		    (len == 2 && (s[0] != 0xc2 || s[1] >= 0xa0))) {
			/* Printable: ASCII, or a character but a C1 control. */
			memcpy(d, s, len);
			d += len;
		} else if (json) {
			/*
			 * A malformed byte (len 0), a control, or a C1
			 * control (len 2: its second byte).
			 */
			if (len == 0) {
				memcpy(d, "\\ufffd", 6);
				d += 6;
				len = 1;
			} else
				d += snprintf(d, 7, "\\u%04x", s[len - 1]);
		} else {
			/* Each byte of a control, a C1 control, a malformed one. */
			len += len == 0;
			for (i = 0; i < len; i++)
				d += snprintf(d, 5, "\\x%02x", s[i]);
		}
		s += len;
		n -= len;
	}
	return d;
}
