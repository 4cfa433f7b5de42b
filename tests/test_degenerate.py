"""Degenerate generation (DEG001-DEG005): hand-written cases, then real entries checked by eye."""
from __future__ import annotations

import json

import pytest

from audit.config import Config
from audit.engine import AuditOptions, audit_file, audit_text
from audit.rules.examples import DEFAULTS, SECTION_LABELS, build_post

from .conftest import DEV, EXAMPLES, SHARED, dev_post, need_shared, seed

CODES = ("DEG001", "DEG002", "DEG003", "DEG004", "DEG005")
OPTIONS = AuditOptions(config=Config(select=("degenerate",)))


def findings(**parts):
    report = audit_text(build_post(**parts), "<case>", OPTIONS)
    assert not report.notes, report.notes
    return [f for f in report.all_findings() if f.category == "degenerate"]


def codes(**parts) -> set[str]:
    return {f.rule for f in findings(**parts)}


def digest(**override) -> str:
    parts = {**DEFAULTS, **override}
    return "\n\n".join(f"{n}. {label}: {parts[key]}" for n, (key, label) in enumerate(SECTION_LABELS, 1))


# Long, varied, punctuated prose: nothing degenerate about it, only its length.
VARIED = "".join(f"第{i}组实验在分辨率{i * 16}下评估模型，峰值信噪比提高了{i * 3}分贝。" for i in range(1, 100))
# A hundred-plus characters of clichés without a single punctuation mark.
BREATHLESS = ("本研究对于推动数字人技术的发展具有十分重要的理论意义和实践价值能够为虚拟主播在线教育和远程会议等"
              "多种应用场景提供更加逼真自然的交互体验同时也为后续研究者进一步探索音频驱动的表情生成问题指明了方向"
              "并奠定了坚实的技术基础")
ENGLISH_RUNAWAY = " ".join(f"stage{i} refines the motion field" for i in range(30))
REUSED = "(3) 研究方法：提出NovaTalk，用潜在扩散模型生成面部运动，并引入音频编码器逐帧对齐唇形与语音节奏。"

BAD = [
    ("clause loop in the summary", {"digest_summary": "(1) 研究背景：说话人视频。\n(2) 方法："
                                                      + "模型能够保持身份一致，" * 10}, "DEG001"),
    ("unpunctuated loop", {"methods": "(1) 运动" + "嘴唇张开闭合" * 30}, "DEG001"),
    ("loop in key takeaways", {"key_takeaways": "1. 提出NovaTalk。\n" + "2. 表情更加生动自然。\n" * 9}, "DEG001"),
    ("runaway conclusion", {"conclusion": "(1) 意义：提升了表现力。" + BREATHLESS + "。"}, "DEG002"),
    ("runaway in the urls section", {"urls": "论文链接：https://arxiv.org/abs/2411.90001 ，" + BREATHLESS}, "DEG002"),
    ("runaway with spaces inside", {"methods": "(1) " + BREATHLESS[:70] + " " + BREATHLESS[70:] + "。"}, "DEG002"),
    ("english runaway", {"methods": "(1) " + ENGLISH_RUNAWAY + "."}, "DEG002"),
    ("oversized summary section", {"digest_summary": VARIED}, "DEG003"),
    ("conclusion stops on 并将", {"conclusion": "(1) 意义：提升了表现力。\n(2) 创新点：扩散模型；性能：误差降低；"
                                                   "工作量：作者在两个数据集上完成实验并将"}, "DEG004"),
    ("last sentence without full stop", {"methods": "(1) 使用潜在扩散模型。\n(2) 音频编码器逐帧提取语音特征并预测唇形"
                                                    "参数。随后渲染模块把唇形参数与头部姿态结合起来生成最终的说话人"
                                                    "视频画面"}, "DEG004"),
    ("line ends on a comma", {"digest_summary": "(1) 研究背景：音频驱动的说话人头部生成。\n(2) 过去的方法：基于"
                                                "关键点的方法无法表达细微的表情变化，"}, "DEG004"),
    ("item cut before the next item", {"digest_summary": "(1) 研究背景：音频驱动的说话人头部生成在虚拟主播中的"
                                                         "需求持续增长，而现有方法生成的表情较为\n(2) 过去的方法："
                                                         "表情单一。"}, "DEG004"),
    ("digest written twice", {"digest": digest() + "\n\n" + digest()}, "DEG005"),
    ("identical long sections", {"methods": VARIED[:300], "conclusion": VARIED[:300]}, "DEG005"),
]

GOOD = [
    ("default post", {}),
    ("keywords and urls without full stops", {"keywords": "说话人头部生成、扩散模型、唇形同步、音频驱动、数字人技术",
                                              "urls": "https://arxiv.org/abs/2411.90001 , Github: None"}),
    ("title-like one-line summary", {"summary": "基于潜在扩散模型和音频编码器的表现力说话人头部生成方法研究"}),
    ("list items without full stops", {"methods": "(1) 表情库：从参考视频中提取表情并存入表情库以备检索\n"
                                                  "(2) 合成：将调节后的表情与唇部运动结合生成最终的说话人视频"}),
    ("long but ordinary methods", {"methods": VARIED[:900]}),
    ("method name in every takeaway", {"key_takeaways": "\n".join(f"{i}. NovaTalk的第{i}个特点。" for i in range(1, 8))}),
    ("one paragraph reused in methods", {"digest_summary": "(1) 研究背景：说话人生成。\n" + REUSED,
                                         "methods": REUSED + "\n(2) 训练：在HDTF上训练。"}),
    ("line ending in a colon before a list", {"methods": "(1) 为了保证生成质量，本文设计了以下三个相互配合的模块，包括：\n"
                                                         "- 音频编码器\n- 运动生成器\n- 渲染器"}),
    ("sentences ending in 目的 and 参与", {"conclusion": "(1) 意义：通过大量实验本文最终达到了提升表现力的目的\n"
                                                        "(2) 工作量：共有二十五名来自不同高校和公司的志愿者参与"}),
    ("是…的 sentence without full stop", {"digest_summary": "(1) 研究背景：音频驱动的说话人生成。\n(2) 过去的方法："
                                                          "基于关键点的这些方法在大角度头部转动时是不够稳定的\n"
                                                          "(3) 研究方法：提出NovaTalk。"}),
    ("english digest", {"methods": "(1) A latent diffusion model generates facial motion from audio. (2) An audio "
                                   "encoder aligns lip shapes with phonemes, and a renderer produces 25 frames per "
                                   "second."}),
    ("numbers and a closing bracket", {"digest_summary": "(4) 任务与性能：在HDTF数据集上的唇形同步误差从8.2降至7.1（降低12.5%）"}),
]


@pytest.mark.parametrize("name,parts,code", BAD, ids=[c[0] for c in BAD])
def test_bad_cases_fire(name, parts, code):
    assert code in codes(**parts)


@pytest.mark.parametrize("name,parts", GOOD, ids=[c[0] for c in GOOD])
def test_good_cases_do_not_fire(name, parts):
    assert codes(**parts) == set()


def test_one_finding_per_section():
    """A loop is not also reported as runaway or oversized, nor a runaway as cut off."""
    found = findings(conclusion="(1) 意义：" + "该方法能够生成更加自然的说话人视频，" * 200 + "并与")
    assert [f.rule for f in found] == ["DEG001"]
    found = findings(digest_summary="(1) 背景：说话人生成。" + BREATHLESS + "并与")
    assert [f.rule for f in found] == ["DEG002"]


def test_findings_point_at_the_text():
    post = build_post(conclusion="(1) 意义：提升了表现力。\n(2) 工作量：作者邀请了插画师参与评估，并与基于栅格的")
    report = audit_text(post, "<case>", OPTIONS)
    (f,) = report.all_findings()
    assert f.rule == "DEG004" and f.severity.value == "warning"
    assert post.split("\n")[f.line - 1].endswith("并与基于栅格的")
    assert f.excerpt.endswith("并与基于栅格的") and "并与基于栅格的" in f.message
    post = build_post(urls="链接：" + BREATHLESS)
    (f,) = audit_text(post, "<case>", OPTIONS).all_findings()
    assert f.rule == "DEG002" and f.excerpt.startswith(BREATHLESS[:20]) and "Urls" in f.message


# ---------------------------------------------------------------------------------------------------------------
# Real posts (read in place from ../shared)


def audit_real(path):
    report = audit_file(str(path), OPTIONS)
    assert not report.notes, report.notes
    return report


def deg_codes(report, index: int) -> set[str]:
    return {f.rule for f in report.papers[index - 1].findings if f.category == "degenerate"}


def test_kmtalk_summary_runs_away():
    path = seed("002_")
    report = audit_real(path)
    paper = next(p for p in report.papers if p.title.startswith("KMTalk"))
    (f,) = [f for f in paper.findings if f.category == "degenerate"]
    assert f.rule == "DEG002" and "section 6" in f.message
    line = path.read_text(encoding="utf-8").split("\n")[f.line - 1]
    assert f.excerpt[:20] in line


def test_other_seeds():
    for prefix in ("000_", "003_", "004_"):
        report = audit_real(seed(prefix))
        assert not [f for f in report.all_findings() if f.category == "degenerate"], prefix
    # 001 #6: the methods section turns into a 500-character unpunctuated paragraph.
    report = audit_real(seed("001_"))
    assert {p.index for p in report.papers if deg_codes(report, p.index)} == {6}


def labelled():
    need_shared()
    return json.loads((SHARED / "labels" / "dev-entries.json").read_text(encoding="utf-8"))


def test_labelled_entries():
    """Every labelled positive fires; no labelled negative does (precision on what the labellers saw)."""
    by_post: dict[str, list] = {}
    for e in labelled():
        by_post.setdefault(e["post"], []).append(e)
    wrong = []
    for post, entries in by_post.items():
        report = audit_real(DEV / post)
        for e in entries:
            fired = bool(deg_codes(report, e["index"]))
            if fired != e["labels"]["degenerate"]:
                wrong.append((e["id"], fired))
    assert wrong == []


@pytest.mark.parametrize("post,index,code", [
    ("2024-05-06/NeRF.md", 1, "DEG004"),             # methods copied from the paper, cut at "(LL1, …, HH1)，"
    ("2024-09-30/3DGS.md", 8, "DEG002"),             # section 5 is thousands of characters of filler
    ("2024-07-26/3DGS.md", 14, "DEG002"),            # runaway summary, then an apology
    ("2024-10-12/3DGS.md", 3, "DEG002"),             # the Title section runs on for 4,000 characters
])
def test_real_entries_fire(post, index, code):
    assert code in deg_codes(audit_real(dev_post(post)), index)


@pytest.mark.parametrize("post,index,quiet", [
    ("2024-02-09/NeRF.md", 3, CODES),           # item (3) repeats items (1)-(2): a copy, not a loop
    ("2024-02-09/NeRF.md", 6, CODES),           # innovation and performance lists repeat sentences 2-3 times
    ("2024-04-06/元宇宙_虚拟人.md", 6, CODES),   # "包括：" before a list is not a cut-off
    ("2024-05-28/3DGS.md", 2, CODES),           # last item ends without a full stop but is complete
    ("2024-01-30/3DGS.md", 5, CODES),           # methods repeat summary item (3): normal for this generator
    ("2024-08-23/NeRF.md", 6, CODES),           # a long Urls section of chatter holding the summary: not runaway
    ("2024-09-30/NeRF.md", 10, ("DEG004",)),    # summary's closing sentence lacks its full stop but is complete
])
def test_real_entries_quiet(post, index, quiet):
    assert deg_codes(audit_real(dev_post(post)), index) & set(quiet) == set()


def test_example_post():
    report = audit_real(EXAMPLES / "degenerate.md")
    assert deg_codes(report, 1) == {"DEG001"}
    assert deg_codes(report, 2) == {"DEG004"}
    for index in (3, 4, 5):
        assert deg_codes(report, index) == set(), index
    for name in ("clean.md", "facts.md", "identity.md", "structure.md", "template-leaks.md"):
        assert not [f for f in audit_real(EXAMPLES / name).all_findings() if f.category == "degenerate"], name
