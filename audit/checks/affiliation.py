"""Affiliation: is the digest's Affiliation section (3. 隶属机构) consistent with itself and with the entry?

The header copied from arXiv carries no affiliations, so the checks work from what the entry does show:

- AFF001: a Chinese name and an English name written as one pair ("香港大学（The Chinese University of Hong
  Kong）", "Yonsei University (首尔大学)") that denote two different institutions.
- AFF002: the same arXiv paper attributed to unrelated institutions by two entries — in one post here, across the
  posts of one run through `cross_post_findings`, which the engine calls once every file is audited.
- AFF003: the entry's own evidence — the code or project URL (a GitHub organisation or an institutional host) or an
  e-mail domain in the abstract or comments — names a university none of the digest's institutions is related to.
- AFF004: a name that denotes no institution: a well-known mistranslation ("中国香港大学") or a kind of university
  standing for a name ("巴西州立大学", a state university of Brazil).

Institutions are recognised with the gazetteer (`rules/institutions.yaml`, extensible with the config key
`gazetteers`); two institutions are related when one contains the other or both belong to the same parent
(a lab and its university, two units of one company). Precision comes first: a name the gazetteer does not know is
never a contradiction, and an institution that is merely additional (papers with several affiliations) is not
either — AFF002 and AFF003 fire only when *every* institution the digest names is known and none is related to the
other side.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Iterator, Mapping

from .. import recache
from ..model import Entry, Field, Finding, Post, Severity, excerpt
from ..rules.examples import build_post
from ..rules.registry import Examples, Hit, entry_rule, per_entry, post_rule

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import PostReport
    from ..gazetteer import AffiliationGazetteer, Institution, Mention

CATEGORY = "affiliation-mismatch"
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_CHAR = recache.compile(f"[{HAN}]")

# ---------------------------------------------------------------------------------------------------------------
# Text preparation: markup blanked out with spaces, so offsets still point into the field's text

_MARKUP = recache.compile(r"<[^>\n]{0,200}>|&(?:amp|lt|gt|nbsp);|\*\*|__|`")


def _blank(text: str) -> str:
    return _MARKUP.sub(lambda m: " " * len(m.group(0)), text)


# ---------------------------------------------------------------------------------------------------------------
# Relations between institutions


def _root(gaz: "AffiliationGazetteer", inst: "Institution") -> str:
    chain = gaz.ancestors(inst)
    return chain[-1].id if chain else inst.id


def related(gaz: "AffiliationGazetteer", a: "Institution", b: "Institution") -> bool:
    """Same institution, one inside the other, or two units of the same parent (a lab and its university)."""
    return gaz.same_or_related(a, b) or _root(gaz, a) == _root(gaz, b)


def _candidates(gaz: "AffiliationGazetteer", m: "Mention") -> tuple["Institution", ...]:
    """What a mention may denote: its institution, or every candidate of an unsettled ambiguous name."""
    if m.institution is not None:
        return (m.institution,)
    return tuple(inst for inst in (gaz.get(i) for i in m.ambiguous) if inst is not None) \
        if not _is_no_institution(gaz, m) else ()


def _is_no_institution(gaz: "AffiliationGazetteer", m: "Mention") -> bool:
    """A known mistranslation ("中国香港大学"): matched by the gazetteer, but it denotes nothing."""
    return m.institution is None and bool(m.ambiguous) and not gaz.candidates(m.text)


def _any_related(gaz, left: Iterable["Institution"], right: Iterable["Institution"]) -> bool:
    right = list(right)
    return any(related(gaz, a, b) for a in left for b in right)


# Universities (and their units) rarely host code or pages for other universities' papers; companies and research
# institutes host their interns' work, so their URLs prove nothing against a university named by the digest.
_ACADEMIC_EN = recache.compile(r"universit|college|polytechn|politecnico|institute\s+of\s+technology|[ée]cole|hochschule|"
                          r"technion|\beth\b|epfl|kaist|postech", re.I)


def academic(gaz: "AffiliationGazetteer", inst: "Institution") -> bool:
    for unit in (inst, *gaz.ancestors(inst)):
        if any("大学" in z for z in unit.zh) or any(_ACADEMIC_EN.search(e) for e in unit.en):
            return True
    return False


def _label(inst: "Institution") -> str:
    """"Seoul National University (首尔大学)"."""
    en = inst.en[0] if inst.en else inst.label
    return f"{en} ({inst.zh[0]})" if inst.zh else en


# ---------------------------------------------------------------------------------------------------------------
# Names that look like an institution but that the gazetteer does not know

_TOP_ZH = recache.compile(f"([{HAN}]{{0,14}}?)(?:大学|大學|学院|研究所|研究院|科学院|医院|公司|集团)")
_GENERIC_ZH = recache.compile(r"(?:不同|各|多所|多个|多家|其他|其它|相关|知名|某|一所|一家|该|这些|这所|国内外|海内外|合作|所属|所在|"
                         r"其|本|的|或|及|和|与|等|来自|均为|分别|隶属于?|属于|位于)$")
_EN_PHRASE = recache.compile(r"[A-Z][A-Za-z'’.&\-]*(?:[ \t]+(?:[A-Z][A-Za-z'’.&\-]*|of|for|and|de|di|du|der|des|la|le|"
                        r"the|&|in|at|d'[A-Z][a-z]+))*")
_TOP_EN = recache.compile(r"\b(?:Universit\w*|Universidad\w*|College|Institut\w*|Hospital|Medicine|Inc|Ltd|Limited|"
                     r"Corporation|Corp|Company|GmbH|Labs|Laboratories|Research|Academy|Polytechnic|Politecnico|"
                     r"Technologies|Foundation|School)\b")
_SUBUNIT_EN = recache.compile(r"^(?:Department|Dept|Faculty|Division|School|College|Institute|Laboratory|Lab|Center|"
                         r"Centre|Key|State|Graduate|National\s+Key|Research\s+(?:Center|Centre|Institute))\b")
_ALL_ABOUT = recache.compile(r"^(?:All|The|Our|Other|Some|Several|Most|Main|First|Corresponding|Authors?)\b")


def unknown_institutions(text: str, mentions: list["Mention"]) -> list[str]:
    """Institution-like names in `text` that are not among the recognised `mentions`."""
    chars = list(text)
    for m in mentions:
        chars[m.start:m.end] = "\x00" * (m.end - m.start)
    rest = "".join(chars)
    out = []
    for m in _TOP_ZH.finditer(rest):
        name = m.group(1)
        if m.start() > 0 and rest[m.start() - 1] == "\x00":
            continue  # "浙江大学 计算机学院": a unit of the institution just named
        if len(name) < 2 or _GENERIC_ZH.search(name):
            continue
        out.append(m.group(0))
    for m in _EN_PHRASE.finditer(rest):
        phrase = m.group(0)
        if not _TOP_EN.search(phrase) or _ALL_ABOUT.match(phrase):
            continue
        if _SUBUNIT_EN.match(phrase):
            continue  # "School of Computer Science, …": a unit; its institution is named (or not) beside it
        out.append(phrase)
    return out


# ---------------------------------------------------------------------------------------------------------------
# The claim of one entry's Affiliation section


@dataclass(frozen=True)
class Claim:
    """The institutions an Affiliation section names."""

    field: Field
    text: str                              # the section with markup blanked out
    mentions: tuple                        # every gazetteer mention
    institutions: tuple                    # resolved institutions, in order, without duplicates
    unknown: tuple[str, ...]               # institution-like names the gazetteer does not know

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(i.id for i in self.institutions)

    @property
    def complete(self) -> bool:
        """Every institution named is known (so "none related" means something)."""
        return bool(self.institutions) and not self.unknown and not any(
            m.institution is None for m in self.mentions)


def claim(entry: Entry, gaz: "AffiliationGazetteer") -> Claim | None:
    field = entry.sections.get("affiliation")
    if field is None or not field.present:
        return None
    text = _blank(field.text)
    mentions = tuple(gaz.find(text))
    insts: dict[str, object] = {}
    for m in mentions:
        if m.institution is not None:
            insts.setdefault(m.institution.id, m.institution)
    return Claim(field, text, mentions, tuple(insts.values()), tuple(unknown_institutions(text, list(mentions))))


def _start(c: Claim) -> int:
    return len(c.text) - len(c.text.lstrip())


def _end(c: Claim) -> int:
    """End of the section's text without trailing markup ("…大学</li>")."""
    return max(len(c.text.rstrip()), _start(c))


def affiliation_ids(entry: Entry, gazetteer: "AffiliationGazetteer") -> frozenset[str]:
    """Ids of the institutions the entry's Affiliation section names (empty when it names none the gazetteer
    knows)."""
    c = claim(entry, gazetteer)
    return c.ids if c is not None else frozenset()


def _claim(entry: Entry, ctx) -> Claim | None:
    def make(e: Entry) -> Claim | None:
        field = e.sections.get("affiliation")
        # The gazetteer loads on first use only: an entry without an Affiliation section never pays for it.
        return claim(e, ctx.gazetteer) if field is not None and field.present else None
    return per_entry("affiliation:claim", entry, make)


# ---------------------------------------------------------------------------------------------------------------
# AFF001 / AFF004: Chinese-English pairs and names of no institution

_BRACKET = recache.compile(r"[（(]([^（）()\n]{1,300})[）)]")
_SEGMENT_STOP = recache.compile(r"[，,、；;。：:\n）)】\]（(]")


@dataclass(frozen=True)
class Pair:
    start: int           # start of the outer name
    end: int             # end of the closing bracket
    outer: tuple         # mentions outside the brackets
    inner: tuple         # mentions inside


def bracket_pairs(text: str, mentions: Iterable["Mention"]) -> list[Pair]:
    """"中文（English）", "English (中文)": a name, then a bracket holding a name in the other script."""
    mentions = list(mentions)
    pairs = []
    for b in _BRACKET.finditer(text):
        s, e = b.start(), b.end()
        if any(m.start < s < m.end or m.start < e < m.end for m in mentions):
            continue  # "香港科技大学（广州）" is one name
        seg = s
        while seg > 0 and s - seg < 160 and not _SEGMENT_STOP.match(text[seg - 1]):
            seg -= 1
        inner = [m for m in mentions if s < m.start and m.end < e]
        outer = [m for m in mentions if seg <= m.start and m.end <= s]
        for o_han in (True, False):
            o = tuple(m for m in outer if bool(_HAN_CHAR.search(m.text)) == o_han)
            i = tuple(m for m in inner if bool(_HAN_CHAR.search(m.text)) != o_han)
            if o and i:
                pairs.append(Pair(o[0].start, e, o, i))
                break
    return pairs


@dataclass(frozen=True)
class PairProblem:
    pair: Pair
    message: str


def pair_problems(c: Claim, gaz: "AffiliationGazetteer") -> list[PairProblem]:
    out = []
    for p in bracket_pairs(c.text, c.mentions):
        nothing = [m for m in p.outer + p.inner if _is_no_institution(gaz, m)]
        if nothing:
            m = nothing[0]
            other = [x for x in (p.inner if m in p.outer else p.outer) if x.institution is not None]
            confused = [gaz.get(i) for i in m.ambiguous if gaz.get(i) is not None]
            says = f"; the other name says {_label(other[0].institution)}" if other else ""
            out.append(PairProblem(p, f"'{m.text}' is no institution (it mixes up "
                                      f"{' and '.join(_label(x) for x in confused)}){says}"))
            continue
        o_ok = [m for m in p.outer if _candidates(gaz, m)]
        i_ok = [m for m in p.inner if _candidates(gaz, m)]
        if not o_ok or not i_ok:
            continue
        lone_i = [m for m in i_ok if not any(_any_related(gaz, _candidates(gaz, m), _candidates(gaz, o)) for o in o_ok)]
        lone_o = [m for m in o_ok if not any(_any_related(gaz, _candidates(gaz, m), _candidates(gaz, i)) for i in i_ok)]
        if lone_i and lone_o:
            a, b = lone_o[0], lone_i[0]
            out.append(PairProblem(p, f"'{a.text}' is {_describe(gaz, a)}, but the name paired with it, "
                                      f"'{b.text}', is {_describe(gaz, b)}: two different institutions"))
    return out


def _describe(gaz, m: "Mention") -> str:
    """An institution in the other language than the mention's: "香港大学" -> "The University of Hong Kong"."""
    han = bool(_HAN_CHAR.search(m.text))

    def name(inst) -> str:
        if han:
            return inst.en[0] if inst.en else inst.label
        return inst.zh[0] if inst.zh else inst.label
    return " or ".join(name(c) for c in _candidates(gaz, m))


def _pair_problems(entry: Entry, ctx) -> tuple[Claim | None, list[PairProblem]]:
    c = _claim(entry, ctx)
    if c is None:
        return None, []
    return c, per_entry("affiliation:pairs", entry, lambda e: pair_problems(c, ctx.gazetteer))


@entry_rule("AFF001", name="bilingual-name-mismatch", category=CATEGORY, severity="error",
            message="a Chinese and an English institution name written as one pair denote different institutions",
            examples=Examples(
                bad=({"affiliation": "香港大学（The Chinese University of Hong Kong）"},
                     {"affiliation": "Yonsei University (首尔大学)"},
                     {"affiliation": "中国香港大学 (The Chinese University of Hong Kong)"},
                     {"affiliation": "计算机学院，西安电子科技大学（School of Computer Science, Xi'an Jiaotong "
                                     "University）"}),
                good=({"affiliation": "香港中文大学（The Chinese University of Hong Kong）"},
                      {"affiliation": "首尔国立大学"},
                      {"affiliation": "香港科技大学（广州）"},
                      {"affiliation": "浙江大学（Zhejiang University）、字节跳动（ByteDance）"},
                      {"affiliation": "浙江大学与字节跳动（ByteDance）"},
                      {"affiliation": "Lena Park（首尔国立大学）, Tomas Weber（Yonsei University）"},
                      {"affiliation": "清华大学（Lena Park、Tomas Weber）"})))
def bilingual_mismatch(entry: Entry, ctx):
    """An institution given in Chinese and in English — "中文（English）", "English（中文）", with full-width or
    ASCII brackets — must name the same institution in both languages. Generated digests often pair a wrong
    Chinese name with the right English one: "香港大学 (The Chinese University of Hong Kong)" (香港大学 is HKU,
    香港中文大学 is CUHK), "首尔大学（Yonsei University）" (首尔大学 is Seoul National University, Yonsei is 延世大学),
    or a name that is no institution at all ("中国香港大学"). A unit and its institution ("School of Computer
    Science, Peking University（北京大学）"), two units of one company and names the gazetteer does not know are not
    reported."""
    c, problems = _pair_problems(entry, ctx)
    for prob in problems:
        yield Hit(field=c.field, start=prob.pair.start, end=prob.pair.end, message=prob.message)


# "巴西州立大学", "德国联邦大学": a country and a kind of university — a description, not a name (real state and
# federal universities carry the name of a state or city: 亚利桑那州立大学, 米纳斯吉拉斯联邦大学).
_COUNTRY = ("中国|美国|英国|日本|韩国|德国|法国|加拿大|澳大利亚|澳洲|巴西|印度|意大利|西班牙|葡萄牙|墨西哥|俄罗斯|阿根廷|"
            "智利|哥伦比亚|秘鲁|委内瑞拉|尼日利亚|南非|埃及|土耳其|伊朗|巴基斯坦|孟加拉|马来西亚|印度尼西亚|印尼|泰国|"
            "越南|菲律宾|瑞士|瑞典|荷兰|比利时|奥地利|波兰|希腊|挪威|芬兰|丹麦|爱尔兰|新西兰|以色列|沙特|阿联酋|苏联")
_KIND_NAME = recache.compile(f"(?:{_COUNTRY})(?:州立|联邦)大学")
_BRACKET_AFTER = recache.compile(r"\s*[（(]([^（）()\n]{1,200})[）)]")


@entry_rule("AFF004", name="no-such-institution", category=CATEGORY, severity="warning",
            message="the Affiliation section names an institution that does not exist",
            examples=Examples(
                bad=({"affiliation": "中国香港大学"}, {"affiliation": "中国香港大学计算机系，首尔国立大学"},
                     {"affiliation": "巴西州立大学（UNICAMP）"}),
                good=({"affiliation": "香港大学"}, {"affiliation": "香港中文大学"},
                      {"affiliation": "中国香港大学 (The Chinese University of Hong Kong)"},
                      {"affiliation": "坎皮纳斯州立大学（UNICAMP）"}, {"affiliation": "美国亚利桑那州立大学"})))
def no_such_institution(entry: Entry, ctx):
    """Some names in generated digests denote no institution. "中国香港大学" mixes up 香港中文大学 (The Chinese
    University of Hong Kong) and 香港大学 (The University of Hong Kong); the gazetteer lists such names
    (`not_institutions`). "巴西州立大学" (a state university of Brazil) names a kind of university, not one: real
    state and federal universities carry a state or city in their name. When such a name stands beside the real
    one in brackets ("巴西州立大学（UNICAMP）") the pair contradicts itself (a warning); alone it is only a note.
    A mistranslation paired with an English name is reported by AFF001."""
    c, problems = _pair_problems(entry, ctx)
    if c is None:
        return
    gaz = ctx.gazetteer
    paired = [(p.pair.start, p.pair.end) for p in problems]
    for m in c.mentions:
        if _is_no_institution(gaz, m) and not any(s <= m.start < e for s, e in paired):
            confused = [gaz.get(i) for i in m.ambiguous if gaz.get(i) is not None]
            yield Hit(field=c.field, start=m.start, end=m.end,
                      message=f"'{m.text}' is no institution: it mixes up "
                              f"{' and '.join(_label(x) for x in confused)}")
    for k in _KIND_NAME.finditer(c.text):
        if any(m.start < k.end() and k.start() < m.end for m in c.mentions):
            continue  # part of a real name the gazetteer knows
        after = _BRACKET_AFTER.match(c.text, k.end())
        inner = [m for m in c.mentions if m.institution is not None and after is not None
                 and after.start(1) <= m.start and m.end <= after.end(1)]
        if inner:
            yield Hit(field=c.field, start=k.start(), end=after.end(),
                      message=f"'{k.group(0)}' is a kind of university, not a name; the name in brackets is "
                              f"{_label(inner[0].institution)}")
        else:
            yield Hit(field=c.field, start=k.start(), end=k.end(), severity=Severity.INFO,
                      message=f"'{k.group(0)}' is a kind of university, not the name of one")


# ---------------------------------------------------------------------------------------------------------------
# AFF003: evidence in the header

_URL = recache.compile(r"(?:https?://|www\.)[^\s<>()\[\]{}\"'，。；、）]+|(?<![\w./])github\.com/[^\s<>()\[\]{}\"'，。；、）]+", re.I)
_EMAIL = recache.compile(r"(?<![\w.])[\w.+-]*@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
# Hosts that serve anybody's files: an institution's domain there says nothing about the authors.
_HOSTING = ("sites.google.com", "drive.google.com", "docs.google.com", "colab.research.google.com",
            "storage.googleapis.com", "groups.google.com", "scholar.google.com", "forms.gle", "pan.baidu.com",
            "yun.baidu.com", "aistudio.baidu.com", "onedrive.live.com", "1drv.ms", "amazonaws.com",
            "cloudfront.net", "blob.core.windows.net", "modelscope.cn", "youtube.com", "youtu.be")


@dataclass(frozen=True)
class Evidence:
    institution: "Institution"
    source: str         # the URL or address as written
    field: Field


def _host(token: str) -> str:
    m = re.match(r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/\s]+@)?([^/\s:?#]+)", token.strip().lower())
    return m.group(1).rstrip(".") if m else ""


# Every _URL or _EMAIL match holds one of these; searching for them is much quicker than _URL over an abstract.
_EVIDENCE_HINT = recache.compile(r"@|://|www\.|github\.com", re.I)


def may_hold_evidence(text: str) -> bool:
    """False when `text` surely holds no URL or e-mail address for `header_evidence` to read."""
    return _EVIDENCE_HINT.search(text) is not None


def header_evidence(entry: Entry, gaz: "AffiliationGazetteer") -> list[Evidence]:
    """Institutions the header's URLs (code, project page) and e-mail addresses point to."""
    out: list[Evidence] = []
    seen: set[str] = set()
    for field in (entry.abstract, entry.comments):
        if field is None or not field.text:
            continue
        tokens = [m.group(0).rstrip(".,;:!?") for m in _URL.finditer(field.text)]
        tokens += [m.group(0) for m in _EMAIL.finditer(field.text)]
        for token in tokens:
            host = _host(token)
            if not host or any(host == h or host.endswith("." + h) for h in _HOSTING):
                continue
            inst = gaz.by_domain(token)
            if inst is not None and inst.id not in seen:
                seen.add(inst.id)
                out.append(Evidence(inst, token, field))
    return out


@entry_rule("AFF003", name="contradicted-by-evidence", category=CATEGORY, severity="warning",
            message="the entry's code/project URL or e-mail points to a university the Affiliation section does "
                    "not name",
            examples=Examples(
                bad=({"abstract": "We present NovaTalk, a talking head generator. Code: https://github.com/zju3dv/"
                                  "NovaTalk.", "affiliation": "上海交通大学"},
                     {"comments": "Project page: https://www.cs.cmu.edu/~nova/", "affiliation": "斯坦福大学"}),
                good=({"abstract": "We present NovaTalk. Code: https://github.com/zju3dv/NovaTalk.",
                       "affiliation": "浙江大学计算机学院"},
                      {"abstract": "We present NovaTalk. Code: https://github.com/zju3dv/NovaTalk.",
                       "affiliation": "上海交通大学、浙江大学"},
                      {"abstract": "We present NovaTalk. Code: https://github.com/zju3dv/NovaTalk.",
                       "affiliation": "上海交通大学，Acme影像研究院"},
                      {"abstract": "We present NovaTalk. Code: https://github.com/NVlabs/NovaTalk.",
                       "affiliation": "浙江大学"},
                      {"comments": "Video: https://sites.google.com/view/novatalk", "affiliation": "斯坦福大学"},
                      {})))
def contradicted_by_evidence(entry: Entry, ctx):
    """The header can name the authors' institution indirectly: a code URL under a university lab's GitHub
    organisation (github.com/<org>, <org>.github.io), a project page on a university's host, an e-mail address.
    When that evidence names a university and none of the institutions in the Affiliation section is related to
    it (the same, a unit of it, or a unit of the same parent), the section is probably wrong.
    To stay precise the rule is silent when the section names an institution the gazetteer does not know (it may
    be the right one), when the evidence is only a company or research-institute account (they host their
    interns' code), and for file-hosting sites (sites.google.com, drive.google.com, …)."""
    field = entry.sections.get("affiliation")
    if field is None or not field.present or (entry.abstract is None and entry.comments is None):
        return
    # Cheap test first: without a URL or an address in the header there is nothing to compare with.
    header = (entry.abstract.text if entry.abstract else "") + (entry.comments.text if entry.comments else "")
    if "." not in header or not may_hold_evidence(header):
        return
    gaz = ctx.gazetteer
    evidence = header_evidence(entry, gaz)
    if not any(academic(gaz, ev.institution) for ev in evidence):
        return
    c = _claim(entry, ctx)
    if c is None or not c.complete:
        return
    if _any_related(gaz, c.institutions, [ev.institution for ev in evidence]):
        return
    ev = next(ev for ev in evidence if academic(gaz, ev.institution))
    named = ", ".join(_label(i) for i in c.institutions[:3])
    start = c.mentions[0].start if c.mentions else 0
    yield Hit(field=c.field, start=start, end=_end(c),
              message=f"the Affiliation section names {named}, but the header's {ev.source} belongs to "
                      f"{_label(ev.institution)}, which none of them is related to")


# ---------------------------------------------------------------------------------------------------------------
# AFF002: the same paper, different institutions


@dataclass(frozen=True)
class _Side:
    path: str
    entry: Entry
    claim: Claim
    evidence: tuple


def _conflicts(sides: list[_Side], gaz, across_posts: bool) -> list[tuple[_Side, _Side]]:
    """(wrong side, other side) for each pair of entries of one paper whose complete claims are unrelated.
    When the header evidence supports one side only, only the other is reported."""
    out = []
    for i, a in enumerate(sides):
        for b in sides[i + 1:]:
            if (a.path != b.path) != across_posts:
                continue
            if _any_related(gaz, a.claim.institutions, b.claim.institutions):
                continue
            ev = [e.institution for e in a.evidence]
            a_ok = bool(ev) and _any_related(gaz, a.claim.institutions, ev)
            b_ok = bool(ev) and _any_related(gaz, b.claim.institutions, ev)
            if not b_ok:
                out.append((b, a))
            if not a_ok:
                out.append((a, b))
    return out


def _conflict_message(wrong: _Side, other: _Side, same_post: bool) -> str:
    named = ", ".join(_label(i) for i in wrong.claim.institutions[:3])
    others = ", ".join(_label(i) for i in other.claim.institutions[:3])
    where = f"entry #{other.entry.index}" if same_post else f"entry #{other.entry.index} of {other.path}"
    return (f"this entry attributes arXiv {wrong.entry.arxiv_id} to {named}, but {where} attributes the same paper "
            f"to {others}, which is unrelated")


def _same_paper_text(claims: list[Claim]) -> bool:
    keys = {re.sub(r"[\W_]+", "", c.text).lower() for c in claims}
    return len(keys) <= 1


def _two_entries(first: str, second: str) -> str:
    a = build_post(affiliation=first)
    b = build_post(affiliation=second)
    return a + "\n## " + b.partition("\n## ")[2]


@post_rule("AFF002", name="same-paper-other-institution", category=CATEGORY, severity="warning",
           message="the same paper is attributed to unrelated institutions",
           examples=Examples(
               bad=({"raw": _two_entries("西安交通大学", "西安电子科技大学")},
                    {"raw": _two_entries("香港中文大学", "The University of Hong Kong")}),
               good=({"raw": _two_entries("西安交通大学", "Xi'an Jiaotong University")},
                     {"raw": _two_entries("浙江大学", "浙江大学、字节跳动")},
                     {"raw": _two_entries("浙江大学", "Acme视觉研究院")},
                     {})))
def same_paper_other_institution(post: Post, ctx):
    """One paper has one list of institutions. When two entries for the same arXiv id — in one post, or in two posts
    of the audited set (checked after all files are read) — name institutions that are unrelated to each other,
    at least one of them is wrong ("西安交通大学" in one post, "西安电子科技大学" in the other). A list that only adds
    or omits institutions is no conflict, and neither is one naming an institution the gazetteer does not know.
    When the header's code/project URL supports one side, only the other side is reported."""
    by_id: dict[str, list[Entry]] = {}
    for e in post.entries:
        if e.arxiv_id and e.sections.get("affiliation") is not None:
            by_id.setdefault(e.arxiv_id, []).append(e)
    groups = [g for g in by_id.values() if len(g) > 1]
    if not groups:
        return
    for group in groups:
        claims = [_claim(e, ctx) for e in group]
        if _same_paper_text([c for c in claims if c is not None]):
            continue
        gaz = ctx.gazetteer
        sides = [_Side(post.path, e, c, tuple(header_evidence(e, gaz)))
                 for e, c in zip(group, claims) if c is not None and c.complete]
        for wrong, other in _conflicts(sides, gaz, across_posts=False):
            yield Hit(field=wrong.claim.field, start=_start(wrong.claim), end=_end(wrong.claim),
                      paper=wrong.entry.index, message=_conflict_message(wrong, other, same_post=True))


def _keyed_entries(post: Post, ids: "set[str] | None" = None) -> Iterator[tuple[Entry, str]]:
    for e in post.entries:
        f = e.sections.get("affiliation")
        if e.arxiv_id and (ids is None or e.arxiv_id in ids) and f is not None and f.present:
            yield e, re.sub(r"[\W_]+", "", _blank(f.text)).lower()


def cross_post_keys(post: Post) -> list[tuple[str, str]]:
    """(arXiv id, affiliation as compared) of each entry that names an affiliation: what `cross_post_findings`
    groups by. A paper can be in conflict across posts only if two posts give it different keys, so a large run
    keeps these pairs and hands `cross_post_findings` only the posts that share an id with different keys."""
    return [(e.arxiv_id, key) for e, key in _keyed_entries(post)]


def cross_post_findings(reports: "list[PostReport]", config=None,
                        ids: "set[str] | None" = None) -> dict[str, list[Finding]]:
    """AFF002 across files: path -> findings for entries whose paper another post attributes to unrelated
    institutions. Needs the parsed posts (`AuditOptions(keep_post=True)`); reports without one are skipped.

    `config` (an `audit.config.Config`) decides whether AFF002 runs for each file and at which severity; the
    findings honour the files' suppression comments (marked `suppressed`, as the engine does). Each finding carries
    `paper` (the entry index); the caller adds it to that paper's findings and re-scores the report.
    The gazetteer is loaded only when some paper appears in two posts with differently worded affiliations.
    `ids` limits the check to those arXiv ids (a large run checks one id at a time, with only its posts loaded).
    """
    meta = _meta("AFF002")
    posts = [r.post for r in reports if getattr(r, "post", None) is not None]
    if config is not None:
        posts = [p for p in posts if config.enabled(meta.code, meta.category, meta.name, p.path)]
    by_id: dict[str, list[tuple[Post, Entry, str]]] = {}
    for post in posts:
        for e, key in _keyed_entries(post, ids):
            by_id.setdefault(e.arxiv_id, []).append((post, e, key))
    groups = [[(p, e) for p, e, _ in g] for g in by_id.values()
              if len({id(p) for p, _, _ in g}) > 1 and len({k for _, _, k in g}) > 1]
    if not groups:
        return {}
    gaz = _gazetteer(config)
    out: dict[str, list[Finding]] = {}
    seen: set[tuple[str, int]] = set()
    for group in groups:
        sides = []
        for post, e in group:
            c = claim(e, gaz)
            if c is not None and c.complete:
                sides.append(_Side(post.path, e, c, tuple(header_evidence(e, gaz))))
        for wrong, other in _conflicts(sides, gaz, across_posts=True):
            key = (wrong.path, wrong.entry.index)
            if key in seen:
                continue
            seen.add(key)
            field = wrong.claim.field
            start, end = _start(wrong.claim), _end(wrong.claim)
            line, column = field.position(start)
            end_line = field.position(end)[0]
            severity = meta.severity if config is None else \
                config.severity_for(meta.code, meta.category, meta.severity, meta.name)
            out.setdefault(wrong.path, []).append(Finding(
                rule=meta.code, category=meta.category, severity=severity,
                message=_conflict_message(wrong, other, same_post=False), line=line, column=column,
                end_line=end_line if end_line != line else None, excerpt=excerpt(field.text[start:end]),
                paper=wrong.entry.index))
    _mark_suppressed(out, {p.path: p for p in posts})
    return out


def _meta(code: str):
    from ..rules.registry import logic_rules
    return logic_rules()[code].meta


def _gazetteer(config) -> "AffiliationGazetteer":
    from ..rules.registry import Context
    extra = tuple(getattr(config, "gazetteers", ()) or ()) if config is not None else ()
    return Context(post=None, options={"extra_gazetteers": extra}).gazetteer  # type: ignore[arg-type]


def _mark_suppressed(found: dict[str, list[Finding]], posts: Mapping[str, Post]) -> None:
    from ..engine import mark_suppressed

    for path, findings in found.items():
        found[path] = mark_suppressed(posts[path], findings)


__all__ = ["Claim", "Evidence", "academic", "affiliation_ids", "bracket_pairs", "claim", "cross_post_findings",
           "cross_post_keys", "header_evidence", "may_hold_evidence", "pair_problems", "related",
           "unknown_institutions"]
