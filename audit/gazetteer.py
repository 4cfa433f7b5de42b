"""Institution gazetteer and topic vocabularies, loaded from ``rules/institutions.yaml`` and ``rules/topics.yaml``.

The data files are plain YAML so users can extend them from their configuration (``load(extra_files=...)``).
Matching is done with a few trie-shaped regular expressions (names, abbreviations, hosts) built once per load,
so that ``find()`` on a 2 KB affiliation section costs a few hundred microseconds.

Text is compared through a *same-length* folding (``fold``): full-width ASCII to ASCII, traditional to
simplified Chinese for the characters that occur in institution names, Latin accents removed, dashes, middle dots
and quotes unified.  Because the folding never changes the length of the text, match offsets are offsets into the
original text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

from . import recache
from .datafiles import cached, load_yaml

INSTITUTIONS_FILE = "institutions.yaml"
TOPICS_FILE = "topics.yaml"


def rules_dir() -> Path:
    """The folder holding the bundled rule files.

    Inside an installed wheel the files live at ``audit/_rules``; in the source tree at the top-level ``rules/``.
    """
    import audit

    base = Path(audit.__file__).resolve().parent
    candidates = (base / "_rules", base.parent / "rules")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("no rules folder found; looked in " + ", ".join(str(c) for c in candidates))


# --------------------------------------------------------------------------------------------------------------
# Same-length text folding
# --------------------------------------------------------------------------------------------------------------

# Traditional (and Japanese shinjitai) characters seen in institution names -> simplified.  1:1 only.
_TRAD_SIMP = (
    "學学國国臺台灣湾東东華华進进術术電电與与實实驗验會会業业醫医濟济農农師师範范開开陽阳際际藝艺傳传廣广門门"
    "機机構构資资訊讯網网絡络計计軟软體体動动視视覺觉聲声語语圖图處处應应數数據据聯联蘇苏爾尔蘭兰倫伦紐纽約约"
    "劍剑橋桥漢汉陸陆區区島岛衛卫雲云龍龙飛飞馬马導导來来時时長长麥麦車车義义豐丰場场為为將将發发經经質质達达"
    "遠远運运過过還还邊边選选現现產产築筑設设誠诚輔辅銘铭興兴慶庆鐵铁協协創创團团員员歐欧亞亚練练組组織织級级"
    "節节點点線线係系稲稻応应岡冈廈厦錫锡蘆芦灣湾寧宁漁渔絲丝綜综態态鄉乡縣县廠厂廳厅嶺岭嶼屿灘滩鳳凤彎弯邁迈"
    "測测試试驅驱訂订訪访費费貿贸買买賣卖價价熱热燈灯碼码與与樂乐陳陈張张劉刘楊杨黃黄趙赵吳吴孫孙鄭郑鄧邓許许"
)
_FOLD_MAP: dict[int, str] = {ord(_TRAD_SIMP[i]): _TRAD_SIMP[i + 1] for i in range(0, len(_TRAD_SIMP), 2)}
for _cp in range(0xFF01, 0xFF5F):  # full-width ASCII
    _FOLD_MAP[_cp] = chr(_cp - 0xFEE0)
_FOLD_MAP.update({ord(c): " " for c in "\u3000\u00a0\u2002\u2003\u2009\u202f"})
_FOLD_MAP.update({ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63"})
_FOLD_MAP.update({ord(c): "·" for c in "\u2022\u30fb\u2027\uff65\u22c5\u2219"})
_FOLD_MAP.update({ord(c): "'" for c in "\u2018\u2019\u201b\u02bc\u00b4`"})
_FOLD_MAP.update({ord("\u3001"): ",", ord("\u3002"): "."})
for _cp in range(0x00C0, 0x0250):  # Latin letters with diacritics -> base letter
    _base = unicodedata.normalize("NFD", chr(_cp))[0]
    if _base != chr(_cp) and _base.isascii() and _base.isalpha():
        _FOLD_MAP[_cp] = _base
_FOLD_STR: dict[str, str] = {chr(k): v for k, v in _FOLD_MAP.items()}
_FOLD_RE = recache.compile("[" + "".join(re.escape(c) for c in _FOLD_STR) + "]")


def _fold_char(m: re.Match[str]) -> str:
    return _FOLD_STR[m.group()]


def fold(text: str) -> str:
    """Fold ``text`` for matching without changing its length (offsets stay valid)."""
    # A regex substitution touches only the few characters to fold (str.translate looks up every character).
    return _FOLD_RE.sub(_fold_char, text)


def _lower_same_length(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


# Characters ignored when two spellings of a name are compared ("Urbana-Champaign" = "Urbana Champaign").
_KEY_DROP = recache.compile(r"[\s\-·,/'.()&]+")


@lru_cache(maxsize=8192)
def _key(name: str, *, keep_case: bool = False) -> str:
    s = fold(name).strip()
    if not keep_case:
        s = s.lower()
    s = re.sub(r"^(?:the|The|THE)\s+", "", s)
    return _KEY_DROP.sub("", s)


# --------------------------------------------------------------------------------------------------------------
# A regular expression shaped like a trie, so that thousands of names cost one pass over the text
# --------------------------------------------------------------------------------------------------------------

_SEP_WORD = r"(?:\s*[-·,/]\s*|\s+)"  # between two Latin words: a space, a hyphen, a comma...
_SEP_CJK = r"[\s\-·,/]*"  # next to a CJK character: optional
_END = object()
# "DTU dataset", "Waymo Open Dataset", "TUM RGB-D", "NYU Depth V2": a benchmark named after an institution.
_NOT_A_DATASET = r"(?!\s*(?i:data\s?sets?|benchmarks?|open\s+dataset|rgb-?d|depth|mocap|mvs|scenes?)\b)"


def _is_word(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _atoms(name: str) -> list[str]:
    """Regex atoms for one (folded, possibly lower-cased) name; separators become flexible."""
    atoms: list[str] = []
    i, n = 0, len(name)
    while i < n:
        c = name[i]
        if c in " \t-·,/":
            j = i
            while j < n and name[j] in " \t-·,/":
                j += 1
            prev, nxt = (name[i - 1] if i else ""), (name[j] if j < n else "")
            if prev and nxt:
                atoms.append(_SEP_WORD if _is_word(prev) and _is_word(nxt) else _SEP_CJK)
            i = j
            continue
        if c == "'":
            atoms.append("'?")
        elif c == ".":
            atoms.append(r"\.?")
        elif c == "(":
            atoms.append(r"\s*\(?\s*")
        elif c == ")":
            atoms.append(r"\s*\)?")
        elif c == "&":
            atoms.append(r"\s*&\s*")
        else:
            atoms.append(re.escape(c))
        i += 1
    return atoms


def _trie_regexes(names: Iterable[str], word: str, end_extra: str = "") -> list[re.Pattern[str]]:
    """Regexes that together match any of ``names`` (already folded/lowered), longest alternative first.

    ``word`` is the character class of "word" characters for boundaries (``a-z0-9`` or ``A-Za-z0-9``).
    A name starting/ending with a Latin letter or digit must not touch another one. Names that end in such a
    character share one trie with the end boundary written once after it (backtracking tries the shorter names
    when it fails, as a boundary at each name's end would); the others get a trie of their own. Written at
    every name's end, the boundary made the pattern four times as long and as slow to compile.
    """
    names = list(names)
    key = repr((_SOURCE_KEY, names, word, end_extra))
    return [recache.compile(pattern) for pattern in cached("gazetteer-trie", key,
                                                           lambda: _trie_patterns(names, word, end_extra))]


def _trie_patterns(names: list[str], word: str, end_extra: str) -> list[str]:
    bounded: list[str] = []
    unbounded: list[str] = []
    for name in names:
        name = name.strip()
        if name:
            # "Inc." ends in a word: no "Incorporated"
            (bounded if _is_word(name.rstrip(".)'")[-1:] or " ") else unbounded).append(name)
    end_boundary = rf"(?![{word}]{end_extra}){_NOT_A_DATASET}"
    out = []
    for group, tail in ((bounded, end_boundary), (unbounded, "")):
        trie: dict = {}
        for name in group:
            node = trie
            for atom in _atoms(name):
                node = node.setdefault(atom, {})
            node[_END] = True
        if trie:
            out.append("(?:" + _trie_branches(trie, word) + ")" + tail)
    return out


# The patterns are cached on disk (building them is a third of the gazetteer's load): keyed by the names and by
# this module's own source, so a change to how patterns are built builds them afresh.
_SOURCE_KEY = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _trie_branches(trie: dict, word: str) -> str:
    def emit(node: dict) -> str:
        alts = [atom + emit(child) for atom, child in node.items() if atom is not _END]
        if _END in node:
            alts.append("")
        if len(alts) == 1:
            return alts[0]
        return "(?:" + "|".join(alts) + ")"

    # The start boundary goes *after* the first character (a look-behind over it and the one before), so the
    # pattern starts with plain literals and the regex engine can skip positions by their first character.
    branches = []
    for atom, child in trie.items():
        if len(atom) == 1 and _is_word(atom):
            branches.append(atom + rf"(?<![{word}][\s\S])" + emit(child))
        elif re.fullmatch(r"\\?[^\w\s]|[^\x00-\x7f]", atom):
            branches.append(atom + emit(child))
        else:
            branches.append(rf"(?:(?<![{word}])|(?![{word}]))" + atom + emit(child))
    return "|".join(branches)


# --------------------------------------------------------------------------------------------------------------
# Institutions
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Institution:
    id: str
    en: tuple[str, ...]
    zh: tuple[str, ...]
    aliases: tuple[str, ...]
    domains: tuple[str, ...]
    github: tuple[str, ...]
    country: str | None
    parent: str | None

    @property
    def names(self) -> tuple[str, ...]:
        return self.zh + self.en + self.aliases

    @property
    def label(self) -> str:
        return (self.en or self.zh or self.aliases or (self.id,))[0]


@dataclass(frozen=True)
class Mention:
    """One institution name found in a text; ``start``/``end`` are offsets into the searched text.

    ``ambiguous`` lists the candidate ids when the name alone may denote several institutions (e.g. "NTU");
    ``institution`` is then the candidate the surrounding text points to, or None.  A known mistranslation that
    denotes no institution (e.g. "中国香港大学") gives ``institution=None`` with the institutions it is confused with.
    """

    institution: Institution | None
    text: str
    start: int
    end: int
    ambiguous: tuple[str, ...] = ()


# Well-known mistranslations that are no institution at all, with the institutions they get confused with.
# They are matched (so that the real name inside them is not reported) but resolve to nothing.
NOT_INSTITUTIONS: Mapping[str, tuple[str, ...]] = {
    "中国香港大学": ("cuhk", "hku"),
    "香港中国大学": ("cuhk", "hku"),
}

# Words that point to a country, used to settle an ambiguous name from its context.
COUNTRY_HINTS: Mapping[str, tuple[str, ...]] = {
    "SG": ("singapore", "新加坡"),
    "TW": ("taiwan", "taipei", "hsinchu", "台湾", "台北", "新竹"),
    "CN": ("china", "shenyang", "xi'an", "中国", "沈阳", "西安", "北京", "上海"),
    "US": ("usa", "united states", "america", "boston", "evanston", "illinois", "美国"),
    "NO": ("norway", "trondheim", "挪威"),
    "BE": ("belgium", "brussels", "比利时"),
    "CH": ("switzerland", "zurich", "lausanne", "瑞士", "苏黎世", "洛桑"),
    "ES": ("spain", "catalonia", "barcelona", "西班牙", "巴塞罗那"),
}

_SCHEMA_KEYS = {"id", "en", "zh", "aliases", "domains", "github", "country", "parent"}
_ID_RE = recache.compile(r"^[a-z0-9][a-z0-9-]*$")
# A token that may hold a host name: an e-mail address, a URL, a bare host; ``by_domain`` parses it.
# (Deliberately loose: a precise host grammar makes the regex engine try every position, ten times slower.)
_HOST_RE = recache.compile(r"[A-Za-z0-9][A-Za-z0-9_.+@:/-]*\.[A-Za-z]{2,}[A-Za-z0-9_./-]*")


class GazetteerError(ValueError):
    """A rules file does not follow the schema."""


def _as_tuple(value: object, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GazetteerError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(v.strip() for v in value if v.strip())


def _read_yaml(path: Path) -> dict:
    data = load_yaml(path)
    if data is None:
        return {}
    if isinstance(data, list):  # a bare list of entries is accepted in user files
        return {"institutions": data}
    if not isinstance(data, dict):
        raise GazetteerError(f"{path}: expected a mapping at top level")
    return data


def parse_institutions(data: Mapping, where: str = "institutions") -> list[Institution]:
    entries = data.get("institutions") or []
    if not isinstance(entries, list):
        raise GazetteerError(f"{where}: 'institutions' must be a list")
    out = []
    for n, raw in enumerate(entries, 1):
        if not isinstance(raw, dict):
            raise GazetteerError(f"{where}: entry {n} is not a mapping")
        unknown = set(raw) - _SCHEMA_KEYS
        if unknown:
            raise GazetteerError(f"{where}: entry {n} has unknown keys {sorted(unknown)}")
        iid = raw.get("id")
        if not isinstance(iid, str) or not _ID_RE.match(iid):
            raise GazetteerError(f"{where}: entry {n} has a bad id {iid!r}")
        ctx = f"{where}: {iid}"
        inst = Institution(
            id=iid,
            en=_as_tuple(raw.get("en"), ctx + ".en"),
            zh=_as_tuple(raw.get("zh"), ctx + ".zh"),
            aliases=_as_tuple(raw.get("aliases"), ctx + ".aliases"),
            domains=tuple(d.lower() for d in _as_tuple(raw.get("domains"), ctx + ".domains")),
            github=_as_tuple(raw.get("github"), ctx + ".github"),
            country=raw.get("country"),
            parent=raw.get("parent"),
        )
        if not inst.names:
            raise GazetteerError(f"{ctx}: no name at all")
        if inst.country is not None and not (isinstance(inst.country, str) and re.fullmatch(r"[A-Z]{2}", inst.country)):
            raise GazetteerError(f"{ctx}: country must be an ISO alpha-2 code, got {inst.country!r}")
        if inst.parent is not None and not isinstance(inst.parent, str):
            raise GazetteerError(f"{ctx}: parent must be an id or null")
        out.append(inst)
    return out


class AffiliationGazetteer:
    """Institutions with their names, abbreviations, domains and GitHub organisations."""

    def __init__(
        self,
        institutions: Iterable[Institution],
        ambiguous: Mapping[str, Iterable[str]] = (),
        not_institutions: Mapping[str, Iterable[str]] = NOT_INSTITUTIONS,
    ) -> None:
        self._by_id: dict[str, Institution] = {}
        for inst in institutions:
            # A later file may redefine an id: it replaces the earlier entry.
            self._by_id[inst.id] = inst
        for inst in self._by_id.values():
            if inst.parent is not None and inst.parent not in self._by_id:
                raise GazetteerError(f"{inst.id}: unknown parent {inst.parent!r}")
        self._check_parent_cycles()

        # key -> ids.  Names are compared case-insensitively, aliases case-sensitively.
        self._name_ids: dict[str, set[str]] = {}
        self._alias_ids: dict[str, set[str]] = {}
        self._alias_ids_ci: dict[str, set[str]] = {}
        self._domains: dict[str, str] = {}
        self._github: dict[str, str] = {}
        name_patterns: list[str] = []
        alias_patterns: list[str] = []
        for inst in self._by_id.values():
            for name in inst.zh + inst.en:
                self._name_ids.setdefault(_key(name), set()).add(inst.id)
                name_patterns.append(self._pattern_text(name))
            for alias in inst.aliases:
                self._alias_ids.setdefault(_key(alias, keep_case=True), set()).add(inst.id)
                self._alias_ids_ci.setdefault(_key(alias), set()).add(inst.id)
                alias_patterns.append(fold(alias).strip())
            for dom in inst.domains:
                self._domains.setdefault(dom.strip().lower(), inst.id)
            for org in inst.github:
                self._github.setdefault(org.lower(), inst.id)

        self.ambiguous: dict[str, tuple[str, ...]] = {}
        for name, ids in dict(ambiguous).items():
            self.ambiguous[_key(name)] = tuple(sorted(ids))
            self.ambiguous[_key(name, keep_case=True)] = tuple(sorted(ids))
        self.not_institutions: dict[str, tuple[str, ...]] = {}
        for name, ids in dict(not_institutions).items():
            self.not_institutions[_key(name)] = tuple(ids)
            name_patterns.append(self._pattern_text(name))

        # Two regexes: one for names starting with a Latin letter or digit, one for the others.  Mixed in one
        # pattern, the regex engine loses its first-character skip and runs four times slower.
        unique = sorted(set(name_patterns))
        self._name_res = _trie_regexes([n for n in unique if n[:1].isascii()], "a-z0-9") + \
            _trie_regexes([n for n in unique if not n[:1].isascii()], "a-z0-9")
        # "Meta-learning" and "ZJU-MoCap" are no mention of Meta or ZJU: an abbreviation must not run on into a
        # hyphenated word (the hyphenated forms that are names, "CUHK-SZ", are aliases of their own).
        self._alias_res = _trie_regexes(sorted(set(alias_patterns)), "A-Za-z0-9", "|-[A-Za-z]")
        self._labels: list[str] | None = None
        self._label_ids: list[str] | None = None

    # -- construction ------------------------------------------------------------------------------------------

    @staticmethod
    def _pattern_text(name: str) -> str:
        s = _lower_same_length(fold(name).strip())
        return re.sub(r"^the\s+", "", s)

    def _check_parent_cycles(self) -> None:
        for inst in self._by_id.values():
            seen = {inst.id}
            cur = inst.parent
            while cur is not None:
                if cur in seen:
                    raise GazetteerError(f"{inst.id}: parent cycle through {cur!r}")
                seen.add(cur)
                cur = self._by_id[cur].parent

    @classmethod
    def load(cls, extra_files: Iterable[Path] = ()) -> "AffiliationGazetteer":
        """The bundled gazetteer, extended (or overridden, id by id) by ``extra_files``."""
        files = [rules_dir() / INSTITUTIONS_FILE, *(Path(p) for p in extra_files)]
        institutions: list[Institution] = []
        ambiguous: dict[str, set[str]] = {}
        not_institutions: dict[str, tuple[str, ...]] = dict(NOT_INSTITUTIONS)
        for path in files:
            data = _read_yaml(path)
            institutions.extend(parse_institutions(data, str(path)))
            for item in data.get("ambiguous") or []:
                if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                    raise GazetteerError(f"{path}: bad 'ambiguous' item {item!r}")
                ambiguous.setdefault(item["name"], set()).update(_as_tuple(item.get("ids"), f"{path}: ambiguous"))
            for name, ids in (data.get("not_institutions") or {}).items():
                not_institutions[name] = _as_tuple(ids, f"{path}: not_institutions")
        return cls(institutions, ambiguous, not_institutions)

    # -- access ------------------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[Institution]:
        return iter(self._by_id.values())

    def __contains__(self, iid: object) -> bool:
        return iid in self._by_id

    def get(self, iid: str) -> Institution | None:
        return self._by_id.get(iid)

    def conflicts(self) -> dict[str, tuple[str, ...]]:
        """Names (normalised) that denote several institutions without being declared ``ambiguous``."""
        out: dict[str, tuple[str, ...]] = {}
        merged: dict[str, set[str]] = {k: set(v) for k, v in self._name_ids.items()}
        for key, ids in self._alias_ids.items():
            merged.setdefault(key, set()).update(ids)
            if key.lower() in self._name_ids:
                merged[key].update(self._name_ids[key.lower()])
        for key, ids in merged.items():
            if len(ids) > 1 and set(self.ambiguous.get(key, ())) != ids:
                out[key] = tuple(sorted(ids))
        return out

    def ancestors(self, inst: Institution) -> list[Institution]:
        out = []
        cur = inst.parent
        while cur is not None:
            parent = self._by_id[cur]
            out.append(parent)
            cur = parent.parent
        return out

    def same_or_related(self, a: Institution, b: Institution) -> bool:
        """Same institution, or one is (transitively) the parent of the other."""
        if a.id == b.id:
            return True
        return any(p.id == b.id for p in self.ancestors(a)) or any(p.id == a.id for p in self.ancestors(b))

    # -- lookup ------------------------------------------------------------------------------------------------

    def candidates(self, name: str) -> tuple[Institution, ...]:
        """Every institution ``name`` may denote (several for an ambiguous name, none for an unknown one)."""
        ids = self._ids_for(name)
        if ids is None:
            stripped = _strip_decorations(name)
            if stripped != name:
                ids = self._ids_for(stripped)
        return tuple(self._by_id[i] for i in sorted(ids or ()))

    def lookup(self, name: str) -> Institution | None:
        """The institution denoted by one name, or None (unknown, or ambiguous: see ``candidates``).

        Case, spacing, punctuation, a leading "The", traditional characters and a trailing place in
        parentheses or after a comma are ignored; a near-exact spelling (one typo in a long name) is accepted.
        """
        found = self.candidates(name)
        if len(found) == 1:
            return found[0]
        if found or self._ids_for(name) is not None:
            return None
        key = _key(_strip_decorations(name))
        if len(key) < 8 or key in self.not_institutions:
            return None
        from rapidfuzz import fuzz, process

        if self._labels is None:
            pairs = sorted((k, next(iter(v))) for k, v in self._name_ids.items() if len(v) == 1)
            self._labels = [k for k, _ in pairs]
            self._label_ids = [i for _, i in pairs]
        best = process.extract(key, self._labels, scorer=fuzz.ratio, score_cutoff=92, limit=3)
        ids = {self._label_ids[idx] for _, _, idx in best}  # type: ignore[index]
        return self._by_id[ids.pop()] if len(ids) == 1 else None

    def _ids_for(self, name: str) -> set[str] | None:
        """Ids for an exact (normalised) name; None when the name is not known at all."""
        key = _key(name)
        if not key:
            return None
        if key in self.not_institutions:
            return set()
        ids = self._alias_ids.get(_key(name, keep_case=True))
        if ids is None:
            ids = self._name_ids.get(key)
        if ids is None:
            ids = self._alias_ids_ci.get(key)
        return set(ids) if ids is not None else None

    def by_domain(self, host: str) -> Institution | None:
        """Institution of an e-mail address, URL, host name, ``<org>.github.io`` or GitHub organisation."""
        h = host.strip().strip("<>()[]").lower()
        m = re.match(r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/\s]+@)?([^/\s:?#]+)(/[^\s?#]*)?", h)
        if not m:
            return None
        hostname, path = m.group(1).rstrip("."), (m.group(2) or "")
        if hostname in ("github.com", "www.github.com"):
            org = path.strip("/").split("/")[0] if path.strip("/") else ""
            return self._by_id.get(self._github.get(org, "")) if org else None
        if hostname.endswith(".github.io"):
            iid = self._github.get(hostname[: -len(".github.io")].split(".")[-1])
            return self._by_id.get(iid) if iid else None
        if "." not in hostname:  # a bare GitHub organisation
            iid = self._github.get(hostname)
            return self._by_id.get(iid) if iid else None
        labels = hostname.split(".")
        for i in range(len(labels) - 1):
            iid = self._domains.get(".".join(labels[i:]))
            if iid:
                return self._by_id[iid]
        return None

    # -- search ------------------------------------------------------------------------------------------------

    def find(self, text: str) -> list[Mention]:
        """Every institution mention in ``text``: Chinese and English names, abbreviations, domains, GitHub orgs.

        Overlapping candidates are resolved longest first; the result is sorted by position.
        """
        if not text:
            return []
        folded = fold(text)
        lowered = _lower_same_length(folded)
        found: list[tuple[int, int, str, tuple[str, ...]]] = []  # start, end, kind, ids

        for name_re in self._name_res:
            for m in name_re.finditer(lowered):
                if m.end() <= m.start():
                    continue
                self._add_name(found, m)
                # The regex returns the leftmost match, not the longest: "美国加利福尼亚大学圣克鲁兹分校" gives
                # "美国加利福尼亚大学".  A longer name starting a few CJK characters later (after a country
                # prefix) is added as a candidate too; the longest-first selection below settles it.
                for k in range(m.start() + 1, min(m.end(), m.start() + 5)):
                    if lowered[k].isascii():
                        break
                    inner = name_re.match(lowered, k)
                    if inner is not None and inner.end() > m.end():
                        self._add_name(found, inner)
        for alias_re in self._alias_res:
            for m in alias_re.finditer(folded):
                if m.end() > m.start():
                    ids = self._alias_ids.get(_key(m.group(), keep_case=True))
                    if ids:
                        found.append((m.start(), m.end(), "alias", tuple(sorted(ids))))
        if "." in text:
            for m in _HOST_RE.finditer(text):
                token = m.group().rstrip("./-")
                inst = self.by_domain(token)
                if inst is not None:
                    found.append((m.start(), m.start() + len(token), "domain", (inst.id,)))

        # Longest first, then leftmost; keep the ones that do not overlap an accepted one.
        found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
        taken: list[tuple[int, int, str, tuple[str, ...]]] = []
        occupied = bytearray(len(text))
        for f in found:
            if occupied.find(1, f[0], f[1]) < 0:
                taken.append(f)
                occupied[f[0] : f[1]] = b"\x01" * (f[1] - f[0])
        taken.sort(key=lambda f: f[0])

        resolved = {f[3][0] for f in taken if f[2] != "not" and len(f[3]) == 1}
        mentions = []
        for start, end, kind, ids in taken:
            if kind == "not":
                mentions.append(Mention(None, text[start:end], start, end, ids))
            elif len(ids) == 1:
                mentions.append(Mention(self._by_id[ids[0]], text[start:end], start, end))
            else:
                choice = self._settle(ids, lowered, start, end, resolved)
                mentions.append(Mention(choice, text[start:end], start, end, ids))
        return mentions

    def _add_name(self, found: list, m: re.Match[str]) -> None:
        key = _key(m.group())
        if key in self.not_institutions:
            found.append((m.start(), m.end(), "not", self.not_institutions[key]))
        elif key in self._name_ids:
            found.append((m.start(), m.end(), "name", tuple(sorted(self._name_ids[key]))))

    def _settle(
        self, ids: Sequence[str], lowered: str, start: int, end: int, resolved: set[str]
    ) -> Institution | None:
        """Pick the candidate of an ambiguous name that the rest of the text points to, if exactly one."""
        insts = [self._by_id[i] for i in ids]
        related = [c for c in insts if any(self.same_or_related(c, self._by_id[r]) for r in resolved)]
        if len(related) == 1:
            return related[0]
        window = lowered[max(0, start - 60) : end + 60]
        hinted = [c for c in insts if c.country and any(h in window for h in COUNTRY_HINTS.get(c.country, ()))]
        if len(hinted) == 1:
            return hinted[0]
        return None


_COUNTRY_PREFIX = recache.compile(
    r"^(?:中国|美国|英国|日本|韩国|德国|法国|加拿大|澳大利亚|澳洲|新加坡|瑞士|意大利|荷兰|比利时|西班牙|瑞典|芬兰|"
    r"挪威|丹麦|奥地利|波兰|印度|以色列|新西兰|沙特|阿联酋|卡塔尔|巴西|智利|台湾|香港|澳门)(?=[\u4e00-\u9fff]{3})"
)


def _strip_decorations(name: str) -> str:
    """Drop what often surrounds an institution name: a leading country ("美国"), a place in parentheses,
    ", City, Country", "等", punctuation."""
    s = fold(name).strip()
    s = _COUNTRY_PREFIX.sub("", s)
    s = re.sub(r"[。.;；，,\s]+$", "", s)
    s = re.sub(r"\s*(?:等|等机构|等单位)$", "", s)
    s = re.sub(r"\s*\([^()]*\)$", "", s)
    if "," in s:
        head = s.split(",")[0].strip()
        if len(_key(head)) >= 3:
            s = head
    return s.strip()


# --------------------------------------------------------------------------------------------------------------
# Topics
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topic:
    id: str
    names: tuple[str, ...]
    terms_en: tuple[str, ...]
    terms_zh: tuple[str, ...]
    categories: tuple[str, ...]


def _topic_key(name: str) -> str:
    return re.sub(r"[\s_/\-·,、|]+", "", fold(name).casefold())


def _term_pattern(term: str) -> str:
    """English term -> regex: whole words, flexible space/hyphen, optional plural; ``*`` at the end = prefix."""
    t = _lower_same_length(fold(term).strip())
    prefix = t.endswith("*")
    t = t.rstrip("*")
    body = r"[\s\-]*".join(re.escape(part) for part in re.split(r"[\s\-]+", t))
    start = r"(?<![a-z0-9])" if t[:1].isalnum() else ""
    if prefix:
        end = ""
    elif t[-1:].isalpha():
        end = r"(?:s|es)?(?![a-z0-9])"
    else:
        end = r"(?![a-z0-9])" if t[-1:].isalnum() else ""
    return start + body + end


class TopicTerms:
    """The blog's topics with the vocabulary that shows a paper belongs to them."""

    def __init__(self, topics: Iterable[Topic]) -> None:
        self.topics: dict[str, Topic] = {}
        for topic in topics:
            self.topics[topic.id] = topic
        self._by_name: dict[str, str] = {}
        for topic in self.topics.values():
            for name in (topic.id, *topic.names):
                self._by_name.setdefault(_topic_key(name), topic.id)
        self._regex: dict[str, tuple[re.Pattern[str] | None, list[str], list[str]]] = {}

    @classmethod
    def load(cls, extra_files: Iterable[Path] = ()) -> "TopicTerms":
        files = [rules_dir() / TOPICS_FILE, *(Path(p) for p in extra_files)]
        topics: list[Topic] = []
        for path in files:
            data = load_yaml(path) or {}
            topics.extend(parse_topics(data, str(path)))
        return cls(topics)

    def __iter__(self) -> Iterator[Topic]:
        return iter(self.topics.values())

    def __len__(self) -> int:
        return len(self.topics)

    def get(self, tid: str) -> Topic | None:
        return self.topics.get(tid)

    def topic_for(self, *names: str) -> Topic | None:
        """The topic named by a post's title, tags or keywords (first one that names a topic wins)."""
        for name in names:
            if not name:
                continue
            tid = self._by_name.get(_topic_key(name))
            if tid:
                return self.topics[tid]
        # No exact name: a topic name contained in one of the given names (longest topic name wins).
        best: tuple[int, str] | None = None
        for name in names:
            key = _topic_key(name or "")
            for tkey, tid in self._by_name.items():
                if len(tkey) >= 3 and tkey in key and (best is None or len(tkey) > best[0]):
                    best = (len(tkey), tid)
        return self.topics[best[1]] if best else None

    def _compiled(self, topic: Topic) -> tuple[re.Pattern[str] | None, list[str], list[str]]:
        cached = self._regex.get(topic.id)
        if cached is None:
            en = list(dict.fromkeys(t for t in topic.terms_en if t.strip()))
            zh = list(dict.fromkeys(_lower_same_length(fold(t)) for t in topic.terms_zh if t.strip()))
            parts = [f"(?P<e{i}>{_term_pattern(t)})" for i, t in enumerate(en)]
            parts += [f"(?P<z{i}>{re.escape(t)})" for i, t in enumerate(zh)]
            # Longer terms first so that "3d gaussian splatting" wins over "gaussian".
            order = sorted(range(len(parts)), key=lambda i: -len((en + zh)[i]))
            rx = recache.compile("|".join(parts[i] for i in order)) if parts else None
            cached = (rx, en, zh)
            self._regex[topic.id] = cached
        return cached

    def matches(self, topic: Topic, text: str) -> list[str]:
        """The terms of ``topic`` found in ``text`` (case-insensitive, whole words for English), in text order."""
        rx, en, zh = self._compiled(topic)
        if rx is None or not text:
            return []
        lowered = _lower_same_length(fold(text))
        out: list[str] = []
        for m in rx.finditer(lowered):
            group = m.lastgroup or ""
            term = en[int(group[1:])] if group.startswith("e") else zh[int(group[1:])]
            if term not in out:
                out.append(term)
        return out


def parse_topics(data: Mapping, where: str = "topics") -> list[Topic]:
    entries = data.get("topics") or []
    if not isinstance(entries, list):
        raise GazetteerError(f"{where}: 'topics' must be a list")
    out = []
    for n, raw in enumerate(entries, 1):
        if not isinstance(raw, dict):
            raise GazetteerError(f"{where}: topic {n} is not a mapping")
        unknown = set(raw) - {"id", "names", "terms_en", "terms_zh", "categories"}
        if unknown:
            raise GazetteerError(f"{where}: topic {n} has unknown keys {sorted(unknown)}")
        tid = raw.get("id")
        if not isinstance(tid, str) or not _ID_RE.match(tid):
            raise GazetteerError(f"{where}: topic {n} has a bad id {tid!r}")
        ctx = f"{where}: {tid}"
        topic = Topic(
            id=tid,
            names=_as_tuple(raw.get("names"), ctx + ".names"),
            terms_en=tuple(t.lower() for t in _as_tuple(raw.get("terms_en"), ctx + ".terms_en")),
            terms_zh=_as_tuple(raw.get("terms_zh"), ctx + ".terms_zh"),
            categories=_as_tuple(raw.get("categories"), ctx + ".categories"),
        )
        if not (topic.terms_en or topic.terms_zh):
            raise GazetteerError(f"{ctx}: no terms")
        out.append(topic)
    return out
