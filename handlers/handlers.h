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

#endif
