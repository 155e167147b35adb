"""The initial state ρ(0) of a spec's ``[initial]`` table, as pure components (weight, ψ) of
battery ⊗ charger in the product basis.

The builders read only the factor spaces, the parameters and the battery Hamiltonian (a
:class:`Factors`), so the state is known before any product-space operator exists: the
sector-first building (:mod:`qbattery.operators.subspace`) starts from the charges it occupies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from qbattery.operators import boson, spin
from qbattery.operators.boson import TruncationError
from qbattery.spec import Spec, SpecError
from qbattery.values import constant_value, count_value

DEGENERACY_TOLERANCE = 1e-9


@dataclass
class Factors:
    """What the initial state depends on: the spec, its parameters, the two factor spaces
    (:class:`qbattery.problem.Space`) and H_B on the battery factor alone."""

    spec: Spec
    params: dict[str, complex]
    battery: object
    charger: object
    H_battery_local: sp.csr_matrix


def factored_components(factors: Factors) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """ρ(0) = Σ_k w_k |ψ_B ⊗ ψ_k><ψ_B ⊗ ψ_k| for ``[initial] battery`` and ``charger`` as
    (w_k, ψ_B, ψ_k), the factors of each product component (not ``total``: the ground state of
    the whole generator needs the generator)."""
    spec = factors.spec
    battery = _battery_state(factors, spec.initial.battery)
    charger = _charger_components(factors.charger, spec.initial.charger, factors)
    return [(w, battery, psi) for w, psi in charger]


def product_components(factored) -> list[tuple[float, np.ndarray]]:
    """The components (w, ψ_B ⊗ ψ_C) in the product basis."""
    return [(w, np.kron(b, c)) for w, b, c in factored]


def restricted_components(factored, basis: np.ndarray, charger_dim: int) -> list:
    """The components on the product states ``basis`` only: (w, (ψ_B ⊗ ψ_C)[basis])."""
    b, c = np.divmod(basis, charger_dim)
    return [(w, psi_b[b] * psi_c[c]) for w, psi_b, psi_c in factored]


def _battery_state(factors, choice) -> np.ndarray:
    space, where = factors.battery, "initial.battery"
    if choice == "ground":
        return ground_state(factors.H_battery_local.toarray(), where)
    if space.kind == "spins":
        j = space.spin_j
        if choice == "down":
            return spin.dicke_state(j, 0)
        if choice == "up":
            return spin.dicke_state(j, space.size)
        if isinstance(choice, dict) and set(choice) == {"dicke"}:
            return _spin_dicke(
                j, count_value(choice["dicke"], factors.params, f"{where}.dicke"), where
            )
        if isinstance(choice, dict) and set(choice) == {"coherent_spin"}:
            angles = choice["coherent_spin"]
            if not (isinstance(angles, list) and len(angles) == 2):
                raise SpecError(where, "coherent_spin takes [theta, phi]")
            return spin.coherent_spin_state(j, *_numbers(angles, factors, where))
    if space.kind == "atoms" and isinstance(choice, dict) and set(choice) == {"atoms"}:
        return _atom_product_state(space, choice["atoms"], where)
    if space.kind == "atoms" and choice in ("down", "up"):
        index = 0 if choice == "down" else len(space.levels) - 1
        return _atom_product_state(space, [space.levels[index]] * space.size, where)
    raise SpecError(where, f"unknown initial battery state {choice!r} for a {space.kind} battery")


def _numbers(values, factors, where: str) -> list[float]:
    return [constant_value(v, factors.params, where).real for v in values]


def _spin_dicke(j: float, k, where: str) -> np.ndarray:
    if not isinstance(k, int) or isinstance(k, bool):
        raise SpecError(where, "dicke takes an integer number of excitations")
    try:
        return spin.dicke_state(j, k)
    except ValueError as err:
        raise SpecError(where, str(err)) from None


def _atom_product_state(space, names, where: str) -> np.ndarray:
    if not isinstance(names, list) or len(names) != space.size:
        raise SpecError(where, f"atoms takes a list of {space.size} level names")
    psi = np.ones(1, dtype=complex)
    for name in names:
        if name not in space.levels:
            raise SpecError(where, f"unknown level {name!r}; levels are {list(space.levels)}")
        local = np.zeros(len(space.levels), dtype=complex)
        local[space.levels.index(name)] = 1
        psi = np.kron(psi, local)
    return psi


def ground_state(H: np.ndarray, where: str) -> np.ndarray:
    w, v = np.linalg.eigh(H)
    if len(w) > 1 and w[1] - w[0] < DEGENERACY_TOLERANCE * max(1.0, abs(w[0])):
        raise SpecError(
            where,
            f"the ground state of the battery Hamiltonian is degenerate "
            f"(E0 = {w[0]:.6g}, E1 = {w[1]:.6g}); give an explicit initial state",
        )
    psi = v[:, 0]
    return psi * np.exp(-1j * np.angle(psi[np.argmax(abs(psi))]))  # fix the global phase


def ground_outside_symmetric(factors) -> list[str]:
    """Warn when the symmetric ground state is not the unique ground state of all 2^N states.

    The two lowest 2^N levels come irrep by irrep (only the few lowest levels of each spin-j
    block, :func:`qbattery.simulate.spin_battery_levels`): no Σ_j (2j+1)-sized matrix."""
    from qbattery.metrics import expand_levels
    from qbattery.simulate import lowest_eigenvalues, spin_battery_levels

    full = expand_levels(*spin_battery_levels(factors, 2))[:2]
    sym = float(lowest_eigenvalues(factors.H_battery_local, 1)[0])
    tol = DEGENERACY_TOLERANCE * max(1.0, abs(sym))
    if full[0] < sym - tol:
        return [
            f"initial.battery: the ground energy of H_B over all 2^N states ({full[0]:.6g}) lies "
            f"outside the symmetric manifold; 'ground' uses the symmetric one ({sym:.6g})"
        ]
    if len(full) > 1 and full[1] - full[0] < tol:
        return [
            "initial.battery: the ground level of H_B is degenerate over all 2^N states (copies in "
            "other spin-j irreps); 'ground' uses the symmetric one"
        ]
    return []


def _charger_components(space, choice, factors) -> list[tuple[float, np.ndarray]]:
    where = "initial.charger"
    if space.kind == "none":
        if choice not in (None, "vacuum", "none"):
            raise SpecError(where, "there is no charger in [system] to prepare")
        return [(1.0, np.ones(1, dtype=complex))]
    if choice is None:
        raise SpecError(where, "required field is missing")
    if space.kind == "mode":
        try:
            if choice == "vacuum":
                return [(1.0, boson.fock_state(space.dim, 0))]
            if isinstance(choice, dict) and set(choice) == {"fock"}:
                n = count_value(choice["fock"], factors.params, f"{where}.fock")
                return [(1.0, boson.fock_state(space.dim, n))]
            if isinstance(choice, dict) and set(choice) == {"coherent"}:
                alpha = _complex(choice["coherent"], factors, where)
                return [(1.0, boson.coherent_state(space.dim, alpha))]
            if isinstance(choice, dict) and set(choice) == {"thermal"}:
                nbar = _numbers([choice["thermal"]], factors, f"{where}.thermal")[0]
                if nbar < 0:
                    raise SpecError(f"{where}.thermal", f"a mean photon number >= 0, got {nbar:g}")
                p = boson.thermal_populations(space.dim, nbar)
                return [(float(pn), boson.fock_state(space.dim, n)) for n, pn in enumerate(p) if pn]
        except TruncationError as err:
            raise SpecError(where, str(err)) from None
    if space.kind == "bath_spins":
        j = space.spin_j
        if choice == "down":
            return [(1.0, spin.dicke_state(j, 0))]
        if choice == "up":
            return [(1.0, spin.dicke_state(j, space.size))]
        if isinstance(choice, dict) and set(choice) == {"dicke"}:
            k = count_value(choice["dicke"], factors.params, f"{where}.dicke")
            return [(1.0, _spin_dicke(j, k, where))]
    raise SpecError(where, f"unknown initial charger state {choice!r} for a {space.kind} charger")


def _complex(value, factors, where: str) -> complex:
    """A coherent amplitude: a number, an expression ("sqrt(N)") or [re, im] of either."""
    if isinstance(value, list) and len(value) == 2:
        re, im = _numbers(value, factors, where)
        return complex(re, im)
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return constant_value(value, factors.params, where)
    raise SpecError(where, "a coherent amplitude is a number or [re, im]")
