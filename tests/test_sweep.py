"""Sweeps: grid layout, resume after a crash without recomputing, clear errors."""

import json

import numpy as np
import pytest
import xarray as xr

import qbattery
from qbattery.spec import SpecError
from qbattery.sweep import _run_point, parse_over, sweep

BASE = qbattery.models.central_spin(2, 3, t_max=2.0, points=41)


def records(tmp_path, name="s.nc"):
    """The point records in OUT.partial/ (the manifest is not one)."""
    return [p for p in (tmp_path / f"{name}.partial").glob("*.json") if p.name != "manifest.json"]


class Counting:
    """A run_point that counts the points it computes (by their B value)."""

    def __init__(self):
        self.calls = []

    def __call__(self, spec):
        self.calls.append(spec["parameters"]["B"])
        return _run_point(spec)


def test_parse_over():
    assert parse_over("g=0.1, 0.2") == ("g", [0.1, 0.2])
    assert parse_over("system.spins=2,4") == ("system.spins", [2, 4])
    for bad in ("g", "g=", "=1", "g=a,b", "g=1,1", "g=1,1.0"):
        with pytest.raises(SpecError):
            parse_over(bad)


def test_parse_over_ranges():
    # inclusive like numpy.linspace, rounded to 15 digits: 0.3, not 0.30000000000000004
    assert parse_over("g=0:1:11")[1] == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert parse_over("g=0.5:0.5:1") == ("g", [0.5])
    assert parse_over("N=2:8:4") == ("N", [2, 4, 6, 8])  # integers for integer fields
    assert all(isinstance(v, int) for v in parse_over("N=2:8:4")[1])
    assert parse_over("g=2.0:8:4")[1] == [2.0, 4.0, 6.0, 8.0]
    assert parse_over("g=log:0.01:1:3") == ("g", [0.01, 0.1, 1.0])  # like numpy.geomspace
    assert parse_over("g=log:-1:-100:3") == ("g", [-1, -10, -100])
    bad = {
        "g=0:1": "start:stop:num",
        "g=0:1:2:3": "start:stop:num",
        "g=lin:0:1:3": "start:stop:num",
        "g=0:1:x": "num must be a whole number",
        "g=0:1:0": "num must be a whole number",
        "g=0:x:3": "'x' is not a number",
        "g=0:inf:3": "not a finite number",
        "g=log:0:1:3": "one sign",
        "g=log:-1:1:3": "one sign",
        "g=1,2:3:2": "start:stop:num",
        "g=1:1:3": "repeated values",
    }
    for text, message in bad.items():
        with pytest.raises(SpecError, match=message) as err:
            parse_over(text)
        assert err.value.field == "--over", text


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
    assert len(records(tmp_path)) == 2
    assert (tmp_path / "s.nc.partial" / "manifest.json").exists()

    # resumed with one more value: only the unfinished points and the new one are computed
    resumed = Counting()
    lines = []
    bigger = [("B", [0.5, 1.0, 1.5, 2.0, 3.0])]
    ds = sweep(BASE, bigger, tmp_path / "s.nc", run_point=resumed, log=lines.append)
    assert sorted(resumed.calls) == [1.5, 2.0, 3.0]
    assert lines == ["2 of 5 points already done, computing 3"]
    assert ds["P_max"].shape == (5,) and ds["P_max"].notnull().all()
    again = Counting()
    sweep(BASE, bigger, tmp_path / "s.nc", run_point=again)
    assert again.calls == []  # a finished sweep recomputes nothing


def test_integers_and_floats_are_the_same_points(tmp_path):
    # the user's report: `--over B=1,2` (ints) never matched the floats read back from the file
    out = tmp_path / "s.nc"
    first = Counting()
    grid = [parse_over("B=1,2"), parse_over("Delta=0,0.5")]
    reference = sweep(BASE, grid, out, run_point=first)
    assert len(first.calls) == 4 and not (tmp_path / "s.nc.partial").exists()
    same = Counting()
    sweep(BASE, grid, out, run_point=same)
    assert same.calls == []  # identical rerun, from the finished file alone
    as_floats = Counting()
    sweep(BASE, [("B", [1.0, 2.0]), ("Delta", [0.0, 0.5])], out, run_point=as_floats)
    assert as_floats.calls == []
    extended = Counting()
    ds = sweep(BASE, [parse_over("B=1,2,3"), parse_over("Delta=0,0.5")], out, run_point=extended)
    assert extended.calls == [3, 3]  # only the new row: 2 of 6 points
    np.testing.assert_array_equal(ds["P_max"].sel(B=[1, 2]).values, reference["P_max"].values)


def test_a_point_is_its_resolved_spec_whatever_the_name(tmp_path):
    out = tmp_path / "s.nc"
    sweep(BASE, [("N", [1, 2])], out)
    calls = []
    ds = sweep(BASE, [("system.spins", [1.0, 2.0])], out, run_point=lambda s: calls.append(s))
    assert calls == [] and list(ds["P_max"].dims) == ["system_spins"]
    # a new swept name, at the values the old points had: still the same points
    ds = sweep(BASE, [("N", [1, 2]), ("B", [1.0])], out, run_point=lambda s: calls.append(s))
    assert calls == [] and ds["P_max"].shape == (2, 1)
    with pytest.raises(SpecError, match="N and system.spins both set system.spins"):
        sweep(BASE, [("N", [1]), ("system.spins", [2])], out)


def test_swept_names_resolve_to_spec_paths():
    from qbattery.sweep_grid import resolve_names

    spins = {"system": {"spins": 2, "bath_spins": 3}, "parameters": {"g": 1.0, "cutoff": 2.0}}
    assert resolve_names(spins, ["N", "N_C", "g", "time.t_max"]) == [
        "system.spins", "system.bath_spins", "parameters.g", "time.t_max"
    ]  # fmt: skip
    assert resolve_names(spins, ["cutoff"]) == ["parameters.cutoff"]  # a parameter wins
    atoms = {"system": {"atoms": 2, "levels": ["g", "e"], "mode": {"cutoff": 4}}}
    assert resolve_names(atoms, ["N", "cutoff"]) == ["system.atoms", "system.mode.cutoff"]
    with pytest.raises(SpecError, match="'N_C' is not a parameter"):
        resolve_names(atoms, ["N_C"])  # no bath


def test_sweep_over_N_and_cutoff_matches_single_runs(tmp_path):
    base = qbattery.load_spec("examples/tavis_cummings_lossy.toml").to_dict()
    base["time"] = {"t_max": 2.0, "points": 21}
    base["initial"]["charger"] = {"fock": 2}
    ds = sweep(base, [("N", [1, 2]), ("cutoff", [3, 4])], tmp_path / "s.nc")
    single = dict(base, system={"spins": 2, "mode": {"cutoff": 3}})
    expected = qbattery.simulate(single)
    np.testing.assert_array_equal(ds["energy"].sel(N=2, cutoff=3).values, expected.energy)
    assert json.loads(ds.attrs["sweep_paths"]) == ["system.spins", "system.mode.cutoff"]


def test_sweep_rejects_unknown_names_before_running(tmp_path):
    with pytest.raises(SpecError, match="not a parameter"):
        sweep(BASE, [("nope", [1, 2])], tmp_path / "s.nc")
    with pytest.raises(SpecError, match="cutoff with a mode"):
        sweep(BASE, [("cutoff", [3])], tmp_path / "s.nc")  # central spin: no mode to cut off
    with pytest.raises(SpecError, match="NetCDF"):
        sweep(BASE, [("B", [1.0])], tmp_path / "s.json")
    with pytest.raises(SpecError, match="repeated values"):
        sweep(BASE, [("B", [1, 1.0])], tmp_path / "s.nc")
    assert not (tmp_path / "s.nc.partial").exists()


def test_swept_time_grid_stores_t_per_point(tmp_path):
    out = tmp_path / "s.nc"
    grid = [("time.t_max", [1.0, 2.0]), ("time.points", [11, 21])]
    ds = sweep(BASE, grid, out)
    assert ds.attrs["layout"] == "step" and ds["t"].dims == ("time_t_max", "time_points", "step")
    assert ds["energy"].dims == ("time_t_max", "time_points", "step") and ds.sizes["step"] == 21
    for t_max in (1.0, 2.0):
        for points in (11, 21):
            spec = dict(BASE, time={"t_max": t_max, "points": points})
            single = qbattery.simulate(spec)
            at = {"time_t_max": t_max, "time_points": points}
            np.testing.assert_array_equal(ds["t"].sel(at).values[:points], single.t)
            np.testing.assert_array_equal(ds["energy"].sel(at).values[:points], single.energy)
            assert np.isnan(ds["energy"].sel(at).values[points:]).all()
            assert float(ds["P_max"].sel(at)) == single.summary["P_max"]
    calls = []
    sweep(BASE, grid, out, run_point=lambda s: calls.append(s))  # resumes from that layout
    assert calls == []


def test_changed_spec_is_refused_naming_what_changed(tmp_path):
    out = tmp_path / "s.nc"
    sweep(BASE, [("B", [0.5, 1.0])], out)
    before = out.read_bytes()
    changed = json.loads(json.dumps(BASE))
    changed["hamiltonian"]["coupling"] = "A*(Sp*Jm + Sm*Jp)"
    changed["parameters"]["A"] = 0.5
    with pytest.raises(SpecError) as err:
        sweep(changed, [("B", [0.5, 1.0])], out, run_point=_never)
    assert err.value.field == "hamiltonian.coupling, parameters.A"
    assert "--restart" in str(err.value) and "\n" not in str(err.value)
    assert out.read_bytes() == before and not (tmp_path / "s.nc.partial").exists()
    # only the swept values, or the base value of a swept name, changed: not a new spec
    moved = dict(BASE, parameters={**BASE["parameters"], "B": 7.0})
    calls = []
    sweep(moved, [("B", [1.0, 0.5, 2.0])], out, run_point=lambda s: calls.append(s) or _run(s))
    assert len(calls) == 1
    restarted = Counting()
    ds = sweep(changed, [("B", [0.5, 1.0])], out, run_point=restarted, restart=True)
    assert sorted(restarted.calls) == [0.5, 1.0]
    assert json.loads(ds.attrs["base_spec"])["parameters"]["A"] == 0.5


def test_changed_spec_is_refused_against_the_partial_manifest(tmp_path):
    out = tmp_path / "s.nc"

    def interrupted(spec):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep(BASE, [("B", [0.5])], out, run_point=interrupted)
    changed = dict(BASE, time={"t_max": 3.0, "points": 41})
    with pytest.raises(SpecError) as err:
        sweep(changed, [("B", [0.5])], out, run_point=_never)
    assert err.value.field == "time.t_max"
    # execution settings are no part of a point: a changed memory limit is not a new spec
    faster = dict(BASE, run={"max_memory": 4.0, "workers": 1})
    ds = sweep(faster, [("B", [0.5])], out)
    assert ds["P_max"].notnull().all()


def test_a_failing_point_is_recorded_and_the_sweep_goes_on(tmp_path):
    out = tmp_path / "s.nc"

    def fails_at_one(spec):
        if spec["parameters"]["B"] == 1.0:
            raise SpecError("system.spins", "too large for this machine")
        return _run_point(spec)

    with pytest.warns(RuntimeWarning, match=r"1 of 3 points failed") as caught:
        ds = sweep(BASE, [("B", [0.5, 1.0, 1.5])], out, run_point=fails_at_one)
    assert "B=1.0: system.spins: too large for this machine" in str(caught[0].message)
    assert np.isnan(ds["P_max"].sel(B=1.0)) and np.isnan(ds["energy"].sel(B=1.0)).all()
    assert ds["P_max"].sel(B=[0.5, 1.5]).notnull().all()
    with xr.open_dataset(out, engine="h5netcdf") as on_disk:
        points = json.loads(on_disk.attrs["points"])
        failed = json.loads(on_disk.attrs["failed"])
    assert points[1]["error"] == "system.spins: too large for this machine"
    assert "error" not in points[0]
    assert failed == [{"assignment": {"B": 1.0}, "error": points[1]["error"]}]
    retried = Counting()
    ds = sweep(BASE, [("B", [0.5, 1.0, 1.5])], out, run_point=retried)
    assert retried.calls == [1.0] and ds["P_max"].notnull().all()
    assert json.loads(ds.attrs["failed"]) == []


def test_a_failed_point_is_in_the_partial_record_of_a_killed_sweep(tmp_path):
    def fails_then_killed(spec):
        if spec["parameters"]["B"] == 0.5:
            raise ValueError("no convergence")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep(BASE, [("B", [0.5, 1.0])], tmp_path / "s.nc", run_point=fails_then_killed)
    (record,) = [json.loads(p.read_text()) for p in records(tmp_path)]
    assert record["error"] == "ValueError: no convergence"
    assert "Traceback" in record["traceback"] and record["assignment"] == {"B": 0.5}


def test_memory_refusal_of_one_N_fails_only_that_point(tmp_path):
    base = qbattery.load_spec("examples/tavis_cummings_lossy.toml").to_dict()
    base["time"] = {"t_max": 2.0, "points": 21}
    base["system"]["mode"]["cutoff"] = 7
    base["run"] = {"max_memory": 1e-3}  # GiB: N = 2 fits, N = 30 does not
    with pytest.warns(RuntimeWarning, match="N=30: system.spins: the .* would need about"):
        ds = sweep(base, [("N", [2, 30])], tmp_path / "s.nc")
    assert ds["E_max"].sel(N=2).notnull() and ds["E_max"].sel(N=30).isnull()


def test_old_sweep_files_and_records_resume(tmp_path):
    out = tmp_path / "s.nc"
    new = sweep(BASE, [("B", [0.5, 1.0])], out)
    # the layout qbattery 0.1 wrote: no sweep_paths, format, layout or failed attributes
    old = new.copy()
    for key in ("format", "sweep_paths", "layout", "failed"):
        del old.attrs[key]
    out.unlink()
    old.to_netcdf(out, engine="h5netcdf")
    # ...and a partial record named by the base-spec hash, as it wrote them
    partial = tmp_path / "s.nc.partial"
    partial.mkdir()
    record = _run_point(dict(BASE, parameters={**BASE["parameters"], "B": 2.0}))
    record = {"base_hash": new.attrs["base_hash"], "assignment": {"B": 2.0}, **record}
    record["info"] = {"marker": "from the old record"}
    from qbattery.reproduce.registry import jsonable

    (partial / "0123456789abcdef0123.json").write_text(json.dumps(jsonable(record)))
    calls = []
    ds = sweep(BASE, [("B", [0.5, 1.0, 2.0])], out, run_point=lambda s: calls.append(s))
    assert calls == []
    assert json.loads(ds.attrs["points"])[2]["info"] == {"marker": "from the old record"}
    np.testing.assert_array_equal(ds["energy"].sel(B=[0.5, 1.0]).values, new["energy"].values)


def test_a_file_that_is_no_sweep_is_not_overwritten(tmp_path):
    out = tmp_path / "s.nc"
    qbattery.simulate(BASE).save(out)  # a single run's file
    with pytest.raises(SpecError, match="is not a qbattery sweep; pass --restart"):
        sweep(BASE, [("B", [0.5])], out, run_point=_never)
    out.write_text("not netcdf")
    with pytest.raises(SpecError, match="cannot be read"):
        sweep(BASE, [("B", [0.5])], out, run_point=_never)
    ds = qbattery.sweep(BASE, over=[("B", [0.5])], out=out, restart=True)  # the module: callable
    assert ds["P_max"].notnull().all() and qbattery.sweep.parse_over is parse_over


def test_sweep_with_process_pool_is_identical_to_serial(tmp_path):
    grid = [("B", [0.5, 1.0, 1.5])]
    serial = sweep(BASE, grid, tmp_path / "serial.nc")
    pooled = sweep(BASE, grid, tmp_path / "pool.nc", workers=2)
    for name in serial.data_vars:
        np.testing.assert_array_equal(pooled[name].values, serial[name].values)
    # a point failing in a worker process: its error comes back, the others are unchanged
    with pytest.warns(RuntimeWarning, match="B=1.0: system.spins: refused in a worker"):
        failing = sweep(BASE, grid, tmp_path / "f.nc", workers=2, run_point=_fails_at_B1)
    assert failing["P_max"].sel(B=1.0).isnull()
    np.testing.assert_array_equal(
        failing["P_max"].sel(B=[0.5, 1.5]), serial["P_max"].sel(B=[0.5, 1.5])
    )


def _fails_at_B1(spec):  # module level: a pool worker unpickles it
    if spec["parameters"]["B"] == 1.0:
        raise SpecError("system.spins", "refused in a worker")
    return _run_point(spec)


def _run(spec):
    return _run_point(spec)


def _never(spec):
    raise AssertionError("computed a point")


def test_a_narrower_grid_into_a_finished_file_is_refused_not_losing_points(tmp_path):
    out = tmp_path / "s.nc"
    run = Counting()
    sweep(BASE, [("B", [0.5, 1.0]), ("h", [1.0, 2.0])], out, run_point=run)
    with pytest.raises(SpecError, match=r"--over: .*holds 2 computed point\(s\) outside"):
        sweep(BASE, [("B", [0.5, 1.0])], out, run_point=run)  # h = 1.0 only: drops two points
    assert xr.open_dataset(out).sizes == {"B": 2, "h": 2, "t": 41}  # untouched
    sweep(BASE, [("B", [0.5, 1.0, 2.0]), ("h", [1.0, 2.0])], out, run_point=run)  # a superset
    sweep(BASE, [("B", [0.5])], out, run_point=run, restart=True)  # or discard them knowingly
    assert xr.open_dataset(out).sizes == {"B": 1, "t": 41}
