/*
 * adhoc.h: processes added at run time by `pm run` (adhoc.c), kept as
 * config sections after the file's own, and `pm why`.
 */
#ifndef ADHOC_H
#define ADHOC_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

/* Add [process:id] with body's lines and start it; or remove id. */
int	 adhoc_run(const char *id, const char *body, char *msg, size_t);
int	 adhoc_rm(const char *id, char *msg, size_t);
/* `pm why idx`: a few lines into msg. */
void	 adhoc_why(int idx, char *msg, size_t);

#endif /* ADHOC_H */
