"""What every command prints, and how: consoles, tables, progress bars, JSON and errors.

One place for the look of the command line:

- :func:`console` and :func:`err_console`: results on stdout, progress and errors on
  stderr; tables are not cut to 80 columns when output is piped.
- :func:`table`: the one table renderer (a DataFrame to a rich table).
- :func:`progress`: the one progress bar.
- :func:`records` and :func:`echo_json`: ``--json`` output (``null`` for missing values).
- :class:`Command` and :class:`Group`: every command and group is one of these, so every
  command reports errors the same way (:func:`reported_errors`):

  - :class:`~supplyshock.errors.SupplyShockError` (bad input): ``Error: <one line>`` on
    stderr, exit status 2, no traceback;
  - a missing optional package (plotly, jinja2, fastapi, uvicorn, ray): ``Error: ...``
    naming ``pip install 'supplyshock[<extra>]'``, exit status 2;
  - :class:`~supplyshock.errors.InvariantError` (a bug): what to report, with the
    traceback written to a file in the temp folder, exit status 70.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import shlex
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Literal

import click
import numpy as np
import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from supplyshock._version import __version__
from supplyshock.errors import InvariantError, SupplyShockError

__all__ = [
    "BUG",
    "EXTRAS",
    "USER_ERROR",
    "Command",
    "CommandError",
    "Group",
    "command",
    "command_line",
    "console",
    "echo_json",
    "err_console",
    "group",
    "missing_extra",
    "one_line",
    "progress",
    "records",
    "reported_errors",
    "table",
]

#: Exit status of an error in the user's input (click uses 2 for usage errors too).
USER_ERROR = 2
#: Exit status of a bug in supplyshock (EX_SOFTWARE of sysexits.h).
BUG = 70
#: Optional packages and the extra that installs each.
EXTRAS = {
    "plotly": "report",
    "jinja2": "report",
    "fastapi": "server",
    "starlette": "server",
    "uvicorn": "server",
    "httpx": "server",
    "ray": "ray",
    "openpyxl": "report",
}
#: Commands whose own extra installs everything they need (it is named instead of the
#: package's extra: ``serve`` without plotly needs ``[server]``, not ``[report]``).
COMMAND_EXTRAS = {"serve": "server"}
#: Width of tables when output is not a terminal (pipes, CI logs, tests) and COLUMNS is unset.
PIPE_WIDTH = 200

_ARGV_KEY = "supplyshock.argv"

Spec = str | Callable[[Any], str]


class CommandError(SupplyShockError):
    """A command-line input that no library function checks (e.g. a malformed option value)."""


# ---------------------------------------------------------------------- consoles


def console() -> Console:
    """The console of results (stdout).

    Built per call, so that output goes to the ``sys.stdout`` of the moment (click's
    ``CliRunner`` swaps it). When stdout is not a terminal and ``COLUMNS`` is unset,
    tables are :data:`PIPE_WIDTH` wide instead of 80 columns. Text is printed as it is
    (never read as rich markup: paths and names may hold brackets).

    Returns
    -------
    rich.console.Console
    """
    out = Console(highlight=False, markup=False)
    if not out.is_terminal and "COLUMNS" not in os.environ:
        out = Console(highlight=False, markup=False, width=PIPE_WIDTH)
    return out


def err_console() -> Console:
    """The console of progress bars and messages that are not results (stderr).

    Returns
    -------
    rich.console.Console
    """
    return Console(stderr=True, highlight=False, markup=False)


# ---------------------------------------------------------------------- tables


def _cell(value: Any, spec: Spec) -> str:
    """Format one table cell: missing values as ``-``, floats by ``spec``."""
    if value is None or value is pd.NaT:
        return "-"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else ""
    if isinstance(value, float | np.floating):
        v = float(value)
        if math.isnan(v):
            return "-"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return spec(v) if callable(spec) else format(v, spec)
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if (value.hour, value.minute, value.second) != (0, 0, 0) else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def table(
    frame: pd.DataFrame,
    title: str | None = None,
    *,
    floats: Spec = ",.1f",
    formats: Mapping[str, Spec] | None = None,
    index: bool = True,
    headers: Mapping[str, str] | None = None,
    justify: Mapping[str, Literal["left", "right"]] | None = None,
    show_header: bool = True,
    max_widths: Mapping[str, int] | None = None,
    no_wrap: Sequence[str] = (),
) -> Table:
    """Render a DataFrame as a rich table: THE table renderer of the command line.

    Parameters
    ----------
    frame : DataFrame
        The rows to show.
    title : str, optional
        Shown above the table, left-aligned.
    floats : str or callable
        Format of float cells: a format spec (``",.1f"``) or a function of the value.
    formats : mapping, optional
        Per-column formats (by column name), overriding ``floats``.
    index : bool
        Show the index level(s) as the first (bold) columns.
    headers : mapping, optional
        Column headers to show instead of the column names.
    justify : mapping, optional
        Per-column alignment; by default numeric columns are right-aligned.
    show_header : bool
        Show the header row.
    max_widths : mapping, optional
        Widest a column (by name, index levels too) may grow; longer text wraps at spaces.
    no_wrap : sequence of str
        Columns never wrapped nor cut (ids, dates): others give way to them.

    Returns
    -------
    rich.table.Table

    Notes
    -----
    Missing values (None, NaN, NaT) show as ``-``, infinities as ``inf``, booleans as
    ``yes`` or nothing; cell text is never read as rich markup. Nothing is ever cut with an
    ellipsis: text that does not fit its column wraps (at spaces where it can, else
    inside a word), so a narrow terminal shows every character.
    """
    formats, headers, justify, widths = dict(formats or {}), dict(headers or {}), dict(justify or {}), dict(max_widths or {})
    tab = Table(title=Text(title, style="table.title") if title is not None else None, title_justify="left", show_header=show_header)
    levels: list[str] = []
    if index:
        levels = [str(n) if n is not None else "" for n in frame.index.names]
        for name in levels:
            tab.add_column(
                Text(headers.get(name, name)),
                style="bold",
                justify=justify.get(name, "left"),
                overflow="fold",
                max_width=widths.get(name),
                no_wrap=name in no_wrap,
            )
    for col in frame.columns:
        numeric = pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_bool_dtype(frame[col])
        tab.add_column(
            Text(headers.get(str(col), str(col))),
            justify=justify.get(str(col), "right" if numeric else "left"),
            overflow="fold",
            max_width=widths.get(str(col)),
            no_wrap=str(col) in no_wrap,
        )
    specs = [formats.get(str(c), floats) for c in frame.columns]
    for idx, row in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        keys = (list(idx) if isinstance(idx, tuple) else [idx]) if index else []
        cells = [_cell(k, floats) for k in keys] + [_cell(v, s) for v, s in zip(row, specs, strict=True)]
        tab.add_row(*[Text(c) for c in cells])
    return tab


# ---------------------------------------------------------------------- progress


class _Bar:
    """Update a progress task: ``bar(done)`` or ``bar(done, total)``."""

    def __init__(self, progress: Progress, task: Any) -> None:
        self._progress, self._task = progress, task

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is None:
            self._progress.update(self._task, completed=done)
        else:
            self._progress.update(self._task, completed=done, total=total)


@contextmanager
def progress(label: str, unit: str | None = None, *, total: int | None = None, disable: bool = False) -> Iterator[_Bar]:
    """THE progress bar (on stderr): label, bar, done/total units, elapsed and remaining time.

    Parameters
    ----------
    label : str
        What runs (shown in bold; not read as markup).
    unit : str, optional
        What is counted (``"days"``, ``"chunks"``); without it no count is shown.
    total : int, optional
        Units to do, if known now (a callback may give it later).
    disable : bool
        Show nothing (e.g. with ``--json``).

    Yields
    ------
    callable
        ``update(done)`` or ``update(done, total)``, to hand to the API as its progress
        callback.
    """
    columns: list[ProgressColumn | str] = [TextColumn(f"[bold]{escape(label)}[/]"), BarColumn()]
    if unit is not None:
        columns += [MofNCompleteColumn(), TextColumn(escape(unit))]
    columns += [TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=err_console(), disable=disable) as bar:
        yield _Bar(bar, bar.add_task(label, total=total))


# ---------------------------------------------------------------------- JSON


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, pd.Period):
        return str(value)
    return value if isinstance(value, str) else str(value)


def records(frame: pd.DataFrame, *, index: bool = True) -> list[dict[str, Any]]:
    """A DataFrame as JSON-ready records.

    Parameters
    ----------
    frame : DataFrame
    index : bool
        Include the index level(s) as fields (unnamed levels are dropped).

    Returns
    -------
    list of dict
        One dict per row; missing values (None, NaN, NaT, infinities, empty strings) are
        ``None`` (``null`` in JSON), dates ISO strings, numpy scalars Python numbers.
    """
    if index:
        named = [n for n in frame.index.names if n is not None]
        frame = frame.reset_index(level=named) if named else frame
    return [{str(k): _json_value(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def echo_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON on stdout (non-finite floats as ``null``)."""

    def clean(x: Any) -> Any:
        if isinstance(x, Mapping):
            return {str(k): clean(v) for k, v in x.items()}
        if isinstance(x, list | tuple):
            return [clean(v) for v in x]
        return _json_value(x)

    click.echo(json.dumps(clean(payload), indent=2))


# ---------------------------------------------------------------------- errors


def one_line(message: str) -> str:
    """A message on one line: the lines of a multi-line message joined by ``; ``.

    Parameters
    ----------
    message : str

    Returns
    -------
    str
        E.g. ``"f.yaml: 2 problems:\\n  a\\n  b"`` gives ``"f.yaml: 2 problems: a; b"``.
    """
    out = ""
    for line in (" ".join(ln.split()) for ln in message.splitlines()):
        if line:
            out = line if not out else out + (" " if out.endswith(":") else "; ") + line
    return out


def missing_extra(exc: ImportError) -> str | None:
    """The extra that installs the package an ImportError misses (None: not an optional one).

    Parameters
    ----------
    exc : ImportError

    Returns
    -------
    str or None
        ``"report"``, ``"server"`` or ``"ray"`` (see :data:`EXTRAS`).
    """
    name = (exc.name or "").split(".")[0]
    return EXTRAS.get(name)


def command_line(ctx: click.Context) -> str:
    """The command line that started this command, as typed (best effort).

    Parameters
    ----------
    ctx : click.Context

    Returns
    -------
    str
    """
    argv = ctx.meta.get(_ARGV_KEY)
    if argv is None:
        argv = [ctx.find_root().info_name or "supplyshock", *sys.argv[1:]]
    return shlex.join(argv)


def _write_bug_report(ctx: click.Context, exc: BaseException) -> str:
    """Write the traceback and what surrounded it to a file in the temp folder; its path."""
    fd, path = tempfile.mkstemp(prefix="supplyshock-bug-", suffix=".txt")
    lines = [
        f"command: {command_line(ctx)}",
        f"supplyshock {__version__}, Python {platform.python_version()}, {platform.platform()}",
        f"working folder: {os.getcwd()}",
        f"time (UTC): {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}",
        "",
        *traceback.format_exception(exc),
    ]
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(ln.rstrip("\n") for ln in lines) + "\n")
    return path


def _report_bug(ctx: click.Context, exc: BaseException) -> None:
    try:
        where = _write_bug_report(ctx, exc)
    except OSError as err:  # pragma: no cover - an unwritable temp folder
        where = f"(could not be written: {err.strerror}); run again with the same arguments under `python -X dev -m supplyshock` to see it"
    message = one_line(str(exc)) or type(exc).__name__
    text = (
        "supplyshock hit an internal error: this is a bug in supplyshock, not a problem with your input.\n"
        f"  {type(exc).__name__}: {message}\n"
        "Please report it to the supplyshock developers with:\n"
        f"  - the command line: {command_line(ctx)}\n"
        "  - the scenario file(s) and any data folder it names\n"
        f"  - the output of `supplyshock --version` (this is {__version__})\n"
        f"  - the traceback, written to {where}"
    )
    click.echo(text, err=True)


@contextmanager
def reported_errors(ctx: click.Context) -> Iterator[None]:
    """Turn the errors of a command into THE error format and exit status.

    - :class:`~supplyshock.errors.SupplyShockError` (bad input): ``Error: <one line>`` on
      stderr, exit :data:`USER_ERROR`, no traceback.
    - :class:`ImportError` of an optional package (:data:`EXTRAS`): ``Error: ...`` with
      the ``pip install 'supplyshock[extra]'`` command, exit :data:`USER_ERROR`.
    - :class:`~supplyshock.errors.InvariantError` (a bug): what happened and what to
      report, with the traceback written to a file in the temp folder, exit :data:`BUG`.

    - :class:`OSError` (a file or folder that cannot be read or written, a full disk):
      ``Error: <what> <path>``, exit :data:`USER_ERROR`; :class:`MemoryError`: what to make
      smaller, exit :data:`USER_ERROR`.
    - Anything else is a bug, reported as an ``InvariantError`` is (never a bare traceback);
      click's own exceptions (usage errors, ``ctx.exit``) pass through.

    Parameters
    ----------
    ctx : click.Context
        The running command's context (its ``exit`` is used).

    Yields
    ------
    None
    """
    try:
        yield
    except SupplyShockError as exc:
        click.echo(f"Error: {one_line(str(exc)) or type(exc).__name__}", err=True)
        ctx.exit(USER_ERROR)
    except InvariantError as exc:
        _report_bug(ctx, exc)
        ctx.exit(BUG)
    except ImportError as exc:
        extra = missing_extra(exc)
        if extra is None:
            _report_bug(ctx, exc)
            ctx.exit(BUG)
        extra = COMMAND_EXTRAS.get(ctx.info_name or "", extra)
        name = (exc.name or "").split(".")[0]
        click.echo(f"Error: this command needs the optional package {name}; install it with: pip install 'supplyshock[{extra}]'", err=True)
        ctx.exit(USER_ERROR)
    except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise
    except MemoryError:
        click.echo(
            "Error: out of memory: run fewer members, a shorter horizon, or an ensemble in chunks (--chunk-size); nothing was recorded",
            err=True,
        )
        ctx.exit(USER_ERROR)
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        click.echo(f"Error: {exc.strerror or type(exc).__name__}:{where}", err=True)
        ctx.exit(USER_ERROR)
    except Exception as exc:  # a bug: reported with what to send, never a bare traceback
        _report_bug(ctx, exc)
        ctx.exit(BUG)


def _remember_argv(ctx: click.Context, args: Sequence[str]) -> None:
    if ctx.parent is None and _ARGV_KEY not in ctx.meta:
        ctx.meta[_ARGV_KEY] = [ctx.info_name or "supplyshock", *args]


class Command(click.Command):
    """A click command whose errors are reported by :func:`reported_errors`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse the arguments, remembering the command line for bug reports.

        Parameters
        ----------
        ctx : click.Context
        args : list of str

        Returns
        -------
        list of str
            The arguments left over.
        """
        _remember_argv(ctx, args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command, reporting its errors in the one format.

        Parameters
        ----------
        ctx : click.Context

        Returns
        -------
        Any
            What the command returns.
        """
        with reported_errors(ctx):
            return super().invoke(ctx)


class Group(click.Group):
    """A click group whose commands and subgroups are :class:`Command` and :class:`Group`."""

    command_class = Command
    group_class = type  # subgroups are of this class too

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Parse the arguments, remembering the command line for bug reports.

        Parameters
        ----------
        ctx : click.Context
        args : list of str

        Returns
        -------
        list of str
            The arguments left over (the subcommand and its arguments).
        """
        _remember_argv(ctx, args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the group and its subcommand, reporting errors in the one format.

        Parameters
        ----------
        ctx : click.Context

        Returns
        -------
        Any
            What the subcommand returns.
        """
        with reported_errors(ctx):
            return super().invoke(ctx)


def command(name: str | None = None, **attrs: Any) -> Callable[[Callable[..., Any]], Command]:
    """``click.command`` making a :class:`Command` (for commands defined outside a group).

    Parameters
    ----------
    name : str, optional
        The command's name (default: the function's, with ``_`` as ``-``).
    **attrs
        Passed to :class:`click.Command`.

    Returns
    -------
    callable
        The decorator.
    """
    return click.command(name, cls=Command, **attrs)


def group(name: str | None = None, **attrs: Any) -> Callable[[Callable[..., Any]], Group]:
    """``click.group`` making a :class:`Group`.

    Parameters
    ----------
    name : str, optional
        The group's name (default: the function's).
    **attrs
        Passed to :class:`click.Group`.

    Returns
    -------
    callable
        The decorator.
    """
    return click.group(name, cls=Group, **attrs)
