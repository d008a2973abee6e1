/*
 * lograce: what a hostile service does to its own log directory while pm
 * rotates the log there: over and over, make a symlink to TARGET and
 * rename it over DIR/NAME, for MS milliseconds. Prints the rounds done.
 *
 * usage: lograce DIR NAME TARGET MS
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
	char tmp[4096], path[4096];
	long long end, n = 0;

	if (argc != 5) {
		fprintf(stderr, "usage: lograce DIR NAME TARGET MS\n");
		return 2;
	}
	snprintf(tmp, sizeof(tmp), "%s/.%s.race", argv[1], argv[2]);
	snprintf(path, sizeof(path), "%s/%s", argv[1], argv[2]);
	end = now_ms() + atoll(argv[4]);
	while (now_ms() < end) {
		(void)unlink(tmp);
		if (symlink(argv[3], tmp) == 0 && rename(tmp, path) == 0)
			n++;
	}
	(void)unlink(tmp);
	printf("%lld\n", n);
	return 0;
}
