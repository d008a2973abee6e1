/*
 * unit.h: what every unit test shares: the "ok - " / "FAIL - " lines that
 * tests/run.sh counts, the failure count main returns, and a small
 * deterministic generator so a failing random case reproduces.
 */
#ifndef UNIT_H
#define UNIT_H

#include <stdint.h>
#include <stdio.h>

static int fails;

#define CHECK(what, cond) do {						\
	if (cond)							\
		printf("ok - %s\n", what);				\
	else {								\
		printf("FAIL - %s (line %d)\n", what, __LINE__);	\
		fails++;						\
	}								\
} while (0)

/* xorshift64; a test may #define UNIT_SEED to a constant of its own. */
#ifndef UNIT_SEED
#define UNIT_SEED	0x9e3779b97f4a7c15ULL
#endif
static uint64_t unit_seed = UNIT_SEED;

static inline uint64_t
rnd(void)
{
	unit_seed ^= unit_seed << 13;
	unit_seed ^= unit_seed >> 7;
	unit_seed ^= unit_seed << 17;
	return unit_seed;
}

#endif /* UNIT_H */
