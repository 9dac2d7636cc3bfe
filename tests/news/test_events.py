"""One event type per test, read from wire-style sentences; negation, denial, hedges and lifts."""

from __future__ import annotations

import datetime as dt

from news_helpers import draft, only


def test_export_ban_to_one_country() -> None:
    d = draft(
        "BEIJING, Dec. 3 - China will ban exports to the United States of dual-use items related to gallium and germanium "
        "with immediate effect, the Commerce Ministry said on Tuesday.",
        dt.date(2024, 12, 3),
    )
    ev = only(d, "export_ban")
    assert (ev.actor, ev.destinations, ev.materials) == ("CHN", ["USA"], ["gallium", "germanium"])
    assert ev.date is not None and ev.date.value == "2024-12-03"
    assert ev.evidence["actor"] == 0 and 0 in ev.sentences


def test_licence_with_effect_and_announcement_dates() -> None:
    d = draft(
        "BEIJING, July 4 - China will require exporters of gallium and germanium to obtain licences starting Aug. 1, "
        "the Ministry of Commerce said on Monday.\n\nExporters of the materials will have to apply for a licence.",
        dt.date(2023, 7, 4),
    )
    ev = only(d, "licence")
    assert ev.materials == ["gallium", "germanium"] and ev.destinations == "all"
    assert ev.date is not None and ev.date.value == "2023-08-01"
    assert ev.announced is not None and ev.announced.value == "2023-07-03"
    assert ev.sentences == [0, 1]


def test_quota_with_its_amount_and_period() -> None:
    d = draft(
        "BEIJING, Dec. 27 - China has set the first round of its rare-earth export quotas for 2012 at 10,546 tonnes, "
        "the Commerce Ministry said on Tuesday.",
        dt.date(2011, 12, 27),
    )
    ev = only(d, "quota")
    assert (ev.actor, ev.value, ev.unit) == ("CHN", 10546.0, "t")
    assert ev.date is not None and ev.date.value == "2012-01-01"


def test_two_tariffs_in_one_sentence() -> None:
    d = draft(
        "BEIJING, Feb. 4 - China will impose a 15% tariff on coal and liquefied natural gas from the United States and a 10% duty on "
        "U.S. crude oil and pickup trucks from Feb. 10, the Finance Ministry said on Tuesday.",
        dt.date(2025, 2, 4),
    )
    rates = sorted((e.value, e.actor, e.target, tuple(e.materials), e.date.value if e.date else None) for e in d.events if e.type == "tariff")
    assert rates == [(0.1, "CHN", "USA", (), "2025-02-10"), (0.15, "CHN", "USA", (), "2025-02-10")]


def test_tariff_rate_change_keeps_the_new_rate() -> None:
    d = draft(
        "Under the agreement, the U.S. tariff on imports from China will drop to 30% from 145%, "
        "while China will cut its levy on American goods to 10% from 125%."
    )
    got = sorted((e.actor, e.target, e.value) for e in d.events if e.type == "tariff")
    assert got == [("CHN", "USA", 0.1), ("USA", "CHN", 0.3)]


def test_agreement_parties_and_date() -> None:
    d = draft(
        "GENEVA, May 12 - The United States and China said on Monday they had agreed to suspend most of the tariffs on each other's goods, "
        "according to a joint statement.",
        dt.date(2025, 5, 12),
    )
    ev = only(d, "agreement")
    assert ev.parties == ["CHN", "USA"] and ev.date is not None and ev.date.value == "2025-05-12"


def test_stockpile_release_one_event_per_material() -> None:
    d = draft(
        "KUNMING, Oct. 22 - A court in China's Yunnan province will auction stocks held by the collapsed Fanya Metal Exchange on Sunday, "
        "including 191,246 kg of gallium and 92,310 kg of germanium.",
        dt.date(2019, 10, 22),
    )
    got = sorted((e.materials[0], e.value, e.unit, e.date.value if e.date else None) for e in d.events if e.type == "stockpile_release")
    assert got == [("gallium", 191246.0, "kg", "2019-10-27"), ("germanium", 92310.0, "kg", "2019-10-27")]


def test_capacity_change_located_where_the_plant_is() -> None:
    d = draft(
        "SYDNEY, May 16 - Lynas Rare Earths said on Friday it had produced its first separated dysprosium oxide at its plant in Malaysia.",
        dt.date(2025, 5, 16),
    )
    ev = only(d, "capacity_change")
    assert (ev.actor, ev.materials) == ("MYS", ["dysprosium"])


def test_capacity_with_a_yearly_amount() -> None:
    d = draft(
        "The first phase of the plant in Estonia, due to be finished in 2025, will be able to make about 2,000 tonnes a year of rare-earth magnets."
    )
    ev = only(d, "capacity_change")
    assert (ev.actor, ev.value, ev.unit, ev.date.value if ev.date else None) == ("EST", 2000.0, "t/yr", "2025")


def test_substitution() -> None:
    d = draft("Japanese carmakers are substituting rare-earth magnets in their motors, the Nikkei reported.")
    ev = only(d, "substitution")
    assert ev.actor == "JPN" and ev.materials == ["rare earth magnets"]


def test_generic_material_takes_the_articles_main_material() -> None:
    d = draft(
        "China restricted rare earth exports to Japan. Beijing's April decision to suspend exports of several critical minerals hurt carmakers."
    )
    bans = [e for e in d.events if e.type == "export_ban"]
    assert bans and bans[0].materials == ["rare earths"] and any("assumed" in n for n in bans[0].notes)


def test_negated_and_denied_measures_are_not_events() -> None:
    d = draft(
        "On Thursday, the Commerce Ministry rejected reports that Beijing was tightening rare-earth exports to Japan. "
        "He said China had issued no ban of that kind."
    )
    assert d.events == []
    assert any(c.kind == "denial" for c in d.claims)


def test_hedged_measures_are_not_events() -> None:
    d = draft("Japan plans to restrict exports of rare earths. The state reserve may auction cobalt stocks, traders said.")
    assert d.events == []


def test_quoted_expectations_are_claims_not_events() -> None:
    d = draft("“We expect export controls to be eased and rare earths released in volume,” said White House adviser Kevin Hassett.")
    assert d.events == [] and d.claims and d.claims[0].by == "USA"


def test_lift_of_a_quota() -> None:
    d = draft("BEIJING, Jan. 5 - China has abolished its export quotas for rare earths, the Commerce Ministry said on Monday.", dt.date(2015, 1, 5))
    ev = only(d, "quota")
    assert ev.lift and ev.materials == ["rare earths"]


def test_lift_takes_what_the_lifted_measure_covered() -> None:
    d = draft(
        "China had placed dozens of U.S. companies under sanctions that cut off their access to rare earths. "
        "That special restriction was suspended for 90 days as of Wednesday.",
        dt.date(2025, 5, 15),
    )
    lift = next(e for e in d.events if e.lift)
    assert (lift.type, lift.destinations, lift.materials) == ("export_ban", ["USA"], ["rare earths"])
    assert lift.date is not None and lift.date.value == "2025-05-14"


def test_whitelist_for_named_buyers() -> None:
    d = draft(
        "Reuters reported that China had granted temporary export licences to suppliers serving the top three US automakers, easing rare earth curbs."
    )
    ev = only(d, "licence")
    assert ev.destinations == ["USA"] and ev.whitelist and ev.whitelist[0].importer == "USA"
    assert "automakers" in ev.whitelist[0].label and ev.attributed_to == "Reuters"


def test_legal_cases_are_not_events() -> None:
    d = draft("The EU, the US and Japan filed a complaint at the World Trade Organization over Chinese restrictions on exports of rare earths.")
    assert d.events == []


def test_tariff_on_goods_of_a_named_origin() -> None:
    d = draft(
        "WASHINGTON, Jan. 10 - The United States will impose a 25% tariff on imports of Chinese graphite from March 1, "
        "the White House said on Friday.",
        dt.date(2025, 1, 10),
    )
    ev = only(d, "tariff")
    assert (ev.actor, ev.target, ev.materials, ev.value) == ("USA", "CHN", ["graphite"], 0.25)


def test_industry_words_are_not_materials() -> None:
    d = draft(
        "TOKYO, March 3 - Japan will release part of its state stockpile of dysprosium to domestic magnet makers over 90 days starting April 1, "
        "the trade ministry said on Monday.",
        dt.date(2025, 3, 3),
    )
    ev = only(d, "stockpile_release")
    assert (ev.actor, ev.materials, ev.date.value if ev.date else None) == ("JPN", ["dysprosium"], "2025-04-01")


def test_suspending_a_ban_is_a_lift_and_until_is_not_a_start() -> None:
    d = draft(
        "BEIJING, Nov. 9 - China suspended its ban on exports of gallium, germanium and antimony to the United States until November 2026, "
        "the Commerce Ministry said on Sunday.",
        dt.date(2025, 11, 9),
    )
    ev = only(d, "export_ban")
    assert ev.lift and ev.destinations == ["USA"] and ev.date is None
    assert ev.announced is not None and ev.announced.value == "2025-11-09"
