# Go helpers of the Go tests (tests/integration/go_*.sh), sourced after
# lib.sh:   . "$(dirname "$0")/../go_lib.sh"
#
# Skips the script when there is no Go compiler (make deps installs
# golang-go).  go_build builds the programs of tests/targets/go/ with the
# system's `go`, offline (GO111MODULE=off, GOPROXY=off), with a build
# cache in $T.

if ! command -v go >/dev/null 2>&1; then
	skip "$LT_NAME" "no go compiler (make deps installs golang-go)"
	exit 0
fi

# go_build NAME [GO BUILD FLAGS...]: builds tests/targets/go/NAME.go into
# $T/go/NAME, or bails with the compiler's output.
go_build() {
	local name=$1
	shift
	mkdir -p "$T/go"
	if ! GOCACHE=$T/gocache GO111MODULE=off GOPROXY=off GOFLAGS= GOTOOLCHAIN=local \
		go build "$@" -o "$T/go/$name" "tests/targets/go/$name.go" >"$T/build-$name.err" 2>&1; then
		note "$T/build-$name.err"
		bail "cannot build tests/targets/go/$name.go"
	fi
}

# runs_free PID: the process runs: no thread stopped (t, T), none traced.
runs_free() {
	awk '/^State:/ && ($2 == "t" || $2 == "T") { bad = 1 }
	     /^TracerPid:/ && $2 != 0 { bad = 1 }
	     END { exit bad }' /proc/"$1"/task/*/status 2>/dev/null
}
