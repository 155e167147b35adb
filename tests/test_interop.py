"""Kept states ([output] states) and QuTiP interop (qbattery.to_qutip / from_qutip).

The conventions are checked against QuTiP's own operators (jmat, destroy, sigmaz, piqs.jspin) and
the kept states against QuTiP's mesolve/sesolve and PIQS runs of the same models, built here from
QuTiP's operators alone. The tests that need QuTiP skip without it (the ``qutip`` extra)."""

import numpy as np
import pytest

import qbattery
from qbattery.spec import SpecError
from qbattery.states import BlockState, Layout

qt = pytest.importorskip("qutip")
from qbattery.interop import from_qutip, symmetric_embedding, to_qutip  # noqa: E402

G, KAPPA, NC = 0.3, 0.1, 4
T_OUT = [0.0, 2.5, 5.0]
TIGHT = {"atol": 1e-12, "rtol": 1e-10}


def tc_spec(n=2, solver="lindblad", noise=None, states="full"):
    return {
        "system": {"spins": n, "mode": {"cutoff": NC}},
        "parameters": {"g": G, "k": KAPPA},
        "hamiltonian": {"battery": "Sz", "charger": "n", "coupling": "g*(Sp*a + Sm*ad)"},
        "initial": {"battery": "down", "charger": {"fock": 2}},
        "noise": {"mode_loss": "k"} if noise is None else noise,
        "time": {"t_max": 5.0, "points": 51},
        "output": {"states": states, "state_times": T_OUT},
        "run": {"solver": solver, "rtol": 1e-10, "atol": 1e-12},
    }


def qutip_tc(n=2):
    """H and ψ0 of the same battery from QuTiP's operators (spin index = j − m there)."""
    j = n / 2
    one_b, one_c = qt.qeye(n + 1), qt.qeye(NC)
    Sz = qt.tensor(qt.jmat(j, "z"), one_c)
    Sp = qt.tensor(qt.jmat(j, "+"), one_c)
    a = qt.tensor(one_b, qt.destroy(NC))
    H = Sz + a.dag() * a + G * (Sp * a + Sp.dag() * a.dag())
    psi0 = qt.tensor(qt.basis(n + 1, n), qt.basis(NC, 2))  # m = −j: the last index in QuTiP
    return H, psi0, a


def test_lindblad_full_and_battery_states_match_mesolve():
    result = qbattery.simulate(tc_spec())
    H, psi0, a = qutip_tc()
    ref = qt.mesolve(H, psi0, T_OUT, [np.sqrt(KAPPA) * a], options=TIGHT).states
    np.testing.assert_allclose(result.states.t, T_OUT)
    for k in range(len(T_OUT)):
        rho = to_qutip(result.states, part="full", time=k)
        assert rho.dims == [[3, NC], [3, NC]]
        assert np.abs((rho - ref[k]).full()).max() < 1e-7
        rho_b = to_qutip(result.states, time=k)
        assert rho_b.dims == [[3], [3]]
        assert np.abs((rho_b - ref[k].ptrace(0)).full()).max() < 1e-7


def test_closed_full_state_is_a_ket_matching_sesolve_and_expands_to_qubits():
    result = qbattery.simulate(tc_spec(solver="closed", noise={}))
    H, psi0, _ = qutip_tc()
    ref = qt.sesolve(H, psi0, T_OUT, options=TIGHT).states[-1]
    ket = to_qutip(result.states, part="full")
    assert ket.isket and ket.dims[0] == [3, NC]
    assert abs(ket.overlap(ref)) == pytest.approx(1, abs=1e-9)
    assert np.abs((ket - ref).full()).max() < 1e-7
    # in the 2^N space: the same energy with QuTiP's qubit operators Σ σ_z/2
    expanded = to_qutip(result.states, part="full", expand=True)
    assert expanded.dims[0] == [2, 2, NC]
    sz = sum(
        qt.tensor(*[qt.sigmaz() if q == i else qt.qeye(2) for q in range(2)], qt.qeye(NC)) / 2
        for i in range(2)
    )
    Sz = qt.tensor(qt.jmat(1, "z"), qt.qeye(NC))
    assert qt.expect(sz, expanded) == pytest.approx(qt.expect(Sz, ref), abs=1e-8)


def test_block_states_match_piqs():
    """Local decay: the permutational solver's ρ_B against PIQS's Dicke-basis run, traced over
    the mode."""
    from qutip import piqs

    n, gamma = 3, 0.2
    spec = tc_spec(n, "permutational", {"mode_loss": "k", "local_decay": gamma}, "battery")
    result = qbattery.simulate(spec)
    nds = piqs.num_dicke_states(n)
    jz = piqs.jspin(n, "z", basis="dicke")
    jp = piqs.jspin(n, "+", basis="dicke")
    a = qt.destroy(NC)
    spins = piqs.Dicke(n, hamiltonian=jz, emission=gamma)
    H_int = G * (qt.tensor(jp, a) + qt.tensor(jp.dag(), a.dag()))
    L = (
        qt.super_tensor(spins.liouvillian(), qt.to_super(qt.qeye(NC)))
        + qt.super_tensor(qt.to_super(qt.qeye(nds)), qt.liouvillian(a.dag() * a, [np.sqrt(KAPPA) * a]))
        - 1j * qt.spre(H_int)
        + 1j * qt.spost(H_int)
    )  # fmt: skip
    rho0 = qt.tensor(piqs.dicke(n, n / 2, -n / 2), qt.ket2dm(qt.basis(NC, 2)))
    ref = qt.mesolve(L, rho0, T_OUT, options=TIGHT).states
    for k, state in enumerate(result.states.battery):
        assert isinstance(state, BlockState)
        q = to_qutip(state)
        assert q.shape == (nds, nds)
        assert np.abs(q.full() - ref[k].ptrace(0).full()).max() < 1e-7
        back = from_qutip(q, result.states.layout)
        assert set(back.blocks) == {1.5, 0.5}
        for j, B in state.blocks.items():
            np.testing.assert_array_equal(back.blocks[j], B)
            assert back.multiplicities[j] == state.multiplicities[j]


@pytest.mark.parametrize(
    "layout",
    [
        Layout("spins", 4, "mode", 3, n_spins=3),
        Layout("spins", 3, "bath_spins", 4, n_spins=2),
        Layout("spins", 5, "none", 1, n_spins=4),
        Layout("atoms", 9, "mode", 2, n_atoms=2, levels=("g", "m", "e")),
    ],
)
@pytest.mark.parametrize("part", ["battery", "full"])
def test_round_trip_is_exact(layout, part):
    rng = np.random.default_rng(7)
    d = layout.battery_dim if part == "battery" else layout.dim
    ket = rng.normal(size=d) + 1j * rng.normal(size=d)
    X = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    rho = X @ X.conj().T / np.trace(X @ X.conj().T)
    for obj in (ket, rho, X):
        back = from_qutip(to_qutip(obj, layout, part=part), layout, part=part)
        np.testing.assert_array_equal(back, obj)
    if layout.battery == "spins":  # via the 2^N qubit space too
        for obj in (ket, rho):
            q = to_qutip(obj, layout, part=part, expand=True)
            assert q.dims[0][: layout.n_spins] == [2] * layout.n_spins
            np.testing.assert_allclose(from_qutip(q, layout, part=part), obj, atol=1e-14)


def test_operator_conventions_are_qutips():
    from qbattery.operators import boson, spin

    layout = Layout("spins", 4, "mode", 5, n_spins=3)
    ops = spin.spin_operators(1.5)
    for ours, theirs in ((ops["z"], "z"), (ops["x"], "x"), (ops["p"], "+")):
        q = to_qutip(ours, layout)
        assert np.abs(q.full() - qt.jmat(1.5, theirs).full()).max() < 1e-14
    a = boson.mode_operators(5)["a"]
    full = qt.tensor(qt.qeye(4), qt.destroy(5))
    from scipy import sparse

    q = to_qutip(sparse.kron(sparse.identity(4), a), layout, part="full")
    assert np.abs((q - full).full()).max() < 1e-14
    # the Dicke states in the qubit space: k raisings of all-down by QuTiP's Σ σ_+, normalised
    V = symmetric_embedding(3).toarray()
    raise_all = sum(
        qt.tensor(*[qt.sigmap() if q == i else qt.qeye(2) for q in range(3)]) for i in range(3)
    )
    state = qt.tensor(*[qt.basis(2, 1)] * 3)
    for k in range(4):
        np.testing.assert_allclose(V[:, k], state.unit().full().ravel(), atol=1e-14)
        state = raise_all * state


def test_a_qubit_state_outside_the_symmetric_manifold_is_refused():
    layout = Layout("spins", 3, "none", 1, n_spins=2)
    singlet = qt.tensor(qt.basis(2, 0), qt.basis(2, 1)) - qt.tensor(qt.basis(2, 1), qt.basis(2, 0))
    with pytest.raises(ValueError, match="symmetric manifold"):
        from_qutip(singlet.unit(), layout)


def test_a_qutip_initial_state_replaces_the_spec_initial():
    spec = tc_spec(states="none")
    _, psi0, _ = qutip_tc()
    ours = qbattery.simulate(spec)
    spec["initial"] = {"battery": "up", "charger": "vacuum"}  # overridden below
    theirs = qbattery.simulate(spec, initial_state=psi0)
    np.testing.assert_allclose(theirs.energy, ours.energy, atol=1e-12)
    mixed = qbattery.simulate(spec, initial_state=qt.ket2dm(psi0))
    np.testing.assert_allclose(mixed.energy, ours.energy, atol=1e-10)
    with pytest.raises(SpecError, match="initial_state"):
        qbattery.simulate(spec, initial_state=qt.basis(3, 0))
