#!/usr/bin/env bash
# help: --help of every command exits 0 on stdout and names its options;
# --version prints the version; the man page renders (or, without man, is a
# man page naming every command and option).
. "$(dirname "$0")/../lib.sh"

# help_case NAME WORDS CMD...: CMD exits 0, prints on stdout only, and the
# output contains every word of WORDS (space-separated).
help_case() {
	local name=$1 words=$2 w missing=""
	shift 2
	run "$@"
	if [ "$LAST_RC" -ne 0 ]; then
		fail "$name" "exit status $LAST_RC"
		note "$T/last.err"
		return
	fi
	for w in $words; do
		grep -qF -- "$w" "$T/last.out" || missing="$missing $w"
	done
	if [ -n "$missing" ]; then
		fail "$name" "output lacks:$missing"
		note "$T/last.out"
	elif [ -s "$T/last.err" ]; then
		fail "$name" "wrote on stderr"
		note "$T/last.err"
	else
		ok "$name"
	fi
}

help_case "leaktop --help" "record report export view demo run check --json -p PID --help --version" lt --help
help_case "leaktop -h" "record report" lt -h
help_case "leaktop record --help" "--pid --output --duration --interval --force -p -o --pprof" lt record --help
help_case "leaktop record -h" "--pid --output" lt record -h
help_case "leaktop report --help" "FILE --help --view --wrapper --json doc/json.md" lt report --help
help_case "leaktop check --help" "-p --pid --duration CMD --output --max-growth --max-count-growth --ignore --interval --no-heap --wrapper 1MiB/min 10/min fnmatch 126/127" lt check --help
help_case "leaktop check -h" "--max-growth" lt check -h
help_case "leaktop export --help" "pprof folded speedscope csv sqlite --from --to --at --sample-type --series --type --no-sources" lt export --help
help_case "leaktop record --help (sources)" "--no-sources" lt record --help
help_case "leaktop run --help (sources)" "--no-sources" lt run --help
help_case "leaktop --version" "leaktop" lt --version
if grep -qE '^leaktop [0-9]+\.[0-9]+(\.[0-9]+)?' "$T/last.out" && [ "$(wc -l <"$T/last.out")" -eq 1 ]; then
	ok "--version is one line \"leaktop X.Y.Z\""
else
	fail "--version is one line \"leaktop X.Y.Z\"" "$(head -c 200 "$T/last.out")"
fi
help_case "leaktop record --help (threads)" "--threads-interval --no-threads" lt record --help
help_case "leaktop view --help" "FILE --help --wrapper" lt view --help
help_case "leaktop demo --help" "demo --help" lt demo --help
help_case "leaktop PID --help" "--output --interval --threads-interval --no-threads --help" lt 1 --help
help_case "leaktop run --help" "CMD --output --force --duration --interval --threads-interval --no-threads --sample-rate --max-depth --no-heap LD_PRELOAD 128+N 127" lt run --help
help_case "leaktop run -h" "CMD" lt run -h
help_case "leaktop record --help (heap)" "--sample-rate --max-depth --no-heap --no-free-flow --wrapper" lt record --help
help_case "leaktop PID --help (heap)" "--sample-rate --max-depth --no-heap" lt 1 --help
check "-V is --version" test "$(lt -V)" = "$(lt --version)"

# Without a command: usage on stderr, exit 2.
run lt
if [ "$LAST_RC" -eq 2 ] && grep -q record "$T/last.err" && [ ! -s "$T/last.out" ]; then
	ok "no command: usage on stderr, exit 2"
else
	fail "no command: usage on stderr, exit 2" "status $LAST_RC"
fi

# --- man page ------------------------------------------------------------------
page=doc/leaktop.1
if [ ! -f "$page" ]; then
	fail "man page exists" "$page is missing"
	exit 1
fi
# roff escapes undone: \- is -, \fB etc. are fonts.
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$page" >"$T/page.txt"
missing=""
for w in record report export view demo run sqlite --no-sources DW_AT_comp_dir check --json --max-growth --max-count-growth --ignore "ssh -t" --sample-rate --max-depth --no-heap LD_PRELOAD --pid --output --duration --interval --force --threads-interval --no-threads --help --version; do
	grep -qF -- "$w" "$T/page.txt" || missing="$missing $w"
done
if grep -q '^\.TH ' "$page" && grep -q '^\.SH NAME' "$page" && [ -z "$missing" ]; then
	ok "man page has .TH, NAME and every command and option"
else
	fail "man page has .TH, NAME and every command and option" "missing:$missing"
fi
if grep -q '^\.SH EXIT STATUS' "$page" && grep -qE '^\.B(R)? *4' "$page" && grep -qE '^\.B(R)? *6' "$page"; then
	ok "man page documents the exit status"
else
	fail "man page documents the exit status" "no EXIT STATUS section listing 0-4"
fi
if command -v man >/dev/null; then
	if MANWIDTH=80 man --warnings -l "$page" >"$T/man.txt" 2>"$T/man.err" && [ ! -s "$T/man.err" ]; then
		ok "man -l renders without warnings"
	else
		fail "man -l renders without warnings" "see below"
		note "$T/man.err"
	fi
	if grep -q "leaktop" "$T/man.txt" && grep -q "EXIT STATUS" "$T/man.txt"; then
		ok "rendered page has its sections"
	else
		fail "rendered page has its sections" "rendered text lacks NAME/EXIT STATUS"
		note "$T/man.txt"
	fi
else
	skip "man -l renders" "man is not installed"
fi
