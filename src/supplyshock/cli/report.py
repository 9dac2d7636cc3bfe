"""``supplyshock report`` and ``supplyshock serve``: the HTML report of a run, and the REST API with its dashboard.

Both need an extra (``supplyshock[report]``, ``supplyshock[server]``); without it they
say which one to install (see :mod:`supplyshock.cli.output`).
"""

from __future__ import annotations

from pathlib import Path

import click

from supplyshock.cli.output import CommandError, command

__all__ = ["report", "serve"]


@command()
@click.argument("run_or_file")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="HTML file to write (default: report-<run id or file name>.html in the current folder).",
)
@click.option(
    "--store",
    "store_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Run store file to look run ids up in (default: $SUPPLYSHOCK_HOME/runs.duckdb).",
)
@click.option("--no-baseline", is_flag=True, help="Leave out the baseline diagram (the flows without the scenario's events).")
def report(run_or_file: str, out: Path | None, store_path: Path | None, no_baseline: bool) -> None:
    """Write one self-contained HTML report of RUN_OR_FILE (a run id, or a results .nc file).

    The report embeds plotly.js and every chart's data, so it opens offline: the scenario
    timeline, baseline and shocked flows from mines to end uses, stocks, shortfall and
    lost output by region and sector (with ensemble bands), prices, who runs short when,
    and the assumptions with their sources.
    """
    from supplyshock.report import load_results, write_report
    from supplyshock.store import RunStore

    ds, run_id = load_results(run_or_file, store=RunStore(store_path) if store_path else None)
    target = out or Path(f"report-{run_id or Path(run_or_file).stem}.html")
    written = write_report(ds, target, run_id=run_id, baseline=not no_baseline)
    click.echo(f"Report: {written} ({written.stat().st_size / 1e6:.1f} MB, self-contained)")


@command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind; the API has no authentication, so keep it local.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--data-dir",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The only folder the server reads and writes (run store, results, reports); default: $SUPPLYSHOCK_HOME/server.",
)
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True, help="Runs that may execute at once.")
@click.option(
    "--queue",
    "queue_size",
    type=click.IntRange(0, 1000),
    default=8,
    show_default=True,
    help="Runs that may wait for a worker; more are refused with 429.",
)
@click.option(
    "--get",
    "get_path",
    default=None,
    metavar="PATH",
    help="Answer one GET request for PATH in-process, print the body and exit (status 1 on an HTTP error).",
)
@click.option("--log-level", type=click.Choice(["critical", "error", "warning", "info", "debug"]), default="info", show_default=True)
@click.pass_context
def serve(
    ctx: click.Context, host: str, port: int, data_dir: Path | None, workers: int, queue_size: int, get_path: str | None, log_level: str
) -> None:
    """Serve the REST API (OpenAPI at /docs and /openapi.json) and the dashboard at /."""
    from supplyshock.server import ServerConfig
    from supplyshock.server.launch import answer_one, default_data_dir
    from supplyshock.server.launch import serve as serve_forever

    if get_path is not None and not get_path.startswith("/"):
        raise CommandError(f"--get takes a path starting with '/', got {get_path!r}")
    folder = (data_dir or default_data_dir()).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot use data directory {folder}: {exc}") from exc
    config = ServerConfig(data_dir=folder, workers=workers, queue_size=queue_size)
    if get_path is not None:
        if answer_one(config, get_path) >= 400:
            ctx.exit(1)
        return
    serve_forever(config, host=host, port=port, log_level=log_level)
