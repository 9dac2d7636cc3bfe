"""Pieces shared by the command groups of the CLI."""

from __future__ import annotations

from typing import Any

import click

from supplyshock.errors import SupplyShockError

__all__ = ["ErrorGroup"]


class ErrorGroup(click.Group):
    """A click group that turns supplyshock errors into one line on stderr and exit 2."""

    def invoke(self, ctx: click.Context) -> Any:
        """Invoke the subcommand, reporting :class:`SupplyShockError` without a traceback.

        Parameters
        ----------
        ctx
            The click context.

        Returns
        -------
        Any
            Whatever the subcommand returns.
        """
        try:
            return super().invoke(ctx)
        except SupplyShockError as exc:
            message = " ".join(str(exc).split()) or type(exc).__name__
            click.echo(f"Error: {message}", err=True)
            ctx.exit(2)
