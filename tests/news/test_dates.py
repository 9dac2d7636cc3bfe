"""Dates resolved against the publication date."""

from __future__ import annotations

import datetime as dt

import pytest

from supplyshock.news.dates import find_dates

MON_9_JUNE = dt.date(2025, 6, 9)


def values(text: str, published: dt.date = MON_9_JUNE, anchor: dt.date | None = None) -> list[tuple[str | None, str]]:
    return [(d.value.value if d.value else None, d.cue) for d in find_dates(text, published, anchor)]


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("Talks began in London on Monday.", MON_9_JUNE, "2025-06-09"),
        ("The ministry said on Friday.", MON_9_JUNE, "2025-06-06"),
        ("A court will auction the stocks on Sunday.", dt.date(2019, 10, 22), "2019-10-27"),
        ("An agreement reached last month in Geneva.", MON_9_JUNE, "2025-05"),
        ("Beijing's April decision to suspend exports.", MON_9_JUNE, "2025-04"),
        ("Exports plunged in May.", MON_9_JUNE, "2025-05"),
        ("Licences will be required from Aug. 1.", dt.date(2023, 7, 4), "2023-08-01"),
        ("Indonesia will stop exports from Jan. 1.", dt.date(2019, 9, 2), "2020-01-01"),
        ("The measures imposed from Aug. 1 on gallium.", dt.date(2023, 10, 20), "2023-08-01"),
        ("The tariff truce agreed earlier this week.", dt.date(2025, 5, 15), "2025-05-12"),
        ("Gallium production begins in 2027.", dt.date(2025, 1, 16), "2027"),
        ("China will let less leave the country in the first half of 2011.", dt.date(2010, 12, 28), "2011-01-01"),
        ("The quota for 2012 is set.", dt.date(2011, 12, 27), "2012-01-01"),
        ("The overall tariff agreed on May 12, 2025.", MON_9_JUNE, "2025-05-12"),
        ("Compared with 7.67 tonnes in August last year.", dt.date(2023, 9, 20), "2022-08"),
        ("The cost rose last December.", dt.date(2024, 12, 20), "2023-12"),
    ],
)
def test_resolved(text: str, published: dt.date, expected: str) -> None:
    assert values(text, published)[0][0] == expected


def test_days_earlier_count_from_the_anchor() -> None:
    assert values("a phone call four days earlier", MON_9_JUNE, anchor=MON_9_JUNE) == [("2025-06-05", "plain")]


def test_same_day_is_the_anchor() -> None:
    out = find_dates("On the same day, the ministry issued it.", dt.date(2025, 4, 5), anchor=dt.date(2025, 4, 4))
    assert out[0].immediate and out[0].value is not None and out[0].value.value == "2025-04-04"


def test_cues_tell_effect_from_announcement() -> None:
    got = values("China will require permits from Dec. 1, the Commerce Ministry said on Friday.", dt.date(2023, 10, 20))
    assert got == [("2023-12-01", "effect"), ("2023-10-20", "announce")]


def test_modal_may_and_numbers_are_not_dates() -> None:
    assert values("Cracks may emerge; 2,000 tonnes; 1996 tonnes of ore.") == []
    assert values("May output fell.") == []
