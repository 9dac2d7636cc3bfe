"""The one atomic-write helper for files (supplyshock.atomic)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from supplyshock.atomic import FILE_MODE, StagedFiles, atomic_write, atomic_write_bytes, atomic_write_text


def test_text_and_bytes_replace_the_target(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    assert atomic_write_text(target, "first\n") == target
    atomic_write_text(target, "second\n")
    assert target.read_text() == "second\n"
    atomic_write_bytes(tmp_path / "b.bin", b"\x00\x01")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert stat.S_IMODE(target.stat().st_mode) == FILE_MODE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin"]


def test_a_failing_writer_leaves_the_target_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old\n")

    def half(tmp: Path) -> None:
        tmp.write_text("half a fi")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, half)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_staged_files_are_written_all_or_none(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("old a\n")
    with pytest.raises(OSError, match="disk full"), StagedFiles() as staged:
        staged.add(tmp_path / "a.txt", lambda tmp: tmp.write_text("new a\n"))
        staged.add(tmp_path / "b.txt", lambda tmp: (_ for _ in ()).throw(OSError("disk full")))
        staged.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    assert (tmp_path / "a.txt").read_text() == "old a\n"

    with StagedFiles() as staged:
        staged.add(tmp_path / "a.txt", lambda tmp: tmp.write_text("new a\n"))
        staged.add(tmp_path / "b.txt", lambda tmp: tmp.write_text("new b\n"))
        assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["a.txt"]
        assert staged.commit() == [tmp_path / "a.txt", tmp_path / "b.txt"]
    assert [(tmp_path / n).read_text() for n in ("a.txt", "b.txt")] == ["new a\n", "new b\n"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_a_block_left_without_commit_writes_nothing(tmp_path: Path) -> None:
    with StagedFiles() as staged:
        staged.add(tmp_path / "a.txt", lambda tmp: tmp.write_text("a\n"))
    assert list(tmp_path.iterdir()) == []
