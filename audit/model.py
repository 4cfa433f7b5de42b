"""The data model: what a post is made of, and what a finding says about it.

Data flows one way: read -> repair encoding -> parse (Post, Entry, Field) -> check (Finding) -> score -> format.
Everything here is a frozen dataclass; nothing in this module knows about rules or output formats.
"""
from __future__ import annotations

import copyreg
import re
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from types import MappingProxyType
from typing import Mapping

from . import recache

CATEGORIES: tuple[str, ...] = (
    "encoding", "placeholder", "boilerplate", "chatter", "missing-section", "missing-link", "bad-link",
    "author-mismatch", "title-mismatch", "affiliation-mismatch", "hallucination", "degenerate", "off-topic",
    "metadata",
)

# The eight sections of the generated digest, in their canonical order, under the names of the JSON contract.
DIGEST_SECTIONS: tuple[str, ...] = (
    "title", "authors", "affiliation", "keywords", "urls", "digest_summary", "methods", "conclusion",
)
# Every key of the contract's `sections` map.
SECTION_KEYS: tuple[str, ...] = ("abstract", "summary", "key_takeaways") + DIGEST_SECTIONS


def _mapping_proxy(items: dict) -> MappingProxyType:
    return MappingProxyType(items)


# Entries travel between worker processes; a read-only mapping pickles as the dict it wraps.
copyreg.pickle(MappingProxyType, lambda m: (_mapping_proxy, (dict(m),)))


class Severity(str, Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return {"info": 1, "warning": 2, "error": 3}[self.value]

    @classmethod
    def parse(cls, value: "str | Severity") -> "Severity":
        if isinstance(value, Severity):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            raise ValueError(f"unknown severity {value!r} (expected error, warning or info)") from None


_TAG = recache.compile(r"<[^>\n]{0,200}>")
_MARKUP = recache.compile(r"[*_`#>|]+")
_EMPTY = recache.compile(r"[\s\W_]*", re.UNICODE)


def plain_text(text: str) -> str:
    """Text without HTML tags and markdown emphasis, for checks that read words rather than markup."""
    text = _TAG.sub(" ", text)
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ")
    return _MARKUP.sub("", text)


@dataclass(frozen=True)
class Field:
    """A piece of the post: its exact text (a slice of the post, label excluded) and where it starts."""

    name: str
    text: str
    line: int          # 1-based line of the first character of `text`
    column: int = 1    # 1-based column of the first character of `text`
    label: str = ""    # the label as written, e.g. "3. 隶属机构：" (empty for unlabelled parts)
    label_line: int = 0  # line of the label (0: same as `line`)

    @property
    def end_line(self) -> int:
        return self.line + self.text.count("\n")

    @property
    def heading_line(self) -> int:
        return self.label_line or self.line

    @cached_property
    def plain(self) -> str:
        return plain_text(self.text)

    @property
    def present(self) -> bool:
        """True when the field holds something besides markup, whitespace and punctuation."""
        return not _EMPTY.fullmatch(self.plain)

    def position(self, offset: int) -> tuple[int, int]:
        """(line, column) of a character offset into `text`."""
        offset = max(0, min(offset, len(self.text)))
        newlines = self.text.count("\n", 0, offset)
        if newlines == 0:
            return self.line, self.column + offset
        return self.line + newlines, offset - self.text.rfind("\n", 0, offset)

    def line_of(self, needle: str) -> int:
        """Line of the first occurrence of `needle` in the field (the field's first line if absent)."""
        at = self.text.find(needle) if needle else -1
        return self.position(at)[0] if at >= 0 else self.line


@dataclass(frozen=True)
class Entry:
    """One paper: the arXiv header, the generated text and the screenshots, with line spans."""

    index: int                 # 1-based position in the post
    line: int                  # line of the `## title` heading (or of the [PDF] link when there is no heading)
    end_line: int
    arxiv_id: str | None       # without version
    version: int | None
    pdf: Field                 # the `[PDF](…)` line
    title: Field | None = None          # header title (from `## …`)
    authors: Field | None = None        # header authors (inside **Authors:…**)
    abstract: Field | None = None
    comments: Field | None = None       # text after the [PDF](…) link
    summary: Field | None = None        # **Summary**
    key_takeaways: Field | None = None  # **Key Takeaways**
    digest: Field | None = None         # everything after the **[ChatPaperFree](…)** marker
    digest_preamble: Field | None = None  # digest text before its first section
    sections: Mapping[str, Field] = field(default_factory=lambda: MappingProxyType({}))
    section_order: tuple[str, ...] = ()  # digest sections in the order they appear
    screenshots: Field | None = None
    text: Field | None = None           # the whole entry

    def section(self, name: str) -> Field | None:
        return self.sections.get(name)

    def has(self, name: str) -> bool:
        """Presence of a contract section key (abstract, summary, …, conclusion)."""
        part = {"abstract": self.abstract, "summary": self.summary,
                "key_takeaways": self.key_takeaways}.get(name) if name in ("abstract", "summary", "key_takeaways") \
            else self.sections.get(name)
        return bool(part is not None and part.present)

    @property
    def header_authors(self) -> list[str]:
        if self.authors is None:
            return []
        return [a.strip() for a in re.split(r",|;", self.authors.plain) if a.strip()]

    @property
    def generated(self) -> tuple[Field, ...]:
        """Every part written by the language model, in post order."""
        parts = [self.summary, self.key_takeaways, self.digest_preamble]
        parts += [self.sections[name] for name in self.section_order]
        return tuple(p for p in parts if p is not None)


@dataclass(frozen=True)
class EncodingReport:
    """What the encoding step found and did before parsing."""

    mojibake: bool = False
    codec: str | None = None                 # legacy code page that did the damage
    repaired_lines: tuple[tuple[int, str, str, float], ...] = ()  # (line, broken, repaired, confidence)
    invalid_bytes: tuple[tuple[int, int], ...] = ()               # (line, byte offset) of undecodable bytes
    detail: str = ""


@dataclass(frozen=True)
class Post:
    path: str
    text: str                       # the text that was parsed (after encoding repair)
    front_matter: Mapping[str, object]
    entries: tuple[Entry, ...]
    front_matter_field: Field | None = None
    heading: Field | None = None    # `# 2024-09-27 更新`
    preamble: Field | None = None
    title: str | None = None
    date: str | None = None
    topic: str | None = None
    encoding: EncodingReport = EncodingReport()
    problems: tuple[tuple[int, str], ...] = ()  # (line, message): what the parser could not make sense of

    @cached_property
    def lines(self) -> list[str]:
        return self.text.split("\n")


@dataclass(frozen=True, slots=True)
class Fix:
    """A mechanical repair: replace line `line` (whole line, without newline) by `new`; `new=None` deletes it."""

    line: int
    old: str
    new: str | None
    description: str


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    category: str
    severity: Severity
    message: str
    line: int
    column: int | None = None
    end_line: int | None = None
    excerpt: str = ""
    paper: int | None = None        # entry index; None for post-level findings
    fix: Fix | None = None
    suppressed: bool = False

    def to_json(self) -> dict:
        return {"rule": self.rule, "category": self.category, "severity": self.severity.value,
                "message": self.message, "line": self.line, "column": self.column, "end_line": self.end_line,
                "excerpt": self.excerpt[:200]}


def excerpt(text: str, limit: int = 200) -> str:
    """One-line excerpt of at most `limit` characters."""
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
