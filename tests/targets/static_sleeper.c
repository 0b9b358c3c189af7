/* static_sleeper: a statically linked program (no ld.so, no libc.so to
 * hook), which the heap source must refuse with a reason.
 *
 * Usage: static_sleeper [MAX_SECONDS]
 *
 * Prints "started PID", then mallocs and frees a little every 100 ms.
 * Exits 0 on SIGTERM, SIGINT or SIGHUP and after MAX_SECONDS (default 600).
 */
#include "target.h"

int main(int argc, char **argv)
{
	unsigned max_seconds = target_arg_seconds(argc, argv, 1, 600);

	if (max_seconds == 0)
		return target_usage("static_sleeper [MAX_SECONDS]");
	target_stop_on_signals(max_seconds, NULL);
	target_say_started();
	for (;;) {
		free(malloc(100));
		target_sleep_ms(100);
	}
}
