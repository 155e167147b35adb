"""The permutation-invariant solver against the full 2^N ⊗ mode space (tests/bruteforce.py).

Every reference here is built from explicit single-site operators and a dense Lindblad evolution
in the full tensor-product space; nothing in it comes from qbattery.
"""

import bruteforce as bf
import numpy as np
import pytest

import qbattery
from qbattery import metrics
from qbattery.operators import permutational as perm
from qbattery.problem import build_problem
from qbattery.solvers import permutational as psolver
from qbattery.solvers import permutational_sectors

COUPLINGS = {
    "tc": "g/sqrt(N)*(Sp*a + Sm*ad)",
    "dicke": "2*g/sqrt(N)*Sx*(a + ad)",
    "tc_bare": "g*(Sp*a + Sm*ad)",
    "dicke_bare": "2*g*Sx*(a + ad)",
}
SERIES = ["energy", "ergotropy", "ergotropy_symmetric", "switching_cost", "locked_energy", "purity"]


def spec(n, cutoff, coupling, charger, noise, omega_c=1.0, t_max=3.0, points=13, **run):
    return {
        "system": {"spins": n, "mode": {"cutoff": cutoff}},
        "parameters": {"w0": 1.0, "wc": omega_c, "g": 0.4},
        "hamiltonian": {
            "battery": "w0*(Sz + N/2)",
            "charger": "wc*n",
            "coupling": COUPLINGS[coupling],
        },
        "initial": {"battery": "down", "charger": charger},
        "noise": noise,
        "time": {"t_max": t_max, "points": points},
        "run": {"sector_tol": 1e-13, **run},
        "output": {"series": SERIES},
    }


def reference(n, cutoff, coupling, charger, noise, omega_c=1.0, t_max=3.0, points=13):
    """Energy, both ergotropies, switching cost and purity from a dense 2^N ⊗ mode evolution."""
    g = 0.4
    model = bf.canzio(n, cutoff, coupling.split("_")[0], 1.0, omega_c, g, bare="bare" in coupling)
    rates = {
        "kappa": noise.get("mode_loss", 0),
        "gamma_down": noise.get("local_decay", 0),
        "gamma_phi": noise.get("local_dephasing", 0),
        "gamma_up": noise.get("local_pumping", 0),
    }
    collapse = bf.local_collapse(n, cutoff, **rates)
    rho0 = bf.down_with_charger(n, cutoff, charger)
    times = np.linspace(0, t_max, points)
    out = bf.open_battery_series(model, collapse, rho0, times, n, cutoff)
    return {k: out[k] for k in SERIES}


ALL = {"mode_loss": 0.15, "local_decay": 0.1, "local_dephasing": 0.1}
CASES = [
    ("tc", {"fock": 3}, {"local_decay": 0.3}),
    ("tc", {"fock": 3}, {"local_dephasing": 0.2}),
    ("tc", {"fock": 2}, {"local_pumping": 0.25}),
    ("tc", {"coherent": 0.7}, ALL),
    ("tc", {"coherent": 0.7}, {"local_pumping": 0.2, "local_decay": 0.1}),
    ("dicke", {"fock": 2}, ALL),
    ("dicke", {"coherent": 0.7}, ALL),
    ("dicke", {"coherent": 0.7}, {"local_pumping": 0.2}),
    ("tc_bare", {"coherent": 0.7}, ALL),
    ("dicke_bare", {"fock": 1}, {"local_dephasing": 0.3, "mode_loss": 0.2}),
]


@pytest.mark.parametrize("coupling,charger,noise", CASES)
def test_against_full_space_lindblad(coupling, charger, noise):
    n, cutoff = 3, 11
    res = qbattery.simulate(spec(n, cutoff, coupling, charger, noise))
    assert res.info["solver"] == "permutational"
    ref = reference(n, cutoff, coupling, charger, noise)
    for name in SERIES:
        assert np.allclose(res.series[name], ref[name], atol=1e-9, rtol=0), name


def test_detuned_and_four_spins():
    noise = {"local_decay": 0.1, "local_dephasing": 0.15, "mode_loss": 0.1}
    args = (4, 7, "tc", {"coherent": 0.3}, noise)
    res = qbattery.simulate(spec(*args, omega_c=1.3))
    ref = reference(*args, omega_c=1.3)
    for name in SERIES:
        assert np.allclose(res.series[name], ref[name], atol=1e-9, rtol=0), name


def test_jump_coefficients_against_schur_basis():
    """Σ_i A^i ρ A^i† on random block operators ⊕_j X_j ⊗ 1 (N = 4, 5), in an explicit basis."""
    for n in (4, 5):
        proj = bf.total_spin_projectors(n)
        basis = _schur_basis(n)
        rng = np.random.default_rng(n)
        sig = {j: rng.normal(size=(V.shape[1],) * 2) + 1j * rng.normal(size=(V.shape[1],) * 2)
               for j, V in basis.items()}  # fmt: skip
        rho = sum(np.einsum("akx,kl,aly->xy", V, sig[j], V.conj()) / V.shape[0]
                  for j, V in basis.items())  # fmt: skip
        for name, op in (("local_decay", "-"), ("local_dephasing", "z"), ("local_pumping", "+")):
            out = sum(bf.sigma(i, op, n) @ rho @ bf.sigma(i, op, n).conj().T for i in range(n))
            s = perm.SHIFT[name]
            for jd, V in basis.items():
                got = np.einsum("akx,xy,aly->kl", V.conj(), out, V)
                want = np.zeros_like(got)
                for j, X in sig.items():
                    m = np.arange(X.shape[0]) - j
                    coef = perm.jump_coefficients(name, n, j, m[:, None], m[None, :])
                    if round(2 * (jd - j)) not in (-2, 0, 2):
                        continue
                    c = coef[round(jd - j)]
                    for a in range(len(m)):
                        for b in range(len(m)):
                            ka, kb = round(m[a] + s + jd), round(m[b] + s + jd)
                            if 0 <= ka < got.shape[0] and 0 <= kb < got.shape[0]:
                                want[ka, kb] += c[a, b] * X[a, b]
                assert np.allclose(got, want, atol=1e-12), (n, name, jd)
            assert set(proj) == set(basis)


def _schur_basis(n):
    """{j: array (d_j, 2j+1, 2^N)}: highest-weight vectors of each j, lowered with S_-."""
    S = bf.spin_ops(n)
    out = {}
    for j in perm.spins(n):
        w, v = np.linalg.eigh(S["Sz"])
        top = v[:, np.abs(w - j) < 1e-9]
        _, s, vh = np.linalg.svd(S["Sp"] @ top)
        hw, _ = np.linalg.qr(top @ vh[np.sum(s > 1e-9) :].conj().T)
        two_j = round(2 * j)
        vecs = np.zeros((hw.shape[1], two_j + 1, 2**n), complex)
        for a in range(hw.shape[1]):
            x = hw[:, a]
            vecs[a, two_j] = x
            for k in range(two_j, 0, -1):
                m = k - j
                x = S["Sm"] @ x / np.sqrt(j * (j + 1) - m * (m - 1))
                vecs[a, k - 1] = x
        out[j] = vecs
    return out


def test_multiplicities_stay_finite_for_large_n():
    assert perm.multiplicity(4, 1) == 3.0 and perm.multiplicity(5, 0.5) == 5.0
    d = [perm.multiplicity(200, j) for j in perm.spins(200)]
    assert all(np.isfinite(d)) and max(d) > 2.0**63  # beyond int64
    total = sum(di * (2 * j + 1) for di, j in zip(d, perm.spins(200), strict=True))
    assert np.isclose(total, 2.0**200, rtol=1e-12)


def test_passive_energy_with_multiplicities_equals_expanded_lists():
    rng = np.random.default_rng(1)
    values = rng.random((3, 5))
    counts = np.array([1, 3, 2, 2, 4])
    levels, level_counts = np.array([0.0, 1.0, 2.5, 4.0]), np.array([2, 5, 4, 1])
    expanded = np.repeat(values, counts, axis=1)
    want = metrics.passive_energy(expanded, np.repeat(levels, level_counts))
    got = metrics.passive_energy_with_multiplicities(values, counts, levels, level_counts)
    assert np.allclose(got, want, atol=1e-14)


def test_sectors_on_and_off_agree(monkeypatch):
    args = (3, 10, "tc", {"coherent": 0.6}, ALL)
    on = qbattery.simulate(spec(*args))
    assert on.info["symmetry"] == "excitation_number" and len(on.info["sectors_integrated"]) > 1
    monkeypatch.setattr(permutational_sectors, "_collapse_shifts", lambda *a: None)
    off = qbattery.simulate(spec(*args))
    assert off.info["symmetry"] == "none" and off.info["sectors_integrated"] == [0]
    for name in SERIES:
        assert np.allclose(on.series[name], off.series[name], atol=1e-11), name


def test_fock_charger_needs_one_sector_and_caps_the_excitations():
    res = qbattery.simulate(spec(4, 5, "tc", {"fock": 4}, ALL))
    assert res.info["sectors_integrated"] == [0]
    assert res.info["excitation_cap"] == 4
    assert res.info["trace_error"] < 1e-12 and res.info["min_battery_eigenvalue"] > -1e-12


def test_closed_limit_agrees_with_the_closed_solver():
    for coupling in ("tc", "dicke"):
        s = spec(4, 14, coupling, {"coherent": 1.0}, {})
        s["output"]["series"] = ["energy", "ergotropy", "ergotropy_symmetric", "switching_cost"]
        closed = qbattery.simulate(s)
        s["run"]["solver"] = "permutational"
        pi = qbattery.simulate(s)
        assert closed.info["solver"] == "closed" and pi.info["solver"] == "permutational"
        for name in s["output"]["series"]:
            assert np.allclose(closed.series[name], pi.series[name], atol=1e-10), name


def test_auto_picks_the_permutational_solver_and_lindblad_refuses():
    s = spec(3, 6, "tc", {"fock": 2}, {"local_decay": 0.1})
    assert qbattery.simulate(s).info["solver"] == "permutational"
    s["run"]["solver"] = "lindblad"
    with pytest.raises(qbattery.SpecError, match="noise.local_decay"):
        qbattery.simulate(s)


def test_tavis_cummings_steady_state_is_vacuum_and_all_down():
    """Canzio App. A, Eq. A2."""
    ss = psolver.steady_state(build_problem(spec(4, 13, "tc", {"coherent": 1.0}, ALL)))
    assert abs(ss.expect_part("battery")) < 1e-12 and abs(ss.expect_part("charger")) < 1e-12
    assert abs(ss.blocks[0][0, 0] - 1) < 1e-12  # |j = N/2, m = −N/2⟩⟨...|


def test_dicke_steady_state_does_not_depend_on_the_charger():
    energies = []
    for charger in ({"coherent": 0.5}, {"fock": 3}):
        s = spec(3, 14, "dicke", charger, ALL)
        ss = psolver.steady_state(build_problem(s))
        energies.append([ss.expect_part(k) for k in ("battery", "charger", "coupling")])
        assert ss.residual < 1e-10
    assert np.allclose(energies[0], energies[1], atol=1e-10)
    assert energies[0][0] > 1e-4  # the local noise keeps the battery excited


def test_full_space_steady_state():
    s = spec(2, 6, "dicke", {"fock": 1}, ALL)
    ss = psolver.steady_state(build_problem(s))
    model = bf.canzio(2, 6, "dicke", 1.0, 1.0, 0.4)
    rho = bf.lindblad_steady_state(model.H, bf.local_collapse(2, 6, 0.15, 0.1, 0.1))
    rb = bf.battery_state(rho, 4, 6)
    assert np.isclose(ss.expect_part("battery"), np.trace(model.H_B @ rb).real, atol=1e-10)


def test_summary_reports_the_charging_time_and_the_eq9_bound():
    res = qbattery.simulate(spec(3, 11, "tc", {"coherent": 0.7}, ALL, t_max=6.0, points=61))
    s = res.summary
    i = int(np.argmax(res.ergotropy))
    assert s["tau_ergotropy"] == pytest.approx(res.t[i])
    assert s["energy_at_tau"] == pytest.approx(res.energy[i])
    assert s["locked_energy_bound"] == pytest.approx(2 * 3 / 5)
    assert s["locked_energy_bound_holds"] == (res.locked_energy.max() <= s["locked_energy_bound"])
    power = res.ergotropy[1:] / res.t[1:]
    assert s["P_ergotropy_max"] == pytest.approx(power.max())


def test_time_dependent_drive_is_integrated():
    s = spec(3, 1, "tc", None, {"local_decay": 0.2}, points=7)
    s["system"] = {"spins": 3}
    s["hamiltonian"] = {"battery": "w0*(Sz + N/2)", "coupling": "0.5*cos(t)*Sx"}
    s["initial"] = {"battery": "down"}
    s["output"]["series"] = ["energy", "ergotropy"]
    res = qbattery.simulate(s)
    assert res.info["method"] == "dop853"
    S = bf.spin_ops(3)
    HB = S["Sz"] + 1.5 * np.eye(8)
    collapse = bf.local_collapse(3, 1, gamma_down=0.2)
    collapse = [(r, L) for r, L in collapse]
    from scipy.integrate import solve_ivp

    def rhs(t, y):
        rho = y.reshape(8, 8)
        H = HB + 0.5 * np.cos(t) * S["Sx"]
        d = -1j * (H @ rho - rho @ H)
        for r, L in collapse:
            d += r * (L @ rho @ L.conj().T - 0.5 * (L.conj().T @ L @ rho + rho @ L.conj().T @ L))
        return d.ravel()

    psi = bf.spins_down(3)
    sol = solve_ivp(rhs, (0, 3), np.outer(psi, psi).ravel().astype(complex), t_eval=res.t,
                    rtol=1e-12, atol=1e-13, method="DOP853")  # fmt: skip
    E = [np.trace(HB @ y.reshape(8, 8)).real for y in sol.y.T]
    assert np.allclose(res.energy, np.array(E) - E[0], atol=1e-7)


def test_sweep_with_local_noise(tmp_path):
    from qbattery.sweep import sweep

    base = spec(3, 6, "tc", {"fock": 3}, {"local_decay": 0.1, "local_dephasing": 0.1})
    out = tmp_path / "s.nc"
    sweep(base, [("g", [0.3, 0.5])], out)
    import xarray as xr

    with xr.open_dataset(out) as data:
        values = data["ergotropy_max"].values
    for g, value in zip((0.3, 0.5), values, strict=True):
        single = dict(base, parameters={"w0": 1.0, "wc": 1.0, "g": g})
        assert np.isclose(value, qbattery.simulate(single).summary["ergotropy_max"], atol=1e-12)


def test_a_sector_too_large_for_memory_is_refused_before_allocating(monkeypatch):
    monkeypatch.setattr(psolver, "BYTES_PER_ENTRY", 2**50)
    with pytest.raises(qbattery.SpecError, match="system.spins.*GiB"):
        qbattery.simulate(spec(3, 6, "tc", {"fock": 3}, {"local_decay": 0.1}))


def test_local_noise_needs_spins_and_a_mode_or_no_charger():
    s = spec(3, 6, "tc", {"fock": 3}, {"local_decay": 0.1})
    s["run"]["solver"] = "closed"
    with pytest.raises(qbattery.SpecError, match="run.solver"):
        qbattery.simulate(s)
    s = {"system": {"spins": 2, "bath_spins": 2}, "hamiltonian": {"battery": "Sz", "coupling": "Sp*Jm + Sm*Jp"},
         "initial": {"battery": "down", "charger": "up"}, "noise": {"local_decay": 0.1},
         "time": {"t_max": 1.0, "points": 5}}  # fmt: skip
    with pytest.raises(qbattery.SpecError, match="run.solver"):
        qbattery.simulate(s)


def test_a_fock_charger_at_the_top_level_is_exact_not_truncated():
    res = qbattery.simulate(spec(3, 4, "tc", {"fock": 3}, {"local_decay": 0.1}))
    assert res.info["max_top_fock_population"] == pytest.approx(1.0)
    assert res.info["truncation"].startswith("exact") and not res.warnings


def test_generator_pieces_are_assembled_where_they_belong():
    """Row block by row block, pieces (a, b, M) land at block a's rows and block b's columns,
    overlapping pieces add up, and every piece is released; against a dense placement."""
    import scipy.sparse as sp

    rng = np.random.default_rng(5)
    sizes = [3, 0, 4, 2]
    offsets = np.cumsum([0, *sizes])
    sector = permutational_sectors._Sector(0, False, [], offsets)
    pieces, dense = [], np.zeros((offsets[-1], offsets[-1]), dtype=complex)
    for a, b in [(0, 0), (2, 0), (0, 0), (3, 2), (2, 3), (2, 2), (0, 3)]:
        M = sp.random(sizes[a], sizes[b], density=0.6, random_state=rng) * (1 + 2j)
        M = M.tocoo() if (a + b) % 2 else M.tocsr()  # jumps come as COO, blocks as CSR
        pieces.append((a, b, M))
        dense[offsets[a] : offsets[a + 1], offsets[b] : offsets[b + 1]] += M.toarray()
    out = permutational_sectors._assembled(sector, pieces)
    assert out.format == "csr" and out.shape == dense.shape
    np.testing.assert_array_equal(out.toarray(), dense)
    assert pieces == []
