/*
 * superv.c: supervisord's configuration files (issue 16).
 *
 * The file is read with inih set up the way supervisord's configparser
 * reads it: ';' or '#' starts an inline comment only after whitespace, an
 * indented line continues the value above, the last of duplicate keys
 * wins and a repeated section is merged into the first. Every key is kept
 * with its FILE:LINE until all [include] files are read, since a [group:x]
 * may name programs of other files. Then each program instance becomes a
 * [process:ID] section of pm.ini text, fed to config.c's own parser: the
 * values are checked by pm's key setters, and errors name the supervisord
 * line through the line map. Whatever pm does differently is a note: a
 * comment in the text, and a warning line in the caller's buffer.
 *
 * Storage is one malloc'd block of fixed size (only the pages used are
 * ever touched), freed by the next call: a file too large for it is an
 * error, never a truncation.
 */
#include <sys/syscall.h>
#include <sys/utsname.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "superv.h"

#define NAMES_MAX	256		/* files one [include] glob may match */
#define ENT_MAX		4096		/* keys and section headers */
#define LINES_MAX	8192		/* lines of the translation */
#define POOL_MAX	(256 << 10)	/* the keys' names and values */
#define TEXT_MAX	(256 << 10)	/* the translation */
#define LINE_MAX_S	"4094"		/* a line's bytes, '\n' not counted */
_Static_assert(PM_LINE_MAX - 2 == 4094, "LINE_MAX_S");

struct ent {
	const char	*sec;	/* one pointer per section name */
	const char	*key;	/* "": the section's header */
	const char	*val;	/* [program:x]: NULL until written */
	const char	*file;
	int		 line;
	int		 own;	/* a header's priority; a key: 1 if known */
	int		 prio;	/* and its [group:x]'s */
	const char	*grp;	/* (that group) */
};

/*
 * One malloc'd block holds the entries, the line map, the pool of their
 * strings and the translation; it lives until the next call.
 */
static struct {
	struct ent	*e;
	struct sv_line	*map;
	struct out	 pool, txt, err;
	size_t		 secpos;
	const char	*file, *sec, *top;	/* top: the main file */
	int		 n, nmap, line, nerr, last;
	bool		 cont, quiet, tofile;
} S;

/*
 * The values of %(program_name)s, %(group_name)s, %(process_num)d,
 * %(host_node_name)s and %(here)s, in the order of expand()'s names.
 */
static char		 xnum[16], xhere[PATH_MAX];
static struct utsname	 xu;
static const char	*xv[5] = { NULL, NULL, NULL, xu.nodename, xhere };

/*
 * One line of pm.ini with its origin in the map (how 0), or a "FILE:LINE:
 * ..." line into the caller's buffer: an error (1), or a warning (2),
 * which is also a comment line of the pm.ini.
 */
static void
out(int how, const struct ent *at, const char *fmt, const char *a,
    const char *b)
{
	char		 m[3 * PM_LINE_MAX];
	const char	*f = at ? at->file : S.file;
	int		 l = at ? at->line : S.line, n = 0;

	/*
	 * "; FILE:LINE: " before an error or a warning, "; FILE: " for the
	 * file as a whole, cut at a page.
	 */
	if (how && (n = snprintf(m, PM_LINE_MAX, "; %s%s%.0d: %s", f,
	    l ? ":" : "", l, how > 1 ? "warning: " : "")) >= PM_LINE_MAX)
		n = PM_LINE_MAX - 1;
	snprintf(m + n, sizeof(m) - n, fmt, a, b);
	if (how) {
		outf(&S.err, "%s\n", m + 2);
		if (how == 1) {
			S.nerr++;
			return;
		}
	}
	if (S.nmap < LINES_MAX)
		S.map[S.nmap] = (struct sv_line){ f, l };
	S.nmap++;
	outf(&S.txt, "%s\n", m);
}

/* FMT with at most two strings, as say(AT, FMT, ...) or emit(...). */
#define out5(how, at, fmt, a, b, ...)	out(how, at, fmt, a, b)
#define say(...)	out5(1, __VA_ARGS__, NULL, NULL, NULL)
#define emit(...)	out5(0, __VA_ARGS__, NULL, NULL, NULL)

/* An error of the file as a whole, or of its line being read. */
static void __attribute__((noinline))
fail(const char *what)
{
	say(NULL, what);
}

/* What pm does differently, once per program. */
static void
note(const struct ent *at, const char *what, const char *why)
{
	if (!S.quiet)
		out(2, at, "%s: %s", what, why);
}

/* A copy of s in the pool; "" when full, reported at the end. */
static char *
keep(const char *s)
{
	char	*p = S.pool.buf + S.pool.pos;

	outf(&S.pool, "%s%c", s, 0);
	return S.pool.full ? "" : p;
}

static bool
yes(const char *v)
{
	/* strncasecmp with no limit: strcasecmp is not linked (config.c). */
	return strchr("tTyY1", *v) ? *v != 0 : !strncasecmp(v, "on",
	    (size_t)-1);
}

/* The last value of KEY in section SEC, or with KEY "" its header. */
static struct ent *
get(const char *sec, const char *key)
{
	struct ent	*e = S.e + S.n;

	while (e > S.e)
		if (!strcmp((--e)->sec, sec) && !strcmp(e->key, key))
			return e;
	return NULL;
}

#define hdr(name)	get(name, "")

/* The string after s in a NUL-separated list. */
static const char *
next(const char *s)
{
	return s + strlen(s) + 1;
}

/*
 * V with supervisord's %(NAME)s and %(NAME)02d expanded: ENV_X,
 * program_name, process_num, group_name, host_node_name, here; %% is '%'.
 * The result is valid until the next call; NULL: an error, said.
 */
static char *
expand(const struct ent *at, const char *v)
{
	static char	 buf[PM_LINE_MAX];
	struct out	 d = { buf, sizeof(buf), 0, false };
	char		 nm[64], fmt[16];
	static const char names[] = "program_name\0group_name\0process_num\0"
	    "host_node_name\0here";
	const char	*e, *val, *v0 = v, *sl = strrchr(at->file, '/'), *p;
	size_t		 w;
	int		 i;

	*buf = '\0';
	for (; *v; v++) {
		if (*v != '%' || v[1] != '(') {
			/* %% is '%', a '%' alone itself */
			v += *v == '%' && v[1] == '%';
			outf(&d, "%c", *v);
			continue;
		}
		v++;
		if ((e = strchr(v, ')')) == NULL)
			goto bad;
		snprintf(nm, sizeof(nm), "%.*s", (int)(e - v - 1), v + 1);
		uname(&xu);
		snprintf(xhere, sizeof(xhere), "%.*s", sl ? (int)(sl - at->file) :
		    1, sl ? at->file : ".");
		for (i = 0, p = names; i < 5 && strcmp(nm, p); i++)
			p = next(p);
		val = !strncmp(nm, "ENV_", 4) ? getenv(nm + 4) : i < 5 ?
		    xv[i] : NULL;
		for (w = 0, e++; w < 8 && (e[w] == '-' || (unsigned)e[w] - '0' <
		    10); w++)
			;
		if (val == NULL || (e[w] != 's' && e[w] != 'd'))
			goto bad;
		snprintf(fmt, sizeof(fmt), "%%%.*s%s", (int)w, e, e[w] == 's' ?
		    "s" : "ld");
		if (e[w] == 's')
			outf(&d, fmt, val);
		else
			outf(&d, fmt, strtol(val, NULL, 10));
		v = e + w;
	}
	if (!d.full)
		return buf;
bad:
	say(at, "cannot expand '%.64s'", v0);
	return NULL;
}

/* ------------------------------------------------------------ reading */

static void
add(const char *key, const char *val)
{
	if (S.n == ENT_MAX)
		fail("too large for pm");
	else
		S.e[S.n++] = (struct ent){ S.sec, keep(key),
		    keep(val), S.file, S.line, 0, 0, NULL };
}

/* fgets for inih, counting lines, noting headers and continuations. */
static char *
reader(char *str, int num, void *fp)
{
	struct ent *h;
	char	*e;

	if (fgets(str, num, fp) == NULL)
		return NULL;
	S.line++;
	if (strlen(str) >= (size_t)num - 1 && str[num - 2] != '\n') {
		fail("line too long (max " LINE_MAX_S ")");
		return NULL;	/* the file ends there: an error already */
	}
	for (e = str; *e == ' ' || *e == '\t'; e++)
		;
	S.cont = e > str && !strchr("\n;#", *e);
	if (*str == '[' && (e = strchr(str, ']')) != NULL) {
		*e = '\0';
		S.last = 0;
		if ((h = hdr(str + 1)) != NULL)
			S.sec = h->sec;
		else {
			S.sec = keep(str + 1);
			add("", "");
		}
		*e = ']';
	}
	return str;
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	(void)user;
	(void)section;
	/* No key name: configparser's syntax error. */
	if (!*name)
		return 0;
	if (S.sec == NULL)
		say(NULL, "key '%s' outside of any section", name);
	else if (S.cont && S.last) {
		/* Its value is the pool's last string: joined in place. */
		S.pool.pos--;
		outf(&S.pool, " %s%c", value, 0);
	} else {
		add(name, value);
		S.last = S.n;
	}
	return 1;
}

/* A glob's last part: '*' and '?'. */
static bool
match(const char *p, const char *s)
{
	for (; *p; p++, s++) {
		if (*p == '*')
			for (;; s++) {
				if (match(p + 1, s))
					return true;
				if (*s == '\0')
					return false;
			}
		if (*s == '\0' || (*p != '?' && *p != *s))
			return false;
	}
	return *s == '\0';
}

static void	parse(const char *);

/*
 * The main file's [include] files: globs relative to it, each read in name
 * order. As in supervisord, an [include] of an included file is not read.
 */
static void
include(void)
{
	struct ent	*e = get("include", "files");
	const char	*f = S.top, *sl = strrchr(f, '/'), *names[NAMES_MAX];
	/* getdents64's records are struct dirent, 8-byte aligned. */
	char		 pat[PATH_MAX], *w, *save, *b, *t, c,
			 buf[2048] __attribute__((aligned(8)));
	struct dirent	*de;
	long		 i, j, n, got;
	int		 fd;

	/* Its value expanded, kept: parse() expands too. */
	if (e == NULL || (save = expand(e, e->val)) == NULL)
		return;
	save = keep(save);
	while ((w = strsep(&save, " \t")) != NULL) {
		if (!*w)
			continue;
		snprintf(pat, sizeof(pat), "%.*s%s", *w == '/' || !sl ? 0 :
		    (int)(sl - f + 1), f, w);
		/* The directory, '/' ended, is pat cut at the glob t. */
		t = (b = strrchr(pat, '/')) ? b + 1 : pat;
		c = *t;
		*t = '\0';
		/* The raw call on an fd, as pm.c's: no DIR linked for this. */
		fd = open(*pat ? pat : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		*t = c;
		n = 0;
		while (fd >= 0 && (got = syscall(SYS_getdents64, fd, buf,
		    sizeof(buf))) > 0)
			for (i = 0; i < got; i += de->d_reclen) {
				de = (struct dirent *)(buf + i);
				if ((*de->d_name == '.' && *t != '.') ||
				    !match(t, de->d_name))
					continue;
				if (n == NAMES_MAX) {
					say(e, "too large for pm");
					goto full;
				}
				for (j = n++; j > 0 && strcmp(names[j - 1],
				    de->d_name) > 0; j--)
					names[j] = names[j - 1];
				names[j] = keep(de->d_name);
			}
full:
		close(fd);	/* -1: EBADF */
		for (i = 0; i < n; i++) {
			snprintf(t, sizeof(pat) - (t - pat), "%s", names[i]);
			parse(pat);
		}
	}
}

static void
parse(const char *name)
{
	const char	*why;
	int		 r;
	FILE		*fp;

	S.file = keep(name);
	S.line = 0;
	S.sec = NULL;	/* keys need a section, then S.last is set */
	if ((fp = cfg_fopen(name, &why)) == NULL)
		say(NULL, "%s", why);
	else {
		if ((r = ini_parse_stream(reader, fp, handler, NULL)) > 0) {
			S.line = r;
			fail("syntax error");
		}
		fclose(fp);
	}
	/* Then messages name the whole of "" (parse() is not nested). */
	S.file = "";
	S.line = 0;
}

/* ---------------------------------------------------------- writing */

/*
 * Key rows, one string: how (K_* as a digit), supervisord's name, pm's
 * key ("": the same) or the note, and supervisord's default where pm's
 * differs.
 */
enum { K_COPY, K_RETRY, K_ENUM, K_UNUSED, K_ENV, K_NOTE, K_IFNOT, K_SKIP,
	K_LOG, K_SIZE };
#define R(k, sv, pm, def)	k sv "\0" pm "\0" def "\0"
#define SKIP(sv)		R("7", sv, "", "")

/*
 * pkeys' first rows: keys program() reads itself, named by where they are
 * in the table (no second copy of the name).
 */
#define S_PNAME		"process_name"
#define S_NUMPROCS	"numprocs"
#define S_NUMSTART	"numprocs_start"
#define S_REDIRECT	"redirect_stderr"
#define S_STDERR	"stderr_logfile"
#define S_STDOUT	"stdout_logfile"
#define S_PRIO		"priority"
#define S_PRIO_NOTE	"start order only"
#define S_ENV		"environment"
#define N_PNAME		(pkeys + 1)
#define N_NUMPROCS	(N_PNAME + sizeof(S_PNAME) + 3)
#define N_NUMSTART	(N_NUMPROCS + sizeof(S_NUMPROCS) + 3)
#define N_REDIRECT	(N_NUMSTART + sizeof(S_NUMSTART) + 3)
#define N_STDERR	(N_REDIRECT + sizeof(S_REDIRECT) + 3)
#define N_STDOUT	(N_STDERR + sizeof(S_STDERR) + 3)
#define N_PRIO		(N_STDOUT + sizeof(S_STDOUT) + sizeof("log") + 2)
#define N_ENV		(N_PRIO + sizeof(S_PRIO) + sizeof(S_PRIO_NOTE) + 2)

static const char pkeys[] =
	SKIP(S_PNAME) SKIP(S_NUMPROCS) SKIP(S_NUMSTART) SKIP(S_REDIRECT)
	SKIP(S_STDERR)
	R("8", S_STDOUT, "log", "")
	R("5", S_PRIO, S_PRIO_NOTE, "")
	R("4", S_ENV, "", "")
	R("0", "command", "", "")
	R("0", "autostart", "", "")
	R("2", "autorestart", "restart", "unexpected")
	R("0", "exitcodes", "success_exit", "")
	R("1", "startretries", "start_limit", "3")
	R("0", "stopsignal", "stop_signal", "")
	R("0", "stopwaitsecs", "stop_timeout", "")
	R("0", "user", "", "")
	R("0", "directory", "", "")
	R("0", "umask", "", "")
	R("5", "startsecs", "pm: a run under 10s is a failed start", "")
	R("6", "stopasgroup", "pm stops the whole group", "")
	R("6", "killasgroup", "", "")
	R("9", "stdout_logfile_maxbytes", "log_max_size", "50MB")
	R("8", "stdout_logfile_backups", "log_keep", "10")
	SKIP("stderr_logfile_maxbytes") SKIP("stderr_logfile_backups"),
	skeys[] =
	R("2", "logfile", "log_target", "")
	R("2", "loglevel", "log_level", "")
	R("6", "nodaemon", "pm runs in the foreground", "")
	R("5", "user", "set per process", "")
	R("5", "directory", "", "")
	R("5", "minfds", "use rlimit_nofile", "")
	R("5", "minprocs", "use rlimit_nproc", "")
	R("5", "pidfile", "pm writes no pidfile", "")
	R("5", "childlogdir", "pm: console or log", "")
	R("5", "logfile_maxbytes", "pm does not rotate it", "")
	R("5", "logfile_backups", "", "")
	SKIP(S_ENV),
	/* Values that differ: autorestart's, then loglevel's. */
	values[] = "true\0always\0false\0never\0unexpected\0on-failure\0"
	"critical\0error\0trace\0debug\0blather\0debug\0";

static const char *
map_value(const char *v)
{
	const char	*p;

	if (!strncmp(v, "/dev/", 5))
		return "stderr";	/* logfile */
	for (p = values; *p; p = next(next(p)))
		if (!strncasecmp(p, v, (size_t)-1))
			return next(p);
	return v;
}

/* environment = A="x y",B=z as pm environment lines; the first wins. */
static void
env(const struct ent *at, char *v)
{
	char	 nd[PM_LINE_MAX + 32], *k, *e, *p, c;
	size_t	 kn;
	int	 n;

	for (;;) {
		while (*v && strchr(", \t", *v))
			v++;
		if (*v == '\0')
			return;
		k = v;
		v += strcspn(v, "=");
		for (kn = v - k; kn && k[kn - 1] <= ' '; kn--)
			;
		if (*v++ != '=')
			break;
		while (*v == ' ')
			v++;
		e = v + strcspn(v, ",");
		if ((c = *v) == '"' || c == '\'') {
			if ((e = strchr(++v, c)) == NULL)
				break;
			*e++ = '\0';
		} else if (*e)
			*e++ = '\0';
		k[kn] = '\0';
		n = snprintf(nd, sizeof(nd), "\nenvironment = %s=", k);
		for (p = S.txt.buf + S.secpos; p && strncmp(p, nd, n);
		    p = strchr(p + 1, '\n'))
			;
		if (p == NULL)
			emit(at, "%s%s", nd + 1, v);
		v = e;
	}
	say(at, "environment: want KEY=VALUE,KEY=\"VALUE\"");
}

/* Section h's keys through table t: notes, and pm's keys. */
static void
keys(const struct ent *h, const char *t)
{
	char		*buf;
	const struct ent *at;
	struct ent	*e;
	const char	*k, *pm, *def, *why = "";
	size_t		 n;
	int		 i;

	for (k = t; *k; k = next(def)) {
		pm = next(k);
		def = next(pm);
		why = *pm ? pm : why;
		if ((e = get(h->sec, k + 1)) != NULL)
			e->own = 1;	/* a key of the table */
		at = e ? e : h;
		if (*k == '0' + K_SKIP || (*k >= '0' + K_LOG && !S.tofile) ||
		    (!e && !*def) || (buf = expand(at, e ? e->val : def)) == NULL)
			continue;
		n = strlen(buf);
		switch (*k) {
		case '0' + K_RETRY:
			if (strcmp(buf, "0") == 0) {
				note(at, k + 1, "0 is no limit in pm: 1");
				*buf = '1';
			}
			break;
		case '0' + K_SIZE:
			/* 50MB is pm's 50M (and 10B its 10). */
			if (n && (buf[n - 1] | 32) == 'b')
				buf[n - 1] = '\0';
			break;
		case '0' + K_ENV:
			env(at, buf);
			continue;
		case '0' + K_IFNOT:
			if (yes(buf))
				continue;
			/* FALLTHROUGH */
		case '0' + K_NOTE:
			note(at, k + 1, why);
			continue;
		}
		emit(at, "%s = %s", *pm ? pm : k + 1, *k == '0' + K_ENUM ?
		    map_value(buf) : buf);
	}
	for (i = 0; i < S.n; i++) {
		e = &S.e[i];
		if (*e->key && !e->own && e->sec == h->sec && get(e->sec,
		    e->key) == e)
			note(e, e->key, "unknown, ignored");
	}
}

/* A *_logfile value: "" for the console (pm's AUTO too), NONE, or a file. */
static const char *
dest(const struct ent *e)
{
	const char	*v = e ? e->val : "AUTO";

	return !strcmp(v, "AUTO") || !strncmp(v, "/dev/std", 8) ||
	    !strncmp(v, "/dev/fd/", 8) ? "" : v;
}

/* A number of section h, expanded; def when not set (or bad). */
static int
num(const struct ent *h, const char *key, int def)
{
	const struct ent *e = get(h->sec, key);
	const char	*v = e ? expand(e, e->val) : NULL;

	return v ? (int)strtol(v, NULL, 10) : def;
}

/* A [program:x]: one [process:ID] per instance. */
static void
program(const struct ent *h)
{
	char		*buf;
	const struct ent *e, *pn = get(h->sec, N_PNAME),
	    *o = get(h->sec, N_STDOUT),
	    *er = get(h->sec, N_STDERR),
	    *rd = get(h->sec, N_REDIRECT);
	const char	*dt = dest(o);
	int		 i, n, start;
	bool		 none;

	xv[0] = h->sec + 8;
	xv[1] = h->grp ? h->grp : h->sec + 8;
	xv[2] = xnum;
	if ((n = num(h, N_NUMPROCS, 1)) < 1)
		say(h, "numprocs must be at least 1");
	start = num(h, N_NUMSTART, 0);
	/* NONE: pm keeps it on the console. */
	if ((none = !strcmp(dt, "NONE")))
		dt = "";
	S.tofile = *dt;
	for (i = 0; i < n && !S.txt.full; i++) {
		/* numprocs_start + i: past INT_MAX */
		snprintf(xnum, sizeof(xnum), "%lld", (long long)start + i);
		S.quiet = i > 0;
		if ((buf = expand(pn ? pn : h, pn ? pn->val :
		    "%(program_name)s")) == NULL)
			break;
		S.secpos = S.txt.pos - 1;	/* the '\n' before it */
		emit(h, "[process:%s]", buf);
		if (h->grp || n > 1)
			emit(h, "process_group = %s", xv[1]);
		keys(h, pkeys);
		if ((e = get("supervisord", N_ENV)) && (buf = expand(e,
		    e->val)) != NULL)
			env(e, buf);
		if (none)
			note(o, N_STDOUT, "kept on the console");
		/* pm sends stderr where stdout goes. */
		if ((!rd || !yes(rd->val)) && strcmp(dest(er), dt))
			note(er ? er : h, N_STDERR, "goes with stdout");
	}
}

static void
translate(void)
{
	static const char kinds[] = "program:\0supervisord\0group:\0include\0"
	    "eventlistener:\0unix_http_server\0inet_http_server\0"
	    "supervisorctl\0rpcinterface:\0";
	struct ent	*e, *h, *best;
	char		 nm[PM_LINE_MAX + 8], *w, *save;
	const char	*s, *p;
	long long	 k, bk = 0;	/* a priority's any int */
	size_t		 n;
	int		 i;

	emit(NULL, "[settings]");	/* at "":0, where parse() left */
	for (i = 0; i < S.n; i++) {
		e = &S.e[i];
		s = e->sec;
		for (k = 0, p = kinds; (n = strlen(p)) && strncmp(s, p, n); k++)
			p += n + 1;
		if (k == 3 && e->file != S.top)
			note(e, s, "not read: supervisord reads the main "
			    "file's only");
		if (*e->key || k == 3)
			continue;
		if (k == 0) {
			e->own = num(e, N_PRIO, 999);
			if (!e->grp)	/* else its group's, set */
				e->prio = e->own;
			e->val = NULL;	/* to be translated */
		}
		else if (k == 1)
			keys(e, skeys);
		else if (k > 3)
			note(e, s, k == 4 ? "not run: use on_exit, on_fatal or pm "
			    "events" : k < 9 ? "not needed by pm" :
			    "unknown, ignored");
		else if ((e = get(s, "programs")) != NULL) {
			/* Each program the [group:x] names (split in the
			 * pool, read once): its group. */
			for (save = (char *)e->val; (w = strsep(&save,
			    ", \t"));) {
				if (!*w)
					continue;
				snprintf(nm, sizeof(nm), "program:%s", w);
				if ((h = hdr(nm)) == NULL)
					say(e, "no [%s]", nm);
				else {
					h->grp = s + 6;
					h->prio = num(e, N_PRIO, 999);
				}
			}
		}
	}
	/*
	 * The programs in supervisord's order: by group's priority, then the
	 * program's; equal ones as they were read.
	 */
	for (;;) {
		best = NULL;
		for (i = 0; i < S.n; i++) {
			e = &S.e[i];
			if (e->val)
				continue;
			k = e->prio * (1LL << 32) + e->own;
			if (!best || k < bk) {
				best = e;
				bk = k;
			}
		}
		if (best == NULL)
			break;
		program(best);
		best->val = "";
	}
}

const char *
superv_read(const char *file, const struct sv_line **mp, int *nmp, char *err,
    size_t errlen)
{
	free(S.e);
	memset(&S, 0, sizeof(S));
	/* A program's names: none outside [program:x] (the last call's
	 * were in the block just freed). */
	xv[0] = xv[1] = xv[2] = NULL;
	S.err = (struct out){ err, errlen, 0, 0 };
	S.file = "";
	if ((S.e = malloc(ENT_MAX * sizeof(*S.e) + LINES_MAX *
	    sizeof(*S.map) + POOL_MAX + TEXT_MAX)) == NULL) {
		fail("out of memory");
		return NULL;
	}
	S.map = (struct sv_line *)(S.e + ENT_MAX);
	S.pool = (struct out){ (char *)(S.map + LINES_MAX), POOL_MAX, 0, 0 };
	S.txt = (struct out){ S.pool.buf + POOL_MAX, TEXT_MAX, 0, 0 };
	ini_max_line = PM_LINE_MAX;
	ini_allow_multiline = ini_allow_inline_comments = true;
	ini_inline_comment_prefixes = ini_start_comment_prefixes;
	S.top = S.pool.buf;	/* the main file's name: parse()'s first keep */
	parse(file);
	include();
	if (S.nerr == 0)
		translate();
	if (S.pool.full || S.txt.full || S.nmap > LINES_MAX)
		fail("too large for pm");
	*mp = S.map;
	*nmp = S.nmap;
	return S.nerr ? NULL : S.txt.buf;
}
