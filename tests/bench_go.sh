#!/usr/bin/env bash
# make bench, Go part (BENCH_ONLY=go runs this part alone): the time to
# read 10,000 and 100,000 parked goroutines and the pause the program saw,
# side by side for leaktop (the Go reader, from outside), `dlv attach` +
# `goroutines` (Debian's delve) and the program's own
# /debug/pprof/goroutine?debug=1.  The target (tests/targets/go/
# many_goroutines.go) prints, every 100 ms, the longest gap between its
# 1 ms sleeps beyond the millisecond: a stopped process or world shows
# there.  Prints figures, asserts nothing.
set -eu
export LC_ALL=C
LEAKTOP=${LEAKTOP:-bin/leaktop}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
now_ns() { date +%s%N; }

if ! command -v go >/dev/null 2>&1; then
	echo "go: not installed (make deps installs golang-go); Go bench skipped"
	exit 0
fi
if ! GOCACHE=$tmp/gocache GO111MODULE=off GOPROXY=off GOFLAGS= GOTOOLCHAIN=local \
	go build -o "$tmp/many" tests/targets/go/many_goroutines.go 2>"$tmp/build.err"; then
	echo "Go bench: cannot build tests/targets/go/many_goroutines.go:"; cat "$tmp/build.err"
	exit 0
fi
have_dlv=0
command -v dlv >/dev/null 2>&1 && have_dlv=1

# The longest gap (ms) the program printed after line FROM of its output.
gap_after() { tail -n +"$(($2 + 1))" "$1" | awk '$1 == "gap" && $2 > m {m = $2} END {printf "%.1f", m / 1000}'; }
lines() { wc -l <"$1"; }
# The program's gaps with nothing attached: its own noise on this machine.
quiet_gap() { local from; from=$(lines "$1"); sleep 2; gap_after "$1" "$from"; }

# GET URL path through bash's /dev/tcp; prints the bytes read.
http_get() {
	local port=$1 path=$2
	exec 3<>"/dev/tcp/127.0.0.1/$port"
	printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&3
	cat <&3 | wc -c
	exec 3<&-
}

echo "Go goroutines, read three ways ($(go version | awk '{print $3}'), $(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg)):"
printf '  %-8s %-34s %12s %14s\n' goroutines tool "time" "program pause"
for n in 10000 100000; do
	out=$tmp/many-$n.out
	"$tmp/many" "$n" 900 100 >"$out" 2>&1 &
	pid=$!
	pids+=("$pid")
	for _ in $(seq 600); do grep -q '^ready' "$out" && break; sleep 0.1; done
	port=$(awk '$1 == "ready" {print $2; exit}' "$out")
	sleep 1
	printf '  %-8s %-34s %12s %11s ms\n' "$n" "(nothing attached)" "-" "$(quiet_gap "$out")"

	# leaktop: the reader's own time per read (goroutine_sample.read_ns).
	from=$(lines "$out")
	"$LEAKTOP" record -p "$pid" -o "$tmp/lt-$n.db" --no-heap --no-threads --interval 1s --duration 6s 2>/dev/null || true
	read -r med max got <<<"$(sqlite3 "$tmp/lt-$n.db" 'SELECT read_ns, goroutines FROM goroutine_sample ORDER BY read_ns' 2>/dev/null |
		awk -F'|' '{a[NR]=$1; g=$2} END {if (NR) printf "%.1f %.1f %d", a[int((NR+1)/2)]/1e6, a[NR]/1e6, g; else print "- - 0"}')"
	printf '  %-8s %-34s %12s %11s ms\n' "$n" "leaktop (read $got, median of reads)" "$med ms" "$(gap_after "$out" "$from")"
	printf '  %-8s %-34s %12s\n' "" "  slowest read" "$max ms"

	# The program's own endpoint: the goroutine profile stops the world.
	from=$(lines "$out")
	best=""
	for _ in 1 2 3; do
		t0=$(now_ns)
		bytes=$(http_get "$port" "/debug/pprof/goroutine?debug=1")
		t1=$(now_ns)
		ms=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", (b-a)/1e6}')
		best=$(awk -v a="${best:-1e18}" -v b="$ms" 'BEGIN {print (b < a) ? b : a}')
	done
	printf '  %-8s %-34s %12s %11s ms\n' "$n" "pprof goroutine?debug=1 ($((bytes / 1024)) KiB)" "$best ms" "$(gap_after "$out" "$from")"

	# Delve: attach, list every goroutine, detach (the process is stopped
	# throughout).
	if [ "$have_dlv" = 1 ]; then
		from=$(lines "$out")
		printf 'goroutines\nexit\nn\n' >"$tmp/dlv.cmds"
		t0=$(now_ns)
		timeout 600 dlv attach "$pid" --allow-non-terminal-interactive=true <"$tmp/dlv.cmds" >"$tmp/dlv-$n.out" 2>&1 || true
		t1=$(now_ns)
		sleep 0.5
		listed=$(grep -c '^ *Goroutine [0-9]' "$tmp/dlv-$n.out" || true)
		printf '  %-8s %-34s %12s %11s ms\n' "$n" "dlv attach + goroutines ($listed)" \
			"$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f ms", (b-a)/1e6}')" "$(gap_after "$out" "$from")"
		kill -0 "$pid" 2>/dev/null || echo "  (the program did not survive dlv)"
	else
		printf '  %-8s %-34s\n' "$n" "dlv: not installed (make bench installs delve)"
	fi
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
done
