"""arXiv metadata records and identifier handling.

An `ArxivRecord` is what the audit compares a digest entry against: the paper's
title, authors, abstract and comments as arXiv has them. Records are frozen and
carry where they came from (`source`): the live API ("arxiv"), the local SQLite
cache ("cache") or the post's own copied header ("embedded").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "ArxivAuthor",
    "ArxivRecord",
    "is_withdrawn",
    "normalize_arxiv_id",
    "split_version",
]

# New-style ids (0704.0001 onwards: YYMM.NNNN, five digits from 1501) and
# old-style ids (archive[.SUBJ]/YYMMNNN, before April 2007).
_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}"
_ID_RE = re.compile(rf"^(?P<id>{_NEW_ID}|{_OLD_ID})(?:v(?P<version>\d+))?$")
# Prefixes people and generators put in front of an id.
_PREFIX_RE = re.compile(
    r"^(?:arxiv:\s*|(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/)",
    re.IGNORECASE,
)

_WITHDRAWN_COMMENT_RE = re.compile(r"\bwithdrawn\b", re.IGNORECASE)
# An abstract may mention "withdrawn" for other reasons (drug trials, market
# exits), so only phrasings that announce the withdrawal of the paper count.
_WITHDRAWN_SUMMARY_RE = re.compile(
    r"^\s*withdrawn\b"
    r"|\b(?:paper|article|submission|manuscript|preprint|version)\s+(?:has\s+been|is|was|is\s+being)\s+withdrawn\b"
    r"|\bwithdrawn\s+by\s+(?:the\s+)?(?:authors?|arxiv)",
    re.IGNORECASE,
)


def split_version(text: str) -> tuple[str, int | None]:
    """Split `2409.16666v2` into `("2409.16666", 2)`; no version gives None.

    Accepts the prefixes found in posts (`arXiv:`, `http://arxiv.org/abs/`,
    `/pdf/… .pdf`). Raises ValueError for anything that is not an arXiv id.
    """
    s = text.strip()
    s = _PREFIX_RE.sub("", s)
    if s.lower().endswith(".pdf"):
        s = s[:-4]
    m = _ID_RE.match(s)
    if m is None:
        raise ValueError(f"not an arXiv identifier: {text!r}")
    version = m.group("version")
    return m.group("id"), (int(version) if version is not None else None)


def normalize_arxiv_id(text: str) -> str:
    """The bare id (no version, no prefix) of an arXiv identifier or URL."""
    return split_version(text)[0]


def is_withdrawn(comment: str | None, summary: str | None) -> bool:
    """True when the comment or the abstract announces a withdrawal."""
    if comment and _WITHDRAWN_COMMENT_RE.search(comment):
        return True
    return bool(summary and _WITHDRAWN_SUMMARY_RE.search(summary))


@dataclass(frozen=True)
class ArxivAuthor:
    name: str
    affiliation: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArxivRecord:
    arxiv_id: str  # without version
    version: int  # latest version known
    title: str
    authors: tuple[ArxivAuthor, ...]
    summary: str
    comment: str | None
    journal_ref: str | None
    primary_category: str | None
    categories: tuple[str, ...]
    published: datetime  # v1 submission date
    updated: datetime  # date of `version`
    withdrawn: bool
    fetched_at: datetime
    source: str  # "arxiv" | "cache" | "embedded"

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}"

    @property
    def abs_url(self) -> str:
        return f"https://arxiv.org/abs/{self.versioned_id}"

    @property
    def author_names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.authors)

    def with_source(self, source: str) -> ArxivRecord:
        return replace(self, source=source)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (datetimes as ISO 8601 strings)."""
        return {
            "arxiv_id": self.arxiv_id,
            "version": self.version,
            "title": self.title,
            "authors": [{"name": a.name, "affiliation": list(a.affiliation)} for a in self.authors],
            "summary": self.summary,
            "comment": self.comment,
            "journal_ref": self.journal_ref,
            "primary_category": self.primary_category,
            "categories": list(self.categories),
            "published": self.published.isoformat(),
            "updated": self.updated.isoformat(),
            "withdrawn": self.withdrawn,
            "fetched_at": self.fetched_at.isoformat(),
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str | None = None) -> ArxivRecord:
        """Inverse of `to_dict`; raises KeyError/TypeError/ValueError on bad data."""
        return cls(
            arxiv_id=str(data["arxiv_id"]),
            version=int(data["version"]),
            title=str(data["title"]),
            authors=tuple(
                ArxivAuthor(name=str(a["name"]), affiliation=tuple(str(x) for x in a.get("affiliation", ())))
                for a in data["authors"]
            ),
            summary=str(data["summary"]),
            comment=data.get("comment"),
            journal_ref=data.get("journal_ref"),
            primary_category=data.get("primary_category"),
            categories=tuple(str(c) for c in data.get("categories", ())),
            published=_parse_dt(data["published"]),
            updated=_parse_dt(data["updated"]),
            withdrawn=bool(data["withdrawn"]),
            fetched_at=_parse_dt(data["fetched_at"]),
            source=source if source is not None else str(data["source"]),
        )


def _parse_dt(value: str) -> datetime:
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc)
