/*
 * alloc.c: pm's own malloc, linked only into the static musl build.
 *
 * pm is one static binary whose goal is under 128 KiB. musl's mallocng is
 * a hardened allocator for long-running programs that allocate all the
 * time (about 9 KB); pm allocates only at startup and at config load and
 * reload, plus what stdio asks for (a FILE in fopen). So this one is
 * small: a block starts with a 16-byte header holding its size. Blocks
 * up to BIG bytes come in powers of two carved from 64 KiB mmap'd slabs
 * and go back to a free list per size when freed; bigger blocks (config
 * arena chunks, process tables, log rings, the connection table) are
 * mmap'd alone, so pages never touched are never backed by memory, calloc
 * needs no memset for them, and free gives them back with munmap.
 *
 * musl's own objects call malloc, calloc, realloc and free by these
 * names; only __tz.c calls __libc_malloc, which stays musl's simple bump
 * allocator and is never freed, so the two never meet. pm is single
 * threaded and its vfork children do not allocate, so there is no lock.
 * tests/unit/alloc_test.c builds this file with ALLOC_TEST, which renames
 * the functions with an alloc_ prefix.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#ifdef ALLOC_TEST
#define malloc	alloc_malloc
#define calloc	alloc_calloc
#define realloc	alloc_realloc
#define free	alloc_free
void	*alloc_malloc(size_t);
void	*alloc_calloc(size_t, size_t);
void	*alloc_realloc(void *, size_t);
void	 alloc_free(void *);
#endif

#define HDR	16			/* keeps the user pointer 16-aligned */
#define MIN	32			/* smallest block, header included */
#define NCLASS	8			/* MIN << 7 == 4096 == BIG */
#define BIG	(MIN << (NCLASS - 1))
#define SLAB	65536

/* The header: the block's size (header included); a free block's next. */
struct blk {
	size_t		 size;
	struct blk	*next;
};

static struct blk *freel[NCLASS];
static char *slab, *slab_end;

/* Round n bytes of user data up to a block size, or 0 if too large. */
static size_t
blksize(size_t n)
{
	size_t sz;

	if (n > SIZE_MAX / 2 - 65536)
		return 0;
	if (n + HDR > BIG)
		return (n + HDR + 4095) & ~(size_t)4095;
	for (sz = MIN; sz < n + HDR; sz <<= 1)
		;
	return sz;
}

static int
class(size_t sz)
{
	int c;

	for (c = 0; (size_t)MIN << c < sz; c++)
		;
	return c;
}

/*
 * A block of sz bytes (a blksize() result, 0 for too large). A small one
 * comes from its free list, else from the current slab; a new slab is
 * mapped when it runs out (the few bytes left in the old one are not
 * worth tracking). A big block is its own mapping.
 */
static void *
get(size_t sz)
{
	struct blk *b;
	int c;

	if (sz == 0) {
		errno = ENOMEM;
		return NULL;
	}
	if (sz > BIG) {
		b = mmap(NULL, sz, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (b == MAP_FAILED)
			return NULL;
	} else if ((b = freel[c = class(sz)]) != NULL)
		freel[c] = b->next;
	else {
		if (slab == NULL || (size_t)(slab_end - slab) < sz) {
			slab = mmap(NULL, SLAB, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (slab == MAP_FAILED) {
				slab = NULL;
				return NULL;
			}
			slab_end = slab + SLAB;
		}
		b = (struct blk *)(void *)slab;
		slab += sz;
	}
	b->size = sz;
	return (char *)b + HDR;
}

void *
malloc(size_t n)
{
	return get(blksize(n));
}

void
free(void *p)
{
	struct blk *b;
	int c;

	if (p == NULL)
		return;
	b = (struct blk *)(void *)((char *)p - HDR);
	if (b->size > BIG)
		munmap(b, b->size);
	else {
		c = class(b->size);
		b->next = freel[c];
		freel[c] = b;
	}
}

/*
 * A fresh big mapping is already zero: leave its pages untouched. (get()
 * rather than malloc(), so the compiler cannot fold malloc and memset
 * back into a call to calloc.)
 */
void *
calloc(size_t n, size_t m)
{
	size_t sz;
	void *p;

	if (m != 0 && n > SIZE_MAX / m) {
		errno = ENOMEM;
		return NULL;
	}
	sz = blksize(n * m);
	if ((p = get(sz)) != NULL && sz <= BIG)
		memset(p, 0, sz - HDR);
	return p;
}

/*
 * Grow by moving to a new block; a block that is big enough already
 * stays. Like musl, realloc(p, 0) returns a minimal block, not NULL.
 */
void *
realloc(void *p, size_t n)
{
	size_t have;
	void *q;

	if (p == NULL)
		return malloc(n);
	have = ((struct blk *)(void *)((char *)p - HDR))->size - HDR;
	if (n <= have)
		return p;
	if ((q = malloc(n)) == NULL)
		return NULL;
	memcpy(q, p, have);
	free(p);
	return q;
}
