#!/usr/bin/env bash
# make bench: overhead of leaktop on its target, measured side by side in one
# run.  Not a test: it prints figures, it asserts nothing.
#
# Rounds alternate unattached / recorded so drift of the machine hits both.
# Throughput is the median of the churn target's per-period ops/s lines.
set -eu
export LC_ALL=C
LEAKTOP=${LEAKTOP:-bin/leaktop}
SECS=${BENCH_SECS:-4}
ROUNDS=${BENCH_ROUNDS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# The modes compared; each is the extra record options, or "none" for the
# target running alone.
MODES=(none "--interval 1s --no-threads" "--interval 100ms --no-threads"
       "--interval 1s --threads-interval 1s" "--interval 100ms --threads-interval 100ms")

# run_churn IDX OUT: one round of the churn loop under mode MODES[IDX].
run_churn() {
	local mode=${MODES[$1]} out=$2
	build/targets/churn 250 "$((SECS + 1))" >"$out" &
	local pid=$!
	sleep 0.3
	if [ "$mode" != none ]; then
		# shellcheck disable=SC2086 # mode is an option list
		/usr/bin/time -f '%e %U %S' -o "$out.time" "$LEAKTOP" record -p "$pid" -o "$out.db" \
			$mode --duration "${SECS}s" 2>/dev/null || true
		sqlite3 "$out.db" 'SELECT max_stop_ns FROM thread_sample' >>"$tmp/stop-$1" 2>/dev/null || true
	else
		sleep "$SECS"
	fi
	wait "$pid" || true
}


for r in $(seq "$ROUNDS"); do
	for i in "${!MODES[@]}"; do
		run_churn "$i" "$tmp/r$r-$i"
		# skip the first line (warm-up) of each round
		tail -n +2 "$tmp/r$r-$i" | awk '{print $2}' >>"$tmp/all-$i"
		[ -f "$tmp/r$r-$i.time" ] && cat "$tmp/r$r-$i.time" >>"$tmp/cpu-$i"
	done
done

base=$(median <"$tmp/all-0")
echo "churn target throughput (median ops/s over $ROUNDS rounds of ${SECS}s; slowdown = unattached / attached):"
printf '  %-48s %12.0f ops/s  slowdown 1.000\n' "unattached" "$base"
for i in "${!MODES[@]}"; do
	[ "$i" -eq 0 ] && continue
	v=$(median <"$tmp/all-$i")
	cpu=$(awk '{u+=$2; s+=$3; e+=$1} END {if (e>0) printf "%.1f%%", 100*(u+s)/e; else print "?"}' "$tmp/cpu-$i" 2>/dev/null || echo "?")
	stops=""
	if [ -s "$tmp/stop-$i" ]; then
		stops=$(sort -n "$tmp/stop-$i" | awk '{a[NR]=$1} END {printf "  thread stop median %.0fus max %.0fus", a[int((NR+1)/2)]/1000, a[NR]/1000}')
	fi
	printf '  %-48s %12.0f ops/s  slowdown %.3f  (leaktop CPU %s)%s\n' "record ${MODES[$i]}" "$v" \
		"$(awk -v a="$base" -v b="$v" 'BEGIN {print (b>0) ? a/b : 0}')" "$cpu" "$stops"
done

# Session file growth: one minute of ticks at 1s on a process that changes
# every tick, extrapolated from a shorter run to keep bench quick.
build/targets/churn 250 30 >/dev/null &
pid=$!
sleep 0.3
"$LEAKTOP" record -p "$pid" -o "$tmp/growth.db" --interval 100ms --duration 10s 2>/dev/null
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
ticks=$(sqlite3 "$tmp/growth.db" 'SELECT count(*) FROM tick')
bytes=$(stat -c %s "$tmp/growth.db")
awk -v b="$bytes" -v t="$ticks" 'BEGIN {
	printf "session file: %d bytes for %d ticks = %.0f bytes/tick, %.1f KiB/min at 1s, %.1f MiB/hour at 1s\n",
		b, t, b/t, b/t*60/1024, b/t*3600/1048576 }'
