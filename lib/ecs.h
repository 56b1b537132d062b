/*
 * ecs: the ECS v1 calls the handlers need, as typed functions (spec 4).
 * JSON stays inside this module; handlers see plain structs.
 */
#ifndef FG_ECS_H
#define FG_ECS_H

#include <stddef.h>

#include "cloud.h"
#include "err.h"
#include "strindex.h"
#include "strlist.h"

#define ECS_BATCH_MAX 1000 /* servers per batch action (spec 4.4) */
#define ECS_PAGE_LIMIT 1000 /* servers per list page (spec 4.1) */

#define ECS_TAG_KEYS 2       /* tag values a listing can keep per server */
#define ECS_TAG_VALUE_MAX 64 /* kept up to 63 bytes; longer ones are marked, not kept */

struct ecs_server {
	char id[STRLIST_ID_MAX + 1];
	char name[128];
	char status[24]; /* ACTIVE, SHUTOFF, ... */
	char task[24];   /* OS-EXT-STS:task_state: powering-on, powering-off, ... ("" when none) */
	/* The values of the listing's tag_keys: has_tag 0 absent, 1 kept in tag, 2 too long. */
	char tag[ECS_TAG_KEYS][ECS_TAG_VALUE_MAX];
	unsigned char has_tag[ECS_TAG_KEYS];
};

/*
 * A growable array of servers; fields read-only for callers, but tag_keys,
 * which a caller may set before listing: the tag keys whose values each
 * listed server keeps (NULL: none).
 */
struct ecs_servers {
	struct ecs_server *v;
	size_t n;
	size_t cap;
	const char *tag_keys[ECS_TAG_KEYS];
	struct strindex idx; /* private: v's index by id */
};

void ecs_servers_init(struct ecs_servers *s);
void ecs_servers_release(struct ecs_servers *s);

/* Appends a copy of srv, which the caller knows is not in s yet. 0, or -1 when memory ran out. */
int ecs_servers_append(struct ecs_servers *s, const struct ecs_server *srv) FG_WUR;

/* Returns the server with id, or NULL. Borrowed. */
const struct ecs_server *ecs_servers_find(const struct ecs_servers *s, const char *id);

/*
 * Each call returns 0, or -1 with e describing the failure as
 * cloud_request() does (an answer of the wrong shape: e->code "BadResponse",
 * with the answer's status).
 */

/*
 * GET /v1/{project}/cloudservers/detail, every page (offset is a page number,
 * limit ECS_PAGE_LIMIT), appending servers not yet in out in page order. tag
 * ("key=value" or "key") filters when not NULL. Once the first page gives the
 * count, the other pages are fetched at once (see cloud_run).
 */
int ecs_list(struct cloud *c, const char *tag, struct ecs_servers *out, struct err *e) FG_WUR;

/*
 * ecs_list() for every tag of tags, the sweeps overlapping: all first pages
 * at once, then all the other pages at once. Appends in tag order, then page
 * order (the union one sweep after another would build). 0, or -1 with e set
 * (the first failure in that order).
 */
int ecs_list_tags(struct cloud *c, const struct strlist *tags, struct ecs_servers *out,
		  struct err *e) FG_WUR;

/* The outcome of one server inside a job. */
struct ecs_subjob {
	char server_id[STRLIST_ID_MAX + 1];
	char status[16]; /* SUCCESS, RUNNING, FAIL, INIT */
	char error[160]; /* error_code: fail_reason, when failed */
};

struct ecs_job {
	char status[16];
	char error[160];
	struct ecs_subjob *sub;
	size_t nsub;
};

void ecs_job_init(struct ecs_job *j);
void ecs_job_release(struct ecs_job *j);

/*
 * Calls queued on c (see cloud_add): nothing is sent before cloud_run(); done
 * runs exactly once with ud, and rc 0, or -1 with e describing the failure.
 */
typedef void ecs_done_fn(struct cloud *c, void *ud, int rc, struct err *e);

/* GET /v1/{project}/jobs/{job_id} into j (replacing its contents); job_id must be an id. */
void ecs_job_get_add(struct cloud *c, const char *job_id, struct ecs_job *j, ecs_done_fn *done, void *ud);

/*
 * POST /v1/{project}/cloudservers/action with os-start (type NULL) or os-stop
 * (type "SOFT"/"HARD") for n <= ECS_BATCH_MAX ids (copied at once). On
 * success the job id is in job_id (size n_job, which must live until done
 * runs). A job id that is not an id (strlist_check_id) or does not fit is
 * "BadResponse" with the answer's 2xx status: the batch was sent, but its job
 * cannot be followed.
 */
void ecs_batch_add(struct cloud *c, const char *op, const char *type, const char *const *ids, size_t n,
		   char *job_id, size_t n_job, ecs_done_fn *done, void *ud);

/*
 * The parsing halves of the calls above, on an already parsed answer (pure:
 * no I/O; exposed for the fuzzers). root is borrowed and may be NULL.
 * ecs_page_from_json appends the page's servers and sets *got to their number
 * and *count to the answer's total (-1 when absent).
 */
int ecs_page_from_json(const json_t *root, struct ecs_servers *out, size_t *got, long long *count,
		       struct err *e) FG_WUR;
int ecs_job_from_json(const json_t *root, struct ecs_job *j, struct err *e) FG_WUR;

/* 1 when a job status is final (SUCCESS or FAIL). */
int ecs_job_done(const char *status);

#endif
