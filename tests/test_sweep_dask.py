"""Sweeps on a real Dask cluster (LocalCluster, 2 worker processes): results bitwise identical to
a serial run, also when a worker is killed in the middle of a point."""

import os
import signal
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import qbattery
from qbattery.cli import app
from qbattery.sweep import _run_point, sweep

distributed = pytest.importorskip("distributed")

BASE = qbattery.models.central_spin(2, 3, t_max=2.0, points=41)
GRID = [("B", [0.5, 1.0, 1.5]), ("Delta", [0.0, 0.5])]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster:  # fmt: skip
        with distributed.Client(cluster) as c:
            yield c


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    return sweep(BASE, GRID, tmp_path_factory.mktemp("serial") / "s.nc")


def assert_identical(a, b):
    assert set(a.data_vars) == set(b.data_vars)
    for name in a.data_vars:
        np.testing.assert_array_equal(a[name].values, b[name].values)


def dies_once_at_B1(spec, marker_dir):
    """Kill this worker process on the first attempt at B = 1.0; the retry runs the point."""
    marker = Path(marker_dir) / f"B={spec['parameters']['B']}-D={spec['parameters']['Delta']}"
    if spec["parameters"]["B"] == 1.0 and spec["parameters"]["Delta"] == 0.0:
        if not marker.exists():
            marker.write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
    return _run_point(spec)


class KillingRunPoint:
    def __init__(self, marker_dir):
        self.marker_dir = str(marker_dir)

    def __call__(self, spec):
        return dies_once_at_B1(spec, self.marker_dir)


def test_dask_and_serial_are_identical(client, serial, tmp_path):
    ds = sweep(BASE, GRID, tmp_path / "dask.nc", executor=client.get_executor())
    assert_identical(ds, serial)  # the pool: tests/test_sweep.py


def test_a_killed_dask_worker_loses_nothing(client, serial, tmp_path):
    stored = []

    def track(items, total):
        assert total == 6
        for item in items:
            stored.append(tuple(item.values()))
            yield item

    executor = client.get_executor(pure=False)
    ds = sweep(BASE, GRID, tmp_path / "s.nc", executor=executor,
               run_point=KillingRunPoint(tmp_path), progress=track)  # fmt: skip
    assert (tmp_path / "B=1.0-D=0.0").exists()  # the worker really was killed once
    assert sorted(stored) == sorted((b, d) for b in GRID[0][1] for d in GRID[1][1])
    assert not (tmp_path / "s.nc.partial").exists()
    assert_identical(ds, serial)


def test_cli_dask_local_runs_and_resumes(tmp_path, serial):
    spec = tmp_path / "spec.toml"
    spec.write_text(CENTRAL_SPIN_TOML)
    out = tmp_path / "s.nc"
    args = ["sweep", str(spec), "--over", "B=0.5,1", "--over", "Delta=0", "-o", str(out)]
    result = CliRunner().invoke(app, [*args, "--dask-local", "--workers", "1"])
    assert result.exit_code == 0, result.stderr
    import xarray as xr

    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert_identical(ds.load(), serial.sel(B=[0.5, 1.0], Delta=[0.0]))
    again = CliRunner().invoke(app, [*args, "--dask-local"])  # nothing left: no cluster started
    assert again.exit_code == 0 and "2 of 2 points already done, computing 0" in again.stderr


def test_cli_scheduler_runs_on_that_cluster(tmp_path, client, serial):
    spec = tmp_path / "spec.toml"
    spec.write_text(CENTRAL_SPIN_TOML)
    out = tmp_path / "s.nc"
    address = client.scheduler.address
    args = ["sweep", str(spec), "--over", "B=1.5", "--over", "Delta=0,0.5", "-o", str(out)]
    result = CliRunner().invoke(app, [*args, "--scheduler", address])
    assert result.exit_code == 0, result.stderr
    import xarray as xr

    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert_identical(ds.load(), serial.sel(B=[1.5]))


def test_cli_without_dask_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    spec = tmp_path / "spec.toml"
    spec.write_text(CENTRAL_SPIN_TOML)
    for flag in (["--dask-local"], ["--scheduler", "tcp://127.0.0.1:1"]):
        args = ["sweep", str(spec), "--over", "B=0.5", "-o", str(tmp_path / "s.nc"), *flag]
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
        assert f"{flag[0]}: Dask is not installed: install qbattery[dask]" in result.stderr
    assert not (tmp_path / "s.nc.partial").exists()


CENTRAL_SPIN_TOML = """
[system]
spins = 2
bath_spins = 3

[parameters]
B = 1.0
h = 1.0
A = 1.0
Delta = 0.0

[hamiltonian]
battery = "B*Sz"
charger = "h*Jz"
coupling = "A*(Sp*Jm + Sm*Jp) + 2*Delta*Sz*Jz"

[initial]
battery = "down"
charger = { dicke = 3 }

[time]
t_max = 2.0
points = 41

[output]
series = ["energy", "power"]
"""
