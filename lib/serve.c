/* serve: see serve.h. */
#include "serve.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SERVE_TIMEOUT_S 15u
#define SERVE_MAX_CONNS 128u
#define SERVE_STACK (1024u * 1024u) /* musl's default (~128 KiB) is too small for TLS + JSON */
#define SERVE_CONN_MEMORY (64u * 1024u) /* per-connection header space (agency tokens are long) */

struct serve {
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock; /* serialises handle(): the caller's state is not thread-safe */
	serve_handle_fn *handle;
	void *ud;
	size_t max_body;
	unsigned port;
};

enum serve_route { ROUTE_NONE, ROUTE_INIT, ROUTE_INVOKE };

/* One request's state, from its first access-handler call to its completion. */
struct serve_req {
	enum serve_route route;
	int too_big;
	struct buf body;
};

/* What serve_header() reads: the connection of the request being handled. */
struct serve_hdrs {
	struct MHD_Connection *conn;
};

static int serve_header(const void *hdrs, const char *name, struct buf *out)
{
	const struct serve_hdrs *h = hdrs;
	const char *v = MHD_lookup_connection_value(h->conn, MHD_HEADER_KIND, name);

	buf_clear(out);
	return buf_puts(out, v != NULL ? v : "");
}

static enum serve_route serve_route_of(const char *url)
{
	if (strcmp(url, "/init") == 0)
		return ROUTE_INIT;
	if (strcmp(url, "/invoke") == 0)
		return ROUTE_INVOKE;
	return ROUTE_NONE;
}

/* Queues a JSON answer (copied). allow, when set, becomes the Allow header. */
static enum MHD_Result serve_reply(struct MHD_Connection *conn, unsigned status, const char *body,
				   size_t len, const char *allow)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;

	resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return MHD_NO;
	if (MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") != MHD_YES ||
	    (allow != NULL && MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow) != MHD_YES)) {
		MHD_destroy_response(resp);
		return MHD_NO;
	}
	rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result serve_reply_str(struct MHD_Connection *conn, unsigned status, const char *body,
				       const char *allow)
{
	return serve_reply(conn, status, body, strlen(body), allow);
}

/* First call for a request: route it, refuse what cannot be served, else start a body. */
static enum MHD_Result serve_begin(struct serve *s, struct MHD_Connection *conn, const char *url,
				   const char *method, void **con_cls)
{
	enum serve_route route = serve_route_of(url);
	struct serve_req *r;
	const char *cl;

	if (route == ROUTE_NONE)
		return serve_reply_str(conn, MHD_HTTP_NOT_FOUND,
				       "{\"errorType\":\"NotFound\",\"errorMessage\":\"use POST /init or POST /invoke\"}",
				       NULL);
	if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
		return serve_reply_str(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				       "{\"errorType\":\"MethodNotAllowed\",\"errorMessage\":\"use POST\"}", "POST");
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return MHD_NO;
	r->route = route;
	buf_init(&r->body, s->max_body);
	*con_cls = r;
	/* A declared length over the ceiling is refused before a byte of it is read. */
	cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl != NULL && strtoull(cl, NULL, 10) > s->max_body)
		r->too_big = 1;
	return MHD_YES;
}

/* Last call for /invoke: the whole body is here; run the handler (one at a time). */
static enum MHD_Result serve_invoke(struct serve *s, struct MHD_Connection *conn, struct serve_req *r)
{
	struct serve_hdrs h = {conn};
	struct buf out;
	enum MHD_Result rc;
	int status;

	buf_init(&out, BUF_MAX_RESULT);
	pthread_mutex_lock(&s->lock);
	status = s->handle(s->ud, serve_header, &h, buf_str(&r->body), r->body.len, &out);
	pthread_mutex_unlock(&s->lock);
	if (status < 100 || status > 599)
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
	rc = serve_reply(conn, (unsigned)status, buf_str(&out), out.len, NULL);
	buf_release(&out);
	return rc;
}

static enum MHD_Result serve_access(void *cls, struct MHD_Connection *conn, const char *url,
				    const char *method, const char *version, const char *upload,
				    size_t *upload_size, void **con_cls)
{
	struct serve *s = cls;
	struct serve_req *r = *con_cls;

	(void)version;
	if (r == NULL)
		return serve_begin(s, conn, url, method, con_cls);
	if (*upload_size != 0) {
		/* Past the ceiling, the rest is read and dropped; the answer is 413. */
		if (r->too_big || buf_append(&r->body, upload, *upload_size) != 0)
			r->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->too_big)
		return serve_reply_str(conn, MHD_HTTP_CONTENT_TOO_LARGE,
				       "{\"errorType\":\"InvalidEvent\",\"errorMessage\":\"event too large\"}",
				       NULL);
	if (r->route == ROUTE_INIT)
		return serve_reply_str(conn, MHD_HTTP_OK, "{}", NULL);
	return serve_invoke(s, conn, r);
}

static void serve_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			    enum MHD_RequestTerminationCode toe)
{
	struct serve_req *r = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (r == NULL)
		return;
	buf_release(&r->body);
	free(r);
	*con_cls = NULL;
}

struct serve *serve_new(const struct serve_opts *o, struct err *e)
{
	struct serve *s;
	const union MHD_DaemonInfo *info;

	if (o->handle == NULL || o->port > 65535) {
		err_set(e, "ConfigError", "serve: bad options (port %u)", o->port);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		err_set(e, "OutOfMemory", "serve: out of memory");
		return NULL;
	}
	s->handle = o->handle;
	s->ud = o->ud;
	s->max_body = o->max_body ? o->max_body : BUF_MAX_EVENT;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		err_set(e, "OutOfMemory", "serve: cannot create a mutex");
		return NULL;
	}
	/* One thread per connection: a slow client, or a long handler, holds only its own. */
	s->daemon = MHD_start_daemon(
		MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
		(uint16_t)o->port, NULL, NULL, serve_access, s,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(o->timeout_s ? o->timeout_s : SERVE_TIMEOUT_S),
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)(o->max_conns ? o->max_conns : SERVE_MAX_CONNS),
		MHD_OPTION_THREAD_STACK_SIZE, (size_t)(o->stack_size ? o->stack_size : SERVE_STACK),
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_CONN_MEMORY,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
		MHD_OPTION_NOTIFY_COMPLETED, serve_completed, s,
		MHD_OPTION_END);
	if (s->daemon == NULL) {
		err_set(e, "ServeError", "serve: cannot listen on port %u (in use, or not permitted)", o->port);
		pthread_mutex_destroy(&s->lock);
		free(s);
		return NULL;
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info != NULL && info->port ? info->port : o->port;
	return s;
}

unsigned serve_port(const struct serve *s)
{
	return s->port;
}

void serve_free(struct serve *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->daemon);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
