/*
 * log.h: pm's own messages (log.c). It calls no other module: the console
 * writer that keeps its lines from cutting into children's is handed to it.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>	/* printf, named in log_check only */

/* Log levels, ordered like syslog's. */
enum { L_ERR = 3, L_WARN = 4, L_INFO = 6, L_DEBUG = 7 };

int	 log_init(int level, const char *target);	/* -1: on stderr */
/*
 * Send stderr lines through con (logbuf.c's console writer, so they never
 * cut into a child's line); before that they are written directly.
 */
void	 log_console(void (*con)(const char *, size_t));
/* Switch to target, or keep the old one and say why in err: -1. */
int	 log_switch(int level, const char *target, char *err, size_t len);
/*
 * The level is the format's first byte, which the macros put there: one
 * byte in each format, not an argument at each of a hundred calls. With
 * L_ID added to it, the first argument is a process's ID, written "ID: "
 * before the message: the lines about one process (plog_*) do not each
 * hold "%s: " in their formats. log_check has the compiler check every
 * format against its arguments, as the format attribute would; its printf
 * is in sizeof, so never called.
 */
#define L_ID	0x10
void	 pm_log(const char *fmt, ...);
#define log_check(...)	((void)sizeof(printf(__VA_ARGS__)))
#define log_err(...)	(log_check(__VA_ARGS__), pm_log("\3" __VA_ARGS__))
#define log_warn(...)	(log_check(__VA_ARGS__), pm_log("\4" __VA_ARGS__))
#define log_info(...)	(log_check(__VA_ARGS__), pm_log("\6" __VA_ARGS__))
#define log_debug(...)	(log_check(__VA_ARGS__), pm_log("\7" __VA_ARGS__))
#define plog(lv, id, fmt, ...)	(log_check(fmt, ##__VA_ARGS__), \
	pm_log(lv fmt, (const char *)(id), ##__VA_ARGS__))
#define plog_err(id, ...)	plog("\23", id, __VA_ARGS__)
#define plog_warn(id, ...)	plog("\24", id, __VA_ARGS__)
#define plog_info(id, ...)	plog("\26", id, __VA_ARGS__)
#define plog_debug(id, ...)	plog("\27", id, __VA_ARGS__)
/* Child bytes made safe for JSON (json) or a terminal; d holds 6 * n. */
char	*log_esc(char *d, const char *s, size_t n, bool json);

/* Rate-limited warnings (log.c): one struct per kind of message. */
#define LOG_LIMIT_BURST	5
#define LOG_LIMIT_MS	10000
struct log_limit {
	uint64_t	 start;		/* of the current window, ms */
	unsigned	 n;		/* lines written in it */
	unsigned	 suppressed;	/* lines dropped since the last one */
};
void	 log_limited(struct log_limit *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif /* LOG_H */
