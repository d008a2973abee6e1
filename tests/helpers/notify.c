/*
 * notify: a tiny sd_notify sender for the readiness tests. Sends
 * "STATUS=warming up", waits DELAY_MS, sends "READY=1\nSTATUS=serving" to
 * $NOTIFY_SOCKET (a path, or @name for the abstract namespace, as
 * sd_notify accepts), then sleeps until killed. With FILE, the second
 * STATUS= is FILE's bytes as they are (for the tests of hostile text).
 *
 * usage: notify DELAY_MS [FILE]
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int
send_msg(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len;
	size_t n;
	int fd, rc;

	if (path == NULL || (n = strlen(path)) == 0 ||
	    n >= sizeof(sun.sun_path)) {
		fprintf(stderr, "notify: no usable NOTIFY_SOCKET\n");
		return -1;
	}
	memcpy(sun.sun_path, path, n);
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	rc = sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&sun, len) < 0;
	close(fd);
	if (rc)
		perror("notify: sendto");
	return rc ? -1 : 0;
}

int
main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 0;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	char msg[512] = "READY=1\nSTATUS=serving";
	FILE *f;
	size_t n;

	if (argc > 2) {
		if ((f = fopen(argv[2], "r")) == NULL)
			return 1;
		n = fread(msg + 15, 1, sizeof(msg) - 16, f);
		msg[15 + n] = '\0';
		fclose(f);
	}
	if (send_msg("STATUS=warming up") < 0)
		return 1;
	nanosleep(&ts, NULL);
	if (send_msg(msg) < 0)
		return 1;
	for (;;)
		pause();
}
