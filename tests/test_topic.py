"""Topic rule (TOP001, off-topic): hand-written papers in and out of a post's topic, the fast term matcher, the
topic found from the front matter, user topics from the config, and real dev entries checked by reading them."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from audit.checks import topic as top
from audit.config import Config
from audit.engine import AuditOptions, audit_file, audit_text
from audit.gazetteer import TopicTerms
from audit.metadata.records import ArxivAuthor, ArxivRecord
from audit.parse import parse_post
from audit.rules.examples import build_post

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def need_shared() -> None:
    if not (SHARED / "corpus" / "dev").is_dir():
        pytest.skip("…/shared not found: real-post tests need ../shared beside the project")


@pytest.fixture(scope="module")
def terms():
    return TopicTerms.load()


def findings(text: str, metadata=None):
    report = audit_text(text, "<test>", AuditOptions(config=Config(select=("TOP",)), metadata=metadata or {}))
    assert not report.notes, report.notes
    return report.all_findings()


# Generated parts that say nothing about any topic, so that only the header decides.
NEUTRAL = {"summary": "提出一种新方法。", "key_takeaways": "1. 方法有效。", "keywords": "方法、实验",
           "title": "一种新方法", "digest_summary": "(1) 背景。", "methods": "(1) 方法。", "conclusion": "(1) 结论。"}

SPEECH = ("Recognising overlapped speech from several talkers is hard for automatic speech recognition. We prompt a "
          "pretrained recogniser with speaker cues and decode each talker separately, lowering the word error rate "
          "by 18% on two meeting corpora.")


def paper(title: str, abstract: str, front: str = "Talking Head Generation", **parts) -> str:
    return build_post(**{**NEUTRAL, "front_title": front, "header_title": title, "abstract": abstract, **parts})


# ---------------------------------------------------------------------------------------------------------------
# Hand-written cases


@pytest.mark.parametrize("front, title, abstract", [
    ("Talking Head Generation", "Prompted Recognition of Overlapped Multi-Talker Speech", SPEECH),
    ("Talking Head Generation", "CLIP Speaks Up: Open-Set Domain Adaptation with Prompt Ensembles",
     "Open-set domain adaptation transfers a classifier to a target domain that contains unknown classes. We use "
     "CLIP text prompts to separate known from unknown samples and improve accuracy on three benchmarks by 4%."),
    ("NeRF", "A Compact GaN Transistor Model for Power Converters",
     "Gallium nitride transistors switch faster than silicon. We fit a compact model of a GaN device to measured "
     "switching curves and size the gate driver of a 48 V converter with less than 3% error."),
    ("医学图像", "Text-to-CAD: Generating Parametric Parts from Drawings",
     "We translate engineering drawings into parametric CAD programs with a fine-tuned language model, producing "
     "valid parts for 92% of a new benchmark of mechanical components."),
])
def test_off_topic_papers_fire(front, title, abstract):
    [f] = findings(paper(title, abstract, front))
    assert f.rule == "TOP001" and f.category == "off-topic" and f.severity.value == "warning"
    assert f.excerpt == title and front in f.message


@pytest.mark.parametrize("front, title, abstract", [
    # adjacent work stays on-topic
    ("Talking Head Generation", "Listening Heads: Reactive Faces for Dyadic Conversation",
     "We generate the facial reactions of a listener in a dyadic conversation from the speaker's audio and video, "
     "with a diffusion model over 3DMM coefficients, and show natural head motion in a user study."),
    ("Talking Head Generation", "Audio-Driven 3D Gaussian Head Avatars",
     "We drive a 3D Gaussian head avatar from speech audio; a small transformer predicts expression codes of a "
     "parametric face model and the Gaussians follow the mesh, rendering 60 frames per second."),
    ("NeRF", "Fast Surface Reconstruction from Sparse Views",
     "We reconstruct watertight surfaces from three input images with a signed distance field learned from a "
     "feature volume, halving the chamfer distance of previous sparse-view methods on two benchmarks."),
    ("NeRF", "SplatNav: Robot Navigation in Gaussian Splatting Maps",
     "A robot plans collision-free paths in a map made of 3D Gaussians, using their densities as an occupancy "
     "measure; flights in a cluttered lab succeed in 49 of 50 trials."),
    ("Diffusion Models", "Image Restoration with Score Priors",
     "A score-based prior solves blind image restoration without paired data; it removes rain, haze and noise and "
     "outperforms supervised networks on five benchmarks."),
    ("医学图像", "Lesion Segmentation in Low-Dose CT",
     "We segment liver lesions in low-dose computed tomography with a semi-supervised network that learns from "
     "two hundred labelled scans and improves the Dice score by six points."),
])
def test_adjacent_work_is_on_topic(front, title, abstract):
    assert findings(paper(title, abstract, front)) == []


def test_unknown_topic_short_abstract_and_generated_terms_keep_it_quiet():
    assert findings(paper("Prompted Recognition of Overlapped Speech", SPEECH, "Quantum Robotics")) == []
    assert findings(paper("Prompted Recognition of Overlapped Speech", "Speech recognition for meetings.")) == []
    assert findings(paper("Prompted Recognition of Overlapped Speech", SPEECH, summary="一种唇形同步方法。")) == []
    assert findings(paper("Prompted Recognition of Overlapped Speech", SPEECH, keywords="说话人头像、语音")) == []
    # "说话人" alone is a speaker, not a talking head
    assert len(findings(paper("Prompted Recognition of Overlapped Speech", SPEECH, summary="多说话人语音识别。"))) == 1


def test_without_a_header_title_only_arxiv_can_tell():
    text = paper("Prompted Recognition of Overlapped Speech", SPEECH, header_title=None)
    assert findings(text) == []
    rec = record("2411.90001", "Prompted Recognition of Overlapped Speech", SPEECH, ("eess.AS",))
    [f] = findings(text, {"2411.90001": rec})
    assert f.line == parse_post(text).entries[0].line


def record(arxiv_id: str, title: str, summary: str, categories: tuple[str, ...]) -> ArxivRecord:
    when = datetime(2411, 1, 1, tzinfo=timezone.utc)
    return ArxivRecord(arxiv_id, 1, title, (ArxivAuthor("Lena Park"),), summary, None, None, categories[0],
                       categories, when, when, False, when, "cache")


def test_arxiv_metadata_counts_and_names_categories():
    text = paper("Prompted Recognition of Overlapped Speech", SPEECH)
    [f] = findings(text, {"2411.90001": record("2411.90001", "Prompted Recognition of Overlapped Speech", SPEECH,
                                               ("eess.AS", "cs.CL"))})
    assert "eess.AS, cs.CL" in f.message and "outside" not in f.message   # eess.AS is usual for the topic
    [f] = findings(text, {"2411.90001": record("2411.90001", "Prompted Recognition", SPEECH, ("cs.CL",))})
    assert "outside the topic's usual categories" in f.message
    # arXiv's abstract can show the paper is on-topic when the header's is short
    on = record("2411.90001", "Lip-Synced Talking Heads", "We animate talking head videos " + "x " * 80, ("cs.CV",))
    assert findings(text, {"2411.90001": on}) == []


# ---------------------------------------------------------------------------------------------------------------
# The term matcher and the post's topic


@pytest.mark.parametrize("text", [
    "lip-sync and Lip Sync", "LIPSYNC", "talking-heads", "Talking faces", "a NeRF-based method",
    "radiance fields", "3D Gaussian splatting", "co-speech gestures", "no term here", "speaker diarisation",
    "gaussian", "3dgs and 3D-GS", "扩散模型生成", "说话人头像", "talkinghead", "audio-visual speech",
])
def test_matcher_agrees_with_topic_terms(terms, text):
    for t in terms:
        assert bool(top.matcher(t).find(text)) == bool(terms.matches(t, text)), (t.id, text)


def test_post_topic_from_front_matter(terms):
    assert top.post_topic(parse_post(build_post(front_title="NeRF")), terms).id == "nerf"
    assert top.post_topic(parse_post(build_post(front_title="元宇宙/虚拟人")), terms).id == "metaverse"
    assert top.post_topic(parse_post(build_post(front_title="Quantum Robotics")), terms) is None
    raw = "---\ntitle: 每日论文\ntags:\n  - Paper\n  - 3DGS\n---\n" + build_post().partition("---\n\n")[2]
    assert top.post_topic(parse_post(raw), terms).id == "3dgs"


USER_TOPICS = """topics:
  - id: quantum-robotics
    names: [Quantum Robotics]
    terms_en: [robot*, qubit*]
"""


def test_user_topics_from_config(tmp_path):
    (tmp_path / "audit.toml").write_text('topics = ["my-topics.yaml"]\nselect = ["TOP"]\n', encoding="utf-8")
    (tmp_path / "my-topics.yaml").write_text(USER_TOPICS, encoding="utf-8")
    (tmp_path / "off.md").write_text(paper("Prompted Recognition of Overlapped Speech", SPEECH, "Quantum Robotics"),
                                     encoding="utf-8")
    (tmp_path / "on.md").write_text(paper("Qubit Control for Robot Arms", SPEECH, "Quantum Robotics"),
                                    encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "audit", str(tmp_path), "--format", "json"], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path)
    doc = json.loads(out.stdout)
    got = {Path(p["path"]).name: [f["rule"] for pa in p["papers"] for f in pa["findings"]] for p in doc["posts"]}
    assert got == {"off.md": ["TOP001"], "on.md": []}


# ---------------------------------------------------------------------------------------------------------------
# Real posts


@pytest.fixture(scope="module")
def dev():
    need_shared()
    cache: dict = {}

    def get(rel: str):
        if rel not in cache:
            cache[rel] = audit_file(str(SHARED / "corpus" / "dev" / rel), AuditOptions(config=Config(select=("TOP",))))
        return cache[rel]
    return get


def flagged(report, index: int) -> bool:
    return any(f.rule == "TOP001" for f in report.papers[index - 1].findings)


def test_labelled_entries(dev):
    """Every labelled off-topic entry is found, and no entry labelled on-topic is flagged."""
    labels = json.loads((SHARED / "labels" / "dev-entries.json").read_text(encoding="utf-8"))
    for lab in labels:
        assert flagged(dev(lab["post"]), lab["index"]) == lab["labels"]["off-topic"], (lab["id"], lab["post"])


@pytest.mark.parametrize("rel, index, expected", [
    ("2024-09-07/Talking Head Generation.md", 7, True),    # COSMo: "CLIP Talks" domain adaptation
    ("2024-09-27/Talking Head Generation.md", 4, True),    # multi-talker speech recognition
    ("2024-09-24/NeRF.md", 7, True),                        # GaN semiconductor process modelling
    ("2024-11-27/医学图像.md", 37, True),                   # CAD generation with an MLLM
    ("2024-09-24/NeRF.md", 1, False),                       # NeRF-based talking face: adjacent, on-topic
    ("2024-04-06/Talking Head Generation.md", 2, False),    # talking faces from identity features
    ("2024-11-27/医学图像.md", 29, False),                  # interactive medical image segmentation
    ("2024-11-27/医学图像.md", 16, False),                  # segmentation review; the digest speaks of medicine
    ("2024-08-23/NeRF.md", 11, False),                      # CT reconstruction from X-rays: 3D reconstruction
])
def test_real_entries(dev, rel, index, expected):
    assert flagged(dev(rel), index) == expected
