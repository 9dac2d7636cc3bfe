"""One look for every chart: a colour-blind-safe palette, one colour per country everywhere, units and number formats.

Countries keep their colour across every chart of a report, the dashboard and the
comparison report: a country's colour is fixed by its position in its dataset's country
table (:attr:`supplyshock.analysis.labels.Labels.country_order`), not by the order series
happen to be drawn in. The palette is Okabe and Ito's colour-universal-design set without
its yellow (which vanishes on white), extended with the darker colours of Paul Tol's
"muted" scheme; past those, colours repeat with a dashed then a dotted line, so no two
countries look alike.

References
----------
Okabe, M. and Ito, K. (2008). Color Universal Design (CUD): how to make figures and
presentations that are friendly to colorblind people. https://jfly.uni-koeln.de/color/
Tol, P. (2021). Colour schemes. SRON technical note SRON/EPS/TN/09-002, issue 3.2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["DASHES", "PALETTE", "REFERENCE_COLOUR", "UNITS", "Style", "hover", "rgba"]

#: Okabe-Ito (no yellow), then Tol's muted scheme (darker colours first).
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#332288",  # indigo
    "#882255",  # wine
    "#117733",  # green
    "#999933",  # olive
    "#AA4499",  # purple
    "#44AA99",  # teal
    "#CC6677",  # rose
)
#: Line styles that tell apart series sharing a colour (palette exhausted).
DASHES: tuple[str, ...] = ("solid", "dash", "dot", "dashdot")
#: The reference run in comparisons.
REFERENCE_COLOUR = "#666666"
#: Hover formats by unit: a d3 number format and the unit written after it.
UNITS: dict[str, tuple[str, str]] = {
    "t": (",.1f", " t"),
    "t/day": (",.2f", " t/day"),
    "USD": ("$,.3s", ""),
    "USD bn": (",.2f", " USD bn"),
    "index": (",.2f", " x baseline"),
    "%": (",.1f", " %"),
    "USD/kg": ("$,.2f", "/kg"),
}


def rgba(hex_colour: str, alpha: float) -> str:
    """``#0072B2`` -> ``rgba(0,114,178,alpha)``."""
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def hover(name: str, unit: str, *, x: str = "%{x|%d %b %Y}") -> str:
    """A plotly hover template: the series name, the formatted value with its unit, the date.

    Parameters
    ----------
    name : str
        The series (a country's name); HTML special characters are escaped.
    unit : str
        A key of :data:`UNITS`.
    x : str
        How the x value is shown (a date by default; ``""`` for none).
    """
    fmt, suffix = UNITS.get(unit, (",.3~g", f" {unit}"))
    safe = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    where = f"<br>{x}" if x else ""
    return f"<b>{safe}</b><br>%{{y:{fmt}}}{suffix}{where}<extra></extra>"


@dataclass(frozen=True)
class Style:
    """Colours and dashes of one dataset's countries (any other key gets the next free colour)."""

    order: tuple[str, ...]

    @classmethod
    def for_countries(cls, order: Sequence[str]) -> Style:
        """The style of a dataset whose countries are ``order`` (its country table's order)."""
        return cls(tuple(str(c) for c in order))

    def _index(self, key: str) -> int:
        if key in self.order:
            return self.order.index(key)
        return len(self.order) + sum(ord(ch) for ch in key) % len(PALETTE)

    def colour(self, key: str) -> str:
        """A country's colour (the same in every chart)."""
        return PALETTE[self._index(str(key)) % len(PALETTE)]

    def dash(self, key: str) -> str:
        """A country's line style: solid for the first :data:`PALETTE` countries, then dashed, dotted."""
        return DASHES[(self._index(str(key)) // len(PALETTE)) % len(DASHES)]

    def colours(self) -> dict[str, str]:
        """Every country's colour, for the browser."""
        return {c: self.colour(c) for c in self.order}

    def dashes(self) -> dict[str, str]:
        """Every country's line style, for the browser."""
        return {c: self.dash(c) for c in self.order}
