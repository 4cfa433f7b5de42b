"""arXiv metadata: the entry against the paper's record on arXiv (only with `--online` or `--metadata cache`).

Offline, the post's own header is the reference and these rules are silent. With a record for the entry's id:

- ARX001/ARX002 (metadata): the header title / author list is not arXiv's — the header was copied from another
  paper, or edited.
- ARX003 (metadata): the post links vN while arXiv has a newer version; says which, and whether the title or the
  authors changed since.
- ARX004 (metadata): arXiv marks the paper as withdrawn.
- ARX005 (metadata): arXiv's first version is dated after the post — a wrong id or a wrong post date.
- ARX006/ARX007 (title-/author-mismatch): the digest's Title / Authors differ from arXiv where the identity rules
  (TTL/AUT, which compare with the header) cannot see it: the header is missing, or the digest faithfully copies a
  wrong header.
- ARX008 (affiliation-mismatch): the digest's Affiliation names institutions unrelated to the affiliations arXiv
  lists for the authors (arXiv has them for some papers only).

Titles are compared after folding case, accents, TeX markup, punctuation and spacing (rapidfuzz ratio >= 92).
Differences that a newer version explains (the post cites v1, arXiv has v3) are reported once, by ARX003.
"""
from __future__ import annotations

import datetime as _dt
import re
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

from .. import recache
from ..model import Entry, Severity
from ..rules.registry import Examples, Hit, entry_rule
from .metadata import calendar_day

# ---------------------------------------------------------------------------------------------------------------
# Records


def _example_records() -> Mapping[str, object]:
    """Records for the rule examples (ids 2411.9xxxx, which no real paper has): the examples run offline, with a
    post whose path is "<example>", so the rules find their reference here."""
    from ..metadata.records import ArxivAuthor, ArxivRecord

    def rec(arxiv_id: str, *, version: int = 1, title: str = "NovaTalk: Expressive Audio-Driven Talking Heads with "
            "Diffusion", authors=("Lena Park", "Tomas Weber", "Yusuf Demir"), affiliations=(), published="2410-12-30",
            withdrawn: bool = False, comment: str | None = "Accepted by ECCV 2024") -> ArxivRecord:
        when = _dt.datetime.fromisoformat(published).replace(tzinfo=_dt.timezone.utc)
        affs = list(affiliations) + [()] * (len(authors) - len(affiliations))
        return ArxivRecord(
            arxiv_id=arxiv_id, version=version, title=title,
            authors=tuple(ArxivAuthor(n, tuple(a)) for n, a in zip(authors, affs)),
            summary="We present NovaTalk, an audio-driven talking head generation method based on a latent "
                    "diffusion model.", comment=comment, journal_ref=None, primary_category="cs.CV",
            categories=("cs.CV", "cs.GR"), published=when, updated=when + _dt.timedelta(days=3 * (version - 1)),
            withdrawn=withdrawn, fetched_at=when, source="cache")

    seoul = (("Seoul National University",), ("Seoul National University",), ("Seoul National University",))
    records = [
        rec("2411.90001", affiliations=seoul),
        rec("2411.90002", title="VoiceGlow: Emotional Talking Faces from Whispered Speech",
            authors=("Mina Cho", "Arjun Rao")),
        rec("2411.90003", version=3),
        rec("2411.90004", version=3, title="NovaTalk++: Expressive Talking Heads with Latent Diffusion"),
        rec("2411.90005", withdrawn=True, comment="This paper has been withdrawn by the authors"),
        rec("2411.90006", published="2411-01-09"),
        rec("2411.90007", authors=("Lena Park", "Tomas Weber", "Yusuf Demir", "Ines Duarte")),
        rec("2411.90008", affiliations=(("Yonsei University",), ("Yonsei University",), ("Yonsei University",))),
        rec("2411.90009", version=2),
    ]
    return MappingProxyType({r.arxiv_id: r for r in records})


_EXAMPLES: dict = {}


def record_for(entry: Entry, ctx):
    """The arXiv record of the entry's paper, or None (offline, unknown id)."""
    if not entry.arxiv_id:
        return None
    metadata = ctx.metadata
    if not metadata:
        post = getattr(ctx, "post", None)
        if post is None or post.path != "<example>":
            return None
        if "records" not in _EXAMPLES:
            _EXAMPLES["records"] = _example_records()
        metadata = _EXAMPLES["records"]
    return metadata.get(entry.arxiv_id)


# ---------------------------------------------------------------------------------------------------------------
# Comparing titles and names

_TEX_COMMAND = recache.compile(r"\\[A-Za-z]+\*?")
_TEX_MARK = recache.compile(r"[$^_{}\\~]")
_NON_WORD = recache.compile(r"[\W_]+", re.UNICODE)


@lru_cache(maxsize=4096)
def norm_title(text: str) -> str:
    """Case, accents, TeX markup, punctuation and spacing folded away: "$Q^3$-Net:  A  Study" -> "q3 net a study"."""
    from .identity import fold

    text = _TEX_COMMAND.sub(" ", text.replace("\\&", "&"))
    text = _TEX_MARK.sub("", text)
    return " ".join(_NON_WORD.sub(" ", fold(text)).split())


def same_title(a: str, b: str) -> bool:
    x, y = norm_title(a), norm_title(b)
    if x == y or x.replace(" ", "") == y.replace(" ", ""):
        return True
    if not x or not y:
        return False
    from rapidfuzz import fuzz

    return fuzz.ratio(x, y) >= 92


def _names(raw: list[str]):
    from .identity import make_name

    return [n for n in (make_name(a) for a in raw) if n is not None]


def author_differences(ours: list[str], arxiv: list[str]) -> list[str]:
    """What differs between two author lists, in words (empty when they name the same people in the same order)."""
    from .identity import compare_authors

    mine, theirs = _names(ours), _names(arxiv)
    if not mine or not theirs:
        return []
    cmp = compare_authors(mine, theirs)
    out = []
    if cmp.missing:
        out.append("missing " + ", ".join(theirs[i].text for i in cmp.missing[:4]))
    if cmp.extra:
        out.append("not on arXiv: " + ", ".join(n.text for n in cmp.extra[:4]))
    if cmp.misspelled:
        out.append("spelled differently: " + ", ".join(f"{d.text} ({theirs[i].text})" for d, i in cmp.misspelled[:3]))
    if cmp.inversions and not out:
        a, b = cmp.inversions[0]
        out.append(f"order differs ({b.text} before {a.text} on arXiv)")
    return out


def _outdated(entry: Entry, record) -> bool:
    """The post cites an older version than arXiv's latest: differences may be the newer version's."""
    return entry.version is not None and entry.version < record.version


def _whole(field) -> tuple[int, int]:
    """The field's text without surrounding whitespace and markup ("Lena Park</li>")."""
    from .affiliation import _blank

    text = _blank(field.text)
    start = len(text) - len(text.lstrip())
    return start, max(start, len(text.rstrip()))


# ---------------------------------------------------------------------------------------------------------------
# ARX001-ARX005: the header and the post against arXiv


@entry_rule("ARX001", name="header-title-not-arxiv", category="metadata", severity="warning",
            message="the header title is not the paper's title on arXiv",
            examples=Examples(bad=({"arxiv_id": "2411.90002"},),
                              good=({}, {"header_title": "NovaTalk -  expressive audio-driven talking heads with "
                                                         "diffusion"},
                                    {"arxiv_id": "2411.90004", "version": 1}, {"arxiv_id": "2411.99999"})))
def header_title(entry: Entry, ctx):
    """The `## title` heading is copied from arXiv, so it must be the paper's arXiv title (case, spacing, TeX
    markup and punctuation aside). A different title means the header belongs to another paper or was edited by
    hand. When the post cites an older version than arXiv's latest, ARX003 reports the change instead."""
    record = record_for(entry, ctx)
    if record is None or entry.title is None or not entry.title.present or _outdated(entry, record):
        return
    if same_title(entry.title.plain, record.title):
        return
    start, end = _whole(entry.title)
    yield Hit(field=entry.title, start=start, end=end,
              message=f"the header title differs from the arXiv title of {record.versioned_id}: {record.title!r}")


@entry_rule("ARX002", name="header-authors-not-arxiv", category="metadata", severity="warning",
            message="the header author list is not the paper's author list on arXiv",
            examples=Examples(bad=({"arxiv_id": "2411.90007"},
                                   {"header_authors": "Lena Park, Tomas Webber, Yusuf Demir"}),
                              good=({}, {"header_authors": "Lena Park, Tomas Weber, Yusuf Demir "},
                                    {"arxiv_id": "2411.99999"})))
def header_authors(entry: Entry, ctx):
    """The `**Authors:…**` line is copied from arXiv, so it lists arXiv's authors in arXiv's order. A name missing,
    added or spelled differently means the header was edited or belongs to another version or paper."""
    record = record_for(entry, ctx)
    if record is None or entry.authors is None or not record.authors or _outdated(entry, record):
        return
    diffs = author_differences(entry.header_authors, list(record.author_names))
    if diffs:
        start, end = _whole(entry.authors)
        yield Hit(field=entry.authors, start=start, end=end,
                  message=f"the header authors differ from arXiv's ({'; '.join(diffs)})")


@entry_rule("ARX003", name="stale-version", category="metadata", severity="info",
            message="the post links an older version of the paper",
            examples=Examples(bad=({"arxiv_id": "2411.90003"}, {"arxiv_id": "2411.90004"}),
                              good=({}, {"arxiv_id": "2411.90003", "version": 3},
                                    {"arxiv_id": "2411.90003", "version": None})))
def stale_version(entry: Entry, ctx):
    """The `[PDF]` link names a version (…/abs/2409.01234v1) and arXiv has a newer one. Readers get the old
    PDF. The message says which version is current and whether the title or the author list changed since (then it
    is a warning: the header is out of date too)."""
    record = record_for(entry, ctx)
    if record is None or not _outdated(entry, record):
        return
    changes = []
    if entry.title is not None and entry.title.present and not same_title(entry.title.plain, record.title):
        changes.append(f"the title is now {record.title!r}")
    if entry.authors is not None and record.authors and author_differences(entry.header_authors,
                                                                           list(record.author_names)):
        changes.append("the author list changed")
    when = record.updated.date().isoformat() if record.updated else "?"
    message = f"the post links v{entry.version} but arXiv has v{record.version} (updated {when})"
    message += "; " + " and ".join(changes) if changes else "; the title is unchanged"
    m = re.search(r"v\d+", entry.pdf.text)
    start, end = (m.start(), m.end()) if m else _whole(entry.pdf)
    yield Hit(field=entry.pdf, start=start, end=end, message=message,
              severity=Severity.WARNING if changes else None)


@entry_rule("ARX004", name="withdrawn", category="metadata", severity="error",
            message="the paper is withdrawn on arXiv",
            examples=Examples(bad=({"arxiv_id": "2411.90005"},), good=({}, {"arxiv_id": "2411.99999"})))
def withdrawn(entry: Entry, ctx):
    """arXiv marks the paper as withdrawn (its comment or abstract says so): a digest should not present it as a
    current result."""
    record = record_for(entry, ctx)
    if record is None or not record.withdrawn:
        return
    note = f": {record.comment.strip()[:120]}" if record.comment else ""
    start, end = _whole(entry.pdf)
    yield Hit(field=entry.pdf, start=start, end=end,
              message=f"arXiv marks {record.versioned_id} as withdrawn{note}")




def post_day(post) -> _dt.date | None:
    """The day in the front matter's `date` (2024-09-27 19:15:35, 2024/9/27…)."""
    value = (post.front_matter or {}).get("date") if post is not None else None
    return calendar_day(value if value is not None else (post.date if post is not None else None))


@entry_rule("ARX005", name="published-after-post", category="metadata", severity="error",
            message="arXiv's first version is dated after the post",
            examples=Examples(bad=({"arxiv_id": "2411.90006"},),
                              good=({}, {"arxiv_id": "2411.90006", "date": "2411-01-10 08:00:00"})))
def published_after_post(entry: Entry, ctx):
    """A post cannot digest a paper before arXiv published it: when the paper's first version is dated after the
    post's front-matter date, either the arXiv id in the `[PDF]` link is wrong or the post's date is."""
    record = record_for(entry, ctx)
    day = post_day(ctx.post) if record is not None else None
    if record is None or day is None or record.published is None:
        return
    first = record.published.date()
    if first > day:
        start, end = _whole(entry.pdf)
        yield Hit(field=entry.pdf, start=start, end=end,
                  message=f"arXiv dates {record.arxiv_id}v1 {first.isoformat()}, after the post's date "
                          f"{day.isoformat()}: wrong arXiv id or wrong post date")


# ---------------------------------------------------------------------------------------------------------------
# ARX006-ARX008: the digest against arXiv, where the header cannot tell


def _english_titles(entry: Entry, reference: str) -> list:
    """English title attempts in the digest's Title section (identity's splitter), as (piece, field)."""
    from .identity import blank_markup, title_units

    field = entry.sections.get("title")
    if field is None or not field.present:
        return []
    english, _ = title_units(blank_markup(field.text))
    ref = norm_title(reference)
    out = []
    for piece in english:
        text = norm_title(piece.text)
        if len(text) >= 0.6 * len(ref) or (len(ref.split()) > 3 and text.startswith(" ".join(ref.split()[:3]))):
            out.append(piece)
    return out


@entry_rule("ARX006", name="digest-title-not-arxiv", category="title-mismatch", severity="error",
            message="the digest's English title is not the paper's title on arXiv",
            examples=Examples(
                bad=({"arxiv_id": "2411.90002", "title": "NovaTalk: Expressive Audio-Driven Talking Heads with "
                                                         "Diffusion"},
                     {"arxiv_id": "2411.90002", "header_title": None,
                      "title": "NovaTalk: Expressive Audio-Driven Talking Heads with Diffusion"}),
                good=({}, {"title": "NovaTalk: Expressive Audio-Driven Talking Heads with Diffusion"},
                      {"arxiv_id": "2411.90002", "title": "VoiceGlow: Emotional Talking Faces from Whispered Speech"},
                      {"arxiv_id": "2411.90002", "title": "NovaTalk: Expressive Talking Heads"},
                      {"arxiv_id": "2411.90004", "version": 1,
                       "title": "NovaTalk: Expressive Audio-Driven Talking Heads with Diffusion"})))
def digest_title(entry: Entry, ctx):
    """The English title in the digest's Title section must be the paper's arXiv title. The identity rule TTL001
    compares it with the header; this rule covers what TTL001 cannot see: a missing header title, and a digest
    that faithfully copies a header that is not the paper's (then ARX001 reports the header as well). A digest
    title that differs from the header is TTL001's, and an older cited version explains a changed title (ARX003)."""
    record = record_for(entry, ctx)
    if record is None or _outdated(entry, record):
        return
    header = entry.title.plain if entry.title is not None and entry.title.present else None
    for piece in _english_titles(entry, record.title):
        if same_title(piece.text, record.title):
            return
    for piece in _english_titles(entry, record.title):
        if header is not None and not same_title(piece.text, header):
            continue  # differs from the header too: TTL001 reports it
        field = entry.sections["title"]
        why = "it copies the header, which is not arXiv's title either" if header is not None else \
            "the entry has no header title to compare with"
        yield Hit(field=field, start=piece.start, end=piece.start + len(piece.text),
                  message=f"the digest title is not the arXiv title {record.title!r}; {why}")
        return


@entry_rule("ARX007", name="digest-authors-not-arxiv", category="author-mismatch", severity="error",
            message="the digest's Authors section does not match the paper's authors on arXiv",
            examples=Examples(
                bad=({"arxiv_id": "2411.90002"}, {"arxiv_id": "2411.90007"},
                     {"arxiv_id": "2411.90007", "header_authors": None}),
                good=({}, {"arxiv_id": "2411.90002", "authors": "Mina Cho, Arjun Rao"},
                      {"arxiv_id": "2411.90002", "authors": "Mina Cho 等"},
                      {"arxiv_id": "2411.90002", "authors": "Lena Park, Tomas Weber"},
                      {"arxiv_id": "2411.90007", "authors": "Lena Park, Tomas Weber, Yusuf Demir, Ines Duarte"})))
def digest_authors(entry: Entry, ctx):
    """The digest's Authors section must name the paper's authors as arXiv lists them. The identity rules (AUT)
    compare it with the header; this rule covers a missing header author line and a digest that copies a header
    whose authors are not arXiv's. A list cut short with 等/et al. is fine; a digest that already differs from the
    header is left to AUT."""
    record = record_for(entry, ctx)
    field = entry.sections.get("authors")
    if record is None or field is None or not field.present or not record.authors or _outdated(entry, record):
        return
    from .identity import _TRUNCATED, blank_markup, latin_names

    text = blank_markup(field.text)
    names = latin_names(text)
    if not names:
        return
    raw = [n.text for n in names]
    truncated = bool(_TRUNCATED.search(text))
    diffs = author_differences(raw, list(record.author_names))
    if truncated:
        diffs = [d for d in diffs if not d.startswith("missing")]
    if not diffs:
        return
    if entry.authors is not None and entry.header_authors:
        header_diffs = author_differences(raw, entry.header_authors)
        if truncated:
            header_diffs = [d for d in header_diffs if not d.startswith("missing")]
        if header_diffs:
            return  # the digest differs from the header: AUT reports it
    why = "they copy the header, which differs from arXiv too" if entry.authors is not None else \
        "the entry has no header author line to compare with"
    start, end = _whole(field)
    yield Hit(field=field, start=start, end=end,
              message=f"the digest authors differ from arXiv's ({'; '.join(diffs)}); {why}")


@entry_rule("ARX008", name="affiliation-not-arxiv", category="affiliation-mismatch", severity="warning",
            message="the digest's Affiliation names institutions unrelated to the authors' arXiv affiliations",
            examples=Examples(
                bad=({"arxiv_id": "2411.90008"}, {"affiliation": "首尔国立大学、延世大学"}),
                good=({}, {"affiliation": "首尔国立大学计算机系"}, {"affiliation": "Acme视觉研究院"},
                      {"arxiv_id": "2411.90002", "affiliation": "延世大学"},
                      {"arxiv_id": "2411.90008", "affiliation": "延世大学（Yonsei University）"})))
def affiliation_vs_arxiv(entry: Entry, ctx):
    """Some papers carry the authors' affiliations on arXiv. The institutions the digest's Affiliation section names
    must be among them (the same institution, a unit of it, or a unit of the same parent). When arXiv gives an
    affiliation for every author and the gazetteer knows them all, an institution the digest adds is reported;
    otherwise only a section none of whose institutions is related to any arXiv affiliation. A section naming an
    institution the gazetteer does not know is not reported."""
    record = record_for(entry, ctx)
    if record is None or not any(a.affiliation for a in record.authors):
        return
    field = entry.sections.get("affiliation")
    if field is None or not field.present:
        return
    from .affiliation import _any_related, _label, claim

    gaz = ctx.gazetteer
    c = claim(entry, gaz)
    if c is None or not c.complete:
        return
    theirs, fully = [], all(a.affiliation for a in record.authors)
    for author in record.authors:
        for text in author.affiliation:
            found = [m.institution for m in gaz.find(text) if m.institution is not None]
            fully = fully and bool(found)
            theirs.extend(found)
    if not theirs:
        return
    lone = [i for i in c.institutions if not _any_related(gaz, [i], theirs)]
    if not lone or (len(lone) < len(c.institutions) and not fully):
        return
    listed = ", ".join(dict.fromkeys(_label(i) for i in theirs))
    named = ", ".join(_label(i) for i in lone[:3])
    start = min((m.start for m in c.mentions), default=0)
    yield Hit(field=field, start=start, end=max(start, _whole(field)[1]),
              message=f"the digest names {named}, but arXiv lists the authors' affiliations as {listed}")
