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

# run_churn MODE OUT: one round of the churn loop; MODE is "none" or an
# interval for leaktop record.
run_churn() {
	local mode=$1 out=$2
	build/targets/churn 250 "$((SECS + 1))" >"$out" &
	local pid=$!
	sleep 0.3
	if [ "$mode" != none ]; then
		/usr/bin/time -f '%e %U %S' -o "$out.time" "$LEAKTOP" record -p "$pid" -o "$tmp/s-$mode-$RANDOM.db" \
			--interval "$mode" --duration "${SECS}s" 2>/dev/null || true
	else
		sleep "$SECS"
	fi
	wait "$pid" || true
}


for r in $(seq "$ROUNDS"); do
	for mode in none 1s 100ms; do
		run_churn "$mode" "$tmp/r$r-$mode"
		# skip the first line (warm-up) of each round
		tail -n +2 "$tmp/r$r-$mode" | awk '{print $2}' >>"$tmp/all-$mode"
		[ -f "$tmp/r$r-$mode.time" ] && cat "$tmp/r$r-$mode.time" >>"$tmp/cpu-$mode"
	done
done

base=$(median <"$tmp/all-none")
echo "churn target throughput (median ops/s over $ROUNDS rounds of ${SECS}s):"
printf '  %-28s %12.0f ops/s  ratio 1.000\n' "unattached" "$base"
for mode in 1s 100ms; do
	v=$(median <"$tmp/all-$mode")
	cpu=$(awk '{u+=$2; s+=$3; e+=$1} END {if (e>0) printf "%.2f%%", 100*(u+s)/e; else print "?"}' "$tmp/cpu-$mode" 2>/dev/null || echo "?")
	printf '  %-28s %12.0f ops/s  ratio %.3f  (leaktop CPU %s)\n' "record --interval $mode" "$v" \
		"$(awk -v a="$base" -v b="$v" 'BEGIN {print (b>0) ? a/b : 0}')" "$cpu"
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
