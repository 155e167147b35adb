"""The memory check of a built :class:`~qbattery.problem.Problem` under its solver's own layout
(the closed solver's invariant sectors, the Lindblad solver's Liouvillian blocks), before the
solver allocates: :func:`check_problem`, the second of the two checks of
:mod:`qbattery.resources` (which holds the parts, the limit and the estimate from the spec).
"""

from __future__ import annotations

from qbattery.resources import (
    COMPLEX,
    Estimate,
    Part,
    _eigh,
    _larger,
    check_parts,
    sizes,
    spec_parts,
)
from qbattery.spec import STATE_SERIES


def check_problem(problem, solver: str) -> Estimate:
    """Stop a run whose solver layout cannot fit, before the solver allocates it."""
    spec = problem.spec
    parts = spec_parts(spec, solver, problem.dim)
    if solver == "closed":
        parts += closed_parts(problem)
    elif solver == "lindblad":
        parts += lindblad_parts(problem)
    return check_parts(parts, spec, solver)


def _state_ops(problem) -> int:
    """Operators whose expectations the results take (each projected once per sector)."""
    wanted = set(problem.spec.output.series)
    count = 1 + ("energy_std" in wanted) + ("charger_energy" in wanted)
    count += bool(wanted & {"interaction_energy", "switching_cost"})
    return count + (problem.charger.kind == "mode")


def closed_parts(problem) -> list[Part]:
    """The closed solver: per sector ψ(0) holds (:func:`closed_plan.plan_sectors`), a dense
    eigendecomposition or Chebyshev propagation (checkpoints and one batch of series terms; the
    states themselves are made chunk by chunk); an ODE trajectory for a time-dependent H."""
    from qbattery.solvers import closed_plan

    z = sizes(problem.spec)
    T, dim = len(problem.times), problem.dim
    components = len(problem.initial)
    H, driven = closed_plan._fold_constant_drives(problem)
    if driven:
        field_path = _larger(("time.points", T), (z.dim_field, dim))
        return [
            Part(f"the ODE trajectory ({T:,} times × {dim:,} amplitudes × {components} "
                 "components)", components * T * dim * COMPLEX, field_path, held=True),
            Part("solve_ivp's copy of it", T * dim * COMPLEX, field_path),
        ]  # fmt: skip
    # the sectors ψ(0) holds and their paths, as the solver will take them (computed once)
    _, plans = closed_plan.sector_plan(problem, H)
    used = [p for p in plans if p.method != "dropped"]
    blocks = [p.size for p in used for _ in p.components]  # one per component share
    dense = [p.size for p in used if p.method == "eigen"]
    dense_blocks = [p.size for p in used if p.method == "eigen" for _ in p.components]
    parts = [
        Part(f"the eigenvectors of {len(dense)} sector(s) (largest {max(dense):,})",
             sum(d * d for d in dense) * COMPLEX, z.dim_field, held=True),
        _eigh(max(dense), "a sector's eigendecomposition", z.dim_field),
        Part(f"{_state_ops(problem)} operator(s) projected on {len(dense_blocks)} sector "
             "block(s)", _state_ops(problem) * sum(d * d for d in dense_blocks) * COMPLEX,
             z.dim_field, held=True),
    ] if dense else []  # fmt: skip
    cheb = [p for p in used if p.method == "chebyshev"]
    if cheb:
        from qbattery.solvers.chebyshev import BATCH, CHECKPOINT_EVERY, gershgorin

        lo, hi = gershgorin(H)
        span = float(problem.times[-1] - problem.times[0])
        states = sum(p.size * len(p.components) for p in cheb)
        checkpoints = -(-T // CHECKPOINT_EVERY) + 1
        parts += [
            Part(f"Chebyshev checkpoints ({checkpoints} × {states:,} amplitudes) and series terms "
                 f"({BATCH} × {max(p.size for p in cheb):,})",
                 (checkpoints * states + (BATCH + 4) * max(p.size for p in cheb)) * COMPLEX,
                 z.dim_field, held=True,
                 work=sum(8.0 * (p.nnz + 4 * p.size) * ((hi - lo) / 2 * span + 12 * T)
                          for p in cheb)),
        ]  # fmt: skip
    largest = max(max(blocks), 1)
    series = set(problem.spec.output.series)
    state_series = bool(series & STATE_SERIES)
    chunk = closed_plan.time_chunk(T, dim, components, z.battery if state_series else 1)
    # every grid point: phases e^{-iEt} and one d² product per eigen block and operator (a
    # Chebyshev sector: its states, counted above, and one sparse product per operator); the
    # state series rebuild ψ(t) (d² per eigen block) and reduce it to ρ_B (dim·dB)
    work = (
        T
        * _state_ops(problem)
        * (sum(8.0 * d * d + 60.0 * d for d in dense_blocks) + 60.0 * dim * bool(cheb))
    )
    if set(problem.spec.output.series) & {"ergotropy", "ergotropy_symmetric", "purity"}:
        work += T * (sum(8.0 * d * d for d in dense_blocks) + 8.0 * dim * z.battery)
    if cheb:  # a chunk of full-space states, its conjugate, O·ψ, the sector's share, ...
        parts.append(
            Part(
                f"full-space states on the grid ({chunk} times × {dim:,} per chunk, 5 copies)",
                5 * chunk * dim * COMPLEX,
                z.dim_field,
                work=work,
            )
        )
    else:
        parts.append(
            Part(f"expectations in the eigenbasis ({chunk} times × {largest:,} per chunk)",
                 2 * chunk * largest * COMPLEX, z.dim_field, work=work)
        )  # fmt: skip
    return parts


def lindblad_parts(problem) -> list[Part]:
    """The Lindblad solver: each Liouvillian block (its generator and its states on the whole
    grid), sized by the solver's own symmetry analysis (charges, reachable cells: O(nnz))."""
    from qbattery.solvers import lindblad, weak_symmetry

    z = sizes(problem.spec)
    T, D = len(problem.times), problem.dim
    H = problem.H_static
    rows = (H.nnz + sum(L.nnz for _, _, L in problem.collapse) * 2) / D + 1
    jumps = sum((L.nnz / D) ** 2 for _, _, L in problem.collapse)
    per_entry = 2 * rows + jumps  # generator entries per ρ entry: Kρ, ρK†, Σ LρL†

    norm = 2 * float(abs(H).sum(axis=0).max()) if H.nnz else 0.0

    def parts_for(sizes_: list[float], how: str) -> list[Part]:
        total = float(sum(sizes_))
        # Taylor expansions: ~2h‖L‖ + 10 products per expansion, an expansion per few points
        work = 8.0 * total * per_entry * (2 * norm * problem.times[-1] + 4 * T)
        largest = max(sizes_)
        field_states = _larger(("time.points", T), (z.dim_field, total))
        out = [
            Part(f"ρ(t) on the grid ({T:,} times × {int(total):,} entries, {how})",
                 T * total * COMPLEX, field_states, held=True, work=work),
            Part(f"the Liouvillian blocks ({int(total * per_entry):,} entries)",
                 total * per_entry * (COMPLEX + 4), z.dim_field, held=True),
            Part(f"building the largest Liouvillian block ({int(largest):,} entries)",
                 largest * per_entry * 48 + total * per_entry * 20, z.dim_field),
        ]  # fmt: skip
        small = [s for s in sizes_ if s <= lindblad.DENSE_EXPM]
        if small:
            out.append(Part("a dense propagator e^{LΔt}", 8 * max(small) ** 2 * COMPLEX,
                            z.dim_field))  # fmt: skip
        return out

    _, labels, modulus = weak_symmetry.find_symmetry(problem)
    sectors = weak_symmetry.Sectors(labels, modulus)
    shifts = {weak_symmetry.charge_shift(L, labels, modulus) for _, _, L in problem.collapse} - {0}
    counts = {a: len(index) for a, index in sectors.index.items()}
    cells = sectors.reachable(problem.initial, shifts)
    sizes_ = [float(sum(counts[a] * counts[b] for a, b in c)) for c in cells.values()]
    return parts_for(sizes_, f"{len(sizes_)} symmetry block(s)")
