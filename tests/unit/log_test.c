/*
 * log_test.c: log_esc, the one escaper for child bytes (issue 11), on
 * fixed cases (malformed, overlong, surrogate, too large, cut, C0 and C1
 * controls) and on random bytes, whose JSON form must be valid UTF-8 with
 * no raw control (checked with the C library's own decoder).
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "log.h"
#include "unit.h"

static void
esc(const char *what, const char *in, size_t n, bool json, const char *want)
{
	char out[6 * 64 + 1], msg[500];

	*log_esc(out, in, n, json) = '\0';
	snprintf(msg, sizeof(msg), "%s %s: got '%s'", json ? "json" : "term",
	    what, out);
	CHECK(msg, strcmp(out, want) == 0);
}

static void
test_cases(void)
{
	esc("ascii", "a b", 3, true, "a b");
	esc("quote and backslash", "\"\\", 2, true, "\\\"\\\\");
	esc("newline and tab", "\n\t", 2, true, "\\n\\t");
	esc("ESC", "\033[2J", 4, true, "\\u001b[2J");
	esc("DEL", "\177", 1, true, "\\u007f");
	esc("valid 2, 3, 4 bytes", "\303\251\342\202\254\360\237\230\200", 9,
	    true, "\303\251\342\202\254\360\237\230\200");
	esc("C1 CSI U+009B", "\302\233", 2, true, "\\u009b");
	esc("stray 0xff 0xfe", "\377\376", 2, true, "\\ufffd\\ufffd");
	esc("overlong /", "\300\257", 2, true, "\\ufffd\\ufffd");
	esc("overlong 3 bytes", "\340\200\257", 3, true,
	    "\\ufffd\\ufffd\\ufffd");
	esc("surrogate", "\355\240\200", 3, true, "\\ufffd\\ufffd\\ufffd");
	esc("above U+10FFFF", "\364\220\200\200", 4, true,
	    "\\ufffd\\ufffd\\ufffd\\ufffd");
	esc("cut at the end", "a\342\202", 3, true, "a\\ufffd\\ufffd");
	esc("NUL inside", "a\0b", 3, true, "a\\u0000b");
	esc("ESC", "\033[2J", 4, false, "\\x1b[2J");
	esc("quote, backslash kept", "\"\\", 2, false, "\"\\");
	esc("newline", "a\nb", 3, false, "a\\x0ab");
	esc("C1 CSI", "\302\233x", 3, false, "\\xc2\\x9bx");
	esc("U+00A0 kept", "\302\240", 2, false, "\302\240");
	esc("stray 0xff", "\377", 1, false, "\\xff");
	esc("valid 4 bytes kept", "\360\237\230\200", 4, false,
	    "\360\237\230\200");
}

/* Random bytes: the JSON form decodes as UTF-8 and holds no control. */
static void
test_random(void)
{
	char in[64], out[6 * 64 + 1], *end;
	mbstate_t ms;
	size_t i, n, k, r;
	int bad = 0, round;
	wchar_t wc;

	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL) {
		printf("skip - no C.UTF-8 locale to check with\n");
		return;
	}
	for (round = 0; round < 100000 && bad == 0; round++) {
		n = rnd() % sizeof(in);
		for (i = 0; i < n; i++)
			in[i] = (char)(rnd() % 4 == 0 ? 0x80 | rnd() % 0x80 :
			    rnd() % 256);
		for (k = 0; k < 2 && bad == 0; k++) {
			end = log_esc(out, in, n, k == 0);
			memset(&ms, 0, sizeof(ms));
			for (char *p = out; p < end && bad == 0; p += r) {
				r = mbrtowc(&wc, p, (size_t)(end - p), &ms);
				if (r == (size_t)-1 || r == (size_t)-2 ||
				    r == 0 || wc < 0x20 || wc == 0x7f ||
				    (wc >= 0x80 && wc < 0xa0))
					bad = 1;
			}
		}
	}
	CHECK("100,000 random inputs escape to UTF-8 without controls",
	    bad == 0);
}

int
main(void)
{
	test_cases();
	test_random();
	return fails != 0;
}
