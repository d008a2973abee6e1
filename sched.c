/*
 * sched.c: schedules for oneshots, "@every DURATION" or five cron fields.
 *
 * Pure: parse a schedule into bit masks and compute the next minute that
 * matches, in local time. No I/O, no globals, nothing of pm but the
 * header, so the unit test links this file alone. The loop side (the
 * realtime timerfd, overlap, skips) lives in check.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sched.h"

/*
 * The fields, in the order they are written: their names, NUL-separated
 * (a literal: an array of 16 bytes or more is aligned to 16), and their
 * bounds.
 */
static const char *const fnames = "minute\0hour\0day of month\0month\0"
    "day of week";
static const signed char lows[5] = { 0, 0, 1, 1, 0 },
    highs[5] = { 59, 23, 31, 12, 7 };

/*
 * Each macro and what it stands for, NUL-separated pairs, then an empty
 * name. A literal, not an array: an array this long is aligned to 32.
 */
static const char *const macros = "@hourly\0" "0 * * * *\0"
    "@daily\0" "0 0 * * *\0" "@midnight\0" "0 0 * * *\0"
    "@weekly\0" "0 0 * * 0\0" "@monthly\0" "0 0 1 * *\0"
    "@yearly\0" "0 0 1 1 *\0" "@annually\0" "0 0 1 1 *\0";

/*
 * The number at *sp, its digits read while it is at most max (the rest
 * are left for the caller to refuse); -1 when there is no digit.
 */
static long long
num(const char **sp, long long max)
{
	const char *s = *sp;
	long long n = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s) && n <= max)
		n = n * 10 + (*s++ - '0');
	*sp = s;
	return n;
}

/*
 * One field: comma-separated items, each "*", "N" or "N-M", optionally
 * with "/STEP". "N/STEP" means N to the end of the range, as in Vixie
 * cron. Anything else, or a number outside the field, is an error. Out
 * of line, though called once: smaller so.
 */
static __attribute__((noinline)) int
field(const char *s, const char *end, int f, uint64_t *mask)
{
	int lo, hi, step, flo = lows[f], fhi = highs[f], i;

	*mask = 0;
	for (;;) {
		step = 1;
		if (*s == '*') {
			lo = flo;
			hi = fhi;
			s++;
		} else {
			if ((lo = (int)num(&s, 999)) < 0)
				return -1;
			hi = lo;
			if (*s == '-') {
				s++;
				if ((hi = (int)num(&s, 999)) < 0)
					return -1;
			} else if (*s == '/')
				hi = fhi;
		}
		if (*s == '/') {
			s++;
			if ((step = (int)num(&s, 999)) <= 0)
				return -1;
		}
		if (lo < flo || hi > fhi || lo > hi)
			return -1;
		for (i = lo; i <= hi; i += step)
			*mask |= 1ULL << i;
		if (s == end)
			return 0;
		if (*s++ != ',')
			return -1;
	}
}

/* "10m", "90s", "1.5h" is not allowed: a whole number and a unit. */
static int
every(const char *s, uint32_t *ms)
{
	/* Under 16 bytes, so not aligned to 16; no unit is mult[5]. */
	static const char units[5][3] = { "ms", "s", "m", "h", "d" };
	static const uint32_t mult[] = { 1, 1000, 60000, 3600000, 86400000,
	    1000 };
	long long v = num(&s, UINT32_MAX);
	int i;

	if (v < 0)
		return -1;
	for (i = 0; i < 5 && strcmp(s, units[i]) != 0; i++)
		;
	if (i == 5 && *s != '\0')
		return -1;
	v *= mult[i];
	if (v <= 0 || v > UINT32_MAX)
		return -1;
	*ms = (uint32_t)v;
	return 0;
}

/* Some month in the mask has a day in the mask (Feb 30 never comes). */
static bool
day_exists(const struct sched *c)
{
	static const uint8_t mdays[13] = { 0, 31, 29, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	int m;

	if (c->dom_any || !c->dow_any)
		return true;
	for (m = 1; m <= 12; m++)
		if ((c->mon >> m & 1) &&
		    (c->dom & ((2ULL << mdays[m]) - 1)) != 0)
			return true;
	return false;
}

/*
 * Parse a schedule. On error return -1 with why naming the field, so the
 * config error says which of the five is wrong.
 */
int
sched_parse(const char *s, struct sched *c, const char **why)
{
	static char bad[96];
	const char *b, *e, *name;
	uint64_t m[5];
	int f;

	memset(c, 0, sizeof(*c));
	if (strncmp(s, "@every", 6) == 0) {
		for (s += 6; *s == ' ' || *s == '\t'; s++)
			;
		if (every(s, &c->every_ms) < 0) {
			*why = "bad @every interval (want a whole number with "
			    "ms, s, m, h or d)";
			return -1;
		}
		return 0;
	}
	for (b = macros; *b != '\0'; b = e + strlen(e) + 1) {
		e = b + strlen(b) + 1;
		if (strcmp(s, b) == 0)
			s = e;
	}
	for (f = 0, b = s, name = fnames; f < 5; f++,
	    name += strlen(name) + 1) {
		while (*b == ' ' || *b == '\t')
			b++;
		for (e = b; *e != '\0' && *e != ' ' && *e != '\t'; e++)
			;
		if (e == b) {
			*why = "want five fields (minute hour day month "
			    "weekday) or @every DURATION";
			return -1;
		}
		if (field(b, e, f, &m[f]) < 0) {
			/* One shape for the five, so one string. */
			snprintf(bad, sizeof(bad), "bad %s field (want *, N, "
			    "N-M, lists, /STEP; %d-%d%s)", name, lows[f],
			    highs[f], f == 4 ? ", 0 and 7 are Sunday" : "");
			*why = bad;
			return -1;
		}
		if (f == 2)
			c->dom_any = *b == '*';
		if (f == 4)
			c->dow_any = *b == '*';
		b = e;
	}
	while (*b == ' ' || *b == '\t')
		b++;
	if (*b != '\0') {
		*why = "more than five fields";
		return -1;
	}
	c->min = m[0];
	c->hour = (uint32_t)m[1];
	c->dom = (uint32_t)m[2];
	c->mon = (uint16_t)m[3];
	c->dow = (uint8_t)((m[4] | m[4] >> 7) & 0x7f);	/* 7 is Sunday too */
	if (!day_exists(c)) {
		*why = "day of month never occurs in those months";
		return -1;
	}
	return 0;
}

/*
 * Vixie cron's rule: with both day fields restricted, either may match;
 * with one of them "*", only the other counts.
 */
static bool
day_ok(const struct sched *c, const struct tm *tm)
{
	bool d = c->dom >> tm->tm_mday & 1, w = c->dow >> tm->tm_wday & 1;

	if (c->dom_any || c->dow_any)
		return d && w;
	return d || w;
}

/*
 * The first whole minute after `after` (Unix seconds) that the cron
 * schedule matches in local time, or -1. Mismatches skip a whole month,
 * day or hour at a time, so a search stays short; mktime normalises the
 * carries and DST gaps (a minute that does not exist is skipped).
 */
long long
sched_next(const struct sched *c, long long after)
{
	struct tm tm;
	time_t t = (time_t)(after - (after % 60 + 60) % 60 + 60);
	int i;

	if (c->every_ms != 0 || localtime_r(&t, &tm) == NULL)
		return -1;
	for (i = 0; i < 100000; i++) {
		if (!(c->mon >> (tm.tm_mon + 1) & 1)) {
			tm.tm_mon++;
			tm.tm_mday = 1;
			tm.tm_hour = tm.tm_min = 0;
		} else if (!day_ok(c, &tm)) {
			tm.tm_mday++;
			tm.tm_hour = tm.tm_min = 0;
		} else if (!(c->hour >> tm.tm_hour & 1)) {
			tm.tm_hour++;
			tm.tm_min = 0;
		} else if (!(c->min >> tm.tm_min & 1))
			tm.tm_min++;
		else if ((long long)t > after)
			return (long long)t;
		else
			tm.tm_min++;
		tm.tm_sec = 0;
		tm.tm_isdst = -1;
		if ((t = mktime(&tm)) == (time_t)-1 ||
		    localtime_r(&t, &tm) == NULL)
			return -1;
	}
	return -1;
}

uint64_t
sched_earliest(uint64_t a, uint64_t b)
{
	return a == 0 || (b != 0 && b < a) ? b : a;
}
