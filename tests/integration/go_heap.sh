#!/usr/bin/env bash
# go_heap: the Go heap, read from outside with the runtime's own heap
# profile (runtime.mbuckets, src/sources/goheap.c), at the DEFAULT GOGC:
# no GOGC in the environment, so the runtime runs a GC only when its heap
# doubles, every few seconds here.  Seed story 4: a client created per
# request and never closed keeps two 64 KiB bufio buffers; beside it a
# bounded cache replaces an entry per request and a scratch buffer is
# garbage at once.  Within a 15 s session the verdict names
# main.newClient (bufio's own frames are the Go toolchain's library), the
# cache and the scratch buffer are not flagged.  The same for seed story
# 1's buffers held by blocked goroutines (leak_handler), which a session
# once called "steady": the runtime's published profile (memRecord.active)
# is one GC behind after an ordinary GC, and the ticks between GCs repeat
# the same figures.
. "$(dirname "$0")/../lib.sh"

if ! command -v go >/dev/null 2>&1; then
	skip "$LT_NAME" "no go compiler (make deps installs golang-go)"
	exit 0
fi
mkdir -p "$T/go"
for p in client_heap leak_handler; do
	if ! GOCACHE=$T/gocache GO111MODULE=off GOPROXY=off GOFLAGS= GOTOOLCHAIN=local \
		go build -o "$T/go/$p" "tests/targets/go/$p.go" >"$T/build.err" 2>&1; then
		note "$T/build.err"
		bail "cannot build tests/targets/go/$p.go"
	fi
done
unset GOGC GODEBUG

# not_growing REPORT FN: FN's row in the heap table is not claimed growing.
not_growing() {
	local row
	row=$(grep -E " - $2 \(" "$1" | head -1)
	[ -n "$row" ] && ! grep -q ' growing ' <<<"$row"
}

runs_free() {
	awk '/^State:/ && ($2 == "t" || $2 == "T") { bad = 1 }
	     /^TracerPid:/ && $2 != 0 { bad = 1 }
	     END { exit bad }' /proc/"$1"/task/*/status 2>/dev/null
}

LT_TARGETS=$T/go start_target client_heap 10 60
cli=$TARGET_PID
LT_TARGETS=$T/go start_target leak_handler 10 60
lh=$TARGET_PID
start_record cli "$cli" -d 15s
start_record lh "$lh" -d 15s
finish_record cli
finish_record lh
check "cli: still running, not stopped" runs_free "$cli"
check "lh: still running, not stopped" runs_free "$lh"

src=$(sql "$T/cli.db" "SELECT available || ' ' || coalesce(reason, '') FROM source WHERE name = 'heap'")
case $src in
"1 the Go runtime's heap profile"*) ok "cli: heap source is the Go heap profile" ;;
*) fail "cli: heap source is the Go heap profile" "source row: '$src'" ;;
esac
n=$(sql "$T/cli.db" "SELECT count(*) FROM heap_site WHERE kind = 2")
check "cli: Go heap sites stored as kind 2 ($n)" test "${n:-0}" -ge 2
expect_line "cli: the report says what the Go figures are" "$T/cli.report" "The Go heap profile: counts since the program started, as of its last GC"
expect_warning "cli: the verdict names main.newClient" "$T/cli.report" "live in main.newClient (client_heap.go:"
for fn in main.response main.scratch main.\(\*cache\).put bufio.; do
	if grep '^! ' "$T/cli.report" | grep -qF "$fn"; then
		fail "cli: $fn not flagged" "$(grep '^! ' "$T/cli.report" | grep -F "$fn")"
	else
		ok "cli: $fn not flagged"
	fi
done
check "cli: the cache's row is not growing" not_growing "$T/cli.report" main.response

expect_warning "lh: the verdict names main.longRunningTask's buffers" "$T/lh.report" "live in main.longRunningTask (leak_handler.go:"
expect_no_line "lh: not called steady" "$T/lh.report" "no heap call site keeps growing"
kill_wait TERM "$cli"
kill_wait TERM "$lh"
