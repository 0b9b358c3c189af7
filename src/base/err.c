#include "lt_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void (*oom_hook)(void);

void lt_err_set(lt_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void lt_oom_hook(void (*fn)(void))
{
	oom_hook = fn;
}

static void oom(size_t n)
{
	if (oom_hook)
		oom_hook();
	fprintf(stderr, "leaktop: out of memory allocating %zu bytes\n", n);
	abort();
}

void *lt_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *lt_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

void *lt_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

char *lt_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = lt_xmalloc(n);

	memcpy(p, s, n);
	return p;
}
