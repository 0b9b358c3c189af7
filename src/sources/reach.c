/* The reachability scan (see lt_reach.h and doc/reach.md).  One scan, in
 * a helper thread:
 *
 *   1. read the maps; refuse, with the reason, a process whose allocator
 *      is not (provably) glibc's dynamic malloc;
 *   2. walk the chunk headers (lt_glibc_heap), retrying a torn walk (in
 *      STOP_WORLD mode after stopping every thread);
 *   3. stop the threads (all of them, or one at a time in STOP_EACH):
 *      registers, and each stack from its pointer less the red zone;
 *   4. scan those, the words the kernel keeps for the process (epoll
 *      data, timers' values: reach_kern.c) and every other root
 *      mapping, checking that what they
 *      point to is still the chunk walked, resolving what is not against
 *      the heap as it is now (reach_mark.c); let the threads go (ROOTS);
 *      mark transitively from an explicit worklist, reading the marked
 *      blocks' contents in batches;
 *   5. class the unreachable blocks: direct or indirect, with their owner.
 *
 * Block states live in one byte per block; no recursion anywhere. */
#include "lt_reach.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lt_glibc_heap.h"
#include "lt_proc.h"
#include "lt_ptrace.h"
#include "lt_reach_int.h"
#include "lt_tmem.h"

#define WALK_TRIES 4
#define DEFAULT_STOP_NS 20000000
#define DEFAULT_PAUSE_NS 250000000
/* Bytes of new blocks the roots lead to read before the threads go on. */
#define NEW_WHILE_STOPPED (4u << 20)
#define MAX_THREADS 65536

/* Libraries that replace malloc: their blocks are not glibc chunks. */
static const char *const other_allocators[] = {
	"libjemalloc", "libtcmalloc", "libmimalloc", "libhoard",
	"libtbbmalloc", "libsnmalloc", "librpmalloc", "libc_malloc_debug",
	"libmcheck", "libdmalloc", "libefence", "libduma",
};

const char *lt_reach_verdict_name(enum lt_reach_verdict v)
{
	switch (v) {
	case LT_REACH_REACHABLE: return "reachable";
	case LT_REACH_DIRECT: return "direct";
	case LT_REACH_INDIRECT: return "indirect";
	case LT_REACH_NOT_FOUND: return "not found";
	default: return "unknown";
	}
}

/* ---- step 1: can we prove anything here? -------------------------------- */

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* 0 when the maps show a dynamically linked glibc and no other malloc;
 * else -1 with the reason. */
static int check_allocator(const struct lt_tmem_map *maps, size_t n,
			   char *reason, size_t rsz)
{
	int libc = 0;

	for (size_t i = 0; i < n; i++) {
		const char *b = base_name(maps[i].path);

		if (maps[i].path[0] != '/')
			continue;
		if (strncmp(b, "libc.so", 7) == 0 || strncmp(b, "libc-2.", 7) == 0)
			libc = 1;
		for (size_t k = 0; k < sizeof(other_allocators) / sizeof(*other_allocators); k++)
			if (strncmp(b, other_allocators[k], strlen(other_allocators[k])) == 0) {
				snprintf(reason, rsz,
					 "another allocator is mapped (%s): its blocks are not glibc chunks",
					 b);
				return -1;
			}
	}
	if (!libc) {
		snprintf(reason, rsz,
			 "no libc.so mapped: statically linked or not glibc, the allocator cannot be identified");
		return -1;
	}
	return 0;
}

/* ---- the helper thread -------------------------------------------------- */

struct job {
	pid_t pid;
	const struct lt_reach_cand *c;
	size_t n;
	struct lt_reach_opts o;
	struct lt_reach_result *r;
	lt_err *err;
	int rc;
};

/* The tids of pid (lt_proc), in a new array.  Returns the count, 0 when
 * the listing fails. */
static size_t list_tids(pid_t pid, pid_t **out)
{
	struct lt_proc_tasks it;
	size_t n = 0, cap = 0;
	pid_t *t = NULL, tid;
	int procfd = lt_proc_open(pid);

	*out = NULL;
	if (procfd < 0)
		return 0;
	if (lt_proc_tasks_open(procfd, &it) != 0) {
		close(procfd);
		return 0;
	}
	while (n < MAX_THREADS && lt_proc_tasks_next(&it, &tid) == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			t = lt_xrealloc(t, cap * sizeof(*t));
		}
		t[n++] = tid;
	}
	lt_proc_tasks_close(&it);
	close(procfd);
	*out = t;
	return n;
}

/* Stops thread tid (keeping it stopped when keep), reads its registers
 * and, with stack, its stack.  Returns 1 when read, 0 when not (gone, or
 * would not stop in time), -1 when ptrace is denied. */
static int grab_thread(struct lt_reach_state *s, pid_t tid, int keep, int stack)
{
	struct lt_reach_thread *th = lt_reach_thread_add(s, tid);
	struct lt_ptrace_stop st;
	enum lt_ptrace_result res = lt_ptrace_stop(tid, s->stop_timeout_ns, &st);

	if (res == LT_PTRACE_DENIED || (res == LT_PTRACE_ERROR && st.errno_ == EPERM)) {
		snprintf(s->regs_note, sizeof(s->regs_note),
			 "ptrace not permitted (%s) for thread %d: its registers were not read",
			 strerror(st.errno_), (int)tid);
		return -1;
	}
	if (res != LT_PTRACE_STOPPED) {
		/* PENDING: let go when this helper thread ends. */
		if (res == LT_PTRACE_PENDING)
			snprintf(s->regs_note, sizeof(s->regs_note),
				 "thread %d did not stop in time: its registers were not read",
				 (int)tid);
		return 0;
	}
	if (lt_ptrace_regs(&st, th->regs, LT_PTRACE_NREGS) == LT_PTRACE_NREGS) {
		th->have_regs = 1;
		if (stack)
			lt_reach_thread_stack(s, th);
	}
	if (keep) {
		if (s->nheld == s->capheld) {
			s->capheld = s->capheld ? s->capheld * 2 : 64;
			s->held = lt_xrealloc(s->held, s->capheld * sizeof(*s->held));
		}
		if (!s->nheld)
			s->held_since = st.t_interrupt;
		s->held[s->nheld++] = st;
	} else {
		lt_ptrace_detach(&st);
		lt_reach_count_stop(s, &st);
	}
	return th->have_regs;
}

/* Adds the threads listed now that are not known yet, for the counts
 * (no registers: ptrace denied or turned off). */
static void count_threads(struct lt_reach_state *s)
{
	pid_t *tids = NULL;
	size_t n = list_tids(s->pid, &tids);

	for (size_t i = 0; i < n; i++)
		if (!lt_reach_thread_find(s, tids[i]))
			lt_reach_thread_add(s, tids[i]);
	free(tids);
}

/* Step 3: one thread at a time (EACH), or all of them kept stopped until
 * a listing finds no thread we have not stopped; with stack, each
 * thread's stack is copied while it is stopped. */
static void grab_threads(struct lt_reach_state *s, int stack)
{
	int keep = s->stop != LT_REACH_STOP_EACH;
	int changed = 1, denied = 0;

	for (int round = 0; changed && round < 8; round++) {
		pid_t *tids = NULL;
		size_t n = list_tids(s->pid, &tids);

		changed = 0;
		for (size_t i = 0; i < n; i++) {
			if (lt_reach_thread_find(s, tids[i]))
				continue;
			changed = 1;
			/* Denied for one thread (a debugger holds it) need
			 * not mean denied for all; when it does, the rest
			 * fail fast. */
			if (denied > 16) {
				lt_reach_thread_add(s, tids[i]);
				continue;
			}
			if (grab_thread(s, tids[i], keep, stack) < 0)
				denied++;
		}
		free(tids);
		if (!keep)
			break;
	}
}

/* Whether some root that could not be read is still mapped: whatever it
 * held was not seen, so nothing can be proven.  (Memory unmapped while we
 * read held nothing any more.) */
static int roots_lost(struct lt_reach_state *s, char *reason, size_t rsz)
{
	struct lt_tmem_map *maps = NULL;
	size_t n = 0;
	int lost = 0;

	if (!s->nbad || lt_tmem_maps(s->pid, &maps, &n, NULL) != 0)
		return 0;
	for (size_t i = 0; i < s->nbad && !lost; i++) {
		long mi = lt_tmem_map_find(maps, n, s->bad[i]);

		if (mi >= 0 && maps[mi].perm[0] == 'r') {
			snprintf(reason, rsz,
				 "root memory at 0x%llx (%s) could not be read",
				 (unsigned long long)s->bad[i],
				 maps[mi].path[0] ? maps[mi].path : "anonymous");
			lost = 1;
		}
	}
	free(maps);
	return lost;
}

static void fill_result(struct lt_reach_state *s, struct job *j)
{
	struct lt_reach_result *r = j->r;

	for (size_t i = 0; i < j->n; i++) {
		r->items[i].id = j->c[i].id;
		r->items[i].v = LT_REACH_UNKNOWN;
		r->items[i].owner = 0;
	}
	if (!r->proof)
		return;
	lt_reach_verdicts(s, j->c, j->n, r->items);
}

static void *scan_main(void *arg)
{
	struct job *j = arg;
	struct lt_reach_result *r = j->r;
	struct lt_reach_state s;
	uint64_t *mm = NULL, *kw = NULL;
	size_t kn;

	memset(&s, 0, sizeof(s));
	s.pid = j->pid;
	s.stop = j->o.stop;
	s.exclude = j->o.exclude;
	s.nexclude = j->o.exclude ? j->o.nexclude : 0;
	s.pause_cap_ns = j->o.max_pause_ns ? j->o.max_pause_ns
			 : s.stop == LT_REACH_STOP_WORLD ? -1 : DEFAULT_PAUSE_NS;
	s.stop_timeout_ns = j->o.stop_timeout_ns > 0 ? j->o.stop_timeout_ns
						       : DEFAULT_STOP_NS;
	r->st.t_start_ns = lt_ptrace_now_ns();
	j->rc = -1;
	if (lt_tmem_maps(j->pid, &s.maps, &s.nmaps, j->err) != 0)
		goto out;
	s.mem = lt_tmem_open(j->pid, j->err);
	if (!s.mem)
		goto out;
	j->rc = 0;
	r->st.via = lt_tmem_via(s.mem);
	if (check_allocator(s.maps, s.nmaps, r->reason, sizeof(r->reason)) != 0)
		goto done;
	/* The whole world stops before the walk, so that nothing changes
	 * from the walk to the end of marking. */
	if (s.stop == LT_REACH_STOP_WORLD && !j->o.no_registers) {
		grab_threads(&s, 0);
		free(s.maps);
		s.maps = NULL;
		if (lt_tmem_maps(j->pid, &s.maps, &s.nmaps, j->err) != 0) {
			j->rc = -1;
			goto out;
		}
	}
	mm = lt_xmalloc((j->n ? j->n : 1) * sizeof(*mm));
	for (size_t i = 0; i < j->n; i++)
		mm[i] = j->c[i].addr;
	for (int t = 0;; t++) {
		if (lt_glibc_heap_walk(s.mem, s.maps, s.nmaps, mm, j->n, &s.heap) == 0)
			break;
		if (t + 1 >= WALK_TRIES) {
			snprintf(r->reason, sizeof(r->reason), "%s", s.heap.reason);
			goto done;
		}
		/* A header torn by the running target: read the maps again
		 * (the heap may have grown) and walk again. */
		lt_glibc_heap_free(&s.heap);
		free(s.maps);
		s.maps = NULL;
		if (lt_tmem_maps(j->pid, &s.maps, &s.nmaps, j->err) != 0) {
			j->rc = -1;
			goto out;
		}
	}
	lt_reach_alloc_marks(&s);
	if (j->o.no_registers) {
		snprintf(s.regs_note, sizeof(s.regs_note),
			 "registers not read (turned off): pointers held only in registers are missed");
		count_threads(&s);
	} else if (s.stop == LT_REACH_STOP_WORLD) {
		for (size_t i = 0; i < s.nthreads; i++)
			if (s.threads[i].have_regs)
				lt_reach_thread_stack(&s, &s.threads[i]);
	} else {
		grab_threads(&s, 1);
	}
	r->st.held_all = s.nheld > 0;
	if (s.stop == LT_REACH_STOP_EACH && !s.regs_note[0])
		snprintf(s.regs_note, sizeof(s.regs_note),
			 "roots read while the process ran (stop each): a pointer moving between them can be missed");
	s.validate = s.stop != LT_REACH_STOP_WORLD || j->o.no_registers;
	lt_reach_scan_threads(&s);
	kn = lt_reach_kernel_words(s.pid, &kw);
	lt_reach_scan_words(&s, kw, kn);
	free(kw);
	lt_reach_scan_roots(&s);
	lt_reach_mark_new(&s, NEW_WHILE_STOPPED);
	s.validate = 0;
	if (s.stop != LT_REACH_STOP_WORLD)
		lt_reach_release(&s);
	lt_reach_mark(&s);
	lt_reach_release(&s);
	if (roots_lost(&s, r->reason, sizeof(r->reason)))
		goto done;
	if (s.unresolved) {
		snprintf(r->reason, sizeof(r->reason),
			 "%llu pointers into chunks allocated during the scan could not be followed (the heap changed under it)",
			 (unsigned long long)s.unresolved);
		goto done;
	}
	lt_reach_classify(&s);
	r->proof = 1;
done:
	fill_result(&s, j);
	if (r->proof && (s.regs_note[0] || s.pause_note[0])) {
		r->weak = 1;
		snprintf(r->reason, sizeof(r->reason), "%s%s%s", s.regs_note,
			 s.regs_note[0] && s.pause_note[0] ? "; " : "",
			 s.pause_note);
	}
	r->st.bytes_read = s.mem ? lt_tmem_bytes(s.mem) : 0;
	r->st.root_bytes = s.root_bytes;
	r->st.block_bytes = s.block_bytes;
	r->st.unreadable_bytes = s.unreadable;
	r->st.heap_bytes = s.heap.heap_bytes;
	r->st.chunks = s.heap.chunks;
	r->st.blocks = s.heap.nblocks;
	r->st.blocks_reachable = s.reachable;
	r->st.hole_pointers = s.rewalks;
	r->st.new_blocks = s.nnew;
	r->st.arena_heaps = s.heap.arenas_heaps;
	r->st.mmapped = s.heap.mmapped;
	r->st.threads = (int)s.nthreads;
	for (size_t i = 0; i < s.nthreads; i++)
		r->st.threads_regs += s.threads[i].have_regs;
	r->st.max_stop_ns = s.max_stop_ns;
	r->st.total_stop_ns = s.total_stop_ns;
out:
	lt_reach_release(&s);
	r->st.t_end_ns = lt_ptrace_now_ns();
	free(mm);
	lt_reach_state_free(&s);
	return NULL;
}

int lt_reach_scan(pid_t pid, const struct lt_reach_cand *c, size_t n,
		  const struct lt_reach_opts *opts, struct lt_reach_result *r,
		  lt_err *err)
{
	struct job j = {pid, c, n, {0, LT_REACH_STOP_ROOTS, 0, 0, NULL, 0}, r, err, -1};
	sigset_t all, old;
	pthread_t th;
	int rc;

	memset(r, 0, sizeof(*r));
	if (opts)
		j.o = *opts;
	r->n = n;
	r->items = lt_xcalloc(n ? n : 1, sizeof(*r->items));
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&th, NULL, scan_main, &j);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		lt_err_set(err, LT_EXIT_ERROR, "cannot start the scan thread: %s",
			   strerror(rc));
		lt_reach_result_free(r);
		return -1;
	}
	pthread_join(th, NULL);
	if (j.rc != 0) {
		lt_reach_result_free(r);
		return -1;
	}
	return 0;
}

void lt_reach_result_free(struct lt_reach_result *r)
{
	if (!r)
		return;
	free(r->items);
	memset(r, 0, sizeof(*r));
}
