#!/usr/bin/env bash
# report_json: `leaktop report FILE --json` on a real session parses with
# python3's json module (strict: valid UTF-8, no raw control characters),
# has every documented key, and says what the text report says: the pid,
# the ticks, each series' trend, the top heap row, the descriptor site and
# every verdict line, in the same order.  The target runs under a name
# holding a quote, a backslash, a control character and a byte that is not
# UTF-8: they come back escaped, the bad byte as U+FFFD.
. "$(dirname "$0")/../lib.sh"

if ! command -v python3 >/dev/null 2>&1; then
	skip "$LT_NAME" "python3 is not installed (make test installs it)"
	exit 0
fi

# A hostile argv[0]: the command line the session keeps is the target's.
hostile=$T/$'grow"er\\\x01\xff'
ln -s "$LT_TARGETS/heap_grower" "$hostile"
run lt check -o "$T/s.db" --duration 5s --interval 250ms --sample-rate 64K -- "$hostile" 2
if [ "$LAST_RC" -ne 1 ] || [ ! -s "$T/s.db" ]; then
	bail "the session was not recorded (check exit $LAST_RC): $(head -c 300 "$T/last.err")"
fi

run lt report "$T/s.db" --json
cp "$T/last.out" "$T/r.json"
if [ "$LAST_RC" -eq 0 ] && [ ! -s "$T/last.err" ]; then ok "report --json exits 0, nothing on stderr"; else fail "report --json exits 0, nothing on stderr" "status $LAST_RC"; note "$T/last.err"; fi
if python3 -m json.tool "$T/r.json" >/dev/null 2>"$T/json.err"; then ok "python3 -m json.tool parses it"; else fail "python3 -m json.tool parses it" "see below"; note "$T/json.err"; fi
run lt report --json "$T/s.db"
if cmp -s "$T/last.out" "$T/r.json"; then ok "--json before FILE gives the same document"; else fail "--json before FILE gives the same document" "differs"; fi
lt report "$T/s.db" >"$T/r.txt"

# The checks, one TAP line each, in python: it reads the document with the
# strictest settings and the text report as lines.
python3 - "$T/r.json" "$T/r.txt" "$hostile" <<'EOF'
import json, re, sys

jpath, tpath, hostile = sys.argv[1], sys.argv[2], sys.argv[3].encode("utf-8", "surrogateescape")
raw = open(jpath, "rb").read()
text = open(tpath, encoding="ascii").read()
lines = text.split("\n")
failed = 0

def check(name, cond, why=""):
    global failed
    if cond:
        print("ok - " + name)
    else:
        failed += 1
        print("not ok - %s: %s" % (name, why))

try:
    d = json.loads(raw.decode("utf-8"))   # strict: bad UTF-8 or raw controls fail
    check("the document is strict UTF-8 JSON with no raw control characters", True)
except Exception as e:
    check("the document is strict UTF-8 JSON with no raw control characters", False, repr(e))
    sys.exit(1)
check("one document, one line", raw.count(b"\n") == 1 and raw.endswith(b"}\n"))

keys = ["format", "format_version", "meta", "sources", "series", "heap", "fd_sites", "threads", "goroutines", "verdicts"]
check("top-level keys in their documented order", list(d.keys()) == keys, list(d.keys()))
check("format leaktop-report, version 1", d["format"] == "leaktop-report" and d["format_version"] == 1)
meta = ["pid", "command", "exe", "build_id", "host", "kernel", "leaktop", "options", "cgroup", "wrappers",
        "fd_limit", "mem_limit", "start_ns", "end_ns", "duration_s", "ticks", "interval_s", "end_reason"]
check("meta has every documented key", list(d["meta"].keys()) == meta, list(d["meta"].keys()))
m = re.search(r"^  target +pid (\d+)$", text, re.M)
check("meta.pid is the text report's target pid", m and d["meta"]["pid"] == int(m.group(1)), (m and m.group(1), d["meta"]["pid"]))
m = re.search(r"\((\d+) ticks", text)
check("meta.ticks is the text report's tick count", m and d["meta"]["ticks"] == int(m.group(1)))
check("meta.end_reason duration", d["meta"]["end_reason"] == "duration")

# The hostile argv[0]: the text report escapes what is not printable
# ASCII as \xNN; the document has the same bytes, the bad one as U+FFFD.
def unescape(field):
    m = re.search(r"^  %-10s (.*)$" % field, text, re.M)
    b = re.sub(rb"\\(\\|x([0-9a-f]{2}))",
               lambda x: b"\\" if x.group(1) == b"\\" else bytes([int(x.group(2), 16)]),
               m.group(1).encode("ascii"))
    return b.decode("utf-8", "replace")
check("meta.command is the text report's command, the bad byte as U+FFFD",
      d["meta"]["command"] == unescape("command") and '"' in d["meta"]["command"] and "\ufffd" in d["meta"]["command"],
      repr(d["meta"]["command"]) + " != " + repr(unescape("command")))
want = hostile.decode("utf-8", "replace")
check("meta.options keeps leaktop's own argv: quote, backslash, control character",
      want in d["meta"]["options"] and d["meta"]["options"] == unescape("options"), repr(d["meta"]["options"]))
check("the raw document escapes the control character", b"\\u0001" in raw and b"\\ufffd" in raw and b"\x01" not in raw)

check("sources as in the text report",
      all(re.search(r"^  %s +(available|unavailable)" % re.escape(s["name"]), text, re.M) for s in d["sources"])
      and len(d["sources"]) >= 3)

# Series: every text row's title and trend, same set.
rows = {}
series = lines[lines.index("Series:"):]
for s in d["series"]:
    m = [l for l in series if l.startswith("  " + s["title"] + " ")]
    rows[s["key"]] = m[0].split()[-1] if m else None
bad = [k for k, s in ((s["key"], s) for s in d["series"]) if rows[k] != s["trend"]]
check("each series' trend is the text report's", not bad and len(d["series"]) >= 10, bad)
rss = [s for s in d["series"] if s["key"] == "rss_anon"][0]
check("rss_anon grows, in bytes, with a positive rate", rss["trend"] == "growing" and rss["unit"] == "bytes" and rss["rate"] > 0, rss)
check("series change is end - start", all(abs(s["change"] - (s["end"] - s["start"])) < 1e-6 for s in d["series"]))

h = d["heap"]
check("heap: view, rows, sample rate", h and h["view"] == "your code" and h["sample_rate"] == 65536 and len(h["rows"]) >= 1)
top = h["rows"][0]
check("the top heap row is leak_request_buffer, growing", top["function"] == "leak_request_buffer" and top["claim"] == "growing", top["where"])
check("its label is the text report's heap row", any(l.endswith(" growing " + l.split(" growing ")[-1]) and top["where"] in l for l in lines if " growing " in l))
check("its stack has the function with file and line",
      any(f["function"] == "leak_request_buffer" and f["file"].endswith("heap_grower.c") and f["line"] > 0 for f in top["stack"]))

th = d["threads"]
check("threads: samples and groups with stacks", th and th["samples"] >= 1 and th["groups"] and "stack" in th["groups"][0])
check("goroutines: null for a C program", d["goroutines"] is None)

# Verdicts: the same lines, in the same order, "!" for warn.
i = lines.index("Verdicts:")
tv = [l for l in lines[i + 1:] if l]
jv = [("! " if v["kind"] == "warn" else "  ") + v["text"] for v in d["verdicts"]]
check("verdicts are the text report's lines, in order", jv == tv, "\n#   " + "\n#   ".join(jv + ["--"] + tv))
heapv = [v for v in d["verdicts"] if v["topic"] == "heap" and v["kind"] == "warn"]
check("the heap verdict has its rate, unit and stack",
      heapv and heapv[0]["unit"] == "bytes" and heapv[0]["rate"] > 0 and heapv[0]["stack"] and not heapv[0]["derived"])
mem = [v for v in d["verdicts"] if v["topic"] == "memory" and v["kind"] == "warn"]
check("the memory verdict the heap row accounts for is derived", mem and mem[0]["derived"] is True and mem[0]["metric"] == "rss_anon")
sys.exit(1 if failed else 0)
EOF

# A file that is not a session: the usual error, nothing on stdout.
echo "not a database" >"$T/bad.db"
run lt report "$T/bad.db" --json
if [ "$LAST_RC" -eq 4 ] && [ ! -s "$T/last.out" ]; then ok "report --json of a corrupt file: exit 4, no output"; else fail "report --json of a corrupt file: exit 4, no output" "status $LAST_RC"; fi
