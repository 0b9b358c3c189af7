/* Shared by the libFuzzer harnesses in tests/fuzz (see README): reading
 * structured values off the fuzzer's bytes.  Header-only so that each
 * harness stays one file. */
#ifndef LT_FUZZ_H
#define LT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The input not consumed yet. */
struct fz {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fz_u8(struct fz *f)
{
	uint8_t v = 0;

	if (f->n) {
		v = *f->p++;
		f->n--;
	}
	return v;
}

/* Little-endian, zero-filled past the end of the input. */
static inline uint64_t fz_bytes(struct fz *f, size_t k)
{
	uint64_t v = 0;

	for (size_t i = 0; i < k; i++)
		v |= (uint64_t)fz_u8(f) << (8 * i);
	return v;
}

static inline uint32_t fz_u32(struct fz *f)
{
	return (uint32_t)fz_bytes(f, 4);
}

static inline uint64_t fz_u64(struct fz *f)
{
	return fz_bytes(f, 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
