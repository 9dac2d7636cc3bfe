"""The library calls a server route needs: JSON in, JSON out."""

from __future__ import annotations

import datetime as dt
import json

from supplyshock.news import Draft, draft_from_text, preview

HTML = (
    "<html><body><nav>Markets</nav><article><h1>China curbs graphite</h1><p>BEIJING, Oct. 20 - China will require export permits for "
    "some graphite products from Dec. 1 to protect national security, the Commerce Ministry said on Friday.</p></article></body></html>"
)


def test_preview_is_json_and_highlights_sentences() -> None:
    out = json.loads(json.dumps(preview(HTML, dt.date(2023, 10, 20))))
    ev = out["draft"]["events"][0]
    assert ev["type"] == "licence" and ev["evidence"]["date"] == 1
    assert out["draft"]["sentences"][1]["text"].startswith("China will require export permits")
    assert out["scenario"]["dataset"] == "graphite" and out["scenario"]["events"][0]["status"] == "written"
    assert "type: licence" in out["scenario"]["yaml"]


def test_preview_without_a_writable_event() -> None:
    out = preview("JAKARTA, Sept. 2 - Indonesia will stop exports of nickel ore from Jan. 1, an official said on Monday.", dt.date(2019, 9, 2))
    assert out["scenario"] is None and "no policy event" in out["message"] and out["draft"]["events"]


def test_draft_round_trips_through_json() -> None:
    d = draft_from_text(HTML, dt.date(2023, 10, 20), dataset="graphite")
    back = Draft.from_dict(json.loads(json.dumps(d.to_dict())))
    assert back == d
