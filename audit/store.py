"""The reports of a run, kept in a temporary file instead of memory.

A run over thousands of posts would otherwise hold every report (and, for the cross-post check, a skeleton of
every post) until the output is written, and its memory would grow with the corpus. `PostStore` is a sequence of
`PostReport`s that keeps the first `in_memory` reports as they are (a bounded amount: most runs never touch the
disk) and then moves them all to an anonymous temporary file (deleted when the store is closed or the process
ends), keeping only offsets: `append` pickles a report, reading one unpickles it. Formatters iterate over it like a
list.
"""
from __future__ import annotations

import pickle
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from typing import IO, Iterator, overload


IN_MEMORY = 200  # reports kept as objects before the store moves to its file (about 15 MB of them)


class PostStore(Sequence):
    """Reports in input order, on disk. `strip_post` drops each report's parsed post (or skeleton) as it is read."""

    def __init__(self, strip_post: bool = False, in_memory: int | None = None) -> None:
        self._file: IO[bytes] | None = None
        self._index: list[tuple[int, int]] = []
        self._memory: list | None = []  # the reports themselves, until there are more than `in_memory`
        self._limit = IN_MEMORY if in_memory is None else in_memory
        self._end = 0
        self.strip_post = strip_post

    @property
    def on_disk(self) -> bool:
        return self._memory is None

    def _spill(self) -> None:
        kept, self._memory = self._memory or [], None
        for report in kept:
            self._index.append(self._write(report))

    def _write(self, report) -> tuple[int, int]:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="audit-reports-")
        data = pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL)
        self._file.seek(self._end)
        self._file.write(data)
        at = (self._end, len(data))
        self._end += len(data)
        return at

    def append(self, report) -> None:
        if self._memory is not None:
            if len(self._memory) < self._limit:
                self._memory.append(report)
                return
            self._spill()
        self._index.append(self._write(report))

    def replace(self, i: int, report) -> None:
        """Put `report` in place of the i-th (on disk, the old bytes stay in the file, unreferenced)."""
        if self._memory is not None:
            self._memory[i] = report
        else:
            self._index[i] = self._write(report)

    def raw(self, i: int):
        """The i-th report as it was stored (with its post or skeleton)."""
        if self._memory is not None:
            return self._memory[i]
        offset, size = self._index[i]
        assert self._file is not None
        self._file.seek(offset)
        return pickle.loads(self._file.read(size))

    def _get(self, i: int):
        report = self.raw(i)
        if self.strip_post and report.post is not None:
            report = replace(report, post=None)
        return report

    @overload
    def __getitem__(self, i: int): ...

    @overload
    def __getitem__(self, i: slice) -> list: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._get(k) for k in range(len(self))[i]]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("post index out of range")
        return self._get(i)

    def __len__(self) -> int:
        return len(self._memory) if self._memory is not None else len(self._index)

    def __iter__(self) -> Iterator:
        for i in range(len(self)):
            yield self._get(i)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._index = []
        self._memory = []
        self._end = 0
