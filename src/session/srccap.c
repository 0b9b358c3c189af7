/* Keeping the source lines a session's stacks name (lt_srccap.h). */
#include "lt_srccap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lt_clock.h"
#include "lt_err.h"
#include "lt_srcfile.h"

/* Longest a scan may read files in one tick; the rest waits for the next
 * tick (a new group can bring a hundred frames). */
#define SCAN_BUDGET_S 0.05

static uint64_t hash(const char *file, int line)
{
	uint64_t h = 1469598103934665603ULL;

	while (*file)
		h = (h ^ (unsigned char)*file++) * 1099511628211ULL;
	h = (h ^ (uint64_t)(unsigned)line) * 1099511628211ULL;
	return h ? h : 1;
}

/* Whether h is in the seen set. */
static int has(const struct lt_srccap *c, uint64_t h)
{
	for (size_t i = c->cap ? h & (c->cap - 1) : 0; c->cap && c->seen[i];
	     i = (i + 1) & (c->cap - 1))
		if (c->seen[i] == h)
			return 1;
	return 0;
}

/* Adds h to the seen set; returns 1 when it was there already. */
static int seen(struct lt_srccap *c, uint64_t h)
{
	size_t i;

	if (has(c, h))
		return 1;
	if (2 * (c->used + 1) > c->cap) {
		size_t ncap = c->cap ? 2 * c->cap : 1024;
		uint64_t *n = lt_xcalloc(ncap, sizeof(*n));

		for (size_t k = 0; k < c->cap; k++) {
			if (!c->seen[k])
				continue;
			i = c->seen[k] & (ncap - 1);
			while (n[i])
				i = (i + 1) & (ncap - 1);
			n[i] = c->seen[k];
		}
		free(c->seen);
		c->seen = n;
		c->cap = ncap;
	}
	for (i = h & (c->cap - 1); c->seen[i]; i = (i + 1) & (c->cap - 1))
		;
	c->seen[i] = h;
	c->used++;
	return 0;
}

void lt_srccap_init(struct lt_srccap *c, const lt_model *m, size_t budget)
{
	size_t have = lt_srctext_bytes(lt_model_srctext_c(m));

	memset(c, 0, sizeof(*c));
	budget = budget ? budget : LT_SRCCAP_BUDGET;
	c->budget = have < budget ? budget - have : 0;
}

/* Keeps the lines around file:line unless kept, tried or over budget.
 * Only the lines of a file anyone may read, or that the target's owner
 * owns: the file names come from the target's debug information, and
 * leaktop may run with more rights than the target (root): a hostile
 * program must not get /etc/shadow copied into a session file. */
static int keep(struct lt_srccap *c, lt_srctext *t, const char *file,
		int line, pid_t pid, uid_t owner)
{
	struct lt_source_lines sl;
	size_t bytes = 0;
	int added;

	if (!file || !*file || line <= 0 || c->budget == 0)
		return 0;
	/* A file that failed once fails again (line 0 marks the file). */
	if (has(c, hash(file, 0)) || seen(c, hash(file, line)))
		return 0;
	if (lt_srctext_find(t, file, line))
		return 0;
	if (lt_srcfile_read(file, pid, line, LT_SRCTEXT_CONTEXT, &sl, NULL) < 0) {
		seen(c, hash(file, 0));
		return 0;
	}
	if (!(sl.mode & S_IROTH) && sl.uid != owner) {
		seen(c, hash(file, 0));
		lt_srcfile_free(&sl);
		return 0;
	}
	for (int k = 0; k < sl.n; k++)
		bytes += strlen(sl.text[k]) + 1;
	added = bytes <= c->budget &&
		lt_srctext_add(t, file, sl.first, sl.n, sl.text);
	if (added)
		c->budget -= bytes;
	else if (bytes > c->budget)
		c->budget = 0;  /* full: stop reading files */
	lt_srcfile_free(&sl);
	return added;
}

size_t lt_srccap_scan(struct lt_srccap *c, lt_model *m, pid_t pid)
{
	const lt_stacktab *st = lt_model_stacks_c(m);
	lt_srctext *t = lt_model_srctext(m);
	size_t n = lt_stacktab_frame_count(st), added = 0;
	double until = lt_clock_mono() + SCAN_BUDGET_S;
	uid_t owner = (uid_t)-1;  /* none: world-readable files only */
	char proc[32];
	struct stat sb;

	/* /proc/PID belongs to the process's effective uid. */
	snprintf(proc, sizeof(proc), "/proc/%d", (int)pid);
	if (pid > 0 && stat(proc, &sb) == 0)
		owner = sb.st_uid;
	for (; c->frames < n && c->budget > 0; c->frames++) {
		const struct lt_frame *f = lt_stacktab_frame(st, c->frames);

		if (lt_clock_mono() > until)
			return added;  /* the rest at the next call */
		for (size_t k = 0; k < f->nsyms; k++)
			added += (size_t)keep(c, t, f->syms[k].file,
					      f->syms[k].line, pid, owner);
	}
	if (c->budget == 0)
		c->frames = n;
	return added;
}

void lt_srccap_free(struct lt_srccap *c)
{
	free(c->seen);
	memset(c, 0, sizeof(*c));
}
