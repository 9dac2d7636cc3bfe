"""Claims are attributed, not facts; observations are figures with what they measure and when."""

from __future__ import annotations

import datetime as dt

from news_helpers import draft


def test_accusation_is_a_claim_by_the_accuser() -> None:
    d = draft("Washington has accused Beijing of failing to uphold its commitments on shipments of rare earth minerals.")
    assert d.events == []
    [claim] = d.claims
    assert (claim.by, claim.about, claim.kind) == ("USA", "CHN", "accusation")
    assert claim.summary.startswith("Washington has accused")


def test_justification_stays_a_claim_beside_the_event() -> None:
    d = draft(
        "China will require export permits for some graphite products from Dec. 1 to protect national security, "
        "the Commerce Ministry said on Friday.",
        dt.date(2023, 10, 20),
    )
    assert [e.type for e in d.events] == ["licence"]
    assert [(c.by, c.kind) for c in d.claims] == [("CHN", "justification")]


def test_plain_report_of_a_measure_is_not_a_claim() -> None:
    d = draft("China has set its rare-earth export quota for 2012 at 10,546 tonnes, the Commerce Ministry said on Tuesday.", dt.date(2011, 12, 27))
    assert d.claims == []


def test_forecast_by_a_named_speaker() -> None:
    d = draft("Goldman Sachs said in a note on Sunday that it expected London nickel prices to reach $20,000 a tonne within three months.")
    assert d.claims and d.claims[0].by == "Goldman Sachs" and d.claims[0].kind == "forecast"
    assert d.observations == []


def test_change_year_on_year() -> None:
    d = draft("Chinese customs data showed that exports to the US plunged 34.5% year-on-year in May.")
    [o] = d.observations
    assert (o.subject, o.reporter, o.partner, o.period, o.change_pct, o.comparison, o.value) == (
        "exports",
        "CHN",
        "USA",
        "2025-05",
        -34.5,
        "yoy",
        None,
    )
    assert o.materials == ["all goods"]


def test_levels_with_their_months() -> None:
    d = draft(
        "TOKYO, Dec. 27 - Japan's rare-earth imports from China came to 634 tonnes in November, about half of October's 1,278 tonnes.",
        dt.date(2010, 12, 27),
    )
    got = [(o.subject, o.reporter, o.partner, o.period, o.value, o.unit) for o in d.observations]
    assert got[0] == ("imports", "JPN", "CHN", "2010-11", 634.0, "t")


def test_month_on_month_from_a_named_month() -> None:
    d = draft("Japan's rare-earth imports from all sources fell 38% from October to 1,173 tonnes.", dt.date(2010, 12, 27))
    got = {(o.period, o.change_pct, o.comparison, o.value) for o in d.observations}
    assert ("2010-11", -38.0, "mom", None) in got and ("2010-11", None, "level", 1173.0) in got


def test_price_and_share_of_world_output() -> None:
    d = draft(
        "Three-month nickel on the London Metal Exchange rose to $18,470 a tonne on Monday. "
        "Indonesia supplied 26% of the world's nickel ore last year.",
        dt.date(2019, 9, 2),
    )
    got = {(o.subject, o.reporter, o.value, o.unit, o.period) for o in d.observations}
    assert ("price", "WLD", 18470.0, "USD/t", "2019-09") in got
    assert ("production", "IDN", 26.0, "% of world production", "2018") in got


def test_vague_changes_and_share_moves_are_not_observations() -> None:
    d = draft("Prices more than doubled. Shares in Molycorp rose 4.4% on Thursday.")
    assert d.observations == []
