/*
 * fuzz_command.c: the command-line quoting parser (cfg_split_command),
 * which turns `command =` into execve's argv without a shell. Every word
 * must lie inside the buffer, end before the next word starts, and the
 * count must agree with the NULL that closes argv.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[PM_LINE_MAX + 1];
	char *argv[PM_ARGV_MAX];
	const char *why = NULL;
	size_t len;
	int n, i, max;

	if (size < 1 || size > PM_LINE_MAX)
		return 0;
	/* The first byte picks argv's room, so the limit is reached too. */
	max = 1 + data[0] % PM_ARGV_MAX;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	len = strlen(buf);
	n = cfg_split_command(buf, argv, max, &why);
	if (n < 0) {
		if (why == NULL)
			abort();
		return 0;
	}
	if (n == 0 || n > max - 1 || argv[n] != NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (argv[i] < buf || argv[i] > buf + len)
			abort();
		if (i > 0 && argv[i] <= argv[i - 1] + strlen(argv[i - 1]))
			abort();
	}
	return 0;
}
