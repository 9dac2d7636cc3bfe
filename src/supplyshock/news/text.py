"""Read an article: plain text or HTML, one file or a folder; refuse what is not an English news text.

HTML is parsed with the standard library's :class:`html.parser.HTMLParser`: the text of the
``<article>`` element when there is one (else of ``<body>``), without ``script``, ``style``,
``nav``, ``header``, ``footer``, ``aside``, ``form`` and similar boilerplate. Block elements
(paragraphs, headings, list items) become paragraphs.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from supplyshock.news.errors import ArticleError

__all__ = [
    "MAX_ARTICLE_BYTES",
    "MAX_ARTICLE_CHARS",
    "Article",
    "check_english",
    "html_to_text",
    "looks_like_html",
    "read_article",
    "read_articles",
]

#: Largest article file read (bytes). A news report is a few kilobytes; a bigger file is refused unread.
MAX_ARTICLE_BYTES = 2_000_000
#: Longest article text drafted (characters, after HTML is stripped). A wire report is a few
#: thousand characters and a long feature under 50,000; a longer text is a compilation to split.
MAX_ARTICLE_CHARS = 200_000
#: File name endings read from a folder.
ARTICLE_SUFFIXES = (".txt", ".html", ".htm", ".md")

_SKIP = {"script", "style", "nav", "header", "footer", "aside", "form", "noscript", "template", "svg", "iframe", "button", "select", "figure"}
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr", "section", "blockquote", "article", "title"}
_BOILERPLATE_CLASS = re.compile(
    r"cookie|paywall|newsletter|banner|ticker|related|share|advert|promo|subscribe|byline|meta|timestamp|dateline|date", re.I
)
_VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "area", "base", "col", "embed", "param", "track"}


@dataclass(frozen=True)
class Article:
    """The text of one article.

    Attributes
    ----------
    label : str
        File name (or the label given).
    text : str
        Paragraphs separated by blank lines; the headline first when one was found.
    published : datetime.date or None
        A publication date found in the file (HTML metadata or a date line), if any.
    """

    label: str
    text: str
    published: dt.date | None = None


class _Extractor(HTMLParser):
    """Collect the text of an HTML page, block by block, skipping boilerplate elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: dict[str, list[list[str]]] = {"article": [], "body": [], "title": []}
        self.meta_dates: list[str] = []
        self._stack: list[tuple[str, bool]] = []
        self._skip_depth = 0
        self._in_article = 0
        self._in_title = False
        self._current: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "meta" and re.search(r"published|date", a.get("property", "") + a.get("name", ""), re.I):
            self.meta_dates.append(a.get("content", ""))
        if tag == "time" and a.get("datetime"):
            self.meta_dates.append(a["datetime"])
        if tag in _VOID:
            if tag == "br":
                self._flush()
            return
        skip = tag in _SKIP or bool(_BOILERPLATE_CLASS.search(a.get("class", "") + " " + a.get("id", "")))
        self._stack.append((tag, skip))
        if skip:
            self._skip_depth += 1
        if tag in _BLOCK:
            self._flush()
        if tag == "article":
            self._in_article += 1
        if tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID or not any(t == tag for t, _ in self._stack):
            return
        while self._stack:
            name, skip = self._stack.pop()
            if skip:
                self._skip_depth -= 1
            if name in _BLOCK:
                self._flush()
            if name == "article":
                self._in_article -= 1
            if name == "title":
                self._in_title = False
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.blocks["title"].append([data])
            return
        if self._skip_depth == 0:
            self._current.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._current).split())
        self._current = []
        if not text:
            return
        self.blocks["body"].append([text])
        if self._in_article:
            self.blocks["article"].append([text])


def looks_like_html(text: str) -> bool:
    """True when the text starts like an HTML document or fragment."""
    head = text.lstrip()[:1000].lower()
    return head.startswith(("<!doctype html", "<html")) or bool(re.search(r"<(body|article|p|div|h1)[\s>]", head))


def html_to_text(html: str) -> tuple[str, list[str]]:
    """The readable text of an HTML page and the dates its metadata gives.

    Parameters
    ----------
    html : str

    Returns
    -------
    tuple of (str, list of str)
        Paragraphs separated by blank lines (the ``<article>`` element's when there is
        one, else the body's), and the ``published``/``datetime`` values found.
    """
    parser = _Extractor()
    parser.feed(html)
    parser.close()
    parser._flush()
    blocks = parser.blocks["article"] or parser.blocks["body"]
    return "\n\n".join(b[0] for b in blocks), parser.meta_dates


_STOPWORDS = frozenset(
    {
        "the",
        "of",
        "and",
        "to",
        "in",
        "a",
        "is",
        "that",
        "for",
        "on",
        "with",
        "as",
        "was",
        "at",
        "by",
        "it",
        "from",
        "said",
        "has",
        "have",
        "be",
        "are",
        "its",
        "will",
        "this",
        "an",
        "were",
        "which",
        "not",
        "or",
        "but",
    }
)


def check_english(text: str, label: str) -> None:
    """Refuse a text that is not English prose (too few ASCII letters or English stopwords).

    Raises
    ------
    ArticleError
        With the measured shares.
    """
    letters = [c for c in text if c.isalpha()]
    ascii_share = sum(c.isascii() for c in letters) / max(1, len(letters))
    words = re.findall(r"[^\W\d_]+", text.lower())
    stop_share = sum(w in _STOPWORDS for w in words) / max(1, len(words))
    if len(words) < 8:
        raise ArticleError(f"{label}: only {len(words)} word(s) of text; a news report is needed; nothing was written")
    if ascii_share < 0.8 or stop_share < 0.08:
        raise ArticleError(
            f"{label}: does not look like English text ({ascii_share:.0%} Latin letters, {stop_share:.0%} common English words); "
            "the drafter reads English news reports only; nothing was written"
        )


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    if not path.exists():
        raise ArticleError(f"{path}: no such file; nothing was written")
    if not path.is_file():
        raise ArticleError(f"{path}: not a regular file; nothing was written")
    size = path.stat().st_size
    if size > max_bytes:
        raise ArticleError(f"{path}: {size:,} bytes is more than the {max_bytes:,} bytes a news report may have; nothing was read or written")
    with open(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ArticleError(f"{path}: more than {max_bytes:,} bytes; nothing was written")
    return data


_DATE_IN_TEXT = re.compile(
    r"\b(\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|December) \d{4}"
    r"|(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}"
    r"|\d{4}-\d{2}-\d{2})\b"
)


def find_publication_date(candidates: list[str]) -> dt.date | None:
    """The first full date in the candidates (ISO, "3 December 2024" or "May 12, 2025")."""
    for text in candidates:
        m = _DATE_IN_TEXT.search(text)
        if not m:
            continue
        raw = m.group(1)
        for fmt in ("%Y-%m-%d", "%d %B %Y", "%B %d, %Y"):
            try:
                return dt.datetime.strptime(raw, fmt).date()
            except ValueError:
                continue
    return None


def text_from_source(raw: str, label: str) -> Article:
    """An :class:`Article` from the text of a file or a pasted article (plain text or HTML).

    Raises
    ------
    ArticleError
        Empty, not English.
    """
    if not raw.strip():
        raise ArticleError(f"{label}: the article is empty; nothing was written")
    published = None
    if looks_like_html(raw):
        text, meta = html_to_text(raw)
        published = find_publication_date(meta) or find_publication_date([raw[:20000]])
        if not text.strip():
            raise ArticleError(f"{label}: the HTML page holds no article text (only scripts, navigation or markup); nothing was written")
    else:
        text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > MAX_ARTICLE_CHARS:
        raise ArticleError(
            f"{label}: the article text is {len(text):,} characters long, more than {MAX_ARTICLE_CHARS:,}"
            " (a news report is a few thousand): split it into its articles, one file each in a folder; nothing was written"
        )
    check_english(text, label)
    return Article(label=label, text=text.strip(), published=published)


def read_article(path: str | Path, *, max_bytes: int = MAX_ARTICLE_BYTES) -> Article:
    """Read one article file (plain text or HTML, UTF-8).

    Parameters
    ----------
    path : str or Path
    max_bytes : int
        Larger files are refused before they are read.

    Raises
    ------
    ArticleError
        Missing, too large, not UTF-8, empty, not English.
    """
    p = Path(path)
    data = _read_bytes(p, max_bytes)
    if b"\x00" in data[:4096]:
        raise ArticleError(f"{p}: a binary file, not a text article; nothing was written")
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(f"{p}: not UTF-8 text (byte {exc.start}); save the article as UTF-8; nothing was written") from exc
    return text_from_source(raw, p.name)


def read_articles(path: str | Path, *, max_bytes: int = MAX_ARTICLE_BYTES) -> list[Article]:
    """Read an article file, or every ``.txt``/``.html``/``.htm``/``.md`` file of a folder (sorted by name).

    Raises
    ------
    ArticleError
        As :func:`read_article`, or a folder with no article file.
    """
    p = Path(path)
    if not p.is_dir():
        return [read_article(p, max_bytes=max_bytes)]
    files = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in ARTICLE_SUFFIXES)
    if not files:
        raise ArticleError(f"{p}: no article files ({', '.join(ARTICLE_SUFFIXES)}) in the folder; nothing was written")
    return [read_article(f, max_bytes=max_bytes) for f in files]
