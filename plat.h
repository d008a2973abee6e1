/*
 * plat.h: what the client needs from its platform (issue 20): sockets,
 * the clock, random bytes, the console and Ctrl-C. plat_unix.c serves
 * Linux, plat_win.c Windows; client.c reaches the system for these only
 * through here. Socket calls return -1 with errno set to a POSIX value on
 * both, so the client tests one set of codes.
 */
#ifndef PLAT_H
#define PLAT_H

#include <stddef.h>
#include <stdint.h>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>

#include <io.h>

#include <signal.h>	/* first, so that its numbers are replaced below */

/* Windows speaks TCP only: no Unix socket, no peer credentials. */
#define PLAT_UNIX	0
/* config.h's server-side fields name these; the client never sets them. */
typedef unsigned int	uid_t;
typedef unsigned int	gid_t;
/* POSIX 2008's stpcpy is missing from the Windows C library. */
#define stpcpy(d, s)	(strcpy((d), (s)) + strlen(s))

/*
 * A SOCKET is a kernel handle, and Windows keeps handles within 32 bits
 * for 32/64-bit interoperability, so the client's int fds hold them.
 */
int	 plat_socket(int family);		/* non-blocking */
int	 plat_connect(int fd, const struct sockaddr *, int len);
int	 plat_sockerr(int fd);			/* SO_ERROR as errno */
int	 plat_send(int fd, const void *, size_t);
int	 plat_recv(int fd, void *, size_t);
int	 plat_close(int fd);
int	 plat_poll(struct pollfd *, int n, int ms);
const char *plat_strerror(int e);
/* UTF-8 in and out, whatever the ANSI code page. */
const char *plat_getenv(const char *name);
/* errno when the token file's ACL lets others read it (plat_strerror). */
#define PLAT_EKEYACL	0x7f00
#define plat_wall_s()	((long long)time(NULL))
#define plat_isatty(fd)	_isatty(fd)

/*
 * Signal numbers go on the wire as Linux's (the server is Linux), not as
 * the C library of the client's platform numbers them.
 */
#undef SIGINT
#undef SIGILL
#undef SIGFPE
#undef SIGSEGV
#undef SIGTERM
#undef SIGABRT
enum {
	SIGHUP = 1, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS,
	SIGFPE, SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM,
	SIGTERM, SIGSTKFLT, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN,
	SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH,
	SIGIO, SIGPWR, SIGSYS, SIGIOT = SIGABRT, SIGPOLL = SIGIO
};
#else
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <netinet/in.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define PLAT_UNIX	1

/*
 * On Linux the layer is the system calls themselves, named here so that
 * the Linux binary stays as it was, byte for byte in size.
 */
#define plat_wall_s()	wall_now()	/* the server's (sys.c) */
#define plat_random(b, n)	(getrandom((b), (n), 0) == (ssize_t)(n) ? 0 : -1)

#define plat_socket(fam)	socket((fam), SOCK_STREAM | SOCK_NONBLOCK | \
				    SOCK_CLOEXEC, 0)
#define plat_connect(fd, a, l)	connect((fd), (a), (l))
#define plat_send(fd, b, n)	send((fd), (b), (n), MSG_NOSIGNAL)
#define plat_recv(fd, b, n)	recv((fd), (b), (n), 0)
#define plat_close(fd)		close(fd)
#define plat_poll(p, n, ms)	poll((p), (nfds_t)(n), (ms))
#define plat_strerror(e)	strerror(e)
#define plat_open_key(p)	open((p), O_RDONLY | O_CLOEXEC)
#define plat_getenv(n)		getenv(n)
/* isatty as musl does it, without linking isatty */
#define plat_isatty(fd)	(syscall(SYS_ioctl, (fd), TIOCGWINSZ, \
	&(struct winsize){ 0 }) == 0)

static inline int
plat_sockerr(int fd)
{
	int e;
	socklen_t len = sizeof(e);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		e = errno;
	return e;
}
#endif

/*
 * The token file, for reading: an fd, or -1 with errno. On Windows one
 * whose ACL lets others read it is refused, as the server refuses a
 * token_file that others may read on Linux.
 */
/*
 * Set up (on Windows sockets, main set up the console; on Linux SIGPIPE
 * blocked, so that a closed pipe is an EPIPE); 0, or -1 with errno.
 */
int	 plat_init(void);
#ifdef _WIN32
int	 plat_open_key(const char *path);
int	 plat_random(void *, size_t);		/* 0, or -1 with errno */
#endif
uint64_t plat_mono_ms(void);

#endif /* PLAT_H */
