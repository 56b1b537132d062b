"""The schedule action against the fake cloud: boundaries act, hand-made changes are kept until
the next boundary, enforced schedules restore, the interval that places the previous run,
overrides and their expiry, skip, custom tag keys, unknown names, holidays, retried timer events,
10,000 servers in one sweep, clusters with their nodes (hibernating and waking), bad settings, and
the static binary's embedded zones with no zoneinfo on the host."""
import json
import os
import shutil
import subprocess

import pytest

from conftest import PROJECT, ROOT, TOKEN, base_env, body_of

C1 = "11111111-2222-3333-4444-555555555555"
STATIC = str(ROOT / "bootstrap")
SCHEDULES = {
    "office": {"timezone": "Europe/Paris",
               "periods": [{"weekdays": "mon-fri", "begin": "08:00", "end": "18:00"}],
               "holidays": ["2026-12-25"]},
    "strict": {"periods": [{"weekdays": "mon-fri", "begin": "08:00", "end": "18:00"}],
               "enforced": True},
    "night": {"timezone": "Asia/Shanghai", "periods": [{"begin": "22:00", "end": "06:00"}]},
}
# Tuesday 2026-12-01: Paris is UTC+1, so office hours are 07:00Z-17:00Z.
BOUNDARY = "2026-12-01T07:05:00Z"   # 5 minutes after opening: P = 06:55Z
MIDDAY = "2026-12-01T11:00:00Z"
NIGHT = "2026-12-01T20:00:00Z"


def sid(i):
    return "00000000-0000-4000-8000-%012d" % i


def config(extra=None):
    ud = {"schedules": json.dumps(SCHEDULES)}
    ud.update(extra or {})
    return ud


def run(fg, at=None, extra=None, event=None):
    if not fg.boots:
        fg.start(config(extra))
    ev = event or {"action": "schedule"}
    if at is not None:
        ev = dict(ev, at=at)
    return body_of(fg.invoke(ev))


def servers(out):
    return {s["server_id"]: s for s in out["data"]["server_list"]}


def batches(cloud, op=None):
    b = [r.json for r in cloud.requests_matching("POST", r"/cloudservers/action$")]
    return [x for x in b if op is None or op in x]


def tagged(schedule, override=None):
    t = ["fgboot-schedule=%s" % schedule, "owner=ops"]
    return t + (["fgboot-override=%s" % override] if override else [])


def test_a_boundary_starts_what_is_off_and_skips_what_is_on(fg):
    fg.cloud.add_server(sid(1), "off", "SHUTOFF", tagged("office"))
    fg.cloud.add_server(sid(2), "on", "ACTIVE", tagged("office"))
    fg.cloud.add_server(sid(3), "untagged", "SHUTOFF", ["owner=ops"])
    out = run(fg, BOUNDARY)
    assert out["status"] == "success", out
    assert out["action"] == "schedule"
    assert out["data"]["schedule_time"] == "2026-12-01T07:05:00Z"
    s = servers(out)
    assert set(s) == {sid(1), sid(2)}
    assert s[sid(1)]["result"] == "requested" and s[sid(1)]["desired"] == "running"
    assert s[sid(1)]["schedule"] == "office"
    assert s[sid(2)]["result"] == "skipped" and s[sid(2)]["reason"] == "already ACTIVE"
    assert [[x["id"] for x in b["os-start"]["servers"]] for b in batches(fg.cloud)] == [[sid(1)]]
    # One tag-filtered sweep.
    pages = fg.cloud.requests_matching("GET", r"/cloudservers/detail$")
    assert len(pages) == 1 and pages[0].query["tags"] == ["fgboot-schedule"]


def test_mid_period_keeps_hand_made_changes_but_enforced_restores(fg):
    fg.cloud.add_server(sid(1), "stopped-by-hand", "SHUTOFF", tagged("office"))
    fg.cloud.add_server(sid(2), "stopped-by-hand-strict", "SHUTOFF", tagged("strict"))
    fg.cloud.add_server(sid(3), "started-at-night", "ACTIVE", tagged("office"))
    out = run(fg, MIDDAY)
    s = servers(out)
    assert s[sid(1)]["result"] == "kept"
    assert s[sid(1)]["reason"] == "changed by hand since the last boundary"
    assert s[sid(2)]["result"] == "requested"
    assert s[sid(3)]["result"] == "skipped"
    out = run(fg, NIGHT)
    s = servers(out)
    assert s[sid(3)]["result"] == "kept" and s[sid(3)]["desired"] == "stopped"
    assert [b for b in batches(fg.cloud, "os-stop")] == []


@pytest.mark.parametrize("interval,at,result", [
    # P = 07:04Z: office hours had already begun, no boundary. (With the default 10, P = 06:55Z
    # and the same instant is a boundary: test_a_boundary_starts_what_is_off_and_skips_what_is_on.)
    ("1", BOUNDARY, "kept"),
    # P = Monday 07:05Z, office hours too: no boundary.
    ("1440", BOUNDARY, "kept"),
    # P = 06:30Z, before opening: a boundary (with the default 10, P = 07:20Z and it is kept).
    ("60", "2026-12-01T07:30:00Z", "requested"),
])
def test_schedule_interval_places_the_previous_run(fg, interval, at, result):
    fg.cloud.add_server(sid(1), "stopped-by-hand", "SHUTOFF", tagged("office"))
    out = run(fg, at, {"scheduleInterval": interval})
    assert out["status"] == "success", out
    s = servers(out)[sid(1)]
    assert (s["result"], s["schedule"], s["desired"]) == (result, "office", "running")
    started = [[x["id"] for x in b["os-start"]["servers"]] for b in batches(fg.cloud)]
    if result == "kept":
        assert s["reason"] == "changed by hand since the last boundary"
        assert fg.cloud.requests_matching("POST") == [] and started == []
    else:
        assert started == [[sid(1)]]


def test_the_closing_boundary_stops_with_the_configured_type(fg):
    fg.cloud.add_server(sid(1), "a", "ACTIVE", tagged("office"))
    out = run(fg, "2026-12-01T17:09:59Z", {"type": "HARD"})
    assert servers(out)[sid(1)]["result"] == "requested"
    assert batches(fg.cloud) == [{"os-stop": {"type": "HARD", "servers": [{"id": sid(1)}]}}]


def test_overrides_skip_and_expiry(fg):
    fg.cloud.add_server(sid(1), "late", "SHUTOFF", tagged("office", "running-until-20261201T2200"))
    fg.cloud.add_server(sid(2), "expired", "ACTIVE", tagged("office", "running-until-20261201T1900"))
    fg.cloud.add_server(sid(3), "frozen", "ACTIVE", tagged("office", "skip"))
    fg.cloud.add_server(sid(4), "bad", "ACTIVE", tagged("office", "forever"))
    fg.cloud.add_server(sid(5), "paused", "ACTIVE", tagged("office", "stopped-until-20261202T0000"))
    out = run(fg, NIGHT)
    s = servers(out)
    assert s[sid(1)]["result"] == "requested" and s[sid(1)]["desired"] == "running"
    assert s[sid(2)]["result"] == "kept" and s[sid(2)]["desired"] == "stopped"
    assert s[sid(3)]["result"] == "skipped" and s[sid(3)]["reason"] == "override: skip"
    assert s[sid(4)]["result"] == "failed" and "override" in s[sid(4)]["reason"]
    # stopped-until: wanted stopped, enforced, so the running server is stopped now.
    assert s[sid(5)]["result"] == "requested" and s[sid(5)]["desired"] == "stopped"
    assert out["status"] == "error"  # the malformed override failed that server only
    started = [x["id"] for b in batches(fg.cloud, "os-start") for x in b["os-start"]["servers"]]
    assert started == [sid(1)]
    stopped = [x["id"] for b in batches(fg.cloud, "os-stop") for x in b["os-stop"]["servers"]]
    assert sid(5) in stopped


def test_an_override_stops_during_office_hours(fg):
    fg.cloud.add_server(sid(1), "paused", "ACTIVE", tagged("office", "stopped-until-20261202T0000"))
    s = servers(run(fg, MIDDAY))
    assert s[sid(1)]["result"] == "requested" and s[sid(1)]["desired"] == "stopped"


def test_custom_schedule_and_override_tag_keys(fg):
    fg.cloud.add_server(sid(1), "planned", "SHUTOFF", ["team-plan=office", "owner=ops"])
    fg.cloud.add_server(sid(2), "held", "SHUTOFF", ["team-plan=office", "team-hold=skip"])
    fg.cloud.add_server(sid(3), "default-override-key", "SHUTOFF",
                        ["team-plan=office", "fgboot-override=skip"])
    fg.cloud.add_server(sid(4), "default-schedule-key", "SHUTOFF", tagged("office"))
    fg.cloud.add_server(sid(5), "paused", "SHUTOFF",
                        ["team-plan=office", "team-hold=stopped-until-20261201T2200"])
    out = run(fg, BOUNDARY, {"scheduleTag": "team-plan", "overrideTag": "team-hold"})
    assert out["status"] == "success", out
    # One sweep filtered on the custom key: the server with only fgboot-schedule is not listed.
    pages = fg.cloud.requests_matching("GET", r"/cloudservers/detail$")
    assert len(pages) == 1 and pages[0].query["tags"] == ["team-plan"]
    s = servers(out)
    assert set(s) == {sid(1), sid(2), sid(3), sid(5)}
    assert (s[sid(1)]["result"], s[sid(1)]["schedule"], s[sid(1)]["desired"]) == \
        ("requested", "office", "running")
    assert s[sid(2)]["result"] == "skipped" and s[sid(2)]["reason"] == "override: skip"
    # fgboot-override is just another tag once overrideTag names another key.
    assert s[sid(3)]["result"] == "requested"
    # The override on team-hold wants it stopped: it is, so nothing to do.
    assert (s[sid(5)]["result"], s[sid(5)]["desired"], s[sid(5)]["reason"]) == \
        ("skipped", "stopped", "already SHUTOFF")
    started = [sorted(x["id"] for x in b["os-start"]["servers"]) for b in batches(fg.cloud)]
    assert started == [[sid(1), sid(3)]]


def test_unknown_schedule_fails_that_server_only(fg):
    fg.cloud.add_server(sid(1), "typo", "SHUTOFF", tagged("ofice"))
    fg.cloud.add_server(sid(2), "ok", "SHUTOFF", tagged("office"))
    out = run(fg, BOUNDARY)
    s = servers(out)
    assert s[sid(1)]["result"] == "failed" and s[sid(1)]["reason"] == "unknown schedule 'ofice'"
    assert s[sid(2)]["result"] == "requested"
    assert out["status"] == "error"


def test_a_holiday_stops_all_day(fg):
    fg.cloud.add_server(sid(1), "a", "SHUTOFF", tagged("office"))
    out = run(fg, "2026-12-25T07:05:00Z")  # a Friday, but a holiday
    assert servers(out)[sid(1)]["result"] == "skipped"
    assert servers(out)[sid(1)]["desired"] == "stopped"
    assert batches(fg.cloud) == []


def test_a_retried_timer_event_acts_once(fg):
    fg.cloud.transition_seconds = 5
    fg.cloud.add_server(sid(1), "a", "SHUTOFF", tagged("office"))
    fg.start(config())
    ev = {"version": "v1.0", "time": "2026-12-01T08:05:00+01:00", "trigger_type": "TIMER",
          "trigger_name": "schedule", "user_event": "schedule"}
    first = body_of(fg.invoke(ev))
    again = body_of(fg.invoke(ev))
    assert first["data"]["schedule_time"] == again["data"]["schedule_time"] == "2026-12-01T07:05:00Z"
    assert servers(first)[sid(1)]["result"] == "requested"
    assert servers(again)[sid(1)]["result"] == "skipped"
    assert len(batches(fg.cloud)) == 1


def test_dry_run_plans(fg):
    fg.cloud.add_server(sid(1), "a", "SHUTOFF", tagged("office"))
    out = run(fg, BOUNDARY, event={"action": "schedule", "dryRun": True})
    assert servers(out)[sid(1)]["result"] == "planned"
    assert out["data"]["dry_run"] is True
    assert batches(fg.cloud) == []


def test_10000_servers_one_sweep_and_ten_batches(fg):
    for i in range(10000):
        fg.cloud.add_server(sid(i), "vm-%d" % i, "SHUTOFF" if i % 2 else "ACTIVE",
                            tagged("office" if i % 4 < 2 else "night"))
    out = run(fg, BOUNDARY)  # office opens (starts 2,500); night closes at 06:00 Shanghai (22:00Z): nothing
    assert out["status"] == "success", out["message"]
    pages = fg.cloud.requests_matching("GET", r"/cloudservers/detail$")
    assert len(pages) == 10
    starts = batches(fg.cloud, "os-start")
    assert 1 <= len(starts) <= 10 and batches(fg.cloud, "os-stop") == []
    assert sum(len(b["os-start"]["servers"]) for b in starts) == 2500
    assert len(out["data"]["server_list"]) == 10000


def test_clusters_hibernate_with_their_nodes_at_the_boundary(fg):
    nodes = [sid(100), sid(101)]
    for n in nodes:
        fg.cloud.add_server(n, "node", "ACTIVE", tagged("office"))
    fg.cloud.add_cluster(C1, "prod", nodes=[{"serverId": n} for n in nodes])
    out = run(fg, "2026-12-01T17:05:00Z", {"clusterSchedules": json.dumps({C1: "office"})})
    assert out["status"] == "success", out["message"]
    cl = out["data"]["cluster_list"]
    assert [(c["cluster_id"], c["result"], c["schedule"], c["desired"]) for c in cl] == \
        [(C1, "requested", "office", "stopped")]
    stops = batches(fg.cloud, "os-stop")
    assert len(stops) == 1 and sorted(x["id"] for x in stops[0]["os-stop"]["servers"]) == nodes
    assert len(fg.cloud.requests_matching("POST", r"/hibernate$")) == 1
    # The node servers, reported with their cluster, carry its schedule and desired state.
    sv = servers(out)
    assert sorted(sv) == nodes
    assert {(x["schedule"], x["desired"], x["result"]) for x in sv.values()} == \
        {("office", "stopped", "requested")}


def test_a_hibernated_cluster_wakes_then_its_nodes_start_at_the_boundary(fg):
    nodes = [sid(100), sid(101)]
    for n in nodes:
        fg.cloud.add_server(n, "node", "SHUTOFF", tagged("office"))
    fg.cloud.add_cluster(C1, "prod", phase="Hibernation", nodes=[{"serverId": n} for n in nodes])
    out = run(fg, BOUNDARY, {"clusterSchedules": json.dumps({C1: "office"})})
    assert out["status"] == "success", out["message"]
    cl = out["data"]["cluster_list"]
    assert [(c["cluster_id"], c["result"], c["schedule"], c["desired"]) for c in cl] == \
        [(C1, "requested", "office", "running")]
    # The cluster is asked to wake, then (scheduleNodes, on by default) its nodes are started,
    # once: not again as tagged servers.
    posts = [r.path for r in fg.cloud.requests_matching("POST")]
    assert posts == ["/api/v3/projects/%s/clusters/%s/operation/awake" % (PROJECT, C1),
                     "/v1/%s/cloudservers/action" % PROJECT]
    assert [sorted(x["id"] for x in b["os-start"]["servers"]) for b in batches(fg.cloud)] == [nodes]
    sv = servers(out)
    assert sorted(sv) == nodes
    assert {(x["schedule"], x["desired"], x["result"]) for x in sv.values()} == \
        {("office", "running", "requested")}


def test_node_servers_are_left_to_their_cluster_even_without_schedule_nodes(fg):
    """scheduleNodes=false: the cluster hibernates alone, and its node servers, though tagged
    with a schedule, are not handled again on their own."""
    nodes = [sid(100), sid(101)]
    for n in nodes:
        fg.cloud.add_server(n, "node", "ACTIVE", tagged("office"))
    fg.cloud.add_server(sid(1), "plain", "ACTIVE", tagged("office"))
    fg.cloud.add_cluster(C1, "prod", nodes=[{"serverId": n} for n in nodes])
    out = run(fg, "2026-12-01T17:05:00Z", {"clusterSchedules": json.dumps({C1: "office"}),
                                           "scheduleNodes": "false"})
    assert out["status"] == "success", out["message"]
    assert out["data"]["cluster_list"][0]["result"] == "requested"
    assert sorted(servers(out)) == [sid(1)]
    stops = batches(fg.cloud, "os-stop")
    assert [[x["id"] for x in b["os-stop"]["servers"]] for b in stops] == [[sid(1)]]


def test_unknown_cluster_schedule_fails_that_cluster_only(fg):
    fg.cloud.add_cluster(C1, "prod")
    fg.cloud.add_server(sid(1), "a", "SHUTOFF", tagged("office"))
    out = run(fg, BOUNDARY, {"clusterSchedules": json.dumps({C1: "nope"}), "scheduleNodes": "false"})
    assert out["data"]["cluster_list"][0]["result"] == "failed"
    assert servers(out)[sid(1)]["result"] == "requested"


@pytest.mark.parametrize("bad,needle", [
    ({"x": {"periods": [{"begin": "08:00", "end": "08:00"}]}}, "'x': periods[0].end"),
    ({"x": {"timezone": "Europe/Pariss", "periods": [{}]}}, "'x': timezone"),
    ({"x": {"periods": [{"weekdays": "mon-fry"}]}}, "'x': periods[0].weekdays"),
    ({"x": {"periods": [{}], "color": "red"}}, "'x': color: unknown field"),
])
def test_a_bad_definition_is_a_config_error(fg, bad, needle):
    fg.start({"schedules": json.dumps(bad)})
    out = body_of(fg.invoke({"action": "schedule"}))
    assert out["status"] == "error" and out["errorType"] == "ConfigError"
    assert needle in out["errorMessage"]


@pytest.mark.parametrize("extra,needle", [
    ({"scheduleInterval": "0"}, "scheduleInterval '0' is not a number of minutes (1 to 1440)"),
    ({"scheduleInterval": "1441"}, "scheduleInterval '1441' is not a number of minutes (1 to 1440)"),
    ({"scheduleTag": "a=b"}, "scheduleTag must be a tag key"),
    ({"overrideTag": "a,b"}, "overrideTag must be a tag key"),
])
def test_a_bad_schedule_setting_is_a_config_error(fg, extra, needle):
    fg.cloud.add_server(sid(1), "a", "SHUTOFF", tagged("office"))
    out = run(fg, BOUNDARY, extra)
    assert out["status"] == "error" and out["errorType"] == "ConfigError", out
    assert needle in out["errorMessage"]
    assert fg.cloud.requests_matching() == []


def test_api_gateway_may_give_at_only_with_dry_run(fg):
    import base64
    fg.start(config({"apigActions": "status,schedule"}))
    for body, code in (({"action": "schedule", "at": MIDDAY}, 403),
                       ({"action": "schedule", "at": MIDDAY, "dryRun": True}, 200)):
        ev = {"httpMethod": "POST", "requestContext": {}, "isBase64Encoded": True,
              "body": base64.b64encode(json.dumps(body).encode()).decode()}
        assert fg.invoke(ev).json["statusCode"] == code


def test_static_binary_evaluates_zones_with_no_zoneinfo(make_cloud):
    cloud = make_cloud()
    cloud.add_server(sid(1), "a", "SHUTOFF", tagged("night"))
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare to hide /usr/share/zoneinfo")
    env = base_env({"token": TOKEN, "ecsEndpoint": cloud.url, "projectId": PROJECT,
                    "schedules": json.dumps(SCHEDULES), "RUNTIME_TIMEOUT": "10"})
    hide = "mount -t tmpfs none /usr/share/zoneinfo && [ ! -e /usr/share/zoneinfo/Asia ] && exec \"$@\""
    # 22:05 in Shanghai is 14:05Z: the night period has just begun.
    r = subprocess.run(["unshare", "-m", "sh", "-c", hide, "sh", STATIC, "invoke",
                        json.dumps({"action": "schedule", "at": "2026-12-01T14:05:00Z"})],
                       env=env, capture_output=True, timeout=30)
    if b"mount" in r.stderr and not r.stdout:
        pytest.skip("cannot mount here: %r" % r.stderr[:200])
    out = json.loads(r.stdout)
    s = servers(out)[sid(1)]
    assert (s["schedule"], s["desired"], s["result"]) == ("night", "running", "requested"), out


def schedules_cli(binary, userdata, *args):
    env = base_env({"RUNTIME_USERDATA": json.dumps(userdata)})
    return subprocess.run([binary, "schedules", *args], env=env, capture_output=True, text=True,
                          timeout=30)


def test_schedules_cli_lists_each_change(binary):
    r = schedules_cli(binary, config(), "--at", "2026-12-23T00:00:00Z", "--days", "4", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["from"] == "2026-12-23T00:00:00Z" and out["days"] == 4
    office = next(s for s in out["schedules"] if s["schedule"] == "office")
    assert office["state"] == "stopped" and office["timezone"] == "Europe/Paris"
    # Wednesday 23 and Thursday 24; Friday 25 is a holiday, then the weekend.
    assert [(c["local"], c["utc"], c["state"]) for c in office["changes"]] == [
        ("2026-12-23T08:00:00+01:00", "2026-12-23T07:00:00Z", "running"),
        ("2026-12-23T18:00:00+01:00", "2026-12-23T17:00:00Z", "stopped"),
        ("2026-12-24T08:00:00+01:00", "2026-12-24T07:00:00Z", "running"),
        ("2026-12-24T18:00:00+01:00", "2026-12-24T17:00:00Z", "stopped")]
    night = next(s for s in out["schedules"] if s["schedule"] == "night")
    assert night["changes"][0] == {"local": "2026-12-23T22:00:00+08:00",
                                   "utc": "2026-12-23T14:00:00Z", "state": "running"}
    text = schedules_cli(binary, config(), "--at", "2026-12-23T00:00:00Z").stdout
    assert "2026-12-23T08:00:00+01:00 2026-12-23T07:00:00Z running" in " ".join(text.split())


def test_schedules_cli_across_a_dst_change(binary):
    ud = {"schedules": json.dumps({"d": {"timezone": "America/New_York",
                                         "periods": [{"begin": "07:00", "end": "19:00"}]}})}
    r = schedules_cli(binary, ud, "--at", "2027-03-13T00:00:00Z", "--days", "2", "--json")
    ch = json.loads(r.stdout)["schedules"][0]["changes"]
    assert [c["local"] for c in ch] == ["2027-03-13T07:00:00-05:00", "2027-03-13T19:00:00-05:00",
                                        "2027-03-14T07:00:00-04:00", "2027-03-14T19:00:00-04:00"]


def test_schedules_cli_exits_2_on_a_bad_definition(binary):
    r = schedules_cli(binary, {"schedules": json.dumps({"x": {"periods": [{"weekdays": "mun"}]}})})
    assert r.returncode == 2
    assert "ConfigError: schedules: 'x': periods[0].weekdays: 'mun' is not a weekday" in r.stderr
    assert schedules_cli(binary, config(), "--days", "0").returncode == 2
    assert schedules_cli(binary, config(), "--at", "noon").returncode == 2


def test_scheduled_clusters_are_read_together(fg):
    """Eight scheduled clusters and their node lists are read at once, then acted on."""
    ids = ["%08d-2222-3333-4444-555555555555" % i for i in range(8)]
    for c in ids:
        fg.cloud.add_cluster(c, "c" + c[:8])
    fg.cloud.delay = 0.5  # reads sent together arrive within it, each on a new connection
    out = run(fg, "2026-12-01T17:05:00Z", {"clusterSchedules": json.dumps({c: "office" for c in ids}),
                                           "scheduleNodes": "false"})
    assert [c["cluster_id"] for c in out["data"]["cluster_list"]] == ids
    assert {c["result"] for c in out["data"]["cluster_list"]} == {"requested"}
    # The schedule's reads, then hibernate's own read before each operation.
    reads = fg.cloud.requests_matching("GET", r"/clusters/[^/]+$")
    assert len(reads) == 16 and max(r.in_flight for r in reads[:8]) >= 8
