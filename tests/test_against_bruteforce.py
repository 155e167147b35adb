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


def test_dicke_oat_summary():
    """Summary numbers on the grid: maxima, time of max power, first local maximum of E."""
    spec = oat_spec(3, "x", -0.6, 3, 12)
    spec["time"] = {"t_max": 12.0, "points": 241}
    t = times(spec)
    ref = oat_reference(3, "x", -0.6, 3, mode_dim(12), t)
    s = compare(spec, ref).summary
    ip = int(np.argmax(ref["power"]))
    expected = {
        "E_max": ref["energy"].max(),
        "P_max": ref["power"][ip],
        "t_P_max": t[ip],
        "tau_first_peak": bf.first_local_max(t, ref["energy"]),
        "ergotropy_max": ref["ergotropy"].max(),
    }
    for key, value in expected.items():
        assert abs(s[key] - value) <= ERGO_TOL, (
            f"summary[{key!r}] = {s[key]!r}, bruteforce {value!r}"
        )


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
