"""Scope names used by rules, and the fields of an entry (or post) each one covers."""
from __future__ import annotations

from functools import lru_cache

from ..model import DIGEST_SECTIONS, Entry, Field, Post

GROUPS: dict[str, tuple[str, ...]] = {
    "header": ("header_title", "header_authors", "abstract", "comments"),
    "digest": ("digest_preamble",) + DIGEST_SECTIONS,
    "generated": ("summary", "key_takeaways", "digest_preamble") + DIGEST_SECTIONS,
}
ENTRY_SCOPES = frozenset(("header_title", "header_authors", "abstract", "comments", "summary", "key_takeaways",
                          "digest_preamble") + DIGEST_SECTIONS) | frozenset(GROUPS)
POST_SCOPES = frozenset(("front_matter", "preamble", "heading"))
ALL_SCOPES = ENTRY_SCOPES | POST_SCOPES


@lru_cache(maxsize=256)
def expand(scope: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for name in scope:
        for part in GROUPS.get(name, (name,)):
            if part not in out:
                out.append(part)
    return tuple(out)


_HEADER_ATTRS = {"header_title": "title", "header_authors": "authors", "abstract": "abstract", "comments": "comments",
                 "summary": "summary", "key_takeaways": "key_takeaways", "digest_preamble": "digest_preamble"}


def entry_fields(entry: Entry, scope: tuple[str, ...]) -> list[Field]:
    fields = []
    sections = entry.sections
    for name in expand(scope):
        f = sections.get(name) if name in _DIGEST else getattr(entry, _HEADER_ATTRS[name], None)
        if f is not None and f.text:
            fields.append(f)
    return fields


_DIGEST = frozenset(DIGEST_SECTIONS)


def post_fields(post: Post, scope: tuple[str, ...]) -> list[Field]:
    table = {"front_matter": post.front_matter_field, "preamble": post.preamble, "heading": post.heading}
    return [table[n] for n in scope if n in table and table[n] is not None]
