/* Loading the heap agent into a running process with ptrace only (no gdb):
 * one thread is seized at a safe point, made to call dlopen (in libc since
 * glibc 2.34, __libc_dlopen_mode before) and then the agent's
 * lt_agent_start(config), and put back exactly as it was, syscall-restart
 * state included -- by a signal frame the thread returns through, so also
 * when leaktop is killed during the calls (ptrace_call.c).
 *
 * Like the thread sampler, it holds no thread traced once it returns, so the
 * two ptrace users of leaktop never overlap: they run one after the other
 * from the same loop. */
#ifndef LT_INJECT_H
#define LT_INJECT_H

#include <sys/types.h>

#include "lt_err.h"
#include "lt_symbols.h"
#include "lt_unwind.h"

/* Whether the agent can be loaded into pid at all.  Returns 0, or -1 with a
 * reason a user can act on in err (code LT_EXIT_TARGET): a static binary, a
 * target without glibc (musl, ...), a Go binary, a process already traced
 * by another tracer or job-control stopped, no permission to trace it. */
int lt_inject_check(pid_t pid, lt_err *err);

/* Loads the agent at agent_path (a path in leaktop's own mount namespace;
 * made reachable from the target's root when that differs) into pid,
 * unless an agent is already mapped there (a re-attach), and calls its
 * lt_agent_start(config).  Gives up cleanly after timeout_s seconds,
 * leaving the target as it was.  uw and sym, when not NULL, are the
 * caller's unwinder and symbolizer of pid, borrowed for the safe-point
 * check (stacks of borrowed threads) and left open; when NULL, they are
 * opened for this call and closed before it returns.  Returns 0, or -1
 * with err (code LT_EXIT_TARGET; the message says which step failed, and
 * the agent's return value when lt_agent_start refused). */
int lt_inject_agent(pid_t pid, const char *agent_path, const char *config,
		    double timeout_s, lt_unwind *uw, lt_symbols *sym,
		    lt_err *err);

#endif
