#!/usr/bin/env bash
# tui_live: `leaktop PID` attached to thread_grower in tmux: the live
# screens fill and keep updating (at least twice a second), space pauses,
# every screen shows, q finishes the session file (end reason "quit") and
# leaves the target running and no longer sampled.  A target that exits
# ends the session ("target exited") with the UI still open; SIGTERM ends
# it too with the terminal restored.  These sessions run without the heap
# agent (tui_heap.sh has the Sites screen live).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tui_lib.sh"

# cursor_t WIN: the time shown in the Memory screen's title.
cursor_t() { screen "$1" | sed -n 's/^Memory and descriptors at t=\([^;]*\);.*/\1/p'; }

# --- attach, explore, quit -------------------------------------------------
start_target thread_grower 200 60
target=$TARGET_PID
ui_start l 100 30 "$target" --interval 250ms --no-heap
expect_screen "live: header names the session file" l "-> leaktop-$target-"
expect_screen "live: memory screen fills" l "Memory and descriptors at t="
expect_screen "live: threads are counted" l "threads"
t1=$(cursor_t l)
if wait_for "[ \"\$(cursor_t l)\" != '$t1' ]" 3; then ok "live: the screen updates by itself"; else fail "live: the screen updates by itself" "still t=$t1"; fi
keys l ' '
expect_screen "live: space pauses" l "PAUSED"
t1=$(cursor_t l)
sleep 0.8
if [ "$(cursor_t l)" = "$t1" ]; then ok "live: paused display keeps its time"; else fail "live: paused display keeps its time" "$t1 -> $(cursor_t l)"; fi
keys l ' '
if wait_for "! screen l | grep -qF PAUSED" 3; then ok "live: space resumes"; else fail "live: space resumes" "still paused"; fi
keys l 2
expect_screen "live: Threads screen" l "Thread groups at t="
keys l 3
expect_screen "live: Flame screen" l "Flame: thread stacks at t="
keys l 1
expect_screen "live: Sites screen" l "heap call sites unavailable"
keys l 4 b
expect_screen "live: b marks a baseline" l "baseline t="
# Three seconds of history (12 ticks), enough for the report's verdicts.
db=$(ls "$T"/leaktop-"$target"-*.db 2>/dev/null | head -n 1)
wait_for "[ \"\$(ticks '$db')\" -ge 12 ]" 10 || true
keys l q
expect_restored "live: q exits 0 with the terminal restored" l 0
if alive "$target"; then ok "live: the target still runs after q"; else fail "live: the target still runs after q" "it is gone"; fi
lt_pid=$(cat "$T/l.pid")
if ! alive "$lt_pid" && grep -q '^TracerPid:[[:space:]]*0$' "/proc/$target/status"; then
	ok "live: nothing samples or traces the target any more"
else
	fail "live: nothing samples or traces the target any more" "leaktop $lt_pid alive or target traced"
fi
if [ -n "$db" ] && [ "$(meta "$db" end_reason)" = quit ] && [ "$(ticks "$db")" -ge 4 ]; then
	ok "live: the session file is finished with reason quit"
else
	fail "live: the session file is finished with reason quit" "file '${db:-none}', reason '$( [ -n "$db" ] && meta "$db" end_reason)'"
fi
if [ -n "$db" ] && lt report "$db" >"$T/report" 2>&1 && grep -q 'threads +' "$T/report"; then
	ok "live: the recorded session reports the thread leak"
else
	fail "live: the recorded session reports the thread leak" "no"
	note "$T/report"
fi

# --- the target exits while attached -----------------------------------------
start_target thread_grower 200 2
ui_start e 100 30 "$TARGET_PID" --interval 250ms --no-heap -o "$T/exit.db"
expect_screen "live: a target that exits ends the session, UI stays" e "[ended: target exited]"
keys e q
expect_restored "live: q after the end exits 0" e 0
if [ "$(meta "$T/exit.db" end_reason)" = "target exited" ]; then ok "live: end reason target exited"; else fail "live: end reason target exited" "'$(meta "$T/exit.db" end_reason)'"; fi

# --- SIGTERM -----------------------------------------------------------------
start_target thread_grower 200 60
target=$TARGET_PID
ui_start t 80 24 "$target" --interval 250ms --no-heap -o "$T/term.db"
wait_screen t "Memory and descriptors at t=" 5 || true
kill -TERM "$(cat "$T/t.pid")"
expect_restored "live: SIGTERM exits 0 with the terminal restored" t 0
if [ "$(meta "$T/term.db" end_reason)" = "signal SIGTERM" ]; then ok "live: end reason signal SIGTERM"; else fail "live: end reason signal SIGTERM" "'$(meta "$T/term.db" end_reason)'"; fi
if alive "$target"; then ok "live: the target survives leaktop's SIGTERM"; else fail "live: the target survives leaktop's SIGTERM" "gone"; fi

# --- scripted live mode --------------------------------------------------------
run lt "$target" --dump --iterations 3 --interval 100ms -o "$T/dump.db"
if [ "$LAST_RC" -eq 0 ] && grep -q "live .*-> $T/dump.db" "$T/last.out" && [ "$(ticks "$T/dump.db")" -eq 3 ]; then
	ok "live --dump: 3 ticks recorded, screen printed"
else
	fail "live --dump: 3 ticks recorded, screen printed" "status $LAST_RC, $(ticks "$T/dump.db") ticks"
	note "$T/last.out" "$T/last.err"
fi
expect_fail 3 "" "live: no such process" lt 999999999 --dump -o "$T/none.db"
