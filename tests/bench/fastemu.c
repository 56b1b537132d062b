/*
 * fastemu.c: the C twin of tests/bench/fastemu.py, for `make bench`.
 *
 * A FunctionGraph runtime-API emulator and stateless fake CCE with the same
 * HTTP behaviour as fastemu.py, run as a child process of the benchmark
 * driver so that its cost per request is a few microseconds (one read, one
 * write and a share of one epoll_wait) instead of the Python loop's 35-80:
 *
 *   * one thread, one level-triggered epoll loop, non-blocking sockets,
 *     HTTP/1.1 keep-alive, TCP_NODELAY;
 *   * every response is pre-built (events arrive from the driver already
 *     serialised as whole HTTP responses);
 *   * requests are parsed from a per-connection buffer: the header block ends
 *     at CRLFCRLF, a Content-Length body is waited for across partial reads
 *     (100 Continue is sent once if the client asked for it), a chunked
 *     request body is refused (connection closed, message on stderr);
 *     pipelined requests are handled in order;
 *   * responses are written with a per-connection output buffer: a partial
 *     write keeps the rest and waits for EPOLLOUT;
 *   * runtime port: GET /v1/runtime/invocation/request (long poll: parked
 *     until an event is queued), POST /v1/runtime/invocation/{kind}/{rid}
 *     -> 200 {}; anything else 404;
 *   * cloud port: X-Auth-Token must equal the token (case-insensitively, as
 *     fastemu.py compares a lowercased header block), else 401; then
 *     GET  /api/v3/projects/{p}/clusters/{c}                     -> Available
 *     GET  /api/v3/projects/{p}/clusters/{c}/nodes               -> no items
 *     POST /api/v3/projects/{p}/clusters/{c}/operation/hibernate -> 200 {}
 *     anything else 404.
 *
 * Timestamps are CLOCK_MONOTONIC ns (Python's time.monotonic_ns()): the
 * first GET next of each run, each event handed out (once its last byte is
 * written to the socket), each answer received (when its request is parsed).
 *
 * Usage: fastemu TOKEN PROJECT CLUSTER
 * Control protocol (driver -> stdin, one command per line; see fastemu.py's
 * FastEmuC, which wraps it behind FastEmu's interface):
 *   R EPOCH TARGET K1,K2,..|-   new run: forget records; report T when TARGET
 *                               answers arrived, and hold at answer Ki
 *   E RID LEN\n<LEN bytes>     queue an event: RID and its complete response
 *   G                          release a hold
 *   D                          dump the run's records (below)
 *   Q (or EOF)                 exit
 * Emulator -> stdout:
 *   READY RTPORT CLOUDPORT     once, when listening on 127.0.0.1
 *   C EPOCH N                  answer N was a checkpoint: no event is handed
 *                              out until G (the driver samples the runtime)
 *   T EPOCH N                  TARGET answers reached (once per run)
 *   dump: "S FIRST_GET GETS CLOUD_REQUESTS CLOUD_CONNS NDELIVERED NANSWERS",
 *         NDELIVERED x "d RID NS", NANSWERS x "a NS KIND/RID HEXBODY[:300]",
 *         "END"
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEAD (1 << 20)
#define MAX_BODY (64 << 20)
#define ANSWER_KEEP 300
#define MAX_PEND 8

enum { K_RT = 1, K_CLOUD = 2 };

struct conn {
    int fd, kind;
    char *in;
    size_t inlen, incap, scan;
    char *out;
    size_t outoff, outlen, outcap;
    int waiting, continued;
    long pend[MAX_PEND]; /* delivered records to timestamp when out drains */
    int npend;
    struct conn *wnext;  /* parked GET next, FIFO */
};

struct event { char *rid; char *data; size_t len; };
struct deliv { char *rid; int64_t ns; };
struct answer { char *kindrid; int64_t ns; char *body; size_t blen; };

static int ep, lrt, lcloud;
static struct conn **conns;
static size_t nconns_cap;

static struct event *q;
static size_t qhead, qlen, qcap;
static struct conn *whead, *wtail;

static struct deliv *dv;
static size_t ndv, dvcap;
static struct answer *an;
static size_t nan_, ancap;
static int64_t first_get;
static long gets, cloud_requests, cloud_conns;
static long epoch, target, *notify;
static size_t nnotify;
static int hold, done_sent;

static char *token;
static size_t token_len;
static char *cpath;
static size_t cpath_len;

static char *r_cluster, *r_nodes, *r_op, *r_ok, *r_401, *r_404;
static size_t l_cluster, l_nodes, l_op, l_ok, l_401, l_404;
static const char R_100[] = "HTTP/1.1 100 Continue\r\n\r\n";

static char *ctl;
static size_t ctllen, ctlcap;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fastemu: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = xrealloc(NULL, n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

#define GROW(ptr, len, cap, need)                                         \
    do {                                                                  \
        if ((need) > (cap)) {                                             \
            size_t nc_ = (cap) ? (cap) : 16;                              \
            while (nc_ < (need))                                          \
                nc_ *= 2;                                                 \
            (ptr) = xrealloc((ptr), nc_ * sizeof(*(ptr)));                \
            (cap) = nc_;                                                  \
        }                                                                 \
    } while (0)

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void out_all(const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(1, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            exit(0); /* driver gone */
        }
        p += w;
        n -= (size_t)w;
    }
}

static void say(const char *fmt, ...)
{
    char b[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    out_all(b, (size_t)n);
}

static char *build(int status, const char *body, const char *extra, size_t *len)
{
    const char *reason = status == 200 ? "OK" : status == 401 ? "Unauthorized" : "Not Found";
    size_t blen = strlen(body);
    int n = snprintf(NULL, 0, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n%s\r\n%s", status, reason, blen, extra, body);
    char *r = xrealloc(NULL, (size_t)n + 1);
    snprintf(r, (size_t)n + 1, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\n%s\r\n%s", status, reason, blen, extra, body);
    *len = (size_t)n;
    return r;
}

static int listen_any(int *port)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    if (s < 0)
        die("socket: %s", strerror(errno));
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(s, (struct sockaddr *)&a, sizeof a) || listen(s, 512) ||
        getsockname(s, (struct sockaddr *)&a, &al))
        die("bind/listen: %s", strerror(errno));
    *port = ntohs(a.sin_port);
    return s;
}

static void ep_add(int fd, uint32_t evs)
{
    struct epoll_event e = { .events = evs, .data.fd = fd };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e))
        die("epoll_ctl: %s", strerror(errno));
}

static void ep_mod(struct conn *c, uint32_t evs)
{
    struct epoll_event e = { .events = evs, .data.fd = c->fd };
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
}

/* -- connections ----------------------------------------------------------- */
static void unpark(struct conn *c)
{
    struct conn **pp = &whead, *prev = NULL;
    for (; *pp; prev = *pp, pp = &(*pp)->wnext) {
        if (*pp == c) {
            *pp = c->wnext;
            if (wtail == c)
                wtail = prev;
            break;
        }
    }
    c->wnext = NULL;
    c->waiting = 0;
}

static void drop(struct conn *c)
{
    if (c->waiting)
        unpark(c);
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    conns[c->fd] = NULL;
    free(c->in);
    free(c->out);
    free(c);
}

static void stamp_pending(struct conn *c)
{
    if (c->npend) {
        int64_t t = now_ns();
        for (int i = 0; i < c->npend; i++)
            dv[c->pend[i]].ns = t;
        c->npend = 0;
    }
}

/* Write what is buffered. Returns -1 if the connection was dropped. */
static int flush(struct conn *c)
{
    while (c->outoff < c->outlen) {
        ssize_t w = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                ep_mod(c, EPOLLIN | EPOLLOUT);
                return 0;
            }
            drop(c);
            return -1;
        }
        c->outoff += (size_t)w;
    }
    int had_out = c->outlen != 0;
    c->outoff = c->outlen = 0;
    stamp_pending(c);
    if (had_out)
        ep_mod(c, EPOLLIN);
    return 0;
}

/* Send a response: straight to the socket when nothing is queued before it. */
static int send_resp(struct conn *c, const char *p, size_t n)
{
    if (c->outlen == 0) {
        for (;;) {
            ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                    break;
                drop(c);
                return -1;
            }
            p += w;
            n -= (size_t)w;
            if (n == 0)
                return 0;
        }
        GROW(c->out, c->outlen, c->outcap, n);
        memcpy(c->out, p, n);
        c->outlen = n;
        c->outoff = 0;
        ep_mod(c, EPOLLIN | EPOLLOUT);
        return 0;
    }
    if (c->outoff) {
        memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
        c->outlen -= c->outoff;
        c->outoff = 0;
    }
    GROW(c->out, c->outlen, c->outcap, c->outlen + n);
    memcpy(c->out + c->outlen, p, n);
    c->outlen += n;
    return 0;
}

/* -- runtime API ----------------------------------------------------------- */
static int deliver(struct conn *c)
{
    struct event *e = &q[qhead++];
    if (qhead == qlen)
        qhead = qlen = 0;
    GROW(dv, ndv, dvcap, ndv + 1);
    long idx = (long)ndv++;
    dv[idx].rid = e->rid;
    dv[idx].ns = 0;
    int r = send_resp(c, e->data, e->len);
    free(e->data);
    if (r < 0) {
        dv[idx].ns = now_ns();
        return -1;
    }
    if (c->outlen == 0)
        dv[idx].ns = now_ns();
    else if (c->npend < MAX_PEND)
        c->pend[c->npend++] = idx;
    else
        dv[idx].ns = now_ns();
    return 0;
}

static void serve_waiters(void)
{
    while (!hold && whead && qhead < qlen) {
        struct conn *c = whead;
        whead = c->wnext;
        if (!whead)
            wtail = NULL;
        c->wnext = NULL;
        c->waiting = 0;
        deliver(c);
    }
}

static int is_notify(long n)
{
    for (size_t i = 0; i < nnotify; i++)
        if (notify[i] == n)
            return 1;
    return 0;
}

static const char NEXT[] = "/v1/runtime/invocation/request";
static const char RESP[] = "/v1/runtime/invocation/";

static int runtime(struct conn *c, const char *m, size_t ml, const char *p, size_t pl,
                   const char *body, size_t blen)
{
    if (ml == 3 && !memcmp(m, "GET", 3) && pl == sizeof NEXT - 1 && !memcmp(p, NEXT, pl)) {
        gets++;
        if (!first_get)
            first_get = now_ns();
        if (!hold && qhead < qlen)
            return deliver(c);
        c->waiting = 1;
        c->wnext = NULL;
        if (wtail)
            wtail->wnext = c;
        else
            whead = c;
        wtail = c;
        return 0;
    }
    if (ml == 4 && !memcmp(m, "POST", 4) && pl >= sizeof RESP - 1 &&
        !memcmp(p, RESP, sizeof RESP - 1)) {
        int64_t t = now_ns();
        if (send_resp(c, r_ok, l_ok) < 0)
            return -1;
        GROW(an, nan_, ancap, nan_ + 1);
        struct answer *a = &an[nan_++];
        a->kindrid = xstrndup(p + sizeof RESP - 1, pl - (sizeof RESP - 1));
        a->ns = t;
        a->blen = blen < ANSWER_KEEP ? blen : ANSWER_KEEP;
        a->body = xstrndup(body, a->blen);
        long n = (long)nan_;
        if (is_notify(n)) {
            hold = 1;
            say("C %ld %ld\n", epoch, n);
        }
        if (n >= target && !done_sent) {
            done_sent = 1;
            say("T %ld %ld\n", epoch, n);
        }
        return 0;
    }
    return send_resp(c, r_404, l_404);
}

/* -- fake CCE ----------------------------------------------------------------- */
static int cloud(struct conn *c, const char *m, size_t ml, const char *p, size_t pl,
                 const char *tok, size_t tl)
{
    cloud_requests++;
    if (!tok || tl != token_len || strncasecmp(tok, token, tl))
        return send_resp(c, r_401, l_401);
    int get = ml == 3 && !memcmp(m, "GET", 3), post = ml == 4 && !memcmp(m, "POST", 4);
    if (pl >= cpath_len && !memcmp(p, cpath, cpath_len)) {
        const char *rest = p + cpath_len;
        size_t rl = pl - cpath_len;
        if (get && rl == 0)
            return send_resp(c, r_cluster, l_cluster);
        if (get && rl == 6 && !memcmp(rest, "/nodes", 6))
            return send_resp(c, r_nodes, l_nodes);
        if (post && rl == 20 && !memcmp(rest, "/operation/hibernate", 20))
            return send_resp(c, r_op, l_op);
    }
    return send_resp(c, r_404, l_404);
}

/* -- request parsing --------------------------------------------------------- */
static int hdr_is(const char *line, size_t n, const char *name, const char **val, size_t *vl)
{
    size_t k = strlen(name);
    if (n <= k || line[k] != ':' || strncasecmp(line, name, k))
        return 0;
    const char *v = line + k + 1, *e = line + n;
    while (v < e && (*v == ' ' || *v == '\t'))
        v++;
    while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
        e--;
    *val = v;
    *vl = (size_t)(e - v);
    return 1;
}

/* Handle every complete request in c->in. Returns -1 if c was dropped. */
static int parse(struct conn *c)
{
    size_t start = 0;
    int rc = 0;
    while (start < c->inlen) {
        char *b = c->in + start;
        size_t avail = c->inlen - start;
        size_t from = c->scan > start ? c->scan - start : 0;
        char *end = from < avail ? memmem(b + from, avail - from, "\r\n\r\n", 4) : NULL;
        if (!end) {
            c->scan = c->inlen >= 3 ? c->inlen - 3 : 0;
            if (avail > MAX_HEAD) {
                fprintf(stderr, "fastemu: header block over %d bytes, closing\n", MAX_HEAD);
                drop(c);
                return -1;
            }
            break;
        }
        size_t hlen = (size_t)(end - b);
        /* request line */
        const char *le = memchr(b, '\r', hlen + 1);
        const char *sp1 = memchr(b, ' ', (size_t)(le - b));
        const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(le - sp1 - 1)) : NULL;
        if (!sp2) {
            fprintf(stderr, "fastemu: bad request line, closing\n");
            drop(c);
            return -1;
        }
        /* headers */
        size_t clen = 0;
        int expect = 0, chunked = 0, have_clen = 0;
        const char *tok = NULL;
        size_t tl = 0;
        const char *ln = le + 2, *hend = b + hlen;
        while (ln < hend) {
            const char *nl = memmem(ln, (size_t)(hend - ln), "\r\n", 2);
            if (!nl)
                nl = hend;
            size_t n = (size_t)(nl - ln);
            const char *v;
            size_t vl;
            if (hdr_is(ln, n, "content-length", &v, &vl)) {
                char num[24];
                char *ep_;
                if (vl == 0 || vl >= sizeof num)
                    goto bad_len;
                memcpy(num, v, vl);
                num[vl] = 0;
                errno = 0;
                unsigned long long x = strtoull(num, &ep_, 10);
                if (*ep_ || errno || num[0] == '-' || x > MAX_BODY)
                    goto bad_len;
                clen = (size_t)x;
                have_clen = 1;
            } else if (hdr_is(ln, n, "transfer-encoding", &v, &vl)) {
                chunked = 1;
            } else if (hdr_is(ln, n, "expect", &v, &vl)) {
                expect = vl == 12 && !strncasecmp(v, "100-continue", 12);
            } else if (hdr_is(ln, n, "x-auth-token", &v, &vl)) {
                tok = v;
                tl = vl;
            }
            ln = nl + 2;
        }
        if (chunked && !have_clen) {
            fprintf(stderr, "fastemu: chunked bodies are not supported, closing\n");
            drop(c);
            return -1;
        }
        size_t total = hlen + 4 + clen;
        if (avail < total) {
            c->scan = start; /* rescan the (small) header block when the body is in */
            if (!c->continued && expect) {
                c->continued = 1;
                if (send_resp(c, R_100, sizeof R_100 - 1) < 0)
                    return -1;
            }
            GROW(c->in, c->inlen, c->incap, start + total);
            break;
        }
        c->continued = 0;
        if (c->kind == K_RT)
            rc = runtime(c, b, (size_t)(sp1 - b), sp1 + 1, (size_t)(sp2 - sp1 - 1),
                         end + 4, clen);
        else
            rc = cloud(c, b, (size_t)(sp1 - b), sp1 + 1, (size_t)(sp2 - sp1 - 1), tok, tl);
        if (rc < 0)
            return -1;
        start += total;
        c->scan = start;
    }
    if (start) {
        memmove(c->in, c->in + start, c->inlen - start);
        c->inlen -= start;
        c->scan = c->scan > start ? c->scan - start : 0;
    }
    return 0;
bad_len:
    fprintf(stderr, "fastemu: bad Content-Length, closing\n");
    drop(c);
    return -1;
}

static void on_read(struct conn *c)
{
    for (;;) {
        if (c->incap - c->inlen < 4096)
            GROW(c->in, c->inlen, c->incap, c->inlen + 65536);
        size_t room = c->incap - c->inlen;
        ssize_t r = recv(c->fd, c->in + c->inlen, room, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            drop(c);
            return;
        }
        if (r == 0) {
            drop(c);
            return;
        }
        c->inlen += (size_t)r;
        if (parse(c) < 0)
            return;
        if ((size_t)r < room)
            return; /* drained: level-triggered epoll tells us about more */
    }
}

static void on_accept(int l)
{
    for (;;) {
        int fd = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;
        if (fd < 0)
            return;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if ((size_t)fd >= nconns_cap) {
            size_t old = nconns_cap;
            GROW(conns, (size_t)fd, nconns_cap, (size_t)fd + 1);
            memset(conns + old, 0, (nconns_cap - old) * sizeof *conns);
        }
        struct conn *c = xrealloc(NULL, sizeof *c);
        memset(c, 0, sizeof *c);
        c->fd = fd;
        c->kind = l == lrt ? K_RT : K_CLOUD;
        if (c->kind == K_CLOUD)
            cloud_conns++;
        conns[fd] = c;
        ep_add(fd, EPOLLIN);
    }
}

/* -- control ------------------------------------------------------------------- */
static void reset_run(char *args)
{
    char *sp, *nums;
    epoch = strtol(args, &sp, 10);
    target = strtol(sp, &nums, 10);
    while (*nums == ' ')
        nums++;
    for (size_t i = 0; i < ndv; i++)
        free(dv[i].rid);
    for (size_t i = 0; i < nan_; i++) {
        free(an[i].kindrid);
        free(an[i].body);
    }
    /* records still waiting for a drain stamp point into dv: forget them */
    for (size_t i = 0; i < nconns_cap; i++)
        if (conns[i])
            conns[i]->npend = 0;
    ndv = nan_ = 0;
    first_get = 0;
    gets = cloud_requests = cloud_conns = 0;
    nnotify = 0;
    done_sent = 0;
    hold = 0;
    if (*nums != '-') {
        while (*nums) {
            char *e;
            long v = strtol(nums, &e, 10);
            if (e == nums)
                break;
            notify = xrealloc(notify, (nnotify + 1) * sizeof *notify);
            notify[nnotify++] = v;
            nums = *e == ',' ? e + 1 : e;
        }
    }
}

static void dump(void)
{
    static const char hx[] = "0123456789abcdef";
    size_t cap = 256 + ndv * 64 + nan_ * (64 + 2 * ANSWER_KEEP), n = 0;
    for (size_t i = 0; i < ndv; i++)
        cap += strlen(dv[i].rid);
    for (size_t i = 0; i < nan_; i++)
        cap += strlen(an[i].kindrid);
    char *o = xrealloc(NULL, cap);
    n += (size_t)sprintf(o + n, "S %lld %ld %ld %ld %zu %zu\n", (long long)first_get, gets,
                         cloud_requests, cloud_conns, ndv, nan_);
    for (size_t i = 0; i < ndv; i++)
        n += (size_t)sprintf(o + n, "d %s %lld\n", dv[i].rid, (long long)dv[i].ns);
    for (size_t i = 0; i < nan_; i++) {
        n += (size_t)sprintf(o + n, "a %lld %s ", (long long)an[i].ns, an[i].kindrid);
        for (size_t j = 0; j < an[i].blen; j++) {
            unsigned char ch = (unsigned char)an[i].body[j];
            o[n++] = hx[ch >> 4];
            o[n++] = hx[ch & 15];
        }
        o[n++] = '\n';
    }
    n += (size_t)sprintf(o + n, "END\n");
    out_all(o, n);
    free(o);
}

/* Returns 1 to quit. */
static int on_control(void)
{
    for (;;) {
        GROW(ctl, ctllen, ctlcap, ctllen + 65536);
        ssize_t r = read(0, ctl + ctllen, ctlcap - ctllen);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                break;
            return 1;
        }
        if (r == 0)
            return 1;
        size_t room = ctlcap - ctllen;
        ctllen += (size_t)r;
        if ((size_t)r < room)
            break;
    }
    size_t pos = 0;
    int pushed = 0;
    while (pos < ctllen) {
        char *line = ctl + pos;
        char *nl = memchr(line, '\n', ctllen - pos);
        if (!nl)
            break;
        size_t used = (size_t)(nl - line) + 1;
        *nl = 0;
        if (line[0] == 'E') {
            char *rid = line + 2, *sp = strchr(rid, ' ');
            if (!sp)
                die("bad E command");
            size_t len = strtoul(sp + 1, NULL, 10);
            if (ctllen - pos - used < len) {
                *nl = '\n';
                break; /* the event's bytes are still on their way */
            }
            GROW(q, qlen, qcap, qlen + 1);
            q[qlen].rid = xstrndup(rid, (size_t)(sp - rid));
            q[qlen].data = xstrndup(nl + 1, len);
            q[qlen].len = len;
            qlen++;
            used += len;
            pushed = 1;
        } else if (line[0] == 'R') {
            reset_run(line + 2);
        } else if (line[0] == 'G') {
            hold = 0;
            pushed = 1;
        } else if (line[0] == 'D') {
            dump();
        } else if (line[0] == 'Q') {
            return 1;
        } else {
            die("unknown command %.20s", line);
        }
        pos += used;
    }
    if (pos) {
        memmove(ctl, ctl + pos, ctllen - pos);
        ctllen -= pos;
    }
    if (pushed)
        serve_waiters();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        die("usage: fastemu TOKEN PROJECT CLUSTER");
    signal(SIGPIPE, SIG_IGN);
    token = argv[1];
    token_len = strlen(token);
    size_t pl = strlen(argv[2]) + strlen(argv[3]) + 40;
    cpath = xrealloc(NULL, pl);
    cpath_len = (size_t)snprintf(cpath, pl, "/api/v3/projects/%s/clusters/%s", argv[2], argv[3]);

    char *cj = xrealloc(NULL, strlen(argv[3]) + 256);
    sprintf(cj, "{\"kind\":\"Cluster\",\"apiVersion\":\"v3\",\"metadata\":{\"uid\":\"%s\","
            "\"name\":\"bench\"},\"spec\":{\"type\":\"VirtualMachine\"},"
            "\"status\":{\"phase\":\"Available\"}}", argv[3]);
    r_cluster = build(200, cj, "X-Request-Id: 00000000-0000-4000-8000-000000000000\r\n",
                      &l_cluster);
    r_nodes = build(200, "{\"kind\":\"List\",\"apiVersion\":\"v3\",\"items\":[]}",
                    "X-Request-Id: 00000000-0000-4000-8000-000000000002\r\n", &l_nodes);
    r_op = build(200, "{}", "X-Request-Id: 00000000-0000-4000-8000-000000000001\r\n", &l_op);
    r_ok = build(200, "{}", "", &l_ok);
    r_401 = build(401, "{\"errorCode\":\"CCE.01401001\",\"errorMessage\":\"Authorization failed.\"}",
                  "", &l_401);
    r_404 = build(404, "{\"errorMessage\":\"not found\"}", "", &l_404);

    ep = epoll_create1(EPOLL_CLOEXEC);
    int prt, pcl;
    lrt = listen_any(&prt);
    lcloud = listen_any(&pcl);
    ep_add(lrt, EPOLLIN);
    ep_add(lcloud, EPOLLIN);
    fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
    ep_add(0, EPOLLIN);
    say("READY %d %d\n", prt, pcl);

    struct epoll_event evs[64];
    for (;;) {
        int n = epoll_wait(ep, evs, 64, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_wait: %s", strerror(errno));
        }
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == 0) {
                if (on_control())
                    return 0;
            } else if (fd == lrt || fd == lcloud) {
                on_accept(fd);
            } else {
                struct conn *c = (size_t)fd < nconns_cap ? conns[fd] : NULL;
                if (!c)
                    continue;
                if (evs[i].events & EPOLLOUT && flush(c) < 0)
                    continue;
                if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
                    on_read(c);
            }
        }
    }
}
