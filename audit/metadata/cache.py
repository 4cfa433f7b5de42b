"""A local SQLite cache of arXiv metadata.

One file (by default `<user cache dir>/audit/arxiv.sqlite3`) holds every record
ever fetched, so a second audit of the same posts makes no request at all.

Durability: the database runs in WAL mode and every write is one transaction
(`BEGIN IMMEDIATE` … `COMMIT` inside `with conn:`). A writer killed at any
point leaves either the whole batch or none of it; SQLite replays or discards
the write-ahead log on the next open. Anything SQLite cannot read (a truncated
or foreign file, a schema from a newer audit) raises `CacheError` with a
one-line message naming the file, never a traceback.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .records import ArxivRecord, split_version

__all__ = ["CacheError", "MetadataCache", "SCHEMA_VERSION", "default_cache_path"]

SCHEMA_VERSION = 1
_APPLICATION_TABLES = {"records", "not_found"}
# SQLite limits the number of host parameters per statement (32766 since
# 3.32, 999 before); stay well below either.
_CHUNK = 500


class CacheError(Exception):
    """The metadata cache cannot be opened, read or written."""


def default_cache_path() -> Path:
    """`platformdirs.user_cache_dir("audit") / "arxiv.sqlite3"`."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("audit")) / "arxiv.sqlite3"


class MetadataCache:
    """arXiv records keyed by bare id (no version), stored in SQLite."""

    def __init__(self, path: str | Path | None = None, *, timeout: float = 10.0) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self._conn: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._error("cannot create its folder", exc, advice="choose another file with --cache PATH") from None
        try:
            # isolation_level=None: transactions are opened explicitly below,
            # so DDL and PRAGMA user_version take part in them too.
            self._conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
            self._setup()
        except sqlite3.Error as exc:
            self.close()
            raise self._error("is unreadable", exc) from None
        except CacheError:
            self.close()
            raise

    # -- lifecycle ---------------------------------------------------------

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> MetadataCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- reading -----------------------------------------------------------

    def get_many(self, ids: Iterable[str]) -> dict[str, ArxivRecord]:
        """Cached records for `ids` (versions are ignored), keyed by bare id."""
        wanted = _bare_ids(ids)
        found: dict[str, ArxivRecord] = {}
        try:
            for chunk in _chunks(wanted):
                rows = self._connection().execute(
                    f"SELECT arxiv_id, data FROM records WHERE arxiv_id IN ({_marks(chunk)})", chunk
                )
                for arxiv_id, data in rows:
                    found[arxiv_id] = ArxivRecord.from_dict(json.loads(data), source="cache")
        except sqlite3.Error as exc:
            raise self._error("is unreadable", exc) from None
        except (ValueError, KeyError, TypeError) as exc:
            raise self._error("holds a damaged record", exc) from None
        return found

    def recently_missing(self, ids: Iterable[str], max_age: timedelta) -> set[str]:
        """Ids that arXiv reported unknown less than `max_age` ago."""
        wanted = _bare_ids(ids)
        cutoff = (datetime.now(timezone.utc) - max_age).isoformat()
        missing: set[str] = set()
        try:
            for chunk in _chunks(wanted):
                rows = self._connection().execute(
                    f"SELECT arxiv_id FROM not_found WHERE checked_at >= ? AND arxiv_id IN ({_marks(chunk)})",
                    [cutoff, *chunk],
                )
                missing.update(r[0] for r in rows)
        except sqlite3.Error as exc:
            raise self._error("is unreadable", exc) from None
        return missing

    def __len__(self) -> int:
        try:
            return self._connection().execute("SELECT count(*) FROM records").fetchone()[0]
        except sqlite3.Error as exc:
            raise self._error("is unreadable", exc) from None

    # -- writing -----------------------------------------------------------

    def put_many(self, records: Iterable[ArxivRecord]) -> int:
        """Store (replace) records in one transaction; returns how many."""
        rows = [
            (
                r.arxiv_id,
                r.version,
                r.fetched_at.isoformat(),
                json.dumps(r.to_dict(), ensure_ascii=False, separators=(",", ":")),
            )
            for r in records
        ]
        if not rows:
            return 0
        try:
            conn = self._connection()
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany(
                    "INSERT OR REPLACE INTO records (arxiv_id, version, fetched_at, data) VALUES (?, ?, ?, ?)",
                    rows,
                )
                conn.executemany("DELETE FROM not_found WHERE arxiv_id = ?", [(r[0],) for r in rows])
        except sqlite3.Error as exc:
            raise self._error("cannot be written", exc) from None
        return len(rows)

    def mark_missing(self, ids: Iterable[str], checked_at: datetime | None = None) -> None:
        """Remember that arXiv had no entry for these ids (negative cache)."""
        stamp = (checked_at or datetime.now(timezone.utc)).isoformat()
        rows = [(i, stamp) for i in _bare_ids(ids)]
        if not rows:
            return
        try:
            conn = self._connection()
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany("INSERT OR REPLACE INTO not_found (arxiv_id, checked_at) VALUES (?, ?)", rows)
        except sqlite3.Error as exc:
            raise self._error("cannot be written", exc) from None

    # -- internals ---------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise CacheError(f"arXiv metadata cache {self.path} is closed")
        return self._conn

    def _error(
        self, what: str, exc: BaseException, advice: str = "delete the file or choose another one with --cache PATH"
    ) -> CacheError:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return CacheError(f"arXiv metadata cache {self.path} {what} ({reason}); {advice}")

    def _setup(self) -> None:
        conn = self._connection()
        # Reading the header first makes a non-SQLite file fail here, before
        # journal_mode tries to write to it.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise CacheError(
                f"arXiv metadata cache {self.path} was written by a newer audit "
                f"(schema {version}, this one reads {SCHEMA_VERSION}); "
                "upgrade audit or choose another file with --cache PATH"
            )
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            # Re-read inside the write lock: another process may have set it up.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == SCHEMA_VERSION:
                return
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if version == 0 and tables - _APPLICATION_TABLES:
                raise CacheError(
                    f"{self.path} is an SQLite database but not an audit metadata cache; "
                    "choose another file with --cache PATH"
                )
            # An older schema: it is only a cache, so start afresh.
            conn.execute("DROP TABLE IF EXISTS records")
            conn.execute("DROP TABLE IF EXISTS not_found")
            conn.execute(
                "CREATE TABLE records ("
                " arxiv_id TEXT PRIMARY KEY,"
                " version INTEGER NOT NULL,"
                " fetched_at TEXT NOT NULL,"
                " data TEXT NOT NULL)"
            )
            conn.execute("CREATE TABLE not_found (arxiv_id TEXT PRIMARY KEY, checked_at TEXT NOT NULL)")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _bare_ids(ids: Iterable[str]) -> list[str]:
    out: dict[str, None] = {}
    for raw in ids:
        try:
            out[split_version(raw)[0]] = None
        except ValueError:
            out[raw.strip()] = None
    return list(out)


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _marks(chunk: list[str]) -> str:
    return ",".join("?" * len(chunk))
