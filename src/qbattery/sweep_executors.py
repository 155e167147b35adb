"""Where a sweep's points run: inline, a local process pool, or any ``concurrent.futures``
Executor (a Dask cluster through ``client.get_executor()``).

Pool workers die with the sweep, however it ended (``kill -9`` included): on Linux the kernel
kills them when their parent goes (``prctl(PR_SET_PDEATHSIG, SIGKILL)``), and everywhere a daemon
thread in each worker exits it once its parent's pid changes. Without this a worker blocked on
the pool's queue outlives a killed parent indefinitely (the other workers hold the queue open).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from qbattery.spec import SpecError

PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_POLL_S = 0.5


class WorkerDied(RuntimeError):
    """A local pool's worker process was killed (out of memory?): the pool cannot go on."""


def die_with_parent(parent: int) -> None:
    """Pool worker initializer: end this process as soon as ``parent`` (the sweep) ends."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # it ended before prctl took hold
        os._exit(1)
    threading.Thread(target=_exit_when_orphaned, args=(parent,), daemon=True).start()


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os._exit(1)


@contextlib.contextmanager
def local_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A process pool whose workers die with this process; on an error or an interrupt they are
    killed at once rather than left to finish points nobody will collect."""
    pool = ProcessPoolExecutor(workers, initializer=die_with_parent, initargs=(os.getpid(),))
    finished = False
    try:
        yield pool
        finished = True
    finally:
        if not finished:  # the pool has no public way to stop calls already running
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                with contextlib.suppress(Exception):
                    process.kill()
        pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def dask_executor(scheduler: str | None = None, workers: int = 1) -> Iterator[Executor]:
    """An Executor on the Dask scheduler at ``scheduler``, or on a local cluster of ``workers``
    processes (started here and shut down at the end)."""
    option = "--scheduler" if scheduler else "--dask-local"
    try:
        import logging

        from distributed import Client, LocalCluster
    except ImportError:
        raise SpecError(option, "Dask is not installed: install qbattery[dask]") from None
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="20s")
        else:
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                silence_logs=logging.ERROR, dashboard_address=None,
                scheduler_kwargs={"dashboard_address": ":0"},  # any free port, no dashboard
            )  # fmt: skip
            client = Client(cluster)
    except (OSError, TimeoutError, ValueError) as err:
        where = f"cannot connect to {scheduler}" if scheduler else "cannot start a local cluster"
        raise SpecError(option, f"{where}: {err}") from None
    try:
        yield client.get_executor(pure=False)  # pure=False: every point is its own task
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def outcomes(
    jobs: list[tuple[int, dict]],
    run_point: Callable[[dict], dict],
    executor: Executor | None = None,
    workers: int = 1,
) -> Iterator[tuple[int, dict | Exception]]:
    """``(index, result or the exception it raised)`` for each job, as each finishes."""
    if executor is None and workers <= 1:
        for index, spec in jobs:
            try:
                yield index, run_point(spec)
            except Exception as err:  # a failed point is recorded; an interrupt stops the sweep
                yield index, err
    elif executor is None:
        with local_pool(workers) as pool:
            yield from _collect(pool, jobs, run_point)
    else:
        yield from _collect(executor, jobs, run_point)


def _collect(executor: Executor, jobs, run_point) -> Iterator[tuple[int, dict | Exception]]:
    futures = {executor.submit(run_point, spec): index for index, spec in jobs}
    try:
        for future in as_completed(futures):
            try:
                result = future.result()
            except BrokenProcessPool as err:
                raise WorkerDied(
                    "a worker process died (killed, out of memory?): the finished points are "
                    "saved, rerun to resume"
                ) from err
            except Exception as err:  # raised by the point (or Dask's KilledWorker for it)
                result = err
            yield futures[future], result
    finally:
        for future in futures:
            future.cancel()


def describe(err: BaseException) -> str:
    """One line for a failed point: a SpecError as the CLI prints it, else its type and text."""
    text = str(err) if isinstance(err, SpecError) else f"{type(err).__name__}: {err}"
    return " ".join(text.split())


def trace(err: BaseException) -> str:
    """The traceback (a worker's own, carried as the cause, included)."""
    return "".join(traceback.format_exception(type(err), err, err.__traceback__))
