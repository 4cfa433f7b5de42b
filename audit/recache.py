"""Compiled regular expressions kept on disk between runs.

`audit` compiles about 400 regular expressions before it reads the first post (the rule families, the rule packs,
and one large trie of institution names); compiling them is half of its start-up, about 0.4 s, every run. The
compiled form is plain data: Python's `re` parses a pattern (`re._parser`), generates a list of integer codes
(`re._compiler`) and hands them to the C engine (`_sre.compile`). `compile` here does the same, and keeps each
pattern's codes in a `marshal` file in the user cache folder, so that the next run hands them to `_sre` directly.

The file is keyed by the exact Python build and the engine's version numbers (`_sre.MAGIC`, `CODESIZE`), so it is
never read by an interpreter that might compile differently. Where the internals are not what this module
expects, it simply calls `re.compile`. A pattern that does not compile raises `re.error`, as `re.compile` would.
`AUDIT_NO_CACHE=1` turns the disk cache off; `AUDIT_CACHE_DIR` moves it.
"""
from __future__ import annotations

import atexit
import hashlib
import marshal
import os
import re
import sys
from array import array

try:
    import _sre
    from re import _compiler, _parser  # type: ignore[attr-defined]

    _OK = all(hasattr(m, n) for m, n in ((_sre, "compile"), (_sre, "MAGIC"), (_sre, "CODESIZE"),
                                         (_compiler, "_code"), (_parser, "parse"))) \
        and array("I").itemsize == _sre.CODESIZE
except ImportError:  # pragma: no cover - another implementation of Python
    _OK = False

_MAX_ENTRIES = 5000
_FORMAT = 2  # entries hold the codes as array("I") bytes

_table: dict[tuple[str, int], tuple] | None = None
_used: set[tuple[str, int]] = set()
_dirty = False
_owner: int | None = None


def compile(pattern: str, flags: int = 0) -> re.Pattern[str]:  # noqa: A001 — the same name as re.compile
    """`re.compile(pattern, flags)`, from the disk cache when this pattern was compiled in an earlier run."""
    flags = int(flags)
    if not _OK or not isinstance(pattern, str) or flags & re.DEBUG:
        return re.compile(pattern, flags)
    table = _load()
    key = (pattern, flags)
    _used.add(key)
    entry = table.get(key)
    if entry is not None:
        try:
            flags_, code, groups, groupindex, indexgroup = entry
            return _sre.compile(pattern, flags_, array("I", code).tolist(), groups, groupindex, indexgroup)
        except Exception:  # noqa: BLE001 — a damaged entry: compile afresh
            table.pop(key, None)
    parsed = _parser.parse(pattern, flags)  # raises re.error for a bad pattern, like re.compile
    try:
        flags_, code, groups, groupindex, indexgroup = _entry(parsed, flags)
        compiled = _sre.compile(pattern, flags_, code, groups, groupindex, indexgroup)
        entry = (flags_, array("I", code).tobytes(), groups, groupindex, indexgroup)  # compact, quick to load
    except Exception:  # noqa: BLE001 — internals not as expected: leave it to re
        return re.compile(pattern, flags)
    table[key] = entry
    _mark_dirty()
    return compiled


def _entry(parsed, flags: int) -> tuple:
    """What `re._compiler.compile` passes to `_sre.compile` after the pattern, as marshal-able data."""
    state = parsed.state
    code = [int(c) for c in _compiler._code(parsed, flags)]
    indexgroup = [None] * state.groups
    for name, index in state.groupdict.items():
        indexgroup[index] = name
    return (int(flags | state.flags), code, state.groups - 1, dict(state.groupdict), tuple(indexgroup))


def _path() -> str | None:
    if os.environ.get("AUDIT_NO_CACHE"):
        return None
    from .datafiles import cache_dir

    folder = cache_dir()
    if folder is None:
        return None
    key = hashlib.sha256(repr((_FORMAT, sys.version, sys.implementation.cache_tag, _sre.MAGIC, _sre.CODESIZE,
                               getattr(_sre, "MAXREPEAT", 0), getattr(_sre, "MAXGROUPS", 0), marshal.version))
                         .encode()).hexdigest()[:16]
    return str(folder / f"regex-{key}.marshal")


def _load() -> dict:
    global _table
    if _table is None:
        _table = {}
        path = _path()
        if path is not None:
            try:
                with open(path, "rb") as fh:
                    data = marshal.loads(fh.read())  # load(fh) reads item by item: 10x slower
                if isinstance(data, dict):
                    _table = data
            except (OSError, EOFError, ValueError, TypeError):
                pass
    return _table


def _mark_dirty() -> None:
    global _dirty, _owner
    _dirty = True
    if _owner is None:
        _owner = os.getpid()
        atexit.register(save)


def save() -> None:
    """Write the table if this process compiled something new (forked workers leave it to their parent)."""
    global _dirty
    if not _dirty or _table is None or os.getpid() != _owner:
        return
    path = _path()
    if path is None:
        return
    # entries this process did not use are kept unless they outnumber the used ones (patterns of an older version,
    # of other commands): the file stays about the size one run needs, and loads in a few milliseconds
    stale = len(_table) - len(_used & _table.keys())
    table = _table if stale <= len(_used) and len(_table) <= _MAX_ENTRIES else \
        {k: v for k, v in _table.items() if k in _used}
    try:
        from pathlib import Path

        from .fsutil import atomic_write_bytes

        Path(path).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(Path(path), marshal.dumps(table), keep_mode=False)
        _dirty = False
    except (OSError, ValueError):
        pass
