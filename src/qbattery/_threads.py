"""BLAS threading policy: one thread for small dense blocks.

Measured here (2 cores, OpenBLAS): eigh of a 51×51 Hermitian block takes 1.1 ms with one thread and
10-18 ms with two when the machine is busy, and a 1500×1500 one 1.0 s vs 8.7 s. Threads only pay for
large blocks on an idle machine, so small-block work runs single-threaded.
"""

from __future__ import annotations

import contextlib
from functools import cache

from threadpoolctl import ThreadpoolController

SMALL_BLOCK = 2000


@cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()  # inspecting the loaded libraries costs ~10 ms: do it once


def single_blas_thread():
    """Context manager: one BLAS thread."""
    return _controller().limit(limits=1, user_api="blas")


def blas_for(size: int):
    """Context manager: one BLAS thread when the largest dense block is smaller than SMALL_BLOCK."""
    return single_blas_thread() if size < SMALL_BLOCK else contextlib.nullcontext()
