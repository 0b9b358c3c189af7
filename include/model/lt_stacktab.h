/* Interned frames and stacks, shared by every source that has call stacks
 * (thread groups now, heap sites next).
 *
 * A frame is one code address of the target with its symbols (one entry per
 * inlined function, innermost first); a stack is an ordered list of frames,
 * innermost first, interned by content so equal stacks share one index.
 * Indexes are stable for the table's life and dense from 0, so a writer can
 * persist "everything from index N on". */
#ifndef LT_STACKTAB_H
#define LT_STACKTAB_H

#include <stddef.h>
#include <stdint.h>

#define LT_NONE ((size_t)-1)

struct lt_frame_sym {
	char *function;  /* NULL when unknown */
	char *file;      /* NULL when unknown */
	int line;        /* 0 when unknown */
};

struct lt_frame {
	uint64_t pc;          /* absolute address in the target */
	char *module;         /* path of the mapped file, NULL if none */
	char *build_id;       /* hex, NULL if unknown */
	uint64_t module_addr; /* pc relative to the module, or pc */
	size_t nsyms;         /* >= 1 */
	struct lt_frame_sym *syms; /* innermost (inlined) first */
};

struct lt_stack {
	uint64_t hash;
	size_t depth;
	size_t *frames;       /* frame indexes, innermost first */
};

typedef struct lt_stacktab lt_stacktab;

lt_stacktab *lt_stacktab_new(void);       /* never NULL */
void lt_stacktab_free(lt_stacktab *t);    /* NULL-safe */

/* Index of the frame at pc, or LT_NONE. */
size_t lt_stacktab_frame_find(const lt_stacktab *t, uint64_t pc);

/* Adds the frame at pc (strings and syms are copied; nsyms 0 records one
 * unknown symbol) and returns its index; if pc is already known its
 * existing index is returned and nothing changes. */
size_t lt_stacktab_frame_add(lt_stacktab *t, uint64_t pc, const char *module,
			     const char *build_id, uint64_t module_addr,
			     const struct lt_frame_sym *syms, size_t nsyms);

/* Index of the stack made of frames[0..depth) (copied), interning it. */
size_t lt_stacktab_stack_intern(lt_stacktab *t, const size_t *frames,
				size_t depth);

size_t lt_stacktab_frame_count(const lt_stacktab *t);
size_t lt_stacktab_stack_count(const lt_stacktab *t);
const struct lt_frame *lt_stacktab_frame(const lt_stacktab *t, size_t i);
/* NULL for an index out of range (LT_NONE included). */
const struct lt_stack *lt_stacktab_stack(const lt_stacktab *t, size_t i);

/* The "who" of stack s: its innermost frame with a known function that is
 * neither in libc (the read() a thread blocks in) nor thread plumbing
 * (start_thread, clone, __libc_start_main ...); failing that, the innermost
 * named frame.  Returns the frame index or LT_NONE. */
size_t lt_stacktab_top_frame(const lt_stacktab *t, size_t s);



/* "fn (file:line)", "fn (module)" or "0x7f.. (module)" for frame f, using
 * its innermost symbol and the base name of files and modules.  Returns
 * buf.  This function can't fail (truncates). */
char *lt_stacktab_frame_label(const lt_stacktab *t, size_t f, char *buf,
			      size_t len);

/* One line for stack s: the label of its top frame (lt_stacktab_top_frame)
 * and, when different, " <- " and its outermost function outside libc and
 * thread plumbing (the thread's entry point), e.g.
 * "zk_watch_loop (watch.c:88) <- watcher_main".  "(no stack)" for LT_NONE.
 * Returns buf. */
char *lt_stacktab_describe(const lt_stacktab *t, size_t s, char *buf,
			   size_t len);
/* One line for an allocation stack s: the label of its top frame and,
 * after " <- ", the label of its caller; when the top frame is in a
 * shared library, the first frame further out in the program itself
 * ("deflateInit2_ (libz.so.1) <- open_stream (server.c:42)"), so a leak
 * inside a library points at the code that can fix it.  Returns buf. */
char *lt_stacktab_describe_alloc(const lt_stacktab *t, size_t s, char *buf,
				 size_t len);
#endif
