/*
 * client.c: the command-line client, `pm [OPTIONS] COMMAND [ARGS]`.
 *
 * One table maps each command name to its request and its printer (as in
 * finit's initctl). A request goes to one server (-S, or the default
 * socket) or to several (-H a,b): all are contacted at once with
 * non-blocking sockets and one poll loop bounded in time, so a dead host
 * costs at most the timeout and never hides the others' answers. Each
 * server closes after its reply; the whole reply is read, then printed.
 */
#include "plat.h"		/* first: Windows wants winsock2.h early */

#include <sys/stat.h>
#if PLAT_UNIX
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#endif

#include <ctype.h>
#include <stddef.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "config.h"
#include "log.h"
#include "out.h"
#include "pdu.h"
#include "pm.h"
#include "sha256.h"
#include "superv.h"

#define CLIENT_TIMEOUT_MS	10000
#define CONNECT_TIMEOUT_MS	5000
#define TARGETS_MAX		32
#define RX_MAX			(64u << 20)

enum { EX_OK = 0, EX_FAIL = 1, EX_USAGE = 2, EX_DOWN = 3 };
enum { R_ACTION, R_STATUS, R_TEXT, R_VERSION, R_PING, R_PID, R_LOCAL };
enum { S_CONNECT, S_CHALLENGE, S_PROOF, S_SEND, S_READ, S_DONE };

struct sess {
	/* The fields used most first, at offsets of one byte. */
	int		 fd;
	int		 st;
	bool		 tcp;
	bool		 sealed;	/* TCP after auth: every PDU tagged */
	unsigned int	 addrlen;	/* socklen_t on Linux */
	size_t		 txlen;
	size_t		 txoff;
	size_t		 reqlen;	/* TCP: the request, parked in tx */
	size_t		 vrf;		/* rx bytes whose tags were checked */
	uint8_t		*rx;
	size_t		 rxlen;
	size_t		 rxcap;
	char		 name[300];	/* socket path or HOST:PORT */
	struct sockaddr_storage addr;
	uint8_t		 tx[2 * PDU_MAX];
	struct auth_sess as;
	uint8_t		 proof[SHA256_LEN];	/* the server's, expected */
	char		 err[512];
};

/*
 * The command table (issue 13): one row per command, and a command with
 * sub-commands points at rows of its own, as finit's initctl nests its
 * tables. A row says what the request is, how its arguments are read and
 * how the reply is printed; an alias (after a |) is the original design's
 * spelling. Each list has an X(text, type, args, print, sub) a row, the
 * text "name|alias" or "name", a NUL, the synopsis, a NUL, the help: the
 * texts make one literal (three words a row, an empty name after each
 * table) and the rows 4 bytes each, with no pointer in a row.
 */
enum { A_NONE, A_IDS, A_ID1, A_KEY1, A_SIG, A_LOGS, A_DRY, A_FILE, A_HELP,
	A_EVENTS, A_RUN, A_ID, A_OUT, A_REREAD };

struct cmd {
	uint8_t		 type;		/* the request */
	uint8_t		 args;		/* A_*: what follows the name */
	uint8_t		 print;		/* R_*: how the reply is shown */
	uint8_t		 sub;		/* sub-commands: table sub, or 0 */
};

static struct opts {
	const char	*sock;
	const char	*hosts;
	const char	*token_file;
	const char	*cfgfile;
	const char	*format;	/* --format pm|supervisord */
	bool		 json;
	bool		 ping;
	bool		 quiet;		/* ping -q */
	bool		 help;
	bool		 version;
	bool		 follow;	/* logs -f: print as PDUs arrive */
	bool		 all;		/* logs -f, no ID: one session per ID */
	bool		 nowait;	/* stop, restart, shutdown: at once */
	int		 wait;		/* the request that await waits for */
	int		 tick;		/* await's turn */
	int		 follow_rc;
	bool		 events_json;	/* events --json: lines, not a document */
	bool		 pid;		/* pid: PIDs only */
	const char	*stream;	/* tail: stdout or stderr only */
} opt;
static long		 peer_pid;	/* the server's, from SO_PEERCRED */

/*
 * The global options, accepted anywhere before "--" (issue 13), NUL-
 * separated, and where each is kept in opt: the first G_VAL take a value,
 * the others set a flag; -h, --help and --version are G_HELP on.
 */
enum { G_VAL = 5, G_HELP = 7 };
static const char *const gnames = "-S\0-H\0--token-file\0-c\0--format\0"
    "--json\0-q\0-h\0--help\0--version\0--no-wait\0";
#define G(m)	offsetof(struct opts, m)
static const uint8_t gwhere[] = { G(sock), G(hosts), G(token_file),
	G(cfgfile), G(format), G(json), G(quiet), G(help), G(help), G(version),
	G(nowait) };

static struct pdu_req	 req;
static struct sess	*sess;
static int		 nsess;
#if PLAT_UNIX
/* The Unix socket's locations by the contract's rule, tried in order. */
static struct sock_loc	 locs[PM_SOCK_LOCS];
static int		 nlocs, iloc;
static char		 refused[512];	/* why a location was not used */
_Static_assert(sizeof(refused) == sizeof(((struct sess *)0)->err), "");
_Static_assert(sizeof(locs[0].name) <= sizeof(((struct sess *)0)->name), "");
static bool		 refused_peer;	/* ... because of who served it */
#endif
static char		 keybuf[4096];
static size_t		 keylen;
static bool		 have_key;
static int		 nopt;		/* leading arguments before "--" */

static void	follow_out(struct sess *);
static void	sess_connect(struct sess *);

/* An error on stderr after "pm: ", which out writes for OUT_PM. */
#define perr(...)	out(OUT_PM, __VA_ARGS__)

#define CONFIG_CMDS(X) \
	X("show|display\0" "[ID]\0" \
	  "show the running configuration, or one process's section", \
	  PDU_CONFIG_SHOW, A_ID1, R_TEXT, 0) \
	X("reload\0" "[--dry-run]\0" "re-read the file, restart only what " \
	  "changed (a bad file changes\n\tnothing); --dry-run or -n prints " \
	  "the plan only", \
	  PDU_CONFIG_RELOAD, A_DRY, R_TEXT, 0) \
	X("check\0" "[FILE]\0" \
	  "check a file offline, without a server", \
	  0, A_FILE, R_LOCAL, 0) \
	X("convert\0" "FILE\0" "a supervisord file as pm.ini", \
	  1, A_FILE, R_LOCAL, 0)

#define SETTING_CMDS(X) \
	X("show|display\0" "[KEY]\0" \
	  "show the [settings] in use", \
	  PDU_SETTING_SHOW, A_KEY1, R_TEXT, 0) \
	X("reload\0" "\0" \
	  "re-read [settings]; say which need a restart", \
	  PDU_SETTING_RELOAD, A_NONE, R_TEXT, 0)

#define CMDS(X) \
	X("start\0" "[ID...]\0" \
	  "start the named processes; with none, every autostart one", \
	  PDU_START, A_IDS, R_ACTION, 0) \
	X("stop\0" "[ID...]\0" \
	  "stop the named processes; with none, all", \
	  PDU_STOP, A_IDS, R_ACTION, 0) \
	X("restart\0" "[ID...]\0" \
	  "restart the named processes; with none, all", \
	  PDU_RESTART, A_IDS, R_ACTION, 0) \
	X("status\0" "[ID...]\0" \
	  "a line per process; exit 3 when a named one is not up, or\n" \
	  "\twith no ID when one is not fine (see ping)", \
	  PDU_STATUS, A_IDS, R_STATUS, 0) \
	X("ping\0" "[-q] [ID...]\0" \
	  "exit 0 when every (named) process is fine, else 3 and say why;\n" \
	  "\t-q prints nothing. Fine: a service running; a oneshot " \
	  "running or\n\texited 0; a scheduled oneshot running or waiting " \
	  "for its next run;\n\ta process nobody asked to run, stopped", \
	  PDU_STATUS, A_IDS, R_PING, 0) \
	X("config\0" "\0", 0, A_NONE, 0, 1) \
	X("setting\0" "\0", 0, A_NONE, 0, 2) \
	X("signal\0" "ID SIG\0" \
	  "send SIG (HUP, SIGHUP or a number) to ID", \
	  PDU_SIGNAL, A_SIG, R_ACTION, 0) \
	X("logs|tail\0" "ID [-f] [-n N] [stdout|stderr] | --reopen\0" \
	  "the last N lines ID wrote (-f: follow); --reopen: reopen log files", \
	  PDU_LOGS, A_LOGS, R_TEXT, 0) \
	X("metrics\0" "[ID...]\0" \
	  "metrics in the Prometheus text format (as HTTP /metrics)", \
	  PDU_METRICS, A_IDS, R_TEXT, 0) \
	X("events\0" "[-f] [ID...]\0" \
	  "what happened, from the server's ring (-f: follow)", \
	  PDU_EVENTS, A_EVENTS, R_TEXT, 0) \
	X("shutdown\0" "\0" \
	  "stop every process; the server exits", \
	  PDU_SHUTDOWN, A_NONE, R_ACTION, 0) \
	X("halt\0" "\0" \
	  "stop every process, then halt (PID 1)", \
	  PDU_HALT, A_NONE, R_ACTION, 0) \
	X("poweroff\0" "\0" \
	  "stop every process, then power off (PID 1)", \
	  PDU_POWEROFF, A_NONE, R_ACTION, 0) \
	X("reboot\0" "\0" \
	  "stop every process, then reboot (PID 1)", \
	  PDU_REBOOT, A_NONE, R_ACTION, 0) \
	X("version\0" "\0" \
	  "the client's, server's and protocol's versions", \
	  PDU_VERSION, A_NONE, R_VERSION, 0) \
	X("run\0" "[--name ID] [--KEY VALUE]... -- CMD [ARG...]\0" \
	  "add and start a process, print ID and pid;\n\t--KEY: a config " \
	  "key (--env, --dir: environment, directory)", \
	  PDU_RUN, A_RUN, R_ACTION, 0) \
	X("rm\0" "ID\0" \
	  "stop and remove a process added by run", \
	  PDU_RM, A_ID, R_ACTION, 0) \
	X("save\0" "[FILE]\0" \
	  "write the processes added by run as config", \
	  PDU_SAVE, A_OUT, R_TEXT, 0) \
	X("why\0" "ID\0" \
	  "why ID is in its state", \
	  PDU_WHY, A_ID, R_ACTION, 0) \
	X("help\0" "[COMMAND]\0" \
	  "this text, or a command's", \
	  0, A_HELP, R_LOCAL, 0) \
	/* supervisorctl's verbs; "all" also means every process. */ \
	X("avail\0[ID...]\0status", PDU_STATUS, A_IDS, R_STATUS, 0) \
	X("update\0\0config reload", PDU_CONFIG_RELOAD, A_DRY, R_TEXT, 0) \
	X("reread\0\0config reload --dry-run", PDU_CONFIG_RELOAD, A_REREAD, \
	  R_TEXT, 0) \
	X("pid\0[ID...]\0pm's PID, or the processes' (0: down)", PDU_STATUS, \
	  A_IDS, R_PID, 0)

#define CMD_TEXT(t, ...)	t "\0"
#define CMD_ROW(t, ...)		{ __VA_ARGS__ },

/* The three tables' rows in one array, each table from its row_at. */
static const struct cmd cmds[] = { CMDS(CMD_ROW) CONFIG_CMDS(CMD_ROW)
	SETTING_CMDS(CMD_ROW) };
#define NROWS(L)	(sizeof((struct cmd[]){ L(CMD_ROW) }) / sizeof(struct cmd))
static const uint8_t row_at[] = { 0, NROWS(CMDS),
	NROWS(CMDS) + NROWS(CONFIG_CMDS) };
/*
 * The tables' texts in one literal, each after the last's empty name:
 * table t's begin past three words for each row before it and one empty
 * name for each table before it.
 */
static const char texts[] = CMDS(CMD_TEXT) "\0" CONFIG_CMDS(CMD_TEXT) "\0"
    SETTING_CMDS(CMD_TEXT);

/* Past n NUL-separated words of w. */
static const char *
words(const char *w, int n)
{
	for (; n > 0; n--)
		w += strlen(w) + 1;
	return w;
}

/* a's index among the NUL-separated words of w (an empty one ends), or -1. */
static int
word_find(const char *w, const char *a)
{
	for (int k = 0; *w != '\0'; k++, w += strlen(w) + 1)
		if (strcmp(w, a) == 0)
			return k;
	return -1;
}

/* Row i's text in table t: its name, then synopsis and help. */
static const char *
cmd_text(int t, int i)
{
	return words(texts, 3 * (row_at[t] + i) + t);
}

void
client_usage(bool err)
{
	int f = err ? 2 : 1;

	out(f, "usage: pm [-S SOCKET | -H HOST:PORT[,...]] [--token-file "
	    "FILE] [--json] [-q]\n"
	    "          [-c FILE] [--format pm|supervisord] COMMAND [ARG...]\n"
	    "       pm [-c FILE] [--format pm|supervisord] [-S SOCKET] -d "
	    "[--background]\n"
	    "       pm [-c FILE] [-s] [-g] [-e CODE]... -- CMD [ARG...]\n"
	    "       pm -h | --help | --version | help [COMMAND]\n"
	    "options go anywhere before --; commands:");
	for (const char *w = texts, *nx; *w != '\0'; w = nx) {
		nx = words(w, 3);
		out(f, " %s%s", w, *nx != '\0' ? "" : "\n");
	}
}

/* ----------------------------------------------------------- transport */

/*
 * Add a target: a Unix socket path, or HOST:PORT ("[::1]:7000"). Name
 * resolution happens here, before the poll loop, so that the loop itself
 * never blocks.
 */
static int
target_add(const char *name, bool tcp)
{
	struct sess *s;

	if (nsess == TARGETS_MAX) {
		perr("too many %s (max %d)\n", "hosts", TARGETS_MAX);
		return -1;
	}
	s = &sess[nsess];
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->tcp = tcp;
	snprintf(s->name, sizeof(s->name), "%s", name);
#if PLAT_UNIX
	if (!tcp) {
		if (cfg_sockaddr(name, (struct sockaddr_un *)&s->addr,
		    &s->addrlen) == -1) {
			perr("socket path too long: %s\n", name);
			return -1;
		}
		nsess++;
		return 0;
	}
#endif
	if (strlen(name) >= PDU_HOST_MAX ||
	    cfg_parse_addr(name, false, &s->addr, &s->addrlen) < 0) {
		perr("-H %s: expected IP:PORT, [IPV6]:PORT or "
		    "localhost:PORT\n", name);
		return -1;
	}
	nsess++;
	return 0;
}

/* A session is over: its socket closed. */
static void
sess_close(struct sess *s)
{
	if (s->fd != -1)
		plat_close(s->fd);
	s->fd = -1;
	s->st = S_DONE;
}

static void
sess_fail(struct sess *s, const char *what, int e)
{
	if (s->err[0] == '\0')
		snprintf(s->err, sizeof(s->err), "%s %s: %s", what, s->name,
		    plat_strerror(e));
	sess_close(s);
}

#if PLAT_UNIX
/*
 * Believe the server at s only when root or the caller's own user runs it
 * (issue 11): anyone else may have bound the path or name first, to
 * forge a status table or to swallow a command. A socket file named
 * explicitly (-S, PM_SOCKET, [settings] socket) may also be served by the
 * owner of its directory, who decides what lives there anyway: that is
 * how root reaches a pm run by a service user. -1 with the reason kept.
 */
static int
peer_trusted(struct sess *s)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	static struct stat st;
	static char dir[sizeof(s->name)];
	char *slash;

	if (getsockopt(s->fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == -1) {
		snprintf(refused, sizeof(refused), "cannot tell who serves "
		    "%s: %s", s->name, strerror(errno));
		return -1;
	}
	peer_pid = cr.pid;
	if (cr.uid == 0 || cr.uid == geteuid())
		return 0;
	memcpy(dir, s->name, sizeof(dir));
	if (nlocs == 1 && (slash = strrchr(dir, '/')) != NULL) {
		slash[slash == dir] = '\0';
		if (stat(dir, &st) == 0 && st.st_uid == cr.uid)
			return 0;
	}
	snprintf(refused, sizeof(refused), "refusing the server at %s: it "
	    "runs as uid %u, and pm trusts only a server run by root or by "
	    "the caller (uid %u)", s->name, (unsigned)cr.uid,
	    (unsigned)geteuid());
	refused_peer = true;
	return -1;
}

/*
 * A Unix location failed with e (0: its server is not trusted): go on to
 * the next location of the rule, or fail with the most telling reason, a
 * refusal before a mere absence.
 */
static void
unix_next(struct sess *s, int e)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&s->addr;
	static struct stat st;
	int i;

	close(s->fd);
	s->fd = -1;
	/*
	 * Why, for the last place: as EACCES reads at any place, or, at the
	 * one place of the rule, why it failed; else every place.
	 */
	if ((e == EACCES && !refused_peer) ||
	    (refused[0] == '\0' && nlocs < 2)) {
		i = snprintf(refused, sizeof(refused), "cannot reach pm at "
		    "%s: %s", s->name, strerror(e));
		if (e != EACCES)
			goto running;
		if (stat(s->name, &st) == 0)
			snprintf(refused + i, sizeof(refused) - (size_t)i,
			    " (the socket belongs to uid %u, mode %04o: only "
			    "root, pm's user or socket_group may connect)",
			    (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	}
	if (iloc + 1 < nlocs) {
		iloc++;
		/* A sun_path, NUL-terminated, fits in a name. */
		memcpy(s->name, locs[iloc].name, sizeof(locs[iloc].name));
		(void)cfg_sockaddr(s->name, sun, &s->addrlen);
		sess_connect(s);
		return;
	}
	if (refused[0] == '\0') {
		i = (int)(stpcpy(refused, "cannot reach pm: none answers at") -
		    refused);
		for (int j = 0; j < nlocs && (size_t)i < sizeof(refused); j++)
			i += snprintf(refused + i, sizeof(refused) - (size_t)i,
			    "%s %s", j == 0 ? "" : j + 1 < nlocs ? "," : " or",
			    locs[j].name);
running:
		if ((size_t)i < sizeof(refused))
			snprintf(refused + i, sizeof(refused) - (size_t)i,
			    " (is the server running?)");
	}
	memcpy(s->err, refused, sizeof(refused));	/* same size */
	s->st = S_DONE;
}
#endif

/* Start a non-blocking connect; a Unix socket with a full backlog retries. */
static void
sess_connect(struct sess *s)
{
	if (s->fd == -1 && (s->fd = plat_socket(s->addr.ss_family)) == -1) {
		sess_fail(s, "socket for", errno);
		return;
	}
	if (plat_connect(s->fd, (struct sockaddr *)&s->addr, s->addrlen) ==
	    0) {
#if PLAT_UNIX
		if (!s->tcp && peer_trusted(s) == -1) {
			unix_next(s, 0);
			return;
		}
		if (!s->tcp && refused_peer)
			perr("warning: %s\n", refused);
#endif
		s->st = s->tcp ? S_CHALLENGE : S_SEND;
		return;
	}
	if (errno == EINPROGRESS || (errno == EAGAIN && !s->tcp))
		return;		/* poll says when (or retry) */
#if PLAT_UNIX
	if (!s->tcp) {
		unix_next(s, errno);
		return;
	}
#endif
	sess_fail(s, "cannot reach pm at", errno);
}

static int
rx_grow(struct sess *s, size_t want)
{
	uint8_t *p;
	size_t cap = s->rxcap ? s->rxcap : 4096;

	while (cap < want)
		cap *= 2;
	if (cap > RX_MAX)
		return -1;
	if (cap != s->rxcap) {
		if ((p = realloc(s->rx, cap)) == NULL)
			return -1;
		s->rx = p;
		s->rxcap = cap;
	}
	return 0;
}

static void
sess_refuse(struct sess *s, const char *why)
{
	snprintf(s->err, sizeof(s->err), "%s: %s", s->name, why);
	sess_close(s);
}

/*
 * TCP auth v2 (PROTOCOL.md, issue 11). The server speaks first with its
 * nonce; we answer with ours, the name we dialled (as written after -H)
 * and the MAC over all three. The request waits, parked in tx, until the
 * server has proved the key in AUTH_OK: a relay gets nothing from us it
 * could use elsewhere. Then the request goes out tagged with the session
 * key, and every reply must carry a valid tag too. An ERROR instead of
 * the next step is printed as the answer.
 */
static void
sess_challenge(struct sess *s)
{
	static struct pdu_req auth;
	struct pdu_challenge ch;
	struct pdu_hdr h;
	uint8_t mac[SHA256_LEN];
	int rc, n;

	rc = pdu_hdr_unpack(s->rx, s->rxlen, &h);
	if (rc == PDU_ESHORT || (rc == 0 && s->rxlen < h.len))
		return;
	if (rc != 0 || h.type != (s->st == S_CHALLENGE ? PDU_CHALLENGE :
	    PDU_AUTH_OK)) {
		s->st = S_READ;		/* an error PDU; printed later */
		return;
	}
	if (s->st == S_PROOF) {
		if (pdu_auth_ok_unpack(s->rx, h.len, mac) != 0 ||
		    !ct_equal(mac, s->proof, sizeof(mac))) {
			sess_refuse(s, "the server did not prove that it holds "
			    "the key (a relay, or another key); request not "
			    "sent");
			return;
		}
		/* The AUTH after it is sent: room for the tag. */
		n = auth_seal(&s->as, AUTH_C2S, s->tx, 2 * PDU_MAX,
		    (int)s->reqlen);
		if (n < 0) {
			sess_refuse(s, "request too large");
			return;
		}
		s->txoff = 0;
		s->sealed = true;
		goto send;
	}
	if (pdu_challenge_unpack(s->rx, h.len, &ch) != 0) {
		sess_refuse(s, "bad challenge");
		return;
	}
	if (ch.authv < PDU_AUTHV) {
		sess_refuse(s, "the server speaks TCP authentication version "
		    "1, which a relay can abuse; upgrade it");
		return;
	}
	if (!have_key) {
		snprintf(s->err, sizeof(s->err), "%s requires a key: "
		    "--token-file FILE or PM_TOKEN", s->name);
		sess_close(s);
		return;
	}
	memset(&auth, 0, sizeof(auth));
	auth.type = PDU_AUTH;
	if (plat_random(auth.nonce, sizeof(auth.nonce)) == -1) {
		sess_fail(s, "getrandom for", errno);
		return;
	}
	/* target_add checked that the name fits. */
	memcpy(auth.host, s->name, strnlen(s->name, PDU_HOST_MAX - 1));
	auth_start(&s->as, keybuf, keylen, ch.nonce, auth.nonce, auth.host,
	    auth.mac, s->proof);
	/* The request stays parked at the start; the AUTH goes after it. */
	s->reqlen = s->txlen;
	n = pdu_req_pack(s->tx + PDU_MAX, PDU_MAX, &auth);
	s->txoff = PDU_MAX;
	n = PDU_MAX + (n > 0 ? n : 0);
send:
	s->txlen = (size_t)n;
	s->st = S_SEND;
	memmove(s->rx, s->rx + h.len, s->rxlen - h.len);
	s->rxlen -= h.len;
}

/* A whole PDU at off of s's first end bytes: its header in h. */
static bool __attribute__((noinline))
pdu_whole(struct sess *s, size_t off, size_t end, struct pdu_hdr *h)
{
	return pdu_hdr_unpack(s->rx + off, end - off, h) == 0 &&
	    h->len <= end - off;
}

/*
 * Check the tag of every whole reply PDU as it arrives; nothing after
 * TCP auth is printed unless it passed. -1 when one failed.
 */
static int
sess_verify(struct sess *s)
{
	struct pdu_hdr h;

	while (pdu_whole(s, s->vrf, s->rxlen, &h)) {
		if (auth_check(&s->as, AUTH_S2C, s->rx + s->vrf, h.len) != 0) {
			sess_refuse(s, "a reply failed authentication "
			    "(forged, replayed or reordered)");
			return -1;
		}
		s->vrf += h.len;
	}
	return 0;
}

/* One step of a session after poll reported revents. */
static void
sess_step(struct sess *s, short rev)
{
	ssize_t n;
	int e;

	/* Only TCP's connect is polled: a Unix socket's is retried. */
	if (s->st == S_CONNECT) {
		if ((e = plat_sockerr(s->fd)) != 0)
			sess_fail(s, "cannot reach pm at", e);
		else
			s->st = S_CHALLENGE;
		return;
	}
	if (s->st == S_SEND && (rev & POLLOUT)) {
		n = plat_send(s->fd, s->tx + s->txoff, s->txlen - s->txoff);
		if (n > 0)
			s->txoff += (size_t)n;
		else if (n == -1 && errno != EAGAIN && errno != EINTR) {
			/* The server may have refused us; read why. */
			s->st = S_READ;
		}
		if (s->txoff == s->txlen)
			s->st = s->tcp && !s->sealed ? S_PROOF : S_READ;
	}
	if (rev & (POLLIN | POLLHUP | POLLERR)) {
		if (rx_grow(s, s->rxlen + 65536) == -1) {
			sess_fail(s, "reply too large from", ENOMEM);
			return;
		}
		n = plat_recv(s->fd, s->rx + s->rxlen, s->rxcap - s->rxlen);
		if (n > 0) {
			s->rxlen += (size_t)n;
			if (s->st == S_CHALLENGE || s->st == S_PROOF)
				sess_challenge(s);
			else if (s->sealed && sess_verify(s) == -1)
				return;
			else if (opt.follow)
				follow_out(s);
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			sess_close(s);
	}
}

/*
 * Send the request to every target and collect the replies, all bounded
 * by one deadline. A target that is late gets a timeout message.
 */
static void
exchange(void)
{
	struct pollfd pfd[TARGETS_MAX];
	static struct sess *map[TARGETS_MAX];
	uint64_t start = plat_mono_ms(), now;
	int i, n, t, active;

	for (;;) {
		now = plat_mono_ms();
		active = n = 0;
		for (i = 0; i < nsess; i++) {
			struct sess *s = &sess[i];

			/* A first connect, or a Unix socket's retry. */
			if (s->st == S_CONNECT && (!s->tcp || s->fd == -1))
				sess_connect(s);
			if (s->st == S_DONE)
				continue;
			if ((now - start >= CLIENT_TIMEOUT_MS &&
			    (!opt.follow || s->st == S_CONNECT)) ||
			    (s->st == S_CONNECT &&
			    now - start >= CONNECT_TIMEOUT_MS)) {
				snprintf(s->err, sizeof(s->err), "%s: no answer "
				    "from pm at %s within %d s",
				    s->st == S_CONNECT ? "connect" : "timeout",
				    s->name, (s->st == S_CONNECT ?
				    CONNECT_TIMEOUT_MS : CLIENT_TIMEOUT_MS) /
				    1000);
				sess_close(s);
				continue;
			}
			active++;
			if (s->st == S_CONNECT && !s->tcp)
				continue;	/* backlog full: retry */
			pfd[n].fd = s->fd;
			pfd[n].events = s->st == S_CONNECT ? POLLOUT :
			    s->st == S_SEND ? POLLOUT | POLLIN : POLLIN;
			pfd[n].revents = 0;
			map[n++] = s;
		}
		if (active == 0)
			break;
		t = n < active ? 50 : (int)(CLIENT_TIMEOUT_MS - (now - start));
		if (opt.follow && t > 1000)
			t = 1000;
		if (plat_poll(pfd, n, t) == -1 && errno != EINTR) {
			perr("poll: %s\n", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++)
			if (pfd[i].revents != 0)
				sess_step(map[i], pfd[i].revents);
	}
}

/* ------------------------------------------------------------ printing */

/*
 * A JSON string of s, through the one escaper (issue 11), and then tail
 * (punctuation): one write. Every s is a field of a reply, a name or an
 * error, shorter than PDU_TEXT_MAX; an escaped byte takes 6 at most.
 */
static void
json_str(const char *s, const char *tail)
{
	static char buf[6 * PDU_TEXT_MAX + 16];
	char *p;

	buf[0] = '"';
	p = log_esc(buf + 1, s, strnlen(s, PDU_TEXT_MAX - 1), true);
	*p++ = '"';
	p = stpcpy(p, tail);
	out_put(1, buf, (size_t)(p - buf));
}

/* The JSON members after the first: `, "key": "s"`, or null. */
static void
json_field(const char *key, const char *s)
{
	out(1, ", \"%s\": ", key);
	if (s != NULL)
		json_str(s, "");
	else
		out(1, "null");
}

static void
json_num(const char *key, long long v, bool null)
{
	if (null)
		json_field(key, NULL);
	else
		out(1, ", \"%s\": %lld", key, v);
}

/* Decimal digits of v into buf (room for 11 bytes); the end. */
static char *
fmt_u32(char *buf, uint32_t v)
{
	uint32_t t = v;
	char *p = buf, *end;

	/* Its digits counted, then written from the last. */
	do
		p++;
	while ((t /= 10) != 0);
	*(end = p) = '\0';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return end;
}

/*
 * t seconds as "12s", "5m03s", "2h07m", "3d04h" (a big unit and the
 * next), or "-" when none: by hand rather than with snprintf (see
 * put_col). buf holds at least 16 bytes.
 */
static void
fmt_uptime(char *buf, size_t len, uint64_t t, bool none)
{
	static const struct { uint32_t big, small; char b, s; } u[] = {
		{ 60, 1, 'm', 's' }, { 3600, 60, 'h', 'm' },
		{ 86400, 3600, 'd', 'h' },
	};
	char *p = buf;
	int i;

	(void)len;	/* the longest: 10 digits, 1, 2, 1 and the NUL */
	if (none) {
		strcpy(buf, "-");
		return;
	}
	if (t < 60) {
		p = fmt_u32(buf, (uint32_t)t);
		strcpy(p, "s");
		return;
	}
	i = t < 3600 ? 0 : t < 86400 ? 1 : 2;
	if (t / u[i].big > UINT32_MAX)
		t = (uint64_t)UINT32_MAX * u[i].big;
	p = fmt_u32(buf, (uint32_t)(t / u[i].big));
	*p++ = u[i].b;
	t = t % u[i].big / u[i].small;
	*p++ = (char)('0' + t / 10);
	*p++ = (char)('0' + t % 10);
	*p++ = u[i].s;
	*p = '\0';
}

/*
 * Append s to p padded with spaces to width w, on the left when right,
 * and the space that ends a column.
 * The status rows are built by hand: printf's formatting was two thirds
 * of the client's time for a status of 1,000 processes (issue 7).
 */
static char *
put_col(char *p, const char *s, int w, bool right)
{
	int n = (int)strlen(s);

	for (; right && w > n; w--)
		*p++ = ' ';
	memcpy(p, s, (size_t)n);
	p += n;
	for (; w > n; w--)
		*p++ = ' ';
	*p++ = ' ';
	return p;
}

/*
 * ping: one line per process that is not fine, or one summary line, so a
 * health log (docker inspect) says which process is down and why.
 */
static int
print_ping(const struct pdu_status *st, int n, const char *pfx)
{
	char why[96];
	const char *w;
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		if ((w = pdu_not_fine(&st[i], why, sizeof(why))) == NULL)
			continue;
		bad++;
		if (!opt.quiet)
			out(1, "%s%s %s: %s\n", pfx, st[i].id, st[i].state, w);
	}
	if (bad == 0 && !opt.quiet)
		out(1, "%sok: %d process%s fine\n", pfx, n, n == 1 ? "" :
		    "es");
	return bad ? EX_DOWN : EX_OK;
}

static const char *
health_name(const struct pdu_status *s)
{
	return s->health < 4 ? words("-\0unknown\0healthy\0unhealthy",
	    s->health) : "?";
}

/*
 * A state's colour on a terminal unless NO_COLOR is set (issue 17), by
 * its first letter: running green, on the way yellow, failing red; not
 * stopped or a clean exit. The N of "\033[3Nm", or 0.
 */
static int
colour(const struct pdu_status *s)
{
	const char *t = s->state, *e = getenv("NO_COLOR"), *c;

	c = strchr("r2s3b1f1e1", *t);
	return out_isatty(1) && (e == NULL || *e == '\0') && c &&
	    t[6] != 'd' && (*t != 'e' || s->last_exit) ? c[1] : 0;
}

#if PLAT_UNIX
static char all_ids[TARGETS_MAX][PDU_ID_MAX];	/* logs -f of all */
static int nall;

/*
 * A status while stop, restart or shutdown waits: -1 while a target is
 * on its way ("starting", "stopping"; for a stop also running for the
 * first 2 s, while its dependents stop first; for a shutdown any pid),
 * shown on a terminal; then EX_DOWN when one missed, or EX_OK.
 */
static int
waiting(const struct pdu_status *st, int n)
{
	int i, bad = 0, pend = 0, type = opt.wait, tty = out_isatty(2);

	if (tty)
		out_put(2, "\r\033[K", 4);
	for (i = 0; i < n; i++, st++) {
		if (type == PDU_SHUTDOWN ? st->pid != 0 : (*st->state == 's' &&
		    st->state[6] != 'd') || (type == PDU_STOP && st->pid != 0 &&
		    opt.tick < 10)) {
			if (tty)
				out(2, "%s %s %s %us", pend ? "" :
				    "pm: waiting:", st->id, st->state,
				    (unsigned)st->since);
			pend++;
		}
		bad |= type == PDU_RESTART ? !pdu_is_up(st) : st->pid != 0;
	}
	return pend ? -1 : bad ? EX_DOWN : EX_OK;
}
#endif

/* The status table, columns sized to their widest cell. */
static int
print_status(const struct pdu_status *st, int n, const char *pfx)
{
	/*
	 * line: pfx 319, the cells at most 39+15+10+31+10+11+9+31, spaces,
	 * and info: "run ", two notes of 95 bytes escaped (4 bytes each at
	 * most), a separator, "; skipped N" and "; limits not applied".
	 */
	static char info[808], line[1400];
	static char c[8][24];
	char *q;
	int i, j, t, w[3] = { 2, 5, 3 }, rc = EX_OK;
	/* PID to CPU: their widths, and 16 when right-aligned; PID's is w[2]. */
	static const uint8_t cw[8] = { 16, 16 + 7, 16 + 8, 16 + 4, 9, 8,
		16 + 6, 16 + 7 };
	long long now = plat_wall_s();

	if (opt.ping)
		return print_ping(st, n, pfx);
	if (opt.pid) {
		/* No ID: pm's own. */
		for (i = 0; i < (req.nids ? n : 1); i++)
			out(1, "%s%ld\n", pfx, req.nids ? (long)st[i].pid :
			    peer_pid);
		return EX_OK;
	}
#if PLAT_UNIX
	if (opt.wait)
		return waiting(st, n);
	if (opt.all) {
		for (nall = 0; nall < n && nall < TARGETS_MAX; nall++)
			memcpy(all_ids[nall], st[nall].id, PDU_ID_MAX);
		return EX_OK;
	}
#endif
	for (i = 0; i < n; i++) {
		/* Named: up or not; all: fine or not (issue 12). */
		if (req.nids > 0 ? !pdu_is_up(&st[i]) :
		    pdu_not_fine(&st[i], info, sizeof(info)) != NULL)
			rc = EX_DOWN;
		if ((int)strlen(st[i].id) > w[0])
			w[0] = (int)strlen(st[i].id);
		if ((int)strlen(st[i].state) > w[1])
			w[1] = (int)strlen(st[i].state);
		if ((t = (int)(fmt_u32(c[0], st[i].pid) - c[0])) > w[2])
			w[2] = t;
	}
	if (opt.json) {
		out(1, "{\"processes\": [");
		for (i = 0; i < n; i++) {
			out(1, "%s{\"id\": ", i ? ", " : "");
			json_str(st[i].id, "");
			json_field("state", st[i].state);
			json_num("pid", st[i].pid, st[i].pid == 0);
			json_num("uptime", st[i].uptime, false);
			json_num("restarts", st[i].restarts, false);
			json_num("exit", st[i].last_exit, st[i].last_exit == -1);
			json_field("type", st[i].kind == PK_ONESHOT ? "oneshot" :
			    "service");
			json_field("health", st[i].health == 0 ? NULL :
			    health_name(&st[i]));
			json_num("check_failures", st[i].check_fails, false);
			json_num("skips", st[i].skips, false);
			json_num("next_run", st[i].next_run, st[i].next_run == 0);
			json_field("status_text", st[i].note);
			json_field("check_output", st[i].check_out);
			out(1, ", \"added\": %s, \"dropped\": %llu",
			    st[i].added ? "true" : "false",
			    (unsigned long long)st[i].dropped);
			/* Issue 14: where the figures come from, or null. */
			t = (st[i].cg & 3) == 0;
			json_num("memory_bytes", st[i].mem, t);
			out(1, t ? ", \"cpu_seconds_total\": null" :
			    ", \"cpu_seconds_total\": %llu.%06llu",
			    (unsigned long long)st[i].cpu_us / 1000000,
			    (unsigned long long)st[i].cpu_us % 1000000);
			json_num("pids", st[i].pids, t);
			json_num("oom_kills", st[i].ooms, (st[i].cg & 3) != 1);
			json_field("usage_from", t ? NULL : st[i].cg & 1 ?
			    "cgroup" : "proc");
			out(1, ", \"limits_applied\": %s, \"exit_oom\": %s}",
			    st[i].cg & PDU_CG_NOLIMITS ? "false" : "true",
			    st[i].cg & PDU_CG_OOM ? "true" : "false");
		}
		out(1, "]}");
		return rc;
	}
	/* The fixed columns' headings padded as their cells are. */
	out(1, "%s%-*s %-*s %*s  UPTIME RESTARTS EXIT HEALTH    NEXT        MEM"
	    "     CPU INFO\n", pfx, w[0], "ID", w[1], "STATE", w[2], "PID");
	for (i = 0; i < n; i++) {
		fmt_uptime(c[1], sizeof(c[1]), st[i].uptime, st[i].pid == 0);
		if (st[i].pid)
			fmt_u32(c[0], st[i].pid);
		else
			strcpy(c[0], "-");
		/* -1: none; other negatives (signals) with their sign. */
		strcpy(c[3], "-");
		if (st[i].last_exit != -1)
			fmt_u32(c[3] + (st[i].last_exit < 0), st[i].last_exit < 0 ?
			    -(uint32_t)st[i].last_exit :
			    (uint32_t)st[i].last_exit);
		if (st[i].cg & PDU_CG_OOM)
			strcpy(c[3], "oom");
		strcpy(c[4], health_name(&st[i]));
		/* MEM in MiB, CPU in seconds used: "-" when unknown. */
		t = (st[i].cg & 3) == 0;
		snprintf(c[6], sizeof(c[6]), t ? "-" : "%lluM",
		    (unsigned long long)(st[i].mem + (1 << 19)) >> 20);
		snprintf(c[7], sizeof(c[7]), t ? "-" : "%llu.%02llus",
		    (unsigned long long)st[i].cpu_us / 1000000,
		    (unsigned long long)st[i].cpu_us / 10000 % 100);
		fmt_u32(c[2], st[i].restarts);
		/* NEXT: time to the next scheduled run, like UPTIME. */
		fmt_uptime(c[5], sizeof(c[5]), (long long)st[i].next_run > now ?
		    st[i].next_run - (uint64_t)now : 0, st[i].next_run == 0);
		/* Child bytes: shown escaped, never obeyed (issue 11). */
		q = stpcpy(info, st[i].added ? "run " : "");
		q = log_esc(q, st[i].note, strlen(st[i].note), false);
		if (st[i].note[0] && st[i].check_out[0])
			q = stpcpy(q, "; ");
		q = log_esc(q, st[i].check_out, strlen(st[i].check_out),
		    false);
		*q = '\0';
		/* "; " only after something. */
		if (st[i].skips)
			q = fmt_u32(stpcpy(q, &"; skipped "[q == info ? 2 : 0]),
			    st[i].skips);
		if (st[i].cg & PDU_CG_NOLIMITS)
			(void)stpcpy(q, &"; limits not applied"[q == info ? 2 : 0]);
		/* As "%s%-*s %-*s %*s %7s %8u %4s %-9s %-8s %s" would. */
		q = put_col(stpcpy(line, pfx), st[i].id, w[0], false);
		if ((t = colour(&st[i])) != 0) {
			q = stpcpy(q, "\033[3.m");
			q[-2] = (char)t;
		}
		q = put_col(q, st[i].state, w[1], false);
		if (t)
			q = stpcpy(q - 1, "\033[m ");
		for (j = 0; j < 8; j++)
			q = put_col(q, c[j], j ? cw[j] & 15 : w[2], cw[j] > 15);
		q = put_col(q, info, 0, false);
		while (q > line && q[-1] == ' ')
			q--;
		*q++ = '\n';
		out_put(1, line, (size_t)(q - line));
	}
	return rc;
}

/* Print one text item: a config section, a plan line, a setting. */
static void
print_text(const struct pdu_text *t, const char *pfx, int count)
{
	const char *p, *nl;

	if (opt.stream != NULL && strcmp(t->key, opt.stream) != 0)
		return;
	/* Events: the server's lines, kept when no ID or one named (issue 15). */
	if (req.type == PDU_EVENTS) {
		for (count = req.nids; count > 0 &&
		    strcmp(req.ids[count - 1], t->key) != 0; count--)
			;
		if (count > 0 || req.nids == 0)
			out(1, opt.events_json && *pfx ? "{\"host\": \"%.*s\", "
			    "%s\n" : "%.*s%s\n", opt.events_json && *pfx ?
			    (int)strlen(pfx) - 1 : (int)strlen(pfx), pfx,
			    t->text + (opt.events_json && *pfx));
		return;
	}
	if (req.type == PDU_LOGS && !opt.json) {
		/* Keep the order of the two streams on a shared terminal. */
		int f = strcmp(t->key, "stdout") == 0 ? 1 : 2;

		if (f != 1)
			out_flush();
		out(f, "%s%s\n", pfx, t->text);
		return;
	}
	if (opt.json && req.type == PDU_LOGS) {
		out(1, "%s{\"stream\": ", count ? ", " : "");
		json_str(t->key, ", \"line\": ");
		json_str(t->text, "}");
		return;
	}
	if (opt.json) {
		out_put(1, ", ", count ? 2 : 0);
		json_str(t->key[0] ? t->key : "text", ": ");
		json_str(t->text, "");
		return;
	}
	if (req.type == PDU_CONFIG_RELOAD || req.type == PDU_SETTING_RELOAD) {
		out(1, "%s%s %s\n", pfx, t->key, t->text);
		return;
	}
	if (req.type == PDU_CONFIG_SHOW || req.type == PDU_SAVE)
		out(1, "%s%s[%s]\n", count ? "\n" : "", pfx, t->key);
	for (p = t->text; *p != '\0'; p = nl + 1) {
		nl = p + strcspn(p, "\n");
		out(1, "%s%.*s\n", pfx, (int)(nl - p), p);
		if (*nl == '\0')
			break;
	}
}

/* A server's ERROR on stderr; the exit status it calls for. */
static int __attribute__((noinline))
err_exit(const struct pdu_error *e, const char *pfx)
{
	perr("%s%s\n", pfx, e->msg);
	return word_find("unknown id\0unknown key\0usage\0", e->code) < 0 ?
	    EX_FAIL : EX_USAGE;
}

/*
 * Walk one server's reply PDUs and print them for the request made.
 * Returns the exit status this server's answer calls for.
 */
static int
print_reply(struct sess *s, int kind, const char *pfx)
{
	static struct pdu_text t;
	static struct pdu_error e;
	struct pdu_status *st = NULL;
	struct pdu_version v;
	struct pdu_hdr h;
	static char msg[PDU_MSG_MAX];
	size_t off = 0, end = s->sealed ? s->vrf : s->rxlen;
	uint32_t count;
	int rc, n = 0, ret = EX_FAIL;
	bool json_open = false;
	const char *lines = req.type == PDU_LOGS ? "\"lines\": [" : "";
	static const uint8_t want[] = { [R_ACTION] = PDU_OK,
	    [R_STATUS] = PDU_STATUS_REC, [R_TEXT] = PDU_TEXT,
	    [R_VERSION] = PDU_VERSION_REP };
	void *into;

	if (s->err[0] != '\0')
		goto fail;
	/*
	 * A status record takes its header and a non-empty ID and STATE at
	 * least (each a 4-byte field header and a byte), so the reply holds
	 * at most this many, and one more is tried: one allocation.
	 */
	if (kind == R_STATUS && (st = malloc((s->rxlen / (PDU_HDR_SIZE +
	    2 * 5) + 1) * sizeof(*st))) == NULL) {
		perr("%s\n", strerror(errno));
		goto out;
	}
	for (;;) {
		rc = pdu_hdr_unpack(s->rx + off, end - off, &h);
		if (rc == PDU_EVERSION) {
			snprintf(s->err, sizeof(s->err), "protocol version "
			    "mismatch: client speaks %d, server at %s speaks "
			    "%d", PM_PROTO, s->name, h.version);
			goto fail;
		}
		if (rc == PDU_ESHORT || (rc == 0 && h.len > end - off)) {
			snprintf(s->err, sizeof(s->err), "%s closed the "
			    "connection before the reply ended", s->name);
			goto fail;
		}
		if (rc != 0)
			break;
		/* An ERROR, an END, or the one reply this printer takes. */
		if (h.type == PDU_ERROR)
			into = &e;
		else if (h.type == PDU_END)
			into = &count;
		else if (h.type != want[kind]) {
			rc = PDU_ETYPE;
			break;
		} else if (kind == R_STATUS)
			into = &st[n++];
		else
			into = kind == R_TEXT ? (void *)&t : kind == R_VERSION ?
			    (void *)&v : msg;
		if ((rc = pdu_unpack(s->rx + off, h.len, h.type, into)) != 0)
			break;
		if (h.type == PDU_ERROR) {
			ret = err_exit(&e, pfx);
			snprintf(s->err, sizeof(s->err), "%.500s", e.msg);
			goto json_err;
		}
		if (h.type == PDU_END) {
			if (kind == R_STATUS)
				ret = print_status(st, n, pfx);
			else {
				if (opt.json)
					out(1, "%s%s%s}", json_open ? "" : "{",
					    json_open ? "" : lines, *lines ? "]" :
					    "");
				ret = EX_OK;
			}
			goto out;
		}
		if (kind == R_TEXT) {
			if (opt.json && !json_open)
				out(1, "{%s", lines);
			json_open = true;
			print_text(&t, pfx, n++);
		} else if (kind == R_VERSION) {
			if (opt.json) {
				out(1, "{\"client\": \"" PM_VERSION "\", "
				    "\"server\": ");
				json_str(v.version, "");
				out(1, ", \"protocol\": %d}", v.proto);
			} else
				out(1, "%sclient " PM_VERSION ", server %s, "
				    "protocol %d\n", pfx, v.version, v.proto);
			ret = EX_OK;
			goto out;
		} else if (kind == R_ACTION) {
			if (opt.json)
				out(1, "{\"ok\": true}");
			else if (msg[0] != '\0')
				out(1, "%s%s\n", pfx, msg);
			ret = EX_OK;
			goto out;
		}
		off += h.len;
	}
	snprintf(s->err, sizeof(s->err), "protocol error from %s: %s",
	    s->name, pdu_strerror(rc));
fail:
	perr("%s\n", s->err);
json_err:
	if (opt.json && nsess > 1) {
		out(1, "{\"error\": ");
		json_str(s->err, "}");
	}
out:
	free(st);
	return ret;
}

#if PLAT_UNIX
/*
 * pm run with no server to answer: a caller who is not root gets a
 * server of its own (issue 17), with no config file unless one was named,
 * at the first location of the socket rule, where later commands look.
 * -1 when there is an answer already or no server could be started.
 */
static int
serve(void)
{
	const char *c = opt.cfgfile ? opt.cfgfile : getenv("PM_CONFIG");
	const char *av[] = { "pm", "-d", "--background", "-c", c ? c :
	    "/dev/null", opt.sock ? "-S" : NULL, opt.sock, NULL };
	static int tried;
	pid_t pid;
	int st = 1;

	if (tried++ || req.type != PDU_RUN || geteuid() == 0 || sess[0].tcp ||
	    strncmp(sess[0].err, "cannot reach", 12) != 0)
		return -1;
	/* vfork, as sys.c spawns: fork would pull in its atfork machinery. */
	if ((pid = vfork()) == 0) {
		dup2(open("/dev/null", O_RDWR), 1);
		dup2(1, 2);
		execve("/proc/self/exe", (char **)av, environ);
		_exit(127);
	}
	st = pid < 0 || waitpid(pid, &st, 0) != pid || st != 0;
	perr("%s a server\n", st ? "cannot start" : "started");
	if (st)
		return -1;
	nsess = iloc = 0;
	refused[0] = '\0';
	return target_add(opt.sock ? opt.sock : locs[0].name, false);
}
#endif

/*
 * Send req to every target and print the answers; with several hosts
 * each line is prefixed and --json nests one document per host.
 */
static int
transact(int kind)
{
	static char pfx[320];
	struct sess *s, *end;
	int n, rc, ret = EX_OK;

#if PLAT_UNIX
again:
#endif
	end = sess + nsess;
	for (s = sess; s < end; s++) {
		if (opt.all) {
			req.nids = 1;
			memcpy(req.ids[0], s->name, PDU_ID_MAX);
		}
		if ((n = pdu_req_pack(s->tx, PDU_MAX, &req)) < 0) {
			perr("request too large\n");
			return EX_USAGE;
		}
		s->txlen = (size_t)n;
	}
	exchange();
#if PLAT_UNIX
	if (serve() == 0)
		goto again;
#endif
	if (opt.follow) {
		/* follow_out printed the stream; only failures are left. */
		for (s = sess; s < end; s++)
			if (s->err[0] != '\0') {
				perr("%s\n", s->err);
				opt.follow_rc = EX_FAIL;
			}
		return opt.follow_rc;
	}
	for (s = sess; s < end; s++) {
		snprintf(pfx, sizeof(pfx), nsess > 1 ? "%s " : "%.0s", s->name);
		if (opt.json && nsess > 1) {
			/* The document opens with the first host. */
			out(1, "%s", s != sess ? ", " : "{");
			json_str(s->name, ": ");
		}
		rc = print_reply(s, kind, pfx);
		if (rc > ret)
			ret = rc;
	}
	if (opt.json)
		out(1, nsess > 1 ? "}\n" : "\n");
	out_flush();
	return ret;
}

#if PLAT_UNIX
/*
 * stop, restart and shutdown wait until their targets get there (issue
 * 17), bounded: the server kills what outlives its stop_timeout, and
 * this gives up after 2 minutes. On a terminal a line says what is
 * still on its way and for how long. EX_DOWN when a target was missed.
 */
static int
await(int rc)
{
	static char name[300];
	struct sess *s = sess;
	int t;

	/* Local servers only: a TCP peer or relay is asked once. */
	if (rc != EX_OK || opt.nowait || nsess != 1 || s->tcp ||
	    (req.type != PDU_STOP && req.type != PDU_RESTART &&
	    req.type != PDU_SHUTDOWN))
		return rc;
	memcpy(name, s->name, sizeof(name));
	opt.wait = req.type;
	req.type = PDU_STATUS;
	for (t = 0; t < 600; t++) {
		plat_poll(NULL, 0, 200);
		/* The server that answered, and no other place of the rule. */
		free(s->rx);
		nsess = iloc = 0;
		nlocs = 1;
		(void)target_add(name, false);	/* it fitted the first time */
		s->txlen = (size_t)pdu_req_pack(s->tx, PDU_MAX, &req);
		exchange();
		/* A shutdown is done when nobody answers any more. */
		if (opt.wait == PDU_SHUTDOWN && (s->err[0] || s->rxlen == 0))
			return EX_OK;
		opt.tick = t;
		if ((rc = print_reply(s, R_STATUS, "")) != -1)
			return rc;
	}
	out(2, "\npm: gave up waiting\n");
	return EX_DOWN;
}
#else
#define await(rc)	(rc)	/* TCP only: asked once */
#endif

/* ------------------------------------------------------------- commands */

/*
 * The original design writes IDs, keys and sub-commands with a dash
 * (`pm start -web`, `setting -display -KEY`): one is dropped, which is
 * why an ID may not begin with one (issue 13).
 */
static char *
undash(char *a)
{
	return a + (a[0] == '-' && a[1] != '-' && a[1] != '\0');
}

static int
add_ids(int argc, char **argv)
{
	char *id;
	int i;

	for (i = 0; i < argc; i++) {
		id = undash(argv[i]);
		if (strcmp(id, "all") == 0)	/* supervisorctl's */
			continue;
		if (req.nids == PDU_IDS_MAX) {
			perr("too many %s (max %d)\n", "IDs", PDU_IDS_MAX);
			return -1;
		}
		if (id[0] == '-' && id[1] != '\0') {
			perr("unknown %s: %s\n", "option", id);
			return -1;
		}
		if (id[0] == '\0' || id[0] == '-' ||
		    strlen(id) >= PDU_ID_MAX) {
			perr("bad ID: %s\n", argv[i]);
			return -1;
		}
		strcpy(req.ids[req.nids++], id);
	}
	return 0;
}

/*
 * logs -f: print each whole PDU as it arrives and drop it from the
 * buffer, so an endless stream needs no more than one PDU of memory.
 */
static void
follow_out(struct sess *s)
{
	static struct pdu_text t;
	static struct pdu_error e;
	struct pdu_hdr h;
	size_t off = 0, end = s->sealed ? s->vrf : s->rxlen;
	static char pfx[320];

	snprintf(pfx, sizeof(pfx), nsess > 1 || opt.all ? "%s " : "%.0s",
	    s->name);
	while (pdu_whole(s, off, end, &h)) {
		if (h.type == PDU_TEXT &&
		    pdu_text_unpack(s->rx + off, h.len, &t) == 0)
			print_text(&t, pfx, 0);
		else if (h.type == PDU_ERROR &&
		    pdu_error_unpack(s->rx + off, h.len, &e) == 0) {
			opt.follow_rc = err_exit(&e, pfx);
		}
		off += h.len;
	}
	memmove(s->rx, s->rx + off, s->rxlen - off);
	s->rxlen -= off;
	if (s->sealed)
		s->vrf -= off;
	out_flush();
}

#if PLAT_UNIX
/*
 * logs -f with no ID (issue 17): the IDs from a status, then a follower
 * of each on the same socket, named (and so prefixed) by its ID.
 */
static int
follow_all(void)
{
	static char path[300];
	struct sess *s = sess;
	int i;

	s->txlen = (size_t)pdu_pack(s->tx, PDU_MAX, PDU_STATUS, 0, 0, &req);
	opt.follow = false;
	exchange();
	opt.follow = true;
	if (s->tcp || print_reply(s, R_STATUS, "") != EX_OK)
		return -1;
	memcpy(path, s->name, sizeof(path));
	for (nsess = i = 0; i < nall; i++) {
		target_add(path, false);
		memcpy(sess[i].name, all_ids[i], PDU_ID_MAX);
	}
	return 0;
}
#endif

/* logs ID [-f] [-n N] | logs --reopen; after "--" nothing is an option. */
static int
logs_args(int argc, char **argv)
{
	char *id = NULL, *end;
	int i, k;

	if (argc == 1 && nopt == 1 && strcmp(argv[0], "--reopen") == 0) {
		req.type = PDU_LOG_REOPEN;
		return R_ACTION;
	}
	for (i = 0; i < argc; i++) {
		k = i < nopt ? word_find("-f\0-n\0", argv[i]) : -1;
		if (k == 0)
			opt.follow = true;
		else if (k == 1 && i + 1 < argc) {
			req.lines = (uint32_t)strtoul(argv[++i], &end, 10);
			if (*end != '\0' || *argv[i] == '\0' ||
			    *argv[i] == '-')
				return -1;
		} else if (id == NULL && argv[i][0] != '-')
			id = argv[i];
		else
			return -1;
	}
	/* -f with no ID: every process (issue 17). */
	opt.all = id == NULL && opt.follow;
	return !opt.all && (id == NULL || add_ids(1, &id) == -1) ? -1 : R_TEXT;
}

/*
 * config check [FILE]: offline, no server involved. config convert FILE:
 * a supervisord file as pm.ini, its notes as comments.
 */
static int
config_check(const char *file, bool convert)
{
#if PLAT_UNIX
	static char err[PM_ERR_MAX];
	struct config *cf;
	const struct sv_line *m;
	const char *t;
	int n;

	if (file == NULL)
		file = cfg_default_file(opt.cfgfile);
	if (convert)
		t = superv_read(file, &m, &n, err, sizeof(err));
	else if (cfg_load(file, &cf, err, sizeof(err)) == 0) {
		cfg_free(cf);
		t = "configuration OK\n";
	} else
		t = NULL;
	/* The errors, or the warnings before what is printed. */
	out(2, "%s%s", err,
	    !err[0] || err[strlen(err) - 1] == '\n' ? "" : "\n");
	if (t == NULL)
		return EX_FAIL;
	out_put(1, t, strlen(t));
	return EX_OK;
#else
	/* The server's parser is not linked in (issue 20). */
	(void)file;
	(void)convert;
	perr("config check: only the Linux pm checks a "
	    "configuration\n");
	return EX_USAGE;
#endif
}

/* A row of table t by name or alias, with or without the design's dash. */
static int
cmd_find(int t, char *name)
{
	const char *w;
	size_t n;

	name = undash(name);
	n = strlen(name);
	w = cmd_text(t, 0);
	for (int i = 0; *w != '\0'; i++, w = words(w, 3))
		for (const char *p = w; p != NULL;
		    p = strchr(p, '|'), p = p != NULL ? p + 1 : NULL)
			if (strncmp(p, name, n) == 0 &&
			    (p[n] == '\0' || p[n] == '|'))
				return i;
	return -1;
}

/* The synopsis of cmds[top], a line per sub-command, as a man page has it. */
static void
synopsis(int f, int top, bool help)
{
	int t = cmds[top].sub, i = t ? 0 : top;
	const char *lead = "usage:", *syn;

	do {
		out(f, "%s pm %s", lead, cmd_text(0, top));
		if (t)
			out(f, " %s", cmd_text(t, i));
		syn = words(cmd_text(t, i), 1);
		out(f, "%s%s\n", syn[0] ? " " : "", syn);
		if (help)
			out(f, "\t%s\n", words(syn, 1));
#if PLAT_UNIX
		if (help && cmds[row_at[t] + i].args == A_RUN)
			cfg_run_opts(f);
#endif
		lead = "      ";
	} while (t && *cmd_text(t, ++i) != '\0');
}

static int
help(int argc, char **argv)
{
	int c;

	if (argc == 0) {
		client_usage(false);
		return EX_OK;
	}
	/* help config show: the command's synopsis holds the sub-command's. */
	if ((c = cmd_find(0, argv[0])) < 0) {
		perr("unknown %s: %s\n", "command", argv[0]);
		return EX_USAGE;
	}
	synopsis(1, c, true);
	return EX_OK;
}

/*
 * pm run [--name ID] [--KEY VALUE]... [--] CMD [ARG...] (issue 17): each
 * --KEY is the config key KEY (a dash read as _; --env and --dir are
 * environment and directory), so any key the parser knows is an option
 * and the parser checks it here first: an error names the option. The
 * server gets the section's lines and checks them again in its config.
 */
static int
run_args(int argc, char **argv)
{
	static char **ln[PDU_IDS_MAX];
	char *p = req.text, *e = p + PDU_TEXT_MAX - 8;
	char *id = req.ids[0], *k, *q;
	const char *c, *nm = "";
	int i, j, n = 0;

	req.nids = 1;
	for (i = 0; i < nopt && argv[i][0] == '-'; i += 2) {
		if (argv[i][1] != '-' || i + 1 >= nopt || n == PDU_IDS_MAX ||
		    strchr(argv[i + 1], '\n') != NULL) {
			perr("run: bad option: %s\n", argv[i]);
			return -1;
		}
		k = p;
		p += snprintf(p, (size_t)(e - p), "%s", argv[i] + 2);
		for (q = k; (q = strchr(q, '-')) != NULL; )
			*q = '_';
		if ((j = word_find("env\0dir\0name\0", k)) == 2) {
			nm = argv[i + 1];
			p = k;
			continue;
		}
		if (j >= 0)
			p = stpcpy(k, words("environment\0directory", j));
		ln[n++] = argv + i;
		if (p < e)
			p += snprintf(p, (size_t)(e - p), " = %s\n", argv[i + 1]);
		if (p >= e)
			break;
	}
	if (i >= argc)
		return -1;
	/* --name's, or the command's name as an ID may spell it. */
	c = strrchr(argv[i], '/');
	snprintf(id, PDU_ID_MAX, "%s", *nm ? nm : c ? c + 1 : argv[i]);
	for (q = id; *nm == '\0' && *q; q++)
		if (!strchr("_.-", *q) && !isalnum((unsigned char)*q))
			*q = '_';
	/* Every word single-quoted; a quote in it as '\''. */
	if (p < e)
		p = stpcpy(p, "command =");
	for (; i < argc && p < e; i++) {
		*p++ = ' ';
		for (*p++ = '\'', c = argv[i]; *c && p < e; c++)
			p = *c == '\'' ? stpcpy(p, "'\\''") : (*p = *c, p + 1);
		*p++ = '\'';
	}
	if (p >= e) {
		perr("run: too long\n");
		return -1;
	}
	*p = '\0';
#if PLAT_UNIX
	static char err[PM_ERR_MAX], t[2 * PDU_TEXT_MAX];
	struct config *cf;
	size_t o;
	int at;

	/* Checked here first, with stand-ins for the dependencies. */
	o = (size_t)snprintf(t, sizeof(t), "[process:%s]\n%s\n", id, req.text);
	for (i = 0; i < n; i++)
		if (strcmp(ln[i][0], "--depends") == 0)
			o += (size_t)snprintf(t + o, sizeof(t) - o,
			    "[process:%.40s]\ncommand = x\n", ln[i][1]);
	if (cfg_load_string("run", t, &cf, err, sizeof(err)) == 0) {
		cfg_free(cf);
		return R_ACTION;
	}
	for (k = err; k != NULL && *k; k = q) {
		if ((q = strchr(k, '\n')) != NULL)
			*q++ = '\0';
		/* "run:LINE: why": line 2 on are the options. */
		at = (int)strtol(k + 4, (char **)&c, 10) - 2;
		perr("run: %s%s%s\n", at >= 0 && at < n ?
		    ln[at][0] : "", at >= 0 && at < n ? ": " : "",
		    *c == ':' ? c + 2 : k);
	}
	return R_LOCAL + EX_USAGE;
#else
	(void)ln;
	return R_ACTION;
#endif
}

/*
 * Read c's arguments into the request: the printer to use, or -1 for a
 * usage error, or EX_* + R_LOCAL for a command that ran here.
 */
static int
cmd_args(const struct cmd *c, int argc, char **argv)
{
	/* Per A_*: the fewest arguments (high nibble) and the most (15: any). */
	static const uint8_t nargs[] = { [A_NONE] = 0x00, [A_IDS] = 0x0f,
		[A_ID1] = 0x01, [A_KEY1] = 0x01, [A_SIG] = 0x22,
		[A_LOGS] = 0x0f, [A_DRY] = 0x01, [A_FILE] = 0x01,
		[A_HELP] = 0x0f, [A_EVENTS] = 0x0f, [A_RUN] = 0x0f,
		[A_ID] = 0x11, [A_OUT] = 0x01, [A_REREAD] = 0x00 };
	char *end, *k;
	long n;

	if (argc < nargs[c->args] >> 4 || (argc > (nargs[c->args] & 15) &&
	    (nargs[c->args] & 15) != 15))
		return -1;
	switch (c->args) {
	case A_KEY1:
		if (argc == 1) {
			k = undash(argv[0]);
			if (strlen(k) >= PDU_KEY_MAX || *k == '\0' ||
			    *k == '-')
				return -1;
			strcpy(req.key, k);
		}
		return c->print;
	case A_SIG:
		k = undash(argv[1]);
		n = strtol(k, &end, 10);
		if (*end != '\0' || end == k)
			n = cfg_parse_signal(k);
		if (n <= 0 || n > 64) {
			perr("unknown %s: %s\n", "signal", argv[1]);
			return -1;
		}
		req.sig = (int)n;
		return add_ids(1, argv) == -1 ? -1 : c->print;
	case A_LOGS:
		if (argc > 1 && word_find("stdout\0stderr\0",
		    argv[argc - 1]) >= 0)
			opt.stream = argv[--argc];
		return logs_args(argc, argv);
	case A_REREAD:
		req.flags |= PDU_F_DRY_RUN;
		break;
	case A_DRY:
		if (argc == 1 && word_find("--dry-run\0-n\0", argv[0]) >= 0)
			req.flags |= PDU_F_DRY_RUN;
		else if (argc != 0)
			return -1;
		return c->print;
	case A_FILE:
		return c->type && !argc ? -1 : R_LOCAL +
		    config_check(argc ? argv[0] : NULL, c->type);
	case A_HELP:
		return R_LOCAL + help(argc, argv);
	case A_RUN:
		return run_args(argc, argv);
	case A_OUT:
		if (argc == 1 && dup2(open(argv[0], O_WRONLY | O_CREAT |
		    O_TRUNC, 0666), 1) < 0) {
			perr("%s: %s\n", argv[0], strerror(errno));
			return R_LOCAL + EX_FAIL;
		}
		return c->print;
	case A_EVENTS:
		if (argc > 0 && nopt > 0 && strcmp(argv[0], "-f") == 0) {
			opt.follow = true;
			argc--;
			argv++;
		}
		/* JSON lines, one per event, not one document (issue 15). */
		if (opt.json)
			req.flags |= PDU_F_JSON;
		opt.events_json = opt.json;
		opt.json = false;
		/* FALLTHROUGH */
	default:	/* the IDs, if any (none for A_NONE) */
		return add_ids(argc, argv) == -1 ? -1 : c->print;
	}
	return c->print;
}

/*
 * The key for TCP: PM_TOKEN holds it; --token-file (or the config's
 * token_file) names a file holding it, trailing newline stripped.
 */
static int
key_setup(const struct config *cf)
{
	const char *env = plat_getenv("PM_TOKEN"), *file = opt.token_file;
	ssize_t n;
	int fd;

	if (file == NULL && env != NULL) {
		n = (ssize_t)strnlen(env, sizeof(keybuf) - 1);
		memcpy(keybuf, env, (size_t)n);
		goto done;
	}
	if (file == NULL)
		file = cf->set.token_file;
	if (file == NULL)
		return 0;
	n = -1;
	if ((fd = plat_open_key(file)) != -1) {
		n = read(fd, keybuf, sizeof(keybuf) - 1);
		close(fd);	/* errno kept: it succeeds */
	}
	if (n < 0) {
		perr("token file %s: %s\n", file, plat_strerror(errno));
		return -1;
	}
	while (n > 0 && (keybuf[n - 1] == '\n' || keybuf[n - 1] == '\r'))
		n--;
done:
	keylen = (size_t)n;
	have_key = n > 0;
	return 0;
}

/*
 * Set up the targets: -H hosts, else -S, else the contract's socket
 * (PM_SOCKET, then the config's [settings] socket, then the default).
 */
static int
targets_setup(void)
{
	static char hosts[4096];
	char *h, *save = NULL, *e = getenv("PM_SOCKET");
	static struct config cf;	/* zero: targets_setup runs once */
	int rc = 0;

	if ((sess = calloc(TARGETS_MAX, sizeof(*sess))) == NULL) {
		perr("%s\n", strerror(errno));
		return -1;
	}
	/* An empty PM_SOCKET is unset, for the server and the client alike. */
	if (opt.hosts == NULL && opt.sock == NULL && e != NULL && *e != '\0')
		opt.sock = e;
	/* Only the two keys the client uses are read (issue 13). */
#if PLAT_UNIX
	if ((opt.sock == NULL && opt.hosts == NULL) ||
	    (opt.hosts != NULL && opt.token_file == NULL &&
	    plat_getenv("PM_TOKEN") == NULL))
		cfg_load_client(cfg_default_file(opt.cfgfile), &cf);
#endif
	if (opt.hosts != NULL) {
		snprintf(hosts, sizeof(hosts), "%s", opt.hosts);
		for (h = hosts; rc == 0 && h != NULL; h = save) {
			if ((save = strchr(h, ',')) != NULL)
				*save++ = '\0';
			if (*h != '\0')
				rc = target_add(h, true);
		}
		if (rc == 0)
			rc = key_setup(&cf);
	} else {
#if PLAT_UNIX
		if (opt.sock != NULL) {
			nlocs = 1;
			rc = target_add(opt.sock, false);
		} else if ((nlocs = cfg_socket_locs(&cf, false, locs)) < 1) {
			perr("socket path too long\n");
			rc = -1;
		} else
			rc = target_add(locs[0].name, false);
#else
		/* No Unix sockets here, and no server on this machine. */
		perr("this pm speaks TCP only: -H HOST:PORT "
		    "(with --token-file FILE or PM_TOKEN)\n");
		rc = -1;
#endif
	}
	if (rc == 0 && nsess == 0) {
		perr("no server to talk to\n");
		rc = -1;
	}
	free((char *)cf.set.socket);
	free((char *)cf.set.token_file);
	return rc;
}


/*
 * Is argv a client command line? main asks before it reads argv as the
 * server's, so that the client's grammar stays here (issue 13), and a
 * command given to PID 1 runs instead of being ignored. True for -h,
 * --help, --version or a command as the first word past the client's
 * options; false at "--" or at an option that is not the client's.
 */
bool
client_cmd(int argc, char **argv)
{
	int k;

	for (int i = 1; i < argc; i++) {
		if ((k = word_find(gnames, argv[i])) < 0)
			return argv[i][0] != '-' && cmd_find(0, argv[i]) >= 0;
		if (k >= G_HELP && k < G_HELP + 3)
			return true;
		i += k < G_VAL;
	}
	return false;
}

static int
client_run(int argc, char **argv)
{
	const struct cmd *c;
	const char *what;
	char *o;
	char **av = argv + 1;
	int i, n = 0, dd = -1, kind, top, t;

	/* Step 1: the global options, anywhere before "--". */
	for (i = 1; i < argc; i++) {
		if (dd < 0 && strcmp(argv[i], "--") == 0) {
			dd = n;
			continue;
		}
		if (dd < 0 && (kind = word_find(gnames, argv[i])) >= 0) {
			o = (char *)&opt + gwhere[kind];
			if (kind >= G_VAL)
				*(bool *)o = true;
			else if (i + 1 < argc)
				*(const char **)o = argv[++i];
			else {
				perr("%s needs a value\n",
				    argv[i]);
				return EX_USAGE;
			}
			continue;
		}
		if (n == 0 && dd < 0 && argv[i][0] == '-') {
			o = argv[i];
			what = "option";
			goto unknown;
		}
		av[n++] = argv[i];
	}
	if (opt.format != NULL && cfg_format(opt.format) < 0) {
		perr("--format: want pm or supervisord\n");
		return EX_USAGE;
	}
	if (opt.version) {
		out(1, "pm " PM_VERSION "\n");
		return EX_OK;
	}
	if (n == 0) {
		client_usage(!opt.help);
		return opt.help ? EX_OK : EX_USAGE;
	}
	/* Step 2: the command, and its sub-command, from the table. */
	if ((top = cmd_find(0, av[0])) < 0) {
		o = av[0];
		what = "command";
unknown:
		perr("unknown %s: %s\n", what, o);
		client_usage(true);
		return EX_USAGE;
	}
	if (opt.help) {
		synopsis(1, top, true);
		return EX_OK;
	}
	av++;
	n--;
	c = &cmds[top];
	if ((t = c->sub) != 0) {
		if (n == 0 || (i = cmd_find(t, av[0])) < 0) {
			if (n > 0)
				perr("%s: unknown sub-command: "
				    "%s\n", cmd_text(0, top), av[0]);
			synopsis(2, top, false);
			return EX_USAGE;
		}
		c = &cmds[row_at[t] + i];
		av++;
		n--;
		dd--;
	}
	nopt = dd < 0 ? n : dd - 1;
	if (plat_init() == -1) {
		perr("sockets: %s\n", plat_strerror(errno));
		return EX_FAIL;
	}
	memset(&req, 0, sizeof(req));
	req.type = c->type;
	req.reqid = (uint32_t)getpid();
	/* Step 3: the arguments; local commands end here. */
	if ((kind = cmd_args(c, n, av)) < 0) {
		synopsis(2, top, false);
		return EX_USAGE;
	}
	if (kind >= R_LOCAL)
		return kind - R_LOCAL;
	/* logs -f, events -f */
	req.flags |= opt.follow ? PDU_F_FOLLOW : 0;
	opt.ping = kind == R_PING;
	opt.pid = kind == R_PID;
	/* The Prometheus text is its own format, with or without --json. */
	opt.json &= req.type != PDU_METRICS;
	/* Step 4: find the server(s), then send the request. */
	if (targets_setup() == -1)
		return EX_FAIL;
#if PLAT_UNIX
	if (opt.all && follow_all() == -1)
		return EX_FAIL;
#endif
	return await(transact(kind >= R_PING ? R_STATUS : kind));
}

int
client_main(int argc, char **argv)
{
	int rc = client_run(argc, argv);

	out_flush();
	return rc;
}
