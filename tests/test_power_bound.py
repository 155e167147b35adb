"""The summary's E_capacity, t_power_bound and P_max_is_global (simulate._power_bound): E(t) is at
most the top level of H_B on the reachable states minus E_B(0), so no t > E_capacity/P_max can give
a larger E(t)/t (the certificate of Peng et al., PRA 103, 052220, Sec. III)."""

import numpy as np
import pytest

import qbattery
from qbattery.models.central_spin import central_spin


@pytest.mark.parametrize("N_B,N,n", [(3, 6, 2), (2, 5, 5), (4, 4, 4)])
def test_central_spin_capacity_is_the_sector_capacity(N_B, N, n):
    """Peng's capacity B·min(N_B, n): the sector |m, n − m> holds at most min(N_B, n) battery
    excitations, fewer than the battery's N_B when n < N_B."""
    res = qbattery.simulate(central_spin(N_B, N, B=1.3, flipped=n, t_max=2.0, points=201))
    assert res.summary["E_capacity"] == pytest.approx(1.3 * min(N_B, n), rel=1e-12)
    bound = res.summary["t_power_bound"]
    assert bound == pytest.approx(res.summary["E_capacity"] / res.summary["P_max"], rel=1e-12)


def test_p_max_is_global_once_the_window_passes_the_bound():
    short = qbattery.simulate(central_spin(3, 6, flipped=2, t_max=0.05, points=11))
    bound = short.summary["t_power_bound"]
    assert bound > 0.05 and not short.summary["P_max_is_global"]
    spec = central_spin(3, 6, flipped=2, t_max=bound * 1.01, points=2001)
    exact = qbattery.simulate(spec)
    assert exact.summary["P_max_is_global"]
    # nothing later beats it: a window three times longer finds the same maximum
    longer = qbattery.simulate(central_spin(3, 6, flipped=2, t_max=3 * bound, points=6001))
    assert longer.summary["P_max"] == pytest.approx(exact.summary["P_max"], rel=1e-12)
    t, e = longer.t[1:], longer.energy[1:]
    assert np.all(
        e[t > exact.summary["t_power_bound"]] / t[t > exact.summary["t_power_bound"]]
        < exact.summary["P_max"]
    )


def test_product_space_capacity_is_the_battery_span():
    """The Dicke coupling mixes charges: the run reaches the whole symmetric manifold, whose span
    of ω S_z is ω N."""
    spec = {
        "system": {"spins": 4, "mode": {"cutoff": 12}},
        "parameters": {"w": 0.9, "g": 0.3},
        "hamiltonian": {"battery": "w*Sz", "charger": "w*n", "coupling": "g*Sx*(a + ad)"},
        "initial": {"battery": "down", "charger": {"fock": 4}},
        "time": {"t_max": 5.0, "points": 201},
    }
    res = qbattery.simulate(spec)
    assert "subspace" not in res.info
    assert res.summary["E_capacity"] == pytest.approx(0.9 * 4, rel=1e-12)
