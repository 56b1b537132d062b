"""Container-image mode: `bootstrap serve` driven over loopback HTTP.

The same scenarios as the runtime-API path (hibernate, error objects,
forbidden keys, credentials, APIG), plus what only a server has to get right:
routing (404/405), a bounded body, 20 requests in parallel, slow and broken
clients that must not block anyone, and a clean exit 0 on SIGTERM (checked for
every test by the fg fixture's teardown, and explicitly below).
"""
import http.client
import json
import select
import signal
import socket
import threading
import time

import pytest

from conftest import AGENCY, PROJECT, TOKEN, free_port, wait_for

C1 = "11111111-2222-3333-4444-555555555555"
C2 = "66666666-7777-8888-9999-000000000000"
CLUSTERS = "/api/v3/projects/%s/clusters/" % PROJECT


class Served:
    """A `bootstrap serve` process started through the fg harness."""

    def __init__(self, fg, userdata=None, env=None):
        self.port = free_port()
        e = {"PORT": str(self.port), "RUNTIME_API_ADDR": None}
        e.update(env or {})
        self.boot = fg.start(userdata, env=e, argv=[fg.binary, "serve"])
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                assert self.boot.proc.poll() is None, "serve exited:\n" + self.boot.output()
                assert time.monotonic() < deadline, "serve never listened:\n" + self.boot.output()
                time.sleep(0.02)

    def request(self, method, path, body=None, headers=None, timeout=20):
        """Returns (status, headers, parsed JSON body or None)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
            conn.request(method, path, body=data, headers=dict(headers or {}))
            resp = conn.getresponse()
            raw = resp.read()
            try:
                obj = json.loads(raw) if raw else None
            except ValueError:
                obj = None
            return resp.status, resp, obj
        finally:
            conn.close()

    def invoke(self, event, headers=None, request_id=None):
        h = dict(AGENCY if headers is None else headers)
        h["Content-Type"] = "application/json"
        if request_id:
            h["X-Cff-Request-Id"] = request_id
        return self.request("POST", "/invoke", event, h)


@pytest.fixture
def served(fg):
    return lambda userdata=None, env=None: Served(fg, userdata, env)


def test_init_then_invoke_hibernates_with_the_agency_token(fg, served):
    fg.cloud.add_cluster(C1, "prod-a")
    srv = served()
    status, _, obj = srv.request("POST", "/init", b"")
    assert status == 200
    status, resp, out = srv.invoke({"action": "hibernate", "clusterId": C1},
                                   request_id="req-0001")
    assert status == 200
    assert resp.getheader("Content-Type") == "application/json"
    assert out["status"] == "success" and out["action"] == "hibernate"
    assert out["data"]["cluster_list"] == [
        {"cluster_id": C1, "cluster_name": "prod-a", "phase": "Available", "result": "requested"}]
    assert [(r.method, r.path) for r in fg.cloud.requests] == [
        ("GET", CLUSTERS + C1), ("POST", CLUSTERS + C1 + "/operation/hibernate")]
    assert all(r.header("X-Auth-Token") == TOKEN for r in fg.cloud.requests)
    assert " req-0001 INFO " in srv.boot.output()


def test_request_id_is_generated_when_the_platform_sends_none(fg, served):
    fg.cloud.add_cluster(C1, "a", phase="Hibernation")
    srv = served()
    status, _, out = srv.invoke({"action": "awake", "clusterId": C1})
    assert status == 200 and out["data"]["cluster_list"][0]["result"] == "requested"
    assert " local-" in srv.boot.output()
    # A request id that could forge log content is replaced too.
    status, _, _ = srv.invoke({"action": "status", "clusterId": C1}, request_id="a b\"c")
    assert status == 200
    assert 'a b"c' not in srv.boot.output()


def test_timer_event_with_configured_clusters(fg, served):
    fg.cloud.add_cluster(C1, "a")
    fg.cloud.add_cluster(C2, "b")
    srv = served({"clusterId": "%s,%s" % (C1, C2)})
    status, _, out = srv.invoke({"trigger_type": "TIMER", "trigger_name": "nightly",
                                 "user_event": "hibernate"})
    assert status == 200
    assert [c["cluster_id"] for c in out["data"]["cluster_list"]] == [C1, C2]
    assert len(fg.cloud.requests_matching("POST", r"/operation/hibernate$")) == 2


def test_error_result_is_http_500_with_the_same_error_object(fg, served):
    missing = "deadbeef-0000-0000-0000-000000000000"
    fg.cloud.add_cluster(C2, "b")
    srv = served()
    status, _, out = srv.invoke({"action": "hibernate", "clusterId": [missing, C2]})
    assert status == 500
    assert out["status"] == "error" and out["errorType"] == "ActionFailed"
    first, second = out["data"]["cluster_list"]
    assert first["result"] == "failed" and first["error"]["code"] == "CCE.01404001"
    assert first["error"]["http_status"] == 404
    assert second["result"] == "requested"


def test_invalid_json_and_unknown_action_are_error_objects(fg, served):
    srv = served()
    status, _, out = srv.invoke(b"{not json")
    assert status == 500 and out["errorType"] == "InvalidEvent"
    status, _, out = srv.invoke({"action": "fly", "clusterId": C1})
    assert status == 500 and out["errorType"] == "UnknownAction"
    assert fg.cloud.requests == []


def test_event_may_not_redirect_the_endpoint_or_credentials(fg, served):
    fg.cloud.add_cluster(C1, "a")
    srv = served()
    for key in ("cceEndpoint", "ecsEndpoint", "endpoint", "region", "projectId", "ak", "token",
                "allServers", "logLevel", "logFormat"):
        status, _, out = srv.invoke({"action": "hibernate", "clusterId": C1, key: "http://x"})
        assert status == 500, key
        assert out["errorType"] == "InvalidEvent" and key in out["errorMessage"]
    assert fg.cloud.requests == []


def test_no_credentials_headers_is_a_clear_error(fg, served):
    fg.cloud.add_cluster(C1, "a")
    srv = served()
    status, _, out = srv.invoke({"action": "hibernate", "clusterId": C1}, headers={})
    assert status == 500 and out["errorType"] == "NoCredentials"
    assert fg.cloud.requests == []


def apig_event(body):
    return {"httpMethod": "POST", "path": "/cce", "isBase64Encoded": False,
            "requestContext": {}, "body": json.dumps(body)}


def test_apig_event_is_answered_in_its_envelope(fg, served):
    fg.cloud.add_cluster(C1, "a")
    srv = served({"clusterId": C1, "apigActions": "hibernate"})
    status, _, env = srv.invoke(apig_event({"action": "hibernate", "clusterId": C1}))
    assert status == 200 and env["statusCode"] == 200
    assert json.loads(env["body"])["data"]["cluster_list"][0]["result"] == "requested"


def test_apig_trust_rules_hold_in_container_mode(fg, served):
    """Same rules as the runtime-API path: 403 in the envelope (HTTP 200: the envelope carries
    the status to API Gateway), nothing sent."""
    fg.cloud.add_cluster(C1, "a")
    fg.cloud.add_cluster(C2, "b")
    srv = served({"clusterId": C1, "dryRun": "true", "apigActions": "status,hibernate"})
    for body, word in (({"action": "awake"}, "apigActions"), ({"action": "hibernate", "clusterId": C2}, C2),
                       ({"action": "hibernate", "stopNodes": True}, "stopNodes")):
        status, _, env = srv.invoke(apig_event(body))
        assert status == 200 and env["statusCode"] == 403, env
        inner = json.loads(env["body"])
        assert inner["errorType"] == "Forbidden" and word in inner["errorMessage"]
    assert fg.cloud.requests == []
    # The configured dryRun is a floor here too.
    status, _, env = srv.invoke(apig_event({"action": "hibernate", "dryRun": False}))
    assert json.loads(env["body"])["data"]["cluster_list"][0]["result"] == "planned"
    status, _, out = srv.invoke({"action": "hibernate", "dryRun": False, "clusterId": C2})
    assert out["data"]["cluster_list"][0]["result"] == "planned"
    assert [r for r in fg.cloud.requests if r.method == "POST"] == []


def test_body_over_max_event_bytes_is_413_in_container_mode(fg, served):
    fg.cloud.add_cluster(C1, "a")
    srv = served({"maxEventBytes": "4096"})
    status, _, out = srv.invoke({"action": "status", "clusterId": C1, "pad": "p" * 5000})
    assert status == 413 and out["errorType"] == "InvalidEvent"
    status, _, out = srv.invoke({"action": "status", "clusterId": C1})
    assert status == 200 and out["status"] == "success"


def test_other_paths_are_404_and_other_methods_405(fg, served):
    srv = served()
    for method, path in (("POST", "/"), ("GET", "/"), ("POST", "/invoke/x"), ("POST", "/initx"),
                         ("GET", "/metrics")):
        status, _, out = srv.request(method, path)
        assert status == 404, (method, path)
        assert out["errorType"] == "NotFound"
    for method, path in (("GET", "/invoke"), ("PUT", "/invoke"), ("DELETE", "/init"),
                         ("GET", "/init")):
        status, resp, _ = srv.request(method, path)
        assert status == 405, (method, path)
        assert resp.getheader("Allow") == "POST"
    assert fg.cloud.requests == []


def test_body_over_the_event_ceiling_is_413_and_the_server_goes_on(fg, served):
    fg.cloud.add_cluster(C1, "a")
    srv = served()
    status, _, out = srv.invoke(b" " * (128 * 1024 + 1))  # maxEventBytes' default
    assert status == 413 and out["errorType"] == "InvalidEvent"
    status, _, out = srv.invoke({"action": "hibernate", "clusterId": C1})
    assert status == 200 and out["status"] == "success"


def test_twenty_parallel_requests_each_get_their_own_answer(fg, served):
    ids = ["%08d-0000-0000-0000-000000000000" % i for i in range(20)]
    for i, cid in enumerate(ids):
        fg.cloud.add_cluster(cid, "c%d" % i)
    srv = served()
    results = {}

    def one(cid):
        results[cid] = srv.invoke({"action": "hibernate", "clusterId": cid}, request_id="r-" + cid)

    threads = [threading.Thread(target=one, args=(cid,)) for cid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == sorted(ids)
    for cid, (status, _, out) in results.items():
        assert status == 200, out
        assert [c["cluster_id"] for c in out["data"]["cluster_list"]] == [cid]
        assert out["data"]["cluster_list"][0]["result"] == "requested"
        assert fg.cloud.phase(cid) in ("Hibernating", "Hibernation")
    assert len(fg.cloud.requests_matching("POST", r"/operation/hibernate$")) == 20


def test_slow_and_malformed_clients_do_not_block_others(fg, served):
    fg.cloud.add_cluster(C1, "a")
    srv = served()
    # slowloris: headers never finished; a body promised and never sent; garbage.
    slow = socket.create_connection(("127.0.0.1", srv.port))
    slow.sendall(b"POST /invoke HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    stalled = socket.create_connection(("127.0.0.1", srv.port))
    stalled.sendall(b"POST /invoke HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"act")
    garbage = socket.create_connection(("127.0.0.1", srv.port))
    garbage.sendall(b"\x00\x01 NOT HTTP \xff\r\n\r\n")
    bad = socket.create_connection(("127.0.0.1", srv.port))
    bad.settimeout(10)
    bad.sendall(b"POST /invoke HTTP/1.1\r\nHost: x\r\nA header without a colon\r\n\r\n")
    try:
        t0 = time.monotonic()
        for _ in range(3):
            status, _, out = srv.invoke({"action": "status", "clusterId": C1})
            assert status == 200 and out["status"] == "success"
        assert time.monotonic() - t0 < 5
        assert bad.recv(4096).startswith(b"HTTP/1.1 400")
    finally:
        for s in (slow, stalled, garbage, bad):
            s.close()
    status, _, _ = srv.request("POST", "/init", b"")
    assert status == 200


def test_sigterm_exits_0_even_with_a_client_connected(fg, served):
    srv = served()
    idle = socket.create_connection(("127.0.0.1", srv.port))
    idle.sendall(b"POST /invoke HTTP/1.1\r\n")
    try:
        t0 = time.monotonic()
        assert srv.boot.stop(timeout=10) == 0
        assert time.monotonic() - t0 < 5
    finally:
        idle.close()
    assert "stopping on signal" in srv.boot.output()


def test_bad_port_is_a_usage_error(fg):
    boot = fg.start(env={"PORT": "80a", "RUNTIME_API_ADDR": None}, argv=[fg.binary, "serve"])
    assert boot.proc.wait(10) == 2
    boot.rc = 2
    assert "PORT" in boot.output()
    fg.boots.remove(boot)


def settle_closures(socks, quiet=0.3, limit=10):
    """Waits until the server has dealt with every connection of socks: no more of them
    is closed (made readable) for `quiet` seconds."""
    end = time.monotonic() + limit
    n, since = -1, time.monotonic()
    while time.monotonic() < end:
        readable, _, _ = select.select(socks, [], [], 0.05)
        if len(readable) != n:
            n, since = len(readable), time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return n


def test_many_trickling_connections_do_not_starve_init(fg, served):
    """140 slowloris connections (more than the server's 128 slots) each hold a
    half-sent request; a legitimate POST /init is still answered within 1 s."""
    srv = served()
    slow = []
    try:
        for i in range(140):
            s = socket.create_connection(("127.0.0.1", srv.port))
            s.sendall(b"POST /invoke HTTP/1.1\r\nHost: x\r\nX-Slow-%d: " % i)
            slow.append(s)
        settle_closures(slow)
        t0 = time.monotonic()
        status, _, out = srv.request("POST", "/init", body=b"{}", timeout=5)
        assert status == 200 and out == {}
        assert time.monotonic() - t0 < 1.0
        # And an invocation too.
        fg.cloud.add_cluster(C1, "a")
        status, _, out = srv.invoke({"action": "status", "clusterId": C1})
        assert status == 200 and out["status"] == "success"
    finally:
        for s in slow:
            s.close()


def test_a_request_must_arrive_within_the_total_time_limit(fg, served):
    """A client that trickles a byte every 2 s never trips the 15 s idle timeout,
    but the whole request must arrive within 10 s: the server closes it then."""
    srv = served()
    s = socket.create_connection(("127.0.0.1", srv.port))
    s.settimeout(20)
    t0 = time.monotonic()
    closed_at = None
    try:
        s.sendall(b"POST /invoke HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        while time.monotonic() - t0 < 16:
            try:
                s.sendall(b"a")
                s.settimeout(2)
                if s.recv(1) == b"":
                    closed_at = time.monotonic() - t0
                    break
            except socket.timeout:
                continue
            except OSError:
                closed_at = time.monotonic() - t0
                break
    finally:
        s.close()
    assert closed_at is not None and 9 <= closed_at <= 13, closed_at


def test_the_deadline_starts_when_the_request_arrives_not_when_it_is_handled(fg, served):
    """Two invocations arrive together; the second waits ~3 s for the first
    (handlers run one at a time), then meets a cloud that takes 3 s. With a
    5 s timeout counted from its arrival it must answer by ~4.5 s (the answer's
    margin is 0.5 s), its cluster unread; counted from the lock it would have
    read it at ~6 s."""
    fg.cloud.add_cluster(C1, "a")
    fg.cloud.add_cluster(C2, "b")
    srv = served(env={"RUNTIME_TIMEOUT": "5"})
    fg.cloud.fail("GET", C1 + "$", delay=3.0, times=1)
    fg.cloud.fail("GET", C2 + "$", delay=3.0, times=1)
    results = {}

    def one(name, cid):
        out = srv.invoke({"action": "status", "clusterId": cid})
        results[name] = (time.monotonic(), out)

    first = threading.Thread(target=one, args=("first", C1))
    first.start()
    # The first is being handled (it holds the lock) once its cluster read reached the cloud.
    wait_for(lambda: fg.cloud.requests_matching("GET", C1 + "$"), "the first invocation's read")
    sent = time.monotonic()
    second = threading.Thread(target=one, args=("second", C2))
    second.start()
    first.join(15)
    second.join(15)
    assert results["first"][1][0] == 200
    done_second = results["second"][0] - sent
    assert done_second < 5.3, done_second
    item = results["second"][1][2]["data"]["cluster_list"][0]
    assert item["result"] == "failed", item


def test_sigterm_with_an_invocation_in_flight_answers_it_and_exits_0(fg, served):
    """SIGTERM while a handler waits on the cloud: the answer still goes out, the
    process exits 0 (under ASan: no use after free of the secret registry)."""
    fg.cloud.add_cluster(C1, "a")
    srv = served()
    fg.cloud.fail("GET", C1 + "$", delay=1.0, times=1)
    got = {}

    def call():
        got["r"] = srv.invoke({"action": "status", "clusterId": C1})

    t = threading.Thread(target=call)
    t.start()
    wait_for(lambda: fg.cloud.requests_matching("GET", C1 + "$"), "the invocation's cluster read")
    srv.boot.proc.send_signal(signal.SIGTERM)
    t.join(15)
    # SIGTERM stops retries, not a first attempt already sent: the read completes.
    assert "r" in got and got["r"][0] == 200 and got["r"][2]["status"] == "success", got.get("r")
    assert srv.boot.stop(timeout=10) == 0
    assert "stopping on signal" in srv.boot.output()


def test_without_runtime_variables_the_project_and_timeout_come_from_the_headers(fg, served):
    """Container images may run without RUNTIME_*: the HTTP-function headers X-CFF-Project-Id
    and X-CFF-Timeout (FunctionGraph user guide, "Creating an HTTP Function", functiongraph_01_1442)
    give the project and the deadline; else the configured projectId and 30 s, never 3 s."""
    other = "f" * 32
    fg.cloud.add_cluster(C1, "a")
    bare = {k: None for k in ("RUNTIME_TIMEOUT", "RUNTIME_PROJECT_ID", "RUNTIME_FUNC_NAME",
                              "RUNTIME_FUNC_VERSION", "RUNTIME_PACKAGE", "RUNTIME_HANDLER",
                              "RUNTIME_MEMORY", "RUNTIME_CODE_ROOT")}
    srv = served({"projectId": other}, env=bare)
    h = dict(AGENCY, **{"X-CFF-Project-Id": PROJECT, "X-CFF-Timeout": "2"})
    status, _, out = srv.invoke({"action": "status", "clusterId": C1}, headers=h)
    assert status == 200 and out["status"] == "success", (out, srv.boot.output())
    assert fg.cloud.requests and all(r.path.startswith(CLUSTERS + C1) for r in fg.cloud.requests)
    assert "project from X-CFF-Project-Id, deadline 2 s from X-CFF-Timeout" in srv.boot.output()
    # The header's deadline is the one kept: a cloud slower than 2 s is cut off.
    fg.cloud.fail("GET", C1 + "$", delay=4, times=1)
    t0 = time.monotonic()
    status, _, out = srv.invoke({"action": "status", "clusterId": C1}, headers=h)
    assert time.monotonic() - t0 < 3.5 and out["status"] == "error", out
    # No headers (or garbage): the configured project, and 30 s rather than 3 s.
    n = len(fg.cloud.requests)
    for extra in ({}, {"X-CFF-Timeout": "soon", "X-CFF-Project-Id": "../x"}):
        status, _, out = srv.invoke({"action": "status", "clusterId": C1}, headers=dict(AGENCY, **extra))
        paths = [r.path for r in fg.cloud.requests[n:]]
        assert paths and all(p.startswith("/api/v3/projects/%s/clusters/%s" % (other, C1)) for p in paths)
        n = len(fg.cloud.requests)
    log = srv.boot.output()
    assert log.count("project from configuration, deadline 30 s from the container-mode default "
                     "(no X-CFF-Timeout, no RUNTIME_TIMEOUT)") == 2, log
