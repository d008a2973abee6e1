/*
 * plat_unix.c: the client's platform layer on Linux (plat.h). The rest of
 * it is the system calls themselves, named in plat.h.
 */
#include <time.h>

#include "plat.h"

uint64_t
plat_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
