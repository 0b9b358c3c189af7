#!/usr/bin/env bash
# heap_run: leaktop run -- CMD starts CMD with the heap agent preloaded,
# records it until it exits, passes stop signals on and exits with CMD's
# status; the heap_sites target's leaking function ranks first.
. "$(dirname "$0")/../lib.sh"

# --- exit status ----------------------------------------------------------------
expect_exit 3 "run: CMD's exit status becomes leaktop's" lt run --no-heap --no-threads -o "$T/st.db" -- sh -c 'sleep 0.3; exit 3'
expect_line "run: the status is reported" "$T/last.err" "sh exited with status 3"
expect_exit 137 "run: a signal's death is 128+N" lt run --no-heap -o "$T/sig.db" -f -- sh -c 'sleep 0.3; kill -KILL $$'
expect_line "run: the signal is named" "$T/last.err" "killed by SIGKILL"
expect_exit 127 "run: a missing CMD exits 127" lt run -o "$T/none.db" -- "$T/no-such-program"
expect_line "run: and says why" "$T/last.err" "cannot run $T/no-such-program"
check "run: no session file for a CMD that never ran" test ! -e "$T/none.db"
expect_exit 126 "run: a CMD that is not executable exits 126" lt run -o "$T/none.db" -- /etc/passwd
expect_exit 2 "run: without CMD is a usage error" lt run -o "$T/none.db"
expect_exit 2 "run: --pid does not go with run" lt run -p 1 -- true
expect_exit 2 "run: a bad --sample-rate is a usage error" lt run --sample-rate 12Q -- true
expect_exit 2 "run: --max-depth over 256 is a usage error" lt run --max-depth 257 -- true

# --- the agent --------------------------------------------------------------------
# heap_grower leaks 4 MiB/s and exits by itself after 3 s.
run lt run -o "$T/hg.db" --interval 250ms -- "$LT_TARGETS/heap_grower" 4 3
if [ "$LAST_RC" -eq 0 ]; then ok "run: heap_grower exits 0 through leaktop"; else fail "run: heap_grower exits 0 through leaktop" "status $LAST_RC"; note "$T/last.err"; fi
src=$(sql "$T/hg.db" "SELECT available || '|' || coalesce(reason, '') FROM source WHERE name = 'heap'" 2>/dev/null || true)
case $src in
1\|*) ok "run: the heap source is available ($src)" ;;
*) fail "run: the heap source is available" "source row: '$src'"; note "$T/last.err" ;;
esac
check "run: the target's output passes through" grep -q "leaked" "$T/last.out"
check "run: the session ended with the target" test "$(meta "$T/hg.db" end_reason)" = "target exited"

run lt run --no-heap -o "$T/nh.db" -- sh -c 'sleep 0.5'
check "run: --no-heap is recorded as the reason" test "$(sql "$T/nh.db" "SELECT reason FROM source WHERE name = 'heap'")" = "disabled with --no-heap"

# --- signals ------------------------------------------------------------------------
# SIGTERM to leaktop reaches CMD (heap_grower exits 0 on it); the recording
# goes on until CMD has exited.
start_bg term "$LEAKTOP" run -o "$T/term.db" --interval 250ms -- "$LT_TARGETS/heap_grower" 1 60
wait_ticks "$T/term.db" 2 20 || true
kill -TERM "$BG_PID"
wait_exit "$BG_PID" 20 || true
status_ok "run: SIGTERM is passed on; CMD's 0 is the status" "${WAIT_RC:-timeout}" "$T/term.err"
expect_line "run: leaktop says it passed SIGTERM on" "$T/term.err" "SIGTERM passed on to"
check "run: the session ended because the target exited" test "$(meta "$T/term.db" end_reason)" = "target exited"
check "run: the agent socket is gone with leaktop" sh -c "! ls /tmp/leaktop-$BG_PID-*.sock 2>/dev/null"

# --- ranking (needs the heap_sites target and heap sites in the report) ----------
if [ ! -x "$LT_TARGETS/heap_sites" ]; then
	skip "run: leak_request_buffer ranks first" "no $LT_TARGETS/heap_sites"
	exit 0
fi
# A lifetime of 10 s: the recording ends at 6 s and leaves the program running.
# 2 MiB/s: about 24 samples of the leak at the default rate in 6 s, enough
# for a claim; at 512 KiB/s the 6 samples leave the ranking to chance.
run lt run -o "$T/sites.db" --interval 250ms --duration 6s -- "$LT_TARGETS/heap_sites" 2048 600 10
lt report "$T/sites.db" >"$T/sites.report" 2>"$T/sites.report.err" || true
# The first line of the report naming one of the target's own functions
# (main aside) names the leak.
fns=$(nm --defined-only "$LT_TARGETS/heap_sites" | awk '$2 ~ /^[tT]$/ && $3 !~ /^(_|main$|frame_dummy|register_tm|deregister_tm)/ {print $3}' | sort -u)
first=$(grep -m1 -wF "$fns" "$T/sites.report" || true)
case $first in
*leak_request_buffer*) ok "run: leak_request_buffer ranks first" ;;
*) fail "run: leak_request_buffer ranks first" "first site line: '${first:-none}'"; note "$T/sites.report" ;;
esac
