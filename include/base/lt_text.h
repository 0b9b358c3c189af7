/* Bounded reading and parsing of text the target controls (/proc and cgroup
 * files): reads that stop at a cap, lines that may be cut short, numbers
 * that may not fit.  Everything works on (pointer, length) spans; nothing
 * here relies on a terminating NUL. */
#ifndef LT_TEXT_H
#define LT_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- lines ---- */

/* A cursor over buf[0..len).  Set it with lt_lines_init (or the initialiser
 * {buf, buf + len}); it borrows buf, which must outlive it. */
struct lt_lines {
	const char *p, *end;
};

/* Points it at buf[0..len).  This function can't fail. */
void lt_lines_init(struct lt_lines *it, const char *buf, size_t len);

/* Sets *line and *len to the next newline-terminated line (without the
 * newline; it points into the buffer) and returns 1; returns 0 at the end.
 * An unterminated tail is never returned: a read cut short must not turn
 * "1234 kB" into "12". */
int lt_lines_next(struct lt_lines *it, const char **line, size_t *len);

/* ---- numbers ---- */

/* Parses the decimal digits at s[*i..n), advancing *i past them.  No sign
 * is accepted.  Returns 0, or -1 when there are no digits or the value does
 * not fit int64_t; on failure *i and *out are unchanged. */
int lt_text_dec(const char *s, size_t n, size_t *i, int64_t *out);

/* A decimal that is all of s[0..n): no sign, no spaces, fits int64_t.
 * Returns 0, or -1 with *out unchanged. */
int lt_text_dec_all(const char *s, size_t n, int64_t *out);

/* Parses the hex digits (either case, no "0x") at s[*i..n), advancing *i
 * past them.  Returns 0, or -1 when there are none or the value does not
 * fit uint64_t; on failure *i and *out are unchanged. */
int lt_text_hex(const char *s, size_t n, size_t *i, uint64_t *out);

/* ---- spans ---- */

/* Advances *i past spaces and tabs in s[0..n).  This function can't fail. */
void lt_text_skip_blanks(const char *s, size_t n, size_t *i);

/* 1 if s[0..n) is exactly the string lit, else 0. */
int lt_text_span_eq(const char *s, size_t n, const char *lit);

/* 1 if s[0..n) starts with the string prefix, else 0. */
int lt_text_has_prefix(const char *s, size_t n, const char *prefix);

/* For a "Key:<blanks>value" line (the /proc status format): if the line's
 * key is exactly key, sets *value to the index of the value (== len when
 * the value is empty) and returns 1; otherwise returns 0. */
int lt_text_key(const char *line, size_t len, const char *key,
		size_t *value);

/* A malloc'd NUL-terminated copy of s[0..n); the caller frees it.  Aborts
 * on out-of-memory (lt_xmalloc), never returns NULL. */
char *lt_text_span_dup(const char *s, size_t n);

/* ---- bounded reads ---- */

/* Reads name (relative to dirfd; AT_FDCWD or an absolute name work too)
 * into buf, at most cap bytes; the rest of a longer file is not read.  The
 * data is not NUL-terminated.  Returns the length (== cap means the file may
 * have been cut), or -1 with errno set (ENOENT for a missing file, ESRCH
 * for a process that died, ...). */
ssize_t lt_text_read_at(int dirfd, const char *name, char *buf, size_t cap);

/* A reusable read buffer that grows on demand.  Zero-initialise it
 * (struct lt_text_buf b = {0}); release it with lt_text_buf_free. */
struct lt_text_buf {
	char *p;    /* owned; NULL until the first read */
	size_t cap; /* bytes allocated at p */
};

/* Like lt_text_read_at, but into b->p, growing b (by doubling) up to max
 * bytes; a longer file is cut at max and the length returned is then max.
 * When the buffer fills, the file is read again from the start into the
 * larger one, so the bytes always come from a single open.  The data is
 * not NUL-terminated.  Returns the length, or -1 with errno set; b stays
 * valid and reusable either way.  Aborts on out-of-memory. */
ssize_t lt_text_read_grow(int dirfd, const char *name, struct lt_text_buf *b,
			  size_t max);

/* Frees b's memory and leaves it zeroed, ready for reuse; NULL-safe. */
void lt_text_buf_free(struct lt_text_buf *b);

#endif
