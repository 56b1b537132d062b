"""Trust rules (issue 11): whoever reaches a trigger cannot widen what fgboot may do.

Timer and console events are trusted; API Gateway events are not: they may
only choose within the configuration (apigActions, configured targets, the
configured type, wait/stopNodes/startNodes only turned off). dryRun: true in
the configuration is a floor no event lowers. Every refusal is checked to have
sent nothing to the cloud, and the next event to be served.
"""
import base64
import json

import pytest

from conftest import PROJECT, body_of, timer_event

C1 = "11111111-2222-3333-4444-555555555555"
C2 = "66666666-7777-8888-9999-000000000000"
S1 = "aaaaaaaa-0000-4000-8000-000000000001"
S2 = "aaaaaaaa-0000-4000-8000-000000000002"
NODE = "bbbbbbbb-0000-4000-8000-000000000001"
CLUSTERS = "/api/v3/projects/%s/clusters/" % PROJECT
ACTION = "/v1/%s/cloudservers/action" % PROJECT


def apig(body, b64=True):
    raw = json.dumps(body).encode()
    return {"httpMethod": "POST", "path": "/fgboot", "isBase64Encoded": b64,
            "headers": {"content-type": "application/json"}, "queryStringParameters": {},
            "pathParameters": {}, "requestContext": {"apiId": "a", "requestId": "r",
                                                     "stage": "RELEASE", "sourceIp": "203.0.113.7"},
            "body": base64.b64encode(raw).decode() if b64 else raw.decode()}


def forbidden(res, word):
    """The answer is a 403 Forbidden in the APIG envelope, posted as the response (API Gateway
    relays the envelope's statusCode only from a response), whose message names word."""
    assert res.kind == "response", res.body[:300]
    assert res.json["statusCode"] == 403, res.json
    inner = json.loads(res.json["body"])
    assert inner["errorType"] == "Forbidden"
    assert word in inner["errorMessage"], inner["errorMessage"]
    return inner


def setup_fleet(cloud):
    cloud.add_cluster(C1, "a", nodes=[{"name": "n0", "serverId": NODE}])
    cloud.add_cluster(C2, "b")
    for s in (S1, S2, NODE):
        cloud.add_server(s, "vm-" + s[-1], tags=["env=dev"])


def served_after(fg):
    """The runtime goes on: a status event right after a refusal is answered."""
    res = fg.invoke(apig({"action": "status"}))
    assert res.kind == "response" and res.json["statusCode"] == 200, res.body[:300]


def test_apig_may_only_ask_for_status_by_default(fg):
    setup_fleet(fg.cloud)
    fg.start({"clusterId": C1})
    for action in ("hibernate", "awake", "stop", "start"):
        forbidden(fg.invoke(apig({"action": action})), "apigActions: status")
    assert fg.cloud.requests == []
    # No action in the body: the configured action is weighed the same way.
    fg.cloud.clear_requests()
    served_after(fg)
    assert [r.method for r in fg.cloud.requests] == ["GET"] * len(fg.cloud.requests)


def test_configured_action_reached_through_apig_is_refused_too(fg):
    setup_fleet(fg.cloud)
    fg.start({"clusterId": C1, "action": "hibernate"})
    forbidden(fg.invoke(apig({})), "'hibernate'")
    assert fg.cloud.requests == []


def test_apig_actions_lets_the_owner_allow_more(fg):
    setup_fleet(fg.cloud)
    fg.start({"clusterId": C1, "apigActions": "status, hibernate"})
    out = body_of(fg.invoke(apig({"action": "hibernate"})))
    assert out["data"]["cluster_list"][0]["result"] == "requested"
    assert [r.path for r in fg.cloud.requests if r.method == "POST"] == [
        CLUSTERS + C1 + "/operation/hibernate"]
    forbidden(fg.invoke(apig({"action": "awake"})), "apigActions: hibernate, status")


def test_apig_actions_none_refuses_everything(fg):
    fg.start({"clusterId": C1, "apigActions": "none"})
    forbidden(fg.invoke(apig({"action": "status"})), "apigActions: none")
    assert fg.cloud.requests == []


def test_apig_may_name_only_configured_targets(fg):
    setup_fleet(fg.cloud)
    fg.start({"clusterId": C1, "serverIds": S1, "tags": "env=dev",
              "apigActions": "status,hibernate,stop"})
    forbidden(fg.invoke(apig({"action": "hibernate", "clusterId": C2})), C2)
    forbidden(fg.invoke(apig({"action": "hibernate", "clusterId": [C1, C2]})), C2)
    forbidden(fg.invoke(apig({"action": "stop", "tags": "env=prod"})), "env=prod")
    assert fg.cloud.requests == []
    # A narrower choice within the configuration is fine.
    out = body_of(fg.invoke(apig({"action": "hibernate", "clusterId": C1})))
    assert [c["cluster_id"] for c in out["data"]["cluster_list"]] == [C1]
    served_after(fg)


def test_apig_naming_no_targets_means_all_configured_ones(fg):
    setup_fleet(fg.cloud)
    fg.start({"clusterId": "%s,%s" % (C1, C2)})
    out = body_of(fg.invoke(apig({"action": "status"})))
    assert sorted(c["cluster_id"] for c in out["data"]["cluster_list"]) == sorted([C1, C2])


def test_with_no_targets_configured_apig_may_name_none(fg):
    setup_fleet(fg.cloud)
    fg.start()
    forbidden(fg.invoke(apig({"action": "status", "clusterId": C1})), C1)
    forbidden(fg.invoke(apig({"action": "status", "serverIds": S1})), S1)
    forbidden(fg.invoke(apig({"action": "status", "tags": "env=dev"})), "env=dev")
    assert fg.cloud.requests == []


def test_apig_may_name_a_node_server_of_a_configured_cluster(fg):
    setup_fleet(fg.cloud)
    fg.start({"clusterId": C1, "serverIds": S1, "apigActions": "status,stop"})
    out = body_of(fg.invoke(apig({"action": "stop", "serverIds": NODE, "dryRun": True})))
    assert [s["server_id"] for s in out["data"]["server_list"]] == [NODE]
    # A server that is neither configured nor a node: only the node lists were read.
    fg.cloud.clear_requests()
    forbidden(fg.invoke(apig({"action": "stop", "serverIds": S2})), S2)
    assert [(r.method, r.path) for r in fg.cloud.requests] == [("GET", CLUSTERS + C1 + "/nodes")]


def test_apig_gets_404_when_a_configured_server_is_not_in_the_project(fg):
    """A configured server the project does not have is the caller's 404 (nothing is stopped);
    next to one that exists and fails otherwise it is 502."""
    setup_fleet(fg.cloud)
    gone = "aaaaaaaa-0000-4000-8000-0000000000ff"
    fg.start({"serverIds": gone + "," + S1, "apigActions": "status,stop"})
    res = fg.invoke(apig({"action": "stop", "serverIds": gone}))
    assert res.kind == "response" and res.json["statusCode"] == 404, res.json
    item = body_of(res)["data"]["server_list"][0]
    assert item["server_id"] == gone and item["result"] == "failed" and "error" not in item, item
    assert fg.cloud.requests_matching("POST", r".*") == []
    fg.cloud.fail("POST", r"/cloudservers/action$", status=500, times=None)
    res = fg.invoke(apig({"action": "stop"}))
    assert res.json["statusCode"] == 502, res.json


def test_node_lists_of_all_configured_clusters_are_read_together(fg):
    """The node-server check reads every configured cluster's node list at once, and a
    list the cloud will not give is the answer's error, not a pass."""
    setup_fleet(fg.cloud)
    fg.cloud.delay = 0.5
    fg.start({"clusterId": C2 + "," + C1, "apigActions": "status,stop"})
    out = body_of(fg.invoke(apig({"action": "stop", "serverIds": NODE, "dryRun": True})))
    assert [s["server_id"] for s in out["data"]["server_list"]] == [NODE]
    # Read twice: by the check, then by the handler (the configured clusters' nodes are targets too).
    lists = [r for r in fg.cloud.requests if r.path.endswith("/nodes")]
    both = sorted([CLUSTERS + C1 + "/nodes", CLUSTERS + C2 + "/nodes"])
    assert len(lists) == 4 and sorted(r.path for r in lists[:2]) == both, [r.path for r in lists]
    assert [r.in_flight for r in lists[:2]] == [1, 2], "the check read the node lists one after the other"
    fg.cloud.delay = 0
    fg.cloud.clear_requests()
    fg.cloud.fail("GET", C2 + "/nodes$", status=403, times=1,
                  body=b'{"error_code":"CCE.03400001","error_msg":"no permission"}')
    res = fg.invoke(apig({"action": "stop", "serverIds": NODE, "dryRun": True}))
    out = body_of(res)
    assert res.json["statusCode"] == 502 and out["errorType"] == "CloudError", out
    assert C2 in out["errorMessage"] and "nodes" in out["errorMessage"], out
    assert fg.cloud.requests_matching("POST", r".*") == []


def test_apig_may_not_change_type_nor_turn_options_on(fg):
    setup_fleet(fg.cloud)
    fg.start({"serverIds": S1, "apigActions": "status,stop,hibernate"})
    forbidden(fg.invoke(apig({"action": "stop", "type": "HARD"})), "type is SOFT")
    forbidden(fg.invoke(apig({"action": "stop", "wait": True})), "wait")
    forbidden(fg.invoke(apig({"action": "hibernate", "stopNodes": True})), "stopNodes")
    assert fg.cloud.requests == []
    # Saying what the configuration says anyway, or turning an option off, is allowed.
    out = body_of(fg.invoke(apig({"action": "stop", "type": "SOFT", "wait": False})))
    assert [s["server_id"] for s in out["data"]["server_list"]] == [S1]
    stops = [r.json for r in fg.cloud.requests if r.method == "POST" and r.path == ACTION]
    assert stops == [{"os-stop": {"type": "SOFT", "servers": [{"id": S1}]}}]


def test_apig_may_turn_off_a_configured_wait(fg):
    setup_fleet(fg.cloud)
    fg.start({"clusterId": C1, "wait": "true", "apigActions": "status,hibernate"})
    out = body_of(fg.invoke(apig({"action": "hibernate", "wait": False})))
    assert out["data"]["cluster_list"][0]["result"] == "requested"


def test_a_trusted_event_keeps_its_powers(fg):
    """Timer and console events may still name any target and set the type."""
    setup_fleet(fg.cloud)
    fg.start({"clusterId": C1})
    out = body_of(fg.invoke(timer_event(json.dumps({"action": "hibernate", "clusterId": C2}))))
    assert out["data"]["cluster_list"][0]["cluster_id"] == C2
    out = body_of(fg.invoke({"action": "stop", "serverIds": S2, "type": "HARD"}))
    assert out["data"]["server_list"][0]["result"] == "requested"


def test_configured_dry_run_is_a_floor_no_event_lowers(fg):
    """The issue's attack: a console event asking a real HARD stop of a dry-run configuration."""
    setup_fleet(fg.cloud)
    fg.start({"action": "status", "dryRun": "true", "serverIds": S1})
    out = body_of(fg.invoke({"action": "stop", "dryRun": False, "type": "HARD", "serverIds": S1}))
    assert out["data"]["server_list"][0]["result"] == "planned"
    out = body_of(fg.invoke(timer_event(json.dumps({"action": "stop", "dryRun": False}))))
    assert out["data"]["server_list"][0]["result"] == "planned"
    assert [r for r in fg.cloud.requests if r.method == "POST"] == []


def test_an_events_dry_run_is_always_honoured(fg):
    setup_fleet(fg.cloud)
    fg.start({"clusterId": C1, "apigActions": "hibernate"})
    for ev in ({"action": "hibernate", "dryRun": True},
               timer_event(json.dumps({"action": "hibernate", "dryRun": True})),
               apig({"action": "hibernate", "dryRun": True})):
        out = body_of(fg.invoke(ev))
        assert out["data"]["cluster_list"][0]["result"] == "planned", out
    assert [r for r in fg.cloud.requests if r.method == "POST"] == []


def test_cli_attack_from_the_issue_sends_no_stop(fg, tmp_path):
    """`action=status dryRun=true serverIds=srv-1 bootstrap invoke '{...HARD stop...}'`"""
    import subprocess
    from conftest import TOKEN, base_env
    setup_fleet(fg.cloud)
    env = base_env({"action": "status", "dryRun": "true", "serverIds": S1, "token": TOKEN,
                    "cceEndpoint": fg.cloud.url, "ecsEndpoint": fg.cloud.url})
    r = subprocess.run([fg.binary, "invoke", json.dumps(
        {"action": "stop", "dryRun": False, "type": "HARD", "serverIds": S1})],
        env=env, capture_output=True, timeout=60)
    out = json.loads(r.stdout)
    assert out["data"]["server_list"][0]["result"] == "planned", out
    assert TOKEN.encode() not in r.stdout + r.stderr
    assert [q for q in fg.cloud.requests if q.method == "POST"] == []


@pytest.mark.parametrize("b64", [True, False])
def test_events_over_max_event_bytes_are_refused_unparsed(fg, b64):
    setup_fleet(fg.cloud)
    fg.start({"clusterId": C1, "maxEventBytes": "2048"})
    big = {"action": "status", "pad": "x" * 3000}
    res = fg.invoke(apig(big, b64=b64))
    assert res.kind == "error" and res.json["errorType"] == "InvalidEvent"
    assert "maxEventBytes (2048)" in res.json["errorMessage"]
    res = fg.invoke({"action": "status", "clusterId": C1, "pad": "y" * 2100})
    assert res.json["errorType"] == "InvalidEvent"
    assert fg.cloud.requests == []
    served_after(fg)


def test_the_default_max_event_bytes_is_128_kib(fg):
    setup_fleet(fg.cloud)
    fg.start({"clusterId": C1})
    res = fg.invoke({"action": "status", "pad": "z" * (128 * 1024)})
    assert res.json["errorType"] == "InvalidEvent" and "131072" in res.json["errorMessage"]
    res = fg.invoke({"action": "status", "pad": "z" * (120 * 1024)})
    assert res.kind == "response"


@pytest.mark.parametrize("key,value,word", [
    ("apigActions", "status,fly", "apigActions"),
    ("maxEventBytes", "12", "maxEventBytes"),
    ("maxEventBytes", "7000000", "maxEventBytes"),
    ("cceEndpoint", "http://10.0.0.1", "allowInsecureHttp"),
    ("ecsEndpoint", "http://cloud.example.com:8080/x", "allowInsecureHttp"),
])
def test_bad_trust_configuration_is_a_config_error_and_nothing_is_sent(fg, key, value, word):
    fg.start({key: value, "clusterId": C1})
    res = fg.invoke({"action": "status"})
    assert res.json["errorType"] == "ConfigError" and word in res.json["errorMessage"]
    assert fg.cloud.requests == []


def test_plain_http_beyond_loopback_is_accepted_when_allowed(fg):
    # Accepted: the invocation gets past the configuration (here to an unknown action, so
    # nothing is sent anywhere: this sandbox must not reach a non-loopback address).
    fg.start({"cceEndpoint": "http://10.0.0.1", "allowInsecureHttp": "true"})
    res = fg.invoke({"action": "fly"})
    assert res.json["errorType"] == "UnknownAction"
    assert fg.cloud.requests == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1",
                                 "http://127.8.9.10"])
def test_plain_http_to_loopback_needs_no_switch(fg, url):
    fg.start({"cceEndpoint": url})
    res = fg.invoke({"action": "fly"})
    assert res.json["errorType"] == "UnknownAction"


def test_events_may_not_set_the_trust_keys(fg):
    fg.start({"clusterId": C1})
    for key, value in (("apigActions", "stop"), ("maxEventBytes", 99999999),
                       ("allowInsecureHttp", True)):
        res = fg.invoke({"action": "status", key: value})
        assert res.json["errorType"] == "InvalidEvent" and key in res.json["errorMessage"]
    assert fg.cloud.requests == []
