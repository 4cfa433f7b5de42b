"""Reference metadata for an audit: which arXiv records the rules may consult, and from where.

- `embedded` (default, offline): none — each entry's own copied arXiv header is the reference.
- `cache`: what an earlier `--online` run or `audit arxiv sync` stored in the SQLite cache.
- `arxiv`: the cache, topped up from the live API (or `--api-url`) for the ids it lacks.
A network or API failure never fails the audit: it runs on what it has and says so once.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable, Iterable

SOURCES = ("embedded", "cache", "arxiv")
_PDF_ID = re.compile(r"^\s*\**\s*\[\s*PDF\s*\]\s*\(\s*\S*?arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5}(?:v\d+)?|"
                     r"[a-z][a-z.\-]*/\d{7}(?:v\d+)?)", re.I | re.M)


def cited_ids(files: Iterable[Path]) -> list[str]:
    """Versioned arXiv ids of every entry header in the files (a quick scan, no parsing)."""
    ids: list[str] = []
    seen: set[str] = set()
    for f in files:
        try:
            text = f.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for m in _PDF_ID.finditer(text):
            if m.group(1) not in seen:
                seen.add(m.group(1))
                ids.append(m.group(1))
    return ids


def load_metadata(files: list[Path], source: str, cache_path: Path | None = None, api_url: str | None = None,
                  progress: Callable[[int, int], None] | None = None, delay_seconds: float | None = None
                  ) -> tuple[dict, str | None]:
    """(arxiv_id -> ArxivRecord, notice or None). Raises metadata.cache.CacheError for an unusable cache."""
    if source == "embedded":
        return {}, None
    from .metadata.cache import MetadataCache
    from .metadata.client import ArxivClient
    from .metadata.providers import CacheProvider, OnlineProvider

    ids = cited_ids(files)
    cache = MetadataCache(cache_path)
    try:
        if source == "cache":
            provider = CacheProvider(cache)
        else:
            if delay_seconds is None:
                delay_seconds = float(os.environ.get("AUDIT_ARXIV_DELAY", "3"))
            client = ArxivClient(api_url=api_url or "https://export.arxiv.org/api/query",
                                 delay_seconds=delay_seconds)
            provider = OnlineProvider(cache, client, progress=progress)
        records = provider.get_many(ids)
        return dict(records), provider.notice
    finally:
        cache.close()
