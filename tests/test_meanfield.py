"""Mean-field solver: derivation from the spec, closed forms, exact limits, speed paths."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from qbattery.operators import boson, spin
from qbattery.solvers.meanfield import (
    derive,
    integrate,
    simulate_meanfield,
    sweep_grid,
)
from qbattery.spec import SpecError

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def yan(axis="x", J=-0.9, Omega=0.5, kappa=0.0, gamma=0.0, *, N=100, t_max=20.0, points=2001,
        initial="ground", **extra):  # fmt: skip
    spec = {
        "system": {"spins": N},
        "parameters": {"omega_a": 1.0, "J": J, "Omega0": Omega, "kappa": kappa, "gamma": gamma},
        "hamiltonian": {
            "battery": f"omega_a*Sz + J/N*S{axis}^2",
            "coupling": "Omega0*exp(-kappa*t/2)*Sx",
        },
        "initial": {"battery": initial},
        "noise": {"local_decay": "gamma"},
        "time": {"t_max": t_max, "points": points},
        "run": {"solver": "meanfield", "rtol": 1e-10, "atol": 1e-12},
        "output": {"series": ["energy", "power"]},
    }
    for key, value in extra.items():
        spec[key] = value
    return spec


def css(j, r):
    """Spin coherent state with <S>/j = r (built from the angles, whatever φ convention)."""
    th = np.arccos(r[2])
    ph = np.arctan2(r[1], r[0])
    for sign in (1, -1):
        psi = spin.coherent_spin_state(j, th, sign * ph)
        ops = spin.spin_operators(j)
        got = np.array([np.vdot(psi, ops[k] @ psi).real / j for k in "xyz"])
        if np.allclose(got, r, atol=1e-12):
            return psi
    raise AssertionError("could not build the coherent state")


# --------------------------------------------------------------------------- the equations


def test_eq12_torque_is_JuV_not_JwV():
    """Derived from Eq. 1: the x torque in dw/dt is J_x u v (Eq. 12), not J_x w v (Eq. 9)."""
    J, Om, kappa, gamma = -0.9, 0.5, 0.3, 0.2
    model = derive(yan("x", J, Om, kappa, gamma))
    rng = np.random.default_rng(1)
    for _ in range(5):
        r = rng.normal(size=3)
        r /= np.linalg.norm(r) * 1.1  # inside the ball: noise terms matter too
        t = rng.uniform(0, 5)
        u, v, w = r
        O = Om * np.exp(-kappa * t / 2)
        eq12 = [
            -v - gamma / 2 * u,
            u - J * u * w - O * w - gamma / 2 * v,
            J * u * v + O * v - gamma * (w + 1),
        ]
        got = model.derivative(t, r[None])[0]
        np.testing.assert_allclose(got, eq12, atol=1e-13)
        eq9_wdot = O * v + J * w * v - gamma * (w + 1)
        assert abs(got[2] - eq9_wdot) > 1e-3
    # the same for the y axis: dw/dt = Ω v − J_y u v
    model = derive(yan("y", J, Om))
    r = np.array([0.3, 0.4, -np.sqrt(0.75)])
    got = model.derivative(0.0, r[None])[0]
    assert got[2] == pytest.approx(Om * r[1] - J * r[0] * r[1], abs=1e-13)


@pytest.mark.parametrize("ordering", ["classical", "product"])
def test_torque_sign_against_exact_heisenberg(ordering):
    """i<[H, S_z]> in a coherent state vs the derived dw/dt (product closure: exact)."""
    N = 12
    j = N / 2
    J, Om = -0.9, 0.5
    ops = {k: v.toarray() for k, v in spin.spin_operators(j).items()}
    H = ops["z"] + J / N * ops["x"] @ ops["x"] + Om * ops["x"]
    model = derive(yan("x", J, Om, N=N), ordering=ordering)
    r = np.array([0.48, 0.6, -0.64])
    psi = css(j, r)
    exact = np.vdot(psi, 1j * (H @ ops["z"] - ops["z"] @ H) @ psi).real / j
    got = model.derivative(0.0, r[None])[0, 2]
    tol = 1e-12 if ordering == "product" else abs(J) / N  # classical: O(1/N)
    assert got == pytest.approx(exact, abs=tol)


def test_product_closure_is_exact_for_coherent_states():
    """Any degree-2 H and linear collapse operators: exact d<S>/dt for a spin coherent state."""
    N = 7
    j = N / 2
    o = {k: v.toarray() for k, v in spin.spin_operators(j).items()}
    X, Y, Z, P, M = o["x"], o["y"], o["z"], o["p"], o["m"]
    text = "0.3*Sz + 0.7*Sx - 0.2*Sy + 1.1/N*Sx^2 - 0.4/N*(Sy*Sz+Sz*Sy) + 0.25/N*Sp*Sm"
    H = 0.3 * Z + 0.7 * X - 0.2 * Y + 1.1 / N * X @ X - 0.4 / N * (Y @ Z + Z @ Y) + 0.25 / N * P @ M
    L = M + 0.3j * Z + 0.5 * np.eye(N + 1)
    spec = {
        "system": {"spins": N},
        "hamiltonian": {"battery": text},
        "initial": {"battery": "down"},
        "noise": {
            "collective_decay": 0.8,
            "collapse": [{"rate": 0.6, "operator": "Sm + 0.3*i*Sz + 0.5"}],
        },
        "time": {"t_max": 1.0},
    }
    model = derive(spec, ordering="product")
    for r in ([0.3, 0.2, np.sqrt(0.87)], [-0.6, 0.64, -0.48], [0.0, 0.0, -1.0]):
        r = np.array(r)
        psi = css(j, r)
        rho = np.outer(psi, psi.conj())
        drho = -1j * (H @ rho - rho @ H)
        for g, Lm in ((0.8, M), (0.6, L)):
            Ld = Lm.conj().T
            drho += g * (Lm @ rho @ Ld - 0.5 * (Ld @ Lm @ rho + rho @ Ld @ Lm))
        exact = [np.trace(O @ drho).real / j for O in (X, Y, Z)]
        np.testing.assert_allclose(model.derivative(0.0, r[None])[0], exact, atol=1e-12)
        # and the battery energy
        e_exact = np.vdot(psi, H @ psi).real
        assert model.battery_energy(r[None, None])[0, 0] == pytest.approx(e_exact, abs=1e-12)


def test_product_closure_with_mode_is_exact_for_coherent_states():
    N, C = 5, 40
    j = N / 2
    o = {k: v.toarray() for k, v in spin.spin_operators(j).items()}
    m = {k: v.toarray() for k, v in boson.mode_operators(C).items()}
    Is, Im = np.eye(N + 1), np.eye(C)
    a, ad = m["a"], m["ad"]
    H = (
        0.9 * np.kron(o["z"], Im) + 0.5 / N * np.kron(o["x"] @ o["x"], Im) + 1.1 * np.kron(Is, m["n"])
        + 0.3 / np.sqrt(N) * np.kron(o["x"], a + ad) + 0.2 * np.kron(Is, a @ a + ad @ ad)
        + 0.1j * (np.kron(o["p"], a) - np.kron(o["m"], ad))
    )  # fmt: skip
    alpha = 0.8 - 0.5j
    spec = {
        "system": {"spins": N, "mode": {"cutoff": C}},
        "hamiltonian": {
            "battery": "0.9*Sz + 0.5/N*Sx^2",
            "charger": "1.1*n",
            "coupling": "0.3/sqrt(N)*Sx*(a+ad) + 0.2*(a^2+ad^2) + 0.1*i*(Sp*a - Sm*ad)",
        },
        "initial": {"battery": "down", "charger": {"coherent": [alpha.real, alpha.imag]}},
        "noise": {"mode_loss": 0.3},
        "time": {"t_max": 1.0},
    }
    model = derive(spec, ordering="product")
    r = np.array([0.48, -0.6, 0.64])
    psi = np.kron(css(j, r), boson.coherent_state(C, alpha))
    rho = np.outer(psi, psi.conj())
    A = np.kron(Is, a)
    drho = -1j * (H @ rho - rho @ H) + 0.3 * (
        A @ rho @ A.conj().T - 0.5 * (A.conj().T @ A @ rho + rho @ A.conj().T @ A)
    )
    exact_r = [np.trace(np.kron(O, Im) @ drho).real / j for O in (o["x"], o["y"], o["z"])]
    exact_a = np.trace(A @ drho)
    got = model.derivative(0.0, np.r_[r, alpha.real, alpha.imag][None])[0]
    np.testing.assert_allclose(got[:3], exact_r, atol=1e-10)
    assert got[3] + 1j * got[4] == pytest.approx(exact_a, abs=1e-10)


# --------------------------------------------------------------------------- closed forms


def test_norm_conserved_without_noise():
    res = simulate_meanfield(yan("x", -0.9, 1.5, kappa=0.3, t_max=40, points=801))
    norm = np.sqrt(res.u**2 + res.v**2 + res.w**2)
    assert np.max(abs(norm - 1)) < 1e-8
    generic = {
        "system": {"spins": 10},
        "hamiltonian": {
            "battery": "Sz + 0.7/N*Sx^2 - 0.3/N*(Sx*Sy + Sy*Sx)",
            "coupling": "0.8*cos(1.3*t)*Sy + 0.2*Sp*Sm/N",
        },
        "initial": {"battery": {"coherent_spin": [2.0, 0.3]}},
        "time": {"t_max": 30.0, "points": 601},
        "run": {"rtol": 1e-10, "atol": 1e-12},
    }
    res = simulate_meanfield(generic)
    norm = np.sqrt(res.u**2 + res.v**2 + res.w**2)
    assert np.max(abs(norm - 1)) < 1e-8


@pytest.mark.parametrize("Om", [0.5, 1.5])
def test_rabi_precession_for_J0(Om):
    """J = 0, static drive: precession about (Ω, 0, ω_a) from the south pole."""
    res = simulate_meanfield(yan("x", 0.0, Om, t_max=20, points=401))
    H = np.hypot(1.0, Om)
    t = res.t
    np.testing.assert_allclose(res.w, -1 / H**2 - Om**2 / H**2 * np.cos(H * t), atol=1e-8)
    np.testing.assert_allclose(res.v, Om / H * np.sin(H * t), atol=1e-8)
    np.testing.assert_allclose(res.u, -Om / H**2 * (1 - np.cos(H * t)), atol=1e-8)
    # P_max = max (w+1)/t · S = 0.72461 Ω²/√(1+Ω²) · S
    S = 50
    assert res.summary["P_max"] / S == pytest.approx(0.7246113537767085 * Om**2 / H, rel=1e-8)


def test_resonant_rotating_drive_gives_full_rabi_flop():
    Om = 0.2
    spec = {
        "system": {"spins": 4},
        "parameters": {"w0": 1.0, "Om": Om},
        "hamiltonian": {"battery": "w0*Sz", "coupling": "Om*(cos(w0*t)*Sx + sin(w0*t)*Sy)"},
        "initial": {"battery": "down"},
        "time": {"t_max": 30.0, "points": 301},
        "run": {"rtol": 1e-10, "atol": 1e-12},
    }
    res = simulate_meanfield(spec)
    np.testing.assert_allclose(res.w, -np.cos(Om * res.t), atol=1e-8)


def test_local_decay_and_dephasing_closed_form():
    g, d = 0.3, 0.05
    spec = {
        "system": {"spins": 20},
        "hamiltonian": {"battery": "Sz"},
        "initial": {"battery": {"coherent_spin": [1.2, 0.0]}},
        "noise": {"local_decay": g, "local_dephasing": d},
        "time": {"t_max": 10.0, "points": 101},
        "run": {"rtol": 1e-10, "atol": 1e-12},
    }
    res = simulate_meanfield(spec)
    t = res.t
    decay = np.exp(-(g / 2 + 2 * d) * t)
    np.testing.assert_allclose(res.u, np.sin(1.2) * decay * np.cos(t), atol=1e-8)
    np.testing.assert_allclose(res.v, np.sin(1.2) * decay * np.sin(t), atol=1e-8)
    np.testing.assert_allclose(res.w, -1 + (np.cos(1.2) + 1) * np.exp(-g * t), atol=1e-8)


def test_collective_decay_superradiance_closed_form():
    N, G = 40, 0.01
    S = N / 2
    spec = {
        "system": {"spins": N},
        "hamiltonian": {"battery": "Sz"},
        "initial": {"battery": {"coherent_spin": [0.3, 0.0]}},
        "noise": {"collective_decay": G},
        "time": {"t_max": 10.0, "points": 101},
        "run": {"rtol": 1e-10, "atol": 1e-12},
    }
    res = simulate_meanfield(spec)
    w = np.tanh(np.arctanh(np.cos(0.3)) - G * S * res.t)
    np.testing.assert_allclose(res.w, w, atol=1e-8)
    # product closure: the excited pole is no longer a fixed point, the ground pole is
    spec["initial"] = {"battery": "up"}
    assert simulate_meanfield(spec).w[-1] == pytest.approx(1.0)
    assert simulate_meanfield(spec, ordering="product").w[-1] < 0.9  # dw/dt = -2G at the top
    spec["initial"] = {"battery": "down"}
    assert simulate_meanfield(spec, ordering="product").w[-1] == pytest.approx(-1.0)


def test_mode_free_evolution_and_loss():
    spec = {
        "system": {"spins": 2, "mode": {"cutoff": 5}},
        "parameters": {"wc": 1.3},
        "hamiltonian": {"battery": "Sz", "charger": "wc*n"},
        "initial": {"battery": "down", "charger": {"coherent": [1.5, 0.5]}},
        "noise": {"mode_loss": 0.2},
        "time": {"t_max": 5.0, "points": 51},
        "run": {"rtol": 1e-10, "atol": 1e-12},
    }
    model = derive(spec)
    traj = integrate(model, np.linspace(0, 5, 51), rtol=1e-10, atol=1e-12)
    t = traj.t
    np.testing.assert_allclose(traj.alpha, (1.5 + 0.5j) * np.exp(-1.3j * t - 0.1 * t), atol=1e-8)


def test_strong_coherent_mode_acts_as_classical_drive():
    """g/√N S_x (a + a†) with |α| ≫ √N is the drive 2Ω cos(ω_c t) S_x, Ω = g|α|/√N."""
    N, alpha, Om = 10, 2000.0, 0.3
    g = Om * np.sqrt(N) / alpha
    base = {
        "system": {"spins": N, "mode": {"cutoff": 5}},
        "parameters": {"g": g, "Om": Om},
        "hamiltonian": {"battery": "Sz", "charger": "n", "coupling": "g/sqrt(N)*Sx*(a + ad)"},
        "initial": {"battery": "down", "charger": {"coherent": alpha}},
        "time": {"t_max": 20.0, "points": 201},
        "run": {"rtol": 1e-10, "atol": 1e-12},
    }
    with_mode = simulate_meanfield(base)
    drive = {
        "system": {"spins": N},
        "parameters": {"Om": Om},
        "hamiltonian": {"battery": "Sz", "coupling": "2*Om*cos(t)*Sx"},
        "initial": {"battery": "down"},
        "time": {"t_max": 20.0, "points": 201},
        "run": {"rtol": 1e-10, "atol": 1e-12},
    }
    np.testing.assert_allclose(with_mode.w, simulate_meanfield(drive).w, atol=1e-5)


def test_fock_charger_becomes_coherent_amplitude_with_warning():
    spec = {
        "system": {"spins": 4, "mode": {"cutoff": 12}},
        "hamiltonian": {"battery": "Sz", "charger": "n", "coupling": "0.1*Sx*(a+ad)"},
        "initial": {"battery": "down", "charger": {"fock": 9}},
        "time": {"t_max": 1.0, "points": 11},
    }
    model = derive(spec)
    assert model.alpha0[0] == pytest.approx(3.0)
    assert any("Fock" in w for w in model.warnings)


# --------------------------------------------------------------------------- exact limits


def _exact_w(spec):
    from qbattery.problem import build_problem
    from qbattery.solvers import solve

    problem = build_problem(spec)
    evo = solve(problem)
    Sz = sp.kron(problem.battery.operators["Sz"], sp.identity(problem.charger.dim), format="csr")
    return evo.expect(Sz) / (problem.battery.size / 2)


def _closed(N, Om=0.5, t_max=5.0):
    spec = yan("x", -0.9, Om, N=N, t_max=t_max, points=101, initial="down")
    spec["hamiltonian"]["coupling"] = "Omega0*Sx"  # static: one diagonalization
    spec["run"] = {"solver": "closed"}
    return spec


def test_mean_field_approaches_exact_closed_dynamics():
    mf = simulate_meanfield(yan("x", -0.9, 0.5, t_max=5.0, points=101, initial="down")).w
    dist = [np.max(abs(_exact_w(_closed(N)) - mf)) for N in (8, 32, 128)]
    assert dist[0] > dist[1] > dist[2]
    assert dist[2] < dist[0] / 6  # about 1/N
    assert dist[2] < 0.02


def test_mean_field_approaches_exact_lindblad_dynamics():
    from qbattery import solvers

    try:
        solvers.get_solver("lindblad")
    except Exception:  # noqa: BLE001
        pytest.skip("lindblad solver not available")
    spec = yan("x", -0.9, 0.5, kappa=0.1, t_max=5.0, points=101, initial="down")
    spec["parameters"]["G"] = 0.5
    spec["noise"] = {"collective_decay": "G/N"}
    mf = simulate_meanfield(spec).w
    dist = []
    for N in (4, 8, 16):
        s = yan("x", -0.9, 0.5, kappa=0.1, N=N, t_max=5.0, points=101, initial="down")
        s["parameters"]["G"] = 0.5
        s["noise"] = {"collective_decay": "G/N"}
        s["run"] = {"solver": "lindblad"}
        dist.append(np.max(abs(_exact_w(s) - mf)))
    assert dist[0] > dist[1] > dist[2]


# --------------------------------------------------------------------------- maps


def test_kappa_gamma_map_point_matches_direct_integration():
    kappas, gammas = np.array([0.0, 0.1, 0.4]), np.array([0.0, 0.25])
    spec = yan("x", -0.9, 0.5, t_max=20.0)
    grid = sweep_grid(spec, {"kappa": kappas, "gamma": gammas}, t_max=20.0, dt=0.01, check=4)
    assert grid.P_max.shape == (3, 2)
    assert grid.info["dt_check"] < 1e-6
    for i, j in ((1, 1), (2, 0), (0, 0)):
        direct = simulate_meanfield(
            yan("x", -0.9, 0.5, kappas[i], gammas[j], t_max=20.0, points=4001)
        )
        s = direct.summary
        assert grid.P_max[i, j] == pytest.approx(s["P_max"], rel=1e-7)
        assert grid.t_P_max[i, j] == pytest.approx(s["t_P_max"], abs=2e-3)
        assert grid.E_max[i, j] == pytest.approx(s["E_max"], rel=1e-7)
        assert grid.P_first_peak[i, j] == pytest.approx(s["P_first_peak"], rel=1e-6)
    # the paper's energy ω_a(w + 1): against a dense direct run
    bare = sweep_grid(
        spec, {"kappa": kappas[1:2], "gamma": gammas[1:2]}, t_max=20.0, energy="bare", check=0
    )
    direct = simulate_meanfield(yan("x", -0.9, 0.5, 0.1, 0.25, t_max=20.0, points=40001))
    P = (direct.w[1:] + 1) / direct.t[1:] * 50
    assert bare.P_max[0, 0] == pytest.approx(P.max(), rel=1e-6)


def test_grid_speed_path_equals_general_path():
    """The spin-only fast RK4 and the general (B, n) right-hand side agree."""
    spec = yan("x", -0.9, 0.5, 0.2, 0.1)
    spec["noise"]["local_dephasing"] = 0.05
    spec["noise"]["collective_decay"] = 0.002
    model = derive(spec)
    from qbattery.solvers.meanfield.integration import _FastSpin

    fast = _FastSpin(model)
    r = np.array([[0.1, 0.5, -0.7]])
    np.testing.assert_allclose(fast.rhs(0.7, r.T.copy()).T, model.derivative(0.7, r), atol=1e-14)


# --------------------------------------------------------------------------- errors and I/O


@pytest.mark.parametrize(
    "field, hamiltonian",
    [
        ("hamiltonian.battery", {"battery": "Sz + Sx^3/N^2"}),
        ("hamiltonian.coupling", {"battery": "Sz", "coupling": "0.1*Sx*Sz*Sx"}),
        ("hamiltonian.coupling", {"battery": "Sz", "coupling": "0.1*Sx*n"}),
        ("hamiltonian.charger", {"battery": "Sz", "charger": "n^2"}),
        ("hamiltonian.dynamics", {"battery": "Sz", "dynamics": "Sz*cos(t) + Sx^2*Sz"}),
    ],
)
def test_rejects_degree_above_two(field, hamiltonian):
    spec = {
        "system": {"spins": 4, "mode": {"cutoff": 4}},
        "hamiltonian": hamiltonian,
        "initial": {"battery": "down", "charger": "vacuum"},
        "time": {"t_max": 1.0},
    }
    with pytest.raises(SpecError) as err:
        derive(spec)
    assert err.value.field == field


def test_other_errors_name_their_field():
    base = {"hamiltonian": {"battery": "Sz"}, "time": {"t_max": 1.0}}
    with pytest.raises(SpecError) as err:
        derive(
            {
                **base,
                "system": {"atoms": 2, "levels": ["g", "e"]},
                "hamiltonian": {"battery": "s1_ee"},
            }
        )
    assert err.value.field == "system.atoms"
    with pytest.raises(SpecError) as err:
        derive(
            {
                **base,
                "system": {"spins": 3},
                "noise": {"collapse": [{"rate": 1, "operator": "Sx^2"}]},
            }
        )
    assert err.value.field == "noise.collapse.0.operator"
    with pytest.raises(SpecError) as err:  # two mean-field ground states
        derive({**base, "system": {"spins": 3}, "hamiltonian": {"battery": "Sz - 1.5/N*Sx^2"}})
    assert err.value.field == "initial.battery"
    with pytest.raises(SpecError) as err:
        derive(
            {**base, "system": {"spins": 3}, "hamiltonian": {"battery": "Sz", "coupling": "i*Sx"}}
        )
    assert err.value.field == "hamiltonian"


def test_result_series_and_summary():
    res = simulate_meanfield(yan("x", -0.9, 0.5, t_max=10.0, points=501))
    assert list(res.series)[:3] == ["u", "v", "w"]
    assert {"energy", "power"} <= set(res.series)
    S = 50
    np.testing.assert_allclose(res.energy, S * ((res.w + 1) - 0.9 / 2 * res.u**2), atol=1e-9)
    assert res.summary["P_max"] > res.summary["P_first_peak"] > 0
    assert res.info["solver"] == "meanfield"
    res = simulate_meanfield({**yan(), "output": {"series": ["energy", "ergotropy"]}})
    assert "ergotropy" not in res.series
    assert any("ergotropy" in w for w in res.warnings)


def test_registered_solver_through_simulate():
    import qbattery

    spec = yan("x", -0.9, 0.5, N=6, t_max=5.0, points=201)
    res = qbattery.simulate(spec)
    ref = simulate_meanfield(spec)
    np.testing.assert_allclose(res.energy, ref.energy, atol=1e-9)
    assert res.summary["P_max"] == pytest.approx(ref.summary["P_max"], rel=1e-8)


def test_example_spec_runs():
    res = simulate_meanfield(EXAMPLES / "yan_meanfield.toml")
    assert res.summary["P_max"] > 0
    assert np.all(np.sqrt(res.u**2 + res.v**2 + res.w**2) <= 1 + 1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["yan2026-fig3", "yan2026-fig4", "yan2026-mf-convergence"])
def test_targets_quick(name, tmp_path):
    from qbattery.reproduce.registry import Context, load_all, write_output

    out = load_all()[name].func(Context(quick=True))
    png, js = write_output(name, out, tmp_path)
    assert png.exists() and js.exists() and out.rows
