"""Atomic file writes: readers see the old file or the complete new one, never half a file.

Every writer goes the same way: the content is written to a new hidden temporary file in
the target's directory (``.<name>.<random>.tmp``), flushed to disk, given the mode
``0o644`` and only then renamed over the target with :func:`os.replace`, which is atomic
within one file system. On any error the temporary file is removed and the target is left
as it was.

:func:`atomic_write` takes a writer callback, so any library that writes to a path fits
(netCDF through ``ds.to_netcdf``, parquet, CSV, PNG...); :func:`atomic_write_text` and
:func:`atomic_write_bytes` cover the common cases; :class:`StagedFiles` replaces several
files together, after all of them have been written.

Examples
--------
>>> atomic_write(path, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf"))  # doctest: +SKIP
>>> atomic_write_text(path, "hello\\n")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

__all__ = ["FILE_MODE", "StagedFiles", "atomic_write", "atomic_write_bytes", "atomic_write_text", "stage_file"]

#: Permissions of a file written here (the temporary file is created ``0o600``).
FILE_MODE = 0o644

#: A writer callback: writes the whole content to the path it is given.
Writer = Callable[[Path], object]


def stage_file(target: str | os.PathLike[str], write: Writer) -> Path:
    """Write a file's content to a new temporary file beside ``target``.

    Parameters
    ----------
    target
        The file that the content is meant for; its directory must exist.
    write
        Called with the temporary file's path; writes the whole content there (it may
        replace the empty file it is given).

    Returns
    -------
    pathlib.Path
        The temporary file, flushed to disk and with mode :data:`FILE_MODE`; rename it
        over ``target`` with :func:`os.replace` (or delete it).

    Raises
    ------
    Exception
        Whatever ``write`` raises; the temporary file is removed first.
    """
    final = Path(target)
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return tmp


def atomic_write(target: str | os.PathLike[str], write: Writer) -> Path:
    """Write ``target`` atomically through a writer callback.

    Parameters
    ----------
    target
        The file to write; its directory must exist. An existing file is replaced.
    write
        Called with a temporary path in the same directory; writes the whole content
        there, e.g. ``lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf")``.

    Returns
    -------
    pathlib.Path
        ``target``.

    Raises
    ------
    Exception
        Whatever ``write`` or the rename raises; ``target`` is then left as it was and
        no temporary file remains.
    """
    final = Path(target)
    tmp = stage_file(final, write)
    try:
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return final


def atomic_write_text(target: str | os.PathLike[str], text: str, *, encoding: str = "utf-8") -> Path:
    """Write text to ``target`` atomically.

    Parameters
    ----------
    target
        The file to write; its directory must exist.
    text
        The whole content.
    encoding
        Text encoding.

    Returns
    -------
    pathlib.Path
        ``target``.
    """
    return atomic_write(target, lambda tmp: tmp.write_text(text, encoding=encoding))


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write bytes to ``target`` atomically.

    Parameters
    ----------
    target
        The file to write; its directory must exist.
    data
        The whole content.

    Returns
    -------
    pathlib.Path
        ``target``.
    """
    return atomic_write(target, lambda tmp: tmp.write_bytes(data))


class StagedFiles:
    """Several files written first and renamed into place together.

    Use it as a context manager: :meth:`add` writes each file's content to a temporary
    file; :meth:`commit` renames them all over their targets. Leaving the block without a
    commit, or with an error, removes every temporary file, so an error while writing any
    of the files changes none of the targets.

    Examples
    --------
    >>> with StagedFiles() as staged:  # doctest: +SKIP
    ...     staged.add(out / "a.csv", lambda tmp: frame.to_csv(tmp))
    ...     staged.add(out / "manifest.json", lambda tmp: tmp.write_text(text))
    ...     written = staged.commit()
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []

    def add(self, target: str | os.PathLike[str], write: Writer) -> Path:
        """Write the content of ``target`` to a temporary file beside it.

        Parameters
        ----------
        target
            The file to write; its directory must exist.
        write
            The writer callback (see :func:`atomic_write`).

        Returns
        -------
        pathlib.Path
            ``target``.
        """
        final = Path(target)
        self._staged.append((stage_file(final, write), final))
        return final

    def commit(self) -> list[Path]:
        """Rename every staged file over its target, in the order added.

        Returns
        -------
        list of pathlib.Path
            The targets written.
        """
        for tmp, final in self._staged:
            os.replace(tmp, final)
        return [final for _, final in self._staged]

    def discard(self) -> None:
        """Remove the temporary files that were not renamed into place."""
        for tmp, _ in self._staged:
            with contextlib.suppress(OSError):
                tmp.unlink()
        self._staged = []

    def __enter__(self) -> StagedFiles:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.discard()
