/*
 * test_config: known-answer tests for lib/config.c through a fake getenv:
 * RUNTIME_USERDATA before the environment, aliases, defaults, validation and
 * conversion of every key, and cfg_base_url().
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "config.h"

/* Loads c from env; checks the return value and the expected error code ("" = none). */
static void load(struct cfg *c, const char *const *env, int invoke, const char *want_code)
{
	fake_env = env;
	CHECK(cfg_load(c, fake_getenv, invoke) == 0);
	CHECK_STR(c->error.code, want_code);
	if (strcmp(c->error.code, want_code) != 0)
		fprintf(stderr, "  error message: %s\n", c->error.msg);
	if (want_code[0] != '\0')
		CHECK(c->error.msg[0] != '\0');
}

static const char *base_url(const struct cfg *c, enum cfg_service svc)
{
	static char out[sizeof(((struct err *)0)->code) + sizeof(((struct err *)0)->msg) + 16];
	const char *url;
	struct err e;

	err_clear(&e);
	if ((url = cfg_base_url(c, svc, &e)) == NULL)
		snprintf(out, sizeof(out), "(error %s: %s)", e.code, e.msg);
	else
		snprintf(out, sizeof(out), "%s", url);
	return out;
}

static void test_empty(void)
{
	static const char *const env[] = { NULL };
	struct cfg c;

	load(&c, env, 0, "");
	CHECK(c.action == ACTION_NONE && c.handler_action == ACTION_NONE);
	CHECK(c.cluster_ids.n == 0 && c.server_ids.n == 0 && c.tags.n == 0);
	CHECK(c.base_url[CFG_CCE] == NULL && c.base_url[CFG_ECS] == NULL && c.project_id == NULL);
	CHECK(c.ak == NULL && c.sk == NULL && c.token == NULL);
	CHECK(c.log_level == LOG_INFO && c.log_format == LOG_FORMAT_PLAIN);
	CHECK(c.stop_type == CFG_STOP_SOFT && c.auth == CFG_AUTH_AUTO);
	CHECK(c.wait == 0 && c.dry_run == 0 && c.stop_nodes == 0 && c.start_nodes == 0 && c.all_servers == 0);
	CHECK(c.timeout_s == 3);
	CHECK(c.concurrency == CFG_DEFAULT_CONCURRENCY);
	CHECK(strstr(base_url(&c, CFG_CCE), "region") != NULL);
	CHECK(strstr(base_url(&c, CFG_CCE), "ConfigError") != NULL);
	CHECK(strstr(base_url(&c, CFG_CCE), "cceEndpoint") != NULL);
	CHECK(strstr(base_url(&c, CFG_ECS), "ecsEndpoint") != NULL);
	cfg_release(&c);
	CHECK(c.project_id == NULL && c.cluster_ids.v == NULL);
	cfg_release(NULL);
}

static void test_sources(void)
{
	static const char *const env[] = {
		"RUNTIME_USERDATA",
		"{\"action\":\"hibernate\",\"clusterId\":\"u1,u2\",\"region\":\"eu-west-0\","
		"\"projectId\":\"p-user\",\"logLevel\":\"debug\",\"ak\":\"AKU\",\"sk\":\"SKU\"}",
		"action", "awake",
		"region", "eu-west-1",
		"domain", "prod-cloud-ocb.orange-business.com",
		"RUNTIME_PROJECT_ID", "p-runtime",
		"RUNTIME_HANDLER", "index.handler",
		"RUNTIME_FUNC_NAME", "fn",
		"RUNTIME_FUNC_VERSION", "latest",
		"RUNTIME_PACKAGE", "default",
		"RUNTIME_CODE_ROOT", "/opt/function/code",
		"RUNTIME_TIMEOUT", "30",
		"RUNTIME_MEMORY", "128",
		"token", "TOKENVALUE",
		NULL,
	};
	struct cfg c;

	load(&c, env, 0, "");
	/* userdata first... */
	CHECK(c.action == ACTION_HIBERNATE);
	CHECK_STR(joined(&c.cluster_ids), "u1,u2");
	CHECK_STR(c.project_id, "p-user");
	CHECK(c.log_level == LOG_DEBUG);
	CHECK_STR(c.ak, "AKU");
	CHECK_STR(c.sk, "SKU");
	/* ...then the environment (domain; RUNTIME_HANDLER names no action). */
	CHECK(c.handler_action == ACTION_NONE);
	CHECK(c.timeout_s == 30);
	/* token is read only in invoke mode. */
	CHECK(c.token == NULL);
	CHECK_STR(base_url(&c, CFG_CCE), "https://cce.eu-west-0.prod-cloud-ocb.orange-business.com");
	CHECK_STR(base_url(&c, CFG_ECS), "https://ecs.eu-west-0.prod-cloud-ocb.orange-business.com");
	cfg_release(&c);

	load(&c, env, 1, "");
	CHECK_STR(c.token, "TOKENVALUE");
	cfg_release(&c);
	CHECK(c.token == NULL);
}

static void test_env_only(void)
{
	static const char *const env[] = {
		"action", "awake",
		"cluster_ids", "e1",
		"region", "eu-west-0",
		"endpoint", "https://ecs.example.com///",
		"cceEndpoint", "http://127.0.0.1:8080/",
		"RUNTIME_PROJECT_ID", "p-runtime",
		"RUNTIME_USERDATA", "",
		"RUNTIME_TIMEOUT", "",
		NULL,
	};
	static const char *const env2[] = {
		"RUNTIME_USERDATA", "{\"cluster_ids\":\"u-alias\",\"endpoint\":\"https://alias.example.com\","
				    "\"ecsEndpoint\":\"https://primary.example.com/\",\"token\":\"UDTOKEN\"}",
		"token", "ENVTOKEN",
		NULL,
	};
	/* Non-string userdata values and empty strings fall through to the environment. */
	static const char *const env3[] = {
		"RUNTIME_USERDATA", "{\"region\":5,\"action\":null,\"clusterId\":\"\"}",
		"region", "eu-west-0",
		"action", "hibernate",
		"cluster_ids", "from-alias",
		NULL,
	};
	struct cfg c;

	load(&c, env, 0, "");
	CHECK(c.action == ACTION_AWAKE);
	CHECK_STR(joined(&c.cluster_ids), "e1");
	CHECK_STR(c.project_id, "p-runtime");
	CHECK(c.timeout_s == 3);
	/* The endpoint overrides region + domain. */
	CHECK_STR(base_url(&c, CFG_CCE), "http://127.0.0.1:8080");
	CHECK_STR(base_url(&c, CFG_ECS), "https://ecs.example.com");
	cfg_release(&c);

	load(&c, env2, 1, "");
	CHECK_STR(joined(&c.cluster_ids), "u-alias");
	CHECK_STR(c.token, "UDTOKEN");
	CHECK(strstr(base_url(&c, CFG_CCE), "region not configured") != NULL);
	CHECK_STR(base_url(&c, CFG_ECS), "https://primary.example.com");
	cfg_release(&c);

	load(&c, env3, 0, "");
	CHECK(c.action == ACTION_HIBERNATE);
	CHECK_STR(joined(&c.cluster_ids), "from-alias");
	CHECK_STR(base_url(&c, CFG_CCE), "https://cce.eu-west-0.myhuaweicloud.com");
	cfg_release(&c);
}

static void test_project(void)
{
	static const char *const env[] = {
		"projectId", "0123456789abcdef0123456789abcdef",
		"RUNTIME_PROJECT_ID", "other",
		NULL,
	};
	static const char *const env2[] = { "RUNTIME_PROJECT_ID", "rt_proj-1", NULL };
	static const char *const env3[] = { "projectId", "../x", NULL };
	struct cfg c;

	load(&c, env, 0, "");
	CHECK_STR(c.project_id, "0123456789abcdef0123456789abcdef");
	cfg_release(&c);
	load(&c, env2, 0, "");
	CHECK_STR(c.project_id, "rt_proj-1");
	cfg_release(&c);
	load(&c, env3, 0, "ConfigError");
	CHECK(strstr(c.error.msg, "projectId") != NULL);
	cfg_release(&c);
}

static void test_bad_userdata(void)
{
	static const char *const not_json[] = {
		"RUNTIME_USERDATA", "{\"region\":", "region", "eu-west-0", NULL,
	};
	static const char *const not_object[] = {
		"RUNTIME_USERDATA", "[\"region\"]", "region", "eu-west-0", NULL,
	};
	static const char *const dup[] = {
		"RUNTIME_USERDATA", "{\"region\":\"a\",\"region\":\"b\"}", NULL,
	};
	static const char *const str[] = { "RUNTIME_USERDATA", "\"x\"", NULL };
	struct cfg c;

	load(&c, not_json, 0, "ConfigError");
	CHECK(strstr(c.error.msg, "RUNTIME_USERDATA") != NULL);
	/* The environment is still read. */
	CHECK_STR(base_url(&c, CFG_CCE), "https://cce.eu-west-0.myhuaweicloud.com");
	cfg_release(&c);
	load(&c, not_object, 0, "ConfigError");
	CHECK(strstr(c.error.msg, "RUNTIME_USERDATA") != NULL);
	CHECK_STR(base_url(&c, CFG_CCE), "https://cce.eu-west-0.myhuaweicloud.com");
	cfg_release(&c);
	load(&c, dup, 0, "ConfigError");
	cfg_release(&c);
	load(&c, str, 0, "ConfigError");
	cfg_release(&c);
}

/* Loads a single key = value from the environment and expects code. */
static void check_one(const char *key, const char *value, const char *want_code, const char *needle)
{
	const char *env[] = { key, value, NULL };
	struct cfg c;

	load(&c, env, 0, want_code);
	if (needle != NULL) {
		CHECK(strstr(c.error.msg, needle) != NULL);
		if (strstr(c.error.msg, needle) == NULL)
			fprintf(stderr, "  %s=%s: %s\n", key, value, c.error.msg);
	}
	cfg_release(&c);
}

static void test_validation(void)
{
	struct cfg c;

	/* Endpoints. */
	check_one("cceEndpoint", "cce.example.com", "ConfigError", "cceEndpoint");
	check_one("ecsEndpoint", "ftp://ecs.example.com", "ConfigError", "ecsEndpoint");
	check_one("endpoint", "//ecs.example.com", "ConfigError", "ecsEndpoint");
	check_one("cceEndpoint", "https://h/x?y=1", "ConfigError", "cceEndpoint");
	check_one("cceEndpoint", "https://h x", "ConfigError", "cceEndpoint");
	check_one("cceEndpoint", "https://h#f", "ConfigError", "cceEndpoint");
	check_one("cceEndpoint", "https://cce.example.com/prefix/", "", NULL);
	/* An endpoint with no host is refused. */
	{
		const char *env[] = { "cceEndpoint", "https:///", NULL };

		fake_env = env;
		CHECK(cfg_load(&c, fake_getenv, 0) == 0);
		CHECK_STR(c.error.code, "ConfigError");
		CHECK(strstr(c.error.msg, "cceEndpoint") != NULL);
		cfg_release(&c);
	}
	{
		const char *env[] = { "cceEndpoint", "https://cce.example.com/prefix//", NULL };

		load(&c, env, 0, "");
		CHECK_STR(base_url(&c, CFG_CCE), "https://cce.example.com/prefix");
		cfg_release(&c);
	}

	/* Region and domain. */
	check_one("region", "eu-west-0", "", NULL);
	check_one("region", "eu-west-0.evil.com", "ConfigError", "region");
	check_one("region", "eu/west", "ConfigError", "region");
	check_one("region", "eu west", "ConfigError", "region");
	check_one("region", "eu_west", "ConfigError", "region");
	check_one("domain", "evil.com/x", "ConfigError", "domain");
	check_one("domain", "evil.com:8443", "ConfigError", "domain");
	check_one("domain", "a@b.com", "ConfigError", "domain");
	check_one("domain", "prod-cloud-ocb.orange-business.com", "", NULL);

	/* RUNTIME_TIMEOUT (RUNTIME_MEMORY is not read). */
	check_one("RUNTIME_TIMEOUT", "abc", "ConfigError", "RUNTIME_TIMEOUT");
	check_one("RUNTIME_TIMEOUT", "-1", "ConfigError", "RUNTIME_TIMEOUT");
	check_one("RUNTIME_TIMEOUT", "10s", "ConfigError", "RUNTIME_TIMEOUT");
	check_one("RUNTIME_TIMEOUT", "0", "ConfigError", "RUNTIME_TIMEOUT");
	check_one("RUNTIME_TIMEOUT", "259201", "ConfigError", "RUNTIME_TIMEOUT");
	check_one("RUNTIME_TIMEOUT", "99999999999999999999999", "ConfigError", "RUNTIME_TIMEOUT");
	check_one("RUNTIME_TIMEOUT", "1.5", "ConfigError", "RUNTIME_TIMEOUT");
	check_one("RUNTIME_MEMORY", "lots", "", NULL);
	{
		const char *env[] = { "RUNTIME_TIMEOUT", "259200", NULL };

		load(&c, env, 0, "");
		CHECK(c.timeout_s == 259200);
		cfg_release(&c);
	}
	{
		const char *env[] = { "RUNTIME_TIMEOUT", "1", NULL };

		load(&c, env, 0, "");
		CHECK(c.timeout_s == 1);
		cfg_release(&c);
	}

	/* logLevel. */
	check_one("logLevel", "verbose", "ConfigError", "logLevel");
	check_one("logLevel", "WARNING", "", NULL);
	check_one("logLevel", "off", "", NULL);
	check_one("logFormat", "xml", "ConfigError", "logFormat");
	check_one("logFormat", "JSON", "", NULL);
	check_one("logFormat", "plain", "", NULL);
	{
		const char *env[] = { "logLevel", "WARNING", "logFormat", "JSON", NULL };

		load(&c, env, 0, "");
		CHECK(c.log_level == LOG_WARN && c.log_format == LOG_FORMAT_JSON);
		cfg_release(&c);
	}
	/* The log settings apply even when another key is wrong. */
	{
		const char *env[] = { "logLevel", "error", "logFormat", "json", "type", "gentle", NULL };

		load(&c, env, 0, "ConfigError");
		CHECK(c.log_level == LOG_ERROR && c.log_format == LOG_FORMAT_JSON);
		CHECK(strstr(c.error.msg, "type") != NULL);
		cfg_release(&c);
	}

	/* ak and sk go together. */
	check_one("ak", "AKONLY", "ConfigError", "ak and sk");
	check_one("sk", "SKONLY", "ConfigError", "ak and sk");
	{
		const char *env[] = { "ak", "AK", "sk", "SK", NULL };

		load(&c, env, 0, "");
		CHECK_STR(c.ak, "AK");
		CHECK_STR(c.sk, "SK");
		cfg_release(&c);
		CHECK(c.ak == NULL && c.sk == NULL);
	}
	/* An error message never quotes a secret. */
	{
		const char *env[] = { "RUNTIME_USERDATA", "{\"sk\":\"SECRETSK\"}", NULL };

		load(&c, env, 0, "ConfigError");
		CHECK(strstr(c.error.msg, "SECRETSK") == NULL);
		cfg_release(&c);
	}
}

static void test_base_url(void)
{
	static const char *const both[] = {
		"region", "eu-west-0", "domain", "prod-cloud-ocb.orange-business.com", NULL,
	};
	static const char *const cce_only[] = {
		"region", "eu-west-0", "domain", "prod-cloud-ocb.orange-business.com",
		"cceEndpoint", "https://cce.internal.example.com", NULL,
	};
	static const char *const endpoint_only[] = {
		"cceEndpoint", "https://cce.internal.example.com", NULL,
	};
	struct cfg c;
	struct err e;

	load(&c, both, 0, "");
	CHECK_STR(base_url(&c, CFG_CCE), "https://cce.eu-west-0.prod-cloud-ocb.orange-business.com");
	CHECK_STR(base_url(&c, CFG_ECS), "https://ecs.eu-west-0.prod-cloud-ocb.orange-business.com");
	cfg_release(&c);
	load(&c, cce_only, 0, "");
	CHECK_STR(base_url(&c, CFG_CCE), "https://cce.internal.example.com");
	CHECK_STR(base_url(&c, CFG_ECS), "https://ecs.eu-west-0.prod-cloud-ocb.orange-business.com");
	cfg_release(&c);
	/* Without a region only the service without an endpoint fails, and says what to set. */
	load(&c, endpoint_only, 0, "");
	CHECK_STR(base_url(&c, CFG_CCE), "https://cce.internal.example.com");
	CHECK_STR(base_url(&c, CFG_ECS),
		  "(error ConfigError: region not configured: set region (e.g. eu-west-0) or ecsEndpoint)");
	err_clear(&e);
	CHECK(cfg_base_url(&c, CFG_CCE, &e) != NULL);
	CHECK_STR(e.code, "");
	CHECK(cfg_base_url(&c, CFG_ECS, &e) == NULL);
	CHECK_STR(e.code, "ConfigError");
	cfg_release(&c);
}

/* The ECS keys: booleans, stop type, auth, and their aliases. */
static void test_ecs_keys(void)
{
	static const char *const good[][2] = {
		{"wait", "true"}, {"wait", "FALSE"}, {"dryRun", "yes"}, {"stopNodes", "0"},
		{"startNodes", "on"}, {"allServers", "1"}, {"type", "soft"}, {"type", "HARD"},
		{"auth", "token"}, {"auth", "aksk"}, {"tags", "a=b,c"}, {"serverIds", "x,y"},
	};
	static const char *const bad[][3] = {
		{"wait", "sometimes", "wait"}, {"dryRun", "2", "dryRun"}, {"stopNodes", "", NULL},
		{"allServers", "all", "allServers"}, {"type", "gentle", "type"}, {"auth", "password", "auth"},
	};
	const char *env[] = {"server_ids", "a,b", NULL};
	struct cfg c;
	size_t i;
	int v;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		check_one(good[i][0], good[i][1], "", NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_one(bad[i][0], bad[i][1], bad[i][2] ? "ConfigError" : "", bad[i][2]);
	load(&c, env, 0, "");
	CHECK_STR(joined(&c.server_ids), "a,b");
	cfg_release(&c);
	CHECK(cfg_bool("Yes", &v) == 0 && v == 1);
	CHECK(cfg_bool("off", &v) == 0 && v == 0);
	CHECK(cfg_bool("", &v) == -1 && cfg_bool(NULL, &v) == -1 && cfg_bool("truee", &v) == -1);
}

/* Every key arrives converted: enums, lists, booleans; wrong values are ConfigErrors. */
static void test_typed(void)
{
	static const char *const env[] = {
		"RUNTIME_USERDATA",
		"{\"action\":\"STOP\",\"clusterId\":\" c1 , c2,,c1\",\"serverIds\":\"s1\",\"tags\":\"env=dev, team\","
		"\"type\":\"hard\",\"wait\":\"yes\",\"dryRun\":\"off\",\"stopNodes\":\"1\",\"startNodes\":\"false\","
		"\"allServers\":\"TRUE\",\"auth\":\"aksk\"}",
		"RUNTIME_HANDLER", "status",
		NULL,
	};
	static const char *const handler_only[] = { "RUNTIME_HANDLER", "Awake", NULL };
	struct cfg c;

	load(&c, env, 0, "");
	CHECK(c.action == ACTION_STOP && c.handler_action == ACTION_STATUS);
	CHECK_STR(joined(&c.cluster_ids), "c1,c2");
	CHECK_STR(joined(&c.server_ids), "s1");
	CHECK_STR(joined(&c.tags), "env=dev,team");
	CHECK(c.stop_type == CFG_STOP_HARD && c.auth == CFG_AUTH_AKSK);
	CHECK(c.wait == 1 && c.dry_run == 0 && c.stop_nodes == 1 && c.start_nodes == 0 && c.all_servers == 1);
	cfg_release(&c);
	load(&c, handler_only, 0, "");
	CHECK(c.action == ACTION_NONE && c.handler_action == ACTION_AWAKE);
	cfg_release(&c);

	check_one("action", "fly", "ConfigError", "action 'fly'");
	check_one("action", "awake now", "ConfigError", "action");
	check_one("action", "Hibernate", "", NULL);
	check_one("clusterId", "ok,../etc", "ConfigError", "clusterId");
	check_one("cluster_ids", "a/b", "ConfigError", "clusterId");
	check_one("serverIds", "x y", "ConfigError", "serverIds");
	check_one("tags", "=v", "ConfigError", "tags");
	check_one("tags", "a\tb", "ConfigError", "tags");
	check_one("clusterId", " , ,", "", NULL);
	check_one("RUNTIME_HANDLER", "index.handler", "", NULL);
	CHECK_STR(cfg_stop_name(CFG_STOP_SOFT), "SOFT");
	CHECK_STR(cfg_stop_name(CFG_STOP_HARD), "HARD");
}

/* apigActions, maxEventBytes, allowInsecureHttp: known answers. */
static void test_trust_keys(void)
{
	static const char *const dflt[] = { NULL };
	static const char *const some[] = { "apigActions", " status , Hibernate,", "maxEventBytes", "4096", NULL };
	static const char *const none[] = { "apigActions", "none", NULL };
	static const char *const insecure[] = { "cceEndpoint", "http://10.1.2.3:8080", "allowInsecureHttp", "on",
						NULL };
	struct cfg c;

	load(&c, dflt, 0, "");
	CHECK(cfg_apig_allows(&c, ACTION_STATUS) && !cfg_apig_allows(&c, ACTION_HIBERNATE));
	CHECK(!cfg_apig_allows(&c, ACTION_NONE) && !cfg_apig_allows(&c, (enum action)99));
	CHECK(c.max_event_bytes == 128 * 1024);
	cfg_release(&c);
	load(&c, some, 0, "");
	CHECK(cfg_apig_allows(&c, ACTION_STATUS) && cfg_apig_allows(&c, ACTION_HIBERNATE));
	CHECK(!cfg_apig_allows(&c, ACTION_STOP) && c.max_event_bytes == 4096);
	cfg_release(&c);
	load(&c, none, 0, "");
	CHECK(!cfg_apig_allows(&c, ACTION_STATUS));
	cfg_release(&c);
	load(&c, insecure, 0, "");
	CHECK(c.error.code[0] == '\0');
	CHECK_STR(base_url(&c, CFG_CCE), "http://10.1.2.3:8080");
	cfg_release(&c);
	check_one("apigActions", "status,fly", "ConfigError", "apigActions: 'fly' is not an action");
	check_one("maxEventBytes", "1023", "ConfigError", "maxEventBytes");
	check_one("maxEventBytes", "6291457", "ConfigError", "maxEventBytes");
	check_one("maxEventBytes", "4k", "ConfigError", "maxEventBytes");
	check_one("maxEventBytes", "6291456", "", NULL);
	check_one("allowInsecureHttp", "maybe", "ConfigError", "allowInsecureHttp");
	/* Plain http:// only to loopback, unless allowed. */
	check_one("cceEndpoint", "http://10.1.2.3", "ConfigError", "allowInsecureHttp=true");
	check_one("ecsEndpoint", "http://ecs.example.com/", "ConfigError", "allowInsecureHttp=true");
	check_one("ecsEndpoint", "http://127.0.0.1.example.com/", "ConfigError", "allowInsecureHttp=true");
	check_one("ecsEndpoint", "http://localhostx:80", "ConfigError", "allowInsecureHttp=true");
	check_one("ecsEndpoint", "http://[::2]:80", "ConfigError", "allowInsecureHttp=true");
	check_one("cceEndpoint", "http://127.0.0.1:8080/x", "", NULL);
	check_one("cceEndpoint", "http://127.1.2.3", "", NULL);
	check_one("cceEndpoint", "http://LOCALHOST:1", "", NULL);
	check_one("cceEndpoint", "http://[::1]:8080", "", NULL);
	check_one("cceEndpoint", "https://10.1.2.3", "", NULL);
}

static void test_concurrency(void)
{
	static const char *const one[] = {"concurrency", "1", NULL};
	static const char *const max[] = {"RUNTIME_USERDATA", "{\"concurrency\":\"64\"}", NULL};
	static const char *const bad[][3] = {
		{"concurrency", "0", NULL}, {"concurrency", "65", NULL},
		{"concurrency", "8x", NULL}, {"concurrency", "-3", NULL},
	};
	struct cfg c;
	size_t i;

	load(&c, one, 0, "");
	CHECK(c.concurrency == 1);
	cfg_release(&c);
	load(&c, max, 0, "");
	CHECK(c.concurrency == 64);
	cfg_release(&c);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		load(&c, bad[i], 0, "ConfigError");
		CHECK(strstr(c.error.msg, "concurrency") != NULL);
		cfg_release(&c);
	}
}

int main(void)
{
	test_empty();
	test_sources();
	test_env_only();
	test_project();
	test_bad_userdata();
	test_validation();
	test_base_url();
	test_ecs_keys();
	test_typed();
	test_trust_keys();
	test_concurrency();
	return check_done("config");
}
