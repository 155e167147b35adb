"""QuTiP interop: qbattery's states and operators to :class:`qutip.Qobj` with correct dims, and back.

qbattery indexes a spin by m + j (m ascending); QuTiP's ``jmat``/``spin_state`` and PIQS index it by
j − m (m descending), so spin factors are reversed on the way. The other factors keep their order:
few-level atoms (``tensor(atom1, atom2, ...)``, levels as the spec lists them) and a mode (Fock
number). The layouts are described in :mod:`qbattery.states`.

- A symmetric-manifold battery (N + 1 states) becomes a spin-N/2 object, dims ``[[N+1], [N+1]]``
  (``qutip.jmat(N/2)`` acts on it), or with ``expand=True`` the same state in the 2^N space of the N
  qubits, dims ``[[2]*N, [2]*N]`` (qubit level 0 = up, as ``qutip.sigmaz()`` has it).
- A :class:`~qbattery.states.BlockState` becomes the block-diagonal matrix of PIQS's Dicke basis
  (``qutip.piqs``: blocks j = N/2 down to the smallest j, each block carrying the weight of all d_j
  copies, so ``qutip.piqs.jspin(N)`` acts on it).
- A full state or operator gets the dims of battery ⊗ charger (a charger of dimension 1 is left out).
"""

from __future__ import annotations

from math import comb

import numpy as np
import scipy.sparse as sp

from qbattery.states import BlockState, Layout, States


def _qutip():
    try:
        import qutip
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("QuTiP interop needs qutip: pip install 'qbattery[qutip]'") from err
    return qutip


# ------------------------------------------------------------------- index maps
def _battery_factor(layout: Layout, expand: bool) -> tuple[list[int], sp.csr_matrix]:
    """(QuTiP dims, isometry V from qbattery's battery index to QuTiP's) of the battery factor."""
    if layout.battery == "spins":
        d = layout.battery_dim
        if expand:
            return [2] * layout.n_spins, symmetric_embedding(layout.n_spins)
        return [d], _reversal(d)
    if layout.battery == "atoms":
        d = len(layout.levels)
        return [d] * layout.n_atoms, sp.identity(layout.battery_dim, format="csr")
    raise ValueError(f"a battery of kind {layout.battery!r} has no single-matrix form")


def _charger_factor(layout: Layout) -> tuple[list[int], sp.csr_matrix]:
    d = layout.charger_dim
    if layout.charger == "bath_spins":
        return [d], _reversal(d)
    return ([] if d == 1 else [d]), sp.identity(d, format="csr")


def _reversal(d: int) -> sp.csr_matrix:
    return sp.csr_matrix((np.ones(d), (np.arange(d)[::-1], np.arange(d))), shape=(d, d))


def symmetric_embedding(n_spins: int) -> sp.csr_matrix:
    """V (2^N × (N + 1)): column k is the Dicke state with k excitations, the normalised sum of
    the qubit strings with k qubits up (QuTiP's level 0), in QuTiP's tensor order."""
    n = n_spins
    strings = np.arange(2**n)
    # qubit 1 is the most significant bit; a 0 bit is the up level
    ups = n - np.array([bin(s).count("1") for s in strings])
    values = 1 / np.sqrt(np.array([comb(n, int(k)) for k in ups], dtype=float))
    return sp.csr_matrix((values, (strings, ups)), shape=(2**n, n + 1))


def _maps(layout: Layout, part: str, expand: bool) -> tuple[list[int], sp.csr_matrix]:
    dims_b, V_b = _battery_factor(layout, expand)
    if part == "battery":
        return dims_b, V_b
    if part != "full":
        raise ValueError(f"part must be 'battery' or 'full', not {part!r}")
    dims_c, V_c = _charger_factor(layout)
    return dims_b + dims_c, sp.kron(V_b, V_c, format="csr")


# ------------------------------------------------------------------- to QuTiP
def to_qutip(obj, layout: Layout | None = None, *, part: str = "battery", time: int = -1,
             expand: bool = False):  # fmt: skip
    """A QuTiP ``Qobj`` for a qbattery state or operator.

    ``obj``: a :class:`~qbattery.states.States` (the state at index ``time``, of ``part``
    "battery" or "full"); a :class:`~qbattery.states.BlockState` (PIQS Dicke basis); or a ket
    (1-d array), density matrix or operator (2-d array or sparse matrix) of ``part`` of ``layout``
    (``qbattery.states.layout_of(problem)`` or ``result.states.layout``)."""
    qutip = _qutip()
    if isinstance(obj, States):
        chosen = obj.battery if part == "battery" else obj.full
        if chosen is None:
            raise ValueError("this result kept no full states: [output] states = 'full'")
        return to_qutip(chosen[time], obj.layout, part=part, expand=expand)
    if isinstance(obj, BlockState):
        return qutip.Qobj(dicke_basis_matrix(obj))
    if layout is None:
        raise ValueError("give the layout the matrix is indexed by (qbattery.states.layout_of)")
    dims, V = _maps(layout, part, expand)
    if sp.issparse(obj):
        return qutip.Qobj(sp.csr_matrix(V @ obj @ V.T.conj()), dims=[dims, dims])
    a = np.asarray(obj)
    if a.ndim == 1:
        return qutip.Qobj((V @ a).reshape(-1, 1), dims=[dims, [1] * len(dims)])
    return qutip.Qobj(V @ a @ V.T.conj(), dims=[dims, dims])


def dicke_basis_matrix(state: BlockState) -> np.ndarray:
    """The PIQS Dicke-basis matrix of a block state: blocks j = N/2, N/2 − 1, ..., each m from j
    down to −j; a j the state never reaches is a zero block."""
    n = state.n_spins
    blocks = []
    for two_j in range(n, -1, -2):
        j = two_j / 2
        B = state.blocks.get(j)
        blocks.append(np.zeros((two_j + 1, two_j + 1)) if B is None else B[::-1, ::-1])
    return sp.block_diag(blocks, format="csr").toarray()


# ------------------------------------------------------------------- from QuTiP
def from_qutip(q, layout: Layout, *, part: str = "battery", atol: float = 1e-10):
    """The qbattery array (ket or matrix) of a QuTiP object laid out as :func:`to_qutip` makes it.

    A 2^N-qubit state or operator is restricted to the symmetric manifold; one that does not map
    the manifold into itself (to ``atol``) is refused with a ValueError. With
    ``layout.battery == "spin_blocks"`` a PIQS Dicke-basis matrix gives a :class:`BlockState`."""
    data = q.full()
    if layout.battery == "spin_blocks":
        return _block_state(data, layout.n_spins)
    shape = [d for d in q.dims[0]]
    expand = layout.battery == "spins" and shape[: layout.n_spins] == [2] * layout.n_spins
    expand = expand and layout.n_spins > 1
    dims, V = _maps(layout, part, expand)
    if shape != dims:
        raise ValueError(f"dims {q.dims[0]} do not match this layout's {dims}")
    if q.isket:
        v = data.ravel()
        out = V.T.conj() @ v
        outside = np.linalg.norm(v - V @ out)
    else:
        out = V.T.conj() @ data @ V
        # a state (or operator) of the manifold maps it into itself: O V = V (V† O V)
        outside = np.linalg.norm(data @ V - V @ out)
    if outside > atol:
        raise ValueError(
            f"the object leaves the symmetric manifold (norm {outside:.2e} outside it): "
            "qbattery's closed and Lindblad solvers keep the spins in j = N/2"
        )
    return out


def _block_state(data: np.ndarray, n: int) -> BlockState:
    from qbattery.operators.permutational import multiplicity

    blocks, mult, start = {}, {}, 0
    for two_j in range(n, -1, -2):
        size = two_j + 1
        B = data[start : start + size, start : start + size][::-1, ::-1]
        start += size
        blocks[two_j / 2] = np.array(B)
        mult[two_j / 2] = float(multiplicity(n, two_j / 2))
    if start != data.shape[0]:
        raise ValueError(f"a Dicke-basis matrix of {n} spins has dimension {start}")
    return BlockState(n, blocks, mult)


def initial_components(q, layout: Layout) -> list[tuple[float, np.ndarray]]:
    """Pure components (weight, ψ) of a QuTiP initial state of the whole space (battery ⊗
    charger, or the battery alone without a charger), as :class:`~qbattery.problem.Problem`
    keeps ρ(0)."""
    x = from_qutip(q, layout, part="full")
    if x.ndim == 1:
        norm = np.linalg.norm(x)
        return [(1.0, x / norm)]
    w, v = np.linalg.eigh((x + x.conj().T) / 2)
    keep = w > 1e-14 * max(1.0, w.max())
    w = w[keep] / w[keep].sum()
    return [(float(p), v[:, k]) for p, k in zip(w, np.flatnonzero(keep), strict=True)]
