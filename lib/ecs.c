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
	strindex_init(&s->idx);
	s->tag_keys[0] = s->tag_keys[1] = NULL;
}

void ecs_servers_release(struct ecs_servers *s)
{
	if (s == NULL)
		return;
	free(s->v);
	strindex_release(&s->idx);
	s->v = NULL;
	s->n = s->cap = 0; /* tag_keys stay: the caller's choice */
}

static const char *ecs_server_key(const void *items, size_t i)
{
	return ((const struct ecs_server *)items)[i].id;
}

const struct ecs_server *ecs_servers_find(const struct ecs_servers *s, const char *id)
{
	size_t at = strindex_find(&s->idx, ecs_server_key, s->v, id, strlen(id));

	return at != STRINDEX_NONE ? &s->v[at] : NULL;
}

/* Makes room for one more server, in the array and in the index. 0, or -1 (nothing changed). */
static int ecs_servers_grow(struct ecs_servers *s)
{
	struct ecs_server *v;
	size_t cap;

	if (strindex_reserve(&s->idx, ecs_server_key, s->v, s->n) != 0)
		return -1;
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
	s->v[s->n] = *srv;
	strindex_put(&s->idx, ecs_server_key, s->v, s->n++);
	return 0;
}

/* Starts s empty, keeping the same tag values as like does (for pages fetched apart). */
static void ecs_servers_like(struct ecs_servers *s, const struct ecs_servers *like)
{
	ecs_servers_init(s);
	s->tag_keys[0] = like->tag_keys[0];
	s->tag_keys[1] = like->tag_keys[1];
}

/* Appends, whole, the servers of from that out does not hold yet. 0, or -1 when memory ran out. */
static int ecs_servers_merge(struct ecs_servers *out, const struct ecs_servers *from)
{
	size_t i;

	for (i = 0; i < from->n; i++)
		if (ecs_servers_find(out, from->v[i].id) == NULL && ecs_servers_append(out, &from->v[i]) != 0)
			return -1;
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
				buf_copy(v->tag[k], sizeof(v->tag[k]), kv);
			break;
		}
	}
}

static int ecs_servers_add(struct ecs_servers *s, const char *id, const char *name, const char *status,
			   const json_t *listed)
{
	const json_t *task = json_object_get(listed, "OS-EXT-STS:task_state");
	struct ecs_server v;

	if (ecs_servers_find(s, id) != NULL)
		return 0;
	memset(&v, 0, sizeof(v));
	buf_copy(v.id, sizeof(v.id), id);
	buf_copy(v.name, sizeof(v.name), name);
	buf_copy(v.status, sizeof(v.status), status);
	if (json_is_string(task))
		buf_copy(v.task, sizeof(v.task), json_string_value(task));
	if (json_is_array(json_object_get(listed, "tags")))
		ecs_server_tags(s, &v, json_object_get(listed, "tags"));
	return ecs_servers_append(s, &v);
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
		/* It goes into batch bodies and answers: an id, and whole (never cut to fit). */
		if (strlist_check_id(json_string_value(id), json_string_length(id), "a listed server's id", e) != 0) {
			snprintf(e->code, sizeof(e->code), "BadResponse");
			return -1;
		}
		if (ecs_servers_add(out, json_string_value(id),
				    json_is_string(name) ? json_string_value(name) : "",
				    json_string_value(st), s) != 0)
			return err_set(e, "OutOfMemory", "out of memory");
	}
	*got = json_array_size(servers);
	return 0;
}

#define ECS_PAGES_MAX 10000L /* a listing longer than this does not end */

/* One page of a listing, fetched with others. */
struct ecs_page {
	struct ecs_servers got;
	size_t n;        /* servers on the page */
	long long count; /* the answer's total, -1 when absent */
	int rc;
	struct err e;
};

static void ecs_page_done(struct cloud *c, void *ud, int rc, json_t *answer, struct err *e)
{
	struct ecs_page *pg = ud;

	(void)c;
	if (rc == 0)
		rc = ecs_page_from_json(answer, &pg->got, &pg->n, &pg->count, e);
	if ((pg->rc = rc) != 0)
		pg->e = *e;
}

/* One listing (every server, or one tag's): its first page, then the rest at once. */
struct ecs_sweep {
	struct buf query;      /* "" or "&tags=<escaped>" */
	struct ecs_page *page; /* page[0 .. last) once the first page said how many */
	long last;
};

/* The path of page number `page` (from 1) of sw's listing. */
static void ecs_page_path(char *path, size_t n, const struct ecs_sweep *sw, long page)
{
	snprintf(path, n, "/v1/{project}/cloudservers/detail?offset=%ld&limit=%d%s", page, ECS_PAGE_LIMIT,
		 buf_str(&sw->query));
}

/* Queues page number `page` (from 1) of sw into sw->page[page - 1]. */
static void ecs_sweep_add(struct cloud *c, struct ecs_sweep *sw, long page, const struct ecs_servers *like)
{
	char path[4200]; /* the query is at most 4000 bytes */

	ecs_servers_like(&sw->page[page - 1].got, like);
	ecs_page_path(path, sizeof(path), sw, page);
	cloud_add(c, CFG_ECS, "GET", path, NULL, ecs_page_done, &sw->page[page - 1]);
}

/* Appends one fetched page to out. 0, or -1 with e set (the page's failure, or memory). */
static int ecs_page_merge(struct ecs_page *p, struct ecs_servers *out, struct err *e)
{
	if (p->rc != 0) {
		*e = p->e;
		return -1;
	}
	if (ecs_servers_merge(out, &p->got) != 0)
		return err_set(e, "OutOfMemory", "out of memory");
	return 0;
}

/*
 * A full first page without a count: page on from page 2, one after
 * another, until a short page. 0, or -1 with e set.
 */
static int ecs_page_on(struct cloud *c, const struct ecs_sweep *sw, struct ecs_servers *out, struct err *e)
{
	char path[4200];
	json_t *answer = NULL;
	long long count;
	size_t got = ECS_PAGE_LIMIT;
	long page;
	int rc = 0;

	for (page = 2; rc == 0 && got == ECS_PAGE_LIMIT; page++) {
		if (page > ECS_PAGES_MAX)
			return err_set(e, "BadResponse", "server list does not end");
		ecs_page_path(path, sizeof(path), sw, page);
		rc = cloud_request(c, CFG_ECS, "GET", path, NULL, &answer, e) != 0 ||
		     ecs_page_from_json(answer, out, &got, &count, e) != 0 ? -1 : 0;
		json_decref(answer);
		answer = NULL;
	}
	return rc;
}

/*
 * Runs n listings together: every first page at once, then every other page
 * at once, and appends to out in listing order, then page order (the union
 * one sweep after another would build). 0, or -1 with e set (the first
 * failure in that order). Every failure returns before anything is queued:
 * what is queued is always run, so no call outlives sw.
 */
static int ecs_sweep_run(struct cloud *c, struct ecs_sweep *sw, size_t n, struct ecs_servers *out,
			 struct err *e)
{
	struct ecs_page *first;
	size_t i;
	long pg;

	for (i = 0; i < n; i++) {
		if ((sw[i].page = calloc(1, sizeof(*sw[i].page))) == NULL)
			return err_set(e, "OutOfMemory", "out of memory");
		sw[i].last = 1;
	}
	for (i = 0; i < n; i++)
		ecs_sweep_add(c, &sw[i], 1, out);
	cloud_run(c);
	for (i = 0; i < n; i++) {
		first = &sw[i].page[0];
		if (first->rc != 0 || first->n < ECS_PAGE_LIMIT || first->count <= (long long)first->n)
			continue;
		if (first->count > ECS_PAGES_MAX * ECS_PAGE_LIMIT)
			return err_set(e, "BadResponse", "server list does not end (count %lld)", first->count);
		sw[i].last = (long)((first->count + ECS_PAGE_LIMIT - 1) / ECS_PAGE_LIMIT);
		if ((first = realloc(sw[i].page, (size_t)sw[i].last * sizeof(*first))) == NULL) {
			sw[i].last = 1;
			return err_set(e, "OutOfMemory", "out of memory");
		}
		sw[i].page = first;
		memset(first + 1, 0, (size_t)(sw[i].last - 1) * sizeof(*first));
	}
	for (i = 0; i < n; i++)
		for (pg = 2; pg <= sw[i].last; pg++)
			ecs_sweep_add(c, &sw[i], pg, out);
	cloud_run(c);
	for (i = 0; i < n; i++) {
		for (pg = 1; pg <= sw[i].last; pg++)
			if (ecs_page_merge(&sw[i].page[pg - 1], out, e) != 0)
				return -1;
		first = &sw[i].page[0];
		if (first->n == ECS_PAGE_LIMIT && first->count < 0 && ecs_page_on(c, &sw[i], out, e) != 0)
			return -1;
	}
	return 0;
}

/* Sets up n listings, tags[i] filtering the i-th (a NULL tag: every server). */
static int ecs_sweep_init(struct ecs_sweep *sw, const char *const *tags, size_t n, struct err *e)
{
	struct buf enc;
	size_t i;
	int rc = 0;

	buf_init(&enc, BUF_MAX_SMALL);
	for (i = 0; i < n; i++) {
		buf_init(&sw[i].query, 4000);
		buf_clear(&enc);
		if (tags[i] != NULL && (sign_escape(tags[i], strlen(tags[i]), &enc) != 0 ||
					buf_printf(&sw[i].query, "&tags=%s", buf_str(&enc)) != 0))
			rc = err_set(e, "InvalidParameter", "tag too long");
	}
	buf_release(&enc);
	return rc;
}

static void ecs_sweep_release(struct ecs_sweep *sw, size_t n)
{
	size_t i;
	long pg;

	for (i = 0; i < n; i++) {
		buf_release(&sw[i].query);
		for (pg = 1; sw[i].page != NULL && pg <= sw[i].last; pg++)
			ecs_servers_release(&sw[i].page[pg - 1].got);
		free(sw[i].page);
	}
	free(sw);
}

/* The listings of tags[0 .. n) together, into out. */
static int ecs_list_many(struct cloud *c, const char *const *tags, size_t n, struct ecs_servers *out,
			 struct err *e)
{
	struct ecs_sweep *sw = calloc(n ? n : 1, sizeof(*sw));
	int rc;

	err_clear(e); /* a failure found here, not a cloud's answer: no status or request id */
	if (sw == NULL)
		return err_set(e, "OutOfMemory", "out of memory");
	rc = ecs_sweep_init(sw, tags, n, e) == 0 ? ecs_sweep_run(c, sw, n, out, e) : -1;
	ecs_sweep_release(sw, n);
	return rc;
}

int ecs_list(struct cloud *c, const char *tag, struct ecs_servers *out, struct err *e)
{
	return ecs_list_many(c, &tag, 1, out, e);
}

int ecs_list_tags(struct cloud *c, const struct strlist *tags, struct ecs_servers *out, struct err *e)
{
	return ecs_list_many(c, (const char *const *)tags->v, tags->n, out, e);
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

/* The body of a batch action: {"<op>": {["type": type,] "servers": [{"id": ...}, ...]}}. NULL on OOM. */
static json_t *ecs_batch_body(const char *op, const char *type, const char *const *ids, size_t n)
{
	json_t *servers = json_array(), *inner = NULL, *body = NULL;
	size_t i;

	for (i = 0; servers != NULL && i < n; i++)
		if (json_array_append_new(servers, json_pack("{s:s}", "id", ids[i])) != 0)
			goto out;
	if (servers == NULL)
		goto out;
	inner = type ? json_pack("{s:s, s:O}", "type", type, "servers", servers)
		     : json_pack("{s:O}", "servers", servers);
	if (inner != NULL)
		body = json_pack("{s:o}", op, inner);
out:
	json_decref(servers);
	return body;
}

/* Reads a batch answer's job id into job_id (size n_job). 0, or -1 with e set. */
static int ecs_batch_job(const json_t *answer, char *job_id, size_t n_job, struct err *e)
{
	json_t *jid = json_object_get(answer, "job_id");

	if (!json_is_string(jid))
		return err_set(e, "BadResponse", "batch action answer has no job_id");
	/* It goes into a URL (ecs_job_get): an id, and whole. */
	if (ecs_check_job_id(json_string_value(jid), json_string_length(jid), n_job, e) != 0)
		return -1;
	memcpy(job_id, json_string_value(jid), json_string_length(jid) + 1);
	return 0;
}

/* ecs_batch_add()'s destination and callback. */
struct ecs_batch_pending {
	char *job_id;
	size_t n_job;
	ecs_done_fn *done;
	void *ud;
};

static void ecs_batch_answered(struct cloud *c, void *ud, int rc, json_t *answer, struct err *e)
{
	struct ecs_batch_pending p = *(struct ecs_batch_pending *)ud;

	free(ud);
	if (rc == 0)
		rc = ecs_batch_job(answer, p.job_id, p.n_job, e);
	p.done(c, p.ud, rc, e);
}

void ecs_batch_add(struct cloud *c, const char *op, const char *type, const char *const *ids, size_t n,
		   char *job_id, size_t n_job, ecs_done_fn *done, void *ud)
{
	struct ecs_batch_pending *p = malloc(sizeof(*p));
	json_t *body = ecs_batch_body(op, type, ids, n);
	struct err e;

	job_id[0] = '\0';
	if (p == NULL || body == NULL) {
		free(p);
		json_decref(body);
		err_clear(&e);
		err_set(&e, "OutOfMemory", "out of memory");
		done(c, ud, -1, &e);
		return;
	}
	p->job_id = job_id;
	p->n_job = n_job;
	p->done = done;
	p->ud = ud;
	cloud_add(c, CFG_ECS, "POST", "/v1/{project}/cloudservers/action", body, ecs_batch_answered, p);
	json_decref(body); /* cloud_add() keeps its own copy of the body */
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

int ecs_job_done(const char *status)
{
	return strcmp(status, "SUCCESS") == 0 || strcmp(status, "FAIL") == 0;
}

/* ecs_job_get_add()'s destination and callback. */
struct ecs_pending {
	struct ecs_job *job;
	ecs_done_fn *done;
	void *ud;
};

static void ecs_job_answered(struct cloud *c, void *ud, int rc, json_t *answer, struct err *e)
{
	struct ecs_pending p = *(struct ecs_pending *)ud;

	free(ud);
	if (rc == 0)
		rc = ecs_job_from_json(answer, p.job, e);
	p.done(c, p.ud, rc, e);
}

void ecs_job_get_add(struct cloud *c, const char *job_id, struct ecs_job *j, ecs_done_fn *done, void *ud)
{
	struct ecs_pending *p = malloc(sizeof(*p));
	char path[256];
	struct err e;

	ecs_job_release(j);
	if (p == NULL) {
		err_clear(&e);
		err_set(&e, "OutOfMemory", "out of memory");
		done(c, ud, -1, &e);
		return;
	}
	p->job = j;
	p->done = done;
	p->ud = ud;
	snprintf(path, sizeof(path), "/v1/{project}/jobs/%s", job_id);
	cloud_add(c, CFG_ECS, "GET", path, NULL, ecs_job_answered, p);
}
