#!/usr/bin/env bash
# export: sessions in other tools' formats.  pprof is read back by Go's own
# pprof (a client no one here wrote), folded is compared line by line with a
# recorded fixture, CSV values are checked against the session's own rows,
# speedscope for shape; a real threads recording (thread_grower) goes
# through pprof too; bad moments, corrupt and empty sessions, and outputs
# that must not be replaced give clear errors and leave no file behind.
. "$(dirname "$0")/../lib.sh"

FIX=tests/fixtures/export_session.lt
# go tool pprof offline: no module downloads, no toolchain switch, no
# writes into the real home.
export HOME=$T GOTOOLCHAIN=local GOFLAGS=-mod=mod GOPROXY=off
PPROF=(go tool pprof)

if ! command -v go >/dev/null; then
	bail "go is not installed (make deps installs golang-go)"
fi

# --- pprof through go tool pprof ------------------------------------------------
run lt export "$FIX" --format pprof -o "$T/heap.pb.gz"
check "pprof: export exits 0" test "$LAST_RC" = 0
check "pprof: the file is gzip" sh -c "head -c2 '$T/heap.pb.gz' | od -An -tx1 | grep -q '1f 8b'"
"${PPROF[@]}" -top -unit=byte "$T/heap.pb.gz" >"$T/top.txt" 2>&1 || true
want=$(grep ';leak_request_buffer ' tests/fixtures/export_session.folded | awk '{s += $NF} END {print s}')
expect_line "pprof -top: the default type is inuse_space" "$T/top.txt" "Type: inuse_space"
if grep -Eq "^ +${want}B .* leak_request_buffer$" "$T/top.txt"; then
	ok "pprof -top: leak_request_buffer with its ${want} bytes"
else
	fail "pprof -top: leak_request_buffer with its ${want} bytes"; note "$T/top.txt"
fi
expect_line "pprof -top: the program's build-id" "$T/top.txt" "Build ID: "
"${PPROF[@]}" -traces "$T/heap.pb.gz" >"$T/traces.txt" 2>&1 || true
check "pprof -traces: leak_request_buffer is called from main" \
	awk '/leak_request_buffer$/ {getline; if ($1 == "main") f = 1} END {exit !f}' "$T/traces.txt"
"${PPROF[@]}" -top -sample_index=alloc_objects "$T/heap.pb.gz" >"$T/alloc.txt" 2>&1 || true
expect_line "pprof: alloc_objects is a sample type" "$T/alloc.txt" "Type: alloc_objects"
"${PPROF[@]}" -list 'leak_request_buffer' "$T/heap.pb.gz" >"$T/list.txt" 2>&1 || true
expect_line "pprof -list: file and line of the leak" "$T/list.txt" "heap_sites.c"

run lt export "$FIX" --format pprof --from 1s --to 3s -o "$T/delta.pb.gz"
"${PPROF[@]}" -top "$T/delta.pb.gz" >"$T/delta.txt" 2>&1 || true
expect_line "pprof --from/--to: a 2 s range" "$T/delta.txt" "Duration: 2s"
expect_line "pprof --from/--to: the leak grew in it" "$T/delta.txt" "leak_request_buffer"

# --from later than --to: the change is negative, and pprof shows it so.
at1=$(lt export "$FIX" --format folded --at 1s | awk '/;leak_request_buffer / {print $NF}')
at3=$(lt export "$FIX" --format folded --at 3s | awk '/;leak_request_buffer / {print $NF}')
run lt export "$FIX" --format pprof --from 3s --to 1s -o "$T/neg.pb.gz"
"${PPROF[@]}" -top -unit=byte "$T/neg.pb.gz" >"$T/neg.txt" 2>&1 || true
if [ -n "$at1" ] && [ -n "$at3" ] && [ "$at1" -lt "$at3" ] &&
	grep -Eq "^ +$((at1 - at3))B .* leak_request_buffer$" "$T/neg.txt"; then
	ok "pprof --from 3s --to 1s: the leak's change is negative ($((at1 - at3)) bytes)"
else
	fail "pprof --from 3s --to 1s: the leak's change is negative" "at 1s: $at1, at 3s: $at3"
	note "$T/neg.txt"
fi

run lt export "$FIX" --format pprof --type threads -o "$T/threads.pb.gz"
"${PPROF[@]}" -top "$T/threads.pb.gz" >"$T/threads.txt" 2>&1 || true
expect_line "pprof threads: sample type threads" "$T/threads.txt" "Type: threads"
expect_line "pprof threads: the agent's thread is in poll" "$T/threads.txt" "__GI___poll"

# --- folded against the fixture ---------------------------------------------------
run lt export "$FIX" --format folded
check "folded: heap stacks equal the recorded fixture line by line" diff -u tests/fixtures/export_session.folded "$T/last.out"
run lt export "$FIX" --format folded --type threads
check "folded: thread stacks equal the fixture line by line" diff -u tests/fixtures/export_session.threads.folded "$T/last.out"
check "folded: every line is frames;...;frames VALUE" awk 'NF < 2 || $NF !~ /^-?[0-9]+$/ {exit 1}' "$T/last.out"

# --- speedscope and CSV -------------------------------------------------------------
run lt export "$FIX" --format speedscope -o "$T/ss.json"
check "speedscope: JSON with the schema" grep -q '"$schema":"https://www.speedscope.app/file-format-schema.json"' "$T/ss.json"
check "speedscope: the leak is a frame" grep -q '"name":"leak_request_buffer"' "$T/ss.json"
run lt export "$FIX" --format csv --series memory
check "csv memory: the header names the series" sh -c "head -1 '$T/last.out' | grep -q '^t,wall_ns,rss_anon,'"
check "csv memory: one row per tick" test "$(($(wc -l <"$T/last.out") - 1))" = "$(ticks "$FIX")"
# csv_col FILE NAME: the column NAME of FILE's last row.
csv_col() {
	awk -F, -v name="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
		{ v = $c } END { if (c) print v }' "$1"
}
want=$(last_value "$FIX" rss_anon)
got=$(csv_col "$T/last.out" rss_anon)
check "csv memory: the last rss_anon is the session's ($want)" test -n "$want" -a "$got" = "$want"
got=$(awk -F, 'NR == 2 {print $1; exit}' "$T/last.out")
check "csv memory: t of the first row is the first tick's ($got)" \
	test "$got" = "$(sql "$FIX" 'SELECT printf("%.3f", t) FROM tick ORDER BY id LIMIT 1')"
run lt export "$FIX" --format csv --series memory --from 1s --to 2s
want=$(sql "$FIX" 'SELECT count(*) FROM tick WHERE t > 0.875 AND t <= 2.125')
check "csv --from 1s --to 2s: only the ticks of the range ($want)" test "$(($(wc -l <"$T/last.out") - 1))" = "$want"
expect_fail 2 "--at is not for csv" "csv refuses --at (a timeline)" lt export "$FIX" --format csv --at 1s
expect_fail 2 "--sample-type is for heap" "threads refuse --sample-type" \
	lt export "$FIX" --format folded --type threads --sample-type alloc_space
run lt export "$FIX" --format csv --series sites
check "csv sites: rows name the sites" grep -q '"leak_request_buffer (heap_sites.c:' "$T/last.out"
check "csv sites: the header" test "$(head -1 "$T/last.out")" = "t,site,live_bytes,live_count,alloc_bytes,alloc_count,where"
want=$(grep ';leak_request_buffer ' tests/fixtures/export_session.folded | awk '{print $NF}')
got=$(grep '"leak_request_buffer (' "$T/last.out" | tail -1 | cut -d, -f3)
check "csv sites: the leak's last live bytes ($got) are the folded value ($want)" test "$got" = "$want"
run lt export "$FIX" --format csv --series threads
check "csv threads: a column per thread group" sh -c "head -1 '$T/last.out' | grep -q 'group 1: '"

# --- bad input ----------------------------------------------------------------------
expect_exit 2 "a moment that is not one" lt export "$FIX" --format folded --at yesterday
expect_line "and says what it expects" "$T/last.err" "neither seconds from the start"
expect_exit 2 "a moment outside the session" lt export "$FIX" --format folded --at 1h
expect_exit 2 "an unknown format" lt export "$FIX" --format svg
expect_exit 2 "--from without --to" lt export "$FIX" --format pprof --from 1s -o "$T/x.pb.gz"
check "no output file after a usage error" test ! -e "$T/x.pb.gz"
expect_exit 4 "an existing output without --force" lt export "$FIX" --format pprof -o "$T/heap.pb.gz"
head -c 4096 /dev/urandom >"$T/garbage.lt"
expect_exit 4 "a corrupt session" lt export "$T/garbage.lt" --format pprof -o "$T/g.pb.gz"
check "no output file for a corrupt session" test ! -e "$T/g.pb.gz"
: >"$T/zero.lt"
expect_fail 4 "not a leaktop session" "an empty file" lt export "$T/zero.lt" --format folded -o "$T/z.folded"
check "no output file for an empty file" test ! -e "$T/z.folded"
sqlite3 "$T/noticks.lt" <data/schema.sql
expect_fail 4 "has no ticks" "a session without ticks" lt export "$T/noticks.lt" --format csv -o "$T/nt.csv"
check "no output file for a session without ticks" test ! -e "$T/nt.csv"

# -o replaces only a regular file, and only with --force.
echo old >"$T/old.folded"
expect_exit 0 "--force replaces an existing file" lt export "$FIX" --format folded -o "$T/old.folded" --force
check "and it holds the export" diff -u tests/fixtures/export_session.folded "$T/old.folded"
ln -s "$T/nowhere" "$T/dangling"
expect_fail 4 "not a regular file" "a dangling symlink as output, even with --force" \
	lt export "$FIX" --format folded -o "$T/dangling" --force
check "the symlink is left alone" test -L "$T/dangling" -a ! -e "$T/nowhere"
mkfifo "$T/fifo"
expect_fail 4 "not a regular file" "a FIFO as output" lt export "$FIX" --format folded -o "$T/fifo" --force
expect_fail 4 "leave out -o" "/dev/stdout as output points to standard output" \
	lt export "$FIX" --format folded -o /dev/stdout
check "no temporary file left next to the outputs" sh -c "! ls '$T' | grep -q '\.tmp[0-9]'"
# pprof is binary: not to a terminal (script gives the command a pty).
script -qec "$LEAKTOP export $FIX --format pprof" /dev/null >"$T/tty.out" 2>&1 </dev/null && rc=0 || rc=$?
check "pprof to a terminal is refused (status $rc)" test "$rc" = 2
expect_line "and says to use -o or a pipe" "$T/tty.out" "use -o FILE or a pipe"
run sh -c "'$LEAKTOP' export '$FIX' --format pprof | head -c2 | od -An -tx1"
expect_line "pprof to a pipe is written" "$T/last.out" "1f 8b"
start_target heap_grower 0 30
start_record nh "$TARGET_PID" --duration 1s --no-heap --no-threads
wait_exit "${REC[nh]}" 20 || true
expect_exit 4 "a session without heap data" lt export "$T/nh.db" --format pprof -o "$T/nh.pb.gz"
expect_line "says so" "$T/last.err" "no heap data"
check "and leaves no file" test ! -e "$T/nh.pb.gz"

# --- threads of a real target through pprof -----------------------------------------
# thread_grower leaks watcher threads blocked in read() in zk_watch_loop,
# called from watcher_main; the session's own rows say how many there were
# at the end, and every export must say the same number.
start_target thread_grower 100 60
start_record tg "$TARGET_PID" --interval 250ms --threads-interval 500ms --duration 3s --no-heap
wait_exit "${REC[tg]}" 30 || true
status_ok "threads: record exits 0" "${WAIT_RC:-timeout}" "$T/tg.err"
zk=$(sql "$T/tg.db" "
	WITH zk AS (SELECT DISTINCT g.id FROM thread_group g JOIN stack_frame sf ON sf.stack_id = g.stack_id
	            JOIN frame_symbol fs ON fs.frame_id = sf.frame_id WHERE fs.function = 'zk_watch_loop')
	SELECT sum(c.count) FROM thread_count c WHERE c.group_id IN (SELECT id FROM zk)
	AND c.tick_id = (SELECT max(tick_id) FROM thread_count WHERE group_id = c.group_id)")
check "threads: the session has watchers (${zk:-none})" test "${zk:-0}" -ge 5
run lt export "$T/tg.db" --format pprof --type threads -o "$T/tg.pb.gz"
check "threads pprof: export exits 0" test "$LAST_RC" = 0
"${PPROF[@]}" -top -nodefraction=0 "$T/tg.pb.gz" >"$T/tg.top" 2>&1 || true
expect_line "threads pprof -top: sample type threads" "$T/tg.top" "Type: threads"
got=$(awk '$NF == "zk_watch_loop" {print $4}' "$T/tg.top")
if [ -n "$got" ] && [ "$got" = "${zk:-}" ]; then
	ok "threads pprof -top: zk_watch_loop holds the $zk watchers"
else
	fail "threads pprof -top: zk_watch_loop holds the ${zk:-?} watchers" "pprof says ${got:-nothing}"
	note "$T/tg.top"
fi
"${PPROF[@]}" -traces "$T/tg.pb.gz" >"$T/tg.traces" 2>&1 || true
# The trace through zk_watch_loop: its count, its caller, its labels.
awk '/^-+\+/ { if (zk) exit; n = ""; sc = ""; next }
	/syscall:/ { sc = $2 }
	$1 ~ /^[0-9]+$/ && n == "" { n = $1 }
	zk == 1 { caller = $1; zk = 2 }
	$NF == "zk_watch_loop" { zk = 1 }
	END { print n, caller, sc }' "$T/tg.traces" >"$T/tg.trace"
check "threads pprof -traces: $zk watchers in read() in zk_watch_loop <- watcher_main ($(cat "$T/tg.trace"))" \
	test "$(cat "$T/tg.trace")" = "$zk watcher_main read"
run lt export "$T/tg.db" --format folded --type threads
got=$(awk '/;watcher_main;zk_watch_loop;/ {s += $NF} END {print s + 0}' "$T/last.out")
check "threads folded: root first, the watchers' count ($got)" test "$got" = "$zk"
run lt export "$T/tg.db" --format csv --series threads
want=$(last_value "$T/tg.db" threads)
got=$(csv_col "$T/last.out" threads)
check "threads csv: the last thread count is the session's ($want)" test -n "$want" -a "$got" = "$want"
run lt export "$T/tg.db" --format folded --type threads --from 1s --to 3s
got=$(awk '/;zk_watch_loop;/ {s += $NF} END {print s + 0}' "$T/last.out")
check "threads folded --from 1s --to 3s: watchers were added ($got of $zk)" test "$got" -gt 0 -a "$got" -lt "$zk"

# --- a session still being recorded -------------------------------------------------
start_target heap_sites 1024
start_record live "$TARGET_PID" --interval 250ms --sample-rate 64K --no-threads
# Exported again and again while the recording goes on, until the leak is
# in: every export must succeed on the file being written.  Exit 4 is what
# a failed read of that file gives, so it is not exempt: only before the
# first export succeeds may one fail, and then only because the file is
# not there yet, is still empty or without tables (being created), or
# holds no tick or no heap data yet.  "not a leaktop session file" of a
# file being created is a failure.
bad=0 seen=0
: >"$T/live.fails"
for _ in $(seq 60); do
	run lt export "$T/live.db" --format folded
	if [ "$LAST_RC" -eq 0 ]; then
		seen=1
	elif [ "$seen" = 1 ] || [ "$LAST_RC" -ne 4 ] ||
		! grep -qE 'has no ticks|holds no data|cannot open .*No such file|not an SQLite database|database without tables|no heap data' "$T/last.err"; then
		bad=$((bad + 1))
		{ echo "status $LAST_RC:"; cat "$T/last.err"; } >>"$T/live.fails"
	fi
	grep -q ';leak_request_buffer ' "$T/last.out" && break
	sleep 0.25
done
check "while recording: export reads the committed ticks" grep -q ';leak_request_buffer ' "$T/last.out"
if [ "$bad" = 0 ]; then
	ok "while recording: no export failed on the file being written"
else
	fail "while recording: no export failed on the file being written" "$bad failed"
	note "$T/live.fails"
fi
kill -INT "${REC[live]}"
wait_exit "${REC[live]}" 10 || true
