/*
 * ecs handlers: start, stop and status of ECS servers.
 *
 * Servers are selected by clusterId (the servers behind the cluster's CCE
 * nodes), serverIds and tags, as a union listed once each; only
 * allServers=true in the configuration selects the whole project. stop acts
 * on ACTIVE servers only and start on SHUTOFF ones, in batches of at most
 * 1000; every other server is reported with the reason it was left alone, so
 * re-running a timer event changes nothing. With wait=true the batch jobs
 * are polled until they finish or the deadline nears.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cce.h"
#include "../lib/ecs.h"
#include "../lib/log.h"
#include "handlers.h"

#define ECS_POLL_FIRST_MS 500L
#define ECS_POLL_MAX_MS 5000L

/* One selected server and what became of it. */
struct target {
	char id[64];
	char name[128];
	char status[24];
	const char *result;
	char reason[200];
	struct cloud_result fail; /* strings only (json NULL) when failed by the cloud */
	int has_fail;
	int job; /* index into jobs[], -1 when none */
};

struct targets {
	struct target *v;
	size_t n;
};

struct ecs_op {
	const char *name;   /* "start" or "stop" */
	const char *batch;  /* "os-start" or "os-stop" */
	const char *from;   /* the status acted on */
	const char *to;     /* the status when done */
};

const struct ecs_op ecs_op_start = {"start", "os-start", "SHUTOFF", "ACTIVE"};
const struct ecs_op ecs_op_stop = {"stop", "os-stop", "ACTIVE", "SHUTOFF"};

static void targets_release(struct targets *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

static void target_fail(struct target *t, const char *reason, const struct cloud_result *res)
{
	t->result = REPORT_FAILED;
	snprintf(t->reason, sizeof(t->reason), "%s", reason);
	if (res != NULL) {
		t->fail = *res;
		t->fail.json = NULL;
		t->has_fail = 1;
	}
}

static int oom(struct report *r)
{
	struct err e;

	err_set(&e, "OutOfMemory", "out of memory");
	report_fail(r, &e);
	return -1;
}

/*
 * Adds the ECS server ids behind each cluster's nodes to ids. A cluster whose
 * nodes cannot be listed is reported failed (and left out of *ok_clusters).
 */
int nodes_of_clusters(struct cloud *cloud, const struct strlist *clusters, struct strlist *ids,
		      struct strlist *ok_clusters, struct report *r)
{
	struct cloud_result res;
	struct err e;
	size_t i, building;

	cloud_result_init(&res);
	for (i = 0; i < clusters->n; i++) {
		building = 0;
		if (cce_list_node_servers(cloud, clusters->v[i], ids, &building, &res, &e) != 0) {
			log_error("cluster %s: %s", clusters->v[i], e.msg);
			if (report_cluster(r, clusters->v[i], "", "", REPORT_FAILED,
					   "could not list the cluster's nodes", &res) != 0)
				goto fail;
			continue;
		}
		if (building > 0)
			log_warn("cluster %s: %zu node(s) have no server yet", clusters->v[i], building);
		if (ok_clusters != NULL &&
		    strlist_add(ok_clusters, clusters->v[i], strlen(clusters->v[i])) != 0)
			goto fail;
	}
	cloud_result_release(&res);
	return 0;
fail:
	cloud_result_release(&res);
	return oom(r);
}

/* Appends a target; out->v has room (sized by select_targets). */
static void add_target(struct targets *out, const char *id, const struct ecs_server *srv)
{
	struct target *t = &out->v[out->n++];

	snprintf(t->id, sizeof(t->id), "%s", id);
	t->job = -1;
	if (srv == NULL) {
		target_fail(t, "no such server in the project", NULL);
		return;
	}
	snprintf(t->name, sizeof(t->name), "%s", srv->name);
	snprintf(t->status, sizeof(t->status), "%s", srv->status);
}

/*
 * Builds the target list: ids (in order) looked up in the project's servers,
 * then the servers carrying any of tags, then (allServers) every server.
 * Returns -1 after report_fail() when listing fails.
 */
static int select_targets(struct cloud *cloud, const struct strlist *ids, const struct params *p,
			  struct targets *out, struct report *r)
{
	struct ecs_servers all, tagged;
	struct cloud_result res;
	const struct ecs_server *s;
	struct err e;
	size_t i, cap;
	int rc = -1;

	ecs_servers_init(&all);
	ecs_servers_init(&tagged);
	cloud_result_init(&res);
	if ((ids->n > 0 || p->all_servers) && ecs_list(cloud, NULL, &all, &res, &e) != 0)
		goto failed;
	for (i = 0; i < p->tags.n; i++)
		if (ecs_list(cloud, p->tags.v[i], &tagged, &res, &e) != 0)
			goto failed;
	cap = ids->n + tagged.n + (p->all_servers ? all.n : 0);
	if (cap > 0 && (out->v = calloc(cap, sizeof(*out->v))) == NULL) {
		rc = oom(r);
		goto out;
	}
	for (i = 0; i < ids->n; i++)
		add_target(out, ids->v[i], ecs_servers_find(&all, ids->v[i]));
	/* tagged holds no duplicates (ecs_servers_add), so only ids can repeat one. */
	for (i = 0; i < tagged.n; i++)
		if (!strlist_has(ids, tagged.v[i].id))
			add_target(out, tagged.v[i].id, &tagged.v[i]);
	for (i = 0; p->all_servers && i < all.n; i++) {
		s = &all.v[i];
		if (!strlist_has(ids, s->id) && ecs_servers_find(&tagged, s->id) == NULL)
			add_target(out, s->id, s);
	}
	rc = 0;
	goto out;
failed:
	log_error("%s", e.msg);
	err_prefix(&e, "listing servers");
	report_fail(r, &e);
out:
	cloud_result_release(&res);
	ecs_servers_release(&all);
	ecs_servers_release(&tagged);
	return rc;
}

/* Sorts targets into acted on (result NULL), skipped and failed. */
static void classify(struct targets *t, const struct ecs_op *op)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		struct target *x = &t->v[i];

		if (x->result != NULL)
			continue;
		if (strcmp(x->status, op->from) == 0)
			continue;
		x->result = REPORT_SKIPPED;
		if (strcmp(x->status, op->to) == 0)
			snprintf(x->reason, sizeof(x->reason), "already %s", x->status);
		else
			snprintf(x->reason, sizeof(x->reason), "status %s: %s acts only on %s servers",
				 x->status, op->name, op->from);
	}
}

/* Batch state shared by the recursive sender. */
struct batcher {
	struct cloud *cloud;
	struct targets *t;
	const struct ecs_op *op;
	const char *type;
	char (*jobs)[64];
	size_t njobs; /* jobs[] has room for one per server: a job covers at least one */
	struct report *r;
};

/*
 * Sends one batch of targets idx[0..n). A batch the cloud rejects as a whole
 * with a 4xx (one unknown or locked server spoils it) is split in halves
 * until the bad servers are isolated and the rest proceed; a 5xx or a
 * transport failure, already retried, fails the batch as it is.
 */
static void send_batch(struct batcher *b, const size_t *idx, size_t n)
{
	const char *ids[ECS_BATCH_MAX];
	struct cloud_result res;
	struct err e;
	size_t k;

	if (n == 0)
		return;
	for (k = 0; k < n; k++)
		ids[k] = b->t->v[idx[k]].id;
	cloud_result_init(&res);
	if (ecs_batch(b->cloud, b->op->batch, strcmp(b->op->name, "stop") == 0 ? b->type : NULL, ids,
		      n, b->jobs[b->njobs], sizeof(b->jobs[0]), &res, &e) != 0) {
		if (n > 1 && res.status >= 400 && res.status < 500 && res.status != 401 &&
		    res.status != 403 && res.status != 429 && cloud_time_left_ms(b->cloud) > 0) {
			log_warn("%s batch of %zu server(s) refused (%s); splitting it to isolate the cause",
				 b->op->name, n, res.code);
			cloud_result_release(&res);
			send_batch(b, idx, n / 2);
			send_batch(b, idx + n / 2, n - n / 2);
			return;
		}
		log_error("%s batch of %zu server(s): %s", b->op->name, n, e.msg);
		for (k = 0; k < n; k++)
			target_fail(&b->t->v[idx[k]], n > 1 ? "the cloud refused the batch"
							    : "the cloud refused this server", &res);
		goto out;
	}
	log_info("%s requested for %zu server(s): job %s", b->op->name, n, b->jobs[b->njobs]);
	if (report_job(b->r, b->jobs[b->njobs]) != 0)
		(void)oom(b->r);
	for (k = 0; k < n; k++) {
		b->t->v[idx[k]].result = REPORT_REQUESTED;
		b->t->v[idx[k]].job = (int)b->njobs;
	}
	b->njobs++;
out:
	cloud_result_release(&res);
}

/* Sends the batches of at most ECS_BATCH_MAX; returns the number of jobs in jobs[]. */
static size_t send_batches(struct cloud *cloud, struct targets *t, const struct ecs_op *op,
			   const char *type, char (*jobs)[64], struct report *r)
{
	struct batcher b = {cloud, t, op, type, jobs, 0, r};
	size_t idx[ECS_BATCH_MAX];
	size_t i = 0, n;

	while (i < t->n) {
		for (n = 0; i < t->n && n < ECS_BATCH_MAX; i++)
			if (t->v[i].result == NULL)
				idx[n++] = i;
		send_batch(&b, idx, n);
	}
	return b.njobs;
}

/* Applies a finished (or last-seen) job to its servers. */
static void apply_job(struct targets *t, int job, const struct ecs_job *j)
{
	size_t i, k;

	for (i = 0; i < t->n; i++) {
		struct target *x = &t->v[i];
		const struct ecs_subjob *sj = NULL;

		if (x->job != job || (x->result == NULL || strcmp(x->result, REPORT_REQUESTED) != 0))
			continue;
		for (k = 0; k < j->nsub && sj == NULL; k++)
			if (strcmp(j->sub[k].server_id, x->id) == 0)
				sj = &j->sub[k];
		if (sj != NULL && strcmp(sj->status, "SUCCESS") == 0) {
			x->result = REPORT_DONE;
		} else if (sj != NULL && strcmp(sj->status, "FAIL") == 0) {
			x->result = REPORT_FAILED;
			snprintf(x->reason, sizeof(x->reason), "job failed for this server%s%s",
				 sj->error[0] ? ": " : "", sj->error);
		} else if (ecs_job_done(j->status)) {
			/* No sub-job for it: the job's own status decides. */
			if (strcmp(j->status, "SUCCESS") == 0) {
				x->result = REPORT_DONE;
			} else {
				x->result = REPORT_FAILED;
				snprintf(x->reason, sizeof(x->reason), "job failed%s%s",
					 j->error[0] ? ": " : "", j->error);
			}
		}
	}
}

/* Polls the jobs until all finish or the deadline nears; the rest stay pending. */
static void wait_jobs(struct cloud *cloud, struct targets *t, char (*jobs)[64], size_t njobs)
{
	struct cloud_result res;
	struct ecs_job j;
	struct err e;
	char *done = calloc(njobs ? njobs : 1, 1);
	long delay = ECS_POLL_FIRST_MS;
	size_t i, left = njobs;

	cloud_result_init(&res);
	ecs_job_init(&j);
	while (done != NULL && left > 0) {
		if (cloud_time_left_ms(cloud) < delay + 1000)
			break;
		(void)cloud_sleep(cloud, delay);
		for (i = 0; i < njobs; i++) {
			if (done[i])
				continue;
			if (ecs_job_get(cloud, jobs[i], &j, &res, &e) != 0) {
				log_warn("job %s: %s", jobs[i], e.msg);
				continue;
			}
			apply_job(t, (int)i, &j);
			if (ecs_job_done(j.status)) {
				done[i] = 1;
				left--;
				log_info("job %s: %s", jobs[i], j.status);
			}
		}
		delay = delay * 2 > ECS_POLL_MAX_MS ? ECS_POLL_MAX_MS : delay * 2;
	}
	for (i = 0; i < t->n; i++)
		if (t->v[i].result != NULL && strcmp(t->v[i].result, REPORT_REQUESTED) == 0) {
			t->v[i].result = REPORT_PENDING;
			snprintf(t->v[i].reason, sizeof(t->v[i].reason),
				 "the job had not finished when the deadline came");
		}
	ecs_job_release(&j);
	cloud_result_release(&res);
	free(done);
}

static int report_targets(const struct targets *t, struct report *r)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct target *x = &t->v[i];

		if (report_server(r, x->id, x->name, x->status, x->result ? x->result : REPORT_LISTED,
				  x->reason[0] ? x->reason : NULL, x->has_fail ? &x->fail : NULL) != 0)
			return oom(r);
	}
	return 0;
}

int ecs_act(struct cloud *cloud, const struct ecs_op *op, const struct strlist *ids,
	    const struct params *p, struct report *r)
{
	struct targets t = {NULL, 0};
	char (*jobs)[64] = NULL;
	size_t i, njobs;
	int rc = -1;

	if (report_want_servers(r) != 0 || select_targets(cloud, ids, p, &t, r) != 0)
		goto out;
	classify(&t, op);
	if (p->dry_run) {
		report_set_dry_run(r);
		for (i = 0; i < t.n; i++)
			if (t.v[i].result == NULL)
				t.v[i].result = REPORT_PLANNED;
	} else {
		/* Every job covers at least one server, however batches are split. */
		if ((jobs = calloc(t.n + 1, sizeof(*jobs))) == NULL) {
			rc = oom(r);
			goto out;
		}
		njobs = send_batches(cloud, &t, op, p->type, jobs, r);
		if (p->wait && njobs > 0)
			wait_jobs(cloud, &t, jobs, njobs);
	}
	rc = report_targets(&t, r);
out:
	free(jobs);
	targets_release(&t);
	return rc;
}

/* The servers an ECS action works on, clusters' nodes included; -1 after report_fail(). */
static int ecs_selection(struct cloud *cloud, const struct params *p, struct strlist *ids,
			 struct strlist *ok_clusters, struct report *r)
{
	struct err e;
	size_t i;

	if (p->cluster_ids.n == 0 && p->server_ids.n == 0 && p->tags.n == 0 && !p->all_servers) {
		err_set(&e, "InvalidParameter",
			"no servers selected, nothing touched: set clusterId, serverIds or tags "
			"(or allServers=true in the function configuration to act on the whole project)");
		report_fail(r, &e);
		return -1;
	}
	if ((p->cluster_ids.n > 0 && cloud_ready(cloud, CFG_CCE, &e) != 0) ||
	    cloud_ready(cloud, CFG_ECS, &e) != 0) {
		report_fail(r, &e);
		return -1;
	}
	if (nodes_of_clusters(cloud, &p->cluster_ids, ids, ok_clusters, r) != 0)
		return -1;
	for (i = 0; i < p->server_ids.n; i++)
		if (strlist_add(ids, p->server_ids.v[i], strlen(p->server_ids.v[i])) != 0)
			return oom(r);
	return 0;
}

static int ecs_run(struct cloud *cloud, const struct params *p, struct report *r,
		   const struct ecs_op *op)
{
	struct strlist ids;
	int rc;

	strlist_init(&ids);
	rc = ecs_selection(cloud, p, &ids, NULL, r);
	if (rc == 0)
		rc = ecs_act(cloud, op, &ids, p, r);
	strlist_release(&ids);
	return rc;
}

int ecs_start(struct cloud *cloud, const struct params *p, struct report *r)
{
	return ecs_run(cloud, p, r, &ecs_op_start);
}

int ecs_stop(struct cloud *cloud, const struct params *p, struct report *r)
{
	return ecs_run(cloud, p, r, &ecs_op_stop);
}

int ecs_status(struct cloud *cloud, const struct params *p, struct report *r)
{
	struct cloud_result res;
	struct cce_cluster cl;
	struct strlist ids, ok;
	struct targets t = {NULL, 0};
	struct err e;
	size_t i;
	int rc = -1;

	strlist_init(&ids);
	strlist_init(&ok);
	cloud_result_init(&res);
	if (ecs_selection(cloud, p, &ids, &ok, r) != 0 || report_want_servers(r) != 0)
		goto out;
	/* Clusters whose nodes could not be listed are already reported failed. */
	for (i = 0; i < ok.n; i++) {
		if (cce_get_cluster(cloud, ok.v[i], &cl, &res, &e) != 0) {
			if (report_cluster(r, ok.v[i], "", "", REPORT_FAILED, "could not read the cluster",
					   &res) != 0)
				goto out;
		} else if (report_cluster(r, ok.v[i], cl.name, cl.phase, REPORT_LISTED, NULL, NULL) != 0) {
			goto out;
		}
	}
	if (select_targets(cloud, &ids, p, &t, r) != 0)
		goto out;
	rc = report_targets(&t, r);
out:
	targets_release(&t);
	cloud_result_release(&res);
	strlist_release(&ids);
	strlist_release(&ok);
	return rc;
}
