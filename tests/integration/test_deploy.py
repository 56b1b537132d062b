"""deploy/: the agency policy grants exactly what the binary calls (deploy/main.tf is checked
against the provider's documentation by test_terraform.py).

The policy check drives the binary: every action, with every option that reaches
another API, runs against the fake cloud, and each request the fake saw is mapped
to the IAM action the API needs (OTC/Huawei IAM permission tables)."""
import json
import re

import pytest

from conftest import PROJECT, ROOT, body_of

C1 = "11111111-2222-3333-4444-555555555555"
CLUSTER = r"^/api/v3/projects/%s/clusters/[\w-]+" % PROJECT
ECS = r"^/v1/%s" % PROJECT

# (method, path regex, key of the JSON body or None) -> the IAM action that API needs.
IAM = {
    ("GET", CLUSTER + r"$", None): "cce:cluster:get",
    ("POST", CLUSTER + r"/operation/hibernate$", None): "cce:cluster:stop",
    ("POST", CLUSTER + r"/operation/awake$", None): "cce:cluster:start",
    ("GET", CLUSTER + r"/nodes$", None): "cce:node:list",
    ("GET", ECS + r"/cloudservers/detail$", None): "ecs:cloudServers:list",
    ("POST", ECS + r"/cloudservers/action$", "os-stop"): "ecs:cloudServers:stop",
    ("POST", ECS + r"/cloudservers/action$", "os-start"): "ecs:cloudServers:start",
    ("GET", ECS + r"/jobs/[\w-]+$", None): "ecs:cloudServers:list",
}

# Every action, with the options that reach further APIs (node servers, job polling).
EVENTS = [
    {"action": "status", "clusterId": C1, "tags": "env=dev"},
    {"action": "hibernate", "clusterId": C1, "stopNodes": True, "wait": True},
    {"action": "awake", "clusterId": C1, "startNodes": True, "wait": True},
    {"action": "stop", "tags": "env=dev", "wait": True},
    {"action": "start", "serverIds": "00000000-0000-4000-8000-000000000002", "wait": True},
]


def sid(i):
    return "00000000-0000-4000-8000-%012d" % i


def policy_actions():
    policy = json.loads((ROOT / "deploy/agency-policy.json").read_text())
    assert policy["Version"] == "1.1"
    acts = []
    for st in policy["Statement"]:
        assert st["Effect"] == "Allow"
        acts += st["Action"]
    assert len(acts) == len(set(acts)), "duplicate action in the policy"
    assert not [a for a in acts if "*" in a], "wildcard in the policy"
    return acts


def iam_rows(req):
    return [row for row in IAM if row[0] == req.method and re.search(row[1], req.path)
            and (row[2] is None or (isinstance(req.json, dict) and row[2] in req.json))]


@pytest.fixture
def seen(fg):
    """Runs every action once; returns the IAM rows of the requests the fake cloud saw."""
    fg.cloud.transition_seconds = 0
    fg.cloud.add_cluster(C1, "prod", nodes=[{"name": "node-0", "serverId": sid(0)}])
    fg.cloud.add_server(sid(0), "node-vm")
    fg.cloud.add_server(sid(1), "dev-vm", tags=["env=dev"])
    fg.cloud.add_server(sid(2), "off-vm", status="SHUTOFF")
    fg.start()
    for ev in EVENTS:
        out = body_of(fg.invoke(ev))
        assert out["status"] == "success", (ev, out.get("message"))
    rows = []
    for req in fg.cloud.requests:
        match = iam_rows(req)
        assert len(match) == 1, "no IAM action known for %s %s: add it to IAM and the policy" \
            % (req.method, req.path)
        rows.append(match[0])
    return rows


def test_every_api_the_binary_calls_is_allowed_by_the_policy(seen):
    assert set(seen) == set(IAM), "not every API was driven: %s" % (set(IAM) - set(seen))
    allowed = set(policy_actions())
    for row in set(seen):
        assert IAM[row] in allowed, "%s %s needs %s, missing from deploy/agency-policy.json" \
            % (row[0], row[1], IAM[row])


def test_the_policy_grants_nothing_the_binary_does_not_use(seen):
    assert set(policy_actions()) == {IAM[row] for row in seen}

