/* --pprof's parts on hostile input: URLs, HTTP responses (truncated,
 * chunked, errors, garbage), and profiles (garbage, broken gzip, invalid
 * ids, addressless locations, a heap profile with one stack in two size
 * buckets), built here with protobuf-c and zlib like Go's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "lt_httpget.h"
#include "lt_pprof.h"
#include "profile.pb-c.h"

static void test_urls(void **state)
{
	struct lt_url u;
	lt_err err = {0};
	(void)state;

	assert_int_equal(lt_httpget_parse("http://127.0.0.1:6060", &u, &err), 0);
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, 6060);
	assert_string_equal(u.path, "");
	assert_int_equal(lt_httpget_parse("http://localhost/x/debug/pprof/?debug=1", &u, &err), 0);
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, 80);
	assert_string_equal(u.path, "/x/debug/pprof");
	assert_int_equal(lt_httpget_parse("http://[::1]:8080/", &u, &err), 0);
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.hostport, "[::1]:8080");
	assert_int_equal(lt_httpget_parse("https://127.0.0.1:1", &u, &err), -1);
	assert_int_equal(err.code, LT_EXIT_USAGE);
	assert_int_equal(lt_httpget_parse("http://example.com:80", &u, &err), -1);
	assert_non_null(strstr(err.msg, "numeric address"));
	assert_int_equal(lt_httpget_parse("http://127.0.0.1:0", &u, &err), -1);
	assert_int_equal(lt_httpget_parse("http://127.0.0.1:65536", &u, &err), -1);
	assert_int_equal(lt_httpget_parse("http://127.0.0.1:80x", &u, &err), -1);
	assert_int_equal(lt_httpget_parse("http://[::1", &u, &err), -1);
	assert_int_equal(lt_httpget_parse("http://", &u, &err), -1);
}

/* Parses text as a response: the body, or NULL with err. */
static char *body_of(const char *text, size_t n, lt_err *err)
{
	unsigned char *b = malloc(n + 1);
	size_t off, len;
	char *out = NULL;

	memcpy(b, text, n);
	if (lt_httpget_response(b, n, &off, &len, err) == 0) {
		out = malloc(len + 1);
		memcpy(out, b + off, len);
		out[len] = '\0';
	}
	free(b);
	return out;
}

#define BODY(s, e) body_of(s, sizeof(s) - 1, e)

static void test_responses(void **state)
{
	lt_err err = {0};
	char *b;
	(void)state;

	b = BODY("HTTP/1.1 200 OK\r\nContent-Type: x\r\ncontent-length: 5\r\n\r\nhelloEXTRA", &err);
	assert_string_equal(b, "hello");
	free(b);
	b = BODY("HTTP/1.0 200 OK\r\n\r\nto the end", &err);
	assert_string_equal(b, "to the end");
	free(b);
	b = BODY("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n", &err);
	assert_string_equal(b, "helloabc");
	free(b);
	assert_null(BODY("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffff\r\nhello\r\n0\r\n\r\n", &err));
	assert_non_null(strstr(err.msg, "chunked"));
	assert_null(BODY("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX3\r\nabc", &err));
	assert_null(BODY("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", &err));
	assert_non_null(strstr(err.msg, "truncated"));
	assert_null(BODY("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\nx", &err));
	assert_non_null(strstr(err.msg, "Content-Length"));
	assert_null(BODY("HTTP/1.1 404 Not Found\x01\r\n\r\n", &err));
	assert_string_equal(err.msg, "HTTP status 404 Not Found?");
	assert_null(BODY("SSH-2.0-OpenSSH\r\n\r\n", &err));
	assert_null(BODY("HTTP/1.1 200 OK\r\nno end", &err));
	/* A NUL in the header is read past safely, as any byte. */
	b = BODY("HTTP/1.1 200\0\nX: \0\r\n\r\n", &err);
	assert_string_equal(b, "");
	free(b);
}

/* --- profiles -------------------------------------------------------------- */

static Perftools__Profiles__ValueType *vt(int64_t type, int64_t unit)
{
	Perftools__Profiles__ValueType *v = calloc(1, sizeof(*v));

	perftools__profiles__value_type__init(v);
	v->type = type;
	v->unit = unit;
	return v;
}

/* Strings: 0 "", 1 goroutine, 2 count, 3 main.leak, 4 leak.go,
 * 5 runtime.gopark, 6 main.worker, 7 alloc_objects, 8 alloc_space,
 * 9 inuse_objects, 10 inuse_space, 11 bytes, 12 main.inlined,
 * 13 runtime.chansend1 */
static char *strs[] = {"", "goroutine", "count", "main.leak", "leak.go", "runtime.gopark",
		       "main.worker", "alloc_objects", "alloc_space", "inuse_objects",
		       "inuse_space", "bytes", "main.inlined", "runtime.chansend1"};

/* A profile of kind heap or goroutine, packed and gzipped into *out. */
struct built {
	unsigned char *gz;
	size_t n;
};

/* parked: the second sample is {gopark, chansend1}, a goroutine parked
 * in a channel send. */
static struct built build(int heap, int bad_loc, int bad_fn, int parked)
{
	Perftools__Profiles__Profile p;
	Perftools__Profiles__Function fn[5];
	Perftools__Profiles__Function *fnp[5];
	Perftools__Profiles__Line ln[6], *l0[2] = {&ln[0], &ln[4]}, *l1[1] = {&ln[1]},
		*l2[1] = {&ln[2]}, *l3[1] = {&ln[3]}, *l4[1] = {&ln[5]};
	Perftools__Profiles__Location loc[5], *locp[5];
	Perftools__Profiles__Sample smp[3], *smpp[3];
	Perftools__Profiles__ValueType *types[4];
	uint64_t st0[] = {10, 11}, st1[] = {parked ? 11 : 12, parked ? 14 : 11},
		st2[] = {10, bad_loc ? 99 : 11};
	int64_t v0[4] = {3, 300, 2, 200}, v1[4] = {2, 2000, 2, 2000}, v2[4] = {5, 500, 1, 100};
	struct built b;
	size_t n;
	unsigned char *raw;
	z_stream z = {0};

	perftools__profiles__profile__init(&p);
	for (int i = 0; i < 5; i++) {
		perftools__profiles__function__init(&fn[i]);
		fn[i].id = 100 + (uint64_t)i;
		fnp[i] = &fn[i];
	}
	fn[0].name = 5; fn[1].name = 3; fn[1].filename = 4; fn[2].name = 6; fn[2].filename = 4;
	fn[3].name = 12; fn[3].filename = 4; fn[4].name = 13;
	for (int i = 0; i < 6; i++)
		perftools__profiles__line__init(&ln[i]);
	ln[5].function_id = 104; ln[5].line = 145;
	ln[0].function_id = 103; ln[0].line = 7;        /* main.inlined into ... */
	ln[4].function_id = 101; ln[4].line = 12;       /* ... main.leak */
	ln[1].function_id = 100; ln[1].line = 363;
	ln[2].function_id = bad_fn ? 999 : 102; ln[2].line = 40;
	ln[3].function_id = 101; ln[3].line = 1 << 30;  /* out of range */
	for (int i = 0; i < 5; i++) {
		perftools__profiles__location__init(&loc[i]);
		locp[i] = &loc[i];
	}
	loc[0].id = 10; loc[0].address = 0x401000; loc[0].n_line = 2; loc[0].line = l0;
	loc[1].id = 11; loc[1].address = 0x402000; loc[1].n_line = 1; loc[1].line = l1;
	loc[2].id = 12; loc[2].address = 0;        loc[2].n_line = 1; loc[2].line = l2;
	loc[3].id = 13; loc[3].address = 0x404000; loc[3].n_line = 1; loc[3].line = l3;
	loc[4].id = 14; loc[4].address = 0x405000; loc[4].n_line = 1; loc[4].line = l4;
	for (int i = 0; i < 3; i++) {
		perftools__profiles__sample__init(&smp[i]);
		smpp[i] = &smp[i];
		smp[i].n_location_id = 2;
		smp[i].n_value = heap ? 4 : 1;
	}
	smp[0].location_id = st0; smp[0].value = v0;
	smp[1].location_id = st1; smp[1].value = v1;
	smp[2].location_id = st2; smp[2].value = v2;  /* st0 again (or a bad id) */
	if (heap) {
		types[0] = vt(7, 2); types[1] = vt(8, 11); types[2] = vt(9, 2); types[3] = vt(10, 11);
		p.n_sample_type = 4;
		p.period = 524288;
	} else {
		types[0] = vt(1, 2);
		p.n_sample_type = 1;
	}
	p.sample_type = types;
	p.n_sample = 3; p.sample = smpp;
	p.n_location = 5; p.location = locp;
	p.n_function = 5; p.function = fnp;
	p.n_string_table = sizeof(strs) / sizeof(strs[0]); p.string_table = strs;
	n = perftools__profiles__profile__get_packed_size(&p);
	raw = malloc(n);
	perftools__profiles__profile__pack(&p, raw);
	for (size_t i = 0; i < p.n_sample_type; i++)
		free(types[i]);
	b.gz = malloc(n + 256);
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = raw;
	z.avail_in = (uInt)n;
	z.next_out = b.gz;
	z.avail_out = (uInt)(n + 256);
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	b.n = z.total_out;
	deflateEnd(&z);
	free(raw);
	return b;
}

static const struct lt_pprof_frame *frame(const struct lt_pprof_tick *t, uint64_t pc)
{
	for (size_t i = 0; i < t->nframes; i++)
		if (t->frames[i].pc == pc)
			return &t->frames[i];
	return NULL;
}

static void test_goroutine_profile(void **state)
{
	lt_pprof *p = lt_pprof_new("http://127.0.0.1:1", NULL);
	struct built b = build(0, 1, 0, 0);
	struct lt_pprof_tick t = {0};
	const struct lt_pprof_frame *f;
	lt_err err = {0};
	(void)state;

	assert_int_equal(lt_pprof_decode(p, "goroutine", b.gz, b.n, &t, &err), 0);
	assert_true(t.have_go);
	assert_int_equal(t.go.n, 5);        /* 3 + 2; the third sample's id is bad */
	assert_int_equal(t.go.listed, 10);
	assert_int_equal(t.go.dropped, 5);
	assert_int_equal(t.go.g[0].status, LT_GO_PPROF);
	assert_int_equal(t.go.g[0].npcs, 2);
	assert_true(t.go.g[0].pcs[0] == 0x401000 && t.go.g[0].pcs[1] == 0x402000);
	assert_true(t.go.g[4].pcs[0] >= 0xff00000000000000ull);  /* addressless */
	f = frame(&t, 0x401000);
	assert_non_null(f);
	assert_int_equal(f->nlines, 2);
	assert_string_equal(f->lines[0].function, "main.inlined");
	assert_string_equal(f->lines[1].function, "main.leak");
	assert_string_equal(f->lines[1].file, "leak.go");
	assert_int_equal(f->lines[1].line, 12);
	f = frame(&t, 0x402000);
	assert_non_null(f);
	assert_null(f->lines[0].file);
	assert_int_equal(t.nframes, 5);
	assert_null(t.go.g[0].wait_reason);
	/* Frames are handed out once. */
	assert_int_equal(lt_pprof_decode(p, "goroutine", b.gz, b.n, &t, &err), 0);
	assert_int_equal(t.nframes, 5);
	free(b.gz);
	/* A goroutine parked by chansend: its wait reason from its stack. */
	b = build(0, 1, 0, 1);
	assert_int_equal(lt_pprof_decode(p, "goroutine", b.gz, b.n, &t, &err), 0);
	assert_int_equal(t.go.n, 5);
	assert_int_equal(t.go.g[0].status, LT_GO_PPROF);
	assert_int_equal(t.go.g[3].status, LT_GO_WAITING);
	assert_string_equal(t.go.g[3].wait_reason, "chan send");
	assert_int_equal(t.go.g[3].pcs[1], 0x405000);
	/* The wrong kind of profile. */
	assert_int_equal(lt_pprof_decode(p, "heap", b.gz, b.n, &t, &err), -1);
	assert_non_null(strstr(err.msg, "not a heap profile"));
	free(b.gz);
	b = build(0, 0, 1, 0);
	assert_int_equal(lt_pprof_decode(p, "goroutine", b.gz, b.n, &t, &err), -1);
	assert_non_null(strstr(err.msg, "names no function"));
	free(b.gz);
	lt_pprof_free(p);
}

static void test_heap_profile(void **state)
{
	lt_pprof *p = lt_pprof_new("http://127.0.0.1:1/debug/pprof/", NULL);
	struct built b = build(1, 0, 0, 0);
	struct lt_pprof_tick t = {0};
	lt_err err = {0};
	int64_t live = 0;
	(void)state;

	assert_int_equal(lt_pprof_decode(p, "heap", b.gz, b.n, &t, &err), 0);
	assert_true(t.have_heap);
	assert_int_equal(lt_pprof_rate(p), 524288);
	assert_int_equal(t.heap.nstacks, 2);
	assert_int_equal(t.heap.n, 2);      /* st0 twice: one site */
	for (size_t i = 0; i < t.heap.n; i++) {
		const struct lt_heap_site *s = &t.heap.sites[i];

		if (t.heap.stacks[s->id].pcs[0] == 0x401000) {
			assert_int_equal(s->alloc_count, 8);
			assert_int_equal(s->alloc_bytes, 800);
			assert_int_equal(s->live_count, 3);
			assert_int_equal(s->free_bytes, 500);
			assert_true(s->samples >= 1 && s->samples_freed <= s->samples);
		}
		live += s->live_bytes;
	}
	assert_int_equal(live, 2300);
	/* The same stacks again keep their ids and are not new. */
	assert_int_equal(lt_pprof_decode(p, "heap", b.gz, b.n, &t, &err), 0);
	assert_int_equal(t.heap.nstacks, 0);
	assert_int_equal(t.heap.n, 2);
	free(b.gz);
	lt_pprof_free(p);
}

static void test_garbage(void **state)
{
	lt_pprof *p = lt_pprof_new("http://127.0.0.1:1", NULL);
	struct lt_pprof_tick t = {0};
	lt_err err = {0};
	unsigned char junk[64], gz[32] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff};
	struct built b = build(0, 0, 0, 0);
	(void)state;

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 37 + 11);
	assert_int_equal(lt_pprof_decode(p, "goroutine", junk, sizeof(junk), &t, &err), -1);
	assert_non_null(strstr(err.msg, "not a valid profile.proto"));
	assert_int_equal(lt_pprof_decode(p, "goroutine", gz, sizeof(gz), &t, &err), -1);
	assert_non_null(strstr(err.msg, "gzip"));
	/* Cut short. */
	assert_int_equal(lt_pprof_decode(p, "goroutine", b.gz, b.n / 2, &t, &err), -1);
	assert_non_null(strstr(err.msg, "truncated"));
	free(b.gz);
	assert_null(lt_pprof_new("http://name.example", &err));
	lt_pprof_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_responses),
		cmocka_unit_test(test_goroutine_profile),
		cmocka_unit_test(test_heap_profile),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
