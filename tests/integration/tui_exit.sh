#!/usr/bin/env bash
# tui_exit: where the live view cannot draw (no terminal, TERM=dumb, a
# TERM terminfo does not know) `leaktop PID` refuses before attaching, says
# to use `ssh -t` or `leaktop record`, and leaves no session file; in tmux at
# 80x24 and 200x60, `leaktop -p PID` is `leaktop PID`, and quitting prints
# the verdicts and `leaktop report FILE` on the restored terminal.  `view`
# refuses the same way.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tui_lib.sh"

start_target thread_grower 200 60
target=$TARGET_PID
cd "$T"

no_files() { ! ls "$T"/leaktop-*.db* >/dev/null 2>&1; }

# --- refusals --------------------------------------------------------------
run lt "$target" --no-heap </dev/null
if [ "$LAST_RC" -eq 2 ] && _err_ok "needs a terminal: no terminal" && grep -qF 'ssh -t' "$T/last.err" &&
	grep -qF "leaktop record -p $target -o FILE" "$T/last.err"; then
	ok "no terminal: exit 2, one line suggesting ssh -t and leaktop record"
else
	fail "no terminal: exit 2, one line suggesting ssh -t and leaktop record" "status $LAST_RC"
	note "$T/last.err"
fi
if no_files; then ok "no terminal: no session file left"; else fail "no terminal: no session file left" "$(ls "$T")"; fi
grep -q '^TracerPid:[[:space:]]*0$' "/proc/$target/status" && alive "$target" &&
	ok "no terminal: the target was never touched" || fail "no terminal: the target was never touched" "traced or gone"

# TERM for one command only: tmux sets the pane's own.
with_term() { # NAME TERM: a wrapper running leaktop with TERM
	printf '#!/bin/sh\nTERM=%s exec %q "$@"\n' "$2" "$LEAKTOP" >"$T/$1"
	chmod +x "$T/$1"
}
with_term lt-dumb dumb
with_term lt-unknown no-such-terminal-type
saved=$LEAKTOP
LEAKTOP=$T/lt-dumb ui_start d 80 24 "$target" --no-heap
LEAKTOP=$T/lt-unknown ui_start u 200 60 "$target" --no-heap
LEAKTOP=$saved
expect_screen "TERM=dumb at 80x24: refused, saying why" d "TERM=dumb cannot move the cursor"
expect_screen "TERM=dumb: suggests ssh -t" d "ssh -t HOST leaktop $target"
expect_restored "TERM=dumb: exit 2" d 2
expect_screen "unknown TERM at 200x60: refused, not an ncurses exit" u "TERM=no-such-terminal-type is not a terminal type this system knows"
expect_restored "unknown TERM: exit 2" u 2
if no_files; then ok "refused views leave no session file"; else fail "refused views leave no session file" "$(ls "$T")"; fi

# --- leaktop -p PID, and what quitting prints -------------------------------
ui_start p 80 24 -p "$target" --interval 250ms --no-heap
expect_screen "leaktop -p PID at 80x24 opens the live view" p "-> leaktop-$target-"
db=$(ls "$T"/leaktop-"$target"-*.db 2>/dev/null | head -n 1)
wait_for "[ \"\$(ticks '$db')\" -ge 6 ]" 10 || true
keys p q
expect_restored "leaktop -p PID: q exits 0, terminal restored" p 0
expect_screen "quit at 80x24: the verdicts are printed" p "Verdicts:"
expect_screen "quit at 80x24: names leaktop report FILE" p "The whole report: leaktop report leaktop-$target-"
if [ -n "$db" ] && [ "$(meta "$db" end_reason)" = quit ]; then ok "leaktop -p PID: the session is finished (quit)"; else fail "leaktop -p PID: the session is finished (quit)" "'$db'"; fi

# 200x60, three seconds of a thread leak: the verdict names it.
ui_start w 200 60 "$target" --interval 250ms --threads-interval 500ms --no-heap
expect_screen "leaktop PID at 200x60 opens the live view" w "-> leaktop-$target-"
sleep 3
keys w q
expect_restored "200x60: q exits 0, terminal restored" w 0
expect_screen "quit at 200x60: the thread leak's verdict is printed" w "! threads +"
expect_screen "quit at 200x60: names leaktop report FILE" w "The whole report: leaktop report leaktop-$target-"

# -p forms without a terminal (--dump draws the screen as text).
expect_exit 0 "leaktop --pid=PID --dump" lt --pid="$target" -o "$T/d1.db" --dump --iterations 2 --interval 100ms --no-heap
expect_exit 0 "leaktop -pPID --dump" lt -p"$target" -o "$T/d2.db" --dump --iterations 2 --interval 100ms --no-heap
grep -qF "leaktop  pid $target" "$T/last.out" && ok "leaktop -pPID --dump shows the target" ||
	fail "leaktop -pPID --dump shows the target" "$(head -n 2 "$T/last.out")"
expect_err "needs a PID" "leaktop -p without a PID: usage error" lt -p
expect_exit 2 "leaktop -p with a bad PID: 2" lt -p nope

# view over a file: the same refusal, pointing at the text report.
run lt view "$T/d1.db" </dev/null
if [ "$LAST_RC" -eq 2 ] && _err_ok "view needs a terminal: no terminal" && grep -qF 'leaktop report FILE' "$T/last.err"; then
	ok "view without a terminal: exit 2, suggests leaktop report"
else
	fail "view without a terminal: exit 2, suggests leaktop report" "status $LAST_RC"
	note "$T/last.err"
fi
LEAKTOP=$T/lt-dumb ui_start vd 80 24 view "$T/d1.db"
expect_screen "view with TERM=dumb: refused, saying why" vd "TERM=dumb cannot move the cursor"
expect_restored "view with TERM=dumb: exit 2" vd 2
