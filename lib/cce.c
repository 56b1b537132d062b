/* cce: see cce.h. */
#include "cce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int cce_cluster_from_json(const json_t *root, struct cce_cluster *out, struct err *e)
{
	json_t *name, *phase;

	out->name[0] = out->phase[0] = '\0';
	name = json_object_get(json_object_get(root, "metadata"), "name");
	phase = json_object_get(json_object_get(root, "status"), "phase");
	if (!json_is_string(phase))
		return err_set(e, "BadResponse", "the cluster answer has no status.phase");
	buf_copy(out->phase, sizeof(out->phase), json_string_value(phase));
	if (json_is_string(name))
		buf_copy(out->name, sizeof(out->name), json_string_value(name));
	return 0;
}

int cce_node_servers_from_json(const json_t *root, struct strlist *server_ids,
			       size_t *nodes_without_server, struct err *e)
{
	json_t *items = json_object_get(root, "items"), *node, *sid;
	size_t i;

	if (!json_is_array(items))
		return err_set(e, "BadResponse", "the node list has no items array");
	json_array_foreach(items, i, node) {
		sid = json_object_get(json_object_get(node, "status"), "serverId");
		if (!json_is_string(sid) || json_string_length(sid) == 0) {
			(*nodes_without_server)++;
			continue;
		}
		if (strlist_add_id(server_ids, json_string_value(sid), json_string_length(sid),
				   "node serverId", e) != 0)
			return -1;
	}
	return 0;
}

/* A queued call's destination and callback. */
struct cce_pending {
	enum { CCE_GET, CCE_OP, CCE_NODES } kind;
	struct cce_cluster *cluster;
	struct strlist *server_ids;
	size_t *nodes_without_server;
	cce_done_fn *done;
	void *ud;
};

static void cce_answered(struct cloud *c, void *ud, int rc, json_t *answer, struct err *e)
{
	struct cce_pending p = *(struct cce_pending *)ud;

	free(ud);
	if (rc == 0 && p.kind == CCE_GET)
		rc = cce_cluster_from_json(answer, p.cluster, e);
	else if (rc == 0 && p.kind == CCE_NODES)
		rc = cce_node_servers_from_json(answer, p.server_ids, p.nodes_without_server, e);
	p.done(c, p.ud, rc, e);
}

/* Queues method path for p (copied); done runs at once when memory runs out. */
static void cce_queue(struct cloud *c, const struct cce_pending *p, const char *method, const char *path,
		      const json_t *body)
{
	struct cce_pending *k = malloc(sizeof(*k));
	struct err e;

	if (k == NULL) {
		err_clear(&e);
		err_set(&e, "OutOfMemory", "out of memory queueing %s %s", method, path);
		p->done(c, p->ud, -1, &e);
		return;
	}
	*k = *p;
	cloud_add(c, CFG_CCE, method, path, body, cce_answered, k);
}

void cce_get_cluster_add(struct cloud *c, const char *id, struct cce_cluster *out, cce_done_fn *done,
			 void *ud)
{
	struct cce_pending p = {CCE_GET, out, NULL, NULL, done, ud};
	char path[256];

	out->name[0] = out->phase[0] = '\0';
	snprintf(path, sizeof(path), "/api/v3/projects/{project}/clusters/%s", id);
	cce_queue(c, &p, "GET", path, NULL);
}

void cce_operation_add(struct cloud *c, const char *id, const char *op, cce_done_fn *done, void *ud)
{
	struct cce_pending p = {CCE_OP, NULL, NULL, NULL, done, ud};
	json_t *body = json_object();
	char path[256];
	struct err e;

	if (body == NULL) {
		err_clear(&e);
		err_set(&e, "OutOfMemory", "out of memory");
		done(c, ud, -1, &e);
		return;
	}
	snprintf(path, sizeof(path), "/api/v3/projects/{project}/clusters/%s/operation/%s", id, op);
	cce_queue(c, &p, "POST", path, body);
	json_decref(body);
}

void cce_list_node_servers_add(struct cloud *c, const char *id, struct strlist *server_ids,
			       size_t *nodes_without_server, cce_done_fn *done, void *ud)
{
	struct cce_pending p = {CCE_NODES, NULL, server_ids, nodes_without_server, done, ud};
	char path[256];

	snprintf(path, sizeof(path), "/api/v3/projects/{project}/clusters/%s/nodes", id);
	cce_queue(c, &p, "GET", path, NULL);
}
