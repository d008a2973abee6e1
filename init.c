/*
 * init.c: what pm does only as a machine's init (PID 1 of the machine,
 * not of a container): the early boot mounts and console, a process's
 * controlling terminal, and the end of the machine (sync, unmount,
 * reboot(2)).
 *
 * Everything here is best effort: PID 1 must not die, so a mount that
 * fails is logged and the boot goes on; a board without devtmpfs still
 * runs its config.
 */
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "init.h"
#include "log.h"
#include "pm.h"
#include "sys.h"

/*
 * reboot(2) by the raw call with its two magic numbers, all libc's
 * wrapper adds; a macro, as one use runs in a vfork child.
 */
#define pm_reboot(cmd)	syscall(SYS_reboot, 0xfee1dead, 672274793, (cmd))

/*
 * Are we PID 1 of the machine's first PID namespace? /proc not mounted
 * yet means a kernel has just started us (a container runtime always
 * mounts it). Mounted, /proc/self must be us (a PID namespace's own
 * /proc), and PID 2 must be kthreadd: a kernel thread (PF_KTHREAD in
 * its flags, which no process can fake) whose parent is 0. Kernel threads
 * are not seen from a child PID namespace; a wrong yes here would remount
 * the host's filesystems read-only at the end.
 */
static bool
machine_pid1(void)
{
	char buf[256];
	unsigned long long v[6];
	ssize_t n;

	/* Raw readlinkat: libc's readlink adds a case for an empty buffer. */
	if ((n = syscall(SYS_readlinkat, AT_FDCWD, "/proc/self", buf,
	    sizeof(buf) - 1)) < 0)
		return errno == ENOENT;
	buf[n] = '\0';
	if (strcmp(buf, "1") != 0)
		return false;
	/* "2 (kthreadd) S ppid pgrp session tty tpgid flags ...". */
	if (sys_proc_stat("/proc/2/stat", 4, 6, v) < 0)
		return false;
	return v[0] == 0 && (v[5] & 0x00200000) != 0;	/* PF_KTHREAD */
}

/*
 * [settings] init = yes|no|auto. auto: PID 1, not in a container (no
 * container= in the environment as systemd-nspawn, podman and LXC set it,
 * no /.dockerenv) and PID 1 of the machine.
 */
bool
init_wanted(int want)
{
	if (getpid() != 1 || want == INIT_NO)
		return false;
	if (want == INIT_YES)
		return true;
	if (getenv("container") != NULL || access("/.dockerenv", F_OK) == 0)
		return false;
	return machine_pid1();
}

/* A mount point is mounted when it sits on another device than its parent. */
static bool
mounted(const char *dir)
{
	struct stat a, b;
	char parent[64];

	snprintf(parent, sizeof(parent), "%s/..", dir);
	if (stat(dir, &a) < 0 || stat(parent, &b) < 0)
		return false;
	return a.st_dev != b.st_dev;
}

static int
mount_if_missing(const char *dir, const char *type, unsigned long flags,
    const char *data)
{
	if (mounted(dir))
		return 0;
	(void)mkdirat(AT_FDCWD, dir, 0755);
	if (mount(type, dir, type, flags, data) < 0)
		return -1;
	return 1;
}

/*
 * Give fds 0-2 a home: $CONSOLE or /dev/console, else /dev/null, opened
 * at the first that is closed (so it takes that number).
 */
static void
console_stdio(void)
{
	const char *con;
	int fd = -1, i;

	/* Raw fcntl: libc's is a 400-byte switch of cases. */
	for (i = 0; i < 3; i++) {
		if (syscall(SYS_fcntl, i, F_GETFD) >= 0)
			continue;
		if (fd < 0) {
			con = getenv("CONSOLE");
			if (con == NULL || *con != '/')
				con = "/dev/console";
			if ((fd = open(con, O_RDWR | O_NOCTTY)) < 0 &&
			    (fd = open("/dev/null", O_RDWR)) < 0)
				return;
		}
		dup2(fd, i);
	}
	if (fd > 2)
		close(fd);
}

/*
 * Early boot, before the config runs: the kernel gives init a bare root
 * with nothing mounted and, when the initramfs has no /dev/console, no
 * stdio. /dev comes first so the console can be opened, before the
 * first result is logged.
 */
void
init_early(void)
{
	/*
	 * Each mount's directory and type, NUL-separated, and its flags (a
	 * byte: the MS_ flags used here are small), bit 0 for "mode=0755":
	 * no 32-byte row of pointers each.
	 */
	static const char *const m = "/dev\0devtmpfs\0/proc\0proc\0/sys\0sysfs\0"
	    "/run\0tmpfs\0/sys/fs/cgroup\0cgroup2";
	static const uint8_t fl[5] = { MS_NOSUID | 1,
	    MS_NOSUID | MS_NODEV | MS_NOEXEC, MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    MS_NOSUID | MS_NODEV | 1,
	    /* Per-process cgroups (issue 14). */
	    MS_NOSUID | MS_NODEV | MS_NOEXEC };
	const char *p = m, *dir, *type;
	int r, err;
	size_t i;

	for (i = 0; i < 5; i++) {
		dir = p;
		type = p += strlen(p) + 1;
		p += strlen(p) + 1;
		r = mount_if_missing(dir, type, fl[i] & ~1u,
		    fl[i] & 1 ? "mode=0755" : NULL);
		if (i == 0) {
			err = errno;
			console_stdio();
			errno = err;
		}
		if (r < 0)
			log_warn("cannot mount %s on %s: %m", type, dir);
		else if (r > 0)
			log_info("mounted %s on %s", type, dir);
	}
	(void)chdir("/");
	(void)setsid();
	/* The kernel passes no PATH to init; children need one. */
	if (getenv("PATH") == NULL)
		sys_env("PATH=/sbin:/usr/sbin:/bin:/usr/bin");
	/*
	 * Ctrl-alt-del becomes SIGINT to us instead of an instant reboot
	 * (a PID namespace has no keyboard: the kernel says EINVAL there).
	 */
	if (machine_pid1() && pm_reboot(RB_DISABLE_CAD) < 0)
		log_warn("cannot take over ctrl-alt-del: %m");
}

/*
 * In the child, between vfork and exec (system calls only): a new session
 * with tty as its controlling terminal and as fds 0-2, as getty does. The
 * terminal is taken even from a session that still holds it, so a shell
 * respawned after a crash gets its console back.
 */
int
init_tty(const char *tty)
{
	int fd, i;

	(void)setsid();
	/*
	 * O_NONBLOCK, as getty opens a line: a serial port waiting for
	 * carrier, or a FIFO put at the path, must not hang the open, and
	 * with vfork pm with it (issue 11). TIOCSCTTY then refuses anything
	 * that is not a terminal before the child gets it.
	 */
	if ((fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK)) < 0)
		return -1;
	if (syscall(SYS_ioctl, fd, TIOCSCTTY, 1) < 0 ||
	    syscall(SYS_fcntl, fd, F_SETFL, 0) < 0)
		return -1;
	for (i = 0; i < 3; i++)
		if (dup2(fd, i) < 0)
			return -1;
	if (fd > 2)
		close(fd);
	/* tcsetpgrp is this ioctl (sys.c's main child makes it too). */
	(void)syscall(SYS_ioctl, 0, TIOCSPGRP, &(pid_t){ getpid() });
	return 0;
}

/*
 * The hardware watchdog (issue 18): [settings] watchdog. The kick is due
 * from the loop (init_wd_tick), never from a thread or a child, so a
 * stuck loop stops kicking and the board resets. The ioctl numbers are
 * those of linux/watchdog.h, which musl does not ship. Every ioctl here,
 * in logbuf.c and in sys.c is the raw call: none of their requests is one
 * of those libc's wrapper converts for 64-bit time on 32-bit machines,
 * and the wrapper was linked for them alone.
 */
#define WD_KEEPALIVE	_IOR('W', 5, int)
#define WD_SETTIMEOUT	_IOWR('W', 6, int)
#define WD_GETTIMEOUT	_IOR('W', 7, int)
#define WD_CANNOT	"watchdog: cannot %s: %m"	/* kick, disarm */

static struct {
	int		 fd;		/* -1: none open */
	int		 secs;		/* the device's timeout */
	uint64_t	 next;		/* the next kick */
	uint64_t	 stop;		/* watchdog_test_stop: last kick */
	const char	*why;		/* why there is none; NULL: not configured */
} wd;	/* zero, in .bss: init_wd_open sets fd first */

void
init_wd_open(const struct cfg_settings *s, uint64_t now)
{
	struct stat st;
	const char *why;
	int secs;

	wd.fd = -1;
	if (s->watchdog == NULL)
		return;
	/* A device node only: never a link or file someone put there. */
	wd.why = "cannot open";
	if ((wd.fd = open(s->watchdog, O_WRONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NOCTTY | O_NONBLOCK)) < 0 || fstat(wd.fd, &st) < 0) {
		why = strerror(errno);	/* as %m says it */
		goto none;
	}
	if (!S_ISCHR(st.st_mode)) {
		why = wd.why = "not a character device";
		goto none;
	}
	secs = (int)((s->watchdog_timeout_ms + 999) / 1000);
	if (secs > 0 &&
	    syscall(SYS_ioctl, wd.fd, WD_SETTIMEOUT, &secs) < 0)
		log_warn("watchdog %s: cannot set the timeout to %ds: %m",
		    s->watchdog, secs);
	if (syscall(SYS_ioctl, wd.fd, WD_GETTIMEOUT, &wd.secs) < 0 ||
	    wd.secs <= 0)
		wd.secs = 2;	/* unknown: kick every second */
	if (s->watchdog_test_stop_ms > 0)
		wd.stop = now + s->watchdog_test_stop_ms;
	log_info("watchdog %s: timeout %ds", s->watchdog, wd.secs);
	wd.next = now;
	return;
none:
	log_err("watchdog %s: %s; running without it", s->watchdog, why);
	close(wd.fd);	/* -1 when the open failed: EBADF */
	wd.fd = -1;
}

/* Kick when due; the next kick's deadline, or 0 when there is none. */
uint64_t
init_wd_tick(uint64_t now)
{
	if (wd.fd < 0)
		return 0;
	if (wd.stop != 0 && now >= wd.stop) {
		if (wd.next != 0)
			log_warn("watchdog: watchdog_test_stop reached; no "
			    "more kicks, the board will reset");
		wd.next = 0;
		return 0;
	}
	if (now >= wd.next) {
		if (syscall(SYS_ioctl, wd.fd, WD_KEEPALIVE, 0) < 0 &&
		    write(wd.fd, "k", 1) < 0)
			log_warn(WD_CANNOT, "kick");
		/* Twice per period: a late turn of the loop still makes it. */
		wd.next = now + (uint64_t)wd.secs * 500;
	}
	return wd.next;
}

/* The magic close: a clean end disarms the device. */
void
init_wd_close(void)
{
	if (wd.fd < 0)
		return;
	if (write(wd.fd, "V", 1) != 1)
		log_warn(WD_CANNOT, "disarm");
	close(wd.fd);
	wd.fd = -1;
	wd.why = "disarmed";
}

int
init_wd_show(char *buf, size_t len)
{
	/* Without a device, the format leaves the timeout out. */
	return snprintf(buf, len, wd.fd < 0 ? "watchdog_state = %s\n" :
	    "watchdog_state = %s, timeout %ds\n", wd.fd < 0 ? wd.why != NULL ?
	    wd.why : "not configured" : wd.next == 0 ?
	    "no longer kicked (watchdog_test_stop)" : "kicked", wd.secs);
}

/*
 * Undo the \040-style octal escapes of /proc/mounts, in place. Out of
 * line: smaller than the copy LTO inlined.
 */
static void __attribute__((noinline))
unescape(char *s)
{
	char *w = s;

	for (; *s != '\0'; s++, w++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*w = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
			    (s[3] - '0'));
			s += 3;
		} else
			*w = *s;
	}
	*w = '\0';
}

/*
 * Unmount everything, newest mount first, as `umount -a -r` does: what is
 * busy (the root, a /dev holding the console) is remounted read-only
 * instead, so its data is on disk before the power goes. The whole of
 * /proc/mounts is read, however long (issue 18: a fixed buffer and at most
 * 256 mounts silently left the oldest ones, the root among them, mounted
 * read-write); when memory is short, the root is still made read-only.
 * Out of line: smaller than the copy LTO inlined.
 */
static void __attribute__((noinline))
unmount_all(void)
{
	char *buf = NULL, *nb, *line, *dir;
	size_t cap = 0, got = 0;
	int fd, failed = 0;
	ssize_t len = 0;

	if ((fd = open("/proc/mounts", O_RDONLY | O_CLOEXEC)) >= 0) {
		do {
			got += (size_t)len;
			if (got + 1 >= cap) {
				if ((nb = realloc(buf, cap + 16384)) == NULL) {
					len = -1;
					break;
				}
				buf = nb;
				cap += 16384;
			}
		} while ((len = read(fd, buf + got, cap - 1 - got)) > 0);
		close(fd);
	}
	if (fd < 0 || len < 0) {
		log_err("cannot read /proc/mounts: %m; only / is made "
		    "read-only");
		got = 0;
	}
	log_info("unmounting filesystems");
	sync();
	/* The lines from the last, each cut off where it begins. */
	while (got > 0) {
		buf[--got] = '\0';	/* its newline */
		line = memrchr(buf, '\n', got);
		line = line != NULL ? line + 1 : buf;
		got = (size_t)(line - buf);
		/* "device dir type options 0 0": dir. */
		if ((dir = strchr(line, ' ')) == NULL)
			continue;
		dir++;
		dir[strcspn(dir, " ")] = '\0';
		unescape(dir);
		if (strcmp(dir, "/") == 0 || umount2(dir, 0) == 0)
			continue;
		if (mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0)
			failed++;
	}
	/* The root last: it cannot be unmounted, so it goes read-only. */
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0 &&
	    errno != EINVAL) {
		log_err("cannot remount / read-only: %m");
		failed++;
	}
	if (failed > 0)
		log_info("%d filesystems stayed mounted read-write", failed);
	free(buf);
	sync();
}

/*
 * The machine's end, once every process is gone. reboot(2) runs in a
 * child, as busybox init does it: when power-off or halt cannot be done,
 * the kernel ends the calling process, and that must not be PID 1. In a
 * PID namespace, reboot(2) ends the namespace instead (pm is killed there).
 * Returns only when reboot(2) was refused, so a container started with
 * init = yes can still exit.
 */
void
init_end(enum pm_end how)
{
	static const int rb[] = { [END_EXIT] = RB_POWER_OFF,
	    [END_HALT] = RB_HALT_SYSTEM, [END_POWEROFF] = RB_POWER_OFF,
	    [END_REBOOT] = RB_AUTOBOOT };
	int cmd = rb[how], st;
	bool machine = machine_pid1();
	pid_t pid;

	sync();
	if (machine) {
		/*
		 * Every process is gone and pm never returns from here: none
		 * of its files may stay open for writing on a file system
		 * about to go read-only (issue 18). The console and the
		 * watchdog stay.
		 */
		sys_close_fds(wd.fd);
		unmount_all();
	}
	init_wd_close();
	/* A machine does not exit: it powers off. */
	log_info("%s", pm_end_act[how == END_EXIT ? END_POWEROFF : how]);
	pid = vfork();	/* the child only makes the system call */
	if (pid == 0) {
		pm_reboot(cmd);
		_exit(errno == 0 ? 0 : errno);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st)) {
		log_err("cannot run reboot(2): %m");
		st = 0;
	} else if (WEXITSTATUS(st) != 0) {
		errno = WEXITSTATUS(st);
		log_err("reboot(2) refused: %m");
	}
	if (!machine)
		return;
	/*
	 * Halted, or the kernel could not do it: stay, never exit. Every
	 * signal is blocked (read from the signalfd), so a poll of no fd
	 * without a timeout waits for good, as pause() would.
	 */
	log_info("system halted");
	for (;;)
		if (waitpid(-1, &st, 0) < 0)
			(void)poll(NULL, 0, -1);
}
