"""Independent checks of qbattery.analytic.holstein_primakoff (Yan et al., Eqs. 1, 4-8).

Reference values come from matrices built here: the collective-spin Hamiltonian of Eq. 1 in
the Dicke basis, truncated bosonic Fock operators, and the 2x2 / 4x4 Bogoliubov-de Gennes
(dynamical) matrices of the quadratic Hamiltonian -- never from the module under test.
"""

import numpy as np
import pytest
import scipy.sparse as sps
from scipy.sparse.linalg import expm_multiply

from qbattery.analytic import holstein_primakoff as hp

WA = 1.0  # omega_a

CASES = [("x", -0.5), ("x", 0.4), ("y", 0.6), ("y", -0.3), ("z", 0.3), ("z", -0.4)]


def spin_ops(N):
    """(S_x, S_y, S_z) for spin N/2, basis m = 0..N excitations above all-down (sparse)."""
    mz = np.arange(N + 1) - N / 2
    sp = sps.diags(np.sqrt(N / 2 * (N / 2 + 1) - mz[:-1] * (mz[:-1] + 1)), -1)  # S_+
    sx = ((sp + sp.T) / 2).tocsr()
    sy = ((sp - sp.T) / 2j).tocsr()
    return sx, sy, sps.diags(mz).tocsr()


def boson(dim):
    return np.diag(np.sqrt(np.arange(1, dim)), 1)


def hp_pair_from_paper(J, axis):
    """Omega_k and the (b^2 + b^dag^2) coefficient exactly as printed in Eq. 4."""
    return {
        "x": (WA + J / 2, J / 4),
        "y": (WA + J / 2, -J / 4),
        "z": (WA - J, 0.0),
    }[axis]


# ---------------------------------------------------------------------------------------
# Eq. 4: HP mapping of the battery Hamiltonian
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("axis,J", CASES)
def test_hp_mapping_matches_spin_matrix_elements(axis, J):
    """Low-lying matrix elements of omega_a S_z + (J/N) S_k^2 -> Omega b^dag b + mu(b^2+h.c.)."""
    N = 20000
    sx, sy, sz = spin_ops(N)
    sk = {"x": sx, "y": sy, "z": sz}[axis]
    sk = sk[:10, :10]  # only the lowest levels are needed (S_k is tridiagonal)
    HB = (WA * sz[:10, :10] + (J / N) * (sk @ sk)).toarray()[:8, :8].real
    om = hp.hp_atomic_frequency(WA, J, axis)
    mu = hp.hp_pairing_strength(J, axis)
    c = hp.hp_constant_shift(WA, J, N, axis)
    m = np.arange(6)
    # diagonal: Omega m + const ; second off-diagonal: mu sqrt((m+1)(m+2)); O(m^2/N) errors
    assert np.allclose(np.diag(HB)[:6] - c, om * m, atol=5e-3)
    assert np.allclose(np.diag(HB, -2)[:6], mu * np.sqrt((m + 1) * (m + 2)), atol=5e-3)
    assert np.allclose(np.diag(HB, -1), 0, atol=1e-12)
    # and the paper's printed values (Eq. 4, incl. Omega_z = omega_a - J_z)
    om_p, mu_p = hp_pair_from_paper(J, axis)
    assert om == pytest.approx(om_p) and mu == pytest.approx(mu_p)


def test_omega_z_sign():
    # Omega_z = omega_a - J_z, not + J_z: check the first excitation gap of the spin model
    N, J = 20000, 0.3
    _, _, sz = spin_ops(N)
    e = (WA * sz + (J / N) * (sz @ sz)).diagonal()
    assert e[1] - e[0] == pytest.approx(WA - J, abs=1e-4)
    assert hp.hp_atomic_frequency(WA, J, "z") == pytest.approx(e[1] - e[0], abs=1e-4)


# ---------------------------------------------------------------------------------------
# Bogoliubov transformation
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("axis,J", CASES)
def test_bogoliubov_diagonalizes_atomic_part(axis, J):
    om, mu = hp_pair_from_paper(J, axis)
    # H_at = 1/2 (b^dag, b) h (b, b^dag)^T + const, h = [[Om, 2mu], [2mu, Om]]
    h = np.array([[om, 2 * mu], [2 * mu, om]])
    r = hp.squeezing_parameter(WA, J, axis)
    T = np.array([[np.cosh(r), np.sinh(r)], [np.sinh(r), np.cosh(r)]])  # (b, b^dag) = T (beta..)
    hb = T.T @ h @ T
    delta = hp.renormalized_frequency(WA, J, axis)
    assert abs(hb[0, 1]) < 1e-12
    assert hb[0, 0] == pytest.approx(delta, rel=1e-12)
    sz = np.diag([1.0, -1.0])
    assert np.allclose(T.T @ sz @ T, sz)  # symplectic (preserves [beta, beta^dag] = 1)
    # paper's closed forms (text before Eq. 5)
    if axis == "x":
        assert np.tanh(2 * r) == pytest.approx(-J / (J + 2 * WA))
    elif axis == "y":
        assert np.tanh(2 * r) == pytest.approx(J / (J + 2 * WA))
    else:
        assert r == 0.0
    if axis in ("x", "y"):
        assert delta == pytest.approx(np.sqrt(WA * (WA + J)))
    else:
        assert delta == pytest.approx(WA - J)


@pytest.mark.parametrize("axis,J", CASES)
def test_bogoliubov_fock_space_spectrum_and_coupling(axis, J):
    """Truncated Fock space: level spacing = Delta_k and |<1|(b+b^dag)|0>| = e^{r_k}."""
    om, mu = hp_pair_from_paper(J, axis)
    b = boson(120)
    H = om * b.T @ b + mu * (b @ b + b.T @ b.T)
    w, v = np.linalg.eigh(H)
    delta = hp.renormalized_frequency(WA, J, axis)
    assert np.allclose(np.diff(w[:5]), delta, rtol=1e-9)
    x01 = abs(v[:, 1] @ (b + b.T) @ v[:, 0])
    G = hp.effective_coupling(1.0, WA, J, axis)
    assert x01 == pytest.approx(G, rel=1e-9)
    assert x01 == pytest.approx(np.exp(hp.squeezing_parameter(WA, J, axis)), rel=1e-9)


# ---------------------------------------------------------------------------------------
# Normal modes of Eq. 4 and the critical coupling
# ---------------------------------------------------------------------------------------


def normal_modes_eq4(J, g, wc, axis):
    """Positive eigenvalues of the dynamical matrix of Eq. 4 built in the (b, a) basis."""
    om, mu = hp_pair_from_paper(J, axis)
    # H = 1/2 Psi^dag M Psi, Psi = (b, a, b^dag, a^dag)
    A = np.array([[om, g / 2], [g / 2, wc]])
    Bm = np.array([[2 * mu, g / 2], [g / 2, 0.0]])
    M = np.block([[A, Bm], [Bm, A]])
    eta = np.diag([1.0, 1.0, -1.0, -1.0])
    ev = np.linalg.eigvals(eta @ M)
    assert np.allclose(ev.imag, 0, atol=1e-9)
    return np.sort(ev.real)[2:][::-1]  # (omega_+, omega_-)


@pytest.mark.parametrize("axis,J", CASES)
@pytest.mark.parametrize("wc", [None, 0.55, 1.3])
def test_normal_modes_vs_dynamical_matrix(axis, J, wc):
    g = 0.2
    delta = hp.renormalized_frequency(WA, J, axis)
    wc = delta if wc is None else wc
    ref = normal_modes_eq4(J, g, wc, axis)
    assert np.allclose(hp.normal_mode_frequencies(WA, J, g, wc, axis), ref, rtol=1e-10)
    if wc == delta:  # the paper's omega_pm is exact at resonance
        assert np.allclose(hp.normal_mode_frequencies_paper(WA, J, g, axis), ref, rtol=1e-10)


def test_paper_normal_modes_wrong_off_resonance():
    axis, J, g, wc = "x", -0.5, 0.2, 1.3
    ref = normal_modes_eq4(J, g, wc, axis)
    paper = hp.normal_mode_frequencies_paper(WA, J, g, axis)
    assert abs(paper[1] - ref[1]) > 0.05 and abs(paper[0] - ref[0]) > 0.05


def quadrature_hessian(J, g, wc, axis):
    """Real 4x4 Hessian of Eq. 4 in (x_b, x_a, p_b, p_a); stable iff positive definite."""
    om, mu = hp_pair_from_paper(J, axis)
    # Om b^dag b = Om (x^2+p^2)/2 ; mu(b^2+b^dag^2) = mu (x^2 - p^2) ; (g/2)(2 x_b x_a)
    return np.array(
        [
            [om + 2 * mu, g, 0, 0],
            [g, wc, 0, 0],
            [0, 0, om - 2 * mu, 0],
            [0, 0, 0, wc],
        ]
    )


@pytest.mark.parametrize("axis,J", CASES)
@pytest.mark.parametrize("wc", [None, 1.3])
def test_critical_coupling(axis, J, wc):
    delta = hp.renormalized_frequency(WA, J, axis)
    wcv = delta if wc is None else wc
    gc = hp.critical_coupling(WA, J, axis, omega_c=wc)
    lo = np.linalg.eigvalsh(quadrature_hessian(J, gc, wcv, axis))[0]
    assert abs(lo) < 1e-10
    assert np.linalg.eigvalsh(quadrature_hessian(J, 0.99 * gc, wcv, axis))[0] > 0
    assert np.linalg.eigvalsh(quadrature_hessian(J, 1.01 * gc, wcv, axis))[0] < 0
    if wc is None:  # paper: omega_- -> 0 when g e^{r} = Delta_k
        assert hp.effective_coupling(gc, WA, J, axis) == pytest.approx(delta)
    # closed forms of the stability condition
    expected = {"x": wcv * (WA + J), "y": wcv * WA, "z": wcv * (WA - J)}[axis]
    assert gc**2 == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("axis", hp.AXES)
def test_soft_mode_twisting_closes_the_resonant_soft_mode(axis):
    """At J_c (moved from tests/test_yan2026.py for x, extended to y and z) the paper's resonant
    ω_- = sqrt(Δ² − g e^r Δ) closes just inside the normal phase, and g is the critical coupling."""
    g = 0.08  # Yan Fig. 2
    Jc = hp.soft_mode_twisting(WA, g, axis)
    inside = Jc - 1e-9 if axis == "z" else Jc + 1e-9
    assert hp.normal_mode_frequencies_paper(WA, inside, g, axis)[1] == pytest.approx(0, abs=1e-3)
    assert hp.critical_coupling(WA, Jc, axis) == pytest.approx(g, rel=1e-9)
    if axis == "x":
        assert -1 < Jc < -0.9
    elif axis == "y":
        assert Jc == pytest.approx(-WA + g**4 / WA**3, rel=1e-15)
    else:
        assert Jc == pytest.approx(WA - g, rel=1e-15)


# ---------------------------------------------------------------------------------------
# Stored energy E(t)
# ---------------------------------------------------------------------------------------


def fock_energy_eq4(J, g, wc, n, axis, ts, cb=30, ca=None):
    """E(t) of Eq. 2 for the quadratic Hamiltonian Eq. 4 in a truncated Fock space."""
    ca = ca or n + 12
    om, mu = hp_pair_from_paper(J, axis)
    b, a = boson(cb), boson(ca)
    hat = om * b.T @ b + mu * (b @ b + b.T @ b.T)
    w0, v0 = np.linalg.eigh(hat)
    HB = np.kron(hat, np.eye(ca))
    H = HB + wc * np.kron(np.eye(cb), a.T @ a) + (g / 2) * np.kron(b + b.T, a + a.T)
    psi0 = np.kron(v0[:, 0], np.eye(ca)[n])
    w, V = np.linalg.eigh(H)
    psi = V @ (np.exp(-1j * np.outer(w, ts)) * (V.T @ psi0)[:, None])
    return np.einsum("it,it->t", psi.conj(), HB @ psi).real - w0[0]


@pytest.mark.parametrize("axis,J", [("x", -0.5), ("y", 0.6), ("z", 0.3)])
@pytest.mark.parametrize("wc", [None, 1.3])
def test_stored_energy_vs_fock_space_eq4(axis, J, wc):
    g, n = 0.15, 2
    wcv = hp.renormalized_frequency(WA, J, axis) if wc is None else wc
    ts = np.linspace(0, 15, 11)
    ref = fock_energy_eq4(J, g, wcv, n, axis, ts)
    assert np.allclose(hp.stored_energy(ts, WA, J, g, wcv, n, axis), ref, atol=1e-8)
    assert np.allclose(
        hp.average_power(ts, WA, J, g, wcv, n, axis)[1:], ref[1:] / ts[1:], atol=1e-8
    )


def spin_energy_eq1(N, J, g, wc, n, axis, ts, ca=12):
    """E(t) of Eq. 2 for the full Eq. 1 (spin N/2 (x) cavity), from |G> (x) |n>."""
    sx, sy, sz = spin_ops(N)
    sk = {"x": sx, "y": sy, "z": sz}[axis]
    HBs = (WA * sz + (J / N) * (sk @ sk)).toarray()
    e, v = np.linalg.eigh(HBs)
    a = sps.diags(np.sqrt(np.arange(1, ca)), 1)
    HB = sps.kron(sps.csr_matrix(HBs), sps.eye(ca)).tocsr()
    H = HB + wc * sps.kron(sps.eye(N + 1), a.T @ a) + (g / np.sqrt(N)) * sps.kron(sx, a + a.T)
    psi0 = np.kron(v[:, 0], np.eye(ca)[n]).astype(complex)
    psis = expm_multiply(
        -1j * H.tocsc(), psi0, start=ts[0], stop=ts[-1], num=len(ts), endpoint=True
    )
    return np.array([np.vdot(p, HB @ p).real for p in psis]) - e[0]


@pytest.mark.parametrize("axis,J", [("x", -0.5), ("y", 0.5), ("z", 0.3)])
def test_stored_energy_vs_full_spin_model_eq1(axis, J):
    g, n = 0.15, 2
    wc = hp.renormalized_frequency(WA, J, axis)
    ts = np.linspace(0, 20, 5)
    e_hp = hp.stored_energy(ts, WA, J, g, wc, n, axis)
    err = {N: np.max(np.abs(spin_energy_eq1(N, J, g, wc, n, axis, ts) - e_hp)) for N in (50, 200)}
    assert err[200] < 0.015 * np.max(e_hp)  # HP is O(1/N)
    assert err[200] < err[50]


# ---------------------------------------------------------------------------------------
# Soft-mode asymptotics, Eqs. 6-8
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("axis,J", [("x", -0.5), ("y", 0.5), ("z", 0.3)])
def test_soft_mode_energy_is_asymptotic_to_exact(axis, J):
    n = 3
    delta = hp.renormalized_frequency(WA, J, axis)
    gc = hp.critical_coupling(WA, J, axis)
    dev = []
    for eps in (1e-2, 1e-4, 1e-6):
        g = gc * (1 - eps)
        wm = hp.normal_mode_frequencies_paper(WA, J, g, axis)[1]
        t = np.array([0.5, 1.0, 1.5]) / wm
        ratio = hp.stored_energy(t, WA, J, g, delta, n, axis) / hp.stored_energy_soft_mode(
            t, WA, J, g, n, axis
        )
        dev.append(np.max(np.abs(ratio - 1)))
    assert dev[0] > dev[1] > dev[2]
    assert dev[2] < 3e-3


def test_soft_mode_power_eqs_7_8():
    axis, J, n = "x", -0.5, 4
    gc = hp.critical_coupling(WA, J, axis)
    for g in (0.5 * gc, 0.9 * gc):
        wm = hp.normal_mode_frequencies_paper(WA, J, g, axis)[1]
        ts = np.linspace(1e-6, 3 / wm, 200001)
        e = hp.stored_energy_soft_mode(ts, WA, J, g, n, axis)
        p = hp.average_power_soft_mode(ts, WA, J, g, n, axis)
        assert np.allclose(p, e / ts, rtol=1e-10)
        assert hp.max_power_soft_mode(WA, J, g, n, axis) == pytest.approx(p.max(), rel=1e-9)
        assert hp.max_power_time_soft_mode(WA, J, g, axis) == pytest.approx(
            ts[p.argmax()], abs=2 * ts[1]
        )
        # paper's P_max definition: E/t at the first energy peak, omega_- t = pi/2
        t_peak = ts[np.argmax(e)]
        assert t_peak * wm == pytest.approx(np.pi / 2, abs=1e-4)
        assert hp.max_power_soft_mode(WA, J, g, n, axis, constant=2 / np.pi) == pytest.approx(
            e.max() / t_peak, rel=1e-4
        )
    # Eq. 8: ratios of P_max between couplings follow e^{2r}/sqrt(1 - g e^r/Delta)
    r = np.arctanh(-J / (J + 2 * WA)) / 2
    d = np.sqrt(WA * (WA + J))
    for g in (0.3 * gc, 0.95 * gc):
        expected = np.exp(2 * r) / np.sqrt(1 - g * np.exp(r) / d)
        assert hp.max_power_scaling(WA, J, g, axis) == pytest.approx(expected, rel=1e-12)
        ratio = hp.max_power_soft_mode(WA, J, g, n, axis) / (
            (n + 1) * g**2 / 8 * 0.7246113537767085
        )
        assert ratio == pytest.approx(expected, rel=1e-9)


def test_invalid_axis_and_unstable_region():
    with pytest.raises(ValueError):
        hp.hp_atomic_frequency(WA, 0.1, "w")
    assert np.isnan(hp.renormalized_frequency(WA, -1.2, "x"))
    assert np.isnan(hp.squeezing_parameter(WA, -1.2, "x"))
    assert np.isnan(hp.renormalized_frequency(WA, 1.2, "z"))
    gc = hp.critical_coupling(WA, -0.5, "x", omega_c=0.8)
    assert hp.normal_mode_frequencies(WA, -0.5, 0.99 * gc, 0.8, "x")[1] > 0
    assert np.isnan(hp.normal_mode_frequencies(WA, -0.5, 1.01 * gc, 0.8, "x")[1])
    gc = hp.critical_coupling(WA, -0.5, "x")
    assert np.isnan(hp.normal_mode_frequencies_paper(WA, -0.5, 1.1 * gc, "x")[1])


@pytest.mark.parametrize("axis", hp.AXES)
def test_swap_power_estimate_tracks_the_hp_first_peak_power(axis):
    """n Δ_k g e^{r_k}/π against E(τ)/τ at the first peak of the exact HP energy at ω_c = Δ_k
    (g = 0.08, n = 5, Yan Fig. 2): within 4 % for |J| ≤ 0.5 (measured: at most 2.9 %)."""
    from qbattery.metrics import first_peak_index

    g, n = 0.08, 5
    t = np.linspace(0.0, 150.0, 30001)
    for J in (-0.5, -0.3, 0.0, 0.3, 0.5):
        wc = hp.renormalized_frequency(WA, J, axis)
        E = hp.stored_energy(t, WA, J, g, wc, n, axis)
        k = first_peak_index(E)
        swap = hp.swap_power_estimate(WA, J, g, n, axis)
        assert swap == pytest.approx(E[k] / t[k], rel=0.04), (J, swap, E[k] / t[k])
    assert hp.swap_power_estimate(WA, 0.0, g, n, axis) == pytest.approx(n * WA * g / np.pi)


def test_swap_power_estimate_falls_as_sqrt_delta_for_x():
    """Δ_x e^{r_x} = (ω_a Δ_x)^{1/2}: the x estimate vanishes as J_x → −ω_a."""
    for J in (-0.99, -0.9, -0.5, 0.5):
        ratio = hp.swap_power_estimate(WA, J, 0.08, 5, "x") / hp.swap_power_estimate(
            WA, 0.0, 0.08, 5, "x"
        )
        assert ratio == pytest.approx(np.sqrt(hp.renormalized_frequency(WA, J, "x") / WA))
