/*
 * test_http: lib/http.c against a loopback HTTP/1.1 server in a thread: the
 * request line, headers and body that reach the server (GET, POST, a custom
 * method, then GET again), one connection kept alive across many calls and
 * more URLs than the parsed-URL cache holds, a URL without a scheme and a
 * malformed one (left to curl), the response ceiling, an over-long header
 * line, the timeout, abort_flag set by a signal and by another thread, and
 * the proxy environment (http_proxy with no_proxy, as libcurl reads it, and
 * none at all).
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

#define SRV_CONNS 8

struct conn {
	int fd;
	int served; /* requests answered on it */
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

static void *srv_main(void *arg)
{
	struct pollfd p[SRV_CONNS + 1];
	size_t i, used;
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
		p[0].fd = srv.lfd;
		p[0].events = POLLIN;
		for (i = 0; i < SRV_CONNS; i++) {
			p[i + 1].fd = srv.c[i].fd;
			p[i + 1].events = POLLIN;
		}
		if (poll(p, SRV_CONNS + 1, 20) <= 0)
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
				close(c->fd);
				c->fd = -1;
				continue;
			}
			c->len += (size_t)n;
			while ((used = srv_complete(c)) > 0) {
				pthread_mutex_lock(&srv.mu);
				srv.requests++;
				n = used < sizeof(srv.last) ? (ssize_t)used : (ssize_t)sizeof(srv.last) - 1;
				memcpy(srv.last, c->in, (size_t)n);
				srv.last[n] = '\0';
				n = srv.hang;
				if (srv.drop && c->served > 0) {
					srv.drop = 0;
					n = 2;
				}
				pthread_mutex_unlock(&srv.mu);
				if (n == 2) {
					close(c->fd);
					c->fd = -1;
					break;
				}
				if (n) {
					c->len = 0; /* swallowed */
					break;
				}
				c->served++;
				srv_answer(c, used);
			}
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
		http_free(h);
	}
	http_global_cleanup();
	test_no_proxy_env();
	pthread_mutex_lock(&srv.mu);
	srv.stop = 1;
	pthread_mutex_unlock(&srv.mu);
	pthread_join(t, NULL);
	return check_done("http");
}
