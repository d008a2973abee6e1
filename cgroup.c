/*
 * cgroup.c: per-process cgroups (issue 14).
 *
 * With a writable cgroup2, pm moves itself into a leaf of its own subtree
 * ("-pm": no process ID starts with '-', so no group can clash with it),
 * enables what controllers it can for the subtree, and gives each process
 * a group named after its ID, made and limited before its first spawn.
 * Checks, probes and handlers join their process's group in the child,
 * before exec, so the limits hold from the first instruction.
 *
 * Every file is opened relative to root, the subtree's directory fd, one
 * name at a time with O_NOFOLLOW: nothing outside pm's own subtree is
 * touched. cgroupfs has no symlinks, and root is checked to be cgroup2.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "safefile.h"
#include "sys.h"

#define CGROUP2_MAGIC	0x63677270
/*
 * fstatfs as musl makes it, without the statvfs code that comes linked
 * with it: the 32-bit ABIs' call takes the struct's size (arm's kernel
 * takes EABI's padded 88 for its 84).
 */
#ifdef SYS_fstatfs64
#define FSTATFS(fd, sf)	syscall(SYS_fstatfs64, fd, sizeof(*(sf)), sf)
#else
#define FSTATFS(fd, sf)	syscall(SYS_fstatfs, fd, sf)
#endif

static int	 root = -1;	/* pm's subtree; -1: cgroups off */
static char	 adj[8];	/* pm's oom_score_adj before -1000 */

/*
 * The kernel's file of each limit, in cfg_proc's cg[] order, and its
 * default: NUL-separated pairs.
 */
static const char *const files = "memory.max\0max\0memory.high\0max\0"
    "memory.swap.max\0max\0pids.max\0max\0cpu.max\0max\0"
    "cpu.weight\0" "100\0io.weight\0" "100";

/* Write s to file name in directory d: 0, or -1 with errno. */
static int
put(int d, const char *name, const char *s)
{
	int fd = openat(d, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC), r, e;

	if (fd < 0)
		return -1;
	r = write(fd, s, strlen(s)) < 0 ? -1 : 0;
	e = errno;
	close(fd);
	errno = e;
	return r;
}


/* What follows word at the start of a line of buf, or NULL. */
static char *
line(char *buf, const char *word)
{
	for (; buf != NULL; buf = strchr(buf, '\n'), buf += buf != NULL)
		if (strncmp(buf, word, strlen(word)) == 0)
			return buf + strlen(word);
	return NULL;
}

/*
 * A number in a file of d. what is the file's name, a NUL, then the word
 * before the number on its line in a "key value" file ("": the file is
 * the number). 0 when it has none.
 */
static uint64_t
num(int d, const char *what)
{
	char buf[1024], *p;

	safe_read(d, what, buf, sizeof(buf));
	p = line(buf, what + strlen(what) + 1);
	return p != NULL ? strtoull(p, NULL, 10) : 0;
}

#define OOMS	"memory.events\0oom_kill "

/*
 * The group of id, opened; -1 when cgroups are off or it has none. IDs
 * have no '/', and "." and ".." would leave the subtree.
 */
static int
group(const char *id)
{
	if (root < 0 || (id[0] == '.' && (id[1] == '\0' || (id[1] == '.' &&
	    id[2] == '\0'))))
		return -1;
	return openat(root, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
}

bool
cg_on(void)
{
	return root >= 0;
}

void
cg_init(const char *want)
{
	char path[PM_PATH_MAX + 64], buf[512], *p = NULL;
	struct statfs sf;
	int fd, d = -1;
	bool pid1 = getpid() == 1;

	/*
	 * Spare pm in an OOM kill of the whole container (memory.oom.group);
	 * where pm may not, it keeps what it was given. Children get the old
	 * value back (cg_child).
	 */
	fd = pid1 ? open("/proc/self/oom_score_adj", O_RDWR |
	    O_CLOEXEC) : -1;
	if (fd >= 0 && read(fd, adj, sizeof(adj) - 1) > 0 &&
	    write(fd, "-1000", 5) < 0)
		adj[0] = '\0';
	if (fd >= 0)
		close(fd);
	if (want != NULL && strcmp(want, "no") == 0)
		return;
	if (want == NULL && !pid1)
		errno = EPERM;	/* auto: only PID 1 owns its cgroup */
	else if (want == NULL && safe_read(AT_FDCWD, "/proc/self/cgroup", buf,
	    sizeof(buf)) == 0 && (p = line(buf, "0::")) != NULL)
		p[strcspn(p, "\n")] = '\0';
	snprintf(path, sizeof(path), "%s%s", want != NULL ? want :
	    "/sys/fs/cgroup", p != NULL ? p : "");
	if ((want != NULL || pid1) &&
	    (fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) >= 0) {
		if (FSTATFS(fd, &sf) == 0 && sf.f_type != CGROUP2_MAGIC)
			errno = EMEDIUMTYPE;	/* "wrong medium type" */
		else if ((mkdirat(fd, "-pm", 0755) == 0 || errno == EEXIST) &&
		    (d = openat(fd, "-pm", O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) >= 0 &&
		    put(d, "cgroup.procs", "0") == 0)
			root = fd;
		if (root < 0)
			close(fd);
		if (d >= 0)
			close(d);
	}
	if (root < 0) {
		log_warn("no writable cgroup2 at %s (%m): limits not applied",
		    path);
		return;
	}
	/* Each on its own: one the kernel lacks must not refuse the rest. */
	for (p = (char *)"+memory\0+pids\0+cpu\0+io\0"; *p; p += strlen(p) + 1)
		(void)put(root, "cgroup.subtree_control", p);
	log_info("cgroups under %s", path);
}

void
cg_apply(const struct config *c)
{
	const struct cfg_proc *p;
	const char *f, *dfl;
	int i, k, d;

	for (i = 0; root >= 0 && i < c->nproc; i++) {
		p = &c->procs[i];
		(void)mkdirat(root, p->id, 0755);
		if ((d = group(p->id)) < 0)
			continue;
		/* A default the kernel lacks (no such controller) is moot. */
		for (k = 0, f = files; k < PM_CG_KEYS; k++, f = dfl +
		    strlen(dfl) + 1) {
			dfl = f + strlen(f) + 1;
			if (put(d, f, p->cg[k] ? p->cg[k] : dfl) < 0 &&
			    p->cg[k] != NULL)
				plog_warn(p->id, "cannot set %s to %s: %m", f,
				    p->cg[k]);
		}
		close(d);
	}
}

int
cg_open(const char *id)
{
	int d = group(id), fd;

	if (d < 0 && root >= 0 && mkdirat(root, id, 0755) == 0)
		d = group(id);
	if (d < 0)
		return -1;
	fd = openat(d, "cgroup.procs", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	close(d);
	return fd;
}

/* Runs between vfork and exec: system calls only. */
int
cg_child(int fd)
{
	int a;

	if (adj[0] != '\0' && (a = open("/proc/self/oom_score_adj",
	    O_WRONLY | O_CLOEXEC)) >= 0) {
		(void)write(a, adj, strlen(adj));
		close(a);
	}
	return fd >= 0 && write(fd, "0", 1) < 0 ? -1 : 0;
}

void
cg_kill(const char *id)
{
	int d = group(id);

	if (d >= 0) {
		(void)put(d, "cgroup.kill", "1");
		close(d);
	}
}

/* One file, not all of cg_usage's: it runs at every spawn and exit. */
uint32_t
cg_ooms(const char *id)
{
	int d = group(id);
	uint32_t n = 0;

	if (d >= 0) {
		n = (uint32_t)num(d, OOMS);
		close(d);
	}
	return n;
}

/*
 * Read when asked (status, metrics), never on a timer. Without a group,
 * the process itself from /proc/PID/stat: utime, stime and rss.
 */
void
cg_usage(const char *id, pid_t pid, struct cg_use *u)
{
	char buf[1024];
	unsigned long long v[11];
	int d = group(id);

	memset(u, 0, sizeof(*u));
	if (d >= 0) {
		u->src = CU_CGROUP;
		u->mem = num(d, "memory.current\0");
		u->pids = (uint32_t)num(d, "pids.current\0");
		u->cpu_us = num(d, "cpu.stat\0usage_usec ");
		u->ooms = (uint32_t)num(d, OOMS);
		close(d);
		return;
	}
	snprintf(buf, sizeof(buf), "/proc/%d/stat", (int)pid);
	/* Fields 14 and 15, utime and stime; 24, rss. */
	if (pid <= 0 || sys_proc_stat(buf, 14, 11, v) < 0)
		return;
	/* Ticks of USER_HZ, 100 on every Linux; pages. */
	u->cpu_us = (v[0] + v[1]) * 10000;
	u->mem = v[10] * (uint64_t)getpagesize();
	u->pids = 1;
	u->src = CU_PROC;
}
