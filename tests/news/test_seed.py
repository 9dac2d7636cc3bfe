"""The report that started the project, end to end (read from ../shared/seeds; skipped when absent)."""

from __future__ import annotations

from pathlib import Path

from supplyshock.news import Draft
from supplyshock.news.output import write_draft
from supplyshock.observed import read_long


def test_april_suspension(seed_draft: Draft) -> None:
    april = [
        e for e in seed_draft.events if e.type in ("export_ban", "licence") and e.actor == "CHN" and e.date and e.date.value.startswith("2025-04")
    ]
    assert april and "rare earths" in april[0].materials
    assert "April decision to suspend exports" in seed_draft.sentence_text(april[0].evidence["type"])


def test_licences_for_the_automakers_suppliers(seed_draft: Draft) -> None:
    lic = [e for e in seed_draft.events if e.type == "licence" and e.actor == "CHN" and e.destinations == ["USA"]]
    assert lic and lic[0].whitelist and lic[0].whitelist[0].importer == "USA"
    assert "top three US automakers" in lic[0].whitelist[0].label and lic[0].attributed_to == "Reuters"


def test_geneva_agreement_and_commitments(seed_draft: Draft) -> None:
    [geneva] = [e for e in seed_draft.events if e.type == "agreement"]
    assert geneva.parties == ["CHN", "USA"] and geneva.date is not None and geneva.date.value == "2025-05"
    assert any("Geneva" in seed_draft.sentence_text(i) for i in geneva.sentences)
    assert [(c.exporter, c.importer, c.materials) for c in geneva.commitments] == [("CHN", "USA", ["rare earths"])]
    accusation = [c for c in seed_draft.claims if c.by == "USA" and c.about == "CHN" and "commitments" in c.summary]
    assert accusation and accusation[0].kind == "accusation"
    assert any(c.kind == "commitment" and "agreed to resume" in c.summary for c in seed_draft.claims)


def test_may_customs_figure(seed_draft: Draft) -> None:
    [obs] = [o for o in seed_draft.observations if o.subject == "exports"]
    assert (obs.reporter, obs.partner, obs.period, obs.change_pct, obs.comparison) == ("CHN", "USA", "2025-05", -34.5, "yoy")


def test_files_validate_and_the_csv_reads(seed_draft: Draft, tmp_path: Path) -> None:
    w = write_draft(seed_draft, tmp_path / "london.yaml")
    assert {e.kind for e in w.draft.scenario.events} == {"agreement", "export_ban", "licence"}
    assert w.observed is not None
    frame = read_long(w.observed)
    assert frame[["exporter", "importer", "period"]].values.tolist() == [["CHN", "USA", "2025-05"]]
    assert frame["yoy_reported_pct"].tolist() == [-34.5]
    assert "share_of_demand: TODO" in w.scenario.read_text()
