/*
 * plat_unix.c: the client's platform layer on Linux (plat.h). The rest of
 * it is the system calls themselves, named in plat.h; the clock is the
 * server's own (sys.c), so the one binary has one.
 */
#include "plat.h"

#include <sys/syscall.h>
#include <unistd.h>

#include "pm.h"

uint64_t
plat_mono_ms(void)
{
	return now_ms();
}

/*
 * Blocked rather than ignored: libc's signal() is the larger of the two.
 * The mask by the raw call, as pm.c sets the server's (NSIG / 8 bytes).
 */
int
plat_init(void)
{
	sigset_t	 s;

	sigemptyset(&s);
	sigaddset(&s, SIGPIPE);
	return (int)syscall(SYS_rt_sigprocmask, SIG_BLOCK, &s, NULL,
	    (size_t)NSIG / 8);
}
