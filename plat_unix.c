/*
 * plat_unix.c: the client's platform layer on Linux (plat.h). The rest of
 * it is the system calls themselves, named in plat.h; the clock is the
 * server's own (sys.c), so the one binary has one.
 */
#include "plat.h"
#include "pm.h"

uint64_t
plat_mono_ms(void)
{
	return now_ms();
}

/* Blocked rather than ignored: libc's signal() is the larger of the two. */
int
plat_init(void)
{
	sigset_t	 s;

	sigemptyset(&s);
	sigaddset(&s, SIGPIPE);
	return sigprocmask(SIG_BLOCK, &s, NULL);
}
