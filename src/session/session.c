/* The recording session (lt_session.h): target checks, metadata, sources,
 * and the per-tick sample → model → store flow. */
#include "lt_session.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "lt_clock.h"
#include "lt_collect.h"
#include "lt_srccap.h"
#include "lt_goheap.h"
#include "lt_goread.h"
#include "lt_pprof.h"
#include "lt_procfs.h"
#include "lt_scan.h"
#include "lt_store.h"
#include "lt_symbols.h"
#include "lt_threads.h"
#include "lt_unwind.h"

/* Ticks kept in memory for the live view; the file keeps them all. */
#define RETENTION 4096
/* Longest time one thread sample may keep stopping threads. */
#define THREAD_BUDGET_S 0.2
/* Longest wait for the injected agent's hello. */
#define HEAP_TIMEOUT_S 5.0

struct lt_session {
	struct lt_session_opts o;
	char *output;
	lt_model *m;
	lt_store *st;
	lt_procfs *pf;
	lt_threads *th;         /* NULL: thread sampling off or failed */
	/* The target's one symbolizer and one unwinder: loaded once at
	 * open and lent to the injector and the thread sampler. */
	lt_symbols *sym;        /* NULL: frames stay bare addresses */
	lt_unwind *uw;          /* NULL: no sampler or injector needs one,
				   or it failed (they then try their own and
				   say why) */
	lt_heap *heap;          /* NULL: heap source off or ended */
	struct lt_collect_heapmap heapmap;
	lt_goread *go;          /* NULL: not a Go program, or reader off */
	lt_goheap *goheap;      /* the Go runtime's heap profile (beside the
				   agent's C heap in a cgo program) */
	double next_go;         /* session time of the next goroutine read:
				   every tick unless reads take long */
	int go_failed;          /* reads failed in a row */
	lt_pprof *pprof;        /* --pprof: the program's own endpoint,
				   instead of the Go reader */
	int pprof_gc;           /* the next heap read asks for a GC first */
	struct lt_collect_heapmap gomap;  /* the Go heap's stacks (the
					     agent's are in heapmap) */
	lt_scan *scan;          /* reachability scans; NULL: off */
	int pidfd;
	double start;           /* monotonic seconds at open */
	double deadline;        /* next tick due */
	unsigned long k;        /* grid index of the next tick */
	double next_threads;    /* session time of the next thread sample */
	size_t ticks;
	/* New heap stacks taken into one tick at most: halved when a tick's
	 * heap data took over half the interval, doubled when it took under
	 * a quarter and stacks wait, so that a burst of 100,000
	 * new stacks is spread over ticks instead of stalling the recorder. */
	size_t stack_budget;
	size_t deferred;        /* stacks and sites left waiting by the last
				   tick */
	struct lt_end end;      /* kind LT_END_NONE while it runs */
	struct lt_srccap src;   /* source lines kept of the stacks' frames */
};

static char *join_args(int argc, char **argv)
{
	size_t n = 1;
	char *s;

	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	s = lt_xmalloc(n);
	s[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* Session metadata that does not change during the recording. */
static void fill_meta(lt_session *s, pid_t pid)
{
	lt_model *m = s->m;
	struct lt_meta *meta = lt_model_meta(m);
	struct lt_target_info ti = {0};
	struct utsname u;
	char *opts = join_args(s->o.argc, s->o.argv);

	meta->pid = pid;
	meta->interval = s->o.interval;
	if (lt_procfs_target_info(pid, &ti, NULL) == 0) {
		lt_model_set_str(m, &meta->cmdline, ti.cmdline);
		lt_model_set_str(m, &meta->exe, ti.exe);
		lt_model_set_str(m, &meta->build_id, ti.build_id);
		lt_procfs_target_info_free(&ti);
	}
	if (uname(&u) == 0) {
		char kernel[sizeof(u.release) + sizeof(u.version) + sizeof(u.machine) + 3];

		snprintf(kernel, sizeof(kernel), "%s %s %s", u.release, u.version, u.machine);
		lt_model_set_str(m, &meta->host, u.nodename);
		lt_model_set_str(m, &meta->kernel, kernel);
	}
	lt_model_set_str(m, &meta->version, LT_VERSION);
	lt_model_set_str(m, &meta->options, opts);
	lt_model_set_str(m, &meta->cgroup, lt_procfs_cgroup(s->pf));
	lt_model_set_str(m, &meta->wrappers, s->o.wrappers);
	lt_procfs_limits(s->pf, &meta->fd_limit, &meta->mem_limit);
	free(opts);
	lt_model_set_source(m, "procfs", 1, NULL);
	lt_model_set_source(m, "cgroup", lt_procfs_cgroup(s->pf) != NULL,
			    lt_procfs_cgroup_reason(s->pf));
	meta->start_ns = lt_clock_wall_ns();
}

/* Starts the thread sampler unless disabled; a refusal (already traced,
 * no permission) is recorded as the source's reason, not an error: the
 * timeline is still worth having. */
static void threads_on(lt_session *s, pid_t pid)
{
	struct lt_threads_opts to = {.max_depth = LT_THREAD_MAX_FRAMES,
				     .budget_s = THREAD_BUDGET_S,
				     .unwind = s->uw};
	lt_err err = {0};

	if (s->o.no_threads) {
		lt_model_set_source(s->m, "threads", 0, "disabled with --no-threads");
		return;
	}
	/* Leave the target at least half of every tick untouched. */
	if (s->o.interval < to.budget_s * 2)
		to.budget_s = s->o.interval / 2;
	s->th = lt_threads_new(pid, &to, &err);
	if (!s->th) {
		lt_model_set_source(s->m, "threads", 0, err.msg);
		return;
	}
	lt_model_set_source(s->m, "threads", 1,
			    s->sym ? NULL : "stacks not symbolized");
}

/* Opens the target's symbolizer and unwinder, once for the session, when
 * a source will capture stacks.  A failure is not the session's: the
 * sources that need them report it as their own reason. */
static void symbols_on(lt_session *s, pid_t pid)
{
	int inject = !s->o.heap && !s->o.no_heap && !s->o.heap_reason;

	if (!s->o.heap && !inject && s->o.no_threads)
		return;
	s->sym = lt_symbols_new(pid, NULL);
	if (inject || !s->o.no_threads)
		s->uw = lt_unwind_new(pid, NULL);
}

/* Gets the heap agent in (or takes over `run`'s), unless disabled.  A
 * refusal (static binary, no glibc, traced, no permission ...) is the
 * source's reason: the recording goes on with procfs and threads. */
static void heap_on(lt_session *s, pid_t pid)
{
	struct lt_heap_opts ho = {.pid = pid, .sample_rate = s->o.sample_rate,
				  .max_depth = s->o.max_depth,
				  .no_free_flow = s->o.no_free_flow,
				  .agent_path = s->o.agent_path,
				  .timeout_s = HEAP_TIMEOUT_S,
				  .unwind = s->uw, .sym = s->sym};
	char note[96];
	lt_err err = {0};

	s->heap = s->o.heap;
	s->o.heap = NULL;
	if (!s->heap && s->o.no_heap) {
		lt_model_set_source(s->m, "heap", 0, "disabled with --no-heap");
		return;
	}
	if (!s->heap && s->o.heap_reason) {
		lt_model_set_source(s->m, "heap", 0, s->o.heap_reason);
		return;
	}
	if (!s->heap)
		s->heap = lt_heap_attach(&ho, &err);
	if (!s->heap) {
		lt_model_set_source(s->m, "heap", 0, err.msg);
		return;
	}
	snprintf(note, sizeof(note), "unwinder %s, sample rate %llu bytes",
		 lt_heap_unwinder(s->heap) ? lt_heap_unwinder(s->heap) : "?",
		 (unsigned long long)lt_heap_rate(s->heap));
	lt_model_set_source(s->m, "heap", 1, note);
}

/* Ends the heap source for the rest of the session, saying why. */
static void heap_off(lt_session *s, const char *why)
{
	lt_heap_detach(s->heap);
	s->heap = NULL;
	lt_model_set_source(s->m, "heap", 0, why);
	lt_store_write_meta(s->st, s->m, NULL);
}

/* Whether the target has exited (its pidfd is readable). */
static int target_gone(const lt_session *s)
{
	struct pollfd pfd = {.fd = s->pidfd, .events = POLLIN};

	return s->pidfd >= 0 && poll(&pfd, 1, 0) > 0;
}

/* One heap sample into the model: what the agent sent since the last. */
static void sample_heap(lt_session *s, double t)
{
	lt_err err = {0};
	struct lt_heap_batch b;

	if (lt_heap_poll(s->heap, &err) < 0) {
		/* An agent that dies with its process is not news: the
		 * next tick ends the session. */
		if (!target_gone(s))
			heap_off(s, err.msg);
		return;
	}
	/* A stack costs the store about ten rows, a site one. */
	lt_heap_take_some(s->heap, &b, s->stack_budget, s->stack_budget * 8);
	s->deferred = b.deferred + b.deferred_sites;
	lt_collect_heap(s->m, s->sym, &s->heapmap, &b, t, s->start);
}

#define STACK_BUDGET_MIN 256
#define STACK_BUDGET_MAX (1u << 20)

/* The next tick's stack budget from the time this one's heap data took
 * (taking it in, storing it). */
static void adapt_budget(lt_session *s, double took)
{
	if (took > s->o.interval / 2) {
		s->stack_budget /= 2;
		if (s->stack_budget < STACK_BUDGET_MIN)
			s->stack_budget = STACK_BUDGET_MIN;
	} else if (s->deferred && took < s->o.interval / 4 &&
		   s->stack_budget < STACK_BUDGET_MAX) {
		s->stack_budget *= 2;
	}
}

/* Turns thread sampling off for the rest of the session, saying why in
 * the session file.  Nothing of the target is traced between samples. */
static void threads_off(lt_session *s, const char *why)
{
	lt_threads_free(s->th);
	s->th = NULL;
	lt_model_set_source(s->m, "threads", 0, why);
	lt_store_write_meta(s->st, s->m, NULL);
}

/* The heap source's note once the Go heap is read too: beside the agent's
 * C heap in a cgo program, or alone. */
static void go_heap_source(lt_session *s, const char *what)
{
	const struct lt_source *h = lt_model_source_find(s->m, "heap");
	char note[512];

	if (s->heap && h && h->available)
		snprintf(note, sizeof(note), "C heap: %.200s; Go heap: %.280s",
			 h->reason ? h->reason : "the agent", what);
	else if (h && !h->available && h->reason && !strstr(h->reason, "without cgo") &&
		 !strstr(h->reason, "--no-heap"))
		/* a cgo program whose C heap could not be read: say why */
		snprintf(note, sizeof(note), "%.280s; the C heap is not read: %.200s",
			 what, h->reason);
	else
		snprintf(note, sizeof(note), "%s", what);
	lt_model_set_source(s->m, "heap", 1, note);
}

/* Starts the Go reader when the target is a Go program (silently nothing
 * otherwise).  It stops nothing, so --no-threads does not turn it off; a
 * Go program it cannot read (stripped DWARF, unknown runtime) is recorded
 * as the source's reason. */
static void goread_on(lt_session *s, pid_t pid)
{
	char note[96];
	lt_err err = {0};

	s->go = lt_goread_new(pid, &err);
	if (!s->go) {
		/* Say plainly what cannot be done, and what can. */
		if (strstr(err.msg, "has no DWARF"))
			snprintf(err.msg, sizeof(err.msg), "process %d is a Go program "
				 "built without DWARF (-ldflags=-s -w): its runtime's "
				 "goroutines and heap profile cannot be located from "
				 "outside; if it serves net/http/pprof, record with "
				 "--pprof http://127.0.0.1:PORT", (int)pid);
		if (!strstr(err.msg, "is not a Go program"))
			lt_model_set_source(s->m, "goroutines", 0, err.msg);
		return;
	}
	snprintf(note, sizeof(note), "%s, read without stopping it",
		 lt_goread_version(s->go));
	lt_model_set_source(s->m, "goroutines", 1, note);
	if (s->o.no_heap)
		return;
	s->goheap = lt_goheap_new(s->go, NULL);
	if (!s->goheap)
		return;
	/* The Go linker turns memory profiling off in a program that
	 * cannot reach runtime.MemProfile (no runtime/pprof). */
	if (!lt_goheap_rate(s->goheap)) {
		lt_goheap_free(s->goheap);
		s->goheap = NULL;
		if (!s->heap)
			lt_model_set_source(s->m, "heap", 0, "a Go program with its heap "
					    "profiling off (runtime.MemProfileRate 0: it does "
					    "not link runtime/pprof)");
		return;
	}
	snprintf(note, sizeof(note), "the Go runtime's heap profile "
		 "(runtime.mbuckets) as of its last GC, sample rate %llu bytes",
		 (unsigned long long)lt_goheap_rate(s->goheap));
	go_heap_source(s, note);
}

/* --pprof: the program's own goroutine and heap profiles, instead of its
 * memory.  The heap agent, when it runs (a cgo program), keeps the heap
 * sites. */
static void pprof_on(lt_session *s)
{
	char note[256];
	lt_err err = {0};

	s->pprof = lt_pprof_new(s->o.pprof, &err);
	if (!s->pprof) {
		lt_model_set_source(s->m, "goroutines", 0, err.msg);
		return;
	}
	snprintf(note, sizeof(note), "the program's goroutine profile from %.180s "
		 "(wait reasons read from the stacks)", s->o.pprof);
	lt_model_set_source(s->m, "goroutines", 1, note);
	if (s->o.no_heap)
		return;
	snprintf(note, sizeof(note), "the Go runtime's heap profile from %.180s, "
		 "as of its last GC", s->o.pprof);
	go_heap_source(s, note);
}

/* One read of both profiles (the heap's with ?gc=1 when the session
 * ends: pprof_at_end).  An endpoint that stops answering turns the source
 * off after three reads in a row, saying why. */
static void sample_pprof(lt_session *s, const struct lt_sample *smp)
{
	struct lt_pprof_tick pt;
	double t0 = lt_clock_mono();
	lt_err err = {0};

	if (lt_pprof_sample(s->pprof, s->pprof_gc, &pt, &err) < 0) {
		if (target_gone(s) || ++s->go_failed < 3)
			return;
		lt_pprof_free(s->pprof);
		s->pprof = NULL;
		lt_model_set_source(s->m, "goroutines", 0, err.msg);
		if (!s->heap && !s->o.no_heap)
			lt_model_set_source(s->m, "heap", 0, err.msg);
		lt_store_write_meta(s->st, s->m, NULL);
		return;
	}
	s->go_failed = 0;
	lt_collect_frames(s->m, pt.frames, pt.nframes);
	if (pt.have_go)
		lt_collect_goroutines(s->m, s->sym, &pt.go, smp->t);
	if (pt.have_heap && !s->o.no_heap)
		lt_collect_goheap(s->m, s->sym, &s->gomap, &pt.heap, smp->t);
	s->next_go = smp->t + (lt_clock_mono() - t0) * 20;
}

/* The Go heap profile into the heap sites (the agent's heapmap is free:
 * the agent never runs in a Go program).  Returns the seconds the read
 * took. */
static double sample_goheap(lt_session *s, double t)
{
	struct lt_heap_batch b;
	double t0 = lt_clock_mono(), took;
	int rc = lt_goheap_sample(s->goheap, &b, NULL);

	took = lt_clock_mono() - t0;
	if (rc == 0)
		lt_collect_goheap(s->m, s->sym, &s->gomap, &b, t);
	return took;
}

/* One goroutine read into the model, with the Go heap profile.  Nothing
 * is stopped, so it runs every tick, unless the reads take long (100,000
 * goroutines take about a second): then the next waits 20 times as long
 * as they took, so leaktop spends at most 5% of its time reading.
 * Symbolizing new PCs is not counted: it is paid once.  A read can fail while
 * the runtime grows allgs under it: three failures in a row turn the
 * reader off, saying why. */
static void sample_goroutines(lt_session *s, const struct lt_sample *smp)
{
	struct lt_goroutine_tick gt;
	lt_err err = {0};

	if (lt_goread_sample(s->go, &gt, &err) == 0) {
		double took = gt.elapsed_ns / 1e9;

		s->go_failed = 0;
		lt_collect_goroutines(s->m, s->sym, &gt, smp->t);
		if (s->goheap)
			took += sample_goheap(s, smp->t);
		s->next_go = smp->t + took * 20;
		return;
	}
	if (target_gone(s) || ++s->go_failed < 3)
		return;
	if (s->goheap && !s->heap)
		lt_model_set_source(s->m, "heap", 0, err.msg);
	lt_goheap_free(s->goheap);
	s->goheap = NULL;
	lt_goread_free(s->go);
	s->go = NULL;
	lt_model_set_source(s->m, "goroutines", 0, err.msg);
	lt_store_write_meta(s->st, s->m, NULL);
}

lt_session *lt_session_open(const struct lt_session_opts *o, lt_err *err)
{
	lt_session *s;
	pid_t tgid;

	if (lt_procfs_check(o->pid, &tgid, err) < 0) {
		lt_heap_detach(o->heap);
		return NULL;
	}
	s = lt_xcalloc(1, sizeof(*s));
	s->o = *o;
	s->output = lt_xstrdup(o->output);
	s->o.output = s->output;
	s->pidfd = -1;
	s->pf = lt_procfs_new(tgid, err);
	if (!s->pf)
		goto fail;
	s->st = lt_store_create(o->output, o->force, err);
	if (!s->st)
		goto fail;
	s->m = lt_model_new();
	lt_srccap_init(&s->src, s->m, 0);
	lt_model_set_retention(s->m, RETENTION);
	fill_meta(s, tgid);
	s->pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	symbols_on(s, tgid);
	/* Injection before the thread sampler exists: ptrace users one at a
	 * time. */
	heap_on(s, tgid);
	if (s->o.pprof)
		pprof_on(s);
	else
		goread_on(s, tgid);
	/* The agent's dlopen changed the modules: one maps read when not. */
	if (s->sym && s->heap)
		lt_symbols_refresh(s->sym);
	if (s->o.no_threads) { /* the injector was the unwinder's last user */
		lt_unwind_free(s->uw);
		s->uw = NULL;
		if (!s->heap && !s->go) {
			lt_symbols_free(s->sym);
			s->sym = NULL;
		}
	}
	/* A Go program's goroutines and heap profile are named too, also
	 * with --no-heap --no-threads. */
	if (s->go && !s->sym)
		s->sym = lt_symbols_new(tgid, NULL);
	threads_on(s, tgid);
	/* A Go program's heap is not malloc's: nothing to scan. */
	if (!s->go)
		s->scan = lt_scan_new(tgid, o->scan_interval, o->no_threads);
	/* The recording starts now, with the first tick: loading the agent
	 * may have taken seconds. */
	lt_model_meta(s->m)->start_ns = lt_clock_wall_ns();
	if (lt_store_write_meta(s->st, s->m, err) < 0) {
		/* The file exists now: finish it rather than leave half. */
		struct lt_end e;

		lt_end_error(&e, err);
		lt_session_close(s, &e, NULL);
		return NULL;
	}
	s->start = lt_clock_mono();
	s->deadline = s->start;
	s->stack_budget = 4096;
	return s;
fail:
	lt_heap_detach(s->o.heap);
	lt_procfs_free(s->pf);
	free(s->output);
	free(s);
	return NULL;
}

double lt_session_next_deadline(const lt_session *s)
{
	return s->deadline;
}

int lt_session_pidfd(const lt_session *s)
{
	return s->pidfd;
}

int lt_session_data_fd(const lt_session *s)
{
	return s->heap ? lt_heap_fd(s->heap) : -1;
}

void lt_session_pump(lt_session *s)
{
	lt_err err = {0};

	/* An error is the tick's to report (sample_heap sees it again): the
	 * heap source has closed the agent's socket by then, so its
	 * descriptor is not polled again. */
	if (s->heap)
		(void)lt_heap_poll(s->heap, &err);
}

const struct lt_end *lt_session_end(const lt_session *s)
{
	return &s->end;
}

const lt_model *lt_session_model(const lt_session *s)
{
	return s->m;
}

size_t lt_session_ticks(const lt_session *s)
{
	return s->ticks;
}

const char *lt_session_output(const lt_session *s)
{
	return s->output;
}

/* The heap agent's thread and socket are leaktop's, not the target's: they
 * leave the series, so attaching does not read as a thread or socket
 * more. */
static void drop_footprint(const lt_session *s, struct lt_sample *smp)
{
	static const int socket_ids[] = {LT_M_FDS, LT_M_FD_SOCKET};

	if (!s->heap || lt_heap_agent_tid(s->heap) <= 0)
		return;
	if (lt_sample_has(smp, LT_M_THREADS) && smp->v[LT_M_THREADS] > 0)
		smp->v[LT_M_THREADS]--;
	if (lt_heap_agent_fd(s->heap) < 0)
		return;
	for (size_t i = 0; i < sizeof(socket_ids) / sizeof(socket_ids[0]); i++)
		if (lt_sample_has(smp, socket_ids[i]) && smp->v[socket_ids[i]] > 0)
			smp->v[socket_ids[i]]--;
}

/* One thread sample into the model.  Returns -1 when the target is gone. */
static int sample_threads(lt_session *s, const struct lt_sample *smp)
{
	struct lt_thread_tick tt;
	lt_err err = {0};

	if (lt_threads_sample(s->th, &tt, &err) < 0) {
		if (err.code == LT_EXIT_TARGET)
			return -1;
		threads_off(s, err.msg);
		return 0;
	}
	/* A dlopen or dlclose changed the modules: re-read them before
	 * symbolizing addresses that may lie in them (the threads run
	 * again by now). */
	if (s->sym && tt.maps_changed)
		lt_symbols_refresh(s->sym);
	lt_collect_threads(s->m, s->sym, &tt, smp->t,
			   s->heap ? lt_heap_agent_tid(s->heap) : 0);
	return 0;
}

/* Why the heap source is off, for a scan's "cannot prove". */
static const char *heap_reason(const lt_session *s)
{
	const struct lt_source *src = lt_model_source_find(s->m, "heap");

	return src && src->reason ? src->reason : "off";
}

void lt_session_scan(lt_session *s)
{
	if (s->scan)
		lt_scan_request(s->scan);
}

/* `record --scan-at-end`: the last scans, kept by one more tick. */
static void scan_at_end(lt_session *s)
{
	struct lt_end saved = s->end;

	if (!s->scan || !s->o.scan_at_end || !s->st ||
	    s->end.kind == LT_END_TARGET_EXITED || target_gone(s))
		return;
	lt_scan_finish(s->scan, s->heap, heap_reason(s), s->m, &s->heapmap, s->start);
	s->end.kind = LT_END_NONE;
	lt_scan_free(s->scan);
	s->scan = NULL;
	lt_session_tick(s, NULL);
	s->end = saved;
}

/* --pprof: one more tick whose heap profile is read with ?gc=1.  The
 * runtime publishes its counts one GC behind, so without it the file's
 * last figures are those of the GC before the last: in a short session,
 * or a program that runs few GCs, most of what was allocated in the
 * window is not in it yet and a growing site reads as "collecting" (or,
 * its last rise unseen, steady).  The program runs one GC, as for
 * `curl URL/debug/pprof/heap?gc=1`. */
static void pprof_at_end(lt_session *s)
{
	struct lt_end saved = s->end;

	if (!s->pprof || s->o.no_heap || !s->st ||
	    s->end.kind == LT_END_TARGET_EXITED || target_gone(s))
		return;
	s->end.kind = LT_END_NONE;
	s->pprof_gc = 1;
	s->next_go = 0;
	lt_session_tick(s, NULL);
	s->pprof_gc = 0;
	s->end = saved;
}

int lt_session_tick(lt_session *s, lt_err *err)
{
	struct lt_sample smp = {0};
	double now, heap_t0 = 0, heap_took = 0;

	if (s->end.kind != LT_END_NONE)
		return 1;
	smp.t = lt_clock_mono() - s->start;
	smp.wall_ns = lt_clock_wall_ns();
	if (lt_procfs_sample(s->pf, &smp, err) < 0) {
		if (err && err->code != LT_EXIT_TARGET)
			return -1;
		lt_end_set(&s->end, LT_END_TARGET_EXITED);
		return 1;
	}
	drop_footprint(s, &smp);
	lt_model_add_sample(s->m, &smp);
	if (s->heap) {
		heap_t0 = lt_clock_mono();
		sample_heap(s, smp.t);
		heap_took = lt_clock_mono() - heap_t0;
	}
	if (s->go && smp.t >= s->next_go)
		sample_goroutines(s, &smp);
	if (s->pprof && smp.t >= s->next_go)
		sample_pprof(s, &smp);
	/* A thread has one tracer: no thread sample while a scan holds
	 * (or may stop) the target's threads; it waits for the next tick. */
	if (s->th && smp.t >= s->next_threads && !(s->scan && lt_scan_busy(s->scan))) {
		if (sample_threads(s, &smp) < 0) {
			lt_end_set(&s->end, LT_END_TARGET_EXITED);
			return 1;
		}
		while (s->next_threads <= smp.t)
			s->next_threads += s->o.threads_interval;
	}
	if (!s->o.no_sources)
		lt_srccap_scan(&s->src, s->m, lt_model_meta_c(s->m)->pid);
	/* After the thread sample, so a scan never starts beside one. */
	if (s->scan)
		lt_scan_step(s->scan, s->heap, heap_reason(s), s->m, &s->heapmap, smp.t);
	heap_t0 = lt_clock_mono();
	if (lt_store_commit_tick(s->st, s->m, err) < 0)
		return -1;
	/* The store's time counts as the heap's: new stacks are most of it. */
	if (s->heap)
		adapt_budget(s, heap_took + lt_clock_mono() - heap_t0);
	s->ticks++;
	/* Ticks stay on a fixed grid: a slow tick skips grid points rather
	 * than drifting the rest of the session. */
	now = lt_clock_mono();
	do
		s->deadline = s->start + (double)++s->k * s->o.interval;
	while (s->deadline <= now);
	if (s->o.duration > 0 && s->deadline - s->start > s->o.duration + 1e-6) {
		lt_end_set(&s->end, LT_END_DURATION);
		return 1;
	}
	return 0;
}

int lt_session_close(lt_session *s, const struct lt_end *end, lt_err *err)
{
	char reason[LT_END_LEN];
	int rc = 0;

	if (!s)
		return 0;
	scan_at_end(s);
	pprof_at_end(s);
	/* Sources first: the target runs free before anything else can
	 * fail.  A scan in flight ends first (it lets every thread go). */
	lt_scan_free(s->scan);
	lt_heap_detach(s->heap);
	lt_threads_free(s->th);
	lt_goheap_free(s->goheap);
	lt_goread_free(s->go);
	lt_pprof_free(s->pprof);
	lt_collect_heapmap_free(&s->gomap);
	lt_unwind_free(s->uw);
	lt_symbols_free(s->sym);
	lt_collect_heapmap_free(&s->heapmap);
	lt_srccap_free(&s->src);
	if (s->st)
		rc = lt_store_finish(s->st, lt_clock_wall_ns(),
				     end ? lt_end_format(end, reason, sizeof(reason)) : NULL, err);
	if (s->pidfd >= 0)
		close(s->pidfd);
	lt_procfs_free(s->pf);
	lt_model_free(s->m);
	free(s->output);
	free(s);
	return rc;
}
