/* cce: see cce.h. */
#include "cce.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"

int cce_get_cluster(struct cloud *c, const char *id, struct cce_cluster *out,
		    struct cloud_result *res, struct err *e)
{
	char path[256];
	json_t *meta, *status, *name, *phase;

	out->name[0] = out->phase[0] = '\0';
	snprintf(path, sizeof(path), "/api/v3/projects/{project}/clusters/%s", id);
	if (cloud_request(c, CFG_CCE, "GET", path, NULL, res, e) != 0)
		return -1;
	meta = json_object_get(res->json, "metadata");
	status = json_object_get(res->json, "status");
	name = json_object_get(meta, "name");
	phase = json_object_get(status, "phase");
	if (!json_is_string(phase)) {
		snprintf(res->code, sizeof(res->code), "BadResponse");
		snprintf(res->message, sizeof(res->message), "cluster answer has no status.phase");
		return err_set(e, "BadResponse", "GET cluster %s: the answer has no status.phase", id);
	}
	snprintf(out->phase, sizeof(out->phase), "%s", json_string_value(phase));
	if (json_is_string(name))
		snprintf(out->name, sizeof(out->name), "%s", json_string_value(name));
	return 0;
}

int cce_operation(struct cloud *c, const char *id, const char *op, struct cloud_result *res,
		  struct err *e)
{
	char path[256];
	json_t *body = json_object();
	int rc;

	if (body == NULL)
		return err_set(e, "OutOfMemory", "out of memory");
	snprintf(path, sizeof(path), "/api/v3/projects/{project}/clusters/%s/operation/%s", id, op);
	rc = cloud_request(c, CFG_CCE, "POST", path, body, res, e);
	json_decref(body);
	return rc;
}

int cce_list_node_servers(struct cloud *c, const char *id, struct strlist *server_ids,
			  size_t *nodes_without_server, struct cloud_result *res, struct err *e)
{
	char path[256];
	json_t *items, *node, *sid;
	size_t i;

	snprintf(path, sizeof(path), "/api/v3/projects/{project}/clusters/%s/nodes", id);
	if (cloud_request(c, CFG_CCE, "GET", path, NULL, res, e) != 0)
		return -1;
	items = json_object_get(res->json, "items");
	if (!json_is_array(items)) {
		snprintf(res->code, sizeof(res->code), "BadResponse");
		snprintf(res->message, sizeof(res->message), "node list has no items array");
		return err_set(e, "BadResponse", "GET nodes of %s: the answer has no items", id);
	}
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
