"""Economy: ARIO-family daily dynamic input-output model and MRIO loading.

See ``docs/economy.md``.
"""

from supplyshock.economy.cases import SyntheticCase, critical_supplier_shock, synthetic_mrio
from supplyshock.economy.coupling import LOSS_DIMS, capacity_loss, run_coupled
from supplyshock.economy.model import ARIOModel
from supplyshock.economy.mrio import (
    MRIO,
    from_arrays,
    from_dataframes,
    from_pymrio,
    load_default_mrio,
    read_wide_csv,
)
from supplyshock.economy.params import (
    ARIOParams,
    CapacityShock,
    FinalDemandResponse,
    TradeCap,
    capacity_loss_profile,
)
from supplyshock.economy.result import ARIOResult

__all__ = [
    "LOSS_DIMS",
    "MRIO",
    "ARIOModel",
    "ARIOParams",
    "ARIOResult",
    "CapacityShock",
    "FinalDemandResponse",
    "SyntheticCase",
    "TradeCap",
    "capacity_loss",
    "capacity_loss_profile",
    "critical_supplier_shock",
    "from_arrays",
    "from_dataframes",
    "from_pymrio",
    "load_default_mrio",
    "read_wide_csv",
    "run_coupled",
    "synthetic_mrio",
]
