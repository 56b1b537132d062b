/* cce: see cce.h. */
#include "cce.h"

#include <stdio.h>
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

int cce_get_cluster(struct cloud *c, const char *id, struct cce_cluster *out, struct err *e)
{
	char path[256];
	json_t *answer;
	int rc;

	out->name[0] = out->phase[0] = '\0';
	snprintf(path, sizeof(path), "/api/v3/projects/{project}/clusters/%s", id);
	if (cloud_request(c, CFG_CCE, "GET", path, NULL, &answer, e) != 0)
		return -1;
	rc = cce_cluster_from_json(answer, out, e);
	json_decref(answer);
	return rc;
}

int cce_operation(struct cloud *c, const char *id, const char *op, struct err *e)
{
	char path[256];
	json_t *body = json_object(), *answer = NULL;
	int rc;

	if (body == NULL)
		return err_set(e, "OutOfMemory", "out of memory");
	snprintf(path, sizeof(path), "/api/v3/projects/{project}/clusters/%s/operation/%s", id, op);
	rc = cloud_request(c, CFG_CCE, "POST", path, body, &answer, e);
	json_decref(answer);
	json_decref(body);
	return rc;
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

int cce_list_node_servers(struct cloud *c, const char *id, struct strlist *server_ids,
			  size_t *nodes_without_server, struct err *e)
{
	char path[256];
	json_t *answer;
	int rc;

	snprintf(path, sizeof(path), "/api/v3/projects/{project}/clusters/%s/nodes", id);
	if (cloud_request(c, CFG_CCE, "GET", path, NULL, &answer, e) != 0)
		return -1;
	rc = cce_node_servers_from_json(answer, server_ids, nodes_without_server, e);
	json_decref(answer);
	return rc;
}
