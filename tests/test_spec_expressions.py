"""Sizes and initial states written as expressions over N and the parameters, so that a sweep
over N keeps a charger that follows it (cutoff = "6*N", coherent = "sqrt(N)", fock = "N")."""

import numpy as np
import pytest

import qbattery
from qbattery.spec import SpecError, validate_spec


def spec(mode=None, charger=None, n=4, solver="auto"):
    return {
        "system": {"spins": n, "mode": mode or {"cutoff": "6*N"}},
        "parameters": {"g": 0.3, "extra": 2},
        "hamiltonian": {"battery": "Sz", "charger": "n", "coupling": "g/sqrt(N)*(Sp*a + Sm*ad)"},
        "initial": {"battery": "down", "charger": charger or {"coherent": "sqrt(N)"}},
        "time": {"t_max": 5.0, "points": 51},
        "run": {"solver": solver},
    }


def test_the_cutoff_expression_is_resolved_to_its_integer():
    assert validate_spec(spec(n=4)).system.mode.cutoff == 24
    assert validate_spec(spec({"cutoff": "4*N + extra"}, n=3)).system.mode.cutoff == 14
    # a value that is not an integer is rounded up (3 + √3 = 4.73)
    assert validate_spec(spec({"cutoff": "N + sqrt(N)"}, n=3)).system.mode.cutoff == 5
    assert qbattery.simulate(spec()).spec["system"]["mode"]["cutoff"] == 24


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ({"coherent": "sqrt(N)"}, {"coherent": 2.0}),
        ({"coherent": ["sqrt(N)/2", "extra/4"]}, {"coherent": [1.0, 0.5]}),
        ({"fock": "N"}, {"fock": 4}),
        ({"thermal": "N/8"}, {"thermal": 0.5}),
    ],
)
def test_an_initial_state_expression_equals_the_number_it_stands_for(written, number):
    ours = qbattery.simulate(spec(charger=written))
    plain = qbattery.simulate(spec({"cutoff": 24}, number))
    np.testing.assert_array_equal(ours.energy, plain.energy)


def test_the_mean_field_solver_reads_the_same_expressions():
    ours = qbattery.simulate(spec(charger={"coherent": "sqrt(N)"}, solver="meanfield"))
    plain = qbattery.simulate(spec({"cutoff": 24}, {"coherent": 2.0}, solver="meanfield"))
    np.testing.assert_array_equal(ours.energy, plain.energy)


@pytest.mark.parametrize(
    ("mode", "charger", "message"),
    [
        ({"cutoff": "i*N"}, None, r"system.mode.cutoff: 'i\*N' = 4j is not a real number"),
        ({"cutoff": "-N"}, None, r"system.mode.cutoff: '-N' = -4 is outside"),
        ({"cutoff": "nope"}, None, r"system.mode.cutoff: unknown symbol 'nope'"),
        (None, {"fock": "N/3"}, r"initial.charger.fock: 'N/3' = 1.33333 is not a non-negative"),
        (None, {"thermal": "-N"}, r"initial.charger.thermal: a mean photon number >= 0"),
    ],
)
def test_bad_expressions_name_their_field(mode, charger, message):
    with pytest.raises(SpecError, match=message):
        qbattery.simulate(spec(mode, charger))


@pytest.mark.parametrize(
    "perturb,hermitian",
    [
        (lambda H: H, True),
        (lambda H: H + 1e-12 * np.triu(np.ones_like(H), 1), True),  # below 1e-10 of max|H|
        (lambda H: H + 1e-6 * np.triu(np.ones_like(H), 1), False),
        (lambda H: H + np.diag([0, 0, 1e-3j, 0, 0]), False),  # an imaginary diagonal entry
        (lambda H: np.triu(H), False),  # entries without their mirror
    ],
)
def test_the_hermiticity_check_compares_every_entry_with_its_mirror(perturb, hermitian):
    import scipy.sparse as sp

    from qbattery.problem_operators import check_hermitian

    rng = np.random.default_rng(1)
    A = rng.normal(size=(5, 5)) + 1j * rng.normal(size=(5, 5))
    H = sp.csr_matrix(perturb(A + A.conj().T))
    if hermitian:
        check_hermitian(H, "hamiltonian")
    else:
        with pytest.raises(SpecError, match="not Hermitian"):
            check_hermitian(H, "hamiltonian")
