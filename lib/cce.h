/*
 * cce: the CCE v3 calls the handlers need, as typed functions (spec 3).
 * JSON stays inside this module; handlers see plain structs.
 */
#ifndef FG_CCE_H
#define FG_CCE_H

#include "cloud.h"
#include "err.h"
#include "strlist.h"

struct cce_cluster {
	char name[128];
	char phase[32]; /* Available, Hibernating, Hibernation, Awaking, ... */
};

/*
 * Calls queued on c (see cloud_add): nothing is sent before cloud_run(), and
 * done runs exactly once with ud and rc: 0, or -1 with e describing the
 * failure as cloud_request() does (an answer of the wrong shape: e->code
 * "BadResponse", with the answer's status). id, op are copied; out,
 * server_ids and nodes_without_server must live until done has run.
 *
 *   cce_get_cluster_add         GET /api/v3/projects/{project}/clusters/{id} into out
 *   cce_operation_add           POST .../clusters/{id}/operation/{op} ("hibernate", "awake")
 *   cce_list_node_servers_add   GET .../clusters/{id}/nodes: appends each node's ECS
 *                               server id (status.serverId) to server_ids; nodes
 *                               without one (still building) are counted in
 *                               *nodes_without_server
 */
typedef void cce_done_fn(struct cloud *c, void *ud, int rc, struct err *e);

void cce_get_cluster_add(struct cloud *c, const char *id, struct cce_cluster *out, cce_done_fn *done,
			 void *ud);
void cce_operation_add(struct cloud *c, const char *id, const char *op, cce_done_fn *done, void *ud);
void cce_list_node_servers_add(struct cloud *c, const char *id, struct strlist *server_ids,
			       size_t *nodes_without_server, cce_done_fn *done, void *ud);

/*
 * The parsing halves of the calls above, on an already parsed answer (pure:
 * no I/O; exposed for the fuzzers). root is borrowed and may be NULL.
 */
int cce_cluster_from_json(const json_t *root, struct cce_cluster *out, struct err *e) FG_WUR;
int cce_node_servers_from_json(const json_t *root, struct strlist *server_ids,
			       size_t *nodes_without_server, struct err *e) FG_WUR;

#endif
