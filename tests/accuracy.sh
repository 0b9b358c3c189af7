#!/usr/bin/env bash
# make accuracy: how often leaktop's answer is right on a warm process.
#
# Each scenario runs RUNS times (LT_ACCURACY_RUNS, default 20): start the
# target, let it warm up, `leaktop record` it for 12 s, and read the report
# as a user would.  A run is a hit when the top heap row (the "your code"
# view) is the leaking function, claimed growing, as one row, and no row
# that must not be flagged is claimed growing.  It also prints the median
# time, in a live view, until the leak is first on top and growing
# (tests/tools/rankline replays the session tick by tick).
#
#   warm_service  a 16 MiB cache full before the attach, a client leaked per
#                 request through xmalloc in libsvc.so, a scratch buffer
#   sqlite_leak   statements never finalized: the leak inside libsqlite3
#                 under serve_request, beside finalized ones (churn)
#   fd_leak       a socket leaked per request: the verdict names client_new
#
# Not part of make test: it takes about ten minutes.
set -u
export LC_ALL=C
cd "$(dirname "$0")/.." || exit 1

RUNS=${LT_ACCURACY_RUNS:-20}
# LT_ACCURACY_ONLY="warm_service sqlite_leak": a subset of the scenarios.
ONLY=${LT_ACCURACY_ONLY:-warm_service sqlite_leak fd_leak}
want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }
DUR=${LT_ACCURACY_SECONDS:-12}
LT=bin/leaktop
work=$(mktemp -d "${TMPDIR:-/tmp}/lt-accuracy.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]+"${pids[@]}"}"; do kill "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# run_target NAME ARGS... : starts a target, waits for WAIT (a line it
# prints), sets TPID.
start_target() {
	local out=$1 wait=$2
	shift 2
	"$@" >"$out" 2>&1 &
	TPID=$!
	pids+=("$TPID")
	for _ in $(seq 1 100); do
		grep -q "$wait" "$out" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# The first heap row's claim and where ("growing client_new (...)").
first_row() {
	sed -n '/^Heap call sites (/,/^$/p' "$1" |
		awk '/^ +[0-9.]+ [A-Za-z]+ +[-+0-9]/ {c=$6; $1=$2=$3=$4=$5=$6=$7=$8=""; sub(/^ +/, ""); print c " " $0; exit}'
}

# The claim of the row whose where starts with FUNC.
row_claim() {
	sed -n '/^Heap call sites (/,/^$/p' "$1" |
		awk -v f="$2 (" '/^ +[0-9.]+ [A-Za-z]+ +[-+0-9]/ && index($0, f) {print $6; exit}'
}

median() {
	sort -n | awk '{v[NR] = $1} END {if (!NR) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# scenario NAME LEAKFN NOTGROWING WAITLINE CMD...
scenario() {
	local name=$1 leak=$2 quiet=$3 wait=$4 hits=0 i first claim bad t
	shift 4
	: >"$work/$name.times"
	for ((i = 1; i <= RUNS; i++)); do
		local db="$work/$name-$i.db" rep="$work/$name-$i.report"
		if ! start_target "$work/$name-$i.out" "$wait" "$@"; then
			echo "$name run $i: the target did not start" >&2
			continue
		fi
		sleep 2   # warm: running for a while before anyone looks
		"$LT" record -p "$TPID" -d "${DUR}s" -o "$db" >/dev/null 2>"$work/$name-$i.err"
		kill "$TPID" 2>/dev/null
		wait "$TPID" 2>/dev/null
		"$LT" report "$db" >"$rep" 2>&1
		bad=""
		if [ "$name" = fd_leak ]; then
			grep -q "^! sockets .*created by .*$leak" "$rep" || bad="no socket verdict naming $leak"
		else
			first=$(first_row "$rep")
			case $first in
			"growing $leak ("*) ;;
			"collecting $leak ("*) echo x >>"$work/$name.collecting" ;;
			*) bad="first row: ${first:-none}" ;;
			esac
			# One leak, one row: no second growing row names it.
			[ "$(grep -c "growing .* $leak (" "$rep")" -le 1 ] || bad="$bad; $leak in several rows"
			for q in $quiet; do
				claim=$(row_claim "$rep" "$q")
				[ "$claim" = growing ] && bad="$bad; $q claimed growing"
			done
			t=$(build/tools/rankline "$db" | awk -v f="$leak" '$2 == "growing" && $4 == f {print $1; exit}')
			[ -n "$t" ] && echo "$t" >>"$work/$name.times"
		fi
		if [ -z "$bad" ]; then
			hits=$((hits + 1))
		else
			echo "  $name run $i: $bad" >&2
			cp "$rep" "/tmp/lt-accuracy-$name-$i.report" 2>/dev/null
		fi
	done
	printf '%-13s %2d of %2d runs right' "$name" "$hits" "$RUNS"
	if [ -s "$work/$name.collecting" ]; then
		printf ' (%d of them on top but still "collecting")' "$(wc -l <"$work/$name.collecting")"
	fi
	if [ -s "$work/$name.times" ]; then
		printf '; the leak on top and growing after a median %s s of a live view' \
			"$(median <"$work/$name.times")"
	fi
	printf '\n'
}

make -s all build/targets/warm_service build/targets/sqlite_leak build/targets/fd_leak build/tools/rankline || exit 1
echo "make accuracy: $RUNS runs per scenario, ${DUR} s sessions on warm processes"
want warm_service &&
	scenario warm_service client_new "cache_put serve_request" warm build/targets/warm_service 128 16 120 &
want sqlite_leak && scenario sqlite_leak serve_request "lookup" started build/targets/sqlite_leak 200 120 &
wait
if want fd_leak; then scenario fd_leak client_new "" started build/targets/fd_leak 20 120; fi
