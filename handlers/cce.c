/*
 * cce handlers: hibernate and awake, one cluster at a time.
 *
 * Each cluster is read first; one already in (or moving to) the target phase
 * is skipped, so a re-run of the same timer event is a harmless no-op. A
 * failing cluster is reported and the next one is still handled.
 */
#include <stdio.h>
#include <string.h>

#include "../lib/cce.h"
#include "../lib/log.h"
#include "handlers.h"

struct cce_op {
	const char *op;     /* the CCE operation path segment */
	const char *target; /* the phase when done */
	const char *moving; /* the phase on the way there */
};

static const struct cce_op cce_op_hibernate = {"hibernate", "Hibernation", "Hibernating"};
static const struct cce_op cce_op_awake = {"awake", "Available", "Awaking"};

static int cce_one(struct cloud *cloud, const char *id, const struct cce_op *op, int dry_run,
		   struct report *r)
{
	struct cce_cluster cl;
	struct cloud_result res;
	struct err e;
	char reason[96];
	int rc;

	cloud_result_init(&res);
	err_clear(&e);
	if (cce_get_cluster(cloud, id, &cl, &res, &e) != 0) {
		log_error("cluster %s: %s", id, e.msg);
		rc = report_cluster(r, id, "", "", REPORT_FAILED, "could not read the cluster", &res);
		goto out;
	}
	if (strcmp(cl.phase, op->target) == 0 || strcmp(cl.phase, op->moving) == 0) {
		snprintf(reason, sizeof(reason), "already %s", cl.phase);
		log_info("cluster %s (%s): %s, skipped", id, cl.name, reason);
		rc = report_cluster(r, id, cl.name, cl.phase, REPORT_SKIPPED, reason, NULL);
		goto out;
	}
	if (dry_run) {
		rc = report_cluster(r, id, cl.name, cl.phase, REPORT_PLANNED, NULL, NULL);
		goto out;
	}
	if (cce_operation(cloud, id, op->op, &res, &e) != 0) {
		log_error("cluster %s (%s): %s", id, cl.name, e.msg);
		rc = report_cluster(r, id, cl.name, cl.phase, REPORT_FAILED, "the cloud refused the operation", &res);
		goto out;
	}
	log_info("cluster %s (%s): %s requested (was %s)", id, cl.name, op->op, cl.phase);
	rc = report_cluster(r, id, cl.name, cl.phase, REPORT_REQUESTED, NULL, NULL);
out:
	cloud_result_release(&res);
	return rc;
}

static int cce_oom(struct report *r)
{
	struct err e;

	err_set(&e, "OutOfMemory", "out of memory while building the report");
	report_fail(r, &e);
	return -1;
}

static int cce_each(struct cloud *cloud, const struct strlist *clusters, const struct cce_op *op,
		    int dry_run, struct report *r)
{
	size_t i;

	for (i = 0; i < clusters->n; i++)
		if (cce_one(cloud, clusters->v[i], op, dry_run, r) != 0)
			return cce_oom(r);
	return 0;
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
		return cce_each(cloud, &p->cluster_ids, &cce_op_hibernate, p->dry_run, r);
	strlist_init(&ok);
	rc = cce_nodes_act(cloud, p, &p->cluster_ids, &ecs_op_stop, &ok, r);
	if (rc == 0)
		rc = cce_each(cloud, &ok, &cce_op_hibernate, p->dry_run, r);
	strlist_release(&ok);
	return rc;
}

/* awake; with startNodes the nodes' servers are started once the clusters are asked to wake. */
int cce_awake(struct cloud *cloud, const struct params *p, struct report *r)
{
	if (cce_check(cloud, p, r) != 0 ||
	    cce_each(cloud, &p->cluster_ids, &cce_op_awake, p->dry_run, r) != 0)
		return -1;
	if (!p->start_nodes)
		return 0;
	return cce_nodes_act(cloud, p, &p->cluster_ids, &ecs_op_start, NULL, r);
}
