"""Every ready-made event in events/ runs through the emulator against the fake
cloud. The files hold placeholder ids (<cluster-id>, <server-id-N>, see
events/README.md); they are mapped onto the fakes here, inside Base64 APIG
bodies too. Each file has exactly one case below, and each case checks what
reached the cloud."""
import base64
import json
import pathlib

import pytest

from conftest import PROJECT, body_of

EVENTS = pathlib.Path(__file__).resolve().parents[2] / "events"
C1 = "11111111-2222-3333-4444-555555555555"
CLUSTER = "/api/v3/projects/%s/clusters/%s" % (PROJECT, C1)
ACTION = "/v1/%s/cloudservers/action" % PROJECT
NODES = ["00000000-0000-4000-8000-00000000000%d" % i for i in range(3)]
PLACEHOLDERS = {"<cluster-id>": C1, "<server-id-1>": NODES[0], "<server-id-2>": NODES[1]}


def substitute(text):
    for k, v in PLACEHOLDERS.items():
        text = text.replace(k, v)
    return text


def load(name):
    ev = json.loads(substitute((EVENTS / name).read_text()))
    if ev.get("isBase64Encoded"):
        body = substitute(base64.b64decode(ev["body"]).decode())
        ev["body"] = base64.b64encode(body.encode()).decode()
    return ev


def prepare(cloud, phase="Available", server_status="ACTIVE"):
    for i, s in enumerate(NODES):
        cloud.add_server(s, "node-vm-%d" % i, status=server_status)
    cloud.add_cluster(C1, "prod", phase=phase,
                      nodes=[{"name": "node-%d" % i, "serverId": s} for i, s in enumerate(NODES)])


def posts(cloud):
    return [(r.path, r.json) for r in cloud.requests if r.method == "POST"]


def results(out):
    return {s["server_id"]: s["result"] for s in out["data"].get("server_list", [])}


def case_hibernate(fg, out):
    assert out["data"]["cluster_list"][0]["result"] == "requested"
    assert [p for p, _ in posts(fg.cloud)] == [CLUSTER + "/operation/hibernate"]
    assert fg.cloud.phase(C1) in ("Hibernating", "Hibernation")


def case_awake_start_nodes(fg, out):
    assert out["data"]["cluster_list"][0]["result"] == "requested"
    sent = posts(fg.cloud)
    assert [p for p, _ in sent] == [CLUSTER + "/operation/awake", ACTION]
    assert sorted(s["id"] for s in sent[1][1]["os-start"]["servers"]) == sorted(NODES)


def case_stop_cluster_nodes_hard(fg, out):
    sent = posts(fg.cloud)
    assert [p for p, _ in sent] == [ACTION]
    assert sent[0][1]["os-stop"]["type"] == "HARD"
    assert sorted(s["id"] for s in sent[0][1]["os-stop"]["servers"]) == sorted(NODES)
    assert not fg.cloud.requests_matching("POST", r"/operation/")


def case_start_servers(fg, out):
    sent = posts(fg.cloud)
    assert sent == [(ACTION, {"os-start": {"servers": [{"id": NODES[0]}, {"id": NODES[1]}]}})]
    assert results(out) == {NODES[0]: "requested", NODES[1]: "requested"}
    assert not fg.cloud.requests_matching(None, r"/clusters/")


def case_status(fg, out):
    assert out["data"]["cluster_list"][0]["result"] == "listed"
    assert set(results(out).values()) == {"listed"}
    assert NODES[0] in results(out)
    assert posts(fg.cloud) == []


def case_dry_run(fg, out):
    assert out["data"]["dry_run"] is True
    assert out["data"]["cluster_list"][0]["result"] == "planned"
    assert set(results(out).values()) == {"planned"}
    assert posts(fg.cloud) == []
    assert fg.cloud.phase(C1) == "Available"


def case_timer_hibernate(fg, out):
    sent = [p for p, _ in posts(fg.cloud)]
    assert sent == [ACTION, CLUSTER + "/operation/hibernate"]
    assert out["data"]["cluster_list"][0]["result"] == "requested"


def case_apig_status(fg, out):
    assert posts(fg.cloud) == []
    assert out["data"]["cluster_list"][0]["cluster_id"] == C1
    assert out["data"]["cluster_list"][0]["result"] == "listed"


# The schedule events' configuration: the servers carry the tag fgboot-schedule=office.
OFFICE = {"schedules": json.dumps({"office": {"timezone": "Europe/Paris", "periods": [
    {"weekdays": "mon-fri", "begin": "08:00", "end": "18:15"}]}})}


def tag_office(cloud, status):
    for i, s in enumerate(NODES):
        cloud.add_server(s, "node-vm-%d" % i, status=status, tags=["fgboot-schedule=office"])


def case_schedule(fg, out):
    # The timer fired 5 minutes after opening (Tuesday 08:05 in Paris): the servers start.
    assert out["data"]["schedule_time"] == "2026-12-01T07:05:00Z"
    assert set(results(out).values()) == {"requested"}
    assert {s["desired"] for s in out["data"]["server_list"]} == {"running"}
    sent = posts(fg.cloud)
    assert [p for p, _ in sent] == [ACTION]
    assert sorted(s["id"] for s in sent[0][1]["os-start"]["servers"]) == sorted(NODES)


def case_schedule_dry_run_at(fg, out):
    # What would happen at 18:15 in Paris: every server would be stopped; nothing is.
    assert out["data"]["dry_run"] is True
    assert out["data"]["schedule_time"] == "2026-12-01T17:15:00Z"
    assert set(results(out).values()) == {"planned"}
    assert posts(fg.cloud) == []


SCHEDULED = {"schedule.json": "SHUTOFF", "schedule-dry-run-at.json": "ACTIVE"}

# file -> (cluster phase, server status, check, wrapped in the APIG envelope)
CASES = {
    "hibernate.json": ("Available", "ACTIVE", case_hibernate, False),
    "awake-start-nodes.json": ("Hibernation", "SHUTOFF", case_awake_start_nodes, False),
    "stop-cluster-nodes-hard.json": ("Available", "ACTIVE", case_stop_cluster_nodes_hard, False),
    "start-servers.json": ("Hibernation", "SHUTOFF", case_start_servers, False),
    "status.json": ("Available", "ACTIVE", case_status, False),
    "dry-run.json": ("Available", "ACTIVE", case_dry_run, False),
    "timer-hibernate.json": ("Available", "ACTIVE", case_timer_hibernate, False),
    "apig-status.json": ("Hibernation", "ACTIVE", case_apig_status, True),
    "schedule.json": ("Available", "SHUTOFF", case_schedule, False),
    "schedule-dry-run-at.json": ("Available", "ACTIVE", case_schedule_dry_run_at, False),
}


def test_every_event_file_has_a_case_and_placeholders_only():
    files = sorted(p.name for p in EVENTS.glob("*.json"))
    assert files == sorted(CASES)
    for name in files:
        text = (EVENTS / name).read_text()
        json.loads(text)
        for hex_id in (C1,) + tuple(NODES):
            assert hex_id not in text, "%s holds a real-looking id; use a placeholder" % name


@pytest.mark.parametrize("name", sorted(CASES))
def test_event_file_runs_against_the_fake_cloud(fg, name):
    phase, status, check, apig = CASES[name]
    prepare(fg.cloud, phase, status)
    if name in SCHEDULED:
        tag_office(fg.cloud, SCHEDULED[name])
    # An API Gateway event acts on the configured targets only (the default trust rules).
    fg.start({"clusterId": C1} if apig else OFFICE if name in SCHEDULED else None)
    res = fg.invoke(load(name))
    assert res.kind == "response", res.body[:500]
    if apig:
        assert res.json["statusCode"] == 200 and res.json["isBase64Encoded"] is False
    out = body_of(res)
    assert out["status"] == "success", out.get("message")
    check(fg, out)


def test_placeholders_left_in_are_refused_before_any_cloud_call(fg):
    fg.start()
    res = fg.invoke(json.loads((EVENTS / "hibernate.json").read_text()))
    assert res.kind == "error"
    assert res.json["errorType"] == "InvalidParameter", res.json
    assert "[A-Za-z0-9._-]" in res.json["errorMessage"], res.json
    assert fg.cloud.requests == []
