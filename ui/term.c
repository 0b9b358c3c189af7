/* Can the terminal UI run here (lt_term.h)? */
#include "lt_term.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <term.h>
#include <unistd.h>

int lt_term_usable(char *why, size_t len)
{
	const char *term = getenv("TERM");
	char no[160] = "";
	int errret = 0;

	if (!isatty(0) || !isatty(1)) {
		snprintf(no, sizeof(no), "no terminal (stdin and stdout must be one)");
	} else if (!term || !*term) {
		snprintf(no, sizeof(no), "TERM is not set");
	} else if (setupterm(NULL, 1, &errret) != OK) {
		/* setupterm, unlike initscr, reports instead of exiting. */
		snprintf(no, sizeof(no), "TERM=%.40s is not a terminal type this system knows", term);
	} else {
		const char *cup = tigetstr("cup");

		if (!cup || cup == (const char *)-1)
			snprintf(no, sizeof(no), "TERM=%.40s cannot move the cursor", term);
		del_curterm(cur_term);
	}
	if (*no && why)
		snprintf(why, len, "%s", no);
	return !*no;
}
