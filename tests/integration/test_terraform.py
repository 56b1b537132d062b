"""deploy/main.tf against the huaweicloud provider's documentation (no cloud account here, so
nothing is applied): every resource has the arguments its page marks Required, uses only
documented arguments (one named exception), and every value with a documented set of
allowed values is one of them.

The file is parsed with HashiCorp's HCL parser (npm @cdktf/hcl2json, the Go parser compiled
to WebAssembly; installed once into build/hcl2json, works offline afterwards), never with
regular expressions. Pages quoted: huaweicloud/terraform-provider-huaweicloud at v1.97.1
(commit a0345b8), `docs/resources/<name>.md` unless a row says otherwise."""
import json
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT

HCL2JSON = "0.21.0"
TOOL = ROOT / "tests/tools/hcl2json/hcl2json.js"
MODULES = ROOT / "build/hcl2json"

# One row per resource type main.tf uses: the provider page, the arguments the page marks
# Required, every argument the page documents, and the documented allowed values.
DOCS = {
    "huaweicloud_identity_role": {
        "doc": "docs/resources/identity_role.md",
        "required": {"name", "description", "type", "policy"},
        "documented": {"name", "description", "type", "policy"},
        "allowed": {"type": {"AX", "XA"}},
    },
    "huaweicloud_identity_agency": {
        "doc": "docs/resources/identity_agency.md",
        # The page marks delegated_domain_name Required; the provider's schema
        # (huaweicloud/services/iam/resource_huaweicloud_identity_agency.go) makes it
        # ExactlyOneOf with the internal delegated_service_name, the only way to delegate a
        # cloud service: see UNDOCUMENTED below.
        "required": {"name"},
        "one_of": {"delegated_domain_name", "delegated_service_name"},
        "documented": {"name", "delegated_domain_name", "description", "duration", "project_role",
                       "domain_roles", "all_resources_roles", "enterprise_project_roles",
                       "force_dissociate_v5_policies"},
        "blocks": {"project_role": {"project", "roles"},
                   "enterprise_project_roles": {"enterprise_project", "roles"}},
        "allowed": {},
    },
    "huaweicloud_fgs_function": {
        "doc": "docs/resources/fgs_function.md",
        "required": {"name", "memory_size", "runtime", "timeout", "app", "code_type", "handler"},
        "documented": {"region", "name", "memory_size", "runtime", "timeout", "app", "code_type",
                       "handler", "description", "functiongraph_version", "func_code", "code_url",
                       "code_filename", "depend_list", "user_data", "encrypted_user_data",
                       "agency", "app_agency", "initializer_handler", "initializer_timeout",
                       "enterprise_project_id", "vpc_id", "network_id", "dns_list",
                       "max_instance_num", "tags", "enable_lts_log", "log_group_id",
                       "log_group_name", "log_stream_id", "log_stream_name", "concurrency_num",
                       "custom_image", "ephemeral_storage", "enable_auth_in_header"},
        "allowed": {
            "runtime": {"Java8", "Java11", "Node.js6.10", "Node.js8.10", "Node.js10.16",
                        "Node.js12.13", "Node.js14.18", "Node.js16.17", "Node.js18.15",
                        "Python2.7", "Python3.6", "Python3.9", "Python3.10", "Go1.x",
                        "C#(.NET Core 2.1)", "C#(.NET Core 3.1)", "Custom", "PHP7.3", "http",
                        "Custom Image", "Cangjie1.0"},
            "code_type": {"inline", "zip", "jar", "obs", "Custom-Image-Swr"},
        },
        # "func_code ... Required if the code_type is set to inline, zip, or jar";
        # "code_filename ... Required if the code_type is set to jar or zip";
        # "code_url ... Required if the code_type is set to obs".
        "when": {("code_type", "zip"): {"func_code", "code_filename"},
                 ("code_type", "jar"): {"func_code", "code_filename"},
                 ("code_type", "inline"): {"func_code"},
                 ("code_type", "obs"): {"code_url"},
                 ("code_type", "Custom-Image-Swr"): {"custom_image"}},
        "range": {"timeout": (3, 259200)},
    },
    "huaweicloud_fgs_function_trigger": {
        "doc": "docs/resources/fgs_function_trigger.md",
        "required": {"function_urn", "type", "event_data"},
        "documented": {"region", "function_urn", "type", "event_data", "status",
                       "cascade_delete_eg_subscription"},
        # type: "The valid values are TIMER, APIG, CTS, DDS, DEDICATEDGATEWAY, etc." (main.tf
        # only needs TIMER); status: "The valid values are ACTIVE and DISABLED".
        "allowed": {"type": {"TIMER"}, "status": {"ACTIVE", "DISABLED"}},
    },
}

# Arguments main.tf uses that the page does not document, with the reason each is kept.
UNDOCUMENTED = {
    ("huaweicloud_identity_agency", "delegated_service_name"):
        "internal in the provider's schema, undocumented since v1.40.1, accepted in v1.62.1 and "
        "v1.97.1; the documented huaweicloud_identity_service_agency is incubating and IAM v5",
}

# The TIMER trigger's event_data, as the provider's page points to it (FunctionGraph API
# "Creating a Trigger", functiongraph_06_0122, TriggerEventDataRequestBody) and as the page's
# own examples write it: name, schedule_type Rate or Cron, schedule, user_event.
TIMER_KEYS = {"name", "schedule_type", "schedule", "user_event"}
SCHEDULE_TYPES = {"Rate", "Cron"}

# CHANGELOG.md, "## 1.62.1 (March 6, 2024)": New Resource huaweicloud_fgs_function_trigger.
FIRST_TRIGGER_VERSION = (1, 62, 1)


@pytest.fixture(scope="module")
def hcl2json():
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node:
        pytest.skip("no node (Debian package nodejs) to run the HCL parser; scripts/setup.sh installs it")
    if not (MODULES / "node_modules/@cdktf/hcl2json").is_dir():
        if not npm:
            pytest.skip("no npm (Debian package npm) to install @cdktf/hcl2json; scripts/setup.sh installs it")
        MODULES.mkdir(parents=True, exist_ok=True)
        r = subprocess.run([npm, "install", "--prefix", str(MODULES), "--no-audit", "--no-fund",
                            "--no-save", "@cdktf/hcl2json@" + HCL2JSON],
                           capture_output=True, text=True, timeout=300)
        if r.returncode:
            pytest.skip("npm could not install @cdktf/hcl2json@%s: %s" % (HCL2JSON, r.stderr[-500:]))
    env = dict(os.environ, NODE_PATH=str(MODULES / "node_modules"))

    def parse(path):
        r = subprocess.run([node, str(TOOL), str(path)], capture_output=True, text=True,
                           env=env, timeout=60)
        assert r.returncode == 0, "%s does not parse: %s" % (path, r.stderr)
        return json.loads(r.stdout)
    return parse


@pytest.fixture(scope="module")
def tf(hcl2json):
    return hcl2json(ROOT / "deploy/main.tf")


def resources(tf, rtype):
    return {name: blocks[0] for name, blocks in tf["resource"].get(rtype, {}).items()}


def jsonencoded(hcl2json, tmp_path, expr):
    """The object literal inside `${jsonencode({...})}`, parsed by the same HCL parser."""
    assert expr.startswith("${jsonencode(") and expr.endswith(")}"), expr
    src = tmp_path / "obj.tf"
    src.write_text("v = " + expr[len("${jsonencode("):-len(")}")] + "\n")
    return hcl2json(src)["v"]


def test_the_parser_rejects_broken_hcl(hcl2json, tmp_path):
    bad = tmp_path / "bad.tf"
    bad.write_text('resource "a" "b" {\n  x =\n')
    with pytest.raises(AssertionError, match="does not parse"):
        hcl2json(bad)


def test_only_resource_types_of_the_table_are_used(tf):
    assert set(tf["resource"]) == set(DOCS), "add a DOCS row (quote its provider page)"


@pytest.mark.parametrize("rtype", sorted(DOCS))
def test_resources_match_the_provider_documentation(tf, rtype):
    row = DOCS[rtype]
    for name, res in resources(tf, rtype).items():
        where = "%s.%s (%s)" % (rtype, name, row["doc"])
        args = set(res) - {"count", "for_each", "depends_on", "lifecycle", "provider"}
        missing = row["required"] - args
        assert not missing, "%s lacks the required %s" % (where, sorted(missing))
        unknown = {a for a in args - row["documented"] if (rtype, a) not in UNDOCUMENTED}
        assert not unknown, "%s uses undocumented %s" % (where, sorted(unknown))
        if "one_of" in row:
            assert len(args & row["one_of"]) == 1, "%s needs exactly one of %s" % (where, row["one_of"])
        for arg, allowed in row["allowed"].items():
            if arg in res:
                assert res[arg] in allowed, "%s: %s = %r, allowed %s" % (where, arg, res[arg], allowed)
        for (arg, value), needs in row.get("when", {}).items():
            if res.get(arg) == value:
                assert needs <= args, "%s: %s = %s needs %s" % (where, arg, value, sorted(needs - args))
        for arg, (lo, hi) in row.get("range", {}).items():
            assert lo <= res[arg] <= hi, "%s: %s out of %d..%d" % (where, arg, lo, hi)
        for block, keys in row.get("blocks", {}).items():
            for b in res.get(block, []):
                assert set(b) == keys, "%s: block %s needs %s" % (where, block, keys)


def test_the_custom_policy_is_project_level(tf):
    # identity_role.md: "AX: the global service project", "XA: region-specific projects";
    # CCE and ECS are project-level services.
    role = resources(tf, "huaweicloud_identity_role")["fgboot"]
    assert role["type"] == "XA"
    agency = resources(tf, "huaweicloud_identity_agency")["fgboot"]
    assert agency["delegated_service_name"] == "op_svc_cff"
    assert agency["project_role"][0]["roles"] == ["${huaweicloud_identity_role.fgboot.name}"]


def test_the_zip_function_names_its_file(tf):
    fn = resources(tf, "huaweicloud_fgs_function")["fgboot"]
    assert (fn["runtime"], fn["handler"], fn["code_type"]) == ("Custom", "bootstrap", "zip")
    assert fn["func_code"] == "${filebase64(var.zip_path)}"
    assert fn["code_filename"] == "${basename(var.zip_path)}"
    assert fn["agency"] == "${huaweicloud_identity_agency.fgboot.name}"


def test_the_provider_version_has_the_trigger_resource(tf):
    want = tf["terraform"][0]["required_providers"][0]["huaweicloud"]
    assert want["source"] == "huaweicloud/huaweicloud"
    m = re.fullmatch(r">=\s*(\d+)\.(\d+)\.(\d+)", want["version"])
    assert m, "version constraint %r: expected >= x.y.z" % want["version"]
    assert tuple(map(int, m.groups())) >= FIRST_TRIGGER_VERSION


def test_timers_name_their_zone_and_the_style_variable_picks_them(tf, hcl2json, tmp_path):
    var = tf["variable"]["trigger_style"][0]
    assert var["default"] == "pair"
    assert var["validation"][0]["condition"] == '${contains(["pair", "schedule"], var.trigger_style)}'
    want = {"hibernate": ("pair", "Cron", "0 15 18 ? * MON-FRI"),
            "awake": ("pair", "Cron", "0 45 7 ? * MON-FRI"),
            "schedule": ("schedule", "Rate", "10m")}
    triggers = resources(tf, "huaweicloud_fgs_function_trigger")
    assert set(triggers) == set(want)
    for name, (style, stype, when) in want.items():
        t = triggers[name]
        assert t["count"] == '${var.trigger_style == "%s" ? 1 : 0}' % style
        assert t["type"] == "TIMER" and t["function_urn"] == "${huaweicloud_fgs_function.fgboot.urn}"
        ev = jsonencoded(hcl2json, tmp_path, t["event_data"])
        assert set(ev) == TIMER_KEYS and ev["schedule_type"] in SCHEDULE_TYPES
        assert ev["user_event"] == name and ev["schedule_type"] == stype
        if stype == "Cron":
            # FunctionGraph user guide, "Cron Expressions for a Function Timer Trigger"
            # (functiongraph_01_0908): without CRON_TZ the region's time zone applies.
            assert ev["schedule"] == "CRON_TZ=${var.time_zone} " + when
            assert len(when.split()) == 6
        else:
            assert ev["schedule"] == when
