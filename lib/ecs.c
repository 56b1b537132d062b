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
	s->slot = NULL;
	s->nslot = 0;
	s->tag_keys[0] = s->tag_keys[1] = NULL;
}

void ecs_servers_release(struct ecs_servers *s)
{
	if (s == NULL)
		return;
	free(s->v);
	free(s->slot);
	s->v = NULL;
	s->n = s->cap = 0;
	s->slot = NULL;
	s->nslot = 0; /* tag_keys stay: the caller's choice */
}

/* FNV-1a: the index's hash of an id. */
static size_t ecs_hash(const char *id)
{
	size_t h = (size_t)1469598103934665603ULL;

	for (; *id != '\0'; id++)
		h = (h ^ (unsigned char)*id) * (size_t)1099511628211ULL;
	return h;
}

/* The slot holding id, or the empty slot where it would go (nslot > n: one is always empty). */
static size_t ecs_slot(const struct ecs_servers *s, const char *id)
{
	size_t mask = s->nslot - 1, i = ecs_hash(id) & mask;

	while (s->slot[i] != 0 && strcmp(s->v[s->slot[i] - 1].id, id) != 0)
		i = (i + 1) & mask;
	return i;
}

/* Rebuilds the index with room for twice want servers. -1 when memory ran out (index unchanged). */
static int ecs_reindex(struct ecs_servers *s, size_t want)
{
	size_t nslot = 64, i, *old = s->slot, oldn = s->nslot;

	while (nslot < want * 2)
		nslot *= 2;
	if ((s->slot = calloc(nslot, sizeof(*s->slot))) == NULL) {
		s->slot = old;
		s->nslot = oldn;
		return -1;
	}
	s->nslot = nslot;
	for (i = 0; i < s->n; i++)
		s->slot[ecs_slot(s, s->v[i].id)] = i + 1;
	free(old);
	return 0;
}

const struct ecs_server *ecs_servers_find(const struct ecs_servers *s, const char *id)
{
	size_t at;

	if (s->nslot == 0)
		return NULL;
	at = s->slot[ecs_slot(s, id)];
	return at != 0 ? &s->v[at - 1] : NULL;
}

/* Room for one more server at s->v[s->n]; -1 when memory ran out. */
/* Makes room for one more server, in the array and in the index. 0, or -1 (nothing changed). */
static int ecs_servers_grow(struct ecs_servers *s)
{
	struct ecs_server *v;
	size_t cap;

	if ((s->n + 1) * 2 > s->nslot && ecs_reindex(s, s->n + 1) != 0)
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
	s->v[s->n++] = *srv;
	s->slot[ecs_slot(s, srv->id)] = s->n;
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
	s->slot[ecs_slot(s, id)] = s->n;
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

/* One page of a listing fetched with the others. */
struct ecs_page {
	struct ecs_servers got;
	int rc;
	struct err e;
};

static void ecs_page_done(struct cloud *c, void *ud, int rc, json_t *answer, struct err *e)
{
	struct ecs_page *pg = ud;
	long long count;
	size_t got;

	(void)c;
	if (rc == 0)
		rc = ecs_page_from_json(answer, &pg->got, &got, &count, e);
	if ((pg->rc = rc) != 0)
		pg->e = *e;
}

/* Fetches pages 2..last of a listing whose first page said count, all at once. */
static int ecs_list_rest(struct cloud *c, const char *query, long last, struct ecs_servers *out,
			 struct err *e)
{
	struct ecs_page *pg = calloc((size_t)last, sizeof(*pg));
	char path[4200]; /* the query is at most 4000 bytes */
	long page;
	int rc = 0;

	if (pg == NULL)
		return err_set(e, "OutOfMemory", "out of memory");
	for (page = 2; page <= last; page++) {
		ecs_servers_like(&pg[page - 1].got, out);
		snprintf(path, sizeof(path), "/v1/{project}/cloudservers/detail?offset=%ld&limit=%d%s", page,
			 ECS_PAGE_LIMIT, query);
		cloud_add(c, CFG_ECS, "GET", path, NULL, ecs_page_done, &pg[page - 1]);
	}
	cloud_run(c);
	for (page = 2; page <= last; page++) {
		struct ecs_page *p = &pg[page - 1];

		if (rc == 0 && p->rc != 0) {
			*e = p->e;
			rc = -1;
		}
		if (rc == 0 && ecs_servers_merge(out, &p->got) != 0)
			rc = err_set(e, "OutOfMemory", "out of memory");
		ecs_servers_release(&p->got);
	}
	free(pg);
	return rc;
}

int ecs_list(struct cloud *c, const char *tag, struct ecs_servers *out, struct err *e)
{
	json_t *answer = NULL;
	struct buf path, enc, query;
	size_t got, seen = 0;
	long long count;
	long page;
	int rc = -1;

	buf_init(&path, BUF_MAX_SMALL);
	buf_init(&enc, BUF_MAX_SMALL);
	buf_init(&query, 4000);
	if (tag != NULL && (sign_escape(tag, strlen(tag), &enc) != 0 ||
			    buf_printf(&query, "&tags=%s", buf_str(&enc)) != 0)) {
		err_set(e, "InvalidParameter", "tag too long");
		goto out;
	}
	for (page = 1;; page++) {
		buf_clear(&path);
		if (buf_printf(&path, "/v1/{project}/cloudservers/detail?offset=%ld&limit=%d%s", page,
			       ECS_PAGE_LIMIT, buf_str(&query)) != 0) {
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
		/* The first page's count says how many pages remain: fetch them together. */
		if (page == 1 && count > 0 && count <= 10000LL * ECS_PAGE_LIMIT) {
			if (ecs_list_rest(c, buf_str(&query), (long)((count + ECS_PAGE_LIMIT - 1) / ECS_PAGE_LIMIT),
					  out, e) != 0)
				goto out;
			break;
		}
	}
	rc = 0;
out:
	json_decref(answer);
	buf_release(&path);
	buf_release(&enc);
	buf_release(&query);
	return rc;
}

/* One tag's sweep among several (ecs_list_tags): its first page, then the rest at once. */
struct ecs_sweep {
	struct buf query;         /* "&tags=<escaped>" */
	struct ecs_page first;    /* page 1 */
	long long count;          /* page 1's count, -1 when absent */
	size_t got;               /* servers on page 1 */
	long last;                /* pages in all, once known */
	struct ecs_page *rest;    /* pages 2..last */
};

static void ecs_first_done(struct cloud *c, void *ud, int rc, json_t *answer, struct err *e)
{
	struct ecs_sweep *sw = ud;

	(void)c;
	if (rc == 0)
		rc = ecs_page_from_json(answer, &sw->first.got, &sw->got, &sw->count, e);
	if ((sw->first.rc = rc) != 0)
		sw->first.e = *e;
}

/* Queues page `page` of sw's listing into dst. */
static void ecs_sweep_add(struct cloud *c, struct ecs_sweep *sw, long page, cloud_done_fn *done, void *dst)
{
	char path[4200]; /* the query is at most 4000 bytes */

	snprintf(path, sizeof(path), "/v1/{project}/cloudservers/detail?offset=%ld&limit=%d%s", page,
		 ECS_PAGE_LIMIT, buf_str(&sw->query));
	cloud_add(c, CFG_ECS, "GET", path, NULL, done, dst);
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

int ecs_list_tags(struct cloud *c, const struct strlist *tags, struct ecs_servers *out, struct err *e)
{
	struct ecs_sweep *sw = calloc(tags->n ? tags->n : 1, sizeof(*sw));
	struct buf enc;
	size_t i;
	long page;
	int rc = -1;

	buf_init(&enc, BUF_MAX_SMALL);
	if (sw == NULL)
		return err_set(e, "OutOfMemory", "out of memory");
	for (i = 0; i < tags->n; i++) {
		buf_init(&sw[i].query, 4000);
		ecs_servers_like(&sw[i].first.got, out);
		buf_clear(&enc);
		if (sign_escape(tags->v[i], strlen(tags->v[i]), &enc) != 0 ||
		    buf_printf(&sw[i].query, "&tags=%s", buf_str(&enc)) != 0) {
			err_set(e, "InvalidParameter", "tag too long");
			goto out;
		}
	}
	/* Every tag's first page together, then every tag's other pages together. */
	for (i = 0; i < tags->n; i++)
		ecs_sweep_add(c, &sw[i], 1, ecs_first_done, &sw[i]);
	cloud_run(c);
	for (i = 0; i < tags->n; i++) {
		struct ecs_sweep *x = &sw[i];

		if (x->first.rc != 0 || x->got < ECS_PAGE_LIMIT || x->count <= (long long)x->got ||
		    x->count > 10000LL * ECS_PAGE_LIMIT)
			continue;
		x->last = (long)((x->count + ECS_PAGE_LIMIT - 1) / ECS_PAGE_LIMIT);
		if ((x->rest = calloc((size_t)x->last, sizeof(*x->rest))) == NULL) {
			err_set(e, "OutOfMemory", "out of memory");
			goto out;
		}
		for (page = 2; page <= x->last; page++) {
			ecs_servers_like(&x->rest[page - 1].got, out);
			ecs_sweep_add(c, x, page, ecs_page_done, &x->rest[page - 1]);
		}
	}
	cloud_run(c);
	/* In tag order, page order: the union a sweep after sweep would have built. */
	for (i = 0; i < tags->n; i++) {
		struct ecs_sweep *x = &sw[i];

		if (ecs_page_merge(&x->first, out, e) != 0)
			goto out;
		for (page = 2; page <= x->last; page++)
			if (ecs_page_merge(&x->rest[page - 1], out, e) != 0)
				goto out;
		/* A full first page without a count: page on, one after another. */
		if (x->got == ECS_PAGE_LIMIT && x->count < 0 && ecs_list(c, tags->v[i], out, e) != 0)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < tags->n; i++) {
		buf_release(&sw[i].query);
		ecs_servers_release(&sw[i].first.got);
		for (page = 2; sw[i].rest != NULL && page <= sw[i].last; page++)
			ecs_servers_release(&sw[i].rest[page - 1].got);
		free(sw[i].rest);
	}
	free(sw);
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

int ecs_batch(struct cloud *c, const char *op, const char *type, const char *const *ids, size_t n,
	      char *job_id, size_t n_job, struct err *e)
{
	json_t *body, *answer = NULL;
	int rc = -1;

	job_id[0] = '\0';
	if ((body = ecs_batch_body(op, type, ids, n)) == NULL)
		return err_set(e, "OutOfMemory", "out of memory");
	if (cloud_request(c, CFG_ECS, "POST", "/v1/{project}/cloudservers/action", body, &answer, e) == 0)
		rc = ecs_batch_job(answer, job_id, n_job, e);
	json_decref(answer);
	json_decref(body);
	return rc;
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
