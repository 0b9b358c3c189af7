# leaktop — hand-written Makefile.  `make` builds bin/leaktop; `make test`
# installs missing packages (as root), builds and runs every test; `make demo`
# runs the bundled leaking demo under leaktop.

VERSION   := 0.1.0
CC        ?= cc
PKG_CONFIG ?= pkg-config

WARN      := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 -Werror
# Headers are grouped like src/ (include/base, include/sources, ...); each
# group is on the include path so files name headers without their folder,
# and `make lint` checks which group may include which.
INC_DIRS  := $(sort $(wildcard include/*))
CPPFLAGS  += -D_GNU_SOURCE -DLT_VERSION='"$(VERSION)"' $(INC_DIRS:%=-I%) -Ibuild/gen
CFLAGS    ?= -O2 -g
CFLAGS    += -std=c11 $(WARN) -MMD -MP
LDLIBS    += -lsqlite3 -ldw -lelf -lprotobuf-c -lz -lm -lstdc++ $(shell $(PKG_CONFIG) --libs ncursesw 2>/dev/null || echo -lncursesw -ltinfo)

SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	     -fno-sanitize-recover=all

# Every module but the command entry points goes into one static library
# that unit tests link against.
# The pipeline's stages, lowest first (doc/architecture.md).
STAGES    := base sources model store out session
# The shared option parser goes into the library too, so that unit tests
# can reach it; the commands themselves stay out.
CLI_LIB   := src/cli/opts.c
CMD_SRC   := src/main.c $(filter-out $(CLI_LIB),$(wildcard src/cli/*.c))
LIB_SRC   := $(foreach d,$(STAGES),$(wildcard src/$(d)/*.c)) $(CLI_LIB)
UI_SRC    := $(wildcard ui/*.c)
GEN_OBJ   := schema_sql.o syscall_names.o profile.pb-c.o
LIB_OBJ   := $(LIB_SRC:src/%.c=build/obj/%.o) $(UI_SRC:ui/%.c=build/obj/ui/%.o) \
	     $(GEN_OBJ:%=build/obj/%)
CMD_OBJ   := $(CMD_SRC:src/%.c=build/obj/%.o)
SAN_OBJ   := $(LIB_OBJ:build/obj/%=build/san/%)

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=build/unit/%)
SAN_UNIT  := $(UNIT_SRC:tests/unit/%.c=build/unit-san/%)
# Test targets: programs (*.c, *.cc) and the shared libraries some of them
# load (lib*.c, built as build/targets/lib*.so).
TARGET_LIB_SRC := $(wildcard tests/targets/lib*.c)
TARGETS   := $(patsubst tests/targets/%.c,build/targets/%,$(filter-out $(TARGET_LIB_SRC),$(wildcard tests/targets/*.c))) \
	     $(patsubst tests/targets/%.cc,build/targets/%,$(wildcard tests/targets/*.cc)) \
	     $(patsubst tests/targets/%.c,build/targets/%.so,$(TARGET_LIB_SRC))

# Test tools: small programs over the library that integration tests run
# (heapdump prints the heap source's batches of a live process).
TOOLS     := $(patsubst tests/tools/%.c,build/tools/%,$(wildcard tests/tools/*.c))

# The heap agent: loaded into targets, so it depends on libc alone (an
# unwinder is found at run time), is position independent and exports only
# lt_agent_start.
AGENT_SRC := $(wildcard src/agent/*.c)
AGENT     := $(if $(AGENT_SRC),bin/liblt-agent.so)
AGENT_CFLAGS := -O2 -g -fPIC -fvisibility=hidden -ftls-model=initial-exec \
	     -fno-omit-frame-pointer

# Debian packages: to build, and additionally to test.
DEB_BUILD := gcc g++ make pkg-config libc6-dev libsqlite3-dev libelf-dev \
	     libdw-dev libncurses-dev libunwind-dev protobuf-c-compiler \
	     libprotobuf-c-dev zlib1g-dev
# libFuzzer: clang and its runtime (libclang_rt.fuzzer), which clang only
# recommends.  The corpora are replayed by `make test`.
DEB_FUZZ  := clang libclang-rt-dev
DEB_TEST  := libcmocka-dev sqlite3 tmux procps util-linux g++ golang-go python3 \
	     $(DEB_FUZZ)

# Sanitizer objects are only prerequisites of the sanitizer unit tests; keep
# them so each build does not recompile the whole library.
.SECONDARY: $(SAN_OBJ)

.PHONY: all deps deps-build test unit integration demo bench bench-reach clean lint accuracy \
	fuzz fuzz-build fuzz-seeds soak

all: bin/leaktop bin/leaktop-demo $(AGENT)

bin/leaktop: $(CMD_OBJ) build/libleaktop.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The demo program `leaktop demo` starts, kept next to the binary.
bin/leaktop-demo: tests/targets/demo_service.c tests/targets/target.h
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O1 -g $(WARN) -pthread -o $@ $< -lm

bin/liblt-agent.so: $(AGENT_SRC) $(wildcard src/agent/*.h) include/agent/lt_agent_proto.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Isrc/agent -std=c11 $(WARN) $(AGENT_CFLAGS) -shared \
	  -Wl,-z,now -Wl,-z,relro -Wl,-z,defs -o $@ $(AGENT_SRC) -pthread -lm

build/libleaktop.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

build/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

build/obj/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

build/obj/ui/%.o: ui/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The schema is compiled in so the binary needs no data files at run time.
build/gen/schema_sql.c: data/schema.sql
	@mkdir -p $(@D)
	{ echo '/* generated from data/schema.sql */'; \
	  echo 'const char lt_schema_sql[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $<; \
	  echo ';'; } > $@

# pprof's profile.proto, encoded with protobuf-c (export).
build/gen/profile.pb-c.c build/gen/profile.pb-c.h: data/profile.proto
	@mkdir -p $(@D)
	protoc-c --proto_path=data --c_out=build/gen data/profile.proto

# Every object may include the generated header.
$(LIB_OBJ) $(CMD_OBJ) $(SAN_OBJ): build/gen/profile.pb-c.h

# Syscall names of the architecture being built, from the compiler's headers.
build/gen/syscall_names.c:
	@mkdir -p $(@D)
	{ echo '/* generated from <sys/syscall.h> */'; \
	  echo '#include <stddef.h>'; \
	  echo 'const char *const lt_syscall_table[] = {'; \
	  echo '#include <sys/syscall.h>' | $(CC) -dM -E - | \
	    sed -n 's/^#define __NR_\([a-z0-9_]*\) \([0-9][0-9]*\)$$/\t[\2] = "\1",/p' | sort -t[ -k2 -n; \
	  echo '};'; \
	  echo 'const size_t lt_syscall_table_len = sizeof(lt_syscall_table) / sizeof(lt_syscall_table[0]);'; } > $@

build/san/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -std=c11 $(WARN) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

build/san/%.o: build/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -std=c11 $(WARN) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

build/san/ui/%.o: ui/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -std=c11 $(WARN) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

build/unit/%: tests/unit/%.c build/libleaktop.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< build/libleaktop.a $(LDLIBS) -lcmocka

build/unit-san/%: tests/unit/%.c $(SAN_OBJ) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -std=c11 $(WARN) $(SAN_FLAGS) -o $@ $< $(SAN_OBJ) $(LDLIBS) -lcmocka

build/tools/%: tests/tools/%.c build/libleaktop.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< build/libleaktop.a $(LDLIBS)

build/targets/%: tests/targets/%.c $(wildcard tests/targets/*.h)
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror -pthread -o $@ $< -lm $(TARGET_LIBS_$*)

build/targets/%: tests/targets/%.cc $(wildcard tests/targets/*.h)
	@mkdir -p $(@D)
	$(CXX) -std=gnu++17 -O1 -g -Wall -Wextra -Werror -pthread -o $@ $< $(TARGET_LIBS_$*)

build/targets/lib%.so: tests/targets/lib%.c $(wildcard tests/targets/*.h)
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror -fPIC -shared -Wl,-soname,$(@F) -o $@ $<

# Extra libraries of single targets.
TARGET_LIBS_zlib_leak := -lz
TARGET_LIBS_dlopen_leak := -ldl
TARGET_LIBS_static_sleeper := -static
TARGET_LIBS_sqlite_leak := -lsqlite3
# warm_service links the wrapper library next to it.
TARGET_LIBS_warm_service := build/targets/libsvc.so -Wl,-rpath,'$$ORIGIN'
build/targets/warm_service: build/targets/libsvc.so

# Installs what is missing, non-interactively and idempotently, when root;
# otherwise prints the command to run.
deps:
	@DEB="$(DEB_BUILD) $(DEB_TEST)" sh tests/deps.sh

deps-build:
	@DEB="$(DEB_BUILD)" sh tests/deps.sh

unit: $(UNIT_BIN) $(SAN_UNIT)

test: deps
	$(MAKE) all unit $(TARGETS) $(TOOLS) fuzz-build
	sh tests/run.sh

demo: deps-build
	$(MAKE) all build/targets/demo_service
	sh tests/demo.sh

# How often the diagnosis is right on warm processes (about ten minutes;
# LT_ACCURACY_RUNS=N for fewer runs).
accuracy: deps
	$(MAKE) all $(TARGETS) $(TOOLS)
	bash tests/accuracy.sh

# A real server and heaptrack, for comparison: bench only.
DEB_BENCH := redis-server redis-tools heaptrack time delve

bench:
	@DEB="$(DEB_BUILD) $(DEB_TEST) $(DEB_BENCH)" sh tests/deps.sh
	$(MAKE) all $(TARGETS)
	bash tests/bench.sh

# The reachability scan's time per GiB of live heap (prints, asserts nothing).
BENCH_BIN := $(patsubst tests/bench/%.c,build/bench/%,$(wildcard tests/bench/*.c))

build/bench/%: tests/bench/%.c build/libleaktop.a
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< build/libleaktop.a $(LDLIBS)

bench-reach: build/bench/reach_bench build/targets/reach_fill
	build/bench/reach_bench $(or $(REACH_MIB),1024)

# Layers (doc/architecture.md) and library boundaries (doc/style): each
# stage of src/ includes only the stages below it; only the store includes
# sqlite3, only the ptrace modules ptrace, only ui/ curses.
lint:
	@bash tests/integration/layers.sh | grep -v '^ok' || true
	@bash tests/integration/layers.sh >/dev/null && echo "lint: ok"

# ---- fuzzing (tests/fuzz/README) ----
# Each tests/fuzz/fuzz_NAME.c is a libFuzzer harness, linked with the
# library built again by clang with ASan, UBSan and coverage for libFuzzer.
# `make fuzz` runs each for FUZZ_SECONDS and merges what found new coverage
# into tests/fuzz/corpus/NAME; `make test` replays those corpora
# (tests/integration/fuzz_replay.sh).  FUZZ_TARGETS=agentmsg,store picks some.
FUZZ_CC      := clang
FUZZ_SECONDS ?= 60
FUZZ_SAN     := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
		-fno-sanitize-recover=all
FUZZ_CFLAGS  := -std=c11 $(WARN) -MMD -MP $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
		-DLT_FUZZ_ROOT='"$(CURDIR)"'
FUZZ_SRC     := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_OBJ     := $(LIB_SRC:src/%.c=build/fuzz/obj/%.o) $(GEN_OBJ:%=build/fuzz/obj/%)

fuzz-build: $(FUZZ_BIN)

fuzz: deps
	$(MAKE) fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_TARGETS=$(FUZZ_TARGETS) bash tests/fuzz/run.sh

# Regenerates the synthetic seeds (agent streams, Go memory patches) from
# the current structures.
fuzz-seeds: build/fuzz/seeds
	build/fuzz/seeds tests/fuzz/corpus

build/fuzz/libleaktop.a: $(FUZZ_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

build/fuzz/obj/%.o: src/%.c build/gen/profile.pb-c.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/obj/%.o: build/gen/%.c build/gen/profile.pb-c.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h build/fuzz/libleaktop.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	  build/fuzz/libleaktop.a $(LDLIBS)

build/fuzz/seeds: tests/fuzz/seeds.c tests/fuzz/fuzz.h include/agent/lt_agent_proto.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -std=c11 $(WARN) -O1 -g -o $@ $<

# ---- soak (not in `make test`): attach/detach cycles and SIGKILLs of
# leaktop against a 4-thread allocator that checks its blocks.  About
# SOAK_CYCLES x 1.3 s + SOAK_KILLS x 1.5 s.
SOAK_CYCLES ?= 1000
SOAK_KILLS  ?= 100

soak: deps
	$(MAKE) all build/targets/soak_alloc build/targets/got_check
	SOAK_CYCLES=$(SOAK_CYCLES) SOAK_KILLS=$(SOAK_KILLS) bash tests/soak.sh

clean:
	rm -rf build bin

-include $(wildcard build/obj/*.d build/obj/*/*.d build/san/*.d build/san/*/*.d build/unit/*.d build/unit-san/*.d build/tools/*.d \
	build/fuzz/*.d build/fuzz/obj/*.d build/fuzz/obj/*/*.d)
