/* report: see report.h. */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void report_init(struct report *r, const char *action)
{
	memset(r, 0, sizeof(*r));
	report_set_action(r, action);
	r->clusters = json_array();
}

void report_release(struct report *r)
{
	if (r == NULL)
		return;
	json_decref(r->clusters);
	json_decref(r->servers);
	json_decref(r->jobs);
	r->clusters = r->servers = r->jobs = NULL;
}

int report_want_servers(struct report *r)
{
	if (r->servers == NULL)
		r->servers = json_array();
	if (r->jobs == NULL)
		r->jobs = json_array();
	return r->servers && r->jobs ? 0 : -1;
}

void report_set_retries(struct report *r, int retries)
{
	r->retries = retries;
}

void report_set_dry_run(struct report *r)
{
	r->dry_run = 1;
}

int report_job(struct report *r, const char *job_id)
{
	if (report_want_servers(r) != 0)
		return -1;
	return json_array_append_new(r->jobs, json_string(job_id));
}

void report_set_action(struct report *r, const char *action)
{
	buf_copy(r->action, sizeof(r->action), action ? action : "");
}

void report_fail(struct report *r, const struct err *e)
{
	r->fatal = *e;
	if (r->fatal.code[0] == '\0')
		snprintf(r->fatal.code, sizeof(r->fatal.code), "Error");
}

int report_is_error(const struct report *r)
{
	return r->fatal.code[0] != '\0' || r->nfailed > 0 || r->clusters == NULL;
}

const struct err *report_fatal(const struct report *r)
{
	return r->fatal.code[0] != '\0' ? &r->fatal : NULL;
}

void report_summary(const struct report *r, char *out, size_t n)
{
	snprintf(out, n, "%s %s: %d requested, %d skipped, %d failed",
		 r->action[0] ? r->action : "(no action)", report_is_error(r) ? "error" : "success",
		 r->nrequested, r->nskipped, r->nfailed);
}

/*
 * Sets obj[key] to the string s; -1 (obj unchanged) when s is NULL or not
 * UTF-8, or memory ran out. key is a literal (ASCII), so jansson need not check it.
 */
static int report_set_str(json_t *obj, const char *key, const char *s)
{
	return json_object_set_new_nocheck(obj, key, s != NULL ? json_string(s) : NULL);
}

static json_t *report_cloud_error(const struct err *f)
{
	char msg[sizeof(f->msg)];
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	(void)report_set_str(o, "code", f->cloud_code[0] ? f->cloud_code : f->code);
	/* Scrub before JSON escaping changes how a secret is spelt. */
	memcpy(msg, f->msg, sizeof(msg));
	log_scrub(msg);
	(void)report_set_str(o, "message", msg);
	json_object_set_new_nocheck(o, "http_status", json_integer(f->status));
	if (f->request_id[0] != '\0')
		(void)report_set_str(o, "request_id", f->request_id);
	if (f->retries > 0)
		json_object_set_new_nocheck(o, "retries", json_integer(f->retries));
	return o;
}

static void report_tally(struct report *r, const char *result)
{
	static const char *const names[] = {REPORT_REQUESTED, REPORT_SKIPPED, REPORT_FAILED,
					    REPORT_DONE, REPORT_PENDING, REPORT_PLANNED, REPORT_LISTED,
					    REPORT_KEPT};
	int *const counters[] = {&r->nrequested, &r->nskipped, &r->nfailed, &r->ndone,
				 &r->npending, &r->nplanned, &r->nlisted, &r->nkept};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(result, names[i]) == 0)
			(*counters[i])++;
}

/* One item, {id_key, name_key, state_key, "result"} in that order, then "reason" and "error". */
static int report_item(struct report *r, json_t *list, const char *id_key, const char *id,
		       const char *name_key, const char *name, const char *state_key, const char *state,
		       const char *result, const char *reason, const struct err *failure)
{
	json_t *item;

	if (list == NULL || (item = json_object()) == NULL)
		return -1;
	if (report_set_str(item, id_key, id) != 0 || report_set_str(item, name_key, name ? name : "") != 0 ||
	    report_set_str(item, state_key, state ? state : "") != 0 ||
	    report_set_str(item, "result", result) != 0) {
		json_decref(item);
		return -1;
	}
	if (reason != NULL)
		(void)report_set_str(item, "reason", reason);
	if (failure != NULL)
		json_object_set_new_nocheck(item, "error", report_cloud_error(failure));
	if (strcmp(result, REPORT_FAILED) == 0 &&
	    ((failure != NULL && failure->status == 404) ||
	     (failure == NULL && reason != NULL && strcmp(reason, REPORT_REASON_MISSING) == 0)))
		r->nmissing++;
	if (json_array_append_new(list, item) != 0)
		return -1;
	report_tally(r, result);
	return 0;
}

void report_set_schedule_time(struct report *r, const char *t)
{
	buf_copy(r->schedule_time, sizeof(r->schedule_time), t);
}

size_t report_count(const struct report *r, int servers)
{
	json_t *list = servers ? r->servers : r->clusters;

	return list != NULL ? json_array_size(list) : 0;
}

int report_annotate(struct report *r, int servers, size_t from, report_annotate_fn *fn, void *ud)
{
	json_t *list = servers ? r->servers : r->clusters, *item;
	const char *id, *schedule, *desired;
	size_t i;

	for (i = from; list != NULL && i < json_array_size(list); i++) {
		item = json_array_get(list, i);
		id = json_string_value(json_object_get(item, servers ? "server_id" : "cluster_id"));
		schedule = desired = NULL;
		if (id != NULL)
			fn(id, &schedule, &desired, ud);
		if ((schedule != NULL && report_set_str(item, "schedule", schedule) != 0) ||
		    (desired != NULL && report_set_str(item, "desired", desired) != 0))
			return -1;
	}
	return 0;
}

int report_cluster(struct report *r, const char *id, const char *name, const char *phase,
		   const char *result, const char *reason, const struct err *failure)
{
	return report_item(r, r->clusters, "cluster_id", id, "cluster_name", name, "phase", phase, result,
			   reason, failure);
}

int report_server(struct report *r, const char *id, const char *name, const char *status,
		  const char *result, const char *reason, const struct err *failure)
{
	if (report_want_servers(r) != 0)
		return -1;
	return report_item(r, r->servers, "server_id", id, "server_name", name, "status", status, result,
			   reason, failure);
}

/* "3 requested, 1 skipped" from the non-zero counters; "nothing to do" when all are zero. */
static void report_counts(const struct report *r, char *dst, size_t n)
{
	const struct {
		int v;
		const char *name;
	} c[] = {{r->nrequested, "requested"}, {r->ndone, "done"}, {r->npending, "pending"},
		 {r->nplanned, "planned"}, {r->nlisted, "listed"}, {r->nkept, "kept"}, {r->nskipped, "skipped"},
		 {r->nfailed, "failed"}};
	size_t i, used = 0;

	dst[0] = '\0';
	for (i = 0; i < sizeof(c) / sizeof(c[0]) && used < n; i++)
		if (c[i].v > 0)
			used += (size_t)snprintf(dst + used, n - used, "%s%d %s", used ? ", " : "",
						 c[i].v, c[i].name);
	if (dst[0] == '\0')
		snprintf(dst, n, "nothing to do");
}

/*
 * {"status","message","action","data":{"cluster_list",["server_list","job_ids"],
 * ["dry_run"],"retries"}} plus "errorType"/"errorMessage" for an error. NULL
 * when memory ran out or a string is not UTF-8 (the caller answers an error).
 */
static json_t *report_object(const struct report *r)
{
	char msg[sizeof(r->fatal.msg) + 64], counts[160];
	json_t *root = NULL, *data, *list;
	int is_error = report_is_error(r);

	if (r->fatal.code[0] != '\0') {
		snprintf(msg, sizeof(msg), "%s", r->fatal.msg);
	} else {
		report_counts(r, counts, sizeof(counts));
		snprintf(msg, sizeof(msg), "%s%s: %s", r->action, r->dry_run ? " (dry run)" : "", counts);
	}
	if ((data = json_object()) == NULL)
		return NULL;
	list = r->clusters ? json_incref(r->clusters) : json_array();
	if (json_object_set_new_nocheck(data, "cluster_list", list) != 0)
		goto fail;
	if (r->servers != NULL) {
		json_object_set_nocheck(data, "server_list", r->servers);
		json_object_set_nocheck(data, "job_ids", r->jobs);
	}
	if (r->dry_run)
		json_object_set_new_nocheck(data, "dry_run", json_true());
	if (r->schedule_time[0] != '\0')
		(void)report_set_str(data, "schedule_time", r->schedule_time);
	json_object_set_new_nocheck(data, "retries", json_integer(r->retries));
	if ((root = json_object()) == NULL || report_set_str(root, "status", is_error ? "error" : "success") != 0 ||
	    report_set_str(root, "message", msg) != 0 || report_set_str(root, "action", r->action) != 0)
		goto fail;
	if (json_object_set_new_nocheck(root, "data", data) != 0) {
		data = NULL; /* taken, even on failure */
		goto fail;
	}
	if (is_error) {
		(void)report_set_str(root, "errorType", r->fatal.code[0] ? r->fatal.code : "ActionFailed");
		(void)report_set_str(root, "errorMessage", msg);
	}
	return root;
fail:
	json_decref(data);
	json_decref(root);
	return NULL;
}

/*
 * HTTP status for the APIG envelope: 400 a bad request, 403 the trust rules,
 * 404 when every failed target is unknown to the cloud, 502 when the cloud
 * failed, 500 when the function itself cannot work (configuration,
 * credentials, memory), 200 otherwise.
 */
static int report_http_status(const struct report *r)
{
	static const struct {
		const char *code;
		int status;
	} map[] = {{"Forbidden", 403},       {"InvalidEvent", 400}, {"InvalidParameter", 400},
		   {"UnknownAction", 400},   {"ConfigError", 500},  {"NoCredentials", 500},
		   {"OutOfMemory", 500},     {"Error", 500}};
	const char *c = r->fatal.code;
	size_t i;

	if (c[0] == '\0') {
		if (r->nfailed == 0)
			return 200;
		return r->nmissing == r->nfailed ? 404 : 502;
	}
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(c, map[i].code) == 0)
			return map[i].status;
	return 502; /* CloudError, BadResponse, a transport failure: the cloud failed */
}

/* json_dump_callback() sink: appends to a buf (whose ceiling bounds the answer). */
static int report_sink(const char *text, size_t n, void *out)
{
	return buf_append(out, text, n);
}

/*
 * Writes the compact JSON text of root into out (emptied first), scrubbed of
 * every registered secret: a cloud message may quote what it received.
 */
static int report_dump(json_t *root, struct buf *out)
{
	buf_clear(out);
	if (json_dump_callback(root, report_sink, out, JSON_COMPACT) != 0)
		return -1;
	/* JSON text holds no NUL (jansson escapes it): the C string is the whole text. */
	if (out->len > 0)
		buf_truncate(out, log_scrub(out->data));
	return 0;
}

/* {"statusCode","isBase64Encoded":false,"headers":{"Content-Type"},"body"}; NULL on failure. */
static json_t *report_apig(const struct report *r, const char *body)
{
	json_t *env = json_object(), *headers = json_object();

	if (env == NULL || headers == NULL ||
	    json_object_set_new_nocheck(env, "statusCode", json_integer(report_http_status(r))) != 0 ||
	    json_object_set_new_nocheck(env, "isBase64Encoded", json_false()) != 0 ||
	    report_set_str(headers, "Content-Type", "application/json") != 0) {
		json_decref(headers);
		json_decref(env);
		return NULL;
	}
	if (json_object_set_new_nocheck(env, "headers", headers) != 0 || report_set_str(env, "body", body) != 0) {
		json_decref(env);
		return NULL;
	}
	return env;
}

int report_render(const struct report *r, int apig, struct buf *out)
{
	json_t *root = report_object(r), *env = NULL;
	struct buf text;
	int rc = -1;

	buf_init(&text, BUF_MAX_RESULT);
	buf_clear(out);
	if (root == NULL)
		goto out;
	if (!apig) {
		rc = report_dump(root, out);
		goto out;
	}
	if (report_dump(root, &text) != 0 || (env = report_apig(r, buf_str(&text))) == NULL)
		goto out;
	/* The envelope only adds escaping to scrubbed text: it is dumped as it is. */
	if (json_dump_callback(env, report_sink, out, JSON_COMPACT) == 0)
		rc = 0;
out:
	if (rc != 0)
		buf_clear(out);
	json_decref(env);
	json_decref(root);
	buf_release(&text);
	return rc;
}
