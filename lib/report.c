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
	snprintf(r->action, sizeof(r->action), "%s", action ? action : "");
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

static json_t *report_cloud_error(const struct cloud_result *f)
{
	char msg[sizeof(f->message)];
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "code", json_string(f->code));
	/* Scrub before JSON escaping changes how a secret is spelt. */
	memcpy(msg, f->message, sizeof(msg));
	log_scrub(msg);
	json_object_set_new(o, "message", json_string(msg));
	json_object_set_new(o, "http_status", json_integer(f->status));
	if (f->request_id[0] != '\0')
		json_object_set_new(o, "request_id", json_string(f->request_id));
	if (f->retries > 0)
		json_object_set_new(o, "retries", json_integer(f->retries));
	return o;
}

static void report_count(struct report *r, const char *result)
{
	static const char *const names[] = {REPORT_REQUESTED, REPORT_SKIPPED, REPORT_FAILED,
					    REPORT_DONE, REPORT_PENDING, REPORT_PLANNED, REPORT_LISTED};
	int *const counters[] = {&r->nrequested, &r->nskipped, &r->nfailed, &r->ndone,
				 &r->npending, &r->nplanned, &r->nlisted};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(result, names[i]) == 0)
			(*counters[i])++;
}

static int report_item(struct report *r, json_t *list, const char *kind, const char *id,
		       const char *name, const char *state_key, const char *state,
		       const char *result, const char *reason, const struct cloud_result *failure)
{
	char id_key[24], name_key[24];
	json_t *item;

	if (list == NULL)
		return -1;
	snprintf(id_key, sizeof(id_key), "%s_id", kind);
	snprintf(name_key, sizeof(name_key), "%s_name", kind);
	item = json_pack("{s:s, s:s, s:s, s:s}", id_key, id, name_key, name ? name : "", state_key,
			 state ? state : "", "result", result);
	if (item == NULL)
		return -1;
	if (reason != NULL)
		json_object_set_new(item, "reason", json_string(reason));
	if (failure != NULL)
		json_object_set_new(item, "error", report_cloud_error(failure));
	if (json_array_append_new(list, item) != 0)
		return -1;
	report_count(r, result);
	return 0;
}

int report_cluster(struct report *r, const char *id, const char *name, const char *phase,
		   const char *result, const char *reason, const struct cloud_result *failure)
{
	return report_item(r, r->clusters, "cluster", id, name, "phase", phase, result, reason, failure);
}

int report_server(struct report *r, const char *id, const char *name, const char *status,
		  const char *result, const char *reason, const struct cloud_result *failure)
{
	if (report_want_servers(r) != 0)
		return -1;
	return report_item(r, r->servers, "server", id, name, "status", status, result, reason, failure);
}

/* "3 requested, 1 skipped" from the non-zero counters; "nothing to do" when all are zero. */
static void report_counts(const struct report *r, char *dst, size_t n)
{
	const struct {
		int v;
		const char *name;
	} c[] = {{r->nrequested, "requested"}, {r->ndone, "done"}, {r->npending, "pending"},
		 {r->nplanned, "planned"}, {r->nlisted, "listed"}, {r->nskipped, "skipped"},
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

static json_t *report_object(const struct report *r)
{
	char msg[sizeof(r->fatal.msg) + 64], counts[160];
	json_t *root, *data;

	report_counts(r, counts, sizeof(counts));
	if (r->fatal.code[0] != '\0')
		snprintf(msg, sizeof(msg), "%s", r->fatal.msg);
	else
		snprintf(msg, sizeof(msg), "%s%s: %s", r->action, r->dry_run ? " (dry run)" : "", counts);
	data = json_pack("{s:O}", "cluster_list", r->clusters ? r->clusters : json_array());
	if (data != NULL && r->servers != NULL) {
		json_object_set(data, "server_list", r->servers);
		json_object_set(data, "job_ids", r->jobs);
	}
	if (data != NULL && r->dry_run)
		json_object_set_new(data, "dry_run", json_true());
	if (data != NULL)
		json_object_set_new(data, "retries", json_integer(r->retries));
	root = json_pack("{s:s, s:s, s:s, s:o}", "status", report_is_error(r) ? "error" : "success",
			 "message", msg, "action", r->action, "data", data);
	if (root != NULL && report_is_error(r)) {
		json_object_set_new(root, "errorType",
				    json_string(r->fatal.code[0] ? r->fatal.code : "ActionFailed"));
		json_object_set_new(root, "errorMessage", json_string(msg));
	}
	return root;
}

/* HTTP status for the APIG envelope. */
static int report_http_status(const struct report *r)
{
	const char *c = r->fatal.code;

	if (c[0] == '\0')
		return r->nfailed > 0 ? 502 : 200;
	if (strcmp(c, "InvalidEvent") == 0 || strcmp(c, "InvalidParameter") == 0 ||
	    strcmp(c, "UnknownAction") == 0)
		return 400;
	return 500;
}

int report_render(const struct report *r, int apig, struct buf *out)
{
	json_t *root = report_object(r), *env = NULL;
	char *text = NULL, *wrapped = NULL;
	int rc = -1;

	buf_clear(out);
	if (root == NULL || (text = json_dumps(root, JSON_COMPACT)) == NULL)
		goto out;
	/* A cloud message may quote what it received; never let a credential out. */
	log_scrub(text);
	if (apig) {
		env = json_pack("{s:i, s:b, s:{s:s}, s:s}", "statusCode", report_http_status(r),
				"isBase64Encoded", 0, "headers", "Content-Type", "application/json",
				"body", text);
		if (env == NULL || (wrapped = json_dumps(env, JSON_COMPACT)) == NULL)
			goto out;
		rc = buf_puts(out, wrapped);
	} else {
		rc = buf_puts(out, text);
	}
out:
	free(wrapped);
	free(text);
	json_decref(env);
	json_decref(root);
	return rc;
}
