/*
 * cce handlers: hibernate and awake, every cluster at once.
 *
 * Each cluster is read first; one already in (or moving to) the target phase
 * is skipped, so a re-run of the same timer event is a harmless no-op. A
 * failing cluster is reported and the others are still handled. The
 * clusters' calls overlap (each cluster's read before its operation); the
 * answer lists them in the order asked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cce.h"
#include "internal.h"

#define CCE_POLL_MAX_MS 15000L

struct cce_op {
	const char *op;     /* the CCE operation path segment */
	const char *target; /* the phase when done */
	const char *moving; /* the phase on the way there */
};

static const struct cce_op cce_op_hibernate = {"hibernate", "Hibernation", "Hibernating"};
static const struct cce_op cce_op_awake = {"awake", "Available", "Awaking"};

/* 1 when phase is op's target or on the way there: nothing to ask for. */
static int cce_settled(const struct cce_op *op, const char *phase)
{
	return strcmp(phase, op->target) == 0 || strcmp(phase, op->moving) == 0;
}

int handler_cce_settled(int running, const char *phase)
{
	return cce_settled(running ? &cce_op_awake : &cce_op_hibernate, phase);
}

/* One cluster and what became of it, reported once everything is known. */
struct cce_state {
	const char *id;
	char name[128];
	char phase[32]; /* read before acting */
	struct cce_cluster read; /* the latest read, filled by the cloud */
	const struct cce_op *op;
	int dry_run;
	struct handler_outcome out;
};

static void cce_op_done(struct cloud *cloud, void *ud, int rc, struct err *e)
{
	struct cce_state *st = ud;
	char what[160];

	(void)cloud;
	if (rc != 0) {
		snprintf(what, sizeof(what), "cluster %s (%s)", st->id, st->name);
		handler_log_err(LOG_ERROR, what, e);
		handler_outcome_fail(&st->out, "the cloud refused the operation", e);
		return;
	}
	log_info("cluster %s (%s): %s requested (was %s)", st->id, st->name, st->op->op, st->phase);
	st->out.result = REPORT_REQUESTED;
}

/* The cluster's read came back: skip it, plan it, or queue its operation. */
static void cce_read_done(struct cloud *cloud, void *ud, int rc, struct err *e)
{
	struct cce_state *st = ud;
	const struct cce_op *op = st->op;
	char what[160];

	if (rc != 0) {
		snprintf(what, sizeof(what), "cluster %s", st->id);
		handler_log_err(LOG_ERROR, what, e);
		handler_outcome_fail(&st->out, "could not read the cluster", e);
		return;
	}
	snprintf(st->name, sizeof(st->name), "%s", st->read.name);
	snprintf(st->phase, sizeof(st->phase), "%s", st->read.phase);
	if (cce_settled(op, st->phase)) {
		st->out.result = REPORT_SKIPPED;
		snprintf(st->out.reason, sizeof(st->out.reason), "already %s", st->phase);
		log_info("cluster %s (%s): %s, skipped", st->id, st->name, st->out.reason);
	} else if (st->dry_run) {
		st->out.result = REPORT_PLANNED;
	} else {
		cce_operation_add(cloud, st->id, op->op, cce_op_done, st);
	}
}

/* The clusters being waited for. */
struct cce_wait {
	struct cce_state *st;
	size_t n;
};

/* A poll came back: done, failed (left the way there) or still moving. */
static void cce_poll_done(struct cloud *cloud, void *ud, int rc, struct err *e)
{
	struct cce_state *st = ud;
	const struct cce_op *op = st->op;
	char what[160];

	(void)cloud;
	if (rc != 0) {
		snprintf(what, sizeof(what), "cluster %s", st->id);
		handler_log_err(LOG_WARN, what, e);
		return;
	}
	if (strcmp(st->read.phase, op->target) == 0) {
		st->out.result = REPORT_DONE;
	} else if (strcmp(st->read.phase, op->moving) != 0 && strcmp(st->read.phase, st->phase) != 0) {
		st->out.result = REPORT_FAILED;
		snprintf(st->out.reason, sizeof(st->out.reason), "phase %s while waiting for %s", st->read.phase,
			 op->target);
	} else {
		return;
	}
	log_info("cluster %s: %s", st->id, st->read.phase);
}

/* One poll of every requested cluster, all at once; returns how many still move. */
static size_t cce_round(struct cloud *cloud, void *ud)
{
	struct cce_wait *w = ud;
	size_t i, left = 0;

	for (i = 0; i < w->n; i++)
		if (strcmp(w->st[i].out.result, REPORT_REQUESTED) == 0)
			cce_get_cluster_add(cloud, w->st[i].id, &w->st[i].read, cce_poll_done, &w->st[i]);
	cloud_run(cloud);
	for (i = 0; i < w->n; i++)
		left += strcmp(w->st[i].out.result, REPORT_REQUESTED) == 0;
	return left;
}

/*
 * wait=true: polls the requested clusters until they reach the target phase,
 * leave the way there (failed), or the deadline nears (pending).
 */
static void cce_wait(struct cloud *cloud, struct cce_state *st, size_t n, const struct cce_op *op)
{
	struct cce_wait w = {st, n};
	size_t i, left = 0;

	for (i = 0; i < n; i++)
		left += strcmp(st[i].out.result, REPORT_REQUESTED) == 0;
	handler_poll(cloud, CCE_POLL_MAX_MS, left, cce_round, &w);
	for (i = 0; i < n; i++)
		if (strcmp(st[i].out.result, REPORT_REQUESTED) == 0) {
			st[i].out.result = REPORT_PENDING;
			snprintf(st[i].out.reason, sizeof(st[i].out.reason), "not %s yet when the deadline came",
				 op->target);
		}
}

static int cce_each(struct cloud *cloud, const struct strlist *clusters, const struct cce_op *op,
		    const struct params *p, struct report *r)
{
	struct cce_state *st = calloc(clusters->n ? clusters->n : 1, sizeof(*st));
	const struct handler_outcome *o;
	size_t i;
	int rc = 0;

	if (st == NULL)
		return handler_oom(r);
	/* Every cluster is read, then (from the read's callback) operated on; all overlap. */
	for (i = 0; i < clusters->n; i++) {
		st[i].id = clusters->v[i];
		st[i].op = op;
		st[i].dry_run = p->dry_run;
		cce_get_cluster_add(cloud, st[i].id, &st[i].read, cce_read_done, &st[i]);
	}
	cloud_run(cloud);
	if (p->wait && !p->dry_run)
		cce_wait(cloud, st, clusters->n, op);
	for (i = 0; i < clusters->n && rc == 0; i++) {
		o = &st[i].out;
		if (report_cluster(r, st[i].id, st[i].name, st[i].phase, o->result, o->reason[0] ? o->reason : NULL,
				   o->has_fail ? &o->fail : NULL) != 0)
			rc = handler_oom(r);
	}
	free(st);
	return rc;
}

/*
 * The clusters' worker nodes as ECS servers, for stopNodes/startNodes: only
 * the nodes, never the event's tags or the project-wide scope.
 */
static int cce_nodes_act(struct cloud *cloud, const struct params *p, const struct strlist *clusters,
			 const struct handler_ecs_op *op, struct strlist *ok_clusters, struct report *r)
{
	struct strlist ids;
	struct handler_servers sel = {&ids, NULL, 0, NULL};
	int rc;

	if (handler_ready(cloud, CFG_ECS, r) != 0)
		return -1;
	strlist_init(&ids);
	rc = handler_cluster_nodes(cloud, clusters, &ids, ok_clusters, r);
	if (rc == 0)
		rc = handler_servers_act(cloud, op, &sel, p, r);
	strlist_release(&ids);
	return rc;
}

static int cce_check(struct cloud *cloud, const struct params *p, struct report *r)
{
	if (p->cluster_ids->n == 0)
		return handler_fail(r, "InvalidParameter",
				    "no cluster: set clusterId in the event or in the function configuration");
	if (handler_ready(cloud, CFG_CCE, r) != 0)
		return -1;
	if (p->dry_run)
		report_set_dry_run(r);
	return 0;
}

/* hibernate; with stopNodes the nodes' servers are all stopped first (seed order). */
int handler_hibernate(struct cloud *cloud, const struct params *p, struct report *r)
{
	struct strlist ok;
	int rc;

	if (cce_check(cloud, p, r) != 0)
		return -1;
	if (!p->stop_nodes)
		return cce_each(cloud, p->cluster_ids, &cce_op_hibernate, p, r);
	strlist_init(&ok);
	rc = cce_nodes_act(cloud, p, p->cluster_ids, &handler_ecs_stop, &ok, r);
	if (rc == 0)
		rc = cce_each(cloud, &ok, &cce_op_hibernate, p, r);
	strlist_release(&ok);
	return rc;
}

/* awake; with startNodes the nodes' servers are started once the clusters are asked to wake. */
int handler_awake(struct cloud *cloud, const struct params *p, struct report *r)
{
	if (cce_check(cloud, p, r) != 0 || cce_each(cloud, p->cluster_ids, &cce_op_awake, p, r) != 0)
		return -1;
	if (!p->start_nodes)
		return 0;
	return cce_nodes_act(cloud, p, p->cluster_ids, &handler_ecs_start, NULL, r);
}
