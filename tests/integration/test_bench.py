"""`make bench` end to end, with tiny counts, so that the benchmark cannot rot.

The figures of such a short run mean nothing; what is checked is that every
runtime (fgboot, the floor, Python + requests, the shell sample) answered
every event, that the table has every row, and that the exact counts the
issue sets (3 batch calls for 2,500 servers, 1 TLS handshake for 100 calls,
the CA file read once) hold.
"""
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def static_binary():
    for b in (os.environ.get("FGBOOT_BINARIES") or str(ROOT / "bootstrap")).split():
        if "/san/" not in b and "/dyn/" not in b:
            return b
    return None


@pytest.mark.skipif(static_binary() is None or not os.path.exists(static_binary() or ""),
                    reason="needs the static ./bootstrap")
def test_bench_runs_end_to_end(tmp_path):
    env = dict(os.environ, BENCH_OUT=str(tmp_path), BENCH_COLD="2", BENCH_N="40",
               BENCH_N_PY="20", BENCH_N_SHELL="10", BENCH_N_LONG="20", FGBOOT_BIN=static_binary())
    r = subprocess.run([sys.executable, str(ROOT / "tests" / "bench" / "bench.py")], env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    table = r.stdout
    for metric in ("cold start, median", "first answer (hibernate), median",
                   "warm own CPU time per invocation", "invocations per second, end to end",
                   "peak RSS", "RSS growth", "deployable zip", "batch calls",
                   "TLS handshakes for 100 HTTPS", "16,384-char token"):
        assert metric in table, metric
    raw = json.loads((tmp_path / "results.json").read_text())
    one = raw["warm"]["one"]
    assert one["fgboot"]["n"] == 40 and one["python"]["n"] == 20 and one["shell"]["n"] == 10
    assert one["floor"]["n"] == 40
    assert raw["warm"]["long"]["fgboot"]["n"] == 20 and raw["warm"]["long"]["floor"]["n"] == 20
    assert raw["stop2500"]["batches"] == 3
    assert raw["stop2500"]["sizes"] == [1000, 1000, 500]
    assert raw["tls"]["fgboot"]["handshakes"] == 1
    assert raw["tls"]["fgboot"]["ca_opens"] == 1
    assert (tmp_path / "results.md").read_text().startswith("| metric |")
