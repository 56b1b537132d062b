"""deploy/: the agency policy covers every API the C code can call, and the
Terraform example holds what the README promises (it is not run here)."""
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent

# API path template (as written in the C format strings, query dropped) ->
# the IAM actions it needs. "operation/%s" is expanded with the operations the code uses.
ACTIONS = {
    "/api/v3/projects/{project}/clusters/%s": ["cce:cluster:get"],
    "/api/v3/projects/{project}/clusters/%s/operation/hibernate": ["cce:cluster:stop"],
    "/api/v3/projects/{project}/clusters/%s/operation/awake": ["cce:cluster:start"],
    "/api/v3/projects/{project}/clusters/%s/nodes": ["cce:node:list"],
    "/v1/{project}/cloudservers/detail": ["ecs:cloudServers:list"],
    "/v1/{project}/cloudservers/action": ["ecs:cloudServers:start", "ecs:cloudServers:stop"],
    "/v1/{project}/jobs/%s": ["ecs:cloudServers:list"],
}


def code_templates():
    found = set()
    for src in ("lib/cce.c", "lib/ecs.c"):
        text = (ROOT / src).read_text()
        for m in re.finditer(r'"(/(?:api/v3|v1)/[^"?]*)', text):
            found.add(m.group(1))
    expanded = set()
    # The operation names live in handlers/cce.c's op table: {"hibernate", "Hibernation", ...}.
    ops = set(re.findall(r'struct cce_op \w+ = \{"(\w+)"', (ROOT / "handlers/cce.c").read_text()))
    assert ops, "no CCE operation found in handlers/cce.c"
    for t in found:
        if t.endswith("/operation/%s"):
            expanded |= {t[:-2] + o for o in ops}
        else:
            expanded.add(t)
    return expanded


def policy_actions():
    policy = json.loads((ROOT / "deploy/agency-policy.json").read_text())
    assert policy["Version"] == "1.1"
    acts = []
    for st in policy["Statement"]:
        assert st["Effect"] == "Allow"
        acts += st["Action"]
    return acts


def test_every_api_the_code_calls_is_allowed_by_the_policy():
    templates = code_templates()
    assert len(templates) >= 7, templates
    allowed = set(policy_actions())
    for t in sorted(templates):
        assert t in ACTIONS, "no IAM action mapped for %s: add it to ACTIONS and the policy" % t
        for a in ACTIONS[t]:
            assert a in allowed, "%s needs %s, missing from deploy/agency-policy.json" % (t, a)


def test_the_policy_grants_nothing_more():
    acts = policy_actions()
    assert len(acts) == len(set(acts))
    assert set(acts) == {a for v in ACTIONS.values() for a in v}
    assert not [a for a in acts if "*" in a]


def test_the_readme_iam_table_matches_the_policy():
    readme = (ROOT / "README.md").read_text()
    for a in policy_actions():
        assert "`%s`" % a in readme


def test_terraform_example_has_the_function_agency_and_two_timers():
    tf = (ROOT / "deploy/main.tf").read_text()
    assert tf.count("{") == tf.count("}")
    assert 'source  = "huaweicloud/huaweicloud"' in tf
    fn = re.search(r'resource "huaweicloud_fgs_function" "fgboot" \{(.*?)\n\}', tf, re.S).group(1)
    assert 'runtime     = "Custom"' in fn and 'handler     = "bootstrap"' in fn
    assert "filebase64(var.zip_path)" in fn and "huaweicloud_identity_agency.fgboot.name" in fn
    assert "user_data" in fn and "region" in fn and "clusterId" in fn
    assert 'file("${path.module}/agency-policy.json")' in tf
    timers = re.findall(r'resource "huaweicloud_fgs_function_trigger" "(\w+)" \{(.*?)\n\}', tf, re.S)
    got = {name: body for name, body in timers}
    assert set(got) == {"hibernate", "awake"}
    for name, cron in (("hibernate", "0 15 18 ? * MON-FRI"), ("awake", "0 45 7 ? * MON-FRI")):
        assert 'type         = "TIMER"' in got[name]
        assert '"%s"' % cron in got[name]
        assert 'user_event     = "%s"' % name in got[name]
