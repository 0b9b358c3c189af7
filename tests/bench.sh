#!/usr/bin/env bash
# make bench: overhead of leaktop on its target, measured side by side in one
# run.  Not a test: it prints figures, it asserts nothing.
#
# Rounds alternate between the modes so drift of the machine hits all of
# them.  Throughput is the median of the churn target's per-period ops/s
# lines inside the attached window; slowdown = unattached / attached
# throughput within each round, shown as min / median / max over rounds.
set -eu
export LC_ALL=C
LEAKTOP=${LEAKTOP:-bin/leaktop}
SECS=${BENCH_SECS:-4}
ROUNDS=${BENCH_ROUNDS:-7}
# BENCH_ONLY=go: the Go reader's part alone (tests/bench_go.sh);
# BENCH_ONLY=growth: the session file's growth alone (growth_bench);
# BENCH_ONLY=churn: the churn workloads alone.
if [ "${BENCH_ONLY:-}" = go ]; then
	exec bash tests/bench_go.sh
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", (b>0) ? a/b : 0}'; }
now_ns() { date +%s%N; }

# The modes compared: "none" for the target alone, "heaptrack" for
# heaptrack -p when installed, otherwise extra `leaktop record` options.
MODES=(none
       "--no-threads"
       "--no-threads --no-free-flow"
       "--no-threads --sample-rate 64K"
       "--no-threads --sample-rate 1"
       "--threads-interval 1s"
       "--no-heap --interval 100ms --threads-interval 100ms")
command -v heaptrack >/dev/null && MODES+=(heaptrack)
# The workloads: churn's arguments after PERIOD_MS SECONDS (threads, frames
# of calls around each malloc and free, largest block).
WORKLOADS=("1 0 32768" "2 3 2064")
WNAMES=("churn: 1 thread on CPU 0 (leaktop on CPU 1), 16 B..32 KiB blocks, 4096 live"
	"2-thread churn: 16 B..2 KiB blocks through 3 frames of calls, 4096 live each")

# Reachability scans (issue 16; BENCH_REACH_ONLY=1 runs this part alone):
# the time a scan takes per GiB of target memory, and the target's
# slowdown while one runs.  The churn loop with a ballast of
# BENCH_REACH_MIB (default 512) MiB of 64-byte live blocks is recorded
# with a scan every 3 s (threads stopped by scans only: --no-threads would
# stop none); its 100 ms periods (timestamped) that lie inside
# a scan are compared with those at least 0.3 s away from any.
reach_bench() {
	local mib=${BENCH_REACH_MIB:-512} pid
	build/targets/churn 100 60 1 0 32768 "$mib" >"$tmp/reach.ops" &
	pid=$!
	for _ in $(seq 600); do grep -qs "^ops" "$tmp/reach.ops" && break; sleep 0.1; done
	"$LEAKTOP" record -p "$pid" -o "$tmp/reach.db" --threads-interval 1d --scan-interval 3s \
		--duration "${BENCH_REACH_SECS:-20}s" 2>/dev/null || true
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
	# Scan start and end on the wall clock, from the first tick's two clocks.
	sqlite3 -separator ' ' "$tmp/reach.db" "
		SELECT (SELECT wall_ns - CAST(t * 1e9 AS INTEGER) FROM tick ORDER BY id LIMIT 1)
		       + CAST(s.t * 1e9 AS INTEGER), s.took_ns, s.heap_bytes, s.bytes_read,
		       s.max_pause_ns, s.candidates, s.proof
		FROM reach_scan s ORDER BY s.id" >"$tmp/reach.scans" 2>/dev/null || true
	if [ ! -s "$tmp/reach.scans" ]; then
		echo "reachability scans: none recorded"
		return
	fi
	local n heap c proving per took maxtook rd pause inside away
	n=$(wc -l <"$tmp/reach.scans")
	read -r heap c proving rd pause maxtook < <(awk '{h = $3; c = $6; p += $7; rd += $4;
		if ($5 > pz) pz = $5; if ($2 > mt) mt = $2}
		END {printf "%.0f %d %d %.0f %.1f %.0f\n", h / 1048576, c, p, rd / NR / 1048576, pz / 1e6, mt / 1e6}' "$tmp/reach.scans")
	per=$(awk '$3 > 0 {printf "%.3f\n", $2 / 1e9 / ($3 / 1073741824)}' "$tmp/reach.scans" | median)
	took=$(awk '{printf "%.0f\n", $2 / 1e6}' "$tmp/reach.scans" | median)
	echo "reachability scan (churn + ${mib} MiB ballast: heap ${heap} MiB, $c sampled blocks judged; $n scans, $proving proving):"
	echo "  scan time median $took ms (max $maxtook ms) = $per s per GiB of heap; read $rd MiB per scan; longest thread pause $pause ms"
	# Operations per second of the time inside scans (each period's ops
	# spread over its span, a stop of the target included) against the
	# periods at least 0.3 s away from any scan while leaktop was attached.
	awk -v t0="$(sqlite3 "$tmp/reach.db" "SELECT min(wall_ns) FROM tick")" \
	    -v t1="$(sqlite3 "$tmp/reach.db" "SELECT max(wall_ns) FROM tick")" 'NR == FNR { s0[NR] = $1; s1[NR] = $1 + $2; n = NR; next }
	$1 == "ops" && NF >= 4 {
		lo = $3; hi = $4; near = 0
		for (i = 1; i <= n; i++) {
			a = lo > s0[i] ? lo : s0[i]; b = hi < s1[i] ? hi : s1[i]
			if (b > a) { in_t += b - a; in_ops += $2 * (b - a) / 1e9 }
			if (hi > s0[i] - 300e6 && lo < s1[i] + 300e6) near = 1
		}
		if (!near && lo >= t0 && hi <= t1) { out_t += hi - lo; out_ops += $2 * (hi - lo) / 1e9 }
	} END {
		if (in_t <= 0 || out_t <= 0) { print "  target during a scan: too few periods to compare"; exit }
		a = in_ops / (in_t / 1e9); b = out_ops / (out_t / 1e9)
		printf "  target during scans: %.0f ops/s over %.1f s, away from scans %.0f ops/s over %.1f s: slowdown %.2f\n",
			a, in_t / 1e9, b, out_t / 1e9, (a > 0 ? b / a : 0)
	}' "$tmp/reach.scans" "$tmp/reach.ops"
}
if [ "${BENCH_REACH_ONLY:-0}" = 1 ]; then
	reach_bench
	exit 0
fi

# Session file growth at default settings (1 s ticks, heap and threads on)
# on growth_load: 200 allocation sites whose counters change every tick,
# 50 thread groups (BENCH_ONLY=growth runs this part alone).  Two
# recordings of the same process, 10 s and 40 s: the difference is what
# the 30 s more cost, without the fixed part.  The tables that take the
# most of the 40 s file follow (dbstat, when the sqlite3 shell has it).
growth_bench() {
	local pid d
	build/targets/growth_load 200 50 300 >/dev/null &
	pid=$!
	sleep 0.5
	for d in 10 40; do
		"$LEAKTOP" record -p "$pid" -o "$tmp/growth$d.db" --duration "${d}s" 2>/dev/null || true
	done
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
	awk -v a="$(stat -c %s "$tmp/growth10.db")" -v b="$(stat -c %s "$tmp/growth40.db")" \
	    -v ta="$(sqlite3 "$tmp/growth10.db" 'SELECT count(*) FROM tick')" \
	    -v tb="$(sqlite3 "$tmp/growth40.db" 'SELECT count(*) FROM tick')" \
	    -v s="$(sqlite3 "$tmp/growth40.db" 'SELECT count(*) FROM heap_site WHERE kind = 0')" \
	    -v g="$(sqlite3 "$tmp/growth40.db" 'SELECT count(*) FROM thread_group')" 'BEGIN {
		if (tb <= ta) { print "session file growth: not measured"; exit }
		r = (b - a) / (tb - ta)
		printf "session file growth (growth_load, default settings, %d heap sites, %d thread groups): %.0f bytes/tick = %.1f MiB/hour (%.1f MB/hour)\n", s, g, r, r*3600/1048576, r*3600/1e6 }'
	sqlite3 -separator ' ' "$tmp/growth40.db" "SELECT name, sum(pgsize), sum(payload), count(*) FROM dbstat
		GROUP BY name ORDER BY 2 DESC LIMIT 5" 2>/dev/null |
		awk -v t="$(sqlite3 "$tmp/growth40.db" 'SELECT count(*) FROM tick')" \
		    -v rows="$(sqlite3 "$tmp/growth40.db" 'SELECT count(*) FROM heap_value')" '
		NR == 1 { printf "  40 s file, largest tables (pages / payload bytes, of %d ticks; heap_value %d rows):\n", t, rows }
		{ printf "    %-28s %9d B pages %9d B payload\n", $1, $2, $3 }'
}
if [ "${BENCH_ONLY:-}" = growth ]; then
	make -s build/targets/growth_load
	growth_bench
	exit 0
fi

# First heap data of a session, in ns since the epoch (empty when none).
first_heap_ns() {
	sqlite3 "$1" 'SELECT min(t.wall_ns) FROM tick t JOIN heap_value v ON v.tick_id = t.id' 2>/dev/null || true
}

# The window a mode was attached, "FROM TO" in wall-clock ns: leaktop's from
# its first tick with heap data (its first tick without the heap source)
# to its end; heaptrack's from 2 s after it started (gdb attaches in
# about that) to when it was interrupted.
window() {
	local db=$1 from to
	from=$(first_heap_ns "$db")
	[ -z "$from" ] && from=$(sqlite3 "$db" 'SELECT min(wall_ns) FROM tick' 2>/dev/null || true)
	to=$(sqlite3 "$db" "SELECT value FROM meta WHERE key = 'end_ns'" 2>/dev/null || true)
	[ -z "$to" ] && to=$(sqlite3 "$db" 'SELECT max(wall_ns) FROM tick' 2>/dev/null || true)
	echo "${from:-0} ${to:-0}"
}

# run_churn W IDX OUT: one round of workload W under mode MODES[IDX]; writes
# the ops/s of the periods wholly inside the attached window to OUT.ops.
run_churn() {
	local w=$1 mode=${MODES[$2]} out=$3 from to
	local tpin=() lpin=()
	# A 1-thread workload runs on CPU 0 in every mode and leaktop (or
	# heaptrack) on CPU 1: with both free to move, which core the target
	# landed on, and what shared it, moved a round's figure by up to 30%
	# here (two unattached churns side by side differed that much).  The
	# agent's thread runs on the target's core, as it would.
	if [ "${WORKLOADS[$w]%% *}" = 1 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
		tpin=(taskset -c 0)
		lpin=(taskset -c 1)
	fi
	# shellcheck disable=SC2086 # the workload is an argument list
	"${tpin[@]}" build/targets/churn 250 "$((SECS + 4))" ${WORKLOADS[$w]} >"$out" &
	local pid=$!
	sleep 0.5
	case "$mode" in
	none)
		from=$(now_ns); sleep "$SECS"; to=$(now_ns) ;;
	heaptrack)
		# heaptrack -p injects with gdb and traces every call until
		# interrupted; its figures are for comparison only.
		from=$(( $(now_ns) + 2000000000 ))
		(cd "$tmp" && timeout -s INT "$((SECS + 2))" "${lpin[@]}" heaptrack -p "$pid" >/dev/null 2>&1) || true
		to=$(now_ns)
		;;
	*)
		# shellcheck disable=SC2086 # mode is an option list
		/usr/bin/time -f '%e %U %S' -o "$out.time" "${lpin[@]}" "$LEAKTOP" record -p "$pid" -o "$out.db" \
			$mode --duration "${SECS}s" 2>/dev/null || true
		sqlite3 "$out.db" 'SELECT max_stop_ns FROM thread_sample' >>"$tmp/stop-$w-$2" 2>/dev/null || true
		read -r from to < <(window "$out.db")
		;;
	esac
	local rc=0
	wait "$pid" || rc=$?
	# The target must survive every mode; say when one did not.
	[ "$rc" -ne 0 ] && echo "$rc" >>"$tmp/crash-$w-$2"
	awk -v f="$from" -v t="$to" '$1 == "ops" && $3 >= f && $4 <= t {print $2}' "$out" >"$out.ops"
	# The workers' CPU time per operation over the same periods.
	awk -v f="$from" -v t="$to" '$1 == "ops" && NF >= 5 && $3 >= f && $4 <= t {n += $2 * ($4 - $3) / 1e9; c += $5}
		END {if (n > 0) printf "%.3f\n", c / n}' "$out" >"$out.cpu"
	return 0
}

# spread FILE: "min/median/max" of the numbers in FILE.
spread() {
	sort -n "$1" 2>/dev/null | awk '{a[NR]=$1} END {if (!NR) {print "-"; exit}
		m = (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2
		printf "%.2fx / %.2fx / %.2fx", a[1], m, a[NR]}'
}

# Rounds interleave the modes (and the workloads), so the load of the
# machine drifts over all of them alike; a ratio is taken within a round
# (unattached median / attached median of that round's periods).
for r in $(seq "$ROUNDS"); do
	for w in "${!WORKLOADS[@]}"; do
		for i in "${!MODES[@]}"; do
			run_churn "$w" "$i" "$tmp/r$r-$w-$i"
			median <"$tmp/r$r-$w-$i.ops" >"$tmp/m$r-$w-$i"
			cat "$tmp/r$r-$w-$i.ops" >>"$tmp/all-$w-$i"
			[ -f "$tmp/r$r-$w-$i.time" ] && cat "$tmp/r$r-$w-$i.time" >>"$tmp/cpu-$w-$i"
			[ -f "$tmp/r$r-$w-$i.db" ] && "$LEAKTOP" report "$tmp/r$r-$w-$i.db" 2>/dev/null |
				awk '$1 == "heap" && $2 == "agent" {print}' >>"$tmp/agent-$w-$i"
		done
		for i in "${!MODES[@]}"; do
			[ "$i" -eq 0 ] && continue
			b=$(cat "$tmp/m$r-$w-0"); v=$(cat "$tmp/m$r-$w-$i")
			awk -v a="$b" -v b="$v" 'BEGIN {if (b > 0) printf "%.4f\n", a/b}' >>"$tmp/ratio-$w-$i"
			b=$(cat "$tmp/r$r-$w-0.cpu"); v=$(cat "$tmp/r$r-$w-$i.cpu")
			awk -v a="$b" -v b="$v" 'BEGIN {if (a > 0 && b > 0) printf "%.4f\n", b/a}' >>"$tmp/cratio-$w-$i"
		done
	done
done

for w in "${!WORKLOADS[@]}"; do
	base=$(median <"$tmp/all-$w-0")
	echo "${WNAMES[$w]}"
	echo "  slowdown = unattached / attached ops/s, paired per round; min / median / max over $ROUNDS rounds of ${SECS}s"
	echo "  (only 250 ms periods wholly inside the attached window are counted; cpu/op: the workers'"
	echo "  CPU time per operation, attached / unattached, paired likewise: what the load of other"
	echo "  processes on the machine hardly changes)"
	printf '    %-52s %11.0f ops/s\n' "unattached" "$base"
	for i in "${!MODES[@]}"; do
		[ "$i" -eq 0 ] && continue
		v=$(median <"$tmp/all-$w-$i")
		label="record ${MODES[$i]}"
		[ "${MODES[$i]}" = heaptrack ] && label="heaptrack -p ($(heaptrack --version 2>/dev/null | head -1))"
		cpu=$(awk '{u+=$2; s+=$3; e+=$1} END {if (e>0) printf "%.1f%%", 100*(u+s)/e; else print "-"}' "$tmp/cpu-$w-$i" 2>/dev/null || echo "-")
		stops=""
		if [ -s "$tmp/stop-$w-$i" ]; then
			stops=$(sort -n "$tmp/stop-$w-$i" | awk '{a[NR]=$1} END {printf "  thread stop median %.0fus max %.0fus", a[int((NR+1)/2)]/1000, a[NR]/1000}')
		fi
		crashed=""
		[ -s "$tmp/crash-$w-$i" ] && crashed="  TARGET DIED in $(wc -l <"$tmp/crash-$w-$i") of $ROUNDS rounds (status $(sort -u "$tmp/crash-$w-$i" | tr '\n' ' '))"
		printf '    %-52s %11.0f ops/s  slowdown %s  cpu/op %s  (leaktop CPU %s)%s%s\n' "$label" "$v" \
			"$(spread "$tmp/ratio-$w-$i")" "$(spread "$tmp/cratio-$w-$i")" "$cpu" "$stops" "$crashed"
		[ -s "$tmp/agent-$w-$i" ] && tail -n 1 "$tmp/agent-$w-$i" | sed 's/^ *heap agent */        agent (last round): /'
	done
done

[ "${BENCH_ONLY:-}" = churn ] && exit 0

# Attach latency: from the command's start to the first tick with heap
# data, ticks every 50 ms so the tick period hardly adds to it.
for r in $(seq 9); do
	build/targets/churn 250 10 >/dev/null &
	pid=$!
	sleep 0.3
	start=$(now_ns)
	"$LEAKTOP" record -p "$pid" -o "$tmp/lat$r.db" --no-threads --interval 50ms --duration 2s 2>/dev/null || true
	first=$(first_heap_ns "$tmp/lat$r.db")
	[ -n "$first" ] && echo $(( (first - start) / 1000 )) >>"$tmp/latency"
	kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
done
if [ -s "$tmp/latency" ]; then
	sort -n "$tmp/latency" | awk '{a[NR]=$1} END {printf "attach latency (command start to first heap data, %d runs): min %.0f ms, median %.0f ms, max %.0f ms\n", NR, a[1]/1000, a[int((NR+1)/2)]/1000, a[NR]/1000}'
else
	echo "attach latency: no heap data recorded"
fi

# The reachability scans' part (reach_bench, defined above).
reach_bench

# The session file's growth (growth_bench, defined above).
growth_bench

# TUI responsiveness with 100,000 heap sites: a short real session, plus
# 100,000 synthetic sites written with SQL, viewed with --dump.
build/targets/heap_sites 512 30 >/dev/null &
pid=$!
sleep 0.3
"$LEAKTOP" record -p "$pid" -o "$tmp/big.db" --interval 250ms --duration 2s --no-threads 2>/dev/null || true
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
sqlite3 "$tmp/big.db" "
CREATE TEMP TABLE base AS SELECT (SELECT coalesce(max(id), 0) FROM frame) AS f,
	(SELECT coalesce(max(id), 0) FROM stack) AS s, (SELECT coalesce(max(id), 0) FROM heap_site) AS h,
	(SELECT min(id) FROM tick) AS t0, (SELECT max(id) FROM tick) AS t1;
CREATE TEMP TABLE n AS WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 100000) SELECT i FROM c;
INSERT INTO frame (id, module_id, addr, pc) SELECT f + i, NULL, i, 4096 * i FROM n, base;
INSERT INTO frame_symbol (frame_id, depth, function, file, line) SELECT f + i, 0, 'generated_' || i, 'gen.c', i FROM n, base;
INSERT INTO stack (id, hash, depth) SELECT s + i, i, 1 FROM n, base;
INSERT INTO stack_frame (stack_id, pos, frame_id) SELECT s + i, 0, f + i FROM n, base;
INSERT INTO heap_site (id, stack_id, first_tick) SELECT h + i, s + i, t0 FROM n, base;
INSERT INTO heap_value (site_id, tick_id, live_bytes, live_count, alloc_bytes, alloc_count) SELECT h + i, t0, 4096 * (i % 1000), i % 1000, 4096 * (i % 1000), i % 1000 FROM n, base;
INSERT INTO heap_value (site_id, tick_id, live_bytes, live_count, alloc_bytes, alloc_count) SELECT h + i, t1, 4096 * (i % 1000) + 64 * (i % 7), i % 1000, 8192 * (i % 1000), i % 1000 FROM n, base WHERE i % 3 = 0;
" 2>/dev/null
t0=$(now_ns)
"$LEAKTOP" view "$tmp/big.db" --dump --size 120x40 >/dev/null 2>&1
t1=$(now_ns)
"$LEAKTOP" view "$tmp/big.db" --dump --size 120x40 --keys 'sjjjjsss' >"$tmp/big.out" 2>&1
t2=$(now_ns)
awk -v a="$t0" -v b="$t1" -v c="$t2" -v s="$(sqlite3 "$tmp/big.db" 'SELECT count(*) FROM heap_site')" 'BEGIN {
	printf "TUI with %d heap sites: load and first frame %.0f ms; load, 8 keys (4 re-rankings) and a frame %.0f ms\n",
		s, (b-a)/1e6, (c-b)/1e6 }'

# A real server under its own load tool, when installed (BENCH_REDIS=0
# skips it).
if [ "${BENCH_REDIS:-1}" != 0 ] && command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null; then
	port=$((20000 + RANDOM % 20000))
	redis-server --port "$port" --save "" --appendonly no --daemonize no >/dev/null 2>&1 &
	rpid=$!
	sleep 0.5
	rb() { redis-benchmark -p "$port" -q -t set,get,lpush,lpop -n 100000 -P 4 2>/dev/null |
		awk -F'[: ]+' '/requests per second/ {for (i=1;i<=NF;i++) if ($i ~ /^[0-9.]+$/) {s+=$i; break}} END {print s}'; }
	rb >/dev/null  # warm-up: the first run is slower for reasons of its own
	rmodes=(none "" "--sample-rate 64K" "--sample-rate 1")
	command -v heaptrack >/dev/null && rmodes+=(heaptrack)
	for r in $(seq "$ROUNDS"); do
		for i in "${!rmodes[@]}"; do
			m=${rmodes[$i]}
			case "$m" in
			none) rb >>"$tmp/redis-$i" ;;
			heaptrack)
				# heaptrack -p can hang on detach: bounded by timeout.
				(cd "$tmp" && timeout -k 5 30 heaptrack -p "$rpid" >"$tmp/ht.out" 2>&1) & hp=$!
				# heaptrack attaches with gdb: wait until it says so
				for _ in $(seq 100); do grep -q "injecting\|heaptrack output will be written" "$tmp/ht.out" 2>/dev/null && break; sleep 0.1; done
				sleep 1; rb >>"$tmp/redis-$i"
				pkill -INT -f "heaptrack -p $rpid" 2>/dev/null || true
				timeout 10 tail --pid="$hp" -f /dev/null 2>/dev/null || pkill -KILL -f "heaptrack -p $rpid" || true
				wait "$hp" 2>/dev/null || true
				;;
			*)
				# shellcheck disable=SC2086
				"$LEAKTOP" record -p "$rpid" -o "$tmp/redis$r-$i.db" --no-threads $m >/dev/null 2>&1 & lp=$!
				sleep 1; rb >>"$tmp/redis-$i"
				kill -INT "$lp" 2>/dev/null; wait "$lp" 2>/dev/null || true
				;;
			esac
		done
	done
	rbase=$(median <"$tmp/redis-0")
	echo "redis-server under redis-benchmark (sum of SET/GET/LPUSH/LPOP requests/s, median of $ROUNDS):"
	printf '  %-56s %12.0f req/s  slowdown 1.000\n' "unattached" "$rbase"
	for i in "${!rmodes[@]}"; do
		[ "$i" -eq 0 ] && continue
		v=$(median <"$tmp/redis-$i")
		label="record --no-threads ${rmodes[$i]:-(default rate)}"
		[ "${rmodes[$i]}" = heaptrack ] && label="heaptrack -p"
		# Paired per round, like the churn's.
		paste "$tmp/redis-0" "$tmp/redis-$i" | awk '$2 > 0 {printf "%.4f\n", $1/$2}' >"$tmp/rratio-$i"
		printf '  %-56s %12.0f req/s  slowdown %s (min / median / max)\n' "$label" "$v" "$(spread "$tmp/rratio-$i")"
	done
	if kill "$rpid" 2>/dev/null; then
		wait "$rpid" 2>/dev/null || true
	else
		echo "  redis-server died during the runs"
	fi
elif [ "${BENCH_REDIS:-1}" = 0 ]; then
	echo "redis-server: skipped (BENCH_REDIS=0)"
else
	echo "redis-server: not installed (make bench installs it when run as root)"
fi

# A Go program's goroutines: leaktop, dlv and the program's own endpoint.
bash tests/bench_go.sh
