/*
 * test_log: known answers for the scrubbing of lib/log.c: whole secrets,
 * their first parts, and cuts made after the scrub (log_scrub_copy), on a
 * 16,384-character token; and cloud error messages that echo it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cloud.h"
#include "log.h"

#define TOKEN_LEN 16384

static char token[TOKEN_LEN + 1];

/* The longest run in s that starts like token (0 when none). */
static size_t longest_prefix(const char *s)
{
	size_t best = 0, k;

	for (; *s; s++) {
		for (k = 0; s[k] && k < TOKEN_LEN && s[k] == token[k]; k++)
			;
		if (k > best)
			best = k;
	}
	return best;
}

static void test_scrub(void)
{
	char s[64];

	log_secret("abcd");
	log_secret("SECRET-key-0123");
	snprintf(s, sizeof(s), "a abcd b");
	CHECK(log_scrub(s) == 7);
	CHECK_STR(s, "a *** b");
	/* 8 leading bytes of a longer secret are masked, 7 are not. */
	snprintf(s, sizeof(s), "x SECRET-k y");
	log_scrub(s);
	CHECK_STR(s, "x *** y");
	snprintf(s, sizeof(s), "x SECRET- y SECRET-key-0123");
	log_scrub(s);
	CHECK_STR(s, "x SECRET- y ***");
	/* A short secret is masked only whole. */
	snprintf(s, sizeof(s), "abc abcdabcd");
	log_scrub(s);
	CHECK_STR(s, "abc ******");
	log_forget_secrets();
}

static void test_copy(void)
{
	char dst[512], *src;
	size_t i, worst = 0;

	for (i = 0; i < TOKEN_LEN; i++)
		token[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[(i * 7 + i / 64) % 64];
	token[TOKEN_LEN] = '\0';
	log_secret(token);
	src = malloc(TOKEN_LEN + 1024);
	CHECK(src != NULL);
	if (src == NULL)
		return;
	/* The whole token after j bytes of text, for every cut position around the end of dst. */
	for (i = 0; i < 600; i++) {
		memset(src, 'y', i);
		snprintf(src + i, TOKEN_LEN + 1024 - i, "%s tail", token);
		log_scrub_copy(dst, sizeof(dst), src, strlen(src));
		if (longest_prefix(dst) > worst)
			worst = longest_prefix(dst);
	}
	CHECK(worst < 3);
	/* Only its first 300 bytes, inside a message. */
	snprintf(src, TOKEN_LEN + 1024, "The token %.300s is invalid", token);
	log_scrub_copy(dst, sizeof(dst), src, strlen(src));
	CHECK_STR(dst, "The token *** is invalid");
	/* Cut so that 5 bytes of its start are left: masked. */
	memset(src, 'z', 506);
	memcpy(src + 506, token, 5);
	snprintf(src + 511, 16, "...");
	log_scrub_copy(dst, sizeof(dst), src, strlen(src));
	CHECK(strlen(dst) == 509 && strcmp(dst + 506, "***") == 0);
	/* Short text is copied as is. */
	log_scrub_copy(dst, sizeof(dst), "plain", 5);
	CHECK_STR(dst, "plain");
	log_scrub_copy(dst, 4, "plain", 5);
	CHECK_STR(dst, "pla");
	free(src);
}

/* A cloud error that echoes the token, whole or in part, in each field. */
static void test_cloud_error(void)
{
	static char body[2 * TOKEN_LEN + 256];
	char dots[501];
	struct err e;

	snprintf(body, sizeof(body), "{\"error_msg\":\"bad token %s\",\"error_code\":\"%s\"}", token,
		 token);
	err_clear(&e);
	cloud_error_from_body(&e, 401, body, strlen(body));
	CHECK_STR(e.code, "CloudError");
	CHECK_STR(e.msg, "bad token ***");
	CHECK_STR(e.cloud_code, "***");
	/* 500 bytes of text, then 300 of the token: the cut falls inside it. */
	memset(dots, '.', 500);
	dots[500] = '\0';
	snprintf(body, sizeof(body), "{\"error\":{\"message\":\"%s%.300s\",\"code\":\"%.63s\"}}", dots,
		 token, token);
	err_clear(&e);
	cloud_error_from_body(&e, 400, body, strlen(body));
	CHECK(longest_prefix(e.msg) < 3);
	CHECK(longest_prefix(e.cloud_code) < 3);
	log_forget_secrets();
}

int main(void)
{
	test_scrub();
	test_copy();
	test_cloud_error();
	return check_done("log");
}
