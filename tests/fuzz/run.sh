#!/usr/bin/env bash
# tests/fuzz/run.sh — `make fuzz`: runs each libFuzzer harness
# (build/fuzz/fuzz_NAME) for FUZZ_SECONDS (default 60) under nice, starting
# from tests/fuzz/corpus/NAME, then merges into that corpus only the inputs
# that reached new coverage.  A crash stops that harness (libFuzzer stops at
# the first) and its input is kept as build/fuzz/crashes/NAME-crash-*; the
# other harnesses still run.  Prints one line per harness (executions,
# executions per second, corpus size before and after, crashes) and exits 1
# if any harness crashed.
#   FUZZ_TARGETS=agentmsg,store   only these harnesses
#   FUZZ_JOBS=N                   libFuzzer -jobs (default 1: a shared box)
set -u
export LC_ALL=C
cd "$(dirname "$0")/../.." || exit 1

secs=${FUZZ_SECONDS:-60}
only=,${FUZZ_TARGETS:-},
crashed=0 ran=0
mkdir -p build/fuzz/crashes build/fuzz/logs

for bin in build/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	case $bin in *.d | *.o) continue ;; esac
	name=${bin#build/fuzz/fuzz_}
	if [ "$only" != ",," ] && [[ $only != *",$name,"* ]]; then
		continue
	fi
	ran=$((ran + 1))
	corpus=tests/fuzz/corpus/$name
	work=build/fuzz/work/$name
	log=build/fuzz/logs/$name.log
	mkdir -p "$corpus" "$work"
	before=$(find "$corpus" -type f | wc -l)
	rc=0
	t0=$(date +%s)
	nice -n 10 "$bin" -max_total_time="$secs" -print_final_stats=1 \
		-timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="build/fuzz/crashes/$name-" \
		"$work" "$corpus" >"$log" 2>&1 || rc=$?
	took=$(($(date +%s) - t0))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	# The merge keeps the committed corpus small: only what adds coverage.
	nice -n 10 "$bin" -merge=1 "$corpus" "$work" >>"$log" 2>&1 || true
	after=$(find "$corpus" -type f | wc -l)
	crash=0
	if [ "$rc" -ne 0 ]; then
		crash=1
		crashed=$((crashed + 1))
	fi
	printf 'fuzz %-10s %10s execs in %ss (%s/s), corpus %d -> %d, crashes %d\n' \
		"$name" "${execs:-?}" "$took" "${rate:-?}" "$before" "$after" "$crash"
	if [ "$crash" -ne 0 ]; then
		grep -m 1 -E 'ERROR: |runtime error|deadly signal|timeout' "$log" | sed 's/^/    /'
		grep -m 1 'Test unit written to' "$log" | sed 's/^/    /'
		echo "    log: $log"
	fi
done
if [ "$ran" -eq 0 ]; then
	echo "fuzz: no harness built or selected (make fuzz-build)" >&2
	exit 1
fi
[ "$crashed" -eq 0 ]
