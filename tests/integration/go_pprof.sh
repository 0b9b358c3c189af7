#!/usr/bin/env bash
# go_pprof: a Go program built with -ldflags="-s -w" (no DWARF), which
# serves net/http/pprof on 127.0.0.1 (tests/targets/go/pprof_server.go).
# Its runtime cannot be located from outside: leaktop says so plainly and
# names --pprof.  With --pprof URL the program's own goroutine and heap
# profiles (gzipped profile.proto) are read into the same timeline: the
# verdicts name the goroutines piling up in main.longRunningTask (blocked
# in a channel send: the wait reason read from their stacks) and the
# heap growing there, the steady worker pool is not flagged, and the
# exports read back with `go tool pprof`.  The runtime publishes its heap
# profile one GC behind: the session's last heap read asks for ?gc=1
# (once), so a short session sees what was allocated until its end.  Bad URLs are usage errors; an
# endpoint that does not answer turns the source off with the reason.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../go_lib.sh"

go_build pprof_server -ldflags=-s\ -w
if readelf -S "$T/go/pprof_server" 2>/dev/null | grep -q '\.debug_info\|\.zdebug_info'; then
	fail "pprof: the target is stripped" "it has DWARF"
else
	ok "pprof: the target is built stripped (-s -w, $(go version | awk '{print $3}'))"
fi
LT_TARGETS=$T/go start_target pprof_server 10 90
target=$TARGET_PID
port=$(awk '$1 == "ready" {print $2}' "$TARGET_OUT")
check "pprof: the target serves on 127.0.0.1:$port" test -n "$port"

# Without --pprof: said plainly, with what to do.
start_record plain "$target" -d 2s
finish_record plain
expect_line "plain: stderr says the structures cannot be located" "$T/plain.err" \
	"goroutines unavailable: process $target is a Go program built without DWARF (-ldflags=-s -w): its runtime's goroutines and heap profile cannot be located from outside"
expect_line "plain: and offers --pprof" "$T/plain.err" "record with --pprof http://127.0.0.1:PORT"
src=$(sql "$T/plain.db" "SELECT available FROM source WHERE name = 'goroutines'")
check "plain: the goroutines source is unavailable in the file" test "$src" = 0
expect_line "plain: the report says it too" "$T/plain.report" "built without DWARF (-ldflags=-s -w)"

# With --pprof: the same timeline, from the program's endpoint.
start_record pp "$target" -d 12s --pprof "http://127.0.0.1:$port"
sleep 4
check "pp: the program runs free while recorded" runs_free "$target"
n=$(grep -c '^request ' "$TARGET_OUT" || true)
check "pp: no GC is asked for while recording ($n)" test "$n" = 0
finish_record pp
n=$(grep -c '^request ' "$TARGET_OUT" || true)
check "pp: the heap is read with ?gc=1 once, at the end ($n)" sh -c "test $n = 1 && grep -qx 'request /debug/pprof/heap?gc=1' '$TARGET_OUT'"
expect_line "pp: stderr names the endpoint" "$T/pp.err" "goroutines: the program's goroutine profile from http://127.0.0.1:$port"
n=$(sql "$T/pp.db" 'SELECT count(*) FROM goroutine_sample')
check "pp: goroutine profiles read ($n)" test "${n:-0}" -ge 8
if grep -qE '^! goroutines \+[0-9.]+/s: [0-9]+ of [0-9]+ blocked in chan send - main\.longRunningTask \(pprof_server\.go:[0-9]+\)' "$T/pp.report"; then
	ok "pp: verdict names the goroutines piling up in main.longRunningTask"
else
	fail "pp: verdict names the goroutines piling up in main.longRunningTask" "no such warning"
	note "$T/pp.report"
fi
if grep '^! ' "$T/pp.report" | grep -q 'main\.worker'; then
	fail "pp: the steady pool is not flagged" "$(grep '^! .*main\.worker' "$T/pp.report")"
else
	ok "pp: the steady pool is not flagged"
fi
check "pp: the pool is seen" grep -qE '^ +4 +4 .*main\.worker \(pprof_server\.go:' "$T/pp.report"
expect_warning "pp: heap verdict names main.longRunningTask" "$T/pp.report" "live in main.longRunningTask (pprof_server.go:"
live=$(site_live "$T/pp.db" main.longRunningTask)
check "pp: heap site in main.longRunningTask holds memory ($live bytes)" test "${live:-0}" -gt 1000000
lt export "$T/pp.db" --type goroutines --format pprof -o "$T/pp-g.pb.gz" 2>"$T/export.err" || true
lt export "$T/pp.db" --format pprof -o "$T/pp-h.pb.gz" 2>>"$T/export.err" || true
check "pp: go tool pprof reads the goroutine export" sh -c "go tool pprof -top '$T/pp-g.pb.gz' 2>/dev/null | grep -q 'main.longRunningTask'"
check "pp: go tool pprof reads the heap export" sh -c "go tool pprof -top -sample_index=inuse_space '$T/pp-h.pb.gz' 2>/dev/null | grep -q 'main.longRunningTask'"
alive_free() { alive "$1" && runs_free "$1"; }
check "pp: the program still runs, not stopped" alive_free "$target"

# Bad URLs: usage errors, before anything is attached.
expect_fail 2 "an http:// URL" "pprof: ftp:// is refused" "$LEAKTOP" record -p "$target" -o "$T/bad.db" -d 1s --pprof "ftp://127.0.0.1:$port"
expect_fail 2 "numeric address or localhost" "pprof: a name needing DNS is refused" "$LEAKTOP" record -p "$target" -o "$T/bad.db" -d 1s --pprof "http://pprof.example:80"
expect_fail 2 "not http://HOST" "pprof: a bad port is refused" "$LEAKTOP" record -p "$target" -o "$T/bad.db" -d 1s --pprof "http://127.0.0.1:99999"
# An endpoint that does not answer: the recording goes on without it.
closed=$((port == 65535 ? port - 1 : port + 1))
start_record closed "$target" -d 4s --pprof "http://127.0.0.1:$closed"
finish_record closed
src=$(sql "$T/closed.db" "SELECT available || ' ' || coalesce(reason, '') FROM source WHERE name = 'goroutines'")
case $src in
"0 /debug/pprof/goroutine: cannot connect to 127.0.0.1:$closed"*) ok "closed: the source is turned off with the reason" ;;
*) fail "closed: the source is turned off with the reason" "source row: '$src'" ;;
esac
check "closed: the recording has its ticks" test "$(ticks "$T/closed.db")" -ge 4
kill_wait TERM "$target"
