/*
 * test_params: known answers for lib/params.c: how each field of an event's
 * request is weighed against the configuration (cfg_load through a fake
 * environment, event_parse on literal events).
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "fixture.h"
#include "params.h"

/* The configuration and event of the last resolve(): p borrows from them until the next one. */
static struct cfg rs_cfg;
static struct event rs_ev;
static int rs_loaded;

/*
 * Loads env, parses ev_text and resolves it into p (initialised here; the
 * caller releases it). Returns params_resolve's status, -2 when the fixture
 * itself is wrong.
 */
static int resolve(const char *const *env, const char *ev_text, struct params *p, struct err *e)
{
	int rc = -2;

	if (rs_loaded) {
		event_release(&rs_ev);
		cfg_release(&rs_cfg);
	}
	rs_loaded = 1;
	fake_env = env;
	params_init(p);
	event_init(&rs_ev);
	err_clear(e);
	if (cfg_load(&rs_cfg, fake_getenv, 0) != 0 || rs_cfg.error.code[0] != '\0') {
		fprintf(stderr, "  (cfg_load: %s)\n", rs_cfg.error.msg);
	} else if (event_parse(ev_text, strlen(ev_text), &rs_ev, e) != 0) {
		fprintf(stderr, "  (event_parse: %s: %s)\n", e->code, e->msg);
	} else {
		rc = params_resolve(&rs_ev, &rs_cfg, p, e);
	}
	return rc;
}

static void test_action(void)
{
	static const char *const none[] = { NULL };
	static const char *const handler[] = { "RUNTIME_HANDLER", "hibernate", NULL };
	static const char *const not_handler[] = { "RUNTIME_HANDLER", "index.handler", NULL };
	static const char *const both[] = { "action", "AWAKE", "RUNTIME_HANDLER", "hibernate", NULL };
	struct params p;
	struct err e;

	/* Nothing anywhere: an error naming "action". */
	CHECK(resolve(none, "{\"key\":\"value\"}", &p, &e) == -1);
	CHECK_STR(e.code, "InvalidParameter");
	CHECK(strstr(e.msg, "action") != NULL);
	params_release(&p);
	/* RUNTIME_HANDLER that is an action, and one that is not. */
	CHECK(resolve(handler, "{}", &p, &e) == 0);
	CHECK(p.action == ACTION_HIBERNATE);
	params_release(&p);
	CHECK(resolve(not_handler, "{}", &p, &e) == -1);
	CHECK_STR(e.code, "InvalidParameter");
	params_release(&p);
	/* The configured action beats the handler; the event's beats both. */
	CHECK(resolve(both, "{}", &p, &e) == 0);
	CHECK(p.action == ACTION_AWAKE);
	params_release(&p);
	CHECK(resolve(both, "{\"action\":\"Stop\"}", &p, &e) == 0);
	CHECK(p.action == ACTION_STOP);
	params_release(&p);
	CHECK(resolve(both, "{\"trigger_type\":\"TIMER\",\"user_event\":\"status\"}", &p, &e) == 0);
	CHECK(p.action == ACTION_STATUS);
	params_release(&p);
	/* An event's word that names no action: UnknownAction listing them all, whatever is configured. */
	CHECK(resolve(both, "{\"action\":\"fly\"}", &p, &e) == -1);
	CHECK_STR(e.code, "UnknownAction");
	CHECK_STR(e.msg, "unknown action 'fly': use one of hibernate, awake, stop, start, status, schedule");
	params_release(&p);
}

static void test_targets(void)
{
	static const char *const env[] = {
		"clusterId", "cfg1, cfg2", "serverIds", "s1,s2", "tags", "env=dev, team=a", "action", "status",
		NULL,
	};
	struct params p;
	struct err e;

	/* The configuration's targets when the event names none. */
	CHECK(resolve(env, "{\"trigger_type\":\"TIMER\",\"user_event\":\"hibernate\"}", &p, &e) == 0);
	CHECK(p.action == ACTION_HIBERNATE);
	CHECK_STR(joined(p.cluster_ids), "cfg1,cfg2");
	CHECK_STR(joined(p.server_ids), "s1,s2");
	CHECK_STR(joined(p.tags), "env=dev,team=a");
	params_release(&p);
	/* Kind by kind: the event's clusters replace the configured ones, the rest stay. */
	CHECK(resolve(env, "{\"clusterId\":[\"e1\",\"e2\",\"e1\"]}", &p, &e) == 0);
	CHECK_STR(joined(p.cluster_ids), "e1,e2");
	CHECK_STR(joined(p.server_ids), "s1,s2");
	CHECK_STR(joined(p.tags), "env=dev,team=a");
	params_release(&p);
	CHECK(resolve(env, "{\"serverIds\":\"x\",\"tags\":[\"k=v\"]}", &p, &e) == 0);
	CHECK_STR(joined(p.cluster_ids), "cfg1,cfg2");
	CHECK_STR(joined(p.server_ids), "x");
	CHECK_STR(joined(p.tags), "k=v");
	params_release(&p);
	/* An event that names an empty list of a kind does not fall back to the configuration. */
	CHECK(resolve(env, "{\"clusterId\":\"\",\"serverIds\":[],\"tags\":\" \"}", &p, &e) == 0);
	CHECK(p.cluster_ids->n == 0 && p.server_ids->n == 0 && p.tags->n == 0);
	params_release(&p);
}

static void test_options(void)
{
	static const char *const none[] = { "action", "stop", NULL };
	static const char *const env[] = {
		"action", "stop", "type", "hard", "wait", "true", "dryRun", "off", "stopNodes", "yes",
		"startNodes", "1", "allServers", "on", NULL,
	};
	struct params p;
	struct err e;

	/* Defaults: SOFT, every option off. */
	CHECK(resolve(none, "{}", &p, &e) == 0);
	CHECK(p.type == CFG_STOP_SOFT);
	CHECK(p.wait == 0 && p.dry_run == 0 && p.stop_nodes == 0 && p.start_nodes == 0 && p.all_servers == 0);
	params_release(&p);
	/* The configuration fills what the event leaves out... */
	CHECK(resolve(env, "{}", &p, &e) == 0);
	CHECK(p.type == CFG_STOP_HARD);
	CHECK(p.wait == 1 && p.dry_run == 0 && p.stop_nodes == 1 && p.start_nodes == 1 && p.all_servers == 1);
	params_release(&p);
	/* ...and the event wins where it speaks (allServers is the configuration's only). */
	CHECK(resolve(env, "{\"type\":\"soft\",\"wait\":false,\"dryRun\":true,\"stopNodes\":\"no\","
			   "\"startNodes\":false}", &p, &e) == 0);
	CHECK(p.type == CFG_STOP_SOFT);
	CHECK(p.wait == 0 && p.dry_run == 1 && p.stop_nodes == 0 && p.start_nodes == 0 && p.all_servers == 1);
	params_release(&p);
	CHECK(resolve(none, "{\"type\":\"HARD\",\"wait\":\"on\"}", &p, &e) == 0);
	CHECK(p.type == CFG_STOP_HARD && p.wait == 1 && p.all_servers == 0);
	params_release(&p);
}

/* lib/action: the vocabulary itself. */
static void test_vocabulary(void)
{
	char names[128], small[8];

	CHECK(action_parse("hibernate") == ACTION_HIBERNATE && action_parse("AwAkE") == ACTION_AWAKE);
	CHECK(action_parse("stop") == ACTION_STOP && action_parse("START") == ACTION_START);
	CHECK(action_parse("status") == ACTION_STATUS);
	CHECK(action_parse("") == ACTION_NONE && action_parse(NULL) == ACTION_NONE);
	CHECK(action_parse("index.handler") == ACTION_NONE && action_parse("stopp") == ACTION_NONE);
	CHECK_STR(action_name(ACTION_HIBERNATE), "hibernate");
	CHECK_STR(action_name(ACTION_NONE), "");
	CHECK_STR(action_name((enum action)ACTION_COUNT), "");
	action_list(names, sizeof(names), ACTION_ALL);
	CHECK_STR(names, "hibernate, awake, stop, start, status, schedule");
	action_list(small, sizeof(small), ACTION_ALL);
	CHECK_STR(small, "hiberna");
	action_list(names, sizeof(names), (1u << ACTION_STATUS) | (1u << ACTION_STOP));
	CHECK_STR(names, "stop, status");
	action_list(names, sizeof(names), 0);
	CHECK_STR(names, "");
}

/* An APIG event whose body is the JSON text given (escaped into the envelope's string). */
static const char *apig(const char *body)
{
	static char ev[1024];
	size_t i, n = 0;

	n += (size_t)snprintf(ev, sizeof(ev), "{\"httpMethod\":\"POST\",\"requestContext\":{},\"body\":\"");
	for (i = 0; body[i] != '\0' && n + 3 < sizeof(ev); i++) {
		if (body[i] == '"')
			ev[n++] = '\\';
		ev[n++] = body[i];
	}
	snprintf(ev + n, sizeof(ev) - n, "\"}");
	return ev;
}

/* Known answers for the trust rules (params.h): an APIG event only narrows. */
static void test_trust(void)
{
	static const char *const dflt[] = { "clusterId", "c1,c2", "serverIds", "s1", "tags", "env=dev", NULL };
	static const char *const more[] = { "clusterId", "c1", "apigActions", "status, stop", "wait", "true",
					    NULL };
	static const char *const nothing[] = { NULL };
	static const char *const dry[] = { "dryRun", "yes", "clusterId", "c1", NULL };
	struct params p;
	struct err e;

	/* Default apigActions: status only, whatever the configured action. */
	CHECK(resolve(dflt, apig("{\"action\":\"status\"}"), &p, &e) == 0);
	CHECK_STR(joined(p.cluster_ids), "c1,c2");
	params_release(&p);
	CHECK(resolve(dflt, apig("{\"action\":\"hibernate\"}"), &p, &e) == -1);
	CHECK_STR(e.code, "Forbidden");
	CHECK_STR(e.msg, "API Gateway events may not ask for 'hibernate' (apigActions: status)");
	params_release(&p);
	CHECK(resolve(more, apig("{\"action\":\"stop\"}"), &p, &e) == 0);
	params_release(&p);
	CHECK(resolve(more, apig("{\"action\":\"start\"}"), &p, &e) == -1);
	CHECK_STR(e.msg, "API Gateway events may not ask for 'start' (apigActions: stop, status)");
	params_release(&p);
	/* Targets: within the configured ones; a narrower choice is kept as asked. */
	CHECK(resolve(dflt, apig("{\"action\":\"status\",\"clusterId\":\"c2\"}"), &p, &e) == 0);
	CHECK_STR(joined(p.cluster_ids), "c2");
	CHECK(p.node_server_ids.n == 0);
	params_release(&p);
	CHECK(resolve(dflt, apig("{\"action\":\"status\",\"clusterId\":\"c3\"}"), &p, &e) == -1);
	CHECK_STR(e.code, "Forbidden");
	CHECK(strstr(e.msg, "'c3'") != NULL);
	params_release(&p);
	CHECK(resolve(dflt, apig("{\"action\":\"status\",\"tags\":\"env=prod\"}"), &p, &e) == -1);
	params_release(&p);
	/* A server beyond serverIds may be a node of a configured cluster: left for the caller to check. */
	CHECK(resolve(dflt, apig("{\"action\":\"status\",\"serverIds\":\"s1,n9\"}"), &p, &e) == 0);
	CHECK_STR(joined(p.server_ids), "s1,n9");
	CHECK_STR(joined(&p.node_server_ids), "n9");
	params_release(&p);
	/* No configured clusters: no node to be, so refused at once. No targets at all: name none. */
	CHECK(resolve(nothing, apig("{\"action\":\"status\",\"serverIds\":\"s1\"}"), &p, &e) == -1);
	CHECK_STR(e.code, "Forbidden");
	params_release(&p);
	/* Options: type never changed, wait/stopNodes/startNodes only turned off. */
	CHECK(resolve(more, apig("{\"action\":\"stop\",\"type\":\"HARD\"}"), &p, &e) == -1);
	CHECK_STR(e.msg, "API Gateway events may not change the stop type (type is SOFT)");
	params_release(&p);
	CHECK(resolve(more, apig("{\"action\":\"stop\",\"type\":\"soft\",\"wait\":false}"), &p, &e) == 0);
	CHECK(p.type == CFG_STOP_SOFT && p.wait == 0);
	params_release(&p);
	CHECK(resolve(more, apig("{\"action\":\"stop\",\"stopNodes\":true}"), &p, &e) == -1);
	CHECK_STR(e.msg, "API Gateway events may not turn stopNodes on");
	params_release(&p);
	/* Trusted events keep their powers. */
	CHECK(resolve(more, "{\"action\":\"start\",\"clusterId\":\"c9\",\"type\":\"HARD\"}", &p, &e) == 0);
	CHECK(p.type == CFG_STOP_HARD);
	params_release(&p);
	/* The dryRun floor, for every kind of event; an event's true always holds. */
	CHECK(resolve(dry, "{\"action\":\"hibernate\",\"dryRun\":false}", &p, &e) == 0);
	CHECK(p.dry_run == 1);
	params_release(&p);
	CHECK(resolve(dry, "{\"trigger_type\":\"TIMER\",\"user_event\":\"{\\\"dryRun\\\":false,\\\"action\\\":\\\"stop\\\"}\"}",
		      &p, &e) == 0);
	CHECK(p.dry_run == 1);
	params_release(&p);
	CHECK(resolve(dry, apig("{\"dryRun\":false}"), &p, &e) == -1); /* no action: configured none */
	params_release(&p);
	CHECK(resolve(nothing, "{\"action\":\"stop\",\"dryRun\":true}", &p, &e) == 0);
	CHECK(p.dry_run == 1);
	params_release(&p);
}

int main(void)
{
	test_vocabulary();
	test_action();
	test_targets();
	test_options();
	test_trust();
	params_release(NULL);
	event_release(&rs_ev);
	cfg_release(&rs_cfg);
	return check_done("params");
}
