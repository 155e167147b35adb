"""The ``qbattery`` command: run a spec, sweep it, reproduce the papers."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from qbattery.progress import LogProgress, make_progress  # noqa: F401  (LogProgress: public here too)

if TYPE_CHECKING:
    from qbattery.spec import SpecError

# Each command imports what it needs (numpy, scipy, pydantic, ...) when it runs, so that
# ``qbattery --help`` and the start of every command stay fast.

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Simulate and analyse quantum batteries; reproduce the papers' figures.",
)
console = Console(stderr=True)
out = Console()


def progress_bar():
    """A live bar on stderr when it is a terminal; plain lines (:class:`LogProgress`) in a log."""
    return make_progress(console)


def _print_version(value: bool) -> None:
    if value:
        from qbattery import __version__

        out.print(f"qbattery {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """Simulate and analyse quantum batteries; reproduce the papers' figures."""


def fail(message: str) -> None:
    """One line on stderr and exit code 2 (bad input)."""
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def fail_spec(spec: Path, err: SpecError) -> None:
    """A spec's error in one line: the file, then the field (a file error names the file)."""
    fail(f"{spec}: {err}" if err.field else str(err))


def check_writable(path: Path, option: str, directory: bool = False) -> None:
    """Exit 2 naming ``option`` unless ``path`` (a file, or a folder) can be written.

    Run before any work: an hour of computing must not end in a PermissionError. Missing folders
    are created, a probe file written and removed, and the folders created removed again."""
    folder = path if directory else path.parent
    if not directory and path.is_dir():
        fail(f"{option}: {path} is a directory")
    created: list[Path] = []
    try:
        for parent in reversed([folder, *folder.parents]):
            if not parent.exists():
                parent.mkdir()
                created.append(parent)
        fd, probe = tempfile.mkstemp(prefix=".qbattery-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        fail(f"{option}: {path} is not writable ({err.strerror or err})")
    finally:
        for made in reversed(created):
            try:
                made.rmdir()
            except OSError:  # someone else wrote there meanwhile: leave it
                break


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return "—" if value is None else str(value)


@app.command()
def run(
    spec: Annotated[Path, typer.Argument(help="TOML spec file")],
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="out.json or out.nc")
    ] = None,
) -> None:
    """Run one charging protocol and print its summary.

    A progress bar (progress lines in a log) appears once the run has lasted a second."""
    from qbattery.progress import RUN_DELAY, DelayedProgress, log_interval
    from qbattery.simulate import simulate
    from qbattery.spec import SpecError, load_spec

    if output is not None and output.suffix.lower() not in (".json", ".nc"):
        fail(f"--output: unknown format {output.suffix!r}; use .json or .nc")
    try:
        parsed = load_spec(spec)
    except SpecError as err:
        fail_spec(spec, err)
    if output is not None:
        check_writable(output, "--output")
    try:
        interval = log_interval()  # a bad $QBATTERY_PROGRESS_INTERVAL stops here, before any work
    except SpecError as err:
        fail(str(err))
    status = console.status("simulating…")

    def open_bar():  # the spinner gives way to a bar (one live display at a time)
        status.stop()
        return progress_bar()

    try:
        # progress shows after a second, or after one log interval when that is shorter
        with status, DelayedProgress(open_bar, delay=min(RUN_DELAY, interval)) as bar:
            start = time.perf_counter()
            result = simulate(parsed, progress=bar)
            elapsed = time.perf_counter() - start
    except SpecError as err:
        fail_spec(spec, err)
    table = Table(title=f"{spec.name}  ({result.info.get('solver')}, {elapsed:.2f} s)")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    for key, value in result.summary.items():
        table.add_row(key, _fmt(value))
    out.print(table)
    for w in result.warnings:
        console.print(f"[yellow]warning:[/] {escape(w)}", highlight=False)
    if output is not None:
        result.save(output)
        console.print(f"wrote {output}")


@app.command()
def sweep(
    spec: Annotated[Path, typer.Argument(help="TOML spec file")],
    over: Annotated[
        list[str],
        typer.Option(
            "--over",
            help="NAME=v1,v2,... | NAME=start:stop:num | NAME=log:start:stop:num (repeatable); "
            "NAME: a parameter, N, cutoff or a spec path (time.t_max, ...)",
        ),
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="OUT.nc")],
    workers: Annotated[int, typer.Option("--workers", min=1, help="parallel processes")] = 1,
    restart: Annotated[
        bool, typer.Option("--restart", help="discard the points of an earlier sweep into OUT")
    ] = False,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="run on this Dask scheduler (ADDRESS)")
    ] = None,
    dask_local: Annotated[
        bool, typer.Option("--dask-local", help="run on a local Dask cluster of --workers")
    ] = False,
) -> None:
    """Run a spec over a grid of values; rerunning resumes where it stopped.

    Only points not yet on disk are computed. Exits 1 when a point failed (NaN in the file; a
    rerun retries it)."""
    import contextlib

    from qbattery.spec import SpecError, load_spec
    from qbattery.sweep import WorkerDied, dask_executor, parse_over, plan_sweep, run_plan

    if scheduler is not None and dask_local:
        fail("--scheduler: give either --scheduler or --dask-local")
    if scheduler is not None and workers > 1:
        fail("--workers: the cluster at --scheduler has its own workers")
    if scheduler is not None or dask_local:
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            option = "--scheduler" if scheduler is not None else "--dask-local"
            fail(f"{option}: Dask is not installed: install qbattery[dask]")
    try:
        base = load_spec(spec)
        grid = [parse_over(o) for o in over]
    except SpecError as err:
        fail_spec(spec, err)
    if output.suffix.lower() != ".nc":
        fail("--output: a sweep writes NetCDF: use -o OUT.nc")
    check_writable(output, "--output")

    def log(line: str) -> None:
        console.print(escape(line), highlight=False, soft_wrap=True)

    try:
        plan = plan_sweep(base, grid, output, restart=restart)
        dask = (scheduler is not None or dask_local) and plan.todo  # start no idle cluster
        cluster = dask_executor(scheduler, workers) if dask else contextlib.nullcontext()
        with progress_bar() as bar, cluster as executor:

            def track(items, total):
                task = bar.add_task("sweeping", total=total)
                for item in items:
                    yield item
                    bar.advance(task)

            dataset = run_plan(plan, executor, workers, progress=track, log=log)
    except SpecError as err:
        fail_spec(spec, err)
    except WorkerDied as err:
        console.print(f"[bold red]error:[/] {escape(str(err))}", highlight=False)
        raise typer.Exit(1) from None
    n, failed = len(plan.grid), len(json.loads(dataset.attrs["failed"]))
    summary = f"wrote {output} ({n} points{f', {failed} failed' if failed else ''})"
    console.print(escape(summary), highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


@app.command()
def reproduce(
    targets: Annotated[list[str] | None, typer.Argument(help="targets (default: all)")] = None,
    list_: Annotated[bool, typer.Option("--list", help="list the targets and exit")] = False,
    out_dir: Annotated[Path, typer.Option("--out", help="output folder")] = Path("reproduced"),
    quick: Annotated[bool, typer.Option("--quick", help="smaller grids, same figures")] = False,
) -> None:
    """Regenerate the papers' figures and tables, with paper-vs-ours rows."""
    from qbattery.reproduce.registry import Context, load_for, write_output
    from qbattery.spec import SpecError

    registry = load_for(None if list_ or not targets else targets)
    if list_:
        table = Table(title="reproduction targets")
        for col in ("target", "paper", "what"):
            table.add_column(col)
        for t in sorted(registry.values(), key=lambda t: t.name):
            table.add_row(t.name, t.paper, t.description)
        out.print(table)
        return
    names = targets or sorted(registry)
    unknown = [n for n in names if n not in registry]
    if unknown:
        fail(f"unknown target(s) {', '.join(unknown)}; see 'qbattery reproduce --list'")
    check_writable(out_dir, "--out", directory=True)
    with progress_bar() as bar:

        def track(items, description=""):
            items = list(items)
            task = bar.add_task(f"  {description}", total=len(items))
            for item in items:
                yield item
                bar.advance(task)
            bar.remove_task(task)

        overall = bar.add_task("reproducing", total=len(names))
        for name in names:
            bar.update(overall, description=f"reproducing {name}")
            start = time.perf_counter()
            try:
                output = registry[name].func(Context(quick=quick, progress=track))
            except SpecError as err:
                fail(f"{name}: {err}")
            png, js = write_output(name, output, out_dir)
            bar.advance(overall)
            _print_rows(name, output.rows, time.perf_counter() - start, png)


def _print_rows(name: str, rows, seconds: float, png: Path) -> None:
    table = Table(title=f"{name}  ({seconds:.1f} s → {png})", title_justify="left")
    for col in ("quantity", "paper", "ours", "note"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r.quantity, _fmt(r.paper), _fmt(r.ours), r.note)
    out.print(table)


# the study commands (optimize, fit, plot) register themselves on ``app`` here, before presets
from qbattery import cli_studies  # noqa: E402, F401


@app.command()
def presets() -> None:
    """List the model presets a spec can start from (preset = "...")."""
    from qbattery.models.presets import PRESETS

    table = Table(title="presets")
    table.add_column("preset")
    table.add_column("model")
    for name, p in PRESETS.items():
        table.add_row(name, p.description)
    out.print(table)


def main() -> None:
    try:
        app()
    except Exception as err:  # pragma: no cover - defensive; commands catch their own
        from qbattery.spec import SpecError

        if not isinstance(err, SpecError):
            raise
        console.print(f"[bold red]error:[/] {escape(str(err))}", highlight=False, soft_wrap=True)
        sys.exit(2)


if __name__ == "__main__":
    # ``python -m qbattery.cli``: run the importable module, on whose app cli_studies registered
    # its commands (this __main__ copy's app lacks them)
    from qbattery.cli import main as _main

    _main()
