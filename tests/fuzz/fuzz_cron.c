/*
 * fuzz_cron.c: the schedule parser (sched.c): "@every", "@daily" and
 * friends, and five cron fields with lists, ranges and steps. A cron
 * schedule that parses is asked for its next minute after a few instants
 * (epoch, now-ish, a leap day, far future); an answer must be a whole
 * minute strictly later, or -1 for one that never comes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../sched.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long long at[] = {
		0, 1700000000, 951782400, 4102444799LL
	};
	struct sched c;
	const char *why = NULL;
	char s[256];
	long long n;
	size_t i;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (sched_parse(s, &c, &why) != 0) {
		if (why == NULL)
			abort();
		return 0;
	}
	if (c.every_ms != 0)
		return 0;
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		n = sched_next(&c, at[i]);
		if (n != -1 && (n <= at[i] || n % 60 != 0))
			abort();
	}
	return 0;
}
