"""A run in three sentences, written from its results: what the policy does and costs, who is hurt first and worst, how short and how dear.

The report, the dashboard and the command line open with these sentences. Every number
in them comes from :mod:`supplyshock.analysis.summary` (one definition of each metric);
this module only words them. Names come from :mod:`supplyshock.analysis.labels`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from pydantic import ValidationError

from supplyshock.analysis.labels import Labels, labels_for
from supplyshock.analysis.metrics import NEAR_CEILING, sector_products
from supplyshock.scenario import Scenario

__all__ = [
    "CONTROL_PHRASES",
    "at_ceiling",
    "ceiling_notes",
    "in_sentence",
    "loss_band",
    "money",
    "money_bn",
    "policy_phrase",
    "possessive",
    "run_scenario",
    "summary_payload",
    "tonnes_by_product",
    "tonnes_text",
    "written_summary",
]

#: How a control reads in a sentence, by event type (other types: their type name).
CONTROL_PHRASES = {"licence": "export licensing", "export_ban": "export ban", "quota": "export quota"}


def money(usd: float, *, digits: int = 3) -> str:
    """US dollars for a sentence: ``8.52e10`` -> ``"USD 85.2 bn"`` (three significant digits).

    Parameters
    ----------
    usd : float
    digits : int
        Significant digits kept.

    Returns
    -------
    str
        ``"USD x bn"`` from a billion, ``"USD x m"`` from a million, else whole dollars;
        ``"-"`` when not finite.
    """
    if not math.isfinite(usd):
        return "-"
    for scale, unit in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if abs(usd) >= scale:
            return f"USD {_sig(usd / scale, digits)} {unit}"
    return f"USD {usd:,.0f}"


#: Amounts below this (USD) are arithmetic noise of the solvers, shown as ``0``.
NOISE_USD = 1_000.0


def money_bn(usd: float | None) -> str:
    """US dollars in billions with three significant digits: ``8.52e10`` -> ``"85.2"``.

    ``"-"`` when missing; ``"0"`` below :data:`NOISE_USD`; ``"<0.001"`` below a million dollars
    (a thousandth of a billion), never a string of zeros after the point.
    """
    if usd is None or not math.isfinite(usd):
        return "-"
    if abs(usd) < NOISE_USD:
        return "0"
    if abs(usd) < 1e6:
        return "<0.001" if usd > 0 else ">-0.001"
    return _sig(usd / 1e9, 3)


def _sig(x: float, digits: int) -> str:
    """A number with ``digits`` significant digits, without trailing zeros after the point."""
    if x == 0 or not math.isfinite(x):
        return "0"
    decimals = max(digits - 1 - math.floor(math.log10(abs(x))), 0)
    return f"{x:,.{decimals}f}"


def _date(ds: xr.Dataset, day: float) -> str:
    """Day of the horizon -> ``"2 June 2025"``."""
    t = pd.Timestamp(ds["time"].values[0]) + pd.Timedelta(days=int(day))
    return f"{t.day} {t:%B %Y}"


def in_sentence(name: str) -> str:
    """A name inside a sentence: its first letter in lower case unless it starts an acronym (``EV``, ``GaAs``)."""
    if len(name) > 1 and name[0].isupper() and name[1].islower() and not any(ch.isupper() for ch in name.split()[0][1:]):
        return name[0].lower() + name[1:]
    return name


def possessive(name: str) -> str:
    """``"Japan"`` -> ``"Japan's"``, ``"United States"`` -> ``"United States'"``."""
    return name + ("'" if name.endswith("s") else "'s")


def _join(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def ceiling_notes(ds: xr.Dataset, peaks: pd.DataFrame) -> pd.Series:
    """How far the ceiling, not the market, sets each price peak (rows of :func:`~supplyshock.analysis.summary.price_peaks`).

    Returns
    -------
    Series of str
        ``"model failure"`` when the median member's peak is within :data:`NEAR_CEILING`
        of the ceiling ``price_index_max`` (or half the members touch it); ``"in some
        members"`` when the p95 member's is (or any member touches it); ``""`` otherwise.
    """
    cap = float(ds["price_cap"].median()) if "price_cap" in ds else float("inf")
    worst = (peaks["at_cap_share"] >= 0.5) | (peaks["peak_index"] >= NEAR_CEILING * cap)
    some = peaks["at_cap_share"] > 0
    return pd.Series(np.where(worst, "model failure", np.where(some, "in some members", "")), index=peaks.index)


def at_ceiling(ds: xr.Dataset, peaks: pd.DataFrame) -> pd.Series:
    """Which price peaks the ceiling sets in some members at least (see :func:`ceiling_notes`): never to be drawn as results."""
    return ceiling_notes(ds, peaks) != ""


def loss_band(eco: xr.Dataset, metric: str = "value_added_lost_usd") -> dict[str, float]:
    """``{"p05": ..., "p50": ..., "p95": ...}`` of a loss metric (:func:`~supplyshock.analysis.summary.loss_bands`)."""
    from supplyshock.analysis.summary import loss_bands

    rows = loss_bands(eco).to_dict(orient="index")
    return {str(k): float(v) for k, v in rows[metric].items()}


def run_scenario(ds: xr.Dataset) -> Scenario | None:
    """The scenario a run was made with (its ``scenario_json`` attribute); None when absent or unreadable."""
    text = ds.attrs.get("scenario_json", ds.attrs.get("scenario_yaml", ""))
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        return Scenario.model_validate_json(text)
    except ValidationError:  # written by another version: the run is named instead
        return None


def tonnes_by_product(ds: xr.Dataset, sectors: pd.DataFrame) -> dict[str, float]:
    """Tonnes short per material (tonnes of different materials never add), from rows indexed by (country, sector)."""
    of = sector_products(ds)
    out: dict[str, float] = {}
    for (_, s), t in zip(sectors.index, sectors["cumulative_shortfall_t"], strict=True):
        key = of.get(str(s), "")
        out[key] = out.get(key, 0.0) + float(t)
    return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def tonnes_text(ds: xr.Dataset, sectors: pd.DataFrame, labels: Labels) -> str:
    """``"3,210 t of sintered NdFeB permanent magnets and 12 t of Dy oxide"`` (the three largest materials)."""
    by = [(p, t) for p, t in tonnes_by_product(ds, sectors).items() if t > 0]
    if not by:
        return "0 t"
    words = [f"{t:,.0f} t" + (f" of {in_sentence(labels.product(p))}" if p else "") for p, t in by[:3]]
    if len(by) > 3:
        words.append(f"{len(by) - 3} other materials")
    return _join(words)


def policy_phrase(ds: xr.Dataset, labels: Labels | None = None) -> str:
    """What the scenario does, in a phrase: ``"China's export licensing of Dy oxide and Tb oxide from 4 April 2025"``.

    The scenario's export controls (events that control exports), grouped by exporter and
    type; a scenario without controls is named by its own name.
    """
    labels = labels or labels_for(ds)
    scenario = run_scenario(ds)
    name = str(ds.attrs.get("scenario_name", "the scenario"))
    if scenario is None:
        return f"Under {name}"
    controls = [ev for ev in scenario.events if ev.controls_exports]
    if not controls:
        return f"Under {name}"
    first = controls[0]
    exporter = str(getattr(first, "exporter", ""))
    mine = [ev for ev in controls if getattr(ev, "exporter", "") == exporter]
    types = [str(getattr(ev, "type", "")) for ev in mine]
    kinds = sorted({CONTROL_PHRASES.get(t, t.replace("_", " ")) for t in types})
    products: list[str] = []
    for ev in controls:
        for p in getattr(ev, "products", []):
            label = labels.product(p)
            if label not in products:
                products.append(label)
    shown = [in_sentence(p) for p in products]
    if len(shown) > 3:
        shown = [*shown[:2], f"{len(shown) - 2} more products"]
    start: dt.date = min(getattr(ev, "start") for ev in mine)  # noqa: B009 - every control has a start
    return f"{possessive(labels.country(exporter))} {_join(kinds)} of {_join(shown)} from {start.day} {start:%B %Y}"


def written_summary(
    ds: xr.Dataset,
    eco: xr.Dataset | None = None,
    *,
    countries: pd.DataFrame | None = None,
    sectors: pd.DataFrame | None = None,
    labels: Labels | None = None,
) -> list[str]:
    """Three sentences that say what a run found, generated from its results.

    1. The policy, the period and the headline loss (value added lost with its p5-p95
       band; without the economy, the tonnes short).
    2. Who is hurt worst (the largest loss, or the largest shortfall) and who stops first
       (the country-sector whose first cohort of plants runs dry first).
    3. How short and how dear: tonnes short, the worst peak, and the largest price rise
       (a price at the model's ceiling is named a model failure, not a result).

    Parameters
    ----------
    ds : Dataset
        Results of :func:`supplyshock.run`.
    eco : Dataset, optional
        Its economy (:func:`supplyshock.analysis.economy.economic_impact`).
    countries, sectors : DataFrame, optional
        :func:`~supplyshock.analysis.summary.country_table` and
        :func:`~supplyshock.analysis.summary.summarise` of the run, when already made.
    labels : Labels, optional

    Returns
    -------
    list of str
        Three sentences.
    """
    from supplyshock.analysis.metrics import PRICE_RISE_SHOWN
    from supplyshock.analysis.summary import country_table, price_peaks, summarise

    labels = labels or labels_for(ds)
    countries = country_table(ds, eco) if countries is None else countries
    sectors = summarise(ds) if sectors is None else sectors
    members = int(ds.sizes["member"])
    policy = policy_phrase(ds, labels)
    times = pd.DatetimeIndex(ds["time"].values)
    period = f"from {times[0].day} {times[0]:%B %Y} to {times[-1].day} {times[-1]:%B %Y}"
    short = sectors[sectors["cumulative_shortfall_t"] > 0]
    tonnes = tonnes_text(ds, short, labels)
    median = f" (median of {members} members)" if members > 1 else ""

    # 1: policy, period, headline loss
    if not len(short):
        first = f"{policy}, simulated {period}, leaves every country's demand met, so no value added is lost."
    elif eco is not None:
        band = loss_band(eco)
        spread = f", p5-p95 {money(band['p05'])} to {money(band['p95'])}" if members > 1 else ""
        first = (
            f"{policy}, simulated {period}, costs {money(band['p50'])} of value added{spread} "
            f"(US dollars of {eco.attrs.get('price_year', 'the price year')}), directly and through supply chains."
        )
    else:
        first = f"{policy}, simulated {period}, leaves {tonnes} of demand unmet{median}; the losses are not valued for this run."

    # 2: who is hurt worst, who stops first
    if not len(short):
        second = "Nobody runs short: stocks, other suppliers and substitution cover every end use over the period."
    else:
        worst_key = "value_added_lost_usd_p50" if "value_added_lost_usd_p50" in countries else ""
        worst = countries.sort_values(worst_key, ascending=False).iloc[0] if worst_key else countries.iloc[0]
        worst_name = labels.country(str(worst.name))
        if worst_key == "value_added_lost_usd_p50":
            total = float(countries[worst_key].sum())
            share = f", {worst[worst_key] / total:.0%} of the total" if total > 0 else ""
            hurt = f"{worst_name} is hurt most ({money(float(worst[worst_key]))} of value added{share})"
        else:
            hurt = f"{worst_name} is hurt most"
        stop_col = "first_stoppage_day" if "first_stoppage_day" in short and short["first_stoppage_day"].notna().any() else "days_to_first_shortfall"
        verb = "stop" if stop_col == "first_stoppage_day" else "run short"
        day = float(short[stop_col].min())
        firsts = short[short[stop_col] == day].index.tolist()
        who = [f"{possessive(labels.country(c))} {in_sentence(labels.sector(s))}" for c, s in firsts[:2]]
        if len(firsts) > 2:
            who.append(f"{len(firsts) - 2} other sectors")
        n_countries = int((countries["sectors_short"] > 0).sum())
        second = (
            f"{hurt}; {_join(who)} are the first to {verb}, on {_date(ds, day)} (day {int(day)}), "
            f"and {n_countries} of {len(countries)} countries with demand run short."
        )

    # 3: how short and how dear
    parts: list[str] = []
    if len(short):
        c, s = (str(k) for k in short.index[int(np.argmax(short["peak_shortfall_pct"].to_numpy()))])
        parts.append(
            f"demand goes unmet by {tonnes}{median}, at worst {float(short['peak_shortfall_pct'].max()):.0f}% of the demand "
            f"of {possessive(labels.country(c))} {in_sentence(labels.sector(s))}"
        )
    price_text = ""
    if "price_index" in ds:
        peaks = price_peaks(ds, min_rise=PRICE_RISE_SHOWN)
        failed = peaks[at_ceiling(ds, peaks)]
        sound = peaks[~at_ceiling(ds, peaks)]
        if len(sound):
            top = sound.sort_values("peak_index", ascending=False)
            market, product = (str(k) for k in top.index[0])
            row = top.iloc[0]
            usd = float(row["peak_usd_per_kg"])
            level = f", USD {usd:,.0f}/kg" if np.isfinite(usd) else ""
            what = f"{in_sentence(labels.product(product))} {labels.market(market)}"
            price_text = f"the price of {what} peaks at {float(row['peak_index']):.1f} times its baseline{level}"
        if len(failed):
            names = sorted({in_sentence(labels.product(p)) for _, p in failed.index})
            shown = _join(names if len(names) <= 3 else [*names[:2], f"{len(names) - 2} other products"])
            price_text += ("; " if price_text else "") + (
                f"prices of {shown} reach or come within {1 - NEAR_CEILING:.0%} of the model's ceiling in some members at least, "
                "a model failure rather than a result"
            )
    if price_text:
        parts.append(price_text)
    third = ("; ".join(parts) + ".") if parts else "Prices stay at their baseline."
    third = third[0].upper() + third[1:]
    return [first, second, third]


def summary_payload(sentences: list[str]) -> dict[str, Any]:
    """The sentences as JSON (``{"sentences": [...], "text": "..."}``)."""
    return {"sentences": list(sentences), "text": " ".join(sentences)}
