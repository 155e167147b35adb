"""Mean-field (Bloch-vector) dynamics of a collective-spin battery, derived from the spec.

**What it treats.** A battery of N spins described by its collective spin S_k = Σσ_k/2 (S = N/2),
a generator that is a polynomial of degree ≤ 2 in S_x, S_y, S_z (fields, one-axis twisting
(J/N)S_k², S_x S_z, S_+S_-, ...), possibly with time-dependent coefficients (a classical drive
Ω_0 e^{−κt/2} S_x), and optionally a mode treated as a coherent amplitude α = ⟨a⟩ (ω_c a†a,
couplings linear in a, a† times a spin polynomial of degree ≤ 1, a², a†²). Noise: local decay
γ Σ_i D[σ_-^i], local dephasing γ_φ Σ_i D[σ_z^i], collective decay Γ D[S_-], any collapse operator
c + l·S linear in the spin, and mode loss κ D[a] (or any L ∝ a).

**How the equations are derived (automatically).** Every expression of the spec is evaluated with
spin matrices of the direct sum j = 3 ⊕ 5/2 ⊕ 2 (and a Fock space 0..6 for the mode) and
least-squares fitted onto the monomials {1, S_a, (S_aS_b + S_bS_a)/2} (× {1, a, a†, a†a, a², a†²}).
Several irreps make this basis linearly independent (a single irrep cannot tell S_x²+S_y²+S_z² from
the number j(j+1)) and make anything of degree > 2 leave a residual: such a Hamiltonian is rejected
with a :class:`SpecError` naming ``hamiltonian.<field>``. The fitted coefficients define the
classical (Weyl-symbol) energy H_cl(⟨S⟩, α) and the equations of motion are its Hamiltonian flow,

    d⟨S⟩/dt = (∂H_cl/∂⟨S⟩) × ⟨S⟩,      dα/dt = −i ∂H_cl/∂α* − (κ/2) α,

which is the exact Heisenberg equation i⟨[H, S]⟩ with every symmetrized second moment
⟨(S_aS_b + S_bS_a)/2⟩ factorized. (The commutator of a symmetrized product with S_c is again a
symmetrized product, so there is no ordering ambiguity in the Hamiltonian part; linear terms that
come from how the user ordered a product, e.g. S_+S_- = S_x² + S_y² + S_z, are kept exactly.)
With r = ⟨S⟩/S = (u, v, w):  ṙ = h × r, h = ∂H_cl/∂⟨S⟩. For H = ω_a S_z + (J_x/N) S_x² + Ω S_x
this is h = (Ω + J_x u, 0, ω_a) and

    u̇ = −ω_a v,   v̇ = ω_a u − J_x u w − Ω w,   ẇ = J_x u v + Ω v       (Yan et al. Eq. 12)

— the x-axis torque in ẇ is J_x u v, not the J_x w v of Yan's Eq. 9.

**Closure (``ordering``).** ``"classical"`` (default, the N → ∞ limit the papers use):
⟨S_aS_b⟩ → ⟨S_a⟩⟨S_b⟩ = S² r_a r_b, and dissipators as ⟨L†[S_c, L]⟩ → ⟨L†⟩⟨[S_c, L]⟩ (the
standard superradiance terms u̇ = ΓS w u, v̇ = ΓS w v, ẇ = −ΓS(u² + v²)). ``"product"``: the
moments of a product state of N identical atoms with Bloch vector r,
⟨S_aS_b⟩ = S(S−½) r_a r_b + (S/2) δ_ab + (i/2) S ε_abc r_c, which is exact at the instant for a spin
coherent state: the O(1/N) corrections (torques scaled by 1 − 1/(2S); the collective dissipator
keeps the ground state stationary and starts superradiance from the fully excited state; D[S_z]
dephases at Γ/2). Local decay and dephasing act on single atoms, so their terms
u̇ = −(γ/2 + 2γ_φ) u, v̇ = −(γ/2 + 2γ_φ) v, ẇ = −γ(w + 1) are exact in both closures.

**Initial state.** "down"/"up"/coherent_spin give r directly; "ground" minimizes the mean-field
battery energy on the sphere (a degenerate minimum is an error, as for the quantum ground state);
a Dicke state |k> gives r = (0, 0, 2k/N − 1). A Fock charger |n> is replaced by the coherent
amplitude α = √n (phase 0), a thermal one by α = 0 (both with a warning): mean field has no
phase-averaged or incoherent field.

Entry points: :func:`derive` (spec or Problem → :class:`MeanFieldModel`), :func:`integrate`,
:func:`simulate_meanfield` (→ :class:`qbattery.result.Result` with series u, v, w, energy, power),
:func:`sweep_grid` (many parameter points at once: one fixed-step RK4 on a (points × 3[+2]) state)
and the solver ``"meanfield"`` registered in :mod:`qbattery.solvers`.

Modules: ``basis`` (monomials, the fitting representation), ``model`` (:class:`MeanFieldModel`:
time-dependent coefficients, expectations, equations of motion), ``ground`` (the mean-field ground
state), ``derivation`` (spec → model, one point or a batch), ``integration`` (DOP853 and the fast
spin-only right-hand side), ``grid`` (batched RK4 and P_max reductions), ``solver`` (the Result,
the evolution interface and the registration).
"""

from qbattery.solvers.meanfield.basis import (
    BATTERY_SYMBOLS,
    FIT_CUTOFF,
    FIT_KEEP,
    FIT_SPINS,
    FIT_TOL,
    MIXED_MONOMIALS,
    MODE_MONOMIALS,
    MODE_SYMBOLS,
    MONOMIALS,
    N_ALL,
    SPIN_MONOMIALS,
    describe,
)
from qbattery.solvers.meanfield.derivation import HERMITIAN_TOL, derive, derive_many
from qbattery.solvers.meanfield.grid import GridResult, run_grid, sweep_grid
from qbattery.solvers.meanfield.integration import Trajectory, integrate
from qbattery.solvers.meanfield.model import ORDERINGS, MeanFieldModel
from qbattery.solvers.meanfield.solver import (  # importing it registers "meanfield"
    MeanFieldEvolution,
    simulate_meanfield,
    solve_meanfield,
)

__all__ = [
    "BATTERY_SYMBOLS",
    "FIT_CUTOFF",
    "FIT_KEEP",
    "FIT_SPINS",
    "FIT_TOL",
    "HERMITIAN_TOL",
    "MIXED_MONOMIALS",
    "MODE_MONOMIALS",
    "MODE_SYMBOLS",
    "MONOMIALS",
    "N_ALL",
    "ORDERINGS",
    "SPIN_MONOMIALS",
    "GridResult",
    "MeanFieldEvolution",
    "MeanFieldModel",
    "Trajectory",
    "derive",
    "derive_many",
    "describe",
    "integrate",
    "run_grid",
    "simulate_meanfield",
    "solve_meanfield",
    "sweep_grid",
]
