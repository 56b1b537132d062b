/* handlers: the action table and what the handlers share. See handlers.h and internal.h. */
#include "handlers.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define HANDLER_POLL_FIRST_MS 500L
#define HANDLER_POLL_CALL_MS 1000L /* time kept for the round's own requests */

/*
 * The call budget (handler_call_budget): 100 + 10 per target (cluster id,
 * server id, tag; allServers counts as 100 targets), + 2 per second of
 * RUNTIME_TIMEOUT with wait=true. One cluster or server needs a handful of
 * calls (read, act, list its nodes, a list sweep of a few pages, a batch);
 * the base covers the list pages and batch splits of a large project, and
 * the wait share one target's polls (every 0.5 s doubling to 5-15 s).
 */
#define HANDLER_BUDGET_BASE 100LL
#define HANDLER_BUDGET_PER_TARGET 10LL
#define HANDLER_BUDGET_ALL_SERVERS 100LL
#define HANDLER_BUDGET_WAIT_PER_S 2LL

const struct handler handler_table[] = {
	{ACTION_HIBERNATE, handler_hibernate,
	 "hibernate the CCE clusters in clusterId (stopNodes: stop their nodes first)"},
	{ACTION_AWAKE, handler_awake, "wake up the CCE clusters in clusterId (startNodes: then start their nodes)"},
	{ACTION_STOP, handler_stop, "stop the ACTIVE servers selected by clusterId, serverIds, tags"},
	{ACTION_START, handler_start, "start the SHUTOFF servers selected by clusterId, serverIds, tags"},
	{ACTION_STATUS, handler_status, "report the selected clusters' phases and servers' states"},
	{ACTION_SCHEDULE, handler_schedule,
	 "keep the servers tagged scheduleTag and the clusterSchedules on their schedules"},
	{ACTION_NONE, NULL, NULL},
};

const struct handler *handler_find(enum action action)
{
	const struct handler *h;

	for (h = handler_table; h->action != ACTION_NONE; h++)
		if (h->action == action)
			return h;
	return NULL;
}

void handler_outcome_fail(struct handler_outcome *o, const char *reason, const struct err *e)
{
	o->result = REPORT_FAILED;
	snprintf(o->reason, sizeof(o->reason), "%s", reason);
	if (e != NULL) {
		o->fail = *e;
		o->has_fail = 1;
	}
}

int handler_fail(struct report *r, const char *code, const char *fmt, ...)
{
	struct err e;
	va_list ap;

	err_clear(&e);
	snprintf(e.code, sizeof(e.code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	report_fail(r, &e);
	return -1;
}

int handler_oom(struct report *r)
{
	return handler_fail(r, "OutOfMemory", "out of memory");
}

int handler_ready(struct cloud *cloud, enum cfg_service svc, struct report *r)
{
	struct err e;

	err_clear(&e);
	if (cloud_ready(cloud, svc, &e) == 0)
		return 0;
	report_fail(r, &e);
	return -1;
}

void handler_log_err(enum log_level lvl, const char *what, const struct err *e)
{
	struct err line = *e;

	err_inline_cloud(&line);
	log_msg(lvl, "%s: %s", what, line.msg);
}

int handler_call_budget(const struct params *p, long timeout_s)
{
	long long targets = (long long)p->cluster_ids->n + (long long)p->server_ids->n +
			    (long long)p->tags->n + (p->all_servers ? HANDLER_BUDGET_ALL_SERVERS : 0) +
			    (p->action == ACTION_SCHEDULE && p->sched != NULL ? (long long)p->sched->nclusters : 0);
	long long n = HANDLER_BUDGET_BASE + HANDLER_BUDGET_PER_TARGET * targets;

	if (p->wait)
		n += HANDLER_BUDGET_WAIT_PER_S * (long long)timeout_s;
	return n > INT_MAX ? INT_MAX : (int)n;
}

void handler_poll(struct cloud *cloud, long max_ms, size_t left, handler_round_fn *round, void *ud)
{
	long delay = HANDLER_POLL_FIRST_MS;

	while (left > 0 && cloud_time_left_ms(cloud) >= delay + HANDLER_POLL_CALL_MS) {
		if (cloud_budget_left(cloud) == 0) {
			log_warn("the invocation's cloud call budget is spent: polling stops");
			break;
		}
		(void)cloud_sleep(cloud, delay);
		left = round(cloud, ud);
		delay = delay * 2 > max_ms ? max_ms : delay * 2;
	}
}

void handler_call_keep(struct cloud *cloud, void *ud, int rc, struct err *e)
{
	struct handler_call *k = ud;

	(void)cloud;
	if ((k->rc = rc) != 0)
		k->e = *e;
}
