/* A Go program's profiles over its net/http/pprof endpoint (lt_pprof.h). */
#include "lt_pprof.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lt_clock.h"
#include "lt_httpget.h"
#include "profile.pb-c.h"

typedef Perftools__Profiles__Profile Profile;

#define MAX_DEPTH LT_GOROUTINE_MAX_FRAMES
#define MAX_LINES 8             /* inlined functions kept per frame */
#define TIMEOUT_S 5.0

/* A heap stack seen in an earlier profile: its id stays the same. */
struct hstack {
	uint64_t hash;
	size_t off;             /* into spcs */
	uint32_t depth, id;     /* id + 1; 0: empty slot */
};

/* The functions of a location, innermost first (for wait reasons). */
struct locfn {
	const char *fn[MAX_LINES];
	size_t n;
};

/* A profile's objects by id, for location and function lookups. */
struct byid {
	uint64_t *ids;
	size_t *at;
	size_t n;
};

struct lt_pprof {
	struct lt_url url;
	uint64_t rate;
	/* frames already handed out (open addressing; 0 is empty) */
	uint64_t *known;
	size_t kcap, kn;
	/* heap stacks by their PCs, and the PCs, for the session */
	struct hstack *htab;
	size_t hcap, hn;
	uint64_t *spcs;
	size_t nspcs, spcap;
	/* this tick's output */
	Profile *msg[2];        /* goroutine, heap: frames point into them */
	struct lt_pprof_frame *frames;
	size_t *line_off;       /* frames[i].lines - lines, kept while lines moves */
	size_t nframes, fcap, locap;
	struct lt_pprof_line *lines;
	size_t nlines, lcap;
	struct lt_goroutine *g;
	size_t ng, gcap;
	uint64_t *gpcs;
	size_t ngpcs, gpcap;
	struct lt_heap_stack *stacks;
	size_t nstacks, stcap;
	struct lt_heap_site *sites;
	size_t nsites, sitecap;
	uint32_t *site_of;      /* stack id -> this tick's site + 1 */
	size_t site_of_cap;
};

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	while (*cap < need)
		*cap = *cap ? *cap * 2 : 64;
	return lt_xrealloc(p, *cap * size);
}

lt_pprof *lt_pprof_new(const char *url, lt_err *err)
{
	lt_pprof *p = lt_xcalloc(1, sizeof(*p));

	if (lt_httpget_parse(url, &p->url, err) < 0) {
		free(p);
		return NULL;
	}
	/* A bare host means the default mux's prefix. */
	if (!strstr(p->url.path, "/debug/pprof")) {
		size_t n = strlen(p->url.path);

		snprintf(p->url.path + n, sizeof(p->url.path) - n, "/debug/pprof");
	}
	return p;
}

uint64_t lt_pprof_rate(const lt_pprof *p)
{
	return p->rate;
}

static void reset(lt_pprof *p)
{
	for (int i = 0; i < 2; i++) {
		if (p->msg[i])
			perftools__profiles__profile__free_unpacked(p->msg[i], NULL);
		p->msg[i] = NULL;
	}
	p->nframes = p->nlines = p->ng = p->ngpcs = p->nstacks = p->nsites = 0;
}

void lt_pprof_free(lt_pprof *p)
{
	if (!p)
		return;
	reset(p);
	free(p->known);
	free(p->htab);
	free(p->spcs);
	free(p->frames);
	free(p->line_off);
	free(p->lines);
	free(p->g);
	free(p->gpcs);
	free(p->stacks);
	free(p->sites);
	free(p->site_of);
	free(p);
}

/* --- decoding ------------------------------------------------------------- */

static int gunzip(const unsigned char *in, size_t n, unsigned char **out,
		  size_t *outlen, lt_err *err)
{
	z_stream z = {0};
	size_t cap = n * 4 > 4096 ? n * 4 : 4096;
	unsigned char *b;
	int rc;

	if (n < 2 || in[0] != 0x1f || in[1] != 0x8b) {
		/* Not gzipped: the profile itself. */
		*out = lt_xmalloc(n ? n : 1);
		memcpy(*out, in, n);
		*outlen = n;
		return 0;
	}
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		lt_err_set(err, LT_EXIT_TARGET, "zlib: cannot start inflating");
		return -1;
	}
	if (cap > LT_PPROF_MAX_PROTO)
		cap = LT_PPROF_MAX_PROTO;
	b = lt_xmalloc(cap);
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)n;
	do {
		if (z.total_out == cap) {
			if (cap >= LT_PPROF_MAX_PROTO) {
				lt_err_set(err, LT_EXIT_TARGET, "profile larger than %u bytes inflated",
					   LT_PPROF_MAX_PROTO);
				goto fail;
			}
			cap = cap * 2 > LT_PPROF_MAX_PROTO ? LT_PPROF_MAX_PROTO : cap * 2;
			b = lt_xrealloc(b, cap);
		}
		z.next_out = b + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
			lt_err_set(err, LT_EXIT_TARGET, "bad gzip data: %s", z.msg ? z.msg : "inflate failed");
			goto fail;
		}
		if (rc == Z_BUF_ERROR && z.avail_in == 0) {
			lt_err_set(err, LT_EXIT_TARGET, "gzip data truncated");
			goto fail;
		}
	} while (rc != Z_STREAM_END);
	*outlen = z.total_out;
	*out = b;
	inflateEnd(&z);
	return 0;
fail:
	inflateEnd(&z);
	free(b);
	return -1;
}

static const char *str(const Profile *pr, int64_t i)
{
	if (i < 0 || (uint64_t)i >= pr->n_string_table || !pr->string_table[i])
		return "";
	return pr->string_table[i];
}

static int id_cmp(const void *a, const void *b, void *arg)
{
	const uint64_t *ids = arg;
	uint64_t x = ids[*(const size_t *)a], y = ids[*(const size_t *)b];

	return x < y ? -1 : x > y;
}

static void byid_make(struct byid *b, const uint64_t *ids, size_t n)
{
	b->n = n;
	b->ids = lt_xmalloc((n ? n : 1) * sizeof(uint64_t));
	b->at = lt_xmalloc((n ? n : 1) * sizeof(size_t));
	memcpy(b->ids, ids, n * sizeof(uint64_t));
	for (size_t i = 0; i < n; i++)
		b->at[i] = i;
	qsort_r(b->at, n, sizeof(size_t), id_cmp, b->ids);
}

/* Index of id, or (size_t)-1. */
static size_t byid_find(const struct byid *b, uint64_t id)
{
	size_t lo = 0, hi = b->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t v = b->ids[b->at[mid]];

		if (v == id)
			return b->at[mid];
		if (v < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (size_t)-1;
}

static void byid_free(struct byid *b)
{
	free(b->ids);
	free(b->at);
}

static uint64_t fnv(uint64_t h, const void *s, size_t n)
{
	const unsigned char *c = s;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ULL;
	return h;
}

/* Marks pc known; 1 when it was new. */
static int know(lt_pprof *p, uint64_t pc)
{
	size_t i;

	if ((p->kn + 1) * 2 > p->kcap) {
		uint64_t *old = p->known;
		size_t oc = p->kcap;

		p->kcap = oc ? oc * 2 : 1024;
		p->known = lt_xcalloc(p->kcap, sizeof(uint64_t));
		p->kn = 0;
		for (size_t k = 0; k < oc; k++)
			if (old[k])
				know(p, old[k]);
		free(old);
	}
	for (i = (size_t)(pc * 0x9e3779b97f4a7c15ull) & (p->kcap - 1); p->known[i];
	     i = (i + 1) & (p->kcap - 1))
		if (p->known[i] == pc)
			return 0;
	p->known[i] = pc;
	p->kn++;
	return 1;
}

/* The frames of a profile: pcs[i] is location i's key; new ones are
 * handed out with their functions.  Returns 0, or -1 when a function id
 * or string index is invalid. */
static int frames(lt_pprof *p, const Profile *pr, uint64_t *pcs,
		  struct locfn *lf, lt_err *err)
{
	struct byid fid;
	uint64_t *ids = lt_xmalloc((pr->n_function ? pr->n_function : 1) * sizeof(uint64_t));
	const char *module = NULL;

	for (size_t i = 0; i < pr->n_function; i++)
		ids[i] = pr->function[i]->id;
	byid_make(&fid, ids, pr->n_function);
	free(ids);
	if (pr->n_mapping && str(pr, pr->mapping[0]->filename)[0])
		module = str(pr, pr->mapping[0]->filename);
	for (size_t i = 0; i < pr->n_location; i++) {
		const Perftools__Profiles__Location *loc = pr->location[i];
		size_t nl = loc->n_line < MAX_LINES ? loc->n_line : MAX_LINES;
		struct lt_pprof_frame *f;
		uint64_t pc = loc->address;

		if (!pc) {
			/* No address: a key from its innermost function and line
			 * that no real PC has (above the user address space). */
			uint64_t h = 0xcbf29ce484222325ULL;

			for (size_t k = 0; k < nl; k++) {
				size_t fi = byid_find(&fid, loc->line[k]->function_id);
				const char *fn = fi == (size_t)-1 ? "" : str(pr, pr->function[fi]->name);

				h = fnv(h, fn, strlen(fn) + 1);
				h = fnv(h, &loc->line[k]->line, sizeof(int64_t));
			}
			pc = 0xff00000000000000ull | (h >> 8);
		}
		pcs[i] = pc;
		lf[i].n = 0;
		for (size_t k = 0; k < nl; k++) {
			size_t fi = byid_find(&fid, loc->line[k]->function_id);

			lf[i].fn[lf[i].n++] = fi == (size_t)-1 ? "" : str(pr, pr->function[fi]->name);
		}
		if (!know(p, pc))
			continue;
		p->frames = grow(p->frames, &p->fcap, p->nframes + 1, sizeof(*p->frames));
		p->line_off = grow(p->line_off, &p->locap, p->nframes + 1, sizeof(size_t));
		p->lines = grow(p->lines, &p->lcap, p->nlines + nl, sizeof(*p->lines));
		p->line_off[p->nframes] = p->nlines;
		f = &p->frames[p->nframes++];
		f->pc = pc;
		f->module = module;
		f->nlines = 0;
		for (size_t k = 0; k < nl; k++) {
			size_t fi = byid_find(&fid, loc->line[k]->function_id);
			struct lt_pprof_line *l = &p->lines[p->nlines];
			int64_t ln = loc->line[k]->line;

			if (fi == (size_t)-1) {
				byid_free(&fid);
				lt_err_set(err, LT_EXIT_TARGET, "profile: location %llu names no function",
					   (unsigned long long)loc->id);
				return -1;
			}
			l->function = str(pr, pr->function[fi]->name);
			l->file = str(pr, pr->function[fi]->filename)[0] ?
				  str(pr, pr->function[fi]->filename) : NULL;
			l->line = ln > 0 && ln < 1 << 30 ? (int)ln : 0;
			p->nlines++;
			f->nlines++;
		}
	}
	byid_free(&fid);
	return 0;
}

/* The PCs of sample s into out (innermost first, at most MAX_DEPTH);
 * returns the depth, 0 when a location id is invalid. */
static size_t sample_pcs(const Perftools__Profiles__Sample *s, const struct byid *lid,
			 const uint64_t *lpcs, uint64_t *out)
{
	size_t n = s->n_location_id < MAX_DEPTH ? s->n_location_id : MAX_DEPTH;

	for (size_t k = 0; k < n; k++) {
		size_t li = byid_find(lid, s->location_id[k]);

		if (li == (size_t)-1)
			return 0;
		out[k] = lpcs[li];
	}
	return n;
}

static int value_index(const Profile *pr, const char *type)
{
	for (size_t i = 0; i < pr->n_sample_type; i++)
		if (!strcmp(str(pr, pr->sample_type[i]->type), type))
			return (int)i;
	return -1;
}

/* A goroutine profile has no status or wait reason, but a parked
 * goroutine's stack says what parked it: the function runtime.gopark was
 * called from.  The runtime's own words for them; NULL when the stack
 * does not start with gopark (running, in a system call) or says nothing
 * known. */
static const char *wait_reason(const Perftools__Profiles__Sample *s,
			       const struct byid *lid, const struct locfn *lf)
{
	static const struct {
		const char *fn, *reason;
	} by[] = {
		{"runtime.chansend", "chan send"},
		{"runtime.chanrecv", "chan receive"},
		{"runtime.selectgo", "select"},
		{"runtime.block", "select (no cases)"},
		{"runtime.semacquire", "semacquire"},
		{"sync.runtime_SemacquireMutex", "sync.Mutex.Lock"},
		{"sync.runtime_Semacquire", "semacquire"},
		{"sync.runtime_notifyListWait", "sync.Cond.Wait"},
		{"time.Sleep", "sleep"},
		{"runtime.netpollblock", "IO wait"},
		{"runtime.gcBgMarkWorker", "GC worker (idle)"},
		{"runtime.bgsweep", "GC sweep wait"},
		{"runtime.forcegchelper", "force gc (idle)"},
		{"runtime.runfinq", "finalizer wait"},
	};
	const char *chain[4];
	size_t n = 0;

	for (size_t k = 0; k < s->n_location_id && n < 4; k++) {
		size_t li = byid_find(lid, s->location_id[k]);

		if (li == (size_t)-1)
			return NULL;
		for (size_t j = 0; j < lf[li].n && n < 4; j++)
			chain[n++] = lf[li].fn[j];
	}
	if (!n || (strcmp(chain[0], "runtime.gopark") && strcmp(chain[0], "runtime.goparkunlock")))
		return NULL;
	for (size_t k = 1; k < n; k++) {
		if (!strcmp(chain[k], "runtime.goparkunlock"))
			continue;
		for (size_t b = 0; b < sizeof(by) / sizeof(by[0]); b++)
			if (!strncmp(chain[k], by[b].fn, strlen(by[b].fn)))
				return by[b].reason;
		return NULL;
	}
	return NULL;
}

static void go_samples(lt_pprof *p, const Profile *pr, const struct byid *lid,
		       const uint64_t *lpcs, const struct locfn *lf,
		       struct lt_goroutine_tick *out)
{
	int vi = value_index(pr, "goroutine");
	size_t total = 0;

	memset(out, 0, sizeof(*out));
	p->ng = p->ngpcs = 0;   /* one goroutine profile per tick */
	for (size_t i = 0; i < pr->n_sample; i++) {
		const Perftools__Profiles__Sample *s = pr->sample[i];
		int64_t count = (size_t)vi < s->n_value ? s->value[vi] : 0;
		size_t depth, off = p->ngpcs;
		const char *why;

		if (count <= 0)
			continue;
		out->listed += (size_t)count;
		p->gpcs = grow(p->gpcs, &p->gpcap, p->ngpcs + MAX_DEPTH, sizeof(uint64_t));
		depth = sample_pcs(s, lid, lpcs, p->gpcs + off);
		if (!depth || total >= LT_PPROF_MAX_GOROUTINES) {
			out->dropped += (size_t)count;
			continue;
		}
		p->ngpcs += depth;
		if ((uint64_t)count > LT_PPROF_MAX_GOROUTINES - total) {
			out->dropped += (size_t)count - (LT_PPROF_MAX_GOROUTINES - total);
			count = (int64_t)(LT_PPROF_MAX_GOROUTINES - total);
		}
		why = wait_reason(s, lid, lf);
		p->g = grow(p->g, &p->gcap, p->ng + (size_t)count, sizeof(*p->g));
		for (int64_t c = 0; c < count; c++)
			p->g[p->ng++] = (struct lt_goroutine){
				.goid = 0, .status = why ? LT_GO_WAITING : LT_GO_PPROF,
				.wait_reason = why, .wait_ns = -1, .npcs = (int)depth,
				.pcs = (const uint64_t *)(uintptr_t)off};
		total += (size_t)count;
		out->truncated += s->n_location_id > MAX_DEPTH ? (size_t)count : 0;
	}
	for (size_t i = 0; i < p->ng; i++)
		p->g[i].pcs = p->gpcs + (uintptr_t)p->g[i].pcs;
	out->g = p->g;
	out->n = p->ng;
}

/* The id of the heap stack pcs[0..n), new ones handed out. */
static uint32_t heap_stack(lt_pprof *p, const uint64_t *pcs, size_t n)
{
	uint64_t h = fnv(0xcbf29ce484222325ULL, pcs, n * sizeof(uint64_t));
	struct hstack *e;
	size_t i;

	if ((p->hn + 1) * 2 > p->hcap) {
		struct hstack *old = p->htab;
		size_t oc = p->hcap;

		p->hcap = oc ? oc * 2 : 256;
		p->htab = lt_xcalloc(p->hcap, sizeof(*p->htab));
		for (size_t k = 0; k < oc; k++) {
			if (!old[k].id)
				continue;
			for (i = (size_t)old[k].hash & (p->hcap - 1); p->htab[i].id;
			     i = (i + 1) & (p->hcap - 1))
				;
			p->htab[i] = old[k];
		}
		free(old);
	}
	for (i = (size_t)h & (p->hcap - 1); p->htab[i].id; i = (i + 1) & (p->hcap - 1)) {
		e = &p->htab[i];
		if (e->hash == h && e->depth == n &&
		    !memcmp(p->spcs + e->off, pcs, n * sizeof(uint64_t)))
			return e->id - 1;
	}
	e = &p->htab[i];
	p->spcs = grow(p->spcs, &p->spcap, p->nspcs + n, sizeof(uint64_t));
	memcpy(p->spcs + p->nspcs, pcs, n * sizeof(uint64_t));
	*e = (struct hstack){h, p->nspcs, (uint32_t)n, (uint32_t)++p->hn};
	p->nspcs += n;
	p->stacks = grow(p->stacks, &p->stcap, p->nstacks + 1, sizeof(*p->stacks));
	p->stacks[p->nstacks++] = (struct lt_heap_stack){
		.id = e->id - 1, .pcs = (const uint64_t *)(uintptr_t)e->off, .depth = (uint32_t)n};
	return e->id - 1;
}

static int64_t nonneg(int64_t v)
{
	return v < 0 ? 0 : v;
}

/* Raw samples behind count weighted objects of avg bytes each (the
 * inverse of the weighting pprof applies). */
static uint32_t raw_samples(int64_t count, int64_t bytes, uint64_t rate)
{
	double s;

	if (count <= 0 || bytes <= 0)
		return 0;
	s = rate > 1 ? 1 - exp(-((double)bytes / (double)count) / (double)rate) : 1;
	s = ceil((double)count * s);
	return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

static int heap_samples(lt_pprof *p, const Profile *pr, const struct byid *lid,
			const uint64_t *lpcs, struct lt_heap_batch *out, lt_err *err)
{
	int ao = value_index(pr, "alloc_objects"), as = value_index(pr, "alloc_space");
	int io = value_index(pr, "inuse_objects"), is = value_index(pr, "inuse_space");
	int maxi = ao > as ? ao : as;
	uint64_t pcs[MAX_DEPTH];

	maxi = io > maxi ? io : maxi;
	maxi = is > maxi ? is : maxi;
	memset(out, 0, sizeof(*out));
	p->nsites = p->nstacks = 0;  /* one heap profile per tick */
	if (ao < 0 || as < 0 || io < 0 || is < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "not a heap profile (no inuse_space, alloc_space ...)");
		return -1;
	}
	if (pr->period > 0)
		p->rate = (uint64_t)pr->period;
	for (size_t i = 0; i < pr->n_sample; i++) {
		const Perftools__Profiles__Sample *s = pr->sample[i];
		size_t depth = sample_pcs(s, lid, lpcs, pcs), need;
		struct lt_heap_site *site;
		uint32_t id;

		if (!depth || s->n_value <= (size_t)maxi)
			continue;
		id = heap_stack(p, pcs, depth);
		need = (size_t)id + 1;
		if (need > p->site_of_cap) {
			size_t old = p->site_of_cap;

			p->site_of = grow(p->site_of, &p->site_of_cap, need, sizeof(uint32_t));
			memset(p->site_of + old, 0, (p->site_of_cap - old) * sizeof(uint32_t));
		}
		/* Go keeps a bucket per stack and size: one site per stack. */
		if (!p->site_of[id]) {
			p->sites = grow(p->sites, &p->sitecap, p->nsites + 1, sizeof(*p->sites));
			memset(&p->sites[p->nsites], 0, sizeof(*p->sites));
			p->sites[p->nsites].id = id;
			p->site_of[id] = (uint32_t)++p->nsites;
		}
		site = &p->sites[p->site_of[id] - 1];
		site->live_count += nonneg(s->value[io]);
		site->live_bytes += nonneg(s->value[is]);
		site->alloc_count += nonneg(s->value[ao]);
		site->alloc_bytes += nonneg(s->value[as]);
	}
	for (size_t i = 0; i < p->nsites; i++) {
		struct lt_heap_site *site = &p->sites[i];
		uint32_t freed;

		p->site_of[site->id] = 0;
		if (site->live_count > site->alloc_count)
			site->live_count = site->alloc_count;
		if (site->live_bytes > site->alloc_bytes)
			site->live_bytes = site->alloc_bytes;
		site->free_count = site->alloc_count - site->live_count;
		site->free_bytes = site->alloc_bytes - site->live_bytes;
		site->samples = raw_samples(site->alloc_count, site->alloc_bytes, p->rate);
		freed = raw_samples(site->free_count, site->free_bytes, p->rate);
		site->samples_freed = freed < site->samples ? freed : site->samples;
	}
	for (size_t i = 0; i < p->nstacks; i++)
		p->stacks[i].pcs = p->spcs + (uintptr_t)p->stacks[i].pcs;
	out->stacks = p->stacks;
	out->nstacks = p->nstacks;
	out->sites = p->sites;
	out->n = p->nsites;
	out->sample_rate = p->rate;
	return 0;
}

int lt_pprof_decode(lt_pprof *p, const char *kind, const unsigned char *body,
		    size_t len, struct lt_pprof_tick *out, lt_err *err)
{
	int heap = !strcmp(kind, "heap");
	unsigned char *raw;
	size_t rawlen;
	Profile *pr;
	struct byid lid;
	uint64_t *ids, *lpcs;
	struct locfn *lf;
	int rc = 0;

	if (gunzip(body, len, &raw, &rawlen, err) < 0)
		return -1;
	pr = perftools__profiles__profile__unpack(NULL, rawlen, raw);
	free(raw);
	if (!pr) {
		lt_err_set(err, LT_EXIT_TARGET, "not a valid profile.proto (%zu bytes)", rawlen);
		return -1;
	}
	if (p->msg[heap])
		perftools__profiles__profile__free_unpacked(p->msg[heap], NULL);
	p->msg[heap] = pr;
	ids = lt_xmalloc((pr->n_location ? pr->n_location : 1) * sizeof(uint64_t));
	lpcs = lt_xmalloc((pr->n_location ? pr->n_location : 1) * sizeof(uint64_t));
	lf = lt_xmalloc((pr->n_location ? pr->n_location : 1) * sizeof(*lf));
	for (size_t i = 0; i < pr->n_location; i++)
		ids[i] = pr->location[i]->id;
	byid_make(&lid, ids, pr->n_location);
	free(ids);
	if (frames(p, pr, lpcs, lf, err) < 0) {
		rc = -1;
	} else if (heap) {
		rc = heap_samples(p, pr, &lid, lpcs, &out->heap, err);
		out->have_heap = rc == 0;
	} else if (value_index(pr, "goroutine") < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "not a goroutine profile");
		rc = -1;
	} else {
		go_samples(p, pr, &lid, lpcs, lf, &out->go);
		out->have_go = 1;
	}
	byid_free(&lid);
	free(lpcs);
	free(lf);
	/* lines may have moved: every frame points into it again */
	for (size_t i = 0; i < p->nframes; i++)
		p->frames[i].lines = p->lines + p->line_off[i];
	out->frames = p->frames;
	out->nframes = p->nframes;
	return rc;
}

static int fetch(lt_pprof *p, const char *kind, const char *query,
		 struct lt_pprof_tick *out, char *why, size_t wl)
{
	char path[32];
	unsigned char *body;
	size_t len;
	lt_err err = {0};
	int rc;

	snprintf(path, sizeof(path), "/%s%s", kind, query);
	if (lt_httpget(&p->url, path, LT_PPROF_MAX_BODY, TIMEOUT_S, &body, &len, &err) < 0) {
		snprintf(why, wl, "%.60s%.12s: %.170s", p->url.path, path, err.msg);
		return -1;
	}
	rc = lt_pprof_decode(p, kind, body, len, out, &err);
	free(body);
	if (rc < 0)
		snprintf(why, wl, "%.60s%.12s: %.170s", p->url.path, path, err.msg);
	return rc;
}

int lt_pprof_sample(lt_pprof *p, int gc, struct lt_pprof_tick *out, lt_err *err)
{
	double t0 = lt_clock_mono();
	int a, b;

	reset(p);
	memset(out, 0, sizeof(*out));
	a = fetch(p, "goroutine", "", out, out->go_err, sizeof(out->go_err));
	out->go.elapsed_ns = (int64_t)((lt_clock_mono() - t0) * 1e9);
	/* ?gc=1: Go's handler runs runtime.GC() first, which publishes the
	 * cycle it completes; without it the counts are as of the GC before
	 * the last one (mprof.go publishes a cycle at the next one's mark
	 * termination). */
	b = fetch(p, "heap", gc ? "?gc=1" : "", out, out->heap_err, sizeof(out->heap_err));
	if (a < 0 && b < 0) {
		lt_err_set(err, LT_EXIT_TARGET, "%s", out->go_err);
		return -1;
	}
	return 0;
}
