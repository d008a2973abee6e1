/*
 * fuzz_config.c: the config parser through the path `pm config check`
 * takes: cfg_load() on a file, so inih's stream parser, pm's line reader
 * (NUL bytes, long lines, BOM) and every key's setter all run. The file
 * is a memfd rewritten per input. A config that loads is also shown and
 * compared with itself, as `config show` and reload do.
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64], err[PM_ERR_MAX], out[8192];
	static int fd = -1;
	struct config *c;
	int i;

	if (fd == -1) {
		if ((fd = memfd_create("pm-fuzz.ini", 0)) == -1)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1 ||
	    (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	if (cfg_load(path, &c, err, sizeof(err)) != 0) {
		if (err[0] == '\0' || strlen(err) >= sizeof(err))
			abort();
		return 0;
	}
	(void)cfg_settings_show(&c->set, out, sizeof(out));
	for (i = 0; i < c->nproc; i++) {
		(void)cfg_proc_show(&c->procs[i], out, sizeof(out));
		if (cfg_proc_changed(&c->procs[i], &c->procs[i]))
			abort();
		if (cfg_find(c, c->procs[i].id) != i)
			abort();
	}
	cfg_free(c);
	return 0;
}
