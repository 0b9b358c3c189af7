/* Frames of text lines with styled spans: what every screen draws into. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lt_err.h"
#include "view_int.h"

void vf_reset(struct lt_vframe *f, int rows, int cols)
{
	if (rows < 0)
		rows = 0;
	if (cols < 0)
		cols = 0;
	if (rows > f->lines_cap) {
		f->lines = lt_xrealloc(f->lines, (size_t)rows * sizeof(*f->lines));
		memset(f->lines + f->lines_cap, 0,
		       (size_t)(rows - f->lines_cap) * sizeof(*f->lines));
		f->lines_cap = rows;
	}
	f->rows = rows;
	f->cols = cols;
	for (int y = 0; y < rows; y++) {
		struct lt_vline *l = &f->lines[y];
		/* A glyph is at most 3 bytes (the block and box characters). */
		size_t need = (size_t)cols * 3 + 1;

		if (l->cap < need) {
			l->text = lt_xrealloc(l->text, need);
			l->cap = need;
		}
		l->width = cols;
		vf_reset_line(l);
	}
}

void vf_reset_line(struct lt_vline *l)
{
	l->len = 0;
	l->text[0] = '\0';
	l->cols = 0;
	l->nspans = 0;
}

struct lt_vline *vf_line(struct lt_vframe *f, int y)
{
	return &f->lines[y];
}

static void put_byte(struct lt_vline *l, char c)
{
	l->text[l->len++] = c;
	l->text[l->len] = '\0';
	l->cols++;
}

void vl_puts(struct lt_vline *l, int maxcol, const char *s)
{
	for (; s && *s && l->cols < maxcol; s++) {
		unsigned char c = (unsigned char)*s;

		put_byte(l, c < 0x20 || c >= 0x7f ? '?' : (char)c);
	}
}

int vl_whole(struct lt_vline *l, int maxcol, const char *s)
{
	if (l->cols + (int)strlen(s) > maxcol)
		return 0;
	vl_puts(l, maxcol, s);
	return 1;
}

void vl_printf(struct lt_vline *l, int maxcol, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	vl_puts(l, maxcol, buf);
}

void vl_glyph(struct lt_vline *l, int maxcol, int ascii, const char *utf8,
	      char fallback)
{
	size_t n = strlen(utf8);

	if (l->cols >= maxcol)
		return;
	if (ascii || n > 3) {
		put_byte(l, fallback);
		return;
	}
	memcpy(l->text + l->len, utf8, n);
	l->len += n;
	l->text[l->len] = '\0';
	l->cols++;
}

void vl_pad(struct lt_vline *l, int col)
{
	while (l->cols < col)
		put_byte(l, ' ');
}

void vl_span(struct lt_vline *l, int col, int width, int style)
{
	if (col + width > l->width)
		width = l->width - col;
	if (width <= 0 || col < 0)
		return;
	if (l->nspans == l->scap) {
		l->scap = l->scap ? l->scap * 2 : 8;
		l->spans = lt_xrealloc(l->spans, l->scap * sizeof(*l->spans));
	}
	l->spans[l->nspans++] = (struct lt_vspan){col, width, style};
}

void vl_rjust(struct lt_vline *l, int maxcol, const char *s, int width)
{
	int n = (int)strlen(s);

	if (n < width)
		vl_pad(l, l->cols + width - n < maxcol ? l->cols + width - n : maxcol);
	vl_puts(l, maxcol, s);
}

void vl_spark_values(struct lt_vline *l, int maxcol, int ascii,
		     const double *vals, const int *have, size_t n, int width)
{
	static const char *const bars[] = {"\xe2\x96\x81", "\xe2\x96\x82",
		"\xe2\x96\x83", "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
		"\xe2\x96\x87", "\xe2\x96\x88"};
	static const char ascii_bars[] = "_.:-=+*#";
	double lo = INFINITY, hi = -INFINITY;

	for (size_t i = 0; i < n; i++)
		if (have[i]) {
			lo = fmin(lo, vals[i]);
			hi = fmax(hi, vals[i]);
		}
	/* Fewer points than columns: one column per point, left-aligned at
	 * the right end so the newest value is always the last column. */
	if ((size_t)width > n) {
		vl_pad(l, l->cols + width - (int)n < maxcol ? l->cols + width - (int)n : maxcol);
		width = (int)n;
	}
	for (int c = 0; c < width; c++) {
		size_t a = n <= (size_t)width ? (size_t)c : (size_t)c * n / (size_t)width;
		size_t b = n <= (size_t)width ? a + 1 : ((size_t)c + 1) * n / (size_t)width;
		double v = 0;
		int any = 0, level;

		/* The last value of each bucket: a sparkline of levels. */
		for (size_t i = a; i < b && i < n; i++)
			if (have[i]) {
				v = vals[i];
				any = 1;
			}
		if (!any) {
			vl_puts(l, maxcol, " ");
			continue;
		}
		level = hi > lo ? (int)floor((v - lo) / (hi - lo) * 7.999) : 0;
		level = level < 0 ? 0 : level > 7 ? 7 : level;
		vl_glyph(l, maxcol, ascii, bars[level], ascii_bars[level]);
	}
}

void vl_spark_metric(struct lt_vline *l, int maxcol, int ascii,
		     const lt_model *m, int id, size_t from, size_t to,
		     int width)
{
	size_t n = to >= from ? to - from + 1 : 0;
	double *vals;
	int *have;

	if (!n || width <= 0) {
		vl_pad(l, l->cols + width < maxcol ? l->cols + width : maxcol);
		return;
	}
	vals = lt_xmalloc(n * sizeof(*vals));
	have = lt_xmalloc(n * sizeof(*have));
	for (size_t i = 0; i < n; i++) {
		const struct lt_sample *s = lt_model_tick(m, from + i);

		have[i] = lt_sample_has(s, id);
		vals[i] = (double)s->v[id];
	}
	vl_spark_values(l, maxcol, ascii, vals, have, n, width);
	free(vals);
	free(have);
}

void vf_free(struct lt_vframe *f)
{
	for (int y = 0; y < f->lines_cap; y++) {
		free(f->lines[y].text);
		free(f->lines[y].spans);
	}
	free(f->lines);
	memset(f, 0, sizeof(*f));
}

void vl_copy(struct lt_vline *dst, int maxcol, const struct lt_vline *src)
{
	int x = dst->cols;

	vl_puts(dst, maxcol, src->text);
	for (size_t i = 0; i < src->nspans; i++)
		vl_span(dst, x + src->spans[i].col, src->spans[i].width,
			src->spans[i].style);
}

int lt_vframe_print(const struct lt_vframe *f, FILE *out)
{
	for (int y = 0; y < f->rows; y++) {
		const struct lt_vline *l = &f->lines[y];
		size_t n = l->len;

		while (n && l->text[n - 1] == ' ')
			n--;
		if (fwrite(l->text, 1, n, out) != n || fputc('\n', out) == EOF)
			return -1;
	}
	return fflush(out) == 0 ? 0 : -1;
}

/* The next line of text wrapped at width w: its length, and where the
 * line after it starts (spaces at the break are dropped). */
static size_t wrap_next(const char *s, size_t w, const char **rest)
{
	size_t n = strlen(s), cut;

	if (n <= w || !w) {   /* no room at all: the rest is dropped */
		*rest = s + n;
		return n;
	}
	for (cut = w; cut > 0 && s[cut] != ' '; cut--)
		;
	if (!cut)
		cut = w;  /* one word longer than the line */
	*rest = s + cut;
	while (**rest == ' ')
		(*rest)++;
	while (cut && s[cut - 1] == ' ')
		cut--;
	return cut;
}

int vf_wrap_rows(int cols, int indent, const char *text)
{
	int rows = 0;

	if (cols <= indent + 1)
		return 1;
	while (*text || !rows) {
		size_t w = (size_t)(rows ? cols - indent : cols);

		wrap_next(text, w, &text);
		rows++;
	}
	return rows;
}

int vf_wrap(struct lt_vframe *f, int y, int y1, int indent, const char *text,
	    int style)
{
	int rows = 0;
	char buf[1024];

	if (f->cols <= indent + 1)
		indent = 0;
	while (y + rows < y1 && (*text || !rows)) {
		struct lt_vline *l = vf_line(f, y + rows);
		size_t w = (size_t)(rows ? f->cols - indent : f->cols);
		const char *s = text;
		size_t n = wrap_next(s, w, &text);

		if (n >= sizeof(buf))
			n = sizeof(buf) - 1;
		memcpy(buf, s, n);
		buf[n] = '\0';
		if (rows)
			vl_pad(l, indent);
		vl_puts(l, f->cols, buf);
		vl_span(l, 0, l->cols, style);
		rows++;
	}
	return rows;
}
