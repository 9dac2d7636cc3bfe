"""Observations as rows of the long format that ``supplyshock observed add`` reads.

Columns: ``period, series, exporter, importer, product, value, unit, yoy_change_pct,
mom_change_pct, source, note``. A row needs a period and a unit the observed readers know
(tonnes, USD, USD/kg and their variants); a level and the change of the same series and
period share one row. Observations that cannot be written (no period, a unit such as
CNY/kg or a share of world output, a range of prices) stay in the sidecar with the reason.
"""

from __future__ import annotations

import csv
import io
import re

from supplyshock.news.model import Draft, Observation
from supplyshock.observed import normalise_unit, parse_period

__all__ = ["COLUMNS", "observation_rows", "rows_to_csv"]

COLUMNS = ("period", "series", "exporter", "importer", "product", "value", "unit", "yoy_change_pct", "mom_change_pct", "source", "note")


def _series(o: Observation) -> str:
    material = re.sub(r"[^a-z0-9]+", "_", "_".join(o.materials).lower()).strip("_") or "unspecified"
    return f"news_{o.subject}_{o.reporter}_{o.partner}_{material}".lower()


def _unit(o: Observation) -> str | None:
    unit = o.unit
    if o.value is None:
        unit = {"price": "USD/kg", "production": "t"}.get(o.subject, "USD" if o.materials == ["all goods"] else "t")
    try:
        normalise_unit(unit)
    except ValueError:
        return None
    return unit


def _why_not(o: Observation) -> str | None:
    if o.period is None:
        return "the article gives no period"
    try:
        parse_period(o.period)
    except ValueError:
        return f"period {o.period!r} is not a month, year or range"
    if isinstance(o.value, list):
        return "a range of values"
    if o.value is not None and o.value < 0:
        return "a negative level"
    if o.change_pct is not None and o.change_pct <= -100:
        return "a change of -100% or less"
    if _unit(o) is None:
        return f"unit {o.unit!r} is not one the observed readers accept"
    if o.comparison == "mom" and not re.fullmatch(r"\d{4}-\d{2}", o.period):
        return "a month-on-month change needs a monthly period"
    return None


def observation_rows(draft: Draft) -> tuple[list[dict[str, str]], dict[int, str]]:
    """Rows for the observed CSV, and why each other observation (by position) was left out.

    Returns
    -------
    tuple
        (rows, {observation index: reason}).
    """
    rows: dict[tuple[str, str], dict[str, str]] = {}
    left_out: dict[int, str] = {}
    for k, o in enumerate(draft.observations):
        reason = _why_not(o)
        if reason is not None:
            left_out[k] = reason
            continue
        assert o.period is not None
        key = (_series(o), parse_period(o.period)[0])
        exporter, importer = (o.reporter, o.partner) if o.subject != "imports" else (o.partner, o.reporter)
        row = rows.setdefault(key, {c: "" for c in COLUMNS})
        row.update({"period": key[1], "series": key[0], "exporter": exporter, "importer": importer, "product": ", ".join(o.materials)})
        row["unit"] = row["unit"] or str(_unit(o))
        if o.value is not None and not row["value"]:
            row["value"] = f"{o.value:g}"
            row["unit"] = str(_unit(o))
        if o.change_pct is not None:
            row["yoy_change_pct" if o.comparison == "yoy" else "mom_change_pct"] = f"{o.change_pct:g}"
        row["source"] = (
            f"{draft.source} (published {draft.published}), sentence {o.sentence}: {' '.join(draft.sentence_text(o.sentence).split())[:200]}"
        )
        row["note"] = "drafted by supplyshock draft; " + ("unit assumed, the article gives only a change" if o.value is None else "level as reported")
    return list(rows.values()), left_out


def rows_to_csv(rows: list[dict[str, str]]) -> str:
    """The rows as CSV text with the long format's header."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()
