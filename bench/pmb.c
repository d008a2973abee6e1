/*
 * pmb.c: the measuring half of `make bench` (bench/run.sh drives it).
 *
 * Shell timing (date, /proc polling from sh) costs milliseconds, more than
 * some of the things measured, so every timed step lives here:
 *
 *   pmb round -n N [options] -- START... [--- NAME REPS CMD...]...
 *	Start one supervisor with N services (each runs bench/svc, which
 *	announces its pid on the datagram socket $PMB_SOCK), time the cold
 *	start, sum the PSS of the supervisor's processes, count their
 *	voluntary context switches over an idle window, time whole-process
 *	commands (status queries, pm ping), drive a load of concurrent
 *	clients, time respawns after kill -9, then SIGKILL every process
 *	left, by PID (pmb is a subreaper, so nothing escapes).
 *   pmb pid1 -n N -x STATUS -- INIT...
 *	Run `unshare --pid --fork --mount-proc INIT... pmb orphans N
 *	STATUS` and report how long INIT took to reap N orphans released at
 *	once, how many were left, and whether STATUS came back.
 *   pmb pid1term -- INIT...
 *	The same namespace; TERM is sent to INIT, which must forward it to
 *	its child (that exits 42 on TERM).
 *
 * Output is "key=value" lines on stdout; run.sh aggregates them. Every
 * wait here is bounded in time, and every loop in count.
 */
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXSVC		16384
#define MAXTREE		65536
#define MAXTIMED	8

static const char *self_exe;
static const char *svc_exe;	/* resolved path of bench/svc */
static int	 dsock = -1;	/* the datagram socket services announce on */

struct svc {
	pid_t		 pid;
	uint64_t	 at;	/* announced, in us */
	bool		 killed;
};
static struct svc svcs[MAXSVC];
static int	 nsvc;
static int	 unexpected;	/* announcements nobody asked for */

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
sleep_us(uint64_t us)
{
	struct timespec ts = { (time_t)(us / 1000000),
	    (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void __attribute__((noreturn))
die(const char *msg)
{
	fprintf(stderr, "pmb: %s: %s\n", msg, strerror(errno));
	exit(2);
}

/* ------------------------------------------------------------- /proc */

/* Parent of pid from /proc/PID/stat, or -1. */
static pid_t
ppid_of(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || p[1] == '\0' || p[2] == '\0')
		return -1;
	return (pid_t)strtol(p + 4, NULL, 10);
}

/*
 * Every descendant of root (root included when with_root) into out; the
 * count. One pass over /proc collects parent links, then a fixed point
 * marks descendants, bounded by the table size.
 */
static int
tree(pid_t root, bool with_root, pid_t *out, int max)
{
	static pid_t pid[MAXTREE], par[MAXTREE];
	static bool in[MAXTREE];
	struct dirent *de;
	DIR *d;
	int n = 0, i, k = 0;
	bool grew;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && n < MAXTREE) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid[n] = (pid_t)atoi(de->d_name);
		par[n] = ppid_of(pid[n]);
		in[n] = pid[n] == root;
		n++;
	}
	closedir(d);
	do {
		grew = false;
		for (i = 0; i < n; i++) {
			int j;

			if (in[i])
				continue;
			for (j = 0; j < n; j++)
				if (in[j] && par[i] == pid[j])
					break;
			if (j < n) {
				in[i] = grew = true;
			}
		}
	} while (grew);
	for (i = 0; i < n && k < max; i++)
		if (in[i] && (with_root || pid[i] != root))
			out[k++] = pid[i];
	return k;
}

static bool
is_svc(pid_t pid)
{
	char path[64], buf[4096];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if ((n = readlink(path, buf, sizeof(buf) - 1)) <= 0)
		return false;
	buf[n] = '\0';
	return strcmp(buf, svc_exe) == 0;
}

/* A "Key:   123 kB"-style number from a /proc file, or -1. */
static long long
proc_field(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			v = strtoll(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* The supervisor's own processes: the tree under root, services excluded. */
static int
supervisors(pid_t root, pid_t *out, int max)
{
	static pid_t all[MAXTREE];
	int n = tree(root, true, all, MAXTREE), i, k = 0;

	for (i = 0; i < n && k < max; i++)
		if (!is_svc(all[i]))
			out[k++] = all[i];
	return k;
}

/* --------------------------------------------------------- announcements */

static int
svc_find(pid_t pid)
{
	int i;

	for (i = 0; i < nsvc; i++)
		if (svcs[i].pid == pid)
			return i;
	return -1;
}

/*
 * Take announcements for up to wait_us; stop early once want new ones
 * arrived (want 0: just drain). Returns how many new pids were seen.
 */
static int
collect(int want, uint64_t wait_us)
{
	uint64_t end = now_us() + wait_us, t;
	struct pollfd pfd = { dsock, POLLIN, 0 };
	char buf[64];
	ssize_t n;
	int got = 0, ms;
	pid_t pid;

	for (;;) {
		while ((n = recv(dsock, buf, sizeof(buf) - 1, MSG_DONTWAIT))
		    > 0) {
			buf[n] = '\0';
			pid = (pid_t)atoi(buf);
			if (pid <= 0 || svc_find(pid) >= 0 || nsvc == MAXSVC)
				continue;
			svcs[nsvc].pid = pid;
			svcs[nsvc].at = now_us();
			svcs[nsvc].killed = false;
			nsvc++;
			got++;
		}
		t = now_us();
		if ((want > 0 && got >= want) || t >= end)
			return got;
		ms = (int)((end - t + 999) / 1000);
		(void)poll(&pfd, 1, ms);
	}
}

static void
dsock_open(void)
{
	struct sockaddr_un sun;
	const char *path = getenv("PMB_SOCK");
	int sz = 8 << 20;

	if (path == NULL || strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "pmb: PMB_SOCK must name a socket path\n");
		exit(2);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, path);
	unlink(path);
	if ((dsock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		die("socket");
	if (setsockopt(dsock, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(dsock, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(dsock, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die("bind");
}

/* ------------------------------------------------------------- children */

/* fork+exec argv with stdout to out_fd (-1: /dev/null), stderr to log. */
static pid_t
launch(char **argv, int out_fd, bool session)
{
	const char *log = getenv("PMB_LOG");
	pid_t pid;
	int fd;

	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid > 0)
		return pid;
	if (session)
		setsid();
	fd = open("/dev/null", O_RDWR);
	dup2(fd, 0);
	dup2(out_fd >= 0 ? out_fd : fd, 1);
	if (log != NULL && session) {
		int lf = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (lf >= 0)
			dup2(lf, 2);
		if (out_fd < 0 && lf >= 0)
			dup2(lf, 1);
	} else if (session)
		dup2(fd, 2);
	execvp(argv[0], argv);
	fprintf(stderr, "pmb: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* waitpid with a time limit; -1 when it did not exit in time. */
static int
wait_for(pid_t pid, uint64_t limit_us, int *st)
{
	uint64_t end = now_us() + limit_us;
	pid_t r;

	for (;;) {
		r = waitpid(pid, st, WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (now_us() >= end)
			return -1;
		sleep_us(200);
	}
}

/*
 * SIGKILL every descendant, by PID, until none is left. pmb is a child
 * subreaper, so orphans come back to it and are found on the next pass.
 */
static void
kill_all(void)
{
	static pid_t p[MAXTREE];
	int n, i, pass;

	for (pass = 0; pass < 200; pass++) {
		n = tree(getpid(), false, p, MAXTREE);
		for (i = 0; i < n; i++)
			kill(p[i], SIGKILL);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (n == 0 && waitpid(-1, NULL, WNOHANG) < 0 &&
		    errno == ECHILD)
			return;
		sleep_us(10000);
	}
	fprintf(stderr, "pmb: could not clear every child\n");
}

/* Run argv once; wall time in us, the status in *st, output to out_fd. */
static uint64_t
run_timed(char **argv, int out_fd, int *st)
{
	uint64_t t0 = now_us();
	pid_t pid;
	int fd;

	pid = vfork();
	if (pid == 0) {
		if (out_fd >= 0)
			dup2(out_fd, 1);
		else if ((fd = open("/dev/null", O_WRONLY)) >= 0)
			dup2(fd, 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0)
		die("vfork");
	if (wait_for(pid, 60000000, st) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, st, 0);
	}
	return now_us() - t0;
}

/* Lines printed by argv, through a temporary file. */
static int
count_lines(char **argv, int *st)
{
	char tmpl[] = "/tmp/pmb.XXXXXX", buf[65536];
	int fd = mkstemp(tmpl), lines = 0;
	ssize_t n, i;

	if (fd < 0)
		die("mkstemp");
	unlink(tmpl);
	run_timed(argv, fd, st);
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
	close(fd);
	return lines;
}

/* ------------------------------------------------------------------ load */

/*
 * Concurrent clients against pm's control socket: conc connections,
 * each sending STATUS ID (what `pm ping ID` sends), reading the reply
 * to EOF and reconnecting, for secs seconds. Completed exchanges whose
 * first reply is a STATUS_REC are counted; the rate goes to fd out.
 */
static void
load_worker(const char *path, const char *id, int conc, double secs, int out)
{
	struct sockaddr_un sun;
	struct epoll_event ev, evs[64];
	uint8_t req[64], buf[4096];
	int ep, *fd, *got, i, n, k, len, idl = (int)strlen(id);
	long long done = 0, bad = 0;
	uint64_t end;
	char line[96];
	ssize_t r;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	len = 16 + 4 + idl;
	memset(req, 0, sizeof(req));
	req[0] = 0x50; req[1] = 0x4d; req[2] = 1; req[3] = 0x04;
	req[11] = 1;
	req[14] = (uint8_t)(len >> 8); req[15] = (uint8_t)len;
	req[17] = 1; req[19] = (uint8_t)idl;
	memcpy(req + 20, id, (size_t)idl);
	fd = calloc((size_t)conc, sizeof(int));
	got = calloc((size_t)conc, sizeof(int));
	if ((ep = epoll_create1(0)) < 0 || fd == NULL || got == NULL)
		die("load setup");
	for (i = 0; i < conc; i++)
		fd[i] = -1;
	end = now_us() + (uint64_t)(secs * 1e6);
	while (now_us() < end) {
		for (i = 0; i < conc; i++) {
			if (fd[i] >= 0)
				continue;
			fd[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
			    SOCK_CLOEXEC, 0);
			if (fd[i] < 0)
				die("socket");
			if (connect(fd[i], (struct sockaddr *)&sun,
			    sizeof(sun)) < 0 || send(fd[i], req, (size_t)len,
			    MSG_NOSIGNAL) != len) {
				close(fd[i]);
				fd[i] = -1;
				bad++;
				continue;
			}
			got[i] = 0;
			ev.events = EPOLLIN;
			ev.data.u32 = (uint32_t)i;
			epoll_ctl(ep, EPOLL_CTL_ADD, fd[i], &ev);
		}
		n = epoll_wait(ep, evs, 64, 100);
		for (k = 0; k < n; k++) {
			i = (int)evs[k].data.u32;
			while ((r = recv(fd[i], buf, sizeof(buf), 0)) > 0) {
				if (got[i] == 0 && (r < 4 || buf[3] != 0x83))
					got[i] = -1;
				else if (got[i] == 0)
					got[i] = 1;
			}
			if (r == 0 || (r < 0 && errno != EAGAIN)) {
				if (got[i] == 1 && r == 0)
					done++;
				else
					bad++;
				close(fd[i]);
				fd[i] = -1;
			}
		}
	}
	n = snprintf(line, sizeof(line), "%lld %lld\n", done, bad);
	(void)!write(out, line, (size_t)n);
}

/* Fork workers (the load spans both cores) and sum their counts. */
static void
load(const char *path, const char *id, int conc, int workers, double secs)
{
	int pfd[2], i, per;
	long long d, b, done = 0, bad = 0;
	char buf[256];
	ssize_t n;
	size_t off = 0;
	char *p;
	pid_t pid;
	uint64_t t0 = now_us();

	if (pipe(pfd) < 0)
		die("pipe");
	for (i = 0; i < workers; i++) {
		per = conc / workers + (i < conc % workers);
		if ((pid = fork()) == 0) {
			close(pfd[0]);
			load_worker(path, id, per, secs, pfd[1]);
			_exit(0);
		}
		if (pid < 0)
			die("fork");
	}
	close(pfd[1]);
	while (off < sizeof(buf) - 1 &&
	    (n = read(pfd[0], buf + off, sizeof(buf) - 1 - off)) > 0)
		off += (size_t)n;
	close(pfd[0]);
	buf[off] = '\0';
	for (i = 0; i < workers; i++)
		wait(NULL);
	for (p = buf; sscanf(p, "%lld %lld", &d, &b) == 2; ) {
		done += d;
		bad += b;
		if ((p = strchr(p, '\n')) == NULL)
			break;
		p++;
	}
	printf("load_rps=%.0f\nload_errors=%lld\n",
	    (double)done / ((double)(now_us() - t0) / 1e6), bad);
}

/* ----------------------------------------------------------------- round */

struct timed {
	const char	*name;
	int		 reps;
	char	       **argv;
};

/*
 * Interrupted (run.sh stopped): take the supervisor down with us. Not
 * async-signal-safe in theory (kill_all reads /proc through stdio), but
 * pmb is single-threaded and spends its time in sleeps and system calls,
 * and leaving 1,000 processes behind would be worse.
 */
static void
on_term(int sig)
{
	(void)sig;
	kill_all();
	_exit(130);
}

static int
cmd_round(int argc, char **argv)
{
	static pid_t sup[MAXTREE];
	struct timed tc[MAXTIMED];
	int ntc = 0, n = 0, respawns = 0, i, k, st, nsup, ch, conc = 50, got;
	int workers = 2;
	double idle = 0, load_secs = 0;
	uint64_t settle = 1500000, t0, t, limit = 60000000;
	const char *lsock = NULL, *lid = NULL;
	long long sum, a;
	char **start;
	pid_t root;

	while ((ch = getopt(argc, argv, "n:r:i:w:t:L:I:c:W:T:")) != -1) {
		switch (ch) {
		case 'n': n = atoi(optarg); break;
		case 'r': respawns = atoi(optarg); break;
		case 'i': idle = atof(optarg); break;
		case 'w': settle = (uint64_t)(atof(optarg) * 1e6); break;
		case 't': limit = (uint64_t)(atof(optarg) * 1e6); break;
		case 'L': lsock = optarg; break;
		case 'I': lid = optarg; break;
		case 'c': conc = atoi(optarg); break;
		case 'W': workers = atoi(optarg); break;
		case 'T': load_secs = atof(optarg); break;
		default: return 2;
		}
	}
	if (n <= 0 || n > MAXSVC - 64 || optind >= argc) {
		fprintf(stderr, "usage: pmb round -n N ... -- START...\n");
		return 2;
	}
	start = &argv[optind];
	/* Split "--- NAME REPS CMD..." groups off the start command. */
	for (i = optind; i < argc; i++) {
		if (strcmp(argv[i], "---") != 0)
			continue;
		argv[i] = NULL;
		if (ntc == MAXTIMED || i + 3 >= argc) {
			fprintf(stderr, "pmb: bad --- group\n");
			return 2;
		}
		tc[ntc].name = argv[i + 1];
		tc[ntc].reps = atoi(argv[i + 2]);
		tc[ntc].argv = &argv[i + 3];
		ntc++;
	}

	dsock_open();
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		die("subreaper");

	/* 1. Cold start: launch until every service has announced itself. */
	t0 = now_us();
	root = launch(start, -1, true);
	k = collect(n, limit);
	t = nsvc > 0 ? svcs[nsvc - 1].at : now_us();
	if (k < n) {
		printf("error=cold start: %d of %d services ran in %.0f s\n",
		    k, n, (double)limit / 1e6);
		kill_all();
		return 1;
	}
	printf("cold_us=%llu\n", (unsigned long long)(t - t0));
	fflush(stdout);

	/* 2. Let it settle, noting any service that restarts on its own. */
	unexpected = collect(0, settle);

	/* 3. Memory: PSS of the supervisor's processes, services excluded. */
	nsup = supervisors(root, sup, MAXTREE);
	for (sum = 0, i = 0; i < nsup; i++)
		if ((a = proc_field(sup[i], "smaps_rollup", "Pss")) > 0)
			sum += a;
	printf("pss_kib=%lld\nnsup=%d\n", sum, nsup);
	fflush(stdout);

	/*
	 * 4. Respawn, on a quiet machine (before the load below): kill -9
	 * a service that has run for over 1.5 s (runsv and s6-supervise
	 * hold back a restart of one that died younger) and time until its
	 * replacement announces itself.
	 */
	for (k = 0; k < respawns; k++) {
		int victim = -1;

		for (i = 0; i < nsvc && victim < 0; i++)
			if (!svcs[i].killed && kill(svcs[i].pid, 0) == 0)
				victim = i;
		if (victim < 0)
			break;
		t = now_us();
		if (t < svcs[victim].at + 1500000)
			sleep_us(svcs[victim].at + 1500000 - t);
		unexpected += collect(0, 0);
		svcs[victim].killed = true;
		t0 = now_us();
		kill(svcs[victim].pid, SIGKILL);
		got = collect(1, 10000000);
		if (got < 1) {
			printf("error=no respawn within 10 s\n");
			break;
		}
		printf("respawn_us=%llu\n",
		    (unsigned long long)(svcs[nsvc - 1].at - t0));
		fflush(stdout);
	}

	/* 5. Idle wakeups: voluntary switches over a quiet window. */
	if (idle > 0) {
		for (sum = 0, i = 0; i < nsup; i++)
			if ((a = proc_field(sup[i], "status",
			    "voluntary_ctxt_switches")) > 0)
				sum -= a;
		sleep_us((uint64_t)(idle * 1e6));
		for (i = 0; i < nsup; i++)
			if ((a = proc_field(sup[i], "status",
			    "voluntary_ctxt_switches")) > 0)
				sum += a;
		printf("idle_vcs=%lld\n", sum);
	}

	/* 6. Whole-process commands: once for the output, then timed. */
	for (k = 0; k < ntc; k++) {
		printf("%s_lines=%d\n", tc[k].name, count_lines(tc[k].argv,
		    &st));
		printf("%s_rc=%d\n", tc[k].name, WIFEXITED(st) ?
		    WEXITSTATUS(st) : 128 + WTERMSIG(st));
		for (i = 0; i < tc[k].reps; i++)
			printf("%s_us=%llu\n", tc[k].name, (unsigned long long)
			    run_timed(tc[k].argv, -1, &st));
		fflush(stdout);
	}

	/* 7. Many clients at once against one server. */
	if (lsock != NULL && lid != NULL && load_secs > 0) {
		load(lsock, lid, conc, workers, load_secs);
		fflush(stdout);
	}

	printf("unexpected_restarts=%d\n", unexpected);

	/* 8. Stop everything, by PID. */
	kill_all();
	unlink(getenv("PMB_SOCK"));
	return 0;
}

/* ------------------------------------------------------------------ pid1 */

/*
 * How many children PID 1 still has besides us, zombies included (they
 * leave the list only when reaped). Reading this one file disturbs the
 * measured init far less than walking /proc does.
 */
static int
others(void)
{
	static char buf[1 << 17];
	char *p, *end;
	pid_t me = getpid();
	ssize_t n;
	size_t off = 0;
	int fd, k = 0;
	long v;

	if ((fd = open("/proc/1/task/1/children", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while (off < sizeof(buf) - 1 &&
	    (n = read(fd, buf + off, sizeof(buf) - 1 - off)) > 0)
		off += (size_t)n;
	close(fd);
	buf[off] = '\0';
	for (p = buf; (v = strtol(p, &end, 10)), end != p; p = end)
		if (v != me)
			k++;
	return k;
}

/*
 * Inside the namespace, as INIT's child: a middle child forks n children
 * that block on a pipe and exits, so they are orphans of PID 1. Closing
 * the pipe releases them all at once; time until PID 1 has reaped them.
 */
static int
cmd_orphans(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000, code = argc > 2 ?
	    atoi(argv[2]) : 7, p[2], i, left;
	uint64_t t0, end;
	pid_t mid;
	char c;

	if (pipe(p) < 0)
		die("pipe");
	if ((mid = fork()) == 0) {
		for (i = 0; i < n; i++) {
			pid_t k = fork();

			if (k == 0) {
				close(p[1]);
				(void)!read(p[0], &c, 1);
				_exit(0);
			}
			if (k < 0)
				_exit(1);
		}
		_exit(0);
	}
	close(p[0]);
	if (mid < 0 || waitpid(mid, NULL, 0) != mid)
		die("middle child");
	t0 = now_us();
	end = t0 + 30000000;
	close(p[1]);
	while ((left = others()) > 0 && now_us() < end)
		sleep_us(500);
	printf("reap_us=%llu\nleft=%d\n", (unsigned long long)(now_us() - t0),
	    left);
	fflush(stdout);
	return code;
}

/* Inside the namespace: exit 42 when TERM arrives, 1 after 10 s. */
static int
cmd_termee(void)
{
	struct timespec ts = { 10, 0 };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("ready\n");
	fflush(stdout);
	return sigtimedwait(&set, NULL, &ts) == SIGTERM ? 42 : 1;
}

/* The first child of pid (unshare's forked child: PID 1 inside). */
static pid_t
child_of(pid_t pid)
{
	char path[64], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
	    (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return (pid_t)atoi(buf);
}

/* Read what the inner pmb prints, until EOF or the deadline. */
static size_t
read_until(int fd, char *buf, size_t len, uint64_t end, const char *stop)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t off = 0;
	ssize_t n;
	uint64_t t;

	while (off < len - 1 && (t = now_us()) < end) {
		if (poll(&pfd, 1, (int)((end - t) / 1000) + 1) <= 0)
			continue;
		if ((n = read(fd, buf + off, len - 1 - off)) <= 0)
			break;
		off += (size_t)n;
		buf[off] = '\0';
		if (stop != NULL && strstr(buf, stop) != NULL)
			break;
	}
	buf[off] = '\0';
	return off;
}

static int
cmd_pid1(int argc, char **argv, bool term)
{
	char *av[64], nbuf[16], xbuf[16], out[512];
	int ch, n = 1000, code = 7, ac = 0, i, p[2], st = -1, rc;
	pid_t pid, init;
	uint64_t t0;

	while ((ch = getopt(argc, argv, "n:x:")) != -1) {
		if (ch == 'n')
			n = atoi(optarg);
		else if (ch == 'x')
			code = atoi(optarg);
		else
			return 2;
	}
	av[ac++] = "unshare";
	av[ac++] = "--pid";
	av[ac++] = "--fork";
	av[ac++] = "--mount-proc";
	for (i = optind; i < argc && ac < 56; i++)
		av[ac++] = argv[i];
	av[ac++] = (char *)self_exe;
	snprintf(nbuf, sizeof(nbuf), "%d", n);
	snprintf(xbuf, sizeof(xbuf), "%d", code);
	av[ac++] = term ? "termee" : "orphans";
	if (!term) {
		av[ac++] = nbuf;
		av[ac++] = xbuf;
	}
	av[ac] = NULL;
	if (pipe(p) < 0)
		die("pipe");
	t0 = now_us();
	pid = launch(av, p[1], false);
	close(p[1]);
	if (term) {
		read_until(p[0], out, sizeof(out), t0 + 10000000, "ready");
		init = child_of(pid);
		rc = init > 0 && strstr(out, "ready") != NULL ?
		    kill(init, SIGTERM) : -1;
		if (rc < 0)
			printf("error=term: inner process not ready\n");
	} else
		read_until(p[0], out, sizeof(out), t0 + 60000000, NULL);
	if (wait_for(pid, 30000000, &st) < 0) {
		printf("error=%s did not exit\n", argv[optind]);
		if ((init = child_of(pid)) > 0)
			kill(init, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	close(p[0]);
	rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (term) {
		printf("term_status=%d\nterm_ok=%d\n", rc, rc == 42);
		return 0;
	}
	fputs(out, stdout);
	printf("status=%d\nstatus_ok=%d\n", rc, rc == code);
	return 0;
}

/* ------------------------------------------------------------------ logs */

#define LINE_LEN	80
#define MAXPROD		64
#define MAXSINK		16
#define MAXLAT		4096

/*
 * pmb gen ID LINES GOFILE: the chatty process. Once GOFILE exists,
 * LINES lines of LINE_LEN bytes,
 * "@ID:SEQ:xxx...x\n", written 51 whole lines (4,080 bytes, one atomic
 * pipe write) at a time, as a program's stdio buffer would. Then it
 * sleeps until killed, so no supervisor restarts it mid-measure.
 */
static int
cmd_gen(int argc, char **argv)
{
	static char buf[51 * LINE_LEN];
	long id, lines, seq = 0;
	int k, m;
	ssize_t w, off;

	if (argc != 4)
		return 2;
	id = strtol(argv[1], NULL, 10);
	lines = strtol(argv[2], NULL, 10);
	/* Every producer starts on the harness's word: GOFILE exists. */
	for (k = 0; access(argv[3], F_OK) != 0 && k < 120000; k++)
		sleep_us(1000);
	while (seq < lines) {
		for (k = 0; k < 51 && seq < lines; k++, seq++) {
			char *l = buf + k * LINE_LEN;

			m = snprintf(l, LINE_LEN, "@%02ld:%010ld:", id, seq);
			memset(l + m, 'x', LINE_LEN - 1 - (size_t)m);
			l[LINE_LEN - 1] = '\n';
		}
		for (off = 0; off < k * LINE_LEN; off += w)
			if ((w = write(1, buf + off, (size_t)(k * LINE_LEN -
			    off))) < 0 && errno != EINTR)
				return 1;
			else if (w < 0)
				w = 0;
	}
	for (;;)
		pause();
}

struct sink {
	const char	*path;
	int		 fd;
	char		 part[4 * LINE_LEN + 256];	/* an unfinished line */
	size_t		 plen;
};

static long	 got_lines, bad_lines, other_lines;
static long	 next_seq[MAXPROD];

/*
 * One complete line of a sink. Ours carry "@ID:SEQ:" and then exactly
 * the x's the producer wrote, ending the line or a JSON string: a line
 * cut, merged or out of order per producer counts as bad.
 */
static void
check_line(const char *l, size_t n)
{
	const char *a = memchr(l, '@', n), *x;
	long id, seq;
	size_t want = LINE_LEN - 1 - 15, i;

	if (a == NULL || (size_t)(l + n - a) < 15 + want || a[3] != ':' ||
	    a[14] != ':') {
		other_lines++;
		return;
	}
	id = strtol(a + 1, NULL, 10);
	seq = strtol(a + 4, NULL, 10);
	x = a + 15;
	for (i = 0; i < want && x[i] == 'x'; i++)
		;
	got_lines++;
	if (i != want || (x + want < l + n && x[want] != '"') ||
	    id < 0 || id >= MAXPROD || seq != next_seq[id])
		bad_lines++;
	if (id >= 0 && id < MAXPROD)
		next_seq[id] = seq + 1;
}

/* Read what is new in a sink; check each complete line. */
static void
drain_sink(struct sink *s)
{
	static char buf[1 << 16];
	ssize_t n, i, st;

	while ((n = read(s->fd, buf, sizeof(buf))) > 0) {
		for (st = 0, i = 0; i < n; i++) {
			if (buf[i] != '\n')
				continue;
			if (s->plen > 0) {
				size_t add = (size_t)(i - st);

				if (s->plen + add > sizeof(s->part))
					add = sizeof(s->part) - s->plen;
				memcpy(s->part + s->plen, buf + st, add);
				check_line(s->part, s->plen + add);
				s->plen = 0;
			} else
				check_line(buf + st, (size_t)(i - st));
			st = i + 1;
		}
		if (st < n) {
			size_t add = (size_t)(n - st);

			if (s->plen + add > sizeof(s->part))
				add = sizeof(s->part) - s->plen;
			memcpy(s->part + s->plen, buf + st, add);
			s->plen += add;
		}
	}
}

/* Time pid spent on a CPU in us, from /proc/PID/schedstat; 0 if gone. */
static uint64_t
cpu_us(pid_t pid)
{
	char path[64], buf[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtoull(buf, NULL, 10) / 1000;
}

/* Is pid one of the producers (pmb gen)? */
static bool
is_pmb(pid_t pid)
{
	char path[64], comm[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	if (fgets(comm, sizeof(comm), f) != NULL)
		comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
	return strcmp(comm, "pmb") == 0;
}

static int
producers(pid_t root)
{
	static pid_t p[MAXTREE];
	int n = tree(root, true, p, MAXTREE), i, k = 0;

	for (i = 0; i < n; i++)
		k += is_pmb(p[i]);
	return k;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * pmb logs -n LINES -g NP -G GOFILE [-s SINK]... [-o OUT] [-p NAME]
 *	[-t SECS] -- START...
 *	[--- status CMD...]
 * Start START (stdout to OUT, opened for appending); once NP producers
 * run, create GOFILE (their signal to start) and follow every SINK (the
 * files the lines land in) until LINES lines of the producers are in,
 * checking each is whole and in order per producer; meanwhile run the
 * status command every 20 ms and time it. Reports the time from the go
 * to the last line in, the CPU of the tree's processes other than
 * the producers (pmb gen), and the status latencies; then kills it all.
 */
static int
cmd_logs(int argc, char **argv)
{
	static struct sink sinks[MAXSINK];
	static pid_t p[MAXTREE];
	static uint64_t lat[MAXLAT];
	const char *out = NULL, *pm_name = NULL, *go = NULL;
	int nprod = 0;
	char **start, **status = NULL, comm[64];
	int nsink = 0, i, n, ch, st, nlat = 0, ofd = -1;
	long want = 0, last = -1;
	uint64_t limit = 120000000, t0, t_first = 0, t_last = 0, next_st = 0;
	uint64_t cpu = 0, pm_cpu = 0;
	pid_t root;

	while ((ch = getopt(argc, argv, "n:s:o:t:p:g:G:")) != -1)
		switch (ch) {
		case 'n': want = atol(optarg); break;
		case 'g': nprod = atoi(optarg); break;
		case 'G': go = optarg; break;
		case 's':
			if (nsink < MAXSINK) {
				sinks[nsink].path = optarg;
				sinks[nsink++].fd = -1;
			}
			break;
		case 'o': out = optarg; break;
		case 't': limit = (uint64_t)atol(optarg) * 1000000; break;
		case 'p': pm_name = optarg; break;
		default: return 2;
		}
	start = argv + optind;
	for (i = optind; i < argc; i++)
		if (strcmp(argv[i], "---") == 0 && i + 2 < argc) {
			argv[i] = NULL;
			status = argv + i + 2;
			break;
		}
	if (want <= 0 || nsink == 0 || start[0] == NULL || go == NULL ||
	    nprod <= 0)
		return 2;
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if (out != NULL && (ofd = open(out, O_WRONLY | O_CREAT | O_APPEND |
	    O_CLOEXEC, 0644)) < 0)
		die(out);
	t0 = now_us();
	root = launch(start, ofd, true);
	/* Once every producer runs, say go: the clock starts then. */
	while (producers(root) < nprod && now_us() - t0 < limit)
		sleep_us(1000);
	if ((i = open(go, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) >= 0)
		close(i);
	t0 = t_first = now_us();
	while (got_lines < want && now_us() - t0 < limit) {
		for (i = 0; i < nsink; i++) {
			struct sink *s = &sinks[i];

			if (s->fd < 0 && (s->fd = open(s->path, O_RDONLY |
			    O_CLOEXEC)) < 0)
				continue;
			drain_sink(s);
		}
		if (got_lines != last) {
			t_last = now_us();
			last = got_lines;
		}
		if (status != NULL && nlat < MAXLAT &&
		    now_us() >= next_st) {
			lat[nlat++] = run_timed(status, -1, &st);
			next_st = now_us() + 20000;
		}
		if (got_lines == last && got_lines < want)
			sleep_us(500);
	}
	n = tree(root, true, p, MAXTREE);
	for (i = 0; i < n; i++) {
		char path[64];
		FILE *f;

		if (is_pmb(p[i]))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)p[i]);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		comm[0] = '\0';
		if (fgets(comm, sizeof(comm), f) != NULL)
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
		cpu += cpu_us(p[i]);
		if (pm_name != NULL && strcmp(comm, pm_name) == 0)
			pm_cpu += cpu_us(p[i]);
	}
	kill_all();
	printf("lines=%ld\nbad=%ld\nother=%ld\n", got_lines, bad_lines,
	    other_lines);
	if (got_lines < want)
		printf("error=%ld of %ld lines in %.0f s\n", got_lines,
		    want, (double)limit / 1e6);
	else
		printf("secs=%.6f\n", (double)(t_last - t_first) / 1e6);
	printf("cpu_s=%.3f\n", (double)cpu / 1e6);
	if (pm_name != NULL)
		printf("pm_cpu_s=%.3f\n", (double)pm_cpu / 1e6);
	if (nlat > 0) {
		qsort(lat, (size_t)nlat, sizeof(lat[0]), cmp_u64);
		printf("status_med_us=%llu\nstatus_max_us=%llu\n"
		    "status_n=%d\n", (unsigned long long)lat[nlat / 2],
		    (unsigned long long)lat[nlat - 1], nlat);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static char exe[4096], svc[4096];
	const char *s;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0)
		exe[n] = '\0';
	self_exe = exe;
	s = getenv("PMB_SVC");
	svc_exe = s != NULL && realpath(s, svc) != NULL ? svc : "";
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		goto usage;
	if (strcmp(argv[1], "round") == 0)
		return cmd_round(argc - 1, argv + 1);
	if (strcmp(argv[1], "pid1") == 0)
		return cmd_pid1(argc - 1, argv + 1, false);
	if (strcmp(argv[1], "pid1term") == 0)
		return cmd_pid1(argc - 1, argv + 1, true);
	if (strcmp(argv[1], "orphans") == 0)
		return cmd_orphans(argc - 1, argv + 1);
	if (strcmp(argv[1], "termee") == 0)
		return cmd_termee();
	if (strcmp(argv[1], "gen") == 0)
		return cmd_gen(argc - 1, argv + 1);
	if (strcmp(argv[1], "logs") == 0)
		return cmd_logs(argc - 1, argv + 1);
usage:
	fprintf(stderr, "usage: pmb round|pid1|pid1term|gen|logs ...\n");
	return 2;
}
