#!/usr/bin/env bash
# go_tui: `leaktop PID` on a Go program whose handler leaks goroutines
# blocked in a channel send (tests/targets/go/leak_handler.go), in tmux.
# The Goroutines screen (6) lists the leaking group first, growing, with
# how long its oldest goroutine waits and who created it; search, Enter
# (creators and stack), Esc and the sort key work as on the Threads
# screen; the flame graph draws goroutine stacks (w); q restores the
# terminal and the program runs on, never stopped.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tui_lib.sh"
. "$(dirname "$0")/../go_lib.sh"

go_build leak_handler
ok "go_tui: leak_handler built with $(go version | awk '{print $3}')"
# GOGC=10: a GC about every second, which stamps the waits.
GOGC=10 LT_TARGETS=$T/go start_target leak_handler 10 120
target=$TARGET_PID
ui_start g 200 50 "$target" --interval 500ms
expect_screen "go_tui: the live UI starts" g "leaktop  pid $target"
keys g 6
expect_screen "go_tui: the Goroutines screen" g "Goroutine groups at t="
expect_screen "go_tui: the tab bar names it" g "6 Goroutines"
expect_screen "go_tui: the leaking group is listed" g "main.longRunningTask (leak_handler.go:"
# The leaking group ranks first and grows (the selection stays on the row
# it was on, whatever the ranking does).
first_row() { screen g | grep -A1 'WHERE <- CREATED BY' | sed -n 2p; }
sel_row() { screen g | grep -m1 '^> '; }
if wait_for "first_row | grep -q 'growing *chan send.*main\.longRunningTask (leak_handler\.go:[0-9]*) <- go main\.handler (leak_handler\.go:'" 15; then
	ok "go_tui: first row: growing, chan send, where and creator"
else
	fail "go_tui: first row: growing, chan send, where and creator" "$(first_row)"
	screen g | sed 's/^/#   /'
fi
if wait_for "first_row | grep -qE 'chan send +[0-9.]+s '" 15; then
	ok "go_tui: the oldest goroutine's wait is shown ($(first_row | grep -oE 'chan send +[0-9.]+s' | awk '{print $3}'))"
else
	fail "go_tui: the oldest goroutine's wait is shown" "$(first_row)"
fi
check "go_tui: the program runs free while shown" runs_free "$target"
keys g s
expect_screen "go_tui: s sorts" g "sorted by count"
keys g / f o r c e g c Enter
if wait_for "sel_row | grep -q forcegchelper" 3; then
	ok "go_tui: the search's match is selected"
else
	fail "go_tui: the search's match is selected" "$(sel_row)"
fi
keys g / l o n g R u n n i n g Enter
keys g Enter
expect_screen "go_tui: Enter opens the group" g "Goroutine group: "
expect_screen "go_tui: its creator" g "created by: main.handler (leak_handler.go:"
expect_screen "go_tui: its stack" g "main.longRunningTask (leak_handler.go:"
expect_screen "go_tui: its channel send" g "runtime.chansend1"
keys g Escape
expect_screen "go_tui: Esc closes it" g "WHERE <- CREATED BY"
keys g 3
for _ in 1 2 3 4 5; do
	wait_screen g "width = goroutines" 1 && break
	keys g w
done
expect_screen "go_tui: the flame graph by goroutines" g "Flame: goroutine stacks at t="
expect_screen "go_tui: the flame names the leak" g "main.longRunningTask"
keys g q
expect_restored "go_tui: q exits 0 with the terminal restored" g 0
if alive "$target" && runs_free "$target"; then
	ok "go_tui: the program still runs, not stopped or traced"
else
	fail "go_tui: the program still runs, not stopped or traced" "state: $(grep -h '^State' /proc/"$target"/task/*/status 2>/dev/null | sort | uniq -c | tr '\n' ' ')"
fi
kill_wait TERM "$target"
