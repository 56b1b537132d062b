/*
 * test_strlist: known-answer tests for lib/strlist.c: de-duplication, the id
 * alphabet and length limit, comma-separated lists, and the STRLIST_MAX cap.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "strlist.h"

/* Expects csv to give want (a comma-joined list). */
static void check_csv(const char *csv, const char *want)
{
	struct strlist l;
	struct err e;

	strlist_init(&l);
	err_clear(&e);
	CHECK(strlist_add_csv(&l, csv, strlist_add_id, "clusterId", &e) == 0);
	CHECK_STR(e.code, "");
	CHECK_STR(joined(&l), want);
	strlist_release(&l);
}

/* Expects csv to be rejected with InvalidParameter, naming what. */
static void check_csv_bad(const char *csv)
{
	struct strlist l;
	struct err e;

	strlist_init(&l);
	err_clear(&e);
	CHECK(strlist_add_csv(&l, csv, strlist_add_id, "clusterId", &e) == -1);
	CHECK_STR(e.code, "InvalidParameter");
	CHECK(strncmp(e.msg, "clusterId: ", 11) == 0);
	strlist_release(&l);
}

static void test_add(void)
{
	struct strlist l;

	strlist_init(&l);
	CHECK(l.n == 0 && l.v == NULL);
	CHECK(strlist_has(&l, "a") == 0);
	CHECK(strlist_add(&l, "a", 1) == 0);
	CHECK(strlist_add(&l, "bcd", 2) == 0); /* only n bytes are copied */
	CHECK(strlist_add(&l, "a", 1) == 0);   /* duplicate: no-op */
	CHECK(strlist_add(&l, "bc", 2) == 0);
	CHECK(strlist_add(&l, "", 0) == 0);    /* plain strlist_add does not validate */
	CHECK(l.n == 3);
	CHECK_STR(l.v[0], "a");
	CHECK_STR(l.v[1], "bc");
	CHECK_STR(l.v[2], "");
	CHECK(strlist_has(&l, "bc") == 1);
	CHECK(strlist_has(&l, "b") == 0);
	CHECK(strlist_has(&l, "") == 1);
	/* A prefix of an existing item is distinct. */
	CHECK(strlist_add(&l, "abc", 1) == 0);
	CHECK(l.n == 3);
	CHECK(strlist_add(&l, "ab", 2) == 0);
	CHECK(l.n == 4);
	strlist_release(&l);
	CHECK(l.n == 0 && l.v == NULL && l.cap == 0);
	/* Released lists are reusable; NULL is allowed. */
	CHECK(strlist_add(&l, "x", 1) == 0);
	CHECK_STR(joined(&l), "x");
	strlist_release(&l);
	strlist_release(NULL);
}

static void test_ids(void)
{
	static const char *const good[] = {
		"a", "Z", "0", "a.", "0..", "a-_.", "c1-x_y.z", "11111111-2222-3333-4444-555555555555",
	};
	/* Only dots, or a first character that is not a letter or a digit. */
	static const char *const bad_start[] = {".", "..", "...", "-", "_", ".a", "-a", "_a", "..x"};
	static const char *const bad[] = {
		"a/b", "../x", "a?b", "a%2F", "a b", "a\tb", "a,b", "a#b", "a:b", "a\\b",
		"\xc3\xa9", "a\nb", "a+b", "a=b", "a&b", "a;b", "a@b", "a\"b",
	};
	char id[STRLIST_ID_MAX + 2];
	struct strlist l;
	struct err e;
	size_t i;

	strlist_init(&l);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		err_clear(&e);
		CHECK(strlist_add_id(&l, good[i], strlen(good[i]), "clusterId", &e) == 0);
		CHECK(strlist_has(&l, good[i]));
	}
	CHECK(l.n == sizeof(good) / sizeof(good[0]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear(&e);
		CHECK(strlist_add_id(&l, bad[i], strlen(bad[i]), "nodeId", &e) == -1);
		CHECK_STR(e.code, "InvalidParameter");
		CHECK(strstr(e.msg, "nodeId") != NULL);
		CHECK(strstr(e.msg, "[A-Za-z0-9._-]") != NULL);
	}
	for (i = 0; i < sizeof(bad_start) / sizeof(bad_start[0]); i++) {
		err_clear(&e);
		CHECK(strlist_add_id(&l, bad_start[i], strlen(bad_start[i]), "serverIds", &e) == -1);
		CHECK_STR(e.code, "InvalidParameter");
		CHECK(strstr(e.msg, "serverIds: ") == e.msg);
		CHECK(strstr(e.msg, "must start with a letter or a digit") != NULL);
		CHECK(strlist_has(&l, bad_start[i]) == 0);
		err_clear(&e);
		CHECK(strlist_check_id(bad_start[i], strlen(bad_start[i]), "job_id", &e) == -1);
		CHECK(strstr(e.msg, "job_id: ") == e.msg);
	}
	err_clear(&e);
	CHECK(strlist_check_id("ff8080817a1b2c3d", 16, "job_id", &e) == 0);
	CHECK_STR(e.code, "");
	CHECK(strlist_check_id("../jobs/x", 9, "job_id", &e) == -1);
	/* A NUL inside the counted bytes is rejected too. */
	err_clear(&e);
	CHECK(strlist_add_id(&l, "a\0b", 3, "clusterId", &e) == -1);
	CHECK(l.n == sizeof(good) / sizeof(good[0]));

	/* Length: 0 and 129 fail, 1 and 128 pass. */
	err_clear(&e);
	CHECK(strlist_add_id(&l, "", 0, "clusterId", &e) == -1);
	CHECK_STR(e.code, "InvalidParameter");
	CHECK(strstr(e.msg, "1 to 128") != NULL);
	memset(id, 'k', sizeof(id));
	id[STRLIST_ID_MAX + 1] = '\0';
	err_clear(&e);
	CHECK(strlist_add_id(&l, id, STRLIST_ID_MAX + 1, "clusterId", &e) == -1);
	CHECK(strstr(e.msg, "1 to 128") != NULL);
	err_clear(&e);
	CHECK(strlist_add_id(&l, id, STRLIST_ID_MAX, "clusterId", &e) == 0);
	CHECK(strlen(l.v[l.n - 1]) == STRLIST_ID_MAX);
	/* A long bad id is quoted only in part. */
	memset(id, 'k', sizeof(id));
	id[100] = '/';
	id[STRLIST_ID_MAX] = '\0';
	err_clear(&e);
	CHECK(strlist_add_id(&l, id, STRLIST_ID_MAX, "clusterId", &e) == -1);
	CHECK(strstr(e.msg, "/") == NULL);
	strlist_release(&l);
}

static void test_csv(void)
{
	check_csv("", "");
	check_csv(",", "");
	check_csv(" , ,\t,", "");
	check_csv("a", "a");
	check_csv("a,b,c", "a,b,c");
	check_csv(" a , b ,\tc\t", "a,b,c");
	check_csv("a,,b,", "a,b");
	check_csv(",a", "a");
	check_csv("a,b,a,b,a", "a,b");
	check_csv("b,a", "b,a");
	check_csv("x-1, x-1 ,x-2", "x-1,x-2");
	check_csv_bad("a,b c");
	check_csv_bad("a,../x");
	check_csv_bad("a;b");
	check_csv_bad("a,b\n");
	check_csv_bad("a,\xc3\xa9");

	/* Items before the bad one stay added; the caller discards the list. */
	{
		struct strlist l;
		struct err e;

		strlist_init(&l);
		err_clear(&e);
		CHECK(strlist_add_csv(&l, "ok1,ok2,bad/x,ok3", strlist_add_id, "clusterId", &e) == -1);
		CHECK(strstr(e.msg, "bad/x") != NULL);
		CHECK_STR(joined(&l), "ok1,ok2");
		strlist_release(&l);
	}
}

static void test_max(void)
{
	struct strlist l;
	struct err e;
	char id[16];
	size_t i;
	int ok = 1;

	strlist_init(&l);
	for (i = 0; i < STRLIST_MAX; i++) {
		snprintf(id, sizeof(id), "c%zu", i);
		if (strlist_add_id(&l, id, strlen(id), "clusterId", NULL) != 0)
			ok = 0;
	}
	CHECK(ok);
	CHECK(l.n == STRLIST_MAX);
	/* A duplicate is still fine at the cap; a new one is not. */
	err_clear(&e);
	CHECK(strlist_add_id(&l, "c0", 2, "clusterId", &e) == 0);
	CHECK(strlist_add(&l, "c9999", 5) == 0);
	CHECK(strlist_add(&l, "new", 3) == -1);
	CHECK(strlist_add_id(&l, "new", 3, "clusterId", &e) == -1);
	CHECK_STR(e.code, "InvalidParameter");
	CHECK(strstr(e.msg, "too many") != NULL);
	CHECK(strstr(e.msg, "10000") != NULL);
	CHECK(strlist_add_csv(&l, "c1,c2,new2", strlist_add_id, "clusterId", &e) == -1);
	CHECK(l.n == STRLIST_MAX);
	CHECK(strlist_has(&l, "new") == 0);
	CHECK_STR(l.v[STRLIST_MAX - 1], "c9999");
	strlist_release(&l);
}

/*
 * The index: every item found at its place, absent ones not, through several
 * rehashes; 1,000 ids of maximum length added twice stay 1,000.
 */
static void test_index(void)
{
	char id[STRLIST_ID_MAX + 1];
	struct strlist l;
	size_t i, bad = 0;

	strlist_init(&l);
	CHECK(strlist_index(&l, "x") == STRLIST_NONE);
	for (i = 0; i < 2000; i++) {
		memset(id, 'a', STRLIST_ID_MAX);
		snprintf(id + STRLIST_ID_MAX - 8, 9, "%08zu", i % 1000);
		if (strlist_add_id(&l, id, STRLIST_ID_MAX, "serverIds", NULL) != 0)
			bad++;
	}
	CHECK(bad == 0);
	CHECK(l.n == 1000);
	for (i = 0; i < 1000; i++) {
		memset(id, 'a', STRLIST_ID_MAX);
		snprintf(id + STRLIST_ID_MAX - 8, 9, "%08zu", i);
		if (strlist_index(&l, id) != i)
			bad++;
		id[0] = 'b';
		if (strlist_has(&l, id))
			bad++;
	}
	CHECK(bad == 0);
	CHECK(strlist_has(&l, "") == 0);
	strlist_release(&l);
	CHECK(l.idx.nslot == 0 && strlist_has(&l, "a") == 0);
}

int main(void)
{
	test_index();
	test_add();
	test_ids();
	test_csv();
	test_max();
	return check_done("strlist");
}
