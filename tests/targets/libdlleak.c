/* libdlleak: a plugin that dlopen_leak loads at run time; its
 * plugin_remember() leaks 2000-byte blocks. */
#include <stdlib.h>
#include <string.h>

static void *kept[1 << 16];
static unsigned nkept;

__attribute__((noinline)) void plugin_remember(void)
{
	char *p = malloc(2000);

	if (p) {
		memset(p, 7, 2000);
		kept[nkept++ % (1 << 16)] = p;
	}
}
