"""Result files people can open: NetCDF with CF units and long names, summary scalars as
variables, the spec as attributes; JSON with the version; both read back exactly."""

import importlib.metadata
import json

import h5netcdf
import h5py
import numpy as np
import pytest
import xarray as xr

import qbattery
from qbattery import cf
from qbattery.result import Result, load_result
from qbattery.spec import SERIES

VERSION = importlib.metadata.version("qbattery")


def spec(t_max=0.5, series=("energy", "power", "ergotropy", "locked_energy", "switching_cost")):
    # a short window: E(t) still rises, so there is no first peak (None in the summary)
    return {
        "system": {"spins": 2, "bath_spins": 2},
        "parameters": {"B": 1.0, "A": 0.5},
        "hamiltonian": {"battery": "B*Sz", "charger": "B*Jz", "coupling": "A*(Sp*Jm + Sm*Jp)"},
        "initial": {"battery": "down", "charger": {"dicke": 2}},
        "time": {"t_max": t_max, "points": 11},
        "output": {"series": list(series)},
    }


@pytest.fixture(scope="module")
def result():
    r = qbattery.simulate(spec())
    assert r.summary["tau_first_peak"] is None  # the cases the file must carry
    assert r.summary["locked_energy_bound_holds"] is True
    return r


def assert_same(a: Result, b: Result):
    assert np.array_equal(a.t, b.t)
    assert a.series.keys() == b.series.keys()
    for name in a.series:
        assert np.array_equal(a.series[name], b.series[name]), name
    assert list(a.summary) == list(b.summary) and a.summary == b.summary
    assert a.spec == b.spec and a.info == b.info and a.warnings == b.warnings


def test_netcdf_round_trip_is_exact(result, tmp_path):
    path = result.save(tmp_path / "r.nc")
    back = load_result(path)
    assert_same(result, back)
    assert back.summary["tau_first_peak"] is None
    assert back.summary["locked_energy_bound_holds"] is True


def test_json_round_trip_and_version(result, tmp_path):
    path = result.save(tmp_path / "r.json")
    data = json.loads(path.read_text())
    assert data["qbattery_version"] == VERSION
    assert data["spec"]["qbattery_version"] == VERSION
    back = load_result(path)
    assert "qbattery_version" not in back.series  # metadata, not a series
    assert_same(result, back)


def test_netcdf_variables_carry_units_and_long_names(result, tmp_path):
    path = result.save(tmp_path / "r.nc")
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        assert ds["t"].attrs["units"] == "hbar/E" and ds["t"].attrs["long_name"] == "time"
        assert ds["energy"].dims == ("t",) and ds["energy"].attrs["units"] == "E"
        assert ds["power"].attrs["units"] == "E^2/hbar"
        assert ds["P_max"].dims == () and ds["P_max"].attrs["units"] == "E^2/hbar"
        assert float(ds["P_max"]) == result.summary["P_max"]
        assert ds["tau_ergotropy"].attrs["units"] == "hbar/E"
        assert ds["P_max"].attrs["long_name"] == "maximum average power"
        for name, variable in ds.variables.items():
            assert variable.attrs.get("units"), name  # every variable here is a known one
        undefined = ds["tau_first_peak"]
        assert np.isnan(float(undefined)) and undefined.attrs["undefined"] == 1
        assert "undefined" in undefined.attrs["comment"]
        holds = ds["locked_energy_bound_holds"]
        assert int(holds) == 1 and holds.attrs["flag_meanings"] == "false true"
        a = ds.attrs
        assert a["Conventions"] == "CF-1.10" and a["qbattery_version"] == VERSION
        assert f"qbattery {VERSION}" in a["history"] and a["history"].endswith(VERSION)
        assert a["title"] == "qbattery: 2 spins charged by 2 charger spins"
        assert a["source"] == f"qbattery {VERSION}, solver closed"
        assert "hbar = 1" in a["units_convention"]
        # the spec, flattened for people, and exact for programs
        assert a["spec.system.spins"] == 2 and a["spec.parameters.A"] == 0.5
        assert a["spec.hamiltonian.coupling"] == "A*(Sp*Jm + Sm*Jp)"
        assert a["spec.initial.charger.dicke"] == 2
        assert json.loads(a["spec.output.series"]) == result.spec["output"]["series"]
        assert a["spec.noise.collapse"] == "[]"
        assert json.loads(a["spec_json"]) == result.spec
        assert json.loads(a["info"]) == result.info


def test_netcdf_opens_with_h5netcdf_and_h5py(result, tmp_path):
    path = result.save(tmp_path / "r.nc")
    with h5netcdf.File(path, "r") as f:
        assert f.variables["energy"].attrs["units"] == "E"
        assert f.variables["t"].attrs["units"] == "hbar/E"
        assert f.variables["E_max"].attrs["units"] == "E"
        assert f.attrs["Conventions"] == "CF-1.10"
    with h5py.File(path, "r") as f:
        units = f["power"].attrs["units"]
        assert (units.decode() if isinstance(units, bytes) else units) == "E^2/hbar"
        assert f["energy"][:].tolist() == result.energy.tolist()


def test_files_of_version_0_1_still_load(result, tmp_path):
    # the layout qbattery 0.1 wrote: series on t, summary/spec/info/warnings as JSON attributes
    path = tmp_path / "old.nc"
    data = {k: ("t", np.asarray(v)) for k, v in result.series.items()}
    attrs = {
        "summary": json.dumps(result.summary),
        "spec": json.dumps(result.spec),
        "info": json.dumps(result.info),
        "warnings": json.dumps(result.warnings),
        "qbattery_version": "0.1.0",
    }
    xr.Dataset(data, coords={"t": result.t}, attrs=attrs).to_netcdf(path, engine="h5netcdf")
    assert_same(result, load_result(path))


def test_summary_key_named_like_a_series_is_refused(result):
    clash = Result(result.t, dict(result.series), {"energy": 1.0}, result.spec)
    with pytest.raises(ValueError, match="energy"):
        clash.to_dataset()


# --------------------------------------------------------------------------- the CF table


def test_every_series_and_summary_key_has_units():
    assert set(SERIES) <= set(cf.SERIES_META)
    # every summary key the code produces (metrics.summarize with ergotropy, at_tau, simulate,
    # the locked-energy bound, the mean-field solver's w_max)
    produced = {
        "t_E_max", "E_max", "t_P_max", "P_max", "tau_first_peak", "E_first_peak",
        "P_first_peak", "ergotropy_max", "tau_ergotropy", "energy_at_tau", "P_ergotropy_max",
        "t_P_ergotropy_max", "switching_cost_at_tau", "locked_energy_at_tau", "E_initial",
        "locked_energy_max", "locked_energy_bound", "locked_energy_bound_holds", "w_max",
    }  # fmt: skip
    assert produced <= set(cf.SUMMARY_META)
    for meta in cf.METADATA.values():
        assert meta.long_name and meta.units


def test_runs_write_only_known_names(tmp_path):
    # every series at once, and the mean-field solver's own series and summary
    full = spec(t_max=3.0, series=[s for s in SERIES if s not in ("u", "v", "w")])
    meanfield = spec(t_max=3.0, series=["energy", "u", "v", "w"])
    meanfield["system"] = {"spins": 4}
    meanfield["hamiltonian"] = {"battery": "B*Sz", "dynamics": "B*Sz + A*Sx"}
    meanfield["initial"] = {"battery": "down"}
    meanfield["run"] = {"solver": "meanfield"}
    datasets = [qbattery.simulate(s).to_dataset() for s in (full, meanfield)]
    assert {"u", "v", "w", "w_max"} <= set(datasets[1].variables)
    for ds in datasets:
        assert [n for n in ds.variables if str(n) not in cf.METADATA] == []


def test_annotate_a_sweep_dataset():
    ds = xr.Dataset(
        {
            "P_max": (("g", "system_spins"), np.ones((2, 3))),
            "energy": (("g", "system_spins", "t"), np.ones((2, 3, 4))),
            "mystery": ((), 1.0, {"long_name": "kept as written"}),
        },
        coords={"g": [0.1, 0.2], "system_spins": [2, 4, 6], "t": np.arange(4.0)},
        attrs={"history": "2020-01-01T00:00:00Z: made by hand", "title": "a sweep over g"},
    )
    out = cf.annotate(ds, {"parameters": {"g": 0.1}, "system": {"spins": 2}})
    assert out["g"].attrs["long_name"] == "parameter g" and "units" not in out["g"].attrs
    assert "cannot tell" in out["g"].attrs["description"]
    assert out["system_spins"].attrs == {"long_name": "number of battery spins N", "units": "1"}
    assert out["P_max"].attrs["units"] == "E^2/hbar" and out["t"].attrs["units"] == "hbar/E"
    assert out["mystery"].attrs == {"long_name": "kept as written"}
    assert out.attrs["title"] == "a sweep over g"  # a caller's own title wins
    first, second = out.attrs["history"].splitlines()
    assert first == "2020-01-01T00:00:00Z: made by hand"
    assert second.endswith(f"Z: written by qbattery {VERSION}")
    assert out.attrs["Conventions"] == "CF-1.10" and out.attrs["qbattery_version"] == VERSION
    unknown = cf.annotate(xr.Dataset({"x": ((), 1.0)}), {})
    assert unknown["x"].attrs == {"long_name": "x"}
    assert unknown.attrs["title"] == "qbattery: a battery without a quantum charger"


def test_cli_writes_an_annotated_netcdf(tmp_path):
    from typer.testing import CliRunner

    from qbattery.cli import app

    path = tmp_path / "s.toml"
    path.write_text(
        '[system]\nspins = 2\nbath_spins = 2\n[parameters]\nB = 1.0\n[hamiltonian]\n'
        'battery = "B*Sz"\ncharger = "B*Jz"\ncoupling = "Sp*Jm + Sm*Jp"\n'
        '[initial]\nbattery = "down"\ncharger = { dicke = 2 }\n[time]\nt_max = 3.0\npoints = 31\n'
    )  # fmt: skip
    out = tmp_path / "r.nc"
    run = CliRunner().invoke(app, ["run", str(path), "-o", str(out)])
    assert run.exit_code == 0, run.output
    assert {p.name for p in tmp_path.iterdir()} == {"s.toml", "r.nc"}  # no temporary left
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert ds["E_max"].attrs["units"] == "E" and ds.attrs["spec.system.bath_spins"] == 2
