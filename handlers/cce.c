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

static int cce_one(struct cloud *cloud, const char *id, const struct cce_op *op, struct report *r)
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

static int cce_run(struct cloud *cloud, const struct params *p, struct report *r, const struct cce_op *op)
{
	struct err e;
	size_t i;

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
	for (i = 0; i < p->cluster_ids.n; i++) {
		if (cce_one(cloud, p->cluster_ids.v[i], op, r) != 0) {
			err_set(&e, "OutOfMemory", "out of memory while building the report");
			report_fail(r, &e);
			return -1;
		}
	}
	return 0;
}

int cce_hibernate(struct cloud *cloud, const struct params *p, struct report *r)
{
	return cce_run(cloud, p, r, &cce_op_hibernate);
}

int cce_awake(struct cloud *cloud, const struct params *p, struct report *r)
{
	return cce_run(cloud, p, r, &cce_op_awake);
}
