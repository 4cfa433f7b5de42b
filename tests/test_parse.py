"""The parser: entries found by their [PDF] links, the eight digest sections found by shape, line spans right."""
from __future__ import annotations

import re

import pytest

from audit.model import DIGEST_SECTIONS
from audit.parse import classify_label, parse_post
from audit.rules.examples import build_post

from .conclusion_helpers import ALL8
from .conftest import DEV, SEEDS, dev_post, need_shared, seed


def read(path):
    return path.read_text(encoding="utf-8")


# --- every real post parses, with one paper per [PDF] header link ---------------------------------------------

def real_posts():
    if not SEEDS.is_dir():
        return []
    return sorted(SEEDS.iterdir()) + sorted(DEV.rglob("*.md"))


def test_every_real_post_parses_into_as_many_papers_as_pdf_links():
    need_shared()
    posts = real_posts()
    assert len(posts) == 87
    total = 0
    for path in posts:
        text = read(path)
        if path.name.startswith("000_"):
            from audit.encoding import repair
            from audit.model import EncodingReport
            text, _ = repair(text, EncodingReport())
        post = parse_post(text, str(path))
        links = re.findall(r"^\[PDF\]\(http://arxiv\.org/abs/(\d{4}\.\d{4,5})v\d+\)", text, re.M)
        assert [e.arxiv_id for e in post.entries] == links, path
        total += len(post.entries)
    assert total == 768


# --- section detection, table-driven on real entries checked by eye -----------------------------------------
# (post under corpus/dev, entry index, digest sections in order of appearance, the format variant it covers)

T, A, F, K, U, S, M, C = DIGEST_SECTIONS
REAL = [
    ("2024-01-30/NeRF.md", 1, ALL8, "HTML <ol><li> with Chinese labels 题目/第一作者单位, conclusion spilling into <li>s"),
    ("2024-01-30/3DGS.md", 3, ALL8, "HTML labels, 'Methods' in English among Chinese labels"),
    ("2024-02-02/Diffusion Models.md", 1, ALL8, "HTML, 单位 and 总结 as labels"),
    ("2024-05-06/Diffusion Models.md", 1, ALL8, "HTML list with unlabelled items 1-5 (section by position)"),
    ("2024-05-06/Diffusion Models.md", 4, ALL8, "HTML with English labels, methods in a restarted <ol>"),
    ("2024-05-28/Diffusion Models.md", 1, ALL8, "<h2>Paper:1</h2> then HTML <li><p> items, nested <ul>"),
    ("2024-04-06/NeRF.md", 7, ALL8, "HTML, first item labelled, items 2-4 unlabelled, 'Paper:' for urls"),
    ("2024-04-06/NeRF.md", 12, ALL8, "<p><Methods>: label in angle brackets"),
    ("2024-04-06/Talking Head Generation.md", 1, ALL8, "<li><strong>论文标题：</strong> labels"),
    ("2024-05-06/Talking Head Generation.md", 1, ALL8, "HTML English labels, 研究方法 as methods heading"),
    ("2024-07-26/3DGS.md", 4, ALL8, "markdown English labels; '- (3)研究方法' inside the summary is not a heading"),
    ("2024-07-26/3DGS.md", 12, (T, A, F, C), "assistant preamble, sections 4-7 missing"),
    ("2024-07-26/3DGS.md", 13, (M, C), "digest starts at '7. 方法论' after a chatter line"),
    ("2024-07-26/Diffusion Models.md", 3, (M, C), "starts at 7, template methods"),
    ("2024-05-28/3DGS.md", 1, (T, A, F, K, U, S, C), "English labels, no methods"),
    ("2024-08-23/3DGS.md", 10, ALL8, "bold labels '**标题**：', '**(3) 研究方法**' sub-item, 方法论概述"),
    ("2024-09-30/Diffusion Models.md", 13, ALL8, "'**标题及中文翻译**', 作者名单, 作者归属"),
    ("2024-08-23/Talking Head Generation.md", 2, (T, A, K, S, M), "bold labels without numbers, sections missing"),
    ("2024-09-02/3DGS.md", 10, (T, A, F, M, C), "作者名单/所属单位, keywords/urls/summary missing"),
    ("2024-10-12/3DGS.md", 7, (T, A, F, M, C), "所属单位（中文） label with a parenthesised gloss"),
    ("2024-09-07/NeRF.md", 4, ALL8, "概述 as the summary label"),
    ("2024-07-26/NeRF.md", 6, ALL8, "English labels without numbers after '1. Title'"),
    ("2024-07-26/NeRF.md", 13, ALL8, "'1. **标题**：' with nested '* 中文标题：' bullets on the next lines"),
    ("2024-08-28/3DGS.md", 3, ALL8, "headings indented by 17 spaces"),
    ("2024-07-26/NeRF.md", 2, ALL8, "标题（带中文翻译） and 隶属机构（中文翻译） labels"),
    ("2024-09-24/3DGS.md", 4, ALL8, "作者姓名 / 作者所属单位 labels"),
    ("2024-10-12/NeRF.md", 5, (T, A, F, K, U, M, C), "网址 as the urls label, no summary"),
    ("2024-11-27/NeRF.md", 16, ALL8, "内容摘要 as the summary label"),
    ("2024-09-07/Talking Head Generation.md", 7, ALL8, "a long summary label with a parenthesised note"),
    ("2024-11-21/Diffusion Models.md", 3, (T, A, F, K, U, S, C), "作者归属, no methods"),
    ("2024-09-24/Talking Head Generation.md", 3, ALL8, "affiliation given as a bullet list"),
    ("2024-02-02/3DGS.md", 1, ALL8, "HTML with 隶属 label"),
]


@pytest.mark.parametrize("rel,index,expected,variant", REAL, ids=[f"{r[0]}#{r[1]}" for r in REAL])
def test_sections_of_real_entries(rel, index, expected, variant):
    post = parse_post(read(dev_post(rel)), rel)
    entry = post.entries[index - 1]
    assert entry.section_order == expected, variant
    assert entry.summary is not None and entry.key_takeaways is not None
    for name in expected:
        field = entry.sections[name]
        # the span points into the post: the field's first line holds the start of its text
        first = field.text.split("\n")[0]
        assert first in post.lines[field.line - 1]


def test_seed_expectations():
    post = parse_post(read(seed("001_")), "001")
    fasttalker = post.entries[1]
    assert fasttalker.title.text.startswith("FastTalker")
    assert fasttalker.section_order == (C,)
    post = parse_post(read(seed("002_")), "002")
    assert post.entries[2].section_order == (M, C)   # PoseTalk starts at 7
    assert post.entries[2].arxiv_id == "2409.02657" and post.entries[2].version == 1


def test_line_numbers_point_at_the_right_lines():
    path = seed("001_")
    lines = read(path).split("\n")
    post = parse_post(read(path), str(path))
    for e in post.entries:
        assert lines[e.line - 1].startswith("## ")
        assert lines[e.pdf.line - 1].startswith("[PDF](")
        assert e.authors is not None and lines[e.authors.line - 1].startswith("**Authors:")
        if e.summary is not None:
            assert e.summary.text.split("\n")[0] in lines[e.summary.line - 1]


# --- small hand-written cases ----------------------------------------------------------------------------------

def test_clean_built_post_has_everything():
    post = parse_post(build_post())
    (e,) = post.entries
    assert e.section_order == ALL8
    assert e.arxiv_id == "2411.90001" and e.version == 1
    assert e.has("abstract") and e.has("summary") and e.has("key_takeaways")
    assert post.title == "Talking Head Generation" and post.topic == "Talking Head Generation"
    assert post.date.startswith("2411-01-05")


@pytest.mark.parametrize("label,section", [
    ("标题", T), ("论文标题", T), ("Title", T), ("作者", A), ("作者名单", A), ("Authors", A),
    ("单位", F), ("隶属机构", F), ("所属机构", F), ("作者所属单位", F), ("第一作者单位", F), ("Affiliation", F),
    ("关键词", K), ("Keywords", K), ("链接", U), ("论文链接", U), ("网址", U), ("Urls", U),
    ("摘要", S), ("总结", S), ("概述", S), ("Summary", S), ("方法", M), ("方法论", M), ("方法论概述", M),
    ("Methods", M), ("结论", C), ("Conclusion", C), ("**方法论**", M), ("Methodology", M),
])
def test_label_vocabulary(label, section):
    assert classify_label(label)[0] == section


@pytest.mark.parametrize("label", ["研究背景", "过去的方法及其问题", "性能", "工作量", "创新点", "性能总结",
                                   "中文翻译", "注", "一个很长的不是标题的句子而且没有冒号的内容"])
def test_sub_headings_are_not_sections(label):
    assert classify_label(label)[0] is None


def test_sections_merged_on_one_line():
    digest = ("1. 标题：某方法 2. 作者：Lena Park 3. 单位：首尔国立大学\n4. 关键词：扩散\n"
              "5. 链接：https://arxiv.org/abs/2411.90001\n6. 摘要：(1) 背景。\n7. 方法：(1) 步骤。\n8. 结论：(1) 意义。")
    (e,) = parse_post(build_post(digest=digest)).entries
    assert e.section_order == ALL8
    assert e.sections[A].text.strip() == "Lena Park"
    assert e.sections[T].text.strip() == "某方法"


def test_bold_labels_without_colon_and_out_of_order():
    digest = ("**Title**\n某方法\n\n**Authors**\nLena Park\n\n**Affiliation**: 首尔国立大学\n\n**Keywords**: 扩散\n\n"
              "**Urls**: https://arxiv.org/abs/2411.90001\n\n7. Methods: (1) 步骤\n\n6. Summary: (1) 背景\n\n"
              "8. Conclusion: (1) 意义")
    (e,) = parse_post(build_post(digest=digest)).entries
    assert set(e.section_order) == set(ALL8)
    assert e.section_order.index(M) < e.section_order.index(S)
    assert e.sections[T].text.strip() == "某方法"


def test_empty_section_and_pipeline_error_are_not_present():
    digest = ("1. Title: T\n2. Authors: A\n3. Affiliation: U\n4. Keywords:\n5. Urls: x\n6. Summary: s\n"
              "7. Methods:\n<p>Some Error for method(比如是不是没有Methods这个章节)</p>\n8. Conclusion: c")
    (e,) = parse_post(build_post(digest=digest)).entries
    assert e.section_order == ALL8
    assert not e.has(K) and not e.has(M) and e.has(C)


def test_no_marker_digest_still_found():
    text = build_post().replace("**[ChatPaperFree](https://huggingface.co/spaces/Kedreamix/ChatPaperFree)**", "")
    (e,) = parse_post(text).entries
    assert e.section_order == ALL8


def test_summary_and_takeaways_label_variants():
    text = build_post().replace("**Summary**", "**摘要**：").replace("**Key Takeaways**", "**要点**")
    (e,) = parse_post(text).entries
    assert e.has("summary") and e.has("key_takeaways")


def test_windows_newlines_and_missing_front_matter():
    text = build_post().split("---\n", 2)[2].replace("\n", "\r\n")
    post = parse_post(text)
    assert len(post.entries) == 1 and post.front_matter == {}
    assert post.entries[0].section_order == ALL8


def test_broken_front_matter_is_a_problem_not_a_crash():
    text = build_post().replace("title: Talking Head Generation", "title: [unclosed")
    post = parse_post(text)
    assert post.problems and "YAML" in post.problems[0][1]
    assert len(post.entries) == 1
