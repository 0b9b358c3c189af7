#!/usr/bin/env bash
# export: sessions in other tools' formats.  pprof is read back by Go's own
# pprof (a client no one here wrote), folded is compared line by line with a
# recorded fixture, CSV and speedscope are checked for shape; bad moments,
# corrupt and empty sessions give clear errors and leave no file behind.
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
run lt export "$FIX" --format csv --series sites
check "csv sites: rows name the sites" grep -q '"leak_request_buffer (heap_sites.c:' "$T/last.out"
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
start_target heap_grower 0 30
start_record nh "$TARGET_PID" --duration 1s --no-heap --no-threads
wait_exit "${REC[nh]}" 20 || true
expect_exit 4 "a session without heap data" lt export "$T/nh.db" --format pprof -o "$T/nh.pb.gz"
expect_line "says so" "$T/last.err" "no heap data"
check "and leaves no file" test ! -e "$T/nh.pb.gz"

# --- a session still being recorded -------------------------------------------------
start_target heap_sites 1024
start_record live "$TARGET_PID" --interval 250ms --sample-rate 64K --no-threads
# Exported again and again while the recording goes on, until the leak is
# in: every export must succeed on the file being written.
bad=0
for _ in $(seq 60); do
	run lt export "$T/live.db" --format folded
	[ "$LAST_RC" -ne 0 ] && [ "$LAST_RC" -ne 4 ] && bad=$((bad + 1))
	grep -q ';leak_request_buffer ' "$T/last.out" && break
	sleep 0.25
done
check "while recording: export reads the committed ticks" grep -q ';leak_request_buffer ' "$T/last.out"
check "while recording: no export failed on the file being written" test "$bad" = 0
kill -INT "${REC[live]}"
wait_exit "${REC[live]}" 10 || true
