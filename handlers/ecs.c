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

#define ECS_POLL_MAX_MS 1000L /* a finished job costs at most a second of billed time; <= 10 jobs a second */

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

/* One cluster's node list. */
struct cluster_nodes {
	struct strlist ids;
	size_t building;
	struct handler_call call;
};

int handler_cluster_nodes(struct cloud *cloud, const struct strlist *clusters, struct strlist *ids,
			  struct strlist *ok_clusters, struct report *r)
{
	struct cluster_nodes *nl;
	char what[160];
	size_t i;
	int rc = 0;

	if (clusters->n == 0)
		return 0;
	if ((nl = calloc(clusters->n, sizeof(*nl))) == NULL)
		return handler_oom(r);
	/* Every cluster's list at once; merged in the order the clusters were asked for. */
	for (i = 0; i < clusters->n; i++) {
		strlist_init(&nl[i].ids);
		cce_list_node_servers_add(cloud, clusters->v[i], &nl[i].ids, &nl[i].building, handler_call_keep,
					  &nl[i].call);
	}
	cloud_run(cloud);
	for (i = 0; i < clusters->n && rc == 0; i++) {
		if (nl[i].call.rc != 0) {
			snprintf(what, sizeof(what), "cluster %s", clusters->v[i]);
			handler_log_err(LOG_ERROR, what, &nl[i].call.e);
			if (report_cluster(r, clusters->v[i], "", "", REPORT_FAILED,
					   "could not list the cluster's nodes", &nl[i].call.e) != 0)
				rc = handler_oom(r);
			continue;
		}
		if (nl[i].building > 0)
			log_warn("cluster %s: %zu node(s) have no server yet", clusters->v[i], nl[i].building);
		if (strlist_add_all(ids, &nl[i].ids) != 0 ||
		    (ok_clusters != NULL && strlist_add(ok_clusters, clusters->v[i], strlen(clusters->v[i])) != 0))
			rc = handler_oom(r);
	}
	for (i = 0; i < clusters->n; i++)
		strlist_release(&nl[i].ids);
	free(nl);
	return rc;
}

/* Appends a target; out->v has room (sized by select_targets). */
static void add_target(struct targets *out, const char *id, const struct ecs_server *srv)
{
	struct target *t = &out->v[out->n++];

	snprintf(t->id, sizeof(t->id), "%s", id);
	t->job = -1;
	if (srv == NULL) {
		handler_outcome_fail(&t->out, REPORT_REASON_MISSING, NULL);
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
	if (ntags > 0 && ecs_list_tags(cloud, sel->tags, &tagged, &e) != 0)
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

/*
 * One batch action: targets idx[0..n) of the shared index. A batch the cloud
 * rejects as a whole becomes two halves (left, right), sent at once.
 */
struct batch {
	struct batcher *b;
	const size_t *idx;
	size_t n;
	enum { BATCH_SENT, BATCH_REQUESTED, BATCH_FAILED, BATCH_SPLIT } state;
	char job[64];
	struct batch *left, *right;
};

/* What every batch of one action shares. */
struct batcher {
	struct cloud *cloud;
	struct targets *t;
	const struct handler_ecs_op *op;
	const char *type;
	struct report *r;
};

static void batch_send(struct batcher *b, struct batch *x, const size_t *idx, size_t n);

static void batch_free(struct batch *x)
{
	if (x == NULL)
		return;
	batch_free(x->left);
	batch_free(x->right);
	free(x);
}

/* A split half: allocated, then sent. The parent's servers fail with e when memory runs out. */
static struct batch *batch_half(struct batcher *b, const size_t *idx, size_t n, const struct err *e)
{
	struct batch *x = calloc(1, sizeof(*x));
	size_t k;

	if (x == NULL) {
		for (k = 0; k < n; k++)
			handler_outcome_fail(&b->t->v[idx[k]].out, "out of memory splitting the batch", e);
		return NULL;
	}
	batch_send(b, x, idx, n);
	return x;
}

/*
 * A batch's answer. One the cloud rejects as a whole with a 4xx (one unknown
 * or locked server spoils it) is split in halves until the bad servers are
 * isolated and the rest proceed; a 5xx or a transport failure, already
 * retried, fails the batch as it is.
 */
static void batch_done(struct cloud *cloud, void *ud, int rc, struct err *e)
{
	struct batch *x = ud;
	struct batcher *b = x->b;
	char what[64];
	size_t k;

	if (rc == 0) {
		x->state = BATCH_REQUESTED;
		log_info("%s requested for %zu server(s): job %s", b->op->name, x->n, x->job);
		return;
	}
	if (x->n > 1 && e->status >= 400 && e->status < 500 && e->status != 401 && e->status != 403 &&
	    e->status != 429 && cloud_time_left_ms(cloud) > 0) {
		log_warn("%s batch of %zu server(s) refused (%s); splitting it to isolate the cause",
			 b->op->name, x->n, e->cloud_code[0] ? e->cloud_code : e->code);
		x->state = BATCH_SPLIT;
		x->left = batch_half(b, x->idx, x->n / 2, e);
		x->right = batch_half(b, x->idx + x->n / 2, x->n - x->n / 2, e);
		return;
	}
	x->state = BATCH_FAILED;
	snprintf(what, sizeof(what), "%s batch of %zu server(s)", b->op->name, x->n);
	handler_log_err(LOG_ERROR, what, e);
	for (k = 0; k < x->n; k++)
		handler_outcome_fail(&b->t->v[x->idx[k]].out,
				     e->status / 100 == 2 ? "the batch was sent, but its answer cannot be followed"
				     : x->n > 1 ? "the cloud refused the batch" : "the cloud refused this server", e);
}

/* Queues batch x for targets idx[0..n) (x zeroed by the caller). */
static void batch_send(struct batcher *b, struct batch *x, const size_t *idx, size_t n)
{
	const char *ids[ECS_BATCH_MAX];
	size_t k;

	x->b = b;
	x->idx = idx;
	x->n = n;
	x->state = BATCH_SENT;
	for (k = 0; k < n; k++)
		ids[k] = b->t->v[idx[k]].id;
	ecs_batch_add(b->cloud, b->op->batch, b->op->typed ? b->type : NULL, ids, n, x->job, sizeof(x->job),
		      batch_done, x);
}

/*
 * Walks x's tree in order (the order a one-at-a-time sender would have
 * followed), numbering the requested jobs into jobs[] and the report.
 */
static void batch_collect(const struct batch *x, struct targets *t, char (*jobs)[64], size_t *njobs,
			  struct report *r)
{
	size_t k;

	if (x == NULL)
		return;
	if (x->state == BATCH_SPLIT) {
		batch_collect(x->left, t, jobs, njobs, r);
		batch_collect(x->right, t, jobs, njobs, r);
		return;
	}
	if (x->state != BATCH_REQUESTED)
		return;
	memcpy(jobs[*njobs], x->job, sizeof(jobs[0]));
	if (report_job(r, x->job) != 0)
		(void)handler_oom(r);
	for (k = 0; k < x->n; k++) {
		t->v[x->idx[k]].out.result = REPORT_REQUESTED;
		t->v[x->idx[k]].job = (int)*njobs;
	}
	(*njobs)++;
}

/*
 * Sends the batches of at most ECS_BATCH_MAX, all at once (within the
 * client's concurrency); returns the number of jobs in jobs[], numbered in
 * the targets' order whatever order the cloud answered in.
 */
static size_t send_batches(struct cloud *cloud, struct targets *t, const struct handler_ecs_op *op,
			   const char *type, char (*jobs)[64], struct report *r)
{
	struct batcher b = {cloud, t, op, type, r};
	struct batch *top = NULL;
	size_t *idx = NULL;
	size_t i, n = 0, nb, njobs = 0;

	for (i = 0; i < t->n; i++)
		n += t->v[i].out.result == NULL;
	nb = (n + ECS_BATCH_MAX - 1) / ECS_BATCH_MAX;
	if (n == 0)
		return 0;
	if ((idx = malloc(n * sizeof(*idx))) == NULL || (top = calloc(nb, sizeof(*top))) == NULL) {
		(void)handler_oom(r);
		goto out;
	}
	for (i = 0, n = 0; i < t->n; i++)
		if (t->v[i].out.result == NULL)
			idx[n++] = i;
	for (i = 0; i < nb; i++)
		batch_send(&b, &top[i], idx + i * ECS_BATCH_MAX,
			   i + 1 < nb ? ECS_BATCH_MAX : n - i * ECS_BATCH_MAX);
	cloud_run(cloud);
	for (i = 0; i < nb; i++)
		batch_collect(&top[i], t, jobs, &njobs, r);
out:
	for (i = 0; top != NULL && i < nb; i++) {
		batch_free(top[i].left);
		batch_free(top[i].right);
	}
	free(top);
	free(idx);
	return njobs;
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
	struct job_poll *polls; /* one per job */
	size_t njobs;
};

/* One job's poll. */
struct job_poll {
	struct job_wait *w;
	size_t i;
	struct ecs_job j;
	int done;
};

static void job_poll_done(struct cloud *cloud, void *ud, int rc, struct err *e)
{
	struct job_poll *jp = ud;
	struct job_wait *w = jp->w;
	char what[96];

	(void)cloud;
	if (rc != 0) {
		snprintf(what, sizeof(what), "job %s", w->jobs[jp->i]);
		handler_log_err(LOG_WARN, what, e);
		return;
	}
	apply_job(w->t, (int)jp->i, &jp->j);
	if (!ecs_job_done(jp->j.status))
		return;
	jp->done = 1;
	log_info("job %s: %s", w->jobs[jp->i], jp->j.status);
}

/* One poll of every unfinished job, all at once; returns how many are still running. */
static size_t job_round(struct cloud *cloud, void *ud)
{
	struct job_wait *w = ud;
	size_t i, left = 0;

	for (i = 0; i < w->njobs; i++)
		if (!w->polls[i].done)
			ecs_job_get_add(cloud, w->jobs[i], &w->polls[i].j, job_poll_done, &w->polls[i]);
	cloud_run(cloud);
	for (i = 0; i < w->njobs; i++)
		left += !w->polls[i].done;
	return left;
}

/* Polls the jobs until all finish or the deadline nears; the rest stay pending. */
static void wait_jobs(struct cloud *cloud, struct targets *t, char (*jobs)[64], size_t njobs)
{
	struct job_wait w;
	size_t i;

	w.t = t;
	w.jobs = jobs;
	w.njobs = njobs;
	w.polls = calloc(njobs ? njobs : 1, sizeof(*w.polls));
	for (i = 0; w.polls != NULL && i < njobs; i++) {
		w.polls[i].w = &w;
		w.polls[i].i = i;
		ecs_job_init(&w.polls[i].j);
	}
	if (w.polls != NULL)
		handler_poll(cloud, ECS_POLL_MAX_MS, njobs, job_round, &w);
	for (i = 0; i < t->n; i++) {
		struct handler_outcome *o = &t->v[i].out;

		if (o->result != NULL && strcmp(o->result, REPORT_REQUESTED) == 0) {
			o->result = REPORT_PENDING;
			snprintf(o->reason, sizeof(o->reason), "the job had not finished when the deadline came");
		}
	}
	for (i = 0; w.polls != NULL && i < njobs; i++)
		ecs_job_release(&w.polls[i].j);
	free(w.polls);
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
	if (p->cluster_ids->n == 0 && p->server_ids->n == 0 && p->tags->n == 0 && !p->all_servers)
		return handler_fail(r, "InvalidParameter",
				    "no servers selected, nothing touched: set clusterId, serverIds or tags "
				    "(or allServers=true in the function configuration to act on the whole project)");
	if ((p->cluster_ids->n > 0 && handler_ready(cloud, CFG_CCE, r) != 0) ||
	    handler_ready(cloud, CFG_ECS, r) != 0)
		return -1;
	if (handler_cluster_nodes(cloud, p->cluster_ids, ids, ok_clusters, r) != 0)
		return -1;
	if (strlist_add_all(ids, p->server_ids) != 0)
		return handler_oom(r);
	return 0;
}

static int ecs_run(struct cloud *cloud, const struct params *p, struct report *r,
		   const struct handler_ecs_op *op)
{
	struct strlist ids;
	struct handler_servers sel = {&ids, p->tags, p->all_servers, NULL};
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

/* One cluster read by status. */
struct cluster_read {
	struct cce_cluster c;
	struct handler_call call;
};

int handler_status(struct cloud *cloud, const struct params *p, struct report *r)
{
	struct cluster_read *cl = NULL;
	struct strlist ids, ok;
	struct handler_servers sel = {&ids, p->tags, p->all_servers, NULL};
	struct targets t = {NULL, 0};
	size_t i;
	int rc = -1;

	strlist_init(&ids);
	strlist_init(&ok);
	if (ecs_selection(cloud, p, &ids, &ok, r) != 0 || report_want_servers(r) != 0)
		goto out;
	/* Clusters whose nodes could not be listed are already reported failed; the rest are read at once. */
	if (ok.n > 0 && (cl = calloc(ok.n, sizeof(*cl))) == NULL) {
		rc = handler_oom(r);
		goto out;
	}
	for (i = 0; i < ok.n; i++)
		cce_get_cluster_add(cloud, ok.v[i], &cl[i].c, handler_call_keep, &cl[i].call);
	cloud_run(cloud);
	for (i = 0; i < ok.n; i++) {
		if (cl[i].call.rc != 0 ? report_cluster(r, ok.v[i], "", "", REPORT_FAILED, "could not read the cluster",
							&cl[i].call.e)
				       : report_cluster(r, ok.v[i], cl[i].c.name, cl[i].c.phase, REPORT_LISTED, NULL,
							NULL)) {
			rc = handler_oom(r); /* a handler returns -1 only after report_fail() */
			goto out;
		}
	}
	if (select_targets(cloud, &sel, &t, r) != 0)
		goto out;
	rc = report_targets(&t, r);
out:
	free(cl);
	targets_release(&t);
	strlist_release(&ids);
	strlist_release(&ok);
	return rc;
}
