/*
 * fuzz_duration.c: the small value parsers a user types into the config
 * and the client: durations, sizes, signal names and HOST:PORT. A
 * duration that parses must mean the same as its value written in ms,
 * and a signal name must map back to its number.
 */
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[256], t[32];
	struct sockaddr_storage ss;
	unsigned long long bytes;
	unsigned int alen;
	uint32_t ms, ms2;
	const char *name;
	int sig;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (cfg_parse_duration(s, &ms) == 0) {
		snprintf(t, sizeof(t), "%ums", (unsigned)ms);
		if (cfg_parse_duration(t, &ms2) != 0 || ms2 != ms)
			abort();
	}
	(void)cfg_parse_size(s, &bytes);
	if ((sig = cfg_parse_signal(s)) != -1) {
		if (sig < 1 || sig > 64)
			abort();
		if ((name = cfg_signal_name(sig)) != NULL &&
		    cfg_parse_signal(name) != sig)
			abort();
	}
	(void)cfg_parse_addr(s, true, &ss, &alen);
	(void)cfg_parse_addr(s, false, &ss, &alen);
	return 0;
}
