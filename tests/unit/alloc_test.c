/*
 * alloc_test.c: alloc.c (pm's own malloc for the static build) under its
 * alloc_ names: the C rules (alignment, zeroing, overflow, realloc keeps
 * the contents), big blocks left untouched and given back, and a
 * deterministic random sequence of malloc/calloc/realloc/free whose
 * blocks are filled and checked so any overlap or loss shows. Prints
 * "ok - " / "FAIL - " lines.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#define UNIT_SEED	0x243f6a8885a308d3ULL
#include "unit.h"

void	*alloc_malloc(size_t);
void	*alloc_calloc(size_t, size_t);
void	*alloc_realloc(void *, size_t);
void	 alloc_free(void *);

/* Pages of [p, p + n) that are backed by memory, or -1 if unmapped. */
static long
resident(void *p, size_t n)
{
	static unsigned char vec[4096];
	long pg = sysconf(_SC_PAGESIZE), k = 0;
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(pg - 1);
	size_t i, np;

	np = ((uintptr_t)p + n - a + (size_t)pg - 1) / (size_t)pg;
	if (np > sizeof(vec) || mincore((void *)a, np * (size_t)pg, vec) != 0)
		return -1;
	for (i = 0; i < np; i++)
		k += vec[i] & 1;
	return k;
}

static void
test_rules(void)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 100, 4079, 4080,
	    4081, 5000, 65536, 100000 };
	unsigned char *p, *q;
	size_t i, j;
	int ok = 1;
	void *a, *b;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p = alloc_malloc(sizes[i]);
		ok &= p != NULL && ((uintptr_t)p & 15) == 0;
		memset(p, 0xa5, sizes[i]);
		alloc_free(p);
	}
	CHECK("every size is 16-byte aligned and writable", ok);

	a = alloc_malloc(0);
	b = alloc_malloc(0);
	CHECK("malloc(0) gives distinct blocks", a && b && a != b);
	alloc_free(a);
	alloc_free(b);
	alloc_free(NULL);
	CHECK("free(NULL) is a no-op", 1);

	errno = 0;
	CHECK("calloc overflow is ENOMEM",
	    alloc_calloc(SIZE_MAX / 8, 16) == NULL && errno == ENOMEM);
	errno = 0;
	CHECK("a huge malloc is ENOMEM",
	    alloc_malloc(SIZE_MAX - 8) == NULL && errno == ENOMEM);

	/* A freed small block, dirty, comes back zeroed from calloc. */
	p = alloc_malloc(200);
	memset(p, 0xff, 200);
	alloc_free(p);
	q = alloc_calloc(50, 4);
	for (ok = 1, j = 0; j < 200; j++)
		ok &= q[j] == 0;
	CHECK("small blocks are reused and calloc zeroes them",
	    q == p && ok);
	alloc_free(q);

	p = alloc_realloc(NULL, 10);
	memcpy(p, "0123456789", 10);
	for (j = 20; j < 300000; j = j * 3 / 2) {
		p = alloc_realloc(p, j);
		if (p == NULL || memcmp(p, "0123456789", 10) != 0)
			break;
	}
	CHECK("realloc keeps the contents while growing to big",
	    j >= 300000);
	q = alloc_realloc(p, 5);
	CHECK("realloc to fewer bytes keeps the block",
	    q == p && memcmp(q, "01234", 5) == 0);
	q = alloc_realloc(q, 0);
	CHECK("realloc(p, 0) returns a block", q != NULL);
	alloc_free(q);
}

/*
 * Big blocks: the connection table and log rings are megabytes of
 * memory that is mostly never touched; it must stay unbacked, and come
 * back to the system on free.
 */
static void
test_big(void)
{
	size_t n = 256 * 28 * 1024;
	unsigned char *p;
	long r;

	p = alloc_calloc(256, 28 * 1024);
	CHECK("a 7 MB calloc succeeds", p != NULL);
	if (p == NULL)
		return;
	r = resident(p, n);
	CHECK("its pages are not touched by calloc", r >= 0 && r <= 1);
	p[n / 2] = 1;
	CHECK("writing one byte backs one page", resident(p, n) == r + 1);
	CHECK("it reads as zero", p[0] == 0 && p[n / 2 - 1] == 0 &&
	    p[n - 1] == 0);
	alloc_free(p);
	CHECK("free unmaps it", resident(p, n) == -1);
}

#define SLOTS	600

static struct {
	unsigned char	*p;
	size_t		 n;
	unsigned char	 fill;
} slot[SLOTS];

static int
intact(int i)
{
	size_t j;

	for (j = 0; j < slot[i].n; j++)
		if (slot[i].p[j] != slot[i].fill)
			return 0;
	return 1;
}

static size_t
rndsize(void)
{
	switch (rnd() % 32) {
	case 0:
	case 1:
	case 2:
		return rnd() % 17;
	case 3:
	case 4:
		return 4000 + rnd() % 200;
	case 5:
		return rnd() % 70000;
	case 6:
		return rnd() % 300000;
	default:
		return rnd() % 1100;
	}
}

static void
test_random(void)
{
	unsigned char *q;
	size_t n, keep;
	int i, k, ok = 1, ops = 0;

	for (k = 0; k < 100000 && ok; k++) {
		i = (int)(rnd() % SLOTS);
		if (slot[i].p != NULL && !intact(i)) {
			printf("# slot %d (%zu bytes) was overwritten\n", i,
			    slot[i].n);
			ok = 0;
			break;
		}
		n = rndsize();
		switch (rnd() % 4) {
		case 0:
			alloc_free(slot[i].p);
			slot[i].p = NULL;
			slot[i].n = 0;
			break;
		case 1:
			if ((q = alloc_realloc(slot[i].p, n)) == NULL) {
				ok = 0;
				break;
			}
			keep = n < slot[i].n ? n : slot[i].n;
			slot[i].p = q;
			for (; keep > 0; keep--)
				if (q[keep - 1] != slot[i].fill)
					ok = 0;
			slot[i].n = n;
			break;
		case 2:
			alloc_free(slot[i].p);
			if ((slot[i].p = alloc_calloc(1, n)) == NULL) {
				ok = 0;
				break;
			}
			slot[i].n = n;
			for (keep = 0; keep < n; keep++)
				if (slot[i].p[keep] != 0)
					ok = 0;
			break;
		default:
			alloc_free(slot[i].p);
			if ((slot[i].p = alloc_malloc(n)) == NULL)
				ok = 0;
			slot[i].n = n;
			break;
		}
		if (!ok)
			break;
		ops++;
		if ((uintptr_t)slot[i].p & 15)
			ok = 0;
		slot[i].fill = (unsigned char)rnd();
		if (slot[i].p != NULL)
			memset(slot[i].p, slot[i].fill, slot[i].n);
	}
	for (i = 0; i < SLOTS && ok; i++)
		if (slot[i].p != NULL)
			ok = intact(i);
	for (i = 0; i < SLOTS; i++)
		alloc_free(slot[i].p);
	CHECK("100000 random malloc/calloc/realloc/free keep every block "
	    "intact", ok && ops == 100000);
}

int
main(void)
{
	test_rules();
	test_big();
	test_random();
	return fails != 0;
}
