"""Check the commitments stated in a scenario's agreements against observed (or modelled) trade.

A commitment says: monthly exports of a product from an exporter (to an importer, or to
all) are at least ``min_share_of_baseline`` of the 2024 baseline monthly average from the
date ``by``. For each commitment and month the status is ``met``, ``not met`` (with the
gap in tonnes), ``not yet due`` (the month ends before ``by``) or ``no observation``.
"""

from __future__ import annotations

import pandas as pd

from supplyshock.network import SupplyNetwork
from supplyshock.scenario import Scenario
from supplyshock.scenario.events import Agreement

__all__ = ["check_commitments", "commitment_table"]


def commitment_table(scenario: Scenario, net: SupplyNetwork) -> pd.DataFrame:
    """The scenario's commitments with their baseline monthly level and threshold (t)."""
    rows = []
    tr = net.tables["trade"]
    for ev in scenario.events:
        if not isinstance(ev, Agreement):
            continue
        for i, c in enumerate(ev.commitments):
            mask = (tr["exporter"] == c.exporter) & (tr["product"] == c.product)
            if c.importer != "all":
                mask &= tr["importer"] == c.importer
            base = float(tr.loc[mask, "flow_t"].sum()) / 12.0
            rows.append(
                {
                    "agreement": ev.id or f"{ev.date}",
                    "commitment": i,
                    "label": " ".join(c.label.split()),
                    "exporter": c.exporter,
                    "importer": c.importer,
                    "product": c.product,
                    "by": c.by,
                    "baseline_monthly_t": base,
                    "threshold_t": base * c.min_share_of_baseline,
                    "min_share_of_baseline": c.min_share_of_baseline,
                }
            )
    return pd.DataFrame(rows)


def check_commitments(scenario: Scenario, net: SupplyNetwork, observed: pd.DataFrame, *, months: pd.PeriodIndex | None = None) -> pd.DataFrame:
    """Status of every commitment in every month.

    Parameters
    ----------
    scenario, net
        The scenario (its agreements' commitments) and its dataset (the baseline).
    observed : DataFrame
        Tidy observations with columns ``exporter``, ``importer`` (ISO3; ``WLD`` or
        ``all`` for the world), ``product`` (model product code), ``period``
        ('YYYY-MM') and ``value`` (t); see :func:`supplyshock.observed.load_observed`
        and the series map.
    months : PeriodIndex, optional
        Months to report (default: from the earliest ``by`` or observation to the last
        observation).

    Returns
    -------
    DataFrame
        One row per (commitment, month): ``status``, ``observed_t``, ``threshold_t``,
        ``gap_t`` (threshold minus observed when not met).
    """
    table = commitment_table(scenario, net)
    if not len(table):
        return pd.DataFrame(columns=["agreement", "commitment", "month", "status", "observed_t", "threshold_t", "gap_t"])
    obs = observed.copy()
    obs["importer"] = obs["importer"].replace({"WLD": "all", "World": "all"})
    obs = obs[obs["period"].astype(str).str.fullmatch(r"\d{4}-\d{2}")]
    obs["month"] = pd.PeriodIndex(obs["period"].astype(str), freq="M")
    if months is None:
        start = pd.Period(scenario.start, freq="M")
        end = max(list(obs["month"]) + [pd.Period(d, freq="M") for d in table["by"]])
        months = pd.period_range(start, end, freq="M")
    rows = []
    for c in table.to_dict("records"):
        sel = obs[(obs["exporter"] == c["exporter"]) & (obs["importer"] == c["importer"]) & (obs["product"] == c["product"])]
        by_month = sel.groupby("month")["value"].last()
        for m in months:
            due = m.end_time.date() >= c["by"]
            value = by_month.get(m)
            threshold = c["threshold_t"] * m.days_in_month / (365.0 / 12)
            if not due:
                status, gap = "not yet due", None
            elif value is None or pd.isna(value):
                status, gap = "no observation", None
            elif value >= threshold:
                status, gap = "met", 0.0
            else:
                status, gap = "not met", threshold - float(value)
            rows.append(
                {
                    "agreement": c["agreement"],
                    "commitment": c["commitment"],
                    "label": c["label"],
                    "month": str(m),
                    "status": status,
                    "observed_t": None if value is None else float(value),
                    "threshold_t": threshold,
                    "gap_t": gap,
                }
            )
    return pd.DataFrame(rows)
