"""Sector-first building (qbattery.operators.subspace, build_problem): a closed run whose
generator keeps the excitation number is built on the states of the charges ρ(0) occupies.

Each case is checked against the independent full 2^N ⊗ charger brute force of tests/bruteforce.py
(built from single-site Pauli matrices), never against the package's own product-space path."""

from __future__ import annotations

import bruteforce as bf
import numpy as np
import pytest
import qutip as qt
import scipy.sparse as sp
from scipy.integrate import solve_ivp

import qbattery
from qbattery.models.central_spin import central_spin
from qbattery.operators.subspace import BandOperators, product_charges
from qbattery.problem import build_problem

TOL = 1e-9


def tavis_cummings(N=3, cutoff=6, photons=3, **extra) -> dict:
    spec = {
        "system": {"spins": N, "mode": {"cutoff": cutoff}},
        "parameters": {"w": 1.0, "wc": 1.0, "g": 0.7},
        "hamiltonian": {
            "battery": "w*Sz",
            "charger": "wc*n",
            "coupling": "g/sqrt(N)*(Sp*a + Sm*ad)",
        },
        "initial": {"battery": "down", "charger": {"fock": photons}},
        "time": {"t_max": 4.0, "points": 81},
        "output": {"series": ["energy", "ergotropy", "purity"]},
    }
    for key, value in extra.items():
        spec[key] = value
    return spec


def reference(model: bf.Model, psi0: np.ndarray, t: np.ndarray, N: int) -> dict:
    return bf.run(model, psi0, t, N)


def test_band_operators_are_the_compressed_product_operators():
    """P (O_B ⊗ 1) P and P (1 ⊗ O_C) P, straight from the factors, on a random band."""
    rng = np.random.default_rng(3)

    from qbattery.problem import Space

    def Factor(kind, ops):
        return Space(kind, next(iter(ops.values())).shape[0], ops)

    def random_op(d):
        dense = rng.normal(size=(d, d)) * (rng.random((d, d)) < 0.4)
        return sp.csr_matrix(dense + 1j * rng.normal(size=(d, d)) * (dense != 0))

    battery = Factor("spins", {"Sx": random_op(4), "Sz": random_op(4)})
    charger = Factor("mode", {"a": random_op(7)})
    index = np.sort(rng.choice(28, size=11, replace=False))
    band = BandOperators(battery, charger, index)
    for name, op in battery.operators.items():
        full = np.kron(op.toarray(), np.eye(7))
        assert np.array_equal(band[name].toarray(), full[np.ix_(index, index)])
    full = np.kron(np.eye(4), charger.operators["a"].toarray())
    assert np.array_equal(band["a"].toarray(), full[np.ix_(index, index)])


@pytest.mark.parametrize("N_B,N_C,n", [(2, 3, 3), (3, 4, 2), (4, 2, 2)])
def test_central_spin_is_built_on_its_sector(N_B, N_C, n):
    spec = central_spin(N_B, N_C, B=1.1, h=0.8, A=0.9, Delta=0.3, flipped=n, t_max=3.0, points=61)
    spec["output"]["series"] = ["energy", "power", "ergotropy", "ergotropy_symmetric"]
    problem = build_problem(spec)
    assert problem.dim == min(N_B, n) + 1  # |m, n − m>, m = 0..min(N_B, n)
    q = product_charges(problem.battery, problem.charger)
    assert set(q[problem.basis]) == {n}
    res = qbattery.simulate(spec)
    assert res.info["subspace"] == {
        "excitation_numbers": [n],
        "dimension": min(N_B, n) + 1,
        "product_dimension": (N_B + 1) * (N_C + 1),
    }
    model = bf.central_spin(N_B, N_C, 1.1, 0.8, 0.9, 0.3)
    psi0 = bf.product(bf.spins_down(N_B), bf.dicke_state(N_C, n))
    ref = reference(model, psi0, res.t, N_B)
    for name in ("energy", "power", "ergotropy", "ergotropy_symmetric"):
        assert np.max(np.abs(res.series[name] - ref[name])) < TOL, name
    energy = bf.energy_function(model, psi0)
    i = int(np.argmax(ref["power"][1:])) + 1
    _, p_max = bf.refine_max(lambda t: energy(t) / t, res.t[i - 1], res.t[i + 1])
    assert abs(res.summary["P_max"] - p_max) < 1e-7


def test_tavis_cummings_sector_states_and_purity_match_the_product_space():
    spec = tavis_cummings(output={"series": ["energy", "ergotropy", "purity"], "states": "full"})
    res = qbattery.simulate(spec)
    assert res.info["dimension"] == 4  # |k, 3 − k>, k = 0..3
    model = bf.tavis_cummings(3, 6, 1.0, 1.0, 0.7)
    psi0 = bf.product(bf.spins_down(3), bf.fock(6, 3))
    ref = reference(model, psi0, res.t, 3)
    assert np.max(np.abs(res.energy - ref["energy"])) < TOL
    assert np.max(np.abs(res.ergotropy - ref["ergotropy"])) < 1e-8
    # the kept full state is a product-space vector (symmetric manifold ⊗ mode): 4 × 6
    iso = np.kron(bf.symmetric_isometry(3), np.eye(6))
    for t, psi in zip(res.states.t, res.states.full, strict=True):
        assert psi.shape == (24,)
        exact = bf.evolve(model.H, psi0, np.array([t]))[0]
        assert abs(abs(np.vdot(iso @ psi, exact)) - 1) < 1e-9
    purity = np.array([np.trace(r @ r).real for r in ref["rho_B"]])
    assert np.max(np.abs(res.series["purity"] - purity)) < TOL


def test_the_dicke_coupling_mixes_charges_and_uses_the_product_space():
    spec = tavis_cummings(
        hamiltonian={"battery": "w*Sz", "charger": "wc*n", "coupling": "g*Sx*(a + ad)"}
    )
    problem = build_problem(spec)
    assert problem.basis is None and problem.dim == 4 * 6
    assert "subspace" not in qbattery.simulate(spec).info


def test_parts_that_leave_the_sector_use_the_product_space():
    """H_B = w Sz + c Sx and H_I = TC − c Sx: the generator keeps N_ex, its parts do not, so E_B
    (and E_B²) need the states outside the sector."""
    spec = tavis_cummings(
        parameters={"w": 1.0, "wc": 1.0, "g": 0.7, "c": 0.4},
        hamiltonian={
            "battery": "w*Sz + c*Sx",
            "charger": "wc*n",
            "coupling": "g/sqrt(N)*(Sp*a + Sm*ad) - c*Sx",
        },
        initial={"battery": "ground", "charger": {"fock": 2}},
        output={"series": ["energy", "energy_std"]},
    )
    assert build_problem(spec).basis is None
    res = qbattery.simulate(spec)
    ops = bf.spin_ops(3)
    H_B = ops["Sz"] + 0.4 * ops["Sx"]
    model = bf.tavis_cummings(3, 6, 1.0, 1.0, 0.7)
    psi0 = bf.product(bf.ground_state(H_B), bf.fock(6, 2))
    states = bf.evolve(model.H, psi0, res.t)  # H_B + H_I = TC: the c terms cancel
    H_Bf = np.kron(H_B, np.eye(6))
    e = np.einsum("ti,ij,tj->t", states.conj(), H_Bf, states).real
    assert np.max(np.abs(res.energy - (e - e[0]))) < TOL


def test_a_superposition_of_two_charges_keeps_both():
    spec = tavis_cummings(N=2, cutoff=5, output={"series": ["energy", "ergotropy"]})
    # (|k=0, n=2> + |k=1, n=2>)/√2 in QuTiP's order (spins m from +j down, then the mode)
    up1 = qt.basis(3, 1)  # m = 0: one excitation
    down = qt.basis(3, 2)  # m = −1: none
    psi = (qt.tensor(down, qt.basis(5, 2)) + qt.tensor(up1, qt.basis(5, 2))).unit()
    res = qbattery.simulate(spec, initial_state=psi)
    assert res.info["subspace"]["excitation_numbers"] == [2, 3]
    model = bf.tavis_cummings(2, 5, 1.0, 1.0, 0.7)
    psi0 = bf.product((bf.dicke_state(2, 0) + bf.dicke_state(2, 1)) / np.sqrt(2), bf.fock(5, 2))
    ref = reference(model, psi0, res.t, 2)
    assert np.max(np.abs(res.energy - ref["energy"])) < TOL
    assert np.max(np.abs(res.ergotropy - ref["ergotropy"])) < 1e-8


def test_a_drive_that_keeps_the_charge_integrates_on_the_sector():
    spec = tavis_cummings(
        hamiltonian={
            "battery": "w*Sz",
            "charger": "wc*n",
            "coupling": "g/sqrt(N)*(Sp*a + Sm*ad)",
            "dynamics": "w*Sz + wc*n + g*cos(2*t)*(Sp*a + Sm*ad)",
        },
        output={"series": ["energy"]},
    )
    problem = build_problem(spec)
    assert problem.basis is not None and problem.H_driven
    res = qbattery.simulate(spec)
    assert res.info["method"] == "ode"
    ops, mode = bf.spin_ops(3), bf.mode_ops(6)
    eye_b, eye_c = np.eye(2**3), np.eye(6)
    H0 = np.kron(ops["Sz"], eye_c) + np.kron(eye_b, mode["n"])
    V = 0.7 * (np.kron(ops["Sp"], mode["a"]) + np.kron(ops["Sm"], mode["ad"]))
    psi0 = bf.product(bf.spins_down(3), bf.fock(6, 3))
    sol = solve_ivp(
        lambda t, y: -1j * ((H0 + np.cos(2 * t) * V) @ y),
        (0, res.t[-1]), psi0.astype(complex), t_eval=res.t, rtol=1e-11, atol=1e-13,
    )  # fmt: skip
    HB = np.kron(ops["Sz"], eye_c)
    e = np.einsum("it,ij,jt->t", sol.y.conj(), HB, sol.y).real
    assert np.max(np.abs(res.energy - (e - e[0]))) < 1e-7


def test_noise_keeps_the_product_space():
    spec = tavis_cummings(noise={"mode_loss": 0.1}, output={"series": ["energy"]})
    assert build_problem(spec).basis is None


def test_a_charger_symbol_in_the_battery_hamiltonian_is_still_named():
    spec = tavis_cummings(hamiltonian={"battery": "w*Sz + n", "charger": "wc*n", "coupling": "0"})
    with pytest.raises(qbattery.SpecError) as err:
        build_problem(spec)
    assert err.value.field == "hamiltonian.battery"
    assert "do not act on this subsystem" in err.value.message


@pytest.mark.parametrize("reach", [0, 1, 2])
def test_band_matches_enumerating_the_product_space(reach):
    """band_for builds the band battery index by battery index; here it is found by brute force
    over the product basis (three-level atoms: charges not sorted along the basis)."""
    from qbattery.operators.subspace import band_for, factor_charges
    from qbattery.problem import Space, _atom_space, _mode_space

    battery, charger = _atom_space(3, ("g", "e", "f")), _mode_space(5)
    assert isinstance(battery, Space)
    q = (factor_charges(battery)[:, None] + factor_charges(charger)[None, :]).ravel()
    for occupied in ([3], [0, 7], [2, 3, 9]):
        band = band_for(battery, charger, np.array(occupied), reach)
        near = np.zeros(q.max() + 2 * reach + 1, dtype=bool)
        for c in occupied:
            near[max(c - reach, 0) : c + reach + 1] = True
        expected = np.flatnonzero(near[q])
        if np.isin(q, occupied).sum() > 0.5 * len(q):
            assert band is None
            continue
        assert np.array_equal(band.index, expected)
        assert np.array_equal(band.kept, np.isin(q[expected], occupied))


def test_a_sector_far_smaller_than_its_product_space_runs():
    """N_B = 2000, N = 20000, n = 3: 4 states of a 40-million-state product space (refused by
    the memory check before the sector-first building). E(t) against the recurrence of Peng et
    al. Eq. 17, written here: basis |m, n − m>, couplings A√((m+1)(N_B−m)(n−m)(N−n+m+1))."""
    N_B, N, n, B, h, A = 2000, 20000, 3, 1.0, 1.0, 1.0
    res = qbattery.simulate(central_spin(N_B, N, flipped=n, t_max=0.02, points=41))
    assert res.info["subspace"]["dimension"] == n + 1
    assert res.info["subspace"]["product_dimension"] == (N_B + 1) * (N + 1)
    m = np.arange(n + 1.0)
    diag = B * (m - N_B / 2) + h * (n - m - N / 2)
    off = A * np.sqrt((m[:-1] + 1) * (N_B - m[:-1]) * (n - m[:-1]) * (N - n + m[:-1] + 1))
    H = np.diag(diag) + np.diag(off, 1) + np.diag(off, -1)
    w, V = np.linalg.eigh(H)
    amp = (np.exp(-1j * np.outer(res.t, w)) * V[0]) @ V.T
    energy = B * (np.abs(amp) ** 2 @ m)
    assert np.max(np.abs(res.energy - energy)) < 1e-9 * n


def test_a_product_space_fallback_is_still_checked_for_memory():
    """The Dicke coupling mixes every charge: the run falls back on the 40-million-state product
    space, which the memory check refuses, naming the field."""
    spec = tavis_cummings(
        N=2000, cutoff=20000, photons=3,
        hamiltonian={"battery": "w*Sz", "charger": "wc*n", "coupling": "g*Sx*(a + ad)"},
    )  # fmt: skip
    with pytest.raises(qbattery.SpecError) as err:
        qbattery.simulate(spec)
    assert err.value.field in ("system.mode.cutoff", "system.spins")
    assert "full-space operators" in err.value.message


def test_a_sector_problem_is_reused_for_another_time_grid_only():
    """build_problem remembers sector problems: a spec that differs only in [time] and [output]
    shares the operators and gives the same run; any other change builds anew."""
    import qbattery.problem as P

    def spec(t_max, points, A=0.9, series=("energy",)):
        s = central_spin(3, 5, B=1.1, h=0.8, A=A, Delta=0.3, flipped=4, t_max=t_max, points=points)
        s["output"]["series"] = list(series)
        return s

    P._remembered.clear()
    first = build_problem(spec(3.0, 61))
    again = build_problem(spec(7.5, 301, series=("energy", "power", "ergotropy")))
    assert again.H_static is first.H_static and again.basis is first.basis
    assert np.array_equal(again.times, np.linspace(0, 7.5, 301))
    assert again.spec.output.series == ["energy", "power", "ergotropy"]
    assert again.warnings is not first.warnings
    other = build_problem(spec(3.0, 61, A=0.7))
    assert other.H_static is not first.H_static
    # the reused problem runs exactly as a fresh one
    reused = qbattery.simulate(spec(7.5, 301, series=("energy", "ergotropy")))
    P._remembered.clear()
    fresh = qbattery.simulate(spec(7.5, 301, series=("energy", "ergotropy")))
    for name in ("energy", "ergotropy"):
        assert np.array_equal(reused.series[name], fresh.series[name])
    assert reused.summary == fresh.summary
    for k in range(2 * P.REMEMBERED):
        build_problem(spec(3.0, 61, A=0.5 + 0.01 * k))
    assert len(P._remembered) == P.REMEMBERED


def test_remembered_problems_stay_within_their_byte_budget(monkeypatch):
    import qbattery.problem as P

    P._remembered.clear()
    one = P._held_bytes(build_problem(central_spin(6, 8, flipped=5, t_max=1.0, points=11)))
    P._remembered.clear()
    monkeypatch.setattr(P, "REMEMBERED_BYTES", 8 * one + one // 2)
    for k in range(12):
        build_problem(central_spin(6, 8, A=1.0 + 0.1 * k, flipped=5, t_max=1.0, points=11))
    assert len(P._remembered) == 8 and P._remembered_bytes() <= P.REMEMBERED_BYTES
    monkeypatch.setattr(P, "REMEMBERED_BYTES", 4 * one)  # one problem may take an eighth only
    P._remembered.clear()
    build_problem(central_spin(6, 8, A=3.0, flipped=5, t_max=1.0, points=11))
    assert not P._remembered


def test_embedded_operators_without_a_charger_are_the_factors_own():
    """With a 1-dimensional charger the embedded operator is the battery's (no kron with a 1x1
    identity), and equals the kron where both factors are real."""
    import numpy as np
    import scipy.sparse as sp

    from qbattery.problem import Space, _mode_space, _spin_space
    from qbattery.problem_operators import EmbeddedOperators

    battery, none = _spin_space("spins", 3), Space("none", 1, {})
    ops = EmbeddedOperators(battery, none)
    for name in ("Sz", "Sp", "Sx"):
        np.testing.assert_array_equal(ops[name].toarray(), battery.operators[name].toarray())
        assert ops[name].format == "csr"
    mode = _mode_space(3)
    with_mode = EmbeddedOperators(battery, mode)
    expected = sp.kron(battery.operators["Sp"], sp.identity(3)).toarray()
    np.testing.assert_array_equal(with_mode["Sp"].toarray(), expected)
