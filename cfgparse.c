/*
 * cfgparse.c: the config's small parsers that the client shares (config.h):
 * signal names, HOST:PORT and the default file. Kept apart from config.c
 * so that the Windows client links them without the server's parser
 * (issue 20).
 */
#ifdef _WIN32
#include "plat.h"	/* Linux's signal numbers: the wire carries those */
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#endif

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

/*
 * The signals by name, each X(NAME) once: the names packed in one literal
 * (NUL-separated, an empty one last) and their numbers in a byte array of
 * the same order, rather than 8-byte rows.
 */
#ifdef SIGSTKFLT	/* not on MIPS (issue 18) */
#define STKFLT(X)	X(STKFLT)
#else
#define STKFLT(X)
#endif
#define SIGNALS(X) \
	X(HUP) X(INT) X(QUIT) X(ILL) X(TRAP) X(ABRT) X(IOT) X(BUS) X(FPE) \
	X(KILL) X(USR1) X(SEGV) X(USR2) X(PIPE) X(ALRM) X(TERM) STKFLT(X) \
	X(CHLD) X(CONT) X(STOP) X(TSTP) X(TTIN) X(TTOU) X(URG) X(XCPU) \
	X(XFSZ) X(VTALRM) X(PROF) X(WINCH) X(IO) X(POLL) X(PWR) X(SYS)
#define SIG_NAME(n)	#n "\0"
#define SIG_NUM(n)	SIG##n,
static const char	 signames[] = SIGNALS(SIG_NAME);
static const unsigned char signums[] = { SIGNALS(SIG_NUM) };

/* The whole of s a decimal number from 1 to max, or -1. */
static long
num_to(const char *s, long max)
{
	const char	*p;
	long		 n = 0;

	for (p = s; isdigit((unsigned char)*p) && n <= max; p++)
		n = n * 10 + (*p - '0');
	return p > s && *p == '\0' && n >= 1 && n <= max ? n : -1;
}

/*
 * Signals by name (any case, with or without "SIG") or by number 1..64.
 * strncasecmp with no limit is strcasecmp, which is then not linked.
 * Numbers past the named ones are accepted because real-time signals are
 * a legitimate stop signal for some daemons.
 */
int
cfg_parse_signal(const char *s)
{
	const char	*p;
	size_t		 i;

	if (s == NULL || *s == '\0')
		return -1;
	if (isdigit((unsigned char)*s))
		return (int)num_to(s, 64);
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0, p = signames; *p != '\0'; i++, p += strlen(p) + 1)
		if (strncasecmp(s, p, (size_t)-1) == 0)
			return signums[i];
	return -1;
}

const char *
cfg_signal_name(int sig)
{
	const char	*p = signames;

	for (size_t i = 0; *p != '\0'; i++, p += strlen(p) + 1)
		if (signums[i] == sig)
			return p;
	return NULL;
}

const char *
cfg_default_file(const char *opt)
{
	const char	*e;

	if (opt != NULL)
		return opt;
	if ((e = getenv("PM_CONFIG")) != NULL && *e != '\0')
		return e;
	return "/etc/pm.ini";
}

/*
 * Parse HOST:PORT into a socket address without a resolver: an IPv4
 * address, [IPv6], "localhost" (127.0.0.1), or with passive also "*" or
 * nothing for every IPv4 address.
 */
int
cfg_parse_addr(const char *hp, bool passive, struct sockaddr_storage *ss,
    unsigned int *len)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;
	char			 host[64];
	const char		*colon;
	size_t			 hl;
	long			 port;

	if ((colon = strrchr(hp, ':')) == NULL ||
	    (port = num_to(colon + 1, 65535)) < 0)
		return -1;
	hl = (size_t)(colon - hp);
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, hp, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return inet_pton(AF_INET6, host + 1, &s6->sin6_addr) == 1 ? 0 : -1;
	}
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	*len = sizeof(*s4);
	if (strcmp(host, "localhost") == 0) {
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return 0;
	}
	if (passive && (hl == 0 || strcmp(host, "*") == 0)) {
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		return 0;
	}
	return inet_pton(AF_INET, host, &s4->sin_addr) == 1 ? 0 : -1;
}

bool	cfg_supervisord;

int
cfg_format(const char *v)
{
	cfg_supervisord = strcmp(v, "supervisord") == 0;
	return cfg_supervisord || strcmp(v, "pm") == 0 ? 0 : -1;
}
