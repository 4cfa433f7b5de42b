"""`audit fix`: safe repairs only, atomic, mode-keeping, idempotent; clean posts untouched byte for byte."""
from __future__ import annotations

import os
import stat

import pytest
from typer.testing import CliRunner

from audit.cli import app, normalize_argv
from audit.rules.examples import build_post

from .conftest import DEV, need_shared

runner = CliRunner()

CP1254_DROPPED = bytes([0x81, 0x8D, 0x8E, 0x8F, 0x90, 0x9D, 0x9E])


def corrupt(text: str) -> str:
    """The damage seen in the wild: UTF-8 read as Windows-1254, undefined bytes dropped, soft hyphens removed."""
    return text.encode("utf-8").decode("cp1254", errors="ignore").replace("\u00ad", "")


def run(*args):
    return runner.invoke(app, normalize_argv(list(args)))


def test_clean_posts_are_left_byte_for_byte(tmp_path):
    need_shared()
    for src in sorted(DEV.rglob("*.md"))[:12]:
        dst = tmp_path / src.name
        dst.write_bytes(src.read_bytes())
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    result = run("fix", str(tmp_path), "--select", "encoding")
    assert result.exit_code == 0, result.output
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_mojibake_repaired_atomically_keeping_mode_and_idempotent(tmp_path):
    post = tmp_path / "post.md"
    original = build_post(summary="提出了一种新的说话人头部生成方法，显著提升了唇形同步的效果。",
                          conclusion="(1) 意义：本文方法在多个数据集上取得了领先的性能。")
    post.write_text(corrupt(original), encoding="utf-8")
    os.chmod(post, 0o640)
    result = run("fix", str(post), "--select", "encoding")
    assert result.exit_code == 0, result.output
    assert "ENC001" in result.stdout
    repaired = post.read_text(encoding="utf-8")
    assert "提出了一种新的说话人头部生成方法" in repaired
    assert stat.S_IMODE(post.stat().st_mode) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name != "post.md"]  # no temporary files left behind
    again = post.read_bytes()
    result = run("fix", str(post))
    assert result.exit_code == 0 and post.read_bytes() == again


def test_diff_writes_nothing_and_exits_one(tmp_path):
    post = tmp_path / "post.md"
    post.write_text(corrupt(build_post()), encoding="utf-8")
    before = post.read_bytes()
    result = run("fix", str(post), "--diff")
    assert result.exit_code == 1
    assert result.stdout.startswith("--- a/") and "+++ b/" in result.stdout
    assert post.read_bytes() == before


def test_backup_keeps_the_original_and_never_overwrites_one(tmp_path):
    post = tmp_path / "post.md"
    broken = corrupt(build_post()).encode("utf-8")
    post.write_bytes(broken)
    assert run("fix", str(post), "--backup").exit_code == 0
    assert (tmp_path / "post.md.orig").read_bytes() == broken
    post.write_bytes(broken)
    assert run("fix", str(post), "--backup").exit_code == 0
    assert (tmp_path / "post.md.orig").read_bytes() == broken
    assert (tmp_path / "post.md.orig.1").read_bytes() == broken


def test_backup_keeps_the_files_permissions(tmp_path):
    post = tmp_path / "post.md"
    post.write_text(corrupt(build_post()), encoding="utf-8")
    post.chmod(0o600)  # a private draft: its backup must not become readable by others
    assert run("fix", str(post), "--backup").exit_code == 0
    assert stat.S_IMODE((tmp_path / "post.md.orig").stat().st_mode) == 0o600
    assert stat.S_IMODE(post.stat().st_mode) == 0o600


def test_ignore_encoding_touches_nothing_else(tmp_path):
    post = tmp_path / "post.md"
    post.write_text(corrupt(build_post()), encoding="utf-8")
    before = post.read_bytes()
    result = run("fix", str(post), "--ignore", "encoding")
    assert result.exit_code == 0 and post.read_bytes() == before


def test_windows_line_endings_survive(tmp_path):
    post = tmp_path / "post.md"
    post.write_bytes(corrupt(build_post()).replace("\n", "\r\n").encode("utf-8"))
    assert run("fix", str(post)).exit_code == 0
    data = post.read_bytes()
    assert b"\r\n" in data and data.count(b"\n") == data.count(b"\r\n")


def test_unreadable_files_are_reported_and_others_fixed(tmp_path):
    (tmp_path / "bin.md").write_bytes(b"\x00\x00abc")
    good = tmp_path / "post.md"
    good.write_text(corrupt(build_post()), encoding="utf-8")
    result = run("fix", str(tmp_path))
    assert result.exit_code == 2
    assert "bin.md" in result.stderr and "binary" in result.stderr
    assert "提出" in good.read_text(encoding="utf-8")


def test_missing_paper_and_code_links_are_filled_in_place(tmp_path):
    post = tmp_path / "post.md"
    post.write_text(build_post(urls="论文链接：待提供；Github代码链接：None"), encoding="utf-8")
    result = run("fix", str(post), "--select", "missing-link")
    assert result.exit_code == 0, result.output
    text = post.read_text(encoding="utf-8")
    assert "5. Urls: 论文链接：https://arxiv.org/abs/2411.90001；Github代码链接：https://github.com/nova-lab/NovaTalk" in text
    assert "LNK001" in result.stdout and "LNK002" in result.stdout
    audit = run(str(post), "--select", "missing-link")
    assert audit.exit_code == 0, audit.output  # the fix removed what the rule saw
    before = post.read_bytes()
    assert run("fix", str(post)).exit_code == 0 and post.read_bytes() == before


def test_absence_inside_a_sentence_is_not_rewritten(tmp_path):
    post = tmp_path / "post.md"
    post.write_text(build_post(urls="文章摘要和介绍无法提供论文链接，请查阅原文。"), encoding="utf-8")
    before = post.read_bytes()
    assert run("fix", str(post), "--select", "LNK001").exit_code == 0
    assert post.read_bytes() == before


def test_pure_chatter_lines_are_deleted_and_nothing_else(tmp_path):
    post = tmp_path / "post.md"
    conclusion = "(1) 意义：提升了表现力。\n希望这个总结符合您的要求！\n(2) 创新点：扩散模型；希望未来能扩展到全身。"
    post.write_text(build_post(conclusion=conclusion), encoding="utf-8")
    before = post.read_text(encoding="utf-8")
    result = run("fix", str(post), "--select", "chatter")
    assert result.exit_code == 0, result.output
    after = post.read_text(encoding="utf-8")
    assert "希望这个总结符合您的要求" not in after
    assert after == before.replace("希望这个总结符合您的要求！\n", "")
    assert "希望未来能扩展到全身" in after  # an ordinary sentence with 希望 stays


# --------------------------------------------------------------------------------------------------------------
# --reference: the blog's own clean posts teach the encoding repair its wording
# --------------------------------------------------------------------------------------------------------------

REFERENCE_SENTENCES = [
    "- 实验与验证：作者在三个公开数据集上进行了实验与验证，结果稳定。",
    "本文的实验与验证部分覆盖了静态场景和动态场景。",
    "在 LibriSpeech 上，相对词错误率降低了百分之十二。",
    "该模型的词错误率明显低于基线，字错误率也有所下降。",
    "实验与验证表明，相对词错误率的下降主要来自解码器的改进。",
]
DAMAGED_LINES = ["- 实验与验证：在两个公开数据集上进行了对比。", "观察到相对词错误率降低了百分之十五。"]


def _damage(text: str) -> str:
    return text.encode("utf-8").decode("cp1254", errors="ignore").replace("\u00ad", "")


@pytest.fixture
def archive(tmp_path, monkeypatch):
    from audit import charlm

    monkeypatch.setattr(charlm, "_REFERENCE", ())  # restored after the test: later tests see no reference
    monkeypatch.setattr(charlm, "REFERENCE_FULL", 1_000)  # a small archive earns the full weight here
    folder = tmp_path / "archive"
    folder.mkdir()
    for n in range(3):
        (folder / f"post{n}.md").write_text("\n".join(REFERENCE_SENTENCES * 6) + "\n", encoding="utf-8")
    (folder / "broken.md").write_text(_damage("\n".join(REFERENCE_SENTENCES)), encoding="utf-8")  # skipped
    return folder


def test_reference_posts_teach_the_repair_the_blogs_wording(tmp_path, archive):
    post = tmp_path / "post.md"
    post.write_text(_damage("\n".join(DAMAGED_LINES)) + "\n", encoding="utf-8")
    alone = run("fix", str(post), "--select", "encoding", "--diff", "--isolated")
    assert alone.exit_code == 1
    assert any(line not in alone.stdout for line in DAMAGED_LINES)  # the bundled model alone gets one wrong
    result = run("fix", str(post), "--select", "encoding", "--isolated", "--reference", str(archive))
    assert result.exit_code == 0, result.output
    assert post.read_text(encoding="utf-8") == "\n".join(DAMAGED_LINES) + "\n"


def test_reference_from_the_config_file(tmp_path, archive):
    (tmp_path / "audit.toml").write_text('encoding-reference = ["archive"]\n', encoding="utf-8")
    post = tmp_path / "post.md"
    post.write_text(_damage("\n".join(DAMAGED_LINES)) + "\n", encoding="utf-8")
    assert run("fix", str(post), "--select", "encoding").exit_code == 0
    assert post.read_text(encoding="utf-8") == "\n".join(DAMAGED_LINES) + "\n"


def test_missing_reference_is_a_usage_error(tmp_path, archive):
    post = tmp_path / "post.md"
    post.write_text("# 标题\n", encoding="utf-8")
    result = run("fix", str(post), "--reference", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert "reference path not found" in result.output
