#!/usr/bin/env bash
# tests/run.sh [PATTERN...] — runs every test and prints a summary.
#
# Runs each unit test binary in build/unit/ and build/unit-san/ (cmocka, TAP
# output) and each tests/integration/*.sh, LT_TEST_JOBS (default 2) at a
# time, each under a timeout of LT_TEST_TIMEOUT seconds (default 240: heap_attach
# waits a minute after a SIGKILL to see the target keep allocating).
# With PATTERNs only the tests whose name (e.g. "unit/test_store",
# "integration/signals.sh") contains one of them run.
#
# Counting: each test case of a unit binary and each "ok"/"not ok" line of
# an integration script is one test.  A binary or script that exits non-zero
# (crash, sanitizer report, timeout) without reporting a failure of its own,
# or stops before the end of its TAP plan, counts as one more failure.
# Skips count as passed and are listed.  Each failure is printed with its
# output; the last line is exactly "N passed, N failed", and the exit status
# is 1 if anything failed.

if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u
export LC_ALL=C
cd "$(dirname "$0")/.." || exit 1

JOBS=${LT_TEST_JOBS:-2}
TIMEOUT=${LT_TEST_TIMEOUT:-240}
work=$(mktemp -d "${TMPDIR:-/tmp}/lt-run.XXXXXX")

names=() cmds=() kinds=()
add_job() { # KIND NAME CMD...
	local kind=$1 name=$2 pat
	shift 2
	if [ ${#patterns[@]} -gt 0 ]; then
		for pat in "${patterns[@]}"; do
			case $name in *"$pat"*) break ;; esac
			pat=
		done
		[ -n "$pat" ] || return 0
	fi
	kinds+=("$kind")
	names+=("$name")
	cmds+=("$(printf '%q ' "$@")")
}

patterns=("$@")
for bin in build/unit/test_* build/unit-san/test_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	case $bin in *.d | *.o) continue ;; esac
	add_job unit "${bin#build/}" env CMOCKA_MESSAGE_OUTPUT=TAP "$bin"
done
for script in tests/integration/*.sh; do
	[ -f "$script" ] || continue
	add_job integration "integration/${script##*/}" bash "$script"
done

passed=0 failed=0
skipped=() failures=()
running=()     # job indexes in flight; $work/I.pid is job I's timeout

# An interrupted run stops every job's timeout, which passes SIGTERM on to
# its test (whose own trap then stops its targets).  A job started an
# instant ago may not have written its pid yet.
stop_all() {
	local i p n
	for i in "${running[@]+"${running[@]}"}"; do
		for ((n = 0; n < 40; n++)); do
			[ -s "$work/$i.pid" ] && break
			sleep 0.05
		done
		p=$(cat "$work/$i.pid" 2>/dev/null) && kill -TERM "$p" 2>/dev/null
	done
	wait
	rm -rf "$work"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM HUP
trap 'rm -rf "$work"' EXIT

start_job() {
	local i=$1
	(
		eval "exec timeout -k 10 $TIMEOUT ${cmds[$i]}" >"$work/$i.log" 2>&1 </dev/null &
		echo $! >"$work/$i.pid"
		wait $!
		echo $? >"$work/$i.rc.tmp"
		mv "$work/$i.rc.tmp" "$work/$i.rc"
	) &
	running+=("$i")
}

# record_failure NAME LOG WHY
record_failure() {
	failed=$((failed + 1))
	failures+=("$1"$'\x1f'"$2"$'\x1f'"$3")
}

# Unit binary: cmocka's TAP lines.  Prints "pass fail planned seen" then
# the failed test names, one per line.
parse_unit() {
	awk '
	/^1\.\.[0-9]+/ { sub(/^1\.\./, ""); plan += $0; next }
	/^not ok [0-9]+ # SKIP/ { s = $0; sub(/^not ok [0-9]+ # SKIP */, "", s); skip[++ns] = s; pass++; seen++; next }
	/^ok [0-9]+/ { pass++; seen++; next }
	/^not ok [0-9]+/ { s = $0; sub(/^not ok [0-9]+ - */, "", s); bad[++nb] = s; seen++; next }
	END {
		print pass + 0, nb + 0, plan + 0, seen + 0
		for (i = 1; i <= nb; i++) print "F " bad[i]
		for (i = 1; i <= ns; i++) print "S " skip[i]
	}' "$1"
}

# Integration script: "ok - NAME", "ok - NAME # SKIP why", "not ok - NAME: why".
parse_integration() {
	awk '
	/^ok - .* # SKIP/ { s = $0; sub(/^ok - /, "", s); skip[++ns] = s; pass++; next }
	/^ok - / { pass++; next }
	/^not ok - / { s = $0; sub(/^not ok - /, "", s); bad[++nb] = s; next }
	END {
		print pass + 0, nb + 0, 0, pass + nb
		for (i = 1; i <= nb; i++) print "F " bad[i]
		for (i = 1; i <= ns; i++) print "S " skip[i]
	}' "$1"
}

finish_job() {
	local i=$1
	local name=${names[$i]} log=$work/$i.log rc pass fail plan seen line
	rc=$(cat "$work/$i.rc")
	if [ "${kinds[$i]}" = unit ]; then
		parse_unit "$log" >"$work/$i.parsed"
	else
		parse_integration "$log" >"$work/$i.parsed"
	fi
	read -r pass fail plan seen <"$work/$i.parsed"
	passed=$((passed + pass))
	while IFS= read -r line; do
		case $line in
		"F "*) record_failure "$name: ${line#F }" "$log" "" ;;
		"S "*) skipped+=("$name: ${line#S }") ;;
		esac
	done < <(tail -n +2 "$work/$i.parsed")
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		record_failure "$name" "$log" "timed out after ${TIMEOUT}s"
	elif [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
		record_failure "$name" "$log" "exited with status $rc without reporting a failure (crash or sanitizer?)"
	elif [ "$seen" -lt "$plan" ]; then
		record_failure "$name" "$log" "stopped after $seen of $plan tests (status $rc)"
	elif [ "$seen" -eq 0 ]; then
		record_failure "$name" "$log" "reported no results (status $rc)"
	fi
	printf '%-40s %3d passed, %d failed%s\n' "$name" "$pass" "$fail" \
		"$([ "$rc" -ne 0 ] && echo " (status $rc)")"
}

next=0
while [ "$next" -lt "${#names[@]}" ] || [ "${#running[@]}" -gt 0 ]; do
	while [ "$next" -lt "${#names[@]}" ] && [ "${#running[@]}" -lt "$JOBS" ]; do
		start_job "$next"
		next=$((next + 1))
	done
	still=()
	for i in "${running[@]}"; do
		if [ -f "$work/$i.rc" ]; then
			finish_job "$i"
		else
			still+=("$i")
		fi
	done
	running=("${still[@]+"${still[@]}"}")
	[ "${#running[@]}" -gt 0 ] && sleep 0.1
done
wait

if [ "${#names[@]}" -eq 0 ]; then
	echo "run.sh: no tests found (build them first: make unit build/targets/...)" >&2
fi
for s in "${skipped[@]+"${skipped[@]}"}"; do
	echo "skipped: $s"
done
if [ "$failed" -gt 0 ]; then
	shown=""
	echo
	for f in "${failures[@]}"; do
		IFS=$'\x1f' read -r fname flog fwhy <<<"$f"
		echo "FAILED: $fname${fwhy:+ — $fwhy}"
	done
	for f in "${failures[@]}"; do
		IFS=$'\x1f' read -r fname flog fwhy <<<"$f"
		case " $shown " in *" $flog "*) continue ;; esac
		shown="$shown $flog"
		echo
		echo "===== output of ${fname%%:*} ====="
		if [ "$(wc -l <"$flog")" -gt 200 ]; then
			head -n 60 "$flog"
			echo "[... $(($(wc -l <"$flog") - 160)) lines ...]"
			tail -n 100 "$flog"
		else
			cat "$flog"
		fi
	done
	echo
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
