/*
 * test_jpool: lib/jpool.c under jansson: blocks are reused by size class,
 * large blocks bypass the cache, the cache is bounded and drains, and JSON
 * built, parsed and dumped through it is unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "jpool.h"

static int sink(const char *text, size_t n, void *data)
{
	char *dst = data;
	size_t used = strlen(dst);

	if (used + n >= 256)
		return -1;
	memcpy(dst + used, text, n);
	dst[used + n] = '\0';
	return 0;
}

static void test_blocks(void)
{
	char *a, *b, *c, *big;
	void *many[4096];
	size_t i;

	jpool_drain();
	CHECK(jpool_cached() == 0);
	a = jpool_malloc(1);
	CHECK(a != NULL && ((size_t)a % 16) == 0);
	memset(a, 'x', 16); /* a 1-byte request gets its whole 16-byte class */
	jpool_free(a);
	CHECK(jpool_cached() == 16);
	/* Same class: the cached block comes back; another class does not take it. */
	b = jpool_malloc(16);
	CHECK(b == a);
	CHECK(jpool_cached() == 0);
	c = jpool_malloc(17);
	CHECK(c != NULL && c != b && ((size_t)c % 16) == 0);
	memset(c, 'y', 32);
	jpool_free(b);
	jpool_free(c);
	CHECK(jpool_cached() == 48);
	/* Zero bytes still gives a usable pointer; NULL is ignored. */
	a = jpool_malloc(0);
	CHECK(a != NULL);
	jpool_free(a);
	jpool_free(NULL);
	/* Beyond the largest class: plain malloc, never cached. */
	big = jpool_malloc(257);
	CHECK(big != NULL && ((size_t)big % 16) == 0);
	memset(big, 'z', 257);
	jpool_free(big);
	CHECK(jpool_cached() == 48);
	CHECK(jpool_malloc((size_t)-1) == NULL);
	/* The cache is bounded: 4096 blocks of 256 bytes are 1 MiB, more than it keeps. */
	for (i = 0; i < sizeof(many) / sizeof(many[0]); i++)
		CHECK((many[i] = jpool_malloc(256)) != NULL);
	for (i = 0; i < sizeof(many) / sizeof(many[0]); i++)
		jpool_free(many[i]);
	CHECK(jpool_cached() <= JPOOL_MAX_CACHED);
	CHECK(jpool_cached() >= JPOOL_MAX_CACHED - 256);
	jpool_drain();
	CHECK(jpool_cached() == 0);
}

static void test_json(void)
{
	const char *text = "{\"a\":[1,2,{\"b\":\"a fairly long string value, longer than a class\"}],"
			   "\"c\":null,\"d\":\"\\u00e9\"}";
	char out[256];
	json_error_t jerr;
	json_t *j;
	int round;

	for (round = 0; round < 3; round++) {
		j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
		CHECK(j != NULL);
		CHECK(json_object_set_new(j, "e", json_string("new")) == 0);
		out[0] = '\0';
		CHECK(json_dump_callback(j, sink, out, JSON_COMPACT) == 0);
		CHECK_STR(out, "{\"a\":[1,2,{\"b\":\"a fairly long string value, longer than a class\"}],"
			       "\"c\":null,\"d\":\"\xc3\xa9\",\"e\":\"new\"}");
		json_decref(j);
		/* Everything small came back to the cache. */
		CHECK(jpool_cached() > 0);
	}
	jpool_drain();
}

int main(void)
{
	test_blocks();
	jpool_install();
	test_json();
	return check_done("jpool");
}
