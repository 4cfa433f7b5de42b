"""Mojibake recovery: detection, code-page guessing and byte-level repair (audit.mojibake).

Real posts are read in place from ../shared and corrupted here exactly the way seed 000 was damaged
(`text.encode("utf-8").decode(codec, errors="ignore").replace("\\u00ad", "")`); the recovery is compared line by line
with the original. The hand-written cases use sentences written for this file.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import ftfy
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit import mojibake
from audit.mojibake import LineRepair, Recovery, looks_like_mojibake, recover

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

CP1254_DROPPED = (0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E, 0xAD)
CP1252_DROPPED = (0x81, 0x8D, 0x8F, 0x90, 0x9D, 0xAD)

# Share of lines with non-ASCII text restored exactly, on the sample below. The target in the brief was 99%; some
# characters are identical at the byte level once a byte is gone (under cp1254, 与 E4 B8 8E, 不 E4 B8 8D and 中 E4 B8 AD
# all become "ä¸") and only context can choose. Measured on the whole dev corpus (benchmarks/encoding_recovery.py):
# 92.9% (cp1254) and 96.6% (cp1252) of lines, against 8-9% for ftfy alone; seed 000: all 74 of its lines. The floors
# leave a few points for variation between posts.
MIN_EXACT_LINES = {"cp1254": 0.89, "cp1252": 0.93}
MIN_SEED_000_LINES = 74
# Share of the original non-ASCII characters restored, over the same lines.
MIN_EXACT_CHARS = {"cp1254": 0.997, "cp1252": 0.998}


def corrupt(text: str, codec: str, strip_soft_hyphens: bool = True) -> str:
    broken = text.encode("utf-8").decode(codec, errors="ignore")
    return broken.replace("\u00ad", "") if strip_soft_hyphens else broken


def need_shared() -> Path:
    if not (SHARED / "seeds").is_dir():
        pytest.skip(f"{SHARED} is absent: the real-post mojibake tests read ../shared in place")
    return SHARED


def clean_posts() -> list[Path]:
    shared = need_shared()
    seeds = sorted((shared / "seeds").glob("00[1-4]_*.txt"))
    # A spread of dev posts of ordinary size keeps the suite fast (the benchmark covers the whole corpus).
    dev = [p for p in sorted((shared / "corpus" / "dev").rglob("*.md")) if p.stat().st_size < 60_000]
    return seeds[:2] + dev[::12]


def score(original: str, repaired: str) -> tuple[int, int, int, int]:
    """(lines with non-ASCII text, restored exactly, non-ASCII characters, restored characters)."""
    lines = exact = chars = good = 0
    for want, got in zip(original.split("\n"), repaired.split("\n"), strict=True):
        if want.isascii():
            continue
        lines += 1
        exact += want == got
        wanted = sum(1 for ch in want if ch >= "\x80")
        chars += wanted
        if len(want) == len(got):
            good += sum(1 for a, b in zip(want, got) if a >= "\x80" and a == b)
    return lines, exact, chars, good


# --------------------------------------------------------------------------------------------------------------
# Hand-written cases
# --------------------------------------------------------------------------------------------------------------

CLEAN_TEXTS = [
    "本文提出了一种基于扩散模型的说话人头像生成方法，实验表明其效果优于现有方法。",
    "We propose a diffusion-based talking head model. Results are state of the art.",
    "A café for naïve users — see Dubi´nski et al. – “quotes” and ‘single’ ones, 3×3 kernels, 5°C, µm, © 2024.",
    "混合文本：café、naïve 与 “引号” – 以及 Dubi´nski 等人的工作（2024）。",
    "Ελληνικά και русский текст «в кавычках» — no mojibake here.",
    "- **标题**: [PDF](http://arxiv.org/abs/2408.13891v1) ⚠️ 注意 🔴 ⭐️ 💗",
]


@pytest.mark.parametrize("text", CLEAN_TEXTS)
def test_clean_text_is_not_mojibake(text: str) -> None:
    assert not looks_like_mojibake(text)


@pytest.mark.parametrize("text", CLEAN_TEXTS)
def test_clean_text_comes_back_unchanged(text: str) -> None:
    result = recover(text)
    assert result == Recovery(text, None, (), ())


def test_clean_multiline_text_is_byte_for_byte_identical() -> None:
    text = "\n".join(CLEAN_TEXTS) + "\r\n\n尾行\n"
    assert recover(text).text == text


HAND_SENTENCES = [
    "我们提出了一种新的方法，用于从单目视频生成逼真的说话人头像。",
    "本文研究了基于扩散模型的语音驱动面部动画，实验结果表明该方法在唇形同步和图像质量方面均优于现有方法。",
    "⚠️ 注意：以下内容由大语言模型自动生成，仅供参考！",
    "- **作者**：张三、李四 [PDF](http://arxiv.org/abs/2408.13891v1) 方向最新论文已更新",
]


@pytest.mark.parametrize("codec", ["cp1254", "cp1252"])
@pytest.mark.parametrize("sentence", HAND_SENTENCES)
def test_short_sentence_is_recovered(sentence: str, codec: str) -> None:
    broken = corrupt(sentence, codec)
    assert broken != sentence
    assert looks_like_mojibake(broken)
    assert ftfy.fix_encoding(broken) != sentence  # a byte was lost: re-encoding alone cannot do it
    result = recover(broken)
    assert result.text == sentence
    assert result.codec in ("cp1252", "cp1254")
    assert len(result.lines) == 1
    repair = result.lines[0]
    assert isinstance(repair, LineRepair)
    assert (repair.line, repair.original, repair.repaired) == (1, broken, sentence)
    assert 0.0 <= repair.confidence <= 1.0


# "极" and "提" both lose their two continuation bytes under cp1254: only the context tells "极高的" from "提高的".
DEGREE_SENTENCES = [
    "该方法在长视频生成任务中表现出极高的稳定性。",
    "实验表明，该模型在低光照场景下仍能保持极高的重建精度。",
    "该框架在多个基准上取得了极高的准确率，并显著提高了推理速度。",
]


@pytest.mark.parametrize("sentence", DEGREE_SENTENCES, ids=["stability", "precision", "accuracy-and-speed"])
def test_degree_adverb_compounds_are_words(sentence: str) -> None:
    assert recover(corrupt(sentence, "cp1254")).text == sentence


def test_degree_compounds_are_added_only_where_the_dictionary_lacks_them() -> None:
    from audit.mojibake_model import COMPOUND_SHARE, DEGREE_ADVERBS, _degree_compounds

    raw = {"高": {"a": 50000}, "低": {"a": 12000}, "快": {"a": 20000}, "慢": {"a": 500}, "最高": {"a": 12430},
           "极快": {"d": 3}, "提高": {"v": 16882}}
    found = dict(_degree_compounds(raw))
    assert found["极高"] == int(50000 * COMPOUND_SHARE)
    assert found["较低"] == int(12000 * COMPOUND_SHARE)
    assert found["极快"] == int(20000 * COMPOUND_SHARE)  # listed, but only with a token count
    assert "最高" not in found  # listed with a real count
    assert not any(w.endswith("慢") for w in found)  # too rare an adjective
    assert not any(w.endswith("提高") for w in found)  # not an adjective
    assert len(found) == 3 * len(DEGREE_ADVERBS) - 1


def test_line_numbers_and_untouched_lines() -> None:
    original = "# 2024-08-28 更新\n\nPlain ASCII line with a [link](https://example.org).\n模型在多个数据集上取得了显著的提升。"
    broken = corrupt(original, "cp1254")
    result = recover(broken)
    assert result.text == original
    assert [r.line for r in result.lines] == [1, 4]
    assert result.text.count("\n") == broken.count("\n")


def test_nothing_dropped_is_left_to_plain_re_encoding() -> None:
    original = "本文研究了基于扩散模型的语音驱动面部动画，café “quotes” – 实验结果表明该方法均优于现有方法。"
    broken = original.encode("utf-8").decode("latin-1")  # latin-1 defines every byte: nothing is lost
    result = recover(broken)
    assert result.text == original
    assert result.codec == "latin-1"
    assert result.dropped_bytes == ()
    assert all(r.confidence == 1.0 for r in result.lines)


def test_import_is_cheap() -> None:
    code = "import sys, audit.mojibake; assert 'jieba' not in sys.modules, 'jieba imported at import time'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# --------------------------------------------------------------------------------------------------------------
# Real posts from ../shared, corrupted here
# --------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("codec", ["cp1254", "cp1252"])
def test_real_posts_are_restored(codec: str) -> None:
    posts = clean_posts()
    assert len(posts) >= 5
    totals = [0, 0, 0, 0]
    baseline = 0
    for path in posts:
        original = path.read_text(encoding="utf-8")
        assert not looks_like_mojibake(original), path.name
        broken = corrupt(original, codec)
        result = recover(broken)
        assert result.codec == codec, path.name
        assert result.dropped_bytes == (CP1254_DROPPED if codec == "cp1254" else CP1252_DROPPED)
        assert result.text.count("\n") == original.count("\n")
        assert all(0.0 <= r.confidence <= 1.0 for r in result.lines)
        for i, value in enumerate(score(original, result.text)):
            totals[i] += value
        baseline += score(original, "\n".join(ftfy.fix_encoding(line) for line in broken.split("\n")))[1]
    lines, exact, chars, good = totals
    assert exact / lines >= MIN_EXACT_LINES[codec], f"{exact}/{lines} lines restored exactly"
    assert good / chars >= MIN_EXACT_CHARS[codec], f"{good}/{chars} characters restored"
    assert exact > 5 * baseline  # ftfy alone restores few lines: every Chinese line lost bytes


def test_soft_hyphens_kept_means_0xad_not_dropped() -> None:
    path = clean_posts()[0]
    original = path.read_text(encoding="utf-8")
    result = recover(corrupt(original, "cp1254", strip_soft_hyphens=False))
    assert result.codec == "cp1254"
    assert 0xAD not in result.dropped_bytes
    lines, exact, _, _ = score(original, result.text)
    assert exact / lines >= MIN_EXACT_LINES["cp1254"]


def test_clean_posts_are_left_alone() -> None:
    for path in clean_posts():
        text = path.read_text(encoding="utf-8")
        assert recover(text).text == text


def test_seed_000_is_repaired() -> None:
    broken = (need_shared() / "seeds" / "000_f12beafcfe135f0c.txt").read_text(encoding="utf-8")
    assert looks_like_mojibake(broken)
    result = recover(broken)
    assert result.codec == "cp1254"
    assert result.dropped_bytes == CP1254_DROPPED
    lines = result.text.split("\n")
    assert len(lines) == len(broken.split("\n"))
    assert [n for n, line in enumerate(lines, 1) if looks_like_mojibake(line)] == []
    assert any(re.fullmatch(r"# \d{4}-\d{2}-\d{2} 更新", line) for line in lines)
    assert result.text.count("**[ChatPaperFree](") == broken.count("**[ChatPaperFree](") > 0
    assert sum(line.startswith("[PDF](") for line in lines) == sum(
        line.startswith("[PDF](") for line in broken.split("\n")) > 0
    assert len(result.lines) >= 70
    assert all(0.0 <= r.confidence <= 1.0 for r in result.lines)
    # Nothing left undecoded: every repaired line is valid Chinese/markdown, no code-page letters in CJK runs.
    assert not re.search(r"[\u4e00-\u9fff][åæçèéä][\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]", result.text)


def test_seed_000_against_its_true_original() -> None:
    """One of the dev posts, damaged the same way, gives exactly seed 000: that post is its original, so the repair
    of the real damaged post can be scored line by line (the issue's target: 99% of its 74 non-ASCII lines)."""
    shared = need_shared()
    broken = (shared / "seeds" / "000_f12beafcfe135f0c.txt").read_text(encoding="utf-8")
    originals = [p for p in sorted((shared / "corpus" / "dev").rglob("*.md"))
                 if corrupt(p.read_text(encoding="utf-8"), "cp1254") == broken]
    assert len(originals) == 1
    original = originals[0].read_text(encoding="utf-8")
    lines, exact, chars, good = score(original, recover(broken).text)
    assert lines == 74
    assert exact >= MIN_SEED_000_LINES, f"{exact}/{lines} lines of seed 000 restored exactly"
    assert good / chars >= 0.999


def test_model_cache_is_written_reused_and_survives_corruption(tmp_path, monkeypatch):
    import marshal

    import audit.mojibake_model as mm

    def content(model):
        return marshal.loads(model.dumps())

    monkeypatch.setenv("AUDIT_CACHE_DIR", str(tmp_path))
    path = mm.model_cache_path()
    assert path is not None and path.startswith(str(tmp_path))
    built = mm.cached_model()
    assert os.path.exists(path)
    reused = mm.cached_model()
    assert content(reused) == content(built)
    for word in ("与", "中", "模型", "神经辐射场", "数据集"):
        assert reused.lookup(word) == built.lookup(word) and built.senses(word)
    assert built.lookup("神经辐")[0] == () and built.lookup("神经辐")[1]  # a prefix, not a word
    assert built.lookup("与中不") is None
    with open(path, "wb") as fh:
        fh.write(b"not a model")
    rebuilt = mm.cached_model()  # a broken cache file is ignored, and rewritten
    assert content(rebuilt) == content(built)
    assert content(mm.cached_model()) == content(built)


def test_model_is_small_and_loads_fast(tmp_path):
    """The model loaded from the disk cache costs little memory and time in a fresh process (the whole audit run,
    parent and workers, must stay under 300 MB)."""
    code = (
        "import resource, time, audit.mojibake as m\n"
        "m._model()\n"  # builds the cache on first use
        "import audit.mojibake_model as mm\n"
        "mm._MODEL = None\n"
        "r0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "t = time.perf_counter(); m._model(); dt = time.perf_counter() - t\n"
        "r1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print((r1 - r0) / 1024, dt)\n"
    )
    env = dict(os.environ, AUDIT_CACHE_DIR=str(tmp_path))
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, env=env, capture_output=True)  # warm cache
    fresh = (
        "import resource, time, audit.mojibake as m\n"
        "r0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "t = time.perf_counter(); m._model(); dt = time.perf_counter() - t\n"
        "r1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print((r1 - r0) / 1024, dt)\n"
    )
    out = subprocess.run([sys.executable, "-c", fresh], check=True, cwd=ROOT, env=env, capture_output=True,
                         text=True).stdout.split()
    megabytes, seconds = float(out[0]), float(out[1])
    assert megabytes <= 40, f"model costs {megabytes:.1f} MB"
    assert seconds <= 0.3, f"model loads in {seconds:.2f} s"


def test_two_processes_on_a_cold_cache_build_the_model_once(tmp_path):
    """Building takes ~250 MB for a moment: the workers of a first run must not each build it at once."""
    import os
    import subprocess
    import sys

    if not os.path.exists("/proc/self/status"):
        pytest.skip("needs /proc to read a process's own peak memory")

    # VmHWM is this process's own peak; ru_maxrss would carry the peak of the (large) pytest process it came from
    code = ("from audit import mojibake_model as m; m.model(); "
            "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])")
    env = {"AUDIT_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    peaks = sorted(int(p.communicate()[0]) for p in procs)
    assert all(p.returncode == 0 for p in procs)
    assert peaks[0] < 120_000 < peaks[1], peaks  # KB: one built it, the other waited and read it from the cache


def _reference_looks_like_mojibake(text: str) -> bool:
    """The plain definition: finditer over the whole pattern (what the fast version must agree with)."""
    if text.isascii():
        return False
    short = 0
    for m in mojibake._pattern(mojibake.CODECS).finditer(text):
        if m.group("long"):
            return True
        short += 1
        if short >= 2:
            return True
    return False


_ALPHABET = "æ–¹³•å‘ÃÂ©éüαβγЖж中文与 ab1.，" + "".join(chr(c) for c in range(0x80, 0x100))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_quick_mojibake_test_agrees_with_the_plain_definition(text):
    assert mojibake.looks_like_mojibake(text) == _reference_looks_like_mojibake(text)
