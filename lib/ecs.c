/* ecs: see ecs.h. */
#include "ecs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sign.h"
#include "strlist.h"

void ecs_servers_init(struct ecs_servers *s)
{
	s->v = NULL;
	s->n = 0;
	s->cap = 0;
	s->tag_keys[0] = s->tag_keys[1] = NULL;
}

void ecs_servers_release(struct ecs_servers *s)
{
	if (s == NULL)
		return;
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

const struct ecs_server *ecs_servers_find(const struct ecs_servers *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].id, id) == 0)
			return &s->v[i];
	return NULL;
}

/* Room for one more server at s->v[s->n]; -1 when memory ran out. */
static int ecs_servers_grow(struct ecs_servers *s)
{
	struct ecs_server *v;
	size_t cap;

	if (s->n < s->cap)
		return 0;
	cap = s->cap ? s->cap * 2 : 64;
	if ((v = realloc(s->v, cap * sizeof(*v))) == NULL)
		return -1;
	s->v = v;
	s->cap = cap;
	return 0;
}

int ecs_servers_append(struct ecs_servers *s, const struct ecs_server *srv)
{
	if (ecs_servers_grow(s) != 0)
		return -1;
	s->v[s->n++] = *srv;
	return 0;
}

/* Keeps the values of s->tag_keys from a listed server's tags ("key=value" strings). */
static void ecs_server_tags(const struct ecs_servers *s, struct ecs_server *v, const json_t *tags)
{
	const json_t *t;
	const char *kv;
	size_t i, k, n;

	json_array_foreach(tags, i, t) {
		if (!json_is_string(t))
			continue;
		kv = json_string_value(t);
		for (k = 0; k < ECS_TAG_KEYS; k++) {
			if (s->tag_keys[k] == NULL || v->has_tag[k])
				continue;
			n = strlen(s->tag_keys[k]);
			if (strncmp(kv, s->tag_keys[k], n) != 0 || (kv[n] != '=' && kv[n] != '\0'))
				continue;
			kv += kv[n] == '=' ? n + 1 : n;
			v->has_tag[k] = strlen(kv) < sizeof(v->tag[k]) ? 1 : 2;
			if (v->has_tag[k] == 1)
				snprintf(v->tag[k], sizeof(v->tag[k]), "%s", kv);
			break;
		}
	}
}

static int ecs_servers_add(struct ecs_servers *s, const char *id, const char *name, const char *status,
			   const json_t *listed)
{
	const json_t *task = json_object_get(listed, "OS-EXT-STS:task_state");
	struct ecs_server *v;

	if (ecs_servers_find(s, id) != NULL)
		return 0;
	if (ecs_servers_grow(s) != 0)
		return -1;
	v = &s->v[s->n++];
	memset(v, 0, sizeof(*v));
	snprintf(v->id, sizeof(v->id), "%s", id);
	snprintf(v->name, sizeof(v->name), "%s", name);
	snprintf(v->status, sizeof(v->status), "%s", status);
	if (json_is_string(task))
		snprintf(v->task, sizeof(v->task), "%s", json_string_value(task));
	if (json_is_array(json_object_get(listed, "tags")))
		ecs_server_tags(s, v, json_object_get(listed, "tags"));
	return 0;
}

int ecs_page_from_json(const json_t *root, struct ecs_servers *out, size_t *got, long long *count,
		       struct err *e)
{
	json_t *servers = json_object_get(root, "servers"), *s, *n;
	size_t i;

	*got = 0;
	n = json_object_get(root, "count");
	*count = json_is_integer(n) ? (long long)json_integer_value(n) : -1;
	if (!json_is_array(servers))
		return err_set(e, "BadResponse", "the server list has no servers array");
	json_array_foreach(servers, i, s) {
		json_t *id = json_object_get(s, "id"), *name = json_object_get(s, "name"),
		       *st = json_object_get(s, "status");

		if (!json_is_string(id) || !json_is_string(st))
			return err_set(e, "BadResponse", "a listed server has no id or status");
		if (ecs_servers_add(out, json_string_value(id),
				    json_is_string(name) ? json_string_value(name) : "",
				    json_string_value(st), s) != 0)
			return err_set(e, "OutOfMemory", "out of memory");
	}
	*got = json_array_size(servers);
	return 0;
}

int ecs_list(struct cloud *c, const char *tag, struct ecs_servers *out, struct err *e)
{
	json_t *answer = NULL;
	struct buf path, enc;
	size_t got, seen = 0;
	long long count;
	long page;
	int rc = -1;

	buf_init(&path, BUF_MAX_SMALL);
	buf_init(&enc, BUF_MAX_SMALL);
	if (tag != NULL && sign_escape(tag, strlen(tag), &enc) != 0) {
		err_set(e, "InvalidParameter", "tag too long");
		goto out;
	}
	for (page = 1;; page++) {
		buf_clear(&path);
		if (buf_printf(&path, "/v1/{project}/cloudservers/detail?offset=%ld&limit=%d%s%s", page,
			       ECS_PAGE_LIMIT, tag ? "&tags=" : "", buf_str(&enc)) != 0) {
			err_set(e, "OutOfMemory", "out of memory");
			goto out;
		}
		json_decref(answer);
		if (cloud_request(c, CFG_ECS, "GET", buf_str(&path), NULL, &answer, e) != 0 ||
		    ecs_page_from_json(answer, out, &got, &count, e) != 0)
			goto out;
		seen += got;
		/* The last page is short, or the count says we have them all. */
		if (got < ECS_PAGE_LIMIT || (count >= 0 && (long long)seen >= count))
			break;
		if (page >= 10000) {
			err_set(e, "BadResponse", "server list does not end");
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(answer);
	buf_release(&path);
	buf_release(&enc);
	return rc;
}

/* A job id from an answer: an id (strlist_check_id) shorter than n_job. */
static int ecs_check_job_id(const char *id, size_t n, size_t n_job, struct err *e)
{
	struct err why;

	err_clear(&why);
	if (n >= n_job)
		err_set(&why, "BadResponse", "job_id: longer than %zu characters", n_job - 1);
	else if (strlist_check_id(id, n, "job_id", &why) == 0)
		return 0;
	return err_set(e, "BadResponse", "the answer's %s; not followed", why.msg);
}

int ecs_batch(struct cloud *c, const char *op, const char *type, const char *const *ids, size_t n,
	      char *job_id, size_t n_job, struct err *e)
{
	json_t *body = NULL, *servers = NULL, *answer = NULL, *inner, *jid;
	size_t i;
	int rc = -1;

	job_id[0] = '\0';
	servers = json_array();
	for (i = 0; servers != NULL && i < n; i++)
		if (json_array_append_new(servers, json_pack("{s:s}", "id", ids[i])) != 0)
			goto oom;
	inner = type ? json_pack("{s:s, s:O}", "type", type, "servers", servers)
		     : json_pack("{s:O}", "servers", servers);
	if (inner == NULL || (body = json_pack("{s:o}", op, inner)) == NULL)
		goto oom;
	if (cloud_request(c, CFG_ECS, "POST", "/v1/{project}/cloudservers/action", body, &answer, e) != 0)
		goto out;
	jid = json_object_get(answer, "job_id");
	if (!json_is_string(jid)) {
		err_set(e, "BadResponse", "batch action answer has no job_id");
		goto out;
	}
	/* It goes into a URL (ecs_job_get): an id, and whole. */
	if (ecs_check_job_id(json_string_value(jid), json_string_length(jid), n_job, e) != 0)
		goto out;
	memcpy(job_id, json_string_value(jid), json_string_length(jid) + 1);
	rc = 0;
	goto out;
oom:
	err_set(e, "OutOfMemory", "out of memory");
out:
	json_decref(answer);
	json_decref(servers);
	json_decref(body);
	return rc;
}

void ecs_job_init(struct ecs_job *j)
{
	memset(j, 0, sizeof(*j));
}

void ecs_job_release(struct ecs_job *j)
{
	if (j == NULL)
		return;
	free(j->sub);
	ecs_job_init(j);
}

static void ecs_job_error(char *dst, size_t n, const json_t *obj)
{
	json_t *code = json_object_get(obj, "error_code"), *why = json_object_get(obj, "fail_reason");

	snprintf(dst, n, "%s%s%s", json_is_string(code) ? json_string_value(code) : "",
		 json_is_string(code) && json_is_string(why) ? ": " : "",
		 json_is_string(why) ? json_string_value(why) : "");
}

int ecs_job_from_json(const json_t *root, struct ecs_job *j, struct err *e)
{
	json_t *status = json_object_get(root, "status"), *subs, *sj;
	size_t i;

	ecs_job_release(j);
	if (!json_is_string(status))
		return err_set(e, "BadResponse", "the job answer has no status");
	snprintf(j->status, sizeof(j->status), "%s", json_string_value(status));
	ecs_job_error(j->error, sizeof(j->error), root);
	subs = json_object_get(json_object_get(root, "entities"), "sub_jobs");
	if (!json_is_array(subs) || json_array_size(subs) == 0)
		return 0;
	if ((j->sub = calloc(json_array_size(subs), sizeof(*j->sub))) == NULL)
		return err_set(e, "OutOfMemory", "out of memory");
	json_array_foreach(subs, i, sj) {
		json_t *sid = json_object_get(json_object_get(sj, "entities"), "server_id");
		json_t *st = json_object_get(sj, "status");

		if (!json_is_string(sid) || !json_is_string(st))
			continue;
		snprintf(j->sub[j->nsub].server_id, sizeof(j->sub[0].server_id), "%s", json_string_value(sid));
		snprintf(j->sub[j->nsub].status, sizeof(j->sub[0].status), "%s", json_string_value(st));
		ecs_job_error(j->sub[j->nsub].error, sizeof(j->sub[0].error), sj);
		j->nsub++;
	}
	return 0;
}

int ecs_job_get(struct cloud *c, const char *job_id, struct ecs_job *j, struct err *e)
{
	char path[256];
	json_t *answer;
	int rc;

	ecs_job_release(j);
	if (ecs_check_job_id(job_id, strlen(job_id), 64, e) != 0)
		return -1;
	snprintf(path, sizeof(path), "/v1/{project}/jobs/%s", job_id);
	if (cloud_request(c, CFG_ECS, "GET", path, NULL, &answer, e) != 0)
		return -1;
	rc = ecs_job_from_json(answer, j, e);
	json_decref(answer);
	return rc;
}

int ecs_job_done(const char *status)
{
	return strcmp(status, "SUCCESS") == 0 || strcmp(status, "FAIL") == 0;
}
