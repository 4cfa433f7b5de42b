"""Atomic writes: a temporary file in the same folder, flushed and renamed over the target."""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Iterable


def atomic_write_bytes(path: Path, data: bytes, keep_mode: bool = True, mode: int | None = None) -> None:
    atomic_write_chunks(path, (data,), keep_mode, mode)


def atomic_write_chunks(path: Path, chunks: Iterable[bytes], keep_mode: bool = True, mode: int | None = None) -> None:
    """Write `chunks` to a temporary file beside `path`, then rename it over `path` (nothing is left on failure).
    The file gets `mode` when given, else the mode `path` had (`keep_mode`), else the usual one for a new file."""
    path = Path(path)
    if mode is None and keep_mode and path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
    if mode is None:  # a new file gets the usual permissions (0666 less the umask), not mkstemp's 0600
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent or Path(".")))
    try:
        with os.fdopen(fd, "wb") as fh:
            for data in chunks:
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
