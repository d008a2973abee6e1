/*
 * plat_win.c: the client's platform layer on Windows (plat.h, issue 20).
 * Winsock answers with WSA codes and its own words for them; they are
 * turned into the POSIX codes and the words the Linux client prints, so
 * that both say the same thing about the same failure.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <aclapi.h>
#include <bcrypt.h>
#include <shellapi.h>

#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "plat.h"

static const struct {
	int		 wsa;
	int		 e;
	const char	*msg;		/* musl's words, as the Linux client */
} errtab[] = {
	{ WSAECONNREFUSED, ECONNREFUSED, "Connection refused" },
	{ WSAETIMEDOUT, ETIMEDOUT, "Operation timed out" },
	{ WSAENETUNREACH, ENETUNREACH, "Network unreachable" },
	{ WSAEHOSTUNREACH, EHOSTUNREACH, "Host is unreachable" },
	{ WSAECONNRESET, ECONNRESET, "Connection reset by peer" },
	{ WSAECONNABORTED, ECONNABORTED, "Connection aborted" },
	{ WSAEADDRNOTAVAIL, EADDRNOTAVAIL, "Address not available" },
	{ WSAEAFNOSUPPORT, EAFNOSUPPORT,
	  "Address family not supported by protocol" },
	{ WSAENOTCONN, ENOTCONN, "Socket not connected" },
	{ WSAENOBUFS, ENOBUFS, "No buffer space available" },
	{ WSAEWOULDBLOCK, EAGAIN, "Resource temporarily unavailable" },
	{ WSAEINPROGRESS, EINPROGRESS, "Operation in progress" },
	{ WSAEINTR, EINTR, "Interrupted system call" },
};

static char keywhy[160];	/* why the token file was refused */

/* The POSIX code for a WSA one; unknown ones pass as they are. */
static int
wsa_errno(int wsa)
{
	for (size_t i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
		if (errtab[i].wsa == wsa)
			return errtab[i].e;
	return wsa;
}

static int
fail(void)
{
	errno = wsa_errno(WSAGetLastError());
	return -1;
}

const char *
plat_strerror(int e)
{
	static char buf[32];

	if (e == PLAT_EKEYACL)
		return keywhy;
	for (size_t i = 0; i < sizeof(errtab) / sizeof(errtab[0]); i++)
		if (errtab[i].e == e)
			return errtab[i].msg;
	if (e >= WSABASEERR) {
		snprintf(buf, sizeof(buf), "socket error %d", e);
		return buf;
	}
	return strerror(e);
}

int
plat_socket(int family)
{
	u_long on = 1;
	SOCKET s = socket(family, SOCK_STREAM, IPPROTO_TCP);

	if (s == INVALID_SOCKET)
		return fail();
	if (ioctlsocket(s, FIONBIO, &on) != 0) {
		fail();
		closesocket(s);
		return -1;
	}
	return (int)s;
}

int
plat_connect(int fd, const struct sockaddr *a, int len)
{
	if (connect((SOCKET)fd, a, len) == 0)
		return 0;
	errno = wsa_errno(WSAGetLastError());
	/* Winsock's "would block" is POSIX's "in progress" for connect. */
	if (errno == EAGAIN)
		errno = EINPROGRESS;
	return -1;
}

int
plat_sockerr(int fd)
{
	int e = 0, len = sizeof(e);

	if (getsockopt((SOCKET)fd, SOL_SOCKET, SO_ERROR, (char *)&e,
	    &len) != 0)
		return errno = wsa_errno(WSAGetLastError());
	return wsa_errno(e);
}

int
plat_send(int fd, const void *b, size_t n)
{
	int r = send((SOCKET)fd, b, n > INT_MAX ? INT_MAX : (int)n, 0);

	return r == SOCKET_ERROR ? fail() : r;
}

int
plat_recv(int fd, void *b, size_t n)
{
	int r = recv((SOCKET)fd, b, n > INT_MAX ? INT_MAX : (int)n, 0);

	return r == SOCKET_ERROR ? fail() : r;
}

int
plat_close(int fd)
{
	return closesocket((SOCKET)fd) == 0 ? 0 : fail();
}

/*
 * poll by select: WSAPoll does not report a failed connect on many
 * Windows versions, while select marks it in the except set.
 */
int
plat_poll(struct pollfd *p, int n, int ms)
{
	fd_set r, w, x;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	int i, k = 0;

	if (n == 0) {
		Sleep((DWORD)ms);	/* select wants at least one socket */
		return 0;
	}
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&x);
	for (i = 0; i < n; i++) {
		if (p[i].events & POLLIN)
			FD_SET(p[i].fd, &r);
		if (p[i].events & POLLOUT) {
			FD_SET(p[i].fd, &w);
			FD_SET(p[i].fd, &x);
		}
	}
	if (select(0, &r, &w, &x, ms < 0 ? NULL : &tv) == SOCKET_ERROR)
		return fail();
	for (i = 0; i < n; i++) {
		p[i].revents = 0;
		if (FD_ISSET(p[i].fd, &r))
			p[i].revents |= POLLIN;
		if (FD_ISSET(p[i].fd, &w))
			p[i].revents |= POLLOUT;
		if (FD_ISSET(p[i].fd, &x))
			p[i].revents |= POLLERR;
		k += p[i].revents != 0;
	}
	return k;
}

/* UTF-8 to UTF-16 and back, in memory of their own; NULL on failure. */
static wchar_t *
wide(const char *s)
{
	int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1,
	    NULL, 0);
	wchar_t *w;

	if (n <= 0 || (w = malloc((size_t)n * sizeof(*w))) == NULL)
		return NULL;
	MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
	return w;
}

static char *
utf8(const wchar_t *w)
{
	int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
	char *s;

	if (n <= 0 || (s = malloc((size_t)n)) == NULL)
		return NULL;
	WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
	return s;
}

/*
 * Does the DACL of fd let a group of other people read it? Their name,
 * or NULL. A file system without ACLs (FAT) cannot protect the file and
 * is let pass; a NULL DACL grants everyone everything.
 */
static const char *
key_readers(int fd)
{
	static const struct {
		WELL_KNOWN_SID_TYPE	 t;
		const char		*name;
	} broad[] = {
		{ WinWorldSid, "Everyone" },
		{ WinAuthenticatedUserSid, "Authenticated Users" },
		{ WinBuiltinUsersSid, "Users" },
		{ WinBuiltinGuestsSid, "Guests" },
		{ WinAnonymousSid, "ANONYMOUS LOGON" },
	};
	const DWORD rd = FILE_READ_DATA | GENERIC_READ | GENERIC_ALL;
	BYTE sid[SECURITY_MAX_SID_SIZE];
	PSECURITY_DESCRIPTOR sd = NULL;
	ACCESS_ALLOWED_ACE *ace;
	const char *who = NULL;
	DWORD len;
	PACL dacl = NULL;

	if (GetSecurityInfo((HANDLE)_get_osfhandle(fd), SE_FILE_OBJECT,
	    DACL_SECURITY_INFORMATION, NULL, NULL, &dacl, NULL, &sd) !=
	    ERROR_SUCCESS)
		return NULL;
	if (dacl == NULL)
		who = "Everyone";
	for (DWORD i = 0; who == NULL && dacl != NULL && i < dacl->AceCount;
	    i++) {
		if (!GetAce(dacl, i, (void **)&ace) ||
		    ace->Header.AceType != ACCESS_ALLOWED_ACE_TYPE ||
		    (ace->Mask & rd) == 0)
			continue;
		for (size_t j = 0; who == NULL &&
		    j < sizeof(broad) / sizeof(broad[0]); j++) {
			len = sizeof(sid);
			if (CreateWellKnownSid(broad[j].t, NULL, sid, &len) &&
			    EqualSid(sid, &ace->SidStart))
				who = broad[j].name;
		}
	}
	LocalFree(sd);
	return who;
}

int
plat_open_key(const char *path)
{
	wchar_t *w = wide(path);
	const char *who;
	int fd;

	if (w == NULL) {
		errno = EINVAL;
		return -1;
	}
	fd = _wopen(w, _O_RDONLY | _O_BINARY | _O_NOINHERIT);
	free(w);
	if (fd != -1 && (who = key_readers(fd)) != NULL) {
		snprintf(keywhy, sizeof(keywhy), "%s may read it; let only "
		    "its owner (icacls FILE /inheritance:r /grant:r USER:(R))",
		    who);
		_close(fd);
		errno = PLAT_EKEYACL;
		return -1;
	}
	return fd;
}

/* The client asks once or twice and exits: the copy is never freed. */
const char *
plat_getenv(const char *name)
{
	wchar_t *wn = wide(name), *v = NULL;
	DWORD n;
	char *s = NULL;

	if (wn != NULL && (n = GetEnvironmentVariableW(wn, NULL, 0)) > 0 &&
	    (v = malloc(n * sizeof(*v))) != NULL &&
	    GetEnvironmentVariableW(wn, v, n) == n - 1)
		s = utf8(v);
	free(wn);
	free(v);
	return s;
}

uint64_t
plat_mono_ms(void)
{
	return GetTickCount64();
}

int
plat_random(void *buf, size_t n)
{
	if (BCryptGenRandom(NULL, buf, (ULONG)n,
	    BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/*
 * Ctrl-C or Ctrl-Break (logs -f is left that way): end with 130, the
 * status a POSIX shell shows for the Linux client killed by SIGINT.
 */
static BOOL WINAPI
on_ctrl(DWORD ev)
{
	if (ev != CTRL_C_EVENT && ev != CTRL_BREAK_EVENT)
		return FALSE;
	ExitProcess(130);
	return TRUE;
}

int
plat_init(void)
{
	WSADATA wd;
	int e;

	if ((e = WSAStartup(MAKEWORD(2, 2), &wd)) != 0) {
		errno = wsa_errno(e);
		return -1;
	}
	return 0;
}

/*
 * The program is the client alone. Its arguments are taken as UTF-16 and
 * made UTF-8, the client's one encoding, whatever the code page.
 */
int
main(void)
{
	wchar_t **wv;
	char **av;
	int ac, i;

	if ((wv = CommandLineToArgvW(GetCommandLineW(), &ac)) == NULL ||
	    (av = calloc((size_t)ac + 1, sizeof(*av))) == NULL) {
		fprintf(stderr, "pm: cannot read the command line\n");
		return 1;
	}
	for (i = 0; i < ac; i++)
		if ((av[i] = utf8(wv[i])) == NULL) {
			fprintf(stderr, "pm: cannot read the command line\n");
			return 1;
		}
	LocalFree(wv);
	/*
	 * Before anything is printed, usage included: bytes out as they are,
	 * UTF-8 shown as such by the console, and "\n" not turned into
	 * "\r\n", so the output is the Linux client's.
	 */
	SetConsoleOutputCP(CP_UTF8);
	_setmode(_fileno(stdout), _O_BINARY);
	_setmode(_fileno(stderr), _O_BINARY);
	SetConsoleCtrlHandler(on_ctrl, TRUE);
	return client_main(ac, av);
}
