"""docs/tutorial.md runs as written: every command of its bash blocks, then its Python block, in
order, in a fresh folder (the tutorial's outputs go to tutorial/ there)."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", TUTORIAL.read_text(), re.S)


def commands() -> list[list[str]]:
    out = []
    for block in blocks("bash"):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == "qbattery":  # (the install line is not run)
                out.append([sys.executable, "-m", "qbattery.cli", *words[1:]])
    return out


def test_the_tutorial_runs_as_written(tmp_path):
    pytest.importorskip("qutip")
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    runs = commands()
    assert [c[3] for c in runs] == ["run", "plot", "sweep", "sweep", "fit", "plot", "optimize"]
    outputs = []
    for command in runs:
        proc = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, (command, proc.stderr)
        outputs.append(proc.stdout + proc.stderr)
    # the second, identical sweep computes nothing
    assert "6 of 6 points already done, computing 0" in outputs[3]
    assert re.search(r"│\s+0.5 │ 3 │\s+2…6 │ 1\.\d+ ± 0\.\d+", outputs[4]), outputs[4]
    for name in ("run.png", "fit.png", "map.png", "search.png"):
        assert (tmp_path / "tutorial" / name).stat().st_size > 10_000
    (python,) = blocks("python")
    proc = subprocess.run([sys.executable, "-c", python], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    difference = float(re.search(r"largest difference of the states: (\S+)", proc.stdout)[1])
    assert difference < 1e-7
    assert "same energy: True" in proc.stdout
