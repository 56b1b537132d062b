"""Self-test of tests/integration/fakes.py: the fake runtime API, the fake CCE/ECS cloud and
the independent SDK-HMAC-SHA256 implementation (checked against spec 5.4)."""

import hashlib
import http.client
import json
import os
import socket
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fakes import (  # noqa: E402
    EMPTY_SHA256, SDK_DATE_FORMAT, FakeCloud, RuntimeAPI, canonical_query,
    canonical_request, sdk_sign)

PROJECT = "0123456789abcdef0123456789abcdef"


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def request(port, method, path, body=None, headers=None, timeout=5, conn=None):
    """One request; returns (status, headers CI-lower dict, body bytes, conn)."""
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    hdrs = dict(headers or {})
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    c.request(method, path, body=data, headers=hdrs)
    r = c.getresponse()
    payload = r.read()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, payload, c


@pytest.fixture
def rt():
    f = RuntimeAPI()
    yield f
    f.close()
    assert not f.errors


@pytest.fixture
def cloud():
    f = FakeCloud(aksk={"AK1": "SK1"})
    f.transition_seconds = 1.0  # wide enough to see the states on the way, even on a busy machine
    yield f
    f.close()
    assert not f.errors


def tok(extra=None):
    h = {"X-Auth-Token": "test-token"}
    h.update(extra or {})
    return h


def cloud_json(cloud, method, path, body=None, headers=None):
    st, hd, data, c = request(cloud.port, method, path, body, headers if headers is not None else tok())
    c.close()
    return st, hd, (json.loads(data) if data else None)


# ---------------------------------------------------------------------------
# SDK-HMAC-SHA256 published vectors (spec 5.4)
# ---------------------------------------------------------------------------

def test_vector_v1_signing_guide():
    headers = {"Content-Type": "application/json", "Host": "service.region.example.com",
               "X-Sdk-Date": "20191115T033655Z"}
    path = "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs"
    q = "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0"
    creq = canonical_request("GET", path, q, headers, b"",
                             ["content-type", "host", "x-sdk-date"])
    assert creq.split("\n")[:3] == ["GET", path + "/", q]
    assert hashlib.sha256(creq.encode()).hexdigest() == \
        "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a"
    assert sdk_sign("GET", path, q, headers, b"", "QTWAOYTTINDUT2QVKYUC",
                    "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc") == (
        "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, "
        "SignedHeaders=content-type;host;x-sdk-date, "
        "Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe")


V2_HEADERS = {"Host": "service.endpoint.myhuaweicloud.com",
              "X-Sdk-Date": "20200608T023900Z", "TEST_UNDERSCORE": "TEST_VALUE"}


def test_vector_v2_python_sdk_get():
    creq = canonical_request("GET", "/resources", "size=1", V2_HEADERS, b"",
                             ["host", "x-sdk-date"])
    assert creq == ("GET\n/resources/\nsize=1\nhost:service.endpoint.myhuaweicloud.com\n"
                    "x-sdk-date:20200608T023900Z\n\nhost;x-sdk-date\n" + EMPTY_SHA256)
    assert hashlib.sha256(creq.encode()).hexdigest() == \
        "de94dd1e1ccdb730b403ce35d7e14f7c7b04337f6def1c3a3a2ba936852b133f"
    assert sdk_sign("GET", "/resources", "size=1", V2_HEADERS, b"",
                    "AccessKey", "SecretKey") == (
        "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, "
        "Signature=cfb4171acec81de07d50e53d57eb77edd537414d66ddb1d7d780f128e12cd842")


def test_vector_v3_python_sdk_post():
    body = b'{"name":"test","id":1}'
    assert hashlib.sha256(body).hexdigest() == \
        "8ed555081b9961769014bc1182c629bb0fe68d7b01c1fc1caab4dc791f377e8c"
    creq = canonical_request("POST", "/resources", "size=1", V2_HEADERS, body,
                             ["host", "x-sdk-date"])
    assert hashlib.sha256(creq.encode()).hexdigest() == \
        "2b1b2515e48cb55e043ff2ec5b93d3f13ec287e1da1d7a2e4e14b0611a341969"
    assert sdk_sign("POST", "/resources", "size=1", V2_HEADERS, body,
                    "AccessKey", "SecretKey") == (
        "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=host;x-sdk-date, "
        "Signature=436b1ac0a1ae03705934bb70ef2f2e09f7bfed2117d731a38235053199323a1f")


V4_HEADERS = {"X-Sdk-Date": "20060102T150405Z", "TEST_UNDERSCORE": "TEST_VALUE"}


def test_vector_v4_go_sdk_get():
    creq = canonical_request("GET", "/path", "limit=1", V4_HEADERS, b"", ["x-sdk-date"])
    assert creq == ("GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\n"
                    + EMPTY_SHA256)
    assert hashlib.sha256(creq.encode()).hexdigest() == \
        "85c3b7730f308aee452b16138a42a914397e43a8f0d732dfa521c0ef2afa98a4"
    assert sdk_sign("GET", "/path", "limit=1", V4_HEADERS, b"", "AccessKey", "SecretKey") == (
        "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, "
        "Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624")


def test_vector_v5_go_sdk_post():
    headers = dict(V4_HEADERS, **{"Content-Type": "application/json"})
    body = b'{"Name":"test","Id":1}\n'
    assert hashlib.sha256(body).hexdigest() == \
        "a29d7b4c5efd1a22011d69fd7b7aee76fe51e4083c609244228de258afd61289"
    assert sdk_sign("POST", "/path", "key=value", headers, body, "AccessKey", "SecretKey",
                    signed_headers=["x-sdk-date"]) == (
        "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, "
        "Signature=cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59")


def test_vector_d1_cce_hibernate():
    path = ("/api/v3/projects/0123456789abcdef0123456789abcdef/clusters/"
            "11111111-2222-3333-4444-555555555555/operation/hibernate")
    headers = {"Content-Type": "application/json",
               "Host": "cce.eu-west-0.prod-cloud-ocb.orange-business.com",
               "X-Project-Id": PROJECT, "X-Sdk-Date": "20240101T000000Z",
               "X-Security-Token": "TOKENVALUE"}
    names = ["content-type", "host", "x-project-id", "x-sdk-date", "x-security-token"]
    creq = canonical_request("POST", path, "", headers, b"{}", names)
    assert hashlib.sha256(creq.encode()).hexdigest() == \
        "88b2838993332b813dc482612f2b51111a8efca3266f3227e3276488b7ef5198"
    assert sdk_sign("POST", path, "", headers, b"{}", "AKEXAMPLE", "SKEXAMPLE") == (
        "SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=" + ";".join(names) +
        ", Signature=5734ef89dec67c53df5d1a73253468036cb7a9759902c4a17fedad343ae8070f")


def test_vector_d2_ecs_list():
    path = "/v1/0123456789abcdef0123456789abcdef/cloudservers/detail"
    headers = {"Host": "ecs.eu-west-0.myhuaweicloud.com", "X-Project-Id": PROJECT,
               "X-Sdk-Date": "20240101T000000Z"}
    # unencoded, unsorted input canonicalises to the published query
    assert canonical_query("tags=CCE-Cluster-ID=abc&offset=1&limit=100") == \
        "limit=100&offset=1&tags=CCE-Cluster-ID%3Dabc"
    expect = ("SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=host;x-project-id;x-sdk-date, "
              "Signature=c421fdc789ca2a5611b5e20d2eb124d6d83cebd3b850b3503401818bc4634f07")
    assert sdk_sign("GET", path, "limit=100&offset=1&tags=CCE-Cluster-ID%3Dabc", headers, b"",
                    "AKEXAMPLE", "SKEXAMPLE") == expect
    assert sdk_sign("GET", path, "tags=CCE-Cluster-ID=abc&offset=1&limit=100", headers, b"",
                    "AKEXAMPLE", "SKEXAMPLE") == expect


def test_canonical_query_sdk_example():
    raw = ("limit=1&enable=true&test=%E4%B8%80%20(%26%3D%3F!%23%25.*)"
           "&path=/tmp/123&multi=3&multi=1&multi=2")
    assert canonical_query(raw) == (
        "enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&"
        "test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29")
    assert canonical_query("") == ""
    assert canonical_query("a&b=") == "a=&b="


# ---------------------------------------------------------------------------
# RuntimeAPI
# ---------------------------------------------------------------------------

GET_PATH = "/v1/runtime/invocation/request"


def test_runtime_round_trip(rt):
    assert rt.addr == "127.0.0.1:%d" % rt.port
    rid = rt.push({"key": "value"}, headers={"X-CFF-Auth-Token": "tok",
                                              "X-CFF-Invoke-Type": "async"})
    st, hd, body, c = request(rt.port, "GET", GET_PATH)
    assert st == 200
    assert hd["x-cff-request-id"] == rid
    assert hd["x-cff-auth-token"] == "tok" and hd["x-cff-invoke-type"] == "async"
    assert hd["content-type"] == "application/json"
    assert json.loads(body) == {"key": "value"}
    # same keep-alive connection for the answer
    st, _, body, c = request(rt.port, "POST", "/v1/runtime/invocation/response/" + rid,
                             body={"statusCode": 200}, conn=c)
    assert st == 200 and json.loads(body) == {}
    r = rt.wait_result(rid, timeout=2)
    assert r.kind == "response" and r.json == {"statusCode": 200} and not r.unknown
    assert r.header("content-type") == "application/json"
    assert r.t_answered >= r.t_delivered
    # error endpoint, raw (non-JSON) event, explicit request id
    rid2 = rt.push(b"not json", request_id="abc-1")
    assert rid2 == "abc-1"
    st, hd, body, c = request(rt.port, "GET", GET_PATH, conn=c)
    assert body == b"not json" and hd["x-cff-request-id"] == "abc-1"
    request(rt.port, "POST", "/v1/runtime/invocation/error/abc-1", body=b"oops", conn=c)
    r2 = rt.wait_result("abc-1")
    assert r2.kind == "error" and r2.body == b"oops" and r2.json is None
    assert len(rt.results_for(rid)) == 1 and len(rt.results_for("abc-1")) == 1
    assert rt.gets == 2
    assert [m for m, _, _ in rt.requests] == ["GET", "POST", "GET", "POST"]
    c.close()


def test_runtime_unknown_id_and_timeout(rt):
    st, _, _, c = request(rt.port, "POST", "/v1/runtime/invocation/response/nope", body={})
    c.close()
    assert st == 200
    assert rt.wait_result("nope").unknown
    with pytest.raises(TimeoutError):
        rt.wait_result("never", timeout=0.2)


def test_runtime_long_poll_wakes_on_push(rt):
    out = {}

    def poll():
        out["resp"] = request(rt.port, "GET", GET_PATH, timeout=10)

    t = threading.Thread(target=poll)
    t.start()
    rt.wait_gets(1, timeout=2)
    time.sleep(0.3)
    assert t.is_alive()  # still blocked: nothing queued
    rid = rt.push("hello")
    t.join(5)
    assert not t.is_alive()
    st, hd, body, c = out["resp"]
    c.close()
    assert st == 200 and body == b"hello" and hd["x-cff-request-id"] == rid


def test_runtime_abandoned_poll_keeps_event(rt):
    s = socket.create_connection(("127.0.0.1", rt.port))
    s.sendall(b"GET " + GET_PATH.encode() + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    rt.wait_gets(1)
    s.close()          # client gives up before any event exists
    time.sleep(0.3)
    rt.push("e1")
    st, _, body, c = request(rt.port, "GET", GET_PATH)
    c.close()
    assert body == b"e1" and rt.queued == 0


def test_runtime_get_faults(rt):
    rid = rt.push({"a": 1})
    rt.fail_next_gets(2, status=503)
    for _ in range(2):
        st, _, body, c = request(rt.port, "GET", GET_PATH)
        c.close()
        assert st == 503 and json.loads(body)
    assert rt.queued == 1  # event stayed queued
    rt.drop_next_gets(1)
    c = http.client.HTTPConnection("127.0.0.1", rt.port, timeout=5)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        request(rt.port, "GET", GET_PATH, conn=c)
    c.close()
    rt.slow_next_get(0.4)
    t0 = time.monotonic()
    st, hd, body, c = request(rt.port, "GET", GET_PATH)
    c.close()
    assert st == 200 and hd["x-cff-request-id"] == rid
    assert time.monotonic() - t0 >= 0.35
    assert rt.gets == 4


def test_runtime_post_faults(rt):
    rid = rt.push("x")
    _, _, _, c = request(rt.port, "GET", GET_PATH)
    rt.fail_next_posts(1, status=500)
    st, _, _, c = request(rt.port, "POST", "/v1/runtime/invocation/response/" + rid,
                          body=b"1", conn=c)
    assert st == 500 and rt.results_for(rid) == []
    st, _, _, c = request(rt.port, "POST", "/v1/runtime/invocation/response/" + rid,
                          body=b"2", conn=c)
    c.close()
    assert st == 200
    assert [r.body for r in rt.results_for(rid)] == [b"2"]


def test_runtime_close_wakes_blocked_poll():
    f = RuntimeAPI()
    errs = []

    def poll():
        try:
            request(f.port, "GET", GET_PATH, timeout=10)
        except Exception as e:  # expected: connection closed
            errs.append(e)

    t = threading.Thread(target=poll)
    t.start()
    f.wait_gets(1)
    t0 = time.monotonic()
    f.close()
    assert time.monotonic() - t0 < 2
    t.join(5)
    assert not t.is_alive() and errs
    f.close()  # idempotent


# ---------------------------------------------------------------------------
# FakeCloud: auth and faults
# ---------------------------------------------------------------------------

def cce(path=""):
    return "/api/v3/projects/%s/clusters%s" % (PROJECT, path)


def ecs(path):
    return "/v1/%s%s" % (PROJECT, path)


def test_cloud_token_auth_and_errors(cloud):
    cloud.add_cluster("c1", "alpha")
    st, hd, body = cloud_json(cloud, "GET", cce("/c1"))
    assert st == 200 and hd.get("x-request-id")
    assert body == {"kind": "Cluster", "apiVersion": "v3",
                    "metadata": {"uid": "c1", "name": "alpha"},
                    "spec": {"type": "VirtualMachine"}, "status": {"phase": "Available"}}
    assert cloud.requests[-1].auth == "token"
    st, hd, body = cloud_json(cloud, "GET", cce("/c1"), headers={})
    assert st == 401 and body["errorCode"] == "CCE.01401001" and hd.get("x-request-id")
    st, _, body = cloud_json(cloud, "GET", cce("/c1"), headers={"X-Auth-Token": "bad"})
    assert st == 401 and body["errorCode"] == "CCE.01401001"
    st, _, body = cloud_json(cloud, "GET", "/api/v3/projects/other/clusters/c1")
    assert st == 403 and body["errorCode"].startswith("CCE.")
    st, _, body = cloud_json(cloud, "GET", "/v1/other/cloudservers/detail")
    assert st == 403 and body["error"]["code"] == "Ecs.0023"
    st, _, body = cloud_json(cloud, "GET", cce("/zzz"))
    assert st == 404 and body == {"errorCode": "CCE.01404001", "errorMessage": "Resource not found"}
    st, _, body = cloud_json(cloud, "GET", cce())
    assert st == 200 and [i["metadata"]["uid"] for i in body["items"]] == ["c1"]
    r = cloud.requests[0]
    assert r.method == "GET" and r.path == cce("/c1") and r.header("x-auth-token") == "test-token"
    cloud.clear_requests()
    assert cloud.requests == []


def test_cloud_fault_injection(cloud):
    cloud.add_cluster("c1", "alpha")
    cloud.fail("GET", r"/clusters/c1$", 503, body={"errorCode": "CCE.01500001"}, times=2,
               headers={"Retry-After": "1"})
    for _ in range(2):
        st, hd, body = cloud_json(cloud, "GET", cce("/c1"))
        assert st == 503 and body == {"errorCode": "CCE.01500001"}
        assert hd["retry-after"] == "1" and hd.get("x-request-id")
    assert cloud_json(cloud, "GET", cce("/c1"))[0] == 200
    # raw malformed answer
    cloud.fail("GET", r"/clusters/c1$", None, raw=b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"kin")
    with pytest.raises((http.client.IncompleteRead, ConnectionError)):
        cloud_json(cloud, "GET", cce("/c1"))
    # hang: never answers; client times out; close() still quick
    cloud.fail("*", r"/clusters/c1$", None, hang=True)
    with pytest.raises((socket.timeout, TimeoutError)):
        request(cloud.port, "GET", cce("/c1"), headers=tok(), timeout=0.5)
    # delay with normal handling
    cloud.fail("GET", r"/clusters/c1$", None, delay=0.3)
    t0 = time.monotonic()
    assert cloud_json(cloud, "GET", cce("/c1"))[0] == 200
    assert time.monotonic() - t0 >= 0.25
    assert len(cloud.requests) == 6  # injected failures are recorded too


def test_cloud_close_with_hanging_request():
    f = FakeCloud()
    f.fail(None, r".", None, hang=True)
    errs = []

    def go():
        try:
            request(f.port, "GET", cce(), headers=tok(), timeout=10)
        except Exception as e:
            errs.append(e)

    t = threading.Thread(target=go)
    t.start()
    deadline = time.monotonic() + 2
    while not f.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    t0 = time.monotonic()
    f.close()
    assert time.monotonic() - t0 < 2
    t.join(5)
    assert errs


# ---------------------------------------------------------------------------
# FakeCloud: AK/SK signature verification
# ---------------------------------------------------------------------------

def signed(cloud, method, path, raw_query="", body=b"", ak="AK1", sk="SK1", date=None,
           extra=None, signed_headers=None, wire_query=None, tamper=None):
    headers = {"Host": "127.0.0.1:%d" % cloud.port, "Content-Type": "application/json",
               "X-Sdk-Date": date or datetime.now(timezone.utc).strftime(SDK_DATE_FORMAT),
               "X-Project-Id": PROJECT}
    headers.update(extra or {})
    headers["Authorization"] = sdk_sign(method, path, raw_query, headers, body, ak, sk,
                                        signed_headers=signed_headers)
    if tamper:
        tamper(headers)
    q = canonical_query(raw_query) if wire_query is None else wire_query
    st, hd, data, c = request(cloud.port, method, path + ("?" + q if q else ""),
                              body if method == "POST" else None, headers)
    c.close()
    return st, (json.loads(data) if data else None)


def test_signature_accept(cloud):
    cloud.add_cluster("c1", "alpha")
    cloud.add_server("s1", "n1", tags=["CCE-Cluster-ID=abc"])
    st, body = signed(cloud, "GET", cce("/c1"))
    assert st == 200 and body["status"]["phase"] == "Available"
    assert cloud.requests[-1].auth == "aksk"
    st, body = signed(cloud, "GET", ecs("/cloudservers/detail"),
                      "tags=CCE-Cluster-ID=abc&offset=1&limit=100")
    assert st == 200 and body["count"] == 1
    assert cloud.requests[-1].raw_query == "limit=100&offset=1&tags=CCE-Cluster-ID%3Dabc"
    st, body = signed(cloud, "POST", cce("/c1/operation/hibernate"), body=b"{}")
    assert st == 200 and body == {}


def test_signature_reject(cloud):
    cloud.add_cluster("c1", "alpha")
    p = cce("/c1")

    def bad(st_body):
        st, body = st_body
        assert st == 401, body
        assert body["error_code"] == "APIGW.0301"
        assert body["error_msg"].startswith(
            "Incorrect IAM authentication information: verify aksk signature fail")
        assert body["request_id"]
        return body["error_msg"]

    bad(signed(cloud, "GET", p, sk="wrong"))
    bad(signed(cloud, "GET", p, ak="AK2"))
    # a signed header altered after signing
    bad(signed(cloud, "GET", p, tamper=lambda h: h.update({"X-Project-Id": "x"})))
    # an extra unsigned header (even a wrong token) does not invalidate the signature
    st, _ = signed(cloud, "POST", p + "/operation/hibernate", body=b"{}",
                   tamper=lambda h: h.update({"X-Auth-Token": "nope"}))
    assert st == 200
    # wire query differs from the canonical one that was signed
    msg = bad(signed(cloud, "GET", ecs("/cloudservers/detail"), "tags=a=b",
                     wire_query="tags=a=b"))
    assert "canonical" in msg
    # host / x-sdk-date must be signed
    bad(signed(cloud, "GET", p, signed_headers=["x-sdk-date"]))
    bad(signed(cloud, "GET", p, signed_headers=["host"]))
    # clock skew
    old = (datetime.now(timezone.utc) - timedelta(minutes=20)).strftime(SDK_DATE_FORMAT)
    bad(signed(cloud, "GET", p, date=old))
    cloud.clock_skew_check = False
    assert signed(cloud, "GET", p, date=old)[0] == 200
    cloud.clock_skew_check = True
    # security token required for this AK
    cloud.security_tokens["AK1"] = "STS"
    bad(signed(cloud, "GET", p))
    bad(signed(cloud, "GET", p, extra={"X-Security-Token": "other"}))
    assert signed(cloud, "GET", p, extra={"X-Security-Token": "STS"})[0] == 200
    # a canonical-request hint is embedded for debugging
    cloud.security_tokens.clear()
    assert "|" in bad(signed(cloud, "GET", p, sk="wrong"))
    assert cloud.requests[-1].auth is None


def test_signature_body_tamper(cloud):
    cloud.add_cluster("c1", "alpha")
    path = cce("/c1/operation/hibernate")
    headers = {"Host": "127.0.0.1:%d" % cloud.port, "Content-Type": "application/json",
               "X-Sdk-Date": datetime.now(timezone.utc).strftime(SDK_DATE_FORMAT)}
    headers["Authorization"] = sdk_sign("POST", path, "", headers, b"{}", "AK1", "SK1")
    st, _, data, c = request(cloud.port, "POST", path, b'{"x":1}', headers)
    c.close()
    assert st == 401 and json.loads(data)["error_code"] == "APIGW.0301"
    assert cloud.phase("c1") == "Available"


# ---------------------------------------------------------------------------
# FakeCloud: CCE behaviour
# ---------------------------------------------------------------------------

def test_cce_phase_transitions(cloud):
    cloud.add_cluster("c1", "alpha", nodes=[
        {"uid": "n1", "name": "node-a", "serverId": "s1"},
        {"uid": "n2", "name": "node-b", "serverId": "s2", "phase": "Abnormal"}])
    st, _, body = cloud_json(cloud, "POST", cce("/c1/operation/awake"), body=b"")
    assert st == 400 and body == {"errorCode": "CCE.01400001",
                                  "errorMessage": "Cluster status is Available, can not awake"}
    st, _, body = cloud_json(cloud, "POST", cce("/c1/operation/hibernate"), body=b"")
    assert st == 200 and body == {}
    assert cloud.phase("c1") == "Hibernating"
    st, _, body = cloud_json(cloud, "POST", cce("/c1/operation/hibernate"), body=b"")
    assert st == 400 and "Hibernating" in body["errorMessage"]
    time.sleep(1.1)
    assert cloud_json(cloud, "GET", cce("/c1"))[2]["status"]["phase"] == "Hibernation"
    assert cloud_json(cloud, "POST", cce("/c1/operation/awake"), body=b"")[0] == 200
    assert cloud.phase("c1") == "Awaking"
    time.sleep(1.1)
    assert cloud.phase("c1") == "Available"
    st, _, body = cloud_json(cloud, "GET", cce("/c1/nodes"))
    assert st == 200 and body["kind"] == "List" and body["apiVersion"] == "v3"
    assert [(i["metadata"]["uid"], i["metadata"]["name"], i["status"]["serverId"],
             i["status"]["phase"]) for i in body["items"]] == [
        ("n1", "node-a", "s1", "Active"), ("n2", "node-b", "s2", "Abnormal")]
    assert all(i["status"]["privateIP"] for i in body["items"])
    assert cloud_json(cloud, "POST", cce("/nope/operation/hibernate"), body=b"")[0] == 404


# ---------------------------------------------------------------------------
# FakeCloud: ECS behaviour
# ---------------------------------------------------------------------------

def test_ecs_paging(cloud):
    for i in range(2500):
        cloud.add_server("s%04d" % i, "vm%d" % i,
                         tags=["CCE-Cluster-ID=abc"] if i % 2 == 0 else ["other=1"])
    seen = []
    sizes = []
    for page in (1, 2, 3):
        st, _, body = cloud_json(cloud, "GET", ecs("/cloudservers/detail?offset=%d&limit=1000" % page))
        assert st == 200 and body["count"] == 2500
        sizes.append(len(body["servers"]))
        seen += [s["id"] for s in body["servers"]]
    assert sizes == [1000, 1000, 500]
    assert seen == ["s%04d" % i for i in range(2500)]
    s0 = cloud_json(cloud, "GET", ecs("/cloudservers/detail?offset=0&limit=1"))[2]["servers"][0]
    assert s0["id"] == "s0000" and s0["status"] == "ACTIVE"
    assert s0["OS-EXT-STS:vm_state"] == "active" and s0["metadata"] == {}
    assert s0["tags"] == ["CCE-Cluster-ID=abc"]
    body = cloud_json(cloud, "GET", ecs("/cloudservers/detail"))[2]
    assert len(body["servers"]) == 25  # default limit
    st, _, body = cloud_json(cloud, "GET", ecs("/cloudservers/detail?limit=1001"))
    assert st == 400 and body["error"]["code"] == "Ecs.0005"
    body = cloud_json(cloud, "GET", ecs(
        "/cloudservers/detail?limit=1000&tags=CCE-Cluster-ID%3Dabc"))[2]
    assert body["count"] == 1250
    body = cloud_json(cloud, "GET", ecs("/cloudservers/detail?limit=1000&tags=other"))[2]
    assert body["count"] == 1250
    assert cloud_json(cloud, "GET", ecs("/cloudservers/detail?offset=4&limit=1000"))[2] == \
        {"count": 2500, "servers": []}


def test_ecs_batch_stop_start_and_jobs(cloud):
    for sid in ("s1", "s2", "s3"):
        cloud.add_server(sid, sid)
    st, _, body = cloud_json(cloud, "POST", ecs("/cloudservers/action"),
                             body={"os-stop": {"type": "SOFT",
                                               "servers": [{"id": "s1"}, {"id": "s2"}]}})
    assert st == 200
    job_id = body["job_id"]
    st, _, job = cloud_json(cloud, "GET", ecs("/jobs/" + job_id))
    assert st == 200 and job["status"] == "RUNNING" and job["job_type"] == "batchStopServers"
    assert job["entities"]["sub_jobs_total"] == 2
    assert cloud.server("s1") == "ACTIVE"
    time.sleep(1.1)
    st, _, job = cloud_json(cloud, "GET", ecs("/jobs/" + job_id))
    assert job["status"] == "SUCCESS" and job["end_time"]
    subs = job["entities"]["sub_jobs"]
    assert {s["entities"]["server_id"] for s in subs} == {"s1", "s2"}
    assert all(s["status"] == "SUCCESS" and s["job_type"] == "stopServer" for s in subs)
    assert cloud.server("s1") == "SHUTOFF" and cloud.server("s2") == "SHUTOFF"
    assert cloud.server("s3") == "ACTIVE"
    body = cloud_json(cloud, "GET", ecs("/cloudservers/detail?limit=10"))[2]
    assert [s["OS-EXT-STS:vm_state"] for s in body["servers"]] == ["stopped", "stopped", "active"]
    # start with an injected failure on s2
    cloud.fail_server_in_jobs("s2")
    body = cloud_json(cloud, "POST", ecs("/cloudservers/action"),
                      body={"os-start": {"servers": [{"id": "s1"}, {"id": "s2"}]}})[2]
    time.sleep(1.1)
    job = cloud_json(cloud, "GET", ecs("/jobs/" + body["job_id"]))[2]
    assert job["status"] == "FAIL" and job["job_type"] == "batchStartServers"
    bad = [s for s in job["entities"]["sub_jobs"] if s["status"] == "FAIL"]
    assert len(bad) == 1 and bad[0]["entities"]["server_id"] == "s2"
    assert bad[0]["error_code"] == "Ecs.0001" and bad[0]["fail_reason"] == "injected"
    assert cloud.server("s1") == "ACTIVE" and cloud.server("s2") == "SHUTOFF"
    assert cloud.job_status(body["job_id"]) == "FAIL"


def test_ecs_action_validation(cloud):
    cloud.add_server("s1", "n1")

    def err(body):
        st, _, b = cloud_json(cloud, "POST", ecs("/cloudservers/action"), body=body)
        assert st == 400 and b["error"]["code"] == "Ecs.0005" and b["error"]["details"] == []

    err({"os-stop": {"servers": [{"id": "nope"}]}})
    err({"os-stop": {"servers": [{"id": "s1"}] * 1001}})
    err({"reboot": {"servers": [{"id": "s1"}]}})
    err({"os-stop": {"type": "MEDIUM", "servers": [{"id": "s1"}]}})
    err(b"not json")
    st, _, b = cloud_json(cloud, "GET", ecs("/jobs/unknown"))
    assert st == 404 and "code" in b["error"]
    assert cloud.server("s1") == "ACTIVE" and cloud.job_ids() == []
