"""Post metadata: the front matter and the date heading must agree with each other and with the post's papers.

A post's front matter (date, description, cover) is written by the publishing script, not read by anyone while
editing, so it drifts: a date heading from another day, a description naming a paper that is not first, a cover
image left over from another post, the same paper published twice in one post.
"""
from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from urllib.parse import unquote, urlsplit

from .. import recache
from ..model import Field, Post, Severity
from ..rules.examples import build_post
from ..rules.registry import Examples, Hit, post_rule

_DATE = recache.compile(r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_UPDATE_IN = recache.compile(r"update\s+in\s+(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})", re.I)
_KEEP = recache.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff]+")
_IMG_TAG = recache.compile(r"<img\b[^>]*?\bsrc\s*=\s*[\"']?([^\"'\s>]+)", re.I)
_MD_IMAGE = recache.compile(r"!\[[^\]\n]*\]\(\s*<?([^)\s>]+)")


def calendar_day(value: object) -> _dt.date | None:
    """The calendar day of a front-matter value or heading text (2024-09-27, 2024/9/27, 2024年9月27日)."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if value is None:
        return None
    m = _DATE.search(str(value))
    if not m:
        return None
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _fm_line(post: Post, key: str) -> tuple[Field, int, int] | None:
    """(front-matter field, start, end) of the `key:` line, for pointing at it."""
    fm = post.front_matter_field
    if fm is None:
        return None
    m = re.search(rf"^[ \t]*{re.escape(key)}[ \t]*:.*$", fm.text, re.M)
    return (fm, m.start(), m.end()) if m else None


def _fm_hit(post: Post, key: str, message: str, severity: Severity) -> Hit:
    where = _fm_line(post, key)
    if where:
        fm, start, end = where
        return Hit(field=fm, start=start, end=end, message=message, severity=severity)
    return Hit(line=1, message=message, severity=severity)


# ---------------------------------------------------------------------------------------------------------------
# MET001 dates


@post_rule("MET001", name="date-mismatch", category="metadata", severity="warning",
           message="the post's dates disagree",
           examples=Examples(bad=({"heading_date": "2411-01-06"},),
                             good=({}, {"heading_date": "2411/1/5"}, {"date": "2411-01-05 23:59:00"})))
def date_mismatch(post: Post, ctx):
    """The front matter's `date`, the `# <date> 更新` heading and the description's "Update in <date>" name the
    same day. A heading from another day usually means the body was pasted from another post (or the post was
    re-published without regenerating it). Dates may be written 2024-09-27 or 2024/9/27; only the day is compared."""
    date = calendar_day(post.front_matter.get("date"))
    if date is None:
        return
    if post.heading is not None:
        m = _DATE.search(post.heading.text)
        day = calendar_day(post.heading.text)
        if day is not None and day != date:
            yield Hit(field=post.heading, start=m.start(), end=m.end(),
                      message=f"the heading says {day.isoformat()} but the front matter dates the post "
                              f"{date.isoformat()}")
    description = post.front_matter.get("description")
    m = _UPDATE_IN.search(str(description)) if description else None
    day = calendar_day(m.group(1)) if m else None
    if day is not None and day != date:
        yield _fm_hit(post, "description",
                      f"the description says \"Update in {day.isoformat()}\" but the front matter dates the post "
                      f"{date.isoformat()}", Severity.WARNING)


# ---------------------------------------------------------------------------------------------------------------
# MET002 description


def _norm(text: str) -> str:
    return _KEEP.sub("", unicodedata.normalize("NFKC", text).lower())


def _names(description: str, title: str) -> bool:
    """Whether the normalised description contains the title (or ends with a long start of it, cut short)."""
    if not title:
        return True
    if title in description:
        return True
    for k in range(len(title) - 1, 29, -1):
        if description.endswith(title[:k]):
            return True
    return False


_DEFAULT = build_post()
_TITLE = "NovaTalk: Expressive Audio-Driven Talking Heads with Diffusion"
_OTHER = "EchoFace: Talking Faces from Whispered Speech"


def _two_entries(second_id: str, second_title: str = _TITLE) -> str:
    head, sep, entry = _DEFAULT.partition("\n## ")
    return head + sep + entry + "\n## " + entry.replace("2411.90001", second_id).replace(_TITLE, second_title)


@post_rule("MET002", name="description-first-paper", category="metadata", severity="warning",
           message="the description does not name the post's first paper",
           examples=Examples(
               bad=({"raw": _two_entries("2411.90002", _OTHER).replace(f"  {_TITLE}", f"  {_OTHER}", 1)},
                    {"raw": _DEFAULT.replace(f"  {_TITLE}", "", 1)}),
               good=({}, {"raw": _DEFAULT.replace(f"  {_TITLE}", "  NovaTalk Expressive Audio Driven Talking "
                                                                "Heads with   Diffusion", 1)})))
def description_first_paper(post: Post, ctx):
    """The front matter's `description` (shown in post lists and search results) ends with the title of the post's
    first paper. Titles are compared without case, spacing and punctuation, since the description drops colons and
    keeps the line breaks of long arXiv titles as runs of spaces. A description naming another paper of the post is
    a warning; one naming no paper at all is a note."""
    description = post.front_matter.get("description")
    if not description or not post.entries or post.entries[0].title is None:
        return
    desc = _norm(str(description))
    first = _norm(post.entries[0].title.plain)
    if not first or _names(desc, first):
        return
    for entry in post.entries[1:]:
        if entry.title is not None and len(_norm(entry.title.plain)) >= 12 and _names(desc, _norm(entry.title.plain)):
            yield _fm_hit(post, "description",
                          f"the description names paper #{entry.index} instead of the first paper "
                          f"(\"{post.entries[0].title.plain.strip()[:60]}\")", Severity.WARNING)
            return
    yield _fm_hit(post, "description",
                  f"the description does not name the first paper (\"{post.entries[0].title.plain.strip()[:60]}\")",
                  Severity.INFO)


# ---------------------------------------------------------------------------------------------------------------
# MET003 the same paper twice


@post_rule("MET003", name="duplicate-paper", category="metadata", severity="error",
           message="the same arXiv paper appears twice in the post",
           examples=Examples(bad=({"raw": _two_entries("2411.90001")},),
                             good=({}, {"raw": _two_entries("2411.90002")})))
def duplicate_paper(post: Post, ctx):
    """Each arXiv paper appears once per post. A second entry with the same id (any version) is reported on that
    second entry; usually the whole entry — or the whole post body — was pasted twice."""
    seen: dict[str, object] = {}
    for entry in post.entries:
        if not entry.arxiv_id:
            continue
        first = seen.get(entry.arxiv_id)
        if first is None:
            seen[entry.arxiv_id] = entry
            continue
        same = (first.text is not None and entry.text is not None
                and _norm(first.text.text) == _norm(entry.text.text))
        yield Hit(field=entry.pdf, paper=entry.index, severity=Severity.ERROR,
                  message=f"arXiv {entry.arxiv_id} already appears as paper #{first.index} (line {first.line})"
                          + ("; the whole entry is repeated" if same else ""))


# ---------------------------------------------------------------------------------------------------------------
# MET004 cover image


def _parts(url: str) -> tuple[str, str, str]:
    """(site, folder, file name) of an image URL; the site drops subdomains (pic1/pica/picx.zhimg.com -> zhimg.com)."""
    u = urlsplit(url.strip().strip("\"'"))
    host = (u.hostname or "").lower()
    site = ".".join(host.split(".")[-2:]) if host else ""
    path = unquote(u.path or "")
    folder, _, name = path.rpartition("/")
    return site, folder.lower(), name.lower()


def _with_cover(cover: str, shots: tuple[str, ...]) -> str:
    post = _DEFAULT.replace("\ndate:", f"\ncover: {cover}\ndate:", 1)
    images = "\n".join(f'<img src="{s}" align="middle">' for s in shots)
    return post.replace('<img src="https://example.com/a.jpg" align="middle">', images, 1)


_SHOTS = ("https://picx.zhimg.com/v2-5d1c0a7e.jpg", "https://picx.zhimg.com/v2-93be41f2.jpg")


@post_rule("MET004", name="cover-not-in-post", category="metadata", severity="warning",
           message="the cover image is not one of the post's images",
           examples=Examples(
               bad=({"raw": _with_cover("https://pic1.zhimg.com/v2-0f7e22c9.jpg", _SHOTS)},),
               good=({}, {"raw": _with_cover("https://pica.zhimg.com/v2-93be41f2.jpg", _SHOTS)},
                     {"raw": _with_cover("https://example.com/covers/talking-heads.jpg",
                                         ("https://example.com/shots/a.jpg",))})))
def cover_not_in_post(post: Post, ctx):
    """The blog's cover image (front matter `cover`) is one of the post's own screenshots. A cover from the same
    image host and folder as the screenshots that matches none of them was left over from another post. Images are
    compared by file name, since the same image is served from several hosts (pic1/pica/picx.zhimg.com); a cover in
    a folder of its own (a deliberately chosen cover) is not judged, nor is an empty one."""
    cover = post.front_matter.get("cover")
    if not isinstance(cover, str) or not cover.strip() or cover.strip().lower() in ("none", "null"):
        return
    site, folder, name = _parts(cover)
    if not name:
        return
    images = [_parts(m.group(1)) for rx in (_IMG_TAG, _MD_IMAGE) for m in rx.finditer(post.text)]
    if not images or any(n == name for _, _, n in images):
        return
    if any(s == site and f == folder for s, f, _ in images):
        yield _fm_hit(post, "cover", f"the cover image {name} is not among the post's {len(images)} images "
                                     f"(same image host: probably another post's cover)", Severity.WARNING)
