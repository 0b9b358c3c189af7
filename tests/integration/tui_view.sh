#!/usr/bin/env bash
# tui_view: `leaktop view FILE` on a recorded thread_grower session, driven
# in tmux like a user would: every screen shows its content, the time
# cursor moves, a baseline is marked, the flame graph zooms (when the
# session has thread stacks), q quits with the terminal restored, and so do
# SIGTERM, SIGHUP and a crash.  Also the scripted mode (--dump) and small
# and resized terminals.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tui_lib.sh"

# --- a session to view -----------------------------------------------------
start_target thread_grower 200 60
# Without the heap agent: this view is about threads and memory
# (tui_heap.sh covers Sites with data).
start_bg rec "$LEAKTOP" record -p "$TARGET_PID" -o "$T/s.db" --interval 250ms --duration 3s --no-heap --threads-interval 500ms
if ! wait_exit "$BG_PID" 20 || [ "$WAIT_RC" -ne 0 ]; then
	note "$T/rec.err"
	bail "recording thread_grower failed"
fi
# record samples threads by default: the session must have thread groups.
have_stacks=0
if [ "$(sql "$T/s.db" "SELECT count(*) FROM thread_group" 2>/dev/null || echo 0)" -gt 0 ]; then
	have_stacks=1
fi
check "tui: the recorded session has thread groups" test "$have_stacks" = 1

# --- scripted mode ---------------------------------------------------------
run lt view "$T/s.db" --dump --size 80x24
if [ "$LAST_RC" -eq 0 ] && [ "$(wc -l <"$T/last.out")" -eq 24 ] &&
	grep -q '^  threads  *[0-9][0-9]*  *+[0-9]' "$T/last.out" &&
	grep -F 'threads' "$T/last.out" | grep -q growing &&
	! awk 'length > 80' "$T/last.out" | grep -q .; then
	ok "dump: memory screen of 24 lines of at most 80 columns, threads growing"
else
	fail "dump: memory screen of 24 lines of at most 80 columns, threads growing" "status $LAST_RC"
	note "$T/last.out" "$T/last.err"
fi
if LC_ALL=C grep -q '[^ -~]' "$T/last.out"; then
	fail "dump: ASCII only in the C locale" "$(LC_ALL=C grep -m1 '[^ -~]' "$T/last.out")"
else
	ok "dump: ASCII only in the C locale"
fi
run env LC_ALL=C.UTF-8 "$LEAKTOP" view "$T/s.db" --dump
if grep -q $'\xe2\x96' "$T/last.out"; then ok "dump: block sparklines in a UTF-8 locale"; else fail "dump: block sparklines in a UTF-8 locale" "none"; note "$T/last.out"; fi
run lt view "$T/s.db" --dump --keys '1'
if grep -qF "heap call sites unavailable: disabled with --no-heap" "$T/last.out"; then ok "dump: Sites says why it is empty"; else fail "dump: Sites says why it is empty" "missing"; note "$T/last.out"; fi
run lt view "$T/s.db" --dump --keys '[[[[b]]]]'
if grep -q 'baseline t=' "$T/last.out" && grep -q 'changes since the baseline' "$T/last.out"; then ok "dump: baseline after moving the cursor"; else fail "dump: baseline after moving the cursor" "missing"; note "$T/last.out"; fi
expect_fail 2 "COLSxROWS" "dump: bad --size is a usage error" lt view "$T/s.db" --dump --size 80
expect_fail 4 "" "view of a missing file fails with status 4" lt view "$T/nope.db"
expect_fail 2 "terminal" "view without a terminal is a usage error" lt view "$T/s.db"

# --- interactive, 100x30 ---------------------------------------------------
ui_start v 100 30 view "$T/s.db"
expect_screen "tui: header shows the replay" v "replay t="
expect_screen "tui: starts on Memory" v "Memory and descriptors at t="
keys v 2
expect_screen "tui: 2 shows Threads" v "Thread groups at t="
if [ "$have_stacks" = 1 ]; then
	expect_screen "tui: Threads shows the leaking group" v "zk_watch_loop"
	keys v Enter
	expect_screen "tui: Enter opens the group's stack" v "stack, innermost first:"
	keys v Escape
else
	expect_screen "tui: Threads says why it is empty" v "no thread samples in this session"
fi
keys v 3
expect_screen "tui: 3 shows Flame" v "Flame: thread stacks at t="
if [ "$have_stacks" = 1 ]; then
	expect_screen "tui: Flame draws the root" v "|all threads"
	keys v j
	keys v Enter
	expect_screen "tui: Enter zooms the flame graph" v "zoom:"
	keys v BSpace
	if wait_for "! screen v | grep -qF 'zoom:'" 3; then ok "tui: Backspace zooms out"; else fail "tui: Backspace zooms out" "still zoomed"; fi
	keys v / z k _ w a t c h Enter
	expect_screen "tui: / finds a frame" v "zk_watch_loop ("
fi
keys v 1
expect_screen "tui: 1 shows Sites" v "heap call sites unavailable"
keys v '?'
expect_screen "tui: ? shows Help" v "this help; pressed again"
keys v End
expect_screen "tui: Help scrolls to its end" v "mark a baseline at the time cursor"
keys v Tab
expect_screen "tui: Tab cycles to Sites" v "heap call sites unavailable"
keys v 4
wait_screen v "Memory and descriptors" 3 || true
before=$(screen v | sed -n 's/.*replay t=\([^ ]*\) of.*/\1/p')
keys v '[' '['
if wait_for "[ \"\$(screen v | sed -n 's/.*replay t=\([^ ]*\) of.*/\1/p')\" != '$before' ]" 3; then
	ok "tui: [ moves the time cursor back"
else
	fail "tui: [ moves the time cursor back" "still t=$before"
fi
keys v b
expect_screen "tui: b marks a baseline" v "baseline t="
expect_screen "tui: changes are since the baseline" v "changes since the baseline"
keys v B
if wait_for "! screen v | grep -qF 'baseline t='" 3; then ok "tui: B clears the baseline"; else fail "tui: B clears the baseline" "still shown"; fi
if screen v | LC_ALL=C grep -q '[^ -~]'; then fail "tui: ASCII in the C locale" "non-ASCII on screen"; else ok "tui: ASCII in the C locale"; fi
keys v q
expect_restored "tui: q quits with status 0 and the terminal restored" v 0

# --- 80x24, resize, too small ------------------------------------------------
ui_start r 80 24 view "$T/s.db"
expect_screen "tui 80x24: tab bar" r " 1 Sites  2 Threads  3 Flame  4 Memory  5 Help"
if wait_for "screen r | sed -n 24p | grep -qF 'q quit'" 3; then ok "tui 80x24: status line on the last row"; else fail "tui 80x24: status line on the last row" "$(screen r | sed -n 24p)"; fi
tm resize-window -t r -x 30 -y 8
expect_screen "tui: a too small terminal says so" r "terminal too small"
tm resize-window -t r -x 120 -y 40
expect_screen "tui: a resize back redraws" r "Memory and descriptors at t="
if wait_for "screen r | sed -n 40p | grep -qF 'q quit'" 3; then ok "tui: resized to 120x40 uses all rows"; else fail "tui: resized to 120x40 uses all rows" "$(screen r | sed -n 40p)"; fi
keys r q
expect_restored "tui: q after resizes restores the terminal" r 0

# --- colours, and NO_COLOR ---------------------------------------------------
# capture-pane -e keeps the attributes: SGR 3x/4x set colours, 7 reverses.
colours() { tm capture-pane -e -p -t "$1" | grep -cE $'\e\\[([0-9]+;)*[34][0-7](;[0-9]+)*m' || true; }
ui_start c 100 30 view "$T/s.db"
wait_screen c "Memory and descriptors" 5 || true
if [ "$(colours c)" -gt 0 ]; then ok "tui: colours by default"; else fail "tui: colours by default" "none"; fi
keys c q
UI_ENV=NO_COLOR=1 ui_start n 100 30 view "$T/s.db"
wait_screen n "Memory and descriptors" 5 || true
if [ "$(colours n)" -eq 0 ] && tm capture-pane -e -p -t n | grep -qE $'\e\\[([0-9]+;)*7(;[0-9]+)*m'; then
	ok "tui: NO_COLOR uses reverse video, no colours"
else
	fail "tui: NO_COLOR uses reverse video, no colours" "$(colours n) coloured lines"
fi
keys n q
expect_restored "tui: NO_COLOR run quits cleanly" n 0

# --- scripted: a fixed number of frames ---------------------------------------
ui_start i 100 30 view "$T/s.db" --iterations 3
expect_restored "tui: --iterations 3 draws, exits 0 and restores the terminal" i 0

# --- signals -------------------------------------------------------------------
for sig in TERM HUP SEGV; do
	ui_start "s$sig" 100 30 view "$T/s.db"
	wait_screen "s$sig" "Memory and descriptors" 5 || true
	kill -s "$sig" "$(cat "$T/s$sig.pid")" 2>/dev/null || true
	case $sig in
	SEGV) want=139 ;;   # re-raised after restoring: the shell sees the signal
	*) want=0 ;;
	esac
	expect_restored "tui: SIG$sig ends with status $want and the terminal restored" "s$sig" "$want"
done

# --- the terminal vanishes without a SIGHUP ----------------------------------
# setsid: the view is not in the tty's session, so closing the pty sends it
# no SIGHUP; it must notice the dead terminal and leave, not spin on EOF.
tmux -L "lt-hup-$$" new-session -d -x 100 -y 30 "setsid -w $LEAKTOP view $T/s.db"
vp=
wait_for "pgrep -f '^$LEAKTOP view $T/s.db' >/dev/null" 5 && vp=$(pgrep -f "^$LEAKTOP view $T/s.db" | head -n 1)
sleep 0.5
tmux -L "lt-hup-$$" kill-server 2>/dev/null || true
if [ -z "$vp" ]; then
	fail "tui: a vanished terminal ends the view" "the view did not start"
elif wait_for "! alive $vp" 5; then
	ok "tui: a vanished terminal ends the view"
else
	fail "tui: a vanished terminal ends the view" "pid $vp still running"
	kill -KILL "$vp" 2>/dev/null || true
fi
