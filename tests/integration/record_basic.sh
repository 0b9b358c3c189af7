#!/usr/bin/env bash
# record_basic: one short recording of heap_grower; checks the session file
# (metadata, ticks, carry-forward storage, integrity, no WAL left) and that
# report shows it.  The file is also read while the recording runs.
. "$(dirname "$0")/../lib.sh"

start_target heap_grower 4 60
pid=$TARGET_PID
db=$T/rec.db

# --no-heap: the heap agent adds a thread and a socket to the target, and
# this test counts both as constants.
start_record rec "$pid" --interval 250ms --duration 3s --no-heap
rec=$BG_PID

# Readable while recording: committed ticks only, through report and sqlite3.
if wait_ticks "$db" 3 10; then
	expect_exit 0 "report works during the recording" lt report "$db"
else
	fail "ticks committed during the recording" "fewer than 3 ticks after 10 s"
	note "$T/rec.err"
fi

if ! wait_exit "$rec" 20; then
	bail "record did not finish a 3 s recording within 20 s"
fi
status_ok "record exits 0" "$WAIT_RC" "$T/rec.err"

# Status lines: what is recorded at the start, the end reason at the end.
if grep -q "^leaktop: recording $pid\b.* to $db every" "$T/rec.err"; then
	ok "start line names pid, file and interval"
else
	fail "start line names pid, file and interval" "unexpected stderr"
	note "$T/rec.err"
fi
if tail -n 1 "$T/rec.err" | grep -q duration; then ok "end line gives the reason"; else fail "end line gives the reason" "no \"duration\" in the last line"; note "$T/rec.err"; fi

if [ -s "$db-wal" ]; then
	fail "no WAL left after a clean finish" "$(stat -c %s "$db-wal") bytes in $db-wal"
else
	ok "no WAL left after a clean finish"
fi
check "integrity_check is ok" test "$(sql "$db" 'PRAGMA integrity_check')" = ok
check "schema version is 3" test "$(sql "$db" 'PRAGMA user_version')" = 3

# --- meta ------------------------------------------------------------------
missing=""
for key in pid cmdline exe build_id host kernel version options cgroup start_ns end_ns end_reason interval; do
	[ -n "$(meta "$db" "$key")" ] || missing="$missing $key"
done
if [ -z "$missing" ]; then ok "meta has every key"; else fail "meta has every key" "missing or empty:$missing"; fi

check "meta pid is the target" test "$(meta "$db" pid)" = "$pid"
check "meta exe is the target's executable" test "$(meta "$db" exe)" = "$(readlink -f "$LT_TARGETS/heap_grower")"
check "meta cmdline is the target's" test "$(meta "$db" cmdline)" = "$LT_TARGETS/heap_grower 4 60"
build_id=$(meta "$db" build_id)
if [[ $build_id =~ ^[0-9a-f]{16,}$ ]]; then ok "meta build_id is hex"; else fail "meta build_id is hex" "'$build_id'"; fi
if command -v readelf >/dev/null; then
	want=$(readelf -n "$LT_TARGETS/heap_grower" | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p')
	check "meta build_id is the executable's" test "$build_id" = "$want"
fi
check "meta version is leaktop's" test "leaktop $(meta "$db" version)" = "$(lt --version)"
check "meta interval is 0.25" awk -v v="$(meta "$db" interval)" 'BEGIN { exit !(v == 0.25) }'
check "meta end_reason is duration" test "$(meta "$db" end_reason)" = duration
check "meta options are the command line" grep -q -- '--duration 3s' <<<"$(meta "$db" options)"
start_ns=$(meta "$db" start_ns)
end_ns=$(meta "$db" end_ns)
now_ns=$(date +%s%N)
if [ "$start_ns" -lt "$end_ns" ] && [ $((end_ns - start_ns)) -ge 2500000000 ] &&
	[ $((end_ns - start_ns)) -le 6000000000 ] && [ $((now_ns - end_ns)) -lt 60000000000 ] &&
	[ "$end_ns" -le "$now_ns" ]; then
	ok "start_ns < end_ns, about 3 s apart, just now"
else
	fail "start_ns < end_ns, about 3 s apart, just now" "start $start_ns end $end_ns now $now_ns"
fi
cg=$(meta "$db" cgroup)
if [[ $cg =~ ^v[12]:/ ]]; then ok "meta cgroup is v1:/path or v2:/path"; else fail "meta cgroup is v1:/path or v2:/path" "'$cg'"; fi
check "source procfs is available" test "$(sql "$db" "SELECT available FROM source WHERE name = 'procfs'")" = 1
check "source cgroup is recorded" test -n "$(sql "$db" "SELECT available FROM source WHERE name = 'cgroup'")"

# --- ticks -----------------------------------------------------------------
n=$(ticks "$db")
if [ "$n" -ge 10 ] && [ "$n" -le 14 ]; then ok "tick count is about duration/interval"; else fail "tick count is about duration/interval" "$n ticks for 3s / 250ms"; fi
bad=$(sql "$db" "SELECT count(*) FROM (SELECT t, wall_ns, LAG(t) OVER (ORDER BY id) AS pt FROM tick)
	WHERE (pt IS NOT NULL AND t <= pt) OR wall_ns < $start_ns - 1000000000 OR wall_ns > $end_ns + 1000000000")
check "ticks are in time order, within the session" test "$bad" = 0
check "first tick is at the start" awk -v t="$(sql "$db" 'SELECT min(t) FROM tick')" 'BEGIN { exit !(t >= 0 && t < 0.5) }'
step=$(sql "$db" 'SELECT (max(t) - min(t)) / (count(*) - 1) FROM tick')
check "ticks are an interval apart" awk -v s="$step" 'BEGIN { exit !(s > 0.2 && s < 0.35) }'

# --- values: only changes are stored ---------------------------------------
missing=""
for key in rss_anon rss_file threads fds fd_file fd_socket fd_pipe fd_anon_inode wchar write_bytes; do
	[ -n "$(sql "$db" "SELECT id FROM metric WHERE key = '$key'")" ] || missing="$missing $key"
done
if [ -z "$missing" ]; then ok "metric table has the procfs series"; else fail "metric table has the procfs series" "missing:$missing"; fi
dups=$(sql "$db" "SELECT count(*) FROM (SELECT value, LAG(value) OVER w AS prev, ROW_NUMBER() OVER w AS rn
	FROM metric_value WINDOW w AS (PARTITION BY metric_id ORDER BY tick_id)) WHERE rn > 1 AND value IS prev")
check "no value is stored twice in a row" test "$dups" = 0
orphans=$(sql "$db" 'SELECT count(*) FROM metric_value WHERE tick_id NOT IN (SELECT id FROM tick) OR metric_id NOT IN (SELECT id FROM metric)')
check "every value belongs to a tick and a metric" test "$orphans" = 0
check "threads (constant 1) has exactly one row" test "$(value_rows "$db" threads)|$(last_value "$db" threads)" = "1|1"
check "fd_socket (constant 0) has exactly one row" test "$(value_rows "$db" fd_socket)|$(last_value "$db" fd_socket)" = "1|0"
first_tick=$(sql "$db" 'SELECT min(id) FROM tick')
check "constant series are stored at the first tick" test "$(sql "$db" "SELECT v.tick_id FROM metric_value v JOIN metric m ON m.id = v.metric_id WHERE m.key = 'threads'")" = "$first_tick"
rows=$(value_rows "$db" rss_anon)
grew=$(growth "$db" rss_anon)
if [ "$rows" -ge 5 ] && [ "$grew" -ge $((6 << 20)) ] && [ "$grew" -le $((24 << 20)) ]; then
	ok "rss_anon grows as the target leaks (~4 MiB/s)"
else
	fail "rss_anon grows as the target leaks (~4 MiB/s)" "$rows rows, grew $grew bytes in 3 s"
fi

# --- report ----------------------------------------------------------------
expect_exit 0 "report exits 0" lt report "$db"
cp "$T/last.out" "$T/report.txt"
missing=""
for want in "$pid" "heap_grower" "RSS anon" "threads" "descriptors"; do
	has_line "$T/report.txt" "$want" || missing="$missing '$want'"
done
if [ -z "$missing" ]; then ok "report shows pid, target and series"; else fail "report shows pid, target and series" "missing$missing"; note "$T/report.txt"; fi
check "report writes nothing on stderr" test ! -s "$T/last.err"
