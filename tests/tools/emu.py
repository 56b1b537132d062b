"""A minimal, fast FunctionGraph runtime-API emulator and fake CCE for `make bench`.

tests/fakes.py is the reference emulator: thorough (faults, signatures, state
that moves over time) but built on http.server with a thread per connection,
which costs a few hundred microseconds per request -- more than the runtime
being measured. This one is written for throughput instead:

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

FastEmuC has the same interface and behaviour but runs tests/bench/fastemu.c
(built by bench.py into build/bench/fastemu) as a child process, driven over
its stdin/stdout (the protocol is described at the top of fastemu.c); it costs
a few microseconds of CPU per request instead of tens.
"""

import os
import subprocess
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
        self._thread = threading.Thread(target=self._loop, name="fastemu", daemon=True)
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
    label = "tests/bench/fastemu.py (Python, in the driver process)"

    def cpu_ns(self):
        """The emulator's CPU time so far: the driver process's (the driver waits)."""
        return time.process_time_ns()

    def pin(self, cpus):
        """Runs the emulator on cpus (a set), or anywhere again (None).

        Not done for the Python twin: it is threads of the driver process."""
        return False

    def reset(self, target=0, on_answer=None, notify=()):
        """New run: forget timestamps; `done` is set when `target` answers arrived.

        on_answer(n) is called after every answer (`notify`, the answer counts the
        caller cares about, only matters to FastEmuC)."""
        self.first_get = None
        self.gets = 0
        self.delivered = {}          # rid -> ns
        self.answers = []            # (rid, kind, ns, body[:200])
        self.cloud_requests = 0
        self.cloud_conns = 0
        self.target = target
        self.on_answer = on_answer   # called in the loop as on_answer(n_answers)
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
                    if d == "cloud":
                        self.cloud_conns += 1
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
                raise RuntimeError("fastemu: chunked bodies are not supported")
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
            n = len(self.answers)
            if self.on_answer:
                self.on_answer(n)
            if n >= self.target:
                self.done.set()
            return
        self._send(c, self._e404)

    def _cloud(self, c, method, path, lower):
        self.cloud_requests += 1
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


class FastEmuC:
    """FastEmu's interface, served by the C emulator `binary` (a child process).

    Records (first_get, gets, delivered, answers, cloud_requests, cloud_conns)
    stay in the child during a run and are fetched on first access after a
    reset, so fetching them costs the measured run nothing. on_answer(n) is
    called (from a reader thread) only for n in `notify`; the child hands out
    no further event until it returns, like FastEmu's synchronous callback.
    """

    label = "tests/bench/fastemu.c (C, epoll, a child process)"

    def __init__(self, token, project, cluster, binary):
        self.proc = subprocess.Popen([str(binary), token, project, cluster],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self._out = self.proc.stdout
        line = self._out.readline().split()
        if not line or line[0] != b"READY":
            raise RuntimeError("fastemu.c did not start: %r" % line)
        self.addr = "127.0.0.1:%d" % int(line[1])
        self.cloud_url = "http://127.0.0.1:%d" % int(line[2])
        self._wlock = threading.Lock()
        self._epoch = 0
        self._dumped = threading.Event()
        self._dump = None
        self._reader = threading.Thread(target=self._read_loop, name="fastemu-c", daemon=True)
        self.reset()
        self._reader.start()

    def cpu_ns(self):
        """The child's on-CPU time so far (ns, /proc/<pid>/schedstat)."""
        with open("/proc/%d/schedstat" % self.proc.pid) as f:
            return int(f.read().split()[0])

    def pin(self, cpus):
        """Runs the emulator (one thread) on cpus (a set), or anywhere again (None)."""
        os.sched_setaffinity(self.proc.pid, cpus or os.sched_getaffinity(0))
        return True

    def _cmd(self, data):
        with self._wlock:
            self.proc.stdin.write(data)

    def reset(self, target=0, on_answer=None, notify=()):
        self._epoch += 1
        self.target = target
        self.on_answer = on_answer
        self.done = threading.Event()
        self._records = None
        nums = ",".join(str(int(k)) for k in notify) if on_answer and notify else "-"
        self._cmd(b"R %d %d %s\n" % (self._epoch, target, nums.encode()))

    def push_many(self, events):
        parts = []
        for rid, body, headers in events:
            if not rid or any(ch.isspace() for ch in rid):
                raise ValueError("fastemu.c: request ids must be non-empty, without spaces")
            extra = b"X-Cff-Request-Id: %s\r\n" % rid.encode()
            for k, v in headers.items():
                extra += b"%s: %s\r\n" % (k.encode(), v.encode())
            data = _resp(200, body, extra)
            parts.append(b"E %s %d\n" % (rid.encode(), len(data)))
            parts.append(data)
        self._cmd(b"".join(parts))

    def _read_loop(self):
        out = self._out
        while True:
            line = out.readline()
            if not line:
                return
            if line.startswith(b"C ") or line.startswith(b"T "):
                _, ep, n = line.split()
                if int(ep) != self._epoch:
                    continue
                if line[0:1] == b"C":
                    try:
                        if self.on_answer:
                            self.on_answer(int(n))
                    finally:
                        self._cmd(b"G\n")
                else:
                    self.done.set()
            elif line.startswith(b"S "):
                s = line.split()
                first, gets, creq, cconn, nd, na = (int(v) for v in s[1:])
                delivered, answers = {}, []
                for _ in range(nd):
                    _, rid, ns = out.readline().split()
                    delivered[rid.decode()] = int(ns)
                for _ in range(na):
                    a = out.readline().rstrip(b"\n").split(b" ", 3)
                    kind, _, rid = a[2].decode().partition("/")
                    answers.append((rid, kind, int(a[1]), bytes.fromhex(a[3].decode())))
                if out.readline() != b"END\n":
                    raise RuntimeError("fastemu.c: bad dump")
                self._dump = {"first_get": first or None, "gets": gets,
                              "cloud_requests": creq, "cloud_conns": cconn,
                              "delivered": delivered, "answers": answers}
                self._dumped.set()

    def records(self):
        """The current run's records (fetched from the child once per reset)."""
        if self._records is None:
            self._dumped.clear()
            self._cmd(b"D\n")
            if not self._dumped.wait(60):
                raise RuntimeError("fastemu.c: no dump")
            self._records = self._dump
        return self._records

    first_get = property(lambda self: self.records()["first_get"])
    gets = property(lambda self: self.records()["gets"])
    delivered = property(lambda self: self.records()["delivered"])
    answers = property(lambda self: self.records()["answers"])
    cloud_requests = property(lambda self: self.records()["cloud_requests"])
    cloud_conns = property(lambda self: self.records()["cloud_conns"])

    def close(self):
        try:
            self._cmd(b"Q\n")
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(5)
