/*
 * svc.c: the service every supervisor runs in the benchmark.
 *
 * It tells the harness it is running by sending its pid as one datagram
 * to the Unix socket named by $PMB_SOCK, then sleeps until killed. The
 * same static binary is run by every supervisor (runsv and s6-supervise
 * exec it through a ./run symlink), so the work a service does at start
 * is identical for all of them and the harness learns the exact moment
 * each one runs without polling /proc.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(void)
{
	struct sockaddr_un sun;
	const char *path = getenv("PMB_SOCK");
	char msg[32];
	int fd, n;

	if (path != NULL && strlen(path) < sizeof(sun.sun_path) &&
	    (fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) >= 0) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		strcpy(sun.sun_path, path);
		n = snprintf(msg, sizeof(msg), "%d", (int)getpid());
		(void)sendto(fd, msg, (size_t)n, 0, (struct sockaddr *)&sun,
		    sizeof(sun));
		close(fd);
	}
	for (;;)
		pause();
}
