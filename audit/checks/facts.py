"""Hallucination: generated text that contradicts the paper's own header (title, abstract, arXiv comments).

The header is copied from arXiv and is the ground truth. The digest was also written from the paper body, so a fact
the abstract does not mention is never an error: at most an info ("unverified"), one per entry and check. What the
rules look for are contradictions — the same quantity with another value (HAL001), code called public that the header
only promises (HAL003), no code where the header gives a code URL (HAL004), a "first" against an abstract that builds
on prior work of the same kind (HAL006), a misspelt name or a wrong acronym expansion (HAL007, HAL008), another venue
than the comments name (HAL009), a property turned into its opposite (HAL010), a survey credited with a winning
method (HAL011), an author list called alphabetical that is not (HAL012) — and every message quotes the header words
it contradicts. HAL002, HAL005 and the info findings of HAL006/HAL009 are the "unverified" notes.

How it runs (~0.3 s of CPU for the 744 dev entries, single process): each check first asks the small header whether
it can fire at all (no number in the abstract, no promise of code, no venue in the comments … means nothing to look
for), then scans the generated text with a regex that starts with a digit or a literal (a leading look-behind or
IGNORECASE makes Python's regex engine ten times slower), and reads only the short clause around each hit, lower-cased
on the spot. spaCy is not used: importing it alone costs ~0.9 s per worker process, more than the whole audit's
budget, and its blank Chinese tokenizer cuts "30%" into "3", "0", "%", so it brings nothing for numbers. Counts
("24 users") are not compared: without a parser they match too many things that are not the abstract's counts.
The language-specific word lists are data in rules/data/facts.yaml.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Iterator

from .. import recache
from ..model import Entry, Field, Severity
from ..rules.registry import Examples, Hit, entry_rule, per_entry

INF = math.inf

# Generated fields that hold no claims about the paper's results (skipped by most checks).
NO_CLAIMS = ("title", "authors", "affiliation", "keywords", "urls")
NO_NAMES = ("authors", "affiliation", "urls")
RESULT_KINDS = ("percent", "times", "decibel", "rate", "metric")

# ---------------------------------------------------------------------------------------------------------------
# Text helpers

_URL = recache.compile(r"(?:https?://|www\.|\\url\{)[^\s<>\"'（）()\[\]{}，。；、]+\}?")
_TAG = recache.compile(r"<[^<>\n]{0,200}>|&(?:nbsp|amp|lt|gt|quot);")
_CUTS = {"sentence": "。！？!?；;\n", "clause": "。！？!?；;\n，"}
_NEVER = r"(?!x)x"
_ASCII_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _bounds(text: str, pos: int, kind: str = "clause", reach: int = 300) -> tuple[int, int]:
    """Start and end of the clause (or sentence) of `text` around `pos`, looking at most `reach` characters away.
    Clauses end at Chinese commas and at commas not followed by a digit; both end at ". "."""
    lo, hi = max(0, pos - reach), min(len(text), pos + reach)
    start, end = lo, hi
    for ch in _CUTS[kind]:
        i = text.rfind(ch, lo, pos)
        if i >= start:
            start = i + 1
        j = text.find(ch, pos, end)
        if j >= 0:
            end = j
    i = text.rfind(". ", lo, pos)
    if i >= start:
        start = i + 1
    j = text.find(". ", pos, end)
    if j >= 0:
        end = j
    if kind == "clause":
        i = text.rfind(",", start, pos)
        while i >= start:
            if not text[i + 1:i + 2].isdigit():
                start = i + 1
                break
            i = text.rfind(",", start, i)
        j = text.find(",", pos, end)
        while j >= 0:
            if not text[j + 1:j + 2].isdigit():
                end = j
                break
            j = text.find(",", j + 1, end)
    return start, end


def _squash(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def _short(s: str, n: int = 60) -> str:
    s = _squash(s)
    return s if len(s) <= n else s[: n - 1] + "…"


def _quote(text: str, start: int, end: int, limit: int = 110) -> str:
    """The sentence of `text` around [start, end), cut at word boundaries to about `limit` characters."""
    s, e = _bounds(text, start, "sentence", 600)
    e = max(e, end)
    if e - s <= limit:
        return _squash(text[s:e])
    half = max(20, (limit - (end - start)) // 2)
    s2, e2 = max(s, start - half), min(e, end + half)
    while s2 > s and text[s2 - 1] in _ASCII_ALNUM:
        s2 -= 1
    while e2 < e and text[e2] in _ASCII_ALNUM:
        e2 += 1
    return ("…" if s2 > s else "") + _squash(text[s2:e2]) + ("…" if e2 < e else "")


def _clean(text: str) -> str:
    """Header text without HTML tags and entities (offsets change; header text is only quoted and searched)."""
    return _TAG.sub(" ", text) if "<" in text or "&" in text else text


def _in_url(text: str, pos: int) -> bool:
    """Is `pos` inside a URL (the whitespace-delimited token around it contains :// or www.)?"""
    lo = max(0, pos - 120)
    token_start = max(text.rfind(" ", lo, pos), text.rfind("\n", lo, pos), text.rfind("(", lo, pos),
                      text.rfind("（", lo, pos)) + 1
    token = text[token_start or lo:pos]
    return "://" in token or "www." in token or "\\url" in token


# ---------------------------------------------------------------------------------------------------------------
# Word lists


def _alternation(en=(), zh=()) -> str:
    """A pattern for lower-cased text (short windows): English words whole ('*' suffix: any ending), Chinese words
    as substrings, longest first."""
    exact, star = set(), set()
    for w in en or ():
        w = str(w).lower()
        (star if w.endswith("*") else exact).add(w.rstrip("*"))

    def alt(words):
        return "|".join(re.escape(w).replace(r"\ ", r"[\s\-]+") for w in sorted(words, key=lambda w: (-len(w), w)))

    parts = []
    if exact:
        parts.append(r"(?<![a-z0-9])(?:" + alt(exact) + r")(?![a-z0-9])")
    if star:
        parts.append(r"(?<![a-z0-9])(?:" + alt(star) + r")[a-z\-]*")
    if zh:
        parts.append(alt({str(w) for w in zh}))
    return "|".join(parts) or _NEVER


def _groups(table: dict, prefix: str) -> list[tuple[str, str, str]]:
    """(group name, entry name, pattern) per entry of `table` ({name: {en: [...], zh: [...]}})."""
    out = []
    for i, (name, words) in enumerate(table.items()):
        pattern = _alternation((words or {}).get("en"), (words or {}).get("zh"))
        if pattern != _NEVER:
            out.append((f"{prefix}{i}", str(name), pattern))
    return out


def _grouped(table: dict, prefix: str, tail: str = "") -> tuple[re.Pattern, dict[str, str]]:
    """One regex with a named group per entry of `table`, and group name -> entry name."""
    groups = _groups(table, prefix)
    body = "|".join(f"(?P<{g}>{p})" for g, _, p in groups) or _NEVER
    return recache.compile(f"(?:{body}){tail}"), {g: n for g, n, _ in groups}


class _WordTable:
    """Finds the entries of a {name: {en: [...], zh: [...]}} table in short lower-cased texts without a big regex:
    English words by dictionary lookup ('*' words by prefix, two- and three-word terms by their first word), Chinese
    words by one plain alternation."""

    _WORD = recache.compile(r"[a-z0-9\u00c0-\u024f]+")

    def __init__(self, table: dict):
        self.exact: dict[str, str] = {}                  # one-word terms
        self.prefix: dict[int, dict[str, str]] = {}     # one-word '*' terms by length
        self.multi: dict[str, list[tuple[tuple[str, ...], bool, str]]] = {}  # first word -> (words, star, name)
        zh: dict[str, str] = {}
        for name, words in table.items():
            for w in (words or {}).get("en") or ():
                w = str(w).lower()
                star = w.endswith("*")
                parts = tuple(self._WORD.findall(w))
                if len(parts) > 1:
                    self.multi.setdefault(parts[0], []).append((parts, star, str(name)))
                elif parts and star:
                    self.prefix.setdefault(len(parts[0]), {})[parts[0]] = str(name)
                elif parts:
                    self.exact[parts[0]] = str(name)
            for w in (words or {}).get("zh") or ():
                zh[str(w).lower()] = str(name)
        self.lengths = sorted(self.prefix)
        self.zh = zh
        self.zh_rx = recache.compile("|".join(re.escape(w) for w in sorted(zh, key=lambda w: (-len(w), w))) or _NEVER)

    def find(self, low: str) -> set[str]:
        out = {self.zh[m.group(0)] for m in self.zh_rx.finditer(low)} if self.zh else set()
        if not _HAS_LATIN_LETTER.search(low):
            return out
        words = self._WORD.findall(low)
        for i, w in enumerate(words):
            hit = self.exact.get(w)
            if hit:
                out.add(hit)
            for n in self.lengths:
                if n > len(w):
                    break
                hit = self.prefix[n].get(w[:n])
                if hit:
                    out.add(hit)
            for parts, star, name in self.multi.get(w, ()):
                k = len(parts)
                got = words[i:i + k]
                if len(got) == k and got[:-1] == list(parts[:-1]) and (
                        got[-1] == parts[-1] or (star and got[-1].startswith(parts[-1]))):
                    out.add(name)
        return out


_HAS_LATIN_LETTER = recache.compile(r"[a-z]")


def _rx(d: dict, key: str) -> re.Pattern:
    return recache.compile(str(d[key]).strip())


class _Lexicon:
    """rules/data/facts.yaml, compiled once per process."""

    def __init__(self, d: dict):
        # -- numbers: digit first, unit as written (case-sensitive), scanned over whole fields
        self.unit_of: dict[str, tuple[str, float]] = {}
        for u in d["units"]:
            for w in u["words"]:
                self.unit_of[str(w)] = (str(u["kind"]), float(u["factor"]))
        units = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(self.unit_of, key=lambda w: (-len(w), w)))
        self.magnitude = {str(k): float(v) for k, v in d["magnitudes"].items()}
        mags = "|".join(re.escape(k) for k in sorted(self.magnitude, key=lambda w: (-len(w), w)))
        num = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?"
        self.qty = recache.compile(r"(?P<n1>" + num + r")(?:(?:%|％)?[ ]?(?P<rsep>-|–|—|~|～|to|至|到)[ ]?(?P<n2>" + num + r"))?"
                              r"[ ]?(?:(?P<mag>" + mags + r")[ ]?)?(?P<unit>" + units + r")(?![A-Za-z0-9])")
        starts = {w[0] for w in self.unit_of} | {w[0] for w in self.magnitude} | set("-–—~～至到t%")
        # numbers followed by something that may start a unit: the full pattern is tried only there
        self.qty_hint = recache.compile(r"[0-9][0-9.,]*(?=[ ]?[" + "".join(re.escape(c) for c in sorted(starts)) + "])")
        self.resolution = recache.compile(r"\s*[x×X*]\s*[0-9]")
        nw = d["number_words"]
        self.en_numbers = {str(k).lower(): float(v) for k, v in nw["en"].items() if k != "half"}
        self.zh_digits = {str(k): int(v) for k, v in nw["zh_digits"].items()}
        self.zh_units = {str(k): int(v) for k, v in nw["zh_units"].items()}
        words = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(self.en_numbers, key=lambda w: (-len(w), w)))
        self.word_qty = recache.compile(r"(?P<w>" + words + r")[\s\-]+"
                                   r"(?P<unit>minutes?|hours?|seconds?|days?|times|fold)(?![a-z])")
        self.half = recache.compile(r"\bby\s+(?:a\s+)?half\b|\bhalv(?:es|ed|ing)\b|\bin\s+half\b")
        cn = "".join(self.zh_digits) + "".join(self.zh_units)
        self.zh_qty = recache.compile(r"(?P<cn>[" + cn + r"]{1,5})(?:个)?(?P<unit>倍|分钟|小时|钟头|秒钟|秒|天)")
        self.zh_qty_bad_before = set("第进统唯之同单首每" + cn)
        self.qual_before, self.qual_after = {}, {}
        for name, w in d["qualifiers"].items():
            for where, table in (("before", self.qual_before), ("after", self.qual_after)):
                words = [str(x) for x in w.get(where, ())]
                alt = _alternation([x for x in words if x[:1].isascii() and x[:1].isalpha()],
                                   [x for x in words if not (x[:1].isascii() and x[:1].isalpha())])
                table[name] = recache.compile(r"(?:" + alt + r")\s*(?:了|为|是|达|达到|by|of)?\s*$" if where == "before"
                                         else r"\s*(?:" + alt + r")")
        self.tail = recache.compile(_alternation(d["comparison_tail"]["en"]))
        self.stop_after = recache.compile(r"[和与及、并且而]|同时|(?<![a-z])(?:and|while|with|whereas|but)(?![a-z])")
        self.concepts = _WordTable(d["concepts"])
        metric_table = {k: v for k, v in d["concepts"].items() if k in set(d["metrics"])}
        gap = (r"\s*(?:的)?(?:值|分数|得分|指标|score|scores|of|is|was|为|是|达到了?|达|提升到|提高到|降低到|降至|升至|:|：|"
               r"=|高达|仅为?|低至|reaches|reached|achieves|achieved|of\s+only)?\s*(?:为|是|达到了?|:|：|=|of)?\s*")
        self.metric_value = _grouped(metric_table, "m", gap + r"(?P<val>[0-9]+(?:\.[0-9]+)?)(?![0-9.]*[A-Za-z%％倍×])")
        self.metric_hint = recache.compile("|".join(re.escape(w) for w in (
            "PSNR", "psnr", "SSIM", "LPIPS", "FID", "FVD", "KID", "WER", "CER", "MOS", "IoU", "IOU", "Dice", "DICE",
            "AUC", "mAP", "AP", "F1", "CLIP", "Fréchet", "Frechet", "FGD", "LSE", "Sync", "sync", "ccura", "recision",
            "ecall", "准确", "精度", "正确率", "识别率", "同步", "交并比", "峰值信噪比", "错误率", "错率")))
        # -- availability
        self.artifacts, self.artifact_names = _grouped(d["artifacts"], "a")
        # the same words as plain literals, for scanning whole fields (word starts are checked in Python)
        literal = []
        for i, (name, words) in enumerate(d["artifacts"].items()):
            alts = sorted({str(w).lower().rstrip("*") for w in (words or {}).get("en", ())} |
                          {str(w) for w in (words or {}).get("zh", ())}, key=lambda w: (-len(w), w))
            literal.append(f"(?P<a{i}>" + "|".join(re.escape(w) for w in alts) + ")")
        self.artifacts_scan = recache.compile("|".join(literal))
        self.future_en, self.present_en = _rx(d, "future_en_regex"), _rx(d, "present_en_regex")
        self.claim_before = _rx(d, "claim_before_zh_regex")
        self.claim_after = _rx(d, "claim_after_zh_regex")
        self.weak_before = _rx(d, "weak_claim_before_zh_regex")
        self.weak_after = _rx(d, "weak_claim_after_zh_regex")
        self.claim_en = _rx(d, "claim_en_regex")
        self.future_zh = recache.compile(_alternation(["will", "to be", "upon", "soon", "once", "later"], d["future_zh"])
                                    + r"|后[^，。；,;]{0,4}(?:公开|开源|发布|提供|上传)")
        self.negation = recache.compile(_alternation(["not", "no", "never", "without", "unavailable"], d["negation_zh"]))
        self.conditional = recache.compile(_alternation(["if", "whether"], d["conditional_zh"]))
        self.not_claim = recache.compile(_alternation(d["not_about_paper_en"], list(d["not_about_paper_zh"]) +
                                                 list(d["not_claim_zh"])))
        self.avail_words = recache.compile(r"开源|公开|发布|开放|提供|获取|下载|共享|上传|放出|availab|releas|open[- ]?sourc|"
                                      r"public|found at|位于")
        self.denial_zh, self.denial_en = _rx(d, "denial_zh_regex"), _rx(d, "denial_en_regex")
        self.denial_excuse = _rx(d, "denial_excuse_regex")
        self.denied_link = recache.compile(r"(?:代码|源代码|源码|github)(?:仓库|库)?(?:的)?(?:链接|地址|网址|仓库)|"
                                      r"github|链接|地址|网址|\blink|\burl|repositor")
        self.code_hosts = tuple(str(h).lower() for h in d["code_hosts"])
        self.code_before_url = _rx(d, "code_words_before_url_regex")
        self.placeholder_url = _rx(d, "placeholder_url_regex")
        # -- firsts
        self.first_scan = recache.compile(r"首次|首个|首款|首创|率先|开创|先河|前所未有|第一[个款种项次]|[Ff]irst|[Pp]ioneer")
        self.first_zh, self.first_en = _rx(d, "first_zh_regex"), _rx(d, "first_en_regex")
        self.first_ordinal, self.first_support = _rx(d, "first_ordinal_en_regex"), _rx(d, "first_support_en_regex")
        self.building_on = _rx(d, "building_on_en_regex")
        self.first_other = recache.compile(_alternation(["previous", "prior", "existing", "earlier", "traditional"],
                                                   d["first_other_zh"]))
        self.first_application = _rx(d, "first_application_zh_regex")
        self.topic_en = [(recache.compile(r"(?<![a-z])" + re.escape(str(k).lower())), [str(z).lower() for z in v])
                         for k, v in d["topic_terms"].items()]
        # -- venues (case-sensitive: TIP, TOG, ACL are also words); the claim words are scanned first
        self.venue_of: dict[str, str] = {}
        aliases = []
        for canon, names in d["venues"].items():
            for n in names:
                self.venue_of[_venue_key(str(n))] = str(canon)
                aliases.append(str(n))
        alt = "|".join(re.escape(a).replace(r"\ ", r"[\s\-]?") for a in sorted(set(aliases), key=lambda w: (-len(w), w)))
        self.venue = recache.compile(r"(?P<v>" + alt + r")(?![a-z])(?:[\s'’\-]*(?P<y>(?:19|20)[0-9]{2}|[0-9]{2})(?![0-9]))?")
        self.venue_claim = recache.compile(_alternation(d["venue_claim_en"], d["venue_claim_zh"]))
        self.venue_claim_scan = recache.compile("|".join(re.escape(str(w).rstrip("*")) for w in
                                                    list(d["venue_claim_zh"]) + list(d["venue_claim_en"]) +
                                                    [str(w).capitalize() for w in d["venue_claim_en"]]))
        self.venue_not_claim = recache.compile(_alternation([w for w in d["venue_not_claim"] if str(w).isascii()],
                                                       [w for w in d["venue_not_claim"] if not str(w).isascii()]))
        self.comments_submitted = _rx(d, "comments_submitted_regex")
        self.comments_accepted = _rx(d, "comments_accepted_regex")
        # -- polarity
        self.polarity = [(tuple(str(p["en_hint"]).lower().split("|")), str(p["name"]), recache.compile(str(p["en_pos"])),
                          recache.compile(str(p["en_neg"])), recache.compile(str(p["zh_neg"])), recache.compile(str(p["zh_pos"])))
                         for p in d.get("polarity_pairs", ())]
        self.polarity_context = recache.compile(_alternation(zh=d.get("polarity_context_zh", ())))
        # -- surveys, author order
        self.survey_title, self.survey_abstract = _rx(d, "survey_title_regex"), _rx(d, "survey_abstract_regex")
        self.own_result = _rx(d, "own_method_result_zh_regex")
        self.alphabetical = _rx(d, "alphabetical_claim_regex")
        # -- names
        self.common_names = {_norm_name(n) for n in str(d["common_names"]).split()}
        self.common_families = _rx(d, "common_families_regex")


@lru_cache(maxsize=1)
def _lex() -> _Lexicon:
    from ..datafiles import load_yaml
    from ..rules.packs import rules_dir

    return _Lexicon(load_yaml(rules_dir() / "data" / "facts.yaml"))


def _venue_key(v: str) -> str:
    return re.sub(r"[\s\-]", "", v).lower()


def _norm_name(n: str) -> str:
    """Name without case, hyphens, spaces and plural s; "-to-" read as "2" (Text-to-CAD = Text2CAD)."""
    n = re.sub(r"[\s\-_]to[\s\-_]", "2", n.lower())
    n = re.sub(r"[\s\-_.]", "", n)
    if len(n) > 4 and n.endswith("s") and not n.endswith("ss"):
        n = n[:-1]
    return n


# ---------------------------------------------------------------------------------------------------------------
# Quantities


@dataclass(eq=False)
class _Qty:
    kind: str                 # percent | times | time | rate | decibel | bytes | length | metric
    lo: float                 # value in the kind's base unit; lo < hi for a range
    hi: float
    step: float               # rounding tolerance of the written value (base unit)
    raw: tuple                # the numbers as written
    start: int
    end: int
    unit: str = ""
    qual: str = ""            # "" | about | at_least | at_most
    metric: str | None = None
    siblings: int = 1         # quantities of this kind in the clause (a list of results when > 1)
    clause: tuple = (0, 0)
    windows: tuple = ("", "")  # lower-cased words before and after the number, for its concepts
    known_concepts: frozenset | None = None

    @property
    def concepts(self) -> frozenset:
        """The quantity words around the number (computed on first use: most numbers are never compared)."""
        if self.known_concepts is None:
            found = _lex().concepts.find(self.windows[0]) | _lex().concepts.find(self.windows[1])
            if self.kind == "rate":
                found.add("frame_rate")
            if self.metric:
                found.add(self.metric)
            self.known_concepts = frozenset(found)
        return self.known_concepts


def _num(s: str) -> tuple[float, int]:
    s = s.replace(",", "")
    return float(s), (len(s.split(".")[1]) if "." in s else 0)


def _zh_number(s: str, lex: _Lexicon) -> float | None:
    total, cur = 0, 0
    for ch in s:
        if ch in lex.zh_digits:
            cur = lex.zh_digits[ch]
        elif ch in lex.zh_units:
            u = lex.zh_units[ch]
            total = (total + (cur or 0)) * u if u == 10000 else total + (cur or 1) * u
            cur = 0
        else:
            return None
    return float(total + cur) or None


_NAME_BEFORE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-/#@＃^")
_AFTER_TIMES = recache.compile(r"[0-9]\s*[x×X*]\s*$")


def _quantities(text: str, lex: _Lexicon, *, words: bool = False, metrics: bool = True,
                chinese: bool = True) -> list[_Qty]:
    """Numbers with a unit (30%, 3倍, 2×, 15 minutes, 25 FPS, 1.5 dB …) and metric values (FID of 3.27, PSNR为32.1)
    of `text`; `words` also reads number words ("two-minute", "three times"). Names (ResNet-50, 3DGS, GPT-4),
    resolutions (256×256) and numbers inside URLs are skipped."""
    out: list[_Qty] = []
    for h in lex.qty_hint.finditer(text):
        s = h.start()
        if s and text[s - 1] in _NAME_BEFORE:
            continue
        m = lex.qty.match(text, s)
        if not m:
            continue
        end = m.end()
        unit = m.group("unit")
        kind, factor = lex.unit_of[re.sub(r"\s+", " ", unit)] if unit in lex.unit_of or " " in unit \
            else lex.unit_of.get(unit, (None, 1.0))
        if kind is None:
            continue
        if kind == "times" and (lex.resolution.match(text, m.start("unit")) or _AFTER_TIMES.search(text, max(0, s - 8), s)):
            continue  # 256×256, 1920x1080: a resolution
        if _in_url(text, s):
            continue
        n1, d1 = _num(m.group("n1"))
        n2, d2 = _num(m.group("n2")) if m.group("n2") else (n1, d1)
        if n2 < n1:
            n1, n2 = n2, n1
        f = factor * lex.magnitude.get(m.group("mag") or "", 1.0)
        out.append(_Qty(kind=kind, lo=n1 * f, hi=n2 * f, step=0.5 * 10 ** (-min(d1, d2)) * f,
                        raw=(n1,) if n1 == n2 else (n1, n2), start=s, end=end, unit=unit))
    low = None
    if metrics:
        rx, names = lex.metric_value
        last = -1
        for hint in lex.metric_hint.finditer(text):
            at = hint.start()
            while at > 0 and text[at - 1] in _ASCII_ALNUM:
                at -= 1
            if at <= last:
                continue
            window = text[at:at + 60].lower()
            m = rx.match(window)
            if not m:
                continue
            last = at + m.end()
            v, dec = _num(m.group("val"))
            metric = next(names[g] for g in names if m.group(g))
            out.append(_Qty(kind="metric", lo=v, hi=v, step=0.5 * 10 ** (-dec), raw=(v,), start=at + m.start("val"),
                            end=at + m.end(), metric=metric))
    if chinese and ("倍" in text or "分钟" in text or "小时" in text or "秒" in text or "天" in text):
        for m in lex.zh_qty.finditer(text):
            if m.start() and text[m.start() - 1] in lex.zh_qty_bad_before:
                continue
            v = _zh_number(m.group("cn"), lex)
            kind, factor = lex.unit_of.get(m.group("unit"), (None, 1.0))
            if v and kind:
                out.append(_Qty(kind=kind, lo=v * factor, hi=v * factor, step=0.5 * factor, raw=(v,),
                                start=m.start(), end=m.end(), unit=m.group("unit")))
    if words and ("minute" in text or "hour" in text or "second" in text or "day" in text or "times" in text
                  or "fold" in text):
        low = low or text.lower()
        for m in lex.word_qty.finditer(low):
            if m.start() and low[m.start() - 1] in _NAME_BEFORE:
                continue
            v = lex.en_numbers.get(re.sub(r"\s+", " ", m.group("w")))
            unit = m.group("unit")
            kind, factor = lex.unit_of.get(unit, lex.unit_of.get(unit + "s", (None, 1.0)))
            if v and kind:
                out.append(_Qty(kind=kind, lo=v * factor, hi=v * factor, step=0.5 * factor, raw=(v,),
                                start=m.start(), end=m.end(), unit=unit))
    if words and ("half" in text or "halv" in text):
        low = low or text.lower()
        for m in lex.half.finditer(low):
            out.append(_Qty(kind="percent", lo=50, hi=50, step=0.5, raw=(50,), start=m.start(), end=m.end()))
    if out:
        out.sort(key=lambda q: q.start)
        _attach_context(text, out, lex)
    return out


def _attach_context(text: str, qtys: list[_Qty], lex: _Lexicon) -> None:
    """Each quantity's qualifier, its concepts (the words before it back to the previous number, and a few words after
    it up to a conjunction or comparison), and how many quantities of its kind share its clause."""
    for i, q in enumerate(qtys):
        cs, ce = _bounds(text, q.start)
        q.clause = (cs, ce)
        prev_end = max([p.end for p in qtys[:i] if cs < p.end <= q.start] or [cs])
        nxt = min([p.start for p in qtys[i + 1:] if p.start >= q.end] or [ce])
        before = text[max(prev_end, q.start - 60):q.start].lower()
        after = text[q.end:min(ce, nxt, q.end + 40)].lower()
        q.qual = _qualifier(text[max(0, q.start - 12):q.start].lower(), after[:8], lex)
        stop = lex.stop_after.search(after)
        if stop:
            after = after[:stop.start()]
        tail = lex.tail.search(after)
        if tail:
            after = after[:tail.start()]
        q.windows = (before, after)
        q.siblings = sum(1 for p in qtys if p.kind == q.kind and cs <= p.start < ce)


def _qualifier(before: str, after: str, lex: _Lexicon) -> str:
    for name in ("about", "at_least", "at_most"):
        if lex.qual_before[name].search(before) or lex.qual_after[name].match(after):
            return name
    return ""


def _as_kind(q: _Qty, kind: str) -> list[tuple[float, float]]:
    """(value, tolerance) pairs that `q` also means in `kind`: 2× faster is 100% faster (or 200% of), 4× less
    memory is 75% less; 50% less time is 2× faster."""
    out: list[tuple[float, float]] = []
    if q.kind == "times" and kind == "percent":
        for m in {q.lo, q.hi}:
            out += [(m * 100, 3.0), ((m - 1) * 100, 3.0)]
            if m > 1:
                out.append(((1 - 1 / m) * 100, 3.0))
    elif q.kind == "percent" and kind == "times":
        for p in {q.lo, q.hi}:
            out += [(p / 100, 0.05), (1 + p / 100, 0.05)]
            if p < 100:
                out.append((1 / (1 - p / 100), 0.05))
    return out


def _agrees(d: _Qty, a: _Qty) -> bool:
    """Could digest quantity `d` and abstract quantity `a` be the same value (rounding, ranges, qualifiers, 倍/%)?"""
    if d.kind != a.kind:
        return any(abs(v - x) <= tol + max(d.step, 0.01 * abs(v)) for v, tol in _as_kind(a, d.kind)
                   for x in {d.lo, d.hi})
    tol = max(d.step, a.step) + 1e-9
    if d.qual == "about" or a.qual == "about":
        tol = max(tol, 0.1 * max(abs(d.hi), abs(a.hi)))
    dlo, dhi, alo, ahi = d.lo, d.hi, a.lo, a.hi
    if d.qual == "at_least":
        dhi = INF
    elif d.qual == "at_most":
        dlo = -INF
    if a.qual == "at_least":
        ahi = INF
    elif a.qual == "at_most":
        alo = -INF
    if dlo - tol <= ahi and alo - tol <= dhi:
        return True
    return d.kind == "times" and d.unit == "倍" and abs(abs(d.lo - a.lo) - 1) <= tol  # 提高了2倍: 2× or 3×


def _decimals(x: float) -> int:
    r = repr(float(x))
    return 0 if "e" in r else min(len(r.split(".")[1].rstrip("0")), 6)


# ---------------------------------------------------------------------------------------------------------------
# What the header says (everything lazy: most checks stop at the first question)

_RELEASE_WORDS = ("eleas", "vailab", "pen-sourc", "pen sourc", "ublic", "ithub", "pload", "hare", "://", "url{")
_PROMISE_WORDS = ("will ", "Will ", "upon ", "Upon ", "soon", "to be released", "to be made", "forthcoming",
                  "future", "plan to", "plans to", "planned to", "shall ", "going to", "after acceptance",
                  "after publication")


def _find_all(text: str, word: str) -> Iterator[int]:
    at = text.find(word)
    while at >= 0:
        yield at
        at = text.find(word, at + 1)
_AVAILABILITY_HINT = recache.compile(r"[Rr]eleas|[Aa]vailab|[Oo]pen[- ]?[Ss]ourc|[Pp]ublic|[Ss]har|[Pp]ublish|[Gg]it[Hh]ub|"
                                r"://|\\url|[Uu]pload|[Dd]ownload|[Cc]odes?\s*:|[Pp]rovid")
_RAW_NUMBER = recache.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+)?")
_NAME_SCAN = recache.compile(r"[A-Z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*")
_CAMEL = recache.compile(r"[A-Z].*[A-Z0-9]|[a-z][A-Z]|[A-Za-z][0-9]|[0-9][A-Za-z]")


def _is_name(tok: str) -> bool:
    """CamelCase, ALLCAPS or letters with digits: models, datasets, metrics."""
    return len(tok) >= 3 and not tok[1:].islower() and bool(_CAMEL.search(tok))


def _names_in(text: str) -> set[str]:
    """Name-like tokens of `text` (a token's capitalised tail, as "NeRF" in "iNeRF", counts too)."""
    return {t for t in set(_NAME_SCAN.findall(text)) if _is_name(t)}


class _Header:
    def __init__(self, entry: Entry, lex: _Lexicon):
        self.lex = lex
        self.title = _clean(entry.title.text) if entry.title else ""
        self.abstract = _clean(entry.abstract.text) if entry.abstract else ""
        self.comments = _clean(entry.comments.text) if entry.comments else ""
        self.src = f"{self.title}. {self.abstract}"

    @cached_property
    def low(self) -> str:
        return self.src.lower()

    @cached_property
    def all_text(self) -> str:
        return f"{self.src}\n{self.comments}"

    # numbers ---------------------------------------------------------------------------------------------------
    @cached_property
    def qtys(self) -> list[_Qty]:
        src = _URL.sub(lambda m: " " * len(m.group(0)), self.src) if "://" in self.src else self.src
        return _quantities(src, self.lex, words=True)

    @cached_property
    def raw_values(self) -> list[float]:
        """Every number written anywhere in the header (names excluded)."""
        text = self.all_text
        vals = [float(m.group(0).replace(",", "")) for m in _RAW_NUMBER.finditer(text)
                if not (m.start() and text[m.start() - 1] in _NAME_BEFORE)]
        for q in self.qtys:
            vals += list(q.raw)
        return vals

    @cached_property
    def derived(self) -> list[_Qty]:
        """Differences, relative changes and ratios between two numbers of one kind in one abstract sentence
        ("from 70.1% to 75.3%" gives 5.2 points and 7.4%)."""
        out: list[_Qty] = []
        groups: dict[tuple, list[_Qty]] = {}
        for q in self.qtys:
            if q.lo == q.hi:
                groups.setdefault((_bounds(self.src, q.start, "sentence", 600), q.kind), []).append(q)
            elif q.lo > 0:  # "from 70.1% to 75.3%": the change as well
                diff = q.hi - q.lo
                out.append(_Qty(kind=q.kind, lo=diff, hi=diff, step=2 * q.step, raw=(diff,), start=q.start,
                                end=q.end, known_concepts=q.concepts))
                rel = diff / q.lo * 100
                out.append(_Qty(kind="percent", lo=rel, hi=rel, step=max(1.0, rel * 0.02), raw=(rel,),
                                start=q.start, end=q.end, known_concepts=q.concepts))
        for (_, kind), qs in groups.items():
            for i, a in enumerate(qs[:6]):
                for b in qs[i + 1:6]:
                    diff, low, high = abs(a.lo - b.lo), min(a.lo, b.lo), max(a.lo, b.lo)
                    cs = a.concepts | b.concepts
                    out.append(_Qty(kind=kind, lo=diff, hi=diff, step=max(a.step, b.step) * 2, raw=(diff,),
                                    start=a.start, end=b.end, known_concepts=cs))
                    if low > 0:
                        for rel in (diff / low * 100, diff / high * 100):
                            out.append(_Qty(kind="percent", lo=rel, hi=rel, step=max(1.0, rel * 0.02), raw=(rel,),
                                            start=a.start, end=b.end, known_concepts=cs))
                        out.append(_Qty(kind="times", lo=high / low, hi=high / low, step=0.05 * high / low,
                                        raw=(high / low,), start=a.start, end=b.end, known_concepts=cs))
        return out

    def known(self, d: _Qty) -> bool:
        """The digest value is in the header in some form: as written, converted, or derived from two numbers."""
        for x in d.raw:
            tol = 0.5 * 10 ** (-_decimals(x)) + 1e-9
            for v in self.raw_values:
                if abs(v - x) <= max(tol, 0.5 * 10 ** (-_decimals(v)) + 1e-9):
                    return True
        return any(_agrees(d, a) for a in self.qtys) or any(_agrees(d, a) for a in self.derived)

    @cached_property
    def has_results(self) -> bool:
        return any(q.kind in RESULT_KINDS for q in self.qtys)

    # names -----------------------------------------------------------------------------------------------------
    @cached_property
    def names(self) -> dict[str, str]:
        """Normalised name -> name as written, for every name-like token of title and abstract."""
        out: dict[str, str] = {}
        for n in _names_in(self.src):
            out.setdefault(_norm_name(n), n)
        return out

    @cached_property
    def norm_text(self) -> str:
        return _norm_name(self.all_text)

    @cached_property
    def words_lower(self) -> set[str]:
        return set(re.findall(r"[a-z0-9][a-z0-9_\-]*", self.all_text.lower()))

    @cached_property
    def acronyms(self) -> set[str]:
        """Acronyms next to a parenthesis in title and abstract ("Latent Diffusion Model (LDM)", "LDM (…)")."""
        out = set()
        for p in _PAREN.finditer(self.src):
            i = p.start()
            m = _SF_INSIDE.match(self.src, i + 1)
            if m:
                out.add(m.group("sf"))
            else:
                b = _SF_BEFORE.search(self.src, max(0, i - 30), i)
                if b:
                    out.add(b.group("sf"))
        return out

    def expansions(self, only: tuple[str, ...]) -> dict[str, list[tuple[str, int, int]]]:
        return _expansions(self.src, header=True, only=only)

    # availability ----------------------------------------------------------------------------------------------
    @cached_property
    def availability(self) -> tuple[dict[str, str], dict[str, str]]:
        """(artifact -> header sentence promising it, artifact -> header sentence saying it is available now);
        both empty when the header promises nothing."""
        future = self._artifact_sentences(promise=True)
        return (future, self._artifact_sentences(promise=False)) if future else ({}, {})

    def _artifact_sentences(self, promise: bool) -> dict[str, str]:
        lex = self.lex
        out: dict[str, str] = {}
        if promise and not any(w in self.abstract or w in self.comments for w in _RELEASE_WORDS):
            return out
        for raw in (self.abstract, self.comments):
            done = set()
            if promise:  # anchored at the promise words: much rarer than the availability words
                starts = [i for w in _PROMISE_WORDS for i in _find_all(raw, w)]
            else:
                starts = [m.start() for m in _AVAILABILITY_HINT.finditer(raw)]
            for at in starts:
                s, e = _bounds(raw, at, "sentence", 600)
                if (s, e) in done:
                    continue
                done.add((s, e))
                sent = raw[s:e].lower()
                if promise:
                    if not _AVAILABILITY_HINT.search(sent) or not lex.future_en.search(sent):
                        continue
                elif lex.future_en.search(sent) or not lex.present_en.search(sent):
                    continue
                for a in lex.artifacts.finditer(sent):
                    out.setdefault(lex.artifact_names[a.lastgroup], _squash(raw[s:e]))
        return out

    @cached_property
    def urls(self) -> list[tuple[str, str]]:
        """(url, the 80 characters before it) for every URL of abstract and comments."""
        out = []
        for text in (self.abstract, self.comments):
            if "://" in text or "www." in text or "\\url" in text:
                for m in _URL.finditer(text):
                    if "arxiv.org" not in m.group(0).lower():
                        out.append((m.group(0), text[max(0, m.start() - 80):m.start()]))
        return out

    @cached_property
    def code_url(self) -> tuple[str, bool] | None:
        """(the header's code URL, whether the header only promises the code there); code hosts first."""
        lex = self.lex
        found = []
        for url, before in self.urls:
            low = before.lower()
            host = any(h in url.lower() for h in lex.code_hosts)
            if host or lex.code_before_url.search(low):
                last = re.split(r"\.\s", low)[-1]
                clean = re.sub(r"^\\url\{|[}.,;)]+$", "", url)
                found.append((not host, clean, bool(lex.future_en.search(last)), host))
        if not found:
            return None
        found.sort(key=lambda x: x[0])
        _, url, promise, host = found[0]
        return url, promise, host

    # firsts ----------------------------------------------------------------------------------------------------
    @cached_property
    def first_support(self) -> bool:
        lex = self.lex
        low = self.low
        for m in lex.first_support.finditer(low):
            if m.group(0) == "first" and lex.first_ordinal.search(low[max(0, m.start() - 12):m.end() + 25]):
                continue
            return True
        return False

    @cached_property
    def building_on(self) -> list[str]:
        if "uild" not in self.abstract and "xtend" not in self.abstract and "top of" not in self.abstract \
                and "mprov" not in self.abstract:
            return []
        return [self.src[m.start():m.end()].strip() for m in self.lex.building_on.finditer(self.low)]

    # venue -----------------------------------------------------------------------------------------------------
    @cached_property
    def venues(self) -> list[tuple[str, str | None]]:
        out = []
        for m in self.lex.venue.finditer(self.comments):
            if m.start() and self.comments[m.start() - 1] in _ASCII_ALNUM:
                continue
            canon = self.lex.venue_of.get(_venue_key(m.group("v")))
            if canon:
                out.append((canon, _year(m.group("y"))))
        return out

    @cached_property
    def submitted_only(self) -> bool:
        low = self.comments.lower()
        return bool(self.lex.comments_submitted.search(low)) and not self.lex.comments_accepted.search(low)


def _year(y: str | None) -> str | None:
    return None if not y else y if len(y) == 4 else "20" + y


# ---------------------------------------------------------------------------------------------------------------
# Per-entry analysis, shared by the rules (the engine runs rule by rule over all entries of a post)


class _Facts:
    def __init__(self, entry: Entry):
        self.entry = entry
        self.lex = _lex()
        self.header = _Header(entry, self.lex)
        self.numbers: list | None = None
        self.generated = tuple(f for f in entry.generated if f.text.strip())

    def fields(self, skip: tuple[str, ...] = ()) -> Iterator[Field]:
        return (f for f in self.generated if f.name not in skip)


def _facts(entry: Entry) -> _Facts:
    return per_entry("facts", entry, _Facts)


# ---------------------------------------------------------------------------------------------------------------
# HAL001 / HAL002 numbers


def _numbers(entry: Entry) -> list[tuple[Field, _Qty, str, list[_Qty]]]:
    """(field, digest quantity, "contradiction" | "unverified", abstract quantities of that quantity)."""
    facts = _facts(entry)
    if facts.numbers is not None:
        return facts.numbers
    out: list = []
    facts.numbers = out
    header, lex = facts.header, facts.lex
    if not header.abstract.strip() or not header.qtys:
        return out  # nothing in the abstract to contradict, and no results to leave unverified
    kinds = {q.kind for q in header.qtys}
    for f in facts.fields(NO_CLAIMS):
        for d in _quantities(f.text, lex, metrics="metric" in kinds, chinese=bool(kinds & {"time", "times"})):
            if d.kind not in kinds and d.kind not in RESULT_KINDS:
                continue
            if d.kind == "metric":
                cands = [a for a in header.qtys if a.kind == "metric" and a.metric == d.metric]
            else:
                cands = [a for a in header.qtys if a.kind == d.kind and a.concepts & d.concepts]
            if not cands:
                if d.concepts and d.kind in RESULT_KINDS and header.has_results and not header.known(d):
                    out.append((f, d, "unverified", []))
                continue
            if any(_agrees(d, a) for a in cands) or header.known(d):
                continue
            clause = f.text[d.clause[0]:d.clause[1]]
            foreign = {n for n in _names_in(clause) if n.lower() not in header.words_lower
                       and not lex.concepts.find(n.lower())}
            if d.siblings > 1 or foreign:
                # a list of per-dataset results, or a dataset/baseline the abstract does not mention: from the body
                out.append((f, d, "unverified", cands))
                continue
            out.append((f, d, "contradiction", cands))
    return out


@entry_rule("HAL001", name="number-contradiction", category="hallucination", severity="error",
            message="a number contradicts the abstract",
            examples=Examples(
                bad=({"digest_summary": "(1) 研究背景：音频驱动的说话人头部生成。\n(4) 任务与性能：唇形同步误差降低了15%。"},
                     {"key_takeaways": "1. NovaTalk基于潜在扩散模型。\n2. 渲染速度达到每秒40帧（40 FPS）。"}),
                good=({}, {"digest_summary": "(4) 任务与性能：在HDTF上唇形同步误差降低约13%，渲染速度为25 FPS。"},
                      {"methods": "(1) 以ResNet-50编码音频，用3DGS表示头部，训练耗时12小时。"})))
def number_contradiction(entry: Entry, ctx):
    """A percentage, factor (2×, 3倍), time, frame rate, size, length or metric value (FID of 3.27, PSNR为32.1) in
    the generated text that measures the same quantity as a number of the abstract — same kind of unit and a shared
    quantity word (latency/延迟, speed/速度/加速, PSNR, FID, WER, memory/显存, parameters/参数 …) — but has another
    value. Rounding (14.3% vs 14%), ranges (3–7%), qualifiers (约, 超过, up to), 倍/% conversions and values derived
    from two abstract numbers are accepted; numbers that are parts of names (ResNet-50, 3DGS, GPT-4), resolutions,
    years and item numbers are not read. A number whose clause lists several results or names a dataset or baseline
    the abstract does not mention is taken to come from the paper body (HAL002). With two or more abstract values of
    that quantity, none of them matching, the finding is a warning."""
    header = _facts(entry).header
    for f, d, status, cands in _numbers(entry):
        if status != "contradiction":
            continue
        a = cands[0]
        others = "" if len(cands) == 1 else f" (and {len(cands) - 1} other value(s) of that quantity)"
        yield Hit(field=f, start=d.start, end=d.end, severity=Severity.ERROR if len(cands) == 1 else Severity.WARNING,
                  message=f"digest says {_short(f.text[d.start:d.end], 30)}, abstract says "
                          f"'{_quote(header.src, a.start, a.end)}'{others}")


@entry_rule("HAL002", name="number-unverified", category="hallucination", severity="info",
            message="result numbers not in the abstract (unverified)",
            examples=Examples(
                bad=({"methods": "(1) 使用潜在扩散模型生成面部运动。\n(2) 显存占用减少了40%。"},),
                good=({}, {"methods": "(1) 在4块A100 GPU上训练约两天。"})))
def number_unverified(entry: Entry, ctx):
    """Result numbers (percentages, factors, dB, fps, metric values) in the generated text that the abstract does
    not have, in an entry whose abstract does report results. They may well come from the paper body, so this is
    only a note to check them there: one finding per entry, at the first such number."""
    seen: list[str] = []
    first = None
    for f, d, status, _ in _numbers(entry):
        if status != "unverified" or d.kind not in RESULT_KINDS:
            continue
        txt = _short(f.text[d.start:d.end], 20)
        if txt not in seen:
            seen.append(txt)
        first = first or (f, d)
    if first:
        f, d = first
        more = f" ({len(seen)} such numbers: {', '.join(seen[:4])}{'…' if len(seen) > 4 else ''})" \
            if len(seen) > 1 else ""
        yield Hit(field=f, start=d.start, end=d.end, severity=Severity.INFO,
                  message=f"'{seen[0]}' is not in the abstract: unverified, check it against the paper{more}")


# ---------------------------------------------------------------------------------------------------------------
# HAL003 availability claimed, HAL004 code denied, HAL005 unsupported code link


@entry_rule("HAL003", name="availability-overclaim", category="hallucination", severity="error",
            message="digest says code/data/models are available; the header only promises them",
            examples=Examples(
                bad=({"abstract": "We present NovaTalk, an audio-driven talking head method. Code and models will be "
                                  "released upon acceptance.",
                      "urls": "https://arxiv.org/abs/2411.90001 , Github: None",
                      "conclusion": "(1) 意义：提升了表现力。\n(2) 工作量：作者已在GitHub上开源全部代码和预训练模型。"},
                     {"abstract": "We present NovaTalk. Our code will be made publicly available.",
                      "urls": "https://arxiv.org/abs/2411.90001 , Github: None",
                      "key_takeaways": "1. NovaTalk基于潜在扩散模型。\n2. 代码和模型公开。"}),
                good=({}, {"abstract": "We present NovaTalk. Code will be released upon acceptance.",
                           "urls": "https://arxiv.org/abs/2411.90001 , Github: None",
                           "conclusion": "(1) 意义：提升了表现力。\n(2) 工作量：代码将在论文接收后公开。"},
                      {"abstract": "We present NovaTalk. Code will be released upon acceptance.",
                       "urls": "https://arxiv.org/abs/2411.90001 , Github: None",
                       "methods": "(1) 为模型提供音频特征。\n(2) 在公开数据集上训练。"})))
def availability_overclaim(entry: Entry, ctx):
    """The abstract or comments say code, data or models "will be released" (upon acceptance, soon, will be made
    publicly available) but the generated text says they are out already (已开源, 代码已公开, 提供了代码, 可在…获取,
    "code is available"). The claim must stand right next to the artifact. Tenseless wording ("代码和模型公开",
    "提供代码") is a warning: Chinese has no tense, but readers take it as available now. Data claims are warnings
    too, and only the explicit ones count ("发布了数据集" often just means the paper introduces one)."""
    facts = _facts(entry)
    future, present = facts.header.availability
    todo = {k: v for k, v in future.items() if k not in present}
    if not todo:
        return
    lex = facts.lex
    for f in facts.fields(("title", "authors", "affiliation")):
        text = f.text
        if not lex.avail_words.search(text):
            continue
        low = text.lower()
        done = set()
        for m in lex.artifacts_scan.finditer(low):
            if m.start() and low[m.start() - 1] in _ASCII_ALNUM:
                continue
            kind = lex.artifact_names[m.lastgroup]
            if kind not in todo:
                continue
            cs, ce = _bounds(low, m.start())
            if (cs, ce) in done:
                continue
            clause = low[cs:ce]
            if lex.future_zh.search(clause) or lex.negation.search(clause) or lex.conditional.search(clause) \
                    or lex.not_claim.search(clause):
                continue
            before, after = low[max(cs, m.start() - 30):m.start()], low[m.end():ce]
            severity = None
            if lex.claim_after.match(after) or lex.claim_before.search(before) or lex.claim_en.search(clause):
                severity = Severity.ERROR
            elif lex.weak_after.match(after) or lex.weak_before.search(before):
                severity = Severity.WARNING
            if severity is None:
                continue
            if kind == "data":
                if not (lex.claim_after.match(after) or lex.claim_en.search(clause)):
                    continue
                severity = Severity.WARNING
            done.add((cs, ce))
            lead = len(clause) - len(clause.lstrip(" -+•\t"))
            yield Hit(field=f, start=cs + lead, end=ce, severity=severity,
                      message=f"digest says the {kind} is available, header says '{_short(todo[kind], 110)}'")


@entry_rule("HAL004", name="code-denied", category="hallucination", severity="error",
            message="digest says the paper gives no code, but the header gives a code URL",
            examples=Examples(
                bad=({"conclusion": "(1) 意义：提升了表现力。\n(2) 工作量：实验充分，但文章未提供源代码，难以复现。"},),
                good=({}, {"abstract": "We present NovaTalk, an audio-driven talking head method.",
                           "urls": "https://arxiv.org/abs/2411.90001 , Github: None",
                           "conclusion": "(1) 意义：提升了表现力。\n(2) 工作量：文章未提供源代码。"},
                      {"conclusion": "(1) 意义：提升了表现力。\n(2) 工作量：由于无法访问外部链接，无法提供代码链接。"})))
def code_denied(entry: Entry, ctx):
    """The generated prose says the paper provides no code or no code link (文章未提供源代码, 未给出GitHub链接) although
    the abstract or comments give a code URL (GitHub, GitLab, Hugging Face …, or a URL the header introduces as the
    code). When the header only promises the code there, only a denial of the link counts, and only for a code-host
    URL. The assistant saying what it cannot access is not a claim, and the Urls section itself is left to the
    missing-link rules."""
    facts = _facts(entry)
    code = facts.header.code_url
    if not code:
        return
    url, promise, host = code
    if promise and not host:
        return
    lex = facts.lex
    for f in facts.fields(("urls", "title", "authors")):
        text = f.text
        if "代码" not in text and "源码" not in text and "ode" not in text and "ithub" not in text:
            continue
        low = text.lower()
        hits = list(lex.denial_zh.finditer(low))
        if "code" in low:
            hits += list(lex.denial_en.finditer(low))
        for m in hits:
            ss, se = _bounds(low, m.start(), "sentence")
            if lex.denial_excuse.search(low[ss:se]):
                continue
            if promise and not lex.denied_link.search(low[m.start():m.end() + 10]):
                continue
            yield Hit(field=f, start=m.start(), end=m.end(),
                      message=f"digest says '{_short(text[m.start():m.end()], 40)}', but the header gives the code "
                              f"at {url}")
            return


@entry_rule("HAL005", name="unsupported-code-link", category="hallucination", severity="info",
            message="code link not given in the header (unverified)",
            examples=Examples(
                bad=({"abstract": "We present NovaTalk, an audio-driven talking head method.",
                      "urls": "https://arxiv.org/abs/2411.90001 , Github: https://github.com/nova-lab/NovaTalk"},),
                good=({},)))
def unsupported_code_link(entry: Entry, ctx):
    """The generated text gives a code link (GitHub, GitLab …) although the abstract and comments have no URL at
    all. The link may come from the paper's first page — real repositories are often named only there — so this is a
    note to check it, not a defect (links that contradict the header are the bad-link rules' business)."""
    facts = _facts(entry)
    if facts.header.urls:
        return
    lex = facts.lex
    for f in facts.fields(("title", "authors")):
        if "://" not in f.text:
            continue
        for m in _URL.finditer(f.text):
            u = m.group(0).lower()
            if any(h in u for h in lex.code_hosts) and u.count("/") >= 4 and not lex.placeholder_url.search(u) \
                    and "kedreamix" not in u and "chatpaper" not in u:
                yield Hit(field=f, start=m.start(), end=m.end(), severity=Severity.INFO,
                          message=f"code link {_short(m.group(0), 70)} is not in the abstract or comments: unverified")
                return


# ---------------------------------------------------------------------------------------------------------------
# HAL006 first claims


_FIRST_ZH = recache.compile(r"首次|首个|首款|首创|率先|开创|先河|前所未有|第一[个款种项次]")


def _topics(low: str, lex: _Lexicon) -> set[int]:
    return {i for i, (rx, zhs) in enumerate(lex.topic_en) if rx.search(low) or any(z in low for z in zhs)}


@entry_rule("HAL006", name="first-claim", category="hallucination", severity="error",
            message="digest claims a first that the abstract does not",
            examples=Examples(
                bad=({"abstract": "Building on existing audio-driven talking head generators, NovaTalk adds a "
                                  "latent diffusion prior. NovaTalk reduces lip-sync error by 12.5%.",
                      "digest_summary": "(3) 研究方法：本文首次提出了音频驱动的说话人头部生成方法。"},
                     {"abstract": "We present NovaTalk, an audio-driven talking head method. NovaTalk reduces "
                                  "lip-sync error by 12.5%.",
                      "key_takeaways": "1. 本文首次提出基于扩散模型的说话人头部生成。"}),
                good=({}, {"abstract": "We present NovaTalk, the first audio-driven talking head method based on "
                                       "latent diffusion. NovaTalk reduces lip-sync error by 12.5%.",
                           "key_takeaways": "1. 本文首次提出基于扩散模型的说话人头部生成。"},
                      {"digest_summary": "(2) 过去的方法：以往的方法是首个解决该问题的框架，但表情单一。"},
                      {"affiliation": "第一作者：首尔国立大学"})))
def first_claim(entry: Entry, ctx):
    """"首次/首个/第一个/first/pioneering" said of this paper in the generated text. When the abstract positions the
    work as building on prior work of the same kind ("Building on existing audio-driven gesture generators" vs
    "首次提出了音频驱动的手势生成方法": two shared topic words) the claim is contradicted: an error. When the abstract
    just makes no such claim (no "first", "pioneer", "unexplored" …) the claim is unverified — the paper body may
    make it — so it is an info, one per entry. Firsts said of other work ("以往的X是首个…", "Deblur-NeRF是首个…") and
    first applications of the tool the abstract builds on ("首次将扩散模型用于…") are left alone."""
    facts = _facts(entry)
    header, lex = facts.header, facts.lex
    note = None
    building = None
    for f in facts.fields(NO_CLAIMS):
        text = f.text
        if not _FIRST_ZH.search(text) and "irst" not in text and "ioneer" not in text:
            continue
        if header.first_support:
            return
        if building is None:
            building = [(b, _topics(b.lower(), lex)) for b in header.building_on]
        for hit in lex.first_scan.finditer(text):
            ss, se = _bounds(text, hit.start(), "sentence")
            low = text[ss:se].lower()
            at = hit.start() - ss
            m = lex.first_zh.search(low, max(0, at - 8), at + 12) or lex.first_en.search(low, max(0, at - 12),
                                                                                          at + 60)
            if not m or (m.re is lex.first_en and lex.first_ordinal.search(low[max(0, m.start() - 12):m.end() + 25])):
                continue
            lead = text[ss:ss + m.start()]
            if lex.first_other.search(lead.lower()) or any(_norm_name(n) not in header.names and
                                                           _norm_name(n) not in header.norm_text
                                                           for n in _names_in(lead[-40:])):
                continue  # said of other work
            start, end = ss + m.start(), min(se, ss + m.end() + 30)
            claim = low[m.start():]
            if building and not lex.first_application.match(claim):
                topics = _topics(claim, lex)
                for b, bt in building:
                    if len(topics & bt) >= 2:
                        yield Hit(field=f, start=start, end=end, severity=Severity.ERROR,
                                  message=f"digest claims a first ('{_short(text[start:se], 40)}'), but the abstract "
                                          f"builds on prior work: '{_short(b, 90)}'")
                        return
            note = note or (f, start, end, text[start:se])
    if note:
        f, s, e, claim = note
        yield Hit(field=f, start=s, end=e, severity=Severity.INFO,
                  message=f"first claim '{_short(claim, 40)}' is not made in the abstract: unverified")


# ---------------------------------------------------------------------------------------------------------------
# HAL007 names, HAL008 acronym expansions


def _find_token(text: str, tok: str) -> int:
    """First occurrence of `tok` in `text` as a whole token (not inside a longer Latin word), or -1."""
    at = text.find(tok)
    while at >= 0:
        end = at + len(tok)
        if (at == 0 or text[at - 1] not in _ASCII_ALNUM) and (end == len(text) or text[end] not in _ASCII_ALNUM):
            return at
        at = text.find(tok, at + 1)
    return -1


def _near_miss(ng: str, nh: str) -> int:
    """Edit distance between two normalised names when one reads as a misspelling of the other, else 0."""
    from rapidfuzz.distance import Levenshtein

    if ng == nh or min(len(ng), len(nh)) < 4 or ng[0] != nh[0] or ng in nh or nh in ng:
        return 0  # a variant with a prefix or suffix (iNeRF, wav2vec2, Swin-UNetR) is another thing
    limit = 1 if max(len(ng), len(nh)) <= 7 else 2
    if abs(len(ng) - len(nh)) > limit:
        return 0
    dist = Levenshtein.distance(ng, nh, score_cutoff=limit)
    return dist if dist <= limit else 0


@entry_rule("HAL007", name="name-near-miss", category="hallucination", severity="warning",
            message="a name is a near miss of a name in the title/abstract",
            examples=Examples(
                bad=({"summary": "提出NovoTalk，一种基于潜在扩散模型的音频驱动说话人头部生成方法。"},
                     {"abstract": "We present NovaTalk and the TalkSet-2K benchmark of 2,000 clips.",
                      "key_takeaways": "1. 构建了TalkSet-20K基准。"}),
                good=({}, {"summary": "提出NOVATALK，一种基于扩散模型（而非GAN或NeRF）的说话人头部生成方法。"},
                      {"methods": "(1) 与Nova-Talk的基线版本以及GPT-4进行比较。"})))
def name_near_miss(entry: Entry, ctx):
    """A Latin-script name in the generated text (CamelCase, ALLCAPS, letters with digits: models, datasets,
    metrics) that is not in the header but one or two edits away from a name of the title or abstract: "YONO-SR" for
    "YONOS-SR" (a warning), "VoxTalk-20K" for "VoxTalk-2K" (an error: a number in the name changed). Case, hyphens,
    "-to-"/"2" and plural s are ignored (SPEECHCAPS = SpeechCaps); variants with an added prefix or suffix (iNeRF,
    wav2vec2), names with another first letter, and real common names (GAN, NeRF, CLIP, GPT-4, ResNet-18) are other
    things, not misspellings."""
    facts = _facts(entry)
    header, lex = facts.header, facts.lex
    hnames = header.names
    if not hnames:
        return
    by_first: dict[str, list[str]] = {}
    for n in hnames:
        by_first.setdefault(n[:1], []).append(n)
    seen: set[str] = set(hnames.values())
    for f in facts.fields(NO_NAMES):
        text = f.text
        for g in set(_NAME_SCAN.findall(text)) - seen:
            seen.add(g)
            if not _is_name(g):
                continue
            ng = _norm_name(g)
            if ng in hnames or ng in lex.common_names or ng[:1] not in by_first:
                continue
            best = None
            for nh in by_first[ng[:1]]:
                dist = _near_miss(ng, nh)
                if dist and (best is None or dist < best[0]):
                    best = (dist, nh)
            if not best or ng in header.norm_text or g.lower() in header.words_lower \
                    or lex.common_families.match(g.lower()) or _venue_key(g) in lex.venue_of:
                continue
            at = _find_token(text, g)
            if at < 0:
                continue
            h = hnames[best[1]]
            digits_only = re.sub(r"[0-9]", "", ng) == re.sub(r"[0-9]", "", best[1])
            yield Hit(field=f, start=at, end=at + len(g), severity=Severity.ERROR if digits_only else None,
                      message=f"digest writes '{g}', header has '{h}'")


_SF = r"[A-Z][A-Za-z0-9\-]*[A-Z][A-Za-z0-9\-]*?"
_SF_BEFORE = recache.compile(r"(?P<sf>" + _SF + r")s?\s*$")
_LF_INSIDE = recache.compile(r"\s*(?P<lf>[A-Za-z][A-Za-z\-']*(?:[\s\-]+[A-Za-z][A-Za-z\-']*){1,9})\s*[)）]")
_SF_INSIDE = recache.compile(r"\s*(?P<sf>" + _SF + r")s?\s*[)）]")
_SMALL_WORDS = {"of", "the", "a", "an", "and", "for", "with", "in", "on", "to", "by", "via", "from", "as", "at"}
_PAREN = recache.compile(r"[（(]")


def _trim_long_form(sf: str, lf: str) -> str | None:
    """Schwartz–Hearst: the shortest tail of `lf` whose letters spell `sf` in order, the first at a word start."""
    letters = [c.lower() for c in sf if c.isalnum()]
    words = re.split(r"[\s\-]+", lf.strip())
    for k in range(1, len(words) + 1):
        low = " ".join(words[-k:]).lower()
        i, ok = len(low) - 1, True
        for j in range(len(letters) - 1, -1, -1):
            c = letters[j]
            while i >= 0 and (low[i] != c or (j == 0 and i > 0 and low[i - 1].isalnum())):
                i -= 1
            if i < 0:
                ok = False
                break
            i -= 1
        if ok:
            return " ".join(words[-k:])
    return None


_LF_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-' ")


def _words_before(text: str, i: int) -> tuple[str, int] | None:
    """The run of Latin words (at most 12) that ends right before position `i`, and where it starts."""
    j = i
    while j > 0 and text[j - 1] in " \t":
        j -= 1
    end, lo = j, max(0, j - 140)
    while j > lo and text[j - 1] in _LF_CHARS:
        j -= 1
    words = text[j:end].split()
    if not words:
        return None
    words = words[-12:]
    lf = " ".join(words)
    return lf, end - len(text[j:end].lstrip()) if len(words) < 12 else end - len(lf)


def _expansions(text: str, header: bool, only: tuple[str, ...] = ()) -> dict[str, list[tuple[str, int, int]]]:
    """Acronym -> [(long form, start, end)] for "X (long form)" and "long form (X)" in `text`; with `only`, just
    around those acronyms."""
    out: dict[str, list] = {}
    if only:
        parens = set()
        for sf in only:
            at = text.find(sf)
            while at >= 0:
                k = at + len(sf)
                while k < len(text) and text[k] in " s":
                    k += 1
                if text[k:k + 1] in ("(", "（"):
                    parens.add(k)
                k = at - 1
                while k >= 0 and text[k] == " ":
                    k -= 1
                if k >= 0 and text[k] in "(（":
                    parens.add(k)
                at = text.find(sf, at + 1)
        positions = sorted(parens)
    else:
        positions = [p.start() for p in _PAREN.finditer(text)]
    for i in positions:
        m = _SF_INSIDE.match(text, i + 1)
        if m:
            w = _words_before(text, i)
            lf = _trim_long_form(m.group("sf"), w[0]) if w else None
            if lf and " " in lf:
                out.setdefault(m.group("sf"), []).append((lf, i - len(lf) - 1, m.end()))
            continue
        m = _LF_INSIDE.match(text, i + 1)
        if m:
            b = _SF_BEFORE.search(text, max(0, i - 30), i)
            if b and (b.start() == 0 or text[b.start() - 1] not in _ASCII_ALNUM) and (header or " " in m.group("lf")):
                out.setdefault(b.group("sf"), []).append((m.group("lf"), b.start(), m.end()))
    return out


def _lf_norm(lf: str) -> str:
    return " ".join(re.sub(r"s$", "", w) for w in re.split(r"[\s\-]+", lf.lower()) if w and w not in _SMALL_WORDS)


@entry_rule("HAL008", name="acronym-expansion", category="hallucination", severity="warning",
            message="an acronym is expanded differently from the abstract",
            examples=Examples(
                bad=({"abstract": "We present NovaTalk, built on a Latent Diffusion Model (LDM). NovaTalk reduces "
                                  "lip-sync error by 12.5%.",
                      "methods": "(1) 使用LDM（Local Deformation Module）生成面部运动。"},),
                good=({}, {"abstract": "We present NovaTalk, built on a Latent Diffusion Model (LDM).",
                           "methods": "(1) 使用LDM（latent diffusion models）生成面部运动。"})))
def acronym_expansion(entry: Entry, ctx):
    """"X（expansion）" or "expansion (X)" in the generated text where the abstract expands X differently
    ("Latent Diffusion Model (LDM)" vs "LDM（Local Deformation Module）"). Case, hyphens, plurals and small words are
    ignored; expansions the abstract does not give are not checked."""
    from rapidfuzz import fuzz

    facts = _facts(entry)
    header = facts.header
    if "(" not in header.src or not header.acronyms:
        return
    for f in facts.fields(NO_NAMES):
        present = tuple(sf for sf in header.acronyms if sf in f.text)
        if not present:
            continue
        for sf, items in _expansions(f.text, header=False, only=present).items():
            hexp = header.expansions((sf,))
            if sf not in hexp:
                continue
            refs = [_lf_norm(h[0]) for h in hexp[sf]]
            for lf, s, e in items:
                n = _lf_norm(lf)
                if len(n.split()) < 2 or any(fuzz.token_set_ratio(n, r) >= 70 or fuzz.ratio(n, r) >= 80
                                             for r in refs):
                    continue
                yield Hit(field=f, start=s, end=e, message=f"digest expands {sf} as '{_short(lf, 50)}', abstract "
                                                           f"has '{_short(hexp[sf][0][0], 50)}'")
                break


# ---------------------------------------------------------------------------------------------------------------
# HAL009 venue


@entry_rule("HAL009", name="venue-mismatch", category="hallucination", severity="error",
            message="digest names another venue than the arXiv comments",
            examples=Examples(
                bad=({"digest_summary": "(1) 研究背景：音频驱动的说话人头部生成，该论文发表于CVPR 2024。"},
                     {"comments": "Submitted to ICCV 2025", "conclusion": "(1) 意义：该论文已被ICCV 2025接收。"}),
                good=({}, {"digest_summary": "(1) 研究背景：该论文已被ECCV 2024接收。"},
                      {"methods": "(1) 与CVPR 2023提出的基线方法进行比较。"},
                      {"authors": "Anonymous ECCV 2024 Submission"})))
def venue_mismatch(entry: Entry, ctx):
    """A publication venue claimed in the generated text (发表于 / 被…接收 / accepted at + CVPR, ICCV, ECCV,
    NeurIPS, ICLR, AAAI, SIGGRAPH … and a year) that differs from the venue or year in the arXiv comments ("Accepted
    by ECCV 2024"): an error. Claiming acceptance when the comments only say the paper is submitted or under review is
    a warning; when the comments name no venue the claim is unverified (info). Venues of other papers, submissions
    and challenges are not claims."""
    facts = _facts(entry)
    header, lex = facts.header, facts.lex
    for f in facts.fields(("authors", "urls", "affiliation")):
        text = f.text
        for c in lex.venue_claim_scan.finditer(text):
            cs, ce = _bounds(text, c.start())
            clause = text[cs:ce]
            low = clause.lower()
            if not lex.venue_claim.search(low) or lex.venue_not_claim.search(low):
                continue
            for m in lex.venue.finditer(clause):
                if m.start() and clause[m.start() - 1] in _ASCII_ALNUM or _in_url(clause, m.start()):
                    continue
                canon = lex.venue_of.get(_venue_key(m.group("v")))
                if not canon:
                    continue
                year = _year(m.group("y"))
                claimed = f"{canon} {year}" if year else canon
                s, e = cs + m.start(), cs + m.end()
                if header.submitted_only:
                    yield Hit(field=f, start=s, end=e, severity=Severity.WARNING,
                              message=f"digest says the paper appeared at {claimed}, comments say "
                                      f"'{_short(header.comments, 90)}'")
                elif header.venues:
                    same = [y for v, y in header.venues if v == canon]
                    if same and (year is None or year in same or None in same):
                        return
                    yield Hit(field=f, start=s, end=e, severity=Severity.ERROR,
                              message=f"digest says {claimed}, comments say '{_short(header.comments, 90)}'")
                else:
                    yield Hit(field=f, start=s, end=e, severity=Severity.INFO,
                              message=f"venue {claimed} is not in the arXiv comments: unverified")
                return


# ---------------------------------------------------------------------------------------------------------------
# HAL010 polarity


@entry_rule("HAL010", name="polarity-flip", category="hallucination", severity="warning",
            message="digest turns a property the abstract states into its opposite",
            examples=Examples(
                bad=({"abstract": "We present NovaTalk, a differentiable renderer for audio-driven talking heads.",
                      "key_takeaways": "1. NovaTalk采用不可微分的渲染器生成头部。"},),
                good=({}, {"abstract": "We present NovaTalk, a differentiable renderer for audio-driven talking heads.",
                           "key_takeaways": "1. 传统渲染器不可微分，NovaTalk解决了这一问题。"})))
def polarity_flip(entry: Entry, ctx):
    """The abstract states a property of the method — differentiable, training-free, self-/unsupervised,
    real-time, lossless — and never its opposite, but a part of the generated text says the opposite (不可微分,
    需要额外训练, 有监督, 无法实时, 有损) in a sentence that is not about prior work or a problem to solve (以往, 现有,
    传统, 相比, 解决, 然而 …), and never states the property itself. The pairs are data in facts.yaml."""
    facts = _facts(entry)
    header, lex = facts.header, facts.lex
    low = header.low
    for hints, name, en_pos, en_neg, zh_neg, zh_pos in lex.polarity:
        if not any(h in low for h in hints):
            continue
        pos = en_pos.search(header.low)
        if not pos or en_neg.search(header.low):
            continue
        for f in facts.fields(NO_CLAIMS):
            text = f.text
            hit = None
            for m in zh_neg.finditer(text):
                ss, se = _bounds(text, m.start(), "sentence")
                if not lex.polarity_context.search(text[ss:se].lower()):
                    hit = m
                    break
            if hit and not zh_pos.search(text.lower()):
                yield Hit(field=f, start=hit.start(), end=hit.end(),
                          message=f"digest says '{_short(text[hit.start():hit.end()], 20)}', abstract says "
                                  f"'{_quote(header.src, pos.start(), pos.end())}'")
                break


# ---------------------------------------------------------------------------------------------------------------
# HAL011 survey presented as a method, HAL012 author-order claims


@entry_rule("HAL011", name="survey-as-method", category="hallucination", severity="warning",
            message="the paper is a survey, but the digest credits it with a method that performs",
            examples=Examples(
                bad=({"header_title": "Audio-Driven Talking Heads: A Survey",
                      "abstract": "This survey reviews audio-driven talking head generation, from GANs to diffusion.",
                      "conclusion": "(1) 意义：梳理了该领域。\n(2) 性能：本文提出的方法在多个数据集上优于现有方法。"},),
                good=({}, {"header_title": "Audio-Driven Talking Heads: A Survey",
                           "abstract": "This survey reviews audio-driven talking head generation, from GANs to diffusion.",
                           "conclusion": "(1) 意义：梳理了该领域。\n(2) 创新点：本文提出了一种新的分类体系。"})))
def survey_as_method(entry: Entry, ctx):
    """The title or abstract says the paper is a survey or review ("A Survey", "this review"), but the generated text
    credits the paper's own method with results ("本文提出的方法…优于现有方法", "本文的方法在…取得了显著的性能提升"). A
    survey that proposes a taxonomy or a framework for organising the field is fine; winning methods are not."""
    facts = _facts(entry)
    header, lex = facts.header, facts.lex
    if not (lex.survey_title.search(header.title.lower()) or
            (("urvey" in header.abstract or "eview" in header.abstract) and lex.survey_abstract.search(header.low))):
        return
    for f in facts.fields(NO_CLAIMS):
        low = f.text.lower()
        m = lex.own_result.search(low)
        if m:
            yield Hit(field=f, start=m.start(), end=m.end(),
                      message=f"digest says '{_short(f.text[m.start():m.end()], 50)}', but the paper is a survey: "
                              f"'{_short(header.title, 80)}'")
            return


@entry_rule("HAL012", name="author-order-claim", category="hallucination", severity="warning",
            message="digest says the authors are in alphabetical order; the header's list is not",
            examples=Examples(
                bad=({"header_authors": "Tomas Weber, Lena Park, Yusuf Demir",
                      "authors": "Tomas Weber, Lena Park, Yusuf Demir（作者名字按字母顺序排列）"},),
                good=({}, {"header_authors": "Anna Berg, Carl Dahl, Eva Fox",
                           "authors": "Anna Berg, Carl Dahl, Eva Fox（按字母顺序排列）"})))
def author_order_claim(entry: Entry, ctx):
    """The generated text says the authors are listed alphabetically (按字母顺序排列, "in alphabetical order") but the
    header's author list is sorted neither by given name nor by family name."""
    facts = _facts(entry)
    for f in facts.generated:
        if "字母" not in f.text and "lphabetical" not in f.text:
            continue
        m = facts.lex.alphabetical.search(f.text.lower())
        if not m:
            continue
        names = [re.sub(r"[^A-Za-z\s\-]", "", n).split() for n in entry.header_authors]
        names = [n for n in names if n]
        if len(names) < 3:
            return
        firsts, lasts = [n[0].lower() for n in names], [n[-1].lower() for n in names]
        if firsts == sorted(firsts) or lasts == sorted(lasts):
            return
        if m:
            yield Hit(field=f, start=m.start(), end=m.end(),
                      message=f"digest says the authors are in alphabetical order, header lists "
                              f"'{_short(', '.join(entry.header_authors[:4]), 70)}'")
            return
