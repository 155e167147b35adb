"""Progress for long work: a live rich bar on a terminal, plain timestamped lines in a log."""

from __future__ import annotations

import sys
import time
from itertools import count

from rich.console import Console


def make_progress(console: Console):
    """A live bar on ``console`` when it is a terminal; plain, throttled lines on stderr when it
    goes to a log."""
    if not console.is_terminal:
        return LogProgress()
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
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


class LogProgress:
    """Progress for a log file: lines such as ``[12:03:04] Fig. 4 runs: 3/17 (2m10s)`` on
    stderr, at most one per ``interval`` seconds, plus the last line of a task that printed.

    The part of :class:`rich.progress.Progress` the commands use: ``add_task``, ``advance``,
    ``update``, ``remove_task``, and use as a context manager."""

    def __init__(self, stream=None, interval: float = 10.0, clock=time.monotonic):
        self.stream, self.interval, self.clock = stream, interval, clock
        self.tasks: dict[int, dict] = {}
        self._ids = count()
        self._last = clock()  # quiet for the first interval: a short run prints nothing

    def __enter__(self) -> LogProgress:
        return self

    def __exit__(self, *exc) -> None:
        return None

    def add_task(self, description: str, total: float | None = None, **_) -> int:
        task = next(self._ids)
        self.tasks[task] = {"description": description.strip(), "total": total, "completed": 0,
                            "start": self.clock(), "printed": False}  # fmt: skip
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
        self._report(task)

    def advance(self, task: int, advance: float = 1) -> None:
        self.update(task, advance=advance)

    def remove_task(self, task: int) -> None:
        self.tasks.pop(task, None)

    def _report(self, task: int) -> None:
        t, now = self.tasks[task], self.clock()
        finished = t["total"] is not None and t["completed"] >= t["total"]
        if now - self._last < self.interval and not (finished and t["printed"]):
            return
        total = "" if t["total"] is None else f"/{t['total']:g}"
        stamp = time.strftime("%H:%M:%S")
        line = f"[{stamp}] {t['description']}: {t['completed']:g}{total}"
        print(f"{line} ({_duration(now - t['start'])})", file=self.stream or sys.stderr, flush=True)
        t["printed"], self._last = True, now
