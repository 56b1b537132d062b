/*
 * test_http: lib/http.c against a loopback HTTP/1.1 server in a thread: the
 * request line, headers and body that reach the server (GET, POST, a custom
 * method, then GET again), one connection kept alive across many calls, a
 * URL without a scheme and a malformed one (left to curl), the response
 * ceiling, an over-long header line, the timeout, abort_flag set by a signal
 * and by another thread, the proxy environment (http_proxy with no_proxy, as
 * libcurl reads it, a direct request, and no variable at all), batches of
 * transfers in flight at once (the parallel limit, completion order, mixed
 * outcomes, an abort, a transfer added mid-batch), and http_header_find.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "http.h"

#define SRV_CONNS 24

struct conn {
	int fd;
	int served;     /* requests answered on it */
	long long due;  /* a /delay/<ms> request is answered then; 0: none waiting */
	size_t due_len; /* ... and is this many bytes of in */
	size_t len;
	char in[128 * 1024];
};

static struct {
	int lfd, port;
	pthread_mutex_t mu;
	int stop;
	int hang;     /* read requests, never answer */
	int drop;     /* close the connection on the next request, unanswered */
	int accepts;  /* connections accepted */
	int requests; /* complete requests read */
	int delayed;  /* /delay/ requests waiting for their answer now */
	int max_delayed; /* ... at most, since reset */
	char last[16384];
	struct conn c[SRV_CONNS];
} srv = {.mu = PTHREAD_MUTEX_INITIALIZER};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void srv_answer(struct conn *c, size_t used)
{
	char target[2048], head[512], *body;
	size_t blen;
	int n;

	memset(target, 0, sizeof(target));
	if (sscanf(c->in, "%*s %2047s", target) != 1)
		snprintf(target, sizeof(target), "?");
	if (strstr(target, "/big") != NULL) {
		blen = 10000;
		body = malloc(blen);
		if (body == NULL)
			abort();
		memset(body, 'x', blen);
	} else {
		/* The body echoes the request line's first two words. */
		blen = strcspn(c->in, "\r");
		if (blen > 4000)
			blen = 4000;
		body = malloc(blen + 1);
		if (body == NULL)
			abort();
		memcpy(body, c->in, blen);
	}
	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nX-Test:  seen \r\n\r\n", blen);
	if (write(c->fd, head, (size_t)n) != n || write(c->fd, body, blen) != (ssize_t)blen)
		perror("server write");
	free(body);
	memmove(c->in, c->in + used, c->len - used);
	c->len -= used;
}

/* Length of the complete request at the start of c->in, or 0. */
static size_t srv_complete(struct conn *c)
{
	char *end, *cl;
	size_t head, body = 0;

	c->in[c->len] = '\0';
	if ((end = strstr(c->in, "\r\n\r\n")) == NULL)
		return 0;
	head = (size_t)(end - c->in) + 4;
	if ((cl = strstr(c->in, "Content-Length: ")) != NULL && cl < end)
		body = strtoul(cl + 16, NULL, 10);
	return c->len >= head + body ? head + body : 0;
}

/* Answers the delayed requests that are due. */
static void srv_answer_due(void)
{
	long long now = now_ms();
	size_t i;

	for (i = 0; i < SRV_CONNS; i++) {
		struct conn *c = &srv.c[i];

		if (c->fd < 0 || c->due == 0 || c->due > now)
			continue;
		c->due = 0;
		pthread_mutex_lock(&srv.mu);
		srv.delayed--;
		pthread_mutex_unlock(&srv.mu);
		c->served++;
		srv_answer(c, c->due_len);
	}
}

/* Closes c; a delayed request on it is forgotten. */
static void srv_close(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
	if (c->due != 0) {
		c->due = 0;
		pthread_mutex_lock(&srv.mu);
		srv.delayed--;
		pthread_mutex_unlock(&srv.mu);
	}
}

/* Reads the complete requests in c->in: answers, swallows, drops or delays each. */
static void srv_serve(struct conn *c)
{
	size_t used;
	long delay;
	int n;

	while (c->due == 0 && (used = srv_complete(c)) > 0) {
		pthread_mutex_lock(&srv.mu);
		srv.requests++;
		n = used < sizeof(srv.last) ? (int)used : (int)sizeof(srv.last) - 1;
		memcpy(srv.last, c->in, (size_t)n);
		srv.last[n] = '\0';
		n = srv.hang;
		if (srv.drop && c->served > 0) {
			srv.drop = 0;
			n = 2;
		}
		pthread_mutex_unlock(&srv.mu);
		if (n == 2) {
			srv_close(c);
			break;
		}
		if (n) {
			c->len = 0; /* swallowed */
			break;
		}
		if (sscanf(c->in, "%*s /delay/%ld", &delay) == 1) {
			c->due = now_ms() + delay;
			c->due_len = used;
			pthread_mutex_lock(&srv.mu);
			if (++srv.delayed > srv.max_delayed)
				srv.max_delayed = srv.delayed;
			pthread_mutex_unlock(&srv.mu);
			break;
		}
		c->served++;
		srv_answer(c, used);
	}
}

static void *srv_main(void *arg)
{
	struct pollfd p[SRV_CONNS + 1];
	size_t i;
	ssize_t n;
	int fd;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&srv.mu);
		if (srv.stop) {
			pthread_mutex_unlock(&srv.mu);
			break;
		}
		pthread_mutex_unlock(&srv.mu);
		srv_answer_due();
		p[0].fd = srv.lfd;
		p[0].events = POLLIN;
		for (i = 0; i < SRV_CONNS; i++) {
			p[i + 1].fd = srv.c[i].fd;
			p[i + 1].events = POLLIN;
		}
		if (poll(p, SRV_CONNS + 1, 5) <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			fd = accept(srv.lfd, NULL, NULL);
			for (i = 0; fd >= 0 && i < SRV_CONNS && srv.c[i].fd >= 0; i++)
				;
			if (fd >= 0 && i == SRV_CONNS)
				close(fd);
			else if (fd >= 0) {
				srv.c[i].fd = fd;
				srv.c[i].served = 0;
				srv.c[i].due = 0;
				srv.c[i].len = 0;
				pthread_mutex_lock(&srv.mu);
				srv.accepts++;
				pthread_mutex_unlock(&srv.mu);
			}
		}
		for (i = 0; i < SRV_CONNS; i++) {
			struct conn *c = &srv.c[i];

			if (c->fd < 0 || !(p[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(c->fd, c->in + c->len, sizeof(c->in) - 1 - c->len);
			if (n <= 0) {
				srv_close(c);
				continue;
			}
			c->len += (size_t)n;
			srv_serve(c);
		}
	}
	return NULL;
}

static int srv_start(pthread_t *t)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	size_t i;

	for (i = 0; i < SRV_CONNS; i++)
		srv.c[i].fd = -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((srv.lfd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(srv.lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(srv.lfd, 16) != 0 ||
	    getsockname(srv.lfd, (struct sockaddr *)&a, &al) != 0)
		return -1;
	srv.port = ntohs(a.sin_port);
	return pthread_create(t, NULL, srv_main, NULL) == 0 ? 0 : -1;
}

static void srv_set_hang(int on)
{
	pthread_mutex_lock(&srv.mu);
	srv.hang = on;
	pthread_mutex_unlock(&srv.mu);
}

/* Copies the last request the server read into out. */
static void srv_last(char *out, size_t n, int *accepts, int *requests)
{
	pthread_mutex_lock(&srv.mu);
	snprintf(out, n, "%s", srv.last);
	if (accepts != NULL)
		*accepts = srv.accepts;
	if (requests != NULL)
		*requests = srv.requests;
	pthread_mutex_unlock(&srv.mu);
}

static char url_buf[256];

static const char *url(const char *path)
{
	snprintf(url_buf, sizeof(url_buf), "http://127.0.0.1:%d%s", srv.port, path);
	return url_buf;
}

static int do_req(struct http *h, const char *method, const char *u, const char *body,
		  const struct http_header *hdr, size_t nh, struct http_resp *resp, struct err *e)
{
	struct http_req req;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.url = u;
	req.headers = hdr;
	req.nheaders = nh;
	req.body = body;
	req.body_len = body != NULL ? strlen(body) : 0;
	req.connect_timeout_ms = 2000;
	req.timeout_ms = 5000;
	err_clear(e);
	return http_do(h, &req, resp, e);
}

static void test_requests(struct http *h)
{
	const struct http_header hdr[] = {{"Accept", "application/json"}, {"X-Auth-Token", "tok-123"}};
	struct http_resp resp;
	struct err e;
	char last[16384], want[128];
	const char *v;
	size_t vl;
	int i, accepts0, accepts, requests0, requests;

	http_resp_init(&resp, 4096);
	srv_last(last, sizeof(last), &accepts0, &requests0);

	CHECK(do_req(h, "GET", url("/a/b?x=1&y=2"), NULL, hdr, 2, &resp, &e) == 0);
	CHECK(resp.status == 200);
	CHECK_STR(buf_str(&resp.body), "GET /a/b?x=1&y=2 HTTP/1.1");
	CHECK(http_resp_header(&resp, "x-test", &v, &vl) == 0 && vl == 4 && memcmp(v, "seen", 4) == 0);
	srv_last(last, sizeof(last), NULL, NULL);
	CHECK(strstr(last, "\r\nAccept: application/json\r\n") != NULL);
	CHECK(strstr(last, "\r\nX-Auth-Token: tok-123\r\n") != NULL);
	CHECK(strstr(last, "\r\nUser-Agent: fgboot\r\n") != NULL);
	CHECK(strstr(last, "Expect") == NULL);

	CHECK(do_req(h, "POST", url("/post"), "{\"k\":1}", hdr, 1, &resp, &e) == 0);
	srv_last(last, sizeof(last), NULL, NULL);
	CHECK(strncmp(last, "POST /post HTTP/1.1\r\n", 21) == 0);
	CHECK(strstr(last, "\r\nContent-Length: 7\r\n") != NULL);
	CHECK(strstr(last, "\r\n\r\n{\"k\":1}") != NULL);
	CHECK(strstr(last, "X-Auth-Token") == NULL);

	CHECK(do_req(h, "PUT", url("/put"), "", NULL, 0, &resp, &e) == 0);
	srv_last(last, sizeof(last), NULL, NULL);
	CHECK(strncmp(last, "PUT /put HTTP/1.1\r\n", 19) == 0);

	/* More distinct URLs than the parse cache holds, each twice, after a POST. */
	for (i = 0; i < 14; i++) {
		snprintf(want, sizeof(want), "/p%d?q=%d", i % 7, i % 7);
		if (do_req(h, "GET", url(want), NULL, hdr, 2, &resp, &e) != 0)
			break;
		snprintf(last, sizeof(last), "GET %s HTTP/1.1", want);
		if (strcmp(buf_str(&resp.body), last) != 0)
			break;
	}
	CHECK(i == 14);
	srv_last(last, sizeof(last), &accepts, &requests);
	CHECK(requests == requests0 + 17);
	CHECK(accepts == accepts0 + 1); /* one connection for all of them */

	/* A kept-alive connection that dies under a request: curl retries it on a
	 * new one, re-reading the URL string. */
	pthread_mutex_lock(&srv.mu);
	srv.drop = 1;
	pthread_mutex_unlock(&srv.mu);
	CHECK(do_req(h, "GET", url("/retried?r=1"), NULL, hdr, 2, &resp, &e) == 0);
	CHECK_STR(buf_str(&resp.body), "GET /retried?r=1 HTTP/1.1");
	srv_last(last, sizeof(last), &accepts, NULL);
	CHECK(accepts == accepts0 + 2);
	CHECK(do_req(h, "GET", url("/p1?q=1"), NULL, hdr, 2, &resp, &e) == 0);
	CHECK_STR(buf_str(&resp.body), "GET /p1?q=1 HTTP/1.1");

	/* Without a scheme curl guesses http, as it always did. */
	snprintf(want, sizeof(want), "127.0.0.1:%d/noscheme", srv.port);
	CHECK(do_req(h, "GET", want, NULL, NULL, 0, &resp, &e) == 0);
	CHECK_STR(buf_str(&resp.body), "GET /noscheme HTTP/1.1");

	/* A malformed URL fails in curl, the request never leaves. */
	CHECK(do_req(h, "GET", "http://[::1/x", NULL, NULL, 0, &resp, &e) == -1);
	CHECK_STR(e.code, HTTP_ERR_OTHER);

	/* The ceiling. */
	http_resp_release(&resp);
	http_resp_init(&resp, 1000);
	CHECK(do_req(h, "GET", url("/big"), NULL, NULL, 0, &resp, &e) == -1);
	CHECK_STR(e.code, HTTP_ERR_TOOBIG);
	CHECK(do_req(h, "GET", url("/after-big"), NULL, NULL, 0, &resp, &e) == 0);
	CHECK_STR(buf_str(&resp.body), "GET /after-big HTTP/1.1");
	http_resp_release(&resp);
}

static void test_long_header(struct http *h)
{
	struct http_header hdr[1];
	struct http_resp resp;
	struct err e;
	char *big = malloc(BUF_MAX_SMALL + 1);
	int requests0, requests;

	if (big == NULL)
		abort();
	memset(big, 'v', BUF_MAX_SMALL);
	big[BUF_MAX_SMALL] = '\0';
	hdr[0].name = "X-Big";
	hdr[0].value = big;
	http_resp_init(&resp, 4096);
	srv_last(NULL, 0, NULL, &requests0);
	CHECK(do_req(h, "GET", url("/long"), NULL, hdr, 1, &resp, &e) == -1);
	CHECK_STR(e.code, HTTP_ERR_OTHER);
	srv_last(NULL, 0, NULL, &requests);
	CHECK(requests == requests0);
	/* Just under the line limit ("X-Big: " is 7 bytes) goes through. */
	big[BUF_MAX_SMALL - 7] = '\0';
	CHECK(do_req(h, "GET", url("/long"), NULL, hdr, 1, &resp, &e) == 0);
	http_resp_release(&resp);
	free(big);
}

static volatile sig_atomic_t abort_flag;

static void on_alarm(int sig)
{
	(void)sig;
	abort_flag = 1;
}

static void *set_later(void *arg)
{
	(void)arg;
	usleep(200 * 1000);
	abort_flag = 1;
	return NULL;
}

static void test_timeout_and_abort(struct http *h)
{
	struct http_req req;
	struct http_resp resp;
	struct itimerval it;
	struct sigaction sa;
	struct err e;
	pthread_t t;
	long long t0, dt;
	int requests0, requests;

	http_resp_init(&resp, 4096);
	srv_set_hang(1);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url("/hang");
	req.connect_timeout_ms = 2000;

	req.timeout_ms = 300;
	t0 = now_ms();
	CHECK(http_do(h, &req, &resp, &e) == -1);
	dt = now_ms() - t0;
	CHECK_STR(e.code, HTTP_ERR_TIMEOUT);
	CHECK(dt >= 250 && dt < 1500);

	/* SIGTERM-like: a signal handler sets the flag during a long poll. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 200 * 1000;
	abort_flag = 0;
	req.timeout_ms = 0;
	req.abort_flag = &abort_flag;
	setitimer(ITIMER_REAL, &it, NULL);
	t0 = now_ms();
	CHECK(http_do(h, &req, &resp, &e) == -1);
	dt = now_ms() - t0;
	CHECK_STR(e.code, HTTP_ERR_ABORTED);
	CHECK(dt >= 150 && dt < 700);

	/* No signal at all: the flag is still seen within about 100 ms. */
	abort_flag = 0;
	if (pthread_create(&t, NULL, set_later, NULL) != 0)
		abort();
	t0 = now_ms();
	CHECK(http_do(h, &req, &resp, &e) == -1);
	dt = now_ms() - t0;
	pthread_join(t, NULL);
	CHECK_STR(e.code, HTTP_ERR_ABORTED);
	CHECK(dt >= 150 && dt < 700);

	/* Already set: nothing is sent. */
	srv_last(NULL, 0, NULL, &requests0);
	CHECK(http_do(h, &req, &resp, &e) == -1);
	CHECK_STR(e.code, HTTP_ERR_ABORTED);
	usleep(50 * 1000);
	srv_last(NULL, 0, NULL, &requests);
	CHECK(requests == requests0);

	srv_set_hang(0);
	req.abort_flag = NULL;
	req.timeout_ms = 2000;
	req.url = url("/alive");
	CHECK(http_do(h, &req, &resp, &e) == 0);
	CHECK_STR(buf_str(&resp.body), "GET /alive HTTP/1.1");
	http_resp_release(&resp);
}

/* Queues a GET of path on h into resp with the given timeout. Returns the id. */
static int add_get(struct http *h, const char *path, struct http_resp *resp, long timeout_ms,
		   volatile sig_atomic_t *flag)
{
	struct http_req req;
	struct err e;
	int id;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url(path);
	req.connect_timeout_ms = 2000;
	req.timeout_ms = timeout_ms;
	req.abort_flag = flag;
	err_clear(&e);
	id = http_add(h, &req, resp, &e);
	CHECK(id >= 0);
	return id;
}

static void srv_reset_delayed(void)
{
	pthread_mutex_lock(&srv.mu);
	srv.max_delayed = 0;
	pthread_mutex_unlock(&srv.mu);
}

static int srv_max_delayed(void)
{
	int n;

	pthread_mutex_lock(&srv.mu);
	n = srv.max_delayed;
	pthread_mutex_unlock(&srv.mu);
	return n;
}

#define NPAR 8

/* NPAR requests whose answers each take 200 ms finish together, over kept-alive connections. */
static void test_parallel(void)
{
	struct http_resp resp[NPAR];
	struct http *h;
	struct err e;
	char path[64], want[96];
	long long t0, dt;
	int i, id[NPAR], ok, accepts0, accepts1, accepts2;

	err_clear(&e);
	h = http_new(&e);
	CHECK(h != NULL);
	if (h == NULL)
		return;
	http_set_parallel(h, NPAR);
	for (i = 0; i < NPAR; i++)
		http_resp_init(&resp[i], 4096);
	srv_last(NULL, 0, &accepts0, NULL);
	srv_reset_delayed();

	for (i = 0; i < NPAR; i++) {
		snprintf(path, sizeof(path), "/delay/200/%d", i);
		id[i] = add_get(h, path, &resp[i], 5000, NULL);
	}
	CHECK(id[0] == 0 && id[NPAR - 1] == NPAR - 1);
	t0 = now_ms();
	CHECK(http_run(h, &e) == 0);
	dt = now_ms() - t0;
	CHECK(dt >= 190 && dt < 4 * 200); /* one after another would take 1,600 ms */
	CHECK(srv_max_delayed() == NPAR);
	for (i = 0, ok = 0; i < NPAR; i++) {
		snprintf(want, sizeof(want), "GET /delay/200/%d HTTP/1.1", i);
		ok += http_result(h, id[i], &e) == 0 && resp[i].status == 200 &&
		      strcmp(buf_str(&resp[i].body), want) == 0;
	}
	CHECK(ok == NPAR);
	srv_last(NULL, 0, &accepts1, NULL);
	CHECK(accepts1 == accepts0 + NPAR);

	/* The same again reuses those NPAR connections. */
	for (i = 0; i < NPAR; i++)
		id[i] = add_get(h, "/delay/50/again", &resp[i], 5000, NULL);
	CHECK(id[0] == 0); /* a new batch */
	CHECK(http_run(h, &e) == 0);
	srv_last(NULL, 0, &accepts2, NULL);
	CHECK(accepts2 == accepts1);

	/* At most 2 in flight: 6 answers of 200 ms take three rounds. */
	http_set_parallel(h, 2);
	srv_reset_delayed();
	for (i = 0; i < 6; i++)
		id[i] = add_get(h, "/delay/200/two", &resp[i], 5000, NULL);
	t0 = now_ms();
	CHECK(http_run(h, &e) == 0);
	dt = now_ms() - t0;
	CHECK(dt >= 3 * 190 && dt < 3 * 200 + 600);
	CHECK(srv_max_delayed() == 2);

	for (i = 0; i < NPAR; i++)
		http_resp_release(&resp[i]);
	http_free(h);
}

/* http_wait reports each transfer as it completes; outcomes are per transfer. */
static void test_wait_and_results(void)
{
	struct http_resp resp[4], small;
	struct http_req req;
	struct http *h;
	struct err e;
	int id, order[4], n = 0, a, b, c, d = -1, rc;

	err_clear(&e);
	h = http_new(&e);
	CHECK(h != NULL);
	if (h == NULL)
		return;
	for (id = 0; id < 4; id++)
		http_resp_init(&resp[id], 4096);
	http_resp_init(&small, 1000);

	a = add_get(h, "/delay/300/a", &resp[0], 5000, NULL);
	b = add_get(h, "/delay/10/b", &resp[1], 5000, NULL);
	c = add_get(h, "/delay/150/c", &resp[2], 5000, NULL);
	CHECK(http_result(h, a, &e) == -1); /* not run yet */
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = url("/b");
	CHECK(http_do(h, &req, &small, &e) == -1); /* a batch is queued */
	while ((rc = http_wait(h, &id, &e)) == 1 && n < 4) {
		order[n++] = id;
		if (id == b) /* a transfer added mid-batch (a retry, say) */
			d = add_get(h, "/delay/50/d", &resp[3], 5000, NULL);
	}
	CHECK(rc == 0);
	CHECK(n == 4);
	CHECK(n == 4 && order[0] == b && order[1] == d && order[2] == c && order[3] == a);
	CHECK(d == 3);
	CHECK(http_result(h, a, &e) == 0 && strcmp(buf_str(&resp[0].body), "GET /delay/300/a HTTP/1.1") == 0);
	CHECK(http_result(h, d, &e) == 0 && strcmp(buf_str(&resp[3].body), "GET /delay/50/d HTTP/1.1") == 0);
	CHECK(http_result(h, 4, &e) == -1);
	CHECK(http_result(h, -1, &e) == -1);

	/* Mixed outcomes in one batch: too large, too slow, fine. */
	a = add_get(h, "/big", &small, 5000, NULL);
	b = add_get(h, "/delay/1000/slow", &resp[0], 200, NULL);
	c = add_get(h, "/fine", &resp[1], 5000, NULL);
	CHECK(a == 0);
	CHECK(http_run(h, &e) == 2);
	CHECK(http_result(h, a, &e) == -1);
	CHECK_STR(e.code, HTTP_ERR_TOOBIG);
	CHECK(http_result(h, b, &e) == -1);
	CHECK_STR(e.code, HTTP_ERR_TIMEOUT);
	CHECK(resp[0].status == 0);
	CHECK(http_result(h, c, &e) == 0);
	CHECK_STR(buf_str(&resp[1].body), "GET /fine HTTP/1.1");
	/* Nothing queued: nothing to wait for. */
	CHECK(http_wait(h, &id, &e) == 0);
	CHECK(http_run(h, &e) == 0);

	for (id = 0; id < 4; id++)
		http_resp_release(&resp[id]);
	http_resp_release(&small);
	http_free(h);
}

static volatile sig_atomic_t batch_stop;

static void *stop_later(void *arg)
{
	(void)arg;
	usleep(200 * 1000);
	batch_stop = 1;
	return NULL;
}

/* One flag stops a whole batch: the ones in flight and the ones still queued. */
static void test_batch_abort(void)
{
	struct http_resp resp[4];
	struct http *h;
	struct err e;
	pthread_t t;
	long long t0, dt;
	int i, aborted = 0;

	err_clear(&e);
	h = http_new(&e);
	CHECK(h != NULL);
	if (h == NULL)
		return;
	http_set_parallel(h, 2);
	batch_stop = 0;
	for (i = 0; i < 4; i++) {
		http_resp_init(&resp[i], 4096);
		(void)add_get(h, "/delay/3000/stop", &resp[i], 0, &batch_stop);
	}
	if (pthread_create(&t, NULL, stop_later, NULL) != 0)
		abort();
	t0 = now_ms();
	CHECK(http_run(h, &e) == 4);
	dt = now_ms() - t0;
	pthread_join(t, NULL);
	CHECK(dt >= 150 && dt < 700);
	for (i = 0; i < 4; i++)
		aborted += http_result(h, i, &e) == -1 && strcmp(e.code, HTTP_ERR_ABORTED) == 0;
	CHECK(aborted == 4);
	for (i = 0; i < 4; i++)
		http_resp_release(&resp[i]);
	http_free(h);
}

static void test_header_find(void)
{
	static const char blk[] = "Content-Length: 12\r\nX-Id:  abc \r\nx-id: second\r\n"
				  "X-Id-Long: no\r\nRetry-After:\t7\nEmpty:\r\nCut: tail";
	const char *v;
	size_t n;

	CHECK(http_header_find(blk, strlen(blk), "x-ID", &v, &n) == 0 && n == 3 && memcmp(v, "abc", 3) == 0);
	CHECK(http_header_find(blk, strlen(blk), "Retry-After", &v, &n) == 0 && n == 1 && *v == '7');
	CHECK(http_header_find(blk, strlen(blk), "Empty", &v, &n) == 0 && n == 0);
	CHECK(http_header_find(blk, strlen(blk), "Cut", &v, &n) == 0 && n == 4 && memcmp(v, "tail", 4) == 0);
	/* The length bounds the search, not a NUL. */
	CHECK(http_header_find(blk, strlen(blk) - 10, "Cut", &v, &n) == -1);
	CHECK(http_header_find(blk, strlen(blk), "X-I", &v, &n) == -1);
	CHECK(http_header_find(blk, strlen(blk), "Content-Length: 12", &v, &n) == -1);
	CHECK(http_header_find("", 0, "X-Id", &v, &n) == -1);
}

/* http_proxy points at the test server, no_proxy exempts 127.0.0.1. */
static void test_proxy(struct http *h)
{
	struct http_resp resp;
	struct err e;

	http_resp_init(&resp, 4096);
	CHECK(do_req(h, "GET", "http://proxied.invalid/x?y=1", NULL, NULL, 0, &resp, &e) == 0);
	CHECK_STR(buf_str(&resp.body), "GET http://proxied.invalid/x?y=1 HTTP/1.1");
	CHECK(do_req(h, "GET", url("/direct"), NULL, NULL, 0, &resp, &e) == 0);
	CHECK_STR(buf_str(&resp.body), "GET /direct HTTP/1.1");
	http_resp_release(&resp);
}

/* A direct request ignores http_proxy (nothing listens on port 1); otherwise the proxy answers. */
static void test_direct(struct http *h)
{
	struct http_req req;
	struct http_resp resp;
	struct err e;

	http_resp_init(&resp, 4096);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = "http://localhost:1/x";
	req.connect_timeout_ms = 2000;
	req.timeout_ms = 5000;
	req.direct = 1;
	CHECK(http_do(h, &req, &resp, &e) == -1);
	CHECK_STR(e.code, HTTP_ERR_CONNECT);
	req.direct = 0;
	CHECK(http_do(h, &req, &resp, &e) == 0);
	CHECK_STR(buf_str(&resp.body), "GET http://localhost:1/x HTTP/1.1");
	http_resp_release(&resp);
}

/* No proxy variable at all: the handle says "no proxy" to curl and goes direct. */
static void test_no_proxy_env(void)
{
	struct http *h;
	struct http_resp resp;
	struct err e;

	unsetenv("http_proxy");
	unsetenv("no_proxy");
	err_clear(&e);
	CHECK(http_global_init(&e) == 0);
	h = http_new(&e);
	CHECK(h != NULL);
	if (h == NULL)
		return;
	http_resp_init(&resp, 4096);
	CHECK(do_req(h, "GET", url("/direct2"), NULL, NULL, 0, &resp, &e) == 0);
	CHECK_STR(buf_str(&resp.body), "GET /direct2 HTTP/1.1");
	http_resp_release(&resp);
	http_free(h);
	http_global_cleanup();
}

int main(void)
{
	struct http *h;
	struct err e;
	pthread_t t;
	sigset_t block, old;
	char proxy[64];

	/* The server thread never takes SIGALRM: it must interrupt http_do's wait. */
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	if (srv_start(&t) != 0) {
		perror("server");
		return 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%d", srv.port);
	setenv("http_proxy", proxy, 1);
	setenv("no_proxy", "127.0.0.1", 1);
	unsetenv("NO_PROXY");
	unsetenv("all_proxy");
	unsetenv("ALL_PROXY");
	err_clear(&e);
	CHECK(http_global_init(&e) == 0);
	h = http_new(&e);
	CHECK(h != NULL);
	if (h != NULL) {
		test_requests(h);
		test_long_header(h);
		test_timeout_and_abort(h);
		test_proxy(h);
		test_direct(h);
		http_free(h);
	}
	test_parallel();
	test_wait_and_results();
	test_batch_abort();
	test_header_find();
	http_global_cleanup();
	test_no_proxy_env();
	pthread_mutex_lock(&srv.mu);
	srv.stop = 1;
	pthread_mutex_unlock(&srv.mu);
	pthread_join(t, NULL);
	return check_done("http");
}
