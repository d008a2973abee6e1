/*
 * safefile.c: open a log file as root without following what others
 * control. Its own module so that log.c (pm's messages) and logbuf.c (the
 * children's output) can both use it without calling each other (issue 13).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "safefile.h"

/*
 * Issue 11: pm writes log files as root into directories that a service's
 * user may own, so no name on the way is followed blindly. The directory
 * is reached from "/" one component at a time. A symlink there is
 * followed only when it is root's (or pm's own user's) and no one else
 * can replace it: its directory belongs to root or pm's user and is not
 * writable by others, or is sticky. The file itself is opened relative to
 * that directory with O_NOFOLLOW, and kept only when it is a regular file
 * with a single link, owned by root, pm's user or the service's user.
 */
/* Out of line: smaller than the copies LTO inlined. */
static bool __attribute__((noinline))
mine(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

void __attribute__((noinline))
close_keep(int fd)
{
	int e = errno;

	close(fd);
	errno = e;
}

/* An O_PATH fd of path's directory, *base its last component; or -1. */
int
safe_dir(const char *path, const char **base, const char **why)
{
	struct stat ln, dir;
	char name[NAME_MAX + 1];
	const char *s = path, *e;
	int fd, nfd;

	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	for (;;) {
		while (*s == '/')
			s++;
		if ((e = strchr(s, '/')) == NULL)
			break;
		if ((size_t)(e - s) > NAME_MAX) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		memcpy(name, s, (size_t)(e - s));
		name[e - s] = '\0';
		s = e;
		nfd = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (nfd < 0 && errno == ENOTDIR &&
		    fstatat(fd, name, &ln, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(ln.st_mode)) {
			if (!mine(ln.st_uid) || fstat(fd, &dir) < 0 ||
			    !mine(dir.st_uid) || ((dir.st_mode & 022) &&
			    !(dir.st_mode & S_ISVTX))) {
				*why = "a directory on its path is a symlink "
				    "that a non-root user can change";
				errno = EPERM;
				goto fail;
			}
			nfd = openat(fd, name, O_PATH | O_DIRECTORY |
			    O_CLOEXEC);
		}
		if (nfd < 0)
			goto fail;
		close(fd);
		fd = nfd;
	}
	if (*s == '\0') {
		errno = EISDIR;
		goto fail;
	}
	*base = s;
	return fd;
fail:
	close_keep(fd);
	return -1;
}

/* Open base in dfd for appending, refusing what is not owner's log. */
int
safe_open(int dfd, const char *base, uid_t owner, const char **why)
{
	struct stat st;
	int fd;

	fd = openat(dfd, base, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOCTTY | O_NONBLOCK | O_NOFOLLOW, 0640);
	if (fd < 0) {
		if (errno == ELOOP)
			*why = "it is a symlink";
		else if (errno == ENXIO)
			*why = "it is not a regular file";
		return -1;
	}
	if (fstat(fd, &st) < 0)
		st.st_mode = 0;
	if (!S_ISREG(st.st_mode))
		*why = "it is not a regular file";
	else if (st.st_nlink != 1)
		*why = "it has another hard link";
	else if (!mine(st.st_uid) && st.st_uid != owner)
		*why = "it belongs to another user";
	else
		return fd;
	close(fd);
	errno = EPERM;
	return -1;
}

/*
 * Open path for appending as described above; owner is the uid whose
 * file it may also be ((uid_t)-1: none but root's and pm's). On a refusal
 * *why says why, else it is NULL and errno tells.
 */
int
safe_read(int d, const char *name, char *buf, size_t len)
{
	int fd = openat(d, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = read(fd, buf, len - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	return n < 0 ? -1 : 0;
}

int
safe_open_log(const char *path, uid_t owner, const char **why)
{
	const char *base;
	int dfd, fd;

	*why = NULL;
	if ((dfd = safe_dir(path, &base, why)) < 0)
		return -1;
	fd = safe_open(dfd, base, owner, why);
	close_keep(dfd);
	return fd;
}
