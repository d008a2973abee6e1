/*
 * fuzz_superv.c: supervisord's format through the path `pm --format
 * supervisord config check` takes: cfg_load() on a file read as
 * supervisord's (superv.c: its comment and continuation syntax,
 * expansions, [include] globs, sections and keys), then the pm.ini text it
 * makes through config.c. The file is FILE.conf in a private directory, so
 * a relative [include] glob finds it (and the depth limit ends that). A
 * config that loads is also shown, as `config show` does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	 dir[] = "/tmp/pm-fuzz-superv.XXXXXX", path[64];

/* The directory goes when the run ends. */
static void
clean(void)
{
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char err[PM_ERR_MAX], out[8192];
	static FILE *f;
	struct config *c;
	int i;

	if (f == NULL) {
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(path, sizeof(path), "%s/FILE.conf", dir);
		if ((f = fopen(path, "w")) == NULL || atexit(clean) != 0)
			abort();
		cfg_supervisord = true;
	}
	if (ftruncate(fileno(f), 0) == -1 ||
	    (size > 0 && pwrite(fileno(f), data, size, 0) != (ssize_t)size))
		abort();
	if (cfg_load(path, &c, err, sizeof(err)) != 0) {
		if (err[0] == '\0' || strlen(err) >= sizeof(err))
			abort();
		return 0;
	}
	for (i = 0; i < c->nproc; i++)
		(void)cfg_proc_show(&c->procs[i], out, sizeof(out));
	cfg_free(c);
	return 0;
}
