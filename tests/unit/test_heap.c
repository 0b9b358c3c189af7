/* The heap collector against a fake agent: a forked child that connects to
 * the collector's socket and writes hand-built messages.  Covers the
 * handshake, sites reaching the model, the peer check, corrupt and
 * hostile streams, and the STOP/BYE goodbye. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lt_clock.h"
#include "lt_collect.h"
#include "lt_heap.h"
#include "test_agent.h"

static char agent_file[] = "/tmp/lt-test-agent-XXXXXX";

static int setup(void **state)
{
	int fd = mkstemp(agent_file);
	(void)state;

	assert_true(fd >= 0);
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(agent_file);
	return 0;
}

struct fixture {
	lt_heap *h;
	char *preload, *config;
	char sock[108];
};

static void listen_on(struct fixture *f, uint64_t rate)
{
	struct lt_heap_opts o = {.sample_rate = rate, .max_depth = 32,
				 .agent_path = agent_file};
	lt_err err = {0};
	const char *p;
	size_t n;

	f->h = lt_heap_listen(&o, &f->preload, &f->config, &err);
	if (!f->h)
		fail_msg("listen: %s", err.msg);
	p = strstr(f->config, "sock=");
	assert_non_null(p);
	p += 5;
	n = strcspn(p, ";");
	assert_true(n < sizeof(f->sock));
	memcpy(f->sock, p, n);
	f->sock[n] = '\0';
}

static void fixture_done(struct fixture *f)
{
	free(f->preload);
	free(f->config);
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	return fd;
}

/* The fake agent: connects, writes s, and with wait_stop waits for
 * leaktop's STOP and answers BYE.  Exits 0 when all of that happened. */
static pid_t fake_agent(const char *sock, void (*build)(struct ta_stream *),
			int wait_stop)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct ta_stream s = {0};
		struct lt_msg_hdr hdr;
		int fd = connect_to(sock);

		alarm(10);
		if (fd < 0)
			_exit(2);
		build(&s);
		if (write(fd, s.b, s.n) != (ssize_t)s.n)
			_exit(3);
		if (!wait_stop) {
			/* Stay until leaktop closes, so the stream is read
			 * before the connection ends. */
			char c;

			while (read(fd, &c, 1) > 0)
				;
			_exit(0);
		}
		if (read(fd, &hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr) ||
		    hdr.magic != LT_AGENT_MAGIC || hdr.type != LT_MSG_STOP || hdr.len)
			_exit(4);
		s.n = 0;
		ta_msg(&s, LT_MSG_BYE, NULL, 0);
		if (write(fd, s.b, s.n) != (ssize_t)s.n)
			_exit(5);
		_exit(0);
	}
	return pid;
}

static int child_status(pid_t pid)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* The session's hand-over: the batch of h into m's heap sites. */
static struct lt_collect_heapmap heapmap;

static void collect(lt_heap *h, lt_model *m, double t)
{
	struct lt_heap_batch b;

	lt_heap_take(h, &b);
	lt_collect_heap(m, NULL, &heapmap, &b, t, 0);
}

static void model_free(lt_model *m)
{
	lt_collect_heapmap_free(&heapmap);
	lt_model_free(m);
}

/* Polls until cond(h, m) holds or poll fails; returns lt_heap_poll's last
 * result. */
static int poll_until(lt_heap *h, lt_model *m, int (*cond)(lt_model *),
		      lt_err *err)
{
	for (int i = 0; i < 500; i++) {
		struct pollfd pfd = {.fd = lt_heap_fd(h), .events = POLLIN};

		if (lt_heap_poll(h, err) < 0)
			return -1;
		collect(h, m, i * 0.01);
		if (cond(m))
			return 0;
		poll(&pfd, 1, 20);
	}
	fail_msg("timed out waiting for the agent's messages");
	return -1;
}

static const uint64_t pcs[3] = {0x401234, 0x7f0000001000, 0x402000};

static void build_good(struct ta_stream *s)
{
	ta_hello(s, getpid(), 65536);
	ta_stack(s, 0, pcs, 3);
	ta_stack(s, 1, pcs + 1, 2);
	ta_site(s, 0, 4096, 2, 8192, 4);
	ta_site(s, 1, -5, 0, 10, 1); /* negative live: clamped */
	ta_tick(s, 1, 0);
}

static int two_sites(lt_model *m)
{
	return lt_hsites_count(lt_model_hsites(m)) == 2;
}

static void test_sites_reach_the_model(void **state)
{
	struct fixture f = {0};
	lt_model *m = lt_model_new();
	lt_hsites *hs = lt_model_hsites(m);
	const lt_stacktab *st = lt_model_stacks_c(m);
	struct lt_hval v;
	struct stat sb;
	lt_err err = {0};
	pid_t pid;
	size_t i, k;
	(void)state;

	listen_on(&f, 65536);
	assert_non_null(strstr(f.config, "LEAKTOP_AGENT=sock=/tmp/leaktop-"));
	assert_non_null(strstr(f.config, ";rate=65536;depth=32"));
	assert_int_equal(stat(f.sock, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	pid = fake_agent(f.sock, build_good, 1);
	if (lt_heap_accept(f.h, pid, 5, &err) < 0)
		fail_msg("accept: %s", err.msg);
	assert_string_equal(lt_heap_unwinder(f.h), "libunwind");
	assert_int_equal(lt_heap_rate(f.h), 65536);
	assert_int_equal(poll_until(f.h, m, two_sites, &err), 0);
	assert_int_equal(lt_hsites_rate(hs), 65536);
	k = lt_hsites_sample_count(hs) - 1;
	i = lt_hsites_find(hs, 0);
	assert_int_not_equal(i, LT_NONE);
	lt_hsites_value(hs, i, k, &v);
	assert_int_equal(v.live_bytes, 4096);
	assert_int_equal(v.alloc_count, 4);
	i = lt_hsites_find(hs, 1);
	lt_hsites_value(hs, i, k, &v);
	assert_int_equal(v.live_bytes, 0);
	assert_int_equal(lt_stacktab_stack(st, 0)->depth, 3);
	assert_true(lt_stacktab_frame(st, lt_stacktab_stack(st, 0)->frames[1])->pc == 0x7f0000001000);
	/* A tick without news still makes a heap sample. */
	collect(f.h, m, 100);
	assert_int_equal(lt_hsites_sample_count(hs), k + 2);
	lt_heap_detach(f.h);
	assert_int_equal(child_status(pid), 0); /* got STOP, sent BYE */
	assert_int_equal(stat(f.sock, &sb), -1); /* unlinked */
	model_free(m);
	fixture_done(&f);
}

static void build_diagnosis(struct ta_stream *s)
{
	ta_hello(s, getpid(), 65536);
	ta_stack(s, 0, pcs, 3);
	ta_stack(s, 1, pcs + 1, 2);
	ta_site_frees(s, 0, 4096, 2, 8192, 4, &(struct ta_frees){
		.samples = 4, .samples_freed = 2, .free_bytes = 4096, .free_count = 2,
		.freed_age_us = 3000000, .oldest_live_us = 150000});
	ta_site_frees(s, 1, 0, 0, 100, 1, &(struct ta_frees){
		.samples = 1, .samples_freed = 1, .free_bytes = 100, .free_count = 1,
		.freed_age_us = 20, .oldest_live_us = -1});
	ta_fdsite(s, 1, LT_FD_SOCKET, 3, 5);
	ta_fdsite(s, 0, LT_FD_FILE, 1, 1);
	ta_fdsite(s, 1, LT_FD_PIPE, -2, 4); /* negative live: clamped */
	/* A stack that only frees: a free site, no allocation site. */
	ta_stack(s, 2, pcs + 2, 1);
	ta_free_flow(s, 2, 1 << 20, 256, 2);
	ta_tick_at(s, 1, 0, 400000);
}

/* The batch itself, as lt_heap_take hands it over: frees, ages, raw
 * sample counts, fd sites and the agent's own tid and socket. */
static void test_batch_carries_the_diagnosis(void **state)
{
	struct fixture f = {0};
	struct lt_heap_site sites[2];
	struct lt_heap_fdsite fds[3];
	struct lt_heap_freesite frees[2];
	struct lt_heap_batch b;
	size_t nsites = 0, nfds = 0, nfrees = 0;
	lt_err err = {0};
	pid_t pid;
	(void)state;

	listen_on(&f, 65536);
	pid = fake_agent(f.sock, build_diagnosis, 1);
	if (lt_heap_accept(f.h, pid, 5, &err) < 0)
		fail_msg("accept: %s", err.msg);
	assert_int_equal(lt_heap_agent_tid(f.h), pid + 1);
	assert_int_equal(lt_heap_agent_fd(f.h), 7);
	for (int i = 0; i < 500; i++) {
		struct pollfd pfd = {.fd = lt_heap_fd(f.h), .events = POLLIN};

		if (lt_heap_poll(f.h, &err) < 0)
			fail_msg("poll: %s", err.msg);
		lt_heap_take(f.h, &b);
		for (size_t k = 0; k < b.n; k++) {
			assert_true(nsites < 2);
			sites[nsites++] = b.sites[k];
		}
		for (size_t k = 0; k < b.nfds; k++) {
			assert_true(nfds < 3);
			fds[nfds++] = b.fds[k];
		}
		for (size_t k = 0; k < b.nfrees; k++) {
			assert_true(nfrees < 2);
			frees[nfrees++] = b.frees[k];
		}
		if (b.report_time > 0)
			break;
		poll(&pfd, 1, 20);
	}
	assert_true(b.report_time > 0.39 && b.report_time < 0.41);
	assert_int_equal(nsites, 2);
	assert_int_equal(nfrees, 1);
	assert_int_equal(frees[0].id, 2);
	assert_int_equal(frees[0].bytes, 1 << 20);
	assert_int_equal(frees[0].count, 256);
	assert_int_equal(frees[0].samples, 2);
	assert_int_equal(nfds, 3);
	if (sites[0].id != 0) {
		struct lt_heap_site t = sites[0];

		sites[0] = sites[1];
		sites[1] = t;
	}
	assert_int_equal(sites[0].free_bytes, 4096);
	assert_int_equal(sites[0].free_count, 2);
	assert_int_equal(sites[0].samples, 4);
	assert_int_equal(sites[0].samples_freed, 2);
	assert_true(sites[0].freed_age_sum > 2.999 && sites[0].freed_age_sum < 3.001);
	/* Taken at 0.15 s, reported at 0.4 s: 0.25 s before that report
	 * reached us, on our clock. */
	assert_true(sites[0].oldest_live_mono > 0);
	assert_true(lt_clock_mono() - sites[0].oldest_live_mono > 0.249);
	assert_true(lt_clock_mono() - sites[0].oldest_live_mono < 10);
	assert_int_equal(sites[1].id, 1);
	assert_true(sites[1].oldest_live_mono == 0);
	assert_int_equal(sites[1].samples_freed, 1);
	for (size_t k = 0; k < nfds; k++) {
		switch (fds[k].kind) {
		case LT_FD_SOCKET:
			assert_int_equal(fds[k].id, 1);
			assert_int_equal(fds[k].live, 3);
			assert_int_equal(fds[k].opened, 5);
			break;
		case LT_FD_FILE:
			assert_int_equal(fds[k].id, 0);
			assert_int_equal(fds[k].live, 1);
			break;
		case LT_FD_PIPE:
			assert_int_equal(fds[k].live, 0);
			assert_int_equal(fds[k].opened, 4);
			break;
		default:
			fail_msg("fd site of kind %d", fds[k].kind);
		}
	}
	assert_string_equal(lt_heap_fd_kind(LT_FD_SOCKET), "socket");
	assert_string_equal(lt_heap_fd_kind(LT_FD_ANON), "anon");
	assert_string_equal(lt_heap_fd_kind(LT_HEAP_FD_KINDS), "?");
	assert_string_equal(lt_heap_fd_kind(-1), "?");
	/* Nothing new: the next batch is empty. */
	lt_heap_take(f.h, &b);
	assert_int_equal(b.n, 0);
	assert_int_equal(b.nfds, 0);
	lt_heap_detach(f.h);
	assert_int_equal(child_status(pid), 0);
	fixture_done(&f);
}

static void test_preload_keeps_the_users(void **state)
{
	struct fixture f = {0};
	char want[300];
	(void)state;

	setenv("LD_PRELOAD", "libfoo.so", 1);
	listen_on(&f, 0);
	unsetenv("LD_PRELOAD");
	snprintf(want, sizeof(want), "LD_PRELOAD=%s:libfoo.so", agent_file);
	assert_string_equal(f.preload, want);
	assert_non_null(strstr(f.config, ";rate=524288;depth=32"));
	lt_heap_detach(f.h);
	fixture_done(&f);
}

static void test_missing_agent(void **state)
{
	struct lt_heap_opts o = {.agent_path = "/nonexistent/liblt-agent.so"};
	char *a = NULL, *b = NULL;
	lt_err err = {0};
	(void)state;

	assert_null(lt_heap_listen(&o, &a, &b, &err));
	assert_non_null(strstr(err.msg, "/nonexistent/liblt-agent.so"));
	assert_int_equal(err.code, LT_EXIT_TARGET);
}

static void test_wrong_peer_rejected(void **state)
{
	struct fixture f = {0};
	lt_model *m = lt_model_new();
	lt_err err = {0};
	char c;
	int fd;
	pid_t pid;
	(void)state;

	listen_on(&f, 0);
	/* This process is not the target: refused, closed, counted. */
	fd = connect_to(f.sock);
	assert_true(fd >= 0);
	pid = fake_agent(f.sock, build_good, 1);
	if (lt_heap_accept(f.h, pid, 5, &err) < 0)
		fail_msg("accept: %s", err.msg);
	assert_int_equal(lt_heap_rejected(f.h), 1);
	assert_int_equal(read(fd, &c, 1), 0);
	close(fd);
	/* A second connection, even later, is refused too. */
	fd = connect_to(f.sock);
	assert_true(fd >= 0);
	assert_int_equal(poll_until(f.h, m, two_sites, &err), 0);
	assert_int_equal(lt_heap_rejected(f.h), 2);
	close(fd);
	lt_heap_detach(f.h);
	assert_int_equal(child_status(pid), 0);
	model_free(m);
	fixture_done(&f);
}

static void test_accept_timeout(void **state)
{
	struct fixture f = {0};
	lt_err err = {0};
	(void)state;

	listen_on(&f, 0);
	assert_int_equal(lt_heap_accept(f.h, getpid(), 0.1, &err), -1);
	assert_non_null(strstr(err.msg, "did not connect within"));
	lt_heap_detach(f.h);
	fixture_done(&f);
}

static void build_corrupt(struct ta_stream *s)
{
	struct lt_msg_hdr bad = {.magic = LT_AGENT_MAGIC, .type = LT_MSG_SITES,
				 .len = 0x7fffffff};

	ta_hello(s, getpid(), 1);
	ta_raw(s, &bad, sizeof(bad));
}

static void build_unannounced(struct ta_stream *s)
{
	ta_hello(s, getpid(), 1);
	ta_site(s, 7, 1, 1, 1, 1);
}

static void build_agent_error(struct ta_stream *s)
{
	ta_hello(s, getpid(), 1);
	ta_msg(s, LT_MSG_ERROR, "tables full\n", 12);
}

static void build_twice(struct ta_stream *s)
{
	ta_hello(s, getpid(), 1);
	ta_stack(s, 0, pcs, 3);
	ta_stack(s, 0, pcs, 2);
}

static void build_site_first(struct ta_stream *s)
{
	ta_tick(s, 1, 0);
}

static void build_wrong_pid(struct ta_stream *s)
{
	ta_hello(s, 1, 1);
}

static void build_fd_unannounced(struct ta_stream *s)
{
	ta_hello(s, getpid(), 1);
	ta_stack(s, 0, pcs, 3);
	ta_fdsite(s, 3, LT_FD_SOCKET, 1, 1);
}

/* An agent of protocol version 1, left in a long-running target: its
 * hello was 48 bytes. */
static void build_old_agent(struct ta_stream *s)
{
	unsigned char hello[48] = {0};
	uint32_t v = 1;
	int32_t pid = getpid();

	memcpy(hello, &v, sizeof(v));
	memcpy(hello + 4, &pid, sizeof(pid));
	ta_msg(s, LT_MSG_HELLO, hello, sizeof(hello));
}

static int never(lt_model *m)
{
	(void)m;
	return 0;
}

/* The stream built by build ends the heap source with an error containing
 * what, found by accept (the hello) or by a later poll; poll keeps
 * failing, and detach neither hangs nor sends STOP to a dead stream. */
static void ends_with(void (*build)(struct ta_stream *), const char *what)
{
	struct fixture f = {0};
	lt_model *m = lt_model_new();
	lt_err err = {0};
	pid_t pid;

	listen_on(&f, 0);
	pid = fake_agent(f.sock, build, 0);
	if (lt_heap_accept(f.h, pid, 5, &err) == 0)
		assert_int_equal(poll_until(f.h, m, never, &err), -1);
	if (!strstr(err.msg, what))
		fail_msg("error '%s' lacks '%s'", err.msg, what);
	memset(&err, 0, sizeof(err));
	assert_int_equal(lt_heap_poll(f.h, &err), -1);
	assert_non_null(strstr(err.msg, what));
	lt_heap_detach(f.h);
	assert_int_equal(child_status(pid), 0);
	model_free(m);
	fixture_done(&f);
}

static void test_hostile_streams(void **state)
{
	(void)state;
	ends_with(build_corrupt, "corrupt message from the heap agent: payload of");
	ends_with(build_unannounced, "counters of stack 7 before the stack");
	ends_with(build_agent_error, "the heap agent stopped: tables full?");
	ends_with(build_twice, "announced stack 0 twice");
	ends_with(build_site_first, "before its hello");
	ends_with(build_wrong_pid, "runs in pid 1");
	ends_with(build_fd_unannounced, "descriptors of stack 3 before the stack");
	ends_with(build_old_agent, "speaks protocol version 1, this leaktop version 3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sites_reach_the_model),
		cmocka_unit_test(test_batch_carries_the_diagnosis),
		cmocka_unit_test(test_preload_keeps_the_users),
		cmocka_unit_test(test_missing_agent),
		cmocka_unit_test(test_wrong_peer_rejected),
		cmocka_unit_test(test_accept_timeout),
		cmocka_unit_test(test_hostile_streams),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
