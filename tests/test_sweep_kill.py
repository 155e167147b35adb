"""A sweep killed with SIGKILL: its pool workers die with it, and a rerun computes only the
points that were not finished, with results identical to a serial run."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from processes import alive, children

import qbattery
from qbattery.sweep import WorkerDied, _run_point, sweep

BASE = qbattery.models.central_spin(2, 3, t_max=2.0, points=41)
GRID = [("B", [0.5, 1.0, 1.5, 2.0, 2.5, 3.0])]

# The two first points are quick, the others hang: the parent is killed while both workers
# are inside a point (fork: the workers find `slow` in their copy of __main__).
SWEEP = """
import sys, time
import qbattery
from qbattery.sweep import WorkerDied, _run_point, sweep

def slow(spec):
    if spec["parameters"]["B"] > 1.0:
        time.sleep(120)
    return _run_point(spec)

base = qbattery.models.central_spin(2, 3, t_max=2.0, points=41)
sweep(base, [("B", [0.5, 1.0, 1.5, 2.0, 2.5, 3.0])], sys.argv[1], workers=2, run_point=slow)
"""

# a forked child with only the portable guard (the daemon thread), as on a system without prctl
GUARDED_CHILD = """
import multiprocessing, os, sys, time
from qbattery.sweep_executors import die_with_parent

def child(parent):
    sys.platform = "darwin"  # skip prctl
    die_with_parent(parent)
    time.sleep(120)

if __name__ == "__main__":
    p = multiprocessing.get_context("fork").Process(target=child, args=(os.getpid(),))
    p.start()
    print(p.pid, flush=True)
    time.sleep(120)
"""


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


pytestmark = pytest.mark.skipif(
    not Path("/proc/self/task").exists(), reason="needs /proc to find a process's children"
)


def test_killed_sweep_leaves_no_workers_and_resumes(tmp_path):
    out = tmp_path / "s.nc"
    proc = subprocess.Popen([sys.executable, "-c", SWEEP, str(out)], cwd=tmp_path)
    try:
        records = out.with_name("s.nc.partial")
        wait_for(lambda: len(list(records.glob("*.json"))) >= 3, 60, "two finished points")
        workers = wait_for(lambda: children(proc.pid) if len(children(proc.pid)) >= 2 else None,
                           10, "two workers")  # fmt: skip
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        wait_for(lambda: not any(alive(w) for w in workers), 5, f"workers {workers} to die")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not out.exists()

    resumed = []

    def counting(spec):
        resumed.append(spec["parameters"]["B"])
        return _run_point(spec)

    ds = sweep(BASE, GRID, out, run_point=counting)
    assert sorted(resumed) == [1.5, 2.0, 2.5, 3.0]  # the two finished points are not redone
    for b in GRID[0][1]:  # the workers' points and the rerun's, as a serial run gives them
        single = qbattery.simulate(dict(BASE, parameters={**BASE["parameters"], "B": b}))
        np.testing.assert_array_equal(ds["energy"].sel(B=b).values, single.energy)
        for key, value in single.summary.items():
            assert float(ds[key].sel(B=b)) == value, (b, key)


def test_portable_guard_ends_an_orphaned_worker():
    proc = subprocess.Popen([sys.executable, "-c", GUARDED_CHILD], stdout=subprocess.PIPE,
                            text=True)  # fmt: skip
    try:
        child = int(proc.stdout.readline())
        assert alive(child)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        wait_for(lambda: not alive(child), 5, "the orphaned child to exit")
    finally:
        if proc.poll() is None:
            proc.kill()


def _dies_at_B3(spec):  # module level: a pool worker unpickles it (fork)
    if spec["parameters"]["B"] == 3.0:
        os._exit(9)  # as the kernel's OOM killer would end it
    return _run_point(spec)


def test_a_worker_killed_mid_point_stops_the_sweep_with_the_points_saved(tmp_path):
    out = tmp_path / "s.nc"
    grid = [("B", [0.5, 3.0])]
    with pytest.raises(WorkerDied, match="the finished points are saved, rerun to resume"):
        sweep(BASE, grid, out, workers=2, run_point=_dies_at_B3)
    assert not out.exists()
    saved = [p for p in out.with_name("s.nc.partial").glob("*.json") if p.name != "manifest.json"]
    resumed = []
    ds = sweep(BASE, grid, out, run_point=lambda s: resumed.append(s) or _run_point(s))
    assert len(resumed) == 2 - len(saved) and ds["P_max"].notnull().all()
