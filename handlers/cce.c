/*
 * cce handlers: hibernate and awake, one cluster at a time.
 *
 * Each cluster is read first; one already in (or moving to) the target phase
 * is skipped, so a re-run of the same timer event is a harmless no-op. A
 * failing cluster is reported and the next one is still handled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cce.h"
#include "../lib/log.h"
#include "handlers.h"

#define CCE_POLL_FIRST_MS 500L
#define CCE_POLL_MAX_MS 15000L
#define CCE_POLL_CALL_MS 1000L /* time kept for the poll's own request */

struct cce_op {
	const char *op;     /* the CCE operation path segment */
	const char *target; /* the phase when done */
	const char *moving; /* the phase on the way there */
};

static const struct cce_op cce_op_hibernate = {"hibernate", "Hibernation", "Hibernating"};
static const struct cce_op cce_op_awake = {"awake", "Available", "Awaking"};

/* One cluster and what became of it, reported once everything is known. */
struct cl_state {
	const char *id;
	char name[128];
	char phase[32]; /* read before acting */
	const char *result;
	char reason[96];
	struct cloud_result fail; /* strings only */
	int has_fail;
};

static void cl_fail(struct cl_state *st, const char *reason, const struct cloud_result *res)
{
	st->result = REPORT_FAILED;
	snprintf(st->reason, sizeof(st->reason), "%s", reason);
	st->fail = *res;
	st->fail.json = NULL;
	st->has_fail = 1;
}

static void cce_one(struct cloud *cloud, struct cl_state *st, const struct cce_op *op, int dry_run)
{
	struct cce_cluster cl;
	struct cloud_result res;
	struct err e;

	cloud_result_init(&res);
	err_clear(&e);
	if (cce_get_cluster(cloud, st->id, &cl, &res, &e) != 0) {
		log_error("cluster %s: %s", st->id, e.msg);
		cl_fail(st, "could not read the cluster", &res);
		goto out;
	}
	snprintf(st->name, sizeof(st->name), "%s", cl.name);
	snprintf(st->phase, sizeof(st->phase), "%s", cl.phase);
	if (strcmp(cl.phase, op->target) == 0 || strcmp(cl.phase, op->moving) == 0) {
		st->result = REPORT_SKIPPED;
		snprintf(st->reason, sizeof(st->reason), "already %s", cl.phase);
		log_info("cluster %s (%s): %s, skipped", st->id, cl.name, st->reason);
	} else if (dry_run) {
		st->result = REPORT_PLANNED;
	} else if (cce_operation(cloud, st->id, op->op, &res, &e) != 0) {
		log_error("cluster %s (%s): %s", st->id, cl.name, e.msg);
		cl_fail(st, "the cloud refused the operation", &res);
	} else {
		log_info("cluster %s (%s): %s requested (was %s)", st->id, cl.name, op->op, cl.phase);
		st->result = REPORT_REQUESTED;
	}
out:
	cloud_result_release(&res);
}

/*
 * wait=true: polls the requested clusters until they reach the target phase,
 * leave the way there (failed), or the deadline nears (pending).
 */
static void cce_wait(struct cloud *cloud, struct cl_state *st, size_t n, const struct cce_op *op)
{
	struct cloud_result res;
	struct cce_cluster cl;
	struct err e;
	long delay = CCE_POLL_FIRST_MS;
	size_t i, left = 0;

	cloud_result_init(&res);
	for (i = 0; i < n; i++)
		left += strcmp(st[i].result, REPORT_REQUESTED) == 0;
	while (left > 0 && cloud_time_left_ms(cloud) >= delay + CCE_POLL_CALL_MS) {
		(void)cloud_sleep(cloud, delay);
		for (i = 0; i < n; i++) {
			if (strcmp(st[i].result, REPORT_REQUESTED) != 0)
				continue;
			if (cce_get_cluster(cloud, st[i].id, &cl, &res, &e) != 0) {
				log_warn("cluster %s: %s", st[i].id, e.msg);
				continue;
			}
			if (strcmp(cl.phase, op->target) == 0) {
				st[i].result = REPORT_DONE;
			} else if (strcmp(cl.phase, op->moving) != 0 && strcmp(cl.phase, st[i].phase) != 0) {
				st[i].result = REPORT_FAILED;
				snprintf(st[i].reason, sizeof(st[i].reason), "phase %s while waiting for %s",
					 cl.phase, op->target);
			} else {
				continue;
			}
			log_info("cluster %s: %s", st[i].id, cl.phase);
			left--;
		}
		delay = delay * 2 > CCE_POLL_MAX_MS ? CCE_POLL_MAX_MS : delay * 2;
	}
	for (i = 0; i < n; i++)
		if (strcmp(st[i].result, REPORT_REQUESTED) == 0) {
			st[i].result = REPORT_PENDING;
			snprintf(st[i].reason, sizeof(st[i].reason), "not %s yet when the deadline came",
				 op->target);
		}
	cloud_result_release(&res);
}

static int cce_oom(struct report *r)
{
	struct err e;

	err_set(&e, "OutOfMemory", "out of memory while building the report");
	report_fail(r, &e);
	return -1;
}

static int cce_each(struct cloud *cloud, const struct strlist *clusters, const struct cce_op *op,
		    const struct params *p, struct report *r)
{
	struct cl_state *st = calloc(clusters->n ? clusters->n : 1, sizeof(*st));
	size_t i;
	int rc = 0;

	if (st == NULL)
		return cce_oom(r);
	for (i = 0; i < clusters->n; i++) {
		st[i].id = clusters->v[i];
		cce_one(cloud, &st[i], op, p->dry_run);
	}
	if (p->wait && !p->dry_run)
		cce_wait(cloud, st, clusters->n, op);
	for (i = 0; i < clusters->n && rc == 0; i++)
		if (report_cluster(r, st[i].id, st[i].name, st[i].phase, st[i].result,
				   st[i].reason[0] ? st[i].reason : NULL, st[i].has_fail ? &st[i].fail : NULL) != 0)
			rc = cce_oom(r);
	free(st);
	return rc;
}

/*
 * The cluster's worker nodes as ECS servers, for stopNodes/startNodes: only
 * the nodes, never the event's tags or the project-wide scope.
 */
static int cce_nodes_act(struct cloud *cloud, const struct params *p, const struct strlist *clusters,
			 const struct ecs_op *op, struct strlist *ok_clusters, struct report *r)
{
	struct params q = *p;
	struct strlist ids;
	struct err e;
	int rc;

	if (cloud_ready(cloud, CFG_ECS, &e) != 0) {
		report_fail(r, &e);
		return -1;
	}
	strlist_init(&ids);
	q.tags.n = 0;
	q.all_servers = 0;
	rc = nodes_of_clusters(cloud, clusters, &ids, ok_clusters, r);
	if (rc == 0)
		rc = ecs_act(cloud, op, &ids, &q, r);
	strlist_release(&ids);
	return rc;
}

static int cce_check(struct cloud *cloud, const struct params *p, struct report *r)
{
	struct err e;

	if (p->cluster_ids.n == 0) {
		err_set(&e, "InvalidParameter",
			"no cluster: set clusterId in the event or in the function configuration");
		report_fail(r, &e);
		return -1;
	}
	if (cloud_ready(cloud, CFG_CCE, &e) != 0) {
		report_fail(r, &e);
		return -1;
	}
	if (p->dry_run)
		report_set_dry_run(r);
	return 0;
}

/* hibernate; with stopNodes the nodes' servers are all stopped first (seed order). */
int cce_hibernate(struct cloud *cloud, const struct params *p, struct report *r)
{
	struct strlist ok;
	int rc;

	if (cce_check(cloud, p, r) != 0)
		return -1;
	if (!p->stop_nodes)
		return cce_each(cloud, &p->cluster_ids, &cce_op_hibernate, p, r);
	strlist_init(&ok);
	rc = cce_nodes_act(cloud, p, &p->cluster_ids, &ecs_op_stop, &ok, r);
	if (rc == 0)
		rc = cce_each(cloud, &ok, &cce_op_hibernate, p, r);
	strlist_release(&ok);
	return rc;
}

/* awake; with startNodes the nodes' servers are started once the clusters are asked to wake. */
int cce_awake(struct cloud *cloud, const struct params *p, struct report *r)
{
	if (cce_check(cloud, p, r) != 0 ||
	    cce_each(cloud, &p->cluster_ids, &cce_op_awake, p, r) != 0)
		return -1;
	if (!p->start_nodes)
		return 0;
	return cce_nodes_act(cloud, p, &p->cluster_ids, &ecs_op_start, NULL, r);
}
