/* Parsing of the values commands share (process ids, sample rates, stack
 * depths) and the one way commands print an error. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lt_agent_proto.h"
#include "lt_cmd.h"

int lt_cmd_parse_pid(const char *s, pid_t *pid)
{
	char *end;
	long v;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || v <= 0 || v > 0x3fffffff)
		return -1;
	*pid = (pid_t)v;
	return 0;
}

int lt_cmd_parse_rate(const char *s, uint64_t *bytes)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
		{"", 1}, {"b", 1}, {"k", 1024}, {"kb", 1024}, {"kib", 1024},
		{"m", 1 << 20}, {"mb", 1 << 20}, {"mib", 1 << 20},
		{"g", 1 << 30}, {"gb", 1 << 30}, {"gib", 1 << 30},
	};
	char *end;
	unsigned long long v;

	if (strspn(s, "0123456789") == 0)
		return lt_cmd_fail(LT_EXIT_USAGE, "invalid sample rate '%s': expected bytes, e.g. 512K, 64KiB, 1", s);
	errno = 0;
	v = strtoull(s, &end, 10);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(end, units[i].suffix))
			continue;
		if (errno || v == 0 || v > (1ULL << 30) / units[i].mult)
			break;
		*bytes = v * units[i].mult;
		return 0;
	}
	return lt_cmd_fail(LT_EXIT_USAGE, "invalid sample rate '%s': expected 1 byte to 1GiB, e.g. 512K, 64KiB, 1", s);
}

int lt_cmd_parse_depth(const char *s, unsigned *depth)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > LT_AGENT_MAX_DEPTH)
		return lt_cmd_fail(LT_EXIT_USAGE, "invalid max depth '%s': must be 1 to %d frames",
				   s, LT_AGENT_MAX_DEPTH);
	*depth = (unsigned)v;
	return 0;
}

int lt_cmd_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("leaktop: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}
