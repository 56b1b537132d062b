/* app: process lifetime and the shared dispatch. See app.h. */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../handlers/handlers.h"
#include "../lib/backoff.h"
#include "../lib/cce.h"
#include "../lib/cloud.h"
#include "../lib/event.h"
#include "../lib/log.h"
#include "../lib/params.h"
#include "../lib/report.h"
#include "../lib/runtime.h"

const char *app_getenv(const char *name)
{
	return getenv(name);
}

int app_init(struct app *a, int invoke_mode, volatile sig_atomic_t *stop, struct err *e)
{
	a->cloud = NULL;
	a->stop = stop;
	if (cfg_load(&a->cfg, app_getenv, invoke_mode) != 0)
		return err_set(e, "OutOfMemory", "out of memory reading the configuration");
	log_set_level(a->cfg.log_level);
	log_set_format(a->cfg.log_format);
	/* Configured secrets stay registered (pinned) across invocations. */
	log_secret(a->cfg.ak);
	log_secret(a->cfg.sk);
	log_secret(a->cfg.token);
	log_pin_secrets(1);
	if ((a->cloud = cloud_new(e)) == NULL)
		return -1;
	cloud_set_stop(a->cloud, stop);
	return 0;
}

void app_release(struct app *a)
{
	cloud_free(a->cloud);
	a->cloud = NULL;
	cfg_release(&a->cfg);
	log_pin_secrets(0);
	log_forget_secrets();
}

const char *app_config_state(const struct app *a)
{
	static char state[sizeof(a->cfg.error.msg) + 16];

	if (a->cfg.error.code[0] == '\0')
		return "ok";
	snprintf(state, sizeof(state), "UNUSABLE: %s", a->cfg.error.msg);
	return state;
}

/*
 * Renders r into out; on failure, a fixed error answer. Returns APP_OK,
 * APP_ERROR, or APP_APIG_ERROR for an error inside the APIG envelope: API
 * Gateway relays the envelope's statusCode only from a response, not /error.
 */
static int app_render(const struct report *r, int apig, struct buf *out)
{
	if (report_render(r, apig, out) == 0)
		return !report_is_error(r) ? APP_OK : apig ? APP_APIG_ERROR : APP_ERROR;
	buf_clear(out);
	if (buf_puts(out, "{\"status\":\"error\",\"errorType\":\"OutOfMemory\","
			  "\"errorMessage\":\"out of memory rendering the result\"}") != 0)
		log_error("out of memory rendering the result");
	return APP_ERROR;
}

/* Lends the invocation's context to the cloud client, with the event's call budget. */
static void app_begin_calls(struct app *a, const struct ctx *ctx, const struct params *p)
{
	cloud_begin(a->cloud, ctx, &a->cfg);
	cloud_set_budget(a->cloud, handler_call_budget(p, ctx->timeout_s));
}

/*
 * An untrusted event's server ids beyond serverIds must be nodes of the
 * configured clusters: their node lists are read (nothing else is sent)
 * before the handler runs. 0, or -1 with e set ("Forbidden" or the cloud's).
 */
static int app_check_node_servers(struct app *a, const struct params *p, struct err *e)
{
	const struct strlist *clusters = &a->cfg.cluster_ids;
	struct handler_call *reads;
	struct strlist nodes;
	size_t i, without = 0;
	int rc = -1;

	if (p->node_server_ids.n == 0)
		return 0;
	if ((reads = calloc(clusters->n, sizeof(*reads))) == NULL)
		return err_set(e, "OutOfMemory", "out of memory checking node servers");
	strlist_init(&nodes);
	/* Every configured cluster's list at once; callbacks run one at a time, so they share one set. */
	for (i = 0; i < clusters->n; i++)
		cce_list_node_servers_add(a->cloud, clusters->v[i], &nodes, &without, handler_call_keep, &reads[i]);
	cloud_run(a->cloud);
	for (i = 0; i < clusters->n; i++) {
		if (reads[i].rc != 0) {
			*e = reads[i].e;
			err_prefix(e, "checking the nodes of cluster %s", clusters->v[i]);
			goto out;
		}
	}
	for (i = 0; i < p->node_server_ids.n; i++) {
		if (!strlist_has(&nodes, p->node_server_ids.v[i])) {
			err_set(e, "Forbidden", "API Gateway events may only name configured servers "
				"(serverIds) or nodes of the configured clusters; '%.64s' is neither",
				p->node_server_ids.v[i]);
			goto out;
		}
	}
	rc = 0;
out:
	strlist_release(&nodes);
	free(reads);
	return rc;
}

int app_dispatch(struct app *a, const struct ctx *ctx, const char *body, size_t len,
		 struct buf *out)
{
	const struct handler *h;
	struct event ev;
	struct params p;
	struct report r;
	struct err e, eerr;
	const struct err *fatal;
	char summary[128];
	long long t0 = backoff_now_ms();
	int is_error, parsed, calls = 0;

	event_init(&ev);
	params_init(&p);
	report_init(&r, "");
	err_clear(&e);
	err_clear(&eerr);
	buf_clear(out);

	/* The first problem found wins: configuration, size, event, parameters, action. */
	if (len > a->cfg.max_event_bytes)
		err_set(&eerr, "InvalidEvent", "the event has %zu bytes, more than maxEventBytes (%zu)", len,
			a->cfg.max_event_bytes);
	parsed = eerr.code[0] == '\0' && event_parse(body, len, &ev, &eerr) == 0;
	if (a->cfg.error.code[0] != '\0') {
		report_fail(&r, &a->cfg.error);
	} else if (!parsed) {
		report_fail(&r, &eerr);
	} else if (params_resolve(&ev, &a->cfg, &p, &e) != 0) {
		report_set_action(&r, ev.action);
		report_fail(&r, &e);
	} else if (report_set_action(&r, action_name(p.action)), (h = handler_find(p.action)) == NULL) {
		err_set(&e, "UnknownAction", "no handler for action '%s'", action_name(p.action));
		report_fail(&r, &e);
	} else {
		app_begin_calls(a, ctx, &p);
		if (app_check_node_servers(a, &p, &e) != 0) {
			report_fail(&r, &e);
		} else {
			(void)h->fn(a->cloud, &p, &r); /* a failure to run is in the report */
			report_set_retries(&r, cloud_retries(a->cloud));
		}
		calls = cloud_calls(a->cloud); /* this invocation's: app_begin_calls() reset the count */
	}

	is_error = app_render(&r, ev.kind == EVENT_APIG, out);
	if ((fatal = report_fatal(&r)) != NULL)
		log_error("%s: %s", fatal->code, fatal->msg);
	report_summary(&r, summary, sizeof(summary));
	log_info("%s, %d cloud calls, %lld ms", summary, calls, backoff_now_ms() - t0);
	report_release(&r);
	params_release(&p);
	event_release(&ev);
	return is_error;
}

int app_fail(const struct err *e, struct buf *out)
{
	struct report r;

	log_error("%s: %s", e->code, e->msg);
	report_init(&r, "");
	report_fail(&r, e);
	buf_clear(out);
	(void)app_render(&r, 0, out);
	report_release(&r);
	return APP_ERROR;
}

int app_request_id(const char *given, size_t len, char *id)
{
	static unsigned long seq;

	if (runtime_id_ok(given, len)) {
		memcpy(id, given, len);
		id[len] = '\0';
		return 1;
	}
	snprintf(id, APP_ID_MAX, "local-%lld-%lu", backoff_now_ms(), ++seq);
	return 0;
}

void app_begin(const char *id)
{
	log_set_request(id);
}

void app_end(void)
{
	log_forget_secrets();
	log_set_request(NULL);
}
