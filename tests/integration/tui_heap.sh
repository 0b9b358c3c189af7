#!/usr/bin/env bash
# tui_heap: `leaktop PID` on a leaking program, in tmux: the leak function
# comes to the top of Sites, its stack and source open, every screen shows
# heap data, a baseline is marked, the flame graph zooms, q quits; the
# target keeps running with its GOT restored and no agent thread left.
. "$(dirname "$0")/../lib.sh"

if ! command -v tmux >/dev/null 2>&1; then
	skip "tui_heap" "tmux is not installed"
	exit 0
fi
TMUX_SOCK=lt-heap-$$
tm() { tmux -L "$TMUX_SOCK" "$@"; }
on_exit "tmux -L $TMUX_SOCK kill-server >/dev/null 2>&1 || true"
unset TMUX

ui_start() {
	local name=$1 cols=$2 rows=$3 cmd
	shift 3
	cmd="sh -c 'echo \$\$ >$T/$name.pid; exec \"\$0\" \"\$@\"' $(printf '%q ' "$LEAKTOP" "$@")"
	cmd="$cmd; echo EXIT=\$?; sleep 60"
	tm new-session -d -s "$name" -c "$T" -x "$cols" -y "$rows" "$cmd"
	wait_for "[ -s $T/$name.pid ]" 5 || true
}
screen() { tm capture-pane -p -t "$1"; }
wait_screen() { wait_for "tm capture-pane -p -t '$1' | grep -qF -- '$2'" "${3:-5}"; }
expect_screen() {
	if wait_screen "$2" "$3" "${4:-5}"; then
		ok "$1"
	else
		fail "$1" "the screen lacks \"$3\""
		screen "$2" | sed 's/^/#   /'
	fi
}
# first_site WIN: the first row under the Sites column titles.
first_site() { screen "$1" | awk '/GROWTH\/s/ {getline; print; exit}'; }

start_target heap_sites 2048 120
target=$TARGET_PID
ui_start h 120 32 "$target" --interval 250ms --sample-rate 64K -o "$T/live.db"
expect_screen "heap: the view opens on Sites" h "Heap call sites at t=" 10
if wait_for "first_site h | grep -q 'leak_request_buffer.*heap_sites.c'" 15 &&
	wait_for "first_site h | grep -q growing" 15; then
	ok "heap: leak_request_buffer comes to the top of Sites, growing"
else
	fail "heap: leak_request_buffer comes to the top of Sites, growing" "$(first_site h)"
	screen h | sed 's/^/#   /'
fi
expect_screen "heap: the header shows the heap estimate and the rate" h "heap 1 sample/64 KiB"
tm send-keys -t h Home Enter
expect_screen "heap: Enter opens the site's stack" h "Heap site:"
expect_screen "heap: the stack names the leak function" h "> leak_request_buffer  heap_sites.c:"
tm send-keys -t h Enter
expect_screen "heap: Enter on a frame shows its source" h "char *p = malloc(BLOCK);"
tm send-keys -t h Escape
sleep 0.3
tm send-keys -t h Escape
expect_screen "heap: Esc goes back to the list" h "ALLOCS/s"
tm send-keys -t h s
expect_screen "heap: s sorts by live bytes" h "sorted by live"
tm send-keys -t h 3
expect_screen "heap: Flame weighs heap bytes" h "Flame: heap stacks at t="
expect_screen "heap: the leak is a box of the flame graph" h "leak_request_buffer"
tm send-keys -t h j j j j Enter
expect_screen "heap: Enter zooms the flame graph" h "zoom:"
tm send-keys -t h 2
expect_screen "heap: Threads screen" h "Thread groups at t="
tm send-keys -t h 4
expect_screen "heap: Memory screen with the heap verdict" h "heap site +" 10
tm send-keys -t h 1 b
expect_screen "heap: b marks a baseline" h "baseline t="
tm send-keys -t h q
if wait_for "screen h | grep -qx EXIT=0" 10; then ok "heap: q exits 0"; else fail "heap: q exits 0" "$(screen h | grep EXIT= || echo running)"; fi
check "heap: the target still runs" alive "$target"
check "heap: its GOT is restored" sh -c "'$LT_TARGETS/got_check' $target | grep -qx clean"
check "heap: no agent thread is left" wait_for "! grep -qx lt-agent /proc/$target/task/*/comm" 5
check "heap: the session file has the leak" sh -c "'$LEAKTOP' report '$T/live.db' | grep -q '! heap site .*leak_request_buffer'"
