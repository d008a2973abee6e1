/*
 * safefile.h: opening log files as root without following what a less
 * privileged user controls (safefile.c). Calls no other module.
 */
#ifndef SAFEFILE_H
#define SAFEFILE_H

#include <sys/types.h>

/*
 * An O_PATH fd of path's directory, reached from "/" one component at a
 * time, with *base its last component; or -1 (*why says why, or errno).
 */
int	 safe_dir(const char *path, const char **base, const char **why);
/* Open base in dfd for appending, refusing what is not owner's log. */
int	 safe_open(int dfd, const char *base, uid_t owner, const char **why);
/*
 * Both in one: owner is the uid whose file it may also be ((uid_t)-1:
 * none but root's and pm's). On a refusal *why says why, else it is NULL
 * and errno tells.
 */
int	 safe_open_log(const char *path, uid_t owner, const char **why);
/*
 * Up to len - 1 bytes of file name in directory d (AT_FDCWD: a path),
 * opened without following a last symlink, terminated: 0 or -1.
 */
int	 safe_read(int d, const char *name, char *buf, size_t len);
/* close(fd), errno left as it was. */
void	 close_keep(int fd);

#endif /* SAFEFILE_H */
