/*
 * handlers/internal.h: what the handler files share; not for bootstrap.c.
 *
 * The handlers themselves, the outcome every target ends with, the helpers
 * that fail an invocation or log a failed call, the poll loop of wait=true,
 * and the ECS half that the CCE handlers reuse for their clusters' nodes.
 */
#ifndef FG_HANDLERS_INTERNAL_H
#define FG_HANDLERS_INTERNAL_H

#include <stddef.h>

#include "../lib/ecs.h"
#include "../lib/log.h"
#include "../lib/strlist.h"
#include "handlers.h"

/* handlers/cce.c */
handler_fn handler_hibernate;
handler_fn handler_awake;
/* 1 when a cluster in phase needs no awake (running) or hibernate (!running): there or on the way. */
int handler_cce_settled(int running, const char *phase);

/* handlers/ecs.c */
handler_fn handler_start;
handler_fn handler_stop;
handler_fn handler_status;

/* handlers/schedule.c */
handler_fn handler_schedule;

/* What became of one target (a cluster or a server). */
struct handler_outcome {
	const char *result; /* REPORT_*; NULL while undecided */
	char reason[200];   /* "" when none */
	struct err fail;    /* the failed call to quote, when has_fail */
	int has_fail;
};

/* Marks o failed with reason; quotes e (may be NULL: nothing to quote). */
void handler_outcome_fail(struct handler_outcome *o, const char *reason, const struct err *e);

/* Fails the whole invocation: report_fail() with code and message. Returns -1. */
int handler_fail(struct report *r, const char *code, const char *fmt, ...) FG_PRINTF(3, 4);

/* Fails the invocation for lack of memory. Returns -1. */
int handler_oom(struct report *r);

/* cloud_ready() for svc, failing the invocation when it is not. 0 or -1. */
int handler_ready(struct cloud *cloud, enum cfg_service svc, struct report *r);

/* Logs "<what>: <e's one-line summary>" at lvl. */
void handler_log_err(enum log_level lvl, const char *what, const struct err *e);

/*
 * One round of polling: reads what is still moving and returns how many
 * still are.
 */
typedef size_t handler_round_fn(struct cloud *cloud, void *ud);

/*
 * wait=true: while left > 0 and the deadline leaves room for one more round,
 * sleeps (500 ms, doubling up to max_ms) and runs round. What is still
 * moving afterwards is the caller's to mark pending.
 */
void handler_poll(struct cloud *cloud, long max_ms, size_t left, handler_round_fn *round, void *ud);

/* What start and stop do to a server (handlers/ecs.c). */
struct handler_ecs_op;
extern const struct handler_ecs_op handler_ecs_start;
extern const struct handler_ecs_op handler_ecs_stop;

/* The servers an ECS action works on. */
struct handler_servers {
	const struct strlist *ids;  /* explicit ids, clusters' nodes included */
	const struct strlist *tags; /* servers carrying any of these; NULL: none */
	int all_servers;            /* every server of the project */
	const struct ecs_servers *only; /* when not NULL: exactly these, already listed (no sweep) */
};

/*
 * Adds the ECS server ids behind each cluster's CCE nodes to ids, and each
 * cluster whose nodes were listed to ok_clusters (may be NULL); a cluster
 * whose nodes cannot be listed is reported failed. -1 after report_fail().
 */
int handler_cluster_nodes(struct cloud *cloud, const struct strlist *clusters, struct strlist *ids,
			  struct strlist *ok_clusters, struct report *r);

/*
 * Starts or stops the servers of sel with p's type, dryRun and wait, and
 * adds them to the report. -1 after report_fail().
 */
int handler_servers_act(struct cloud *cloud, const struct handler_ecs_op *op,
			const struct handler_servers *sel, const struct params *p, struct report *r);

#endif
