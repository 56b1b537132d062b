/* wire: see wire.h. */
#include "wire.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "backoff.h"

#define WIRE_SLICE_MS 250          /* how often a wait looks at the abort flag */
#define WIRE_READ_CHUNK 65536
#define WIRE_IN_MAX (BUF_MAX_SMALL + WIRE_READ_CHUNK)

struct wire {
	char host[256];
	char port[8];
	char fixed[300]; /* "Host: <host>:<port>\r\nUser-Agent: fgboot\r\n", the same in every request */
	size_t fixed_len;
	int fd;
	struct buf in;  /* bytes read and not yet consumed */
	struct buf out; /* the request being sent */
};

struct wire *wire_new(const char *hostport, struct err *e)
{
	const char *colon = strrchr(hostport, ':'), *h = hostport;
	struct wire *w;
	size_t hn, i;

	if (colon == NULL || colon == hostport || colon[1] == '\0' || strlen(colon + 1) > 5) {
		err_set(e, "ConfigError", "'%.64s' is not host:port", hostport);
		return NULL;
	}
	for (i = 1; colon[i] != '\0'; i++)
		if (colon[i] < '0' || colon[i] > '9') {
			err_set(e, "ConfigError", "'%.64s' is not host:port", hostport);
			return NULL;
		}
	hn = (size_t)(colon - hostport);
	if (hn >= 2 && h[0] == '[' && h[hn - 1] == ']') { /* [IPv6]:port */
		h++;
		hn -= 2;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL) {
		err_set(e, "OutOfMemory", "out of memory");
		return NULL;
	}
	if (hn >= sizeof(w->host)) {
		free(w);
		err_set(e, "ConfigError", "host name too long");
		return NULL;
	}
	memcpy(w->host, h, hn);
	w->host[hn] = '\0';
	snprintf(w->port, sizeof(w->port), "%s", colon + 1);
	w->fixed_len = (size_t)snprintf(w->fixed, sizeof(w->fixed), "Host: %s:%s\r\nUser-Agent: fgboot\r\n",
					w->host, w->port);
	w->fd = -1;
	buf_init(&w->in, WIRE_IN_MAX);
	buf_init(&w->out, BUF_MAX_SMALL);
	return w;
}

static void wire_close(struct wire *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	buf_clear(&w->in);
}

void wire_free(struct wire *w)
{
	if (w == NULL)
		return;
	wire_close(w);
	buf_release(&w->in);
	buf_release(&w->out);
	free(w);
}

/* Waits until fd is ready for ev, the deadline (0: none) passes, or *flag is set. */
static int wire_wait(struct wire *w, short ev, long long deadline, volatile sig_atomic_t *flag,
		     struct err *e)
{
	struct pollfd p;
	long long left;
	int slice, n;

	for (;;) {
		if (flag != NULL && *flag)
			return err_set(e, HTTP_ERR_ABORTED, "stopped while waiting");
		slice = flag != NULL ? WIRE_SLICE_MS : -1;
		if (deadline > 0) {
			left = deadline - backoff_now_ms();
			if (left <= 0)
				return err_set(e, HTTP_ERR_TIMEOUT, "timed out");
			if (slice < 0 || left < slice)
				slice = (int)left;
		}
		p.fd = w->fd;
		p.events = ev;
		p.revents = 0;
		n = poll(&p, 1, slice);
		if (n > 0)
			return 0; /* ready, or an error that the next call reports */
		if (n < 0 && errno != EINTR)
			return err_set(e, HTTP_ERR_CONNECT, "poll: %s", strerror(errno));
	}
}

static int wire_connect(struct wire *w, const struct http_req *req, long long deadline, struct err *e)
{
	struct addrinfo hints, *res = NULL, *ai;
	long long cdl = deadline;
	socklen_t sl;
	int rc, soerr, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(w->host, w->port, &hints, &res)) != 0)
		return err_set(e, HTTP_ERR_CONNECT, "cannot resolve %s: %s", w->host, gai_strerror(rc));
	if (req->connect_timeout_ms > 0) {
		cdl = backoff_now_ms() + req->connect_timeout_ms;
		if (deadline > 0 && deadline < cdl)
			cdl = deadline;
	}
	err_set(e, HTTP_ERR_CONNECT, "connect to %s:%s failed", w->host, w->port);
	for (ai = res; ai != NULL && w->fd < 0; ai = ai->ai_next) {
		w->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (w->fd < 0)
			continue;
		if (connect(w->fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
			err_set(e, HTTP_ERR_CONNECT, "connect to %s:%s: %s", w->host, w->port, strerror(errno));
			wire_close(w);
			continue;
		}
		if (wire_wait(w, POLLOUT, cdl, req->abort_flag, e) != 0) {
			wire_close(w);
			break;
		}
		soerr = 0;
		sl = sizeof(soerr);
		if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
			err_set(e, HTTP_ERR_CONNECT, "connect to %s:%s: %s", w->host, w->port,
				strerror(soerr ? soerr : errno));
			wire_close(w);
		}
	}
	freeaddrinfo(res);
	if (w->fd < 0)
		return -1;
	(void)setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

/* Sends the head and the body (may be empty) together: one system call when the socket takes it. */
static int wire_send(struct wire *w, const char *head, size_t hlen, const char *body, size_t blen,
		     long long deadline, volatile sig_atomic_t *flag, struct err *e)
{
	struct iovec iov[2];
	struct msghdr msg;
	ssize_t n;

	while (hlen + blen > 0) {
		iov[0].iov_base = (void *)(uintptr_t)head;
		iov[0].iov_len = hlen;
		iov[1].iov_base = (void *)(uintptr_t)body;
		iov[1].iov_len = blen;
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = hlen > 0 ? iov : iov + 1;
		msg.msg_iovlen = hlen > 0 ? 2 : 1;
		n = sendmsg(w->fd, &msg, MSG_NOSIGNAL);
		if (n > 0) {
			size_t k = (size_t)n < hlen ? (size_t)n : hlen;

			head += k;
			hlen -= k;
			body += (size_t)n - k;
			blen -= (size_t)n - k;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
			if (wire_wait(w, POLLOUT, deadline, flag, e) != 0)
				return -1;
		} else {
			return err_set(e, HTTP_ERR_CONNECT, "send: %s", n < 0 ? strerror(errno) : "closed");
		}
	}
	return 0;
}

/* Reads what is available into w->in. Returns the bytes read, 0 at EOF, -1 on error. */
static long wire_fill(struct wire *w, long long deadline, volatile sig_atomic_t *flag, struct err *e)
{
	char chunk[WIRE_READ_CHUNK];
	ssize_t n;

	for (;;) {
		n = recv(w->fd, chunk, sizeof(chunk), 0);
		if (n > 0) {
			if (buf_append(&w->in, chunk, (size_t)n) != 0)
				return err_set(e, HTTP_ERR_TOOBIG, "response head too large");
			return (long)n;
		}
		if (n == 0)
			return 0;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return err_set(e, HTTP_ERR_CONNECT, "recv: %s", strerror(errno));
		if (wire_wait(w, POLLIN, deadline, flag, e) != 0)
			return -1;
	}
}

/* Drops the first n bytes of w->in. */
static void wire_consume(struct wire *w, size_t n)
{
	memmove(w->in.data, w->in.data + n, w->in.len - n);
	w->in.len -= n;
	w->in.data[w->in.len] = '\0';
}

/* Moves up to n bytes of w->in into the body. */
static int wire_take(struct wire *w, size_t n, struct http_resp *resp, struct err *e)
{
	if (n > w->in.len)
		n = w->in.len;
	if (buf_append(&resp->body, w->in.data, n) != 0)
		return err_set(e, HTTP_ERR_TOOBIG, "response exceeds %zu bytes", resp->body.max);
	wire_consume(w, n);
	return 0;
}

static const char *wire_find(const struct buf *b, const char *needle)
{
	return b->len ? strstr(b->data, needle) : NULL;
}

/* Case-insensitive search of needle in the n bytes at p. */
static int wire_contains(const char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (strncasecmp(p + i, needle, k) == 0)
			return 1;
	return 0;
}

int wire_parse_head(const char *buf, size_t len, struct wire_head *h)
{
	const char *p, *end = NULL, *eol, *colon, *v;
	size_t i;
	long long cl;

	memset(h, 0, sizeof(*h));
	h->length = -1;
	/* The first "\r\n\r\n": memchr finds the candidates (a '\r' with 3 bytes after it). */
	for (p = buf; end == NULL && (size_t)(p - buf) + 4 <= len; p++) {
		if ((p = memchr(p, '\r', len - 3 - (size_t)(p - buf))) == NULL)
			break;
		if (memcmp(p, "\r\n\r\n", 4) == 0)
			end = p + 2; /* the blank line's start */
	}
	if (end == NULL || len < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || (buf[7] != '0' && buf[7] != '1') ||
	    buf[8] != ' ')
		return -1;
	for (i = 9; i < 12; i++)
		if (buf[i] < '0' || buf[i] > '9')
			return -1;
	h->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
	if (h->status < 100 || h->status > 599)
		return -1;
	h->close = buf[7] == '0';
	h->header_len = (size_t)(end - buf) + 2;
	p = memchr(buf, '\n', (size_t)(end - buf));
	for (p = p ? p + 1 : end; p < end; p = eol + 1) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			return -1;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon == NULL || colon == p)
			return -1;
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		if ((size_t)(colon - p) == 14 && strncasecmp(p, "Content-Length", 14) == 0) {
			for (cl = 0; v < eol && *v >= '0' && *v <= '9'; v++) {
				if (cl > (1LL << 40))
					return -1;
				cl = cl * 10 + (*v - '0');
			}
			while (v < eol && (*v == ' ' || *v == '\t' || *v == '\r'))
				v++;
			if (v != eol || (h->length >= 0 && h->length != cl))
				return -1;
			h->length = cl;
		} else if ((size_t)(colon - p) == 17 && strncasecmp(p, "Transfer-Encoding", 17) == 0) {
			h->chunked = wire_contains(v, (size_t)(eol - v), "chunked");
		} else if ((size_t)(colon - p) == 10 && strncasecmp(p, "Connection", 10) == 0) {
			if (wire_contains(v, (size_t)(eol - v), "close"))
				h->close = 1;
		}
	}
	return 0;
}

/* Reads a chunked body into resp. */
static int wire_read_chunked(struct wire *w, struct http_resp *resp, long long deadline,
			     volatile sig_atomic_t *flag, struct err *e)
{
	const char *eol;
	char *end;
	unsigned long long size;
	long n;

	for (;;) {
		while ((eol = wire_find(&w->in, "\r\n")) == NULL) {
			if (w->in.len > 1024)
				return err_set(e, HTTP_ERR_OTHER, "malformed chunk header");
			if ((n = wire_fill(w, deadline, flag, e)) <= 0)
				return n == 0 ? err_set(e, HTTP_ERR_CONNECT, "connection closed in a chunked body") : -1;
		}
		errno = 0;
		size = strtoull(w->in.data, &end, 16);
		if (end == w->in.data || errno != 0 || (*end != '\r' && *end != ';'))
			return err_set(e, HTTP_ERR_OTHER, "malformed chunk size");
		wire_consume(w, (size_t)(eol - w->in.data) + 2);
		if (size == 0)
			break;
		if (size > resp->body.max - resp->body.len)
			return err_set(e, HTTP_ERR_TOOBIG, "response exceeds %zu bytes", resp->body.max);
		while (size > 0) {
			if (w->in.len == 0 && (n = wire_fill(w, deadline, flag, e)) <= 0)
				return n == 0 ? err_set(e, HTTP_ERR_CONNECT, "connection closed in a chunk") : -1;
			n = (long)(w->in.len < size ? w->in.len : size);
			if (wire_take(w, (size_t)n, resp, e) != 0)
				return -1;
			size -= (unsigned long long)n;
		}
		while (w->in.len < 2)
			if ((n = wire_fill(w, deadline, flag, e)) <= 0)
				return n == 0 ? err_set(e, HTTP_ERR_CONNECT, "connection closed in a chunk") : -1;
		if (memcmp(w->in.data, "\r\n", 2) != 0)
			return err_set(e, HTTP_ERR_OTHER, "malformed chunk end");
		wire_consume(w, 2);
	}
	/* Trailers, up to the blank line. */
	for (;;) {
		while ((eol = wire_find(&w->in, "\r\n")) == NULL)
			if ((n = wire_fill(w, deadline, flag, e)) <= 0)
				return n == 0 ? err_set(e, HTTP_ERR_CONNECT, "connection closed in trailers") : -1;
		n = (long)(eol - w->in.data);
		wire_consume(w, (size_t)n + 2);
		if (n == 0)
			return 0;
	}
}

/*
 * One exchange on the current connection. *got_bytes tells whether any of
 * the answer arrived (a kept-alive connection closed by the server while
 * idle fails before that, and may be retried).
 */
static int wire_exchange(struct wire *w, const struct http_req *req, struct http_resp *resp,
			 long long deadline, int *got_bytes, struct err *e)
{
	struct wire_head h;
	const char *status_end;
	long n;

	*got_bytes = 0;
	if (wire_send(w, buf_str(&w->out), w->out.len, req->body_len ? req->body : "", req->body_len,
		      deadline, req->abort_flag, e) != 0)
		return -1;
	for (;;) {
		/* The head, skipping any 1xx. */
		while (wire_find(&w->in, "\r\n\r\n") == NULL) {
			if (w->in.len >= BUF_MAX_SMALL)
				return err_set(e, HTTP_ERR_TOOBIG, "response head too large");
			if ((n = wire_fill(w, deadline, req->abort_flag, e)) < 0)
				return -1;
			if (n == 0)
				return err_set(e, HTTP_ERR_CONNECT, "connection closed before the answer");
			*got_bytes = 1;
		}
		*got_bytes = 1;
		if (wire_parse_head(w->in.data, w->in.len, &h) != 0)
			return err_set(e, HTTP_ERR_OTHER, "malformed response head");
		if (h.status >= 200)
			break;
		wire_consume(w, h.header_len);
	}
	resp->status = h.status;
	status_end = strstr(w->in.data, "\r\n") + 2;
	if (buf_append(&resp->headers, status_end, h.header_len - 2 - (size_t)(status_end - w->in.data)) != 0)
		return err_set(e, HTTP_ERR_TOOBIG, "response head too large");
	wire_consume(w, h.header_len);

	/* The body. */
	if (h.chunked) {
		if (wire_read_chunked(w, resp, deadline, req->abort_flag, e) != 0)
			return -1;
	} else if (h.length >= 0) {
		if ((unsigned long long)h.length > resp->body.max)
			return err_set(e, HTTP_ERR_TOOBIG, "response exceeds %zu bytes", resp->body.max);
		while (resp->body.len < (size_t)h.length) {
			if (w->in.len == 0 && (n = wire_fill(w, deadline, req->abort_flag, e)) <= 0)
				return n == 0 ? err_set(e, HTTP_ERR_CONNECT, "connection closed in the body") : -1;
			if (wire_take(w, (size_t)h.length - resp->body.len, resp, e) != 0)
				return -1;
		}
	} else {
		h.close = 1; /* the body ends with the connection */
		for (;;) {
			if (wire_take(w, w->in.len, resp, e) != 0)
				return -1;
			if ((n = wire_fill(w, deadline, req->abort_flag, e)) < 0)
				return -1;
			if (n == 0)
				break;
		}
	}
	/* Nothing may follow an answer we did not ask for: start afresh if it does. */
	if (h.close || w->in.len > 0)
		wire_close(w);
	return 0;
}

static const char *wire_path(const char *url)
{
	const char *p = strstr(url, "://");

	if (p == NULL)
		return url;
	p = strchr(p + 3, '/');
	return p ? p : "/";
}

int wire_do(struct wire *w, const struct http_req *req, struct http_resp *resp, struct err *e)
{
	long long deadline = req->timeout_ms > 0 ? backoff_now_ms() + req->timeout_ms : 0;
	int attempt, reused, got, post = strcmp(req->method, "GET") != 0;
	size_t i;

	/* Built by appends: this runs twice per invocation, and printf costs more than the rest. */
	buf_clear(&w->out);
	if (buf_puts(&w->out, req->method) != 0 || buf_puts(&w->out, " ") != 0 ||
	    buf_puts(&w->out, wire_path(req->url)) != 0 || buf_puts(&w->out, " HTTP/1.1\r\n") != 0 ||
	    buf_append(&w->out, w->fixed, w->fixed_len) != 0)
		return err_set(e, HTTP_ERR_OTHER, "request too large");
	for (i = 0; i < req->nheaders; i++)
		if (buf_puts(&w->out, req->headers[i].name) != 0 || buf_puts(&w->out, ": ") != 0 ||
		    buf_puts(&w->out, req->headers[i].value) != 0 || buf_puts(&w->out, "\r\n") != 0)
			return err_set(e, HTTP_ERR_OTHER, "request too large");
	if ((post && (buf_puts(&w->out, "Content-Length: ") != 0 || buf_putu(&w->out, req->body_len) != 0 ||
		      buf_puts(&w->out, "\r\n") != 0)) ||
	    buf_puts(&w->out, "\r\n") != 0)
		return err_set(e, HTTP_ERR_OTHER, "request too large");

	for (attempt = 0; attempt < 2; attempt++) {
		http_resp_clear(resp);
		reused = w->fd >= 0;
		if (!reused && wire_connect(w, req, deadline, e) != 0)
			return -1;
		if (wire_exchange(w, req, resp, deadline, &got, e) == 0)
			return 0;
		wire_close(w);
		/* Only a kept-alive connection that died before answering is worth one fresh try. */
		if (!reused || got || strcmp(e->code, HTTP_ERR_CONNECT) != 0)
			return -1;
	}
	return -1;
}
