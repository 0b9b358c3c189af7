/* Writes the synthetic seed inputs of the fuzz harnesses into DIR/NAME/
 * (`make fuzz-seeds`; DIR is tests/fuzz/corpus): agent streams built from
 * the wire structures of lt_agent_proto.h, so that a change of the
 * protocol is one regeneration away.  Seeds of the other harnesses are
 * real files (fixtures, /proc samples, small ELF objects). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lt_agent_proto.h"

static unsigned char buf[1 << 16];
static size_t len;

static void put(const void *p, size_t n)
{
	if (len + n > sizeof(buf)) {
		fprintf(stderr, "seeds: stream too long\n");
		exit(1);
	}
	memcpy(buf + len, p, n);
	len += n;
}

static void msg(unsigned type, const void *payload, uint32_t n)
{
	struct lt_msg_hdr h = {.magic = LT_AGENT_MAGIC, .type = (uint16_t)type,
			       .len = n};

	put(&h, sizeof(h));
	put(payload, n);
}

static void hello(uint32_t version)
{
	struct lt_msg_hello h = {.version = version, .pid = 1234,
				 .sample_rate = 524288, .max_depth = 64,
				 .starts = 1, .objects = 3, .slots = 12,
				 .agent_tid = 1240, .agent_fd = 5,
				 .fd_slots = 4096};

	strcpy(h.unwinder, "libunwind");
	msg(LT_MSG_HELLO, &h, sizeof(h));
}

static void stack(uint32_t id, uint32_t depth)
{
	struct lt_msg_stack s = {.id = id, .depth = depth};
	unsigned char p[sizeof(s) + 8 * 4];

	memcpy(p, &s, sizeof(s));
	for (uint32_t i = 0; i < depth && i < 4; i++) {
		uint64_t pc = 0x401000 + 0x10 * i;

		memcpy(p + sizeof(s) + 8 * i, &pc, 8);
	}
	msg(LT_MSG_STACK, p, sizeof(s) + 8 * depth);
}

static void sites(void)
{
	struct lt_msg_site s[2] = {
		{.stack_id = 0, .live_bytes = 4096, .live_count = 4,
		 .alloc_bytes = 8192, .alloc_count = 8, .free_bytes = 4096,
		 .free_count = 4, .samples = 8, .samples_freed = 4,
		 .freed_age_us = 1000, .oldest_live_us = 10,
		 .alloc_ubytes = 8256, .ff_bytes = 100, .ff_count = 1,
		 .ff_samples = 1},
		{.stack_id = 1, .live_bytes = -64, .live_count = -1,
		 .oldest_live_us = -1},
	};

	msg(LT_MSG_SITES, s, sizeof(s));
}

static void fdsites(void)
{
	struct lt_msg_fdsite f[2] = {
		{.stack_id = 0, .kind = LT_FD_FILE, .live = 3, .opened = 5},
		{.stack_id = 1, .kind = LT_FD_SOCKET, .live = 0, .opened = 1},
	};

	msg(LT_MSG_FDSITES, f, sizeof(f));
}

static void tick(uint64_t seq)
{
	struct lt_msg_tick t = {.seq = seq, .samples = 10, .tracked = 4,
				.dropped = seq > 1, .stacks = 2,
				.now_us = 200000 * seq};

	msg(LT_MSG_TICK, &t, sizeof(t));
}

/* cut: the harness's first byte (how the stream is fed). */
static void save(const char *dir, const char *name, unsigned char cut)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(&cut, 1, 1, f) != 1 || fwrite(buf, 1, len, f) != len ||
	    fclose(f) != 0) {
		fprintf(stderr, "seeds: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	len = 0;
}

int main(int argc, char **argv)
{
	char dir[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: seeds CORPUS_DIR\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/agentmsg", argv[1]);
	mkdir(dir, 0777);

	hello(LT_AGENT_PROTO_VERSION);
	stack(0, 2);
	stack(1, 4);
	sites();
	fdsites();
	tick(1);
	tick(2);
	msg(LT_MSG_BYE, NULL, 0);
	save(dir, "seed-session", 0);

	hello(LT_AGENT_PROTO_VERSION);
	stack(0, 1);
	sites();
	tick(1);
	save(dir, "seed-session-chunked", 13);

	hello(LT_AGENT_PROTO_VERSION - 1);
	save(dir, "seed-old-version", 0);

	hello(LT_AGENT_PROTO_VERSION);
	msg(LT_MSG_ERROR, "cannot patch GOT of /usr/lib/x.so\n\x01", 35);
	save(dir, "seed-error", 3);
	return 0;
}
