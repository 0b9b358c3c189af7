/* fd_grower: a process that leaks sockets and pipes.
 *
 * Usage: fd_grower [SOCKETS_PER_SEC [PIPE_INTERVAL_MS [MAX_SECONDS
 *                  [FILES_PER_SEC]]]]
 *
 * Leaks: leak_client_socket() opens a unix stream socket (one descriptor)
 * SOCKETS_PER_SEC times a second (default 20), and leak_notify_pipe() opens
 * a pipe (two descriptors) every PIPE_INTERVAL_MS (default 1000, 0 = no
 * pipes); none is ever closed.  Optionally leak_log_file() opens its own
 * executable read-only FILES_PER_SEC times a second (default 0) and keeps
 * it open: a regular-file leak.  When the descriptor limit is reached it
 * stops opening and the counts stay flat (the soft limit is raised to the
 * hard one first).
 *
 * Must NOT be flagged: read_config() opens, reads and closes a regular file
 * (its own executable) every 50 ms, so regular files stay flat; memory and
 * threads stay flat.
 *
 * Prints "started PID", then "sockets N pipes N files N" (leaked so far)
 * once a second.  Exits 0 on SIGTERM, SIGINT or SIGHUP, and by itself after
 * MAX_SECONDS (default 600).
 */
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "target.h"

#define STEP_MS 50

static long sockets, pipes, files;
static volatile unsigned char sink;

__attribute__((noinline)) static void leak_client_socket(void)
{
	if (socket(AF_UNIX, SOCK_STREAM, 0) >= 0)
		sockets++;
}

__attribute__((noinline)) static void leak_notify_pipe(void)
{
	int fds[2];

	if (pipe(fds) == 0)
		pipes++;
}

__attribute__((noinline)) static void leak_log_file(void)
{
	if (open("/proc/self/exe", O_RDONLY) >= 0)
		files++;
}

__attribute__((noinline)) static void read_config(void)
{
	char buf[256];
	int fd = open("/proc/self/exe", O_RDONLY);

	if (fd < 0)
		return;
	if (read(fd, buf, sizeof(buf)) > 0)
		sink ^= (unsigned char)buf[1];
	close(fd);
}

int main(int argc, char **argv)
{
	double per_sec = target_arg_double(argc, argv, 1, 20);
	long pipe_ms = target_arg_long(argc, argv, 2, 1000);
	unsigned max_seconds = target_arg_seconds(argc, argv, 3, 600);
	double files_per_sec = target_arg_double(argc, argv, 4, 0);
	double owed = 0, files_owed = 0;
	struct rlimit rl;

	if (per_sec < 0 || per_sec > 10000 || pipe_ms < 0 || max_seconds == 0 ||
	    files_per_sec < 0 || files_per_sec > 10000)
		return target_usage("fd_grower [SOCKETS_PER_SEC [PIPE_INTERVAL_MS [MAX_SECONDS [FILES_PER_SEC]]]]");
	target_stop_on_signals(max_seconds, NULL);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	target_say_started();
	for (long elapsed = STEP_MS;; elapsed += STEP_MS) {
		for (owed += per_sec * STEP_MS / 1000.0; owed >= 1; owed--)
			leak_client_socket();
		if (pipe_ms > 0 && elapsed % pipe_ms < STEP_MS)
			leak_notify_pipe();
		for (files_owed += files_per_sec * STEP_MS / 1000.0; files_owed >= 1; files_owed--)
			leak_log_file();
		read_config();
		if (elapsed % 1000 == 0)
			target_say("sockets %ld pipes %ld files %ld\n", sockets, pipes, files);
		target_sleep_ms(STEP_MS);
	}
}
