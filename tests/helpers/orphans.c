/*
 * orphans N SECONDS PIDFILE: leave N orphaned grandchildren behind. Each of
 * N children forks one grandchild and exits at once, so the grandchild is
 * reparented to the nearest subreaper (pm). A grandchild sleeps SECONDS
 * (0: exits at once, leaving a zombie for pm to reap). Their pids go to
 * PIDFILE, one a line. Exit 0 once every child has been waited for.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	int n, secs, i, fds[2];
	FILE *out;
	pid_t pid, g;

	if (argc != 4)
		return 2;
	n = atoi(argv[1]);
	secs = atoi(argv[2]);
	if ((out = fopen(argv[3], "w")) == NULL || pipe(fds) < 0)
		return 2;
	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			close(fds[0]);
			g = fork();
			if (g == 0) {
				close(fds[1]);
				if (secs > 0)
					sleep(secs);
				_exit(0);
			}
			if (g > 0)
				(void)!write(fds[1], &g, sizeof(g));
			_exit(g > 0 ? 0 : 1);
		}
	}
	close(fds[1]);
	while (read(fds[0], &g, sizeof(g)) == sizeof(g))
		fprintf(out, "%d\n", (int)g);
	fclose(out);
	while (wait(NULL) > 0)
		;
	return 0;
}
