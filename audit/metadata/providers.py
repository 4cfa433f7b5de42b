"""Where the audit gets reference metadata for the papers a post cites.

* `OfflineProvider` — nothing: the post's own copied arXiv header is the
  reference ("embedded" metadata, built by the parser, not here).
* `CacheProvider` — whatever the local cache holds; never touches the network.
* `OnlineProvider` — the cache, topped up from the arXiv API for ids it lacks.
  A network or API failure never raises: the provider returns what it has and
  sets `notice` (once) for the CLI to print.

Every provider answers `get_many(ids)` with a dict keyed by bare id (no
version); ids that are not arXiv identifiers are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Protocol, runtime_checkable

from .cache import MetadataCache
from .client import ArxivClient, FetchResult
from .records import ArxivRecord, split_version

__all__ = ["CacheProvider", "MetadataProvider", "OfflineProvider", "OnlineProvider"]


@runtime_checkable
class MetadataProvider(Protocol):
    notice: str | None

    def get_many(self, ids: Iterable[str]) -> dict[str, ArxivRecord]: ...


class OfflineProvider:
    """No external metadata: each entry is checked against its own header."""

    name = "embedded"

    def __init__(self) -> None:
        self.notice: str | None = None

    def get_many(self, ids: Iterable[str]) -> dict[str, ArxivRecord]:
        return {}


class CacheProvider:
    """Records from the local cache only."""

    name = "cache"

    def __init__(self, cache: MetadataCache) -> None:
        self.cache = cache
        self.notice: str | None = None

    def get_many(self, ids: Iterable[str]) -> dict[str, ArxivRecord]:
        return self.cache.get_many(_requested_versions(ids))


class OnlineProvider:
    """The cache, topped up from the arXiv API.

    A cached record is fetched again when it is older than `max_age` (None:
    never), or when a post cites a newer version than the cached one and the
    cached answer is older than `recheck_after` (so a post citing a version
    that does not exist does not cause a request on every run). Ids arXiv did
    not know are not asked again for `missing_ttl`. After the API has been
    unreachable once, later calls in the same run use the cache only.
    """

    name = "arxiv"

    def __init__(
        self,
        cache: MetadataCache,
        client: ArxivClient,
        progress: Callable[[int, int], None] | None = None,
        *,
        max_age: timedelta | None = None,
        missing_ttl: timedelta = timedelta(days=1),
        recheck_after: timedelta = timedelta(hours=1),
    ) -> None:
        self.cache = cache
        self.client = client
        self.progress = progress
        self.max_age = max_age
        self.missing_ttl = missing_ttl
        self.recheck_after = recheck_after
        self.notice: str | None = None
        self.last_fetch: FetchResult | None = None
        self.errors: list[str] = []  # every fetch error of this run, for --verbose
        self._offline = False

    def get_many(self, ids: Iterable[str]) -> dict[str, ArxivRecord]:
        wanted = _requested_versions(ids)
        found = self.cache.get_many(wanted)
        if self._offline:
            return found
        now = datetime.now(timezone.utc)
        stale = [
            arxiv_id
            for arxiv_id, version in wanted.items()
            if arxiv_id not in found
            or (
                version is not None
                and version > found[arxiv_id].version
                and now - found[arxiv_id].fetched_at > self.recheck_after
            )
            or (self.max_age is not None and now - found[arxiv_id].fetched_at > self.max_age)
        ]
        if stale:
            known_missing = self.cache.recently_missing(stale, self.missing_ttl)
            stale = [i for i in stale if i not in known_missing]
        if not stale:
            return found

        result = self.client.fetch(stale, progress=self.progress)
        self.last_fetch = result
        self.cache.put_many(result.records.values())
        self.cache.mark_missing(result.missing)
        found.update(result.records)
        if result.errors:
            self.errors.extend(result.errors)
        failures = [e for e in result.errors if "not an arXiv identifier" not in e]
        if failures:
            if result.unreachable:
                self._offline = True
            if self.notice is None:
                more = f"; {len(failures) - 1} more" if len(failures) > 1 else ""
                self.notice = (
                    f"arXiv unreachable ({failures[0]}{more}); audited from cache/embedded metadata only"
                )
        return found


def _requested_versions(ids: Iterable[str]) -> dict[str, int | None]:
    """Bare id -> highest version cited (None when cited without one)."""
    wanted: dict[str, int | None] = {}
    for raw in ids:
        try:
            arxiv_id, version = split_version(raw)
        except ValueError:
            continue
        old = wanted.get(arxiv_id)
        wanted[arxiv_id] = version if old is None else (old if version is None else max(old, version))
    return wanted
