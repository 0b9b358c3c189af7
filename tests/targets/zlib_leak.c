/* zlib_leak: a leak reached through a real library (seed story 4: the
 * allocation is deep inside the library, the fix is in the caller).
 *
 * Usage: zlib_leak [STREAMS_PER_SEC [MAX_SECONDS]]
 *
 * Leaks: open_compressor() calls deflateInit() STREAMS_PER_SEC times a
 * second (default 20) and never calls deflateEnd(): each stream holds
 * about 256 KiB that zlib allocated with malloc.  compress_ok() does the
 * same but ends its stream (must not rank as growing).  Prints "leaked N"
 * (streams leaked) once a second.  Exits 0 on SIGTERM/SIGINT/SIGHUP and
 * after MAX_SECONDS (default 600).
 */
#include "target.h"

#include <zlib.h>

__attribute__((noinline)) static void open_compressor(void)
{
	z_stream *z = calloc(1, sizeof(*z));

	if (z && deflateInit(z, Z_DEFAULT_COMPRESSION) != Z_OK)
		free(z);
	/* z is forgotten here: the stream and zlib's state leak. */
}

__attribute__((noinline)) static void compress_ok(void)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	if (deflateInit(&z, Z_DEFAULT_COMPRESSION) == Z_OK)
		deflateEnd(&z);
}

int main(int argc, char **argv)
{
	long per_sec = target_arg_long(argc, argv, 1, 20);
	unsigned max_seconds = target_arg_seconds(argc, argv, 2, 600);
	struct target_pace pace;
	unsigned long leaked = 0;

	if (per_sec < 1 || per_sec > 1000 || max_seconds == 0)
		return target_usage("zlib_leak [STREAMS_PER_SEC [MAX_SECONDS]]");
	target_stop_on_signals(max_seconds, NULL);
	target_say_started();
	target_pace_start(&pace, per_sec);
	for (unsigned long step = 1;; step++) {
		open_compressor();
		compress_ok();
		leaked++;
		if (step % (unsigned long)per_sec == 0)
			target_say("leaked %lu\n", leaked);
		target_pace_wait(&pace);
	}
}
