"""A character language model of Chinese paper-digest prose: which character follows which two.

`audit.mojibake` uses it to choose between the characters a damaged byte sequence can stand for (与/不/中 are one
byte apart in UTF-8 and all three lose it under Windows-1254). A dictionary knows words, not running text; "训练过程中"
and "与现有方法相比" are facts about running text, so the decoder scores its paths with this model too.

The model is an interpolated Kneser-Ney trigram model over characters, trained on `audit/data/zh_corpus/`: Chinese
digests of invented papers, written for this project in the genre the tool repairs (nothing there is copied from
real posts). ASCII letters, digits and spaces are folded into one symbol each ("NeRF" and "3DGS" are just a Latin
word and a word with digits), so the model learns where Latin words and numbers stand, not which ones.

The tables are built on first use (about 2 s) and kept in the user cache folder as packed arrays, keyed by the corpus
and this module's code; loading them takes about 10 ms. `set_reference` (the `--reference` option) adds a model of a
blog's own clean posts, mixed in with a weight that grows with the amount of text: measured on the real posts, that
is worth a few points more (see README).
"""
from __future__ import annotations

import hashlib
import math
import threading
from array import array
from bisect import bisect_left
from pathlib import Path

__all__ = ["CharModel", "Mixture", "model", "set_reference", "normalize", "normalize_text", "CORPUS_DIR"]

CORPUS_DIR = Path(__file__).resolve().parent / "data" / "zh_corpus"
_FORMAT = "audit-charlm-1"
_DISCOUNT = 0.75  # the usual absolute discount of Kneser-Ney
_PRUNE = 1  # top-order n-grams seen this often or less are not stored
ORDER = 3  # symbols per n-gram (CharModel.cost is written for trigrams)
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


class _Table:
    """A read-only map from n-grams (packed into one integer, 21 bits per symbol) to costs: two sorted arrays, about
    12 bytes an entry where a dict takes over 150, and nothing to build when loaded."""

    __slots__ = ("_keys", "_values")

    def __init__(self, keys: bytes, values: bytes) -> None:
        self._keys = array("q")
        self._keys.frombytes(keys)
        self._values = array("f")
        self._values.frombytes(values)

    @staticmethod
    def pack(items: dict[str, float]) -> tuple[bytes, bytes]:
        pairs = sorted((_key(gram), cost) for gram, cost in items.items())
        return array("q", [k for k, _ in pairs]).tobytes(), array("f", [c for _, c in pairs]).tobytes()

    def get(self, key: int, default=None):
        keys = self._keys
        i = bisect_left(keys, key)
        if i < len(keys) and keys[i] == key:
            return self._values[i]
        return default


def _key(gram: str) -> int:
    key = 0
    for ch in gram:
        key = (key << 21) | ord(ch)
    return key


class CharModel:
    """Interpolated Kneser-Ney trigram model over character symbols, stored in backoff form: the cost of every seen
    n-gram and the backoff cost of every seen history, so that most costs are one lookup. Costs are in nats."""

    __slots__ = ("_seen1", "_seen2", "_seen3", "_back2", "_back3", "_unknown", "_memo")

    def __init__(self, tables: dict) -> None:
        # seenK: -log P(g[-1] | g[:-1]) for a seen n-gram g of K symbols; backK: -log of the weight that an
        # unseen K-gram with history h gives to the (K-1)-gram below it.
        self._seen1: dict[str, float] = tables["seen1"]
        self._back2: dict[str, float] = tables["back2"]
        self._seen2 = _Table(*tables["seen2"])
        self._seen3 = _Table(*tables["seen3"])
        self._back3 = _Table(*tables["back3"])
        self._unknown: float = tables["unknown"]
        self._memo: dict[str, float] = {}  # history + symbol -> cost

    @classmethod
    def from_texts(cls, texts) -> "CharModel":
        return cls(_build(texts))

    def cost(self, hist: str, sym: str) -> float:
        """-log P(sym | hist) for a history of two symbols and one symbol."""
        gram = hist + sym
        got = self._memo.get(gram)
        if got is not None:
            return got
        first, second, third = ord(hist[0]), ord(hist[1]), ord(sym)
        got = self._seen3.get((first << 42) | (second << 21) | third)
        if got is None:
            lower = self._seen2.get((second << 21) | third)
            if lower is None:
                lower = self._back2.get(hist[1], 0.0) + self._seen1.get(sym, self._unknown)
            got = self._back3.get((first << 21) | second, 0.0) + lower
        if len(self._memo) < 200_000:
            self._memo[gram] = got
        return got

    def advance(self, hist: str, text: str) -> tuple[float, str]:
        """The cost of `text` after `hist`, and the history after it."""
        total = 0.0
        cost = self.cost
        for ch in text:
            sym = ch if ch >= "\x80" else normalize(ch)
            if sym == hist[-1] and sym in "A0 ":
                continue
            total += cost(hist, sym)
            hist = hist[1] + sym
        return total, hist


def _count(texts) -> list[dict[str, int]]:
    """num[k][g]: for k = ORDER the count of the k-gram g; below it the number of distinct symbols seen before g
    (its continuation count, the statistic Kneser-Ney uses for lower orders)."""
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
    num: list[dict[str, int]] = [{} for _ in range(ORDER + 1)]
    num[ORDER] = top
    for k in range(ORDER, 1, -1):
        lower = num[k - 1]
        for g in num[k]:
            lower[g[1:]] = lower.get(g[1:], 0) + 1
    return num


def _build(texts) -> dict:
    """The backoff tables of the interpolated Kneser-Ney model of `texts` (see `CharModel`)."""
    num = _count(texts)
    d = _DISCOUNT
    total1 = sum(num[1].values())
    vocab = len(num[1]) + 1
    unknown_p = 0.5 / (total1 + 2.0 * vocab)
    probs: list[dict[str, float]] = [{} for _ in range(ORDER + 1)]
    gammas: list[dict[str, float]] = [{} for _ in range(ORDER + 1)]
    probs[1] = {s: (n + 0.5) / (total1 + 2.0 * vocab) for s, n in num[1].items()}

    def interpolated(g: str) -> float:
        k = len(g)
        if k == 1:
            return probs[1].get(g, unknown_p)
        p = probs[k].get(g)
        if p is not None:
            return p
        return gammas[k].get(g[:-1], 1.0) * interpolated(g[1:])

    for k in range(2, ORDER + 1):
        ctx: dict[str, list[int]] = {}
        for g, n in num[k].items():
            slot = ctx.setdefault(g[:-1], [0, 0])
            slot[0] += n
            slot[1] += 1
        gammas[k] = {h: d * types / total for h, (total, types) in ctx.items()}
        probs[k] = {g: max(n - d, 0.0) / ctx[g[:-1]][0] + gammas[k][g[:-1]] * interpolated(g[1:])
                    for g, n in num[k].items()}
    # The top order's n-grams seen once are left to the backoff: a third of the size, hardly a change in the costs.
    probs[ORDER] = {g: p for g, p in probs[ORDER].items() if num[ORDER][g] > _PRUNE}
    seen = [{g: -math.log(p) for g, p in table.items()} for table in probs]
    back = [{h: -math.log(w) for h, w in table.items()} for table in gammas]
    return {"seen1": seen[1], "back2": back[2], "seen2": _Table.pack(seen[2]), "seen3": _Table.pack(seen[3]),
            "back3": _Table.pack(back[3]), "unknown": -math.log(unknown_p)}


def _corpus_files() -> list[Path]:
    return sorted(CORPUS_DIR.glob("*.txt"))


class Mixture:
    """Two models mixed: P = (1 - weight) P_first + weight P_second (same interface as `CharModel`)."""

    __slots__ = ("_first", "_second", "_weight", "_memo")

    def __init__(self, first: CharModel, second: CharModel, weight: float) -> None:
        self._first, self._second, self._weight = first, second, weight
        self._memo: dict[str, float] = {}

    def cost(self, hist: str, sym: str) -> float:
        gram = hist + sym
        got = self._memo.get(gram)
        if got is None:
            got = -math.log((1.0 - self._weight) * math.exp(-self._first.cost(hist, sym))
                            + self._weight * math.exp(-self._second.cost(hist, sym)))
            if len(self._memo) < 200_000:
                self._memo[gram] = got
        return got

    advance = CharModel.advance


_MODEL: CharModel | None = None
_REFERENCE: tuple[Path, ...] = ()  # clean posts to learn from too (`--reference`), set before the audit
_MIXED: dict[tuple[Path, ...], "CharModel | Mixture"] = {}
_LOCK = threading.Lock()
REFERENCE_WEIGHT = 0.8  # share of the reference posts' model next to the bundled one (measured: 0.5 < 0.8)
REFERENCE_FULL = 200_000  # characters of reference text that earn the full weight; less earns a share of it
REFERENCE_MAX = 3_000_000  # characters read at most (about 50 posts): building takes seconds, not minutes


def set_reference(paths) -> None:
    """Clean posts (files or folders) whose wording the repair should learn too: a blog's own archive is the best
    model of the next post. Read only when a text needs repair; posts that are themselves mojibake are skipped."""
    global _REFERENCE
    _REFERENCE = tuple(Path(p) for p in paths)


def reference_texts(paths, limit: int | None = None) -> list[str]:
    """The readable, clean posts under `paths`, up to `limit` characters (REFERENCE_MAX by default). Taken in
    reverse path order, so that dated folders give their newest posts first, and so that the model never depends
    on the order a folder lists its files in."""
    limit = REFERENCE_MAX if limit is None else limit
    from .engine import discover  # the posts an audit of `paths` would read (same suffixes, same skipped folders)
    from .mojibake import looks_like_mojibake

    files, _ = discover(str(p) for p in paths)
    texts = []
    size = 0
    for file in sorted(files, reverse=True):
        if size >= limit:
            break
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if not looks_like_mojibake(text):
            texts.append(text)
            size += len(text)
    return texts


def model() -> "CharModel | Mixture":
    """The model of the bundled corpus, built once per corpus (and cached on disk); mixed with a model of the
    reference posts when `set_reference` named some."""
    base = _bundled()
    if not _REFERENCE:
        return base
    got = _MIXED.get(_REFERENCE)
    if got is None:
        with _LOCK:
            got = _MIXED.get(_REFERENCE)
            if got is None:
                texts = reference_texts(_REFERENCE)
                size = sum(len(t) for t in texts)
                got = base
                if size >= 1_000:  # less is nothing to learn from: the bundled model alone
                    weight = REFERENCE_WEIGHT * min(1.0, size / REFERENCE_FULL)
                    got = Mixture(base, _cached_model(texts), weight)
                _MIXED[_REFERENCE] = got
    return got


def _cached_model(texts: list[str]) -> CharModel:
    """A model of `texts`, kept in the cache folder (keyed by the texts and by this module's code)."""
    blobs = [t.encode("utf-8") for t in texts]
    digest = hashlib.sha256(b"\0".join([Path(__file__).read_bytes(), *blobs])).hexdigest()
    from .datafiles import cached

    # a few MB each: the bundled model and the reference sets in use are kept, older versions pruned
    return CharModel(cached("charlm", f"{_FORMAT}:{ORDER}:{_DISCOUNT}:{_PRUNE}:{digest}", lambda: _build(texts),
                            keep=6))


def _bundled() -> CharModel:
    """The model of the bundled corpus."""
    global _MODEL
    if _MODEL is None:
        with _LOCK:
            if _MODEL is None:
                _MODEL = _cached_model([f.read_text(encoding="utf-8") for f in _corpus_files()])
    return _MODEL
