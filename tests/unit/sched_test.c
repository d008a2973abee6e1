/*
 * sched_test.c: the schedule parser and next-run computation, alone.
 * Cron edge cases (steps, ranges, lists, both day fields, Feb 29, bad
 * fields) in UTC so the expected times are plain numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../sched.h"
#include "unit.h"

/* Unix seconds of a UTC date, for readable expectations. */
static long long
utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	    .tm_hour = h, .tm_min = mi };

	return (long long)timegm(&tm);
}

static long long
next(const char *spec, long long after)
{
	struct sched s;
	const char *why;

	if (sched_parse(spec, &s, &why) < 0) {
		printf("# %s: %s\n", spec, why);
		return -2;
	}
	return sched_next(&s, after);
}

static void
bad(const char *spec, const char *want)
{
	struct sched s;
	const char *why = "";
	char what[160];

	snprintf(what, sizeof(what), "'%s' is refused naming %s", spec, want);
	CHECK(what, sched_parse(spec, &s, &why) == -1 &&
	    strstr(why, want) != NULL);
}

int
main(void)
{
	long long t0 = utc(2024, 1, 15, 10, 7);	/* a Monday */
	struct sched s;
	const char *why;

	setenv("TZ", "UTC0", 1);
	tzset();

	CHECK("every minute: the next whole minute",
	    next("* * * * *", t0) == t0 + 60);
	CHECK("from mid-minute: the next whole minute",
	    next("* * * * *", t0 + 30) == t0 + 60);
	CHECK("step */15 from 10:07 is 10:15",
	    next("*/15 * * * *", t0) == utc(2024, 1, 15, 10, 15));
	CHECK("range with step 10-40/20 from 10:07 is 10:10",
	    next("10-40/20 * * * *", t0) == utc(2024, 1, 15, 10, 10));
	CHECK("N/step means N to the end: 50/5 from 10:07 is 10:50",
	    next("50/5 * * * *", t0) == utc(2024, 1, 15, 10, 50));
	CHECK("list 5,7,9: 10:07 itself is not after 10:07, so 10:09",
	    next("5,7,9 * * * *", t0) == utc(2024, 1, 15, 10, 9));
	CHECK("hour range wraps to the next day",
	    next("0 1-3 * * *", t0) == utc(2024, 1, 16, 1, 0));
	CHECK("month list: 1 March",
	    next("0 0 1 3,6 *", t0) == utc(2024, 3, 1, 0, 0));
	CHECK("Feb 29 is found in the next leap year",
	    next("0 12 29 2 *", utc(2024, 3, 1, 0, 0)) ==
	    utc(2028, 2, 29, 12, 0));
	CHECK("weekday 0 is Sunday",
	    next("30 8 * * 0", t0) == utc(2024, 1, 21, 8, 30));
	CHECK("weekday 7 is Sunday too",
	    next("30 8 * * 7", t0) == utc(2024, 1, 21, 8, 30));
	CHECK("weekday range 1-5 skips the weekend",
	    next("0 9 * * 1-5", utc(2024, 1, 19, 10, 0)) ==
	    utc(2024, 1, 22, 9, 0));
	CHECK("both day fields: either matches (the 20th, a Saturday)",
	    next("0 0 20 * 1", t0) == utc(2024, 1, 20, 0, 0));
	CHECK("both day fields: either matches (Monday the 22nd)",
	    next("0 0 25 * 1", utc(2024, 1, 20, 1, 0)) ==
	    utc(2024, 1, 22, 0, 0));
	CHECK("year end rolls over",
	    next("0 0 1 1 *", utc(2024, 12, 31, 23, 59)) ==
	    utc(2025, 1, 1, 0, 0));
	CHECK("@daily is 0 0 * * *",
	    next("@daily", t0) == utc(2024, 1, 16, 0, 0));
	CHECK("spaces and tabs between fields",
	    next("  0\t12  * *  * ", t0) == utc(2024, 1, 15, 12, 0));

	CHECK("@every 10m", sched_parse("@every 10m", &s, &why) == 0 &&
	    s.every_ms == 600000);
	CHECK("@every 2s", sched_parse("@every 2s", &s, &why) == 0 &&
	    s.every_ms == 2000);
	CHECK("@every 1d", sched_parse("@every 1d", &s, &why) == 0 &&
	    s.every_ms == 86400000);
	CHECK("@every has no next wall-clock time",
	    sched_next(&s, t0) == -1);
	bad("@every", "@every");
	bad("@every 0s", "@every");
	bad("@every 10x", "@every");
	bad("@every 1.5m", "@every");
	bad("@every 50d", "@every");
	bad("60 * * * *", "minute");
	bad("* 24 * * *", "hour");
	bad("* * 0 * *", "day of month");
	bad("* * 32 * *", "day of month");
	bad("* * * 13 *", "month");
	bad("* * * 0 *", "month");
	bad("* * * * 8", "day of week");
	bad("*/0 * * * *", "minute");
	bad("5-1 * * * *", "minute");
	bad("1,,2 * * * *", "minute");
	bad("1, * * * *", "minute");
	bad("a * * * *", "minute");
	bad("-1 * * * *", "minute");
	bad("* * * *", "five fields");
	bad("* * * * * *", "more than five");
	bad("", "five fields");
	bad("0 0 30 2 *", "never occurs");
	bad("0 0 31 4,6,9,11 *", "never occurs");
	CHECK("day 31 in a list with a long month is fine",
	    sched_parse("0 0 31 4,5 *", &s, &why) == 0);
	CHECK("day 30 of February with a weekday is fine (either matches)",
	    sched_parse("0 0 30 2 1", &s, &why) == 0);
	return fails != 0;
}
