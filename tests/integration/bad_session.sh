#!/usr/bin/env bash
# bad_session: what a session file says is checked before anything is
# shown (issue 13).  A real recording, edited with sqlite3 to hold values
# no recording writes, is refused by view, report and export with exit 4
# and one line naming table, row and column; nothing is printed as data
# ("-8388608 TiB", "-7 threads", a 300-digit time).  Truncated files are
# refused by view and export too, and a session killed in its first 0.14 s
# says plainly that it holds no data.
. "$(dirname "$0")/../lib.sh"

start_target heap_grower 0 60
pid=$TARGET_PID
lt record -p "$pid" -o "$T/good.db" --interval 100ms --threads-interval 300ms --duration 1500ms 2>"$T/rec.err" ||
	bail "cannot record a session to damage: $(cat "$T/rec.err")"
check "the sound session has heap rows" test "$(sql "$T/good.db" 'SELECT count(*) FROM heap_value')" -gt 0
check "the sound session has thread rows" test "$(sql "$T/good.db" 'SELECT count(*) FROM thread_count')" -gt 0
expect_exit 0 "the sound session reports" lt report "$T/good.db"

# Data-driven: name | SQL applied to a copy | what the message must name.
while IFS='|' read -r name q want; do
	[ -n "$name" ] || continue
	cp "$T/good.db" "$T/bad.db"
	sqlite3 "$T/bad.db" "$q" || { fail "$name" "sqlite3 could not apply: $q"; continue; }
	expect_fail 4 "$want" "report refuses $name" lt report "$T/bad.db"
	check "report prints nothing of $name" test ! -s "$T/last.out"
	expect_fail 4 "$want" "view refuses $name" lt view "$T/bad.db" --dump
	check "view prints nothing of $name" test ! -s "$T/last.out"
	expect_fail 4 "$want" "export refuses $name" lt export "$T/bad.db" --format folded -o "$T/bad.folded"
	check "export writes no file for $name" test ! -e "$T/bad.folded"
done <<'EOF'
negative live bytes|UPDATE heap_value SET live_bytes = -9223372036854775808 WHERE site_id = (SELECT min(site_id) FROM heap_value)|table heap_value, row (site_id 
INT64_MAX live count|UPDATE heap_value SET live_count = 9223372036854775807 WHERE site_id = (SELECT min(site_id) FROM heap_value)|live_count is 9223372036854775807, above
text for a size|UPDATE metric_value SET value = 'big' WHERE tick_id = 2|value is 'big', not a whole number
negative thread count|UPDATE thread_count SET count = -7 WHERE group_id = 1|table thread_count, row (group_id 1, tick_id
300-digit time|UPDATE tick SET t = 1e300 WHERE id = 3|table tick, row (id 3): t is 1.0e+300, not a time in seconds
duplicate tick|UPDATE tick SET t = (SELECT t FROM tick WHERE id = 2) WHERE id = 3|table tick, row (id 3): t is
times out of order|UPDATE tick SET t = 0.001 WHERE id = 5|row (id 5): t is 0.001, not after the tick before
negative start|UPDATE meta SET value = '-1000' WHERE key = 'start_ns'|table meta, row (key start_ns)
EOF

# --- truncated files -----------------------------------------------------------
for pct in 10 50 90; do
	cp "$T/good.db" "$T/cut.db"
	truncate -s $(($(stat -c %s "$T/cut.db") * pct / 100)) "$T/cut.db"
	expect_fail 4 "corrupt or truncated" "view: truncated to $pct%" lt view "$T/cut.db" --dump
	expect_fail 4 "corrupt or truncated" "export: truncated to $pct%" lt export "$T/cut.db" --format csv -o "$T/cut.csv"
	check "export: no file for a file truncated to $pct%" test ! -e "$T/cut.csv"
done

# --- a session with no tick ----------------------------------------------------
# As left by a recording killed before its first tick: the schema, the
# format row, nothing else.
sqlite3 "$T/empty.db" <data/schema.sql
sqlite3 "$T/empty.db" "PRAGMA user_version = $(sql "$T/good.db" 'PRAGMA user_version')"
expect_fail 4 "holds no data: killed or failed before its first tick" "report: schema only" lt report "$T/empty.db"
check "report: schema only prints no 'unknown' fields" test ! -s "$T/last.out"
expect_fail 4 "holds no data" "export: schema only" lt export "$T/empty.db" --format csv -o "$T/e.csv"
expect_exit 0 "view: schema only opens" lt view "$T/empty.db" --dump
check "view: says the session holds no data" grep -q "this session holds no data: killed or failed before its first tick" "$T/last.out"

# A file created but no table written yet (the first instant of a
# recording): said, rather than left to look like another program's.
sqlite3 "$T/bare.db" 'PRAGMA user_version = 0; VACUUM'
expect_fail 4 "SQLite database without tables: a recording just starting" "report: an SQLite file without tables" lt report "$T/bare.db"
expect_fail 4 "without tables" "export: an SQLite file without tables" lt export "$T/bare.db" --format csv -o "$T/b.csv"

# The real thing: SIGKILL of record 0.14 s in (0.06 s, 0.1 s, 0.2 s if
# this machine wrote a tick or no file by then).
killed=""
for d in 0.14 0.1 0.06 0.2 0.03; do
	rm -f "$T/k.db" "$T/k.db-wal" "$T/k.db-shm"
	start_bg kill "$LEAKTOP" record -p "$pid" -o "$T/k.db"
	sleep "$d"
	kill -KILL "$BG_PID" 2>/dev/null || true
	wait "$BG_PID" 2>/dev/null || true
	[ -e "$T/k.db" ] || continue
	run lt report "$T/k.db"
	if grep -q "holds no data" "$T/last.err"; then
		killed=$d
		break
	fi
done
if [ -n "$killed" ]; then
	expect_fail 4 "holds no data" "report: recording killed after ${killed}s" lt report "$T/k.db"
	check "report: killed recording prints no 'still recording' report" test ! -s "$T/last.out"
	expect_fail 4 "holds no data" "export: recording killed after ${killed}s" lt export "$T/k.db" --format csv -o "$T/k.csv"
	run lt view "$T/k.db" --dump
	check "view: recording killed after ${killed}s holds no data" grep -q "this session holds no data" "$T/last.out"
else
	skip "report: recording killed before its first tick" "every kill left a tick or no file"
fi
check "target survived" alive "$pid"
