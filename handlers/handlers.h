/*
 * handlers: what each action does, behind one signature in one table.
 *
 * A handler receives the resolved parameters and a cloud client already
 * bound to the invocation (credentials, project, deadline). It adds one item
 * per target to the report and never stops at the first failure. It returns
 * 0 when it ran (items may still have failed), or -1 after report_fail() when
 * it could not run at all. Adding an action = one function + one table row.
 */
#ifndef FG_HANDLERS_H
#define FG_HANDLERS_H

#include "../lib/cloud.h"
#include "../lib/event.h"
#include "../lib/report.h"

typedef int handler_fn(struct cloud *cloud, const struct params *p, struct report *r);

struct handler {
	const char *action;
	handler_fn *fn;
	const char *summary; /* one line for --help */
};

/* Returns the handler for action, or NULL. */
const struct handler *handler_find(const char *action);

/* 1 when action names a handler (for RUNTIME_HANDLER). */
int handler_exists(const char *action);

/* The table, terminated by a row whose action is NULL (for --help). */
extern const struct handler handler_table[];

/* handlers/cce.c */
handler_fn cce_hibernate;
handler_fn cce_awake;

/* handlers/ecs.c */
handler_fn ecs_start;
handler_fn ecs_stop;
handler_fn ecs_status;

/* What start and stop do, for the combined cluster flows. */
struct ecs_op;
extern const struct ecs_op ecs_op_start;
extern const struct ecs_op ecs_op_stop;

/*
 * Adds the ECS server ids behind each cluster's CCE nodes to ids, and each
 * cluster whose nodes were listed to ok_clusters (may be NULL); a cluster
 * whose nodes cannot be listed is reported failed. -1 after report_fail().
 */
int nodes_of_clusters(struct cloud *cloud, const struct strlist *clusters, struct strlist *ids,
		      struct strlist *ok_clusters, struct report *r);

/*
 * Starts or stops the servers in ids (plus p's tags and allServers), with
 * p's type, dryRun and wait; adds them to the report. -1 after report_fail().
 */
int ecs_act(struct cloud *cloud, const struct ecs_op *op, const struct strlist *ids,
	    const struct params *p, struct report *r);

#endif
