"""The trajectories of one ARIO run: :class:`ARIOResult`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from supplyshock.economy._types import FloatArray

__all__ = ["ARIOResult"]


@dataclass
class ARIOResult:
    """Trajectories of one run, member-leading arrays plus labels.

    Attributes
    ----------
    production, production_capacity, demand, final_demand : ndarray (M, T, N)
        Realised production, capacity, total demand addressed to each industry, final
        demand addressed to each industry (per step, table unit).
    final_demand_unmet : ndarray (M, T, R, S)
        Final demand of consuming region ``r`` for product ``s`` not delivered (BoARIO's
        ``final_demand_unmet``).
    overproduction : ndarray (M, T, N)
        Overproduction factor ``alpha``.
    baseline_production : ndarray (N,)
        ``x_0`` per step.
    value_added_share : ndarray (N,)
        Value added per unit of output in the table.
    regions, sectors : tuple of str
        Labels; industry ``r * S + s`` is ``(regions[r], sectors[s])``.
    records : dict of str to ndarray
        The records kept (``record=`` of :meth:`ARIOModel.run`); each is also an attribute.

    References
    ----------
    The records are BoARIO's (Juhel 2024, JOSS doi:10.21105/joss.06547:
    ``production_realised``, ``production_capacity``, ``final_demand_unmet``, ...), held
    as one array per record with the member axis first.
    """

    regions: tuple[str, ...]
    sectors: tuple[str, ...]
    n_steps: int
    n_members: int
    baseline_production: FloatArray
    value_added_share: FloatArray
    unit: str
    records: dict[str, FloatArray] = field(default_factory=dict)

    def __getattr__(self, name: str) -> FloatArray:
        recs = self.__dict__.get("records", {})
        if name in recs:
            return recs[name]  # type: ignore[no-any-return,unused-ignore]
        raise AttributeError(f"ARIOResult has no record {name!r}; available: {sorted(recs)} (pass it in `record=` to ARIOModel.run)")

    @property
    def industries(self) -> pd.MultiIndex:
        """The ``(region, sector)`` industry index."""
        return pd.MultiIndex.from_product([self.regions, self.sectors], names=["region", "sector"])

    def frame(self, name: str, member: int = 0) -> pd.DataFrame:
        """One record of one member as a ``step x (region, sector)`` DataFrame (BoARIO-like)."""
        arr = self.records[name][member]
        return pd.DataFrame(
            arr.reshape(arr.shape[0], -1),
            index=pd.RangeIndex(arr.shape[0], name="step"),
            columns=self.industries,
        )

    def to_dataset(self) -> xr.Dataset:
        """All records as an :class:`xarray.Dataset` on ``(member, time, region, sector)``.

        For ``final_demand_unmet`` ``region`` is the consuming region and ``sector`` the
        product. Units (table unit per step) are in ``attrs``.
        """
        m, t = self.n_members, self.n_steps
        r, s = len(self.regions), len(self.sectors)
        coords = {
            "member": np.arange(m),
            "time": np.arange(t),
            "region": list(self.regions),
            "sector": list(self.sectors),
        }
        dims = ("member", "time", "region", "sector")
        data = {k: xr.Variable(dims, v.reshape(m, t, r, s), attrs={"units": f"{self.unit} per step"}) for k, v in self.records.items()}
        if "overproduction" in data:
            data["overproduction"].attrs["units"] = "1"
        ds = xr.Dataset(data, coords=coords)
        ds["baseline_production"] = xr.Variable(("region", "sector"), self.baseline_production.reshape(r, s))
        return ds
