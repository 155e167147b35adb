"""The package's `qbattery.simulate` against the independent brute force of tests/bruteforce.py.

Every spec below is written as the papers write the model; the reference rebuilds the same model in
the full 2^N (x) charger space from single-site Pauli matrices and compares energy, power,
ergotropy (all unitaries and permutation-invariant ones) and the summary numbers.

Mode truncation: ``mode = {cutoff = c}`` is taken to mean Fock states 0 .. c-1 (dimension c), see
``mode_dim``. Cases marked "converged" use a cutoff where dimension c and c+1 agree to < 1e-11, so
they pass whatever the convention; the others compare the identical truncated model.
"""

from __future__ import annotations

import bruteforce as bf
import numpy as np
import pytest

qbattery = pytest.importorskip("qbattery")
if not hasattr(qbattery, "simulate"):
    pytest.skip("qbattery.simulate does not exist yet", allow_module_level=True)

ENERGY_TOL = 1e-9
ERGO_TOL = 1e-8
SERIES = ["energy", "power", "ergotropy", "ergotropy_symmetric"]


def mode_dim(cutoff: int) -> int:
    """Hilbert-space dimension of a mode with ``cutoff`` (assumed: Fock states 0 .. cutoff-1)."""
    return cutoff


def times(spec):
    return np.linspace(0.0, spec["time"]["t_max"], spec["time"]["points"])


def assert_close(name, ours, ref, tol, extra=""):
    ours = np.asarray(ours, dtype=float)
    assert ours.shape == ref.shape, f"{name}: shape {ours.shape} != reference {ref.shape}"
    err = np.abs(ours - ref)
    i = int(np.argmax(err))
    assert err[i] <= tol, (
        f"{name}: max |package - bruteforce| = {err[i]:.3e} at index {i} "
        f"(package {ours[i]:.12g}, bruteforce {ref[i]:.12g}){extra}"
    )


def compare(spec, ref, *, symmetric=True, cutoff_note=""):
    """Run the package on ``spec`` and compare every series and the summary with ``ref``."""
    res = qbattery.simulate(spec)
    assert_close("t", res.t, ref["t"], 1e-12)
    assert_close("energy", res.energy, ref["energy"], ENERGY_TOL, cutoff_note)
    assert_close("power", res.power, ref["power"], ENERGY_TOL, cutoff_note)
    assert_close("ergotropy", res.ergotropy, ref["ergotropy"], ERGO_TOL, cutoff_note)
    for name in ("energy", "power", "ergotropy"):
        assert_close(f"series[{name!r}]", res.series[name], ref[name], ERGO_TOL)
    if symmetric:
        assert_close(
            "series['ergotropy_symmetric']",
            res.series["ergotropy_symmetric"],
            ref["ergotropy_symmetric"],
            ERGO_TOL,
            cutoff_note,
        )
    return res


# --------------------------------------------------------------------------- central spin

CENTRAL_SPIN = [
    # N_B, N_C, B, h, A, Delta, flipped bath spins
    (1, 2, 1.0, 1.0, 1.0, 0.0, 1),
    (1, 4, 1.3, 0.7, 0.8, -0.45, 3),
    (2, 3, 1.0, 1.0, 1.0, 0.0, 3),
    (2, 4, 1.0, 0.8, 1.0, 0.5, 2),
    (3, 2, 1.0, 1.0, 1.0, 0.0, 2),
    (3, 4, 1.2, 1.0, 1.0, 0.7, 4),
]


def central_spin_spec(N_B, N_C, B, h, A, Delta, k):
    return {
        "system": {"spins": N_B, "bath_spins": N_C},
        "parameters": {"B": B, "h": h, "A": A, "Delta": Delta},
        "hamiltonian": {
            "battery": "B*Sz",
            "charger": "h*Jz",
            "coupling": "A*(Sp*Jm + Sm*Jp) + 2*Delta*Sz*Jz",
        },
        "initial": {"battery": "down", "charger": {"dicke": k}},
        "time": {"t_max": 8.0, "points": 161},
        "output": {"series": SERIES},
    }


@pytest.mark.parametrize(("N_B", "N_C", "B", "h", "A", "Delta", "k"), CENTRAL_SPIN)
def test_central_spin(N_B, N_C, B, h, A, Delta, k):
    spec = central_spin_spec(N_B, N_C, B, h, A, Delta, k)
    model = bf.central_spin(N_B, N_C, B, h, A, Delta)
    psi0 = bf.product(bf.spins_down(N_B), bf.dicke_state(N_C, k))
    compare(spec, bf.run(model, psi0, times(spec), N=N_B))


def test_central_spin_single_spin_matches_peng_eq12_through_package():
    """Paper 002 Eq. 12 straight against the package (N_B = 1, detuned, Delta != 0)."""
    N, n, B, h, A, Delta = 5, 2, 1.3, 0.7, 0.8, -0.45
    spec = central_spin_spec(1, N, B, h, A, Delta, n)
    t = times(spec)
    b = n * (N - n + 1)
    Omega = np.sqrt((B - h + (2 * n - 1 - N) * Delta) ** 2 + 4 * b * A**2)
    expected = B * 4 * b * A**2 / Omega**2 * np.sin(Omega * t / 2) ** 2
    assert_close("energy", qbattery.simulate(spec).energy, expected, 1e-10)


# --------------------------------------------------------------------------- Dicke + OAT

DICKE_OAT = [
    # N, k, J, Fock n, cutoff   (full-space ground state of H_B non-degenerate and symmetric)
    (2, "x", -0.6, 2, 10),
    (3, "x", 0.6, 3, 12),
    (4, "x", -1.0, 4, 14),
    (2, "y", 0.6, 2, 10),
    (3, "y", -0.6, 3, 12),
    (4, "y", 1.0, 3, 14),
    (2, "z", -0.6, 4, 12),
    (3, "z", 0.6, 2, 10),
    (4, "z", -1.0, 3, 14),
    (4, "z", 1.0, 2, 12),  # below the z-axis degeneracy threshold J = omega_a N/(N-1) = 4/3
    (3, "z", 0.0, 2, 12),  # plain Dicke
]
CONVERGED_OAT = [(3, "x", -0.6, 2, 26), (3, "y", 0.6, 2, 26), (2, "z", -0.6, 2, 26)]


def oat_spec(N, k, J, n, cutoff, g=0.5):
    battery = "omega_a*Sz" if J == 0.0 else f"omega_a*Sz + J/N*S{k}^2"
    return {
        "system": {"spins": N, "mode": {"cutoff": cutoff}},
        "parameters": {"omega_a": 1.0, "J": J, "omega_c": 1.0, "g": g},
        "hamiltonian": {
            "battery": battery,
            "charger": "omega_c*n",
            "coupling": "g/sqrt(N)*Sx*(a + ad)",
        },
        "initial": {"battery": "ground", "charger": {"fock": n}},
        "time": {"t_max": 10.0, "points": 101},
        "output": {"series": SERIES},
    }


def oat_reference(N, k, J, n, dim, t, g=0.5):
    model = bf.dicke_oat(N, dim, 1.0, J, k, 1.0, g)
    G = bf.ground_state(model.H_B)  # raises if degenerate
    assert bf.symmetric_weight(G, N) > 1 - 1e-12, "full-space ground state is not symmetric"
    return bf.run(model, bf.product(G, bf.fock(dim, n)), t, N=N)


@pytest.mark.parametrize(("N", "k", "J", "n", "cutoff"), DICKE_OAT)
def test_dicke_oat_fock(N, k, J, n, cutoff):
    spec = oat_spec(N, k, J, n, cutoff)
    t = times(spec)
    ref = oat_reference(N, k, J, n, mode_dim(cutoff), t)
    alt = oat_reference(N, k, J, n, mode_dim(cutoff) + 1, t)["energy"]
    note = (
        f"\n  [truncation: bruteforce with dimension {mode_dim(cutoff)} vs {mode_dim(cutoff) + 1}"
        f" differ by {np.max(np.abs(alt - ref['energy'])):.2e} in energy; if the package is"
        f" closer to the latter, it reads cutoff as the highest Fock number]"
    )
    compare(spec, ref, cutoff_note=note)


@pytest.mark.parametrize(("N", "k", "J", "n", "cutoff"), CONVERGED_OAT)
def test_dicke_oat_converged_cutoff(N, k, J, n, cutoff):
    spec = oat_spec(N, k, J, n, cutoff)
    t = times(spec)
    ref = oat_reference(N, k, J, n, cutoff, t)
    alt = oat_reference(N, k, J, n, cutoff + 1, t)
    assert np.max(np.abs(alt["energy"] - ref["energy"])) < 1e-11  # precondition
    compare(spec, ref)


DICKE_BATTERY = [
    # N, k, J, excited battery spins, Fock n, cutoff.  The first two have a DEGENERATE full-space
    # spectrum at the initial energy (z-twisting with J >= omega_a N/(N-1)): the ergotropy over all
    # unitaries must count the j < N/2 copies of every level and exceeds the symmetric one.
    (3, "z", 2.0, 1, 2, 10),
    (4, "z", 3.0, 1, 2, 10),
    (4, "x", 0.6, 2, 2, 10),
    (3, "y", -0.6, 3, 1, 10),
]


@pytest.mark.parametrize(("N", "k", "J", "kb", "n", "cutoff"), DICKE_BATTERY)
def test_dicke_oat_from_battery_dicke_state(N, k, J, kb, n, cutoff):
    spec = oat_spec(N, k, J, n, cutoff)
    spec["initial"] = {"battery": {"dicke": kb}, "charger": {"fock": n}}
    model = bf.dicke_oat(N, mode_dim(cutoff), 1.0, J, k, 1.0, 0.5)
    psi0 = bf.product(bf.dicke_state(N, kb), bf.fock(mode_dim(cutoff), n))
    compare(spec, bf.run(model, psi0, times(spec), N=N))


SUMMARY_CASES = [
    ("dicke-oat", oat_spec(3, "x", -0.6, 3, 12)),
    ("central-spin", central_spin_spec(2, 4, 1.0, 0.8, 1.0, 0.5, 2)),
]


@pytest.mark.parametrize(("name", "spec"), SUMMARY_CASES)
def test_summary(name, spec):
    """Summary numbers. The package refines E_max, P_max and the first energy peak between grid
    points (continuous-time maxima); the reference does the same with its own E(t) and an
    independent dense-sampling + Brent search. ergotropy_max is the grid maximum."""
    spec = {**spec, "time": {"t_max": 12.0, "points": 241}}
    t = times(spec)
    if name == "dicke-oat":
        model = bf.dicke_oat(3, 12, 1.0, -0.6, "x", 1.0, 0.5)
        psi0 = bf.product(bf.ground_state(model.H_B), bf.fock(12, 3))
        ref = bf.run(model, psi0, t, N=3)
    else:
        model = bf.central_spin(2, 4, 1.0, 0.8, 1.0, 0.5)
        psi0 = bf.product(bf.spins_down(2), bf.dicke_state(4, 2))
        ref = bf.run(model, psi0, t, N=2)
    s = compare(spec, ref).summary
    E = bf.energy_function(model, psi0)
    ie, ip = int(np.argmax(ref["energy"])), int(np.argmax(ref["power"]))
    peak = int(np.argmin(np.abs(t - bf.first_local_max(t, ref["energy"]))))
    t_E, E_max = bf.refine_max(E, t[ie - 1], t[min(ie + 1, len(t) - 1)])
    t_P, P_max = bf.refine_max(lambda x: E(x) / x, t[max(ip - 1, 1)], t[min(ip + 1, len(t) - 1)])
    tau, _ = bf.refine_max(E, t[peak - 1], t[peak + 1])
    values = {"E_max": E_max, "P_max": P_max, "ergotropy_max": ref["ergotropy"].max()}
    for key, value in values.items():
        assert abs(s[key] - value) <= ERGO_TOL, f"summary[{key!r}] = {s[key]!r}, ref {value!r}"
    for key, value in {"t_P_max": t_P, "tau_first_peak": tau}.items():
        assert abs(s[key] - value) <= 1e-5, f"summary[{key!r}] = {s[key]!r}, ref {value!r}"
    # grid-free: the refined maxima are never below the grid maxima
    assert s["E_max"] >= ref["energy"].max() - 1e-12
    assert s["P_max"] >= ref["power"].max() - 1e-12
    assert t[ie - 1] <= t_E <= t[min(ie + 1, len(t) - 1)]


def test_summary_consistent_with_series_when_discharging():
    """A battery that starts full only loses energy: E(t) <= 0 and the power series peaks at
    P(0) = 0. The summary maxima must still be consistent with the series it is built from."""
    spec = oat_spec(3, "y", -0.6, 1, 10)
    spec["initial"] = {"battery": {"dicke": 3}, "charger": {"fock": 1}}
    res = qbattery.simulate(spec)
    s = res.summary
    assert np.all(res.energy <= 1e-12)
    assert s["E_max"] >= res.energy.max() - 1e-12, (s["E_max"], res.energy.max())
    assert s["P_max"] >= res.power.max() - 1e-12, (s["P_max"], s["t_P_max"], res.power.max())
    assert np.isclose(s["ergotropy_max"], res.ergotropy.max(), atol=1e-12)


# --------------------------------------------------------------------------- Tavis-Cummings

TAVIS_CUMMINGS = [
    # N, omega_c, g, charger, cutoff   (coherent: cutoff converged; Fock: truncation exact)
    (2, 1.0, 0.6, {"coherent": 1.2}, 22),
    (3, 1.2, 0.5, {"coherent": 1.5}, 24),
    (4, 1.0, 0.4, {"coherent": 1.0}, 20),
    (3, 1.0, 0.7, {"fock": 3}, 8),
    (4, 0.9, 0.5, {"fock": 2}, 6),
]


@pytest.mark.parametrize(("N", "omega_c", "g", "charger", "cutoff"), TAVIS_CUMMINGS)
def test_tavis_cummings(N, omega_c, g, charger, cutoff):
    spec = {
        "system": {"spins": N, "mode": {"cutoff": cutoff}},
        "parameters": {"omega_a": 1.0, "omega_c": omega_c, "g": g},
        "hamiltonian": {
            "battery": "omega_a*Sz",
            "charger": "omega_c*n",
            "coupling": "g/sqrt(N)*(Sp*a + Sm*ad)",
        },
        "initial": {"battery": "down", "charger": charger},
        "time": {"t_max": 12.0, "points": 121},
        "output": {"series": SERIES},
    }
    dim = mode_dim(cutoff)
    model = bf.tavis_cummings(N, dim, 1.0, omega_c, g)
    if "coherent" in charger:
        psi_C = bf.coherent(dim, charger["coherent"])
    else:
        psi_C = bf.fock(dim, charger["fock"])
    compare(spec, bf.run(model, bf.product(bf.spins_down(N), psi_C), times(spec), N=N))
