"""Reading the YAML data files (rule packs, gazetteer, word lists) once per content, not once per run; and `cached`,
the same disk cache for any other value derived from data (the gazetteer's name patterns).

Parsing YAML is slow next to everything else `audit` does at start-up (the bundled files take about 0.2 s with
the C loader). A parsed file is kept in the user cache folder as `marshal` data keyed by a hash of the file's
bytes, so an edited file is parsed afresh and an unchanged one loads in a millisecond. A cache that cannot be
read or written is ignored. `AUDIT_CACHE_DIR` moves the cache; `AUDIT_NO_CACHE=1` turns it off.
"""
from __future__ import annotations

import hashlib
import marshal
import os
from pathlib import Path

_FORMAT = "audit-yaml-1"


def cache_dir() -> Path | None:
    """The folder for `audit`'s caches: `$AUDIT_CACHE_DIR`, else the platform's user cache folder."""
    folder = os.environ.get("AUDIT_CACHE_DIR")
    if not folder:
        try:
            import platformdirs
        except ImportError:
            return None
        folder = platformdirs.user_cache_dir("audit")
    return Path(folder)


def load_yaml(path: Path | str) -> object:
    """The parsed content of a YAML file (safe loader). Raises OSError, UnicodeDecodeError or yaml.YAMLError as
    reading and parsing it directly would."""
    data = Path(path).read_bytes()
    text = data.decode("utf-8")

    def parse() -> object:
        import yaml

        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 — a safe loader

    return cached("yaml", f"{_FORMAT}:{marshal.version}:{hashlib.sha256(data).hexdigest()}", parse)


def cached(kind: str, key: str, build, keep: int | None = None):
    """`build()`, kept in the cache folder under `kind`/`key` (marshal data; `key` must name everything the value
    depends on, e.g. a hash of its inputs and of the code that builds it). With `keep`, the folder holds at most
    that many values: the least recently used ones are deleted when a new one is written (for large values)."""
    path = None
    if not os.environ.get("AUDIT_NO_CACHE"):
        folder = cache_dir()
        if folder is not None:
            path = folder / kind / f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}.marshal"
            try:
                value = marshal.loads(path.read_bytes())
                if keep is not None:
                    os.utime(path)  # recently used: the last to be pruned
                return value
            except (OSError, EOFError, ValueError, TypeError):
                pass
    value = build()
    if path is not None:
        try:
            from .fsutil import atomic_write_bytes

            blob = marshal.dumps(value)  # ValueError for what marshal cannot hold (dates): not cached
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, blob, keep_mode=False)
            if keep is not None:
                _prune(path.parent, keep)
        except (OSError, ValueError):
            pass
    return value


def _prune(folder: Path, keep: int) -> None:
    """Delete all but the `keep` most recently used values in `folder`."""
    entries = []
    for entry in folder.glob("*.marshal"):
        try:
            entries.append((entry.stat().st_mtime, entry))
        except OSError:
            continue
    for _, entry in sorted(entries, reverse=True)[keep:]:
        try:
            entry.unlink()
        except OSError:
            pass
