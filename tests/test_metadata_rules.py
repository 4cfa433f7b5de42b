"""Post metadata rules (MET001-MET004): hand-written posts, then the real posts checked by eye."""
from __future__ import annotations

import pytest

from audit.config import Config
from audit.engine import AuditOptions, audit_file, audit_paths, audit_text
from audit.rules.examples import build_post

from .conftest import DEV, EXAMPLES, SEEDS, need_shared

OPTIONS = AuditOptions(config=Config(select=("metadata",)))
TITLE = "NovaTalk: Expressive Audio-Driven Talking Heads with Diffusion"
PLAIN_TITLE = "NovaTalk Expressive Audio-Driven Talking Heads with Diffusion"   # keeps the front matter valid YAML


def meta(text: str):
    report = audit_text(text, "<case>", OPTIONS)
    assert not report.notes, report.notes
    return [f for f in report.all_findings() if f.category == "metadata"]


def rules(text: str) -> set[str]:
    return {f.rule for f in meta(text)}


def two_entries(second_id: str = "2411.90002", second_title: str = "EchoFace: Talking Faces from Whispered Speech",
                **parts) -> str:
    base = build_post(**parts)
    head, sep, entry = base.partition("\n## ")
    title = parts.get("header_title", TITLE)
    return head + sep + entry + "\n## " + entry.replace("2411.90001", second_id).replace(title, second_title)


def with_cover(cover: str, *images: str, markdown: bool = False) -> str:
    post = build_post().replace("\ndate:", f"\ncover: {cover}\ndate:", 1)
    shots = "\n".join((f"![shot]({u})" if markdown else f'<img src="{u}" align="middle">') for u in images)
    return post.replace('<img src="https://example.com/a.jpg" align="middle">', shots, 1)


def test_build_post_front_matter_paths():
    """Both front-matter paths are exercised: YAML (date parsed to a datetime) and the line-by-line fallback."""
    import datetime

    from audit.parse import parse_post
    assert isinstance(parse_post(build_post(header_title=PLAIN_TITLE)).front_matter["date"], datetime.datetime)
    assert isinstance(parse_post(build_post()).front_matter["date"], str)


# ---------------------------------------------------------------------------------------------------------------
# Hand-written cases: (name, post text, rule that must fire or None, severity)

CASES = [
    ("heading one day later", build_post(heading_date="2411-01-06"), "MET001", "warning"),
    ("heading one day later (YAML date)", build_post(heading_date="2411-01-06", header_title=PLAIN_TITLE),
     "MET001", "warning"),
    ("heading with slashes, same day", build_post(heading_date="2411/1/5"), None, None),
    ("heading in 年月日, same day", build_post(heading_date="2411年1月5日", header_title=PLAIN_TITLE), None, None),
    ("late evening, same day", build_post(date="2411-01-05 23:59:59", header_title=PLAIN_TITLE), None, None),
    ("description dated another day",
     build_post().replace("Update in 2411-01-05", "Update in 2411-01-04", 1), "MET001", "warning"),
    ("description names paper #2",
     two_entries().replace(f"  {TITLE}", "  EchoFace Talking Faces from Whispered Speech", 1), "MET002", "warning"),
    ("description names no paper", build_post().replace(f"  {TITLE}", "", 1), "MET002", "info"),
    ("description without punctuation and with runs of spaces",
     build_post().replace(TITLE, "NovaTalk Expressive Audio Driven Talking   Heads with Diffusion", 1), None, None),
    ("description cut short in a long title",
     build_post().replace(f"  {TITLE}", "  NovaTalk Expressive Audio-Driven Talking Heads wi", 1), None, None),
    ("same id twice", two_entries("2411.90001"), "MET003", "error"),
    ("same id, another version", two_entries("2411.90001").replace("2411.90001v1)", "2411.90001v3)"),
     "MET003", "error"),
    ("distinct ids", two_entries("2411.90002"), None, None),
    ("cover missing from the post's screenshots",
     with_cover("https://pic1.zhimg.com/v2-aa11.jpg", "https://picx.zhimg.com/v2-bb22.jpg"), "MET004", "warning"),
    ("cover on another subdomain, same file",
     with_cover("https://pic1.zhimg.com/v2-bb22.jpg", "https://picx.zhimg.com/v2-bb22.jpg",
                "https://pica.zhimg.com/v2-cc33.jpg"), None, None),
    ("cover among markdown images",
     with_cover("https://pica.zhimg.com/v2-cc33.jpg", "https://picx.zhimg.com/v2-cc33.jpg", markdown=True), None, None),
    ("cover in a folder of its own",
     with_cover("https://example.com/covers/nerf.jpg", "https://example.com/shots/a.jpg"), None, None),
    ("empty cover", with_cover("", "https://example.com/shots/a.jpg"), None, None),
    ("clean post", build_post(), None, None),
]


@pytest.mark.parametrize("name,text,rule,severity", CASES, ids=[c[0] for c in CASES])
def test_cases(name, text, rule, severity):
    found = meta(text)
    if rule is None:
        assert found == []
    else:
        assert {(f.rule, f.severity.value) for f in found} == {(rule, severity)}


def test_date_finding_points_at_the_heading():
    text = build_post(heading_date="2411-01-06")
    (f,) = [f for f in meta(text) if "heading" in f.message]
    assert text.split("\n")[f.line - 1] == "# 2411-01-06 更新"
    assert f.excerpt == "2411-01-06" and "2411-01-05" in f.message


def test_duplicate_is_reported_on_the_second_entry():
    text = two_entries("2411.90001")
    report = audit_text(text, "<case>", OPTIONS)
    assert report.findings == ()
    assert report.papers[0].findings == ()
    (f,) = report.papers[1].findings
    assert f.rule == "MET003" and "paper #1" in f.message and "whole entry is repeated" not in f.message
    assert text.split("\n")[f.line - 1].startswith("[PDF](http://arxiv.org/abs/2411.90001")
    head, sep, entry = build_post().partition("\n## ")
    (f,) = meta(head + sep + entry + "\n## " + entry)
    assert "whole entry is repeated" in f.message


def test_description_and_cover_point_at_their_lines():
    text = build_post().replace(f"  {TITLE}", "", 1)
    (f,) = meta(text)
    assert text.split("\n")[f.line - 1].startswith("description:")
    text = with_cover("https://pic1.zhimg.com/v2-aa11.jpg", "https://picx.zhimg.com/v2-bb22.jpg")
    (f,) = meta(text)
    assert text.split("\n")[f.line - 1].startswith("cover:") and "v2-aa11.jpg" in f.message


# ---------------------------------------------------------------------------------------------------------------
# Real posts, read in place from ../shared


def test_dev_corpus():
    """Checked by eye: the only metadata defect in the dev corpus is 2024-04-06/元宇宙_虚拟人.md, whose whole body
    (five papers, regenerated digests) was appended a second time under a second date heading."""
    need_shared()
    result = audit_paths([str(DEV)], OPTIONS, jobs=1)
    found = {(p.path.split("dev/")[-1], f.paper, f.rule) for p in result.posts for f in p.all_findings()}
    assert found == {("2024-04-06/元宇宙_虚拟人.md", n, "MET003") for n in range(6, 11)}


def test_seeds():
    need_shared()
    result = audit_paths([str(SEEDS)], OPTIONS, jobs=1)
    assert len(result.posts) == 5
    assert [f for p in result.posts for f in p.all_findings()] == []


def test_examples():
    report = audit_file(str(EXAMPLES / "degenerate.md"), OPTIONS)
    assert [(f.rule, f.line) for f in report.findings] == [("MET001", 31)]
    assert {(p.index, f.rule) for p in report.papers for f in p.findings} == {(5, "MET003")}
    for name in ("clean.md", "facts.md", "identity.md", "structure.md", "template-leaks.md"):
        assert audit_file(str(EXAMPLES / name), OPTIONS).all_findings() == [], name
