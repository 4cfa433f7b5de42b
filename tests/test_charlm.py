"""The character model the mojibake recovery scores its candidates with (audit.charlm).

Hand-written sentences only, except the last test, which reads ../shared in place to check that the bundled corpus
holds none of its sentences (the corpus is written for the project, never copied).
"""
from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from audit import charlm
from audit.charlm import CharModel, history, normalize, normalize_text

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

TRAINING = [
    "在训练过程中，模型逐步学习了说话人的风格。",
    "在推理过程中，模型不需要额外的参考视频。",
    "与现有方法相比，本文方法在两个数据集上均取得了更好的结果。",
    "与基线模型相比，该方法不仅提高了精度，而且降低了计算开销。",
    "Transformer 模型在 LRS3 数据集上的词错误率为 2.1%。",
]


def test_latin_words_digits_and_spaces_are_folded() -> None:
    assert normalize("N") == normalize("e") == "A"
    assert normalize("3") == "0"
    assert normalize("中") == "中"
    assert normalize("，") == "，"
    assert normalize_text("在 LRS3 数据集上提升 12.5%") == "在 A0 数据集上提升 0.0%"
    assert history("") == "\n\n"
    assert history("基于 NeRF") == " A"
    assert history("过程中") == "程中"


def test_costs_are_a_probability_distribution() -> None:
    model = CharModel.from_texts(TRAINING)
    symbols = {normalize(ch) for text in TRAINING for ch in normalize_text(text)} | {"\n"}
    for hist in ("程中", "相比", "\n\n", "XY"):  # seen, seen, start of line, never seen
        total = sum(math.exp(-model.cost(hist, sym)) for sym in symbols)
        assert 0.5 < total <= 1.0 + 1e-5, (hist, total)
    # an unseen symbol costs more than any seen one, but is not impossible
    assert math.isfinite(model.cost("程中", "龘"))
    assert model.cost("程中", "龘") > max(model.cost("程中", sym) for sym in symbols)


def test_running_text_decides_between_look_alike_characters() -> None:
    """与, 不 and 中 are one byte apart in UTF-8; the model tells them apart from the neighbours."""
    model = CharModel.from_texts(TRAINING * 3)
    start = history("")

    def cost(text: str) -> float:
        return model.advance(start, text)[0]

    assert cost("在训练过程中，") < cost("在训练过程与，")
    assert cost("与现有方法相比") < cost("中现有方法相比")
    assert cost("不仅提高了精度") < cost("与仅提高了精度")


def test_advance_returns_the_history_after_the_text() -> None:
    model = CharModel.from_texts(TRAINING)
    total, hist = model.advance(history(""), "基于 NeRF 的")
    assert hist == " 的"
    assert total == pytest.approx(sum(model.cost(h, s) for h, s in [
        ("\n\n", "基"), ("\n基", "于"), ("基于", " "), ("于 ", "A"), (" A", " "), ("A ", "的")]))


def test_bundled_model_is_built_once_and_cached(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("AUDIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(charlm, "_MODEL", None)
    built = charlm.model()
    assert charlm.model() is built
    assert list((tmp_path / "charlm").glob("*.marshal")), "the tables were not cached"
    monkeypatch.setattr(charlm, "_MODEL", None)
    again = charlm.model()  # from the disk cache this time
    assert again is not built
    for hist, sym in [("过程", "中"), ("\n\n", "与"), ("相比", "，")]:
        assert again.cost(hist, sym) == built.cost(hist, sym)
    assert again.cost("过程", "中") < again.cost("过程", "与")


def test_bundled_corpus_is_large_and_clean() -> None:
    files = sorted(charlm.CORPUS_DIR.glob("*.txt"))
    assert len(files) >= 16
    text = "".join(f.read_text(encoding="utf-8") for f in files)
    assert sum("\u4e00" <= ch <= "\u9fff" for ch in text) > 500_000
    assert "\ufffd" not in text
    from audit.mojibake import looks_like_mojibake

    assert not looks_like_mojibake(text)


_SENTENCE_END = re.compile(r"[。！？；\n]")


def _sentences(text: str) -> set[str]:
    out = set()
    for piece in _SENTENCE_END.split(text):
        piece = re.sub(r"\s+", "", piece)
        if sum("\u4e00" <= ch <= "\u9fff" for ch in piece) >= 16:  # shorter ones (an institution) can match by chance
            out.add(piece)
    return out


def test_bundled_corpus_copies_no_sentence_of_the_real_posts() -> None:
    if not (SHARED / "corpus").is_dir():
        pytest.skip(f"{SHARED} is absent: this check compares the corpus with the real posts in place")
    real: set[str] = set()
    for path in list((SHARED / "seeds").glob("*.txt")) + list((SHARED / "corpus").rglob("*.md")):
        real |= _sentences(path.read_text(encoding="utf-8", errors="replace"))
    assert len(real) > 10_000
    ours = set()
    for path in charlm.CORPUS_DIR.glob("*.txt"):
        ours |= _sentences(path.read_text(encoding="utf-8"))
    shared = sorted(ours & real)
    assert not shared, f"{len(shared)} sentences of the real posts in the corpus, e.g. {shared[:3]}"


def test_reference_texts_skip_mojibake_and_stop_at_the_limit(tmp_path) -> None:
    clean = "在训练过程中，模型逐步学习了说话人的风格。\n"
    for name in ("2024-01-01.md", "2024-02-01.md", "2024-03-01.md"):
        (tmp_path / name).write_text(clean * 10, encoding="utf-8")
    (tmp_path / "2024-04-01.md").write_text(clean.encode("utf-8").decode("cp1254", errors="ignore"), encoding="utf-8")
    (tmp_path / "notes.bin").write_bytes(b"\xff\xfe")  # neither a post nor text: ignored
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "old.md").write_text(clean, encoding="utf-8")  # folders an audit skips are skipped too
    assert len(charlm.reference_texts([tmp_path])) == 3  # the mojibake post is skipped
    assert len(charlm.reference_texts([tmp_path], limit=len(clean) * 15)) == 2  # newest first, then the limit
