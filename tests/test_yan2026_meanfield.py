"""yan2026-mf-convergence: the exact dynamics it compares with, against an independent brute-force
Lindblad integration, and the mean-field error falling with N for the paper's Fig. 4 model."""

from __future__ import annotations

import bruteforce as bf
import matplotlib
import numpy as np
import pytest
from scipy.integrate import solve_ivp

matplotlib.use("Agg")

import qbattery  # noqa: E402
from qbattery.reproduce import yan2026_convergence as ymf  # noqa: E402
from qbattery.reproduce.registry import Context  # noqa: E402
from qbattery.scaling import fit_power_law  # noqa: E402


def _short(spec: dict, t_max: float = 6.0, points: int = 61) -> dict:
    return spec | {"time": {"t_max": t_max, "points": points}}


def _bruteforce_w(model: str, N: int, Omega: float, times: np.ndarray):
    """w(t) = <S_z>/S and <S^2>(t) in the full 2^N space, H(t) built from single-site Paulis and
    the time-dependent Liouvillian L0 + Omega e^{-kappa t/2} L1 integrated by DOP853."""
    J, kappa = -0.9, (0.0 if model == "closed" else ymf.KAPPA_FIG4)
    ops = bf.spin_ops(N)
    collapse = {
        "closed": [],
        "local": bf.local_collapse(N, 1, gamma_down=ymf.GAMMA_FIG4),
        "collective": bf.local_collapse(N, 1, gamma_collective=ymf.G_COLLECTIVE / N),
    }[model]
    L0 = bf.liouvillian(ops["Sz"] + J / N * ops["Sx"] @ ops["Sx"], collapse)
    L1 = bf.liouvillian(ops["Sx"], [])
    rho0 = np.outer(bf.spins_down(N), bf.spins_down(N).conj())
    D = rho0.shape[0]

    def rhs(t, v):
        return L0 @ v + Omega * np.exp(-kappa * t / 2) * (L1 @ v)

    sol = solve_ivp(rhs, (0, times[-1]), rho0.reshape(-1, order="F").astype(complex),
                    t_eval=times, method="DOP853", rtol=1e-11, atol=1e-13)  # fmt: skip
    rhos = sol.y.T.reshape(len(times), D, D, order="F")
    w = np.einsum("ij,tji->t", ops["Sz"], rhos).real / (N / 2)
    s2 = np.einsum("ij,tji->t", ops["S2"], rhos).real
    return w, s2


@pytest.mark.parametrize("model", ["local", "closed", "collective"])
def test_exact_dynamics_of_the_target_spec_match_bruteforce_lindblad(model):
    N, Omega = 4, 1.5
    spec = _short(ymf.convergence_spec(model, N, Omega))
    res = qbattery.simulate(spec)
    assert res.info["solver"] == ymf.EXACT_SOLVER[model]
    w_bf, s2 = _bruteforce_w(model, N, Omega, res.t)
    np.testing.assert_allclose(ymf.bloch_w(res), w_bf, atol=1e-8)
    S = N / 2
    if model == "local":  # local decay leaves the symmetric manifold: this is not D[S_-]
        assert s2[-1] < S * (S + 1) - 0.1
    else:
        np.testing.assert_allclose(s2, S * (S + 1), atol=1e-8)


def test_meanfield_of_the_local_spec_is_eq12():
    """Mean field of γ Σ_i D[σ_-^i]: Yan Eq. 12 with u̇, v̇ damped at γ/2 and ẇ = ... − γ(w + 1)."""
    J, Om, kappa, gamma = -0.9, 0.5, ymf.KAPPA_FIG4, ymf.GAMMA_FIG4
    res = qbattery.simulate(_short(ymf.convergence_spec("local", 1000, Om, "meanfield"), 20, 201))

    def eq12(t, r):
        u, v, w = r
        drive = Om * np.exp(-kappa * t / 2)
        return [-v - gamma / 2 * u, u - J * u * w - drive * w - gamma / 2 * v,
                J * u * v + drive * v - gamma * (w + 1)]  # fmt: skip

    ref = solve_ivp(eq12, (0, 20), [0, 0, -1], t_eval=res.t, rtol=1e-11, atol=1e-13).y[2]
    np.testing.assert_allclose(ymf.bloch_w(res), ref, atol=1e-7)


@pytest.mark.parametrize("Omega", ymf.OMEGAS)
def test_meanfield_error_falls_with_N_for_local_decay(Omega):
    """max_t |w_exact − w_MF| over Fig. 4's window decreases with N, and from N = 16 to 32 it
    falls faster than 1/√N (measured: slopes −0.57 and −0.64; −0.76 and −0.75 at N = 48 → 64)."""
    ns = [4, 8, 16, 32]
    mf = ymf.bloch_w(qbattery.simulate(ymf.convergence_spec("local", ns[-1], Omega, "meanfield")))
    runs = [qbattery.simulate(ymf.convergence_spec("local", N, Omega)) for N in ns]
    dist = [np.max(np.abs(ymf.bloch_w(r) - mf)) for r in runs]
    assert np.all(np.diff(dist) < 0), dist
    slope = fit_power_law(ns[-2:], dist[-2:]).alpha
    assert -1.2 < slope < -0.52, (dist, slope)
    t = runs[0].t
    P_mf = ymf.p_max_per_spin(t, mf)
    dP = [abs(ymf.p_max_per_spin(t, ymf.bloch_w(r)) - P_mf) for r in runs]
    assert np.all(np.diff(dP) < 0), dP


def test_convergence_spec_rejects_unknown_model():
    with pytest.raises(ValueError, match="model must be one of"):
        ymf.convergence_spec("dephasing", 4, 0.5)


@pytest.mark.slow
def test_quick_target_rows_and_figure():
    import matplotlib.pyplot as plt

    from qbattery.reproduce.plotting import figure_problems

    out = ymf.mf_convergence(Context(quick=True))
    try:
        names = [r.quantity for r in out.rows]
        for model in ymf.CONVERGENCE_MODELS:
            assert any(f"w_MF| (t <= 20), {model}," in n for n in names), model
        assert any(r.paper == "> 0.176" for r in out.rows)
        assert not figure_problems(out.figure)
    finally:
        plt.close(out.figure)
