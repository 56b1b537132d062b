"""The invocation loop: the runtime API contract, resilience and hygiene."""
import json
import time

from conftest import AGENCY, free_port
from fakes import RuntimeAPI

C1 = "11111111-2222-3333-4444-555555555555"


def test_answer_goes_to_response_with_json_content_type(fg):
    fg.cloud.add_cluster(C1, "a")
    fg.start()
    res = fg.invoke({"action": "hibernate", "clusterId": C1})
    assert res.kind == "response"
    assert res.header("Content-Type") == "application/json"
    gets = [r for r in fg.runtime.requests if r[0] == "GET"]
    assert gets[0][1] == "/v1/runtime/invocation/request"


def test_request_id_header_is_matched_case_insensitively(fg):
    fg.cloud.add_cluster(C1, "a")
    fg.start()
    rid = fg.runtime.push({"action": "hibernate", "clusterId": C1}, request_id="req-lower-1",
                          headers={k.lower(): v for k, v in AGENCY.items()})
    fg.pushed.append(rid)
    res = fg.runtime.wait_result(rid)
    assert res.kind == "response"
    assert res.request_id == "req-lower-1"


def test_one_connection_serves_many_invocations(fg):
    fg.cloud.add_cluster(C1, "a")
    fg.start({"clusterId": C1})
    for _ in range(20):
        assert fg.invoke({"action": "hibernate"}).kind == "response"
    assert fg.runtime.connections == 1
    assert fg.cloud.connections == 1


def test_non_json_event_gets_an_error_and_the_next_event_is_served(fg):
    fg.cloud.add_cluster(C1, "a")
    fg.start()
    res = fg.invoke(b"this is not json")
    assert res.kind == "error"
    assert res.json["status"] == "error"
    assert res.json["errorType"] == "InvalidEvent"
    assert "not valid JSON" in res.json["errorMessage"]
    assert fg.invoke({"action": "hibernate", "clusterId": C1}).kind == "response"


def test_runtime_api_that_refuses_connections_at_first(fg):
    port = free_port()
    fg.runtime.close()
    boot = fg.start(addr="127.0.0.1:%d" % port)
    time.sleep(1.5)
    assert boot.proc.poll() is None, "bootstrap exited while the runtime API was down"
    fg.runtime = RuntimeAPI(port=port)
    fg.cloud.add_cluster(C1, "a")
    res = fg.invoke({"action": "hibernate", "clusterId": C1})
    assert res.kind == "response"
    assert "retrying" in boot.output()


def test_runtime_api_500_on_get_and_post_is_retried(fg):
    fg.cloud.add_cluster(C1, "a")
    fg.runtime.fail_next_gets(1, status=500)
    fg.runtime.fail_next_posts(1, status=500)
    fg.start()
    res = fg.invoke({"action": "hibernate", "clusterId": C1})
    assert res.kind == "response"
    time.sleep(0.3)
    assert len(fg.runtime.results_for(res.request_id)) == 1
    assert len(fg.cloud.requests_matching("POST")) == 1  # the answer, not the work, was retried


def test_dropped_connection_on_get_is_survived(fg):
    fg.cloud.add_cluster(C1, "a")
    fg.runtime.drop_next_gets(2)
    fg.start()
    assert fg.invoke({"action": "hibernate", "clusterId": C1}).kind == "response"


def test_unusable_configuration_still_serves_and_explains(fg):
    fg.start("{this is not json")
    for _ in range(2):
        res = fg.invoke({"action": "hibernate", "clusterId": C1})
        assert res.kind == "error"
        assert res.json["errorType"] == "ConfigError"
        assert "RUNTIME_USERDATA" in res.json["errorMessage"]
    assert fg.cloud.requests == []


def test_garbage_timeout_is_a_configuration_error(fg):
    fg.start(env={"RUNTIME_TIMEOUT": "soon"})
    res = fg.invoke({"action": "hibernate", "clusterId": C1})
    assert res.json["errorType"] == "ConfigError"
    assert "RUNTIME_TIMEOUT" in res.json["errorMessage"]


def test_sigterm_while_waiting_exits_zero(fg):
    boot = fg.start()
    fg.runtime.wait_gets(1)
    t = time.monotonic()
    assert boot.stop() == 0
    assert time.monotonic() - t < 5


def test_secrets_never_reach_logs_even_when_the_cloud_echoes_them(fg):
    from conftest import TOKEN
    fg.cloud.add_cluster(C1, "a")
    fg.cloud.fail("GET", r"/clusters/", status=400,
                  body=json.dumps({"errorCode": "CCE.01400001", "errorMessage": "bad token " + TOKEN}))
    boot = fg.start({"logLevel": "debug"})
    res = fg.invoke({"action": "hibernate", "clusterId": C1})
    assert res.kind == "error"
    assert "bad token ***" in res.body.decode()
    boot.stop()
    assert "bad token ***" in boot.output()


def test_a_request_id_outside_the_one_rule_is_not_answered_and_the_next_is(fg):
    """Ids are 1-127 characters of [A-Za-z0-9._-] in every front end: anything else could
    forge a log line or another URL, so that invocation cannot be answered; the loop goes on."""
    fg.cloud.add_cluster(C1, "a")
    fg.start()
    for bad in ("a;b", "x" * 128, "..%2f"):
        fg.runtime.push({"action": "status", "clusterId": C1}, headers=AGENCY, request_id=bad)
    ok = fg.invoke({"action": "status", "clusterId": C1})
    assert ok.kind == "response"
    assert all(not fg.runtime.results_for(bad) for bad in ("a;b", "x" * 128, "..%2f"))
    assert "unusable request id" in fg.boots[0].output()
