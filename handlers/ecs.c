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
#include "internal.h"

#define ECS_POLL_MAX_MS 5000L

/* One selected server and what became of it. */
struct target {
	char id[STRLIST_ID_MAX + 1];
	char name[128];
	char status[24];
	struct handler_outcome out; /* out.result NULL: to be acted on */
	int job;                    /* index into jobs[], -1 when none */
};

struct targets {
	struct target *v;
	size_t n;
};

struct handler_ecs_op {
	const char *name;  /* "start" or "stop" */
	const char *batch; /* "os-start" or "os-stop" */
	const char *from;  /* the status acted on */
	const char *to;    /* the status when done */
	int typed;         /* the batch carries the stop type */
};

const struct handler_ecs_op handler_ecs_start = {"start", "os-start", "SHUTOFF", "ACTIVE", 0};
const struct handler_ecs_op handler_ecs_stop = {"stop", "os-stop", "ACTIVE", "SHUTOFF", 1};

static void targets_release(struct targets *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

int handler_cluster_nodes(struct cloud *cloud, const struct strlist *clusters, struct strlist *ids,
			  struct strlist *ok_clusters, struct report *r)
{
	char what[160];
	struct err e;
	size_t i, building;

	for (i = 0; i < clusters->n; i++) {
		building = 0;
		if (cce_list_node_servers(cloud, clusters->v[i], ids, &building, &e) != 0) {
			snprintf(what, sizeof(what), "cluster %s", clusters->v[i]);
			handler_log_err(LOG_ERROR, what, &e);
			if (report_cluster(r, clusters->v[i], "", "", REPORT_FAILED,
					   "could not list the cluster's nodes", &e) != 0)
				return handler_oom(r);
			continue;
		}
		if (building > 0)
			log_warn("cluster %s: %zu node(s) have no server yet", clusters->v[i], building);
		if (ok_clusters != NULL && strlist_add(ok_clusters, clusters->v[i], strlen(clusters->v[i])) != 0)
			return handler_oom(r);
	}
	return 0;
}

/* Appends a target; out->v has room (sized by select_targets). */
static void add_target(struct targets *out, const char *id, const struct ecs_server *srv)
{
	struct target *t = &out->v[out->n++];

	snprintf(t->id, sizeof(t->id), "%s", id);
	t->job = -1;
	if (srv == NULL) {
		handler_outcome_fail(&t->out, "no such server in the project", NULL);
		return;
	}
	snprintf(t->name, sizeof(t->name), "%s", srv->name);
	snprintf(t->status, sizeof(t->status), "%s", srv->status);
}

/*
 * Builds the target list: sel's ids (in order) looked up in the project's
 * servers, then the servers carrying any of its tags, then (allServers) every
 * server. Returns -1 after report_fail() when listing fails.
 */
static int select_targets(struct cloud *cloud, const struct handler_servers *sel, struct targets *out,
			  struct report *r)
{
	const struct strlist *ids = sel->ids;
	size_t ntags = sel->tags != NULL ? sel->tags->n : 0;
	struct ecs_servers all, tagged;
	const struct ecs_server *s;
	struct err e;
	size_t i, cap;
	int rc = -1;

	ecs_servers_init(&all);
	ecs_servers_init(&tagged);
	if (sel->only != NULL) { /* already listed: these exactly */
		if (sel->only->n > 0 && (out->v = calloc(sel->only->n, sizeof(*out->v))) == NULL)
			return handler_oom(r);
		for (i = 0; i < sel->only->n; i++)
			add_target(out, sel->only->v[i].id, &sel->only->v[i]);
		return 0;
	}
	if ((ids->n > 0 || sel->all_servers) && ecs_list(cloud, NULL, &all, &e) != 0)
		goto failed;
	for (i = 0; i < ntags; i++)
		if (ecs_list(cloud, sel->tags->v[i], &tagged, &e) != 0)
			goto failed;
	cap = ids->n + tagged.n + (sel->all_servers ? all.n : 0);
	if (cap > 0 && (out->v = calloc(cap, sizeof(*out->v))) == NULL) {
		rc = handler_oom(r);
		goto out;
	}
	for (i = 0; i < ids->n; i++)
		add_target(out, ids->v[i], ecs_servers_find(&all, ids->v[i]));
	/* tagged holds no duplicates (ecs_servers_add), so only ids can repeat one. */
	for (i = 0; i < tagged.n; i++)
		if (!strlist_has(ids, tagged.v[i].id))
			add_target(out, tagged.v[i].id, &tagged.v[i]);
	for (i = 0; sel->all_servers && i < all.n; i++) {
		s = &all.v[i];
		if (!strlist_has(ids, s->id) && ecs_servers_find(&tagged, s->id) == NULL)
			add_target(out, s->id, s);
	}
	rc = 0;
	goto out;
failed:
	handler_log_err(LOG_ERROR, "listing servers", &e);
	err_inline_cloud(&e);
	err_prefix(&e, "listing servers");
	report_fail(r, &e);
out:
	ecs_servers_release(&all);
	ecs_servers_release(&tagged);
	return rc;
}

/* Sorts targets into acted on (result NULL), skipped and failed. */
static void classify(struct targets *t, const struct handler_ecs_op *op)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		struct target *x = &t->v[i];

		if (x->out.result != NULL)
			continue;
		if (strcmp(x->status, op->from) == 0)
			continue;
		x->out.result = REPORT_SKIPPED;
		if (strcmp(x->status, op->to) == 0)
			snprintf(x->out.reason, sizeof(x->out.reason), "already %s", x->status);
		else
			snprintf(x->out.reason, sizeof(x->out.reason), "status %s: %s acts only on %s servers",
				 x->status, op->name, op->from);
	}
}

/* Batch state shared by the recursive sender. */
struct batcher {
	struct cloud *cloud;
	struct targets *t;
	const struct handler_ecs_op *op;
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
	char what[64];
	struct err e;
	size_t k;

	if (n == 0)
		return;
	for (k = 0; k < n; k++)
		ids[k] = b->t->v[idx[k]].id;
	if (ecs_batch(b->cloud, b->op->batch, b->op->typed ? b->type : NULL, ids, n, b->jobs[b->njobs],
		      sizeof(b->jobs[0]), &e) != 0) {
		if (n > 1 && e.status >= 400 && e.status < 500 && e.status != 401 && e.status != 403 &&
		    e.status != 429 && cloud_time_left_ms(b->cloud) > 0) {
			log_warn("%s batch of %zu server(s) refused (%s); splitting it to isolate the cause",
				 b->op->name, n, e.cloud_code[0] ? e.cloud_code : e.code);
			send_batch(b, idx, n / 2);
			send_batch(b, idx + n / 2, n - n / 2);
			return;
		}
		snprintf(what, sizeof(what), "%s batch of %zu server(s)", b->op->name, n);
		handler_log_err(LOG_ERROR, what, &e);
		for (k = 0; k < n; k++)
			handler_outcome_fail(&b->t->v[idx[k]].out,
					     e.status / 100 == 2 ? "the batch was sent, but its answer cannot be followed"
					     : n > 1 ? "the cloud refused the batch" : "the cloud refused this server", &e);
		return;
	}
	log_info("%s requested for %zu server(s): job %s", b->op->name, n, b->jobs[b->njobs]);
	if (report_job(b->r, b->jobs[b->njobs]) != 0)
		(void)handler_oom(b->r);
	for (k = 0; k < n; k++) {
		b->t->v[idx[k]].out.result = REPORT_REQUESTED;
		b->t->v[idx[k]].job = (int)b->njobs;
	}
	b->njobs++;
}

/* Sends the batches of at most ECS_BATCH_MAX; returns the number of jobs in jobs[]. */
static size_t send_batches(struct cloud *cloud, struct targets *t, const struct handler_ecs_op *op,
			   const char *type, char (*jobs)[64], struct report *r)
{
	struct batcher b = {cloud, t, op, type, jobs, 0, r};
	size_t idx[ECS_BATCH_MAX];
	size_t i = 0, n;

	while (i < t->n) {
		for (n = 0; i < t->n && n < ECS_BATCH_MAX; i++)
			if (t->v[i].out.result == NULL)
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

		if (x->job != job || x->out.result == NULL || strcmp(x->out.result, REPORT_REQUESTED) != 0)
			continue;
		for (k = 0; k < j->nsub && sj == NULL; k++)
			if (strcmp(j->sub[k].server_id, x->id) == 0)
				sj = &j->sub[k];
		if (sj != NULL && strcmp(sj->status, "SUCCESS") == 0) {
			x->out.result = REPORT_DONE;
		} else if (sj != NULL && strcmp(sj->status, "FAIL") == 0) {
			x->out.result = REPORT_FAILED;
			snprintf(x->out.reason, sizeof(x->out.reason), "job failed for this server%s%s",
				 sj->error[0] ? ": " : "", sj->error);
		} else if (ecs_job_done(j->status)) {
			/* No sub-job for it: the job's own status decides. */
			if (strcmp(j->status, "SUCCESS") == 0) {
				x->out.result = REPORT_DONE;
			} else {
				x->out.result = REPORT_FAILED;
				snprintf(x->out.reason, sizeof(x->out.reason), "job failed%s%s",
					 j->error[0] ? ": " : "", j->error);
			}
		}
	}
}

/* The jobs being waited for. */
struct job_wait {
	struct targets *t;
	char (*jobs)[64];
	char *done; /* one flag per job */
	size_t njobs;
	struct ecs_job j;
};

/* One poll of every unfinished job; returns how many are still running. */
static size_t job_round(struct cloud *cloud, void *ud)
{
	struct job_wait *w = ud;
	char what[96];
	struct err e;
	size_t i, left = 0;

	for (i = 0; i < w->njobs; i++) {
		if (w->done[i])
			continue;
		if (ecs_job_get(cloud, w->jobs[i], &w->j, &e) != 0) {
			snprintf(what, sizeof(what), "job %s", w->jobs[i]);
			handler_log_err(LOG_WARN, what, &e);
			left++;
			continue;
		}
		apply_job(w->t, (int)i, &w->j);
		if (!ecs_job_done(w->j.status)) {
			left++;
			continue;
		}
		w->done[i] = 1;
		log_info("job %s: %s", w->jobs[i], w->j.status);
	}
	return left;
}

/* Polls the jobs until all finish or the deadline nears; the rest stay pending. */
static void wait_jobs(struct cloud *cloud, struct targets *t, char (*jobs)[64], size_t njobs)
{
	struct job_wait w;
	size_t i;

	w.t = t;
	w.jobs = jobs;
	w.done = calloc(njobs ? njobs : 1, 1);
	w.njobs = njobs;
	ecs_job_init(&w.j);
	if (w.done != NULL)
		handler_poll(cloud, ECS_POLL_MAX_MS, njobs, job_round, &w);
	for (i = 0; i < t->n; i++) {
		struct handler_outcome *o = &t->v[i].out;

		if (o->result != NULL && strcmp(o->result, REPORT_REQUESTED) == 0) {
			o->result = REPORT_PENDING;
			snprintf(o->reason, sizeof(o->reason), "the job had not finished when the deadline came");
		}
	}
	ecs_job_release(&w.j);
	free(w.done);
}

static int report_targets(const struct targets *t, struct report *r)
{
	size_t i;

	for (i = 0; i < t->n; i++) {
		const struct target *x = &t->v[i];

		if (report_server(r, x->id, x->name, x->status, x->out.result ? x->out.result : REPORT_LISTED,
				  x->out.reason[0] ? x->out.reason : NULL, x->out.has_fail ? &x->out.fail : NULL) != 0)
			return handler_oom(r);
	}
	return 0;
}

int handler_servers_act(struct cloud *cloud, const struct handler_ecs_op *op,
			const struct handler_servers *sel, const struct params *p, struct report *r)
{
	struct targets t = {NULL, 0};
	char (*jobs)[64] = NULL;
	size_t i, njobs;
	int rc = -1;

	if (report_want_servers(r) != 0 || select_targets(cloud, sel, &t, r) != 0)
		goto out;
	classify(&t, op);
	if (p->dry_run) {
		report_set_dry_run(r);
		for (i = 0; i < t.n; i++)
			if (t.v[i].out.result == NULL)
				t.v[i].out.result = REPORT_PLANNED;
	} else {
		/* Every job covers at least one server, however batches are split. */
		if ((jobs = calloc(t.n + 1, sizeof(*jobs))) == NULL) {
			rc = handler_oom(r);
			goto out;
		}
		njobs = send_batches(cloud, &t, op, cfg_stop_name(p->type), jobs, r);
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
	if (p->cluster_ids.n == 0 && p->server_ids.n == 0 && p->tags.n == 0 && !p->all_servers)
		return handler_fail(r, "InvalidParameter",
				    "no servers selected, nothing touched: set clusterId, serverIds or tags "
				    "(or allServers=true in the function configuration to act on the whole project)");
	if ((p->cluster_ids.n > 0 && handler_ready(cloud, CFG_CCE, r) != 0) ||
	    handler_ready(cloud, CFG_ECS, r) != 0)
		return -1;
	if (handler_cluster_nodes(cloud, &p->cluster_ids, ids, ok_clusters, r) != 0)
		return -1;
	if (strlist_add_all(ids, &p->server_ids) != 0)
		return handler_oom(r);
	return 0;
}

static int ecs_run(struct cloud *cloud, const struct params *p, struct report *r,
		   const struct handler_ecs_op *op)
{
	struct strlist ids;
	struct handler_servers sel = {&ids, &p->tags, p->all_servers, NULL};
	int rc;

	strlist_init(&ids);
	rc = ecs_selection(cloud, p, &ids, NULL, r);
	if (rc == 0)
		rc = handler_servers_act(cloud, op, &sel, p, r);
	strlist_release(&ids);
	return rc;
}

int handler_start(struct cloud *cloud, const struct params *p, struct report *r)
{
	return ecs_run(cloud, p, r, &handler_ecs_start);
}

int handler_stop(struct cloud *cloud, const struct params *p, struct report *r)
{
	return ecs_run(cloud, p, r, &handler_ecs_stop);
}

int handler_status(struct cloud *cloud, const struct params *p, struct report *r)
{
	struct cce_cluster cl;
	struct strlist ids, ok;
	struct handler_servers sel = {&ids, &p->tags, p->all_servers, NULL};
	struct targets t = {NULL, 0};
	struct err e;
	size_t i;
	int rc = -1;

	strlist_init(&ids);
	strlist_init(&ok);
	if (ecs_selection(cloud, p, &ids, &ok, r) != 0 || report_want_servers(r) != 0)
		goto out;
	/* Clusters whose nodes could not be listed are already reported failed. */
	for (i = 0; i < ok.n; i++) {
		if (cce_get_cluster(cloud, ok.v[i], &cl, &e) != 0) {
			if (report_cluster(r, ok.v[i], "", "", REPORT_FAILED, "could not read the cluster", &e) != 0)
				goto out;
		} else if (report_cluster(r, ok.v[i], cl.name, cl.phase, REPORT_LISTED, NULL, NULL) != 0) {
			goto out;
		}
	}
	if (select_targets(cloud, &sel, &t, r) != 0)
		goto out;
	rc = report_targets(&t, r);
out:
	targets_release(&t);
	strlist_release(&ids);
	strlist_release(&ok);
	return rc;
}
