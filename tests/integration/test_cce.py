"""Hibernate and awake through every event shape, checked on both sides:
what bootstrap answered, and which requests reached the fake CCE."""
import base64
import json

from conftest import PROJECT, TOKEN, body_of, refused, timer_event

C1 = "11111111-2222-3333-4444-555555555555"
C2 = "66666666-7777-8888-9999-000000000000"
CLUSTERS = "/api/v3/projects/%s/clusters/" % PROJECT


def cce_requests(cloud):
    return [(r.method, r.path) for r in cloud.requests]


def assert_token_auth(cloud):
    assert cloud.requests, "no request reached the cloud"
    for r in cloud.requests:
        assert r.header("X-Auth-Token") == TOKEN
        assert r.header("Content-Type").startswith("application/json")
        assert r.header("Authorization") is None


def test_timer_event_with_json_user_event_hibernates(fg):
    fg.cloud.add_cluster(C1, "prod-a")
    fg.start()
    res = fg.invoke(timer_event(json.dumps({"action": "hibernate", "clusterId": C1})))
    assert res.kind == "response"
    out = body_of(res)
    assert out["status"] == "success"
    assert out["action"] == "hibernate"
    assert out["data"]["cluster_list"] == [
        {"cluster_id": C1, "cluster_name": "prod-a", "phase": "Available", "result": "requested"}]
    assert cce_requests(fg.cloud) == [("GET", CLUSTERS + C1),
                                      ("POST", CLUSTERS + C1 + "/operation/hibernate")]
    assert_token_auth(fg.cloud)
    assert fg.cloud.phase(C1) in ("Hibernating", "Hibernation")


def test_timer_event_with_bare_action_word_uses_configured_clusters(fg):
    fg.cloud.add_cluster(C1, "a")
    fg.cloud.add_cluster(C2, "b")
    fg.start({"clusterId": "%s, %s" % (C1, C2)})
    out = body_of(fg.invoke(timer_event("hibernate")))
    assert out["status"] == "success"
    assert [c["cluster_id"] for c in out["data"]["cluster_list"]] == [C1, C2]
    assert len(fg.cloud.requests_matching("POST", r"/operation/hibernate$")) == 2


def test_console_object_awakes_hibernated_cluster(fg):
    fg.cloud.add_cluster(C1, "a", phase="Hibernation")
    fg.start()
    out = body_of(fg.invoke({"action": "awake", "clusterId": C1}))
    assert out["status"] == "success"
    assert out["data"]["cluster_list"][0]["result"] == "requested"
    assert cce_requests(fg.cloud)[-1] == ("POST", CLUSTERS + C1 + "/operation/awake")
    assert fg.cloud.phase(C1) in ("Awaking", "Available")


def test_blank_template_and_empty_object_use_configured_defaults(fg):
    fg.cloud.add_cluster(C1, "a")
    fg.start({"action": "hibernate", "clusterId": C1})
    out = body_of(fg.invoke({"key": "value"}))
    assert out["status"] == "success"
    assert out["data"]["cluster_list"][0]["result"] == "requested"
    out = body_of(fg.invoke({}))
    assert out["data"]["cluster_list"][0]["result"] == "skipped"


def test_runtime_handler_names_the_action(fg):
    fg.cloud.add_cluster(C1, "a", phase="Hibernation")
    fg.start({"clusterId": C1}, env={"RUNTIME_HANDLER": "awake"})
    out = body_of(fg.invoke({}))
    assert out["action"] == "awake"
    assert out["data"]["cluster_list"][0]["result"] == "requested"


def test_apig_event_base64_body_is_answered_in_the_apig_envelope(fg):
    fg.cloud.add_cluster(C1, "a")
    fg.start({"clusterId": C1, "apigActions": "hibernate"})
    body = base64.b64encode(json.dumps({"action": "hibernate", "clusterId": C1}).encode()).decode()
    event = {"httpMethod": "POST", "path": "/cce/hibernate", "isBase64Encoded": True,
             "headers": {"content-type": "application/json"}, "queryStringParameters": {},
             "pathParameters": {}, "requestContext": {"apiId": "x", "requestId": "y",
                                                      "stage": "RELEASE", "sourceIp": "203.0.113.7"},
             "body": body}
    res = fg.invoke(event)
    assert res.kind == "response"
    env = res.json
    assert env["statusCode"] == 200 and env["isBase64Encoded"] is False
    assert env["headers"]["Content-Type"] == "application/json"
    assert json.loads(env["body"])["data"]["cluster_list"][0]["result"] == "requested"


def test_apig_event_plain_body_and_error_status(fg):
    fg.start()
    event = {"httpMethod": "POST", "path": "/x", "isBase64Encoded": False,
             "requestContext": {}, "body": "{\"action\": \"fly\"}"}
    res = fg.invoke(event)
    # An APIG answer is posted as the response: API Gateway relays its statusCode.
    assert res.kind == "response"
    assert res.json["statusCode"] == 400
    inner = json.loads(res.json["body"])
    assert inner["errorType"] == "UnknownAction"
    assert fg.cloud.requests == []


def test_apig_status_is_404_502_or_500_by_what_failed(fg):
    missing = "deadbeef-0000-0000-0000-000000000000"
    fg.cloud.add_cluster(C1, "prod")
    fg.start({"clusterId": "%s,%s" % (missing, C1), "apigActions": "hibernate,status"})

    def apig(body, headers=None):
        event = {"httpMethod": "POST", "path": "/cce", "isBase64Encoded": False,
                 "requestContext": {}, "body": json.dumps(body)}
        return fg.invoke(event, headers=headers)

    # The cloud answers 404 for the only failed target: the caller gets 404.
    res = apig({"action": "hibernate", "clusterId": missing})
    assert res.kind == "response" and res.json["statusCode"] == 404
    inner = json.loads(res.json["body"])
    assert inner["errorType"] == "ActionFailed"
    assert inner["data"]["cluster_list"][0]["error"]["http_status"] == 404
    # The cloud fails (500 on every try): 502.
    fg.cloud.fail("GET", "/clusters/" + C1, status=500, times=None,
                  body={"error_code": "CCE.01500001", "error_msg": "internal"})
    res = apig({"action": "status", "clusterId": C1})
    assert res.kind == "response" and res.json["statusCode"] == 502, res.json
    # One unknown, one failing: the cloud failed, 502.
    res = apig({"action": "status"})
    assert res.kind == "response" and res.json["statusCode"] == 502, res.json
    fg.cloud.clear_faults()
    res = apig({"action": "status", "clusterId": C1})
    assert res.kind == "response" and res.json["statusCode"] == 200
    # No agency token and no configured keys: nothing can be called.
    res = apig({"action": "hibernate", "clusterId": C1}, headers={})
    assert res.kind == "response" and res.json["statusCode"] == 500
    assert json.loads(res.json["body"])["errorType"] == "NoCredentials"


def test_already_in_target_phase_is_skipped_without_a_mutation(fg):
    fg.cloud.add_cluster(C1, "a", phase="Hibernation")
    fg.cloud.add_cluster(C2, "b", phase="Hibernating")
    fg.start({"clusterId": "%s,%s" % (C1, C2)})
    out = body_of(fg.invoke({"action": "hibernate"}))
    assert out["status"] == "success"
    assert [c["result"] for c in out["data"]["cluster_list"]] == ["skipped", "skipped"]
    assert [c["reason"] for c in out["data"]["cluster_list"]] == ["already Hibernation",
                                                                  "already Hibernating"]
    assert fg.cloud.requests_matching("POST") == []


def test_one_failing_cluster_does_not_stop_the_others(fg):
    missing = "deadbeef-0000-0000-0000-000000000000"
    fg.cloud.add_cluster(C2, "b")
    fg.start()
    res = fg.invoke({"action": "hibernate", "clusterId": [missing, C2]})
    assert res.kind == "error"
    out = body_of(res)
    assert out["status"] == "error"
    first, second = out["data"]["cluster_list"]
    assert first["cluster_id"] == missing and first["result"] == "failed"
    assert first["error"]["code"] == "CCE.01404001"
    assert first["error"]["http_status"] == 404
    assert first["error"]["request_id"]
    assert second["result"] == "requested"
    assert fg.cloud.phase(C2) in ("Hibernating", "Hibernation")


def test_cloud_errors_are_parsed_in_all_three_shapes(fg):
    fg.cloud.add_cluster(C1, "a")
    shapes = [
        ({"errorCode": "CCE.01403001", "errorMessage": "forbidden"}, "CCE.01403001", "forbidden"),
        ({"error_code": "APIGW.0301", "error_msg": "verify aksk signature fail",
          "request_id": "gw-req-1"}, "APIGW.0301", "verify aksk signature fail"),
        ({"error": {"code": "Ecs.0005", "message": "bad param", "details": []}}, "Ecs.0005",
         "bad param"),
    ]
    fg.start()
    for body, code, msg in shapes:
        fg.cloud.fail("POST", r"/operation/hibernate$", status=403, body=json.dumps(body))
        res = fg.invoke({"action": "hibernate", "clusterId": C1})
        assert res.kind == "error"
        err = body_of(res)["data"]["cluster_list"][0]["error"]
        assert (err["code"], err["message"], err["http_status"]) == (code, msg, 403)
        assert err["request_id"]


def test_a_transient_cloud_error_is_retried(fg):
    fg.cloud.add_cluster(C1, "a")
    fg.cloud.fail("GET", r"/clusters/", status=503, body="{}", times=1)
    fg.start()
    out = body_of(fg.invoke({"action": "hibernate", "clusterId": C1}))
    assert out["status"] == "success"
    assert len(fg.cloud.requests_matching("GET")) == 2


def test_no_cluster_anywhere_is_a_clear_error(fg):
    fg.start()
    refused(fg, {"action": "hibernate"}, "InvalidParameter", "clusterId")


def test_no_agency_token_is_a_clear_error(fg):
    fg.cloud.add_cluster(C1, "a")
    fg.start()
    refused(fg, {"action": "hibernate", "clusterId": C1}, "NoCredentials", "agency", headers={})


def test_event_may_not_redirect_the_endpoint(fg):
    from fakes import FakeCloud
    evil = FakeCloud(token="other")
    try:
        fg.cloud.add_cluster(C1, "a")
        fg.start()
        for key in ("cceEndpoint", "ecsEndpoint", "endpoint", "region", "domain", "projectId",
                    "ak", "token"):
            res = fg.invoke({"action": "hibernate", "clusterId": C1, key: evil.url})
            assert res.kind == "error", key
            assert res.json["errorType"] == "InvalidEvent"
            assert key in res.json["errorMessage"]
        res = fg.invoke(timer_event(json.dumps({"action": "hibernate", "cceEndpoint": evil.url})))
        assert res.kind == "error"
        assert evil.requests == [] and fg.cloud.requests == []
    finally:
        evil.close()


def test_project_id_from_configuration_overrides_the_runtime(fg):
    fg.cloud.add_cluster(C1, "a")
    fg.start({"projectId": PROJECT}, env={"RUNTIME_PROJECT_ID": "ffffffffffffffffffffffffffffffff"})
    out = body_of(fg.invoke({"action": "hibernate", "clusterId": C1}))
    assert out["status"] == "success"
    assert all(PROJECT in r.path for r in fg.cloud.requests)


def test_wrong_project_is_reported_with_the_cloud_answer(fg):
    fg.cloud.add_cluster(C1, "a")
    fg.start(env={"RUNTIME_PROJECT_ID": "ffffffffffffffffffffffffffffffff"})
    res = fg.invoke({"action": "hibernate", "clusterId": C1})
    assert res.kind == "error"
    assert body_of(res)["data"]["cluster_list"][0]["error"]["http_status"] == 403


def test_region_and_domain_build_the_endpoint(fg):
    fg.start({"cceEndpoint": None, "region": "eu-west-0", "domain": "fgboot-test.invalid"},
             env={"RUNTIME_TIMEOUT": "4"})
    res = fg.invoke({"action": "hibernate", "clusterId": C1})
    assert res.kind == "error"
    err = body_of(res)["data"]["cluster_list"][0]["error"]
    assert "https://cce.eu-west-0.fgboot-test.invalid/api/v3/projects/" + PROJECT in err["message"]


def test_no_region_and_no_endpoint_is_a_clear_error(fg):
    fg.start({"cceEndpoint": None})
    res = fg.invoke({"action": "hibernate", "clusterId": C1})
    assert res.kind == "error"
    assert "region" in json.dumps(res.json)


def test_log_levels(fg):
    fg.cloud.add_cluster(C1, "a")
    quiet = fg.start({"logLevel": "error", "clusterId": C1})
    body_of(fg.invoke({"action": "hibernate"}))
    quiet.stop()
    assert " INFO " not in quiet.output()
    loud = fg.start({"logLevel": "debug", "clusterId": C1, "ak": "AKEXAMPLE5ECRET0001",
                     "sk": "sk-5ecret-EXAMPLE-0123456789abcdef"})
    body_of(fg.invoke({"action": "hibernate", "unknownKey": 1}))
    loud.stop()
    text = loud.output()
    assert " DEBUG " in text and " INFO " in text
    assert "ignoring event key 'unknownKey'" in text
    line = [ln for ln in text.splitlines() if "skipped" in ln][0]
    # UTC time with milliseconds, request id, level, message.
    stamp, rid, level = line.split(" ")[:3]
    assert stamp.endswith("Z") and "T" in stamp and len(rid) > 8 and level == "INFO"
