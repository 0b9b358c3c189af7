#!/usr/bin/env bash
# tui_heap: `leaktop PID` on a leaking program, in tmux: the leak function
# comes to the top of Sites, its stack and source open, every screen shows
# heap data, a baseline is marked, the flame graph zooms, q quits; the
# target keeps running with its GOT restored and no agent thread left.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tui_lib.sh"

# first_site WIN: the first row under the Sites column titles.
first_site() { screen "$1" | awk '/ WHERE/ {getline; print; exit}'; }

start_target heap_sites 2048 120
target=$TARGET_PID
ui_start h 120 32 "$target" --interval 250ms --sample-rate 64K -o "$T/live.db"
expect_screen "heap: the view opens on Sites" h "Heap by your code (v: view) at t=" 10
if wait_for "first_site h | grep -q 'leak_request_buffer.*heap_sites.c'" 15 &&
	wait_for "first_site h | grep -q growing" 15; then
	ok "heap: leak_request_buffer comes to the top of Sites, growing"
else
	fail "heap: leak_request_buffer comes to the top of Sites, growing" "$(first_site h)"
	screen h | sed 's/^/#   /'
fi
expect_screen "heap: the header shows the heap estimate and the rate" h "heap 1 sample/64 KiB"
keys h C-u Enter   # Ctrl-U: a page up, the first row (Home moves the time cursor)
expect_screen "heap: Enter opens the site's stack" h "Heap site:"
expect_screen "heap: the stack names the leak function" h "> leak_request_buffer  heap_sites.c:"
keys h Enter
expect_screen "heap: Enter on a frame shows its source" h "char *p = malloc(BLOCK);"
keys h Escape
sleep 0.3
keys h Escape
expect_screen "heap: Esc goes back to the list" h "ALLOCS/s"
keys h s
expect_screen "heap: s sorts by live bytes" h "sorted by live"
keys h 3
expect_screen "heap: Flame weighs heap bytes" h "Flame: heap stacks at t="
expect_screen "heap: the leak is a box of the flame graph" h "leak_request_buffer"
keys h j j j j Enter
expect_screen "heap: Enter zooms the flame graph" h "zoom:"
keys h 2
expect_screen "heap: Threads screen" h "Thread groups at t="
keys h 4
expect_screen "heap: Memory screen with the heap verdict" h "heap site +" 10
keys h 1 b
expect_screen "heap: b marks a baseline" h "baseline t="
keys h q
if wait_for "screen h | grep -qx EXIT=0" 10; then ok "heap: q exits 0"; else fail "heap: q exits 0" "$(screen h | grep EXIT= || echo running)"; fi
check "heap: the target still runs" alive "$target"
check "heap: its GOT is restored" got_clean $target
check "heap: no agent thread is left" wait_for "! grep -qx lt-agent /proc/$target/task/*/comm" 5
check "heap: the session file has the leak" sh -c "'$LEAKTOP' report '$T/live.db' | grep -q '! heap site .*leak_request_buffer'"
