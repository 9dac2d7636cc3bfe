"""The optional language-model backend, with the endpoint mocked (no network)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest

from supplyshock.news import LLMError
from supplyshock.news.llm import LLMConfig, draft_with_llm
from supplyshock.news.scenario import scenario_from_draft

TEXT = (
    "China curbs gallium exports\n\n"
    "BEIJING, July 4 - China will require exporters of gallium and germanium to obtain licences starting Aug. 1, "
    "the Ministry of Commerce said on Monday.\n\n"
    "China produces about 80% of the world's gallium."
)
CONFIG = LLMConfig("http://llm.test/v1", "test-model", "secret")


def _client(answer: Any, status: int = 200, seen: list[dict[str, Any]] | None = None) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append({"url": str(request.url), "auth": request.headers.get("Authorization"), "body": json.loads(request.content)})
        content = answer if isinstance(answer, str) else json.dumps(answer)
        return httpx.Response(status, json={"choices": [{"message": {"content": content}}]})

    return httpx.Client(transport=httpx.MockTransport(handler))


GOOD = {
    "events": [
        {
            "type": "licence",
            "actor": "China",
            "destinations": "all",
            "materials": ["gallium", "germanium"],
            "date": "2023-08-01",
            "announced": "2023-07-03",
            "value": None,
            "unit": "",
            "lift": False,
            "sentence": 1,
        },
        {"type": "quota", "actor": "CHN", "materials": ["gallium"], "date": "2023-08-01", "value": 5000, "unit": "t", "sentence": 1},
        {"type": "teleport", "sentence": 1},
        {"type": "export_ban", "actor": "CHN", "materials": ["unobtainium"], "date": "next week", "sentence": 99},
    ],
    "observations": [
        {
            "subject": "production",
            "reporter": "CHN",
            "partner": "WLD",
            "materials": ["gallium"],
            "period": None,
            "value": 80,
            "unit": "% of world production",
            "comparison": "level",
            "sentence": 2,
        }
    ],
    "claims": [{"by": "Ministry of Commerce", "about": "CHN", "kind": "justification", "sentence": 1}],
}


def test_answer_is_checked_like_the_rules_output() -> None:
    seen: list[dict[str, Any]] = []
    d = draft_with_llm(TEXT, dt.date(2023, 7, 4), config=CONFIG, client=_client(GOOD, seen=seen))
    assert seen[0]["url"] == "http://llm.test/v1/chat/completions" and seen[0]["auth"] == "Bearer secret"
    assert seen[0]["body"]["model"] == "test-model" and "[1] China will require" in seen[0]["body"]["messages"][1]["content"]
    assert d.backend == "llm"
    kinds = [(e.type, e.actor, e.value) for e in d.events]
    assert kinds == [("licence", "CHN", None), ("quota", "CHN", None)]  # 5000 t is not in the text: dropped
    assert any("5000" in n for n in d.notes) and any("teleport" in n for n in d.notes) and any("sentence 99" in n for n in d.notes)
    assert all(e.confidence <= 0.6 for e in d.events)
    assert d.observations[0].value == 80 and d.claims[0].by == "CHN"


def test_llm_draft_goes_through_the_same_scenario_writer() -> None:
    d = draft_with_llm(TEXT, dt.date(2023, 7, 4), config=CONFIG, client=_client({"events": GOOD["events"][:1]}))
    sd = scenario_from_draft(d)
    assert [e.kind for e in sd.scenario.events] == ["licence"] and "language-model backend" in sd.text


def test_fenced_json_is_accepted() -> None:
    d = draft_with_llm(TEXT, dt.date(2023, 7, 4), config=CONFIG, client=_client("```json\n" + json.dumps({"events": []}) + "\n```"))
    assert d.events == []


@pytest.mark.parametrize(
    ("answer", "status", "message"), [("not json", 200, "JSON"), ({"events": []}, 500, "HTTP 500"), ("[1, 2]", 200, "not an object")]
)
def test_bad_answers(answer: Any, status: int, message: str) -> None:
    with pytest.raises(LLMError, match=message):
        draft_with_llm(TEXT, dt.date(2023, 7, 4), config=CONFIG, client=_client(answer, status))


def test_unreachable_endpoint() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(LLMError, match="could not be reached"):
        draft_with_llm(TEXT, dt.date(2023, 7, 4), config=CONFIG, client=httpx.Client(transport=httpx.MockTransport(refuse)))


def test_configuration_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUPPLYSHOCK_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("SUPPLYSHOCK_LLM_MODEL", raising=False)
    with pytest.raises(LLMError, match="SUPPLYSHOCK_LLM_BASE_URL"):
        LLMConfig.from_env()
    monkeypatch.setenv("SUPPLYSHOCK_LLM_BASE_URL", "http://x/v1/")
    monkeypatch.setenv("SUPPLYSHOCK_LLM_MODEL", "m")
    monkeypatch.delenv("SUPPLYSHOCK_LLM_API_KEY", raising=False)
    assert LLMConfig.from_env() == LLMConfig("http://x/v1", "m", None)
