"""Identity: does the digest name the same paper and the same people as the arXiv header?

Two families, both comparing a digest section with the header (which is copied from arXiv and taken as truth):

- AUT (author-mismatch): section 2 (Authors) against `**Authors:…**` — names dropped without 等/et al., names added
  or misspelled, a different order, and Latin names rendered in Chinese characters (alone or as invented
  transliterations in parentheses).
- TTL (title-mismatch): section 1 (Title) against `## title` — an English title that is not the header's, and a
  Chinese title that drops the coined method name heading the header title ("SegTalker: …").

Names are compared on folded text (case, accents and PDF accent artifacts such as "Dubi´nski", hyphens and spaces
removed) and by token sets, so surname-first order, middle names and initials do not count as differences.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .. import recache
from ..model import Entry, Field, Severity
from ..rules.registry import Examples, Hit, entry_rule, per_entry

# ---------------------------------------------------------------------------------------------------------------
# Word lists (rules/data/identity.yaml)


@lru_cache(maxsize=1)
def _words() -> dict[str, frozenset[str]]:
    from ..datafiles import load_yaml
    from ..rules.packs import rules_dir

    path = rules_dir() / "data" / "identity.yaml"
    data = load_yaml(path) if path.is_file() else {}
    return {key: frozenset(str(value).lower().split()) for key, value in (data or {}).items()}


def _list(name: str) -> frozenset[str]:
    return _words().get(name, frozenset())


# ---------------------------------------------------------------------------------------------------------------
# Text folding

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = recache.compile(f"[{HAN}]")
# Spacing accents that PDF extraction leaves beside the letter they belonged to ("Dubi´nski", "Jo˜ana").
_ARTIFACTS = recache.compile(r"[\u00b4\u0060\u00a8\u00b8\u00af\u02b9-\u02ff]")
_LETTER_MAP = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ð": "d", "þ": "th",
                             "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ı": "i", "ß": "ss"})


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lower-case ASCII-ish text: accents, PDF accent artifacts and ligatures removed (Han characters kept)."""
    if text.isascii():
        return text.replace("`", "").casefold()
    text = _ARTIFACTS.sub("", text).translate(_LETTER_MAP)
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


_NON_ALNUM = recache.compile(rf"[^0-9a-z{HAN}]+")


_TAG = recache.compile(r"<[^>\n]{0,200}>|&(?:amp|lt|gt|nbsp);")
_MARKUP = recache.compile(r"[*_`#>|]+")


def blank_markup(text: str) -> str:
    """The text with HTML tags, entities and markdown emphasis blanked out, so offsets still point into `text`."""
    text = _TAG.sub(lambda m: " " * len(m.group(0)), text)
    return _MARKUP.sub(lambda m: " " * len(m.group(0)), text)


def squash(text: str) -> str:
    """Folded text with everything but letters, digits and Han characters removed ("GS-Nav" -> "gsnav")."""
    return _NON_ALNUM.sub("", fold(text))


_LATEX = recache.compile(r"[$^{}\\]")


def spaced(text: str) -> str:
    """Folded text with punctuation turned into single spaces (LaTeX markers dropped: "$Q^3$" -> "q3")."""
    text = _LATEX.sub("", fold(text))
    return " ".join(_NON_ALNUM.sub(" ", text).split())


# ---------------------------------------------------------------------------------------------------------------
# Author names

_URL_OR_MAIL = recache.compile(r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PARENS = recache.compile(r"[（(]([^()（）]{0,200})[)）]")
# Separators between names. "·" separates Latin names but joins the parts of a transliterated name ("卡兹·哈克").
_SEP = recache.compile(rf"[,，、;；/|\n。]|\s+(?:and|&)\s+|以及|及其|[和与及]|(?<![{HAN}])\s*[·•]\s*|\s*[·•]\s*(?![{HAN}])")
_ACCENT_MARKS = "\u00b4\u0060\u00a8\u00b8\u00af\u02b9-\u02ff"
_LATIN_WORD = rf"[A-Za-zÀ-ÖØ-öø-ɏḀ-ỿ{_ACCENT_MARKS}][A-Za-zÀ-ÖØ-öø-ɏḀ-ỿ'’.\-{_ACCENT_MARKS}]*"
_LATIN_RUN = recache.compile(rf"{_LATIN_WORD}(?:[ \t\u00a0]+{_LATIN_WORD})*")
_HAN_RUN = recache.compile(rf"[{HAN}]+(?:\s*[·•・]\s*[{HAN}]+)*(?:[xX]{{1,3}}(?![A-Za-z]))?")

# The list is cut short on purpose: 等, et al., etc., "and others", 其他作者/其余/多位/部分 …
_TRUNCATED = recache.compile(
    r"等|et\.?\s*al|\betc\b|\bothers\b|其他|其余|其它|更多|多位|若干|众多|一些|部分|完整(?:名单|列表)|省略|…|\.\.\.", re.I)
# The section says the names are not given. (Placeholders such as xxx / 待补充 belong to the placeholder rules.)
_NOT_GIVEN = recache.compile(
    r"未提供|未给出|未列出|未公开|未注明|未知|没有(?:提供|给出|列出)|无法(?:提供|得知|列出|确定|获取|填写)|暂无|暂未|尚未|"
    r"不详|无给出|匿名|not\s+(?:provided|available|given|listed|specified|known)|unknown|anonymous|\bn/a\b", re.I)
_PLACEHOLDER = r"x{2,}|待补充|待填|待定|待查|待提供|请提供|请补充|请填写|请根据|需要您|\.{3}|…"
_PLACEHOLDER_START = recache.compile(
    rf"^[\s\[\]【】（）()<>:：*_-]*(?:{_PLACEHOLDER}|作者[一二三四五1-9]|(?:作者)?(?:姓名|名称|名字|名)\s*[（(:：]|"
    rf"作者(?:姓名|名称|名字|名)?\s*(?:[（()）]|$))", re.I)
_PLACEHOLDER_ANY = recache.compile(_PLACEHOLDER, re.I)


@dataclass(frozen=True)
class Name:
    text: str                   # as written (plain text)
    toks: tuple[str, ...]       # folded tokens, hyphens removed ("lay-ki" -> "layki"), initials without dots
    start: int = 0              # offset in the text it came from
    end: int = 0
    joined: str = ""            # tokens run together: "santacruz"
    sorted_key: str = ""        # tokens sorted: "bin dou" for "Dou Bin"


_NOT_NAME_CHAR = recache.compile(r"[^a-z.\-' ]+")
_NAME_PUNCT = recache.compile(r"[.\-']")


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[str, ...]:
    raw = fold(text).replace("’", "'")
    raw = _NOT_NAME_CHAR.sub(" ", raw)
    toks = tuple(t for t in (_NAME_PUNCT.sub("", part) for part in raw.replace(".", ". ").split()) if t)
    return tuple(t for t in toks if t not in _SUFFIXES) or toks


_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


def make_name(text: str, start: int = 0, end: int = 0) -> Name | None:
    toks = _tokens(text.strip())
    if not toks:
        return None
    return Name(text.strip(), toks, start, end or start + len(text), "".join(toks), " ".join(sorted(toks)))


_ACRONYMS = frozenset({"AI", "IEEE", "ACM", "USA", "UK", "ECCV", "CVPR", "ICCV", "AAAI", "LLC", "PhD"})


def _is_personal_name(words: list[str]) -> bool:
    """A run of Latin words that reads as one person's name (not prose, an institution or a role)."""
    if not 2 <= len(words) <= 6:
        return False
    stop, function, particles = _list("not_name_latin"), _list("function_words"), _list("name_particles")
    capital = 0
    for w in words:
        lw = fold(w).strip(".'’-")
        if lw in stop or w.strip(".") in _ACRONYMS:
            return False
        if w[:1].isupper() or _ARTIFACTS.match(w[:1]):
            capital += 1
        elif lw in function:
            return False
        elif lw not in particles and len(words) > 2 and w != words[-1]:
            return False
    if capital == 0:
        return len(words) <= 3 and all(w.isalpha() for w in words)  # "lena park": case is not a difference
    return capital >= max(1, len(words) - 1 - sum(fold(w) in particles for w in words))


_ET_AL = recache.compile(r"\bet\.?\s*al\b\.?|\betc\b\.?|\band\s+others\b", re.I)


def latin_names(text: str, base: int = 0) -> list[Name]:
    """Latin personal names in an authors section, in order, without duplicates."""
    out: list[Name] = []
    seen: set[str] = set()
    pos = 0
    text = _ET_AL.sub(lambda m: " " * len(m.group(0)), text)
    for chunk in _SEP.split(text):
        at = text.find(chunk, pos) if chunk else -1
        if at >= 0:
            pos = at + len(chunk)
        for m in _LATIN_RUN.finditer(chunk):
            words = m.group(0).split()
            skip = 0
            if words and words[0].lower() in ("and", "by"):
                skip = len(words[0])
                words = words[1:]
            if not _is_personal_name(words):
                continue
            first = base + max(at, 0) + m.start() + skip
            first += len(chunk[m.start() + skip:]) - len(chunk[m.start() + skip:].lstrip())
            name = make_name(" ".join(words), first, base + max(at, 0) + m.end())
            if name is None or len(name.toks) < 2 or name.sorted_key in seen:
                continue
            seen.add(name.sorted_key)
            out.append(name)
    return out


_TRAILING_DENG = recache.compile(r"(?:等人?|等)$")
_DOTS = recache.compile("[·•・]")
_SPACE = recache.compile(r"\s")
_TRAILING_X = recache.compile(r"[xX]+$")


@lru_cache(maxsize=1)
def _han_stops() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(any multi-character stop word, a single-character stop word, a transliteration stop character)."""
    stop = _list("not_name_han")
    multi = "|".join(sorted((re.escape(w) for w in stop if len(w) > 1), key=lambda w: (-len(w), w))) or "(?!)"
    single = "".join(re.escape(w) for w in sorted(stop) if len(w) == 1) or "\x00"
    trans = "".join(re.escape(w) for w in sorted(_list("not_transliteration"))) or "\x00"
    return recache.compile(multi), recache.compile(f"[{single}]"), recache.compile(f"[{trans}]")


def han_names(text: str) -> list[tuple[int, int]]:
    """Spans of personal names written in Chinese characters (a common surname + 1-3 characters, a transliteration
    with "·", or a surname followed by XX)."""
    surnames = _list("surnames")
    multi, single, _ = _han_stops()
    spans = []
    for m in _HAN_RUN.finditer(text):
        s = _TRAILING_DENG.sub("", m.group(0))
        lead = len(s) - len(s.lstrip("和与及"))
        s = s[lead:]
        if not s:
            continue
        m_start = m.start() + lead
        m_end = m_start + len(s)
        core = _SPACE.sub("", s)
        if _DOTS.search(core):
            parts = [p for p in _DOTS.split(core) if p]
            if all(1 <= len(p) <= 8 for p in parts) and not multi.search(core):
                spans.append((m_start, m_end))
            continue
        han = _TRAILING_X.sub("", core)
        if not 2 <= len(core) <= 5 and not (len(han) in (1, 2) and core != han):
            continue
        if not (core[:2] in surnames or core[:1] in surnames):
            continue
        if len(han) == 1 and core == han:
            continue
        if multi.search(han) or single.search(han, 1):
            continue
        spans.append((m_start, m_end))
    return spans


_TRANSLIT_LABEL = recache.compile(r"^(?:音译|中文名?|译名)[:：]?")
_TRANSLIT_BODY = recache.compile(rf"[{HAN}·•・\s]{{2,12}}(?:[xX]{{1,3}})?")
_LATIN_BEFORE = recache.compile(r"[A-Za-z][A-Za-z.'\-]*\s*[*∗†‡\d]*$")


def _is_transliteration(text: str, at: int, part: str) -> bool:
    """A parenthesised run of Han characters right after a Latin name: "Ana Silva（安娜·席尔瓦）", "（席尔XX）"."""
    core = _TRANSLIT_LABEL.sub("", part.strip())
    if not _TRANSLIT_BODY.fullmatch(core):
        return False
    multi, _, trans = _han_stops()
    if multi.search(core) or trans.search(core):
        return False
    return bool(_LATIN_BEFORE.search(text[:max(0, at - 1)].rstrip()))


def _split_parens(text: str) -> tuple[str, list[tuple[int, str]]]:
    """Text with parenthesised parts blanked out (offsets kept), and the parts with their offsets."""
    inner = [(m.start(1), m.group(1)) for m in _PARENS.finditer(text)]
    outside = _PARENS.sub(lambda m: " " * len(m.group(0)), text)
    return outside, inner


def equivalent(a: Name, b: Name) -> bool:
    """Same person: case, accents, hyphens/spaces, surname-first order, middle names and initials ignored."""
    if a.joined == b.joined or a.sorted_key == b.sorted_key:
        return True
    if "".join(sorted(a.toks)) == "".join(sorted(b.toks)) or _merged_equal(a.toks, b.toks):
        return True
    la = [t for t in a.toks if len(t) > 1]
    lb = [t for t in b.toks if len(t) > 1]
    if len(la) > len(lb):
        a, b, la, lb = b, a, lb, la
    if not la:
        return False
    rest = list(lb)
    for t in la:
        if t in rest:
            rest.remove(t)
        else:
            return False
    initials = [t for t in a.toks if len(t) == 1]
    for t in list(rest):
        if t[0] in initials:
            initials.remove(t[0])
            rest.remove(t)
    if not rest:
        return len(la) >= 2 or len(lb) == 1 or bool([t for t in a.toks if len(t) == 1])
    # What is left of the longer name must be middle names (neither its first nor its last token).
    return len(la) >= 2 and all(b.toks.index(t) not in (0, len(b.toks) - 1) for t in rest)


def _merged_equal(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """"Soon Lay Ki" and "Lay-Ki Soon": equal once two neighbouring tokens of the longer name are joined."""
    if len(a) < len(b):
        a, b = b, a
    if len(a) != len(b) + 1 or len(a) > 6:
        return False
    target = sorted(b)
    return any(sorted(a[:i] + (a[i] + a[i + 1],) + a[i + 2:]) == target for i in range(len(a) - 1))


def _similar(a: Name, b: Name) -> bool:
    from rapidfuzz import fuzz

    return fuzz.ratio(a.sorted_key, b.sorted_key) >= 85 or fuzz.ratio(a.joined, b.joined) >= 88


@dataclass
class AuthorComparison:
    matched: list[tuple[Name, int]]         # digest name, header index
    missing: list[int]                      # header indices not in the digest
    extra: list[Name]                       # digest names matching no header author
    misspelled: list[tuple[Name, int]]      # digest name, header index it resembles
    inversions: list[tuple[Name, Name]]     # (listed earlier, listed later) that the header orders the other way


def compare_authors(digest: list[Name], header: list[Name]) -> AuthorComparison:
    by_key: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        by_key.setdefault(h.joined, []).append(i)
        by_key.setdefault(h.sorted_key, []).append(i)
    used: set[int] = set()
    matched, unmatched = [], []
    for d in digest:
        hit = next((i for key in (d.joined, d.sorted_key) for i in by_key.get(key, ()) if i not in used), None)
        if hit is None:
            hit = next((i for i, h in enumerate(header) if i not in used and equivalent(d, h)), None)
        if hit is None:
            unmatched.append(d)
        else:
            used.add(hit)
            matched.append((d, hit))
    misspelled, extra = [], []
    if unmatched:
        from rapidfuzz import fuzz, process

        free = [i for i in range(len(header)) if i not in used]
        for d in unmatched:
            choices = {i: header[i].sorted_key for i in free}
            best = process.extractOne(d.sorted_key, choices, scorer=fuzz.ratio, score_cutoff=60) if choices else None
            if best is not None and _similar(d, header[best[2]]):
                misspelled.append((d, best[2]))
                free.remove(best[2])
                used.add(best[2])
            else:
                extra.append(d)
    missing = [i for i in range(len(header)) if i not in used]
    inversions = []
    top: tuple[Name, int] | None = None
    for d, i in matched:
        if top is not None and i < top[1]:
            inversions.append((top[0], d))
        if top is None or i > top[1]:
            top = (d, i)
    return AuthorComparison(matched, missing, extra, misspelled, inversions)


def _quote(names: list[str], limit: int = 4) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _cached(ctx, key: str, entry: Entry, make):
    """One analysis per entry, shared by the AUT/TTL rules."""
    return per_entry(f"identity:{key}", entry, make)


@dataclass
class AuthorReport:
    field: Field
    header: list[Name]
    text: str                                   # the section with markup blanked out (same offsets)
    han_spans: list[tuple[int, int]]            # names written in Chinese characters
    no_names: bool = False                      # the section says the names are not given
    names: list[Name] | None = None             # Latin names found
    truncated: bool = False                     # cut short with 等/et al.
    cmp: AuthorComparison | None = None


def analyse_authors(entry: Entry) -> AuthorReport | None:
    """Compare section 2 with the header authors; None when there is nothing to compare."""
    field = entry.sections.get("authors")
    if field is None or not field.present or entry.authors is None:
        return None
    items = entry.header_authors
    if any(" and " in item or "&" in item for item in items):
        items = [a for item in items for a in _HEADER_AND.split(item)]
    header = [n for n in map(make_name, items) if n is not None]
    if not header:
        return None
    text = _URL_OR_MAIL.sub(lambda m: " " * len(m.group(0)), blank_markup(field.text))
    outside, inner = _split_parens(text)
    spans: list[tuple[int, int]] = []
    if not _HAN_CHAR.search(entry.authors.text):
        spans = han_names(outside)
        spans += [(at + s, at + e) for at, part in inner for s, e in han_names(part)]
        spans += [(at, at + len(part)) for at, part in inner if _is_transliteration(text, at, part)]
        spans.sort()
    report = AuthorReport(field, header, text, spans)
    if spans:
        return report
    names = latin_names(outside) or [n for at, part in inner for n in latin_names(part, at)]
    if not names:
        report.no_names = not _PLACEHOLDER_START.search(text) and bool(
            _NOT_GIVEN.search(text) or (not _PLACEHOLDER_ANY.search(text) and _HAN_CHAR.search(text)
                                        and not _LATIN_LETTER.search(text)))
        return report
    report.names = names
    report.truncated = bool(_TRUNCATED.search(text))
    report.cmp = compare_authors(names, header)
    return report


_LATIN_LETTER = recache.compile("[A-Za-z]")
_HEADER_AND = recache.compile(r"\s+and\s+|\s*&\s*")


def _authors(entry: Entry, ctx) -> AuthorReport | None:
    return _cached(ctx, "authors", entry, analyse_authors)


def _whole(field: Field) -> tuple[int, int]:
    return 0, len(field.text.rstrip())


@entry_rule("AUT001", name="authors-in-chinese", category="author-mismatch", severity="error",
            message="author names written in Chinese characters instead of the header's Latin names",
            examples=Examples(
                bad=({"authors": "朴丽娜、托马斯·韦伯、优素福·德米尔"},
                     {"authors": "Lena Park（朴丽娜）, Tomas Weber（韦伯）, Yusuf Demir"},
                     {"authors": "Lena Park, Tomas Weber, 德米尔·优素福"}),
                good=({"authors": "Lena Park, Tomas Weber, Yusuf Demir"},
                      {"authors": "Lena Park（第一作者）、Tomas Weber（通讯作者）、Yusuf Demir（首尔国立大学）"},
                      {"authors": "Lena Park, Tomas Weber, Yusuf Demir。其中第一作者来自首尔国立大学。"})))
def authors_in_chinese(entry: Entry, ctx):
    """The header (copied from arXiv) gives the authors in Latin script; the digest must keep them. Writing them
    in Chinese characters — as a list ("吴思淳" for Sichun Wu, "卡兹·因贾马姆·哈克") or as invented transliterations
    added in parentheses ("Wenqing Wang（王文清）") — produces names nobody can look up, and they are usually wrong.
    Remarks in parentheses such as （第一作者） or an affiliation are not names."""
    report = _authors(entry, ctx)
    if report is None or not report.han_spans:
        return
    shown = list(dict.fromkeys(_TRANSLIT_LABEL.sub("", report.text[s:e]) for s, e in report.han_spans))
    start, end = report.han_spans[0]
    yield Hit(field=report.field, start=start, end=end,
              message=f"author names written in Chinese characters ({_quote(shown, 3)}) instead of the header's "
                      f"Latin names ({_quote([h.text for h in report.header], 3)})")


@entry_rule("AUT002", name="authors-not-given", category="author-mismatch", severity="error",
            message="the Authors section gives no names although the header lists them",
            examples=Examples(
                bad=({"authors": "论文作者姓名暂时未提供。"}, {"authors": "The names of the authors are not given here."},
                     {"authors": "匿名投稿，无法得知作者。"}),
                good=({"authors": "Lena Park, Tomas Weber, Yusuf Demir"}, {"authors": "xxx，xxx，xxx等"},
                      {"authors": "待补充"})))
def authors_not_given(entry: Entry, ctx):
    """The header always lists the authors, so a section that says they are unknown, not provided or anonymous
    ("作者信息暂未提供", "Authors: unknown") is wrong. A bare template slot (xxx, 待补充, 作者姓名（英文）) is left to
    the placeholder rules."""
    report = _authors(entry, ctx)
    if report is None or not report.no_names:
        return
    start, end = _whole(report.field)
    yield Hit(field=report.field, start=start, end=end,
              message=f"the Authors section gives no names although the header lists {len(report.header)} "
                      f"author(s) ({_quote([h.text for h in report.header], 3)})")


@entry_rule("AUT003", name="authors-missing", category="author-mismatch", severity="error",
            message="header authors missing from the Authors section",
            examples=Examples(
                bad=({"authors": "Lena Park, Yusuf Demir"}, {"authors": "Anna Schmidt, Jonas Berg"}),
                good=({"authors": "Lena Park, Tomas Weber, Yusuf Demir"},
                      {"authors": "Park Lena、Tomas  Weber 和 Yusuf Demir"},
                      {"authors": "LENA PARK; Tomas J. Weber; Yusuf Demir（第一作者）"},
                      {"authors": "Weber Tomas · Lena Park · Yusuf Demir"})))
def authors_missing(entry: Entry, ctx):
    """Every header author must appear, unless the list is visibly cut short with 等, et al., etc. or "其他作者"
    (then this is only a note, at info level). Names are matched on form, not spelling details: case, accents and
    PDF accent artifacts ("Dubi´nski"), hyphens and spaces ("SantaCruz"), surname-first order ("Dou Bin"), middle
    names and initials ("Vinay P Namboodiri") do not matter; separators may be `,` `，` `、` `;` `·` `and` `和` `与`."""
    report = _authors(entry, ctx)
    if report is None or report.cmp is None or not report.cmp.missing:
        return
    cmp, header = report.cmp, report.header
    start, end = _whole(report.field)
    if report.truncated:
        yield Hit(field=report.field, start=start, end=end, severity=Severity.INFO,
                  message=f"author list is cut short (等/et al.): {len(cmp.matched)} of {len(header)} header "
                          f"authors given")
    elif not cmp.matched and not cmp.misspelled:
        yield Hit(field=report.field, start=start, end=end,
                  message=f"none of the {len(header)} header authors is listed "
                          f"(header: {_quote([h.text for h in header], 3)})")
    else:
        lost = [header[i].text for i in cmp.missing]
        yield Hit(field=report.field, start=start, end=end,
                  message=f"{len(lost)} header author(s) missing without 等/et al.: {_quote(lost)}")


@entry_rule("AUT004", name="authors-extra-or-misspelled", category="author-mismatch", severity="error",
            message="a name that is not among the header authors, or is spelled differently",
            examples=Examples(
                bad=({"authors": "Lena Park, Tomas Weber, Yusuf Demir, Anna Schmidt"},
                     {"authors": "Lena Park, Thomas Webber, Yusuf Demir"}),
                good=({"authors": "Lena Park, Tomas Weber, Yusuf Demir"},
                      {"authors": "Léna Park, Tomas Wéber, Yusuf Demir*"},
                      {"authors": "L. Park, T. Weber, Y. Demir"})))
def authors_extra(entry: Entry, ctx):
    """A name in section 2 that is not in the header — an invented co-author, a different paper's author list, an
    institution ("Acme Vision Labs" is filtered out as not a personal name) — or a header name with letters
    changed ("Jonas Bergmann" for Jonas Bergman)."""
    report = _authors(entry, ctx)
    if report is None or report.cmp is None:
        return
    cmp, header = report.cmp, report.header
    if cmp.misspelled:
        d, i = cmp.misspelled[0]
        more = f" ({len(cmp.misspelled)} names differ)" if len(cmp.misspelled) > 1 else ""
        yield Hit(field=report.field, start=d.start, end=d.end,
                  message=f"author name {d.text!r} differs from the header's {header[i].text!r}{more}")
    if cmp.extra:
        d = cmp.extra[0]
        yield Hit(field=report.field, start=d.start, end=d.end,
                  message=f"{len(cmp.extra)} name(s) not among the header authors: "
                          f"{_quote([x.text for x in cmp.extra])}")


@entry_rule("AUT005", name="authors-order", category="author-mismatch", severity="warning",
            message="authors listed in a different order than in the header",
            examples=Examples(
                bad=({"authors": "Tomas Weber, Lena Park, Yusuf Demir"},),
                good=({"authors": "Lena Park, Tomas Weber, Yusuf Demir"},
                      {"authors": "Park Lena, Weber Tomas, Demir Yusuf"})))
def authors_order(entry: Entry, ctx):
    """Author order carries credit (first and last authors), so the digest keeps the header's order."""
    report = _authors(entry, ctx)
    if report is None or report.cmp is None or not report.cmp.inversions:
        return
    first, later = report.cmp.inversions[0]
    yield Hit(field=report.field, start=later.start, end=later.end,
              message=f"authors are not in the header's order: {later.text!r} is listed after {first.text!r} but "
                      f"comes before it in the header")


# ---------------------------------------------------------------------------------------------------------------
# Titles

_TITLE_LABEL = recache.compile(
    r"^\s*(?:[-*•]\s*)?(?:\**\s*)?(?:中文(?:翻译|标题|题目)?|英文(?:标题|题目|翻译)?|翻译|原(?:文)?(?:标题|题目)|(?:标题|题目)(?:翻译)?|"
    r"(?:english|chinese|original)?\s*(?:title|translation)(?:\s+in\s+(?:english|chinese))?|english|chinese)"
    r"\s*(?:\**\s*)?[:：]\s*(?:\**\s*)?", re.I)
_REMARK = recache.compile(r"^\s*(?:注|备注|说明|此为|这是|以上|意译|直译|其中|本文|该论文|该文|原文)")
_LABEL_SEP = recache.compile(r"[；;｜|/](?=\s*(?:中文|英文|翻译|标题|题目|english|chinese|original|title|translation))", re.I)
_EMBEDDED_LATIN = recache.compile(
    r"[A-Za-z0-9$][A-Za-z0-9$^'’\-.,:&+]*(?:[ \t]+[A-Za-z0-9$^(][A-Za-z0-9$^'’\-.,:&+()]*){3,}")
_GLOSS_AFTER = recache.compile(r"\s*[（(]([^()（）\n]{1,50})[)）]")
_LEAD_NAME = recache.compile(r"([A-Za-z0-9$^\-\s.]{2,40})[（(]?\s*$")
_OPEN_PARENS = recache.compile(r"[（(][^()（）]*(?:[)）]|$)")
_PAREN_SPLIT = recache.compile(r"[（(]|[)）]")
_COINED = recache.compile(r"[a-z][A-Z]|[A-Z]{2}|\d|[^\x00-\x7f]|^[A-Z]-|-[A-Z](?:-|$)|[$^]")
_WORD = recache.compile(r"[A-Za-z][A-Za-z0-9'’\-]*")


def _han_count(text: str) -> int:
    return len(_HAN_CHAR.findall(text))


@dataclass
class _Piece:
    text: str
    start: int
    han: bool


def title_units(text: str) -> tuple[list[_Piece], list[_Piece]]:
    """(english, chinese) title candidates of a Title section: each line is cut at parentheses, adjacent pieces of
    the same script are merged, and labels such as "中文翻译：" or "Title:" are removed."""
    english: list[_Piece] = []
    chinese: list[_Piece] = []
    offset = 0
    text = _LABEL_SEP.sub("\n", text)  # "英文标题：…；中文标题：…" on one line: two lines, same offsets
    for line in text.split("\n"):
        pieces: list[_Piece] = []
        pos = 0
        for m in list(_PAREN_SPLIT.finditer(line)) + [None]:
            end = m.start() if m else len(line)
            seg, at = line[pos:end], offset + pos
            for _ in range(2):
                lab = _TITLE_LABEL.match(seg)
                if lab:
                    seg, at = seg[lab.end():], at + lab.end()
            if seg.strip(" \t*_:：.。,，;；-—"):
                han = _han_count(seg) >= 2
                # A short Latin gloss in parentheses inside a Chinese title belongs to it: "…渲染（NeRF）的…".
                gloss = not han and m is not None and pos > 0 and line[pos - 1] in "(（" and \
                    len(_WORD.findall(seg)) <= 3
                if gloss and pieces and pieces[-1].han:
                    han = True
                if pieces and pieces[-1].han == han and not lab and (han or not pieces[-1].han):
                    prev = pieces[-1]
                    pieces[-1] = _Piece(text[prev.start:offset + end], prev.start, han)
                else:
                    pieces.append(_Piece(seg, at, han))
            pos = m.end() if m else len(line)
        for p in pieces:
            body = p.text.strip(" \t*_.。")
            piece = _Piece(body, p.start + p.text.find(body[:1]) if body else p.start, p.han)
            if not body:
                continue
            if piece.han:  # an English title run inside a Chinese line: "…。英文翻译是：NovaTalk: Expressive …"
                english += [_Piece(m.group(0).rstrip(" .,;:"), piece.start + m.start(), False)
                            for m in _EMBEDDED_LATIN.finditer(body)]
            if piece.han and not _REMARK.match(body) and _han_count(body) <= 70 and "。" not in body.rstrip("。"):
                chinese.append(piece)
            elif not piece.han and len(_WORD.findall(body)) >= 3:
                english.append(piece)
        offset += len(line) + 1
    return english, chinese


_NAME_HEAD = recache.compile(r"^\s*([^:：]{2,60}?)\s*[:：]\s+\S")


def _is_coined(word: str) -> bool:
    """A made-up name ("SegTalker", "GS-Nav", "X-Field") rather than a field term ("NeRF", "3D-Aware")."""
    generic = _list("generic_terms")
    word = word.strip("()[]")
    if fold(word) in generic:
        return False
    parts = [p for p in word.split("-") if p]
    if len(parts) == 1:
        return True
    if any((len(p) == 1 and p.isupper()) or (_COINED.search(p) and fold(p) not in generic) for p in parts):
        return True  # "GS-Nav" has a made-up part
    if any(fold(p) in generic for p in parts):  # "NeRF-Based", "Text-to-3D" but "Mipmap-GS", "e-NeRF"
        return not all(fold(p) in generic or fold(p) in _list("compound_parts") for p in parts)
    return False


def _header_name(title: str) -> tuple[str, list[str]] | None:
    """The name heading a "Name: description" title and its coined tokens, or None."""
    m = _NAME_HEAD.match(title)
    if not m:
        return None
    name = m.group(1).strip()
    words = name.split()
    if not 1 <= len(words) <= 5:
        return None
    marked = [w for w in words if _COINED.search(w)]
    coined = [w for w in marked if _is_coined(w)]
    if marked and not coined:
        return None  # "Memory NeRF", "3D Gaussian Splatting": only field terms look coined
    return name, coined


def _proper_name_in_abstract(name: str, abstract: str) -> bool:
    """An ordinary-word name ("Silver Echo") counts as a method name when the abstract uses it, capitalised, in
    mid-sentence or with an acronym after it."""
    words = name.split()
    if not all(w[:1].isupper() for w in words if len(w) > 3) or not words[0][:1].isupper():
        return False
    if fold(words[-1]) in _list("task_heads") or fold(words[0]).endswith("ing"):
        return False  # "Open Vocabulary Detection", "Evaluating …": a task, not a method
    for m in re.finditer(re.escape(name), abstract):
        before = abstract[:m.start()].rstrip()
        if before and before[-1] not in ".!?:;" or abstract[m.end():m.end() + 2].strip().startswith("("):
            return True
    return False


_EN_REMARK = recache.compile(
    r"^\s*(?:note|this|these|it|here|please|the\s+(?:title|paper|original))\b|\btranslat|\btitle\s+of\b", re.I)


def _is_title_attempt(english: str, header: str, name: str | None) -> bool:
    """An English piece that means to give the title (not a gloss of one term, not a remark)."""
    if _EN_REMARK.search(english):
        return False
    e, h = spaced(english), spaced(header)
    if len(e) >= 0.6 * len(h):
        return True
    if name and e.startswith(spaced(name)):
        return True
    return len(h.split()) > 3 and e.startswith(" ".join(h.split()[:3]))


def _title_parts(entry: Entry):
    field = entry.sections.get("title")
    if field is None or not field.present or entry.title is None or not entry.title.present:
        return None
    header = " ".join(entry.title.plain.split())
    text = blank_markup(field.text)
    english, chinese = title_units(text)
    return field, header, text, english, chinese, _header_name(header)


_NAME_ACRONYM = recache.compile(r"\(([^()]{2,20})\)")
_ACRONYM_AFTER = r"\s*\(([A-Z][A-Za-z0-9-]{1,9})\)"


@entry_rule("TTL001", name="english-title-differs", category="title-mismatch", severity="error",
            message="the English title in the Title section is not the header's title",
            examples=Examples(
                bad=({"title": "NovaTalk: Expressive Talking Heads with Diffusion"},
                     {"title": "基于扩散模型的说话人头部生成（NovaTalk: Expressive Talking Heads）"},
                     {"title": "VoiceGlow: Expressive Audio-Driven Talking Heads with Diffusion"},
                     {"title": "NovaTalk：基于扩散模型的说话人头部生成\nEnglish: Expressive Audio-Driven Talking "
                               "Heads Based on Diffusion Models"}),
                good=({"title": "NovaTalk: Expressive Audio-Driven Talking Heads with Diffusion"},
                      {"title": "novatalk - expressive audio driven talking heads with diffusion."},
                      {"title": "NovaTalk: Expressive Audio-Driven Talking Heads with Difusion"},
                      {"title": "NovaTalk：基于扩散模型（Latent Diffusion Model）的说话人头部生成"},
                      {"title": "NovaTalk: Expressive Audio-Driven Talking Heads with Diffusion (Supplementary)"})))
def english_title(entry: Entry, ctx):
    """An English title in section 1 must be the header's (`## title`, copied from arXiv) up to case, spacing,
    punctuation and a one-letter typo. A shortened, extended or reworded English title — also one given in
    parentheses after a Chinese title — names a paper that does not exist. Short English glosses of a term inside
    a Chinese title ("（Neural Radiance Fields）") are not titles and are not compared."""
    parts = _cached(ctx, "title", entry, _title_parts)
    if parts is None:
        return
    field, header, text, english, _, named = parts
    from rapidfuzz import fuzz

    h = spaced(header)
    for piece in english:
        e = spaced(piece.text)
        if not e or e == h or squash(piece.text) == squash(header) or fuzz.ratio(e, h) >= 96:
            continue
        bare = spaced(_OPEN_PARENS.sub(" ", piece.text))
        if bare and (bare == spaced(_PARENS.sub(" ", header)) or fuzz.ratio(bare, h) >= 96):
            continue
        if not _is_title_attempt(piece.text, header, named[0] if named else None):
            continue
        yield Hit(field=field, start=piece.start, end=piece.start + len(piece.text),
                  message=f"English title differs from the header title {header!r}")
        return


@entry_rule("TTL002", name="method-name-dropped", category="title-mismatch", severity="error",
            message="the Chinese title drops the method name that heads the header title",
            examples=Examples(
                bad=({"title": "基于扩散模型的表现力音频驱动说话人头部生成"},
                     {"title": "新星说话：基于扩散模型的说话人头部生成"},
                     {"title": "NovaTalk: Expressive Audio-Driven Talking Heads with Diffusion\n"
                               "（中文翻译：基于扩散模型的表现力说话人头部生成）"}),
                good=({"title": "NovaTalk：基于扩散模型的说话人生成"},
                      {"title": "基于扩散模型的表现力说话人头部生成（NovaTalk）"},
                      {"title": "NOVATALK：扩散模型驱动的说话人"},
                      {"header_title": "Talking Head Generation: A Survey", "title": "说话人头部生成：综述"})))
def method_name_dropped(entry: Entry, ctx):
    """When the header title reads "Name: description", the Name is how readers find the paper. A Chinese title
    may shorten or loosely paraphrase the description but must keep the Name (case, spaces and hyphens aside) when
    it is coined — CamelCase, capitals, digits, accents ("SegTalker", "GS-Nav", "$Q^3$-Net", "Résumé") — or is
    used as a proper name in the abstract ("Silver Echo", "Lumen"). Translating it away ("流明" for Lumen), or
    replacing it ("SketchFlow" for InkDiff), is a mismatch. Headings that are field terms ("3D Gaussian
    Splatting: …") or task names ("Open Vocabulary Detection: …") need not be kept."""
    parts = _cached(ctx, "title", entry, _title_parts)
    if parts is None:
        return
    field, header, text, _, chinese, named = parts
    if not named or not chinese:
        return
    name, coined = named
    abstract = entry.abstract.plain if entry.abstract else ""
    short = _NAME_ACRONYM.search(name)  # "BillBoard Splatting (BBSplat)": the acronym alone will do
    extra = (squash(short.group(1)),) if short else ()
    coined = [w for w in coined if not (short and w.strip("()") == short.group(1))]
    if coined:
        needles = [(squash(w),) + extra for w in coined]
    elif _proper_name_in_abstract(name, abstract):
        acronym = re.search(re.escape(name) + _ACRONYM_AFTER, abstract)
        needles = [(squash(name),) + ((squash(acronym.group(1)),) if acronym else ())]
    else:
        return
    needles = [n for n in needles if all(n)]
    for piece in chinese:
        flat = squash(_gloss_context(text, piece))
        if all(any(_contains(flat, alt) for alt in alts) for alts in needles):
            continue
        yield Hit(field=field, start=piece.start, end=piece.start + len(piece.text),
                  message=f"Chinese title drops the method name {name!r} that heads the header title")
        return


def _contains(flat: str, needle: str) -> bool:
    """The name is in the title, allowing one slip in a long name ("NovaTlak" for NovaTalk)."""
    if needle in flat:
        return True
    if len(needle) < 7:
        return False
    from rapidfuzz import fuzz

    return fuzz.partial_ratio(needle, flat) >= 90


def _gloss_context(text: str, piece: _Piece) -> str:
    """A Chinese title with the parenthesised gloss right after it ("…合成（ABC-Net）") or the name just before it."""
    after = text[piece.start + len(piece.text):piece.start + len(piece.text) + 60]
    m = _GLOSS_AFTER.match(after)
    before = text[max(0, piece.start - 40):piece.start]
    lead = _LEAD_NAME.search(before.split("\n")[-1])
    return piece.text + (" " + m.group(1) if m else "") + (" " + lead.group(1) if lead else "")
