#!/usr/bin/env bash
# thread_groups: threads are sampled by stack and grouped (issue 4).  A
# watcher leak is a growing group whose stack names zk_watch_loop; a steady
# pool is not flagged; no thread of any target is left stopped or traced,
# also when leaktop is SIGKILLed in the middle of a thread sample.
. "$(dirname "$0")/../lib.sh"

# no_stopped_threads PID: every thread of PID runs free: state not t/T and
# TracerPid 0.
no_stopped_threads() {
	# One awk over every thread: a grep per thread would fork thousands of
	# processes for the 2,000-thread target and wrap pid numbers.
	awk '/^State:/ && ($2 == "t" || $2 == "T") { bad = 1 }
	     /^TracerPid:/ && $2 != 0 { bad = 1 }
	     END { exit bad }' /proc/"$1"/task/*/status 2>/dev/null
}

# --- a watcher leak: +5 threads/s blocked in read() in zk_watch_loop ------
start_target thread_grower 200 60
grow=$TARGET_PID
start_bg grow "$LEAKTOP" record -p "$grow" -o "$T/grow.db" --interval 250ms --threads-interval 500ms --duration 4s
grow_rec=$BG_PID

# --- a steady pool: must not be flagged -----------------------------------
start_target worker_pool 8 60
pool=$TARGET_PID
start_bg pool "$LEAKTOP" record -p "$pool" -o "$T/pool.db" --interval 250ms --threads-interval 500ms --duration 3s
pool_rec=$BG_PID

for r in grow pool; do
	p=${r}_rec
	if wait_exit "${!p}" 40 && [ "$WAIT_RC" -eq 0 ]; then ok "$r: record exits 0"; else fail "$r: record exits 0" "status ${WAIT_RC:-timeout}"; note "$T/$r.err"; fi
	lt report "$T/$r.db" >"$T/$r.report" 2>&1 || true
done

check "grow: target still running" alive "$grow"
check "grow: no thread left stopped or traced" no_stopped_threads "$grow"
check "grow: threads source available" test "$(sql "$T/grow.db" "SELECT available FROM source WHERE name='threads'")" = 1
n=$(sql "$T/grow.db" 'SELECT count(*) FROM thread_sample')
check "grow: thread samples every 500ms ($n)" test "$n" -ge 6
check "grow: a group's stack names zk_watch_loop" test "$(sql "$T/grow.db" "
	SELECT count(*) FROM thread_group g JOIN stack_frame sf ON sf.stack_id = g.stack_id
	JOIN frame_symbol fs ON fs.frame_id = sf.frame_id WHERE fs.function = 'zk_watch_loop'")" -ge 1
rise=$(sql "$T/grow.db" "
	WITH zk AS (SELECT DISTINCT g.id FROM thread_group g JOIN stack_frame sf ON sf.stack_id = g.stack_id
	            JOIN frame_symbol fs ON fs.frame_id = sf.frame_id WHERE fs.function = 'zk_watch_loop')
	SELECT max(count) - min(count) FROM thread_count WHERE group_id IN (SELECT id FROM zk)")
check "grow: the watcher group count rises by >= 10 ($rise)" test "${rise:-0}" -ge 10
stop=$(sql "$T/grow.db" 'SELECT max(max_stop_ns) FROM thread_sample')
check "grow: stop time measured and under 100 ms ($stop ns)" test "${stop:-0}" -gt 0 -a "${stop:-0}" -lt 100000000
check "grow: report has a threads section" has_line "$T/grow.report" "Threads ("
check "grow: verdict names the stuck function" grep -qE '^! thread group \+[0-9.]+/s: .*sleeping in read\(\) - zk_watch_loop' "$T/grow.report"

check "pool: target still running" alive "$pool"
check "pool: no thread left stopped or traced" no_stopped_threads "$pool"
check "pool: report has a threads section" has_line "$T/pool.report" "Threads ("
if grep -q '^! thread group' "$T/pool.report"; then
	fail "pool: steady workers not flagged" "$(grep '^! thread group' "$T/pool.report")"
else
	ok "pool: steady workers not flagged"
fi

# --- --no-threads ----------------------------------------------------------
lt record -p "$pool" -o "$T/off.db" --interval 100ms --duration 500ms --no-threads 2>/dev/null || true
check "no-threads: source says disabled" test "$(sql "$T/off.db" "SELECT reason FROM source WHERE name='threads'")" = "disabled with --no-threads"
check "no-threads: no thread samples" test "$(sql "$T/off.db" 'SELECT count(*) FROM thread_sample')" = 0
kill_wait TERM "$pool"

# --- SIGKILL of leaktop while it samples 2,000 threads --------------------
start_target many_threads 2000 60
many=$TARGET_PID
many_out=$TARGET_OUT
wait_for "[ \$(ls /proc/$many/task | wc -l) -ge 2000 ]" 20 || true
leftovers=0
for delay in 0.3 0.45 0.6 0.8 1.1; do
	start_bg kill "$LEAKTOP" record -p "$many" -o "$T/kill-$delay.db" --interval 100ms --threads-interval 100ms --force
	sleep "$delay"
	kill -KILL "$BG_PID" 2>/dev/null || true
	wait "$BG_PID" 2>/dev/null || true
	# a thread stopped under PTRACE_SEIZE resumes as soon as its tracer is
	# gone: allow the kernel a moment to reap the tracer
	wait_for "no_stopped_threads $many" 2 || leftovers=$((leftovers + 1))
done
check "sigkill: no thread left stopped after 5 kills mid-sample" test "$leftovers" -eq 0
if alive "$many"; then
	ok "sigkill: target still running"
else
	wait "$many" 2>/dev/null; st=$?
	fail "sigkill: target still running" "target ended with status $st"
	note "$many_out" "$T"/kill.err
fi
# sqlite3 -readonly cannot replay the -wal of a writer that died; leaktop's
# own reader can, and that is what a user runs.
check "sigkill: session readable after SIGKILL" lt report "$T/kill-1.1.db"
