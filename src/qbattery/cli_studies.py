"""The study commands of ``qbattery``: optimize a spec, fit and plot result files.

They register on :data:`qbattery.cli.app` when :mod:`qbattery.cli` imports this module, and use
its helpers (one-line errors, writability checks, progress) so that every command behaves alike.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from qbattery.cli import _fmt, app, check_writable, console, fail, fail_spec, out, progress_bar


@app.command()
def optimize(
    spec: Annotated[Path, typer.Argument(help="TOML spec file")],
    vary: Annotated[
        list[str], typer.Option("--vary", help="NAME=lo:hi, NAME=log:lo:hi or NAME=int:lo:hi")
    ],
    maximize: Annotated[str | None, typer.Option("--maximize", help="summary key")] = None,
    minimize: Annotated[str | None, typer.Option("--minimize", help="summary key")] = None,
    trials: Annotated[int, typer.Option("--trials", min=1, help="total trials")] = 50,
    workers: Annotated[int, typer.Option("--workers", min=1, help="parallel processes")] = 1,
    seed: Annotated[int | None, typer.Option("--seed", help="sampler seed")] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="study.db (default: SPEC.optimize.db)")
    ] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="search.png")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="best.json")] = None,
    restart: Annotated[bool, typer.Option("--restart", help="discard a stored study")] = False,
) -> None:
    """Search a box of parameters for the best summary value; rerunning resumes the study."""
    from qbattery.optimize import default_storage, parse_vary, prepare, run_search
    from qbattery.spec import SpecError, load_spec

    def bad(err: SpecError) -> None:  # an option's error names the option, a spec's the file
        fail(str(err)) if err.field.startswith("-") else fail_spec(spec, err)

    if (maximize is None) == (minimize is None):
        fail("--maximize/--minimize: give exactly one summary key to optimise")
    try:
        space = dict(parse_vary(v) for v in vary)
        if len(space) != len(vary):
            raise SpecError("--vary", "each name may be varied once")
        search = prepare(load_spec(spec), maximize or minimize, space, maximize is not None)
    except SpecError as err:
        bad(err)
    try:
        import optuna  # noqa: F401
    except ImportError:
        fail("optimize needs optuna: pip install 'qbattery[optimize]'")
    storage = output or default_storage(spec)
    for path, option in ((storage, "--output"), (plot, "--plot"), (json_out, "--json")):
        if path is not None:
            check_writable(path, option)
    try:
        with progress_bar() as bar:
            task = bar.add_task("optimizing", total=trials)

            def track(done: int, total: int, best) -> None:
                shown = "" if best is None else f" (best {best:.6g})"
                bar.update(task, completed=done, total=total, description=f"optimizing{shown}")

            result = run_search(search, trials, storage, seed, workers, restart, track)
    except SpecError as err:
        bad(err)
    counts = result.counts()
    out.print(f"{spec.name}: best of {counts['complete']} trials", highlight=False)
    table = Table()
    table.add_column("quantity")
    table.add_column("best", justify="right")
    table.add_row(search.objective, _fmt(result.best_value))
    for name, value in result.best_params.items():
        table.add_row(name, _fmt(value))
    out.print(table)
    console.print(f"{result.new_trials} new trials; {counts['failed']} failed, "
                  f"{counts['interrupted']} interrupted and run again")  # fmt: skip
    if json_out is not None:
        from qbattery.result import atomic_write

        text = json.dumps(result.to_dict(), indent=1)
        atomic_write(json_out, lambda tmp: tmp.write_text(text))
        console.print(f"wrote {json_out}")
    if plot is not None:
        from qbattery.optimize_plot import plot_search

        plot_search(result, plot)
        console.print(f"wrote {plot}")
    console.print(f"study in {storage}")
    if result.best_value is None:
        errors = [r["error"] for r in result.trials if r.get("error")]
        first = f": {errors[0]}" if errors else ""
        console.print(f"[bold red]error:[/] no trial succeeded{escape(first)}", highlight=False)
        raise typer.Exit(1)


@app.command()
def fit(
    result: Annotated[Path, typer.Argument(help="sweep file (OUT.nc)")],
    quantity: Annotated[str, typer.Option("--quantity", "-q", help="summary key, e.g. P_max")],
    against: Annotated[str, typer.Option("--against", help="swept name, e.g. N_B")],
    model: Annotated[
        str, typer.Option("--model", help='power, linear, exp or an expression in x: "a*x^b + c"')
    ] = "power",
    x_range: Annotated[
        str | None, typer.Option("--range", help="lo:hi (inclusive; lo: or :hi)")
    ] = None,
    p0: Annotated[str | None, typer.Option("--p0", help="initial guesses: a=1,b=2")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="fit.png (.svg, .pdf)")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="fit.json")] = None,
) -> None:
    """Fit a summary quantity against a swept name (power law by default), one fit per slice."""
    from qbattery.fit import describe, fit_data, parse_p0, parse_range
    from qbattery.plot import figure_format, plot_fits
    from qbattery.result_data import open_result
    from qbattery.spec import SpecError

    try:
        window, guesses = parse_range(x_range), parse_p0(p0)
        if plot is not None:
            figure_format(plot, "--plot")
        data = open_result(result)
        fits = fit_data(data, quantity, against, model, window, guesses)
    except SpecError as err:
        fail(str(err))
    for path, option in ((plot, "--plot"), (json_out, "--json")):
        if path is not None:
            check_writable(path, option)
    first = fits[0]
    table = Table(title=f"{result.name}: {first.quantity} ≈ {first.expression}, x = {against} "
                  f"(R², rms residual of {first.residual_space})", title_justify="left")  # fmt: skip
    for col in (*first.where, "n", "x range"):
        table.add_column(col, justify="right")
    for col in first.params:  # value ± σ on one line
        table.add_column(f"{col} ± σ", justify="right", no_wrap=True)
    for col in ("R²", "rms"):
        table.add_column(col, justify="right")
    for f in fits:
        table.add_row(
            *(_fmt(v) for v in f.where.values()), str(f.n), f"{f.x_min:g}…{f.x_max:g}",
            *(describe(v, f.errors[p]) for p, v in f.params.items()),
            f"{f.r_squared:.5f}", f"{f.rms_residual:.3g}",
        )  # fmt: skip
    out.print(table)
    dropped = sum(f.dropped for f in fits)
    if dropped:
        console.print(f"[yellow]warning:[/] {dropped} point(s) without a value left out")
    if json_out is not None:
        from qbattery.fit import write_json

        write_json(fits, json_out, source=result)
        console.print(f"wrote {json_out}")
    if plot is not None:
        plot_fits(fits, plot, data)
        console.print(f"wrote {plot}")


@app.command()
def plot(
    result: Annotated[Path, typer.Argument(help="result or sweep file (.nc, .json)")],
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="figure (.png, .svg, .pdf; default RESULT.png)"),
    ] = None,
    quantity: Annotated[
        list[str] | None,
        typer.Option("--quantity", "-q", help="series or summary key (repeatable)"),
    ] = None,
    over: Annotated[
        str | None, typer.Option("--over", help="swept name for the x axis (two swept names)")
    ] = None,
    at: Annotated[
        list[str] | None, typer.Option("--at", help="NAME=value: fix a swept name (repeatable)")
    ] = None,
) -> None:
    """Plot a result file: series over t, summaries over a swept name, maps over two."""
    from qbattery.plot import figure, figure_format, save
    from qbattery.result_data import open_result, parse_at
    from qbattery.spec import SpecError

    target = result.with_suffix(".png") if output is None else output
    try:
        figure_format(target, "--output")
        fixed = parse_at(at)
        data = open_result(result)
    except SpecError as err:
        fail(str(err))
    check_writable(target, "--output")
    try:
        fig = figure(data, quantity, over, fixed)
    except SpecError as err:
        fail(str(err))
    save(fig, target)
    console.print(f"wrote {target}")
