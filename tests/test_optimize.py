"""`qbattery optimize`: the known optimum of a Rabi-charged atom, resume (also after SIGKILL),
refusal of a changed study, failed points as failed trials, bad input, the plot."""

import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from processes import alive, children
from typer.testing import CliRunner

import qbattery
from qbattery.cli import app
from qbattery.optimize import Range, evaluate_point, optimize, parse_vary

pytest.importorskip("optuna")

EXAMPLE = Path(__file__).parent.parent / "examples" / "rabi_detuning.toml"
OMEGA_A, OMEGA = 1.0, 0.5  # the example's atom frequency and Rabi frequency


def rabi_energy(t, detuning):
    """Stored energy of a two-level atom driven from its ground state (Rabi's formula): with
    H = Δ S_z + Ω S_x = (W/2) n·σ, W = √(Ω² + Δ²), the excited population is
    (Ω/W)² sin²(W t/2), and E = ω_a times it."""
    w2 = OMEGA**2 + detuning**2
    return OMEGA_A * OMEGA**2 / w2 * np.sin(np.sqrt(w2) * np.asarray(t) / 2) ** 2


def rabi_peak(detuning):
    return OMEGA_A * OMEGA**2 / (OMEGA**2 + detuning**2)


def cli(*args):
    return CliRunner().invoke(app, ["optimize", *map(str, args)])


def test_the_example_follows_the_rabi_formula():
    base = qbattery.load_spec(EXAMPLE).to_dict()
    for detuning in (-0.5, -0.2, 0.0, 0.3):
        base["parameters"]["omega_d"] = OMEGA_A - detuning
        result = qbattery.simulate(base)
        assert result.energy == pytest.approx(rabi_energy(result.t, detuning), abs=1e-9)
        assert result.summary["E_max"] == pytest.approx(rabi_peak(detuning), abs=1e-9)


def test_finds_the_resonance_and_its_energy():
    result = optimize(EXAMPLE, "E_max", {"omega_d": (0.5, 1.5)}, trials=25, seed=0)
    detuning = OMEGA_A - result.best_params["omega_d"]
    # TPE, 25 trials: |Δ| ≤ 0.021 for seeds 0-9; 0.03 leaves room, and costs 0.4 % of E_max
    assert abs(detuning) < 0.03
    assert result.best_value == pytest.approx(rabi_peak(detuning), abs=1e-9)
    assert result.best_value > rabi_peak(0.03)
    assert result.counts() == {"complete": 25, "failed": 0, "interrupted": 0}
    low = optimize(EXAMPLE, "E_max", {"omega_d": (0.5, 1.5)}, trials=15, seed=0, maximize=False)
    assert abs(OMEGA_A - low.best_params["omega_d"]) > 0.4  # the minimum is at either end
    assert low.best_value == pytest.approx(rabi_peak(OMEGA_A - low.best_params["omega_d"]))


def test_parse_vary():
    assert parse_vary("g=0.1:1") == ("g", Range(0.1, 1.0))
    assert parse_vary("kappa = log:1e-3:1") == ("kappa", Range(1e-3, 1.0, "log"))
    assert parse_vary("system.spins=int:2:6") == ("system.spins", Range(2, 6, "int"))
    for bad in ("g", "g=", "=0:1", "g=1", "g=0:1:2", "g=a:1", "g=1:0", "g=log:0:1",
                "g=int:0.5:2", "g=0:inf", "g=cube:0:1"):  # fmt: skip
        with pytest.raises(qbattery.SpecError, match="--vary"):
            parse_vary(bad)


def test_rerun_adds_only_the_missing_trials(tmp_path):
    db, js = tmp_path / "s.db", tmp_path / "best.json"
    args = [EXAMPLE, "--maximize", "E_max", "--vary", "omega_d=0.5:1.5", "-o", db, "--seed", "3"]
    first = cli(*args, "--trials", 10, "--json", js)
    assert first.exit_code == 0, first.output
    before = json.loads(js.read_text())
    assert before["new_trials"] == 10 and len(before["trials"]) == 10
    again = cli(*args, "--trials", 15, "--json", js)
    assert again.exit_code == 0, again.output
    after = json.loads(js.read_text())
    assert after["new_trials"] == 5
    assert [r["number"] for r in after["trials"]] == list(range(15))
    assert after["trials"][:10] == before["trials"]  # kept, not recomputed
    assert after["best_value"] == max(r["value"] for r in after["trials"])
    assert "E_max" in again.stdout and "best of 15 trials" in again.stdout
    assert json.loads(js.read_text())["counts"]["complete"] == 15
    assert cli(*args, "--trials", 15, "--json", js).exit_code == 0
    assert json.loads(js.read_text())["new_trials"] == 0


def test_an_interrupted_search_resumes_as_if_never_stopped(tmp_path):
    vary = {"omega_d": (0.5, 1.5), "Omega": (0.2, 1.0, "log")}
    calls = []

    def stopped_at_the_fifth(spec, objective):
        if len(calls) == 4:
            raise KeyboardInterrupt  # Ctrl-C during the fifth point
        calls.append(spec["parameters"]["omega_d"])
        return evaluate_point(spec, objective)

    db = tmp_path / "s.db"
    with pytest.raises(KeyboardInterrupt):
        optimize(EXAMPLE, "E_max", vary, trials=8, storage=db, seed=5,
                 evaluate=stopped_at_the_fifth)  # fmt: skip
    resumed = optimize(EXAMPLE, "E_max", vary, trials=8, storage=db, seed=5)
    assert resumed.new_trials == 4 and resumed.counts() == {"complete": 8, "failed": 0,
                                                            "interrupted": 1}  # fmt: skip
    cut = next(r for r in resumed.trials if r["state"] == "interrupted")
    counted = [r for r in resumed.trials if r["state"] == "complete"]
    assert cut["number"] == 4 and counted[4]["params"] == cut["params"]  # run again, once
    straight = optimize(EXAMPLE, "E_max", vary, trials=8, seed=5)  # in memory, never stopped
    assert [r["params"] for r in counted] == [r["params"] for r in straight.trials]


def _complete(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return con.execute("SELECT count(*) FROM trials WHERE state = 'COMPLETE'").fetchone()[0]
    except sqlite3.Error:  # tables not created yet
        return 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and PR_SET_PDEATHSIG")
def test_a_killed_search_leaves_no_workers_and_resumes(tmp_path):
    db, js = tmp_path / "s.db", tmp_path / "best.json"
    args = [sys.executable, "-m", "qbattery.cli", "optimize", str(EXAMPLE), "--maximize",
            "E_max", "--vary", "omega_d=0.5:1.5", "--vary", "Omega=0.3:0.8", "--trials", "12",
            "--workers", "2", "-o", str(db), "--json", str(js), "--seed", "1"]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while _complete(db) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = sorted(children(proc.pid))
    assert proc.poll() is None and len(workers) >= 2, "the search ended before it was killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while any(map(alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(alive, workers)), "workers outlived the killed search"
    assert not js.exists()

    args[args.index("--workers") + 1] = "1"  # the worker count is no part of the study
    resumed = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    data = json.loads(js.read_text())
    rows = data["trials"]
    counted = [r for r in rows if r["state"] != "interrupted"]
    assert data["counts"]["complete"] == len(counted) == 12
    assert len({json.dumps(r["params"]) for r in counted}) == 12  # none run twice
    for cut in (r for r in rows if r["state"] == "interrupted"):
        # a point in flight runs again, once; a trial killed while its point was being drawn
        # (the sampler runs after the trial is created) has none
        assert sum(r["params"] == cut["params"] for r in counted) == (1 if cut["params"] else 0)
    assert sorted(r["number"] for r in rows) == list(range(len(rows)))


def test_a_changed_search_is_refused_unless_restarted(tmp_path):
    db = tmp_path / "s.db"
    spec = tmp_path / "rabi.toml"
    spec.write_text(EXAMPLE.read_text())
    args = [spec, "--maximize", "E_max", "--vary", "omega_d=0.5:1.5", "-o", db, "--trials", 3]
    assert cli(*args).exit_code == 0
    spec.write_text(EXAMPLE.read_text().replace("omega_d = 0.8", "omega_d = 1.2"))
    assert cli(*args).exit_code == 0  # the varied name's own value is not part of the study
    spec.write_text(EXAMPLE.read_text().replace("Omega = 0.5", "Omega = 0.4"))
    changed = cli(*args)
    assert changed.exit_code == 2 and changed.stderr.count("\n") == 1
    assert changed.stderr.startswith("error: --output:") and "the spec changed" in changed.stderr
    other = cli(*args[:4], "omega_d=0.6:1.5", *args[5:])
    assert "search space (was omega_d=0.5:1.5)" in other.stderr
    objective = cli(spec, "--minimize", "E_max", *args[3:])
    assert "objective (was maximize E_max, now minimize E_max)" in objective.stderr
    restarted = CliRunner().invoke(app, ["optimize", *map(str, args), "--restart"])
    assert restarted.exit_code == 0 and "3 new trials" in restarted.stderr


def test_one_search_per_study_file(tmp_path):
    import fcntl

    db = tmp_path / "s.db"
    with open(db, "ab") as held:  # as a running search holds it
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(qbattery.SpecError, match="in use by another optimize run"):
            optimize(EXAMPLE, "E_max", {"omega_d": (0.5, 1.5)}, trials=2, storage=db)
    assert optimize(EXAMPLE, "E_max", {"omega_d": (0.5, 1.5)}, trials=2, storage=db).new_trials == 2


def test_failed_points_are_failed_trials_with_their_message(tmp_path):
    # the first energy peak is at t = π/W ≥ π/√(Ω² + 0.25) ≈ 4.44: shorter runs have none
    vary = {"time.t_max": (1.0, 8.0)}
    result = optimize(EXAMPLE, "tau_first_peak", vary, trials=8, seed=2, storage=tmp_path / "s.db")
    assert len(result.trials) == 8
    params = lambda r: r["params"]["time.t_max"]  # noqa: E731
    base_peak = math.pi / math.hypot(OMEGA, OMEGA_A - 0.8)  # the example's omega_d = 0.8
    for r in result.trials:
        if params(r) < base_peak - 0.05:
            assert r["state"] == "failed" and "tau_first_peak is None" in r["error"]
        elif params(r) > base_peak + 0.05:
            assert r["state"] == "complete" and r["value"] == pytest.approx(base_peak, abs=1e-6)
    assert {r["state"] for r in result.trials} == {"failed", "complete"}
    broken = qbattery.load_spec(EXAMPLE).to_dict()
    broken["run"] = {"max_memory": 1e-9}
    outcome = evaluate_point(broken, "E_max")
    assert outcome["value"] is None and "max_memory" in outcome["error"]


@pytest.mark.parametrize(
    "args, option",
    [
        (["--maximize", "E_mx", "--vary", "omega_d=0.5:1.5"], "--maximize"),
        (["--minimize", "ergotropy_max", "--vary", "omega_d=0.5:1.5"], "--minimize"),  # no series
        (["--vary", "omega_d=0.5:1.5"], "--maximize/--minimize"),
        (["--maximize", "E_max", "--minimize", "P_max", "--vary", "g=0:1"], "--maximize"),
        (["--maximize", "E_max", "--vary", "g=0.1:1"], "--vary"),  # not a parameter
        (["--maximize", "E_max", "--vary", "omega_d=1.5:0.5"], "--vary"),
        (["--maximize", "E_max", "--vary", "omega_d=0:1", "--vary", "omega_d=1:2"], "--vary"),
        (["--maximize", "E_max", "--vary", "system.spins=int:0:2"], "--vary"),
        (["--maximize", "E_max", "--vary", "omega_d=0.5:1", "-o", "s.json"], "--output"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, option, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "rabi.toml"
    spec.write_text(EXAMPLE.read_text() + '\n[output]\nseries = ["energy", "power"]\n')
    result = cli(spec, *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"error: {option}") and result.stderr.count("\n") == 1
    assert sorted(os.listdir(tmp_path)) == ["rabi.toml"]  # no study, nothing half-written


def test_the_search_plot(tmp_path):
    from qbattery.optimize_plot import plot_search, search_figure
    from qbattery.reproduce.plotting import figure_problems

    one = optimize(EXAMPLE, "E_max", {"omega_d": (0.5, 1.5)}, trials=6, seed=0)
    two = optimize(EXAMPLE, "E_max", {"omega_d": (0.5, 1.5), "Omega": "log:0.2:1"}, trials=6,
                   seed=0)  # fmt: skip
    for result in (one, two):
        fig = search_figure(result)
        assert figure_problems(fig) == []
        assert len([ax for ax in fig.axes if ax.get_label() != "<colorbar>"]) == 2
    path = plot_search(two, tmp_path / "search.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["search.png"]


def test_varied_names_are_those_of_a_sweep():
    """``N`` is the battery size, as in ``qbattery sweep --over N=...``."""
    seen = []

    def evaluate(spec, objective):
        seen.append(spec["system"]["spins"])
        return evaluate_point(spec, objective)

    result = optimize(EXAMPLE, "E_max", {"N": (1, 3, "int")}, trials=4, seed=0, evaluate=evaluate)
    assert set(seen) <= {1, 2, 3} and len(seen) == 4
    assert set(result.best_params) == {"N"}
    with pytest.raises(qbattery.SpecError, match=r"--vary: 'zz' is not a parameter"):
        optimize(EXAMPLE, "E_max", {"zz": (0.0, 1.0)}, trials=1)
