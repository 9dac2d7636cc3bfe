"""Second-round rules: failure classes seen on the held-out set, each tested on new sentences written for the test.

None of these sentences comes from ``tests/data/news/heldout``; each exercises one general
class: goods outside the vocabulary, goods named once for two controls, sentences that say
what a measure covers, lifts that name the measure, plans and lobbying, tariffs reported
from the importer's side, one quota per material amount, and country names pycountry lacks.
"""

from __future__ import annotations

import datetime as dt

from news_helpers import draft, only

from supplyshock.news.events import outside_goods
from supplyshock.news.lexicon import nlp
from supplyshock.news.mentions import resolve_actor_text
from supplyshock.news.triggers import find_triggers


def test_a_ban_on_goods_outside_the_vocabulary_is_kept_without_materials() -> None:
    d = draft(
        "ACCRA, March 4 - Ghana will halt exports of raw manganese from July, the mines ministry said on Tuesday.\n\n"
        "Nickel and cobalt prices were little changed on the news.",
        dt.date(2025, 3, 4),
    )
    ev = only(d, "export_ban")
    assert (ev.actor, ev.materials) == ("GHA", [])
    assert outside_goods(ev) and any("manganese" in n for n in ev.notes)
    assert ev.date is not None and ev.date.value == "2025-07"
    assert not any("assumed" in n for n in ev.notes)  # not the article's main material


def test_outside_goods_and_vocabulary_goods_stay_apart() -> None:
    d = draft(
        "JAKARTA, May 2 - Indonesia will stop exports of copper concentrate from June, an official said on Friday. "
        "Indonesia stopped exports of nickel ore in 2020.",
        dt.date(2025, 5, 2),
    )
    bans = sorted((tuple(e.materials), e.date.value if e.date else None) for e in d.events if e.type == "export_ban")
    assert bans == [((), "2025-06"), (("nickel",), "2020")]


def test_goods_named_once_serve_both_controls_of_a_sentence() -> None:
    d = draft(
        "SANTIAGO, Jan. 9 - Chile will end its ban on lithium exports on Feb. 1 and cap shipments with quotas instead, "
        "the economy ministry said on Thursday.",
        dt.date(2025, 1, 9),
    )
    lift = only(d, "export_ban")
    quota = only(d, "quota")
    assert lift.lift and lift.materials == ["lithium"] and lift.date is not None and lift.date.value == "2025-02-01"
    assert not quota.lift and quota.materials == ["lithium"] and quota.actor == "CHL"


def test_a_sentence_on_what_a_prohibition_covers_adds_its_goods() -> None:
    d = draft(
        "LIMA, Aug. 5 - Peru has prohibited exports of several unprocessed minerals, the government said on Tuesday.\n\n"
        "The prohibition covers cobalt and graphite as well as tin.",
        dt.date(2025, 8, 5),
    )
    ev = only(d, "export_ban")
    assert ev.materials == ["cobalt", "graphite"] and ev.sentences == [0, 1]


def test_lift_verbs_name_the_measure_and_nouns_do_not_lift() -> None:
    def kinds(text: str) -> list[tuple[str, bool]]:
        return [(t.type, t.lift) for t in find_triggers(nlp().make_doc(text))]

    assert ("?", True) in kinds("Bolivia will end its embargo on lithium next month.")
    assert all(not lift for _k, lift in kinds("Prices fell after the end of the embargo on lithium."))
    d = draft(
        "Exporters of tungsten need licences, the ministry said.\n\nBolivia will end its embargo on lithium on March 3, officials said.",
        dt.date(2025, 2, 20),
    )
    lift = [e for e in d.events if e.lift]
    assert [(e.type, e.materials) for e in lift] == [("export_ban", ["lithium"])]  # "embargo" names a ban, not the last licence


def test_plans_and_lobbying_are_not_measures() -> None:
    assert not draft("HANOI, May 6 - Vietnam will develop a policy to ban exports of rare earth ore, the premier said on Tuesday.").events
    assert not draft("Vietnam is working on a ban on rare earth exports, officials said.").events
    assert not draft("Miners have lobbied for the ban on cobalt exports to be lifted, two sources said.").events
    assert not draft("China's efforts to restrict exports of gallium have alarmed buyers in Europe, traders said.").events


def test_a_tariff_reported_from_the_importers_side() -> None:
    d = draft(
        "WASHINGTON, March 3 - The tariff on graphite anodes from China will rise to 30% next year, while other Chinese "
        "critical minerals will face a 20% duty from July, the trade office said on Monday.",
        dt.date(2025, 3, 3),
    )
    tariffs = sorted((e.value, e.actor, e.target, tuple(e.materials)) for e in d.events if e.type == "tariff")
    assert tariffs[1] == (0.3, "USA", "CHN", ("graphite",))
    assert tariffs[0][:2] == (0.2, "USA")
    assert all("importer is taken from the article" in " ".join(e.notes) for e in d.events if e.type == "tariff")


def test_the_goods_before_a_rate_belong_to_it_only_after_a_tariff_word() -> None:
    d = draft("BEIJING, April 4 - China curbs antimony, slaps 20% tariff on U.S. goods.", dt.date(2025, 4, 4))
    assert [(e.value, e.materials) for e in d.events if e.type == "tariff"] == [(0.2, ["all goods"])]


def test_one_quota_per_material_amount() -> None:
    d = draft(
        "China sets 2020 export quotas for tungsten, antimony and silver\n\n"
        "BEIJING, Nov. 2 - China will cut its export quotas for tungsten, antimony and silver next year, the ministry said on Monday.\n\n"
        "The quota for tungsten is 12,000 tonnes, against 13,000 tonnes in 2019, and the antimony limit falls to 40,000 tonnes "
        "from 41,000 tonnes. Silver exports will be capped at 4,000 tonnes, compared with 4,500 tonnes in 2019.",
        dt.date(2019, 11, 2),
    )
    quotas = sorted((tuple(e.materials), e.value, e.date.value if e.date else None) for e in d.events if e.type == "quota")
    assert quotas == [((), 4000.0, "2020-01-01"), (("antimony",), 40000.0, "2020-01-01"), (("tungsten",), 12000.0, "2020-01-01")]


def test_a_cap_on_exports_is_a_quota() -> None:
    d = draft("TOKYO, Dec. 1 - Exports of indium will be capped at 200 tonnes next year, the ministry said on Friday.", dt.date(2023, 12, 1))
    ev = only(d, "quota")
    assert ev.materials == ["indium"] and ev.value == 200.0


def test_country_names_pycountry_lacks() -> None:
    assert resolve_actor_text("Russia") == "RUS" and resolve_actor_text("the Kremlin") == "RUS"
    assert resolve_actor_text("Britain") == "GBR" and resolve_actor_text("UK") == "GBR"
