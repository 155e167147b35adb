"""Sweeps: grid layout, resume after a crash without recomputing, clear errors."""

import pytest
import xarray as xr

import qbattery
from qbattery.spec import SpecError
from qbattery.sweep import _run_point, parse_over, sweep

BASE = qbattery.models.central_spin(2, 3, t_max=2.0, points=41)


def test_parse_over():
    assert parse_over("g=0.1, 0.2") == ("g", [0.1, 0.2])
    assert parse_over("system.spins=2,4") == ("system.spins", [2, 4])
    for bad in ("g", "g=", "=1", "g=a,b", "g=1,1"):
        with pytest.raises(SpecError):
            parse_over(bad)


def test_sweep_grid_matches_single_runs(tmp_path):
    ds = sweep(BASE, [("B", [0.5, 1.0]), ("system.spins", [1, 2])], tmp_path / "s.nc")
    assert ds["P_max"].shape == (2, 2) and ds["energy"].shape == (2, 2, 41)
    spec = qbattery.models.central_spin(1, 3, B=0.5, t_max=2.0, points=41)
    single = qbattery.simulate(spec)
    assert float(ds["P_max"].sel(B=0.5, system_spins=1)) == pytest.approx(single.summary["P_max"])
    with xr.open_dataset(tmp_path / "s.nc", engine="h5netcdf") as on_disk:
        assert float(on_disk["P_max"].sel(B=0.5, system_spins=1)) == pytest.approx(
            single.summary["P_max"]
        )
    assert not (tmp_path / "s.nc.partial").exists()


def test_killed_sweep_resumes_without_recomputing(tmp_path):
    calls = []

    def crashing(spec):
        if len(calls) == 2:
            raise KeyboardInterrupt  # the sweep is killed after two points
        calls.append(spec["parameters"]["B"])
        return _run_point(spec)

    grid = [("B", [0.5, 1.0, 1.5, 2.0])]
    with pytest.raises(KeyboardInterrupt):
        sweep(BASE, grid, tmp_path / "s.nc", run_point=crashing)
    assert not (tmp_path / "s.nc").exists()
    assert len(list((tmp_path / "s.nc.partial").glob("*.json"))) == 2

    resumed = []

    def counting(spec):
        resumed.append(spec["parameters"]["B"])
        return _run_point(spec)

    ds = sweep(BASE, grid, tmp_path / "s.nc", run_point=counting)
    assert sorted(resumed) == [1.5, 2.0]  # only the unfinished points
    assert ds["P_max"].notnull().all()
    again = []
    sweep(BASE, grid, tmp_path / "s.nc", run_point=lambda s: again.append(s) or _run_point(s))
    assert again == []  # a finished sweep recomputes nothing
    bigger = []
    ds = sweep(BASE, [("B", [0.5, 1.0, 1.5, 2.0, 3.0])], tmp_path / "s.nc",
               run_point=lambda s: bigger.append(s["parameters"]["B"]) or _run_point(s))  # fmt: skip
    assert bigger == [3.0] and ds["P_max"].shape == (5,)


def test_sweep_rejects_unknown_names_before_running(tmp_path):
    with pytest.raises(SpecError, match="not a parameter"):
        sweep(BASE, [("nope", [1, 2])], tmp_path / "s.nc")
    with pytest.raises(SpecError, match="time grid"):
        sweep(BASE, [("time.t_max", [1.0, 2.0])], tmp_path / "s.nc")
    with pytest.raises(SpecError, match="NetCDF"):
        sweep(BASE, [("B", [1.0])], tmp_path / "s.json")


def test_sweep_with_process_pool(tmp_path):
    ds = sweep(BASE, [("B", [0.5, 1.0])], tmp_path / "s.nc", workers=2)
    assert ds["P_max"].notnull().all()
