"""Recover UTF-8 text that was decoded with a legacy single-byte code page and saved again ("mojibake").

The hard case this module exists for: the wrong decoder *dropped* bytes. Windows code pages leave a few byte values
undefined (cp1252: 0x81 0x8D 0x8F 0x90 0x9D; cp1254 adds 0x8E 0x9E), and `decode(..., errors="ignore")` deletes
them; tools that strip soft hyphens delete 0xAD too. A Chinese character is three UTF-8 bytes, two of them
continuation bytes in 0x80-0xBF, so roughly one character in eight loses a byte and no longer decodes. `ftfy` can
only re-encode what is there; it restores almost no Chinese line of such a text.

How the recovery works:

1. `looks_like_mojibake` is a cheap regex test for UTF-8 lead/continuation byte patterns spelled in code-page
   characters ("å‘", "æ–¹"). Clean Chinese or English text (also with "café", "–", "“quotes”") does not match.
2. The code page is detected, not assumed: every candidate code page re-encodes the suspicious lines; the one whose
   bytes form the most valid UTF-8 sequences wins, with penalties for characters it cannot encode and for byte values
   it defines but that never occur although many continuation bytes do (evidence that they were dropped, which is
   how cp1254 is told from cp1252). The dropped set is the code page's undefined bytes, plus 0xAD when the text has
   no soft hyphen.
3. Each run of mojibake characters is re-encoded to bytes and decoded with a Viterbi search over a byte lattice:
   from each position, an edge is a UTF-8 character made of the next bytes plus dropped-byte values inserted at any
   position of the sequence (lead or continuation, up to two per character). Paths through the lattice are scored as
   a sequence of words with a class-based word bigram model (audit.mojibake_model): word frequencies and parts of
   speech from jieba's dictionary (plus a small vocabulary of ML-paper words it under-rates), tag transitions across
   word boundaries from jieba's part-of-speech HMM, character priors for punctuation, symbols and emoji. The model
   is built from the installed jieba once, kept on disk in a compact binary form, and loaded only when a text needs
   repair (about 20 ms and 20 MB). On top of the tag bigram, the search state remembers two-part constructions the
   clause has opened — a preposition (在/从/到/于 …) that a locative word (中, 上, 内 …) closes, 与/和 that a word of
   comparison or relation (相比, 一致, 结合 …) closes — and the class of the word before a coordinator ("X 与 Y"
   joins words of one class). A run next to a Latin word or a number starts (or ends) after a noun or a numeral
   rather than afresh ("NeRF 与 …", "200 步"). Every path is also scored by a character trigram model of running
   text (audit.charlm: Kneser-Ney, trained on a corpus of Chinese paper digests written for this project), which
   knows what a dictionary cannot: "训练过程中", "与现有方法相比", "不仅……而且". The search state carries that
   model's last two characters, starting from the text left of the run. Because UTF-8 is self-synchronising,
   damage stays local, and the search picks the best segmentation of the whole run rather than a greedy
   per-character choice.
4. Confidence of each ambiguous choice is its max-marginal posterior (forward + backward pass); a line's confidence
   is the minimum over its choices.

Known limit: some characters are indistinguishable at the byte level (与 E4 B8 8E, 不 E4 B8 8D and 中 E4 B8 AD all
become "ä¸" under cp1254) and only context can choose. With both models, 92.9% (cp1254) and 96.6% (cp1252) of the
non-ASCII lines of real posts come back exactly right, and 99.8% of their characters (benchmarks/
encoding_recovery.py). What remains is mostly "X 与 Y" against "X 中 Y" where both read well ("数据收集与处理",
"集中"), "提高的" against "极高的" where both read well, and names transliterated into Chinese.

When no bytes were dropped, `ftfy.fix_encoding` does the job and is used line by line.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations, product
from typing import Sequence

from . import charlm as _charlm
from . import mojibake_model as _lm
from .mojibake_model import OTHER as _OTHER
from .mojibake_model import PUNCT as _PUNCT
from .mojibake_model import VS16 as _VS16
from .mojibake_model import ZWJ as _ZWJ
from .mojibake_model import LanguageModel as _LanguageModel
from .mojibake_model import is_emoji_like as _is_emoji_like

__all__ = ["LineRepair", "Recovery", "looks_like_mojibake", "recover", "CODECS"]


@dataclass(frozen=True)
class LineRepair:
    line: int  # 1-based line number in the text
    original: str  # the broken line as it was
    repaired: str  # the repaired line
    confidence: float  # 0..1: the lowest posterior of the line's ambiguous choices (1.0 when nothing was guessed)


@dataclass(frozen=True)
class Recovery:
    text: str  # the whole repaired text (same number of lines as the input)
    codec: str | None  # the legacy code page detected, e.g. "cp1254"; None when not mojibake
    lines: tuple[LineRepair, ...]  # one per changed line
    dropped_bytes: tuple[int, ...]  # the byte values assumed dropped


# Candidate code pages, most common first: ties (a text that uses no distinguishing byte) go to the earlier one.
CODECS: tuple[str, ...] = ("cp1252", "cp1254", "cp1250", "cp1251", "cp1257", "cp1253", "cp1255", "cp1256",
                           "cp1258", "cp874", "latin-1", "iso8859-15", "iso8859-2")

_SOFT_HYPHEN = 0xAD
_MAX_INSERTIONS = 2  # dropped bytes per character the search will put back
_FALLBACK_COST = 25.0  # nats for leaving a byte as its code-page character (no plausible character fits)
_INSERTION_COST = 0.3  # nats per inserted byte: prefers explanations that need fewer dropped bytes
_BEAM = 8
_CHAR_WEIGHT = 1.0  # weight of the character model's cost next to the word model's
_FRAME_BONUS = 1.5  # nats for the word that closes a frame the clause opened: 在/从/到/于 … 中, 与/和 … 相比
# Two-part constructions of Chinese grammar: a preposition opens a locative phrase that a locative word (tag "f":
# 中, 上, 内, 之间 …) closes ("在训练过程中", "从图像中提取"); 与/和/同/跟 open a phrase of comparison or relation
# that a word of that meaning closes ("与现有方法相比", "与真实图像一致").
_LOCATIVE_OPENERS = frozenset({"在", "从", "到", "于", "自", "至"})
_COMPARISON_OPENERS = frozenset({"与", "和", "同", "跟"})
_COMPARISON_CLOSERS = frozenset(
    "相比 相比较 相较 比较 相当 一致 保持一致 相同 类似 相似 不同 之间 结合 相结合 融合 相融合 相关 无关 有关 合作"
    " 对比 匹配 对齐 交互 竞争 媲美 相媲美 接近 同步 区分 关联 联系 兼容 对应 差异 区别 整合 集成 互补 并列 共存"
    " 比 相连 连接 一样 对话 沟通 协作 抗衡 相符 吻合 冲突".split())
_COORDINATION_BONUS = 0.75  # nats when the words on both sides of 与/和/及 are of one class (noun and noun …)
_COORDINATORS = frozenset({"与", "和", "及", "以及", "或", "或者", "并"})


@dataclass(frozen=True)
class _CodePage:
    name: str
    to_byte: dict[str, int]  # code-page character -> byte, for bytes 0x80-0xFF
    to_char: dict[int, str]
    undefined: frozenset[int]


@lru_cache(maxsize=None)
def _code_page(name: str) -> _CodePage:
    to_byte: dict[str, int] = {}
    to_char: dict[int, str] = {}
    undefined = set()
    for b in range(0x80, 0x100):
        try:
            ch = bytes([b]).decode(name)
        except UnicodeDecodeError:
            undefined.add(b)
            continue
        to_char[b] = ch
        to_byte.setdefault(ch, b)
    return _CodePage(name, to_byte, to_char, frozenset(undefined))


def _char_class(chars: set[str]) -> str:
    return "".join(re.escape(c) for c in sorted(chars))


@lru_cache(maxsize=None)
def _pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """UTF-8 lead byte followed by the right number of continuation bytes, spelled in code-page characters."""
    lead2, lead3, lead4, cont = set(), set(), set(), set()
    for name in names:
        cp = _code_page(name)
        for b, ch in cp.to_char.items():
            if 0xC2 <= b <= 0xDF:
                lead2.add(ch)
            elif 0xE0 <= b <= 0xEF:
                lead3.add(ch)
            elif 0xF0 <= b <= 0xF4:
                lead4.add(ch)
            elif b <= 0xBF:
                cont.add(ch)
    c = f"[{_char_class(cont)}]"
    return re.compile(f"(?P<long>[{_char_class(lead3)}]{c}{{2}}|[{_char_class(lead4)}]{c}{{3}})"
                      f"|(?P<short>[{_char_class(lead2)}]{c})")


@lru_cache(maxsize=None)
def _lead_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """Any character that spells a UTF-8 lead byte in one of the code pages (where a match of `_pattern` starts)."""
    leads = {ch for name in names for b, ch in _code_page(name).to_char.items() if 0xC2 <= b <= 0xF4}
    return re.compile(f"[{_char_class(leads)}]")


@lru_cache(maxsize=None)
def _pair_pattern(name: str) -> re.Pattern[str]:
    """A lead byte followed by at least one continuation byte: the weakest sign a line holds mojibake."""
    cp = _code_page(name)
    leads = {ch for b, ch in cp.to_char.items() if 0xC2 <= b <= 0xF4}
    conts = {ch for b, ch in cp.to_char.items() if b <= 0xBF}
    return re.compile(f"[{_char_class(leads)}][{_char_class(conts)}]")


def looks_like_mojibake(text: str) -> bool:
    """True when `text` holds UTF-8 byte sequences spelled in code-page characters ("æ–¹æ³•").

    One complete three- or four-byte sequence, or two two-byte sequences, are enough; a lone "é", "´", "–" or
    "“quotes”" never is.
    """
    if text.isascii():
        return False
    # The matches of `_pattern`, left to right as finditer finds them, but tried only where a lead character
    # stands: a quick scan for those (clean text has few: a Greek letter, an accent) instead of a slow one for the
    # whole pattern.
    pattern = _pattern(CODECS)
    short = end = 0
    for lead in _lead_pattern(CODECS).finditer(text):
        if lead.start() < end:
            continue
        m = pattern.match(text, lead.start())
        if m is None:
            continue
        if m.group("long"):
            return True
        short += 1
        if short >= 2:
            return True
        end = m.end()
    return False


# --------------------------------------------------------------------------------------------------------------
# Language model
# --------------------------------------------------------------------------------------------------------------

_model = _lm.model
_model_cache_path = _lm.model_cache_path
_cached_model = _lm.cached_model


def _coarse(tag: str | None) -> str:
    """Word class for coordination: content words (nouns and verbs, which Chinese coordinates freely: 检测与推理,
    实验与评估), adjectives, or other."""
    if not tag or tag[0] in "<&":
        return "o"
    if tag[0] in "nv":
        return "n"
    return "a" if tag[0] == "a" else "o"


# --------------------------------------------------------------------------------------------------------------
# Code page detection
# --------------------------------------------------------------------------------------------------------------

def _utf8_length(lead: int) -> int:
    if 0xC2 <= lead <= 0xDF:
        return 2
    if 0xE0 <= lead <= 0xEF:
        return 3
    if 0xF0 <= lead <= 0xF4:
        return 4
    return 0


def _is_cont(b: int) -> bool:
    return 0x80 <= b <= 0xBF


@dataclass
class _Evidence:
    codec: str
    valid: int = 0  # complete multi-byte sequences
    short: int = 0  # sequences missing continuation bytes
    stray: int = 0  # continuation bytes without a lead, impossible lead bytes
    unencodable: int = 0  # non-ASCII characters the code page cannot produce
    absent_penalty: float = 0.0
    dropped: tuple[int, ...] = ()

    @property
    def score(self) -> float:
        # A short sequence is only evidence if the code page can explain it with its dropped bytes.
        explained_short = self.short if self.dropped else -self.short
        return self.valid + 0.5 * explained_short - 2.0 * self.stray - 2.0 * self.unencodable - self.absent_penalty


def _encode_runs(line: str, cp: _CodePage) -> list[tuple[int, int, bytes]]:
    """Maximal runs of non-ASCII characters the code page can encode: (start, end, bytes)."""
    runs = []
    start = None
    buf = bytearray()
    for i, ch in enumerate(line):
        b = cp.to_byte.get(ch) if ch >= "\x80" else None
        if b is not None:
            if start is None:
                start = i
                buf = bytearray()
            buf.append(b)
        elif start is not None:
            runs.append((start, i, bytes(buf)))
            start = None
    if start is not None:
        runs.append((start, len(line), bytes(buf)))
    return runs


def _scan(data: bytes, counts: list[int], ev: _Evidence) -> None:
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if _is_cont(b):
            counts[b] += 1
        length = _utf8_length(b)
        if length == 0:
            ev.stray += 1
            i += 1
            continue
        j = i + 1
        while j < n and j - i < length and _is_cont(data[j]):
            counts[data[j]] += 1
            j += 1
        if j - i == length:
            try:
                data[i:j].decode("utf-8")
                ev.valid += 1
            except UnicodeDecodeError:
                ev.stray += 1
        else:
            ev.short += 1
        i = j


def _sample(lines: list[str], indexes: list[int], budget: int = 40_000) -> list[str]:
    """Enough suspicious lines to tell the code pages apart (evenly spread, about `budget` characters)."""
    total = sum(len(lines[k]) for k in indexes)
    if total <= budget:
        return [lines[k] for k in indexes]
    stride = total / budget
    return [lines[k] for n, k in enumerate(indexes) if int(n / stride) != int((n + 1) / stride) or n == 0]


def _detect(lines: list[str], text: str) -> _Evidence | None:
    best: _Evidence | None = None
    for name in CODECS:
        cp = _code_page(name)
        ev = _Evidence(name)
        counts = [0] * 256
        for line in lines:
            for ch in line:
                if ch >= "\x80" and ch not in cp.to_byte:
                    ev.unencodable += 1
            for _, _, data in _encode_runs(line, cp):
                _scan(data, counts, ev)
        if ev.valid + ev.short == 0:
            continue
        dropped = set(cp.undefined)
        # Continuation byte values the code page defines but that never occur, although the text has plenty of
        # continuation bytes, were most likely deleted on the way (soft hyphens, or the text went through a code
        # page with more undefined bytes than this one).
        defined = [b for b in range(0x80, 0xC0) if b not in cp.undefined]
        seen = sum(counts[b] for b in defined)
        expected = 0.5 * seen / max(1, len(defined))
        for b in defined:
            if counts[b] == 0:
                ev.absent_penalty += expected
                if b == _SOFT_HYPHEN or expected >= 5:
                    dropped.add(b)
        if _SOFT_HYPHEN in cp.to_char and "\u00ad" not in text:
            dropped.add(_SOFT_HYPHEN)
        ev.dropped = tuple(sorted(dropped))
        if best is None or ev.score > best.score:
            best = ev
    if best is None or best.score <= 0:
        return None
    return best


# --------------------------------------------------------------------------------------------------------------
# Lattice decoding
# --------------------------------------------------------------------------------------------------------------

class _Decoder:
    def __init__(self, cp: _CodePage, dropped: tuple[int, ...], model: _LanguageModel,
                 chars: _charlm.CharModel | _charlm.Mixture | None = None) -> None:
        self.cp = cp
        self.model = model
        self.chars = chars
        self._advances: dict[tuple[str, str], tuple[float, str]] = {}
        self.dropped_cont = tuple(b for b in dropped if _is_cont(b))
        self.dropped_lead = tuple(b for b in dropped if _utf8_length(b))
        self._edge_cache: dict[bytes, tuple[tuple[int, str, float], ...]] = {}
        self._rows: dict[str | None, dict[str, float]] = {}
        self._singles: dict[str, tuple[str, float, bool]] = {}
        self._token_flags: dict[tuple[str, str], int] = {}

    def _candidates(self, window: bytes) -> tuple[tuple[int, str, float], ...]:
        """Characters that can start at window[0]: (bytes consumed, character, insertion cost)."""
        cached = self._edge_cache.get(window)
        if cached is not None:
            return cached
        found: dict[tuple[int, str], float] = {}
        first = window[0]
        heads: list[tuple[int, int, int]] = []  # (lead byte, bytes consumed by the lead, insertions for it)
        if _utf8_length(first):
            heads.append((first, 1, 0))
        if _is_cont(first):
            heads.extend((lead, 0, 1) for lead in self.dropped_lead)
        for lead, used, lead_ins in heads:
            length = _utf8_length(lead)
            avail = 0
            while used + avail < len(window) and avail < length - 1 and _is_cont(window[used + avail]):
                avail += 1
            takes = [avail] if not self.dropped_lead else range(avail, -1, -1)
            for take in takes:
                missing = length - 1 - take
                if missing + lead_ins > _MAX_INSERTIONS or (missing and not self.dropped_cont):
                    continue
                present = window[used:used + take]
                for slots in combinations(range(length - 1), missing):
                    for values in product(self.dropped_cont, repeat=missing):
                        seq = bytearray([lead])
                        it_present = iter(present)
                        it_values = iter(values)
                        for s in range(length - 1):
                            seq.append(next(it_values) if s in slots else next(it_present))
                        try:
                            ch = bytes(seq).decode("utf-8")
                        except UnicodeDecodeError:
                            continue
                        key = (used + take, ch)
                        cost = (missing + lead_ins) * _INSERTION_COST
                        if cost < found.get(key, math.inf):
                            found[key] = cost
        edges = tuple((consumed, ch, cost) for (consumed, ch), cost in found.items())
        self._edge_cache[window] = edges
        return edges

    def _char_edges(self, data: bytes) -> list[list[tuple[int, str, float]]]:
        n = len(data)
        edges: list[list[tuple[int, str, float]]] = [[] for _ in range(n)]
        for i in range(n):
            for consumed, ch, cost in self._candidates(data[i:i + 4]):
                edges[i].append((i + consumed, ch, cost))
            edges[i].append((i + 1, self.cp.to_char.get(data[i], "\ufffd"), _FALLBACK_COST))
        return edges

    def _single(self, char_edges: list[list[tuple[int, str, float]]], pos: int, j: int, ch: str,
                cost: float, out: list) -> None:
        """A character that is no word: punctuation, or a symbol (an emoji takes a following VS16 or ZWJ along)."""
        info = self._singles.get(ch)
        if info is None:
            tag = _PUNCT if unicodedata.category(ch).startswith("P") else _OTHER
            info = self._singles[ch] = (tag, self.model.char_cost(ch), _is_emoji_like(ch))
        tag, own, emoji = info
        out.append((j, ch, tag, cost + own, (pos,)))
        if emoji and j < len(char_edges):
            for k, nxt, extra in char_edges[j]:
                if nxt in (_VS16, _ZWJ) and extra < _FALLBACK_COST:
                    out.append((k, ch + nxt, _OTHER, cost + extra + own + 0.1, (pos, j)))

    def _tokens(self, char_edges: list[list[tuple[int, str, float]]],
                i: int) -> list[tuple[int, str, str, float, tuple[int, ...]]]:
        """Tokens starting at byte i: (end, text, tag, cost without transition, start of each character)."""
        lookup = self.model.lookup
        memo = self.model.memo
        n = len(char_edges)
        tokens: list = []
        stack: list[tuple[int, str, float, tuple[int, ...]]] = [(i, "", 0.0, ())]
        while stack:
            pos, prefix, extra, starts = stack.pop()
            for j, ch, cost in char_edges[pos]:
                if cost >= _FALLBACK_COST:
                    if not prefix:
                        self._single(char_edges, pos, j, ch, cost, tokens)
                    continue
                word = prefix + ch
                entry = memo.get(word, lookup)
                if entry is lookup:
                    entry = lookup(word)
                if not prefix and (entry is None or not entry[0]):
                    self._single(char_edges, pos, j, ch, cost, tokens)
                if entry is None:
                    continue
                senses, more = entry
                here = starts + (pos,)
                for word_cost, tag in senses:
                    tokens.append((j, word, tag, extra + cost + word_cost, here))
                if more and j < n:
                    stack.append((j, word, extra + cost, here))
        return tokens

    def _row(self, prev: str | None) -> dict[str, float]:
        """Transition costs from a state to every tag.

        The state is the last token's tag, except after a coordinating word (与, 和, 及 …), where it remembers the
        class of the word before it: "背景与动机" joins two nouns, which a plain tag bigram cannot see.
        """
        row = self._rows.get(prev)
        if row is None:
            model = self.model
            if prev is not None and prev[0] == "&":
                row = {tag: model.transition("c", tag) - (_COORDINATION_BONUS if _coarse(tag) == prev[1:] else 0.0)
                       for tag in model.tags()}
            else:
                row = {tag: model.transition(prev, tag) for tag in model.tags()}
            self._rows[prev] = row
        return row

    def _flags(self, text: str, tag: str) -> int:
        flags = self._token_flags.get((text, tag))
        if flags is None:
            flags = 0
            if tag == _PUNCT:
                flags |= _F_PUNCT
            if text in _LOCATIVE_OPENERS:
                flags |= _F_OPEN_LOC
            if text in _COMPARISON_OPENERS:
                flags |= _F_OPEN_CMP
            if tag == "f":
                flags |= _F_CLOSE_LOC
            if text in _COMPARISON_CLOSERS:
                flags |= _F_CLOSE_CMP
            if text in _COORDINATORS:
                flags |= _F_COORD
            self._token_flags[(text, tag)] = flags
        return flags

    def _advance(self, hist: str, text: str) -> tuple[float, str]:
        """Character-model cost of a token after `hist` (weighted), and the history after it."""
        key = (hist, text)
        got = self._advances.get(key)
        if got is None:
            if self.chars is None:
                got = (0.0, "")
            else:
                cost, after = self.chars.advance(hist, text)
                got = (_CHAR_WEIGHT * cost, after)
            if len(self._advances) < 200_000:
                self._advances[key] = got
        return got

    def decode(self, data: bytes, hints: Sequence[dict[str, float] | None] = (), before: str | None = None,
               frame: int = 0, after: str | None = None, left: str = "", right: str = "") -> tuple[str, float]:
        """Best text for a run of bytes, and the lowest posterior among its ambiguous choices.

        hints[i] adjusts the cost of single characters at byte i (brackets that pair up, a label's colon);
        `before` and `after` are the tags of what stands next to the run ("n" for a Latin word, "m" for a number,
        None for nothing or punctuation); `frame` tells which frames the clause has open where the run starts;
        `left` and `right` are the text on either side of the run (for the character model).
        """
        n = len(data)
        row_of = self._row
        flags_of = self._flags
        advance = self._advance
        char_edges = self._char_edges(data)
        tokens: list[list | None] = [None] * n
        # lm_at[i][history]: the character model's (cost, history after) for each token of tokens[i]
        lm_at: list[dict[str, list[tuple[float, str]]] | None] = [None] * n

        # A state is (tag of the last token, or "&" + class after a coordinator; open frames; the character
        # model's history). Forward pass: alpha[i][state] = (cost, previous position, previous state, token).
        State = tuple
        alpha: list[dict[State, tuple[float, int, State | None, str]]] = [{} for _ in range(n + 1)]
        start_hist = _charlm.history(left) if self.chars is not None else ""
        alpha[0][(before, frame, start_hist)] = (0.0, -1, None, "")
        for i in range(n):
            states = alpha[i]
            if not states:
                continue
            if len(states) > _BEAM:
                states = alpha[i] = dict(sorted(states.items(), key=lambda kv: kv[1][0])[:_BEAM])
            toks = tokens[i] = [(j, t, tag, cost, st, flags_of(t, tag)) for j, t, tag, cost, st in
                                self._tokens(char_edges, i)]
            if hints and hints[i]:
                adjust = hints[i]
                toks = tokens[i] = [(j, t, tag, cost + adjust.get(t, 0.0), st, fl) for j, t, tag, cost, st, fl in toks]
            lm_here = lm_at[i] = {}
            for prev, (score, _, _, _) in states.items():
                ptag, pframe, phist = prev
                row = row_of(ptag)
                coord_state = "&" + _coarse(ptag)
                step = _STEP[pframe]
                lms = lm_here.get(phist)
                if lms is None:
                    lms = lm_here[phist] = [advance(phist, tok[1]) for tok in toks]
                for (j, text, tag, cost, _, fl), (lm_cost, nhist) in zip(toks, lms):
                    nframe, bonus = step[fl]
                    total = score + cost + row[tag] - bonus + lm_cost
                    state = (coord_state if fl & _F_COORD else tag, nframe, nhist)
                    target = alpha[j]
                    old = target.get(state)
                    if old is None or total < old[0]:
                        target[state] = (total, i, prev, text)
        final = alpha[n]
        if after is not None:
            final = {st: (v[0] + row_of(st[0]).get(after, self.model.transition(st[0], after)),) + v[1:]
                     for st, v in final.items()}
        if right and self.chars is not None:
            final = {st: (v[0] + advance(st[2], right[0])[0],) + v[1:] for st, v in final.items()}
        last = min(final, key=lambda t: final[t][0])
        best_total = final[last][0]
        pieces = []
        path_starts = []
        pos, state = n, last
        while pos > 0:
            _, prev_pos, prev_state, text = alpha[pos][state]
            pieces.append(text)
            path_starts.append(prev_pos)
            pos, state = prev_pos, prev_state
        text = "".join(reversed(pieces))
        if any(not any(c < _FALLBACK_COST for _, _, c in char_edges[i]) for i in path_starts):
            return text, 0.0  # some byte could not be explained and was left as it was

        ambiguous = {i for i in range(n) if len({ch for _, ch, c in char_edges[i] if c < _FALLBACK_COST}) != 1}
        if not ambiguous:
            return text, 1.0
        # Backward pass, then the max-marginal cost of every candidate character at each ambiguous position.
        beta: list[dict[State, float]] = [{} for _ in range(n + 1)]
        beta[n] = {st: v[0] - alpha[n][st][0] for st, v in final.items()}
        for i in range(n - 1, -1, -1):
            if not alpha[i] or tokens[i] is None:
                continue
            brow = beta[i]
            lm_here = lm_at[i]
            for prev in alpha[i]:
                ptag, pframe, phist = prev
                moves = row_of(ptag)
                coord_state = "&" + _coarse(ptag)
                step = _STEP[pframe]
                best = math.inf
                for (j, word, tag, cost, _, fl), (lm_cost, nhist) in zip(tokens[i], lm_here[phist]):
                    nframe, bonus = step[fl]
                    tail = beta[j].get((coord_state if fl & _F_COORD else tag, nframe, nhist))
                    if tail is not None:
                        value = cost + moves[tag] - bonus + lm_cost + tail
                        if value < best:
                            best = value
                brow[prev] = best
        marginal: dict[int, dict[str, float]] = {}
        for i in range(n):
            if not alpha[i] or tokens[i] is None:
                continue
            lm_here = lm_at[i]
            for t, (j, word, tag, cost, starts, fl) in enumerate(tokens[i]):
                if not ambiguous.intersection(starts):
                    continue
                for prev, (score, _, _, _) in alpha[i].items():
                    ptag, pframe, phist = prev
                    nframe, bonus = _step_frame(pframe, fl)
                    lm_cost, nhist = lm_here[phist][t]
                    tail = beta[j].get(("&" + _coarse(ptag) if fl & _F_COORD else tag, nframe, nhist))
                    if tail is None:
                        continue
                    value = score + cost + row_of(ptag)[tag] - bonus + lm_cost + tail
                    for k, start in enumerate(starts):
                        if start in ambiguous:
                            mrow = marginal.setdefault(start, {})
                            ch = word[k] if len(word) == len(starts) else word
                            if value < mrow.get(ch, math.inf):
                                mrow[ch] = value
        confidence = 1.0
        for mrow in marginal.values():
            z = sum(math.exp(best_total - v) for v in mrow.values())
            confidence = min(confidence, 1.0 / z if z > 1.0 else 1.0)
        return text, confidence


_F_PUNCT, _F_OPEN_LOC, _F_OPEN_CMP, _F_CLOSE_LOC, _F_CLOSE_CMP, _F_COORD = 1, 2, 4, 8, 16, 32
_LOC, _CMP = 1, 2  # open frames


def _step_frame_slow(frame: int, flags: int) -> tuple[int, float]:
    """Frames open after a token with `flags`, and the bonus (nats) for closing one."""
    if flags & _F_PUNCT:
        return 0, 0.0
    bonus = 0.0
    if frame:
        if frame & _LOC and flags & _F_CLOSE_LOC:
            bonus += _FRAME_BONUS
            frame &= ~_LOC
        if frame & _CMP and flags & _F_CLOSE_CMP:
            bonus += _FRAME_BONUS
            frame &= ~_CMP
    if flags & _F_OPEN_LOC:
        frame |= _LOC
    if flags & _F_OPEN_CMP:
        frame |= _CMP
    return frame, bonus


# _STEP[frame][flags] = _step_frame_slow(frame, flags), looked up in the decoder's inner loops.
_STEP = tuple(tuple(_step_frame_slow(frame, flags) for flags in range(64)) for frame in range(4))


def _step_frame(frame: int, flags: int) -> tuple[int, float]:
    """Frames open after a token with `flags`, and the bonus (nats) for closing one."""
    return _STEP[frame][flags]


# --------------------------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------------------------

def _ftfy_codec(line: str) -> tuple[str, str | None]:
    import ftfy

    fixed, explanation = ftfy.fix_encoding_and_explain(line)
    codec = None
    for step in explanation or ():
        if step[0] == "encode":
            codec = step[1].replace("sloppy-", "").replace("windows-", "cp")
            break
    return fixed, codec


def recover(text: str) -> Recovery:
    """Repair mojibake in `text`; a text that does not look like mojibake comes back unchanged."""
    if not looks_like_mojibake(text):
        return Recovery(text, None, (), ())
    lines = text.split("\n")
    union = _pattern(CODECS)
    suspicious = [k for k, line in enumerate(lines) if not line.isascii() and union.search(line)]
    evidence = _detect(_sample(lines, suspicious), text)
    if evidence is None:
        return _recover_with_ftfy(text, lines, suspicious)

    cp = _code_page(evidence.codec)
    pair = _pair_pattern(cp.name)
    non_ascii = [ch for ch in text if ch >= "\x80"]
    # A text converted as a whole has no character left that the code page cannot produce; then every line with
    # code-page characters is mojibake, even one whose only sign is a lead byte that lost all its continuations.
    wholesale = sum(1 for ch in non_ascii if ch not in cp.to_byte) <= len(non_ascii) // 1000
    decoder: _Decoder | None = None
    repairs: list[LineRepair] = []
    out = list(lines)
    for k, line in enumerate(lines):
        if line.isascii() or not (pair.search(line) or (wholesale and _encode_runs(line, cp))):
            continue
        runs = _encode_runs(line, cp)
        needs_search = evidence.dropped and any(_has_damage(data) for _, _, data in runs)
        if not needs_search:
            # Nothing was lost on this line: ftfy handles it; the exact inverse of the code page is the fallback.
            fixed, _ = _ftfy_codec(line)
            if looks_like_mojibake(fixed):
                fixed = _direct(line, runs) or fixed
            if fixed != line:
                out[k] = fixed
                repairs.append(LineRepair(k + 1, line, fixed, 1.0))
            continue
        if decoder is None:
            decoder = _Decoder(cp, evidence.dropped, _model(), _charlm.model())
        pieces: list[str] = []
        cursor = 0
        confidence = 1.0
        hints = _punctuation_hints(line, cp)
        for start, end, data in runs:
            pieces.append(line[cursor:start])
            spans = _clauses(data, decoder)
            for number, (lo, hi) in enumerate(spans):
                chunk = data[lo:hi]
                try:
                    pieces.append(chunk.decode("utf-8"))  # this clause lost nothing
                    continue
                except UnicodeDecodeError:
                    pass
                before = _neighbour_tag(line[:start], -1) if lo == 0 else None
                after = _neighbour_tag(line[end:], 0) if hi == len(data) else None
                left = "".join(pieces)
                frame = _open_frames(left, decoder.model) if lo == 0 else 0
                decoded, conf = decoder.decode(chunk, hints[start + lo:start + hi], before, frame, after,
                                               left=left, right=line[end:end + 1] if hi == len(data) else "")
                pieces.append(decoded)
                confidence = min(confidence, conf)
            cursor = end
        pieces.append(line[cursor:])
        fixed = "".join(pieces)
        if fixed != line:
            out[k] = fixed
            repairs.append(LineRepair(k + 1, line, fixed, round(confidence, 4)))
    return Recovery("\n".join(out), evidence.codec, tuple(repairs), evidence.dropped)


def _clauses(data: bytes, decoder: _Decoder) -> list[tuple[int, int]]:
    """Split a run after each intact clause punctuation mark: the language model starts afresh there anyway, so the
    clauses decode independently (and clauses that lost nothing need no search at all)."""
    if decoder.dropped_lead:  # a dropped lead byte could make a punctuation mark look intact
        return [(0, len(data))]
    spans, lo, i, n = [], 0, 0, len(data)
    while i < n:
        length = _utf8_length(data[i])
        if length and i + length <= n and all(_is_cont(b) for b in data[i + 1:i + length]):
            try:
                ch = data[i:i + length].decode("utf-8")
            except UnicodeDecodeError:
                ch = ""
            if ch and ch in _CLAUSE_MARKS and (i + length == n or not _is_cont(data[i + length])):
                spans.append((lo, i + length))
                lo = i + length
            i += length
        else:
            i += 1
    if lo < n:
        spans.append((lo, n))
    return spans


_CLAUSE_MARKS = frozenset("，。；：！？、（）“”《》【】")


def _spelled(text: str, cp: _CodePage) -> str | None:
    """How `text` looks after the damage, or None when one of its bytes would have been dropped."""
    out = []
    for b in text.encode("utf-8"):
        ch = chr(b) if b < 0x80 else cp.to_char.get(b)
        if ch is None or b == _SOFT_HYPHEN:
            return None
        out.append(ch)
    return "".join(out)


_ASCII_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+\-]*")


def _neighbour_tag(side: str, index: int) -> str | None:
    """The tag of the ASCII word next to a run (spaces skipped): "m" for a number, "n" for a Latin word or name
    (NeRF, 3DGS), None when punctuation, markup or the line's edge stands there."""
    side = side.rstrip(" ") if index == -1 else side.lstrip(" ")
    if not side or not side[index].isascii() or not side[index].isalnum():
        return None
    words = _ASCII_WORD.findall(side[-40:] if index == -1 else side[:40])
    if not words:
        return None
    word = words[index]
    return "n" if any(c.isalpha() for c in word) else "m"


_CLAUSE_BREAK = re.compile(r"[，。；：？！,;:?!]")


def _open_frames(text: str, model: _LanguageModel) -> int:
    """Frames (see `_step_frame`) left open at the end of `text`, the line decoded so far: an opener that stands
    as a word of its own in the current clause, with no closing word after it."""
    breaks = list(_CLAUSE_BREAK.finditer(text))
    clause = text[breaks[-1].end():] if breaks else text
    frame = 0
    for k, ch in enumerate(clause):
        if ch in _LOCATIVE_OPENERS or ch in _COMPARISON_OPENERS:
            if (k and model.senses(clause[k - 1:k + 1])) or model.senses(clause[k:k + 2]):
                continue  # part of a word: 存在, 现在, 和谐 …
            frame |= _LOC if ch in _LOCATIVE_OPENERS else _CMP
        elif frame & _LOC and ch in "中上下内里外":
            frame &= ~_LOC
    return frame


_PAIRS = ("（）", "“”", "‘’", "【】", "《》", "「」", "『』")
_UNPAIRED_COST = 3.0  # nats: an opening mark with no closing mark after it (or the reverse) is unlikely
_LABEL_COLON_BONUS = 1.5  # nats: "标题：", "- **方法**：" — a colon ends a short label at the start of a line
_LABEL_PREFIX = re.compile(r"\s*(?:[-*+>]|\d+[.)]|\(\d+\))?\s*(?:\*\*)?")


def _punctuation_hints(line: str, cp: _CodePage) -> list[dict[str, float] | None]:
    """Per character of a damaged line, cost adjustments for punctuation candidates, from what is intact around."""
    hints: list[dict[str, float] | None] = [None] * len(line)

    def add(lo: int, hi: int, ch: str, delta: float) -> None:
        for k in range(max(0, lo), min(len(line), hi)):
            slot = hints[k]
            if slot is None:
                slot = hints[k] = {}
            slot[ch] = slot.get(ch, 0.0) + delta

    for opening, closing in _PAIRS:
        spelled_open, spelled_close = _spelled(opening, cp), _spelled(closing, cp)
        if spelled_close:  # no intact closing mark ahead: an opening mark here would stay unclosed
            ahead = [m.start() for m in re.finditer(re.escape(spelled_close), line)]
            add(ahead[-1] if ahead else 0, len(line), opening, _UNPAIRED_COST)
        if spelled_open:  # no intact opening mark behind: a closing mark here would close nothing
            behind = [m.end() for m in re.finditer(re.escape(spelled_open), line)]
            add(0, behind[0] if behind else len(line), closing, _UNPAIRED_COST)
    # A colon after a short label at the start of the line (list markers and bold markup aside).
    prefix = _LABEL_PREFIX.match(line)
    start = prefix.end() if prefix else 0
    add(start, min(len(line), start + 3 * 12), "：", -_LABEL_COLON_BONUS)
    return hints


def _has_damage(data: bytes) -> bool:
    try:
        data.decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True


def _direct(line: str, runs: list[tuple[int, int, bytes]]) -> str | None:
    """Re-encode and decode every run; None when a run is not valid UTF-8."""
    pieces, cursor = [], 0
    for start, end, data in runs:
        try:
            decoded = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        pieces.append(line[cursor:start])
        pieces.append(decoded)
        cursor = end
    pieces.append(line[cursor:])
    return "".join(pieces)


def _recover_with_ftfy(text: str, lines: list[str], suspicious: list[int]) -> Recovery:
    """No single code page explains the text: let ftfy repair what it can, line by line."""
    out = list(lines)
    repairs = []
    codecs: dict[str, int] = {}
    for k in suspicious:
        fixed, codec = _ftfy_codec(lines[k])
        if fixed != lines[k]:
            out[k] = fixed
            repairs.append(LineRepair(k + 1, lines[k], fixed, 1.0))
            if codec:
                codecs[codec] = codecs.get(codec, 0) + 1
    if not repairs:
        return Recovery(text, None, (), ())
    codec = max(codecs, key=codecs.__getitem__) if codecs else None
    return Recovery("\n".join(out), codec, tuple(repairs), ())
