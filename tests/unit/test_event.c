/*
 * test_event: known-answer tests for lib/event.c: every event shape that
 * FunctionGraph delivers (TIMER, console object, blank template, APIG),
 * the keys an event may never carry, malformed input, and the typed options.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "event.h"

/* Parses a C string; ev must be initialised. Returns event_parse's status. */
static int parse(const char *s, struct event *ev, struct err *e)
{
	err_clear(e);
	return event_parse(s, strlen(s), ev, e);
}

/* Expects s to parse, with the given kind, action and (comma-joined) ids. */
static void check_ok(const char *s, enum event_kind kind, const char *action, const char *ids)
{
	struct event ev;
	struct err e;
	char joined[1024] = "";
	size_t i;

	event_init(&ev);
	CHECK(parse(s, &ev, &e) == 0);
	if (e.code[0] != '\0')
		fprintf(stderr, "  event %s\n  error %s: %s\n", s, e.code, e.msg);
	CHECK(ev.kind == kind);
	CHECK_STR(ev.action, action);
	for (i = 0; i < ev.cluster_ids.n; i++) {
		if (i > 0)
			strcat(joined, ",");
		strcat(joined, ev.cluster_ids.v[i]);
	}
	if (ids == NULL) {
		CHECK(ev.has_cluster_ids == 0);
		CHECK(ev.cluster_ids.n == 0);
	} else {
		CHECK(ev.has_cluster_ids == 1);
		CHECK_STR(joined, ids);
	}
	event_release(&ev);
}

/* Expects s to fail with code and kind; returns nothing, checks msg mentions needle. */
static void check_fail_n(const char *s, size_t n, enum event_kind kind, const char *code,
			 const char *needle)
{
	struct event ev;
	struct err e;

	event_init(&ev);
	err_clear(&e);
	CHECK(event_parse(s, n, &ev, &e) == -1);
	CHECK(ev.kind == kind);
	CHECK_STR(e.code, code);
	CHECK(e.msg[0] != '\0');
	if (needle != NULL) {
		CHECK(strstr(e.msg, needle) != NULL);
		if (strstr(e.msg, needle) == NULL)
			fprintf(stderr, "  event %.80s\n  msg %s\n  want to contain %s\n", s, e.msg,
				needle);
	}
	event_release(&ev);
}

static void check_fail(const char *s, enum event_kind kind, const char *code, const char *needle)
{
	check_fail_n(s, strlen(s), kind, code, needle);
}

static void test_timer(void)
{
	/* user_event as a JSON object of parameters. */
	check_ok("{\"trigger_type\":\"TIMER\",\"trigger_name\":\"nightly\",\"time\":\"2024-01-01T00:00:00Z\","
		 "\"user_event\":\"{\\\"action\\\":\\\"hibernate\\\",\\\"clusterId\\\":\\\"c1,c2\\\"}\"}",
		 EVENT_TIMER, "hibernate", "c1,c2");
	check_ok("{\"trigger_type\":\"TIMER\",\"user_event\":\"  {\\\"action\\\":\\\"awake\\\"}\"}",
		 EVENT_TIMER, "awake", NULL);
	check_ok("{\"trigger_type\":\"timer\",\"user_event\":\"{}\"}", EVENT_TIMER, "", NULL);

	/* user_event as a bare action word. */
	check_ok("{\"trigger_type\":\"TIMER\",\"user_event\":\"hibernate\"}", EVENT_TIMER, "hibernate", NULL);
	check_ok("{\"trigger_type\":\"TIMER\",\"user_event\":\"AWAKE\"}", EVENT_TIMER, "awake", NULL);
	check_ok("{\"trigger_type\":\"TIMER\",\"user_event\":\"  awake\"}", EVENT_TIMER, "awake", NULL);
	/* White space around a bare word is ignored. */
	{
		static const char s[] = "{\"trigger_type\":\"TIMER\",\"user_event\":\"  awake \"}";
		struct event ev;
		struct err e;
		int rc;

		event_init(&ev);
		rc = parse(s, &ev, &e);
		CHECK(ev.kind == EVENT_TIMER);
		CHECK(rc == 0 && strcmp(ev.action, "awake") == 0);
		event_release(&ev);
	}

	/* Empty, blank, null and missing user_event: no parameters. */
	check_ok("{\"trigger_type\":\"TIMER\",\"user_event\":\"\"}", EVENT_TIMER, "", NULL);
	check_ok("{\"trigger_type\":\"TIMER\",\"user_event\":\" \\t\\n\"}", EVENT_TIMER, "", NULL);
	check_ok("{\"trigger_type\":\"TIMER\",\"user_event\":null}", EVENT_TIMER, "", NULL);
	check_ok("{\"trigger_type\":\"TIMER\"}", EVENT_TIMER, "", NULL);

	/* Neither JSON nor a word. */
	check_fail("{\"trigger_type\":\"TIMER\",\"user_event\":\"hello world\"}", EVENT_TIMER,
		   "InvalidEvent", "user_event");
	check_fail("{\"trigger_type\":\"TIMER\",\"user_event\":\"{bad json\"}", EVENT_TIMER,
		   "InvalidEvent", "not valid JSON");
	check_fail("{\"trigger_type\":\"TIMER\",\"user_event\":\"[\\\"hibernate\\\"]\"}", EVENT_TIMER,
		   "InvalidEvent", "user_event");
	check_fail("{\"trigger_type\":\"TIMER\",\"user_event\":\"hibernate2\"}", EVENT_TIMER,
		   "InvalidEvent", "user_event");
	check_fail("{\"trigger_type\":\"TIMER\",\"user_event\":\"{\\\"action\\\":\\\"a\\\"} x\"}",
		   EVENT_TIMER, "InvalidEvent", "not valid JSON");
	check_fail("{\"trigger_type\":\"TIMER\",\"user_event\":\"abcdefghijklmnopqrstuvwxyzabcdefg\"}",
		   EVENT_TIMER, "InvalidEvent", NULL);

	/* user_event that is not a string. */
	check_fail("{\"trigger_type\":\"TIMER\",\"user_event\":{\"action\":\"hibernate\"}}", EVENT_TIMER,
		   "InvalidEvent", "user_event must be a string");
	check_fail("{\"trigger_type\":\"TIMER\",\"user_event\":42}", EVENT_TIMER, "InvalidEvent",
		   "user_event must be a string");
	check_fail("{\"trigger_type\":\"TIMER\",\"user_event\":true}", EVENT_TIMER, "InvalidEvent", NULL);

	/* Type errors inside user_event keep their InvalidParameter code. */
	check_fail("{\"trigger_type\":\"TIMER\",\"user_event\":\"{\\\"action\\\":1}\"}", EVENT_TIMER,
		   "InvalidParameter", "action");
	/* Duplicate keys inside user_event. */
	check_fail("{\"trigger_type\":\"TIMER\",\"user_event\":"
		   "\"{\\\"action\\\":\\\"awake\\\",\\\"action\\\":\\\"hibernate\\\"}\"}",
		   EVENT_TIMER, "InvalidEvent", NULL);
}

static void test_console(void)
{
	check_ok("{\"action\":\"hibernate\",\"clusterId\":\"a,b\"}", EVENT_PLAIN, "hibernate", "a,b");
	check_ok("{\"action\":\"HIBERNATE\"}", EVENT_PLAIN, "hibernate", NULL);
	check_ok("{\"action\":\"AwAkE\",\"clusterId\":\"x\"}", EVENT_PLAIN, "awake", "x");
	/* Arrays, spaces, empty items, duplicates. */
	check_ok("{\"clusterId\":[\"a\",\"b\",\"a\"]}", EVENT_PLAIN, "", "a,b");
	check_ok("{\"clusterId\":\" a , b,,a ,\"}", EVENT_PLAIN, "", "a,b");
	check_ok("{\"clusterId\":\"a,a,a\"}", EVENT_PLAIN, "", "a");
	check_ok("{\"cluster_ids\":\"c-1.x_y\"}", EVENT_PLAIN, "", "c-1.x_y");
	check_ok("{\"cluster_ids\":[\"k\"],\"clusterId\":\"k,j\"}", EVENT_PLAIN, "", "k,j");
	check_ok("{\"clusterId\":[]}", EVENT_PLAIN, "", "");
	check_ok("{\"clusterId\":\"\"}", EVENT_PLAIN, "", "");
	check_ok("{\"clusterId\":\"11111111-2222-3333-4444-555555555555\"}", EVENT_PLAIN, "",
		 "11111111-2222-3333-4444-555555555555");
	/* Unknown keys are ignored; "Action" is not "action". */
	check_ok("{\"key\":\"value\"}", EVENT_PLAIN, "", NULL);
	check_ok("{}", EVENT_PLAIN, "", NULL);
	check_ok("{\"Action\":\"hibernate\",\"extra\":{\"nested\":[1,2]}}", EVENT_PLAIN, "", NULL);
	/* A trigger_type that is not TIMER is a plain event. */
	check_ok("{\"trigger_type\":\"APIG\",\"action\":\"awake\"}", EVENT_PLAIN, "awake", NULL);
	check_ok(" \n{\"action\":\"awake\"}\n ", EVENT_PLAIN, "awake", NULL);
}

static void test_bad_ids(void)
{
	char ev[400], id[201];

	check_fail("{\"clusterId\":\"../x\"}", EVENT_PLAIN, "InvalidParameter", "clusterId");
	check_fail("{\"clusterId\":\"a/b\"}", EVENT_PLAIN, "InvalidParameter", "a/b");
	check_fail("{\"clusterId\":\"a?b\"}", EVENT_PLAIN, "InvalidParameter", "a?b");
	check_fail("{\"clusterId\":\"ok,a%2Fb\"}", EVENT_PLAIN, "InvalidParameter", NULL);
	check_fail("{\"clusterId\":\"a b\"}", EVENT_PLAIN, "InvalidParameter", NULL);
	check_fail("{\"clusterId\":[\"ok\",\"a/b\"]}", EVENT_PLAIN, "InvalidParameter", NULL);
	check_fail("{\"clusterId\":[\"\"]}", EVENT_PLAIN, "InvalidParameter", NULL);
	/* An escaped NUL is refused by the JSON parser itself. */
	check_fail("{\"cluster_ids\":\"x\\u0000y\"}", EVENT_PLAIN, "InvalidEvent", NULL);
	check_fail("{\"clusterId\":[\"x\\u0000y\"]}", EVENT_PLAIN, "InvalidEvent", NULL);

	memset(id, 'a', 200);
	id[200] = '\0';
	snprintf(ev, sizeof(ev), "{\"clusterId\":\"%s\"}", id);
	check_fail(ev, EVENT_PLAIN, "InvalidParameter", "1 to 128");
	/* 128 is the longest accepted id. */
	id[128] = '\0';
	snprintf(ev, sizeof(ev), "{\"clusterId\":\"%s\"}", id);
	check_ok(ev, EVENT_PLAIN, "", id);
	id[127] = '\0';
	snprintf(ev, sizeof(ev), "{\"clusterId\":[\"%sab\"]}", id);
	check_fail(ev, EVENT_PLAIN, "InvalidParameter", NULL);
}

static void test_bad_types(void)
{
	check_fail("{\"action\":1}", EVENT_PLAIN, "InvalidParameter", "action");
	check_fail("{\"action\":{}}", EVENT_PLAIN, "InvalidParameter", "action");
	check_fail("{\"action\":[\"hibernate\"]}", EVENT_PLAIN, "InvalidParameter", "action");
	check_fail("{\"action\":null}", EVENT_PLAIN, "InvalidParameter", "action");
	check_fail("{\"action\":\"\"}", EVENT_PLAIN, "InvalidParameter", "action");
	check_fail("{\"action\":\"hiber nate\"}", EVENT_PLAIN, "InvalidParameter", "action");
	check_fail("{\"action\":\"../x\"}", EVENT_PLAIN, "InvalidParameter", "action");
	check_fail("{\"clusterId\":5}", EVENT_PLAIN, "InvalidParameter", "clusterId");
	check_fail("{\"clusterId\":{\"a\":\"b\"}}", EVENT_PLAIN, "InvalidParameter", "clusterId");
	check_fail("{\"clusterId\":[1,2]}", EVENT_PLAIN, "InvalidParameter", "clusterId[0]");
	check_fail("{\"clusterId\":[\"a\",null]}", EVENT_PLAIN, "InvalidParameter", "clusterId[1]");
	check_fail("{\"cluster_ids\":true}", EVENT_PLAIN, "InvalidParameter", "cluster_ids");
	check_fail("{\"clusterId\":null}", EVENT_PLAIN, "InvalidParameter", NULL);
}

static void test_apig(void)
{
	/* {"action":"awake","clusterId":["c9"]} */
	check_ok("{\"httpMethod\":\"POST\",\"path\":\"/x\",\"isBase64Encoded\":true,"
		 "\"body\":\"eyJhY3Rpb24iOiJhd2FrZSIsImNsdXN0ZXJJZCI6WyJjOSJdfQ==\","
		 "\"requestContext\":{\"requestId\":\"r\"}}",
		 EVENT_APIG, "awake", "c9");
	/* Same, URL-safe alphabet without padding and with a line break. */
	check_ok("{\"httpMethod\":\"POST\",\"isBase64Encoded\":true,"
		 "\"body\":\"eyJhY3Rpb24iOiJhd2FrZSIsImNs\\ndXN0ZXJJZCI6WyJjOSJdfQ\"}",
		 EVENT_APIG, "awake", "c9");
	check_ok("{\"httpMethod\":\"POST\",\"isBase64Encoded\":false,"
		 "\"body\":\"{\\\"action\\\":\\\"hibernate\\\",\\\"clusterId\\\":\\\"a\\\"}\"}",
		 EVENT_APIG, "hibernate", "a");
	check_ok("{\"httpMethod\":\"GET\",\"body\":\"{\\\"action\\\":\\\"awake\\\"}\"}", EVENT_APIG,
		 "awake", NULL);
	/* Empty, blank and missing bodies carry no parameters. */
	check_ok("{\"httpMethod\":\"POST\",\"isBase64Encoded\":false,\"body\":\"\"}", EVENT_APIG, "", NULL);
	check_ok("{\"httpMethod\":\"POST\",\"isBase64Encoded\":true,\"body\":\"\"}", EVENT_APIG, "", NULL);
	check_ok("{\"httpMethod\":\"POST\",\"body\":\"  \\r\\n\"}", EVENT_APIG, "", NULL);
	check_ok("{\"httpMethod\":\"POST\",\"body\":null,\"requestContext\":{}}", EVENT_APIG, "", NULL);
	check_ok("{\"httpMethod\":\"GET\",\"requestContext\":{}}", EVENT_APIG, "", NULL);
	/* Top-level keys of the envelope are not parameters. */
	check_ok("{\"httpMethod\":\"GET\",\"requestContext\":{},\"action\":\"awake\"}", EVENT_APIG, "", NULL);
	/* httpMethod without requestContext or body: a plain object. */
	check_ok("{\"httpMethod\":\"GET\",\"action\":\"awake\"}", EVENT_PLAIN, "awake", NULL);

	check_fail("{\"httpMethod\":\"POST\",\"body\":\"not json\"}", EVENT_APIG, "InvalidEvent",
		   "not valid JSON");
	check_fail("{\"httpMethod\":\"POST\",\"body\":\"[\\\"hibernate\\\"]\"}", EVENT_APIG,
		   "InvalidEvent", "JSON object");
	check_fail("{\"httpMethod\":\"POST\",\"body\":\"\\\"hibernate\\\"\"}", EVENT_APIG,
		   "InvalidEvent", NULL);
	check_fail("{\"httpMethod\":\"POST\",\"isBase64Encoded\":true,\"body\":\"not base64!\"}",
		   EVENT_APIG, "InvalidEvent", "Base64");
	/* "W10=" is "[]"; "aGk=" is "hi". */
	check_fail("{\"httpMethod\":\"POST\",\"isBase64Encoded\":true,\"body\":\"W10=\"}", EVENT_APIG,
		   "InvalidEvent", "JSON object");
	check_fail("{\"httpMethod\":\"POST\",\"isBase64Encoded\":true,\"body\":\"aGk=\"}", EVENT_APIG,
		   "InvalidEvent", "not valid JSON");
	check_fail("{\"httpMethod\":\"POST\",\"body\":{\"action\":\"awake\"}}", EVENT_APIG,
		   "InvalidEvent", "body must be a string");
	check_fail("{\"httpMethod\":\"POST\",\"body\":\"{\\\"a\\\":1,\\\"a\\\":2}\"}", EVENT_APIG,
		   "InvalidEvent", NULL);
	check_fail("{\"httpMethod\":\"POST\",\"body\":\"{\\\"clusterId\\\":\\\"a/b\\\"}\"}", EVENT_APIG,
		   "InvalidParameter", NULL);
}

static void test_forbidden(void)
{
	static const char *const keys[] = {
		"cceEndpoint", "ecsEndpoint", "endpoint", "region", "domain", "projectId",
		"project_id", "ak", "sk", "token", "allServers", "CCE_ENDPOINT", "cce-endpoint",
		"AK", "Region", "securityToken", "accessKey", "secretKey", "logLevel",
	};
	char ev[512], inner[256];
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		/* Top level, even next to a valid action. */
		snprintf(ev, sizeof(ev), "{\"action\":\"hibernate\",\"%s\":\"x\"}", keys[i]);
		check_fail(ev, EVENT_PLAIN, "InvalidEvent", keys[i]);
		/* The key wins over a type error elsewhere, whatever the order. */
		snprintf(ev, sizeof(ev), "{\"action\":5,\"%s\":true}", keys[i]);
		check_fail(ev, EVENT_PLAIN, "InvalidEvent", keys[i]);
		/* Inside a TIMER user_event. */
		snprintf(ev, sizeof(ev),
			 "{\"trigger_type\":\"TIMER\",\"user_event\":"
			 "\"{\\\"action\\\":\\\"hibernate\\\",\\\"%s\\\":\\\"x\\\"}\"}",
			 keys[i]);
		check_fail(ev, EVENT_TIMER, "InvalidEvent", keys[i]);
		/* Inside an APIG body, plain and Base64. */
		snprintf(ev, sizeof(ev),
			 "{\"httpMethod\":\"POST\",\"body\":\"{\\\"%s\\\":\\\"x\\\"}\"}", keys[i]);
		check_fail(ev, EVENT_APIG, "InvalidEvent", keys[i]);
		snprintf(inner, sizeof(inner), "{\"%s\":1}", keys[i]);
		{
			static const char tbl[] =
				"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
			char b64[400];
			size_t n = strlen(inner), j, k = 0;

			for (j = 0; j < n; j += 3) {
				unsigned int v = (unsigned char)inner[j] << 16;
				if (j + 1 < n)
					v |= (unsigned char)inner[j + 1] << 8;
				if (j + 2 < n)
					v |= (unsigned char)inner[j + 2];
				b64[k++] = tbl[(v >> 18) & 63];
				b64[k++] = tbl[(v >> 12) & 63];
				b64[k++] = j + 1 < n ? tbl[(v >> 6) & 63] : '=';
				b64[k++] = j + 2 < n ? tbl[v & 63] : '=';
			}
			b64[k] = '\0';
			snprintf(ev, sizeof(ev),
				 "{\"httpMethod\":\"POST\",\"isBase64Encoded\":true,\"body\":\"%s\"}", b64);
			check_fail(ev, EVENT_APIG, "InvalidEvent", keys[i]);
		}
	}
	/* Keys that merely contain a forbidden word are fine. */
	check_ok("{\"regionName\":\"x\",\"task\":\"y\",\"skip\":1}", EVENT_PLAIN, "", NULL);
}

static void test_malformed(void)
{
	static const char bad_utf8[] = "{\"action\":\"hib\xff\xfe\"}";
	static const char overlong[] = "{\"clusterId\":\"\xc0\xaf\"}";
	static const char nul_inside[] = "{\"action\":\"awake\"}\0{}";
	char *deep;
	size_t i, depth = 10000;

	check_fail_n("", 0, EVENT_PLAIN, "InvalidEvent", "empty");
	check_fail_n("{\"action\":\"awake\"}", 0, EVENT_PLAIN, "InvalidEvent", "empty");
	check_fail("   ", EVENT_PLAIN, "InvalidEvent", "not valid JSON");
	check_fail("not json", EVENT_PLAIN, "InvalidEvent", "not valid JSON");
	check_fail("{\"action\":\"awake\"", EVENT_PLAIN, "InvalidEvent", "not valid JSON");
	check_fail("{\"action\":\"awake\"} {}", EVENT_PLAIN, "InvalidEvent", "not valid JSON");
	check_fail("[{\"action\":\"awake\"}]", EVENT_PLAIN, "InvalidEvent", NULL);
	check_fail("[]", EVENT_PLAIN, "InvalidEvent", NULL);
	check_fail("\"hibernate\"", EVENT_PLAIN, "InvalidEvent", NULL);
	check_fail("42", EVENT_PLAIN, "InvalidEvent", NULL);
	check_fail("null", EVENT_PLAIN, "InvalidEvent", NULL);
	check_fail_n(bad_utf8, sizeof(bad_utf8) - 1, EVENT_PLAIN, "InvalidEvent", NULL);
	check_fail_n(overlong, sizeof(overlong) - 1, EVENT_PLAIN, "InvalidEvent", NULL);
	check_fail_n(nul_inside, sizeof(nul_inside) - 1, EVENT_PLAIN, "InvalidEvent", NULL);
	/* Duplicate keys at the top level. */
	check_fail("{\"action\":\"awake\",\"action\":\"hibernate\"}", EVENT_PLAIN, "InvalidEvent", NULL);
	check_fail("{\"clusterId\":\"a\",\"clusterId\":\"b\"}", EVENT_PLAIN, "InvalidEvent", NULL);

	/* 10000 nested arrays, then 10000 nested objects: an error, not a crash. */
	deep = malloc(2 * depth * 6 + 16);
	CHECK(deep != NULL);
	if (deep == NULL)
		return;
	for (i = 0; i < depth; i++)
		deep[i] = '[';
	for (i = 0; i < depth; i++)
		deep[depth + i] = ']';
	check_fail_n(deep, 2 * depth, EVENT_PLAIN, "InvalidEvent", NULL);
	{
		size_t k = 0;

		for (i = 0; i < depth; i++) {
			memcpy(deep + k, "{\"a\":", 5);
			k += 5;
		}
		deep[k++] = '1';
		for (i = 0; i < depth; i++)
			deep[k++] = '}';
		check_fail_n(deep, k, EVENT_PLAIN, "InvalidEvent", NULL);
	}
	free(deep);
}

/* Options and selectors as parsed: typed, and "unset" kept apart from "false". */
static void test_options(void)
{
	struct event ev;
	struct err e;

	event_init(&ev);
	CHECK(parse("{\"action\":\"stop\",\"serverIds\":[\"a\",\"b\",\"a\"],\"tags\":\"k=v, k2=v2\","
		    "\"type\":\"hard\",\"wait\":true,\"dryRun\":\"yes\",\"stopNodes\":false}", &ev, &e) == 0);
	CHECK(ev.has_server_ids == 1 && ev.server_ids.n == 2 && strcmp(ev.server_ids.v[1], "b") == 0);
	CHECK(ev.has_tags == 1 && ev.tags.n == 2 && strcmp(ev.tags.v[0], "k=v") == 0 &&
	      strcmp(ev.tags.v[1], "k2=v2") == 0);
	CHECK(ev.has_type == 1 && ev.type == CFG_STOP_HARD);
	CHECK(ev.wait == 1 && ev.dry_run == 1 && ev.stop_nodes == 0 && ev.start_nodes == EVENT_UNSET);
	CHECK(ev.has_cluster_ids == 0);
	event_release(&ev);

	/* Nothing said: every option unset, no target kind named. */
	event_init(&ev);
	CHECK(parse("{\"action\":\"stop\"}", &ev, &e) == 0);
	CHECK(ev.has_type == 0 && ev.has_server_ids == 0 && ev.has_tags == 0);
	CHECK(ev.wait == EVENT_UNSET && ev.dry_run == EVENT_UNSET && ev.stop_nodes == EVENT_UNSET);
	event_release(&ev);

	/* Empty lists still name their kind. */
	event_init(&ev);
	CHECK(parse("{\"serverIds\":[],\"tags\":[\"x=1\"],\"type\":\"SOFT\"}", &ev, &e) == 0);
	CHECK(ev.has_server_ids == 1 && ev.server_ids.n == 0 && ev.tags.n == 1);
	CHECK(ev.has_type == 1 && ev.type == CFG_STOP_SOFT);
	event_release(&ev);

	/* An action word is kept as said (lower case), known or not: lib/params judges it. */
	check_ok("{\"action\":\"Fly\"}", EVENT_PLAIN, "fly", NULL);

	/* Bad values. */
	check_fail("{\"action\":\"stop\",\"type\":\"gentle\"}", EVENT_PLAIN, "InvalidParameter", "type");
	check_fail("{\"action\":\"stop\",\"type\":1}", EVENT_PLAIN, "InvalidParameter", "type");
	check_fail("{\"action\":\"stop\",\"wait\":2}", EVENT_PLAIN, "InvalidParameter", "wait");
	check_fail("{\"action\":\"stop\",\"dryRun\":\"maybe\"}", EVENT_PLAIN, "InvalidParameter", "dryRun");
	check_fail("{\"action\":\"stop\",\"tags\":[1]}", EVENT_PLAIN, "InvalidParameter", "tags");
	check_fail("{\"action\":\"stop\",\"tags\":\"=v\"}", EVENT_PLAIN, "InvalidParameter", "tags");
	check_fail("{\"action\":\"stop\",\"tags\":[\"a,b\"]}", EVENT_PLAIN, "InvalidParameter", "comma");
	check_fail("{\"action\":\"stop\",\"serverIds\":\"a/b\"}", EVENT_PLAIN, "InvalidParameter", "serverIds");
	check_fail("{\"action\":\"stop\",\"allServers\":true}", EVENT_PLAIN, "InvalidEvent", "allServers");
	check_fail("{\"action\":\"stop\",\"auth\":\"aksk\"}", EVENT_PLAIN, "InvalidEvent", "auth");
}

/* Expects n bytes of s to parse. */
static void check_ok_n(const char *s, size_t n)
{
	struct event ev;
	struct err e;

	event_init(&ev);
	err_clear(&e);
	CHECK(event_parse(s, n, &ev, &e) == 0);
	if (e.code[0] != '\0')
		fprintf(stderr, "  error %s: %s\n", e.code, e.msg);
	event_release(&ev);
}

/* Appends n ids "<prefix><i>" to b as a JSON array (csv 0) or a comma list in a string (csv 1). */
static size_t put_ids(char *b, const char *key, const char *prefix, size_t from, size_t n, int csv)
{
	size_t i, len = (size_t)sprintf(b, "\"%s\":%s", key, csv ? "\"" : "[");

	for (i = 0; i < n; i++)
		len += (size_t)sprintf(b + len, csv ? "%s%s%zu" : "%s\"%s%zu\"", i ? "," : "", prefix,
				       from + i);
	len += (size_t)sprintf(b + len, csv ? "\"" : "]");
	return len;
}

/* At most EVENT_IDS_MAX cluster + server ids together, and EVENT_TAGS_MAX tags. */
static void test_caps(void)
{
	static char b[131072];
	struct event ev;
	struct err e;
	size_t n;
	int csv;

	for (csv = 0; csv <= 1; csv++) {
		/* 400 clusters + 600 servers: exactly the cap. */
		n = (size_t)sprintf(b, "{\"action\":\"status\",");
		n += put_ids(b + n, "clusterId", "c", 0, 400, csv);
		b[n++] = ',';
		n += put_ids(b + n, "serverIds", "s", 0, 600, csv);
		b[n++] = '}';
		event_init(&ev);
		err_clear(&e);
		CHECK(event_parse(b, n, &ev, &e) == 0);
		CHECK(ev.cluster_ids.n == 400 && ev.server_ids.n == 600);
		event_release(&ev);
		/* One more server id: refused, naming the cap. */
		n = (size_t)sprintf(b, "{\"action\":\"status\",");
		n += put_ids(b + n, "clusterId", "c", 0, 400, csv);
		b[n++] = ',';
		n += put_ids(b + n, "serverIds", "s", 0, 601, csv);
		b[n++] = '}';
		check_fail_n(b, n, EVENT_PLAIN, "InvalidParameter", "at most 1000 cluster and server ids");
		/* 5,000 copies of one id count once. */
		n = (size_t)sprintf(b, "{\"action\":\"status\",");
		n += put_ids(b + n, "serverIds", "s", 0, 1, csv);
		for (size_t i = 1; i < 5000; i++)
			n += (size_t)sprintf(b + n - 1, csv ? ",s0\"" : ",\"s0\"]") - 1;
		b[n++] = '}';
		event_init(&ev);
		err_clear(&e);
		CHECK(event_parse(b, n, &ev, &e) == 0);
		CHECK(ev.server_ids.n == 1);
		event_release(&ev);
		/* 10 tags pass, 11 fail. */
		n = (size_t)sprintf(b, "{\"action\":\"status\",");
		n += put_ids(b + n, "tags", "env=t", 0, 10, csv);
		b[n++] = '}';
		event_init(&ev);
		err_clear(&e);
		CHECK(event_parse(b, n, &ev, &e) == 0);
		CHECK(ev.tags.n == 10);
		event_release(&ev);
		n = (size_t)sprintf(b, "{\"action\":\"status\",");
		n += put_ids(b + n, "tags", "env=t", 0, 11, csv);
		b[n++] = '}';
		check_fail_n(b, n, EVENT_PLAIN, "InvalidParameter", "at most 10");
	}
	/* 12,000 distinct ids in one string: refused with the event's cap, not strlist's. */
	n = (size_t)sprintf(b, "{");
	n += put_ids(b + n, "serverIds", "", 0, 12000, 1);
	b[n++] = '}';
	check_fail_n(b, n, EVENT_PLAIN, "InvalidParameter", "at most 1000 cluster and server ids");
}

/* Nesting and value counts are checked before parsing, in each JSON an event carries. */
static void test_shape(void)
{
	static char b[131072];
	size_t n, i;

	/* 16 levels pass (the object itself is one), 17 fail. */
	n = (size_t)sprintf(b, "{\"action\":\"status\",\"x\":");
	for (i = 0; i < 15; i++)
		b[n++] = '[';
	for (i = 0; i < 15; i++)
		b[n++] = ']';
	b[n++] = '}';
	check_ok_n(b, n);
	n = (size_t)sprintf(b, "{\"action\":\"status\",\"x\":");
	for (i = 0; i < 16; i++)
		b[n++] = '[';
	for (i = 0; i < 16; i++)
		b[n++] = ']';
	b[n++] = '}';
	check_fail_n(b, n, EVENT_PLAIN, "InvalidEvent", "nested deeper than 16 levels");
	/* Brackets and commas inside strings do not count. */
	n = (size_t)sprintf(b, "{\"action\":\"status\",\"x\":\"");
	for (i = 0; i < 20000; i++)
		b[n++] = i % 2 ? ',' : '[';
	n += (size_t)sprintf(b + n, "\\\"]\"}");
	check_ok_n(b, n);
	/* 8192 values pass, 8193 fail. */
	n = (size_t)sprintf(b, "{\"action\":\"status\",\"x\":[0");
	for (i = 0; i < 8190; i++)
		n += (size_t)sprintf(b + n, ",0");
	n += (size_t)sprintf(b + n, "]}");
	check_ok_n(b, n);
	n = (size_t)sprintf(b, "{\"action\":\"status\",\"x\":[0");
	for (i = 0; i < 8191; i++)
		n += (size_t)sprintf(b + n, ",0");
	n += (size_t)sprintf(b + n, "]}");
	check_fail_n(b, n, EVENT_PLAIN, "InvalidEvent", "more than 8192 values");
	/* The same rules inside an APIG body and a TIMER user_event. */
	check_fail("{\"httpMethod\":\"POST\",\"body\":\"[[[[[[[[[[[[[[[[[[\"}", EVENT_APIG,
		   "InvalidEvent", "the APIG body is nested deeper");
	check_fail("{\"trigger_type\":\"TIMER\",\"user_event\":\"{\\\"a\\\":[[[[[[[[[[[[[[[[[[\"}",
		   EVENT_TIMER, "InvalidEvent", "TIMER user_event is nested deeper");
}

int main(void)
{
	test_shape();
	test_caps();
	test_timer();
	test_console();
	test_bad_ids();
	test_bad_types();
	test_apig();
	test_forbidden();
	test_malformed();
	test_options();
	return check_done("event");
}
