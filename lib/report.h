/*
 * report: the result object of one invocation, compatible with the seeds:
 *
 *   {"status":"success"|"error","message":…,"action":…,
 *    "data":{"cluster_list":[{"cluster_id","cluster_name","phase","result",…}]}}
 *
 * An error result also carries FunctionGraph's "errorType"/"errorMessage".
 * Handlers add one item per target; report_render() writes the JSON (inside
 * the APIG envelope when the event came from APIG) and scrubs secrets.
 */
#ifndef FG_REPORT_H
#define FG_REPORT_H

#include <jansson.h>

#include "buf.h"
#include "err.h"

/* Item results. */
#define REPORT_REQUESTED "requested"
#define REPORT_SKIPPED "skipped"
#define REPORT_FAILED "failed"
#define REPORT_DONE "done"       /* the job finished for this server */
#define REPORT_PENDING "pending" /* still running when the deadline came */
#define REPORT_PLANNED "planned" /* dryRun: would have been requested */
#define REPORT_LISTED "listed"   /* status: read only */
#define REPORT_KEPT "kept"       /* schedule: left as someone set it since the last boundary */

/* The reason of a failed target the project does not have: counted as missing (HTTP 404). */
#define REPORT_REASON_MISSING "no such server in the project"

/* Fields are private to report.c. */
struct report {
	char action[32];
	json_t *clusters;
	json_t *servers; /* NULL until report_want_servers() or the first server */
	json_t *jobs;
	int nrequested, nskipped, nfailed, ndone, npending, nplanned, nlisted, nkept;
	int nmissing; /* failed because the cloud does not know the target (404, or REPORT_REASON_MISSING) */
	char schedule_time[24]; /* data.schedule_time; "" when none */
	int dry_run;
	int retries;
	struct err fatal; /* set when the invocation failed as a whole */
};

void report_init(struct report *r, const char *action);
void report_release(struct report *r);

/* Sets the action name shown in the report. */
void report_set_action(struct report *r, const char *action);

/* Marks the whole invocation failed (configuration, event, credentials...). */
void report_fail(struct report *r, const struct err *e);

/*
 * Adds a cluster. result is one of REPORT_*; reason (may be NULL) says why it
 * was skipped or failed; failure (may be NULL) is the failed call to quote as
 * the item's "error": {code (the cloud's code, else e->code), message,
 * http_status, [request_id], [retries]}. Returns -1 when memory ran out.
 */
int report_cluster(struct report *r, const char *id, const char *name, const char *phase,
		   const char *result, const char *reason, const struct err *failure) FG_WUR;

/*
 * Adds a server: status is the ECS status read before acting. Same rules as
 * report_cluster().
 */
int report_server(struct report *r, const char *id, const char *name, const char *status,
		  const char *result, const char *reason, const struct err *failure) FG_WUR;

/* Adds a batch job id to data.job_ids. */
int report_job(struct report *r, const char *job_id) FG_WUR;

/* Makes data.server_list and data.job_ids appear even when empty (ECS actions). */
int report_want_servers(struct report *r) FG_WUR;

/* Sets data.schedule_time (the schedule action's instant, YYYY-MM-DDTHH:MM:SSZ). */
void report_set_schedule_time(struct report *r, const char *t);

/* How many clusters (servers = 0) or servers (servers = 1) the report holds. */
size_t report_count(const struct report *r, int servers);

/*
 * What the schedule action adds to an item: fn looks id up and sets
 * *schedule and *desired (either may stay NULL: not added). Returns 0.
 */
typedef void report_annotate_fn(const char *id, const char **schedule, const char **desired, void *ud);

/*
 * Adds "schedule" and "desired" to the clusters (servers = 0) or servers
 * (servers = 1) from index from on, as fn says. -1 when memory ran out.
 */
int report_annotate(struct report *r, int servers, size_t from, report_annotate_fn *fn, void *ud) FG_WUR;

/* Records how many cloud calls were retries (data.retries). */
void report_set_retries(struct report *r, int retries);

/* Marks the report as a dry run ("dry_run": true, nothing changed). */
void report_set_dry_run(struct report *r);

/* 1 when the report is an error (fatal, or any item failed). */
int report_is_error(const struct report *r);

/* The whole invocation's failure, or NULL when report_fail() was not called. Borrowed. */
const struct err *report_fatal(const struct report *r);

/*
 * Writes the one-line summary of r into out (size n): "<action> <success|error>:
 * N requested, N skipped, N failed".
 */
void report_summary(const struct report *r, char *out, size_t n);

/*
 * Renders the JSON text into out. With apig set, wraps it in the APIG
 * envelope {statusCode, isBase64Encoded, headers, body}. Returns -1 on OOM.
 */
int report_render(const struct report *r, int apig, struct buf *out) FG_WUR;

#endif
