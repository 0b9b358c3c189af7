#!/usr/bin/env bash
# tui_keys: the view of a recorded `leaktop demo` session, in tmux at 80x24
# and at 200x60, driven with the keys htop and pprof users know and with
# the mouse: the leaking function is readable in Sites at 80x24 (WHERE
# keeps 30 columns, rate columns carry their unit in the title, the
# sorted column is marked), every Help line can be reached by scrolling,
# F1 and ? toggle Help, Esc goes back to the previous screen, F3 and /
# search, F6 and s sort, PgUp/PgDn/Home/End and g move the time cursor,
# F10 and q quit; a click selects a row or switches tabs, the wheel
# scrolls; 40x10 says the terminal is too small.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tui_lib.sh"

# --- a session to view: the demo leaks in lru_cache_put ----------------------
run lt demo --dump --iterations 24 --interval 250ms -o "$T/demo.db"
if [ "$LAST_RC" -ne 0 ] || [ ! -s "$T/demo.db" ]; then
	note "$T/last.err"
	bail "recording the demo failed (status $LAST_RC)"
fi

# The pane's row N (1-based).
row() { screen "$1" | sed -n "$2p"; }
# The selected row of a list ("> " in the first column).
selected() { screen "$1" | grep -m1 '^> ' || true; }
# The column titles of a list screen (the row with WHERE or SERIES).
titles() { screen "$1" | grep -m1 -E '^  .*(WHERE|SERIES)' || true; }
# The time the header shows ("replay t=3s of 6s" -> 3s).
cursor() { screen "$1" | sed -n 's/.*replay t=\([^ ]*\) of.*/\1/p'; }

# Mouse events as a terminal sends them in X10 mode (what ncurses asks
# tmux for): ESC [ M, then 32 + button, 33 + column, 33 + row (0-based).
mouse() {  # WIN BUTTON X Y
	tm send-keys -t "$1" -H 1b 5b 4d "$(printf %x $((32 + $2)))" \
		"$(printf %x $((33 + $3)))" "$(printf %x $((33 + $4)))"
}
click() { mouse "$1" 0 "$2" "$3"; mouse "$1" 3 "$2" "$3"; }   # press, release
wheel_down() { mouse "$1" 65 "$2" "$3"; }
# The column of a tab's name in the tab bar.
tab_x() { screen "$1" | grep -m1 ' 1 Sites ' | awk -v t="$2" '{ print index($0, t) - 1 }'; }
tab_y() { screen "$1" | grep -n -m1 ' 1 Sites ' | cut -d: -f1 | awk '{ print $1 - 1 }'; }

# The whole Help text as a tall terminal shows it at WIDTH columns: what
# scrolling at WIDTHx24 must reach, line by line.
help_lines() {
	"$LEAKTOP" view "$T/demo.db" --dump --size "$1x300" --keys 5 |
		awk '/ 1 Sites .*5 Help/ { on = 1; next } on' | sed '$d' |
		sed 's/ *$//' | grep -v '^$' | grep -v '^-- lines' || true
}

for size in 80x24 200x60; do
	cols=${size%x*}
	rows=${size#*x}
	w=k$cols
	ui_start "$w" "$cols" "$rows" view "$T/demo.db"
	expect_screen "$size: the view opens on Sites" "$w" "Heap by your code"

	# --- 80x24 first: WHERE readable, units in the titles, sort marked ---
	if wait_for "selected $w | grep -q 'lru_cache_put (demo_service.c:'" 5; then
		ok "$size: the leaking function and its file are readable in Sites"
	else
		fail "$size: the leaking function and its file are readable in Sites" "$(selected "$w")"
		screen "$w" | sed 's/^/#   /'
	fi
	where_col=$(titles "$w" | awk '{ print index($0, "WHERE") }')
	if [ "$where_col" -gt 0 ] && [ $((cols - where_col + 1)) -ge 30 ]; then
		ok "$size: WHERE keeps at least 30 columns"
	else
		fail "$size: WHERE keeps at least 30 columns" "WHERE at column $where_col: $(titles "$w")"
	fi
	if titles "$w" | grep -qE '(KiB|MiB|GiB|B)/(s|min|h)\*' &&
		! screen "$w" | grep -qE '/mi( |$)|MiB/m( |$)'; then
		ok "$size: the growth column's unit is in its title, sorted column marked, no unit cut"
	else
		fail "$size: the growth column's unit is in its title, sorted column marked, no unit cut" "$(titles "$w")"
	fi
	if [ "$cols" -ge 200 ]; then
		if titles "$w" | grep -q 'HISTORY' && titles "$w" | grep -q 'ALLOCS/s'; then
			ok "$size: a wide terminal shows every column"
		else
			fail "$size: a wide terminal shows every column" "$(titles "$w")"
		fi
	elif ! titles "$w" | grep -q 'HISTORY'; then
		ok "$size: the history sparkline is the first column to go"
	else
		fail "$size: the history sparkline is the first column to go" "$(titles "$w")"
	fi

	# --- F6 / s sort, and the sorted column stays and is marked ---------
	keys "$w" F6
	expect_screen "$size: F6 sorts (by live bytes)" "$w" "sorted by live"
	if wait_for "titles $w | grep -q 'LIVE\\*'" 3; then ok "$size: the LIVE title is marked"; else fail "$size: the LIVE title is marked" "$(titles "$w")"; fi
	keys "$w" s
	expect_screen "$size: s sorts (by allocs/s)" "$w" "sorted by allocs/s"
	if wait_for "titles $w | grep -q 'ALLOCS/s\\*'" 3; then ok "$size: the sorted column is shown even when narrow"; else fail "$size: the sorted column is shown even when narrow" "$(titles "$w")"; fi
	keys "$w" s s
	expect_screen "$size: s cycles back to growth" "$w" "sorted by growth"

	# --- F3 and / search --------------------------------------------------
	keys "$w" F3 s e s s i o n _ c a c h e Enter
	if wait_for "selected $w | grep -q session_cache_put" 3; then ok "$size: F3 searches"; else fail "$size: F3 searches" "$(selected "$w")"; fi
	keys "$w" / l r u _ c a c h e Enter
	if wait_for "selected $w | grep -q lru_cache_put" 3; then ok "$size: / searches"; else fail "$size: / searches" "$(selected "$w")"; fi

	# --- Help: F1 and ? toggle, it scrolls to every line, Esc goes back ----
	keys "$w" 2
	expect_screen "$size: 2 shows Threads" "$w" "Thread groups at t="
	keys "$w" F1
	expect_screen "$size: F1 shows Help" "$w" "this help; pressed again"
	keys "$w" F1
	expect_screen "$size: F1 again goes back to Threads" "$w" "Thread groups at t="
	keys "$w" '?'
	expect_screen "$size: ? shows Help" "$w" "this help; pressed again"
	help_lines "$cols" >"$T/help.want"
	: >"$T/help.seen"
	for i in $(seq 1 60); do
		screen "$w" | sed 's/ *$//' >>"$T/help.seen"
		keys "$w" Down
		sleep 0.05
	done
	screen "$w" | sed 's/ *$//' >>"$T/help.seen"
	missing=$(grep -vxF -f "$T/help.seen" "$T/help.want" || true)
	if [ "$(wc -l <"$T/help.want")" -gt 20 ] && [ -z "$missing" ]; then
		ok "$size: every Help line ($(wc -l <"$T/help.want")) is reached by scrolling"
	else
		fail "$size: every Help line is reached by scrolling" "$(wc -l <"$T/help.want") lines, missing: $(echo "$missing" | head -3)"
	fi
	if [ "$rows" -le 24 ]; then
		expect_screen "$size: Help says where the page is" "$w" "-- lines"
		keys "$w" Home
		expect_screen "$size: Home goes back to the top of Help" "$w" "-- lines 1-"
	fi
	keys "$w" Escape
	expect_screen "$size: Esc leaves Help for the previous screen (Threads)" "$w" "Thread groups at t="
	keys "$w" Escape
	expect_screen "$size: Esc again goes back to Sites" "$w" "Heap by your code"

	# --- the time cursor --------------------------------------------------
	keys "$w" Home
	expect_screen "$size: Home puts the time cursor on the first tick" "$w" "time cursor at t="
	t0=$(cursor "$w")
	keys "$w" PageDown
	if wait_for "[ \"\$(cursor $w)\" != '$t0' ]" 3 && wait_screen "$w" "PgUp/PgDn step" 3; then
		ok "$size: PgDn moves the time cursor by a step"
	else
		fail "$size: PgDn moves the time cursor by a step" "still t=$t0"
	fi
	t1=$(cursor "$w")
	keys "$w" PageUp
	if wait_for "[ \"\$(cursor $w)\" = '$t0' ]" 3; then ok "$size: PgUp moves it back"; else fail "$size: PgUp moves it back" "t=$(cursor "$w"), expected $t0 (PgDn went to $t1)"; fi
	keys "$w" g 3 s Enter
	if wait_for "[ \"\$(cursor $w)\" = 3s ]" 3; then ok "$size: g 3s puts the cursor at t=3s"; else fail "$size: g 3s puts the cursor at t=3s" "t=$(cursor "$w")"; fi
	keys "$w" g - 1 s Enter
	last_t=$(sql "$T/demo.db" "SELECT max(t) FROM tick")
	if wait_for "awk -v c=\"\$(cursor $w)\" -v e=$last_t 'BEGIN { c += 0; exit !(c >= e - 1.3 && c <= e - 0.7) }'" 3; then
		ok "$size: g -1s is a second before the end"
	else
		fail "$size: g -1s is a second before the end" "t=$(cursor "$w"), the end is $last_t"
	fi
	keys "$w" End
	if wait_for "screen $w | grep -q 'replay t=\\([^ ]*\\) of \\1,'" 3; then ok "$size: End goes to the newest tick"; else fail "$size: End goes to the newest tick" "$(row "$w" 1) (last tick $last_t)"; fi

	# --- the mouse: a tab, a row, the wheel --------------------------------
	ty=$(tab_y "$w")
	click "$w" "$(tab_x "$w" "4 Memory")" "$ty"
	expect_screen "$size: a click on the Memory tab shows Memory" "$w" "Memory and descriptors at t="
	first=$(selected "$w")
	head_y=$(screen "$w" | grep -n -m1 '^  SERIES' | cut -d: -f1)
	wheel_down "$w" 10 "$head_y"
	if wait_for "[ \"\$(selected $w)\" != \"$first\" ]" 3; then ok "$size: the wheel scrolls the list"; else fail "$size: the wheel scrolls the list" "$(selected "$w")"; fi
	# the second row under the titles (0-based row = its 1-based line)
	want=$(row "$w" $((head_y + 2)) | sed 's/^  //' | awk '{ print $1, $2 }')
	click "$w" 5 $((head_y + 1))
	if wait_for "selected $w | grep -qF -- '$want'" 3; then ok "$size: a click selects a row"; else fail "$size: a click selects a row" "$(selected "$w"), wanted $want"; fi
	# Ctrl-D / Ctrl-U page the list (PgUp/PgDn are the time cursor's)
	before=$(selected "$w")
	keys "$w" C-d
	if wait_for "[ \"\$(selected $w)\" != \"$before\" ]" 3; then ok "$size: Ctrl-D pages the list down"; else fail "$size: Ctrl-D pages the list down" "$(selected "$w")"; fi
	keys "$w" C-u C-u
	if wait_for "[ \"\$(selected $w)\" = \"$first\" ]" 3; then ok "$size: Ctrl-U pages back to the first row"; else fail "$size: Ctrl-U pages back to the first row" "$(selected "$w"), first was $first"; fi
	# a click on a flame box selects it: the status line names it
	keys "$w" 3
	expect_screen "$size: 3 shows Flame" "$w" "Flame: heap stacks"
	fy=$(screen "$w" | grep -n -m1 'lru_cache_put' | cut -d: -f1)
	fx=$(screen "$w" | sed -n "${fy}p" | awk '{ print index($0, "lru_cache_put") - 1 }')
	click "$w" "$fx" $((fy - 1))
	if wait_for "row $w $rows | grep -q '^lru_cache_put'" 3; then ok "$size: a click selects a flame box"; else fail "$size: a click selects a flame box" "$(row "$w" "$rows")"; fi
	click "$w" "$(tab_x "$w" "1 Sites")" "$ty"
	expect_screen "$size: a click on the Sites tab shows Sites" "$w" "Heap by your code"

	# --- F10 quits ---------------------------------------------------------
	keys "$w" F10
	expect_restored "$size: F10 quits with the terminal restored" "$w" 0
done

# --- too small -----------------------------------------------------------------
ui_start small 40 10 view "$T/demo.db"
expect_screen "40x10: a clear too-small message" small "terminal too small (need 60x16"
tm resize-window -t small -x 80 -y 24
expect_screen "40x10 resized to 80x24: the screens come back" small "Heap by your code"
keys small q
expect_restored "q quits after the too-small message" small 0
