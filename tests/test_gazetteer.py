"""Tests of the institution gazetteer and the topic vocabularies (audit/gazetteer.py, rules/*.yaml)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
import yaml

from audit.gazetteer import (
    AffiliationGazetteer,
    GazetteerError,
    Mention,
    TopicTerms,
    fold,
    rules_dir,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
needs_shared = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"shared material not found at {SHARED} (only present in the development checkout)"
)


@pytest.fixture(scope="module")
def gaz() -> AffiliationGazetteer:
    return AffiliationGazetteer.load()


@pytest.fixture(scope="module")
def topics() -> TopicTerms:
    return TopicTerms.load()


def ids(mentions: list[Mention]) -> list[str | None]:
    return [m.institution.id if m.institution else None for m in mentions]


# ------------------------------------------------------------------------------------------------------------
# institutions.yaml
# ------------------------------------------------------------------------------------------------------------


def test_rules_dir_holds_both_files():
    assert (rules_dir() / "institutions.yaml").is_file()
    assert (rules_dir() / "topics.yaml").is_file()


def test_institutions_file_schema():
    data = yaml.safe_load((rules_dir() / "institutions.yaml").read_text(encoding="utf-8"))
    entries = data["institutions"]
    assert len(entries) >= 300
    keys = {"id", "en", "zh", "aliases", "domains", "github", "country", "parent"}
    seen: set[str] = set()
    for e in entries:
        assert set(e) == keys, e.get("id")
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", e["id"]), e["id"]
        assert e["id"] not in seen, f"duplicate id {e['id']}"
        seen.add(e["id"])
        for k in ("en", "zh", "aliases", "domains", "github"):
            assert isinstance(e[k], list) and all(isinstance(x, str) and x.strip() == x and x for x in e[k]), (e["id"], k)
        assert e["en"] or e["zh"], e["id"]
        assert e["country"] is None or re.fullmatch(r"[A-Z]{2}", e["country"]), e["id"]
        for d in e["domains"]:
            assert re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", d), (e["id"], d)
        for z in e["zh"]:
            assert re.search(r"[\u4e00-\u9fff]", z), (e["id"], z)
    for e in entries:
        assert e["parent"] is None or e["parent"] in seen, (e["id"], e["parent"])
    for item in data.get("ambiguous", []):
        assert len(item["ids"]) >= 2 and all(i in seen for i in item["ids"]), item


def test_no_name_denotes_two_institutions_unless_declared(gaz):
    assert gaz.conflicts() == {}


def test_declared_ambiguous_names_really_belong_to_each_institution(gaz):
    data = yaml.safe_load((rules_dir() / "institutions.yaml").read_text(encoding="utf-8"))
    for item in data["ambiguous"]:
        found = {i.id for i in gaz.candidates(item["name"])}
        assert found == set(item["ids"]), item


def test_mistranslations_are_not_in_the_file():
    text = (rules_dir() / "institutions.yaml").read_text(encoding="utf-8")
    assert "中国香港大学" not in text


def test_every_institution_is_found_by_its_own_names(gaz):
    for inst in gaz:
        for name in inst.zh + inst.en:
            found = gaz.candidates(name)
            assert inst in found, (inst.id, name)
            hits = gaz.find(f"（{name}）")
            assert any(m.institution == inst or inst.id in m.ambiguous for m in hits) or any(
                m.institution and gaz.same_or_related(m.institution, inst) for m in hits
            ), (inst.id, name, hits)


@pytest.mark.parametrize(
    ("a", "b", "id_a", "id_b"),
    [
        ("香港中文大学", "香港大学", "cuhk", "hku"),
        ("CUHK", "HKU", "cuhk", "hku"),
        ("香港科技大学", "香港理工大学", "hkust", "polyu"),
        ("香港城市大学", "香港浸会大学", "cityu", "hkbu"),
        ("The Chinese University of Hong Kong", "The University of Hong Kong", "cuhk", "hku"),
        ("Hong Kong University of Science and Technology", "Hong Kong Polytechnic University", "hkust", "polyu"),
        ("中国科学技术大学", "中国科学院大学", "ustc", "ucas"),
        ("中国科学院大学", "中国科学院", "ucas", "cas"),
        ("USTC", "UCAS", "ustc", "ucas"),
        ("南京大学", "南京理工大学", "nju", "njust"),
        ("南京大学", "南开大学", "nju", "nankai"),
        ("北京大学", "北京理工大学", "pku", "bit"),
        ("北京航空航天大学", "北京邮电大学", "buaa", "bupt"),
        ("北京交通大学", "北京师范大学", "bjtu", "bnu"),
        ("上海交通大学", "西安交通大学", "sjtu", "xjtu"),
        ("清华大学", "台湾清华大学", "tsinghua", "nthu"),
        ("Tsinghua University", "National Tsing Hua University", "tsinghua", "nthu"),
        ("浙江大学", "浙江工业大学", "zju", "zjut"),
        ("KAIST", "POSTECH", "kaist", "postech"),
        ("南洋理工大学", "台湾大学", "ntu", "ntu-tw"),
        ("Nanyang Technological University", "National Taiwan University", "ntu", "ntu-tw"),
        ("金斯顿大学", "King's College London", "kingston", "kcl"),
        ("哥伦比亚大学", "不列颠哥伦比亚大学", "columbia", "ubc"),
        ("西安电子科技大学", "电子科技大学", "xidian", "uestc"),
        ("香港中文大学（深圳）", "香港中文大学", "cuhk-sz", "cuhk"),
    ],
)
def test_confusable_names_resolve_apart(gaz, a, b, id_a, id_b):
    ia, ib = gaz.lookup(a), gaz.lookup(b)
    assert ia is not None and ia.id == id_a
    assert ib is not None and ib.id == id_b


def test_non_institution_resolves_to_nothing(gaz):
    assert gaz.lookup("中国香港大学") is None
    assert gaz.candidates("中国香港大学") == ()
    (m,) = gaz.find("中国香港大学")
    assert m.institution is None and set(m.ambiguous) == {"cuhk", "hku"}
    assert (m.start, m.end) == (0, 6)


def test_lookup_normalises(gaz):
    assert gaz.lookup("香港中文大學").id == "cuhk"  # traditional characters
    assert gaz.lookup("清華大學").id == "tsinghua"
    assert gaz.lookup("  the chinese university of hong kong ").id == "cuhk"
    assert gaz.lookup("University of Illinois Urbana Champaign").id == "uiuc"
    assert gaz.lookup("Xi’an Jiaotong University").id == "xjtu"
    assert gaz.lookup("ETH Zurich").id == gaz.lookup("ETH Zürich").id == "eth"
    assert gaz.lookup("University of Oxford, UK").id == "oxford"
    assert gaz.lookup("香港科技大学(广州)").id == "hkust-gz"
    assert gaz.lookup("Univeristy of Toronto").id == "utoronto"  # one typo in a long name
    assert gaz.lookup("美国加利福尼亚大学圣克鲁兹分校").id == "ucsc"  # a leading country
    assert gaz.lookup("中国 香港大学") is None
    assert gaz.lookup("Some Unknown Institute of Nothing") is None
    assert gaz.lookup("") is None


def test_ambiguous_abbreviation(gaz):
    assert gaz.lookup("NTU") is None
    assert {i.id for i in gaz.candidates("NTU")} == {"ntu", "ntu-tw"}
    (m,) = gaz.find("NTU")
    assert m.institution is None and m.ambiguous == ("ntu", "ntu-tw")
    sg = [m for m in gaz.find("School of EEE, NTU (Singapore)") if m.text == "NTU"]
    assert sg[0].institution.id == "ntu" and sg[0].ambiguous == ("ntu", "ntu-tw")
    tw = [m for m in gaz.find("National Taiwan University (NTU)") if m.text == "NTU"]
    assert tw[0].institution.id == "ntu-tw"


def test_abbreviations_are_case_sensitive_whole_words(gaz):
    assert ids(gaz.find("MIT")) == ["mit"]
    assert gaz.find("mit einem Modell") == []
    assert gaz.find("Meta-learning for few-shot") == []
    assert gaz.find("CUHKSZ") != [] and ids(gaz.find("CUHK-SZ")) == ["cuhk-sz"]
    assert gaz.find("HKUSTx") == []


def test_benchmarks_named_after_institutions_are_no_mention(gaz):
    assert gaz.find("on the DTU dataset, ZJU-MoCap, the Waymo Open Dataset, TUM RGB-D and NYU Depth V2") == []
    assert ids(gaz.find("DTU, Denmark; Waymo LLC; ZJU; NYU")) == ["dtu", "waymo", "zju", "nyu"]


FIND_CASES = [
    (
        "3. 隶属机构：中国香港大学 (The Chinese University of Hong Kong)",
        [(None, "中国香港大学"), ("cuhk", "Chinese University of Hong Kong")],  # a leading "The" is not part of it
    ),
    (
        "单位：香港中文大学（CUHK）、香港大学（HKU）和香港科技大学（广州）",
        [("cuhk", "香港中文大学"), ("cuhk", "CUHK"), ("hku", "香港大学"), ("hku", "HKU"), ("hkust-gz", "香港科技大学（广州）")],
    ),
    (
        "Affiliation: Tencent AI Lab, Bellevue, USA（腾讯AI实验室）; Microsoft Research Asia",
        [("tencent-ai-lab", "Tencent AI Lab"), ("tencent-ai-lab", "腾讯AI实验室"), ("msra", "Microsoft Research Asia")],
    ),
    (
        "第一作者来自伊利诺伊大学厄巴纳-香槟分校（University of Illinois at Urbana-Champaign），其余来自上海交通大学。",
        [
            ("uiuc", "伊利诺伊大学厄巴纳-香槟分校"),
            ("uiuc", "University of Illinois at Urbana-Champaign"),
            ("sjtu", "上海交通大学"),
        ],
    ),
    (
        "Max Planck Institute for Informatics, Saarland Informatics Campus; 中国科学院自动化研究所",
        [("mpi-inf", "Max Planck Institute for Informatics"), ("saarland-sic", "Saarland Informatics Campus"),
         ("casia", "中国科学院自动化研究所")],
    ),
    (
        "contact: someone@link.cuhk.edu.hk; code: https://github.com/TencentARC/Foo and jdh-algo.github.io/JoyHallo",
        [("cuhk", "someone@link.cuhk.edu.hk"), ("tencent-arc", "https://github.com/TencentARC/Foo"),
         ("jd-health", "jdh-algo.github.io/JoyHallo")],
    ),
    ("Stony Brook University和Meta Reality Labs。", [("stonybrook", "Stony Brook University"), ("meta-rl", "Meta Reality Labs")]),
    ("中国科学院大学与中国科学技术大学", [("ucas", "中国科学院大学"), ("ustc", "中国科学技术大学")]),
    ("东北大学、西北工业大学、东南大学", [("neu-cn", "东北大学"), ("nwpu", "西北工业大学"), ("seu", "东南大学")]),
    # a country prefix that is also part of a shorter name must not hide the longer one
    ("美国加利福尼亚大学圣克鲁兹分校", [("ucsc", "加利福尼亚大学圣克鲁兹分校")]),
    ("No institution here at all.", []),
]


@pytest.mark.parametrize(("text", "expected"), FIND_CASES)
def test_find(gaz, text, expected):
    found = gaz.find(text)
    assert [(m.institution.id if m.institution else None, m.text) for m in found] == expected
    for m in found:
        assert text[m.start : m.end] == m.text
    starts = [m.start for m in found]
    assert starts == sorted(starts)
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))


def test_find_offsets_survive_folding(gaz):
    text = "ＡＢＣ：香港中文大學，ETH Zürich／北京大学"
    found = gaz.find(text)
    assert [(m.institution.id, text[m.start : m.end]) for m in found] == [
        ("cuhk", "香港中文大學"),
        ("eth", "ETH Zürich"),
        ("pku", "北京大学"),
    ]
    assert len(fold(text)) == len(text)


def test_find_longest_match_wins(gaz):
    assert ids(gaz.find("清华大学深圳国际研究生院")) == ["tsinghua-sigs"]
    assert ids(gaz.find("伦敦大学学院")) == ["ucl"]
    assert ids(gaz.find("伦敦大学玛丽皇后学院")) == ["qmul"]
    assert ids(gaz.find("英国哥伦比亚大学")) == ["ubc"]


def test_by_domain(gaz):
    assert gaz.by_domain("cuhk.edu.hk").id == "cuhk"
    assert gaz.by_domain("someone@link.cuhk.edu.hk").id == "cuhk"
    assert gaz.by_domain("https://www.cs.hku.hk/people").id == "hku"
    assert gaz.by_domain("sz.tsinghua.edu.cn").id == "tsinghua-sigs"
    assert gaz.by_domain("mails.tsinghua.edu.cn").id == "tsinghua"
    assert gaz.by_domain("cuhk.edu.cn").id == "cuhk-sz"
    assert gaz.by_domain("TencentARC").id == "tencent-arc"
    assert gaz.by_domain("https://github.com/jdh-algo/JoyHallo").id == "jd-health"
    assert gaz.by_domain("jdh-algo.github.io").id == "jd-health"
    assert gaz.by_domain("xcuhk.edu.hk") is None
    assert gaz.by_domain("gmail.com") is None
    assert gaz.by_domain("github.com/Kedreamix") is None


def test_same_or_related(gaz):
    g = gaz.get
    assert gaz.same_or_related(g("cuhk"), g("cuhk"))
    assert gaz.same_or_related(g("msra"), g("microsoft"))  # transitively: msra -> msr -> microsoft
    assert gaz.same_or_related(g("microsoft"), g("msra"))
    assert gaz.same_or_related(g("hkust-gz"), g("hkust"))
    assert gaz.same_or_related(g("ucas"), g("cas"))
    assert not gaz.same_or_related(g("ustc"), g("cas"))
    assert not gaz.same_or_related(g("cuhk"), g("hku"))
    assert not gaz.same_or_related(g("msra"), g("google"))


def test_load_extra_files(tmp_path):
    extra = tmp_path / "mine.yaml"
    extra.write_text(
        "institutions:\n"
        "  - id: acme-lab\n"
        "    en: [ACME Vision Lab]\n"
        "    zh: [阿克米视觉实验室]\n"
        "    aliases: [AVL]\n"
        "    domains: [acme.example]\n"
        "    github: [acme-vision]\n"
        "    country: US\n"
        "    parent: null\n"
        "not_institutions:\n"
        "  香港中大学: [cuhk, hku]\n",
        encoding="utf-8",
    )
    g = AffiliationGazetteer.load([extra])
    assert g.lookup("阿克米视觉实验室").id == "acme-lab"
    assert ids(g.find("AVL, ACME Vision Lab")) == ["acme-lab", "acme-lab"]
    assert g.by_domain("x@acme.example").id == "acme-lab"
    assert g.lookup("香港中大学") is None
    assert g.lookup("香港中文大学").id == "cuhk"


def test_bad_extra_file_is_rejected(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("institutions:\n  - id: Bad Id\n    en: [X]\n", encoding="utf-8")
    with pytest.raises(GazetteerError):
        AffiliationGazetteer.load([bad])
    orphan = tmp_path / "orphan.yaml"
    orphan.write_text("institutions:\n  - id: orphan-lab\n    en: [Orphan Lab]\n    parent: no-such-id\n", encoding="utf-8")
    with pytest.raises(GazetteerError):
        AffiliationGazetteer.load([orphan])


def test_find_is_fast(gaz):
    section = (
        "3. Affiliation: 第一作者来自香港中文大学（The Chinese University of Hong Kong），其他作者分别来自"
        "Tencent AI Lab、Microsoft Research Asia、National University of Singapore、北京航空航天大学、"
        "University of California, Berkeley 以及 Max Planck Institute for Informatics。"
        "The authors propose a method for audio-driven talking head generation with diffusion models. "
    )
    text = (section * 20)[:2048]
    gaz.find(text)
    runs = 50
    t0 = time.perf_counter()
    for _ in range(runs):
        gaz.find(text)
    per_call = (time.perf_counter() - t0) / runs
    assert per_call < 0.005, f"find() took {per_call * 1000:.2f} ms on 2 KB"


# ------------------------------------------------------------------------------------------------------------
# topics.yaml
# ------------------------------------------------------------------------------------------------------------


def test_topics_file_schema():
    data = yaml.safe_load((rules_dir() / "topics.yaml").read_text(encoding="utf-8"))
    seen_ids: set[str] = set()
    seen_names: set[str] = set()
    for t in data["topics"]:
        assert set(t) == {"id", "names", "terms_en", "terms_zh", "categories"}, t.get("id")
        assert t["id"] not in seen_ids
        seen_ids.add(t["id"])
        for name in t["names"]:
            key = name.casefold()
            assert key not in seen_names, name
            seen_names.add(key)
        assert t["terms_en"] and all(x == x.lower() for x in t["terms_en"]), t["id"]
        assert len(set(t["terms_en"])) == len(t["terms_en"]), t["id"]
        assert all(re.fullmatch(r"[a-z-]+(\.[a-zA-Z-]+)?", c) for c in t["categories"]), t["id"]
    for needed in ("3dgs", "nerf", "diffusion", "talking-head", "metaverse"):
        assert needed in seen_ids


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (("3DGS",), "3dgs"),
        (("NeRF",), "nerf"),
        (("diffusion models",), "diffusion"),
        (("Talking Head Generation",), "talking-head"),
        (("元宇宙/虚拟人",), "metaverse"),
        (("元宇宙_虚拟人",), "metaverse"),
        (("医学图像",), "medical-imaging"),
        (("Paper", "Talking Head Generation"), "talking-head"),
        (("",), None),
        (("Paper",), None),
    ],
)
def test_topic_for(topics, names, expected):
    t = topics.topic_for(*names)
    assert (t.id if t else None) == expected


@pytest.mark.parametrize(
    ("topic", "text", "on_topic"),
    [
        ("talking-head", "EmoTalk: Emotional Talking-Head Synthesis with Lip-Sync Control", True),
        ("talking-head", "Speech-Driven 3D Facial Animation with a Diffusion Prior", True),
        ("talking-head", "Co-Speech Gesture Generation with Masked Transformers", True),
        ("talking-head", "CLIP Talks on Open-Set Multi-Target Domain Adaptation", False),
        ("talking-head", "Multi-Talker Speech Recognition with Serialized Output Training", False),
        ("talking-head", "Audio-Driven Surgical Instrument Segmentation", False),
        ("nerf", "Surface Reconstruction from Sparse Views with Signed Distance Functions", True),
        ("nerf", "Fast Radiance Fields for Unbounded Scenes", True),
        ("nerf", "A Survey of Conditioning Methods for GANs", False),
        ("3dgs", "Deformable 3D Gaussians for Dynamic Scene Rendering", True),
        ("3dgs", "GS-SLAM: Dense Visual SLAM with Gaussian Splatting", True),
        ("diffusion", "Training-Free Image Editing with Text-to-Image Models", True),
        ("diffusion", "Score-Based Generative Modeling through SDEs", True),
        ("diffusion", "A Survey of Reinforcement Learning for Robot Grasping", False),
        ("metaverse", "Animatable Clothed Human Avatars from Monocular Video", True),
        ("metaverse", "Edge Computing for the Metaverse", True),
        ("medical-imaging", "Brain Tumor Segmentation in MRI with nnU-Net", True),
        ("medical-imaging", "Text to 3D CAD Generation via Technical Drawings", False),
        ("talking-head", "一种音频驱动的说话人头像生成方法，唇形同步更准确", True),
    ],
)
def test_topic_terms(topics, topic, text, on_topic):
    assert bool(topics.matches(topics.get(topic), text)) is on_topic


def test_matches_reports_terms_in_text_order_without_repeats(topics):
    t = topics.get("talking-head")
    found = topics.matches(t, "Lip sync for talking heads; better lip-sync and talking head video.")
    assert found[0] == "lip sync*" and "talking head*" in found
    assert len(found) == len(set(found))
    assert topics.matches(t, "") == []


def test_english_terms_respect_word_boundaries(topics):
    t = topics.get("metaverse")
    assert topics.matches(t, "We study VR headsets.")
    assert not topics.matches(t, "We study variance reduction (vrx) on arrays.")


# ------------------------------------------------------------------------------------------------------------
# Against the real posts in ../shared (development checkout only)
# ------------------------------------------------------------------------------------------------------------

_AFF_LABEL = re.compile(
    r"^\s*(?:<li>\s*)?(?:<p>)?(?:[-*]\s*)?(?:\*\*)?\s*(?:\d+[.、]\s*)?(?:\*\*)?\s*"
    r"(?:Affiliations?|隶属机构|所属机构|作者所属单位|第一作者所属单位|第一作者单位|作者单位|作者归属机构|作者隶属机构|"
    r"作者所属机构|作者归属|归属机构|单位|机构)[^：:\n]{0,12}?(?:\*\*)?\s*[：:](?:\*\*)?(.*(?:\n(?:[ \t]*$|[ \t]+[-*].*))*)",
    re.M,
)
_ZH_CAND = re.compile(r"[\u4e00-\u9fffA-Za-z]{2,20}?(?:大学|学院|研究院|研究所|实验室|分校|公司)")
_EN_CAND = re.compile(
    r"(?:[A-Z][\w.&'-]*\s+){0,6}(?:University|Institute|Laboratory|Labs?|Inc\.?|Ltd)\b(?:\s+of(?:\s+[A-Z][\w.-]*)+)?"
)
_ZH_SPLIT = re.compile(r"来自|隶属于|隶属|属于|所属机构为|机构为|为|和|与|及|以及|的|[，,。；;、：:（）()\s]")
_GENERIC = re.compile(r"作者|机构|相关|其他|未提供|实验室或|xxx|XX", re.I)


def _candidates(section: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _EN_CAND.finditer(section):
        out.append((m.start(), m.end(), m.group()))
    pos = 0
    for piece in _ZH_SPLIT.split(section):
        start = section.find(piece, pos)
        pos = start + len(piece)
        for m in _ZH_CAND.finditer(piece):
            if not _GENERIC.search(m.group()):
                out.append((start + m.start(), start + m.end(), m.group()))
    return out


@needs_shared
def test_every_institution_in_seed_affiliations_is_found(gaz):
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    assert seeds
    sections = []
    for path in seeds:
        sections += [m.group(1) for m in _AFF_LABEL.finditer(path.read_text(encoding="utf-8"))]
    assert len(sections) >= 15
    found_ids: set[str] = set()
    missing = []
    for section in sections:
        mentions = gaz.find(section)
        found_ids |= {m.institution.id for m in mentions if m.institution}
        for start, end, cand in _candidates(section):
            if not any(m.start < end and start < m.end for m in mentions):
                missing.append(cand)
    assert missing == []
    assert {
        "ntu-tw", "bath", "stonybrook", "meta-rl", "jd-health", "cuhk", "utrecht", "scut", "zju", "fudan",
        "iitb", "tencent-ai-lab", "tsinghua", "deepreel", "sjtu", "tsinghua-sigs",
    } <= found_ids


def _entries(path: Path) -> list[tuple[str, str]]:
    """(title, abstract) of every `[PDF](` entry of a post."""
    text = path.read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r"^\[PDF\]\(", text, re.M):
        head = text[: m.start()]
        title = list(re.finditer(r"^## (.+)$", head, re.M))[-1]
        out.append((title.group(1), head[title.end() :]))
    return out


@needs_shared
def test_labelled_off_topic_entries(topics):
    labels = json.loads((SHARED / "labels" / "dev-entries.json").read_text(encoding="utf-8"))
    wrong = []
    for entry in labels:
        path = SHARED / "corpus" / "dev" / entry["post"]
        fm = re.search(r"^title:\s*(.+)$", path.read_text(encoding="utf-8"), re.M)
        topic = topics.topic_for(fm.group(1), path.stem)
        assert topic is not None, entry["post"]
        title, abstract = _entries(path)[entry["index"] - 1]
        on_topic = bool(topics.matches(topic, title + "\n" + abstract))
        if on_topic == entry["labels"]["off-topic"]:
            wrong.append((entry["post"], entry["index"], title))
    assert wrong == []
