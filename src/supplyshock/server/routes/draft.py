"""``/api/draft``: a news article in, a draft scenario out; ``/draft``: the page to paste, check, edit and run it.

The route calls :func:`supplyshock.news.preview` (the rules backend, offline and
deterministic) and answers with every drafted event and the sentence each of its fields
was read from, its confidence and TODOs, the claims and observations, and the scenario
YAML. It writes nothing on the server. The edited YAML is checked with ``POST
/api/validate`` and run with ``POST /api/runs``, as any scenario text.

Bad input is answered 4xx with a message that says what to change: a body over the
server's size limit (413, before it is read), text over :data:`MAX_ARTICLE_CHARS` or a
malformed date (422, naming the field), an empty, non-English or script-only article, a
dataset the server does not embed, or an article that reports no policy event (422).

The page is ``static/draft.html`` with its script ``static/draft.js`` (served at
``/draft/draft.js``); it loads nothing from elsewhere.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from supplyshock.network import list_datasets
from supplyshock.news import ArticleError, preview
from supplyshock.server.models import DraftRequest, DraftResponse
from supplyshock.server.problems import ERR, Unprocessable

__all__ = ["PAGE_FILES", "page_router", "router"]

#: The page's files (name under ``static/`` -> media type).
PAGE_FILES: dict[str, str] = {"draft.html": "text/html; charset=utf-8", "draft.js": "text/javascript"}
#: The label drafted events and YAML comments give the pasted text.
SOURCE = "pasted article"

router = APIRouter(tags=["news"])
page_router = APIRouter(include_in_schema=False)


def _events(draft: dict[str, Any], scenario: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The drafted events with each field's sentence and their fate in the scenario."""
    texts = {s["index"]: s["text"] for s in draft["sentences"]}
    fates = {e["index"]: e for e in (scenario or {}).get("events", [])}
    out = []
    for i, ev in enumerate(draft["events"]):
        fate = fates.get(i, {})
        out.append(
            {
                **ev,
                "index": i,
                "sources": {field: texts.get(k, "") for field, k in ev["evidence"].items()},
                "status": fate.get("status"),
                "scenario_id": fate.get("id"),
                "todos": list(fate.get("todos") or []),
            }
        )
    return out


@router.post("/api/draft", response_model=DraftResponse, responses={400: ERR, 413: ERR, 422: ERR})
def draft(body: DraftRequest) -> dict[str, Any]:
    """Draft a scenario from a news article (plain text or HTML). Nothing is written on the server.

    Each event comes with the sentence each field was read from, a confidence, notes on
    assumed fields and the TODOs the scenario leaves; claims and observations are kept
    apart. Check the YAML with /api/validate and run it with /api/runs.
    """
    if body.dataset is not None and body.dataset not in list_datasets():
        raise Unprocessable(f"dataset {body.dataset!r} is not one of this server's datasets: {', '.join(list_datasets())}")
    try:
        out = preview(body.text, body.date, body.dataset, source=SOURCE)
    except ArticleError as exc:
        raise Unprocessable(" ".join(str(exc).split())) from None
    draft = out["draft"]
    if not draft["events"]:
        raise Unprocessable(
            "the article reports no policy event (export ban, licence, quota, tariff, agreement, stockpile release, "
            f"capacity change); the drafter found {len(draft['observations'])} observation(s) and {len(draft['claims'])} claim(s); "
            "paste a report of a measure; nothing was drafted"
        )
    scenario = out["scenario"]
    return {
        **draft,
        "events": _events(draft, scenario),
        "scenario": None if scenario is None else {k: scenario[k] for k in ("name", "dataset", "yaml")},
        "message": out["message"],
    }


@functools.lru_cache(maxsize=len(PAGE_FILES))
def _file(name: str) -> str:
    return resources.files("supplyshock.server").joinpath("static", name).read_text(encoding="utf-8")


@page_router.get("/draft", response_class=HTMLResponse)
def draft_page() -> HTMLResponse:
    """The page: paste an article, see the draft with its sentences highlighted, edit, validate and run it."""
    return HTMLResponse(_file("draft.html"))


@page_router.get("/draft/draft.js")
def draft_script() -> Response:
    """The page's script."""
    return Response(_file("draft.js"), media_type=PAGE_FILES["draft.js"], headers={"Cache-Control": "no-cache"})
