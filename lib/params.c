/* params: see params.h. */
#include "params.h"

#include <string.h>

void params_init(struct params *p)
{
	memset(p, 0, sizeof(*p));
	strlist_init(&p->cluster_ids);
	strlist_init(&p->server_ids);
	strlist_init(&p->tags);
	p->action = ACTION_NONE;
	p->type = CFG_STOP_SOFT;
}

void params_release(struct params *p)
{
	if (p == NULL)
		return;
	strlist_release(&p->cluster_ids);
	strlist_release(&p->server_ids);
	strlist_release(&p->tags);
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
	action_list(names, sizeof(names));
	return err_set(e, "UnknownAction", "unknown action '%s': use one of %s", asked, names);
}

/* Targets of one kind: the event's when it names any of that kind, else the configured ones. */
static int params_targets(struct strlist *dst, const struct strlist *configured, int asked,
			  const struct strlist *named, struct err *e)
{
	if (strlist_add_all(dst, asked ? named : configured) != 0)
		return err_set(e, "OutOfMemory", "out of memory");
	return 0;
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

int params_resolve(const struct event *ev, const struct cfg *c, struct params *p, struct err *e)
{
	if (params_action(ev->action, c, &p->action, e) != 0 ||
	    params_targets(&p->cluster_ids, &c->cluster_ids, ev->has_cluster_ids, &ev->cluster_ids, e) != 0 ||
	    params_targets(&p->server_ids, &c->server_ids, ev->has_server_ids, &ev->server_ids, e) != 0 ||
	    params_targets(&p->tags, &c->tags, ev->has_tags, &ev->tags, e) != 0)
		return -1;
	p->type = params_type(c->stop_type, ev->has_type, ev->type);
	p->wait = params_option(c->wait, ev->wait);
	p->dry_run = params_option(c->dry_run, ev->dry_run);
	p->stop_nodes = params_option(c->stop_nodes, ev->stop_nodes);
	p->start_nodes = params_option(c->start_nodes, ev->start_nodes);
	p->all_servers = c->all_servers;
	return 0;
}
