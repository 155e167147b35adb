"""How fast this machine is right now: the memory bandwidth of a sparse product.

The machines these benchmarks run on are shared hosts whose speed moves by up to 3x between
hours (2026-12-03: 3.6 GB/s at 05:51, 12.5 GB/s at 06:14, 4.5 GB/s at 06:20, same code, load
average below 1 each time), which no load average shows. Every benchmark that prints seconds
should print this probe before and after, so that a number can be read against the state the
machine was in; ratios measured in one run (qbattery and QuTiP interleaved) are unaffected.

Usage: ``python benchmarks/machine_probe.py`` (about 2 s).
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

ROWS, PER_ROW, REPS = 1_000_000, 10, 10


def sparse_bandwidth() -> float:
    """GB/s of ``csr @ vector`` on a banded random matrix of 10M entries (12 bytes an entry:
    float64 value and int32 index), the kernel the open-system solvers spend their time in."""
    rng = np.random.default_rng(0)
    rows = np.repeat(np.arange(ROWS), PER_ROW)
    cols = (rows + rng.integers(-3000, 3000, size=rows.size)) % ROWS
    A = sp.csr_matrix((rng.normal(size=rows.size), (rows, cols)), shape=(ROWS, ROWS))
    x = np.ones(ROWS)
    for _ in range(2):
        A @ x
    start = time.perf_counter()
    for _ in range(REPS):
        A @ x
    return A.nnz * 12 / ((time.perf_counter() - start) / REPS) / 1e9


if __name__ == "__main__":
    print(f"sparse product bandwidth: {sparse_bandwidth():.1f} GB/s")
