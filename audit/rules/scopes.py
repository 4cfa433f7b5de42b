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


def entry_fields(entry: Entry, scope: tuple[str, ...]) -> list[Field]:
    fields = []
    for name in expand(scope):
        if name in DIGEST_SECTIONS:
            f = entry.sections.get(name)
        else:
            f = {"header_title": entry.title, "header_authors": entry.authors, "abstract": entry.abstract,
                 "comments": entry.comments, "summary": entry.summary, "key_takeaways": entry.key_takeaways,
                 "digest_preamble": entry.digest_preamble}.get(name)
        if f is not None and f.text:
            fields.append(f)
    return fields


def post_fields(post: Post, scope: tuple[str, ...]) -> list[Field]:
    table = {"front_matter": post.front_matter_field, "preamble": post.preamble, "heading": post.heading}
    return [table[n] for n in scope if n in table and table[n] is not None]
