#!/usr/bin/env bash
# record_options: the accepted forms of DUR (500ms, 10s, 5m, 1h, plain
# seconds, combinations such as 1m30s) mean what they say, and -p with a
# thread id records that thread's process.  All recordings run side by
# side and last 2 s at most.
. "$(dirname "$0")/../lib.sh"

declare -A want_reason   # by run name, as REC

# Long durations are accepted; the target (which exits after 2 s) ends them.
for d in 1m30s 5m 1h 10s 3 4.5s; do
	start_target heap_grower 0 2
	start_record "long-$d" "$TARGET_PID" --duration "$d" --interval 250ms
	want_reason[long-$d]="target exited"
done

# Short durations end the recording themselves: plain numbers are seconds.
start_target heap_grower 0 60
long_pid=$TARGET_PID
for d in 0.6 600ms 0m0.6s; do
	start_record "short-$d" "$long_pid" --duration "$d" --interval 100ms
	want_reason[short-$d]=duration
done

# Interval forms.
for i in 0.2 200ms; do
	start_record "int-$i" "$long_pid" --duration 1s --interval "$i"
	want_reason[int-$i]=duration
done

# A thread id (not the group leader) selects its process.
start_target thread_grower 10000 60
tg_pid=$TARGET_PID
wait_for "[ \$(ls /proc/$tg_pid/task | wc -l) -ge 5 ]" 5 || true
tid=""
for task in /proc/"$tg_pid"/task/*; do
	if [ "${task##*/}" != "$tg_pid" ]; then
		tid=${task##*/}
		break
	fi
done
start_record tid "$tid" --duration 500ms --interval 100ms
want_reason[tid]=duration

for run in $(printf '%s\n' "${!REC[@]}" | sort); do
	if ! wait_exit "${REC[$run]}" 15; then
		fail "$run: record ends" "still running after 15 s"
		continue
	fi
	db=$T/$run.db
	reason=$(meta "$db" end_reason 2>/dev/null || true)
	if [ "$WAIT_RC" -eq 0 ] && [ "$reason" = "${want_reason[$run]}" ]; then
		ok "$run: accepted, ends with \"$reason\""
	else
		fail "$run: accepted, ends with \"${want_reason[$run]}\"" "status $WAIT_RC, end reason '$reason'"
		note "$T/$run.err"
	fi
done

for d in 0.6 600ms 0m0.6s; do
	db=$T/short-$d.db
	ms=$((($(meta "$db" end_ns) - $(meta "$db" start_ns)) / 1000000))
	if [ "$ms" -ge 450 ] && [ "$ms" -le 1500 ]; then
		ok "--duration $d lasts 0.6 s"
	else
		fail "--duration $d lasts 0.6 s" "lasted $ms ms"
	fi
done
for i in 0.2 200ms; do
	db=$T/int-$i.db
	check "--interval $i is 0.2 s" awk -v v="$(meta "$db" interval)" 'BEGIN { exit !(v == 0.2) }'
	n=$(ticks "$db")
	if [ "$n" -ge 4 ] && [ "$n" -le 7 ]; then ok "--interval $i: about 5 ticks a second"; else fail "--interval $i: about 5 ticks a second" "$n ticks in 1 s"; fi
done

if [ -n "$tid" ]; then
	check "-p TID records its process (meta pid)" test "$(meta "$T/tid.db" pid)" = "$tg_pid"
	check "-p TID counts the process's threads" test "$(last_value "$T/tid.db" threads)" -ge 5
else
	fail "-p TID records its process" "thread_grower has no second thread"
fi
