# tmux helpers of the TUI tests (tests/integration/tui_*.sh), sourced after
# lib.sh:   . "$(dirname "$0")/../tui_lib.sh"
#
# Each script gets its own tmux server (socket lt-NAME-PID), killed on
# exit, and drives leaktop in it like a user would: ui_start runs it in a
# session of a given size, keys sends keys, screen and wait_screen read the
# pane, expect_screen and expect_restored report results.

if ! command -v tmux >/dev/null 2>&1; then
	# Not a failure of leaktop: make test installs tmux (DEB_TEST).
	skip "$LT_NAME" "tmux is not installed"
	exit 0
fi
TMUX_SOCK=lt-$LT_NAME-$$
unset TMUX   # a test run from inside tmux must not talk to the user's server
tm() { tmux -L "$TMUX_SOCK" "$@"; }
on_exit "tmux -L $TMUX_SOCK kill-server >/dev/null 2>&1 || true"

# ui_start NAME COLS ROWS ARGS...: runs "leaktop ARGS..." in a new tmux
# session NAME of COLSxROWS, working directory $T, with UI_ENV (one
# VAR=value) in its environment when set.  Its pid goes to $T/NAME.pid;
# when it ends the pane shows "EXIT=<status>" and whether the terminal is
# back in cooked mode with echo ("TTY=echo,icanon"), and stays open a
# minute for expect_restored to read.
ui_start() {
	local name=$1 cols=$2 rows=$3 cmd
	shift 3
	cmd="sh -c 'echo \$\$ >$T/$name.pid; exec \"\$0\" \"\$@\"' $(printf '%q ' "$LEAKTOP" "$@")"
	cmd="$cmd; echo EXIT=\$?; printf 'TTY=%s\\n' \"\$(stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e icanon | sort | paste -sd, -)\"; sleep 60"
	tm new-session -d -s "$name" -c "$T" -x "$cols" -y "$rows" ${UI_ENV:+-e "$UI_ENV"} "$cmd"
	wait_for "[ -s $T/$name.pid ]" 5 || true
}

# screen WIN: the pane's text.
screen() { tm capture-pane -p -t "$1"; }

# keys WIN KEY...: tmux key names or literal characters.
keys() {
	local w=$1
	shift
	tm send-keys -t "$w" "$@"
}

# wait_screen WIN TEXT [TIMEOUT]: the pane shows TEXT within TIMEOUT s
# (default 5).
wait_screen() {
	wait_for "tm capture-pane -p -t '$1' | grep -qF -- '$2'" "${3:-5}"
}

# expect_screen NAME WIN TEXT [TIMEOUT]: ok when the pane shows TEXT within
# TIMEOUT s (default 5); otherwise not ok with the pane shown.
expect_screen() {
	if wait_screen "$2" "$3" "${4:-5}"; then
		ok "$1"
	else
		fail "$1" "the screen lacks \"$3\""
		screen "$2" | sed 's/^/#   /'
	fi
}

# expect_restored NAME WIN STATUS: the program ended with STATUS and left
# the terminal restored (cooked mode, echo, off the alternate screen).
expect_restored() {
	local name=$1 w=$2 status=$3
	if ! wait_for "screen $w | grep -q '^TTY='" 5; then
		fail "$name" "still running"
		screen "$w" | sed 's/^/#   /'
	elif ! screen "$w" | grep -qx "EXIT=$status"; then
		fail "$name" "$(screen "$w" | grep EXIT=), expected EXIT=$status"
	elif ! screen "$w" | grep -qx "TTY=echo,icanon"; then
		fail "$name" "terminal not restored: $(screen "$w" | grep TTY=)"
	elif screen "$w" | grep -q "leaktop  pid"; then
		fail "$name" "the UI is still on the screen"
		screen "$w" | sed 's/^/#   /'
	else
		ok "$name"
	fi
}
