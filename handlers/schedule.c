/*
 * schedule handler: one timer trigger keeps servers and clusters on their
 * working hours (lib/schedule says what each schedule wants when).
 *
 * Stateless and safe to retry. The instant T is the event's `at`, else the
 * TIMER event's time (a retry decides for the same T), else the clock; P is
 * T - scheduleInterval, the previous run. Per resource: already in (or
 * moving to) the state wanted at T -> skipped; else act when the wanted
 * state changed between P and T (a boundary passed), the schedule is
 * enforced, or an override tag is in force; else kept, so a server someone
 * started at night stays up until the next boundary.
 *
 * Servers carry the schedule's name in the tag scheduleTag and are found with
 * one paged, tag-filtered sweep; the servers to start and to stop go to the
 * ECS machinery in batches (handler_servers_act with sel.only). Clusters come
 * from clusterSchedules and go through the hibernate and awake handlers, with
 * their nodes when scheduleNodes; those nodes are not handled again as
 * servers. Every item carries "schedule" and "desired".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/cce.h"
#include "../lib/ecs.h"
#include "../lib/schedule.h"
#include "internal.h"

#define SCHED_KEPT_REASON "changed by hand since the last boundary"

/* What each schedule wants at T and at P. */
struct sched_run {
	const struct sched_conf *conf;
	long long t;
	unsigned char *now, *prev; /* per schedule of conf->set */
};

/* One resource's schedule, what it wants at T and why it is acted on. */
struct want {
	const char *id;
	const char *schedule; /* NULL when none applies (skip) */
	enum sched_state state;
	int act;              /* a boundary, enforced, or an override */
};

/* The annotations, sorted by id for report_annotate(). */
struct wants {
	struct want *v;
	size_t n;
};

static int want_cmp(const void *a, const void *b)
{
	return strcmp(((const struct want *)a)->id, ((const struct want *)b)->id);
}

static void want_lookup(const char *id, const char **schedule, const char **desired, void *ud)
{
	const struct wants *w = ud;
	struct want key = {id, NULL, SCHED_STOPPED, 0};
	const struct want *x = w->n ? bsearch(&key, w->v, w->n, sizeof(key), want_cmp) : NULL;

	if (x != NULL && x->schedule != NULL) {
		*schedule = x->schedule;
		*desired = sched_state_name(x->state);
	}
}

static int annotate(struct report *r, int servers, size_t from, struct wants *w)
{
	if (w->n > 1)
		qsort(w->v, w->n, sizeof(*w->v), want_cmp);
	return report_annotate(r, servers, from, want_lookup, w) == 0 ? 0 : handler_oom(r);
}

/*
 * The schedule called name at run time: sets *x's state and act. -1 with
 * reason set when there is no such schedule.
 */
static int want_schedule(const struct sched_run *run, const char *name, struct want *x, char *reason,
			 size_t n)
{
	const struct sched *s = sched_find(&run->conf->set, name);
	size_t i;

	if (s == NULL) {
		snprintf(reason, n, "unknown schedule '%.43s'", name);
		return -1;
	}
	i = (size_t)(s - run->conf->set.v);
	x->schedule = s->name;
	x->state = run->now[i] ? SCHED_RUNNING : SCHED_STOPPED;
	x->act = run->now[i] != run->prev[i] || s->enforced;
	return 0;
}

/* A copy of p for the hibernate or awake handler: these clusters (borrowed), their nodes as configured. */
static void cluster_params(const struct params *p, const struct strlist *ids, int nodes, struct params *q)
{
	params_init(q);
	q->action = p->action;
	q->type = p->type;
	q->wait = p->wait;
	q->dry_run = p->dry_run;
	q->stop_nodes = q->start_nodes = nodes;
	q->cluster_ids = ids;
}

/* Hands the clusters to act on to the hibernate and awake handlers. */
static int clusters_act(struct cloud *cloud, const struct params *p, const struct strlist *hib,
			const struct strlist *awk, struct report *r)
{
	struct params q;
	int rc = 0;

	if (hib->n > 0) {
		cluster_params(p, hib, p->sched->nodes, &q);
		rc = handler_hibernate(cloud, &q, r);
		params_release(&q);
	}
	if (rc == 0 && awk->n > 0) {
		cluster_params(p, awk, p->sched->nodes, &q);
		rc = handler_awake(cloud, &q, r);
		params_release(&q);
	}
	return rc;
}

/* One cluster of clusterSchedules: what its reads brought back (fetched all at once). */
struct sched_read {
	struct cce_cluster cl;
	struct handler_call read;
	struct strlist nodes; /* its node servers */
	size_t building;
	struct handler_call list;
};

/* One cluster of clusterSchedules, once read: reported now, or added to hib or awk. */
static int cluster_one(const struct sched_run *run, const struct sched_cluster *sc, struct sched_read *rd,
		       struct want *x, struct strlist *hib, struct strlist *awk, struct report *r)
{
	char reason[200], what[160];

	x->id = sc->id;
	if (want_schedule(run, sc->schedule, x, reason, sizeof(reason)) != 0)
		return report_cluster(r, sc->id, "", "", REPORT_FAILED, reason, NULL);
	if (rd->read.rc != 0) {
		snprintf(what, sizeof(what), "cluster %s", sc->id);
		handler_log_err(LOG_ERROR, what, &rd->read.e);
		return report_cluster(r, sc->id, "", "", REPORT_FAILED, "could not read the cluster", &rd->read.e);
	}
	if (handler_cce_settled(x->state == SCHED_RUNNING, rd->cl.phase)) {
		snprintf(reason, sizeof(reason), "already %s", rd->cl.phase);
		return report_cluster(r, sc->id, rd->cl.name, rd->cl.phase, REPORT_SKIPPED, reason, NULL);
	}
	if (!x->act)
		return report_cluster(r, sc->id, rd->cl.name, rd->cl.phase, REPORT_KEPT, SCHED_KEPT_REASON, NULL);
	return strlist_add(x->state == SCHED_RUNNING ? awk : hib, sc->id, strlen(sc->id));
}

/*
 * Reads every scheduled cluster and its node list at once (within the
 * client's concurrency). Node servers are handled with their cluster (or,
 * with scheduleNodes=false, left to it), never again on their own through a
 * schedule tag, so every list is read whatever scheduleNodes says.
 */
static void clusters_read(struct cloud *cloud, const struct sched_conf *c, struct sched_read *rd)
{
	size_t i;

	for (i = 0; i < c->nclusters; i++) {
		strlist_init(&rd[i].nodes);
		cce_get_cluster_add(cloud, c->clusters[i].id, &rd[i].cl, handler_call_keep, &rd[i].read);
		cce_list_node_servers_add(cloud, c->clusters[i].id, &rd[i].nodes, &rd[i].building,
					  handler_call_keep, &rd[i].list);
	}
	cloud_run(cloud);
}

/* The clusters of clusterSchedules; their node servers go to nodes. -1 after report_fail(). */
static int clusters_run(struct cloud *cloud, const struct params *p, const struct sched_run *run,
			struct strlist *nodes, struct report *r)
{
	const struct sched_conf *c = p->sched;
	struct wants w = {NULL, 0}, nw = {NULL, 0};
	struct sched_read *rd = NULL;
	struct strlist hib, awk;
	size_t i, j, before, listed = 0, from = report_count(r, 0), from_servers = report_count(r, 1);
	int rc = -1;

	strlist_init(&hib);
	strlist_init(&awk);
	if (c->nclusters == 0)
		return 0;
	if (handler_ready(cloud, CFG_CCE, r) != 0 || (c->nodes && handler_ready(cloud, CFG_ECS, r) != 0))
		goto out;
	if ((w.v = calloc(c->nclusters, sizeof(*w.v))) == NULL ||
	    (rd = calloc(c->nclusters, sizeof(*rd))) == NULL) {
		rc = handler_oom(r);
		goto out;
	}
	clusters_read(cloud, c, rd);
	for (i = 0; i < c->nclusters; i++)
		listed += rd[i].nodes.n;
	if (listed > 0 && (nw.v = calloc(listed, sizeof(*nw.v))) == NULL) {
		rc = handler_oom(r);
		goto out;
	}
	for (i = 0; i < c->nclusters; i++, w.n++) {
		before = nodes->n;
		if (cluster_one(run, &c->clusters[i], &rd[i], &w.v[i], &hib, &awk, r) != 0 ||
		    strlist_add_all(nodes, &rd[i].nodes) != 0) {
			rc = handler_oom(r);
			goto out;
		}
		if (rd[i].list.rc != 0)
			handler_log_err(LOG_WARN, "listing a scheduled cluster's nodes", &rd[i].list.e);
		/* The node servers reported with their cluster carry its schedule and desired state. */
		for (j = before; j < nodes->n && w.v[i].schedule != NULL; j++) {
			nw.v[nw.n] = w.v[i];
			nw.v[nw.n++].id = nodes->v[j];
		}
	}
	if (clusters_act(cloud, p, &hib, &awk, r) != 0)
		goto out;
	rc = annotate(r, 1, from_servers, &nw) != 0 ? -1 : annotate(r, 0, from, &w);
out:
	for (i = 0; rd != NULL && i < c->nclusters; i++)
		strlist_release(&rd[i].nodes);
	free(rd);
	free(nw.v);
	free(w.v);
	strlist_release(&hib);
	strlist_release(&awk);
	return rc;
}

/*
 * A server's override tag at T: 0 with *kind set (SCHED_OVR_NONE without a tag)
 * and, for one in force, x's state and the reason; -1 with reason when malformed.
 */
static int server_override(const struct ecs_server *s, long long t, struct want *x,
			   enum sched_override_kind *kind, char *reason, size_t n)
{
	enum sched_state st;
	long long until;
	char when[24];

	*kind = SCHED_OVR_NONE;
	if (!s->has_tag[1])
		return 0;
	if (s->has_tag[1] != 1 || sched_override(s->tag[1], t, kind, &st, &until) != 0) {
		snprintf(reason, n, "override tag '%.40s' is not running-until-YYYYMMDDTHHMM, "
			 "stopped-until-YYYYMMDDTHHMM or skip", s->has_tag[1] == 1 ? s->tag[1] : "(too long)");
		return -1;
	}
	if (*kind == SCHED_OVR_SKIP) {
		snprintf(reason, n, "override: skip");
	} else if (*kind == SCHED_OVR_STATE) {
		x->state = st;
		x->act = 1;
		sched_format_utc(until, when, sizeof(when));
		snprintf(reason, n, "override: %s until %s", sched_state_name(st), when);
	}
	return 0;
}

/* One tagged server: reported now (skipped, kept, failed), or added to start or stop. */
static int server_one(const struct sched_run *run, const struct ecs_server *s, struct want *x,
		      struct ecs_servers *start, struct ecs_servers *stop, struct report *r)
{
	const struct sched *named;
	char reason[200] = "", why[200] = "";
	enum sched_override_kind kind;
	int moving_on, moving_off, running;

	x->id = s->id;
	if (server_override(s, run->t, x, &kind, why, sizeof(why)) != 0)
		return report_server(r, s->id, s->name, s->status, REPORT_FAILED, why, NULL);
	if (kind == SCHED_OVR_SKIP)
		return report_server(r, s->id, s->name, s->status, REPORT_SKIPPED, why, NULL);
	if (kind == SCHED_OVR_STATE) {
		named = s->has_tag[0] == 1 ? sched_find(&run->conf->set, s->tag[0]) : NULL;
		x->schedule = named != NULL ? named->name : "(override)"; /* shown when it is known */
	} else if (s->has_tag[0] != 1) { /* the schedule decides */
		return report_server(r, s->id, s->name, s->status, REPORT_FAILED,
				     "the schedule tag's value is not a schedule name", NULL);
	} else if (want_schedule(run, s->tag[0], x, reason, sizeof(reason)) != 0) {
		return report_server(r, s->id, s->name, s->status, REPORT_FAILED, reason, NULL);
	}
	moving_on = strcmp(s->task, "powering-on") == 0;
	moving_off = strcmp(s->task, "powering-off") == 0;
	running = (strcmp(s->status, "ACTIVE") == 0 && !moving_off) || moving_on;
	if (strcmp(s->status, "ACTIVE") != 0 && strcmp(s->status, "SHUTOFF") != 0) {
		snprintf(reason, sizeof(reason), "status %s: neither ACTIVE nor SHUTOFF", s->status);
		return report_server(r, s->id, s->name, s->status, REPORT_SKIPPED, reason, NULL);
	}
	if (running == (x->state == SCHED_RUNNING)) {
		snprintf(reason, sizeof(reason), "already %s", moving_on || moving_off ? s->task : s->status);
		return report_server(r, s->id, s->name, s->status, REPORT_SKIPPED, reason, NULL);
	}
	if (!x->act)
		return report_server(r, s->id, s->name, s->status, REPORT_KEPT, SCHED_KEPT_REASON, NULL);
	if (kind == SCHED_OVR_STATE)
		log_info("server %s (%s): %s", s->id, s->name, why);
	return ecs_servers_append(x->state == SCHED_RUNNING ? start : stop, s);
}

/* The tagged servers, but the scheduled clusters' nodes. -1 after report_fail(). */
static int servers_run(struct cloud *cloud, const struct params *p, const struct sched_run *run,
		       const struct strlist *nodes, struct report *r)
{
	struct ecs_servers all, start, stop;
	struct handler_servers sel = {NULL, NULL, 0, NULL};
	struct wants w = {NULL, 0};
	size_t i, from;
	struct err e;
	int rc = -1;

	ecs_servers_init(&all);
	ecs_servers_init(&start);
	ecs_servers_init(&stop);
	all.tag_keys[0] = p->sched->tag;
	all.tag_keys[1] = p->sched->override_tag;
	if (handler_ready(cloud, CFG_ECS, r) != 0 || report_want_servers(r) != 0)
		goto out;
	from = report_count(r, 1);
	if (ecs_list(cloud, p->sched->tag, &all, &e) != 0) {
		handler_log_err(LOG_ERROR, "listing the scheduled servers", &e);
		err_inline_cloud(&e);
		err_prefix(&e, "listing the scheduled servers");
		report_fail(r, &e);
		goto out;
	}
	if (all.n > 0 && (w.v = calloc(all.n, sizeof(*w.v))) == NULL) {
		rc = handler_oom(r);
		goto out;
	}
	for (i = 0; i < all.n; i++) {
		if (strlist_has(nodes, all.v[i].id))
			continue; /* handled with its cluster */
		if (server_one(run, &all.v[i], &w.v[w.n++], &start, &stop, r) != 0) {
			rc = handler_oom(r);
			goto out;
		}
	}
	sel.only = &start;
	if (start.n > 0 && handler_servers_act(cloud, &handler_ecs_start, &sel, p, r) != 0)
		goto out;
	sel.only = &stop;
	if (stop.n > 0 && handler_servers_act(cloud, &handler_ecs_stop, &sel, p, r) != 0)
		goto out;
	rc = annotate(r, 1, from, &w);
out:
	free(w.v);
	ecs_servers_release(&all);
	ecs_servers_release(&start);
	ecs_servers_release(&stop);
	return rc;
}

int handler_schedule(struct cloud *cloud, const struct params *p, struct report *r)
{
	const struct sched_conf *c = p->sched;
	struct sched_run run = {c, 0, NULL, NULL};
	struct strlist nodes;
	char when[24];
	size_t i;
	int rc = -1;

	if (c == NULL || (c->set.n == 0 && c->nclusters == 0))
		return handler_fail(r, "InvalidParameter",
				    "nothing scheduled: set schedules (and clusterSchedules, or tag servers "
				    "with scheduleTag) in the function configuration");
	run.t = p->has_at ? p->at : (long long)time(NULL);
	sched_format_utc(run.t, when, sizeof(when));
	report_set_schedule_time(r, when);
	if (p->dry_run)
		report_set_dry_run(r);
	strlist_init(&nodes);
	run.now = calloc(c->set.n + 1, 1);
	run.prev = calloc(c->set.n + 1, 1);
	if (run.now == NULL || run.prev == NULL) {
		rc = handler_oom(r);
		goto out;
	}
	for (i = 0; i < c->set.n; i++) {
		run.now[i] = sched_desired(&c->set.v[i], run.t) == SCHED_RUNNING;
		run.prev[i] = sched_desired(&c->set.v[i], run.t - c->interval_min * 60) == SCHED_RUNNING;
	}
	log_info("schedule at %s (previous run %ld min before)", when, c->interval_min);
	if (clusters_run(cloud, p, &run, &nodes, r) != 0 || servers_run(cloud, p, &run, &nodes, r) != 0)
		goto out;
	rc = 0;
out:
	free(run.now);
	free(run.prev);
	strlist_release(&nodes);
	return rc;
}
