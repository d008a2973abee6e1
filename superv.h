/*
 * superv.h: supervisord's configuration files (superv.c), translated into
 * pm.ini text that config.c then reads like any other, so every value is
 * checked by the same key setters and named by its supervisord FILE:LINE.
 */
#ifndef SUPERV_H
#define SUPERV_H

#include <stdbool.h>
#include <stddef.h>

/* Where one line of the translation came from. */
struct sv_line {
	const char	*file;
	int		 line;
};

/*
 * Translate FILE and its includes into pm.ini text (valid until the next
 * call), with map[i] the origin of its line i + 1. What pm does
 * differently is a "; FILE:LINE: warning: ..." comment line, and the same
 * line without "; " written to err; so is each error (NULL returned).
 */
const char *superv_read(const char *file, const struct sv_line **map,
	    int *nmap, char *err, size_t errlen);

#endif /* SUPERV_H */
