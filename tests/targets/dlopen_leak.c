/* dlopen_leak: the leak is in a library loaded with dlopen while the
 * program runs (after an attach, the agent must hook it too).
 *
 * Usage: dlopen_leak [DELAY_SECONDS [MAX_SECONDS]]
 *
 * Sleeps DELAY_SECONDS (default 2), prints "loading", dlopens
 * libdlleak.so from its own directory, prints "loaded", then calls its
 * plugin_remember() 100 times a second (200 KB/s leaked).  Exits 0 on
 * SIGTERM/SIGINT/SIGHUP and after MAX_SECONDS (default 600).
 */
#include "target.h"

#include <dlfcn.h>
#include <libgen.h>

int main(int argc, char **argv)
{
	double delay = target_arg_double(argc, argv, 1, 2);
	unsigned max_seconds = target_arg_seconds(argc, argv, 2, 600);
	char self[4096], path[4200];
	struct target_pace pace;
	void (*fn)(void);
	void *h;
	ssize_t n;

	if (delay < 0 || max_seconds == 0)
		return target_usage("dlopen_leak [DELAY_SECONDS [MAX_SECONDS]]");
	target_stop_on_signals(max_seconds, NULL);
	target_say_started();
	target_sleep_ms((long)(delay * 1000));
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 1;
	self[n] = '\0';
	snprintf(path, sizeof(path), "%s/libdlleak.so", dirname(self));
	target_say("loading\n");
	h = dlopen(path, RTLD_NOW);
	if (!h) {
		fprintf(stderr, "dlopen_leak: %s\n", dlerror());
		return 1;
	}
	fn = (void (*)(void))dlsym(h, "plugin_remember");
	if (!fn)
		return 1;
	target_say("loaded\n");
	target_pace_start(&pace, 100);
	for (;;) {
		fn();
		target_pace_wait(&pace);
	}
}
