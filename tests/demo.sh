#!/bin/sh
# make demo: start the bundled leaking service and open leaktop's live view
# on it; after q, print the report of what was recorded.  Without a terminal
# (CI, a pipe) it records for 10 s instead and prints the report.
set -eu
out=$(mktemp -d)
build/targets/demo_service >"$out/demo.log" 2>&1 &
demo=$!
trap 'kill $demo 2>/dev/null; wait $demo 2>/dev/null; rm -rf "$out"' EXIT INT TERM HUP
sleep 0.5
if [ -t 0 ] && [ -t 1 ]; then
	bin/leaktop "$demo" -o "$out/demo.db" --threads-interval 1s
else
	echo "demo service running as pid $demo; no terminal, so recording it for 10 s..."
	bin/leaktop record -p "$demo" -o "$out/demo.db" --duration 10s --interval 500ms --threads-interval 1s
fi
echo
bin/leaktop report "$out/demo.db"
