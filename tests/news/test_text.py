"""Reading articles: HTML without its boilerplate, folders, and bad input refused with a clear message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from supplyshock.errors import SupplyShockError
from supplyshock.news import ArticleError, NoEventError, draft_file, draft_path, read_article
from supplyshock.news.output import write_draft
from supplyshock.news.pipeline import draft_from_text
from supplyshock.news.text import MAX_ARTICLE_BYTES, MAX_ARTICLE_CHARS, html_to_text

ARTICLE = (
    "China restricts gallium exports\n\n"
    "BEIJING, July 4 - China will require exporters of gallium and germanium to obtain licences starting Aug. 1, "
    "the Ministry of Commerce said on Monday, bringing the two metals under export control."
)


def test_html_keeps_the_article_and_drops_scripts_and_navigation() -> None:
    html = (
        "<html><head><title>T</title><script>var Markets = 'export ban';</script></head><body>"
        "<nav><a>Markets</a> <a>Prices</a> <a>Subscribe</a></nav><div class='cookie-banner'>We use cookies</div>"
        "<article><h1>Headline here</h1><p class='byline'>Staff</p><p>First paragraph of the story.</p><p>Second &amp; last.</p></article>"
        "<aside>Most read</aside><footer>Terms</footer></body></html>"
    )
    text, _meta = html_to_text(html)
    assert text == "Headline here\n\nFirst paragraph of the story.\n\nSecond & last."


def test_html_files_of_the_labelled_set(news_dir: Path) -> None:
    a = read_article(news_dir / "022-china-bans-gallium-germanium-antimony-exports-to-us.html")
    assert a.published == dt.date(2024, 12, 3)
    assert "Subscribe" not in a.text and "_paq" not in a.text and a.text.startswith("China bans gallium")


def test_folder_of_articles(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "b.html").write_text(f"<html><body><article><p>{ARTICLE}</p></article></body></html>", encoding="utf-8")
    (tmp_path / "notes.csv").write_text("x", encoding="utf-8")
    drafts = draft_path(tmp_path, dt.date(2023, 7, 4))
    assert [d.source for d in drafts] == ["a.txt", "b.html"] and all(d.events for d in drafts)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "empty"),
        ("   \n\n  ", "empty"),
        ("中国商务部宣布对镓和锗相关物项实施出口管制，自八月一日起正式实施。这是一篇中文新闻报道，并非英文。" * 3, "English"),
        ("Der Handelsminister hat heute angekündigt, dass die Ausfuhren von Gallium und Germanium künftig genehmigungspflichtig sind.", "English"),
        ("<html><head><script>var x = 1;</script></head><body><nav>Home</nav></body></html>", "no article text"),
    ],
)
def test_bad_input_is_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.html"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ArticleError, match=message):
        draft_file(path, dt.date(2025, 1, 1))


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    opened: list[str] = []
    real_open = open

    def spy(file: object, *args: object, **kwargs: object) -> object:
        opened.append(str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", spy)
    with pytest.raises(ArticleError, match=f"more than the {MAX_ARTICLE_BYTES:,} bytes"):
        read_article(path)
    assert str(path) not in opened


@pytest.mark.parametrize("size", [MAX_ARTICLE_CHARS + 1, 999_000, MAX_ARTICLE_BYTES - 10_000])
def test_a_text_too_long_to_be_one_article_is_refused_before_drafting(tmp_path: Path, size: int) -> None:
    """Under the file limit but one paragraph of a million characters: the package's error, not spaCy's."""
    sentence = "China will restrict exports of gallium from August 1, the commerce ministry said. "
    path = tmp_path / "long.txt"
    path.write_text((sentence * (size // len(sentence) + 1))[:size], encoding="utf-8")
    with pytest.raises(ArticleError, match="split it into its articles"):
        read_article(path)


def test_binary_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(ArticleError, match="binary"):
        read_article(tmp_path / "x.txt")
    with pytest.raises(ArticleError, match="no such file"):
        read_article(tmp_path / "missing.txt")


def test_no_publication_date(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    with pytest.raises(ArticleError, match="--date"):
        draft_file(tmp_path / "a.txt")


def test_no_event_writes_nothing(tmp_path: Path) -> None:
    d = draft_from_text(
        "Antimony prices in Europe climbed to record highs this week, traders said, as supply stayed tight for months.", dt.date(2024, 5, 23)
    )
    with pytest.raises(NoEventError, match="nothing was written"):
        write_draft(d, tmp_path / "out.yaml")
    assert list(tmp_path.iterdir()) == []


def test_errors_are_supplyshock_errors() -> None:
    assert issubclass(ArticleError, SupplyShockError) and issubclass(NoEventError, SupplyShockError)
