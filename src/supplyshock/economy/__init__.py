"""Economy: ARIO-family daily dynamic input-output model and MRIO loading.

See ``docs/economy.md``.
"""

from supplyshock.economy.cases import SyntheticCase, critical_supplier_shock, synthetic_mrio
from supplyshock.economy.coupling import (
    DEFAULT_MAGNET_DEPENDENCE,
    load_country_map,
    load_sector_map,
    run_coupled,
    shortfall_to_capacity_loss,
)
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
    "DEFAULT_MAGNET_DEPENDENCE",
    "MRIO",
    "ARIOModel",
    "ARIOParams",
    "ARIOResult",
    "CapacityShock",
    "FinalDemandResponse",
    "SyntheticCase",
    "TradeCap",
    "capacity_loss_profile",
    "critical_supplier_shock",
    "from_arrays",
    "from_dataframes",
    "from_pymrio",
    "load_country_map",
    "load_default_mrio",
    "load_sector_map",
    "read_wide_csv",
    "run_coupled",
    "shortfall_to_capacity_loss",
    "synthetic_mrio",
]
