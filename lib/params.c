/* params: see params.h. */
#include "params.h"

#include <stdio.h>
#include <string.h>

/* What the target lists point at before they are resolved: empty. */
static const struct strlist params_no_targets;

void params_init(struct params *p)
{
	memset(p, 0, sizeof(*p));
	p->cluster_ids = p->server_ids = p->tags = &params_no_targets;
	strlist_init(&p->node_server_ids);
	p->action = ACTION_NONE;
	p->type = CFG_STOP_SOFT;
}

void params_release(struct params *p)
{
	if (p == NULL)
		return;
	strlist_release(&p->node_server_ids);
}

/* The event's action word, else the configured action, else RUNTIME_HANDLER's. */
static int params_action(const char *asked, const struct cfg *c, enum action *out, struct err *e)
{
	enum action a;
	char names[128];

	if (asked[0] == '\0') {
		*out = c->action != ACTION_NONE ? c->action : c->handler_action;
		if (*out != ACTION_NONE)
			return 0;
		return err_set(e, "InvalidParameter",
			       "no action: set \"action\" in the event or the function configuration");
	}
	if ((a = action_parse(asked)) != ACTION_NONE) {
		*out = a;
		return 0;
	}
	action_list(names, sizeof(names), ACTION_ALL);
	return err_set(e, "UnknownAction", "unknown action '%s': use one of %s", asked, names);
}


/* A boolean option: the event's when it says (not EVENT_UNSET), else the configured one. */
static int params_option(int configured, int asked)
{
	return asked != EVENT_UNSET ? asked : configured;
}

/* The stop type: the event's when it names one, else the configured one. */
static enum cfg_stop params_type(enum cfg_stop configured, int asked, enum cfg_stop named)
{
	return asked ? named : configured;
}

#define PARAMS_FORBIDDEN "Forbidden"

/* An API Gateway event's action must be one apigActions lists. */
static int params_apig_action(enum action a, const struct cfg *c, struct err *e)
{
	char allowed[128];

	if (cfg_apig_allows(c, a))
		return 0;
	action_list(allowed, sizeof(allowed), c->apig_actions);
	return err_set(e, PARAMS_FORBIDDEN, "API Gateway events may not ask for '%s' (apigActions: %s)",
		       action_name(a), allowed[0] ? allowed : "none");
}

/*
 * An API Gateway event's targets of one kind: each must be configured. Server
 * ids beyond serverIds go to beyond (when not NULL) for the node check.
 */
static int params_apig_targets(const struct strlist *named, const struct strlist *configured,
			       const char *key, struct strlist *beyond, struct err *e)
{
	size_t i;

	for (i = 0; i < named->n; i++) {
		if (strlist_has(configured, named->v[i]))
			continue;
		if (beyond == NULL)
			return err_set(e, PARAMS_FORBIDDEN, "API Gateway events may only name configured %s; "
				       "'%.64s' is not one", key, named->v[i]);
		if (strlist_add(beyond, named->v[i], strlen(named->v[i])) != 0)
			return err_set(e, "OutOfMemory", "out of memory");
	}
	return 0;
}

/* An API Gateway event may turn an option off, never on beyond the configuration. */
static int params_apig_option(int configured, int asked, const char *key, struct err *e)
{
	if (asked == 1 && !configured)
		return err_set(e, PARAMS_FORBIDDEN, "API Gateway events may not turn %s on", key);
	return 0;
}

/* The rules an untrusted (API Gateway) event must follow; see params.h. */
static int params_apig(const struct event *ev, const struct cfg *c, struct params *p, struct err *e)
{
	if (params_apig_action(p->action, c, e) != 0 ||
	    params_apig_targets(&ev->cluster_ids, &c->cluster_ids, "clusters (clusterId)", NULL, e) != 0 ||
	    params_apig_targets(&ev->server_ids, &c->server_ids, "servers (serverIds)",
				c->cluster_ids.n > 0 ? &p->node_server_ids : NULL, e) != 0 ||
	    params_apig_targets(&ev->tags, &c->tags, "tags", NULL, e) != 0)
		return -1;
	if (ev->has_type && ev->type != c->stop_type)
		return err_set(e, PARAMS_FORBIDDEN, "API Gateway events may not change the stop type "
			       "(type is %s)", cfg_stop_name(c->stop_type));
	if (ev->has_at == 2 && !p->dry_run)
		return err_set(e, PARAMS_FORBIDDEN, "API Gateway events may give 'at' only with dryRun");
	if (params_apig_option(c->wait, ev->wait, "wait", e) != 0 ||
	    params_apig_option(c->stop_nodes, ev->stop_nodes, "stopNodes", e) != 0 ||
	    params_apig_option(c->start_nodes, ev->start_nodes, "startNodes", e) != 0)
		return -1;
	return 0;
}

int params_resolve(const struct event *ev, const struct cfg *c, struct params *p, struct err *e)
{
	if (params_action(ev->action, c, &p->action, e) != 0)
		return -1;
	/* Targets of each kind: the event's when it names any of that kind, else the configured ones. */
	p->cluster_ids = ev->has_cluster_ids ? &ev->cluster_ids : &c->cluster_ids;
	p->server_ids = ev->has_server_ids ? &ev->server_ids : &c->server_ids;
	p->tags = ev->has_tags ? &ev->tags : &c->tags;
	p->type = params_type(c->stop_type, ev->has_type, ev->type);
	p->wait = params_option(c->wait, ev->wait);
	p->dry_run = c->dry_run ? 1 : params_option(0, ev->dry_run); /* the floor */
	p->stop_nodes = params_option(c->stop_nodes, ev->stop_nodes);
	p->start_nodes = params_option(c->start_nodes, ev->start_nodes);
	p->all_servers = c->all_servers;
	p->at = ev->at;
	p->has_at = ev->has_at;
	p->sched = &c->sched;
	return ev->kind == EVENT_APIG ? params_apig(ev, c, p, e) : 0;
}
