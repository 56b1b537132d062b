"""ECS start/stop/status, the combined cluster flows, and every credential kind,
checked on both sides: the answer, and the requests the fake cloud received
(whose AK/SK signatures it verifies with its own implementation)."""
import json

from conftest import AK, PROJECT, SEC_AK, SEC_TOKEN, SK, TOKEN, body_of, refused, timer_event

C1 = "11111111-2222-3333-4444-555555555555"
ACTION = "/v1/%s/cloudservers/action" % PROJECT


def sid(i):
    return "00000000-0000-4000-8000-%012d" % i


def add_servers(cloud, n, status="ACTIVE", start=0, tags=None):
    for i in range(start, start + n):
        cloud.add_server(sid(i), "vm-%d" % i, status=status, tags=tags)
    return [sid(i) for i in range(start, start + n)]


def cluster_with_nodes(cloud, ids, cluster=C1, phase="Available"):
    cloud.add_cluster(cluster, "prod", phase=phase,
                      nodes=[{"name": "node-%d" % i, "serverId": s} for i, s in enumerate(ids)])


def batches(cloud):
    return [r.json for r in cloud.requests_matching("POST", r"/cloudservers/action$")]


def results(out):
    return {s["server_id"]: s["result"] for s in out["data"]["server_list"]}


def test_2500_servers_of_a_cluster_are_stopped_in_3_batches(fg):
    ids = add_servers(fg.cloud, 2500)
    cluster_with_nodes(fg.cloud, ids)
    fg.start({"clusterId": C1})
    out = body_of(fg.invoke({"action": "stop"}))
    assert out["status"] == "success", out["message"]
    b = batches(fg.cloud)
    # The batches go out together, so they reach the cloud in any order.
    assert sorted(len(x["os-stop"]["servers"]) for x in b) == [500, 1000, 1000]
    assert all(x["os-stop"]["type"] == "SOFT" for x in b)
    sent = [s["id"] for x in b for s in x["os-stop"]["servers"]]
    assert sorted(sent) == sorted(ids)
    assert len(out["data"]["job_ids"]) == 3
    assert set(results(out).values()) == {"requested"}
    # One node list, three pages of the server list, three batches.
    assert len(fg.cloud.requests_matching("GET", r"/nodes$")) == 1
    pages = fg.cloud.requests_matching("GET", r"/cloudservers/detail$")
    # The first page gives the count; the other two are fetched together, in any order.
    assert pages[0].query["offset"] == ["1"]
    assert sorted(p.query["offset"][0] for p in pages) == ["1", "2", "3"]
    assert all(p.query["limit"] == ["1000"] for p in pages)


def test_only_active_servers_are_stopped_and_the_rest_explained(fg):
    active = add_servers(fg.cloud, 2, "ACTIVE")
    off = add_servers(fg.cloud, 1, "SHUTOFF", start=10)
    err = add_servers(fg.cloud, 1, "ERROR", start=20)
    fg.start()
    out = body_of(fg.invoke({"action": "stop", "serverIds": active + off + err}))
    assert out["status"] == "success"
    rs = {s["server_id"]: s for s in out["data"]["server_list"]}
    assert [rs[i]["result"] for i in active] == ["requested", "requested"]
    assert rs[off[0]]["result"] == "skipped" and rs[off[0]]["reason"] == "already SHUTOFF"
    assert rs[err[0]]["result"] == "skipped" and "ERROR" in rs[err[0]]["reason"]
    assert rs[active[0]]["server_name"] == "vm-0" and rs[active[0]]["status"] == "ACTIVE"
    assert [s["id"] for s in batches(fg.cloud)[0]["os-stop"]["servers"]] == active


def test_rerunning_the_same_timer_event_is_a_no_op_success(fg):
    ids = add_servers(fg.cloud, 3)
    fg.cloud.transition_seconds = 0
    fg.start({"serverIds": ",".join(ids)})
    ev = timer_event(json.dumps({"action": "stop", "wait": True}))
    assert set(results(body_of(fg.invoke(ev))).values()) == {"done"}
    again = body_of(fg.invoke(ev))
    assert again["status"] == "success"
    assert set(results(again).values()) == {"skipped"}
    assert len(batches(fg.cloud)) == 1


def test_wait_reports_each_server_and_a_failed_sub_job(fg):
    ids = add_servers(fg.cloud, 4)
    fg.cloud.fail_server_in_jobs(ids[2])
    fg.cloud.transition_seconds = 0.3
    fg.start()
    res = fg.invoke({"action": "stop", "serverIds": ids, "wait": True})
    assert res.kind == "error"
    out = body_of(res)
    rs = {s["server_id"]: s for s in out["data"]["server_list"]}
    assert [rs[i]["result"] for i in ids] == ["done", "done", "failed", "done"]
    assert "Ecs.0001" in rs[ids[2]]["reason"]
    assert fg.cloud.server(ids[0]) == "SHUTOFF"
    assert fg.cloud.requests_matching("GET", r"/jobs/")


def test_wait_stops_polling_before_the_deadline_and_reports_pending(fg):
    ids = add_servers(fg.cloud, 2, "SHUTOFF")
    fg.cloud.transition_seconds = 60
    fg.start(env={"RUNTIME_TIMEOUT": "4"})
    res = fg.invoke({"action": "start", "serverIds": ids, "wait": True})
    out = body_of(res)
    assert out["status"] == "success"
    assert set(results(out).values()) == {"pending"}
    assert res.t_answered - res.t_delivered < 4.0
    assert len(fg.cloud.requests_matching("GET", r"/jobs/")) >= 1


def test_hard_stop_and_start(fg):
    ids = add_servers(fg.cloud, 2)
    fg.start()
    body_of(fg.invoke({"action": "stop", "serverIds": ids, "type": "hard"}))
    assert batches(fg.cloud)[0]["os-stop"]["type"] == "HARD"
    off = add_servers(fg.cloud, 1, "SHUTOFF", start=50)
    out = body_of(fg.invoke({"action": "start", "serverIds": off}))
    assert batches(fg.cloud)[1] == {"os-start": {"servers": [{"id": off[0]}]}}
    assert results(out) == {off[0]: "requested"}


def test_selectors_combine_as_a_union_listed_once(fg):
    ids = add_servers(fg.cloud, 3)
    tagged = add_servers(fg.cloud, 2, start=10, tags=["env=dev"])
    cluster_with_nodes(fg.cloud, [ids[0], tagged[0]])
    fg.start()
    out = body_of(fg.invoke({"action": "stop", "clusterId": C1, "serverIds": [ids[1], ids[0]],
                             "tags": "env=dev"}))
    listed = [s["server_id"] for s in out["data"]["server_list"]]
    assert sorted(listed) == sorted([ids[0], ids[1]] + tagged)
    assert len(listed) == len(set(listed))
    tag_lists = [r for r in fg.cloud.requests_matching("GET", r"/detail$") if "tags" in r.query]
    assert tag_lists and tag_lists[0].raw_query.endswith("tags=env%3Ddev")


def test_a_listing_that_fails_after_another_queued_its_pages_leaves_nothing_behind(fg):
    """Two tag listings go together. The first needs a second page; the second's first page
    claims a count no listing reaches. The invocation fails with BadResponse, and the first
    listing's second page, already queued, does not linger into the next invocation."""
    add_servers(fg.cloud, 1001, status="SHUTOFF", tags=["team=a"])
    endless = {"count": 10 ** 9,
               "servers": [{"id": sid(5000 + i), "name": "b", "status": "ACTIVE"} for i in range(1000)]}
    fg.cloud.fail("GET", r"/cloudservers/detail$", status=200, body=endless, times=1,
                  query=r"tags=team%3Db")
    fg.start()
    out = body_of(fg.invoke({"action": "stop", "tags": ["team=a", "team=b"]}))
    assert out["status"] == "error" and out["errorType"] == "BadResponse", out
    assert "does not end" in out["errorMessage"], out
    assert batches(fg.cloud) == []
    # The next invocation runs on a clean client: it lists, and only its own pages go out.
    fg.cloud.clear_requests()
    out = body_of(fg.invoke({"action": "status", "tags": "team=a"}))
    assert out["status"] == "success" and len(out["data"]["server_list"]) == 1001, out.get("errorMessage")
    pages = fg.cloud.requests_matching("GET", r"/cloudservers/detail$")
    assert sorted(p.query["offset"][0] for p in pages) == ["1", "2"]


def test_unknown_server_fails_alone(fg):
    ids = add_servers(fg.cloud, 1)
    fg.start()
    res = fg.invoke({"action": "stop", "serverIds": ["ffffffff-0000-0000-0000-000000000000"] + ids})
    assert res.kind == "error"
    rs = results(body_of(res))
    assert rs == {"ffffffff-0000-0000-0000-000000000000": "failed", ids[0]: "requested"}


def test_no_selector_touches_nothing(fg):
    add_servers(fg.cloud, 2)
    fg.start()
    refused(fg, {"action": "stop"}, "InvalidParameter", "no servers selected")


def test_all_servers_only_from_the_configuration(fg):
    ids = add_servers(fg.cloud, 3)
    fg.start({"allServers": "true"})
    out = body_of(fg.invoke({"action": "stop"}))
    assert sorted(results(out)) == sorted(ids)
    res = fg.invoke({"action": "stop", "allServers": True})
    assert res.kind == "error" and res.json["errorType"] == "InvalidEvent"


def test_dry_run_touches_nothing(fg):
    ids = add_servers(fg.cloud, 3)
    cluster_with_nodes(fg.cloud, ids)
    fg.start()
    out = body_of(fg.invoke({"action": "hibernate", "clusterId": C1, "stopNodes": True,
                             "dryRun": True}))
    assert out["status"] == "success" and out["data"]["dry_run"] is True
    assert set(results(out).values()) == {"planned"}
    assert out["data"]["cluster_list"][0]["result"] == "planned"
    assert [r.method for r in fg.cloud.requests] == ["GET"] * len(fg.cloud.requests)
    assert fg.cloud.phase(C1) == "Available"


def test_stop_nodes_stops_every_node_before_the_hibernate(fg):
    ids = add_servers(fg.cloud, 1200)
    cluster_with_nodes(fg.cloud, ids)
    fg.start()
    out = body_of(fg.invoke(timer_event(json.dumps({"action": "hibernate", "clusterId": C1,
                                                    "stopNodes": True}))))
    assert out["status"] == "success", out["message"]
    posts = [r.path for r in fg.cloud.requests if r.method == "POST"]
    assert posts == [ACTION, ACTION, "/api/v3/projects/%s/clusters/%s/operation/hibernate" % (PROJECT, C1)]
    assert out["data"]["cluster_list"][0]["result"] == "requested"
    assert len(out["data"]["server_list"]) == 1200


def test_start_nodes_wakes_the_cluster_then_starts_the_nodes(fg):
    ids = add_servers(fg.cloud, 3, "SHUTOFF")
    cluster_with_nodes(fg.cloud, ids, phase="Hibernation")
    fg.start({"clusterId": C1, "startNodes": "true"})
    out = body_of(fg.invoke({"action": "awake"}))
    assert out["status"] == "success"
    posts = [r.path for r in fg.cloud.requests if r.method == "POST"]
    assert posts == ["/api/v3/projects/%s/clusters/%s/operation/awake" % (PROJECT, C1), ACTION]
    assert set(results(out).values()) == {"requested"}


def test_status_is_read_only(fg):
    ids = add_servers(fg.cloud, 2)
    cluster_with_nodes(fg.cloud, ids, phase="Hibernation")
    fg.start()
    out = body_of(fg.invoke({"action": "status", "clusterId": C1}))
    assert out["status"] == "success"
    assert out["data"]["cluster_list"][0]["phase"] == "Hibernation"
    assert {s["server_id"]: s["status"] for s in out["data"]["server_list"]} == {i: "ACTIVE" for i in ids}
    assert all(r.method == "GET" for r in fg.cloud.requests)


# --- credentials -------------------------------------------------------------------------

def signed(req):
    return req.header("Authorization", "").startswith("SDK-HMAC-SHA256 Access=")


def test_agency_token_comes_first(fg):
    ids = add_servers(fg.cloud, 1)
    fg.start()
    assert body_of(fg.invoke({"action": "stop", "serverIds": ids}))["status"] == "success"
    assert all(r.header("X-Auth-Token") == TOKEN and not signed(r) for r in fg.cloud.requests)


def test_temporary_keys_sign_with_the_security_token(fg):
    ids = add_servers(fg.cloud, 1)
    fg.start()
    hdr = {"X-CFF-Security-Access-Key": SEC_AK, "X-CFF-Security-Secret-Key": "secsk-5ecret-EXAMPLE-0123456789",
           "X-CFF-Security-Token": SEC_TOKEN}
    out = body_of(fg.invoke({"action": "stop", "serverIds": ids}, headers=hdr))
    assert out["status"] == "success", out
    for r in fg.cloud.requests:
        assert r.auth == "aksk" and r.header("X-Auth-Token") is None
        assert "Access=%s," % SEC_AK in r.header("Authorization")
        assert "x-security-token" in r.header("Authorization")
        assert r.header("X-Security-Token") == SEC_TOKEN
        assert r.header("X-Project-Id") == PROJECT


def test_plain_agency_keys_with_the_security_token(fg):
    ids = add_servers(fg.cloud, 1)
    fg.start()
    hdr = {"X-CFF-Access-Key": SEC_AK, "X-CFF-Secret-Key": "secsk-5ecret-EXAMPLE-0123456789",
           "X-CFF-Security-Token": SEC_TOKEN}
    assert body_of(fg.invoke({"action": "stop", "serverIds": ids}, headers=hdr))["status"] == "success"
    # The canned 503s are not checked; the retried GET and the operation verify.
    assert [r.auth for r in fg.cloud.requests[-2:]] == ["aksk", "aksk"]


def test_configured_ak_sk_sign_requests(fg):
    ids = add_servers(fg.cloud, 1)
    fg.start({"ak": AK, "sk": SK})
    out = body_of(fg.invoke({"action": "stop", "serverIds": ids}, headers={}))
    assert out["status"] == "success", out
    for r in fg.cloud.requests:
        assert r.auth == "aksk" and "Access=%s," % AK in r.header("Authorization")
        assert r.header("X-Security-Token") is None


def test_auth_aksk_forces_signing_even_with_a_token(fg):
    ids = add_servers(fg.cloud, 1)
    fg.start({"ak": AK, "sk": SK, "auth": "aksk"})
    assert body_of(fg.invoke({"action": "stop", "serverIds": ids}))["status"] == "success"
    assert all(signed(r) and r.header("X-Auth-Token") is None for r in fg.cloud.requests)


def test_auth_token_without_a_token_is_a_clear_error(fg):
    fg.start({"ak": AK, "sk": SK, "auth": "token"})
    refused(fg, {"action": "stop", "serverIds": [sid(1)]}, "NoCredentials", "", headers={})


def test_no_credentials_names_both_fixes(fg):
    fg.start()
    obj = refused(fg, {"action": "stop", "serverIds": [sid(1)]}, "NoCredentials", "agency", headers={})
    assert "ak and sk" in obj["errorMessage"]


def test_a_bad_signature_is_reported_as_the_gateway_says(fg):
    ids = add_servers(fg.cloud, 1)
    fg.start({"ak": AK, "sk": "sk-5ecret-WRONG-0123456789abcdef"})
    res = fg.invoke({"action": "stop", "serverIds": ids}, headers={})
    assert res.kind == "error"
    # The listing the action depends on was refused: the whole action is a CloudError.
    assert res.json["errorType"] == "CloudError" and "APIGW.0301" in res.json["errorMessage"]
    assert batches(fg.cloud) == []


def test_a_signed_retry_sends_the_same_host(fg):
    fg.cloud.add_cluster(C1, "a")
    fg.cloud.fail("GET", r"/clusters/", status=503, times=2)
    fg.start({"ak": AK, "sk": SK})
    out = body_of(fg.invoke({"action": "hibernate", "clusterId": C1}, headers={}))
    assert out["status"] == "success", out
    host = fg.cloud.url.split("://", 1)[1]
    gets = [r for r in fg.cloud.requests if r.method == "GET"]
    assert len(gets) == 3
    assert [r.header("Host") for r in fg.cloud.requests] == [host] * len(fg.cloud.requests)
    # The canned 503s are not checked; the retried GET and the operation verify.
    assert [r.auth for r in fg.cloud.requests[-2:]] == ["aksk", "aksk"]


def test_cce_calls_are_signed_too(fg):
    fg.cloud.add_cluster(C1, "a")
    fg.start({"ak": AK, "sk": SK})
    out = body_of(fg.invoke({"action": "hibernate", "clusterId": C1}, headers={}))
    assert out["status"] == "success", out
    assert [r.auth for r in fg.cloud.requests] == ["aksk", "aksk"]


def test_seed_endpoint_alias_and_region_for_ecs(fg):
    ids = add_servers(fg.cloud, 1)
    first = fg.start({"ecsEndpoint": None, "endpoint": fg.cloud.url})
    assert body_of(fg.invoke({"action": "stop", "serverIds": ids}))["status"] == "success"
    assert first.stop() == 0
    fg.start({"ecsEndpoint": None, "region": "la-south-2", "domain": "fgboot-test.invalid"},
             env={"RUNTIME_TIMEOUT": "4"})
    res = fg.invoke({"action": "status", "serverIds": ids})
    assert res.kind == "error"
    assert "https://ecs.la-south-2.fgboot-test.invalid/v1/%s/cloudservers/detail" % PROJECT \
        in res.json["errorMessage"]
