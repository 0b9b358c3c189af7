#include "lt_text.h"

#include <string.h>

int lt_lines_next(struct lt_lines *it, const char **line, size_t *len)
{
	const char *nl;

	if (it->p >= it->end)
		return 0;
	nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	if (!nl) {
		it->p = it->end;
		return 0;
	}
	*line = it->p;
	*len = (size_t)(nl - it->p);
	it->p = nl + 1;
	return 1;
}

int lt_text_dec(const char *s, size_t n, size_t *i, int64_t *out)
{
	int64_t v = 0;
	size_t k = *i;

	for (; k < n && s[k] >= '0' && s[k] <= '9'; k++) {
		int d = s[k] - '0';

		if (v > (INT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (k == *i)
		return -1;
	*i = k;
	*out = v;
	return 0;
}

int lt_text_dec_all(const char *s, size_t n, int64_t *out)
{
	size_t i = 0;
	int64_t v;

	if (lt_text_dec(s, n, &i, &v) < 0 || i != n)
		return -1;
	*out = v;
	return 0;
}
