"""Internal invariants of the daily model, checked at run time on request.

Checks are user-independent: a violation is a bug in supplyshock, raised as
:class:`~supplyshock.errors.InvariantError`. They run when a run is started with
``check=True`` or when the environment variable ``SUPPLYSHOCK_RUNTIME_CHECKS`` is ``1``
(the test suite sets it for every test, as PyPSA's ``runtime_verification`` option).
"""

from __future__ import annotations

import os

import numpy as np

from supplyshock.engine.step import DayFlows
from supplyshock.errors import InvariantError

__all__ = ["ENV_VAR", "MASS_BALANCE_RTOL", "check_day", "checks_enabled"]

#: Environment variable that turns the checks on for every run.
ENV_VAR = "SUPPLYSHOCK_RUNTIME_CHECKS"
#: Relative tolerance of the mass balance (of each node's throughput).
MASS_BALANCE_RTOL = 1e-9


def checks_enabled(check: bool | None) -> bool:
    """Whether to check: the explicit argument, else the environment variable."""
    if check is not None:
        return bool(check)
    return os.environ.get(ENV_VAR, "") == "1"


def check_day(f: DayFlows) -> None:
    """Mass balance per node, no negative stock, flow or price, production within capacity,
    shipments within permitted claims.

    Raises
    ------
    InvariantError
        On the first violation, naming the day.
    """
    t = f.day
    resid = f.opening + f.imports + f.release + f.produced - f.consumed - f.delivered_fd - f.exports - f.stock
    scale = np.maximum(1.0, np.abs(f.opening) + f.imports + f.produced)
    if np.abs(resid / scale).max(initial=0.0) > MASS_BALANCE_RTOL:
        raise InvariantError(f"mass balance violated on day {t}: max residual {np.abs(resid).max():.3e} t")
    for name, arr in (("stock", f.stock), ("shipments", f.ship), ("production", f.produced), ("price", f.price)):
        if (arr < 0).any() or not np.isfinite(arr).all():
            raise InvariantError(f"{name} negative or not finite on day {t}")
    if (f.activity > f.capacity + 1e-9).any():
        raise InvariantError(f"production above capacity on day {t}")
    if (f.ship > f.claims + 1e-9).any():
        raise InvariantError(f"shipments above permitted claims on day {t}")
    if (f.user_stock < 0).any() or (f.delivered > f.demand * (1 + 1e-12) + 1e-12).any():
        raise InvariantError(f"end users' stock negative or use above demand on day {t}")
    if (f.spot > f.ship + 1e-9).any():
        raise InvariantError(f"spot shipments above shipments on day {t}")
    if (f.leaked > f.ship + 1e-9).any() or (f.leaked < 0).any():
        raise InvariantError(f"leaked shipments negative or above shipments on day {t}")
