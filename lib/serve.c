/* serve: see serve.h. */
#include "serve.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "backoff.h"

#define SERVE_TIMEOUT_S 15u
#define SERVE_MAX_CONNS 128u
#define SERVE_STACK (1024u * 1024u) /* musl's default (~128 KiB) is too small for TLS + JSON */
#define SERVE_CONN_MEMORY (64u * 1024u) /* per-connection header space (agency tokens are long) */
#define SERVE_TOTAL_S 10u               /* to receive one whole request */
#define SERVE_MAX_BUFFERED (16u * 1024u * 1024u)
#define SERVE_REAP_MS 250               /* how often the reaper looks at connections */

/*
 * One open connection, from accept to close. `since` is when its current
 * request began (or its last one ended); `busy` while the handler runs, when
 * no time limit applies (the invocation's deadline does).
 */
struct serve_conn {
	int fd;
	long long since;
	int busy;
	int reaped;
	struct serve_conn *prev, *next;
};

struct serve {
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock; /* serialises handle(): the caller's state is not thread-safe */
	serve_handle_fn *handle;
	void *ud;
	size_t max_body;
	unsigned port;
	unsigned max_conns;
	long long total_ms;
	/* Guarded by conns_lock: the open connections, the body bytes they hold, the reaper. */
	pthread_mutex_t conns_lock;
	pthread_cond_t reaper_wake;
	pthread_t reaper;
	int reaper_running, reaper_stop;
	struct serve_conn *conns;
	unsigned nconns;
	unsigned nbusy;     /* handlers running; serve_free() waits for 0 */
	int stopping;       /* serve_free() began: new requests are refused with 503 */
	size_t buffered, max_buffered;
};


enum serve_route { ROUTE_NONE, ROUTE_INIT, ROUTE_INVOKE };

/* One request's state, from its first access-handler call to its completion. */
struct serve_req {
	enum serve_route route;
	int too_big;
	long long received_ms; /* when its first byte was read: the invocation's clock starts here */
	int busy;              /* counted in serve->nbusy */
	size_t counted;        /* body bytes counted in serve->buffered */
	struct buf body;
};

static struct serve_conn *serve_conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

/*
 * Marks request r on conn busy (its handler runs, its answer is not yet
 * written) or done; a finished request restarts the connection's clock.
 * Becoming busy is refused (-1) once serve_free() has begun: checked and
 * counted under one lock, so serve_free() never misses a request it must
 * wait for.
 */
static int serve_conn_busy(struct serve *s, struct MHD_Connection *conn, struct serve_req *r, int busy)
{
	struct serve_conn *c = serve_conn_of(conn);
	int rc = 0;

	pthread_mutex_lock(&s->conns_lock);
	if (busy && s->stopping) {
		rc = -1;
	} else {
		if (r != NULL && busy != r->busy) {
			s->nbusy = busy ? s->nbusy + 1 : s->nbusy - 1;
			r->busy = busy;
		}
		if (c != NULL) {
			c->busy = busy;
			c->since = backoff_now_ms();
		}
		if (s->nbusy == 0 && s->stopping)
			pthread_cond_broadcast(&s->reaper_wake);
	}
	pthread_mutex_unlock(&s->conns_lock);
	return rc;
}

/*
 * Ends a connection from outside its thread: its socket is shut down, so the
 * thread's next read fails and libmicrohttpd closes it. Called under conns_lock.
 */
static void serve_conn_reap(struct serve_conn *c)
{
	if (c->reaped)
		return;
	c->reaped = 1;
	(void)shutdown(c->fd, SHUT_RDWR);
}

/*
 * Keeps room for a legitimate request: with three quarters of the slots
 * taken, the oldest connection that is not being handled goes. Under conns_lock.
 */
static void serve_make_room(struct serve *s)
{
	struct serve_conn *c, *oldest = NULL;

	if (s->nconns * 4 < s->max_conns * 3)
		return;
	for (c = s->conns; c != NULL; c = c->next)
		if (!c->busy && !c->reaped && (oldest == NULL || c->since < oldest->since))
			oldest = c;
	if (oldest != NULL)
		serve_conn_reap(oldest);
}

static void serve_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
			 enum MHD_ConnectionNotificationCode code)
{
	struct serve *s = cls;
	struct serve_conn *c = *socket_context;
	const union MHD_ConnectionInfo *ci;

	pthread_mutex_lock(&s->conns_lock);
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci != NULL && (c = calloc(1, sizeof(*c))) != NULL) {
			c->fd = ci->connect_fd;
			c->since = backoff_now_ms();
			c->next = s->conns;
			if (s->conns != NULL)
				s->conns->prev = c;
			s->conns = c;
			s->nconns++;
			*socket_context = c;
			serve_make_room(s);
		}
	} else if (c != NULL) {
		if (c->prev != NULL)
			c->prev->next = c->next;
		else
			s->conns = c->next;
		if (c->next != NULL)
			c->next->prev = c->prev;
		s->nconns--;
		free(c);
		*socket_context = NULL;
	}
	pthread_mutex_unlock(&s->conns_lock);
}

/* Ends every connection whose request has taken longer than total_ms to arrive. */
static void *serve_reaper(void *arg)
{
	struct serve *s = arg;
	struct serve_conn *c;
	struct timespec ts;
	long long now;

	pthread_mutex_lock(&s->conns_lock);
	while (!s->reaper_stop) {
		now = backoff_now_ms();
		for (c = s->conns; c != NULL; c = c->next)
			if (!c->busy && now - c->since > s->total_ms)
				serve_conn_reap(c);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += SERVE_REAP_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		(void)pthread_cond_timedwait(&s->reaper_wake, &s->conns_lock, &ts);
	}
	pthread_mutex_unlock(&s->conns_lock);
	return NULL;
}

/* Counts n more body bytes against the global ceiling. -1 (nothing counted) past it. */
static int serve_count(struct serve *s, struct serve_req *r, size_t n)
{
	int rc = -1;

	pthread_mutex_lock(&s->conns_lock);
	if (s->buffered + n <= s->max_buffered) {
		s->buffered += n;
		r->counted += n;
		rc = 0;
	}
	pthread_mutex_unlock(&s->conns_lock);
	return rc;
}

static void serve_uncount(struct serve *s, struct serve_req *r)
{
	pthread_mutex_lock(&s->conns_lock);
	s->buffered -= r->counted;
	r->counted = 0;
	pthread_mutex_unlock(&s->conns_lock);
}

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
	r->received_ms = backoff_now_ms();
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

	if (serve_conn_busy(s, conn, r, 1) != 0)
		return serve_reply_str(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				       "{\"errorType\":\"ShuttingDown\",\"errorMessage\":\"the runtime is stopping\"}",
				       NULL);
	buf_init(&out, BUF_MAX_RESULT);
	pthread_mutex_lock(&s->lock);
	status = s->handle(s->ud, serve_header, &h, r->received_ms, buf_str(&r->body), r->body.len,
			   &out);
	pthread_mutex_unlock(&s->lock);
	/* Still busy until serve_completed(): the answer is written after this returns. */
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
		/* Past either ceiling (this body's, all bodies'), the rest is read and dropped: 413. */
		if (r->too_big || serve_count(s, r, *upload_size) != 0 ||
		    buf_append(&r->body, upload, *upload_size) != 0)
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
	struct serve *s = cls;
	struct serve_req *r = *con_cls;

	(void)toe;
	(void)serve_conn_busy(s, conn, r, 0); /* the next request on this connection starts its own clock */
	if (r == NULL)
		return;
	serve_uncount(s, r);
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
	s->max_conns = o->max_conns ? o->max_conns : SERVE_MAX_CONNS;
	s->total_ms = 1000LL * (o->total_timeout_s ? o->total_timeout_s : SERVE_TOTAL_S);
	s->max_buffered = o->max_buffered ? o->max_buffered : SERVE_MAX_BUFFERED;
	if (pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		err_set(e, "OutOfMemory", "serve: cannot create a mutex");
		return NULL;
	}
	if (pthread_mutex_init(&s->conns_lock, NULL) != 0 ||
	    pthread_cond_init(&s->reaper_wake, NULL) != 0 ||
	    pthread_create(&s->reaper, NULL, serve_reaper, s) != 0) {
		err_set(e, "ServeError", "serve: cannot start the connection reaper");
		serve_free(s);
		return NULL;
	}
	s->reaper_running = 1;
	/* One thread per connection: a slow client, or a long handler, holds only its own. */
	s->daemon = MHD_start_daemon(
		MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION,
		(uint16_t)o->port, NULL, NULL, serve_access, s,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(o->timeout_s ? o->timeout_s : SERVE_TIMEOUT_S),
		MHD_OPTION_CONNECTION_LIMIT, s->max_conns,
		MHD_OPTION_THREAD_STACK_SIZE, (size_t)(o->stack_size ? o->stack_size : SERVE_STACK),
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_CONN_MEMORY,
		MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
		MHD_OPTION_NOTIFY_COMPLETED, serve_completed, s,
		MHD_OPTION_NOTIFY_CONNECTION, serve_notify, s,
		MHD_OPTION_END);
	if (s->daemon == NULL) {
		err_set(e, "ServeError", "serve: cannot listen on port %u (in use, or not permitted)", o->port);
		serve_free(s);
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
	/*
	 * Invocations being handled finish and send their answers (the caller has
	 * told its handlers to wrap up) before libmicrohttpd closes every socket and
	 * joins every connection thread; nothing is freed while one still runs.
	 */
	if (s->reaper_running) {
		pthread_mutex_lock(&s->conns_lock);
		s->stopping = 1;
		while (s->nbusy > 0)
			pthread_cond_wait(&s->reaper_wake, &s->conns_lock);
		pthread_mutex_unlock(&s->conns_lock);
	}
	if (s->daemon != NULL)
		MHD_stop_daemon(s->daemon);
	if (s->reaper_running) {
		pthread_mutex_lock(&s->conns_lock);
		s->reaper_stop = 1;
		pthread_cond_signal(&s->reaper_wake);
		pthread_mutex_unlock(&s->conns_lock);
		pthread_join(s->reaper, NULL);
		pthread_cond_destroy(&s->reaper_wake);
		pthread_mutex_destroy(&s->conns_lock);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}
