"""A minimal, fast FunctionGraph runtime-API emulator and fake CCE for `make bench`.

tests/integration/fakes.py is the reference emulator: thorough (faults, signatures, state
that moves over time) but built on http.server with a thread per connection,
which adds a few hundred microseconds before it sees a request -- a large share
of a 2 ms cold start. This one answers and timestamps within microseconds:

* one thread, one `selectors` loop, raw non-blocking sockets, HTTP/1.1 keep-alive;
* every response is pre-built bytes (events are serialised when pushed);
* only what the benchmark needs: the runtime API (GET next with long poll,
  POST response/error) on one port, and on another a stateless fake CCE
  (GET a cluster -> phase Available, GET its nodes -> none,
  POST .../operation/hibernate -> 200),
  which checks X-Auth-Token.

Timestamps are time.monotonic_ns() (CLOCK_MONOTONIC, the clock the benchmark
driver reads just before Popen): the first GET of each run, each event handed
out (after its bytes are written), each answer received (when its last byte is
parsed). Python 3 standard library only.
"""

import selectors
import socket
import threading
import time
from collections import deque

NEXT = b"/v1/runtime/invocation/request"
RESP = b"/v1/runtime/invocation/"
CLUSTER_JSON = (b'{"kind":"Cluster","apiVersion":"v3","metadata":{"uid":"%s","name":"bench"},'
                b'"spec":{"type":"VirtualMachine"},"status":{"phase":"Available"}}')


def _resp(status, body, extra=b""):
    reason = {200: b"OK", 401: b"Unauthorized", 404: b"Not Found", 100: b"Continue"}[status]
    return (b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n"
            % (status, reason, len(body), extra)) + body


class _Conn:
    __slots__ = ("sock", "buf", "kind", "waiting", "continued")

    def __init__(self, sock, kind):
        self.sock, self.buf, self.kind = sock, b"", kind
        self.waiting = False     # a GET next parked (long poll)
        self.continued = False   # 100 Continue already sent for the request in buf


class FastEmu:
    def __init__(self, token, project, cluster):
        self.token = token.encode()
        self.sel = selectors.DefaultSelector()
        self.rt = self._listen()
        self.cloud = self._listen()
        self.addr = "127.0.0.1:%d" % self.rt.getsockname()[1]
        self.cloud_url = "http://127.0.0.1:%d" % self.cloud.getsockname()[1]
        self._cluster_path = ("/api/v3/projects/%s/clusters/%s" % (project, cluster)).encode()
        self._cluster_ok = _resp(200, CLUSTER_JSON % cluster.encode(),
                                 b"X-Request-Id: 00000000-0000-4000-8000-000000000000\r\n")
        self._nodes_ok = _resp(200, b'{"kind":"List","apiVersion":"v3","items":[]}',
                               b"X-Request-Id: 00000000-0000-4000-8000-000000000002\r\n")
        self._op_ok = _resp(200, b"{}", b"X-Request-Id: 00000000-0000-4000-8000-000000000001\r\n")
        self._ok = _resp(200, b"{}")
        self._e401 = _resp(401, b'{"errorCode":"CCE.01401001","errorMessage":"Authorization failed."}')
        self._e404 = _resp(404, b'{"errorMessage":"not found"}')
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self.sel.register(self.rt, selectors.EVENT_READ, "rt")
        self.sel.register(self.cloud, selectors.EVENT_READ, "cloud")
        self.sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._lock = threading.Lock()
        self._incoming = deque()     # events pushed by other threads
        self.queue = deque()         # (rid, prebuilt response bytes)
        self.waiters = deque()       # parked GET connections
        self.reset()
        self._stop = False
        self._thread = threading.Thread(target=self._loop, name="emu", daemon=True)
        self._thread.start()

    @staticmethod
    def _listen():
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(512)
        s.setblocking(False)
        return s

    # -- driver side (any thread) ------------------------------------------
    def reset(self, target=0):
        """New run: forget timestamps; `done` is set when `target` answers arrived."""
        self.first_get = None
        self.gets = 0
        self.delivered = {}          # rid -> ns
        self.answers = []            # (rid, kind, ns, body[:200])
        self.target = target
        self.done = threading.Event()

    def push_many(self, events):
        """events: iterable of (rid, body bytes, {header: value})."""
        built = []
        for rid, body, headers in events:
            extra = b"X-Cff-Request-Id: %s\r\n" % rid.encode()
            for k, v in headers.items():
                extra += b"%s: %s\r\n" % (k.encode(), v.encode())
            built.append((rid, _resp(200, body, extra)))
        with self._lock:
            self._incoming.extend(built)
        self._wake_w.send(b"x")

    def close(self):
        self._stop = True
        self._wake_w.send(b"x")
        self._thread.join(5)

    # -- loop ----------------------------------------------------------------
    def _loop(self):
        sel = self.sel
        while not self._stop:
            for key, _ in sel.select():
                d = key.data
                if d == "wake":
                    try:
                        self._wake_r.recv(4096)
                    except BlockingIOError:
                        pass
                    with self._lock:
                        self.queue.extend(self._incoming)
                        self._incoming.clear()
                    self._serve_waiters()
                elif d == "rt" or d == "cloud":
                    try:
                        s, _ = key.fileobj.accept()
                    except BlockingIOError:
                        continue
                    s.setblocking(False)
                    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    sel.register(s, selectors.EVENT_READ, _Conn(s, d))
                else:
                    self._read(d)
        for key in list(sel.get_map().values()):
            key.fileobj.close()

    def _drop(self, c):
        try:
            self.sel.unregister(c.sock)
        except (KeyError, ValueError):
            pass
        c.sock.close()
        if c.waiting:
            try:
                self.waiters.remove(c)
            except ValueError:
                pass

    def _send(self, c, data):
        try:
            c.sock.sendall(data)  # small responses: fits in the socket buffer
        except OSError:
            self._drop(c)

    def _serve_waiters(self):
        while self.waiters and self.queue:
            c = self.waiters.popleft()
            c.waiting = False
            self._deliver(c)

    def _deliver(self, c):
        rid, data = self.queue.popleft()
        self._send(c, data)
        self.delivered[rid] = time.monotonic_ns()

    def _read(self, c):
        try:
            data = c.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(c)
            return
        c.buf += data
        while c.buf:
            end = c.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = c.buf[:end]
            lower = head.lower()
            clen = 0
            i = lower.find(b"\ncontent-length:")
            if i >= 0:
                j = lower.find(b"\r\n", i + 1)
                clen = int(head[i + 16:j if j > 0 else len(head)])
            elif b"\ntransfer-encoding:" in lower:
                raise RuntimeError("emu: chunked bodies are not supported")
            total = end + 4 + clen
            if len(c.buf) < total:
                if not c.continued and b"\nexpect: 100-continue" in lower:
                    c.continued = True
                    self._send(c, b"HTTP/1.1 100 Continue\r\n\r\n")
                return
            body = c.buf[end + 4:total]
            c.buf = c.buf[total:]
            c.continued = False
            sp1 = head.find(b" ")
            sp2 = head.find(b" ", sp1 + 1)
            method, path = head[:sp1], head[sp1 + 1:sp2]
            if c.kind == "rt":
                self._runtime(c, method, path, body)
            else:
                self._cloud(c, method, path, lower)

    def _runtime(self, c, method, path, body):
        if method == b"GET" and path == NEXT:
            self.gets += 1
            if self.first_get is None:
                self.first_get = time.monotonic_ns()
            if self.queue:
                self._deliver(c)
            else:
                c.waiting = True
                self.waiters.append(c)
            return
        if method == b"POST" and path.startswith(RESP):
            t = time.monotonic_ns()
            kind, _, rid = path[len(RESP):].decode().partition("/")
            self._send(c, self._ok)
            self.answers.append((rid, kind, t, body[:300]))
            if len(self.answers) >= self.target:
                self.done.set()
            return
        self._send(c, self._e404)

    def _cloud(self, c, method, path, lower):
        i = lower.find(b"\nx-auth-token:")
        tok = b""
        if i >= 0:
            j = lower.find(b"\r\n", i + 1)
            tok = lower[i + 14:j if j > 0 else len(lower)].strip()
        if tok != self.token.lower():  # header block was lowercased: compare lowercased
            self._send(c, self._e401)
            return
        if method == b"GET" and path == self._cluster_path:
            self._send(c, self._cluster_ok)
        elif method == b"GET" and path == self._cluster_path + b"/nodes":
            self._send(c, self._nodes_ok)
        elif method == b"POST" and path == self._cluster_path + b"/operation/hibernate":
            self._send(c, self._op_ok)
        else:
            self._send(c, self._e404)

