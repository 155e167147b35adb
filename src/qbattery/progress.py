"""Progress for long work: a live rich bar on a terminal, plain timestamped lines in a log, and the
channel through which the solvers' time-stepping loops say how far a run has got.

* :func:`reporting` / :func:`report`: :func:`qbattery.simulate.simulate` installs its ``progress``
  callback with ``reporting``; a solver calls ``report(fraction)`` once per chunk of its time
  loop (never per step; a no-op when nobody listens). A context variable carries the callback,
  because the closed solver's Chebyshev sectors propagate while the result is evaluated, after the
  solver has returned, so no argument of the solver could reach them. Reports from another
  process (a forked worker) are dropped.
* :class:`LogProgress`: lines with completed/total, percent, elapsed time and an ETA.
* :class:`DelayedProgress`: a ``progress(fraction)`` callback that shows a bar (or log lines)
  only once a run has lasted more than a second.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from itertools import count
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

INTERVAL_VARIABLE = "QBATTERY_PROGRESS_INTERVAL"  # seconds between log lines (default 2)
DEFAULT_INTERVAL = 2.0
STEP = 0.05  # a log line each 5 % of a task ...
HEARTBEAT = 60.0  # ... and at least one a minute while it advances
RUN_DELAY = 1.0  # `qbattery run` shows progress only once a run has lasted this long (s)
RESOLUTION = 1e-3  # smallest advance of a run's fraction passed on to its callback


def make_progress(console: Console):
    """A live bar on ``console`` when it is a terminal; plain, throttled lines on stderr when it
    goes to a log."""
    if not console.is_terminal:
        return LogProgress()
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


def _duration(seconds: float) -> str:
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def log_interval() -> float:
    """Seconds between two lines of one task in a log: ``$QBATTERY_PROGRESS_INTERVAL`` or 2."""
    text = os.environ.get(INTERVAL_VARIABLE, "").strip()
    if not text:
        return DEFAULT_INTERVAL
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < float("inf"):
        from qbattery.spec import SpecError  # lazy: pydantic is not needed for --help

        raise SpecError(INTERVAL_VARIABLE, f"expected a number of seconds >= 0, got {text!r}")
    return value


class LogProgress:
    """Progress for a log file: lines such as
    ``[12:03:04] sweeping: 3/17 (18%, 2m10s elapsed, ETA 9m50s)`` on stderr.

    A task prints a line each ``step`` of its total (5 %), but no sooner than ``interval``
    seconds after its previous line (or its start: a task that ends within ``interval`` prints
    nothing) and, while it advances, at least every ``heartbeat`` seconds; a task without a total
    prints on the heartbeat alone. A task that printed, or lasted ``interval``, prints its last
    line. The ETA assumes the rest goes as fast as the part done so far.

    The part of :class:`rich.progress.Progress` the commands use: ``add_task``, ``advance``,
    ``update``, ``remove_task``, and use as a context manager."""

    def __init__(self, stream=None, interval: float | None = None, clock=time.monotonic,
                 step: float = STEP, heartbeat: float = HEARTBEAT):  # fmt: skip
        self.stream, self.clock, self.step, self.heartbeat = stream, clock, step, heartbeat
        self.interval = log_interval() if interval is None else interval
        self.tasks: dict[int, dict] = {}
        self._ids = count()

    def __enter__(self) -> LogProgress:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def add_task(self, description: str, total: float | None = None, completed: float = 0,
                 since: float | None = None, **_) -> int:  # fmt: skip
        """A task; ``since``: the clock reading at which its work began from 0 (default: now,
        from ``completed``, e.g. the points of a resumed sweep done before)."""
        task, now = next(self._ids), self.clock()
        origin = (now, completed) if since is None else (since, 0)
        self.tasks[task] = {"description": description.strip(), "total": total,
                            "completed": completed, "origin": origin, "printed": False,
                            "last_time": now, "last_completed": completed}  # fmt: skip
        return task

    def update(self, task: int, *, description=None, total=None, completed=None, advance=None,
               **_) -> None:  # fmt: skip
        t = self.tasks[task]
        if description is not None:
            t["description"] = description.strip()
        if total is not None:
            t["total"] = total
        if completed is not None:
            t["completed"] = completed
        if advance:
            t["completed"] += advance
        self._report(t)

    def advance(self, task: int, advance: float = 1) -> None:
        self.update(task, advance=advance)

    def remove_task(self, task: int) -> None:
        self.tasks.pop(task, None)

    def _due(self, t: dict, now: float) -> bool:
        total, done = t["total"], t["completed"]
        if total and done >= total:  # the last line, once, unless the task was short and quiet
            lasted = now - t["origin"][0] >= self.interval
            return (t["printed"] or lasted) and t["last_completed"] < done
        if done <= t["last_completed"]:
            return False  # nothing advanced since the previous line
        waited = now - t["last_time"]
        if waited >= self.heartbeat:
            return True
        if not total or waited < self.interval:
            return False
        return (done - t["last_completed"]) / total >= self.step

    def _report(self, t: dict) -> None:
        now = self.clock()
        if not self._due(t, now):
            return
        total, done = t["total"], t["completed"]
        began, done_then = t["origin"]
        elapsed = now - began
        if total:
            fraction = min(done / total, 1.0)
            timing = f"{fraction:.0%}, {_duration(elapsed)} elapsed"
            if done_then < done < total:  # the rest at the pace so far
                timing += f", ETA {_duration(elapsed * (total - done) / (done - done_then))}"
            count_ = f"{done:g}/{total:g}"
        else:
            timing, count_ = f"{_duration(elapsed)} elapsed", f"{done:g}"
        stamp = time.strftime("%H:%M:%S")
        line = f"[{stamp}] {t['description']}: {count_} ({timing})"
        print(line, file=self.stream or sys.stderr, flush=True)
        t.update(printed=True, last_time=now, last_completed=done)


class DelayedProgress:
    """A ``progress(fraction)`` callback (see :func:`qbattery.simulate.simulate`) that shows
    nothing for the first ``delay`` seconds, so a short run prints nothing extra, then opens a
    display with ``open_display()`` (a bar, or :class:`LogProgress` lines) with one task of
    total 100 (percent). Use as a context manager: leaving it closes the display."""

    def __init__(self, open_display: Callable[[], object], description: str = "simulating",
                 delay: float = RUN_DELAY, clock=time.monotonic):  # fmt: skip
        self.open_display, self.description, self.delay = open_display, description, delay
        self.clock = clock
        self.start = clock()
        self.display = None
        self._task = None

    def __call__(self, fraction: float) -> None:
        if self.display is None:
            if self.clock() - self.start < self.delay:
                return
            self.display = self.open_display()
            self.display.__enter__()
            self._task = self.display.add_task(self.description, total=100, since=self.start)
        self.display.update(self._task, completed=int(100 * min(max(fraction, 0.0), 1.0)))

    def __enter__(self) -> DelayedProgress:
        return self

    def __exit__(self, *exc) -> None:
        if self.display is not None:
            self.display.__exit__(*exc)
            self.display = None


# --------------------------------------------------------------------------- solver → listener

# (callback, pid of the process that installed it, the share [lo, hi] of the run now under way)
_LISTENER: ContextVar[tuple | None] = ContextVar("qbattery_progress", default=None)


@contextmanager
def reporting(callback: Callable[[float], None] | None) -> Iterator[None]:
    """Within this block, :func:`report` forwards to ``callback`` (nothing when it is None), with
    fractions clipped to [0, 1], never decreasing (a second pass over the time grid, e.g. for
    the battery states, does not move the display back) and at least ``RESOLUTION`` apart (a
    loop that reports per ODE step still calls ``callback`` at most ~1000 times)."""
    if callback is None:
        yield
        return
    best = [0.0]

    def forward(fraction: float) -> None:
        if fraction >= best[0] + RESOLUTION or (fraction == 1.0 and best[0] < 1.0):
            best[0] = fraction
            callback(fraction)

    token = _LISTENER.set((forward, os.getpid(), 0.0, 1.0))
    try:
        yield
    finally:
        _LISTENER.reset(token)


def report(fraction: float) -> None:
    """The work under way is ``fraction`` (0..1) done; call once per chunk of a time loop."""
    listener = _LISTENER.get()
    if listener is None:
        return
    forward, pid, lo, hi = listener
    if pid != os.getpid():
        return  # a forked worker inherited the callback: its display is not ours
    forward(lo + (hi - lo) * min(max(float(fraction), 0.0), 1.0))


@contextmanager
def share(index: int, parts: int) -> Iterator[None]:
    """Within this block, :func:`report` fractions are those of the ``index``-th of ``parts``
    equal parts of the work under way (e.g. sectors propagated one after another)."""
    listener = _LISTENER.get()
    if listener is None:
        yield
        return
    forward, pid, lo, hi = listener
    width = (hi - lo) / max(parts, 1)
    token = _LISTENER.set((forward, pid, lo + index * width, lo + (index + 1) * width))
    try:
        yield
    finally:
        _LISTENER.reset(token)
