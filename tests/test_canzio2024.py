"""Canzio et al. (2024) Figs. 4-6 (reproduce/canzio2024.py), quick versions.

* every quick target runs, writes its PNG and JSON and states rows;
* physics that can fail: the Tavis-Cummings switching cost at τ is zero (Canzio Fig. 6a); one
  scan point's maximum ergotropy, τ and switching cost recomputed with the full-space Lindblad
  evolution of tests/bruteforce.py.
"""

from __future__ import annotations

import bruteforce as bf
import numpy as np
import pytest

from qbattery.reproduce import canzio2024 as cz
from qbattery.reproduce.registry import Context, load_all, write_output

NAMES = ["canzio2024-fig4", "canzio2024-fig5", "canzio2024-fig6"]


@pytest.mark.parametrize("name", NAMES)
def test_quick_target_writes_figure_and_rows(name, tmp_path):
    out = load_all()[name].func(Context(quick=True))
    assert out.rows and all(r.quantity for r in out.rows)
    png, js = write_output(name, out, tmp_path)
    assert png.stat().st_size > 10_000 and js.exists()


def test_tavis_cummings_switching_cost_vanishes():
    for noise in ("green", "red"):
        p = cz.point("tc", False, noise, 3, True)
        assert abs(p["switching_cost_at_tau"]) < 1e-10


def test_scan_point_against_the_full_space():
    """N = 2 Dicke with every noise channel: ℰ_max, τ and δE(τ) on the same grid."""
    p = cz.point("dicke", False, "red", 2, True)
    n, cutoff = 2, p["cutoff"]
    model = bf.canzio(n, cutoff, "dicke")
    psi = bf.product(bf.spins_down(n), bf.coherent(cutoff, np.sqrt(n)))
    collapse = bf.local_collapse(n, cutoff, kappa=0.15, gamma_down=0.1, gamma_phi=0.1)
    times = np.linspace(0, p["t_max"], 61)
    rhos = bf.lindblad_evolve(model.H, collapse, np.outer(psi, psi.conj()), times)
    ergo = np.array([bf.ergotropy_all(bf.battery_state(r, 2**n, cutoff), model.H_B) for r in rhos])
    i = int(np.argmax(ergo))
    assert p["ergotropy_max"] == pytest.approx(ergo[i], abs=1e-8)
    assert p["tau"] == pytest.approx(times[i])
    assert p["switching_cost_at_tau"] == pytest.approx(
        bf.switching_cost(rhos[i], model.H_I), abs=1e-8
    )
