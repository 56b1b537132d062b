/*
 * fuzz_http: libFuzzer target for http_header_find(), the one look-up of
 * response headers (the runtime API's X-Cff-Request-Id and credentials, the
 * cloud's X-Request-Id and Retry-After).
 *
 * The input is a header name, a NUL, then the header block as received. The
 * block is copied into a buffer of its exact size, so any read past its end
 * is caught; a value found must lie inside the block, start after a ':' and
 * carry no surrounding white space. The block is also searched for every
 * name a caller asks for. Build and run: make fuzz / make fuzz-smoke.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void find(const char *blk, size_t len, const char *name)
{
	const char *v;
	size_t n;

	if (http_header_find(blk, len, name, &v, &n) != 0)
		return;
	if (v < blk || v + n > blk + len || v == blk || memchr(blk, ':', (size_t)(v - blk)) == NULL)
		abort();
	if (n > 0 && (v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' || v[n - 1] == '\t' ||
		      v[n - 1] == '\r'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"X-Cff-Request-Id", "X-CFF-Auth-Token", "X-Request-Id",
					    "Retry-After", ""};
	const uint8_t *nul = memchr(data, '\0', size);
	char *name, *blk;
	size_t nlen, len, i;

	if (nul == NULL)
		return 0;
	nlen = (size_t)(nul - data);
	len = size - nlen - 1;
	name = malloc(nlen + 1);
	blk = malloc(len > 0 ? len : 1);
	if (name == NULL || blk == NULL)
		abort();
	memcpy(name, data, nlen + 1);
	memcpy(blk, nul + 1, len);
	find(blk, len, name);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		find(blk, len, names[i]);
	free(name);
	free(blk);
	return 0;
}
