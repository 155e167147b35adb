"""`qbattery sweep`: ranges, skipped points, failed points (exit 1), a changed spec (exit 2)."""

import json

import numpy as np
import xarray as xr
from typer.testing import CliRunner

from qbattery.cli import app

# Tavis-Cummings in a leaky cavity; a Fock |2> charger needs cutoff >= 3, which the spec check
# cannot know before the state is built: cutoff = 2 fails when the point runs
SPEC = """
[system]
spins = 1
mode = { cutoff = 4 }

[parameters]
g = 0.5
kappa = 0.05

[hamiltonian]
battery = "Sz"
charger = "n"
coupling = "g/sqrt(N)*(Sp*a + Sm*ad)"

[initial]
battery = "down"
charger = { fock = 2 }

[noise]
mode_loss = "kappa"

[time]
t_max = 2.0
points = 21
"""


def run(*args):
    return CliRunner().invoke(app, ["sweep", *map(str, args)])


def test_cli_failed_point_exits_1_and_a_rerun_retries_it(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    out = tmp_path / "s.nc"
    result = run(spec, "--over", "cutoff=2:3:2", "--over", "N=1,2", "-o", out)
    assert result.exit_code == 1, result.stderr
    assert "2 of 4 points failed" in result.stderr
    assert "cutoff=2, N=1: initial.charger: Fock state |2> needs cutoff >= 3" in result.stderr
    assert f"wrote {out} (4 points, 2 failed)" in result.stderr
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert ds["E_max"].sel(cutoff=2).isnull().all()
        assert ds["E_max"].sel(cutoff=3).notnull().all()
        assert len(json.loads(ds.attrs["failed"])) == 2
    # the same grid again: the 2 good points are kept, the 2 failed ones tried again
    again = run(spec, "--over", "cutoff=2:3:2", "--over", "N=1,2", "-o", out)
    assert again.exit_code == 1
    assert "2 of 4 points already done, computing 2" in again.stderr
    fixed = run(spec, "--over", "cutoff=3", "--over", "N=1,2", "-o", out)
    assert fixed.exit_code == 0, fixed.stderr
    assert "2 of 2 points already done, computing 0" in fixed.stderr


def test_cli_changed_spec_exits_2_naming_the_fields(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    out = tmp_path / "s.nc"
    assert run(spec, "--over", "g=log:0.1:1:2", "-o", out).exit_code == 0
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        np.testing.assert_array_equal(ds["g"].values, [0.1, 1.0])
        before = ds["E_max"].values
    spec.write_text(SPEC.replace("kappa = 0.05", "kappa = 0.1").replace("t_max = 2.0", "t_max = 3"))
    result = run(spec, "--over", "g=0.1,1", "-o", out)
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "parameters.kappa, time.t_max: changed since the points in" in result.stderr
    assert "--restart" in result.stderr
    restarted = run(spec, "--over", "g=0.1,1", "-o", out, "--restart")
    assert restarted.exit_code == 0, restarted.stderr
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert not np.array_equal(ds["E_max"].values, before)
        assert json.loads(ds.attrs["base_spec"])["parameters"]["kappa"] == 0.1


def test_cli_bad_range_and_option_combinations_exit_2(tmp_path):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    out = tmp_path / "s.nc"
    cases = {
        ("--over", "g=0:1"): "--over: g: expected start:stop:num",
        ("--over", "g=1", "--scheduler", "tcp://x:1", "--dask-local"): "give either --scheduler",
        ("--over", "g=1", "--scheduler", "tcp://x:1", "--workers", "2"): "--workers: the cluster",
        ("--over", "nope=1"): "--over: 'nope' is not a parameter",
    }
    for args, message in cases.items():
        result = run(spec, *args, "-o", out)
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1, args
        assert message in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spec.toml"]
