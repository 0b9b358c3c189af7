/* The Go reader (lt_goread.h): runtime.allgs read through a memory source
 * (golive.c: the live process), every value validated before it is used
 * or reported. */
#include "lt_goread.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "lt_clock.h"

#define MAX_GS (1u << 20)          /* allgs entries read at most */
#define MAX_STACK (1ull << 30)     /* Go's maximum stack is 1 GB on amd64 */
#define STACK_WIN 16384            /* stack bytes read from sp at once; frames
				      beyond are read 16 bytes at a time */
#define MAX_STR 64                 /* wait reasons, the Go version */
#define G_MAX_READ 4096            /* bytes of runtime.g read */
#define BATCH 256                  /* runtime.g read per system call */

struct lt_goread {
	struct lt_golayout l;
	uint64_t bias;
	struct lt_gomem mem;
	char version[MAX_STR + 1];
	char *wr[LT_GO_WAITREASONS];   /* wait reason names, by value */
	size_t gread;                  /* bytes of runtime.g read: up to the
					  last field used */
	struct lt_gorange *data, *code;
	size_t ndata, ncode;
	uint64_t *gps;                 /* allgs, this sample */
	size_t cap;
	struct lt_goroutine *gs;       /* reported, this sample */
	size_t gcap;
	uint64_t *pool;                /* their PCs */
	size_t npool, pcap;
	struct gwork *work;            /* BATCH goroutines being read */
	unsigned char *stack;          /* BATCH x STACK_WIN bytes */
	unsigned char *hdr;            /* 2 x BATCH runtime.g */
	/* The live process (lt_goread_new). */
	pid_t pid;
	int64_t mono_offset;           /* target's CLOCK_MONOTONIC - ours */
	int clock_known;
};

/* A goroutine being read, with room for its whole stack. */
struct gwork {
	struct lt_goroutine g;
	uint64_t pcs[LT_GOROUTINE_MAX_FRAMES];
	uint64_t sp, hi, bp;     /* the saved context to walk, validated */
	size_t len;              /* stack bytes to read from sp; 0: no walk */
};

static int64_t mono_ns(void)
{
	return (int64_t)(lt_clock_mono() * 1e9);
}

/* ---------------------------------------------------------------------- */
/* Validation                                                               */

static int in_ranges(const struct lt_gorange *a, size_t n, uint64_t addr,
		     uint64_t len)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {               /* sorted: binary search */
		size_t mid = lo + (hi - lo) / 2;

		if (addr >= a[mid].hi)
			lo = mid + 1;
		else if (addr < a[mid].lo)
			hi = mid;
		else
			return len <= a[mid].hi - addr;
	}
	return 0;
}

static int in_data(const lt_goread *r, uint64_t addr, uint64_t len)
{
	return in_ranges(r->data, r->ndata, addr, len);
}

static int in_code(const lt_goread *r, uint64_t pc)
{
	return pc && in_ranges(r->code, r->ncode, pc, 1);
}

/* Field f of a runtime.g read into buf (little-endian, as amd64). */
static uint64_t get(const unsigned char *buf, const struct lt_gofield *f)
{
	uint64_t v = 0;

	if (f->size)
		memcpy(&v, buf + f->off, f->size);
	return v;
}

/* A Go string header {ptr, len} at addr, read into out (NUL-terminated)
 * when it is short and printable ASCII.  Returns 0 or -1. */
static int read_gostring(lt_goread *r, uint64_t addr, char *out, size_t cap)
{
	uint64_t h[2];
	size_t n;

	out[0] = '\0';
	if (r->mem.read(r->mem.ctx, addr, h, sizeof(h)) < 0 || h[1] == 0 ||
	    h[1] >= cap || !h[0])
		return -1;
	n = (size_t)h[1];
	if (r->mem.read(r->mem.ctx, h[0], out, n) < 0)
		return -1;
	out[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (out[i] < 0x20 || out[i] >= 0x7f) {
			out[0] = '\0';
			return -1;
		}
	return 0;
}

/* Go release from "go1.N..."; 0 when not that form (devel builds). */
static int go_minor(const char *v)
{
	int minor;

	return sscanf(v, "go1.%d", &minor) == 1 ? minor : 0;
}

static void read_strings(lt_goread *r)
{
	char s[MAX_STR + 1];

	if (!r->l.build_version ||
	    read_gostring(r, r->l.build_version + r->bias, r->version,
			  sizeof(r->version)) < 0)
		snprintf(r->version, sizeof(r->version), "unknown");
	for (size_t i = 0; i < r->l.wr_count && r->l.wr_strings; i++)
		if (read_gostring(r, r->l.wr_strings + r->bias + 16 * i, s, sizeof(s)) == 0)
			r->wr[i] = lt_xstrdup(s);
	/* Without the table, the enum's names, where they mean what they
	 * did when waitReason became a uint8 enum (Go 1.11). */
	if (!r->l.wr_count && go_minor(r->version) >= 11)
		for (size_t i = 0; i < LT_GO_WAITREASONS; i++)
			if (r->l.wr_names[i])
				r->wr[i] = lt_xstrdup(r->l.wr_names[i]);
}

static size_t field_end(const struct lt_gofield *f)
{
	return f->size ? f->off + f->size : 0;
}

/* Takes over l; reads the globals that do not change.  0 or -1. */
static int setup(lt_goread *r, struct lt_golayout *l, uint64_t bias,
		 const struct lt_gomem *mem, lt_err *err)
{
	const struct lt_gofield *fs[] = {
		&l->goid, &l->status, &l->waitreason, &l->waitsince, &l->gopc,
		&l->startpc, &l->sched_pc, &l->sched_sp, &l->sched_bp,
		&l->stack_lo, &l->stack_hi, &l->syscallpc,
	};
	uint64_t h[3];

	for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++)
		if (field_end(fs[i]) > r->gread)
			r->gread = field_end(fs[i]);
	r->l = *l;
	memset(l, 0, sizeof(*l));
	r->bias = bias;
	r->mem = *mem;
	r->stack = lt_xmalloc((size_t)BATCH * STACK_WIN);
	if (r->gread > G_MAX_READ || !r->gread) {
		lt_err_set(err, LT_EXIT_TARGET, "runtime.g: fields beyond %d bytes",
			   G_MAX_READ);
		return -1;
	}
	if (r->mem.read(r->mem.ctx, r->l.allgs + bias, h, sizeof(h)) < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "cannot read runtime.allgs: %s",
			   strerror(errno));
		return -1;
	}
	read_strings(r);
	r->hdr = lt_xmalloc(2 * BATCH * r->gread);
	r->work = lt_xmalloc(BATCH * sizeof(*r->work));
	return 0;
}

lt_goread *lt_goread_new_mem(struct lt_golayout *l, uint64_t bias,
			     const struct lt_gomem *mem, lt_err *err)
{
	lt_goread *r = lt_xcalloc(1, sizeof(*r));

	if (setup(r, l, bias, mem, err) < 0) {
		lt_goread_free(r);
		return NULL;
	}
	return r;
}

const char *lt_goread_version(const lt_goread *r)
{
	return r->version;
}

void lt_goread_free(lt_goread *r)
{
	if (!r)
		return;
	lt_golayout_free(&r->l);
	for (size_t i = 0; i < LT_GO_WAITREASONS; i++)
		free(r->wr[i]);
	free(r->data);
	free(r->code);
	free(r->gps);
	free(r->gs);
	free(r->pool);
	free(r->work);
	free(r->stack);
	free(r->hdr);
	if (r->mem.release)
		r->mem.release(r->mem.ctx);
	free(r);
}

/* ---------------------------------------------------------------------- */
/* One goroutine                                                            */

enum { G_OK, G_DEAD, G_TORN, G_GONE };

/* The fields that must not change while a goroutine is read. */
static int same_g(const lt_goread *r, const unsigned char *a,
		  const unsigned char *b)
{
	const struct lt_gofield *fs[] = {
		&r->l.goid, &r->l.status, &r->l.sched_pc, &r->l.sched_sp,
		&r->l.sched_bp, &r->l.stack_lo, &r->l.stack_hi,
		&r->l.waitreason, &r->l.syscallpc,
	};

	for (size_t i = 0; i < sizeof(fs) / sizeof(fs[0]); i++)
		if (get(a, fs[i]) != get(b, fs[i]))
			return 0;
	return 1;
}

/* The 16 bytes of a frame record at bp (>= sp): from the window read at
 * sp when it is there, else read alone. */
static int frame_at(lt_goread *r, const unsigned char *win, uint64_t sp,
		    size_t have, uint64_t bp, uint64_t w[2])
{
	if (bp - sp <= have && have - (bp - sp) >= 16) {
		memcpy(w, win + (bp - sp), 16);
		return 0;
	}
	return r->mem.read(r->mem.ctx, bp, w, 16);
}

/* Checks the saved context of runtime.g (gb) and notes the stack window
 * to read: sched.pc in code, stack.lo..hi a sane stack in writable
 * memory, sched.sp inside it.  Returns 0, or -1 (a torn read). */
static int context(lt_goread *r, const unsigned char *gb, struct gwork *w)
{
	uint64_t lo = get(gb, &r->l.stack_lo), hi = get(gb, &r->l.stack_hi);
	uint64_t sp = get(gb, &r->l.sched_sp), pc = get(gb, &r->l.sched_pc);

	if (lo >= hi || hi - lo > MAX_STACK || (lo & 7) || !in_data(r, lo, hi - lo) ||
	    sp < lo || sp >= hi || !in_code(r, pc))
		return -1;
	w->pcs[w->g.npcs++] = pc;
	if (pc == w->g.startpc)
		w->g.activations |= 1;   /* not started yet: pc is its entry */
	w->sp = sp;
	w->hi = hi;
	w->bp = get(gb, &r->l.sched_bp);
	w->len = hi - sp < STACK_WIN ? (size_t)(hi - sp) : STACK_WIN;
	return 0;
}

/* Walks frame pointers from the saved context (context()) into w->pcs,
 * with the w->len bytes read at w->sp in win.  Sets *truncated when the
 * chain ends at the cap or at a bad link. */
static void walk(lt_goread *r, struct gwork *w, const unsigned char *win,
		 int *truncated)
{
	struct lt_goroutine *g = &w->g;
	uint64_t bp = w->bp, prev = w->sp;

	while (bp) {
		uint64_t fr[2];   /* saved bp, return address */

		if (g->npcs == LT_GOROUTINE_MAX_FRAMES || (bp & 7) || bp < prev ||
		    bp >= w->hi || w->hi - bp < 16 ||
		    frame_at(r, win, w->sp, w->len, bp, fr) < 0 ||
		    (fr[1] && !in_code(r, fr[1]))) {
			*truncated = 1;
			break;
		}
		if (!fr[1])
			break;
		w->pcs[g->npcs++] = fr[1];
		prev = bp + 16;
		bp = fr[0];
	}
}

/* A goroutine from the first read of its runtime.g (a): status, wait
 * reason, and the stack window to read and walk (w->len).  The caller
 * reads runtime.g again and compares. */
static int decode(lt_goread *r, const unsigned char *a, int64_t now,
		  struct gwork *w)
{
	uint64_t st, scan = r->l.st_scan > 0 ? (uint64_t)r->l.st_scan : 0;
	struct lt_goroutine *g = &w->g;
	int64_t since;

	memset(g, 0, sizeof(*g));
	w->len = 0;
	st = get(a, &r->l.status);
	if (st == (uint64_t)r->l.st_dead || st == (uint64_t)r->l.st_idle)
		return G_DEAD;
	if (scan && (st & scan))        /* the GC is scanning it right now */
		return G_TORN;
	g->goid = (int64_t)get(a, &r->l.goid);
	g->gopc = get(a, &r->l.gopc);
	g->startpc = get(a, &r->l.startpc);
	if (g->goid <= 0 || (g->gopc && !in_code(r, g->gopc)) ||
	    (g->startpc && !in_code(r, g->startpc)))
		return G_TORN;
	if (st == (uint64_t)r->l.st_running) {
		g->status = LT_GO_RUNNING;
	} else if (st == (uint64_t)r->l.st_syscall) {
		uint64_t pc = get(a, &r->l.syscallpc);

		g->status = LT_GO_SYSCALL;
		if (in_code(r, pc))
			w->pcs[g->npcs++] = pc;
	} else if (st == (uint64_t)r->l.st_waiting || st == (uint64_t)r->l.st_runnable ||
		   st == (uint64_t)r->l.st_preempted) {
		g->status = st == (uint64_t)r->l.st_waiting ? LT_GO_WAITING : LT_GO_RUNNABLE;
		if (context(r, a, w) < 0)
			return G_TORN;
	} else {
		return G_TORN;                  /* copystack, or not a status */
	}
	if (g->status == LT_GO_WAITING) {
		uint64_t wr = get(a, &r->l.waitreason);

		g->wait_reason = wr < LT_GO_WAITREASONS ? r->wr[wr] : NULL;
		since = (int64_t)get(a, &r->l.waitsince);
		g->wait_ns = r->l.waitsince.size && since > 0 && now >= since ? now - since : -1;
	} else {
		g->wait_ns = -1;
	}
	return G_OK;
}

/* One goroutine, read alone: runtime.g, its stack, runtime.g again. */
static int read_g(lt_goread *r, uint64_t gp, int64_t now, struct gwork *w,
		  int *truncated)
{
	unsigned char a[G_MAX_READ], b[G_MAX_READ];
	int rc;

	memset(&w->g, 0, sizeof(w->g));
	*truncated = 0;
	if (r->mem.read(r->mem.ctx, gp, a, r->gread) < 0)
		return errno == ESRCH ? G_GONE : G_TORN;
	rc = decode(r, a, now, w);
	if (rc != G_OK)
		return rc;
	if (w->len) {
		if (r->mem.read(r->mem.ctx, w->sp, r->stack, w->len) < 0)
			return errno == ESRCH ? G_GONE : G_TORN;
		walk(r, w, r->stack, truncated);
	}
	/* Read again: what was used must not have changed meanwhile. */
	if (r->mem.read(r->mem.ctx, gp, b, r->gread) < 0)
		return errno == ESRCH ? G_GONE : G_TORN;
	return same_g(r, a, b) ? G_OK : G_TORN;
}

/* Appends a goroutine read whole to the sample; its pcs pointer holds an
 * offset into r->pool until the sample is complete (the pool moves). */
static void emit(lt_goread *r, struct lt_goroutine_tick *out,
		 const struct gwork *w)
{
	size_t np = (size_t)w->g.npcs;

	if (out->n == r->gcap) {
		r->gcap = r->gcap ? r->gcap * 2 : 1024;
		r->gs = lt_xrealloc(r->gs, r->gcap * sizeof(*r->gs));
	}
	while (r->npool + np > r->pcap) {
		r->pcap = r->pcap ? r->pcap * 2 : 8192;
		r->pool = lt_xrealloc(r->pool, r->pcap * sizeof(*r->pool));
	}
	if (np)
		memcpy(r->pool + r->npool, w->pcs, np * sizeof(*w->pcs));
	r->gs[out->n] = w->g;
	r->gs[out->n++].pcs = (const uint64_t *)(uintptr_t)r->npool;
	r->npool += np;
}

/* Reads block i (lens[i] bytes at addrs[i]) to buf + i * stride for
 * i < n, many per system call when the memory source can (readv); ok[i]
 * says which were read.  Returns -1 when the process is gone. */
static int read_blocks(lt_goread *r, const uint64_t *addrs, const size_t *lens,
		       size_t n, unsigned char *buf, size_t stride, char *ok)
{
	size_t i = 0;

	while (i < n) {
		size_t k = r->mem.readv ? r->mem.readv(r->mem.ctx, addrs + i, lens + i,
							n - i, buf + i * stride, stride)
					: 0;

		for (size_t j = 0; j < k && i + j < n; j++)
			ok[i + j] = 1;
		i += k;
		if (i >= n)
			break;
		/* Block i failed (or no readv): read it alone. */
		ok[i] = r->mem.read(r->mem.ctx, addrs[i], buf + i * stride, lens[i]) == 0;
		if (!ok[i] && errno == ESRCH)
			return -1;
		i++;
	}
	return 0;
}

/* The goroutines of gps[0..n) (all pointing into writable memory) into
 * out, in four batched reads: their runtime.g, their stacks (a window
 * from sched.sp), their runtime.g again; the ones that changed between
 * the two are read once more alone.  Returns -1 when the process is
 * gone. */
static int read_batch(lt_goread *r, const uint64_t *gps, size_t n, int64_t now,
		      struct lt_goroutine_tick *out)
{
	unsigned char *a = r->hdr, *b = r->hdr + BATCH * r->gread;
	char oka[BATCH] = {0}, okb[BATCH] = {0}, oks[BATCH] = {0};
	int rc[BATCH], trunc[BATCH] = {0};
	uint64_t sp[BATCH] = {0};        /* initialised for gcc's sake */
	size_t glen[BATCH] = {0}, slen[BATCH] = {0}, idx[BATCH], m = 0;

	for (size_t i = 0; i < n; i++)
		glen[i] = r->gread;
	if (read_blocks(r, gps, glen, n, a, r->gread, oka) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		rc[i] = oka[i] ? decode(r, a + i * r->gread, now, &r->work[i]) : G_TORN;
		if (rc[i] == G_OK && r->work[i].len) {
			idx[m] = i;
			sp[m] = r->work[i].sp;
			slen[m++] = r->work[i].len;
		}
	}
	if (read_blocks(r, sp, slen, m, r->stack, STACK_WIN, oks) < 0)
		return -1;
	for (size_t k = 0; k < m; k++) {
		if (oks[k])
			walk(r, &r->work[idx[k]], r->stack + k * STACK_WIN, &trunc[idx[k]]);
		else
			rc[idx[k]] = G_TORN;
	}
	if (read_blocks(r, gps, glen, n, b, r->gread, okb) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (rc[i] == G_OK && (!okb[i] || !same_g(r, a + i * r->gread,
							 b + i * r->gread)))
			rc[i] = G_TORN;
		if (rc[i] == G_TORN) {
			out->retried++;
			rc[i] = read_g(r, gps[i], now, &r->work[i], &trunc[i]);
			if (rc[i] == G_GONE)
				return -1;
		}
		if (rc[i] == G_DEAD)
			out->dead++;
		else if (rc[i] == G_TORN)
			out->dropped++;
		else {
			out->truncated += trunc[i] != 0;
			emit(r, out, &r->work[i]);
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* A sample                                                                 */


/* runtime.allgs into r->gps: the slice header {array, len, cap}, then the
 * array, validated as pointers into writable memory.  Returns the count,
 * or -1 with errno. */
static ssize_t read_allgs(lt_goread *r, size_t *capped)
{
	uint64_t h[3], n;

	*capped = 0;
	if (r->mem.read(r->mem.ctx, r->l.allgs + r->bias, h, sizeof(h)) < 0)
		return -1;
	n = h[1];
	if (n > h[2] || (n && (h[0] & 7))) {
		errno = EINVAL;
		return -1;
	}
	if (n > MAX_GS) {
		*capped = (size_t)(n - MAX_GS);
		n = MAX_GS;
	}
	if (n && !in_data(r, h[0], n * 8)) {
		errno = EINVAL;
		return -1;
	}
	if (n > r->cap) {
		r->cap = (size_t)n;
		r->gps = lt_xrealloc(r->gps, r->cap * sizeof(*r->gps));
	}
	if (n && r->mem.read(r->mem.ctx, h[0], r->gps, (size_t)n * 8) < 0)
		return -1;
	return (ssize_t)n;
}

int lt_goread_refresh(lt_goread *r, lt_err *err)
{
	free(r->data);
	free(r->code);
	r->data = r->code = NULL;
	r->ndata = r->ncode = 0;
	if (r->mem.maps(r->mem.ctx, &r->data, &r->ndata, &r->code, &r->ncode) < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "cannot read the target's mappings: %s",
			   strerror(errno));
		return -1;
	}
	return 0;
}

int lt_goread_data(const lt_goread *r, uint64_t addr, uint64_t len)
{
	return !(addr & 7) && in_data(r, addr, len);
}

int lt_goread_code(const lt_goread *r, uint64_t pc)
{
	return in_code(r, pc);
}

int lt_goread_mem(lt_goread *r, uint64_t addr, void *buf, size_t len)
{
	return r->mem.read(r->mem.ctx, addr, buf, len);
}

const struct lt_golayout *lt_goread_layout(const lt_goread *r, uint64_t *bias)
{
	*bias = r->bias;
	return &r->l;
}

int lt_goread_sample(lt_goread *r, struct lt_goroutine_tick *out, lt_err *err)
{
	int64_t t0 = mono_ns(), now;
	size_t capped;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	r->npool = 0;
	if (lt_goread_refresh(r, err) < 0)
		return -1;
	n = read_allgs(r, &capped);
	if (n < 0) {
		lt_err_set(err, LT_EXIT_TARGET, errno == ESRCH ? "the target exited"
			   : "runtime.allgs unreadable or invalid: %s", strerror(errno));
		return -1;
	}
	now = r->mem.now_ns(r->mem.ctx);
	out->listed = (size_t)n + capped;
	out->dropped = capped;
	/* Pointers outside writable memory are dropped unread; the rest
	 * go in batches, gathered at the front of r->gps (entries before i
	 * are read already). */
	for (ssize_t i = 0, valid = 0; i <= n; i++) {
		if (i < n) {
			uint64_t gp = r->gps[i];

			if (gp && !(gp & 7) && in_data(r, gp, r->gread))
				r->gps[valid++] = gp;
			else
				out->dropped++;
		}
		if (valid == BATCH || (i == n && valid)) {
			if (read_batch(r, r->gps, (size_t)valid, now, out) < 0) {
				memset(out, 0, sizeof(*out));
				lt_err_set(err, LT_EXIT_TARGET, "the target exited");
				return -1;
			}
			valid = 0;
		}
	}
	/* Offsets into the pool become pointers.  No pool at all when no
	 * goroutine had a stack (all running): NULL + 0 is undefined
	 * (found by tests/fuzz/fuzz_goread). */
	for (size_t i = 0; i < out->n; i++)
		r->gs[i].pcs = r->gs[i].npcs ? r->pool + (uintptr_t)r->gs[i].pcs : NULL;
	out->g = r->gs;
	out->elapsed_ns = mono_ns() - t0;
	return 0;
}
