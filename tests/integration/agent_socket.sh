#!/usr/bin/env bash
# agent_socket: the target closes the heap agent's socket (issue 13).
# fd_closer closes every descriptor from 3 up on SIGUSR1, as daemons do,
# and reuses the numbers for socketpairs of its own, checking every byte
# that passes through them.  Wanted: the agent notices, sends nothing into
# and reads nothing from the target's reused descriptor, closes nothing of
# the target's, removes its hooks and ends its thread; leaktop says the
# target closed the socket (not "the heap agent closed its connection")
# and records the rest of the session without heap sites.  A target that
# execs itself is told apart: its program was replaced.
. "$(dirname "$0")/../lib.sh"

start_target fd_closer 60
pid=$TARGET_PID
out=$TARGET_OUT
start_record rec "$pid" --interval 100ms --no-threads --duration 5s
if ! wait_for "got_hooked $pid >/dev/null" 10; then
	bail "the agent never hooked fd_closer: $(cat "$T/rec.err")"
fi
kill -USR1 "$pid"
check "the target closed its descriptors" wait_for "grep -qx closed '$out'" 5
finish_record rec

why=$(sql "$T/rec.db" "SELECT reason FROM source WHERE name = 'heap'")
echo "# heap source: $why"
case $why in
"the target closed the heap agent's socket (descriptor "[0-9]*) ok "the session says the target closed the agent's socket" ;;
*) fail "the session says the target closed the agent's socket" "reason: $why" ;;
esac
check "not the misleading 'the heap agent closed its connection'" sh -c "! grep -q 'heap agent closed its connection' '$T/rec.db' '$T/rec.err' '$T/rec.report'"
expect_line "the report gives the reason" "$T/rec.report" "the target closed the heap agent's socket"
check "the recording went on to its end" grep -q "recording ended (duration)" "$T/rec.err"
check "heap data stopped, the other sources did not" test "$(sql "$T/rec.db" 'SELECT count(*) FROM tick')" -ge 30

# The target's own sockets, on the agent's old descriptor number among
# others: nothing foreign in them, nothing missing.
check "the target's sockets carried only its own bytes" wait_for "grep -q '^pairs ok' '$out'" 5
if grep -q '^pairs corrupted' "$out"; then
	fail "nothing was written into or read from the target's sockets" "$(grep '^pairs corrupted' "$out" | tail -1)"
else
	ok "nothing was written into or read from the target's sockets"
fi
check "no GOT slot left hooked" got_clean "$pid"
check "no agent thread left" wait_for "! grep -qx lt-agent /proc/$pid/task/*/comm" 5
check "the target still runs" alive "$pid"

# --- the target execs itself: the same pid, a new program, no agent ---------------
start_target fd_closer 60
pid=$TARGET_PID
out=$TARGET_OUT
start_record exec "$pid" --interval 100ms --no-threads --duration 4s
wait_for "got_hooked $pid >/dev/null" 10 || bail "the agent never hooked fd_closer: $(cat "$T/exec.err")"
kill -USR2 "$pid"
check "the target exec'd itself" wait_for "[ \$(grep -c '^started' '$out') -ge 2 ]" 5
finish_record exec
why=$(sql "$T/exec.db" "SELECT reason FROM source WHERE name = 'heap'")
echo "# heap source: $why"
check "the session says the target replaced its program" test "$why" = "the target replaced its program (exec), and the heap agent with it"
check "exec: the target still runs" alive "$pid"
check "exec: no agent left in the new program" sh -c "! grep -q liblt-agent /proc/$pid/maps"
