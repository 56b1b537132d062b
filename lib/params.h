/*
 * params: what one invocation will do, the event's request weighed against
 * the configuration.
 *
 * Each field is resolved by one small rule that sees both the configured
 * value and what the event asked for:
 *
 *   action          the event's, else the configured one, else RUNTIME_HANDLER's
 *   targets         per kind (clusters, servers, tags): the event's when it
 *                   names any of that kind, else the configuration's
 *   type, wait, dryRun, stopNodes, startNodes
 *                   the event's when it says, else the configuration's
 *   allServers      the configuration's only
 *   at              the event's `at`, else a TIMER event's time (schedule)
 *   dryRun          a floor: true in the configuration stays true whatever
 *                   the event says; an event's true is always honoured
 *
 * An API Gateway event is untrusted (anyone who reaches the route can send
 * one): it may only narrow what the configuration allows, never widen it.
 *
 *   action          must be in apigActions (default: status)
 *   targets         each named cluster id must be configured; each named
 *                   server id configured, or a node of a configured cluster
 *                   (p->node_server_ids: the caller checks before sending
 *                   anything); each tag configured. Naming none = all the
 *                   configured ones
 *   type            may not differ from the configured (or default) one
 *   wait, stopNodes, startNodes
 *                   may be turned off, never on beyond the configuration
 *   at              only with dryRun (it would act as if at another time)
 *
 * Anything else is refused with "Forbidden" before a request is sent.
 */
#ifndef FG_PARAMS_H
#define FG_PARAMS_H

#include "action.h"
#include "config.h"
#include "err.h"
#include "event.h"
#include "strlist.h"

/* The resolved request handed to a handler. Owned by the caller; release with params_release(). */
struct params {
	enum action action; /* never ACTION_NONE once resolved */
	/* Borrowed from the event or the configuration (never NULL): both must outlive p. */
	const struct strlist *cluster_ids;
	const struct strlist *server_ids;
	const struct strlist *tags;
	enum cfg_stop type;
	int wait;        /* 0 or 1 */
	int dry_run;     /* 0 or 1 */
	int stop_nodes;  /* 0 or 1 */
	int start_nodes; /* 0 or 1 */
	int all_servers; /* 0 or 1 */
	/*
	 * Server ids an untrusted event named that serverIds does not list: each
	 * must be a node of one of cluster_ids' configured clusters, which the
	 * caller verifies (a read) before anything else is sent. Empty otherwise.
	 */
	struct strlist node_server_ids;
	/* The schedule action: the instant asked for (has_at: see struct event) and the configuration. */
	long long at;
	int has_at;
	const struct sched_conf *sched; /* borrowed from the configuration */
};

void params_init(struct params *p);

/* Frees the lists. p may be NULL. */
void params_release(struct params *p);

/*
 * Resolves ev (borrowed) against c (borrowed) into p (initialised, empty).
 * Returns 0, or -1 with e set: "InvalidParameter" when no action is named
 * anywhere, "UnknownAction" when the event's word names no action,
 * "Forbidden" when an API Gateway event asks for more than the rules above
 * allow (the message says which key and why), "OutOfMemory".
 */
int params_resolve(const struct event *ev, const struct cfg *c, struct params *p, struct err *e) FG_WUR;

#endif
