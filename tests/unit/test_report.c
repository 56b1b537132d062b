/*
 * test_report: known-answer tests for lib/report.c: the result object (parsed
 * back with jansson), the APIG envelope and its status codes, report_is_error,
 * and the scrubbing of registered secrets.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "check.h"
#include "log.h"
#include "report.h"

/* Renders r and parses the text back; NULL (and a failed check) on error. */
static json_t *render(const struct report *r, int apig)
{
	struct buf out;
	json_t *j;
	json_error_t jerr;

	buf_init(&out, BUF_MAX_RESULT);
	CHECK(report_render(r, apig, &out) == 0);
	j = json_loads(buf_str(&out), JSON_REJECT_DUPLICATES, &jerr);
	CHECK(j != NULL);
	if (j == NULL)
		fprintf(stderr, "  not JSON (%s): %s\n", jerr.text, buf_str(&out));
	buf_release(&out);
	return j;
}

/* Renders r inside the APIG envelope; checks it and returns the parsed body. */
static json_t *render_apig(const struct report *r, int want_status)
{
	json_t *env = render(r, 1), *body = NULL;
	json_error_t jerr;

	if (env == NULL)
		return NULL;
	CHECK(json_object_size(env) == 4);
	CHECK(json_integer_value(json_object_get(env, "statusCode")) == want_status);
	CHECK(json_is_false(json_object_get(env, "isBase64Encoded")));
	CHECK_STR(json_string_value(json_object_get(json_object_get(env, "headers"), "Content-Type")),
		  "application/json");
	CHECK(json_is_string(json_object_get(env, "body")));
	if (json_is_string(json_object_get(env, "body"))) {
		body = json_loads(json_string_value(json_object_get(env, "body")), 0, &jerr);
		CHECK(json_is_object(body));
	}
	json_decref(env);
	return body;
}

static const char *str_at(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static json_t *clusters(json_t *root)
{
	return json_object_get(json_object_get(root, "data"), "cluster_list");
}

static void test_success(void)
{
	struct report r;
	json_t *j, *item;

	report_init(&r, "hibernate");
	CHECK(report_is_error(&r) == 0);
	j = render(&r, 0);
	CHECK_STR(str_at(j, "status"), "success");
	CHECK_STR(str_at(j, "action"), "hibernate");
	CHECK_STR(str_at(j, "message"), "hibernate: nothing to do");
	CHECK(json_is_array(clusters(j)) && json_array_size(clusters(j)) == 0);
	CHECK(json_object_get(j, "errorType") == NULL);
	CHECK(json_object_get(j, "errorMessage") == NULL);
	json_decref(j);

	CHECK(report_cluster(&r, "c1", "prod", "Available", REPORT_REQUESTED, NULL, NULL) == 0);
	CHECK(report_cluster(&r, "c2", NULL, NULL, REPORT_SKIPPED, "already Hibernation", NULL) == 0);
	CHECK(report_cluster(&r, "c3", "dev", "Available", REPORT_REQUESTED, NULL, NULL) == 0);
	CHECK(report_is_error(&r) == 0);
	j = render(&r, 0);
	CHECK_STR(str_at(j, "status"), "success");
	CHECK_STR(str_at(j, "message"), "hibernate: 2 requested, 1 skipped");
	CHECK(json_array_size(clusters(j)) == 3);
	item = json_array_get(clusters(j), 0);
	CHECK_STR(str_at(item, "cluster_id"), "c1");
	CHECK_STR(str_at(item, "cluster_name"), "prod");
	CHECK_STR(str_at(item, "phase"), "Available");
	CHECK_STR(str_at(item, "result"), "requested");
	CHECK(json_object_get(item, "reason") == NULL);
	CHECK(json_object_get(item, "error") == NULL);
	item = json_array_get(clusters(j), 1);
	CHECK_STR(str_at(item, "cluster_id"), "c2");
	CHECK_STR(str_at(item, "cluster_name"), "");
	CHECK_STR(str_at(item, "phase"), "");
	CHECK_STR(str_at(item, "result"), "skipped");
	CHECK_STR(str_at(item, "reason"), "already Hibernation");
	CHECK_STR(str_at(json_array_get(clusters(j), 2), "cluster_id"), "c3");
	json_decref(j);

	/* The same report in the APIG envelope: 200. */
	j = render_apig(&r, 200);
	CHECK_STR(str_at(j, "status"), "success");
	CHECK(json_array_size(clusters(j)) == 3);
	json_decref(j);

	/* The action can be renamed; a long one is truncated, NULL is "". */
	report_set_action(&r, "awake");
	j = render(&r, 0);
	CHECK_STR(str_at(j, "action"), "awake");
	CHECK_STR(str_at(j, "message"), "awake: 2 requested, 1 skipped");
	json_decref(j);
	report_set_action(&r, NULL);
	j = render(&r, 0);
	CHECK_STR(str_at(j, "action"), "");
	json_decref(j);
	report_set_action(&r, "abcdefghijklmnopqrstuvwxyz0123456789");
	j = render(&r, 0);
	CHECK_STR(str_at(j, "action"), "abcdefghijklmnopqrstuvwxyz01234");
	json_decref(j);
	report_release(&r);
	report_release(&r);
	report_release(NULL);
}

static void test_item_failed(void)
{
	struct report r;
	struct err f;
	json_t *j, *item, *err;

	err_clear(&f);
	snprintf(f.code, sizeof(f.code), "CloudError"); /* the cloud's own code is quoted, not ours */
	f.status = 409;
	snprintf(f.cloud_code, sizeof(f.cloud_code), "CCE.01409001");
	snprintf(f.msg, sizeof(f.msg), "cluster is busy");
	snprintf(f.request_id, sizeof(f.request_id), "req-1");
	f.retries = 2;

	report_init(&r, "hibernate");
	CHECK(report_cluster(&r, "c1", "a", "Available", REPORT_REQUESTED, NULL, NULL) == 0);
	CHECK(report_cluster(&r, "c2", "b", "Available", REPORT_FAILED, "hibernate refused", &f) == 0);
	CHECK(report_cluster(&r, "c3", "c", "Hibernation", REPORT_SKIPPED, "already", NULL) == 0);
	CHECK(report_is_error(&r) == 1);
	j = render(&r, 0);
	CHECK_STR(str_at(j, "status"), "error");
	CHECK_STR(str_at(j, "message"), "hibernate: 1 requested, 1 skipped, 1 failed");
	CHECK_STR(str_at(j, "errorType"), "ActionFailed");
	CHECK_STR(str_at(j, "errorMessage"), "hibernate: 1 requested, 1 skipped, 1 failed");
	CHECK(json_array_size(clusters(j)) == 3);
	item = json_array_get(clusters(j), 1);
	CHECK_STR(str_at(item, "result"), "failed");
	CHECK_STR(str_at(item, "reason"), "hibernate refused");
	err = json_object_get(item, "error");
	CHECK_STR(str_at(err, "code"), "CCE.01409001");
	CHECK_STR(str_at(err, "message"), "cluster is busy");
	CHECK(json_integer_value(json_object_get(err, "http_status")) == 409);
	CHECK_STR(str_at(err, "request_id"), "req-1");
	CHECK(json_integer_value(json_object_get(err, "retries")) == 2);
	json_decref(j);

	j = render_apig(&r, 502);
	CHECK_STR(str_at(j, "status"), "error");
	CHECK_STR(str_at(j, "errorType"), "ActionFailed");
	json_decref(j);
	report_release(&r);

	/* No request id and no retries: those keys are left out. */
	err_clear(&f);
	f.status = 0;
	snprintf(f.code, sizeof(f.code), "Timeout"); /* a transport failure: no cloud code */
	report_init(&r, "awake");
	CHECK(report_cluster(&r, "c1", "a", "Hibernation", REPORT_FAILED, NULL, &f) == 0);
	j = render(&r, 0);
	err = json_object_get(json_array_get(clusters(j), 0), "error");
	CHECK(json_object_get(err, "request_id") == NULL);
	CHECK(json_object_get(err, "retries") == NULL);
	CHECK(json_integer_value(json_object_get(err, "http_status")) == 0);
	CHECK_STR(str_at(err, "code"), "Timeout");
	CHECK_STR(str_at(err, "message"), "");
	json_decref(j);
	report_release(&r);
}

/* A fatal error with code renders status error, errorType code, and APIG want_status. */
static void check_fatal(const char *code, const char *want_type, int want_status)
{
	struct report r;
	struct err e;
	json_t *j;

	report_init(&r, "hibernate");
	err_clear(&e);
	if (code != NULL)
		err_set(&e, code, "the %s happened", "thing");
	else
		snprintf(e.msg, sizeof(e.msg), "uncoded failure");
	report_fail(&r, &e);
	CHECK(report_is_error(&r) == 1);
	j = render(&r, 0);
	CHECK_STR(str_at(j, "status"), "error");
	CHECK_STR(str_at(j, "errorType"), want_type);
	CHECK_STR(str_at(j, "message"), code ? "the thing happened" : "uncoded failure");
	CHECK_STR(str_at(j, "errorMessage"), code ? "the thing happened" : "uncoded failure");
	CHECK_STR(str_at(j, "action"), "hibernate");
	CHECK(json_array_size(clusters(j)) == 0);
	json_decref(j);
	j = render_apig(&r, want_status);
	CHECK_STR(str_at(j, "errorType"), want_type);
	json_decref(j);
	report_release(&r);
}

/* 404 only when every failed target is unknown to the cloud; any other failure makes it 502. */
static void test_apig_not_found(void)
{
	struct report r;
	struct err gone, busy;
	json_t *j;

	err_clear(&gone);
	err_set(&gone, "CloudError", "no such cluster");
	gone.status = 404;
	err_clear(&busy);
	err_set(&busy, "CloudError", "internal");
	busy.status = 500;

	report_init(&r, "hibernate");
	CHECK(report_cluster(&r, "c1", "", "", REPORT_FAILED, "could not read the cluster", &gone) == 0);
	CHECK(report_cluster(&r, "c2", "b", "Available", REPORT_REQUESTED, NULL, NULL) == 0);
	j = render_apig(&r, 404);
	json_decref(j);
	CHECK(report_server(&r, "s1", "", "", REPORT_FAILED, "no such server in the project", NULL) == 0);
	j = render_apig(&r, 404);
	json_decref(j);
	CHECK(report_cluster(&r, "c3", "", "", REPORT_FAILED, "could not read the cluster", &busy) == 0);
	j = render_apig(&r, 502);
	json_decref(j);
	report_release(&r);

	/* A failure with no call and another reason is not "unknown". */
	report_init(&r, "stop");
	CHECK(report_server(&r, "s1", "a", "ACTIVE", REPORT_FAILED, "the job failed", NULL) == 0);
	j = render_apig(&r, 502);
	json_decref(j);
	report_release(&r);
}

static void test_fatal(void)
{
	struct report r;
	struct err e;
	json_t *j;

	check_fatal("InvalidEvent", "InvalidEvent", 400);
	check_fatal("InvalidParameter", "InvalidParameter", 400);
	check_fatal("UnknownAction", "UnknownAction", 400);
	check_fatal("Forbidden", "Forbidden", 403);
	check_fatal("ConfigError", "ConfigError", 500);
	check_fatal("NoCredentials", "NoCredentials", 500);
	check_fatal("CloudError", "CloudError", 502);
	check_fatal("BadResponse", "BadResponse", 502);
	check_fatal("Timeout", "Timeout", 502);
	check_fatal(NULL, "Error", 500);

	/* A fatal error wins over item results, in the message and in the status. */
	report_init(&r, "awake");
	CHECK(report_cluster(&r, "c1", "a", "Hibernation", REPORT_REQUESTED, NULL, NULL) == 0);
	CHECK(report_cluster(&r, "c2", "b", "Hibernation", REPORT_FAILED, "x", NULL) == 0);
	err_set(&e, "InvalidEvent", "bad event");
	report_fail(&r, &e);
	j = render_apig(&r, 400);
	CHECK_STR(str_at(j, "message"), "bad event");
	CHECK_STR(str_at(j, "errorType"), "InvalidEvent");
	CHECK(json_array_size(clusters(j)) == 2);
	json_decref(j);
	report_release(&r);
	/* A released report is an error, never a silent success. */
	CHECK(report_is_error(&r) == 1);
}

static void test_scrub(void)
{
	static const char token[] = "MIIEXAMPLETOKEN+/abc==";
	struct report r;
	struct err f;
	struct err e;
	struct buf out;
	json_t *j;

	log_secret(token);
	log_secret("SKSECRET0123456789");
	err_clear(&f);
	f.status = 401;
	snprintf(f.cloud_code, sizeof(f.cloud_code), "APIGW.0301");
	snprintf(f.msg, sizeof(f.msg), "Incorrect IAM authentication information: token %s",
		 token);

	report_init(&r, "hibernate");
	CHECK(report_cluster(&r, "c1", "n", "Available", REPORT_FAILED, token, &f) == 0);
	buf_init(&out, BUF_MAX_RESULT);
	CHECK(report_render(&r, 0, &out) == 0);
	CHECK(strstr(buf_str(&out), token) == NULL);
	CHECK(strstr(buf_str(&out), "MIIEXAMPLE") == NULL);
	j = render(&r, 0);
	CHECK_STR(str_at(json_object_get(json_array_get(clusters(j), 0), "error"), "message"),
		  "Incorrect IAM authentication information: token ***");
	CHECK_STR(str_at(json_array_get(clusters(j), 0), "reason"), "***");
	json_decref(j);
	/* Also inside the APIG envelope, where the body is escaped once more. */
	CHECK(report_render(&r, 1, &out) == 0);
	CHECK(strstr(buf_str(&out), "MIIEXAMPLE") == NULL);
	j = render_apig(&r, 502);
	CHECK_STR(str_at(json_object_get(json_array_get(clusters(j), 0), "error"), "message"),
		  "Incorrect IAM authentication information: token ***");
	json_decref(j);
	report_release(&r);

	/* In a fatal message too. */
	report_init(&r, "awake");
	err_set(&e, "CloudError", "HTTP 403: sk SKSECRET0123456789 rejected");
	report_fail(&r, &e);
	j = render(&r, 0);
	CHECK_STR(str_at(j, "message"), "HTTP 403: sk *** rejected");
	CHECK_STR(str_at(j, "errorMessage"), "HTTP 403: sk *** rejected");
	json_decref(j);
	report_release(&r);

	/* A secret that JSON escapes is still masked (strings are scrubbed before encoding). */
	log_secret("ab\"cdef");
	err_clear(&f);
	snprintf(f.msg, sizeof(f.msg), "got ab\"cdef");
	report_init(&r, "awake");
	CHECK(report_cluster(&r, "c1", "n", "", REPORT_FAILED, NULL, &f) == 0);
	j = render(&r, 0);
	{
		const char *m = str_at(json_object_get(json_array_get(clusters(j), 0), "error"), "message");

		CHECK(m != NULL && strcmp(m, "got ***") == 0);
	}
	json_decref(j);
	report_release(&r);

	buf_release(&out);
	log_forget_secrets();

	/* Once forgotten, the text is rendered as is. */
	report_init(&r, "awake");
	err_set(&e, "CloudError", "sk SKSECRET0123456789");
	report_fail(&r, &e);
	j = render(&r, 0);
	CHECK_STR(str_at(j, "message"), "sk SKSECRET0123456789");
	json_decref(j);
	report_release(&r);
}

static void test_small_buffer(void)
{
	struct report r;
	struct buf out;

	report_init(&r, "hibernate");
	buf_init(&out, 16);
	CHECK(buf_puts(&out, "old") == 0);
	CHECK(report_render(&r, 0, &out) == -1);
	CHECK(out.len == 0); /* a failed render leaves nothing half-written */
	CHECK(buf_puts(&out, "old") == 0);
	CHECK(report_render(&r, 1, &out) == -1);
	CHECK(out.len == 0);
	buf_release(&out);
	report_release(&r);
}

/* The exact text: key order, escaping and scrubbing are part of the contract. */
static void test_exact_text(void)
{
	struct report r;
	struct err f;
	struct buf out;
	struct err e;

	log_secret("SECRETTOKEN123");
	buf_init(&out, BUF_MAX_RESULT);
	report_init(&r, "stop");
	err_clear(&f);
	f.status = 409;
	snprintf(f.cloud_code, sizeof(f.cloud_code), "Ecs.0001");
	snprintf(f.msg, sizeof(f.msg), "conflict \"quoted\" SECRETTOKEN123 \xc3\xa9");
	snprintf(f.request_id, sizeof(f.request_id), "req-1");
	f.retries = 2;
	CHECK(report_cluster(&r, "c1", "prod", "Available", REPORT_LISTED, NULL, NULL) == 0);
	CHECK(report_cluster(&r, "c2", NULL, NULL, REPORT_FAILED, "could not read", &f) == 0);
	CHECK(report_server(&r, "s1", "vm1", "ACTIVE", REPORT_REQUESTED, NULL, NULL) == 0);
	CHECK(report_server(&r, "s2", "vm2", "SHUTOFF", REPORT_SKIPPED, "already SHUTOFF", NULL) == 0);
	CHECK(report_job(&r, "job-1") == 0);
	report_set_retries(&r, 3);
	report_set_dry_run(&r);
	CHECK(report_render(&r, 0, &out) == 0);
	CHECK_STR(buf_str(&out),
		  "{\"status\":\"error\",\"message\":\"stop (dry run): 1 requested, 1 listed, 1 skipped, 1 failed\","
		  "\"action\":\"stop\",\"data\":{\"cluster_list\":[{\"cluster_id\":\"c1\",\"cluster_name\":\"prod\","
		  "\"phase\":\"Available\",\"result\":\"listed\"},{\"cluster_id\":\"c2\",\"cluster_name\":\"\","
		  "\"phase\":\"\",\"result\":\"failed\",\"reason\":\"could not read\",\"error\":{\"code\":\"Ecs.0001\","
		  "\"message\":\"conflict \\\"quoted\\\" *** \xc3\xa9\",\"http_status\":409,\"request_id\":\"req-1\","
		  "\"retries\":2}}],\"server_list\":[{\"server_id\":\"s1\",\"server_name\":\"vm1\",\"status\":\"ACTIVE\","
		  "\"result\":\"requested\"},{\"server_id\":\"s2\",\"server_name\":\"vm2\",\"status\":\"SHUTOFF\","
		  "\"result\":\"skipped\",\"reason\":\"already SHUTOFF\"}],\"job_ids\":[\"job-1\"],\"dry_run\":true,"
		  "\"retries\":3},\"errorType\":\"ActionFailed\",\"errorMessage\":\"stop (dry run): 1 requested, "
		  "1 listed, 1 skipped, 1 failed\"}");
	CHECK(out.len == strlen(buf_str(&out)));
	report_release(&r);

	report_init(&r, "hibernate");
	err_set(&e, "InvalidEvent", "bad \"event\"\twith SECRETTOKEN123");
	report_fail(&r, &e);
	CHECK(report_render(&r, 1, &out) == 0);
	CHECK_STR(buf_str(&out),
		  "{\"statusCode\":400,\"isBase64Encoded\":false,\"headers\":{\"Content-Type\":\"application/json\"},"
		  "\"body\":\"{\\\"status\\\":\\\"error\\\",\\\"message\\\":\\\"bad \\\\\\\"event\\\\\\\"\\\\twith ***\\\","
		  "\\\"action\\\":\\\"hibernate\\\",\\\"data\\\":{\\\"cluster_list\\\":[],\\\"retries\\\":0},"
		  "\\\"errorType\\\":\\\"InvalidEvent\\\",\\\"errorMessage\\\":\\\"bad \\\\\\\"event\\\\\\\"\\\\twith ***\\\"}\"}");
	report_release(&r);

	/* Not UTF-8 in the message: no answer can be built (the caller answers an error). */
	report_init(&r, "start");
	err_set(&e, "X", "bad \xff utf8");
	report_fail(&r, &e);
	CHECK(report_render(&r, 0, &out) == -1);
	CHECK(out.len == 0);
	report_release(&r);
	buf_release(&out);
	log_forget_secrets();
}

int main(void)
{
	test_success();
	test_item_failed();
	test_fatal();
	test_apig_not_found();
	test_scrub();
	test_small_buffer();
	test_exact_text();
	return check_done("report");
}
