"""Error types of supplyshock.

Every error a user can cause derives from :class:`SupplyShockError`; its message says
what is wrong, where (file and key) and how to fix it. :class:`InvariantError` means a
bug in supplyshock itself.
"""

from __future__ import annotations


class SupplyShockError(Exception):
    """Base class of all supplyshock errors."""


class DataError(SupplyShockError, ValueError):
    """A dataset table is malformed, unbalanced or refers to unknown codes."""


class ScenarioError(SupplyShockError, ValueError):
    """A scenario file is malformed or refers to unknown countries, products or dates."""


class ConsistencyError(SupplyShockError, ValueError):
    """Inputs are individually valid but inconsistent with each other (e.g. a setting that
    does not apply to the scenario, a run compared with one on another dataset)."""


class StoreError(SupplyShockError):
    """The run store cannot be read or written."""


class InvariantError(AssertionError):
    """An internal invariant (mass balance, non-negativity, ...) was violated: a bug in supplyshock.

    Not a :class:`SupplyShockError`: no input can legitimately cause it, so the command line
    reports it as a bug to file (with what to attach), never as a one-line input error.
    """
