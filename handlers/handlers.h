/*
 * handlers: what each action does, behind one signature in one table.
 *
 * A handler receives the resolved parameters and a cloud client already
 * bound to the invocation (credentials, project, deadline). It adds one item
 * per target to the report and never stops at the first failure. It returns
 * 0 when it ran (items may still have failed), or -1 after report_fail() when
 * it could not run at all. Adding an action = one enum value in lib/action,
 * one function here, one table row.
 */
#ifndef FG_HANDLERS_H
#define FG_HANDLERS_H

#include "../lib/action.h"
#include "../lib/cloud.h"
#include "../lib/params.h"
#include "../lib/report.h"

typedef int handler_fn(struct cloud *cloud, const struct params *p, struct report *r);

struct handler {
	enum action action;
	handler_fn *fn;
	const char *summary; /* one line for --help */
};

/* The table, terminated by a row whose action is ACTION_NONE (for --help). */
extern const struct handler handler_table[];

/* Returns the handler for action, or NULL. */
const struct handler *handler_find(enum action action);

/*
 * The most cloud calls (attempts, retries included) one invocation of p may
 * make, for cloud_set_budget(): 100 + 10 per named target (cluster ids,
 * server ids, tags; allServers counts 100) + 2 per second of timeout_s when
 * p->wait. At most 1,000 ids and 10 tags per event keep it bounded.
 */
int handler_call_budget(const struct params *p, long timeout_s);

/* How a queued call ended, kept for when cloud_run() returns. */
struct handler_call {
	int rc;
	struct err e; /* set when rc != 0 */
};

/* A cce_done_fn / ecs_done_fn that keeps rc and e in the struct handler_call ud points to. */
void handler_call_keep(struct cloud *cloud, void *ud, int rc, struct err *e);

#endif
