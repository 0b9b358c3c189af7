#include "lt_stacktab.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "lt_err.h"

/* Open-addressing hash maps from key to index + 1 (0 = empty slot). */
struct map {
	size_t *slot;
	size_t cap; /* power of two */
};

struct lt_stacktab {
	struct lt_frame *frames;
	size_t nframes, frames_cap;
	struct lt_stack *stacks;
	size_t nstacks, stacks_cap;
	struct map by_pc, by_stack;
};

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return h;
}

lt_stacktab *lt_stacktab_new(void)
{
	return lt_xcalloc(1, sizeof(lt_stacktab));
}

void lt_stacktab_free(lt_stacktab *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nframes; i++) {
		struct lt_frame *f = &t->frames[i];

		for (size_t k = 0; k < f->nsyms; k++) {
			free(f->syms[k].function);
			free(f->syms[k].file);
		}
		free(f->syms);
		free(f->module);
		free(f->build_id);
	}
	for (size_t i = 0; i < t->nstacks; i++)
		free(t->stacks[i].frames);
	free(t->frames);
	free(t->stacks);
	free(t->by_pc.slot);
	free(t->by_stack.slot);
	free(t);
}

static uint64_t frame_key(const lt_stacktab *t, size_t i)
{
	return t->frames[i].pc;
}

static uint64_t stack_key(const lt_stacktab *t, size_t i)
{
	return t->stacks[i].hash;
}

/* Grows m to hold n entries at most half full, rehashing with key(). */
static void map_reserve(const lt_stacktab *t, struct map *m, size_t n,
			uint64_t (*key)(const lt_stacktab *, size_t))
{
	size_t cap = m->cap ? m->cap : 64;
	size_t *slot;

	if (n * 2 <= m->cap)
		return;
	while (n * 2 > cap)
		cap *= 2;
	slot = lt_xcalloc(cap, sizeof(*slot));
	for (size_t i = 0; i < m->cap; i++) {
		size_t v = m->slot[i], h;

		if (!v)
			continue;
		for (h = mix(key(t, v - 1)) & (cap - 1); slot[h]; h = (h + 1) & (cap - 1))
			;
		slot[h] = v;
	}
	free(m->slot);
	m->slot = slot;
	m->cap = cap;
}

size_t lt_stacktab_frame_find(const lt_stacktab *t, uint64_t pc)
{
	if (!t->by_pc.cap)
		return LT_NONE;
	for (size_t h = mix(pc) & (t->by_pc.cap - 1); t->by_pc.slot[h];
	     h = (h + 1) & (t->by_pc.cap - 1))
		if (t->frames[t->by_pc.slot[h] - 1].pc == pc)
			return t->by_pc.slot[h] - 1;
	return LT_NONE;
}

static char *dup_or_null(const char *s)
{
	return s ? lt_xstrdup(s) : NULL;
}

size_t lt_stacktab_frame_add(lt_stacktab *t, uint64_t pc, const char *module,
			     const char *build_id, uint64_t module_addr,
			     const struct lt_frame_sym *syms, size_t nsyms)
{
	size_t i = lt_stacktab_frame_find(t, pc), h;
	struct lt_frame *f;

	if (i != LT_NONE)
		return i;
	if (t->nframes == t->frames_cap) {
		t->frames_cap = t->frames_cap ? t->frames_cap * 2 : 256;
		t->frames = lt_xrealloc(t->frames, t->frames_cap * sizeof(*f));
	}
	i = t->nframes++;
	f = &t->frames[i];
	f->pc = pc;
	f->module = dup_or_null(module);
	f->build_id = dup_or_null(build_id);
	f->module_addr = module_addr;
	f->nsyms = nsyms ? nsyms : 1;
	f->syms = lt_xcalloc(f->nsyms, sizeof(*f->syms));
	for (size_t k = 0; k < nsyms; k++) {
		f->syms[k].function = dup_or_null(syms[k].function);
		f->syms[k].file = dup_or_null(syms[k].file);
		f->syms[k].line = syms[k].line;
	}
	map_reserve(t, &t->by_pc, t->nframes, frame_key);
	for (h = mix(pc) & (t->by_pc.cap - 1); t->by_pc.slot[h];
	     h = (h + 1) & (t->by_pc.cap - 1))
		;
	t->by_pc.slot[h] = i + 1;
	return i;
}

static uint64_t hash_frames(const size_t *frames, size_t depth)
{
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15) ^ depth;

	for (size_t i = 0; i < depth; i++)
		h = mix(h ^ (uint64_t)frames[i]) + i;
	return h;
}

size_t lt_stacktab_stack_intern(lt_stacktab *t, const size_t *frames,
				size_t depth)
{
	uint64_t hash = hash_frames(frames, depth);
	struct lt_stack *s;
	size_t i, h;

	if (t->by_stack.cap) {
		for (h = mix(hash) & (t->by_stack.cap - 1); t->by_stack.slot[h];
		     h = (h + 1) & (t->by_stack.cap - 1)) {
			s = &t->stacks[t->by_stack.slot[h] - 1];
			if (s->hash == hash && s->depth == depth &&
			    !memcmp(s->frames, frames, depth * sizeof(*frames)))
				return t->by_stack.slot[h] - 1;
		}
	}
	if (t->nstacks == t->stacks_cap) {
		t->stacks_cap = t->stacks_cap ? t->stacks_cap * 2 : 64;
		t->stacks = lt_xrealloc(t->stacks, t->stacks_cap * sizeof(*s));
	}
	i = t->nstacks++;
	s = &t->stacks[i];
	s->hash = hash;
	s->depth = depth;
	s->frames = lt_xmalloc((depth ? depth : 1) * sizeof(*frames));
	memcpy(s->frames, frames, depth * sizeof(*frames));
	map_reserve(t, &t->by_stack, t->nstacks, stack_key);
	for (h = mix(hash) & (t->by_stack.cap - 1); t->by_stack.slot[h];
	     h = (h + 1) & (t->by_stack.cap - 1))
		;
	t->by_stack.slot[h] = i + 1;
	return i;
}

size_t lt_stacktab_frame_count(const lt_stacktab *t)
{
	return t->nframes;
}

size_t lt_stacktab_stack_count(const lt_stacktab *t)
{
	return t->nstacks;
}

const struct lt_frame *lt_stacktab_frame(const lt_stacktab *t, size_t i)
{
	return &t->frames[i];
}

const struct lt_stack *lt_stacktab_stack(const lt_stacktab *t, size_t i)
{
	return i < t->nstacks ? &t->stacks[i] : NULL;
}

/* Frames every thread or allocation passes through: naming them says
 * nothing about who is stuck or who allocates. */
static int is_plumbing(const char *fn)
{
	static const char *const names[] = {
		"start_thread", "clone", "clone3", "__clone", "__clone3",
		"__libc_start_main", "__libc_start_call_main", "_start",
		"__GI___clone", "__GI___clone3",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(fn, names[i]))
			return 1;
	return 0;
}

/* Functions of libc and libpthread that block or wrap syscalls: the caller
 * of these is what a reader wants to see. */
static int in_libc(const struct lt_frame *f)
{
	const char *base;

	if (!f->module)
		return 0;
	base = strrchr(f->module, '/');
	base = base ? base + 1 : f->module;
	return !strncmp(base, "libc.so", 7) || !strncmp(base, "libc-", 5) ||
	       !strncmp(base, "libpthread", 10) || !strncmp(base, "ld-linux", 8);
}

size_t lt_stacktab_top_frame(const lt_stacktab *t, size_t s)
{
	const struct lt_stack *st = &t->stacks[s];
	size_t fallback = LT_NONE;

	for (size_t i = 0; i < st->depth; i++) {
		const struct lt_frame *f = &t->frames[st->frames[i]];
		const char *fn = f->syms[0].function;

		if (!fn || is_plumbing(fn))
			continue;
		if (fallback == LT_NONE)
			fallback = st->frames[i];
		if (!in_libc(f))
			return st->frames[i];
	}
	return fallback;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

char *lt_stacktab_frame_label(const lt_stacktab *t, size_t f, char *buf,
			      size_t len)
{
	const struct lt_frame *fr = &t->frames[f];
	const struct lt_frame_sym *y = &fr->syms[0];
	const char *mod = fr->module ? base_name(fr->module) : "?";

	if (y->function && y->file && y->line > 0)
		snprintf(buf, len, "%s (%s:%d)", y->function, base_name(y->file), y->line);
	else if (y->function)
		snprintf(buf, len, "%s (%s)", y->function, mod);
	else
		snprintf(buf, len, "0x%llx (%s)", (unsigned long long)fr->pc, mod);
	return buf;
}

char *lt_stacktab_describe(const lt_stacktab *t, size_t s, char *buf,
			   size_t len)
{
	const struct lt_stack *st;
	size_t top, outer = LT_NONE;
	char a[256];

	if (s == LT_NONE || s >= t->nstacks) {
		snprintf(buf, len, "(no stack)");
		return buf;
	}
	st = &t->stacks[s];
	top = lt_stacktab_top_frame(t, s);
	/* The thread's own entry function (worker_main), not the plumbing
	 * that started it (start_thread, clone3). */
	for (size_t i = st->depth; i-- > 0;) {
		const struct lt_frame *f = &t->frames[st->frames[i]];
		const char *fn = f->syms[0].function;

		if (fn && !is_plumbing(fn) && !in_libc(f)) {
			outer = st->frames[i];
			break;
		}
	}
	if (top == LT_NONE && st->depth)
		top = st->frames[0];
	if (top == LT_NONE) {
		snprintf(buf, len, "(empty stack)");
		return buf;
	}
	lt_stacktab_frame_label(t, top, a, sizeof(a));
	if (outer != LT_NONE && outer != top)
		snprintf(buf, len, "%s <- %s", a, t->frames[outer].syms[0].function);
	else
		snprintf(buf, len, "%s", a);
	return buf;
}

/* The C++ runtime's own layers between a program and malloc: templates
 * instantiated in the program (std::vector, allocators) and operator new
 * are not where a leak is fixed. */
static int is_runtime(const char *fn)
{
	return !strncmp(fn, "std::", 5) || !strncmp(fn, "__gnu_cxx::", 11) ||
	       !strncmp(fn, "operator new", 12) || !strncmp(fn, "__cxa_", 6);
}

/* A shared object by its file name: "libz.so.1", "libfoo-2.3.so". */
static int is_shared_object(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;

	b = b ? b + 1 : path;
	return b && strstr(b, ".so") != NULL;
}

char *lt_stacktab_describe_alloc(const lt_stacktab *t, size_t s, char *buf,
				 size_t len)
{
	const struct lt_stack *st;
	size_t top, caller = LT_NONE, at = 0, sym = 0;
	char a[256], b[256];

	if (s == LT_NONE || s >= t->nstacks || !t->stacks[s].depth)
		return lt_stacktab_describe(t, s, buf, len);
	st = &t->stacks[s];
	top = lt_stacktab_top_frame(t, s);
	if (top == LT_NONE)
		top = st->frames[0];
	while (at < st->depth && st->frames[at] != top)
		at++;
	/* Seed story 4: the leak was deep in a library, the fix in the
	 * program that called it.  From library code, name the first frame
	 * of the program itself; from program code, its direct caller.  In
	 * a frame, inlined functions come first: the first that is the
	 * program's own (not a std:: template inlined into it) counts. */
	for (size_t i = at + 1; i < st->depth && caller == LT_NONE; i++) {
		const struct lt_frame *f = &t->frames[st->frames[i]];

		if (in_libc(f) || (is_shared_object(t->frames[top].module) &&
				   is_shared_object(f->module)))
			continue;
		for (size_t k = 0; k < f->nsyms; k++) {
			const char *fn = f->syms[k].function;

			if (fn && !is_plumbing(fn) && !is_runtime(fn)) {
				caller = st->frames[i];
				sym = k;
				break;
			}
		}
	}
	lt_stacktab_frame_label(t, top, a, sizeof(a));
	if (caller == LT_NONE) {
		snprintf(buf, len, "%s", a);
		return buf;
	}
	{
		const struct lt_frame *f = &t->frames[caller];
		const struct lt_frame_sym *y = &f->syms[sym];
		const char *file = y->file ? strrchr(y->file, '/') : NULL;

		file = file ? file + 1 : y->file;
		if (file && y->line > 0)
			snprintf(b, sizeof(b), "%s (%s:%d)", y->function, file, y->line);
		else
			lt_stacktab_frame_label(t, caller, b, sizeof(b));
	}
	snprintf(buf, len, "%s <- %s", a, b);
	return buf;
}
