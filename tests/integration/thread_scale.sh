#!/usr/bin/env bash
# thread_scale: 3,000 steady threads (issue 13).  The sampler stops only as
# many threads per sample as its time budget allows and rotates over the
# rest; threads it has not reached yet must not read as change.  Before
# the fix the report said "! thread group +18/min" with the one group
# "growing" from 1,474 to 2,997 while the thread count stood at 3,002.
# Wanted: no growth verdict, the group flat at its full size, the skipped
# threads said in the report, every thread reached within a few samples.
. "$(dirname "$0")/../lib.sh"

N=3000
start_target many_threads "$N" 120
pid=$TARGET_PID
wait_for "[ \$(ls /proc/$pid/task | wc -l) -gt $N ]" 30 || bail "many_threads did not start $N threads"
run "$LEAKTOP" record -p "$pid" -o "$T/s.db" --no-heap --interval 500ms --threads-interval 1s --duration 12s
check "record exits 0" test "$LAST_RC" -eq 0 || note "$T/last.err"
lt report "$T/s.db" >"$T/report" 2>&1 || true

samples=$(sql "$T/s.db" 'SELECT count(*) FROM thread_sample')
check "thread samples taken ($samples)" test "$samples" -ge 6
skipped=$(sql "$T/s.db" 'SELECT max(skipped) FROM thread_sample')
unseen=$(sql "$T/s.db" 'SELECT max(unseen) FROM thread_sample' 2>/dev/null) || unseen=0
echo "# threads: at most $skipped skipped and $unseen not reached in one sample of $samples"
if [ "${skipped:-0}" -gt 0 ]; then
	check "report says how many were skipped" grep -qE "^  skipped: up to $skipped of 300[0-9] threads per sample" "$T/report"
else
	skip "report says how many were skipped" "this machine stopped all $N threads within one budget"
fi
if [ "${unseen:-0}" -gt 2 ]; then
	check "report says which samples are partial" grep -qE "^  partial: [0-9]+ of $samples samples had up to $unseen threads not reached yet" "$T/report"
else
	skip "report says which samples are partial" "every sample reached nearly every thread"
fi

# The view's header says how many were skipped at the sample under the
# cursor (the last one when the view opens).
last_skipped=$(sql "$T/s.db" 'SELECT skipped FROM thread_sample ORDER BY tick_id DESC LIMIT 1')
run lt view "$T/s.db" --dump --size 200x30
if [ "${last_skipped:-0}" -gt 0 ]; then
	check "view header: threads skipped $last_skipped" grep -q "threads skipped $last_skipped" "$T/last.out"
else
	check "view header: nothing skipped, nothing said" sh -c "! grep -q 'threads skipped' '$T/last.out'"
fi

# No verdict and no trend of growth anywhere in the threads section.
if grep -q '^! thread group' "$T/report"; then
	fail "no thread group verdict" "$(grep '^! thread group' "$T/report")"
else
	ok "no thread group verdict"
fi
park=$(grep -E 'many_threads_park' "$T/report" | grep -E '^ +[0-9]+ +[0-9]+ ' | head -1)
read -r start end _rate trend _ <<<"${park:-x x x x}"
check "parked group starts and ends at its full size ($start -> $end)" test "$start" -ge $((N - 2)) -a "$end" -ge $((N - 2))
check "parked group is flat ($trend)" test "$trend" = flat
if [ "$trend" != flat ] || [ "$end" -lt $((N - 2)) ]; then
	sql "$T/s.db" "SELECT 'sample', tick_id, sampled, skipped, unseen FROM thread_sample;
		SELECT 'count', g.id, g.state, g.stack_id, c.tick_id, c.count FROM thread_count c
		JOIN thread_group g ON g.id = c.group_id ORDER BY c.tick_id" >"$T/samples.txt"
	note "$T/samples.txt" "$T/report"
fi

# Every thread is in one group or counted unseen, never both or neither:
# per sample, the groups plus the unseen make the threads listed.
bad=$(sql "$T/s.db" "
	WITH s AS (SELECT ts.tick_id, ts.unseen FROM thread_sample ts),
	     c AS (SELECT s.tick_id, s.unseen,
	                  (SELECT sum(tc.count) FROM thread_count tc
	                    WHERE tc.tick_id = (SELECT max(t2.tick_id) FROM thread_count t2
	                                         WHERE t2.group_id = tc.group_id AND t2.tick_id <= s.tick_id)) AS grouped
	             FROM s)
	SELECT count(*) FROM c WHERE grouped + unseen < $N OR grouped + unseen > $N + 3")
check "groups plus unseen hold every thread in every sample" test "$bad" = 0
# The rotation reaches every thread within a few samples: from the
# fourth sample on, none is left unreached.
late=$(sql "$T/s.db" 'SELECT count(*) FROM thread_sample WHERE tick_id > (SELECT tick_id FROM thread_sample ORDER BY tick_id LIMIT 1 OFFSET 3) AND unseen > 2')
check "rotation reaches every thread within 4 samples ($late later samples partial)" test "$late" = 0

check "target still running" alive "$pid"
kill_wait TERM "$pid"
