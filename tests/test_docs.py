"""The reference tables in docs/ are the ones the code and the schema generate."""

from __future__ import annotations

from pathlib import Path

from supplyshock.docs import generated_blocks, main, update_file

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_generated_blocks_are_up_to_date() -> None:
    stale = []
    blocks = generated_blocks()
    for path in sorted(DOCS.glob("*.md")):
        stale += [f"{path.name}: {b}" for b in update_file(path, blocks, check=True)]
    assert not stale, f"run `python -m supplyshock.docs` to regenerate: {stale}"


def test_check_fails_on_a_drifted_table(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text("<!-- generated: parameters -->\n| stale |\n<!-- end generated -->\n", encoding="utf-8")
    assert main(["--check", "--docs", str(tmp_path)]) == 1
    assert main(["--docs", str(tmp_path)]) == 0
    assert main(["--check", "--docs", str(tmp_path)]) == 0
    assert "utilisation" in doc.read_text(encoding="utf-8")
