"""Progress: log lines with percent and ETA, the delayed bar of `qbattery run`, the solvers'
reports (never changing a result) and `qbattery --version`."""

import importlib.metadata
import io
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from rich.console import Console
from typer.testing import CliRunner

import qbattery
from qbattery import progress as prog
from qbattery.cli import LogProgress, app
from qbattery.solvers import closed_plan, lindblad
from qbattery.spec import SpecError

LINE = re.compile(r"^\[\d\d:\d\d:\d\d\] (?P<text>.*)$")


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def texts(stream: io.StringIO) -> list[str]:
    """The lines without their [HH:MM:SS] stamps (asserting that each has one)."""
    out = []
    for line in stream.getvalue().splitlines():
        match = LINE.match(line)
        assert match, line
        out.append(match["text"])
    return out


# --------------------------------------------------------------------------- LogProgress


def test_log_lines_every_five_percent_with_percent_elapsed_and_eta():
    clock, stream = FakeClock(), io.StringIO()
    with LogProgress(stream=stream, interval=2.0, clock=clock) as progress:
        task = progress.add_task("  sweeping", total=100)
        for _ in range(100):
            clock.now += 1.0  # one item a second: a line each 5 items, not each item
            progress.advance(task)
        progress.remove_task(task)
    lines = texts(stream)
    assert lines[0] == "sweeping: 5/100 (5%, 5s elapsed, ETA 1m35s)"
    assert lines[1] == "sweeping: 10/100 (10%, 10s elapsed, ETA 1m30s)"
    assert lines[-2] == "sweeping: 95/100 (95%, 1m35s elapsed, ETA 5s)"
    assert lines[-1] == "sweeping: 100/100 (100%, 1m40s elapsed)"
    assert len(lines) == 20


def test_log_lines_at_most_one_per_interval():
    clock, stream = FakeClock(), io.StringIO()
    progress = LogProgress(stream=stream, interval=2.0, clock=clock)
    task = progress.add_task("fast", total=10)
    for _ in range(10):
        clock.now += 0.5  # 10 % per item, but 2 s between lines
        progress.advance(task)
    assert texts(stream) == [
        "fast: 4/10 (40%, 2s elapsed, ETA 3s)",
        "fast: 8/10 (80%, 4s elapsed, ETA 1s)",
        "fast: 10/10 (100%, 5s elapsed)",
    ]


def test_log_line_at_least_once_a_minute_while_advancing():
    clock, stream = FakeClock(), io.StringIO()
    progress = LogProgress(stream=stream, interval=2.0, clock=clock)
    task = progress.add_task("slow", total=1000)
    for _ in range(24):
        clock.now += 5.0  # 0.1 % per item: below the 5 % step for 250 s
        progress.advance(task)
    assert texts(stream) == [
        "slow: 12/1000 (1%, 1m00s elapsed, ETA 1h22m)",
        "slow: 24/1000 (2%, 2m00s elapsed, ETA 1h21m)",
    ]
    clock.now += 600  # nothing advances: no line, however long
    progress.update(task, description="slow")
    assert len(texts(stream)) == 2


def test_short_task_prints_nothing_and_no_total_prints_on_the_heartbeat():
    clock, stream = FakeClock(), io.StringIO()
    progress = LogProgress(stream=stream, interval=2.0, clock=clock)
    quick = progress.add_task("quick", total=3)
    for _ in range(3):
        clock.now += 0.5
        progress.advance(quick)
    assert stream.getvalue() == ""
    open_ended = progress.add_task("open", total=None)
    for _ in range(7):
        clock.now += 20.0
        progress.advance(open_ended)
    assert texts(stream) == ["open: 3 (1m00s elapsed)", "open: 6 (2m00s elapsed)"]


def test_resumed_task_estimates_from_its_own_pace():
    # 50 of 100 points were done by an earlier run: the ETA counts only this run's pace
    clock, stream = FakeClock(), io.StringIO()
    progress = LogProgress(stream=stream, interval=2.0, clock=clock)
    task = progress.add_task("sweeping", total=100, completed=50)
    clock.now = 10.0
    progress.update(task, completed=60)
    assert texts(stream) == ["sweeping: 60/100 (60%, 10s elapsed, ETA 40s)"]


def test_interval_from_the_environment(monkeypatch):
    monkeypatch.setenv("QBATTERY_PROGRESS_INTERVAL", "0.25")
    assert LogProgress().interval == 0.25
    monkeypatch.delenv("QBATTERY_PROGRESS_INTERVAL")
    assert LogProgress().interval == 2.0
    for bad in ("fast", "-1", "inf"):
        monkeypatch.setenv("QBATTERY_PROGRESS_INTERVAL", bad)
        with pytest.raises(SpecError, match="QBATTERY_PROGRESS_INTERVAL"):
            LogProgress()


def test_bad_interval_stops_run_with_one_line(monkeypatch, tmp_path):
    monkeypatch.setenv("QBATTERY_PROGRESS_INTERVAL", "soon")
    spec = tmp_path / "s.toml"
    spec.write_text(TINY_SPEC)
    result = CliRunner().invoke(app, ["run", str(spec)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: QBATTERY_PROGRESS_INTERVAL: expected a number of seconds >= 0, got 'soon'"
    ]


def test_progress_bar_is_a_log_progress_when_not_a_terminal():
    from qbattery import cli

    assert not cli.console.is_terminal  # pytest captures stderr
    assert isinstance(cli.progress_bar(), LogProgress)


# --------------------------------------------------------------------------- DelayedProgress


def test_delayed_progress_shows_nothing_in_the_first_second():
    clock, stream = FakeClock(), io.StringIO()
    opened = []

    def open_display():
        opened.append(clock.now)
        return LogProgress(stream=stream, interval=1.0, clock=clock)

    with prog.DelayedProgress(open_display, delay=1.0, clock=clock) as report:
        for now, fraction in [(0.5, 0.2), (0.9, 0.4), (1.5, 0.6), (3.0, 0.8), (4.0, 1.0)]:
            clock.now = now
            report(fraction)
    assert opened == [1.5]
    # elapsed and ETA count from the start of the run, not from the display's opening
    assert texts(stream) == [
        "simulating: 80/100 (80%, 3s elapsed, ETA 0s)",
        "simulating: 100/100 (100%, 4s elapsed)",
    ]


def test_delayed_progress_of_a_short_run_opens_nothing():
    clock = FakeClock()
    with prog.DelayedProgress(lambda: pytest.fail("opened"), clock=clock) as report:
        for fraction in (0.0, 0.5, 1.0):
            clock.now += 0.3
            report(fraction)
    assert report.display is None


def test_delayed_progress_hands_a_terminal_from_the_spinner_to_a_bar():
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=100)
    status, clock = console.status("simulating…"), FakeClock()

    def open_bar():
        status.stop()  # rich allows one live display at a time
        return prog.make_progress(console)

    with status, prog.DelayedProgress(open_bar, clock=clock) as report:
        for k in range(1, 11):
            clock.now = 0.5 * k
            report(k / 10)
    assert "100/100" in buffer.getvalue() and "100%" in buffer.getvalue()


# --------------------------------------------------------------------------- report / share


def test_reports_reach_the_listener_clipped_monotone_and_shared():
    seen = []
    prog.report(0.5)  # nobody listens: nothing happens
    with prog.reporting(seen.append):
        prog.report(0.25)
        prog.report(0.1)  # a second pass starts again: the display does not go back
        prog.report(0.25 + prog.RESOLUTION / 2)  # below the resolution: not passed on
        with prog.share(2, 4):  # the third quarter
            prog.report(0.5)
            prog.report(2.0)
        prog.report(1.0)
    prog.report(0.9)
    assert seen == [0.25, 0.625, 0.75, 1.0]


def test_reports_from_another_process_are_dropped(monkeypatch):
    seen = []
    with prog.reporting(seen.append):
        monkeypatch.setattr(prog.os, "getpid", lambda: -1)  # as in a forked worker
        prog.report(0.5)
        monkeypatch.undo()
        prog.report(0.75)
    assert seen == [0.75]


# --------------------------------------------------------------------------- solvers


def tavis_cummings(noise=None, solver="auto", points=81, series=("energy", "ergotropy")):
    return {
        "system": {"spins": 3, "mode": {"cutoff": 16}},
        "parameters": {"omega_c": 1.0, "g": 0.6, "kappa": 0.2},
        "hamiltonian": {
            "battery": "Sz",
            "charger": "omega_c*n",
            "coupling": "g/sqrt(N)*(Sp*a + Sm*ad)",
        },
        "initial": {"battery": "down", "charger": {"coherent": 1.2}},
        "noise": noise or {},
        "time": {"t_max": 8.0, "points": points},
        "run": {"solver": solver, "workers": 1},
        "output": {"series": list(series)},
    }


def run_both(spec):
    """The result without and with a progress callback, and what the callback saw."""
    plain = qbattery.simulate(spec)
    seen = []
    watched = qbattery.simulate(spec, progress=seen.append)
    return plain, watched, seen


def assert_identical(a, b):
    assert a.series.keys() == b.series.keys()
    for name in a.series:
        assert np.array_equal(a.series[name], b.series[name]), name
    assert a.summary == b.summary


def assert_reported(seen, method_result):
    assert seen[-1] == 1.0
    assert all(0 <= x <= 1 for x in seen) and seen == sorted(seen)
    inner = [x for x in seen if 0 < x < 1]
    assert len(inner) >= 3, (method_result.info.get("method"), seen)  # from inside the loop
    assert len(seen) <= 1 / prog.RESOLUTION + 2


def test_closed_chebyshev_reports_and_is_bit_identical(monkeypatch):
    monkeypatch.setattr(closed_plan, "ALWAYS_DENSE", 0)
    monkeypatch.setattr(closed_plan, "chebyshev_cost", lambda *a, **k: 0.0)
    monkeypatch.setattr(closed_plan, "TIME_CHUNK", 8)  # several chunks on a short grid
    plain, watched, seen = run_both(tavis_cummings())
    assert watched.info["method"] == "chebyshev"
    assert_identical(plain, watched)
    assert_reported(seen, watched)


def test_closed_ode_reports_per_component_and_is_bit_identical():
    spec = tavis_cummings(points=21, series=("energy",))
    spec["system"]["mode"]["cutoff"] = 8
    spec["initial"]["charger"] = {"thermal": 0.05}  # a mixture: components integrated in turn
    spec["hamiltonian"]["dynamics"] = "Sz + omega_c*n + g*cos(t)/sqrt(N)*(Sp*a + Sm*ad)"
    plain, watched, seen = run_both(spec)
    assert watched.info["method"] == "ode"
    assert_identical(plain, watched)
    assert_reported(seen, watched)


@pytest.mark.parametrize("driven", [False, True], ids=["taylor", "ode"])
def test_lindblad_reports_and_is_bit_identical(driven, monkeypatch):
    monkeypatch.setattr(lindblad, "DENSE_EXPM", 0)  # the Taylor chunks, not the dense steps
    noise = {"mode_loss": "kappa*(1 + 0.5*sin(t))" if driven else "kappa"}
    plain, watched, seen = run_both(tavis_cummings(noise, solver="lindblad"))
    assert watched.info["method"] == ("DOP853" if driven else "taylor")
    assert_identical(plain, watched)
    assert_reported(seen, watched)


def test_permutational_reports_through_its_sectors_and_is_bit_identical():
    noise = {"mode_loss": "kappa", "local_decay": 0.1}
    plain, watched, seen = run_both(tavis_cummings(noise))
    assert watched.info["solver"] == "permutational"
    assert len(watched.info["sectors_integrated"]) > 1
    assert_identical(plain, watched)
    assert_reported(seen, watched)


# --------------------------------------------------------------------------- the command line

TINY_SPEC = """
[system]
spins = 2
bath_spins = 2
[parameters]
B = 1.0
[hamiltonian]
battery = "B*Sz"
charger = "B*Jz"
coupling = "Sp*Jm + Sm*Jp"
[initial]
battery = "down"
charger = { dicke = 2 }
[time]
t_max = 3.0
points = 31
"""

# ~2-3 s on the 2-core development machine: local noise on 10 atoms, serial sectors
LONG_SPEC = """
[system]
spins = 10
mode = { cutoff = 28 }
[parameters]
g = 0.5
[hamiltonian]
battery = "Sz + N/2"
charger = "n"
coupling = "g/sqrt(N)*(Sp*a + Sm*ad)"
[initial]
battery = "down"
charger = { coherent = 2.449489742783178 }
[noise]
mode_loss = 0.15
local_dephasing = 0.1
local_decay = 0.1
[time]
t_max = 12.0
points = 241
[run]
workers = 1
[output]
series = ["energy", "power", "ergotropy"]
"""


def test_short_run_prints_no_progress(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(TINY_SPEC)
    result = CliRunner().invoke(app, ["run", str(spec)])
    assert result.exit_code == 0, result.output
    assert "simulating" not in result.stderr and "P_max" in result.stdout


def test_long_run_in_a_log_prints_progress_lines(tmp_path):
    spec = tmp_path / "long.toml"
    spec.write_text(LONG_SPEC)
    env = dict(os.environ, QBATTERY_PROGRESS_INTERVAL="0.2")
    proc = subprocess.run(
        [sys.executable, "-m", "qbattery.cli", "run", str(spec)],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if "simulating:" in line]
    assert lines, proc.stderr
    pattern = r"\[\d\d:\d\d:\d\d\] simulating: \d+/100 \(\d+%, \S+ elapsed(, ETA \S+)?\)"
    assert all(re.fullmatch(pattern, line) for line in lines), lines
    assert lines[-1].startswith("[") and "simulating: 100/100 (100%" in lines[-1]
    assert "P_max" in proc.stdout


def test_version_option_prints_the_installed_version():
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"qbattery {importlib.metadata.version('qbattery')}"
