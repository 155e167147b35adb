"""The command line: run, reproduce --list, exit code 2 and no partial files on bad input."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.toml"))


def qbattery(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "qbattery.cli", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, timeout=600,
    )  # fmt: skip


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_runs_and_writes_json(example, tmp_path):
    out = tmp_path / "r.json"
    proc = qbattery("run", example, "-o", out)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    for key in ("t", "energy", "power", "summary", "spec"):
        assert key in data
    assert len(data["energy"]) == len(data["t"])
    assert data["power"][0] == 0.0
    assert "P_max" in data["summary"] and "tau_first_peak" in data["summary"]


def test_netcdf_output_round_trips(tmp_path):
    import qbattery

    out = tmp_path / "r.nc"
    assert qbattery_run_ok(EXAMPLES[0], out)
    result = qbattery.load_result(out)
    assert result.summary["P_max"] > 0 and len(result.energy) == len(result.t)


def qbattery_run_ok(spec, out):
    return qbattery("run", spec, "-o", out).returncode == 0


def test_bad_spec_exits_2_with_one_line_naming_the_field(tmp_path):
    spec = tmp_path / "bad.toml"
    text = EXAMPLES[0].read_text().replace("points = ", "points = -")
    spec.write_text(text)
    out = tmp_path / "r.json"
    proc = qbattery("run", spec, "-o", out)
    assert proc.returncode == 2
    assert "time.points" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not out.exists() and list(tmp_path.iterdir()) == [spec]


def test_unknown_output_format_is_rejected_before_running(tmp_path):
    proc = qbattery("run", EXAMPLES[0], "-o", tmp_path / "r.csv")
    assert proc.returncode == 2 and "format" in proc.stderr


def test_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    from qbattery.result import atomic_write

    target = tmp_path / "x.json"

    def broken(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, broken)
    assert list(tmp_path.iterdir()) == []


def test_reproduce_list_and_unknown_target():
    proc = qbattery("reproduce", "--list")
    assert proc.returncode == 0
    proc = qbattery("reproduce", "no-such-target")
    assert proc.returncode == 2 and "unknown target" in proc.stderr


def test_presets_command_lists_presets():
    proc = qbattery("presets")
    assert proc.returncode == 0 and "central-spin" in proc.stdout


@pytest.mark.skipif(shutil.which("qbattery") is None, reason="console script not installed")
def test_console_script_is_installed():
    assert subprocess.run(["qbattery", "--help"], capture_output=True).returncode == 0
