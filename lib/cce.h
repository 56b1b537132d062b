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
 * Each call returns 0, or -1 with e describing the failure as
 * cloud_request() does (an answer of the wrong shape: e->code "BadResponse",
 * with the answer's status).
 */

/* GET /api/v3/projects/{project}/clusters/{id}. */
int cce_get_cluster(struct cloud *c, const char *id, struct cce_cluster *out, struct err *e) FG_WUR;

/* POST .../clusters/{id}/operation/{op}, op being "hibernate" or "awake". */
int cce_operation(struct cloud *c, const char *id, const char *op, struct err *e) FG_WUR;

/*
 * GET .../clusters/{id}/nodes: appends each node's ECS server id
 * (status.serverId) to server_ids. Nodes without one (still building) are
 * counted in *nodes_without_server.
 */
int cce_list_node_servers(struct cloud *c, const char *id, struct strlist *server_ids,
			  size_t *nodes_without_server, struct err *e) FG_WUR;

/*
 * The parsing halves of the calls above, on an already parsed answer (pure:
 * no I/O; exposed for the fuzzers). root is borrowed and may be NULL.
 */
int cce_cluster_from_json(const json_t *root, struct cce_cluster *out, struct err *e) FG_WUR;
int cce_node_servers_from_json(const json_t *root, struct strlist *server_ids,
			       size_t *nodes_without_server, struct err *e) FG_WUR;

#endif
