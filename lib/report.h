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
#include "cloud.h"
#include "err.h"

/* Item results. */
#define REPORT_REQUESTED "requested"
#define REPORT_SKIPPED "skipped"
#define REPORT_FAILED "failed"

/* Fields are private to report.c. */
struct report {
	char action[32];
	json_t *clusters;
	int nrequested, nskipped, nfailed;
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
 * was skipped or failed; failure (may be NULL) is the cloud's answer to quote.
 * Returns -1 when memory ran out.
 */
int report_cluster(struct report *r, const char *id, const char *name, const char *phase,
		   const char *result, const char *reason, const struct cloud_result *failure) FG_WUR;

/* 1 when the report is an error (fatal, or any item failed). */
int report_is_error(const struct report *r);

/*
 * Renders the JSON text into out. With apig set, wraps it in the APIG
 * envelope {statusCode, isBase64Encoded, headers, body}. Returns -1 on OOM.
 */
int report_render(const struct report *r, int apig, struct buf *out) FG_WUR;

#endif
