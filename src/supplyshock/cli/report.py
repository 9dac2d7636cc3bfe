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
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to bind; any but this machine's (127.0.0.1, localhost, ::1) requires a token.",
)
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
@click.option(
    "--token",
    default=None,
    help="Token every request must carry (Authorization: Bearer ...); default $SUPPLYSHOCK_TOKEN, "
    "else none on this machine and a new random one (printed) on any other interface.",
)
@click.option("--rate-limit", type=click.IntRange(0, 1_000_000), default=600, show_default=True, help="Requests a minute per client (0: no limit).")
@click.option(
    "--run-rate-limit", type=click.IntRange(0, 100_000), default=60, show_default=True, help="Runs started a minute per client (0: no limit)."
)
@click.option(
    "--cors-origin",
    "cors_origins",
    multiple=True,
    help="A web origin (https://host:port) whose pages may call the API (repeatable); default none.",
)
@click.option(
    "--memory-budget",
    default=None,
    help="Memory the server's runs may use together: 4GB, 75%, none (default: half of the available memory).",
)
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    data_dir: Path | None,
    workers: int,
    queue_size: int,
    get_path: str | None,
    log_level: str,
    token: str | None,
    rate_limit: int,
    run_rate_limit: int,
    cors_origins: tuple[str, ...],
    memory_budget: str | None,
) -> None:
    """Serve the REST API (OpenAPI at /docs and /openapi.json) and the dashboard at /.

    Binds 127.0.0.1 by default. On any other interface every request needs a token
    (--token, $SUPPLYSHOCK_TOKEN, or a random one printed at start). Requests are
    rate-limited per client; other web sites cannot call the API unless --cors-origin
    names them. See docs/security.md.
    """
    from supplyshock.analysis.memory import parse_budget
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
    if memory_budget is not None:
        parse_budget(memory_budget)  # a malformed budget is an error now, not at the first run
    for origin in cors_origins:
        if not origin.startswith(("http://", "https://")) or origin.count("/") != 2:
            raise CommandError(f"--cors-origin {origin!r}: give an origin such as https://example.org or http://localhost:3000 (no path)")
    config = ServerConfig(
        data_dir=folder,
        workers=workers,
        queue_size=queue_size,
        token=token or None,
        rate_per_minute=rate_limit,
        runs_per_minute=run_rate_limit,
        cors_origins=tuple(cors_origins),
        memory_budget=memory_budget,
    )
    if get_path is not None:
        if answer_one(config, get_path) >= 400:
            ctx.exit(1)
        return
    serve_forever(config, host=host, port=port, log_level=log_level)
