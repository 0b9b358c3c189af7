/* fd_leak: a request loop whose client objects leak their socket.
 *
 * Usage: fd_leak [REQUESTS_PER_SEC [MAX_SECONDS]]
 *
 * Leaks: serve_request() calls client_new(), which gets its socket from
 * the helper open_stream_socket() (socket(2)); client_free() frees the
 * client but forgets to close it.  One socket per request, REQUESTS_PER_SEC
 * requests a second (default 20): the fd site is the stack
 * open_stream_socket < client_new < serve_request, kind socket.
 *
 * Must NOT be flagged (every descriptor closed again, in the same
 * request): probe_peer() gets a socket from the same helper and closes it;
 * notify_worker() makes a pipe and closes both ends; wake_loop() makes an
 * eventfd, dups it and closes both; read_config() opens and closes a file.
 * At start, before any attach, it opens PREOPENED descriptors and closes
 * one every second: closes of descriptors created before the attach must
 * not count against any site.
 *
 * Prints "started PID", then "requests N leaked N" once a second.  Exits 0
 * on SIGTERM, SIGINT or SIGHUP, and by itself after MAX_SECONDS (default
 * 600).
 */
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include "target.h"

#define PREOPENED 64

struct client {
	int fd;
	unsigned long id;
};

static long requests, leaked;
static int preopened[PREOPENED];
static volatile unsigned char sink;

__attribute__((noinline)) static int open_stream_socket(void)
{
	return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

__attribute__((noinline)) static struct client *client_new(unsigned long id)
{
	struct client *c = malloc(sizeof(*c));

	if (!c)
		return NULL;
	c->fd = open_stream_socket();
	c->id = id;
	return c;
}

/* The bug: c->fd is never closed. */
__attribute__((noinline)) static void client_free(struct client *c)
{
	if (c->fd >= 0)
		leaked++;
	free(c);
}

__attribute__((noinline)) static void probe_peer(void)
{
	int fd = open_stream_socket();

	if (fd >= 0)
		close(fd);
}

__attribute__((noinline)) static void notify_worker(void)
{
	int p[2];

	if (pipe(p) == 0) {
		close(p[0]);
		close(p[1]);
	}
}

__attribute__((noinline)) static void wake_loop(void)
{
	int e = eventfd(0, EFD_CLOEXEC), d;

	if (e < 0)
		return;
	d = dup(e);
	if (d >= 0)
		close(d);
	close(e);
}

__attribute__((noinline)) static void read_config(void)
{
	char buf[64];
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (read(fd, buf, sizeof(buf)) > 0)
		sink ^= (unsigned char)buf[1];
	close(fd);
}

__attribute__((noinline)) static void serve_request(void)
{
	struct client *c = client_new((unsigned long)requests);

	probe_peer();
	notify_worker();
	wake_loop();
	read_config();
	if (c)
		client_free(c);
	requests++;
}

int main(int argc, char **argv)
{
	double per_sec = target_arg_double(argc, argv, 1, 20);
	unsigned max_seconds = target_arg_seconds(argc, argv, 2, 600);
	struct target_pace pace;
	long steps = 0, next_close = 0;

	if (per_sec <= 0 || per_sec > 10000 || max_seconds == 0)
		return target_usage("fd_leak [REQUESTS_PER_SEC [MAX_SECONDS]]");
	target_stop_on_signals(max_seconds, NULL);
	for (int i = 0; i < PREOPENED; i++)
		preopened[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	target_say_started();
	target_pace_start(&pace, (long)(per_sec + 0.5));
	for (;;) {
		serve_request();
		if (++steps % (long)(per_sec + 0.5) == 0) {
			if (next_close < PREOPENED && preopened[next_close] >= 0)
				close(preopened[next_close]);
			next_close++;
			target_say("requests %ld leaked %ld\n", requests, leaked);
		}
		target_pace_wait(&pace);
	}
}
