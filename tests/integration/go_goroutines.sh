#!/usr/bin/env bash
# go_goroutines: a Go program's goroutines, read from outside (the Go
# reader, src/sources/goread.c).  Seed story 1: a handler leaks goroutines
# blocked in a channel send; the verdict names the function they are stuck
# in and the one that created them.  Seed story 2: a ticker starts a
# watcher goroutine per tick beside a steady worker pool; the watchers are
# flagged, the pool is not.  A program that exits while it is read ends the
# recording cleanly.  The targets keep running, never stopped or traced by
# the reader.  The Go runtime's own heap profile (runtime.mbuckets) gives
# the heap sites of a program that keeps heap profiling on: the leaking
# handler's buffers grow in main.longRunningTask.
#
# The Go programs in tests/targets/go/ are built here with the system's
# `go` (Debian's golang-go), offline, with a private build cache.
. "$(dirname "$0")/../lib.sh"

if ! command -v go >/dev/null 2>&1; then
	skip "$LT_NAME" "no go compiler (make deps installs golang-go)"
	exit 0
fi
mkdir -p "$T/go"
for p in leak_handler ticker_pool exit_soon; do
	if ! GOCACHE=$T/gocache GO111MODULE=off GOPROXY=off GOFLAGS= GOTOOLCHAIN=local \
		go build -o "$T/go/$p" "tests/targets/go/$p.go" >"$T/build.err" 2>&1; then
		note "$T/build.err"
		bail "cannot build tests/targets/go/$p.go"
	fi
done
ok "go: targets built with $(go version | awk '{print $3}')"

# runs_free PID: the process runs: state not t/T in any thread, not traced.
runs_free() {
	awk '/^State:/ && ($2 == "t" || $2 == "T") { bad = 1 }
	     /^TracerPid:/ && $2 != 0 { bad = 1 }
	     END { exit bad }' /proc/"$1"/task/*/status 2>/dev/null
}

# GOGC=10: a GC about every second, so the runtime publishes its heap
# profile often enough to show growth within the recording.
export GOGC=10
LT_TARGETS=$T/go start_target leak_handler 10 60
leak=$TARGET_PID
unset GOGC
LT_TARGETS=$T/go start_target ticker_pool 4 8 60
tick=$TARGET_PID
start_record leak "$leak" -d 15s
start_record tick "$tick" -d 15s
# Mid-recording: the targets run (the reader never stops them).
sleep 5
check "leak: runs free while recorded" runs_free "$leak"
check "tick: runs free while recorded" runs_free "$tick"
finish_record leak
finish_record tick

for r in leak tick; do
	db=$T/$r.db
	src=$(sql "$db" "SELECT available || ' ' || coalesce(reason, '') FROM source WHERE name = 'goroutines'")
	case $src in
	"1 go1."*) ok "$r: goroutines source available ($src)" ;;
	*) fail "$r: goroutines source available" "source row: '$src'"; note "$T/$r.err" ;;
	esac
	n=$(sql "$db" 'SELECT count(*) FROM goroutine_sample')
	check "$r: goroutines read at most ticks ($n of $(ticks "$db"))" test "$n" -ge 10
	expect_line "$r: report has a goroutine section" "$T/$r.report" "Goroutine groups ("
done
pid_alive_state() { alive "$1" && runs_free "$1"; }
check "leak: still running, not stopped" pid_alive_state "$leak"
check "tick: still running, not stopped" pid_alive_state "$tick"

# Story 1: +10/s in chan send in main.longRunningTask, created by main.handler.
if grep -qE '^! goroutines \+[0-9.]+/s: [0-9]+ of [0-9]+ blocked in chan send - main\.longRunningTask \(leak_handler\.go:[0-9]+\), created by main\.handler \(leak_handler\.go:[0-9]+\)' "$T/leak.report"; then
	ok "leak: verdict names main.longRunningTask and main.handler"
else
	fail "leak: verdict names main.longRunningTask and main.handler" "no such warning"
	note "$T/leak.report"
fi
rise=$(sql "$T/leak.db" "
	WITH g AS (SELECT DISTINCT gg.id FROM goroutine_group gg
	           JOIN stack_frame sf ON sf.stack_id = gg.stack_id
	           JOIN frame_symbol fs ON fs.frame_id = sf.frame_id
	           WHERE fs.function = 'main.longRunningTask' AND gg.wait_reason = 'chan send')
	SELECT max(count) - min(count) FROM goroutine_count WHERE group_id IN (SELECT id FROM g)")
check "leak: the leaking group rises by >= 80 in 15 s ($rise)" test "${rise:-0}" -ge 80
# How long the oldest goroutine of the group has waited: stored as when it
# started (goroutine_wait, changes only) and said in report and verdict.
waits=$(sql "$T/leak.db" "SELECT count(*) FROM goroutine_wait")
ticks_n=$(ticks "$T/leak.db")
check "leak: wait starts stored, changes only ($waits rows, $ticks_n ticks)" test "${waits:-0}" -ge 1 -a "${waits:-0}" -lt $((ticks_n * 3))
check "leak: the report says how long the oldest waits" grep -qE 'main\.longRunningTask \(leak_handler\.go:[0-9]+\)  \[oldest waiting [0-9.]+s\]' "$T/leak.report"
check "leak: the verdict too" grep -qE '^! goroutines .*created by main\.handler \(leak_handler\.go:[0-9]+\); the oldest waiting [0-9.]+s$' "$T/leak.report"
expect_no_line "leak: nothing else flagged" "$T/leak.report" "! goroutines +0"
check "leak: one goroutine warning" test "$(grep -c '^! goroutines' "$T/leak.report")" = 1

# Seed story 2's flame graph and `go tool pprof -top`: the goroutine
# groups exported like Go's goroutine profile.
lt export "$T/leak.db" --type goroutines --format folded -o "$T/leak.folded" 2>"$T/export.err" || true
check "leak: folded goroutine export names main.longRunningTask" \
	grep -qE ';main\.longRunningTask;runtime\.chansend1;.* [0-9]+$' "$T/leak.folded"
lt export "$T/leak.db" --type goroutines --format pprof -o "$T/leak.pb.gz" 2>>"$T/export.err" || true
check "leak: pprof goroutine export written" test -s "$T/leak.pb.gz"

# Story 2: the watchers are flagged, the pool of 8 is not.
expect_warning "tick: verdict names main.fetchZkName" "$T/tick.report" "blocked in chan receive - main.fetchZkName (ticker_pool.go:"
expect_warning "tick: created by main.initWatcher" "$T/tick.report" "created by main.initWatcher (ticker_pool.go:"
if grep '^! ' "$T/tick.report" | grep -q 'main\.worker'; then
	fail "tick: steady pool not flagged" "$(grep '^! .*main\.worker' "$T/tick.report")"
else
	ok "tick: steady pool not flagged"
fi
pool=$(sql "$T/tick.db" "
	SELECT count(DISTINCT gg.id) FROM goroutine_group gg
	JOIN stack_frame sf ON sf.stack_id = gg.stack_id
	JOIN frame_symbol fs ON fs.frame_id = sf.frame_id WHERE fs.function = 'main.worker'")
check "tick: the pool is seen ($pool groups in main.worker)" test "${pool:-0}" -ge 1
# The Go heap profile: leak_handler can write heap profiles, so the
# runtime keeps profiling on; ticker_pool cannot, and the reason says so.
src=$(sql "$T/leak.db" "SELECT available || ' ' || coalesce(reason, '') FROM source WHERE name = 'heap'")
case $src in
"1 the Go runtime's heap profile"*) ok "leak: heap source is the Go heap profile" ;;
*) fail "leak: heap source is the Go heap profile" "source row: '$src'" ;;
esac
live=$(site_live "$T/leak.db" main.longRunningTask)
check "leak: heap site in main.longRunningTask holds memory ($live bytes)" test "${live:-0}" -gt 1000000
expect_warning "leak: heap verdict names main.longRunningTask" "$T/leak.report" "live in main.longRunningTask (leak_handler.go:"
src=$(sql "$T/tick.db" "SELECT available || ' ' || coalesce(reason, '') FROM source WHERE name = 'heap'")
case $src in
"0 a Go program with its heap profiling off"*) ok "tick: heap source says profiling is off" ;;
*) fail "tick: heap source says profiling is off" "source row: '$src'" ;;
esac
kill_wait TERM "$leak"
kill_wait TERM "$tick"

# A program that exits while it is read: 2,000 goroutines churning, gone
# after 3 s.  The recording ends by itself, "target exited", and is whole.
LT_TARGETS=$T/go start_target exit_soon 2000 3
start_record exit "$TARGET_PID" -d 15s --interval 200ms
finish_record exit
check "exit: ended because the target exited" test "$(meta "$T/exit.db" end_reason)" = "target exited"
n=$(sql "$T/exit.db" 'SELECT count(*) FROM goroutine_sample')
check "exit: goroutines read before the exit ($n reads)" test "$n" -ge 1
dropped=$(sql "$T/exit.db" 'SELECT sum(dropped) FROM goroutine_sample')
read=$(sql "$T/exit.db" 'SELECT sum(goroutines) FROM goroutine_sample')
# The reads before the exit stored goroutines and their drop counts (a
# reader that stored nothing, or no drop count, fails here).
check "exit: $read goroutines read, $dropped dropped as changing while read" \
	test "${read:-0}" -gt 0 -a "${dropped:--1}" -ge 0
