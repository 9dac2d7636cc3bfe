"""``supplyshock report`` and ``supplyshock serve``.

Both commands are registered on the main command line with ``main.add_command(report)``
and ``main.add_command(serve)``. :func:`report_after_run` is the hook for
``supplyshock run ... --report``. A user error prints one line, ``Error: <message>``, on
stderr and exits with status 2.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import xarray as xr

from supplyshock.errors import SupplyShockError

__all__ = ["report", "report_after_run", "serve"]

_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _fail(message: str) -> None:
    click.echo(f"Error: {' '.join(message.split())}", err=True)
    sys.exit(2)


def report_after_run(ds: xr.Dataset, out: str | Path, *, run_id: str | None = None) -> Path:
    """Write the report of a run just made; the hook for ``supplyshock run ... --report``.

    Parameters
    ----------
    ds
        The run's results.
    out
        The HTML file, or a directory (``report.html`` inside it, e.g. the run's output
        folder).
    run_id
        The run's id in the store, shown in the report.

    Returns
    -------
    pathlib.Path
        The report written.

    Examples
    --------
    In ``supplyshock run``, after the results are saved::

        if report_path is not None:
            from supplyshock.cli_report import report_after_run
            written = report_after_run(ds, report_path or folder, run_id=run_id)
            console.print(f"Report: {written}")
    """
    from supplyshock.report import report_for_run

    return report_for_run(ds, out, run_id=run_id)


@click.command()
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
@click.option("--no-baseline", is_flag=True, help="Do not re-run the scenario without its events for the baseline flows.")
def report(run_or_file: str, out: Path | None, store_path: Path | None, no_baseline: bool) -> None:
    """Write one self-contained HTML report of RUN_OR_FILE (a run id, or a results .nc file).

    The report embeds plotly.js and every chart's data, so it opens offline: the scenario
    timeline, baseline and shocked flows from mines to end uses, stocks, shortfall and
    lost output by region and sector (with ensemble bands), prices, who runs short when,
    and the assumptions with their sources.
    """
    from supplyshock.report import load_results, write_report
    from supplyshock.store import RunStore

    try:
        ds, run_id = load_results(run_or_file, store=RunStore(store_path) if store_path else None)
        target = out or Path(f"report-{run_id or Path(run_or_file).stem}.html")
        written = write_report(ds, target, run_id=run_id, baseline=not no_baseline)
    except SupplyShockError as exc:
        _fail(str(exc))
        return
    click.echo(f"Report: {written} ({written.stat().st_size / 1e6:.1f} MB, self-contained)")


@click.command()
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
def serve(host: str, port: int, data_dir: Path | None, workers: int, queue_size: int, get_path: str | None, log_level: str) -> None:
    """Serve the REST API (OpenAPI at /docs and /openapi.json) and the dashboard at /."""
    from supplyshock.server import ServerConfig, create_app
    from supplyshock.store import default_home

    folder = (data_dir or default_home() / "server").expanduser()
    try:
        app = create_app(ServerConfig(data_dir=folder, workers=workers, queue_size=queue_size))
    except OSError as exc:
        _fail(f"cannot use data directory {folder}: {exc}")
        return
    if get_path is not None:
        import warnings

        with warnings.catch_warnings():
            # starlette warns that its test client will move to httpx2; not the user's concern
            warnings.simplefilter("ignore")
            from fastapi.testclient import TestClient

        if not get_path.startswith("/"):
            _fail(f"--get takes a path starting with '/', got {get_path!r}")
        with TestClient(app) as client:
            response = client.get(get_path)
        content_type = response.headers.get("content-type", "")
        if content_type.startswith(("application/json", "text/")):
            click.echo(response.text)
        else:
            sys.stdout.buffer.write(response.content)
            sys.stdout.flush()
        if response.status_code >= 400:
            sys.exit(1)
        return
    import uvicorn

    if host not in _LOOPBACK:
        click.echo(f"Warning: binding {host}: the API has no authentication; anyone who can reach it can start runs.", err=True)
    click.echo(f"supplyshock dashboard: http://{host}:{port}/   API docs: http://{host}:{port}/docs   data: {folder}", err=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
