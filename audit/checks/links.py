"""Links: the paper link and the code link the digest gives (missing-link LNK0xx, bad-link LNK1xx).

The header always knows the paper (the arXiv id of its `[PDF]` line) and often its code or project page (a URL
in the abstract or the comments). The digest's Urls section should repeat them. This module reads that section
— and any other line of the digest that gives links with a label and a colon — as a sequence of labels ("论文链接",
"Paper", "Github代码链接", "Project page", …) and values (URLs, arXiv ids, "None"/"待提供"-style absences,
placeholders and fill-in instructions), assigns each value to the paper slot or the code slot, and compares the
slots with the header. Word lists live in `rules/data/links.yaml`.
"""
from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote

from .. import recache
from ..model import Entry, Field, Severity
from ..rules.registry import Examples, Hit, entry_rule, per_entry, replace_span

# ----------------------------------------------------------------------------------------------------------------
# Word lists (loaded once)

_FLAGS = re.I | re.A  # ASCII word boundaries: "填写None" still has a boundary before "None"


class _Lists:
    def __init__(self, data: dict):
        def alt(key: str) -> str:
            return "|".join(f"(?:{p})" for p in data.get(key, ()))

        self.paper = alt("paper_labels")
        self.code = alt("code_labels")
        self.absent = alt("absent")
        self.placeholder = alt("placeholders")
        self.deferral = alt("deferrals")
        self.paper_re = recache.compile(self.paper, _FLAGS)
        self.code_re = recache.compile(self.code, _FLAGS)
        self.absent_re = recache.compile(self.absent, _FLAGS)
        self.placeholder_re = recache.compile(self.placeholder, _FLAGS)
        self.fake_host = recache.compile(r"(?:%s)\Z" % alt("fake_hosts"), _FLAGS)
        self.bare_paper = {str(w).lower() for w in data.get("bare_paper_words", ())}
        self.bare_code = {str(w).lower() for w in data.get("bare_code_words", ())}
        self.fake_owners = {str(o).lower() for o in data.get("fake_owners", ())}
        self.fake_path = recache.compile(data.get("fake_path", r"(?!x)x"), _FLAGS)
        self.publisher = recache.compile(r"(?:^|\.)(?:%s)" % alt("publisher_hosts"), _FLAGS)
        self.code_host = recache.compile(r"(?:^|\.)(?:%s)(?:/|\Z)" % alt("code_hosts"), _FLAGS)
        self.repo_host = recache.compile(r"(?:^|\.)(?:%s)(?:/|\Z)" % alt("repo_hosts"), _FLAGS)
        self.not_code_host = recache.compile(r"(?:^|\.)(?:%s)(?:/|\Z)" % alt("not_code_hosts"), _FLAGS)
        self.tokens = _guarded("|".join([
            r"(?P<md>\[(?P<mdtext>[^\[\]\n]{0,200})\]\((?P<mdtarget>[^()\n]{0,400})\))",
            r"(?P<angle><(?P<angletext>[^<>\n]{1,200})>)",
            r"(?P<url>" + _URL + r")",
            r"(?P<arxivid>arxiv\s*[:：]?\s*(?:[a-z-]+(?:\.[a-z]{2})?/)?(?P<aid>\d{4}\.\d{4,5}))",
            r"(?P<bareid>(?<![\d.])(?P<bid>[0-2]\d(?:0[1-9]|1[0-2])\.\d{4,5})(?![\d]))",
            r"(?P<paper>" + self.paper + r")",
            r"(?P<code>" + self.code + r")",
            r"(?P<defer>" + self.deferral + r")",
            r"(?P<ph>" + self.placeholder + r")",
            r"(?P<absent>" + self.absent + r")",
            r"(?P<repo>\[(?P<repopath>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)\])",
        ]))
        # A parenthesis right after a URL that only names what the URL is: "https://… （GitHub代码链接）".
        self.trailing_label = recache.compile(r"\s*[（(]\s*(?P<body>[^（()）\n]{1,24})[)）]", _FLAGS)
        # A line outside the Urls section that gives links: a label followed by a colon, or a line that starts
        # with a label followed by an absence ("论文链接待补充").
        self.link_line = _guarded(
            r"(?:(?:%s)|(?:%s))\s*(?:\*\*|</?strong>)?\s*[:：]" % (self.paper, self.code))
        self.link_line_start = recache.compile(
            r"^[\s>*+\-\d.、()（）]*(?:\*\*)?\s*(?:(?:%s)|(?:%s))\s*(?:[（(]\s*)?(?:%s)"
            % (self.paper, self.code, self.absent), _FLAGS)


_URL_CHARS = r"[^\s<>\"'\[\]()（）{}，,；;。！!、“”‘’|`*\u0080-\uffff]"
_URL = (r"(?:https?://|www\.)" + _URL_CHARS + r"+"
        r"|(?<![\w.@/-])[A-Za-z0-9-]+\.github\.io(?:/" + _URL_CHARS + r"*)?"
        r"|(?<![\w.@/-])github\.com/" + _URL_CHARS + r"+")

_URL_RE = recache.compile(_URL, _FLAGS)
_LISTS: _Lists | None = None


def _guarded(pattern: str) -> re.Pattern:
    """`pattern` compiled with a leading look-ahead on the characters a match can start with, when they can be
    worked out: the scan then skips most positions of Chinese prose at C speed instead of trying every
    alternative at every character."""
    first = _first_chars(pattern)
    if first:
        cls = "".join(re.escape(c) for c in sorted(first))
        pattern = f"(?=[{cls}])(?:{pattern})"
    return recache.compile(pattern, _FLAGS)


def _first_chars(pattern: str) -> set[str] | None:
    """Characters a non-empty match of `pattern` may start with; None when unknown (a pattern may start
    anywhere or may match the empty string)."""
    try:
        from re import _constants as C, _parser as P
        tree = P.parse(pattern, _FLAGS)
    except Exception:  # pragma: no cover - private modules of another Python version: no guard
        return None
    chars: set[str] = set()

    class Unknown(Exception):
        pass

    def add(c: str) -> None:
        chars.update({c, c.lower(), c.upper()})

    def seq(items) -> bool:  # True when the whole sequence can match the empty string
        for op, av in items:
            if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
                continue
            if not one(op, av):
                return False
        return True

    def one(op, av) -> bool:
        if op is C.LITERAL:
            add(chr(av))
            return False
        if op is C.IN:
            for o, a in av:
                if o is C.LITERAL:
                    add(chr(a))
                elif o is C.RANGE and a[1] - a[0] < 200:
                    for i in range(a[0], a[1] + 1):
                        add(chr(i))
                elif o is C.CATEGORY and a is C.CATEGORY_DIGIT:
                    chars.update("0123456789")
                elif o is C.CATEGORY and a is C.CATEGORY_SPACE:
                    chars.update(" \t\n\r\f\v")
                elif o is C.CATEGORY and a is C.CATEGORY_WORD:
                    chars.update("0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
                else:
                    raise Unknown
            return False
        if op is C.SUBPATTERN:
            return seq(av[-1])
        if op is C.BRANCH:
            return any([seq(b) for b in av[1]])
        if op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)):
            nullable = seq(av[2])
            return av[0] == 0 or nullable
        if op is getattr(C, "ATOMIC_GROUP", None):
            return seq(av)
        raise Unknown

    try:
        if seq(tree):
            return None
    except Unknown:
        return None
    return chars


def lists() -> _Lists:
    global _LISTS
    if _LISTS is None:
        from ..datafiles import load_yaml
        from ..rules.packs import rules_dir

        _LISTS = _Lists(load_yaml(rules_dir() / "data" / "links.yaml") or {})
    return _LISTS


# HTML tags and markdown emphasis are blanked (same length, so offsets stay valid); `<Url to …>` and
# `<https://…>` are kept because they are values.
_MASK = recache.compile(r"</?(?:p|li|ol|ul|strong|b|em|i|br|span|div|a|code|sup|sub|h[1-6]|details|summary)\b[^<>\n]*>"
                   r"|\*\*|__|&nbsp;", re.I)


_ANCHOR = recache.compile(r"<a\s[^<>\n]*?href\s*=\s*[\"']?(?P<href>[^\"'\s<>]+)[^<>\n]*>", re.I)


def _blank_anchor(m: re.Match) -> str:
    """`<a href="URL">` keeps only its URL (in place), so the link is read like a bare URL."""
    s, e = m.start("href") - m.start(), m.end("href") - m.start()
    g = m.group()
    return " " * s + g[s:e] + " " * (len(g) - e)


def _masked(text: str) -> str:
    if "<a" in text or "<A" in text:
        text = _ANCHOR.sub(_blank_anchor, text)
    return _MASK.sub(lambda m: " " * len(m.group()), text)


# ----------------------------------------------------------------------------------------------------------------
# URLs

@dataclass(frozen=True)
class Url:
    raw: str
    norm: str        # lower case, no scheme, no www., no trailing slash or punctuation
    host: str
    path: str


_TRIM = ".,;:!?'\"*_~)]}>。，；：！？）】》"


def parse_url(raw: str) -> Url:
    text = raw.replace("\\_", "_").replace("\\", "")
    try:
        text = unquote(text)
    except Exception:  # pragma: no cover - unquote is lenient
        pass
    cut = re.search(r"[^\x21-\x7e]|[<>\"'{}|^`\[\]]", text)
    if cut:
        text = text[:cut.start()]
    text = text.rstrip(_TRIM)
    norm = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text.lower())
    norm = re.sub(r"^www\.", "", norm).rstrip("/" + _TRIM)
    host, _, path = norm.partition("/")
    return Url(raw=raw, norm=norm, host=host, path=path)


def _owner_repo(u: Url) -> tuple[str, str, str] | None:
    """('com'|'io', owner, first path part) for GitHub repositories and GitHub Pages."""
    parts = [p for p in u.path.split("/") if p]
    if u.host == "github.com" and parts:
        return "com", parts[0], parts[1] if len(parts) > 1 else ""
    if u.host.endswith(".github.io"):
        return "io", u.host[: -len(".github.io")], parts[0] if parts else ""
    return None


def is_fake(u: Url) -> str | None:
    """Why `u` cannot be a real link (placeholder host, template owner, bare github.com), or None."""
    L = lists()
    if u.host and L.fake_host.match(u.host):
        return "is a placeholder address"
    if not u.host or "." not in u.host:
        return "has no real host"
    if u.host == "github.com":
        parts = [p for p in u.path.split("/") if p]
        if not parts:
            return "points at github.com itself, not at a repository"
        if parts[0].lower() in L.fake_owners:
            return "names a template owner, not a repository"
    if u.path and L.fake_path.search("/" + u.path):
        return "has a template path"
    return None


def compare(d: Url, header: list[Url]) -> tuple[str, Url | None]:
    """How a digest URL relates to the header's URLs: match, near, swap, other (or none when no header URL)."""
    if not header:
        return "none", None
    for h in header:
        if d.norm == h.norm or d.norm.startswith(h.norm) or h.norm.startswith(d.norm):
            return "match", h
    from rapidfuzz import fuzz

    best = max(header, key=lambda h: fuzz.ratio(d.norm, h.norm))
    if fuzz.ratio(d.norm, best.norm) >= 85:
        return "near", best
    for h in header:  # same page, host mistyped: "jdhalgo.github.io/x" vs "jdh-algo.github.io/x"
        if d.host != h.host and d.path == h.path and fuzz.ratio(d.host, h.host) >= 80:
            return "near", h
    od = _owner_repo(d)
    if od:
        for h in header:
            oh = _owner_repo(h)
            if oh and oh[0] != od[0] and oh[1].lower() == od[1].lower():
                return "swap", h
    return "other", None


def header_urls(entry: Entry) -> list[Url]:
    L = lists()
    out: list[Url] = []
    for part in (entry.abstract, entry.comments):
        if part is None:
            continue
        low = part.text.lower()
        if "http" not in low and "www." not in low and "github" not in low:
            continue
        for m in _URL_RE.finditer(part.text):
            u = parse_url(m.group())
            if not u.host or "." not in u.host or L.not_code_host.search(u.norm):
                continue
            if all(u.norm != o.norm for o in out):
                out.append(u)
    return out


# ----------------------------------------------------------------------------------------------------------------
# Reading a links text into labels and values

@dataclass
class Tok:
    kind: str              # paper | code (labels); url | arxiv | absent | placeholder | deferral (values)
    start: int
    end: int
    slot: str = "lead"     # paper | code | lead (before any label)
    explicit: bool = False  # the slot comes from a label right at the value (trailing or link text)
    url: Url | None = None
    arxiv: str | None = None
    label_at: int | None = None  # start of the label that opened the slot


@dataclass
class Links:
    """What one piece of digest text says about the links."""

    field: Field
    toks: list[Tok]

    def values(self, *kinds: str) -> list[Tok]:
        return [t for t in self.toks if t.kind in kinds]

    def labels(self, kind: str) -> list[Tok]:
        return [t for t in self.toks if t.kind == kind]


def _label_kind(text: str) -> str | None:
    L = lists()
    bare = re.sub(r"[\s:：*_`'\"“”()（）\[\]<>]+", "", text).lower()
    if bare in L.bare_paper:
        return "paper"
    if bare in L.bare_code:
        return "code"
    has_code = bool(L.code_re.search(text))
    has_paper = bool(L.paper_re.search(text))
    if has_code and not has_paper:
        return "code"
    if has_paper and not has_code:
        return "paper"
    return None


def read_links(fld: Field, text: str, offset: int, initial: str) -> Links:
    """Tokens of `text` (a slice of `fld.text` starting at `offset`), each value assigned to a slot."""
    L = lists()
    masked = _masked(text)
    toks: list[Tok] = []
    slot, slot_at = initial, None
    consumed = 0  # end (in `masked`) of a trailing "（GitHub代码链接）" already read as a URL's own label
    for m in L.tokens.finditer(masked):
        if m.start() < consumed:
            continue
        s, e = m.start() + offset, m.end() + offset
        g = m.lastgroup
        if g in ("paper", "code"):
            slot, slot_at = g, s
            toks.append(Tok(g, s, e, slot=g))
            continue
        tok: Tok | None = None
        if g == "md":
            target, label = m.group("mdtarget").strip(), m.group("mdtext")
            first = target.split()[0] if target.split() else ""
            if first and re.match(_URL, first, _FLAGS):
                tok = _url_tok(first, s, e)
            else:
                tok = Tok("placeholder", s, e)
            kind = _label_kind(label)
            if kind:
                tok.slot, tok.explicit = kind, True
        elif g == "angle":
            inner = m.group("angletext").strip()
            tok = _url_tok(inner, s, e) if re.fullmatch(_URL, inner, _FLAGS) else Tok("placeholder", s, e)
        elif g == "url":
            tok = _url_tok(m.group(), s, e)
        elif g in ("arxivid", "bareid"):
            tok = Tok("arxiv", s, e, arxiv=m.group("aid") or m.group("bid"))
        elif g == "repo":
            tok = _url_tok("github.com/" + m.group("repopath"), s, e)
        elif g == "defer":
            tok = Tok("deferral", s, e)
        elif g == "ph":
            tok = Tok("placeholder", s, e)
        elif g == "absent":
            tok = Tok("absent", s, e)
        if tok is None:
            continue
        if tok.kind in ("url", "arxiv") and not tok.explicit:
            tail = L.trailing_label.match(masked, m.end())
            if tail and not L.absent_re.search(tail.group("body")) and not L.placeholder_re.search(tail.group("body")):
                kind = _label_kind(tail.group("body"))
                if kind:
                    tok.slot, tok.explicit = kind, True
                    consumed = tail.end()
                    slot, slot_at = kind, s  # what follows is about the same link ("如不可用，填写None")
        if not tok.explicit:
            tok.slot = slot
        tok.label_at = slot_at
        toks.append(tok)
    # An absence right before a label is about that label: "未提供论文链接", "没有提供Github代码链接".
    for i, tok in enumerate(toks[:-1]):
        nxt = toks[i + 1]
        if tok.kind == "absent" and nxt.kind in ("paper", "code") and not tok.explicit:
            gap = masked[tok.end - offset:nxt.start - offset]
            if _GAP.fullmatch(gap):
                tok.slot, tok.label_at = nxt.kind, nxt.start
    return Links(fld, toks)


_GAP = recache.compile(r"[ \t]*(?:任何|具体|相关|该|其)?(?:论文|文章|本文)?(?:的)?(?:具体|相关)?[ \t]*")


def _url_tok(raw: str, s: int, e: int) -> Tok:
    u = parse_url(raw)
    if u.host.endswith("arxiv.org"):
        m = re.search(r"(\d{4}\.\d{4,5})", u.path)
        if m:
            return Tok("arxiv", s, e, arxiv=m.group(1), url=u)
        return Tok("placeholder", s, e, url=u)
    return Tok("url", s, e, url=u)


def _initial_slot(label: str) -> str:
    return _label_kind(label) or "lead"


# ----------------------------------------------------------------------------------------------------------------
# The analysis of one entry (shared by all link rules; cached for the entry being audited)

@dataclass
class Analysis:
    urls: Links | None = None
    others: list[Links] = field(default_factory=list)
    header: list[Url] = field(default_factory=list)

    @property
    def all(self) -> list[Links]:
        return ([self.urls] if self.urls else []) + self.others


def analyse(entry: Entry) -> Analysis:
    return per_entry("links", entry, _analyse)


# A line outside the Urls section is read as a link line only if it holds one of these (a cheap pre-filter).
_LINK_LABEL_WORDS = ("链接", "网址", "地址", "主页", "github", "link", "url", "arxiv", "page")
_LINK_HINT = _guarded("链接|网址|地址|github|url|link|arxiv|code|paper|项目|主页|代码|论文")


def _analyse(entry: Entry) -> Analysis:
    L = lists()
    a = Analysis(header=header_urls(entry))
    urls = entry.sections.get("urls")
    if urls is not None and urls.present:
        a.urls = read_links(urls, urls.text, 0, _initial_slot(urls.label))
    others = [entry.sections[n] for n in entry.section_order if n != "urls"]
    if entry.digest_preamble is not None:
        others.append(entry.digest_preamble)
    for fld in others:
        text, done = fld.text, -1
        for hint in _LINK_HINT.finditer(text):
            if hint.start() < done:
                continue
            start = text.rfind("\n", 0, hint.start()) + 1
            stop = text.find("\n", hint.end())
            done = stop = len(text) if stop < 0 else stop
            line = text[start:stop]
            m = L.link_line.search(line) or L.link_line_start.search(line)
            # outside the Urls section only a label that names a link counts ("论文链接：", "GitHub:"), not a
            # bare "论文"/"代码" opening a sentence of prose
            if m and any(w in m.group().lower() for w in _LINK_LABEL_WORDS):
                a.others.append(read_links(fld, line[m.start():], start + m.start(), "lead"))
    return a


def _given_urls(a: Analysis) -> list[tuple[Links, Tok]]:
    """Every URL the digest gives as a link, each address once (its first mention)."""
    out, seen = [], set()
    for lk in a.all:
        for t in lk.toks:
            if t.kind == "url" and t.url is not None and (t.url.norm, t.slot) not in seen:
                seen.add((t.url.norm, t.slot))
                out.append((lk, t))
    return out


def _quote(lk: Links, t: Tok, limit: int = 60) -> str:
    s = re.sub(r"\s+", " ", lk.field.text[t.start:t.end]).strip()
    return s if len(s) <= limit else s[: limit - 1] + "…"


def _arxiv_link(entry: Entry) -> str:
    return f"https://arxiv.org/abs/{entry.arxiv_id}" if entry.arxiv_id else "the arXiv page"


# ----------------------------------------------------------------------------------------------------------------
# missing-link

@entry_rule("LNK001", name="paper-link-absent", category="missing-link", severity="error",
            message="the digest says the paper link is absent, although the arXiv id is known",
            examples=Examples(
                bad=({"urls": "论文链接：暂未公开；Github：https://github.com/nova-lab/NovaTalk"},
                     {"urls": "Paper: None, Github: https://github.com/nova-lab/NovaTalk"},
                     {"urls": "论文链接（请在此处填写论文的链接），代码链接：https://github.com/nova-lab/NovaTalk"},
                     {"urls": "[论文链接]；Github代码链接：https://github.com/nova-lab/NovaTalk"},
                     {"urls": "无法提供论文链接和代码链接。"},
                     {"urls": "<Url to the paper>, Github: https://github.com/nova-lab/NovaTalk"}),
                good=({},
                      {"urls": "arXiv:2411.90001, 代码：https://github.com/nova-lab/NovaTalk"},
                      {"urls": "Github: https://github.com/nova-lab/NovaTalk"},
                      {"urls": "https://nova-lab.github.io/NovaTalk , Github: None"})))
def paper_link_absent(entry: Entry, ctx):
    """The paper is always known: its arXiv id is in the `[PDF]` line of the header, so the Urls section can
    always give https://arxiv.org/abs/ID. Fires when the digest instead says the paper link is absent ("None",
    "无", "待提供", "未提供", "无法提供", "unknown", an empty slot after "论文链接："), or leaves a placeholder or a
    fill-in instruction where the link should be ("xxx", "[论文链接]", "<Url to the paper's abstract>",
    "请填写论文链接", a link to a placeholder address). A Urls section that gives no arXiv link but a project page
    without calling the paper link absent is not reported here, and a missing Urls section is missing-section."""
    if not entry.arxiv_id:
        return
    a = analyse(entry)
    if any(t.kind == "arxiv" for lk in a.all for t in lk.toks):
        return  # a paper link is given (a wrong id is LNK101)
    expected = _arxiv_link(entry)
    if a.urls is not None:
        ev = _paper_absent_evidence(a.urls)
        if ev is not None:
            yield _with_fix(_absent_hit(a.urls, ev, expected), ctx, a.urls, ev, expected,
                            "filled the paper link from the header's arXiv id")
            return
    for lk in a.others:
        for t in lk.toks:
            if t.slot == "paper" and t.kind in ("absent", "placeholder"):
                yield _with_fix(_absent_hit(lk, t, expected), ctx, lk, t, expected,
                                "filled the paper link from the header's arXiv id")
                return


_SLOT_LABEL_END = recache.compile(r"(?:链接|地址|网址|论文|代码|仓库|link|links|url|urls|paper|github|code|arxiv)\**$", re.I)
_SLOT_END = set("；;，,。）)、 \t|")


def _with_fix(hit: Hit, ctx, lk: Links, t: Tok, url: str, description: str) -> Hit:
    """Attach the safe repair: the absence word or placeholder itself replaced by the URL (nothing else)."""
    if t.kind not in ("absent", "placeholder") or not url.startswith("http"):
        return hit
    text = lk.field.text
    before = text[max(0, t.start - 30):t.start].rstrip(" :：（(\t")
    after = text[t.end:t.end + 1]
    if not _SLOT_LABEL_END.search(before) or after not in ("", "\n") and after not in _SLOT_END:
        return hit  # the absence word sits inside a sentence: rewriting it would garble the sentence
    fix = replace_span(ctx, lk.field, t.start, t.end, url, description)
    return dataclasses.replace(hit, fix=fix) if fix else hit


def _paper_absent_evidence(lk: Links) -> Tok | None:
    real = [t for t in lk.toks if t.kind == "url" and t.slot in ("paper", "lead") and not is_fake(t.url)]
    if any(t.slot == "paper" for t in real):
        return None  # a page is given as the paper link: right or wrong, it is not "absent" (see LNK102)
    if real:
        # an unlabelled page leads the section (usually the project page): the paper link is missing only when
        # a paper label is left without a value ("https://github.com/a/b 或论文链接（如果可用）")
        return next(iter(lk.labels("paper")), None)
    # in order of strength: an absence or placeholder in the paper slot, a fake address (all addresses in the
    # paper slot are fake by now), an absence at the head of the section, a paper label left without a value,
    # a "see the paper" deferral anywhere
    for kinds, slots in ((("absent", "placeholder"), ("paper",)), (("url",), ("paper", "lead")),
                         (("absent", "placeholder", "deferral"), ("lead",)), (("paper",), ("paper",)),
                         (("deferral",), ("code", "paper"))):
        for t in lk.toks:
            if t.kind in kinds and t.slot in slots:
                return t
    if not lk.labels("code") and not lk.values("url"):
        return Tok("text", 0, len(lk.field.text))
    return None


def _close(text: str, start: int, end: int) -> int:
    """Extend a quoted span over the bracket that closes one it opened: "论文链接（待提供" -> "论文链接（待提供）"."""
    part = text[start:end]
    for o, c in (("（", "）"), ("(", ")"), ("[", "]")):
        if part.count(o) > part.count(c) and text[end:end + 1] == c:
            return end + 1
    return end


def _absent_hit(lk: Links, t: Tok, expected: str) -> Hit:
    text = lk.field.text
    if t.kind == "text":
        first = text.strip().split("\n")[0]
        start = text.find(first)
        return Hit(field=lk.field, start=start, end=start + len(first),
                   message=f"the Urls section gives no paper link although the arXiv id is known "
                           f"(expected {expected})")
    start, end = t.start, t.end
    if t.kind == "paper":  # a label with nothing after it: quote the label and what follows on its line
        stop = text.find("\n", end)
        end = min(stop if stop >= 0 else len(text), end + 40)
    elif t.label_at is not None and t.label_at < start and t.slot == "paper" and start - t.label_at < 40:
        start = t.label_at
    end = _close(text, start, end)
    what = {"absent": "says the paper link is absent", "placeholder": "leaves a placeholder for the paper link",
            "deferral": "refers the reader elsewhere instead of giving the paper link",
            "url": "gives a placeholder address as the paper link",
            "paper": "names the paper link but gives none"}[t.kind]
    quote = re.sub(r"\s+", " ", text[start:end]).strip()
    return Hit(field=lk.field, start=start, end=end,
               message=f"the digest {what} ({quote[:60]!r}) although the arXiv id is known (expected {expected})")


# The header calls its URL code or a project page: a header URL on another host is then surely the code link.
_CODE_WORDS = recache.compile(r"\b(?:code|codes|github|project\s+page|repository|implementation)\b", re.I)


@entry_rule("LNK002", name="code-link-absent", category="missing-link", severity="error",
            message="the digest says the code link is absent, although the abstract or comments give one",
            examples=Examples(
                bad=({"urls": "https://arxiv.org/abs/2411.90001 , Github: None"},
                     {"urls": "论文链接：https://arxiv.org/abs/2411.90001 ，代码链接：暂无"},
                     {"urls": "https://arxiv.org/abs/2411.90001 ，GitHub代码链接尚未提供"},
                     {"urls": "https://arxiv.org/abs/2411.90001", "methods": "(1) 方法。\n代码链接：待补充"}),
                good=({},
                      {"urls": "https://arxiv.org/abs/2411.90001 , Github: None",
                       "abstract": "We present NovaTalk, a diffusion-based talking head generator."},
                      {"urls": "https://arxiv.org/abs/2411.90001"},
                      {"urls": "https://arxiv.org/abs/2411.90001 , Github: None（项目主页：https://github.com/nova-lab/NovaTalk）"})))
def code_link_absent(entry: Entry, ctx):
    """When the abstract or the arXiv comments give a code repository or a project page, the Urls section should
    repeat it. Fires when the digest instead says the code link is absent (`Github: None`, 无, 未提供, 待补充, a
    placeholder or an instruction in the code slot) and gives the header's URL nowhere in its links.
    `Github: None` is right when the header has no URL; a Urls section that simply does not mention code is not
    reported."""
    a = analyse(entry)
    if not a.header:
        return
    L = lists()
    # The code link is given when a URL outside the paper slot is the header's: its repository when it gives
    # one (a project page does not replace a github.com repository), else its project page.
    repos = [h for h in a.header if L.repo_host.search(h.norm)]
    for _, t in _given_urls(a):
        if t.slot == "paper":
            continue
        kind = compare(t.url, repos or a.header)[0]
        if kind in ("match", "near") or kind == "swap" and compare(t.url, a.header)[0] not in ("match", "near"):
            return  # given (a mistyped one is LNK104/LNK105); the header's own project page is not its repository
    certain = any(L.code_host.search(h.norm) for h in a.header) or any(
        _CODE_WORDS.search(p.text) for p in (entry.abstract, entry.comments) if p is not None)
    severity = Severity.ERROR if certain else Severity.WARNING
    ev = _code_absent_evidence(a.urls) if a.urls is not None else None
    lk = a.urls
    if ev is None:
        for other in a.others:
            ev = next((t for t in other.toks if t.slot == "code" and t.kind in ("absent", "placeholder")), None)
            if ev is not None:
                lk = other
                break
    if ev is None or lk is None:
        return
    start = ev.label_at if ev.label_at is not None and ev.label_at < ev.start and ev.start - ev.label_at < 40 \
        else ev.start
    end = ev.end
    if ev.kind == "code":
        stop = lk.field.text.find("\n", end)
        end = min(stop if stop >= 0 else len(lk.field.text), end + 40)
    end = _close(lk.field.text, start, end)
    quote = re.sub(r"\s+", " ", lk.field.text[start:end]).strip()
    url = (repos or a.header)[0].raw.rstrip(_TRIM)
    hit = Hit(field=lk.field, start=start, end=end, severity=severity,
              message=f"the digest gives no code link ({quote[:60]!r}) although the header gives {url}")
    yield _with_fix(hit, ctx, lk, ev, url, "filled the code link from the abstract/comments")


def _code_absent_evidence(lk: Links) -> Tok | None:
    # code slots (one per code label) that hold no URL: the first absence or placeholder in one, else its label
    with_url = {t.label_at for t in lk.toks if t.kind == "url" and t.slot == "code"}
    for t in lk.toks:
        if t.slot == "code" and t.kind in ("absent", "placeholder", "deferral") and t.label_at not in with_url:
            return t
    for lab in lk.labels("code"):
        if lab.start not in with_url:
            return lab
    # template position: "URL or None, None" / "Urls: None"
    lead = [t for t in lk.toks if t.slot == "lead"]
    if not lk.labels("paper") and not lk.labels("code"):
        for i, t in enumerate(lead):
            if t.kind == "absent" and (i > 0 or len(lead) == 1):
                return t
    return None


# ----------------------------------------------------------------------------------------------------------------
# bad-link

@entry_rule("LNK101", name="wrong-arxiv-id", category="bad-link", severity="error",
            message="the paper link gives another arXiv id",
            examples=Examples(
                bad=({"urls": "https://arxiv.org/abs/2411.90010 , Github: https://github.com/nova-lab/NovaTalk"},
                     {"urls": "论文链接：arXiv:2410.90001v2，代码链接：https://github.com/nova-lab/NovaTalk"}),
                good=({},
                      {"urls": "https://arxiv.org/pdf/2411.90001v1 , Github: https://github.com/nova-lab/NovaTalk"},
                      {"urls": "arXiv:2411.90001 [cs.CV], Github: https://github.com/nova-lab/NovaTalk"})))
def wrong_arxiv_id(entry: Entry, ctx):
    """The arXiv id in the paper link must be the id of the `[PDF]` line (versions aside): another id sends the
    reader to another paper. arXiv ids are read from arxiv.org/abs/ID, arxiv.org/pdf/ID and arXiv:ID."""
    if not entry.arxiv_id:
        return
    seen = set()
    for lk in analyse(entry).all:
        for t in lk.toks:
            if t.kind == "arxiv" and t.arxiv and t.arxiv != entry.arxiv_id and t.arxiv not in seen:
                seen.add(t.arxiv)
                yield Hit(field=lk.field, start=t.start, end=t.end,
                          message=f"the paper link gives arXiv {t.arxiv}, but this paper is arXiv {entry.arxiv_id} "
                                  f"(expected {_arxiv_link(entry)})")


@entry_rule("LNK102", name="non-arxiv-paper-link", category="bad-link", severity="warning",
            message="a project page, repository or other page is given as the paper link",
            examples=Examples(
                bad=({"urls": "论文链接：https://nova-lab.github.io/NovaTalk ，代码链接：https://github.com/nova-lab/NovaTalk"},
                     {"urls": "Paper: https://github.com/nova-lab/NovaTalk , Github: None"},
                     {"urls": "https://github.com/nova-lab/NovaTalk （论文链接）"}),
                good=({},
                      {"urls": "https://arxiv.org/abs/2411.90001 ; Project page: https://nova-lab.github.io/NovaTalk"},
                      {"urls": "https://nova-lab.github.io/NovaTalk , Github: None"})))
def non_arxiv_paper_link(entry: Entry, ctx):
    """A URL explicitly labelled as the paper link (论文链接, Paper, 文章链接, "… （论文链接）") that is not an arXiv
    page: a GitHub repository, a project page or another site stands where https://arxiv.org/abs/ID belongs.
    Publisher and DOI links are reported as info only (they may be the published paper). Placeholder addresses
    are LNK103; an unlabelled project page leading the Urls section is not reported."""
    a = analyse(entry)
    L = lists()
    for lk, t in _given_urls(a):
        if t.slot != "paper" or is_fake(t.url):
            continue
        u = t.url
        if L.publisher.search(u.host):
            sev, what = Severity.INFO, "a publisher page"
        elif _homepage(entry, a, u):
            sev, what = Severity.WARNING, "an author's homepage"
        elif u.host == "github.com":
            sev, what = Severity.WARNING, "a GitHub repository"
        elif compare(u, a.header)[0] in ("match", "near"):
            sev, what = Severity.WARNING, "the project page from the abstract"
        elif u.host.endswith(".github.io"):
            sev, what = Severity.WARNING, "a GitHub Pages site"
        else:
            sev, what = Severity.WARNING, "a non-arXiv page"
        yield Hit(field=lk.field, start=t.start, end=t.end, severity=sev,
                  message=f"the paper link is {what} ({_quote(lk, t)}), not the arXiv page {_arxiv_link(entry)}")


@entry_rule("LNK103", name="placeholder-address", category="bad-link", severity="error",
            message="a link points at a placeholder address",
            examples=Examples(
                bad=({"urls": "论文链接：[论文链接地址](https://link.to.paper)，Github：None"},
                     {"urls": "https://arxiv.org/abs/2411.90001 , Github: https://github.com/xxx/NovaTalk"},
                     {"urls": "Paper: https://www.example.com , Github: https://github.com/nova-lab/NovaTalk"},
                     {"urls": "https://arxiv.org/abs/2411.90001 , [Github链接](https://github.com)"}),
                good=({},
                      {"urls": "https://arxiv.org/abs/2411.90001 , Github: https://github.com/nova-lab/NovaTalk"})))
def placeholder_address(entry: Entry, ctx):
    """A link whose address is a template slot, not a page: example.com, link.to.paper, xxx.com, https://xxx,
    github.com/xxx/…, github.com with no repository, a DOI such as 10.1145/nnnnnnn. The generator filled the
    slot with a fake address instead of the paper's arXiv page or the code URL from the abstract."""
    a = analyse(entry)
    for lk, t in _given_urls(a):
        why = is_fake(t.url)
        if why:
            role = "paper link" if t.slot in ("paper", "lead") else "code link"
            yield Hit(field=lk.field, start=t.start, end=t.end, message=f"the {role} {_quote(lk, t)} {why}")


def _compared_urls(entry: Entry):
    """(links, token, kind, header URL) for every real URL the digest gives, compared with the header's URLs."""
    a = analyse(entry)
    if not a.header:
        return
    for lk, t in _given_urls(a):
        if not is_fake(t.url):
            yield (lk, t, *compare(t.url, a.header))


@entry_rule("LNK104", name="code-url-near-miss", category="bad-link", severity="error",
            message="a code or project URL is a near miss of the one in the abstract",
            examples=Examples(
                bad=({"urls": "https://arxiv.org/abs/2411.90001 , Github: https://github.com/novalab/NovaTalk"},
                     {"urls": "https://arxiv.org/abs/2411.90001 , Github: https://github.com/nova-lab/NovoTalk"},
                     {"urls": "https://arxiv.org/abs/2411.90001",
                      "abstract": "We present NovaTalk. Project page: https://nova-lab.github.io/NovaTalk/.",
                      "conclusion": "(1) 意义：提升表现力。\n项目主页：https://novalab.github.io/NovaTalk/"}),
                good=({},
                      {"urls": "https://arxiv.org/abs/2411.90001 , Github: http://www.github.com/Nova-Lab/NovaTalk/"},
                      {"urls": "https://arxiv.org/abs/2411.90001 , Github: https://github.com/nova-lab"},
                      {"urls": "https://arxiv.org/abs/2411.90001 , Github: https://github.com/nova-lab/NovaTalk/tree/main"},
                      {"urls": "https://arxiv.org/abs/2411.90001 , Github: https://github.com/other-team/OtherProject"})))
def code_url_near_miss(entry: Entry, ctx):
    """A code or project URL that is almost, but not exactly, the one in the abstract or comments — a dropped
    hyphen in the host, a changed letter or word in the path. Such a link usually leads nowhere. Case, http vs
    https, `www.`, a trailing slash, and a URL that is a prefix or an extension of the header's are accepted;
    a completely different URL cannot be checked and is not reported."""
    for lk, t, kind, h in _compared_urls(entry):
        if kind == "near":
            yield Hit(field=lk.field, start=t.start, end=t.end,
                      message=f"{_quote(lk, t)} is a near miss of {h.raw.rstrip(_TRIM)} given in the header")


@entry_rule("LNK105", name="github-pages-swap", category="bad-link", severity="warning",
            message="a GitHub repository given for a GitHub Pages site of the abstract, or the reverse",
            examples=Examples(
                bad=({"urls": "https://arxiv.org/abs/2411.90001 , Github: https://nova-lab.github.io/NovaTalk"},),
                good=({},
                      {"urls": "https://arxiv.org/abs/2411.90001 , Project: https://nova-lab.github.io/NovaTalk",
                       "abstract": "We present NovaTalk. Project page: https://nova-lab.github.io/NovaTalk"})))
def github_pages_swap(entry: Entry, ctx):
    """The abstract gives `owner.github.io/…` (a project page) and the digest gives `github.com/owner/…` (a
    repository), or the reverse. The guessed address may not exist; the digest should repeat the header's URL."""
    for lk, t, kind, h in _compared_urls(entry):
        if kind == "swap":
            yield Hit(field=lk.field, start=t.start, end=t.end,
                      message=f"{_quote(lk, t)} is not the URL the header gives ({h.raw.rstrip(_TRIM)})")


def _name_parts(entry: Entry) -> set[str]:
    out = set()
    for name in entry.header_authors:
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
        out.update(p for p in re.split(r"[^a-z]+", ascii_name) if len(p) >= 4)
    return out


def _homepage(entry: Entry, a: Analysis, u: Url) -> bool:
    """The root of a site named after an author (`jdoe123.github.io`, `janedoe.com`) that the header does not give."""
    if u.path.strip("/") not in ("", "index.html", "index.htm") or compare(u, a.header)[0] == "match":
        return False
    site = u.host[: -len(".github.io")] if u.host.endswith(".github.io") else u.host.removeprefix("www.").split(".")[0]
    return any(n in site for n in _name_parts(entry))


@entry_rule("LNK106", name="homepage-as-link", category="bad-link", severity="warning",
            message="an author's personal homepage is given as the paper link",
            examples=Examples(
                bad=({"urls": "https://lenapark.github.io/ , Github: None",
                      "abstract": "We present NovaTalk, a diffusion-based talking head generator."},
                     {"urls": "https://www.tomasweber.com/ ，Github：None"}),
                good=({},
                      {"urls": "https://nova-lab.github.io/ , Github: None",
                       "abstract": "We present NovaTalk, a diffusion-based talking head generator."},
                      {"urls": "https://lenapark.github.io/ , Github: None",
                       "abstract": "We present NovaTalk. Demos: https://lenapark.github.io/"})))
def homepage_as_link(entry: Entry, ctx):
    """An unlabelled link leading the Urls section, where the paper link belongs, is the root of a personal site
    named after an author (`jdoe123.github.io`, `janedoe.com`) instead of the paper's arXiv page. A homepage the
    header itself gives is not reported; one explicitly labelled as the paper link is LNK102."""
    a = analyse(entry)
    for lk, t in _given_urls(a):
        if t.slot == "lead" and not is_fake(t.url) and _homepage(entry, a, t.url):
            yield Hit(field=lk.field, start=t.start, end=t.end,
                      message=f"{_quote(lk, t)} looks like an author's homepage, not the paper "
                              f"(expected {_arxiv_link(entry)})")
