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
	r->clusters = NULL;
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

int report_cluster(struct report *r, const char *id, const char *name, const char *phase,
		   const char *result, const char *reason, const struct cloud_result *failure)
{
	json_t *item;

	if (r->clusters == NULL)
		return -1;
	item = json_pack("{s:s, s:s, s:s, s:s}", "cluster_id", id, "cluster_name", name ? name : "",
			 "phase", phase ? phase : "", "result", result);
	if (item == NULL)
		return -1;
	if (reason != NULL)
		json_object_set_new(item, "reason", json_string(reason));
	if (failure != NULL)
		json_object_set_new(item, "error", report_cloud_error(failure));
	if (json_array_append_new(r->clusters, item) != 0)
		return -1;
	if (strcmp(result, REPORT_REQUESTED) == 0)
		r->nrequested++;
	else if (strcmp(result, REPORT_SKIPPED) == 0)
		r->nskipped++;
	else if (strcmp(result, REPORT_FAILED) == 0)
		r->nfailed++;
	return 0;
}

static json_t *report_object(const struct report *r)
{
	char msg[sizeof(r->fatal.msg) + 64];
	json_t *root, *data;

	if (r->fatal.code[0] != '\0')
		snprintf(msg, sizeof(msg), "%s", r->fatal.msg);
	else if (r->nfailed > 0)
		snprintf(msg, sizeof(msg), "%s failed for %d of %zu cluster(s)", r->action, r->nfailed,
			 json_array_size(r->clusters));
	else
		snprintf(msg, sizeof(msg), "%s: %d cluster(s) requested, %d skipped", r->action,
			 r->nrequested, r->nskipped);
	data = json_pack("{s:O}", "cluster_list", r->clusters ? r->clusters : json_array());
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
