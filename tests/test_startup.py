"""Start-up cost: what importing the package and the command line loads, and and the light
replacement (scipy.special for scipy.stats) that lets a model build skip scipy.stats. Module presence is asserted, never timings."""

import json
import subprocess
import sys

import numpy as np
import pytest

HEAVY = ["matplotlib", "xarray", "scipy.stats", "scipy.integrate", "scipy.optimize", "netCDF4",
         "h5netcdf"]  # fmt: skip


def loaded_after(code: str, names: list[str]) -> list[str]:
    """The modules among ``names`` in sys.modules after running ``code`` in a fresh python."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {names!r} if m in sys.modules]))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("code", ["import qbattery", "import qbattery.cli"])
def test_importing_the_package_or_the_cli_loads_no_numerics(code):
    # `qbattery --help` needs typer and rich only: numpy, scipy and the rest load with a command
    assert loaded_after(code, [*HEAVY, "numpy", "scipy", "qbattery.simulate"]) == []


def test_the_cli_help_loads_no_numerics():
    code = (
        "import sys\nsys.argv = ['qbattery', '--help']\nimport qbattery.cli\n"
        "try:\n    qbattery.cli.main()\nexcept SystemExit:\n    pass"
    )
    assert loaded_after(code, [*HEAVY, "numpy", "scipy"]) == []


def test_building_models_and_summaries_skips_scipy_stats():
    code = (
        "import numpy as np, qbattery\nfrom qbattery import metrics\n"
        "spec = qbattery.models.canzio(4, charger='coherent')\n"
        "t = np.linspace(0, 3, 31)\n"
        "metrics.summarize(t, np.sin(t) ** 2, energy_at=lambda x: np.sin(x) ** 2)"
    )
    # the refinement of maxima uses scipy.optimize (bounded Brent); nothing else heavy loads
    assert loaded_after(code, [m for m in HEAVY if m != "scipy.optimize"]) == []


def test_public_api_resolves_lazily():
    code = (
        "import qbattery\n"
        "from qbattery.simulate import evaluate\n"  # binds the submodule onto the package
        "assert callable(qbattery.simulate) and qbattery.simulate.__name__ == 'simulate'\n"
        "from qbattery import Result, Spec, SpecError, load_result, load_spec, simulate\n"
        "from qbattery import validate_spec\n"
        "assert simulate is qbattery.simulate and issubclass(SpecError, Exception)\n"
        "assert callable(qbattery.models.central_spin) and callable(qbattery.spec.validate_spec)\n"
        "assert set(qbattery.__all__) <= set(dir(qbattery))\n"
        "try:\n    qbattery.no_such_name\nexcept AttributeError:\n    pass\n"
        "else:\n    raise AssertionError('no AttributeError')\n"
        "r = qbattery.simulate(qbattery.models.central_spin(2, 2, points=21))\n"
        "assert r.summary['E_max'] > 0"
    )
    assert loaded_after(code, ["matplotlib", "xarray", "scipy.stats"]) == []


def test_poisson_isf_matches_scipy_stats():
    from scipy.stats import poisson

    from qbattery.operators.boson import _poisson_isf

    rng = np.random.default_rng(7)
    means = [*10 ** rng.uniform(-20, 300, 100), *rng.uniform(0, 50, 50), 0.0, 1e-320, np.inf]
    for q in (1e-10, 1e-6, 0.3, 0.0, 1.0):
        for mu in means:
            want, got = float(poisson.isf(q, mu)), _poisson_isf(q, mu)
            assert got == want or (np.isnan(want) and np.isnan(got)), (q, mu)
    assert np.isnan(_poisson_isf(1e-10, np.nan))
