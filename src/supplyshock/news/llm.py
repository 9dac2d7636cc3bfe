"""Optional backend: ask a language model behind an OpenAI-compatible endpoint for the same structure.

Off unless asked for (``supplyshock draft --llm``). Configured from the environment:

``SUPPLYSHOCK_LLM_BASE_URL``
    The endpoint's base URL (``.../v1``); ``/chat/completions`` is appended.
``SUPPLYSHOCK_LLM_MODEL``
    The model name.
``SUPPLYSHOCK_LLM_API_KEY``
    The key, sent as a bearer token (optional for local servers).

The model sees the article's numbered sentences and returns JSON: events, observations and
claims, each naming its sentence. Its answer is checked as strictly as the rules' output:
an item with an unknown type, a sentence number that does not exist, a government or a
material the resolvers do not know, or a malformed date is dropped and noted in
``Draft.notes``. Dates must be absolute (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``); numbers
must appear in the article's text. Confidence is capped at 0.6. The draft then goes through
the same scenario writer and validation as the rule-based one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass
from typing import Any

from supplyshock.news.errors import LLMError
from supplyshock.news.lexicon import material_phrases
from supplyshock.news.mentions import resolve_actor_text
from supplyshock.news.model import Claim, DateValue, Draft, DraftEvent, Observation, Sentence
from supplyshock.news.sentences import split_article
from supplyshock.scenario import EVENT_TYPES

__all__ = ["LLMConfig", "draft_with_llm"]

_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_MAX_CONFIDENCE = 0.6
_SYSTEM = (
    "You extract export-control policy events from a news report for a supply-chain simulator. "
    "Answer with one JSON object and nothing else: "
    '{"events": [{"type": one of %s, "actor": ISO3 or EU or null, "parties": [ISO3...], "target": ISO3 or "all" or null, '
    '"destinations": "all" or [ISO3...], "materials": [names], "date": "YYYY[-MM[-DD]]" or null, "announced": same or null, '
    '"value": number or null, "unit": "rate" | "t" | "kg" | "t/yr" | "", "lift": bool, "sentence": number}], '
    '"observations": [{"subject": "exports"|"imports"|"production"|"price", "reporter": ISO3|EU|WLD, "partner": ISO3|EU|WLD, '
    '"materials": [names], "period": "YYYY-MM" or "YYYY" or null, "value": number or null, "unit": text, "change_pct": number or null, '
    '"comparison": "yoy"|"mom"|"level", "sentence": number}], '
    '"claims": [{"by": text, "about": ISO3, "kind": "accusation"|"denial"|"justification"|"threat"|"forecast"|"commitment"|"statement", '
    '"sentence": number}]}. '
    "Resolve relative dates against the publication date; never invent a number the text does not give (use null). "
    "Tariff rates are fractions (0.34 for 34%%). Materials use these names: %s."
)


@dataclass(frozen=True)
class LLMConfig:
    """Where and how to call the model."""

    base_url: str
    model: str
    api_key: str | None = None
    timeout: float = 120.0

    @classmethod
    def from_env(cls) -> LLMConfig:
        """Read ``SUPPLYSHOCK_LLM_BASE_URL``, ``SUPPLYSHOCK_LLM_MODEL`` and ``SUPPLYSHOCK_LLM_API_KEY``.

        Raises
        ------
        LLMError
            The base URL or the model is not set.
        """
        base = os.environ.get("SUPPLYSHOCK_LLM_BASE_URL", "").strip()
        model = os.environ.get("SUPPLYSHOCK_LLM_MODEL", "").strip()
        if not base or not model:
            raise LLMError(
                "the --llm backend needs SUPPLYSHOCK_LLM_BASE_URL (an OpenAI-compatible endpoint, e.g. http://localhost:8000/v1) "
                "and SUPPLYSHOCK_LLM_MODEL; SUPPLYSHOCK_LLM_API_KEY is optional; nothing was written"
            )
        return cls(base.rstrip("/"), model, os.environ.get("SUPPLYSHOCK_LLM_API_KEY") or None)


def _vocabulary() -> list[str]:
    return sorted({m for ms in material_phrases().values() for m in ms if m not in ("*", "-")})


def _messages(sentences: list[Sentence], published: dt.date) -> list[dict[str, str]]:
    numbered = "\n".join(f"[{s.index}] {s.text}" for s in sentences)
    system = _SYSTEM % (", ".join(EVENT_TYPES), ", ".join(_vocabulary()))
    return [{"role": "system", "content": system}, {"role": "user", "content": f"Publication date: {published}\n\n{numbered}"}]


def _call(config: LLMConfig, messages: list[dict[str, str]], client: Any | None) -> str:
    try:
        import httpx
    except ImportError as exc:  # pragma: no cover - httpx is installed with the server and test extras
        raise LLMError("the --llm backend needs httpx: pip install httpx") from exc
    headers = {"Content-Type": "application/json"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    body = {"model": config.model, "messages": messages, "temperature": 0, "response_format": {"type": "json_object"}}
    own = client is None
    http = client if client is not None else httpx.Client(timeout=config.timeout)
    try:
        resp = http.post(f"{config.base_url}/chat/completions", json=body, headers=headers)
    except httpx.HTTPError as exc:
        raise LLMError(f"the language model at {config.base_url} could not be reached: {exc}; nothing was written") from exc
    finally:
        if own:
            http.close()
    if resp.status_code != 200:
        raise LLMError(f"the language model answered HTTP {resp.status_code}: {resp.text[:300]}; nothing was written")
    try:
        return str(resp.json()["choices"][0]["message"]["content"])
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LLMError(f"the language model's answer is not an OpenAI chat completion: {resp.text[:300]}; nothing was written") from exc


def _parse_json(content: str) -> dict[str, Any]:
    text = content.strip()
    fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", text, re.S)
    if fenced:
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise LLMError(f"the language model did not answer with JSON ({exc}); nothing was written") from exc
    if not isinstance(data, dict):
        raise LLMError("the language model's JSON is not an object; nothing was written")
    return data


class _Checker:
    """Checks of the model's items against the article and the resolvers."""

    def __init__(self, sentences: list[Sentence], notes: list[str]) -> None:
        self.sentences = sentences
        self.notes = notes
        self.vocab = set(_vocabulary()) | {"all goods"}
        self.numbers = {float(x.replace(",", "")) for s in sentences for x in re.findall(r"\d[\d,]*(?:\.\d+)?", s.text)}

    def sentence(self, item: dict[str, Any], what: str) -> int | None:
        k = item.get("sentence")
        if isinstance(k, int) and 0 <= k < len(self.sentences):
            return k
        self.notes.append(f"llm: {what} dropped: sentence {k!r} is not a sentence of the article")
        return None

    def code(self, value: Any) -> str | None:
        if value in (None, "", "all"):
            return None if value != "all" else "all"
        return resolve_actor_text(str(value))

    def codes(self, values: Any) -> list[str]:
        return [c for c in (self.code(v) for v in (values or [])) if c and c != "all"]

    def materials(self, values: Any) -> list[str]:
        out = [str(v).lower() for v in (values or []) if str(v).lower() in self.vocab]
        dropped = [str(v) for v in (values or []) if str(v).lower() not in self.vocab]
        if dropped:
            self.notes.append(f"llm: unknown material(s) dropped: {', '.join(dropped)}")
        return out

    def date(self, value: Any) -> DateValue | None:
        if value in (None, ""):
            return None
        if isinstance(value, str) and _DATE.match(value):
            return DateValue(value, "llm")
        self.notes.append(f"llm: date {value!r} dropped (not YYYY, YYYY-MM or YYYY-MM-DD)")
        return None

    def number(self, value: Any, unit: str) -> float | None:
        if value is None:
            return None
        try:
            v = float(value)
        except (TypeError, ValueError):
            return None
        shown = v * 100 if unit == "rate" else v
        if not any(abs(shown - n) < 1e-6 * max(1.0, abs(n)) for n in self.numbers):
            self.notes.append(f"llm: value {value!r} dropped: the article gives no such number")
            return None
        return v


def _event(item: dict[str, Any], c: _Checker) -> DraftEvent | None:
    kind = item.get("type")
    k = c.sentence(item, f"event {kind}")
    if k is None or kind not in EVENT_TYPES:
        if kind not in EVENT_TYPES:
            c.notes.append(f"llm: event of unknown type {kind!r} dropped")
        return None
    unit = str(item.get("unit") or "")
    dest = item.get("destinations")
    ev = DraftEvent(
        type=str(kind),
        actor=c.code(item.get("actor")),
        parties=c.codes(item.get("parties")),
        target=c.code(item.get("target")),
        destinations="all" if dest in (None, "all") else c.codes(dest),
        materials=c.materials(item.get("materials")),
        date=c.date(item.get("date")),
        announced=c.date(item.get("announced")),
        value=c.number(item.get("value"), unit),
        unit=unit,
        lift=bool(item.get("lift")),
        sentences=[k],
        confidence=_MAX_CONFIDENCE,
        notes=["drafted by the language-model backend; check every field"],
    )
    ev.evidence = {f: k for f in ("type", "actor", "parties", "target", "destinations", "materials", "date", "announced", "value")}
    return ev


def _observation(item: dict[str, Any], c: _Checker, sentences: list[Sentence]) -> Observation | None:
    k = c.sentence(item, "observation")
    if k is None or item.get("subject") not in ("exports", "imports", "production", "price"):
        return None
    period = item.get("period")
    return Observation(
        subject=str(item["subject"]),
        reporter=c.code(item.get("reporter")) or "WLD",
        partner=c.code(item.get("partner")) or "WLD",
        materials=c.materials(item.get("materials")),
        period=str(period) if isinstance(period, str) and re.match(r"^\d{4}(-\d{2})?(\.\.\d{4}-\d{2})?$", period) else None,
        value=c.number(item.get("value"), ""),
        unit=str(item.get("unit") or ""),
        change_pct=_change(item.get("change_pct"), c),
        comparison=str(item.get("comparison") or "level"),
        sentence=k,
        confidence=_MAX_CONFIDENCE,
        text=sentences[k].text,
    )


def _change(value: Any, c: _Checker) -> float | None:
    """A reported change, kept only when the article gives that number."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return v if c.number(abs(v), "") is not None else None


def _claim(item: dict[str, Any], c: _Checker, sentences: list[Sentence]) -> Claim | None:
    k = c.sentence(item, "claim")
    if k is None:
        return None
    by = str(item.get("by") or "").strip() or "unknown"
    return Claim(
        by=c.code(by) or by,
        about=c.code(item.get("about")) or "",
        kind=str(item.get("kind") or "statement"),
        summary=sentences[k].text,
        sentence=k,
        confidence=_MAX_CONFIDENCE,
    )


def draft_with_llm(text: str, published: dt.date, *, source: str = "<article>", config: LLMConfig | None = None, client: Any | None = None) -> Draft:
    """Draft with the language-model backend.

    Parameters
    ----------
    text : str
        The article (plain text).
    published : datetime.date
    source : str
    config : LLMConfig, optional
        Default: :meth:`LLMConfig.from_env`.
    client : httpx.Client, optional
        For tests (a client with a mock transport); default: a new client.

    Raises
    ------
    LLMError
        Not configured, unreachable, or an answer that is not the expected JSON.
    """
    config = config or LLMConfig.from_env()
    sentences = split_article(text).sentences
    data = _parse_json(_call(config, _messages(sentences, published), client))
    notes: list[str] = []
    checker = _Checker(sentences, notes)
    events = [e for e in (_event(i, checker) for i in data.get("events") or [] if isinstance(i, dict)) if e is not None]
    observations = [o for o in (_observation(i, checker, sentences) for i in data.get("observations") or [] if isinstance(i, dict)) if o is not None]
    claims = [c for c in (_claim(i, checker, sentences) for i in data.get("claims") or [] if isinstance(i, dict)) if c is not None]
    return Draft(
        source=source, published=published, sentences=sentences, events=events, observations=observations, claims=claims, backend="llm", notes=notes
    )
