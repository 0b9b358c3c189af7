-- leaktop session file, schema version 1.  doc/schema.md explains every
-- table, the carry-forward rule and the versioning policy.
--
-- Run once, inside the transaction that creates a session.  Comments inside
-- the CREATE statements stay in sqlite_master (`sqlite3 FILE .schema`).

PRAGMA user_version = 3;

-- Session facts, text key -> text value.  Every version of the format keeps
-- this table and its 'format' row: that is how any leaktop tells a session
-- file (of any version) from another SQLite database.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY NOT NULL,
	value TEXT
);
INSERT INTO meta (key, value) VALUES ('format', 'leaktop-session');

-- Data sources ('procfs', 'cgroup', 'heap', 'threads') and why one was not
-- available.
CREATE TABLE source (
	name      TEXT PRIMARY KEY NOT NULL,
	available INTEGER NOT NULL,          -- 0 or 1
	reason    TEXT                       -- NULL when available
);

-- One row per sampling tick; every per-tick table refers to it.
CREATE TABLE tick (
	id      INTEGER PRIMARY KEY,         -- 1, 2, 3, ... in time order
	t       REAL NOT NULL,               -- seconds since the session start
	wall_ns INTEGER NOT NULL             -- wall clock, ns since the epoch
);

---------------------------------------------------------------------------
-- procfs / cgroup timeline
---------------------------------------------------------------------------

-- The series this session recorded.  ids are the session's own; key is the
-- stable identifier (src/metric.c), so readers map by key.
CREATE TABLE metric (
	id    INTEGER PRIMARY KEY,
	key   TEXT NOT NULL UNIQUE,
	title TEXT NOT NULL,
	unit  TEXT NOT NULL,                 -- 'bytes' or 'count'
	kind  TEXT NOT NULL                  -- 'level' or 'cumulative'
);

-- A row only at the ticks where the value changed (or the metric became
-- available or unavailable).  value NULL: not measured from this tick on.
-- Before its first row a metric was not measured.  Readers carry the last
-- row forward.  The primary key serves "series of one metric".
CREATE TABLE metric_value (
	metric_id INTEGER NOT NULL REFERENCES metric (id),
	tick_id   INTEGER NOT NULL REFERENCES tick (id),
	value     INTEGER,
	PRIMARY KEY (metric_id, tick_id)
) WITHOUT ROWID;

---------------------------------------------------------------------------
-- Code locations (filled by the heap collector and thread sampler; empty in
-- sessions recorded with procfs only)
---------------------------------------------------------------------------

-- A loaded ELF object (executable, shared library).
CREATE TABLE module (
	id       INTEGER PRIMARY KEY,
	path     TEXT NOT NULL,              -- as in /proc/PID/maps
	build_id TEXT                        -- hex GNU build-id, NULL if none
);

-- Where a module was mapped, and while.  A module loaded twice (dlclose,
-- dlopen) has two rows.
CREATE TABLE module_map (
	module_id   INTEGER NOT NULL REFERENCES module (id),
	addr_start  INTEGER NOT NULL,        -- first address of the mapping
	addr_end    INTEGER NOT NULL,        -- one past its last address
	file_offset INTEGER NOT NULL,        -- offset in the file of addr_start
	first_tick  INTEGER NOT NULL REFERENCES tick (id),
	last_tick   INTEGER REFERENCES tick (id)  -- NULL while still mapped
);

-- One code address, as captured (return addresses are not adjusted).
CREATE TABLE frame (
	id        INTEGER PRIMARY KEY,
	module_id INTEGER REFERENCES module (id),  -- NULL: in no known module
	addr      INTEGER NOT NULL,          -- relative to the module (ELF
					     -- vaddr) or absolute without one
	pc        INTEGER NOT NULL           -- absolute address in the target
					     -- during this session
);

-- What a frame's address means in the source.  Several rows when functions
-- were inlined there: depth 0 is the function the code physically belongs
-- to, depth 1 a function inlined into it, and so on.  Written when
-- symbolized, possibly ticks after the frame itself; no rows = unresolved.
CREATE TABLE frame_symbol (
	frame_id INTEGER NOT NULL REFERENCES frame (id),
	depth    INTEGER NOT NULL,
	function TEXT,                       -- demangled name, NULL if unknown
	file     TEXT,
	line     INTEGER,
	PRIMARY KEY (frame_id, depth)
) WITHOUT ROWID;

-- A call stack, deduplicated by hash.
CREATE TABLE stack (
	id    INTEGER PRIMARY KEY,
	hash  INTEGER NOT NULL,              -- 64-bit hash of the addresses
	depth INTEGER NOT NULL               -- number of stack_frame rows
);
CREATE INDEX stack_by_hash ON stack (hash);

-- The frames of a stack, pos 0 = innermost (where malloc was called, or
-- where the thread is now).
CREATE TABLE stack_frame (
	stack_id INTEGER NOT NULL REFERENCES stack (id),
	pos      INTEGER NOT NULL,
	frame_id INTEGER NOT NULL REFERENCES frame (id),
	PRIMARY KEY (stack_id, pos)
) WITHOUT ROWID;

---------------------------------------------------------------------------
-- Heap (the agent's sampled allocation sites)
---------------------------------------------------------------------------

-- kind: 0 an allocation site (the stack of malloc's caller); 1 a free
-- site (the stack of a free call whose bytes were sampled, whatever the
-- block: the free flow); 16 + n a descriptor site, n the descriptor type
-- (0 file, 1 socket, 2 pipe, 3 anon_inode).  Schema version 1 files have
-- allocation sites only.
CREATE TABLE heap_site (
	id         INTEGER PRIMARY KEY,
	stack_id   INTEGER NOT NULL REFERENCES stack (id),
	first_tick INTEGER NOT NULL REFERENCES tick (id),
	kind       INTEGER NOT NULL DEFAULT 0
);

-- A site's counters since attach, estimated from samples (rounded), as of
-- a tick; readers carry forward.  A row only at ticks where any changed:
-- at once for a site's first row, for live_bytes or live_count above the
-- highest or below the lowest written for it, and for Go sites (kind 2);
-- otherwise once its last row is 5 s old, and at the last tick of a
-- finished session (doc/schema.md, "When a site gets a row").  The
-- primary key serves "site over time" and, with one seek per site, "all
-- sites at tick N" (doc/schema.md).
CREATE TABLE heap_value (
	site_id     INTEGER NOT NULL REFERENCES heap_site (id),
	tick_id     INTEGER NOT NULL REFERENCES tick (id),
	live_bytes  INTEGER NOT NULL,
	live_count  INTEGER NOT NULL,
	alloc_bytes INTEGER NOT NULL,        -- cumulative
	alloc_count INTEGER NOT NULL,        -- cumulative
	free_bytes  INTEGER NOT NULL DEFAULT 0, -- sampled blocks freed, cumulative
	free_count  INTEGER NOT NULL DEFAULT 0,
	samples     INTEGER NOT NULL DEFAULT 0, -- raw sampled blocks, cumulative
	samples_freed INTEGER NOT NULL DEFAULT 0,
	age_sum_ms  INTEGER NOT NULL DEFAULT 0, -- their ages at free, summed
	oldest_ms   INTEGER NOT NULL DEFAULT 0, -- session ms the oldest live
					     -- sample was allocated; 0 none
	alloc_ubytes INTEGER NOT NULL DEFAULT 0, -- alloc_bytes in usable bytes
	PRIMARY KEY (site_id, tick_id)
) WITHOUT ROWID;

---------------------------------------------------------------------------
-- Threads (grouped by stack, state and syscall)
---------------------------------------------------------------------------

CREATE TABLE thread_group (
	id       INTEGER PRIMARY KEY,
	stack_id INTEGER REFERENCES stack (id),  -- NULL: not unwound
	state    TEXT NOT NULL,              -- /proc state letter: R, S, D, ...
	syscall  TEXT                        -- name (or number) of the blocking
					     -- syscall, NULL when running
);

-- Distinct names (comm) of the threads seen in a group, at most a few.
CREATE TABLE thread_name (
	group_id INTEGER NOT NULL REFERENCES thread_group (id),
	name     TEXT NOT NULL,
	PRIMARY KEY (group_id, name)
) WITHOUT ROWID;

-- Threads in a group, at the ticks where that number changed (0 once the
-- group is empty); readers carry forward.
CREATE TABLE thread_count (
	group_id INTEGER NOT NULL REFERENCES thread_group (id),
	tick_id  INTEGER NOT NULL REFERENCES tick (id),
	count    INTEGER NOT NULL,
	PRIMARY KEY (group_id, tick_id)
) WITHOUT ROWID;

-- One row per tick at which threads were sampled (every few seconds, not
-- every tick).
CREATE TABLE thread_sample (
	tick_id       INTEGER PRIMARY KEY REFERENCES tick (id),
	sampled       INTEGER NOT NULL,      -- threads stopped and unwound
	skipped       INTEGER NOT NULL,      -- vanished, busy, or over budget
	max_stop_ns   INTEGER NOT NULL,      -- longest time one thread stood
	total_stop_ns INTEGER NOT NULL,      -- sum over the sampled threads
	unseen        INTEGER                -- threads not reached yet, in no
	                                     -- group (NULL in older files: 0)
);

---------------------------------------------------------------------------
-- Goroutines (Go programs: runtime.allgs read from outside; grouped like
-- threads, by stack, status and wait reason).  Added to version 1 without
-- a version change: a file without these tables has no goroutines.
---------------------------------------------------------------------------

CREATE TABLE goroutine_group (
	id          INTEGER PRIMARY KEY,
	stack_id    INTEGER REFERENCES stack (id),  -- NULL: no stack (running)
	status      TEXT NOT NULL,           -- R running, Q runnable, Y in a
					     -- system call, W waiting
	wait_reason TEXT                     -- the runtime's words ('chan send',
					     -- 'select'), NULL when not waiting
);

-- Where the goroutines of a group were created (the go statement), at most
-- a few per group: 'main.handler (main.go:25)'.
CREATE TABLE goroutine_creator (
	group_id INTEGER NOT NULL REFERENCES goroutine_group (id),
	name     TEXT NOT NULL,
	PRIMARY KEY (group_id, name)
) WITHOUT ROWID;

-- Goroutines in a group, at the ticks where that number changed; readers
-- carry forward.
CREATE TABLE goroutine_count (
	group_id INTEGER NOT NULL REFERENCES goroutine_group (id),
	tick_id  INTEGER NOT NULL REFERENCES tick (id),
	count    INTEGER NOT NULL,
	PRIMARY KEY (group_id, tick_id)
) WITHOUT ROWID;

-- When the longest-waiting goroutine of a group started waiting (session
-- seconds, the runtime's waitsince), at the ticks where that changed;
-- readers carry forward.  NULL: unknown from then on (the runtime stamps
-- waitsince at the first GC that sees a goroutine blocked).  Files
-- without this table have no wait times.
CREATE TABLE goroutine_wait (
	group_id INTEGER NOT NULL REFERENCES goroutine_group (id),
	tick_id  INTEGER NOT NULL REFERENCES tick (id),
	since    REAL,
	PRIMARY KEY (group_id, tick_id)
) WITHOUT ROWID;

-- One row per tick at which goroutines were read.
CREATE TABLE goroutine_sample (
	tick_id    INTEGER PRIMARY KEY REFERENCES tick (id),
	goroutines INTEGER NOT NULL,         -- read and grouped (dead ones
					     -- are not counted)
	dropped    INTEGER NOT NULL,         -- changed while read, or invalid
	read_ns    INTEGER NOT NULL          -- time the read took; nothing
					     -- of the target is stopped
);

---------------------------------------------------------------------------
-- Source lines kept with the session (added to version 2 without a version
-- change: a file without this table keeps none).  The lines around each
-- frame line of the stacks above, read while recording (or at export) so
-- that a copy shows its sources where the files are not; left out with
-- --no-sources.
---------------------------------------------------------------------------

CREATE TABLE source_text (
	file  TEXT NOT NULL,                 -- as in frame_symbol.file
	first INTEGER NOT NULL,              -- number of the first line (>= 1)
	text  TEXT NOT NULL,                 -- the lines, each ended by '\n';
					     -- control characters as '?'
	PRIMARY KEY (file, first)
);

---------------------------------------------------------------------------
-- Reachability scans (doc/reach.md): which sampled heap blocks nothing in
-- the process points to any more.  Added to version 2 without a version
-- change: a file without these tables has no scans.
---------------------------------------------------------------------------

-- One row per scan, also one that could not prove anything (proof 0,
-- reason says why: another allocator, a static binary, a corrupt chunk).
CREATE TABLE reach_scan (
	id           INTEGER PRIMARY KEY,    -- 1, 2, 3, ... in time order
	tick_id      INTEGER NOT NULL REFERENCES tick (id), -- committed with
	t            REAL NOT NULL,          -- seconds since the session start
					     -- when the scan began
	took_ns      INTEGER NOT NULL,       -- how long it ran
	bytes_read   INTEGER NOT NULL,       -- read from the target
	heap_bytes   INTEGER NOT NULL,       -- heaps walked
	max_pause_ns INTEGER NOT NULL,       -- longest stop of one thread
	threads      INTEGER NOT NULL,       -- threads of the target
	candidates   INTEGER NOT NULL,       -- sampled blocks judged
	unreachable  INTEGER NOT NULL,       -- of them unreachable in this scan
	proven       INTEGER NOT NULL,       -- ... and in every scan of a run
					     -- (two scans agree)
	proof        INTEGER NOT NULL,       -- 0: cannot prove (reason)
	weak         INTEGER NOT NULL,       -- 1: some roots not read in a
					     -- snapshot (reason)
	reason       TEXT                    -- NULL when none
);

-- Per scan, the allocation sites with blocks proven unreachable: bytes
-- and counts are the agent's weighted estimates.
CREATE TABLE reach_site (
	scan_id        INTEGER NOT NULL REFERENCES reach_scan (id),
	stack_id       INTEGER NOT NULL REFERENCES stack (id),
	direct_bytes   INTEGER NOT NULL,     -- nothing points to them
	direct_count   INTEGER NOT NULL,
	indirect_bytes INTEGER NOT NULL,     -- only unreachable blocks do
	indirect_count INTEGER NOT NULL,
	samples        INTEGER NOT NULL,     -- raw sampled blocks
	scans          INTEGER NOT NULL,     -- scans in a row that agree
	weak           INTEGER NOT NULL,
	PRIMARY KEY (scan_id, stack_id)
) WITHOUT ROWID;

---------------------------------------------------------------------------
-- The heap agent's own cost and losses.  Added to version 2 without a
-- version change: a file without this table has no such figures.
---------------------------------------------------------------------------

-- A row at the ticks where the agent's counters changed (readers carry
-- forward).  Counters are since the agent's start; CPU times since the
-- target process and the agent's thread began.
CREATE TABLE heap_agent (
	tick_id       INTEGER PRIMARY KEY REFERENCES tick (id),
	samples       INTEGER NOT NULL,      -- sampled allocations
	tracked       INTEGER NOT NULL,      -- sampled blocks live
	dropped       INTEGER NOT NULL,      -- samples lost: agent tables full
	dropped_bytes INTEGER NOT NULL,      -- their weighted bytes
	sample_ns     INTEGER NOT NULL,      -- time in sampled mallocs/frees
	free_hits     INTEGER NOT NULL,      -- frees looked up in the table
	lock_waits    INTEGER NOT NULL,      -- slow-path lock waits
	cpu_ns        INTEGER NOT NULL,      -- the target's CPU time; 0 unknown
	agent_cpu_ns  INTEGER NOT NULL,      -- the agent thread's CPU time
	table_cap     INTEGER NOT NULL,      -- sampled-block table entries
	grows         INTEGER NOT NULL,      -- table growths
	deferred      INTEGER NOT NULL,      -- new stacks and changed sites the
					     -- recorder left for later ticks
	reused        INTEGER NOT NULL DEFAULT 0, -- samples whose stack needed
					     -- no unwind (a column added later:
					     -- absent in older files)
	behind_ms     INTEGER NOT NULL DEFAULT 0 -- the agent's last report read
					     -- was this old (ms, when over 1 s;
					     -- added later too)
);
