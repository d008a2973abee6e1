/*
 * http.h: the read-only HTTP/1.1 endpoint, [settings] http (http.c).
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>

struct config;

int	 http_init(const struct config *);	/* -1 logged */
uint64_t http_tick(uint64_t now);	/* time out peers; next deadline */
/*
 * Item k of the Prometheus text (a family's # HELP and # TYPE, or one
 * sample) for the processes idx[0..nidx) (nidx < 0: all) into buf: its
 * length, 0 for an item left out, -1 past the last. `pm metrics` and
 * GET /metrics both print these, so their bytes are the same.
 */
int	 http_metrics(int k, const uint16_t *idx, int nidx, char *buf,
	    size_t len);

#endif /* HTTP_H */
