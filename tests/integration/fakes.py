"""In-process fakes for testing the fgboot ``bootstrap`` binary.

Two loopback HTTP servers, each running in daemon threads so that pytest tests
(and demo scripts) can spawn the real ``bootstrap`` against them:

* :class:`RuntimeAPI` -- the FunctionGraph custom-runtime API (spec 1.3-1.5):
  ``GET /v1/runtime/invocation/request`` (long poll) and
  ``POST /v1/runtime/invocation/{response,error}/{id}``, with fault injection.

* :class:`FakeCloud` -- one server that plays both CCE v3 (spec 3) and ECS v1
  (spec 4), authenticating either ``X-Auth-Token`` or an ``SDK-HMAC-SHA256``
  signature (spec 5.2/5.3) that is verified independently here, with lazily
  time-driven state transitions (cluster hibernate/awake, server start/stop,
  ECS jobs) and canned-fault injection.

:func:`sdk_sign` is the module's own implementation of the signing algorithm;
it is what :class:`FakeCloud` uses to verify requests and is checked against the
published vectors of spec 5.4 in ``test_fakes.py``.

Everything binds 127.0.0.1 only, speaks HTTP/1.1 with keep-alive (every
response carries Content-Length), records what it receives under a lock, never
prints tracebacks for client disconnects, and shuts down promptly on
``close()`` even while requests are blocked in a long poll or a "hang" fault.

Python 3 standard library only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import select
import socket
import ssl
import socketserver
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from urllib.parse import parse_qs, quote, unquote

__all__ = [
    "CIDict", "Req", "Result", "RuntimeAPI", "FakeCloud",
    "sdk_sign", "canonical_request", "canonical_query", "canonical_uri",
    "EMPTY_SHA256", "SDK_DATE_FORMAT",
]

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
SDK_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
ALGORITHM = "SDK-HMAC-SHA256"


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

class CIDict(dict):
    """A dict that keeps keys as given but looks string keys up case-insensitively.

    ``d["content-type"]``, ``"CONTENT-TYPE" in d`` and ``d.get(...)`` all work
    whatever case the key was stored with. ``d.header(name)`` is an alias of get.
    """

    def _find(self, key):
        if dict.__contains__(self, key):
            return key
        if isinstance(key, str):
            low = key.lower()
            for k in self.keys():
                if isinstance(k, str) and k.lower() == low:
                    return k
        raise KeyError(key)

    def __getitem__(self, key):
        return dict.__getitem__(self, self._find(key))

    def __contains__(self, key):
        try:
            self._find(key)
            return True
        except KeyError:
            return False

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    header = get


def _headers_from_message(msg) -> CIDict:
    """email.message.Message -> CIDict; repeated headers are joined with ', '."""
    out = CIDict()
    for k, v in msg.items():
        try:
            existing = out._find(k)
            dict.__setitem__(out, existing, out[existing] + ", " + v)
        except KeyError:
            dict.__setitem__(out, k, v)
    return out


def _to_bytes(body) -> bytes:
    """bytes stay bytes, str is utf-8 encoded, anything else is JSON-encoded."""
    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


def _parse_json(body: bytes):
    if not body:
        return None
    try:
        return json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None


def _peer_closed(sock) -> bool:
    """True when the client has closed its end (EOF readable) or the socket is dead."""
    try:
        readable, _, _ = select.select([sock], [], [], 0)
        if not readable:
            return False
        return sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


# ---------------------------------------------------------------------------
# SDK-HMAC-SHA256 (spec 5.2-5.4), implemented independently of the C code
# ---------------------------------------------------------------------------

def _enc(s: str) -> str:
    """Percent-encode everything except A-Z a-z 0-9 - _ . ~ (uppercase hex, UTF-8)."""
    return quote(s, safe="~", encoding="utf-8", errors="strict")


def canonical_uri(path: str) -> str:
    """Each '/'-separated segment decoded then re-encoded; a trailing '/' appended."""
    out = "/".join(_enc(unquote(seg)) for seg in path.split("/"))
    if not out.endswith("/"):
        out += "/"
    return out


def canonical_query(raw_query: str) -> str:
    """Canonical query string of a raw (wire) query string.

    Names/values are percent-decoded, re-encoded, sorted by name then value
    (byte order of the decoded UTF-8 text), ``name=`` kept for empty values.
    """
    pairs = []
    for part in (raw_query or "").split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((unquote(name), unquote(value)))
    pairs.sort(key=lambda kv: (kv[0].encode("utf-8"), kv[1].encode("utf-8")))
    return "&".join(_enc(n) + "=" + _enc(v) for n, v in pairs)


def _default_signed_headers(headers: dict) -> list:
    # The SDKs never sign header names containing '_' (vectors V2-V5).
    return sorted({k.lower() for k in headers if "_" not in k})


def canonical_request(method: str, path: str, raw_query: str, headers: dict,
                      body: bytes, signed_headers) -> str:
    """The six-part canonical request (spec 5.2 step 2).

    ``signed_headers`` is the list of lowercase names, in the order they will
    appear in SignedHeaders. ``headers`` is looked up case-insensitively. When
    an ``X-Sdk-Content-Sha256`` header is present its value replaces the body hash.
    """
    h = headers if isinstance(headers, CIDict) else CIDict(headers)
    lines = []
    for name in signed_headers:
        value = h.get(name)
        if value is None:
            raise KeyError("signed header %r not present" % name)
        lines.append("%s:%s\n" % (name.lower(), str(value).strip()))
    payload_hash = h.get("X-Sdk-Content-Sha256")
    if payload_hash is None:
        payload_hash = hashlib.sha256(_to_bytes(body)).hexdigest()
    return "\n".join([
        method.upper(),
        canonical_uri(path),
        canonical_query(raw_query),
        "".join(lines),
        ";".join(signed_headers),
        payload_hash,
    ])


def _string_to_sign(sdk_date: str, creq: str) -> str:
    return "%s\n%s\n%s" % (ALGORITHM, sdk_date,
                           hashlib.sha256(creq.encode("utf-8")).hexdigest())


def _signature(sk: str, sts: str) -> str:
    return hmac.new(sk.encode("utf-8"), sts.encode("utf-8"), hashlib.sha256).hexdigest()


def sdk_sign(method: str, path: str, raw_query: str, headers: dict, body: bytes,
             ak: str, sk: str, signed_headers=None) -> str:
    """Return the ``Authorization`` header value for a request.

    ``path`` has no query; ``raw_query`` is the query string (canonicalised here,
    so the caller should send ``canonical_query(raw_query)`` on the wire).
    ``headers`` must include ``X-Sdk-Date`` (and ``Host`` if it is to be signed).
    By default every header whose name has no '_' is signed; pass
    ``signed_headers`` (names, any case) to sign exactly those.
    """
    h = CIDict(headers)
    if signed_headers is None:
        names = _default_signed_headers(h)
    else:
        names = sorted({n.lower() for n in signed_headers})
    creq = canonical_request(method, path, raw_query, h, body, names)
    sig = _signature(sk, _string_to_sign(h["X-Sdk-Date"].strip(), creq))
    return "%s Access=%s, SignedHeaders=%s, Signature=%s" % (
        ALGORITHM, ak, ";".join(names), sig)


def _parse_authorization(value: str):
    """'SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...' -> dict or None."""
    if not value.startswith(ALGORITHM + " "):
        return None
    fields = {}
    for part in value[len(ALGORITHM) + 1:].split(","):
        k, sep, v = part.strip().partition("=")
        if not sep:
            return None
        fields[k] = v
    if not {"Access", "SignedHeaders", "Signature"} <= fields.keys():
        return None
    return fields


# ---------------------------------------------------------------------------
# Shared HTTP server plumbing
# ---------------------------------------------------------------------------

class _Dropped(Exception):
    """Raised inside a handler to abandon the connection without a response."""


class _HTTPD(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False        # never join handler threads on close
    allow_reuse_address = True
    request_queue_size = 128
    owner = None                  # the _FakeServer

    def server_bind(self):
        # Skip HTTPServer.server_bind's getfqdn() (a reverse DNS lookup).
        socketserver.TCPServer.server_bind(self)
        self.server_name = "127.0.0.1"
        self.server_port = self.server_address[1]

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, ValueError, _Dropped)) or self.owner._closing:
            return  # client went away / we closed it: stay silent
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fgboot-fake/1"
    sys_version = ""
    timeout = None
    owner = None                  # set on a per-server subclass

    def setup(self):
        if self.owner.tls:
            # Handshake here, in the connection's own thread, not in accept().
            self.request.settimeout(10)
            self.request.do_handshake()
            self.request.settimeout(None)
            with self.owner._cond:
                self.owner.handshakes += 1
        super().setup()
        try:  # headers and body go out in separate writes: avoid Nagle/delayed-ACK stalls
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.owner._track(self.connection, True)

    def version_string(self):
        return self.server_version

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.owner._track(self.connection, False)

    def log_message(self, format, *args):  # noqa: A002 - silence access log
        pass

    def _any(self):
        self.owner._serve(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _any


def _read_body(h) -> bytes:
    """Read the request body (Content-Length or chunked)."""
    te = h.headers.get("Transfer-Encoding", "")
    if "chunked" in te.lower():
        chunks = []
        while True:
            line = h.rfile.readline(65537)
            if not line:
                raise ConnectionError("eof in chunked body")
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while True:  # trailers
                    t = h.rfile.readline(65537)
                    if t in (b"\r\n", b"\n", b""):
                        break
                break
            data = h.rfile.read(size)
            if len(data) < size:
                raise ConnectionError("eof in chunk")
            chunks.append(data)
            h.rfile.readline(3)
        return b"".join(chunks)
    cl = h.headers.get("Content-Length")
    if not cl:
        return b""
    n = int(cl)
    if n < 0:
        raise ValueError("negative Content-Length")
    data = h.rfile.read(n)
    if len(data) < n:
        raise ConnectionError("eof in body")
    return data


class _FakeServer:
    """Base: a ThreadingHTTPServer in a daemon thread, a condition, clean close()."""

    def __init__(self, port: int = 0, tls=None):
        """tls: (certfile, keyfile) to serve HTTPS instead of HTTP."""
        self._cond = threading.Condition(threading.RLock())
        self.tls = tls
        #: TLS handshakes completed (connection-reuse checks)
        self.handshakes = 0
        self._closing = False
        self._conns = set()
        #: TCP connections accepted so far (keep-alive tests)
        self.connections = 0
        #: unexpected exceptions raised by the fake's own handlers (bugs)
        self.errors = []
        handler = type(type(self).__name__ + "Handler", (_Handler,), {"owner": self})
        self._httpd = _HTTPD(("127.0.0.1", port), handler)
        self._httpd.owner = self
        if tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*tls)
            self._httpd.socket = ctx.wrap_socket(self._httpd.socket, server_side=True,
                                                 do_handshake_on_connect=False)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=type(self).__name__, daemon=True)
        self._thread.start()

    # -- lifecycle ---------------------------------------------------------
    def close(self):
        """Stop serving: wakes blocked long polls/hangs, closes every connection."""
        with self._cond:
            if self._closing:
                return
            self._closing = True
            self._cond.notify_all()
            conns = list(self._conns)
        self._httpd.shutdown()
        self._httpd.server_close()
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _track(self, conn, add: bool):
        with self._cond:
            if add:
                self._conns.add(conn)
                self.connections += 1
                if self._closing:
                    try:
                        conn.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
            else:
                self._conns.discard(conn)

    # -- request plumbing --------------------------------------------------
    def _serve(self, h):
        try:
            body = _read_body(h)
        except (OSError, ValueError):
            h.close_connection = True
            return
        target = h.path
        m = re.match(r"^[a-zA-Z]+://[^/]*", target)  # absolute-form request target
        if m:
            target = target[m.end():] or "/"
        path, _, raw_query = target.partition("?")
        headers = _headers_from_message(h.headers)
        req = Req(method=h.command, path=path,
                  query=parse_qs(raw_query, keep_blank_values=True),
                  raw_query=raw_query, headers=headers, body=body,
                  json=_parse_json(body), t=time.monotonic())
        try:
            self._handle(h, req)
        except _Dropped:
            self._drop(h)
        except OSError:
            h.close_connection = True
        except Exception as exc:  # a bug in the fake: report it, answer 500
            self.errors.append(exc)
            traceback.print_exc()
            try:
                self._reply(h, 500, {"error": "fake internal error: %r" % exc})
            except OSError:
                h.close_connection = True

    def _handle(self, h, req):  # pragma: no cover - overridden
        raise NotImplementedError

    def _reply(self, h, status: int, body=b"", headers=None,
               content_type: Optional[str] = "application/json"):
        data = _to_bytes(body)
        h.send_response(status)
        have_ct = False
        for k, v in (headers or {}).items():
            h.send_header(k, str(v))
            if k.lower() == "content-type":
                have_ct = True
        if not have_ct and content_type:
            h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(data)))
        if self._closing:
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        if h.command != "HEAD" and data:
            h.wfile.write(data)

    def _drop(self, h):
        h.close_connection = True
        try:
            h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _sleep(self, seconds: float, conn=None) -> bool:
        """Sleep unless closing (or the peer hangs up, if conn given); True if it slept fully."""
        end = time.monotonic() + seconds
        with self._cond:
            while not self._closing:
                left = end - time.monotonic()
                if left <= 0:
                    return True
                self._cond.wait(min(left, 0.1))
                if conn is not None and _peer_closed(conn):
                    return False
        return False

    def _hang(self, h):
        """Never answer: wait until close() (or the client gives up), then drop."""
        with self._cond:
            while not self._closing:
                self._cond.wait(0.1)
                if _peer_closed(h.connection):
                    break
        raise _Dropped()


@dataclass
class Req:
    """One request received by a fake."""
    method: str
    path: str                 # without the query string
    query: dict               # parse_qs(raw_query, keep_blank_values=True)
    raw_query: str
    headers: CIDict           # case preserved; case-insensitive lookups
    body: bytes
    json: Any                 # parsed body or None
    t: float                  # time.monotonic() on arrival
    auth: Optional[str] = None  # FakeCloud: "token", "aksk" or None (rejected/unchecked)
    in_flight: int = 0        # FakeCloud: requests being answered on arrival, this one included
    status: int = 0           # FakeCloud: the status answered (0: none yet, or dropped)
    t_answered: float = 0.0   # FakeCloud: time.monotonic() when answered

    def header(self, name, default=None):
        return self.headers.get(name, default)


# ---------------------------------------------------------------------------
# FunctionGraph runtime API
# ---------------------------------------------------------------------------

@dataclass
class Result:
    """One POST to /invocation/response/{id} or /invocation/error/{id}."""
    kind: str                  # "response" | "error"
    request_id: str
    body: bytes
    json: Any                  # parsed JSON, or None when the body is not JSON
    headers: CIDict
    t_delivered: Optional[float]  # monotonic time the event was handed out
    t_answered: float          # monotonic time the POST arrived
    unknown: bool = False      # no event with that id was ever delivered

    def header(self, name, default=None):
        return self.headers.get(name, default)


@dataclass
class _Event:
    request_id: str
    body: bytes
    headers: dict


_RT_GET = "/v1/runtime/invocation/request"
_RT_POST = re.compile(r"^/v1/runtime/invocation/(response|error)/([^/]+)$")


class RuntimeAPI(_FakeServer):
    """Fake FunctionGraph runtime API (spec 1.3/1.4); point RUNTIME_API_ADDR at .addr."""

    def __init__(self, port: int = 0):
        self.results = []          # list[Result], in arrival order
        self.requests = []         # list[(method, path, headers)]
        self.gets = 0              # number of GET /invocation/request received
        self.delivered = {}        # request_id -> monotonic time handed out
        self._queue = deque()      # pending _Event
        self._get_faults = deque()  # ("fail", status) | ("drop", None)
        self._post_faults = deque()  # status
        self._get_delays = deque()   # seconds
        self._post_delays = deque()  # seconds
        super().__init__(port)

    @property
    def addr(self) -> str:
        return "127.0.0.1:%d" % self.port

    # -- driving -----------------------------------------------------------
    def push(self, event, headers=None, request_id=None) -> str:
        """Queue an event (bytes, str, or JSON-able value); returns its request id."""
        rid = request_id or str(uuid.uuid4())
        with self._cond:
            self._queue.append(_Event(rid, _to_bytes(event), dict(headers or {})))
            self._cond.notify_all()
        return rid

    @property
    def queued(self) -> int:
        """Number of events not yet handed out."""
        with self._cond:
            return len(self._queue)

    def results_for(self, request_id) -> list:
        with self._cond:
            return [r for r in self.results if r.request_id == request_id]

    def wait_result(self, request_id, timeout: float = 10) -> Result:
        """Block until the first result for request_id arrives (TimeoutError otherwise)."""
        end = time.monotonic() + timeout
        with self._cond:
            while True:
                for r in self.results:
                    if r.request_id == request_id:
                        return r
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no result for %s within %ss" % (request_id, timeout))
                self._cond.wait(left)

    def wait_gets(self, n: int, timeout: float = 10) -> int:
        """Block until at least n GETs have been received (TimeoutError otherwise)."""
        end = time.monotonic() + timeout
        with self._cond:
            while self.gets < n:
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError("only %d of %d GETs within %ss" % (self.gets, n, timeout))
                self._cond.wait(left)
            return self.gets

    # -- faults ------------------------------------------------------------
    def fail_next_gets(self, n: int = 1, status: int = 500):
        """The next n GETs answer `status` with a small JSON body; events stay queued."""
        with self._cond:
            self._get_faults.extend([("fail", status)] * n)

    def drop_next_gets(self, n: int = 1):
        """The next n GETs are read and then the connection is closed with no response."""
        with self._cond:
            self._get_faults.extend([("drop", None)] * n)

    def fail_next_posts(self, n: int = 1, status: int = 500):
        """The next n response/error POSTs answer `status` and are not recorded."""
        with self._cond:
            self._post_faults.extend([status] * n)

    def truncate_next_gets(self, n: int = 1):
        """The next n events are handed out with their headers and only half of their
        body, then the connection is closed (a drop in the middle of the response)."""
        with self._cond:
            self._get_faults.extend([("truncate", None)] * n)

    def slow_next_posts(self, seconds: float, n: int = 1):
        """The next n response/error POSTs are answered only after `seconds` (the
        platform freezing the instance between the event and its answer)."""
        with self._cond:
            self._post_delays.extend([seconds] * n)

    def slow_next_get(self, seconds: float):
        """Delay the answer of the next GET by `seconds` (after an event is available)."""
        with self._cond:
            self._get_delays.append(seconds)

    # -- serving -----------------------------------------------------------
    def _handle(self, h, req):
        with self._cond:
            self.requests.append((req.method, req.path, req.headers))
        if req.method == "GET" and req.path == _RT_GET:
            return self._handle_get(h)
        m = _RT_POST.match(req.path)
        if req.method == "POST" and m:
            return self._handle_post(h, req, m.group(1), unquote(m.group(2)))
        self._reply(h, 404, {"errorMessage": "not found: %s %s" % (req.method, req.path)})

    def _handle_get(self, h):
        with self._cond:
            self.gets += 1
            self._cond.notify_all()
            delay = self._get_delays.popleft() if self._get_delays else 0
            fault = self._get_faults.popleft() if self._get_faults else None
        if fault is not None and fault[0] != "truncate":
            if delay and not self._sleep(delay):
                raise _Dropped()
            if fault[0] == "drop":
                raise _Dropped()
            self._reply(h, fault[1], {"errorMessage": "injected GET failure",
                                      "errorCode": "FAKE.%d" % fault[1]})
            return
        while True:
            with self._cond:  # long poll: no timeout, but end on close / hang-up
                while not self._queue:
                    if self._closing or _peer_closed(h.connection):
                        raise _Dropped()
                    self._cond.wait(0.1)
            if delay:
                if not self._sleep(delay, h.connection):
                    raise _Dropped()  # event stays queued
                delay = 0
            with self._cond:
                if self._closing or _peer_closed(h.connection):
                    raise _Dropped()
                if not self._queue:
                    continue  # another poller took it
                ev = self._queue.popleft()
                self.delivered[ev.request_id] = time.monotonic()
            headers = {"X-Cff-Request-Id": ev.request_id, "Content-Type": "application/json"}
            headers.update(ev.headers)
            if fault is not None and fault[0] == "truncate":
                h.send_response(200)
                for k, v in headers.items():
                    h.send_header(k, v)
                h.send_header("Content-Length", str(len(ev.body)))
                h.end_headers()
                h.wfile.write(ev.body[: len(ev.body) // 2])
                h.wfile.flush()
                raise _Dropped()
            self._reply(h, 200, ev.body, headers=headers)
            return

    def _handle_post(self, h, req, kind, rid):
        with self._cond:
            status = self._post_faults.popleft() if self._post_faults else None
            delay = self._post_delays.popleft() if self._post_delays else 0
        if delay and not self._sleep(delay):
            raise _Dropped()
        if status is not None:
            self._reply(h, status, {"errorMessage": "injected POST failure"})
            return
        with self._cond:
            t_del = self.delivered.get(rid)
            self.results.append(Result(
                kind=kind, request_id=rid, body=req.body, json=req.json,
                headers=req.headers, t_delivered=t_del, t_answered=req.t,
                unknown=t_del is None))
            self._cond.notify_all()
        self._reply(h, 200, b"{}")


# ---------------------------------------------------------------------------
# CCE v3 + ECS v1
# ---------------------------------------------------------------------------

@dataclass
class _Cluster:
    uid: str
    name: str
    phase: str
    nodes: list
    pending: Optional[tuple] = None   # (final phase, monotonic deadline)


@dataclass
class _Server:
    id: str
    name: str
    status: str
    tags: list
    pending: Optional[tuple] = None   # (final status, monotonic deadline)


@dataclass
class _Job:
    job_id: str
    job_type: str                      # batchStopServers | batchStartServers
    sub_type: str                      # stopServer | startServer
    begin_wall: float
    t_begin: float
    t_running: float                   # end of INIT
    t_end: float                       # end of RUNNING
    subs: list = field(default_factory=list)  # dicts: server_id, job_id, fail


@dataclass
class _Fault:
    method: Optional[str]
    regex: Any
    status: Optional[int]
    body: bytes
    times: Optional[int]
    headers: dict
    delay: float
    hang: bool
    raw: Optional[bytes]
    query: Any = None  # a compiled regex the raw query must match too, or None


_CCE_RE = re.compile(r"^/api/v3/projects/([^/]+)(/.*)?$")
_ECS_RE = re.compile(r"^/v1/([^/]+)(/.*)?$")


def _iso_ms(wall: float) -> str:
    dt = datetime.fromtimestamp(wall, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


class FakeCloud(_FakeServer):
    """CCE v3 + ECS v1 on one loopback server; point both endpoints at .url."""

    def __init__(self, token: Optional[str] = "test-token",
                 project: str = "0123456789abcdef0123456789abcdef",
                 port: int = 0, aksk: Optional[dict] = None, tls=None):
        self.token = token
        self.project = project
        self.aksk = dict(aksk or {})
        #: ak -> X-Security-Token value that must accompany that AK
        self.security_tokens = {}
        #: require X-Security-Token to be listed in SignedHeaders when it is required
        self.require_signed_security_token = True
        #: reject X-Sdk-Date more than 15 min away from now
        self.clock_skew_check = True
        #: seconds a hibernate/awake/start/stop takes to complete
        self.transition_seconds = 0.5
        #: seconds an ECS job reports INIT before RUNNING
        self.job_init_seconds = 0.0
        self.requests = []             # list[Req]
        self._clusters = {}
        self._servers = {}
        self._jobs = {}
        self._fail_servers = set()
        self._reject_servers = set()
        self._faults = []
        #: seconds every answer waits (a real region's round trip), faults included
        self.delay = 0.0
        #: (n, status, headers): every n-th request (counted from 1) answers status
        self.every_nth = None
        #: requests being answered now, and the most at once (reset by clear_requests)
        self.in_flight = 0
        self.peak_in_flight = 0
        self._seq = 0
        super().__init__(port, tls=tls)

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return "%s://%s:%d" % (scheme, "localhost" if self.tls else "127.0.0.1", self.port)

    def clear_requests(self):
        with self._cond:
            self.requests.clear()
            self.peak_in_flight = self.in_flight
            self._seq = 0

    def requests_matching(self, method=None, path_regex=None) -> list:
        """Recorded requests filtered by method and re.search on the path."""
        with self._cond:
            return [r for r in self.requests
                    if (method is None or r.method == method)
                    and (path_regex is None or re.search(path_regex, r.path))]

    # -- CCE state ---------------------------------------------------------
    def add_cluster(self, cluster_id, name, phase="Available", nodes=None):
        """nodes: list of {"uid","name","serverId","phase"(default "Active")[, "privateIP"]}."""
        norm = []
        for i, n in enumerate(nodes or []):
            norm.append({"uid": n.get("uid") or str(uuid.uuid4()),
                         "name": n.get("name") or "node-%d" % i,
                         "serverId": n.get("serverId", ""),
                         "phase": n.get("phase", "Active"),
                         "privateIP": n.get("privateIP", "10.0.%d.%d" % (i // 250, i % 250 + 2))})
        with self._cond:
            self._clusters[cluster_id] = _Cluster(cluster_id, name, phase, norm)

    def _settle_cluster(self, c: _Cluster) -> str:
        if c.pending and time.monotonic() >= c.pending[1]:
            c.phase, c.pending = c.pending[0], None
        return c.phase

    def phase(self, cluster_id) -> str:
        with self._cond:
            return self._settle_cluster(self._clusters[cluster_id])

    def set_phase(self, cluster_id, phase):
        """Force a phase (cancels any transition in progress)."""
        with self._cond:
            c = self._clusters[cluster_id]
            c.phase, c.pending = phase, None

    # -- ECS state ---------------------------------------------------------
    def add_server(self, server_id, name, status="ACTIVE", tags=None):
        with self._cond:
            self._servers[server_id] = _Server(server_id, name, status, list(tags or []))

    def _settle_server(self, s: _Server) -> str:
        if s.pending and time.monotonic() >= s.pending[1]:
            s.status, s.pending = s.pending[0], None
        return s.status

    def server(self, server_id) -> str:
        """Current status of a server (ACTIVE, SHUTOFF, ...)."""
        with self._cond:
            return self._settle_server(self._servers[server_id])

    def set_server_status(self, server_id, status):
        with self._cond:
            s = self._servers[server_id]
            s.status, s.pending = status, None

    def reject_server_in_batches(self, server_id):
        """Any batch start/stop naming this server is refused whole (409 Ecs.0113 locked)."""
        with self._cond:
            self._reject_servers.add(server_id)

    def fail_server_in_jobs(self, server_id):
        """Future start/stop sub-jobs for this server FAIL (Ecs.0001 "injected")."""
        with self._cond:
            self._fail_servers.add(server_id)

    def job_ids(self) -> list:
        with self._cond:
            return list(self._jobs)

    def job_status(self, job_id) -> str:
        with self._cond:
            return self._job_json(self._jobs[job_id])["status"]

    # -- faults ------------------------------------------------------------
    def fail(self, method, path_regex, status=None, body=b"", times=1, headers=None,
             delay=0, hang=False, raw=None, query=None):
        """Canned answer for the next `times` requests matching method and re.search(path)
        (and re.search(query) on the raw query string, when given).

        method None or "*" matches any; times None = forever. body: bytes/str/JSON-able.
        status None (and no hang/raw) = normal handling after `delay` seconds.
        hang=True: read the request, never answer until close(). raw: bytes written
        to the socket as-is, then the connection is closed.
        """
        with self._cond:
            self._faults.append(_Fault(
                None if method in (None, "*") else method.upper(), re.compile(path_regex),
                status, _to_bytes(body), times, dict(headers or {}), delay, hang,
                None if raw is None else _to_bytes(raw), None if query is None else re.compile(query)))

    def clear_faults(self):
        with self._cond:
            self._faults.clear()

    def _take_fault(self, req) -> Optional[_Fault]:
        with self._cond:
            for f in self._faults:
                if (f.method is None or f.method == req.method) and f.regex.search(req.path) \
                        and (f.query is None or f.query.search(req.raw_query)):
                    if f.times is not None:
                        f.times -= 1
                        if f.times <= 0:
                            self._faults.remove(f)
                    return f
        return None

    # -- serving -----------------------------------------------------------
    def _send(self, h, status, body, headers=None):
        hdrs = {"X-Request-Id": str(uuid.uuid4())}
        hdrs.update(headers or {})
        with self._cond:
            h._fg_req.status = status
            h._fg_req.t_answered = time.monotonic()
        self._reply(h, status, body, headers=hdrs)

    def _handle(self, h, req):
        with self._cond:
            self.requests.append(req)
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
            req.in_flight = self.in_flight
            self._seq += 1
            seq, delay, nth = self._seq, self.delay, self.every_nth
        h._fg_req = req
        try:
            if delay and not self._sleep(delay, h.connection):
                raise _Dropped()
            if nth is not None and seq % nth[0] == 0:
                return self._send(h, nth[1], {"error_code": "APIGW.0308",
                                              "error_msg": "The request is throttled."},
                                  dict(nth[2] if len(nth) > 2 else {}))
            return self._answer(h, req)
        finally:
            with self._cond:
                self.in_flight -= 1

    def _answer(self, h, req):
        fault = self._take_fault(req)
        if fault is not None:
            if fault.delay and not self._sleep(fault.delay, h.connection):
                raise _Dropped()
            if fault.hang:
                self._hang(h)
            if fault.raw is not None:
                h.wfile.write(fault.raw)
                raise _Dropped()
            if fault.status is not None:
                self._send(h, fault.status, fault.body, fault.headers)
                return
        is_cce = req.path.startswith("/api/")
        status, body = self._authenticate(req, is_cce)
        if status:
            return self._send(h, status, body)
        if is_cce:
            status, body = self._route_cce(req)
        else:
            status, body = self._route_ecs(req)
        self._send(h, status, body)

    # -- authentication ----------------------------------------------------
    def _authenticate(self, req, is_cce):
        tok = req.headers.get("X-Auth-Token")
        if self.token is not None and tok is not None and tok == self.token:
            req.auth = "token"
            return 0, None
        authz = req.headers.get("Authorization")
        if authz is not None:
            err = self._verify_signature(req, authz)
            if err is None:
                req.auth = "aksk"
                return 0, None
            rid = str(uuid.uuid4())
            return 401, {"error_msg": "Incorrect IAM authentication information: "
                                      "verify aksk signature fail, " + err,
                         "error_code": "APIGW.0301", "request_id": rid}
        if is_cce:
            return 401, {"errorCode": "CCE.01401001", "errorMessage": "Authorization failed."}
        return 401, {"error_msg": "The token must be updated.", "error_code": "APIGW.0307",
                     "request_id": str(uuid.uuid4())}

    def _verify_signature(self, req, authz) -> Optional[str]:
        """None when valid, else a reason (with the canonical request, '|' for newlines)."""
        f = _parse_authorization(authz)
        if f is None:
            return "malformed Authorization header"
        ak = f["Access"]
        with self._cond:
            sk = self.aksk.get(ak)
            want_sts = self.security_tokens.get(ak)
        if sk is None:
            return "unknown access key %s" % ak
        names = f["SignedHeaders"].split(";")
        if any(n != n.lower() or not n for n in names) or names != sorted(names):
            return "SignedHeaders must be lowercase and sorted: %s" % f["SignedHeaders"]
        for required in ("x-sdk-date", "host"):
            if required not in names:
                return "SignedHeaders lacks %s" % required
        missing = [n for n in names if n not in req.headers]
        if missing:
            return "signed headers not sent: %s" % ",".join(missing)
        date = req.headers["X-Sdk-Date"].strip()
        try:
            t = datetime.strptime(date, SDK_DATE_FORMAT).replace(tzinfo=timezone.utc)
        except ValueError:
            return "bad X-Sdk-Date %r" % date
        if self.clock_skew_check and abs(time.time() - t.timestamp()) > 15 * 60:
            return "X-Sdk-Date %s more than 15 minutes from now" % date
        if want_sts is not None:
            if req.headers.get("X-Security-Token") != want_sts:
                return "missing or wrong X-Security-Token"
            if self.require_signed_security_token and "x-security-token" not in names:
                return "X-Security-Token not signed"
        cq = canonical_query(req.raw_query)
        if req.raw_query != cq:
            return "query on the wire %r is not canonical %r" % (req.raw_query, cq)
        creq = canonical_request(req.method, req.path, req.raw_query, req.headers,
                                 req.body, names)
        sig = _signature(sk, _string_to_sign(date, creq))
        if not hmac.compare_digest(sig, f["Signature"].strip()):
            return "canonical request: " + creq.replace("\n", "|")
        return None

    # -- CCE routes --------------------------------------------------------
    @staticmethod
    def _cce_err(status, code, msg):
        return status, {"errorCode": code, "errorMessage": msg}

    def _cluster_json(self, c):
        return {"kind": "Cluster", "apiVersion": "v3",
                "metadata": {"uid": c.uid, "name": c.name},
                "spec": {"type": "VirtualMachine"},
                "status": {"phase": self._settle_cluster(c)}}

    def _route_cce(self, req):
        m = _CCE_RE.match(req.path)
        if not m:
            return self._cce_err(404, "CCE.01404001", "Resource not found")
        if m.group(1) != self.project:
            return self._cce_err(403, "CCE.01403001",
                                 "Forbidden: project %s is not authorized" % m.group(1))
        rest = (m.group(2) or "").rstrip("/")
        parts = [unquote(p) for p in rest.split("/")[1:]]
        with self._cond:
            if parts == ["clusters"] and req.method == "GET":
                return 200, {"kind": "Cluster", "apiVersion": "v3",
                             "items": [self._cluster_json(c) for c in self._clusters.values()]}
            if len(parts) < 2 or parts[0] != "clusters":
                return self._cce_err(404, "CCE.01404001", "Resource not found")
            c = self._clusters.get(parts[1])
            if c is None:
                return self._cce_err(404, "CCE.01404001", "Resource not found")
            sub = parts[2:]
            if sub == [] and req.method == "GET":
                return 200, self._cluster_json(c)
            if sub == ["nodes"] and req.method == "GET":
                return 200, {"kind": "List", "apiVersion": "v3", "items": [
                    {"kind": "Node", "apiVersion": "v3",
                     "metadata": {"uid": n["uid"], "name": n["name"]},
                     "status": {"phase": n["phase"], "serverId": n["serverId"],
                                "privateIP": n["privateIP"]}} for n in c.nodes]}
            if len(sub) == 2 and sub[0] == "operation" and req.method == "POST":
                op = sub[1]
                transitions = {"hibernate": ("Available", "Hibernating", "Hibernation"),
                               "awake": ("Hibernation", "Awaking", "Available")}
                if op not in transitions:
                    return self._cce_err(404, "CCE.01404001", "Resource not found")
                start, during, final = transitions[op]
                phase = self._settle_cluster(c)
                if phase != start:
                    return self._cce_err(400, "CCE.01400001",
                                         "Cluster status is %s, can not %s" % (phase, op))
                c.phase = during
                c.pending = (final, time.monotonic() + self.transition_seconds)
                return 200, {}
        return self._cce_err(404, "CCE.01404001", "Resource not found")

    # -- ECS routes --------------------------------------------------------
    @staticmethod
    def _ecs_err(status, code, msg):
        return status, {"error": {"code": code, "message": msg, "details": []}}

    def _server_json(self, s):
        status = self._settle_server(s)
        vm = {"ACTIVE": "active", "SHUTOFF": "stopped"}.get(status, status.lower())
        task = ""
        if s.pending:
            task = "powering-off" if s.pending[0] == "SHUTOFF" else "powering-on"
        return {"id": s.id, "name": s.name, "status": status, "tags": list(s.tags),
                "metadata": {}, "sys_tags": [],
                "OS-EXT-STS:vm_state": vm, "OS-EXT-STS:task_state": task,
                "OS-EXT-STS:power_state": 1 if status == "ACTIVE" else 4}

    @staticmethod
    def _tag_match(tags, want):
        if "=" in want:
            return want in tags
        return any(t.partition("=")[0] == want for t in tags)

    def _route_ecs(self, req):
        m = _ECS_RE.match(req.path)
        if not m:
            return 404, {"error_code": "APIGW.0101", "request_id": str(uuid.uuid4()),
                         "error_msg": "The API does not exist or has not been published "
                                      "in the environment"}
        if m.group(1) != self.project:
            return self._ecs_err(403, "Ecs.0023",
                                 "project_id in token does not match project_id in url")
        rest = (m.group(2) or "").rstrip("/")
        with self._cond:
            if rest == "/cloudservers/detail" and req.method == "GET":
                return self._ecs_list(req)
            if rest == "/cloudservers/action" and req.method == "POST":
                return self._ecs_action(req)
            jm = re.match(r"^/jobs/([^/]+)$", rest)
            if jm and req.method == "GET":
                job = self._jobs.get(unquote(jm.group(1)))
                if job is None:
                    return self._ecs_err(404, "Ecs.0200", "job %s not found" % jm.group(1))
                return 200, self._job_json(job)
        return self._ecs_err(404, "Ecs.0000", "unsupported request %s %s"
                             % (req.method, req.path))

    def _ecs_list(self, req):
        q = req.query

        def one_int(name, default):
            vals = q.get(name)
            if not vals:
                return default
            return int(vals[-1])

        try:
            page = one_int("offset", 1)
            limit = one_int("limit", 25)
        except ValueError:
            return self._ecs_err(400, "Ecs.0005", "offset/limit must be integers")
        if page < 0 or limit < 1 or limit > 1000:
            return self._ecs_err(400, "Ecs.0005",
                                 "invalid offset %d or limit %d (max 1000)" % (page, limit))
        page = max(page, 1)
        sel = []
        for s in self._servers.values():
            if not all(self._tag_match(s.tags, t) for t in q.get("tags", [])):
                continue
            if any(self._tag_match(s.tags, t) for t in q.get("not-tags", [])):
                continue
            if "status" in q and self._settle_server(s) not in q["status"]:
                continue
            if "name" in q and not any(re.search(n, s.name) for n in q["name"]):
                continue
            sel.append(s)
        start = (page - 1) * limit
        return 200, {"count": len(sel),
                     "servers": [self._server_json(s) for s in sel[start:start + limit]]}

    def _ecs_action(self, req):
        body = req.json
        bad = self._ecs_err(400, "Ecs.0005", "request body is invalid")
        if not isinstance(body, dict) or len(body) != 1:
            return bad
        (op, arg), = body.items()
        if op not in ("os-start", "os-stop") or not isinstance(arg, dict):
            return bad
        if op == "os-stop" and arg.get("type", "SOFT") not in ("SOFT", "HARD"):
            return self._ecs_err(400, "Ecs.0005", "invalid stop type %r" % arg.get("type"))
        servers = arg.get("servers")
        if not isinstance(servers, list) or not servers:
            return self._ecs_err(400, "Ecs.0005", "servers must be a non-empty list")
        if len(servers) > 1000:
            return self._ecs_err(400, "Ecs.0005",
                                 "at most 1000 servers per request, got %d" % len(servers))
        ids = []
        for e in servers:
            if not isinstance(e, dict) or not isinstance(e.get("id"), str):
                return bad
            if e["id"] not in self._servers:
                return self._ecs_err(400, "Ecs.0005", "server %s does not exist" % e["id"])
            if e["id"] in self._reject_servers:
                return self._ecs_err(409, "Ecs.0113", "server %s is locked" % e["id"])
            ids.append(e["id"])
        now = time.monotonic()
        stop = op == "os-stop"
        job = _Job(job_id=str(uuid.uuid4()),
                   job_type="batchStopServers" if stop else "batchStartServers",
                   sub_type="stopServer" if stop else "startServer",
                   begin_wall=time.time(), t_begin=now,
                   t_running=now + self.job_init_seconds,
                   t_end=now + self.job_init_seconds + self.transition_seconds)
        for sid in ids:
            fail = sid in self._fail_servers
            job.subs.append({"server_id": sid, "job_id": str(uuid.uuid4()), "fail": fail})
            if not fail:
                self._servers[sid].pending = ("SHUTOFF" if stop else "ACTIVE", job.t_end)
        self._jobs[job.job_id] = job
        return 200, {"job_id": job.job_id}

    def _job_json(self, job):
        now = time.monotonic()
        done = now >= job.t_end
        if now < job.t_running:
            running_status = "INIT"
        else:
            running_status = "RUNNING"
        end_wall = _iso_ms(job.begin_wall + (job.t_end - job.t_begin)) if done else ""
        subs = []
        for sj in job.subs:
            failed = done and sj["fail"]
            subs.append({
                "status": ("FAIL" if sj["fail"] else "SUCCESS") if done else running_status,
                "job_id": sj["job_id"], "job_type": job.sub_type,
                "begin_time": _iso_ms(job.begin_wall), "end_time": end_wall,
                "error_code": "Ecs.0001" if failed else None,
                "fail_reason": "injected" if failed else None,
                "entities": {"server_id": sj["server_id"],
                             "errorcode_message": "injected" if failed else ""}})
        any_fail = any(sj["fail"] for sj in job.subs)
        status = ("FAIL" if any_fail else "SUCCESS") if done else running_status
        return {"status": status, "job_id": job.job_id, "job_type": job.job_type,
                "begin_time": _iso_ms(job.begin_wall), "end_time": end_wall,
                "error_code": "Ecs.0001" if done and any_fail else None,
                "fail_reason": "injected" if done and any_fail else None,
                "entities": {"sub_jobs_total": len(subs), "sub_jobs": subs}}


def make_test_ca(d, name="fgboot test CA"):
    """Writes a private CA (ca.pem) and a certificate for localhost/127.0.0.1
    signed by it (srv.pem, srv.key) into the directory d; returns d. Needs the
    openssl command line tool."""
    import pathlib
    import subprocess
    d = pathlib.Path(d)
    d.mkdir(parents=True, exist_ok=True)

    def sh(*a):
        subprocess.run(a, cwd=d, check=True, capture_output=True)
    sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
       "/CN=" + name, "-keyout", "ca.key", "-out", "ca.pem")
    sh("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
       "-keyout", "srv.key", "-out", "srv.csr")
    (d / "ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    sh("openssl", "x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
       "-CAcreateserial", "-days", "2", "-extfile", "ext", "-out", "srv.pem")
    return d
