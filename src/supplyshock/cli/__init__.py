"""The ``supplyshock`` command: a thin layer over the Python API.

One module per command group, all built on :mod:`supplyshock.cli.output` (consoles,
the one table renderer, the one progress bar, JSON, and the one error format):

- :mod:`~supplyshock.cli.run`: ``run``, ``validate``, ``scenarios``;
- :mod:`~supplyshock.cli.analyses`: ``sensitivity``, ``sweep``, ``backtest``, ``commitments``;
- :mod:`~supplyshock.cli.data`: ``data show|sources|check``;
- :mod:`~supplyshock.cli.runs`: ``runs list|show|export|delete|check``;
- :mod:`~supplyshock.cli.compare`: ``compare`` (recorded runs side by side, and a comparison report);
- :mod:`~supplyshock.cli.observed`: ``observed add|list|show``;
- :mod:`~supplyshock.cli.risk`: ``risk indicators|tts``;
- :mod:`~supplyshock.cli.report`: ``report``, ``serve``;
- :mod:`~supplyshock.cli.draft`: ``draft`` (a draft scenario from a news report);
- :mod:`~supplyshock.cli.options`: the options several groups share.

A user error prints ``Error: <one line>`` on stderr and exits with status 2; a bug
(:class:`~supplyshock.errors.InvariantError`) exits with status 70 and says what to
report; a missing optional package names the ``pip install`` command.
"""

from __future__ import annotations

import click

from supplyshock._version import __version__
from supplyshock.cli import analyses, compare, data, draft, observed, report, risk, run, runs
from supplyshock.cli.output import group

__all__ = ["main"]


@group(name="supplyshock", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="supplyshock")
def main() -> None:
    """Simulate export controls on critical minerals: who runs short, when, by how much, at what cost."""


for _command in (
    run.run,
    run.validate,
    run.scenarios,
    analyses.sensitivity,
    analyses.sweep,
    analyses.backtest,
    analyses.commitments,
    data.data,
    runs.runs,
    compare.compare,
    observed.observed,
    risk.risk,
    report.report,
    report.serve,
    draft.draft,
):
    main.add_command(_command)
