/* demo_service: the bundled demo (make demo, leaktop demo) — a fake service
 * with several real leaks and several things that only look like them.
 *
 * Usage: demo_service [MAX_SECONDS]
 *
 * It "handles" 20 requests a second.  Leaks:
 *   - session_cache_put(): every request stores a ~51 KiB session in a
 *     cache that never evicts: about 1 MiB/s of anonymous memory.
 *   - start_config_watcher(): every 2 s a new thread blocks forever in
 *     read() in config_watch_loop(): threads +0.5/s.
 *   - connect_backend(): twice a second a unix socket is opened and
 *     forgotten: sockets +2/s.
 * Must NOT be flagged:
 *   - lru_cache_put(): a 16 MiB cache that fills in its first ~8 s and then
 *     replaces entries without growing.
 *   - render_response(): temporary buffers freed at once.
 *   - a steady pool of 2 workers.
 *
 * Prints what it does at start and a status line every 5 s.  Runs until
 * SIGTERM, SIGINT or SIGHUP (exit 0), or by itself after MAX_SECONDS
 * (default 3600).
 */
#include <sys/socket.h>

#include "target.h"

#define REQ_PER_SEC 20
#define SESSION_BYTES (1024 * 1024 / REQ_PER_SEC)
#define LRU_ENTRY (32 * 1024)
#define LRU_ENTRIES (16 * 1024 * 1024 / LRU_ENTRY)
#define LRU_PUTS_PER_REQ 3

struct session {
	struct session *next;
	unsigned long id;
	char state[];
};

static struct session *sessions;
static size_t session_bytes;
static void *lru[LRU_ENTRIES];
static size_t lru_next, lru_used;
static int watch_fd = -1;
static long watchers, sockets;
static volatile unsigned char sink;

__attribute__((noinline)) static void session_cache_put(unsigned long id)
{
	struct session *s = malloc(sizeof(*s) + SESSION_BYTES);

	if (!s)
		return;
	s->id = id;
	memset(s->state, (int)(id & 0xff), SESSION_BYTES);
	s->next = sessions;
	sessions = s;
	session_bytes += SESSION_BYTES;
}

__attribute__((noinline)) static void lru_cache_put(unsigned long key)
{
	void *p;

	if (lru_used == LRU_ENTRIES) {
		free(lru[lru_next]);
		lru_used--;
	}
	p = malloc(LRU_ENTRY);
	if (!p)
		return;
	memset(p, (int)(key & 0xff), LRU_ENTRY);
	lru[lru_next] = p;
	lru_next = (lru_next + 1) % LRU_ENTRIES;
	lru_used++;
}

__attribute__((noinline)) static void render_response(unsigned long id)
{
	size_t n = 4096 + (id * 2654435761UL) % (96 * 1024);
	unsigned char *p = malloc(n);

	if (!p)
		return;
	memset(p, 0x20, n);
	sink ^= p[n - 1];
	free(p);
}

__attribute__((noinline)) static void config_watch_loop(int fd)
{
	char buf[64];

	while (read(fd, buf, sizeof(buf)) != 0)
		;
}

static void *watcher_main(void *arg)
{
	(void)arg;
	config_watch_loop(watch_fd);
	return NULL;
}

__attribute__((noinline)) static void start_config_watcher(void)
{
	if (watchers < 2000 && target_spawn(watcher_main, NULL) == 0)
		watchers++;
}

__attribute__((noinline)) static void connect_backend(void)
{
	if (socket(AF_UNIX, SOCK_STREAM, 0) >= 0)
		sockets++;
}

static void *worker_main(void *arg)
{
	double x = (double)(long)arg;

	for (;;) {
		for (int i = 0; i < 2000; i++)
			x = x * 1.0000001 + 1;
		sink ^= (unsigned char)x;
		target_sleep_ms(100);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned max_seconds = target_arg_seconds(argc, argv, 1, 3600);
	int fds[2];

	if (max_seconds == 0)
		return target_usage("demo_service [MAX_SECONDS]");
	target_stop_on_signals(max_seconds, NULL);
	if (pipe(fds) != 0) {
		perror("demo_service: pipe");
		return 1;
	}
	watch_fd = fds[0];
	for (long i = 0; i < 2; i++)
		target_spawn(worker_main, (void *)i);

	printf("demo_service %d: handling %d requests/s\n", (int)getpid(), REQ_PER_SEC);
	printf("  leaks:   sessions never evicted (~1 MiB/s, session_cache_put)\n");
	printf("           a config watcher thread every 2 s (config_watch_loop)\n");
	printf("           2 backend sockets/s never closed (connect_backend)\n");
	printf("  healthy: a 16 MiB LRU cache (lru_cache_put), temporary buffers,\n");
	printf("           2 workers\n");
	fflush(stdout);

	for (unsigned long req = 1;; req++) {
		session_cache_put(req);
		for (int i = 0; i < LRU_PUTS_PER_REQ; i++)
			lru_cache_put(req * LRU_PUTS_PER_REQ + (unsigned long)i);
		render_response(req);
		if (req % (REQ_PER_SEC / 2) == 0)
			connect_backend();
		if (req % (REQ_PER_SEC * 2) == 0)
			start_config_watcher();
		if (req % (REQ_PER_SEC * 5) == 0)
			target_say("demo_service: %lu requests, sessions %.1f MiB (never evicted), "
				   "lru %.1f MiB (bounded), %ld watcher threads, %ld sockets\n",
				   req, session_bytes / 1048576.0,
				   lru_used * (double)LRU_ENTRY / 1048576.0, watchers, sockets);
		target_sleep_ms(1000 / REQ_PER_SEC);
	}
}
