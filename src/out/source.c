/* Source lines for the source view (lt_source.h): the file first, since
 * it may be newer than what the session kept, then the session's. */
#include "lt_source.h"

#include <stdlib.h>
#include <string.h>

int lt_source_read(const lt_model *m, const char *file, pid_t pid, int line,
		   int context, struct lt_source_lines *out, lt_err *err)
{
	const struct lt_srcsnip *p;
	int from, to;

	if (lt_srcfile_read(file, pid, line, context, out, err) == 0)
		return 0;
	p = m && file && line > 0 ? lt_srctext_find(lt_model_srctext_c(m), file, line) : NULL;
	if (!p)
		return -1;
	from = line - context < p->first ? p->first : line - context;
	to = line + context > p->first + p->n - 1 ? p->first + p->n - 1 : line + context;
	out->first = from;
	out->text = lt_xcalloc((size_t)(to - from + 1), sizeof(char *));
	for (int k = from; k <= to; k++)
		out->text[out->n++] = lt_xstrdup(p->lines[k - p->first]);
	out->path = lt_xstrdup(file);
	out->kept = 1;
	return 0;
}

void lt_source_free(struct lt_source_lines *s)
{
	lt_srcfile_free(s);
}
