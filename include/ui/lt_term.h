/* Whether the terminal UI can run here, asked before anything is attached
 * or created: a live view that cannot draw would end at once and leave an
 * empty session file behind (and ncurses' initscr exits the process on a
 * terminal type it does not know). */
#ifndef LT_TERM_H
#define LT_TERM_H

#include <stddef.h>

/* 1 when stdin and stdout are terminals and TERM names a terminal type
 * terminfo knows that can move the cursor; otherwise 0, with why (may be
 * NULL) saying which: "no terminal (...)", "TERM is not set", "TERM=dumb
 * cannot move the cursor", "TERM=xyz is not a terminal type this system
 * knows".  This function can't fail. */
int lt_term_usable(char *why, size_t len);

#endif
