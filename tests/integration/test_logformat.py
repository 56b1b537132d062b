"""logFormat=json: one JSON object per line for LTS, escaped by jansson, still
scrubbed of every secret; the default stays the plain FunctionGraph line."""
import json

from conftest import TOKEN, body_of

C1 = "11111111-2222-3333-4444-555555555555"


def json_lines(text):
    lines = [l for l in text.splitlines() if l.strip()]
    assert lines
    return [json.loads(l) for l in lines]


def test_json_lines_carry_time_level_request_id_and_message(fg):
    fg.cloud.add_cluster(C1, "prod")
    boot = fg.start({"logFormat": "json", "logLevel": "debug", "clusterId": C1})
    rid = fg.push({"action": "hibernate"})
    assert body_of(fg.runtime.wait_result(rid))["status"] == "success"
    boot.stop()
    objs = json_lines(boot.stdout_path.read_text())
    for o in objs:
        assert set(o) <= {"time", "level", "request_id", "message"}
        # The order docs/how-it-works.md ("Logs") gives: the field names LTS shows.
        assert list(o) == [k for k in ("time", "level", "request_id", "message") if k in o]
        assert {"time", "level", "message"} <= set(o)
        assert o["level"] in ("DEBUG", "INFO", "WARN", "ERROR")
        assert o["time"].endswith("Z") and len(o["time"]) == len("2026-11-20T17:15:00.123Z")
    mine = [o for o in objs if o.get("request_id") == rid]
    assert any("hibernate requested" in o["message"] for o in mine), mine
    assert any("request_id" not in o for o in objs)  # start-up lines belong to no request


def test_json_escaping_of_cloud_messages_and_secrets_scrubbed(fg):
    fg.cloud.add_cluster(C1, "prod")
    nasty = 'bad "quote" \\ back\nslash \x01 ctl \xe9t\xe9 token=' + TOKEN
    fg.cloud.fail("POST", r"/operation/hibernate$", status=403,
                  body=json.dumps({"error_code": "CCE.0403", "error_msg": nasty}))
    boot = fg.start({"logFormat": "JSON", "clusterId": C1})
    res = fg.invoke({"action": "hibernate"})
    assert res.kind == "error"
    boot.stop()
    text = boot.stdout_path.read_text()
    assert TOKEN not in text
    objs = json_lines(text)
    hits = [o["message"] for o in objs if "quote" in o["message"]]
    assert hits, objs
    assert '"quote"' in hits[0] and "\\ back" in hits[0] and "***" in hits[0]
    assert "\n" not in hits[0]


def test_plain_stays_the_default(fg):
    boot = fg.start({"clusterId": C1})
    boot_plain = fg.start({"logFormat": "plain", "clusterId": C1})
    fg.runtime.wait_gets(2)
    for b in (boot, boot_plain):
        b.stop()
        first = b.stdout_path.read_text().splitlines()[0]
        assert not first.startswith("{")
        assert " - INFO fgboot " in first


def test_unknown_log_format_is_a_config_error(fg):
    fg.start({"logFormat": "xml", "clusterId": C1})
    res = fg.invoke({"action": "hibernate"})
    assert res.kind == "error"
    assert res.json["errorType"] == "ConfigError"
    assert "logFormat" in res.json["errorMessage"]
    assert fg.cloud.requests == []
