/*
 * test_buf: known-answer tests for lib/buf.c: the ceiling (exactly max fits,
 * one more byte fails and changes nothing), buf_printf, buf_putu,
 * buf_truncate, buf_copy, buf_take, buf_str.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"

static void test_empty(void)
{
	struct buf b;
	char *s;

	buf_init(&b, 16);
	CHECK(b.data == NULL && b.len == 0 && b.max == 16);
	CHECK(buf_str(&b) != NULL);
	CHECK_STR(buf_str(&b), "");
	buf_clear(&b);
	CHECK_STR(buf_str(&b), "");
	/* Appending nothing allocates but stays empty. */
	CHECK(buf_append(&b, "", 0) == 0);
	CHECK(b.len == 0);
	CHECK_STR(buf_str(&b), "");
	buf_release(&b);
	CHECK(b.data == NULL && b.len == 0 && b.max == 16);
	buf_release(&b);
	buf_release(NULL);

	/* Taking from an empty buffer gives an owned "". */
	s = buf_take(&b);
	CHECK(s != NULL);
	CHECK_STR(s, "");
	free(s);
}

static void test_ceiling(void)
{
	struct buf b;
	char big[101];

	memset(big, 'x', sizeof(big));
	buf_init(&b, 100);
	CHECK(buf_append(&b, big, 100) == 0);
	CHECK(b.len == 100);
	CHECK(strlen(buf_str(&b)) == 100);
	/* Full: even one byte fails and leaves the contents alone. */
	CHECK(buf_append(&b, "y", 1) == -1);
	CHECK(b.len == 100);
	CHECK(buf_str(&b)[99] == 'x' && buf_str(&b)[100] == '\0');
	CHECK(buf_puts(&b, "y") == -1);
	CHECK(buf_printf(&b, "%d", 1) == -1);
	CHECK(b.len == 100);
	/* Zero bytes still fit. */
	CHECK(buf_append(&b, "", 0) == 0);
	CHECK(buf_printf(&b, "%s", "") == 0);
	CHECK(b.len == 100);
	buf_release(&b);

	/* max + 1 in one go fails on an empty buffer and on a partly full one. */
	buf_init(&b, 100);
	CHECK(buf_append(&b, big, 101) == -1);
	CHECK(b.len == 0);
	CHECK_STR(buf_str(&b), "");
	CHECK(buf_puts(&b, "abc") == 0);
	CHECK(buf_append(&b, big, 98) == -1);
	CHECK_STR(buf_str(&b), "abc");
	CHECK(buf_append(&b, big, 97) == 0);
	CHECK(b.len == 100);
	CHECK(strncmp(buf_str(&b), "abcxxx", 6) == 0);
	buf_release(&b);

	/* A huge n never wraps around the size check. */
	buf_init(&b, 100);
	CHECK(buf_puts(&b, "keep") == 0);
	CHECK(buf_append(&b, big, (size_t)-1) == -1);
	CHECK(buf_append(&b, big, (size_t)-1 - 2) == -1);
	CHECK_STR(buf_str(&b), "keep");
	buf_release(&b);

	/* buf_printf at exactly the ceiling, and one over. */
	buf_init(&b, 10);
	CHECK(buf_printf(&b, "%s-%d", "abcd", 12345) == 0);
	CHECK_STR(buf_str(&b), "abcd-12345");
	buf_clear(&b);
	CHECK(buf_printf(&b, "%s-%d", "abcd", 123456) == -1);
	CHECK_STR(buf_str(&b), "");
	CHECK(buf_puts(&b, "12345") == 0);
	CHECK(buf_printf(&b, "%06d", 7) == -1);
	CHECK_STR(buf_str(&b), "12345");
	CHECK(buf_printf(&b, "%05d", 7) == 0);
	CHECK_STR(buf_str(&b), "1234500007");
	buf_release(&b);

	/* A zero ceiling holds only the empty string. */
	buf_init(&b, 0);
	CHECK(buf_append(&b, "", 0) == 0);
	CHECK(buf_append(&b, "a", 1) == -1);
	CHECK_STR(buf_str(&b), "");
	buf_release(&b);
}

static void test_printf_and_binary(void)
{
	struct buf b;
	size_t i;
	int ok = 1;

	buf_init(&b, BUF_MAX_SMALL);
	CHECK(buf_printf(&b, "%s=%d;", "a", 1) == 0);
	CHECK(buf_printf(&b, "%05.1f|%x|%c", 2.5, 255u, 'z') == 0);
	CHECK_STR(buf_str(&b), "a=1;002.5|ff|z");
	/* Growth keeps earlier contents. */
	buf_clear(&b);
	for (i = 0; i < 1000; i++)
		if (buf_printf(&b, "%03zu,", i) != 0)
			ok = 0;
	CHECK(ok);
	CHECK(b.len == 4000);
	CHECK(strncmp(buf_str(&b), "000,001,002,", 12) == 0);
	CHECK(strcmp(buf_str(&b) + 3992, "998,999,") == 0);
	/* Clear keeps the memory. */
	{
		size_t cap = b.cap;

		buf_clear(&b);
		CHECK(b.len == 0 && b.cap == cap);
		CHECK_STR(buf_str(&b), "");
	}
	/* Binary data with NULs is counted by len and still NUL-terminated. */
	CHECK(buf_append(&b, "a\0b", 3) == 0);
	CHECK(b.len == 3);
	CHECK(memcmp(b.data, "a\0b", 4) == 0);
	buf_release(&b);
}

static void test_take(void)
{
	struct buf b;
	char *s;

	buf_init(&b, 32);
	CHECK(buf_puts(&b, "hello") == 0);
	s = buf_take(&b);
	CHECK_STR(s, "hello");
	CHECK(b.data == NULL && b.len == 0 && b.cap == 0 && b.max == 32);
	CHECK_STR(buf_str(&b), "");
	/* The buffer is reusable and independent of the taken string. */
	CHECK(buf_puts(&b, "world") == 0);
	CHECK_STR(s, "hello");
	CHECK_STR(buf_str(&b), "world");
	free(s);
	s = buf_take(&b);
	CHECK_STR(s, "world");
	free(s);
	buf_release(&b);
}

static void test_putu_and_truncate(void)
{
	struct buf b;

	buf_init(&b, 64);
	CHECK(buf_putu(&b, 0) == 0);
	CHECK(buf_puts(&b, " ") == 0);
	CHECK(buf_putu(&b, 7) == 0);
	CHECK(buf_puts(&b, " ") == 0);
	CHECK(buf_putu(&b, 1234567890ULL) == 0);
	CHECK(buf_puts(&b, " ") == 0);
	CHECK(buf_putu(&b, 18446744073709551615ULL) == 0);
	CHECK_STR(buf_str(&b), "0 7 1234567890 18446744073709551615");
	CHECK(b.len == strlen(buf_str(&b)));
	/* Truncating keeps the first bytes; a longer length changes nothing. */
	buf_truncate(&b, 100);
	CHECK(b.len == 35);
	buf_truncate(&b, 3);
	CHECK_STR(buf_str(&b), "0 7");
	CHECK(b.len == 3);
	buf_truncate(&b, 0);
	CHECK_STR(buf_str(&b), "");
	buf_release(&b);
	/* An empty, unallocated buffer: truncating is a no-op. */
	buf_truncate(&b, 0);
	CHECK(b.data == NULL);

	/* The ceiling applies: a number that does not fit changes nothing. */
	buf_init(&b, 4);
	CHECK(buf_putu(&b, 1234) == 0);
	CHECK(buf_putu(&b, 5) == -1);
	CHECK_STR(buf_str(&b), "1234");
	buf_clear(&b);
	CHECK(buf_putu(&b, 12345) == -1);
	CHECK_STR(buf_str(&b), "");
	buf_release(&b);
}

static void test_copy(void)
{
	char d[8];

	CHECK(buf_copy(d, sizeof(d), "abc") == 3);
	CHECK_STR(d, "abc");
	CHECK(buf_copy(d, sizeof(d), "") == 0);
	CHECK_STR(d, "");
	/* Cut like snprintf: size - 1 bytes and the NUL. */
	CHECK(buf_copy(d, sizeof(d), "0123456789") == 7);
	CHECK_STR(d, "0123456");
	CHECK(buf_copy(d, sizeof(d), "0123456") == 7);
	CHECK_STR(d, "0123456");
	CHECK(buf_copy(d, 1, "xyz") == 0);
	CHECK_STR(d, "");
}

int main(void)
{
	test_empty();
	test_ceiling();
	test_printf_and_binary();
	test_take();
	test_putu_and_truncate();
	test_copy();
	return check_done("buf");
}
