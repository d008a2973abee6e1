/*
 * tests/boot/hog.c: touch N MiB (argv[1]) of fresh memory, say so, and
 * sleep; or, as `hog fork`, a fork bomb: every process forks for ever.
 * The cgroup boot's memory hog, its 32 MiB process and its fork bomb
 * (issue 14).
 * Built static with musl-gcc by run.sh and put into the guest as /bin/hog.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 1, i;
	char *p;

	if (argc > 1 && strcmp(argv[1], "fork") == 0)
		for (;;)
			(void)fork();
	for (i = 0; i < mib; i++) {
		if ((p = malloc(1 << 20)) == NULL)
			return 1;
		memset(p, 1, 1 << 20);
	}
	printf("HOG-TOUCHED %zu\n", mib);
	fflush(stdout);
	for (;;)
		pause();
}
