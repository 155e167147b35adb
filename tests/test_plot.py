"""`qbattery plot` and qbattery.plot: each layout (single run, one, two and three swept names,
a swept time grid) draws what the file holds, readable (``figure_problems``), in the format of
the suffix; bad requests exit 2 with one line."""

from __future__ import annotations

import numpy as np
import pytest
from sweepfiles import synthetic_sweep, tiny_run
from typer.testing import CliRunner

from qbattery.cli import app
from qbattery.plot import figure, plot_file
from qbattery.reproduce.plotting import figure_problems
from qbattery.result_data import mathtext, open_result
from qbattery.spec import SpecError

MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-"}


def written(path) -> bool:
    """The file exists, is not empty and starts as its format must."""
    data = path.read_bytes()
    if path.suffix == ".svg":
        return b"<svg" in data[:1000]
    return len(data) > 100 and data.startswith(MAGIC[path.suffix])


def summary(spec: dict) -> dict:
    n, b = spec["system"]["spins"], spec["parameters"]["B"]
    return {"E_max": n * b, "P_max": n**1.5 * b, "tau_ergotropy": 1.0 / (n + b)}


def two_series(spec: dict, t: np.ndarray) -> dict:
    n = spec["system"]["spins"]
    return {"energy": n * np.sin(t) ** 2, "power": n * np.sin(t) ** 2 / np.maximum(t, 1e-9)}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("plots")
    spins = ("system.spins", [1, 2, 3])
    return {
        "run_nc": tiny_run(d / "run.nc"),
        "run_json": tiny_run(d / "run.json"),
        "one": synthetic_sweep(d / "one.nc", [spins], summary, two_series),
        "two": synthetic_sweep(d / "two.nc", [spins, ("B", [0.5, 1.0])], summary),
        "three": synthetic_sweep(
            d / "three.nc", [spins, ("B", [0.5, 1.0]), ("h", [1.0, 2.0])], summary
        ),  # fmt: skip
        "time": synthetic_sweep(d / "time.nc", [("time.points", [11, 21])], summary, two_series),
    }


def axes_of(fig):
    """The data axes (not colour bars), in panel order."""
    return [ax for ax in fig.get_axes() if getattr(ax, "_colorbar", None) is None]


@pytest.mark.parametrize("key", ["run_nc", "run_json"])
def test_single_run_draws_one_panel_per_series(files, key):
    data = open_result(files[key])
    fig = figure(data)
    assert figure_problems(fig) == []
    axes = axes_of(fig)
    assert len(axes) == len(data.series) >= 2  # energy, power, ergotropy, ...
    energy = axes[data.series.index("energy")].lines[0]
    np.testing.assert_allclose(energy.get_ydata(), data.ds["energy"].values)
    np.testing.assert_allclose(energy.get_xdata(), data.ds["t"].values)


def test_one_swept_name_draws_a_line_per_value_and_summaries_over_it(files):
    data = open_result(files["one"])
    fig = figure(data)
    assert figure_problems(fig) == []
    axes = axes_of(fig)
    assert len(axes) == 2 + 3  # energy, power over t; E_max, P_max, tau_ergotropy over N_B
    assert [len(ax.lines) for ax in axes[:2]] == [3, 3]
    np.testing.assert_allclose(axes[0].lines[2].get_ydata(), 3 * np.sin(data.times()) ** 2)
    p_max = axes[3].lines[0]
    np.testing.assert_allclose(p_max.get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(p_max.get_ydata(), np.array([1, 2, 3]) ** 1.5)
    # the lines are coloured by the swept value: three different colours
    assert len({tuple(line.get_color()) for line in axes[0].lines}) == 3


def test_two_swept_names_draw_maps_oriented_x_first(files):
    data = open_result(files["two"])
    fig = figure(data, quantities=["P_max"])
    assert figure_problems(fig) == []
    (ax,) = axes_of(fig)
    (mesh,) = ax.collections
    z = np.asarray(mesh.get_array()).reshape(2, 3)  # rows: B, columns: N_B
    expected = np.array([[n**1.5 * b for n in (1, 2, 3)] for b in (0.5, 1.0)])
    np.testing.assert_allclose(z, expected)
    assert (ax.get_xlabel(), ax.get_ylabel()) == (data.label("system_spins"), data.label("B"))


def test_over_draws_lines_over_one_name_per_value_of_the_other(files):
    fig = figure(open_result(files["two"]), quantities=["E_max"], over="B")
    assert figure_problems(fig) == []
    (ax,) = axes_of(fig)
    assert len(ax.lines) == 3  # one per N_B
    np.testing.assert_allclose(ax.lines[1].get_xdata(), [0.5, 1.0])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [1.0, 2.0])  # E_max = N_B·B at N_B = 2


def test_three_swept_names_need_at(files):
    data = open_result(files["three"])
    with pytest.raises(SpecError, match="3 swept names") as err:
        figure(data)
    assert err.value.field == "--at"
    fig = figure(data, at={"h": 2.0})
    assert len(axes_of(fig)[0].collections) == 1 and "h = 2" in fig.get_suptitle()


def test_a_swept_time_grid_draws_each_point_on_its_own_grid(files):
    data = open_result(files["time"])
    fig = figure(data, quantities=["energy"])
    (ax,) = axes_of(fig)
    short, long_ = ax.lines
    assert np.count_nonzero(np.isfinite(short.get_xdata())) == 11
    assert np.count_nonzero(np.isfinite(long_.get_xdata())) == 21


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_formats_follow_the_suffix(files, tmp_path, suffix):
    out = plot_file(files["one"], tmp_path / f"f{suffix}", quantities=["power", "P_max"])
    assert out == tmp_path / f"f{suffix}" and written(out)


def test_default_output_is_next_to_the_input(files, tmp_path):
    src = tmp_path / "r.nc"
    src.write_bytes(files["run_nc"].read_bytes())
    r = CliRunner().invoke(app, ["plot", str(src), "-q", "energy"])
    assert r.exit_code == 0, r.stderr
    assert written(tmp_path / "r.png")


def test_cli_writes_each_layout(files, tmp_path):
    for key, extra in (("three", ["--at", "h=1", "--over", "B", "-q", "P_max"]),
                       ("run_json", ["-q", "energy"])):  # fmt: skip
        out = tmp_path / f"{key}{len(extra)}.svg"
        r = CliRunner().invoke(app, ["plot", str(files[key]), "-o", str(out), *extra])
        assert r.exit_code == 0, r.stderr
        assert written(out)


@pytest.mark.parametrize(
    ("key", "args", "start"),
    [
        ("one", ["-o", "x.gif"], "error: --output: unknown figure format '.gif'"),
        ("one", ["-q", "nope"], "error: --quantity: unknown quantity 'nope'"),
        ("run_nc", ["--over", "B"], "error: --over: 'B' is not a swept name"),
        ("run_nc", ["-q", "P_max"], "error: --quantity: P_max: one value per run"),
        ("two", ["--at", "B=0.7"], "error: --at: B=0.7 is not on the grid"),
        ("two", ["--at", "B"], "error: --at: expected NAME=value"),
        ("two", ["-q", "energy"], "error: --quantity: energy: series need one free swept name"),
        ("three", [], "error: --at: 3 swept names"),
        ("two", ["--over", "B", "--at", "B=1"], "error: --over: 'B' is fixed"),
    ],
)
def test_cli_errors_exit_2_with_one_line(files, tmp_path, key, args, start):
    out = tmp_path / "out.png"
    r = CliRunner().invoke(app, ["plot", str(files[key]), *(args if "-o" in args else
                                                              ["-o", str(out), *args])])  # fmt: skip
    assert r.exit_code == 2
    assert r.stderr.startswith(start), r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not out.exists()


def test_missing_or_foreign_files_are_refused(tmp_path):
    (tmp_path / "x.nc").write_text("not netcdf")
    for name, fragment in (("none.nc", "no such file"), ("x.nc", "not a readable NetCDF"),
                           ("x.toml", None)):  # fmt: skip
        if name == "x.toml":
            (tmp_path / name).write_text("")
            fragment = "unknown format '.toml'"
        r = CliRunner().invoke(app, ["plot", str(tmp_path / name), "-o", str(tmp_path / "o.png")])
        assert r.exit_code == 2 and fragment in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P_max", r"$\mathrm{P\_max}$"),
        ("maximum average power [E^2/hbar]", r"maximum average power $\mathrm{[E^2/hbar]}$"),
        (r"$\tau$ [hbar/E]", r"$\tau$ [hbar/E]"),
        ("system.spins", "system.spins"),
    ],
)
def test_labels_are_mathtext_safe(text, expected):
    assert mathtext(text) == expected


def test_every_swept_name_fixed_draws_that_point_over_t(files):
    data = open_result(files["one"])
    fig = figure(data, at={"system.spins": 2})
    assert figure_problems(fig) == []
    energy = axes_of(fig)[0].lines
    assert len(energy) == 1
    np.testing.assert_allclose(energy[0].get_ydata(), 2 * np.sin(data.times()) ** 2)
    assert "system.spins = 2" in fig.get_suptitle()


def test_fit_figure_shows_data_law_and_exponent(tmp_path):
    from qbattery.fit import fit_file
    from qbattery.plot import fit_figure

    path = synthetic_sweep(tmp_path / "f.nc", [("system.spins", [1, 2, 4, 8]), ("B", [1.0, 2.0])],
                           summary)  # fmt: skip
    fits = fit_file(path, "P_max", "system.spins", x_range=(2, None))
    fig = fit_figure(fits, open_result(path))
    assert figure_problems(fig) == []
    (ax,) = fig.get_axes()
    assert ax.get_xscale() == ax.get_yscale() == "log"
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert len(labels) == 2 and all(r"\alpha = 1.5" in text for text in labels)
    assert "B = 2" in labels[1]
    # per slice: all points (open), the fitted points, the law over the fitted range
    all_points, fitted, law = ax.lines[3:6]
    np.testing.assert_allclose(all_points.get_xdata(), [1, 2, 4, 8])
    np.testing.assert_allclose(fitted.get_xdata(), [2, 4, 8])
    np.testing.assert_allclose(law.get_ydata(), 2.0 * law.get_xdata() ** 1.5, rtol=1e-10)
