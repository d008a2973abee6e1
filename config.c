/*
 * config.c: INI text -> an immutable struct config.
 *
 * inih does the tokenising; everything else is ours: a line reader that
 * counts lines (Debian's inih gives the handler no line number), section
 * tracking, one table of keys per section, cross-field checks after the
 * parse, and the display and diff helpers the server and client share.
 *
 * Comments are whole lines starting with ';' or '#'. Inline comments are
 * off on purpose, so "command = a; b" with shell = yes keeps its ';'.
 * inih also takes "key: value"; the first '=' or ':' ends the key.
 *
 * This file allocates (it is the one place that may) and never logs:
 * every problem becomes a "FILE:LINE: message" line in the caller's buffer.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "log.h"
#include "out.h"
#include "superv.h"

#define ARENA_CHUNK	16384
#define INI_SECTION_MAX	50	/* inih's section buffer, NUL included */
#define MSG_MAX		512	/* one error line */
#define SHOW_VAL	"%.64s"	/* clip user text quoted in messages */
#define STR_(n)		#n
#define STR(n)		STR_(n)	/* a number macro's digits, in a literal */
/* One text, in depends and in section names: "process " or "". */
#define BAD_ID	"bad %sID '%.*s' (want A-Z a-z 0-9 _ . -, not first -, at " \
		"most %d bytes)"

/*
 * The arena: chained chunks that live exactly as long as the config.
 * Nothing in a config is freed on its own, so a bump allocator is enough
 * and cfg_free is a short list walk.
 */
struct chunk {
	struct chunk	*next;
	size_t		 used;
	size_t		 size;
	alignas(max_align_t) char data[];
};

enum sec { SEC_NONE, SEC_SETTINGS, SEC_PROC, SEC_BAD };

/* A depends = entry waiting for the whole file, so it can be resolved. */
struct pdep {
	int		 proc;
	int		 line;
	const char	*name;
};

/* Everything one load needs; lives on cfg_load's stack. */
struct ctx {
	struct config	*c;
	const char	*name;		/* file name for messages */
	const char	*text;		/* the source */
	const char	*end;		/* its end (a NUL is a byte), or NULL */
	bool		 tail;		/* cfg_load: cfg_added follows */
	bool		 eof;		/* ... and is being read */
	bool		 rderr;		/* the file could not be read */
	const struct sv_line *map;	/* text's lines in a supervisord file */
	int		 nmap;
	int		 lineno;

	char		*err;
	size_t		 errlen;
	size_t		 errpos;
	int		 nerr;
	bool		 errfull;
	bool		 oom;
	int		 first_herr;	/* first line the handler refused */

	enum sec	 sec;
	int		 cur;		/* index of the current process */
	uint64_t	 seen;		/* keys set in the current section */
	int		 settings_line;
	bool		 superv;	/* supervisord's sections seen */
	int		 listen_line;
	int		 nalloc;	/* room in c->procs */
	bool		 user_pw;	/* current user has a passwd entry */

	struct pdep	*deps;
	int		 ndeps;
	int		 depalloc;
	char		 why[MSG_MAX];	/* scratch for setter messages */
	/* Last: the fields above are reached by shorter offsets. */
	int		 keyline[64];	/* where each seen key was set */
};

/* ------------------------------------------------------------ arena */

/*
 * Allocate from the config's arena. Requests larger than a quarter chunk
 * get a chunk of their own, linked behind the head, so that the head's
 * free space is not abandoned for one long command line.
 */
static void *
arena_alloc(struct ctx *x, size_t n)
{
	struct chunk	**head = (struct chunk **)&x->c->arena;
	struct chunk	 *ch;
	size_t		  al = alignof(max_align_t), size;

	n = (n + al - 1) & ~(al - 1);
	ch = *head;
	if (ch != NULL && ch->size - ch->used >= n) {
		ch->used += n;
		return ch->data + ch->used - n;
	}
	size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK - sizeof(*ch);
	if ((ch = malloc(sizeof(*ch) + size)) == NULL) {
		x->oom = true;
		return NULL;
	}
	ch->size = size;
	ch->used = n;
	if (*head != NULL && n > ARENA_CHUNK / 4) {
		ch->next = (*head)->next;
		(*head)->next = ch;
	} else {
		ch->next = *head;
		*head = ch;
	}
	return ch->data;
}

static char *
arena_strndup(struct ctx *x, const char *s, size_t n)
{
	char	*p;

	if ((p = arena_alloc(x, n + 1)) == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char *
arena_strdup(struct ctx *x, const char *s)
{
	return arena_strndup(x, s, strlen(s));
}

/* ----------------------------------------------------------- errors */

/*
 * Append one "FILE:LINE: message" line to the caller's buffer. A line that
 * does not fit is replaced by "...", once, so the caller can tell that the
 * list is incomplete; the buffer is never overrun and stays terminated.
 */
static void __attribute__((format(printf, 3, 4)))
cerr(struct ctx *x, int line, const char *fmt, ...)
{
	char	 msg[MSG_MAX + 64];
	const char *nm = x->name;
	va_list	 ap;
	int	 n, m;
	size_t	 room;

	x->nerr++;
	if (x->err == NULL || x->errlen == 0 || x->errfull)
		return;
	if (x->map != NULL && line > 0 && line <= x->nmap) {
		nm = x->map[line - 1].file;
		line = x->map[line - 1].line;
	}
	n = snprintf(msg, sizeof(msg), line > 0 ? "%s:%d: " : "%s: ", nm,
	    line);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	va_start(ap, fmt);
	m = vsnprintf(msg + n, sizeof(msg) - n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof(msg) - 2)
		n = sizeof(msg) - 2;
	msg[n++] = '\n';
	msg[n] = '\0';
	room = x->errlen - x->errpos;
	if ((size_t)n < room) {
		memcpy(x->err + x->errpos, msg, n + 1);
		x->errpos += n;
		return;
	}
	x->errfull = true;
	if (room >= 5) {
		memcpy(x->err + x->errpos, "...\n", 5);
		x->errpos += 4;
	}
}

/* ----------------------------------------------------- small parsers */

/* The n-th of a list of NUL-separated words. */
static const char *
nth(const char *w, int n)
{
	for (; n > 0; n--)
		w += strlen(w) + 1;
	return w;
}

/* n bytes of s, at least one, each a letter, a digit or one of more. */
static bool
chars_ok(const char *s, size_t n, const char *more)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && (s[i] == '\0' ||
		    strchr(more, s[i]) == NULL))
			return false;
	return n > 0;
}

static bool
id_ok(const char *s, size_t n)
{
	/* A leading '-' is the design's dash of `pm start -ID` (issue 13). */
	return n <= PM_ID_MAX - 1 && s[0] != '-' && chars_ok(s, n, "_.-");
}

static bool
envname_ok(const char *s, size_t n)
{
	return !isdigit((unsigned char)s[0]) && chars_ok(s, n, "_");
}

/* The units of durations, largest first, and their milliseconds. */
static const char	 units[] = "h\0m\0s\0ms";
static const uint32_t	 unit_ms[] = { 3600000, 60000, 1000, 1 };

/*
 * Durations: seconds, optionally with a decimal fraction, or a number with
 * one of ms, s, m, h. The result must be a whole number of milliseconds
 * that fits in 32 bits: silently rounding "1.5ms" or wrapping "2000h"
 * would hand the supervisor a timer nobody asked for.
 */
int
cfg_parse_duration(const char *s, uint32_t *ms)
{
	unsigned long long	 ip = 0, fp = 0, fdiv = 1, mult, v;
	const char		*p = s;
	int			 ndig = 0, i;

	if (s == NULL)
		return -1;
	while (isdigit((unsigned char)*p)) {
		if (ip > 100000000000ULL)
			return -1;
		ip = ip * 10 + (*p++ - '0');
		ndig++;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			if (fdiv >= 1000000000ULL)
				return -1;
			fp = fp * 10 + (*p++ - '0');
			fdiv *= 10;
			ndig++;
		}
	}
	if (ndig == 0)
		return -1;
	/* The unit, s when none: its place in units[] and unit_ms[]. */
	for (i = 0; strcmp(*p != '\0' ? p : "s", nth(units, i)) != 0; i++)
		if (i == 3)
			return -1;
	mult = unit_ms[i];
	if ((fp * mult) % fdiv != 0)
		return -1;
	v = ip * mult + fp * mult / fdiv;
	if (v > UINT32_MAX)
		return -1;
	*ms = (uint32_t)v;
	return 0;
}

/*
 * Sizes: plain bytes or a K, M or G suffix (powers of 1024). A sign,
 * an empty string or anything after the suffix is refused.
 */
int
cfg_parse_size(const char *s, unsigned long long *bytes)
{
	unsigned long long	 v = 0, mult = 1;
	const char		*p = s, *u, *sfx = "KMG";

	if (s == NULL || !isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		unsigned d = *p++ - '0';

		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, d, &v))
			return -1;
	}
	/* K, M or G in either case: 1024 to the power of its place. */
	if ((u = memchr(sfx, *p & ~32, 3)) != NULL) {
		mult <<= 10 * (u - sfx + 1);
		p++;
	}
	if (*p != '\0' || __builtin_mul_overflow(v, mult, &v))
		return -1;
	*bytes = v;
	return 0;
}

/*
 * Shell-like word splitting, in place, without a shell: whitespace splits,
 * '...' is literal, "..." honours \\ \" \$ \` and keeps other backslashes,
 * a bare backslash quotes the next character. No expansion of any kind,
 * so what the user wrote is exactly what execve gets. Words are packed
 * towards the start of buf; the write position never passes the read
 * position, which is what makes in-place safe. argv needs room for max
 * pointers: at most max - 1 words and the closing NULL.
 */
static const char	too_many[] = "too many words";	/* mk_argv adds max */

int
cfg_split_command(char *buf, char **argv, int max, const char **why)
{
	char	*r = buf, *w = buf;
	int	 n = 0;
	bool	 inword = false;

	for (;;) {
		char	ch = *r;

		if (ch == '\0' || ch == ' ' || ch == '\t' || ch == '\n' ||
		    ch == '\r') {
			if (inword) {
				*w++ = '\0';
				inword = false;
			}
			if (ch == '\0')
				break;
			r++;
			continue;
		}
		if (!inword) {
			if (n >= max - 1) {
				*why = too_many;
				return -1;
			}
			argv[n++] = w;
			inword = true;
		}
		if (ch == '\'') {
			for (r++; *r != '\'' && *r != '\0'; )
				*w++ = *r++;
			if (*r == '\0') {
				*why = "unterminated quote";
				return -1;
			}
			r++;
		} else if (ch == '"') {
			for (r++; *r != '"' && *r != '\0'; ) {
				if (*r == '\\' && r[1] != '\0' &&
				    strchr("\\\"$`", r[1]) != NULL)
					r++;
				*w++ = *r++;
			}
			if (*r == '\0') {
				*why = "unterminated quote";
				return -1;
			}
			r++;
		} else if (ch == '\\') {
			if (r[1] == '\0') {
				*why = "backslash at end of command";
				return -1;
			}
			*w++ = r[1];
			r += 2;
		} else
			*w++ = *r++;
	}
	if (n == 0) {
		*why = "empty command";
		return -1;
	}
	argv[n] = NULL;
	return n;
}

/* ------------------------------------------------------------- keys */

struct key;
typedef const char *(*setter)(struct ctx *, void *obj, const struct key *,
    const char *val);

/*
 * The kinds of value, setters[]'s indices; show_key shows each kind:
 * first the strings with a default, then the other strings.
 */
enum {
	K_COMMAND, K_LOG, K_LOG_TARGET, K_CGROUP, K_SUCCESS,
	K_STR, K_ABSPATH, K_USER, K_GROUP, K_LISTEN, K_SOCKET,
	K_TTY, K_SCHEDULE, K_CG, K_PGROUP,
	K_BOOL, K_DURATION, K_OPT_DURATION, K_INT, K_ENUM, K_SIGNAL, K_RLIMIT,
	K_UMASK, K_NICE, K_ENV, K_DEPENDS, K_SIZE, K_ACTION,
	K_ENV_FILE
};

/*
 * One row per key (see PROC_KEYS below). A setter returns NULL or why the
 * value is bad; the handler adds file, line, section and key. The name is
 * in a literal of the table's names and the setter a byte, so that a row
 * is 4 bytes.
 */
struct key {
	unsigned char		 set;		/* K_*: setters[set] */
	/*
	 * K_ENUM: its words at enums[]'s b-th (E_*); K_INT, K_SIZE, K_NICE:
	 * bounds[b]; K_CG: the kind of value (set_cg); K_ACTION: its list.
	 */
	unsigned char		 b : 6;
	unsigned char		 repeat : 1;	/* may appear many times */
	unsigned char		 mon : 1;	/* a field of struct cfg_mon */
	/* A whole 16 bits: read without a mask, the flags with b. */
	unsigned short		 off;
};
_Static_assert(sizeof(struct key) == 4, "a row is 4 bytes");

/*
 * set_int, set_size bounds; a set_size hi of -1 is LLONG_MAX, in an
 * unsigned long long field.
 */
static const struct {
	int	lo, hi;
} bounds[] = {
	{ 0, INT_MAX }, { -20, 19 }, { 0, 99 }, { 1, 1000 }, { 1024, -1 },
	{ 1, 65535 }, { 8192, 64 << 20 }
};
#define LO(k)	(bounds[(k)->b].lo)
#define HI(k)	(bounds[(k)->b].hi)

/*
 * The words of the K_ENUM keys, a key's list from the word E_* names (its
 * place, as nth() counts), in the order the key tables name them:
 * NUL-separated, an empty one last, each after a byte that is its value
 * + '0' (asserted below). One literal, not arrays of rows (12 bytes a
 * word would be twice the text) nor an array of pointers to the lists.
 */
static const char enums[] =
	"0service\0" "1oneshot\0" "\0"
	"0always\0" "1on-failure\0" "2never\0" "\0"
	"0skip\0" "1queue\0" "2kill\0" "\0"
	"3error\0" "4warn\0" "6info\0" "7debug\0" "\0"
	"0auto\0" "1yes\0" "2no\0" "\0"
	"3reboot\0" "2poweroff\0" "1halt\0" "/ignore\0" "\0"
	"2poweroff\0" "3reboot\0" "1halt\0" "\0"
	"0text\0" "1json\0";
enum {
	E_TYPE = 0, E_RESTART = 3, E_OVERLAP = 7, E_LOG_LEVEL = 11,
	E_INIT = 16, E_CTRLALTDEL = 20, E_ON_CRITICAL = 25, E_LOG_FORMAT = 29
};
_Static_assert(PT_SERVICE == 0 && PT_ONESHOT == 1 && RS_ALWAYS == 0 &&
    RS_ON_FAILURE == 1 && RS_NEVER == 2 && OV_SKIP == 0 && OV_QUEUE == 1 &&
    OV_KILL == 2 && L_ERR == 3 && L_WARN == 4 && L_INFO == 6 &&
    L_DEBUG == 7 && INIT_AUTO == 0 && INIT_YES == 1 && INIT_NO == 2 &&
    END_HALT == 1 && END_POWEROFF == 2 && END_REBOOT == 3 && LF_TEXT == 0 &&
    LF_JSON == 1, "the value bytes of enums[]");

#define FIELD(obj, k, type)	((type *)(void *)((char *)(obj) + (k)->off))

/*
 * A setter's refusal of its value: a format whose one SHOW_VAL takes the
 * value, returned as it is; the handler, every setter's caller, fills it
 * in. A setter that needs other numbers formats into x->why itself.
 */
#define bad(x, fmt, val)	((void)(x), (void)(val), (const char *)(fmt))

/*
 * The kinds below K_BOOL keep a string: their setter only checks it, and
 * on NULL the handler keeps the value with set_str. One that kept what it
 * wanted itself, or nothing, returns stored.
 */
static const char	 stored[] = "";

static __attribute__((noinline)) const char *
set_str(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	if (*v == '\0')
		return "empty value";
	if ((*FIELD(obj, k, const char *) = arena_strdup(x, v)) == NULL)
		return "out of memory";
	return stored;	/* NULL to the handler; what set_tty, set_cg say */
}

/* K_STR, K_COMMAND: any text (the command is split at the section end). */
static const char *
set_text(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	(void)x;
	(void)obj;
	(void)k;
	(void)v;
	return NULL;
}

static const char *
set_abspath(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	(void)obj;
	(void)k;
	if (*v != '/')
		return bad(x, "'" SHOW_VAL "' is not an absolute path", v);
	return NULL;
}

static const char *
set_bool(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	const char	*w;

	/* As enums[]: each word after its value byte; any case (strncasecmp
	 * with no limit, as cfg_parse_signal: strcasecmp is not linked). */
	for (w = "1yes\0" "1true\0" "11\0" "1on\0" "0no\0" "0false\0" "00\0"
	    "0off\0"; *w != '\0'; w += strlen(w) + 1)
		if (strncasecmp(v, w + 1, (size_t)-1) == 0) {
			*FIELD(obj, k, bool) = *w == '1';
			return NULL;
		}
	return bad(x, "'" SHOW_VAL "' is not yes or no", v);
}

static const char *
set_duration(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	if (cfg_parse_duration(v, FIELD(obj, k, uint32_t)) == -1)
		return bad(x, "bad duration '" SHOW_VAL "' (want seconds, "
		    "or a number with ms, s, m or h, at most 49 days)", v);
	return NULL;
}

static const char *
set_int(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	char		*end;
	long		 n;

	/*
	 * The field is an int: strtol's range (32 bits on armhf) suffices,
	 * ERANGE or the key's bounds refuse the rest.
	 */
	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno != 0 || n < LO(k) ||
	    n > HI(k)) {
		snprintf(x->why, sizeof(x->why), "'" SHOW_VAL "' is not a "
		    "whole number from %d to %d", v, LO(k), HI(k));
		return x->why;
	}
	*FIELD(obj, k, int) = (int)n;
	return NULL;
}

static const char *
set_enum(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	const char	*e;
	/* The refusal, its list of words made as they are compared. */
	char		*w = x->why + snprintf(x->why, sizeof(x->why), "'"
			    SHOW_VAL "' is not one of ", v);

	for (e = nth(enums, k->b); *e != '\0'; e += strlen(e) + 1) {
		if (strcmp(v, e + 1) == 0) {
			*FIELD(obj, k, int) = *e - '0';
			return NULL;
		}
		w = stpcpy(w, e + 1);
		*w++ = '|';
	}
	w[-1] = '\0';	/* at most 82 + 40 bytes: x->why holds it */
	return x->why;
}

static const char *
set_signal(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	int	sig;

	if ((sig = cfg_parse_signal(v)) == -1)
		return bad(x, "unknown signal '" SHOW_VAL "'", v);
	*FIELD(obj, k, int) = sig;
	return NULL;
}

/* rlimits: -1 leaves pm's own limit, -2 is RLIM_INFINITY ("unlimited"). */
static const char *
set_rlimit(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	unsigned long long	b;

	if (strcmp(v, "unlimited") == 0 || strcmp(v, "infinity") == 0) {
		*FIELD(obj, k, long long) = -2;
		return NULL;
	}
	if (cfg_parse_size(v, &b) == -1 || b > LLONG_MAX)
		return bad(x, "bad limit '" SHOW_VAL "' (want a number, "
		    "K/M/G suffix allowed, or unlimited)", v);
	*FIELD(obj, k, long long) = (long long)b;
	return NULL;
}

static const char *
set_umask(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	const char	*p;
	int		 m = 0;

	for (p = v; *p >= '0' && *p <= '7'; p++) {
		m = m * 8 + (*p - '0');
		if (m > 0777)
			break;
	}
	if (p == v || *p != '\0' || m > 0777)
		return bad(x, "bad umask '" SHOW_VAL "' (want octal, "
		    "e.g. 022 or 0077)", v);
	*FIELD(obj, k, int) = m;
	return NULL;
}

static const char *
set_nice(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	const char	*why;

	if ((why = set_int(x, obj, k, v)) == NULL)
		((struct cfg_proc *)obj)->has_nice = true;
	return why;
}

static const char *
set_env(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	struct cfg_proc	*p = obj;
	const char	*eq = strchr(v, '='), **e;
	size_t		 n;
	int		 i;

	(void)k;
	if (eq == NULL || !envname_ok(v, eq - v))
		return bad(x, "'" SHOW_VAL "' is not NAME=VALUE with a valid "
		    "variable name", v);
	n = eq - v + 1;
	for (i = 0; i < p->nenv; i++)
		if (strncmp(p->env[i], v, n) == 0) {
			snprintf(x->why, sizeof(x->why), "%.*s is set twice",
			    (int)(n - 1), v);
			return x->why;
		}
	if (p->nenv >= PM_ENV_MAX)
		return "too many environment lines (max " STR(PM_ENV_MAX) ")";
	/* One more slot, in the arena: few lines, most processes none. */
	if ((e = arena_alloc(x, (p->nenv + 1) * sizeof(*e))) == NULL ||
	    (e[p->nenv] = arena_strdup(x, v)) == NULL)
		return "out of memory";
	for (i = 0; i < p->nenv; i++)
		e[i] = p->env[i];
	p->env = e;
	p->nenv++;
	return NULL;
}

/*
 * A file the config names, or an [include] glob matched, for reading: a
 * regular file only, checked before the open (a device's open can act: a
 * watchdog's arms it), and opened without blocking (a FIFO, a file of
 * /proc that waits). NULL: why says why; else it is NULL.
 */
FILE *
cfg_fopen(const char *path, const char **why)
{
	struct stat	 st;
	FILE		*f = NULL;
	int		 fd;

	*why = "not a regular file";
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY)) >= 0 && (f = fdopen(fd, "r")) == NULL)
		close(fd);
	*why = f ? NULL : strerror(errno);
	return f;
}

/*
 * env_file = FILE: Docker's env-file lines, NAME=VALUE, or NAME alone for
 * pm's own value of NAME; '#' lines are comments.
 */
static const char *
set_env_file(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	char		 line[PM_LINE_MAX], kv[PM_LINE_MAX + 8], *s = kv;
	const char	*why, *val;
	FILE		*f;
	int		 n = 0;

	if ((why = set_abspath(x, obj, k, v)) != NULL)
		return why;
	if ((f = cfg_fopen(v, &why)) == NULL)
		return why;
	while (why == NULL && fgets(line, sizeof(line), f) != NULL) {
		n++;
		line[strcspn(line, "\n")] = '\0';
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '\0' || *s == '#')
			continue;
		if (strchr(s, '=') == NULL) {
			if ((val = getenv(s)) == NULL)
				continue;
			snprintf(kv, sizeof(kv), "%s=%s", s, val);
			s = kv;
		}
		why = set_env(x, obj, k, s);
	}
	fclose(f);
	if (why == NULL)
		return NULL;
	if (why != x->why)
		snprintf(x->why, sizeof(x->why), why, s);
	/* At most 200 + 13 + 280 bytes: x->why holds it. */
	snprintf(line, sizeof(line), "%.200s:%d: %.280s", v, n, x->why);
	return strcpy(x->why, line);
}

/*
 * success_exit = 0 2: exit codes, spaces or commas between, kept as
 * written. Is st among them? -1 for a code out of 0-255.
 */
static int
exit_in(const char *v, int st)
{
	char	*e;
	long	 n;
	int	 in = 0;

	for (;; v = e) {
		while (*v == ' ' || *v == ',' || *v == '\t')
			v++;
		if (*v == '\0')
			return in;
		n = strtol(v, &e, 10);
		if (e == v || n < 0 || n > 255)
			return -1;
		in |= n == st;
	}
}

static const char *
set_success(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	(void)obj;
	(void)k;
	return exit_in(v, -1) < 0 ? bad(x, "bad exit code in '" SHOW_VAL
	    "' (want 0-255)", v) : NULL;
}

/* Unset (NULL) is 0 alone; with st -1: is success_exit set? */
bool
cfg_success(const struct cfg_proc *p, int st)
{
	return st < 0 ? p->success != NULL : exit_in(p->success ? p->success :
	    "0", st) > 0;
}

static const char *
set_pgroup(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	(void)obj;
	(void)k;
	return id_ok(v, strlen(v)) ? NULL : bad(x, "bad name '" SHOW_VAL
	    "' (want an ID)", v);
}

/*
 * depends: names are only checked for shape here; whether they exist is
 * known once the whole file is read. Repeats of a name are dropped.
 */
static const char *
set_depends(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	const char	*s = v, *e;
	struct pdep	*d;
	size_t		 n;
	int		 i, have = 0;

	(void)obj;
	(void)k;
	for (i = x->ndeps - 1; i >= 0 && x->deps[i].proc == x->cur; i--)
		have++;
	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (*s == '\0')
			break;
		n = strcspn(s, " \t,");
		e = s + n;
		if (!id_ok(s, n)) {
			snprintf(x->why, sizeof(x->why), BAD_ID, "",
			    n > 64 ? 64 : (int)n, s, PM_ID_MAX - 1);
			return x->why;
		}
		for (i = x->ndeps - have; i < x->ndeps; i++)
			if (strncmp(x->deps[i].name, s, n) == 0 &&
			    x->deps[i].name[n] == '\0')
				break;
		if (i == x->ndeps) {
			if (x->ndeps == x->depalloc) {
				int na = x->depalloc ? x->depalloc * 2 : 16;

				d = reallocarray(x->deps, na, sizeof(*d));
				if (d == NULL)
					return "out of memory";
				x->deps = d;
				x->depalloc = na;
			}
			d = &x->deps[x->ndeps];
			d->proc = x->cur;
			d->line = x->lineno;
			if ((d->name = arena_strndup(x, s, n)) == NULL)
				return "out of memory";
			x->ndeps++;
			have++;
		}
		s = e;
	}
	if (have == 0)
		return "empty value";
	return NULL;
}

/*
 * pm reads /etc/passwd and /etc/group itself, at load time only: libc's
 * getpwnam brings an nscd client and a second parser into the static
 * binary, and these files are all that a container or a board has.
 * db_next splits the next line of fp at ':' into f[0..nf-1] (missing
 * fields are ""); 0 at the end of the file.
 */
static int
db_next(FILE *fp, char *line, size_t len, char **f, int nf)
{
	char	*s, rest[64];
	int	 i;

	for (;;) {
		if (fgets(line, (int)len, fp) == NULL)
			return 0;
		if ((s = strchr(line, '\n')) != NULL)
			*s = '\0';
		else	/* longer than the buffer: skip the rest of it */
			while (fgets(rest, sizeof(rest), fp) != NULL &&
			    strchr(rest, '\n') == NULL)
				;
		if (line[0] == '\0' || line[0] == '#')
			continue;
		for (s = line, i = 0; i < nf; i++) {
			f[i] = s;
			if ((s = strchr(s, ':')) != NULL)
				*s++ = '\0';
			else
				s = line + strlen(line);
		}
		return 1;
	}
}

/* Find NAME (or, with name NULL, the numeric ID) in a database file. */
static bool
db_find(const char *file, const char *name, unsigned long id, char *line,
    size_t len, char **f, int nf)
{
	FILE	*fp;
	bool	 found = false;

	if ((fp = fopen(file, "re")) == NULL)
		return false;
	while (!found && db_next(fp, line, len, f, nf))
		found = name != NULL ? strcmp(f[0], name) == 0 :
		    (*f[2] != '\0' && strtoul(f[2], NULL, 10) == id);
	fclose(fp);
	return found;
}

/*
 * The supplementary groups of a user: its primary group and every group
 * of /etc/group that lists it, as initgroups would set them. Read once
 * here, so spawning does no file I/O.
 */
static void
user_groups(struct ctx *x, struct cfg_proc *p)
{
	char	 line[1024], *f[4], *m, *sp;
	gid_t	 g[PM_GROUPS_MAX];
	unsigned long id;
	int	 n = 1;
	FILE	*fp;

	g[0] = p->gid;
	if ((fp = fopen("/etc/group", "re")) != NULL) {
		while (n < PM_GROUPS_MAX && db_next(fp, line, sizeof(line), f, 4))
			for (sp = f[3]; (m = strsep(&sp, ",")) != NULL;)
				if (strcmp(m, p->user) == 0 &&
				    (id = strtoul(f[2], NULL, 10)) != p->gid) {
					g[n++] = (gid_t)id;
					break;
				}
		fclose(fp);
	}
	if ((p->groups = arena_alloc(x, n * sizeof(gid_t))) == NULL)
		return;
	memcpy(p->groups, g, n * sizeof(gid_t));
	p->ngroups = n;
}

/*
 * A user or group: a NAME of file (/etc/passwd or /etc/group, whose line
 * is left in f), else a numeric ID, taken as is (f[0] is then NULL).
 */
/* Out of line (as cfg_id_hash and cfg_sig_shown): one copy is smaller. */
static __attribute__((noinline)) const char *
db_id(struct ctx *x, const char *file, const char *v, unsigned long *id,
    char *line, char **f)
{
	char	*end;

	if (*v == '\0')
		return "empty value";
	if (db_find(file, v, 0, line, 1024, f, 4)) {
		*id = strtoul(f[2], NULL, 10);
		return NULL;
	}
	f[0] = NULL;
	errno = 0;
	if (isdigit((unsigned char)*v) && (*id = strtoul(v, &end, 10),
	    *end == '\0' && errno == 0 && *id < (uid_t)-1))
		return NULL;
	snprintf(x->why, sizeof(x->why), isdigit((unsigned char)*v) ?
	    "bad %s ID '" SHOW_VAL "'" : "unknown %s '" SHOW_VAL "'",
	    file[5] == 'p' ? "user" : "group", v);
	return x->why;
}

/*
 * user is resolved now, so a typo fails the load rather than the spawn.
 * A numeric ID is taken as is; its passwd entry, if any, supplies the
 * primary group when group is not set.
 */
static const char *
set_user(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	struct cfg_proc	*p = obj;
	char		 line[1024], *f[4];
	const char	*why;
	unsigned long	 n;

	if ((why = db_id(x, "/etc/passwd", v, &n, line, f)) != NULL)
		return why;
	p->uid = (uid_t)n;
	x->user_pw = f[0] != NULL ||
	    db_find("/etc/passwd", NULL, n, line, sizeof(line), f, 4);
	if (x->user_pw && p->group == NULL)
		p->gid = (gid_t)strtoul(f[3], NULL, 10);
	(void)k;
	return NULL;
}

/* group and socket_group: the gid follows the name (asserted below). */
static const char *
set_group(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	char		 line[1024], *f[4];
	const char	*why;
	unsigned long	 n;

	if ((why = db_id(x, "/etc/group", v, &n, line, f)) == NULL)
		*(gid_t *)(void *)((char *)obj + k->off + sizeof(char *)) =
		    (gid_t)n;
	return why;
}

/*
 * listen = HOST:PORT, [V6ADDR]:PORT or *:PORT. HOST is an address, not a
 * name: pm never blocks on a resolver, and the binary stays small.
 */
static const char *
set_listen(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;

	if (cfg_parse_addr(v, true, &ss, &len) < 0)
		return bad(x, "bad listen address '" SHOW_VAL "' (want HOST:PORT with "
		    "HOST an IP address, [IPv6], localhost or *; port 1..65535)",
		    v);
	(void)obj;
	(void)k;
	return NULL;
}

/* A Unix socket path must fit sun_path, or bind() fails much later. */
static const char *
set_socket(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	struct sockaddr_un	sun;

	_Static_assert(sizeof(sun.sun_path) == 108, "the limit below");
	if (strlen(v) >= sizeof(sun.sun_path))
		return "path too long for a Unix socket (max 107 bytes)";
	if (v[0] == '@' && v[1] != '\0')
		return NULL;	/* abstract namespace */
	return set_abspath(x, obj, k, v);
}

static const char *
set_log_target(struct ctx *x, void *obj, const struct key *k,
    const char *v)
{
	if (strcmp(v, "stderr") != 0 && strcmp(v, "syslog") != 0 &&
	    *v != '/')
		return bad(x, "'" SHOW_VAL "' is not stderr, syslog or an "
		    "absolute file name", v);
	(void)obj;
	(void)k;
	return NULL;
}

/* A terminal for the process: "console" names the kernel's console. */
static const char *
set_tty(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	if (strcmp(v, "console") != 0)
		return set_abspath(x, obj, k, v);
	return set_str(x, obj, k, "/dev/console");
}

static const char *
set_log(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	if (strcmp(v, "console") == 0)
		return stored;	/* NULL, as it was */
	if (strlen(v) >= PM_PATH_MAX)
		return bad(x, "path '" SHOW_VAL "...' is too long", v);
	return set_abspath(x, obj, k, v);
}

/*
 * Sizes with K/M/G, 0 or within the key's bounds. A key whose upper bound
 * is -1 (LLONG_MAX) has an unsigned long long field, the others a uint32_t.
 */
static const char *
set_size(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	unsigned long long	b;
	long long		hi = HI(k) < 0 ? LLONG_MAX : HI(k);

	if (cfg_parse_size(v, &b) == -1 || b > (unsigned long long)hi ||
	    (b != 0 && b < (unsigned long long)LO(k))) {
		snprintf(x->why, sizeof(x->why), "bad size '" SHOW_VAL "' "
		    "(want 0 or %d to %lld bytes, K/M/G suffix allowed)", v,
		    LO(k), hi);
		return x->why;
	}
	if (HI(k) < 0)
		*FIELD(obj, k, unsigned long long) = b;
	else
		*FIELD(obj, k, uint32_t) = (uint32_t)b;
	return NULL;
}

/* Monitoring keys live in a struct cfg_mon, made on the first one. */
static struct cfg_mon *
mon_of(struct ctx *x)
{
	struct cfg_proc	*p = &x->c->procs[x->cur];
	struct cfg_mon	*m;

	if (p->mon != NULL)
		return (struct cfg_mon *)p->mon;
	if ((m = arena_alloc(x, sizeof(*m))) == NULL)
		return NULL;
	memset(m, 0, sizeof(*m));
	m->ready_timeout_ms = 60000;
	m->check_interval_ms = 30000;
	m->check_timeout_ms = 10000;
	m->check_retries = 3;
	p->mon = m;
	return m;
}

/*
 * The words of ready (list b 0, by RD_*) and on_check_fail (list b 1, by
 * CF_*), NUL-separated, each list ended by an empty word. A word ending
 * in ':' takes what follows it: the last one, exec:, a command (kept as
 * written at the int's field + 8; argv is made at section end), the
 * others a number (at the field + 4).
 */
static const char	 acts[] = "none\0notify\0fd:\0tcp:\0exec:\0\0"
			    "restart\0stop\0exit\0exec:\0";
#define ACTS_B1	6	/* the words before list 1 */

/* 0: w takes nothing, 1: a number, 2: a command (the last word). */
static inline __attribute__((always_inline)) int
act_arg(const char *w)
{
	size_t	n = strlen(w);

	return w[n + 1] == '\0' ? 2 : w[n - 1] == ':';
}

static const char *
set_action(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	int		*f = FIELD(obj, k, int);
	const char	*w = nth(acts, k->b * ACTS_B1);
	size_t		 n = 0;
	char		*end;
	long		 a;
	int		 i;

	for (i = 0; *w != '\0'; i++, w += n + 1)
		if ((n = strlen(w), w[n - 1] == ':') ? strncmp(v, w, n) == 0 :
		    strcmp(v, w) == 0)
			break;
	if (*w == '\0')
		return bad(x, k->b ? "'" SHOW_VAL "' is not restart, stop, "
		    "exit or exec:CMD" : "'" SHOW_VAL "' is not none, notify, "
		    "fd:N, tcp:PORT or exec:CMD", v);
	*f = i;
	if (act_arg(w) == 2) {
		if (v[n] == '\0')
			return "empty command after exec:";
		if ((*(const char **)(void *)(f + 2) = arena_strdup(x, v +
		    n)) == NULL)
			return "out of memory";
	} else if (act_arg(w) == 1) {
		/* fd:N, N from 3 to 1023; tcp:PORT, PORT from 1 to 65535. */
		a = isdigit((unsigned char)v[n]) ? strtol(v + n, &end, 10) : 0;
		if (a < (i == RD_FD ? 3 : 1) || a > (i == RD_FD ? 1023 :
		    65535) || *end != '\0')
			return bad(x, i == RD_FD ? "bad '" SHOW_VAL "' (want "
			    "fd:N, N from 3 to 1023)" : "bad '" SHOW_VAL "' "
			    "(want tcp:PORT, PORT from 1 to 65535)", v);
		f[1] = (int)a;
	}
	return NULL;
}
_Static_assert(RD_NONE == 0 && RD_NOTIFY == 1 && RD_FD == 2 && RD_TCP == 3 &&
    RD_EXEC == 4 && CF_RESTART == 0 && CF_STOP == 1 && CF_EXIT == 2 &&
    CF_EXEC == 3, "acts[]'s order");
_Static_assert(offsetof(struct cfg_mon, ready_arg) == sizeof(int) &&
    offsetof(struct cfg_mon, ready_cmd) == 2 * sizeof(int) &&
    offsetof(struct cfg_mon, fail_cmd) == offsetof(struct cfg_mon,
    on_check_fail) + 2 * sizeof(int), "set_action's fields");

static const char *
set_schedule(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	struct cfg_mon	*m = obj;
	const char	*why;

	if (sched_parse(v, &m->sched, &why) < 0) {
		snprintf(x->why, sizeof(x->why), "'" SHOW_VAL "': %s", v, why);
		return x->why;
	}
	(void)k;
	return NULL;
}

/*
 * The cgroup limits (issue 14), kept as the text the kernel's file takes:
 * b 0 bytes, 1 a count (both or max), 2 cpu_max (N% of one CPU, QUOTA
 * PERIOD in microseconds, or max), 3 a weight from 1 to 10000.
 */
static const char *
set_cg(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	/* What each kind wants, NUL-separated: the b-th. */
	const char *want = "bytes, K/M/G suffix allowed\0" "a number\0"
	    "N% of one CPU, or QUOTA PERIOD in microseconds\0" "1 to 10000";
	unsigned long long a = 0, b = 100000;
	char t[48], *e;
	bool ok;

	if (k->b < 3 && strcmp(v, "max") == 0)
		return NULL;
	if (k->b != 2)
		ok = cfg_parse_size(v, &a) == 0 && (k->b < 3 || (a > 0 &&
		    a <= 10000));
	else {
		/* N% is N ms of every 100 ms; else QUOTA PERIOD as is. */
		a = isdigit((unsigned char)*v) ? strtoull(v, &e, 10) : 0;
		if (a > 0 && *e == '%' && e[1] == '\0' && a < 1000000)
			ok = (a *= 1000) != 0;
		else
			ok = a >= 1000 && a < 1ULL << 40 && *e == ' ' &&
			    isdigit((unsigned char)e[1]) &&
			    (b = strtoull(e + 1, &e, 10)) >= 1000 &&
			    b <= 1000000 && *e == '\0';
	}
	if (!ok) {
		snprintf(x->why, sizeof(x->why), "bad value '" SHOW_VAL
		    "' (want %s%s)", v, nth(want, k->b), k->b < 3 ? ", or max" :
		    "");
		return x->why;
	}
	snprintf(t, sizeof(t), k->b == 2 ? "%llu %llu" : "%llu", a, b);
	return set_str(x, obj, k, t);
}

/* [settings] cgroup = auto | no | PATH (issue 14); auto is NULL. */
static const char *
set_cgroup(struct ctx *x, void *obj, const struct key *k, const char *v)
{
	if (strcmp(v, "auto") == 0)
		return stored;
	return strcmp(v, "no") == 0 ? NULL : set_abspath(x, obj, k, v);
}

/* setters[K_*]: a kind differs from another by how it is shown alone. */
static const setter setters[] = {
	[K_STR] = set_text, [K_ABSPATH] = set_abspath, [K_BOOL] = set_bool,
	[K_DURATION] = set_duration, [K_OPT_DURATION] = set_duration,
	[K_INT] = set_int, [K_ENUM] = set_enum, [K_SIGNAL] = set_signal,
	[K_RLIMIT] = set_rlimit, [K_UMASK] = set_umask, [K_NICE] = set_nice,
	[K_COMMAND] = set_text, [K_ENV] = set_env, [K_DEPENDS] = set_depends,
	[K_USER] = set_user, [K_GROUP] = set_group,
	[K_LISTEN] = set_listen,
	[K_SOCKET] = set_socket, [K_LOG_TARGET] = set_log_target,
	[K_TTY] = set_tty, [K_LOG] = set_log, [K_SIZE] = set_size,
	[K_ACTION] = set_action,
	[K_SCHEDULE] = set_schedule, [K_CG] = set_cg, [K_CGROUP] = set_cgroup,
	[K_SUCCESS] = set_success, [K_PGROUP] = set_pgroup,
	[K_ENV_FILE] = set_env_file
};

#define P(f)	offsetof(struct cfg_proc, f)
#define S(f)	offsetof(struct cfg_settings, f)
#define M(f)	offsetof(struct cfg_mon, f)

/*
 * The keys of each section, one X(ID, name, kind, b, offset, repeat, mon)
 * a key: the whole vocabulary of a section in one place (the idea of
 * inih's examples/ini_xmacros.c). From each list come the enum of IDs
 * (the checks after a section ask whether a key was set, and where), the
 * names packed in one literal (NUL-separated, an empty one last) and the
 * 4-byte rows, in the same order.
 */
#define PROC_KEYS(X) \
	X(PK_COMMAND, "command", K_COMMAND, 0, P(command), 0, 0) \
	X(PK_SHELL, "shell", K_BOOL, 0, P(shell), 0, 0) \
	X(PK_TYPE, "type", K_ENUM, E_TYPE, P(type), 0, 0) \
	X(PK_AUTOSTART, "autostart", K_BOOL, 0, P(autostart), 0, 0) \
	X(PK_RESTART, "restart", K_ENUM, E_RESTART, P(restart), 0, 0) \
	X(PK_RESTART_DELAY, "restart_delay", K_DURATION, 0, \
	    P(restart_delay_ms), 0, 0) \
	X(PK_RESTART_DELAY_MAX, "restart_delay_max", K_DURATION, 0, \
	    P(restart_delay_max_ms), 0, 0) \
	X(PK_START_LIMIT, "start_limit", K_INT, 0, P(start_limit), 0, 0) \
	X(PK_CRITICAL, "critical", K_BOOL, 0, P(critical), 0, 0) \
	X(PK_DEPENDS, "depends", K_DEPENDS, 0, 0, 1, 0) \
	X(PK_STOP_SIGNAL, "stop_signal", K_SIGNAL, 0, P(stop_signal), 0, 0) \
	X(PK_STOP_TIMEOUT, "stop_timeout", K_DURATION, 0, \
	    P(stop_timeout_ms), 0, 0) \
	X(PK_USER, "user", K_USER, 0, P(user), 0, 0) \
	X(PK_GROUP, "group", K_GROUP, 0, P(group), 0, 0) \
	X(PK_DIRECTORY, "directory", K_ABSPATH, 0, P(directory), 0, 0) \
	X(PK_UMASK, "umask", K_UMASK, 0, P(umask), 0, 0) \
	X(PK_NICE, "nice", K_NICE, 1, P(nice), 0, 0) \
	X(PK_RLIMIT_NOFILE, "rlimit_nofile", K_RLIMIT, 0, \
	    P(rlimit_nofile), 0, 0) \
	X(PK_RLIMIT_CORE, "rlimit_core", K_RLIMIT, 0, P(rlimit_core), 0, 0) \
	X(PK_RLIMIT_NPROC, "rlimit_nproc", K_RLIMIT, 0, \
	    P(rlimit_nproc), 0, 0) \
	X(PK_ENVIRONMENT, "environment", K_ENV, 0, 0, 1, 0) \
	X(PK_TTY, "tty", K_TTY, 0, P(tty), 0, 0) \
	X(PK_LOG, "log", K_LOG, 0, P(log), 0, 0) \
	X(PK_LOG_MAX_SIZE, "log_max_size", K_SIZE, 4, P(log_max_size), 0, 0) \
	X(PK_LOG_KEEP, "log_keep", K_INT, 2, P(log_keep), 0, 0) \
	X(PK_READY, "ready", K_ACTION, 0, M(ready), 0, 1) \
	X(PK_READY_TIMEOUT, "ready_timeout", K_DURATION, 0, \
	    M(ready_timeout_ms), 0, 1) \
	X(PK_CHECK, "check", K_STR, 0, M(check), 0, 1) \
	X(PK_CHECK_INTERVAL, "check_interval", K_DURATION, 0, \
	    M(check_interval_ms), 0, 1) \
	X(PK_CHECK_TIMEOUT, "check_timeout", K_DURATION, 0, \
	    M(check_timeout_ms), 0, 1) \
	X(PK_CHECK_RETRIES, "check_retries", K_INT, 3, \
	    M(check_retries), 0, 1) \
	X(PK_ON_CHECK_FAIL, "on_check_fail", K_ACTION, 1, \
	    M(on_check_fail), 0, 1) \
	X(PK_ON_EXIT, "on_exit", K_STR, 0, M(on_exit), 0, 1) \
	X(PK_ON_FATAL, "on_fatal", K_STR, 0, M(on_fatal), 0, 1) \
	X(PK_SCHEDULE, "schedule", K_SCHEDULE, 0, M(schedule), 0, 1) \
	X(PK_OVERLAP, "overlap", K_ENUM, E_OVERLAP, M(overlap), 0, 1) \
	X(PK_SUCCESS_EXIT, "success_exit", K_SUCCESS, 0, P(success), 0, 0) \
	X(PK_ENV_FILE, "env_file", K_ENV_FILE, 0, 0, 1, 0) \
	X(PK_PROCESS_GROUP, "process_group", K_PGROUP, 0, P(pgroup), 0, 0) \
	X(PK_INSTANCES, "instances", K_INT, 3, P(instances), 0, 0) \
	/* Issue 14: b is the kind of value (set_cg). */ \
	X(PK_CG, "memory_max", K_CG, 0, P(cg[0]), 0, 0) \
	X(PK_CG_MEMORY_HIGH, "memory_high", K_CG, 0, P(cg[1]), 0, 0) \
	X(PK_CG_MEMORY_SWAP_MAX, "memory_swap_max", K_CG, 0, P(cg[2]), 0, 0) \
	X(PK_CG_PIDS_MAX, "pids_max", K_CG, 1, P(cg[3]), 0, 0) \
	X(PK_CG_CPU_MAX, "cpu_max", K_CG, 2, P(cg[4]), 0, 0) \
	X(PK_CG_CPU_WEIGHT, "cpu_weight", K_CG, 3, P(cg[5]), 0, 0) \
	X(PK_CG_IO_WEIGHT, "io_weight", K_CG, 3, P(cg[6]), 0, 0)

#define SETTINGS_KEYS(X) \
	X(SK_SOCKET, "socket", K_SOCKET, 0, S(socket), 0, 0) \
	X(SK_SOCKET_GROUP, "socket_group", K_GROUP, 0, \
	    S(socket_group), 0, 0) \
	X(SK_LISTEN, "listen", K_LISTEN, 0, S(listen), 0, 0) \
	X(SK_TOKEN_FILE, "token_file", K_STR, 0, S(token_file), 0, 0) \
	X(SK_TCP_IDENTITY, "tcp_identity", K_STR, 0, S(tcp_identity), 0, 0) \
	X(SK_SHUTDOWN_TIMEOUT, "shutdown_timeout", K_DURATION, 0, \
	    S(shutdown_timeout_ms), 0, 0) \
	X(SK_LOG_LEVEL, "log_level", K_ENUM, E_LOG_LEVEL, S(log_level), 0, 0) \
	X(SK_LOG_TARGET, "log_target", K_LOG_TARGET, 0, S(log_target), 0, 0) \
	X(SK_MAX_CLIENTS, "max_clients", K_INT, 5, S(max_clients), 0, 0) \
	X(SK_INIT, "init", K_ENUM, E_INIT, S(init), 0, 0) \
	X(SK_CTRLALTDEL, "ctrlaltdel", K_ENUM, E_CTRLALTDEL, \
	    S(ctrlaltdel), 0, 0) \
	X(SK_ON_CRITICAL, "on_critical", K_ENUM, \
	    E_ON_CRITICAL, S(on_critical), 0, 0) \
	X(SK_WATCHDOG, "watchdog", K_ABSPATH, 0, S(watchdog), 0, 0) \
	X(SK_WATCHDOG_TIMEOUT, "watchdog_timeout", K_OPT_DURATION, 0, \
	    S(watchdog_timeout_ms), 0, 0) \
	X(SK_WATCHDOG_TEST_STOP, "watchdog_test_stop", K_OPT_DURATION, 0, \
	    S(watchdog_test_stop_ms), 0, 0) \
	X(SK_LOG_FORMAT, "log_format", K_ENUM, E_LOG_FORMAT, \
	    S(log_format), 0, 0) \
	X(SK_LOG_TIMESTAMPS, "log_timestamps", K_BOOL, 0, \
	    S(log_timestamps), 0, 0) \
	X(SK_LOG_MAIN_PREFIX, "log_main_prefix", K_BOOL, 0, \
	    S(log_main_prefix), 0, 0) \
	X(SK_LOG_RING_SIZE, "log_ring_size", K_SIZE, 6, \
	    S(log_ring_size), 0, 0) \
	/* Issue 15: the HTTP endpoint and the events file. */ \
	X(SK_HTTP, "http", K_LISTEN, 0, S(http), 0, 0) \
	X(SK_HTTP_TOKEN_FILE, "http_token_file", K_ABSPATH, 0, \
	    S(http_token_file), 0, 0) \
	X(SK_EVENTS, "events", K_ABSPATH, 0, S(events), 0, 0) \
	X(SK_EVENTS_MAX_SIZE, "events_max_size", K_SIZE, 4, \
	    S(events_max_size), 0, 0) \
	X(SK_EVENTS_KEEP, "events_keep", K_INT, 2, S(events_keep), 0, 0) \
	X(SK_CGROUP, "cgroup", K_CGROUP, 0, S(cgroup), 0, 0)

#define KEY_ID(id, ...)		id,
#define KEY_NAME(id, name, ...)	name "\0"
#define KEY_ROW(id, name, set_, b_, off_, repeat_, mon_) \
	{ .set = set_, .b = b_, .off = off_, .repeat = repeat_, .mon = mon_ },

enum { PROC_KEYS(KEY_ID) PK__COUNT };
enum { SETTINGS_KEYS(KEY_ID) SK__COUNT };
_Static_assert(PK__COUNT == PK_CG + PM_CG_KEYS, "the cgroup keys last");

static const char proc_names[] = PROC_KEYS(KEY_NAME);
static const struct key proc_keys[] = { PROC_KEYS(KEY_ROW) };
static const char settings_names[] = SETTINGS_KEYS(KEY_NAME);
static const struct key settings_keys[] = { SETTINGS_KEYS(KEY_ROW) };

_Static_assert(P(gid) == P(group) + sizeof(char *) && S(socket_gid) ==
    S(socket_group) + sizeof(char *), "set_group: the gid after the name");
_Static_assert(sizeof(struct cfg_mon) <= 256, "finish_mon's offsets");
_Static_assert(PK__COUNT <= 64 && SK__COUNT <= 64, "seen is a 64-bit mask");
_Static_assert(sizeof(struct cfg_proc) < 1 << 16 && sizeof(struct
    cfg_settings) < 1 << 16 && sizeof(struct cfg_mon) < 1 << 16,
    "a key's offset is 16 bits");

/* The names of tab's keys, in its order. */
static __attribute__((noinline)) const char *
key_names(const struct key *tab)
{
	return tab == proc_keys ? proc_names : settings_names;
}

static const struct key *
key_find(const struct key *tab, const char *name)
{
	for (const char *n = key_names(tab); *n != '\0'; n += strlen(n) + 1,
	    tab++)
		if (strcmp(n, name) == 0)
			return tab;
	return NULL;
}

/* Levenshtein distance of two short strings (b at most 31 bytes). */
static int
edit_distance(const char *a, const char *b)
{
	int	row[32], i, j, diag, up, nb = (int)strlen(b);

	if (nb > 31)
		return INT_MAX;
	for (j = 0; j <= nb; j++)
		row[j] = j;
	for (i = 1; a[i - 1] != '\0'; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= nb; j++) {
			up = row[j];
			row[j] = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < row[j])
				row[j] = up + 1;
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			diag = up;
		}
	}
	return row[nb];
}

/* The closest known key, when it is close enough to be a typo. */
static const char *
suggest(const struct key *tab, const char *name)
{
	const char	*best = NULL;
	int		 d, bestd = 3;

	if (strlen(name) > 64)
		return NULL;
	for (const char *n = key_names(tab); *n != '\0'; n += strlen(n) + 1)
		if ((d = edit_distance(name, n)) < bestd) {
			bestd = d;
			best = n;
		}
	return best;
}

/* ---------------------------------------------------------- sections */

static void
proc_defaults(struct cfg_proc *p)
{
	memset(p, 0, sizeof(*p));
	p->type = PT_SERVICE;
	p->autostart = true;
	p->restart = RS_ALWAYS;
	p->restart_delay_ms = 1000;
	p->restart_delay_max_ms = 60000;
	p->stable_ms = 10000;
	p->start_limit = 5;
	p->stop_signal = SIGTERM;
	p->stop_timeout_ms = 10000;
	p->uid = (uid_t)-1;
	p->gid = (gid_t)-1;
	p->umask = -1;
	p->rlimit_nofile = p->rlimit_core = p->rlimit_nproc = -1;
	p->log_max_size = 10 << 20;
	p->log_keep = 3;
	p->instances = 1;
}

/* s is zeroed already, with the struct config that holds it. */
static void
settings_defaults(struct cfg_settings *s)
{
	s->socket_gid = (gid_t)-1;
	s->shutdown_timeout_ms = 30000;
	s->log_level = L_INFO;
	s->max_clients = 256;
	s->ctrlaltdel = END_REBOOT;
	s->on_critical = END_POWEROFF;
	s->log_ring_size = 16384;
	s->events_max_size = 10 << 20;
	s->events_keep = 3;
}

/*
 * Close the current [process:ID]: fill in what depends on several keys
 * (restart's default follows type, argv follows shell, gid follows user)
 * and report what is missing. Runs when the next header or the end of
 * the file is reached, with the lines recorded while the keys were read.
 */
#define SEEN(k)	((x->seen & (1ULL << (k))) != 0)

/* "KEY in [process:ID]" and the rest of a message, at the key's line. */
static void
kerr(struct ctx *x, const struct cfg_proc *p, int key, const char *rest)
{
	cerr(x, x->keyline[key], "%s in [process:%s]%s", nth(proc_names, key),
	    p->id, rest);
}

/*
 * The argv of one command key (command, check, handlers): split like a
 * shell would but without one, or handed to /bin/sh -c with shell = yes.
 */
static char **
mk_argv(struct ctx *x, const struct cfg_proc *p, const char *cmd, int key)
{
	char		*tmp, *words[PM_ARGV_MAX], **argv;
	const char	*why;
	int		 n;

	if (cmd == NULL)
		return NULL;
	if (p->shell) {
		if ((argv = arena_alloc(x, 4 * sizeof(char *))) == NULL)
			return NULL;
		argv[0] = "/bin/sh";
		argv[1] = "-c";
		argv[2] = (char *)cmd;
		argv[3] = NULL;
		return argv;
	}
	if ((tmp = arena_strdup(x, cmd)) == NULL)
		return NULL;
	if ((n = cfg_split_command(tmp, words, PM_ARGV_MAX, &why)) == -1) {
		snprintf(x->why, sizeof(x->why), why == too_many ?
		    ": %s (max %d)" : ": %s", why, PM_ARGV_MAX - 1);
		kerr(x, p, key, x->why);
		return NULL;
	}
	if ((argv = arena_alloc(x, (n + 1) * sizeof(char *))) == NULL)
		return NULL;
	memcpy(argv, words, (n + 1) * sizeof(char *));
	return argv;
}

/*
 * The monitoring keys that depend on others: their argv follows shell,
 * a schedule needs a oneshot and makes autostart default to no (the
 * schedule starts it), readiness needs a service.
 */
static void
finish_mon(struct ctx *x, struct cfg_proc *p)
{
	/* Each command's field, its argv's and its key. */
	static const unsigned char cmds[][3] = {
		{ M(ready_cmd), M(ready_argv), PK_READY },
		{ M(check), M(check_argv), PK_CHECK },
		{ M(fail_cmd), M(fail_argv), PK_ON_CHECK_FAIL },
		{ M(on_exit), M(exit_argv), PK_ON_EXIT },
		{ M(on_fatal), M(fatal_argv), PK_ON_FATAL },
	};
	struct cfg_mon	*m = (struct cfg_mon *)p->mon;
	char		*b = (char *)m;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		*(char ***)(void *)(b + cmds[i][1]) = mk_argv(x, p,
		    *(const char **)(void *)(b + cmds[i][0]), cmds[i][2]);
	if (m->schedule != NULL && p->type != PT_ONESHOT)
		kerr(x, p, PK_SCHEDULE, " needs type = oneshot");
	if (m->schedule != NULL && !SEEN(PK_AUTOSTART))
		p->autostart = false;
	if (m->ready != RD_NONE && p->type == PT_ONESHOT)
		kerr(x, p, PK_READY, " needs type = service (a oneshot is "
		    "ready when it exits 0)");
	if (m->check_interval_ms == 0 || m->check_timeout_ms == 0 ||
	    m->ready_timeout_ms == 0)
		cerr(x, p->line, "check_interval, check_timeout and "
		    "ready_timeout in [process:%s] must be more than 0", p->id);
}

static void
finish_proc(struct ctx *x)
{
	struct cfg_proc	*p = &x->c->procs[x->cur];

	if (!SEEN(PK_COMMAND)) {
		cerr(x, p->line, "missing command in [process:%s]", p->id);
		return;
	}
	if (!SEEN(PK_RESTART))
		p->restart = p->type == PT_ONESHOT ? RS_NEVER : RS_ALWAYS;
	if (SEEN(PK_USER) && !SEEN(PK_GROUP) &&
	    !x->user_pw)
		cerr(x, x->keyline[PK_USER], "user %s in [process:%s] has no "
		    "passwd entry, so group must be set too", p->user, p->id);
	if (p->restart_delay_max_ms < p->restart_delay_ms)
		cerr(x, SEEN(PK_RESTART_DELAY_MAX) ?
		    x->keyline[PK_RESTART_DELAY_MAX] : p->line,
		    "restart_delay_max is less than restart_delay in "
		    "[process:%s]", p->id);
	p->argv = mk_argv(x, p, p->command, PK_COMMAND);
	if (p->user != NULL)
		user_groups(x, p);
	if (p->mon != NULL)
		finish_mon(x, p);
}

static void	index_add(struct ctx *);
static struct cfg_proc *proc_new(struct ctx *);

/*
 * instances = N: N copies named ID_00, ID_01, ... (the first in the
 * section's place), each with PM_INSTANCE=NN; the index is rebuilt.
 */
static void
instances(struct ctx *x)
{
	struct config	*c = x->c;
	struct cfg_proc	*q;
	char		 id[PM_ID_MAX + 16];
	int		 i, b = x->cur, n = c->procs[b].instances;

	if (SEEN(PK_DEPENDS))
		kerr(x, &c->procs[b], PK_DEPENDS, " cannot go with instances");
	for (i = 1; i <= n; i++) {
		/* procs[b] keeps its ID until the last turn renames it. */
		if (snprintf(id, sizeof(id), "%s_%02d", c->procs[b].id,
		    i % n) >= PM_ID_MAX || cfg_find(c, id) >= 0) {
			cerr(x, x->keyline[PK_INSTANCES], "instance ID %s is "
			    "too long or taken", id);
			return;
		}
		if (i == n)
			q = &c->procs[b];
		else if ((q = proc_new(x)) != NULL)
			*q = c->procs[b];
		else
			return;
		strcpy(q->id, id);
		q->instances = 1;
		snprintf(id, sizeof(id), "PM_INSTANCE=%02d", i % n);
		(void)set_env(x, q, NULL, id);
	}
	free(c->index);
	c->index = NULL;
	index_add(x);
}

static void
finish_section(struct ctx *x)
{
	if (x->sec == SEC_PROC)
		finish_proc(x);
	if (x->sec == SEC_PROC && x->c->procs[x->cur].instances > 1)
		instances(x);
	x->sec = SEC_NONE;
	x->seen = 0;
	x->user_pw = false;	/* keyline is read for seen keys only */
}

/*
 * IDs are indexed once, as sections are read, in an open-addressing hash
 * table: duplicate sections, depends names and every later cfg_find cost
 * O(1), not a walk over the processes (issue 11: a 100,000-process
 * dependency chain took 84 s to check, and a reload blocked the loop).
 */
__attribute__((noinline)) uint32_t
cfg_id_hash(const char *s)
{
	uint32_t	h = 2166136261u;	/* FNV-1a */

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* The slot holding id, or the empty slot where it would go. */
static uint32_t
index_slot(const struct config *c, const char *id)
{
	uint32_t	i = cfg_id_hash(id) & c->index_mask;

	while (c->index[i] != 0 && strcmp(c->procs[c->index[i] - 1].id,
	    id) != 0)
		i = (i + 1) & c->index_mask;
	return i;
}

/* Index the newest process, growing the table to stay half empty. */
static void
index_add(struct ctx *x)
{
	struct config	*c = x->c;
	uint32_t	 cap = c->index != NULL ? c->index_mask + 1 : 0;
	int		*t, j = c->nproc - 1;

	if ((uint32_t)c->nproc * 2 > cap) {
		while ((uint32_t)c->nproc * 2 > cap)
			cap = cap ? cap * 2 : 16;
		if ((t = calloc(cap, sizeof(*t))) == NULL) {
			x->oom = true;
			return;
		}
		free(c->index);
		c->index = t;
		c->index_mask = cap - 1;
		j = 0;	/* a new table: every process again */
	}
	for (; j < c->nproc; j++)
		c->index[index_slot(c, c->procs[j].id)] = j + 1;
}

/* Room for one more process; the array is trimmed after the parse. */
static struct cfg_proc *
proc_new(struct ctx *x)
{
	struct cfg_proc	*np;
	int		 na;

	if (x->c->nproc == x->nalloc) {
		na = x->nalloc ? x->nalloc * 2 : 8;
		np = reallocarray(x->c->procs, na, sizeof(*np));
		if (np == NULL) {
			x->oom = true;
			return NULL;
		}
		x->c->procs = np;
		x->nalloc = na;
	}
	return &x->c->procs[x->c->nproc++];
}

/*
 * A section header, seen by the reader. inih never tells the handler
 * that a section started (and an empty section makes no handler call at
 * all), so headers are validated here, where the line number is known.
 * A bad header makes its keys be skipped quietly: one error, not twenty.
 */
static void
start_section(struct ctx *x, const char *name, size_t n)
{
	struct cfg_proc	*p;
	const char	*id;
	char		 key[PM_ID_MAX];
	int		 i;

	finish_section(x);
	x->sec = SEC_BAD;
	if (n >= INI_SECTION_MAX) {
		cerr(x, x->lineno, "section name too long (max %d bytes): "
		    "[%.40s...]", INI_SECTION_MAX - 1, name);
		return;
	}
	if (n == 8 && memcmp(name, "settings", 8) == 0) {
		if (x->settings_line != 0) {
			cerr(x, x->lineno, "duplicate section [%s%s] (first "
			    "at line %d)", "settings", "", x->settings_line);
			return;
		}
		x->settings_line = x->lineno;
		x->sec = SEC_SETTINGS;
		return;
	}
	if (n < 8 || memcmp(name, "process:", 8) != 0) {
		char	sec[INI_SECTION_MAX];

		memcpy(sec, name, n);	/* n < INI_SECTION_MAX: checked */
		sec[n] = '\0';
		id = strchr(sec, ':');
		cerr(x, x->lineno, "unknown section [%s] (%s%s%s)", sec,
		    id != NULL ? "did you mean [process:" :
		    edit_distance(sec, "settings") <= 2 ?
		    "did you mean [settings]?" :
		    "want [settings] or [process:ID]", id != NULL ? id + 1 :
		    "", id != NULL ? "]?" : "");
		return;
	}
	id = name + 8;
	n -= 8;
	if (!id_ok(id, n)) {
		cerr(x, x->lineno, BAD_ID, "process ", (int)n, id,
		    PM_ID_MAX - 1);
		return;
	}
	memcpy(key, id, n);
	key[n] = '\0';
	if ((i = cfg_find(x->c, key)) >= 0) {
		p = &x->c->procs[i];
		cerr(x, x->lineno, "duplicate section [%s%s] (first "
		    "at line %d)", "process:", p->id, p->line);
		return;
	}
	if ((p = proc_new(x)) == NULL)
		return;
	proc_defaults(p);
	memcpy(p->id, key, n + 1);
	p->line = x->lineno;
	p->added = x->eof;
	index_add(x);
	x->cur = x->c->nproc - 1;
	x->sec = SEC_PROC;
}

/* ----------------------------------------------------- reader, handler */

const char	*cfg_added = "";
bool		 cfg_again;

static int
src_getc(struct ctx *x)
{
	/* cfg_load: the file's text, then cfg_added's sections. */
	while (x->end != NULL ? x->text == x->end : *x->text == '\0') {
		if (x->eof || !x->tail)
			return EOF;
		x->eof = true;
		x->end = NULL;
		x->text = cfg_added;
	}
	return (unsigned char)*x->text++;
}

/*
 * The fgets-style reader handed to ini_parse_stream. It counts lines, so
 * the handler can name them, and it looks at each line before inih does:
 * a line longer than the buffer, a NUL byte, a malformed or over-long
 * section header would otherwise be split, cut or truncated without a
 * word. Such a line is reported here and inih gets an empty line in its
 * place, which keeps inih's line count in step with ours.
 */
static char *
reader(char *str, int num, void *stream)
{
	struct ctx	*x = stream;
	size_t		 n = 0, max = (size_t)num - 2;
	int		 ch = EOF;
	bool		 nul = false, nl = false;
	char		*s, *e;

	while ((ch = src_getc(x)) != EOF) {
		if (ch == '\n') {
			nl = true;
			break;
		}
		if (ch == '\0')
			nul = true;
		if (n < max)
			str[n] = (char)ch;
		n++;
	}
	if (n == 0 && !nl)
		return NULL;
	x->lineno++;
	if (n > max) {
		cerr(x, x->lineno, "line too long (max %zu)", max);
		goto blank;
	}
	if (nul) {
		cerr(x, x->lineno, "NUL byte in line");
		goto blank;
	}
	str[n] = '\0';
	/* A UTF-8 BOM is looked past here; inih drops it (ini_allow_bom). */
	s = x->lineno == 1 && n >= 3 && memcmp(str, "\xef\xbb\xbf", 3) == 0 ?
	    str + 3 : str;
	while (n > 0 && isspace((unsigned char)str[n - 1]))
		str[--n] = '\0';
	for (; isspace((unsigned char)*s); s++)
		;
	if (strchr(";#", *s) != NULL)	/* or the end: '\0' is found too */
		goto pass;
	if (*s == '[') {
		/* supervisord's: it needs [supervisord], or a [program:x]. */
		x->superv |= !strncmp(s + 1, "program:", 8) ||
		    !strncmp(s + 1, "supervisord]", 12);
		if ((e = strchr(s, ']')) == NULL) {
			cerr(x, x->lineno, "section header without ']'");
			finish_section(x);
			x->sec = SEC_BAD;
			goto blank;
		}
		if (e[1] != '\0') {
			cerr(x, x->lineno, "text after section header "
			    "(comments must be on their own line)");
			finish_section(x);
			x->sec = SEC_BAD;
			goto blank;
		}
		start_section(x, s + 1, e - s - 1);
		goto pass;
	}
	if (strpbrk(s, "=:") == NULL) {
		cerr(x, x->lineno, "expected 'key = value', got '" SHOW_VAL
		    "'", s);
		goto blank;
	}
pass:
	str[n] = '\n';
	str[n + 1] = '\0';
	return str;
blank:
	str[0] = '\n';
	str[1] = '\0';
	return str;
}

static int
refuse(struct ctx *x)
{
	if (x->first_herr == 0)
		x->first_herr = x->lineno;
	return 0;
}

/*
 * inih's handler: one key = value of the current section, which the
 * reader tracks (inih's own section name is ignored: it is cut at 49
 * bytes). Returns 1 when the value was taken, 0 after reporting why not.
 */
static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct ctx		*x = user;
	const struct key	*tab, *k, *other;
	const char		*why, *sugg;
	char			 sec[INI_SECTION_MAX + 8];
	void			*obj;
	uint64_t		 bit;

	(void)section;
	switch (x->sec) {
	case SEC_BAD:
		return 1;
	case SEC_NONE:
		cerr(x, x->lineno, "key '" SHOW_VAL "' outside of any section",
		    name);
		return refuse(x);
	case SEC_SETTINGS:
		tab = settings_keys;
		other = proc_keys;
		obj = &x->c->set;
		break;
	default:
		tab = proc_keys;
		other = settings_keys;
		obj = &x->c->procs[x->cur];
		break;
	}
	/* One call for both names; "settings" takes no argument. */
	snprintf(sec, sizeof(sec), tab == proc_keys ? "process:%s" :
	    "settings", ((struct cfg_proc *)obj)->id);
	if (*name == '\0') {
		cerr(x, x->lineno, "missing key name in [%s]", sec);
		return refuse(x);
	}
	if ((k = key_find(tab, name)) == NULL) {
		if (key_find(other, name) != NULL)
			cerr(x, x->lineno, "key '%s' does not belong in [%s] "
			    "(it is a %s key)", name, sec, tab == proc_keys ?
			    "[settings]" : "[process:ID]");
		else {
			sugg = suggest(tab, name);
			cerr(x, x->lineno, "unknown key '" SHOW_VAL "' in [%s]"
			    "%s%s%s", name, sec, sugg ? " (did you mean '" : "",
			    sugg ? sugg : "", sugg ? "'?)" : "");
		}
		return refuse(x);
	}
	bit = 1ULL << (k - tab);
	if (!k->repeat && (x->seen & bit)) {
		cerr(x, x->lineno, "duplicate key '%s' in [%s] (first at line "
		    "%d)", name, sec, x->keyline[k - tab]);
		return refuse(x);
	}
	if (k->mon && (obj = mon_of(x)) == NULL)
		why = "out of memory";
	else
		why = setters[k->set](x, obj, k, value);
	if (why == NULL && k->set < K_BOOL)
		why = set_str(x, obj, k, value);
	if (why == stored)
		why = NULL;
	if (why != NULL) {
		/* bad()'s format, or an x->why that is already written. */
		if (why != x->why) {
			snprintf(x->why, sizeof(x->why), why, value);
			why = x->why;
		}
		cerr(x, x->lineno, "%s in [%s]: %s", name, sec, why);
		return refuse(x);
	}
	if (!(x->seen & bit))
		x->keyline[k - tab] = x->lineno;
	x->seen |= bit;
	if (k == &settings_keys[SK_LISTEN])
		x->listen_line = x->lineno;
	return 1;
}

/* ------------------------------------------------------ whole-file checks */

/*
 * Turn depends names into indices. Unknown names and self-references are
 * reported at the depends line; the display text is rebuilt from the
 * resolved names.
 */
static void
resolve_deps(struct ctx *x)
{
	struct cfg_proc	*p;
	struct pdep	*d;
	size_t		 len;
	char		*t;
	int		 i, j, k;

	int		*all;

	/*
	 * One array for all: a process's entries are in a row (its section),
	 * so its deps start where its first entry is.
	 */
	if ((all = arena_alloc(x, x->ndeps * sizeof(int))) == NULL)
		return;
	for (i = 0; i < x->ndeps; i++) {
		d = &x->deps[i];
		p = &x->c->procs[d->proc];
		if ((j = cfg_find(x->c, d->name)) == -1)
			cerr(x, d->line, "unknown dependency '%s' in "
			    "[process:%s]", d->name, p->id);
		else if (j == d->proc)
			cerr(x, d->line, "process '%s' depends on itself",
			    p->id);
		else {
			if (p->ndeps == 0)
				p->deps = all + i;
			p->deps[p->ndeps++] = j;
		}
	}
	for (i = 0; i < x->c->nproc; i++) {
		p = &x->c->procs[i];
		if (p->ndeps == 0)
			continue;
		for (len = 0, k = 0; k < p->ndeps; k++)
			len += strlen(x->c->procs[p->deps[k]].id) + 1;
		if ((t = arena_alloc(x, len)) == NULL)
			return;
		p->depends = t;
		for (k = 0; k < p->ndeps; k++) {
			t = stpcpy(t, x->c->procs[p->deps[k]].id);
			*t++ = ' ';
		}
		t[-1] = '\0';
	}
}

/*
 * "a -> b -> c -> a" for the n members of a cycle. A long cycle keeps its
 * first members and its last, with the count of those left out between,
 * so the message still shows where the loop closes.
 */
static void
cycle_msg(const struct config *c, const int *m, int n, char *msg,
    size_t len)
{
	size_t	pos = 0;
	int	k;

	msg[0] = '\0';
	for (k = 0; k < n; k++) {
		if (k < n - 1 && len - pos < 3 * PM_ID_MAX + 32) {
			pos += snprintf(msg + pos, len - pos, "... (%d more) "
			    "-> ", n - 1 - k);
			k = n - 1;
		}
		pos += snprintf(msg + pos, len - pos, "%s -> ",
		    c->procs[m[k]].id);
	}
	snprintf(msg + pos, len - pos, "%s", c->procs[m[0]].id);
}

/*
 * Find dependency cycles with an iterative depth-first search (a deep
 * chain of a thousand services must not eat PID 1's stack). Each back
 * edge is one cycle, reported with its members in order.
 */
static void
check_cycles(struct ctx *x)
{
	struct config	*c = x->c;
	char		*color, msg[MSG_MAX];
	int		*stack, *edge, sp, i, v, w, k;

	if (c->nproc == 0)
		return;
	/* One block: the stack, then each node's next edge, then colours. */
	if ((stack = calloc(c->nproc, 2 * sizeof(int) + 1)) == NULL) {
		x->oom = true;
		return;
	}
	edge = stack + c->nproc;
	color = (char *)(edge + c->nproc);
	for (i = 0; i < c->nproc; i++) {
		if (color[i] != 0)
			continue;
		sp = 0;
		stack[sp++] = i;
		color[i] = 1;
		edge[i] = 0;
		while (sp > 0) {
			v = stack[sp - 1];
			if (edge[v] == c->procs[v].ndeps) {
				color[v] = 2;
				sp--;
				continue;
			}
			w = c->procs[v].deps[edge[v]++];
			if (color[w] == 0) {
				color[w] = 1;
				edge[w] = 0;
				stack[sp++] = w;
			} else if (color[w] == 1) {
				for (k = sp - 1; stack[k] != w; k--)
					;
				cycle_msg(c, stack + k, sp - k, msg,
				    sizeof(msg));
				cerr(x, c->procs[w].line, "cycle in depends: "
				    "%s", msg);
			}
		}
	}
	free(stack);
}

/*
 * Issue 11: two processes writing one log file (or a process and pm's own
 * log_target) mix their lines and rotate each other's file. Paths are
 * compared lexically normalised ("a//b", "./x", "d/../x" all count), and
 * files that exist also by device and inode, which catches a symlink or
 * a hard link. Sorting keeps it n log n for large configs.
 */
struct logname {
	char		*path;		/* normalised */
	const char	*as;		/* as written */
	int		 proc;		/* -1: the settings' log_target */
	bool		 exists;
	dev_t		 dev;
	ino_t		 ino;
};

/* Lexically normalise absolute s into d (room for strlen(s) + 1). */
static void
norm_path(const char *s, char *d)
{
	size_t	n = 0, k;

	while (*s != '\0') {
		while (*s == '/')
			s++;
		k = strcspn(s, "/");
		if (k == 2 && s[0] == '.' && s[1] == '.') {
			while (n > 0 && d[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
		} else if (k > 0 && !(k == 1 && s[0] == '.')) {
			d[n++] = '/';
			memcpy(d + n, s, k);
			n += k;
		}
		s += k;
	}
	if (n == 0)
		d[n++] = '/';
	d[n] = '\0';
}

/*
 * Log names are checked through an open-addressing hash table (t, mask) of
 * indexes + 1 into v, keyed by normalised path or, with file, by (dev,
 * ino): one pass, no sort. Each slot keeps the newest name, so a clash is
 * reported against the name just before it in the file.
 */
static bool
logname_same(const struct logname *a, const struct logname *b, bool file)
{
	return file ? a->dev == b->dev && a->ino == b->ino :
	    strcmp(a->path, b->path) == 0;
}

/*
 * The slot holding k's key, or the empty slot where it would go. Inlined
 * at its two callers: smaller than the call with its five arguments.
 */
static inline __attribute__((always_inline)) uint32_t
logname_slot(const struct logname *v, const int *t, uint32_t mask,
    const struct logname *k, bool file)
{
	uint32_t	i = file ? (uint32_t)(k->dev * 31 + k->ino) :
			    cfg_id_hash(k->path);

	while (t[i &= mask] != 0 && !logname_same(&v[t[i] - 1], k, file))
		i++;
	return i;
}

/*
 * b's FILE is a.N, one of the names a's rotation renames into: a's
 * rotation would move b's file away under it. t indexes v by path.
 */
static void
check_rotated(struct ctx *x, const struct logname *v, const int *t,
    uint32_t mask, const struct logname *b)
{
	const struct logname	*a;
	struct logname		 key;
	char			*dot = strrchr(b->path, '.'), *end;
	char			 name[PATH_MAX];
	long			 k;
	int			 j;

	if (dot == NULL || dot[1] < '1' || dot[1] > '9')
		return;
	k = strtol(dot + 1, &end, 10);
	if (*end != '\0')
		return;
	/* b->path is shorter than PATH_MAX: it is at most a config line. */
	snprintf(name, sizeof(name), "%.*s", (int)(dot - b->path), b->path);
	key.path = name;
	if ((j = t[logname_slot(v, t, mask, &key, false)]) == 0)
		return;
	a = &v[j - 1];
	if (a->proc >= 0 && k <= x->c->procs[a->proc].log_keep)
		cerr(x, b->proc >= 0 ? x->c->procs[b->proc].line :
		    x->settings_line, "%s = %s in [%s%s] is where the log of "
		    "[process:%s] rotates to (log_keep = %d): use another "
		    "name", b->proc >= 0 ? "log" : "log_target", b->as,
		    b->proc >= 0 ? "process:" : "settings", b->proc >= 0 ?
		    x->c->procs[b->proc].id : "", x->c->procs[a->proc].id,
		    x->c->procs[a->proc].log_keep);
}

static void
log_clash(struct ctx *x, const struct logname *a, const struct logname *b)
{
	const struct cfg_proc	*pb = &x->c->procs[b->proc];
	bool			 set = a->proc < 0;

	cerr(x, pb->line, "log = %s in [process:%s] is the same file as %s = "
	    "%s in [%s%s]: %s", b->as, pb->id, set ? "log_target" : "log",
	    a->as, set ? "settings" : "process:", set ? "" :
	    x->c->procs[a->proc].id, set ? "pm's own log needs a file of "
	    "its own" : "each process needs a log file of its own");
}

static void
check_logs(struct ctx *x)
{
	struct config	*c = x->c;
	struct logname	*v;
	struct stat	 st;
	size_t		 room = 0;
	const char	*t = c->set.log_target;
	char		*buf, *d;
	int		 i, n = 0, *h;
	uint32_t	 mask, k;

	if (t != NULL && *t != '/')
		t = NULL;
	for (i = 0; i < c->nproc; i++)
		if (c->procs[i].log != NULL)
			room += strlen(c->procs[i].log) + 1;
	room += t != NULL ? strlen(t) + 1 : 0;
	if (room == 0)
		return;
	for (mask = 15; mask < (uint32_t)c->nproc * 2 + 2; mask = mask * 2 + 1)
		;
	/* One block: the names, the table, then the normalised paths. */
	if ((v = calloc(1, ((size_t)c->nproc + 1) * sizeof(*v) + (mask + 1) *
	    sizeof(*h) + room)) == NULL) {
		x->oom = true;
		return;
	}
	h = (int *)(void *)(v + c->nproc + 1);
	buf = (char *)(h + mask + 1);
	for (d = buf, i = -1; i < c->nproc; i++) {
		v[n].as = i < 0 ? t : c->procs[i].log;
		if (v[n].as == NULL)
			continue;
		v[n].proc = i;
		v[n].path = d;
		norm_path(v[n].as, d);
		d += strlen(d) + 1;
		if (stat(v[n].as, &st) == 0) {
			v[n].exists = true;
			v[n].dev = st.st_dev;
			v[n].ino = st.st_ino;
		}
		n++;
	}
	/*
	 * By name: one name twice, then a name another's rotation takes;
	 * by file (file 1, existing files only): different names for one
	 * file, links.
	 */
	for (int file = 0; file < 2; file++) {
		memset(h, 0, (mask + 1) * sizeof(*h));
		for (i = 0; i < n; i++) {
			if (v[i].exists < file)
				continue;
			k = logname_slot(v, h, mask, &v[i], file);
			if (h[k] != 0 && (strcmp(v[h[k] - 1].path,
			    v[i].path) != 0) == file)
				log_clash(x, &v[h[k] - 1], &v[i]);
			h[k] = i + 1;
		}
		for (i = 0; i < n && !file; i++)
			check_rotated(x, v, h, mask, &v[i]);
	}
	free(v);
}

static void
check_settings(struct ctx *x)
{
	struct cfg_settings	*s = &x->c->set;

	if (s->listen != NULL && s->token_file == NULL)
		cerr(x, x->listen_line, "listen is set but token_file is not "
		    "(TCP clients must authenticate)");
}

/* ------------------------------------------------------------- loading */

void
cfg_free(struct config *c)
{
	struct chunk	*ch, *next;

	if (c == NULL)
		return;
	free(c->procs);
	free(c->index);
	for (ch = c->arena; ch != NULL; ch = next) {
		next = ch->next;
		free(ch);
	}
}

/*
 * inih's options are globals in Debian's build, so they are all set, for
 * every read (a load, the client's), to the values this file format is
 * defined by.
 */
static void
ini_options(void)
{
	static char	comment_chars[] = ";#";

	ini_max_line = PM_LINE_MAX;
	ini_use_stack = true;
	ini_allow_realloc = false;
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_start_comment_prefixes = comment_chars;
	ini_stop_on_first_error = false;
	ini_allow_no_value = false;
	ini_allow_bom = true;
}

/* The load itself, shared by files and strings. */
static int
load(struct ctx *x, struct config **out)
{
	struct config	 boot, *c;
	struct cfg_proc	*np;
	int		 r, saved;

	memset(&boot, 0, sizeof(boot));
	x->c = &boot;
	if ((c = arena_alloc(x, sizeof(*c))) == NULL)
		goto fail;
	memset(c, 0, sizeof(*c));
	c->arena = boot.arena;
	x->c = c;
	settings_defaults(&c->set);
	if ((c->file = arena_strdup(x, x->name)) == NULL)
		goto fail;

	ini_options();
	r = ini_parse_stream(reader, x, handler, x);
	finish_section(x);
	if (r == -2)
		x->oom = true;
	else if (r > 0 && r != x->first_herr)
		cerr(x, r, "syntax error");
	if (x->rderr)
		cerr(x, 0, "read error");

	/*
	 * Cross-field checks need a clean parse: after a bad header, say,
	 * every depends on that process would be reported again as unknown.
	 */
	if (x->nerr == 0 && !x->oom) {
		resolve_deps(x);
		check_cycles(x);
	}
	check_settings(x);
	check_logs(x);
	/* Set by the parse alone: none before it. */
	free(x->deps);
	if (x->nerr > 0 || x->oom)
		goto fail;
	if (c->nproc > 0 && c->nproc < x->nalloc &&
	    (np = reallocarray(c->procs, c->nproc, sizeof(*np))) != NULL)
		c->procs = np;
	*out = c;
	return 0;
fail:
	if (x->oom)
		cerr(x, 0, "out of memory");
	saved = x->oom ? ENOMEM : EINVAL;
	cfg_free(x->c);
	*out = NULL;
	errno = saved;
	return -1;
}

static __attribute__((noinline)) void
ctx_init(struct ctx *x, const char *name, char *err, size_t errlen)
{
	memset(x, 0, sizeof(*x));
	x->name = name != NULL ? name : "(string)";
	x->err = err;
	x->errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
}

/*
 * Read FILE into a new config; see config.h. On failure errno is EINVAL for a
 * bad file, ENOMEM, or the reason the file could not be opened.
 */
int
cfg_load(const char *file, struct config **out, char *err, size_t errlen)
{
	static char	*kept;		/* the file as last read */
	static size_t	 cap, len;
	/* A supervisord file: kept's pm.ini translation and its line map. */
	static const char *sv;
	static const struct sv_line *map;
	static int	 nmap;
	struct ctx	 x;
	struct stat	 st;
	size_t		 n = 0;
	ssize_t		 r = 1;
	char		*p;
	int		 fd, saved;

	ctx_init(&x, file, err, errlen);
	*out = NULL;
	/* Read whole (a pipe has no size), kept for cfg_again. */
	if (file != NULL && !cfg_again) {
		sv = NULL;
		if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
			saved = errno;
			cerr(&x, 0, "%s", strerror(saved));
			errno = saved;
			return -1;
		}
		while (r > 0) {
			if (n + 1 >= cap) {
				if ((p = realloc(kept, cap + 4096)) == NULL) {
					x.oom = true;
					break;
				}
				kept = p;
				cap += 4096;
			}
			if ((r = read(fd, kept + n, cap - n - 1)) > 0)
				n += (size_t)r;
		}
		x.rderr = r < 0;
		close(fd);
		len = n;
	}
	x.text = kept != NULL ? kept : "";
	x.end = x.text + len;
	x.tail = true;
	if (sv == NULL && !cfg_supervisord) {
		r = load(&x, out);
		/* supervisord's sections: read again as such, a file only. */
		if (r == 0 || !x.superv || cfg_again || stat(file, &st) < 0 ||
		    !S_ISREG(st.st_mode))
			return (int)r;
	}
	ctx_init(&x, file, err, errlen);
	if (sv == NULL && (sv = superv_read(file, &map, &nmap, err,
	    errlen)) == NULL) {
		errno = EINVAL;
		return -1;
	}
	x.text = sv;
	x.map = map;
	x.nmap = nmap;
	x.tail = true;
	/* Its warnings, in err, go before any error. */
	x.errpos = err != NULL ? strlen(err) : 0;
	return load(&x, out);
}

int
cfg_load_string(const char *name, const char *text, struct config **out,
    char *err, size_t errlen)
{
	struct ctx	x;

	ctx_init(&x, name, err, errlen);
	x.text = text != NULL ? text : "";
	return load(&x, out);
}

int
cfg_find(const struct config *c, const char *id)
{
	if (c == NULL || c->index == NULL)
		return -1;
	return c->index[index_slot(c, id)] - 1;
}

/* A signal's name for a log line: "?" for one without. */
__attribute__((noinline)) const char *
cfg_sig_shown(int sig)
{
	const char *n = cfg_signal_name(sig);

	return n != NULL ? n : "?";
}

/* Two strings equal, or both NULL. */
bool
cfg_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * A process must be restarted when what it was exec'ed with differs:
 * command, shell, type, credentials, directory, umask, nice, rlimits and
 * environment (in order: a reordered list counts as a change). Everything
 * the supervisor only consults later (autostart, critical, restart policy
 * and delays, start_limit, stop_signal, stop_timeout, depends) is picked
 * up by the running process without a restart.
 */
bool
cfg_proc_changed(const struct cfg_proc *a, const struct cfg_proc *b)
{
	/* What the exec sees: strings (size 0) by value, the rest by bytes. */
#define PF(f)	{ P(f), sizeof(((struct cfg_proc *)0)->f) }
	/* Neighbours by one row: gid and uid, umask and has_nice, rlimits. */
	static const struct { uint16_t off, size; } f[] = {
		{ P(command), 0 }, PF(shell), PF(type), { P(user), 0 },
		{ P(group), 0 }, { P(gid), 2 * sizeof(uid_t) },
		{ P(directory), 0 }, { P(umask), sizeof(int) + 1 },
		{ P(rlimit_nofile), 3 * sizeof(long long) }, PF(nenv),
		{ P(tty), 0 },
	};
#undef PF
	_Static_assert(P(uid) == P(gid) + sizeof(uid_t) && sizeof(gid_t) ==
	    sizeof(uid_t) && P(has_nice) == P(umask) + sizeof(int) &&
	    P(rlimit_nproc) == P(rlimit_nofile) + 2 * sizeof(long long),
	    "f[]'s neighbours");
	const char *x, *y;
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		x = (const char *)a + f[i].off;
		y = (const char *)b + f[i].off;
		if (f[i].size == 0 ? !cfg_str_eq(*(char *const *)x,
		    *(char *const *)y) : memcmp(x, y, f[i].size) != 0)
			return true;
	}
	if (a->has_nice && a->nice != b->nice)
		return true;
	/* The readiness protocol shapes the child's environment and fds. */
	static const int none[2];	/* ready, ready_arg: RD_NONE, 0 */

	_Static_assert(offsetof(struct cfg_mon, ready) == 0 &&
	    offsetof(struct cfg_mon, ready_arg) == sizeof(int) &&
	    sizeof(enum cfg_ready) == sizeof(int), "cfg_mon begins so");
	if (memcmp(a->mon ? (const void *)a->mon : none, b->mon ?
	    (const void *)b->mon : none, sizeof(none)) != 0)
		return true;
	for (i = 0; i < (size_t)a->nenv; i++)
		if (strcmp(a->env[i], b->env[i]) != 0)
			return true;
	return false;
}

/* ------------------------------------------------------------- display */

void
outf(struct out *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->pos) {
		o->full = true;
		return;
	}
	o->pos += n;
}

static int
out_end(struct out *o)
{
	if (o->len > 0 && o->full)
		o->buf[o->pos] = '\0';
	return o->full ? -1 : (int)o->pos;
}

/* A duration in the largest unit that shows it exactly. */
static const char *
fmt_duration(uint32_t ms, char *b, size_t len)
{
	int	i = 0;

	/* 0 is "0s": h and m only for more than 0. */
	while (ms % unit_ms[i] != 0 || (ms == 0 && i < 2))
		i++;
	snprintf(b, len, "%u%s", ms / unit_ms[i], nth(units, i));
	return b;
}

static const char *
enum_name(const char *e, int v)
{
	for (; *e != '\0'; e += strlen(e) + 1)
		if (*e - '0' == v)
			return e + 1;
	return "?";
}

/*
 * One key of obj (a cfg_proc, its cfg_mon or the cfg_settings) in the
 * file's own syntax, by the setter that reads it: the key tables name and
 * place every key once, for reading and for showing. A key whose setter
 * is not known here is not shown (rather than read as the wrong type).
 * Most show one value, s; NULL is a key not set, shown as a comment.
 */
static void
show_key(struct out *o, const struct key *k, const char *n, const void *obj)
{
	/* The defaults by kind: nth() of it. */
	static const char dflt[] = "\0console\0stderr\0auto\0" "0";
	const struct cfg_proc	*p = obj;
	const void		*f = (const char *)obj + k->off;
	char			 d[32];
	const char		*s = d;
	int			 set = k->set;
	const int		*v = f;
	const long long		*l = f;
	int			 i;

	if (set < K_STR)
		s = *(const char *const *)f != NULL ?
		    *(const char *const *)f : nth(dflt, set);
	else if (set < K_BOOL)
		s = *(const char *const *)f;
	else if (set == K_DEPENDS)
		s = p->depends;
	else if (set == K_BOOL)
		s = *(const bool *)f ? "yes" : "no";
	else if (set == K_ENUM)
		s = enum_name(nth(enums, k->b), *v);
	else if (set == K_OPT_DURATION && *(const uint32_t *)f == 0)
		s = NULL;
	else if (set == K_DURATION || set == K_OPT_DURATION)
		fmt_duration(*(const uint32_t *)f, d, sizeof(d));
	else if (set == K_SIGNAL && (s = cfg_signal_name(*v)) != NULL)
		;
	else if (set == K_INT || set == K_SIGNAL ||
	    (set == K_NICE && p->has_nice)) {
		s = d;	/* a signal without a name: its number */
		snprintf(d, sizeof(d), "%d", *v);
	}
	else if (set == K_SIZE)
		snprintf(d, sizeof(d), "%llu", HI(k) < 0 ?
		    *(const unsigned long long *)f : *(const uint32_t *)f);
	else if (set == K_RLIMIT)
		s = *l == -1 ? NULL : *l == -2 ? "unlimited" :
		    (snprintf(d, sizeof(d), "%lld", *l), d);
	else if (set == K_UMASK && *v >= 0)
		snprintf(d, sizeof(d), "%04o", *v);
	else if (set == K_UMASK || set == K_NICE || set == K_ENV_FILE ||
	    (set == K_ENV && p->nenv == 0))
		s = NULL;
	else if (set == K_ENV) {
		for (i = 0; i < p->nenv; i++)
			outf(o, "%s = %s\n", n, p->env[i]);
		return;
	} else if (set == K_ACTION) {
		/* ready, on_check_fail: the word, then its number or command. */
		s = nth(acts, k->b * ACTS_B1 + *v);
		if (act_arg(s) == 1)
			outf(o, "%s = %s%d\n", n, s, v[1]);
		else
			outf(o, "%s = %s%s\n", n, s, act_arg(s) ? *(const char
			    *const *)(const void *)(v + 2) : "");
		return;
	} else
		return;
	if (s == NULL)
		outf(o, "# %s =\n", n);
	else
		outf(o, "%s = %s\n", n, s);
}

/*
 * Every key of a process, defaults included, in the file's own syntax
 * and the order of proc_keys; the monitoring keys only for a process
 * that sets any. Keys that are not set and have no default are shown as
 * comments, so the output still reads back as a valid section.
 */
static int
show_keys(const struct key *k, const void *obj, const void *mon, char *buf,
    size_t len)
{
	struct out	 o = { buf, len, 0, len == 0 };

	for (const char *n = key_names(k); *n != '\0'; n += strlen(n) + 1,
	    k++)
		if (!k->mon || mon != NULL)
			show_key(&o, k, n, k->mon ? mon : obj);
	return out_end(&o);
}

int
cfg_proc_show(const struct cfg_proc *p, char *buf, size_t len)
{
	return show_keys(proc_keys, p, p->mon, buf, len);
}

int
cfg_settings_show(const struct cfg_settings *s, char *buf, size_t len)
{
	return show_keys(settings_keys, s, NULL, buf, len);
}

/* ---------------------------------------------------------- locations */

/*
 * The control socket's locations, in the one order every server and every
 * client uses (issues 11 and 12): an explicit one (env PM_SOCKET, else
 * [settings] socket) alone; else the defaults. A non-root user's own
 * places come first ($XDG_RUNTIME_DIR/pm.sock, then a private directory
 * /tmp/pm-UID, never a bare predictable file there), then root's
 * /run/pm.sock, which a client tries whoever runs it but only root binds,
 * then the abstract names @pm and @pm-UID, which need no file system at
 * all (a scratch image, a read-only root, no /tmp). @pm-UID exists for the
 * case where someone else holds @pm first. Returns the count, or -1 when a
 * path does not fit sun_path (a cut path would name some other file).
 */
int
cfg_socket_locs(const struct config *c, bool server, struct sock_loc *v)
{
	/* The defaults after $XDG_RUNTIME_DIR's, by SD_PRIVATE + their place. */
	static const char dflt[] = "/tmp/pm-%u/pm.sock\0/run/pm.sock\0@pm\0"
	    "@pm-%u";
	unsigned int	 uid = (unsigned int)geteuid();
	const char	*e;
	int		 i = 0, n, r;

	memset(v, 0, PM_SOCK_LOCS * sizeof(*v));
	if ((e = getenv("PM_SOCKET")) == NULL || *e == '\0')
		e = c != NULL ? c->set.socket : NULL;
	if (e != NULL) {
		n = snprintf(v->name, sizeof(v->name), "%s", e);
		return n < 0 || (size_t)n >= sizeof(v->name) ? -1 : 1;
	}
	if (uid != 0 && (e = getenv("XDG_RUNTIME_DIR")) != NULL && *e == '/') {
		v[i].dir = SD_OWN;
		n = snprintf(v[i++].name, sizeof(v->name), "%s/pm.sock", e);
		if (n < 0 || (size_t)n >= sizeof(v->name))
			i--;	/* too long: not a place to use */
	}
	/* /tmp/pm-UID for a user, /run for root or a client; @pm, @pm-UID. */
	for (r = 0; r < 4; r++)
		if (r > 1 || (r == 0 ? uid != 0 : uid == 0 || !server)) {
			v[i].dir = r < 2 ? SD_PRIVATE + r : SD_ABSTRACT;
			snprintf(v[i++].name, sizeof(v->name), nth(dflt, r), uid);
		}
	return i;
}

static int
client_key(void *user, const char *sec, const char *name, const char *val)
{
	const struct key	*k;

	if (strcmp(sec, "settings") == 0 &&
	    (k = key_find(settings_keys, name)) != NULL &&
	    (k == &settings_keys[SK_SOCKET] ||
	    k == &settings_keys[SK_TOKEN_FILE]))
		*FIELD(user, k, char *) = strdup(val);
	return 1;
}

/*
 * The client's view of the file (issue 13): [settings] socket and
 * token_file, nothing validated, so that a key or a user only the server
 * uses never stops a client command. No file is no setting. The caller
 * frees set.socket and set.token_file.
 */
void
cfg_load_client(const char *file, struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->file = file;
	/* Lines as load() reads them, or an indented line would differ. */
	ini_options();
	(void)ini_parse(file, client_key, &c->set);
}

/*
 * A socket name to an address: a path, or "@name" for Linux's abstract
 * namespace, whose address length is part of the name. 0, or -1 when the
 * name does not fit.
 */
int
cfg_sockaddr(const char *name, struct sockaddr_un *sun, unsigned int *len)
{
	size_t	n = strlen(name);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n >= sizeof(sun->sun_path))
		return -1;
	memcpy(sun->sun_path, name, n);
	if (name[0] == '@') {
		sun->sun_path[0] = '\0';
		*len = (unsigned int)(offsetof(struct sockaddr_un, sun_path) +
		    n);
	} else
		*len = (unsigned int)sizeof(*sun);
	return 0;
}

/* The process keys as `pm run` options, for its help (issue 17). */
void
cfg_run_opts(int fd)
{
	for (const char *n = proc_names; *n != '\0'; n += strlen(n) + 1)
		out(fd, "%s--%s%s", n == proc_names ? "\tkeys: " : " ", n,
		    n[strlen(n) + 1] != '\0' ? "" : "\n");
}
