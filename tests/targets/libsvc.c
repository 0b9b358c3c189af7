/* libsvc.so: the service library of warm_service — an allocation wrapper
 * the way many C code bases have one.  xmalloc() aborts instead of
 * returning NULL; xfree() frees.  Every heap row that passes through
 * xmalloc must be named by xmalloc's caller, not by xmalloc. */
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		abort();
	/* Touched, so the pages are resident like a real object's. */
	memset(p, 0, n < 64 ? n : 64);
	return p;
}

__attribute__((noinline)) void xfree(void *p)
{
	free(p);
}
