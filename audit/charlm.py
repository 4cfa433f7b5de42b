"""A character language model of Chinese paper-digest prose: which character follows which two.

`audit.mojibake` uses it to choose between the characters a damaged byte sequence can stand for (与/不/中 are one
byte apart in UTF-8 and all three lose it under Windows-1254). A dictionary knows words, not running text; "训练过程中"
and "与现有方法相比" are facts about running text, so the decoder scores its paths with this model too.

The model is an interpolated Kneser-Ney trigram model over characters, trained on `audit/data/zh_corpus/`: Chinese
digests of invented papers, written for this project in the genre the tool repairs (nothing there is copied from
real posts). ASCII letters, digits and spaces are folded into one symbol each ("NeRF" and "3DGS" are just a Latin
word and a word with digits), so the model learns where Latin words and numbers stand, not which ones.

Counts are built on first use (about half a second) and kept in the user cache folder, keyed by the corpus bytes.
"""
from __future__ import annotations

import hashlib
import math
import threading
from pathlib import Path

__all__ = ["CharModel", "model", "normalize", "normalize_text", "CORPUS_DIR"]

CORPUS_DIR = Path(__file__).resolve().parent / "data" / "zh_corpus"
_FORMAT = "audit-charlm-1"
_DISCOUNT = 0.75  # the usual absolute discount of Kneser-Ney
ORDER = 3  # symbols per n-gram
_START = "\n" * (ORDER - 1)  # the history at the start of a line


def normalize(ch: str) -> str:
    """The model's symbol for a character: "A" for an ASCII letter, "0" for a digit, " " for white space."""
    if ch < "\x80":
        if ch.isalpha():
            return "A"
        if ch.isdigit():
            return "0"
        if ch.isspace():
            return " "
    return ch


def normalize_text(text: str) -> str:
    """`text` in the model's symbols, with runs of Latin letters, digits or spaces folded into one symbol."""
    out: list[str] = []
    prev = ""
    for ch in text:
        sym = normalize(ch)
        if sym == prev and sym in "A0 ":
            continue
        out.append(sym)
        prev = sym
    return "".join(out)


def history(text: str) -> str:
    """The (ORDER-1)-symbol history after `text` (the start-of-line history when there is not enough of it)."""
    return (_START + normalize_text(text[-24:]))[-(ORDER - 1):]


class CharModel:
    """Interpolated Kneser-Ney model over character symbols (order `ORDER`); costs are in nats."""

    __slots__ = ("_num", "_ctx", "_uni_total", "_vocab", "_memo")

    def __init__(self, tables: dict) -> None:
        # _num[k][g]: for the highest order the count of k-gram g, below it the number of distinct symbols seen
        # before g (its continuation count); _ctx[k][h]: (sum of _num[k][h + s], number of distinct s) for the
        # (k-1)-symbol history h.
        self._num: list[dict[str, int]] = tables["num"]
        self._ctx: list[dict[str, tuple[int, int]]] = tables["ctx"]
        self._uni_total = sum(self._num[1].values())
        self._vocab = len(self._num[1]) + 1
        self._memo: dict[tuple[str, str], float] = {}

    @classmethod
    def from_texts(cls, texts) -> "CharModel":
        return cls(_count(texts))

    def cost(self, hist: str, sym: str) -> float:
        """-log P(sym | hist) for a history of ORDER-1 symbols and one symbol."""
        key = (hist, sym)
        got = self._memo.get(key)
        if got is not None:
            return got
        d = _DISCOUNT
        num, ctx = self._num, self._ctx
        p = (num[1].get(sym, 0) + 0.5) / (self._uni_total + 2.0 * self._vocab)
        for k in range(2, ORDER + 1):
            h = hist[len(hist) - k + 1:]
            total_types = ctx[k].get(h)
            if total_types is None:
                break  # a longer history that was never seen cannot have been seen either
            total, types = total_types
            p = max(num[k].get(h + sym, 0) - d, 0.0) / total + d * types / total * p
        got = -math.log(p)
        if len(self._memo) < 500_000:
            self._memo[key] = got
        return got

    def advance(self, hist: str, text: str) -> tuple[float, str]:
        """The cost of `text` after `hist`, and the history after it."""
        total = 0.0
        for ch in text:
            sym = normalize(ch)
            if sym == hist[-1] and sym in "A0 ":
                continue
            total += self.cost(hist, sym)
            hist = hist[1:] + sym
        return total, hist


def _count(texts) -> dict:
    top: dict[str, int] = {}
    pad = _START[0] * (ORDER - 1)
    for text in texts:
        for line in text.split("\n"):
            if line.isascii():
                continue  # front matter, links, English: the model is for Chinese lines
            s = pad + normalize_text(line) + "\n"
            for i in range(len(s) - ORDER + 1):
                g = s[i:i + ORDER]
                top[g] = top.get(g, 0) + 1
    num: list[dict] = [{} for _ in range(ORDER + 1)]
    ctx: list[dict] = [{} for _ in range(ORDER + 1)]
    num[ORDER] = top
    for k in range(ORDER, 0, -1):
        lower: dict[str, int] = {}
        for g, n in num[k].items():
            if k > 1:
                slot = ctx[k].setdefault(g[:-1], [0, 0])
                slot[0] += n
                slot[1] += 1
                lower[g[1:]] = lower.get(g[1:], 0) + 1
        if k > 1:
            num[k - 1] = lower
            ctx[k] = {h: tuple(v) for h, v in ctx[k].items()}
    return {"num": num, "ctx": ctx}


def _corpus_files() -> list[Path]:
    return sorted(CORPUS_DIR.glob("*.txt"))


_MODEL: CharModel | None = None
_LOCK = threading.Lock()


def model() -> CharModel:
    """The model of the bundled corpus, built once per corpus (and cached on disk)."""
    global _MODEL
    if _MODEL is None:
        with _LOCK:
            if _MODEL is None:
                files = _corpus_files()
                blobs = [f.read_bytes() for f in files]
                digest = hashlib.sha256(b"\0".join(blobs)).hexdigest()
                from .datafiles import cached

                tables = cached("charlm", f"{_FORMAT}:{ORDER}:{_DISCOUNT}:{digest}",
                                lambda: _count(b.decode("utf-8") for b in blobs))
                _MODEL = CharModel(tables)
    return _MODEL
