#!/bin/sh
# make demo: start the bundled leaking service, record it for a few seconds,
# print the report, and stop the service.  (The live TUI replaces the
# record+report pair once it exists.)
set -eu
out=$(mktemp -d)
build/targets/demo_service >"$out/demo.log" 2>&1 &
demo=$!
trap 'kill $demo 2>/dev/null; wait $demo 2>/dev/null; rm -rf "$out"' EXIT INT TERM HUP
sleep 0.5
echo "demo service running as pid $demo; recording it for 10 s..."
bin/leaktop record -p "$demo" -o "$out/demo.db" --duration 10s --interval 500ms
echo
bin/leaktop report "$out/demo.db"
