"""`make bench` end to end, with tiny counts, so that the benchmark cannot rot.

The figures of such a short run mean nothing; what is checked is that every
runtime (fgboot, Python + requests, the shell sample) answered every event and
that the table has every row, with a figure in each runtime's column.
"""
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ROWS = ("cold start, median (ms)", "cold start, p99 (ms)", "first answer (hibernate), median (ms)",
        "first answer (hibernate), p99 (ms)", "peak RSS, VmHWM (MB)", "binary / script (kB)",
        "deployable zip (kB)")


def static_binary():
    for b in (os.environ.get("FGBOOT_BINARIES") or str(ROOT / "bootstrap")).split():
        if "/san/" not in b and "/dyn/" not in b:
            return b
    return None


@pytest.mark.skipif(static_binary() is None or not os.path.exists(static_binary() or ""),
                    reason="needs the static ./bootstrap")
def test_bench_runs_end_to_end(tmp_path):
    probe = ROOT / "build" / "san" / "tests" / "unit" / "test_schedule"  # make unit builds it
    assert os.access(probe, os.X_OK), "build it with make unit"
    env = dict(os.environ, BENCH_OUT=str(tmp_path), BENCH_COLD="2", BENCH_N="20",
               BENCH_N_SHELL="5", BENCH_FLEET="4,4@2", BENCH_FLEET_SERVERS="300",
               FGBOOT_BIN=static_binary(), SCHEDULE_PROBE=str(probe))
    r = subprocess.run([sys.executable, str(ROOT / "tests" / "tools" / "bench.py")], env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = {ln.split(" | ")[0][2:]: ln.split(" | ") for ln in r.stdout.splitlines()
             if ln.startswith("| ")}
    for metric in ROWS:
        cells = lines[metric]
        # metric, fgboot, target, Python, Python ÷ fgboot, shell, shell ÷ fgboot
        assert len(cells) == 7 and cells[1] and cells[3] and cells[5] and cells[4].endswith("×"), \
            cells
    fleet = [ln.split(" | ") for ln in r.stdout.splitlines() if ln.startswith("| 4 clusters")]
    assert [c[0] for c in fleet] == ["| 4 clusters, concurrency 16", "| 4 clusters, concurrency 2"]
    for cells in fleet:
        # rows, fgboot s, target, Python s, Python ÷ fgboot, peaks, VmHWM
        assert len(cells) == 7 and cells[1] and cells[3] and cells[4].endswith("×"), cells
    raw = json.loads((tmp_path / "results.json").read_text())
    assert raw["fleet"]["4@2"]["fgboot"]["peak"] <= 2
    # 300 servers behind the nodes of 20 clusters: one batch, every server done.
    assert raw["fleet"]["servers"]["batches"] == 1 and raw["fleet"]["servers"]["wall"] > 2.0
    assert raw["runs"] == {"cold": 2, "rss": {"fgboot": 20, "python": 20, "shell": 5}}
    for name in ("fgboot", "python", "shell"):
        assert len(raw["cold_ms"][name]["cold"]) == 2 and raw["peak_rss_kb"][name] > 0
        assert 0 < raw["cold_ms"][name]["cold"][0] < raw["cold_ms"][name]["first"][0]
    assert raw["schedule_cpu_ms"] > 0
    assert any(ln.startswith("| `schedule`:") for ln in r.stdout.splitlines())
    assert (tmp_path / "results.md").read_text().strip() == r.stdout.strip()
