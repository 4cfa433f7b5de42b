"""The command line through typer's runner: exit codes, the JSON contract, one-line errors."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from audit.cli import app, normalize_argv
from audit.model import CATEGORIES, SECTION_KEYS
from audit.rules.examples import build_post

from .conftest import EXAMPLES, SEEDS, need_shared

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, normalize_argv(list(args)))


def check_contract(doc: dict) -> None:
    assert doc["version"] == 1 and doc["tool"]["name"] == "audit"
    assert set(doc) >= {"version", "tool", "posts", "errors"}
    for post in doc["posts"]:
        assert set(post) >= {"path", "title", "date", "topic", "score", "grade", "findings", "papers"}
        assert 0 <= post["score"] <= 100 and post["grade"] in "ABCDF"
        findings = list(post["findings"])
        for paper in post["papers"]:
            assert set(paper) >= {"index", "arxiv_id", "version", "title", "line", "score", "sections", "findings"}
            assert set(paper["sections"]) == set(SECTION_KEYS)
            assert all(isinstance(v, bool) for v in paper["sections"].values())
            findings += paper["findings"]
        for f in findings:
            assert set(f) >= {"rule", "category", "severity", "message", "line", "column", "end_line", "excerpt"}
            assert f["category"] in CATEGORIES and f["severity"] in ("error", "warning", "info")
            assert isinstance(f["line"], int) and len(f["excerpt"]) <= 200
    for e in doc["errors"]:
        assert set(e) >= {"path", "message"}


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    (tmp_path / "clean.md").write_text(build_post(), encoding="utf-8")
    (tmp_path / "broken.md").write_text(build_post(methods=None, key_takeaways=None), encoding="utf-8")
    return tmp_path


def test_version_is_fast_and_plain():
    result = run("--version")
    assert result.exit_code == 0 and result.stdout.startswith("audit ")


def test_clean_post_exits_zero(posts):
    result = run(str(posts / "clean.md"), "--no-color")
    assert result.exit_code == 0, result.output
    assert "clean.md" in result.stdout and "score 100 A" in result.stdout


def test_findings_exit_one_and_point_at_lines(posts):
    result = run(str(posts / "broken.md"), "--no-color")
    assert result.exit_code == 1
    assert "STR002" in result.stdout and "STR003" in result.stdout
    assert f"{posts / 'broken.md'}:" in result.stdout


def test_json_contract_and_output_file(posts, tmp_path):
    out = tmp_path / "report.json"
    result = run(str(posts), "--format", "json", "--output", str(out))
    assert result.exit_code == 1
    doc = json.loads(out.read_text(encoding="utf-8"))
    check_contract(doc)
    by_name = {Path(p["path"]).name: p for p in doc["posts"]}
    assert by_name["clean.md"]["papers"][0]["arxiv_id"] == "2411.90001"
    assert by_name["clean.md"]["papers"][0]["version"] == 1
    broken = by_name["broken.md"]["papers"][0]
    assert broken["sections"]["methods"] is False and broken["sections"]["key_takeaways"] is False
    assert {f["rule"] for f in broken["findings"]} >= {"STR002", "STR003"}


def test_fail_on_and_fail_under(posts):
    assert run(str(posts / "broken.md"), "--ignore", "missing-section").exit_code == 0
    assert run(str(posts / "broken.md"), "--select", "STR002", "--fail-on", "error").exit_code == 1
    assert run(str(posts / "clean.md"), "--fail-under", "100").exit_code == 0
    assert run(str(posts / "broken.md"), "--ignore", "missing-section", "--fail-under", "100").exit_code == 0
    assert run(str(posts / "broken.md"), "--fail-on", "error", "--select", "STR002", "--fail-under", "99").exit_code == 1


def test_usage_errors_exit_two():
    assert run().exit_code in (0, 2)  # no arguments: help
    assert run("x.md", "--format", "nope").exit_code == 2
    assert run("x.md", "--fail-on", "fatal").exit_code == 2
    assert run("x.md", "--select", "!!").exit_code == 2


def test_bad_inputs_one_line_each_and_others_still_audited(posts, tmp_path):
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    (tmp_path / "binary.md").write_bytes(b"\x00\x01\x02PNG\x00" * 50)
    (tmp_path / "latin.md").write_bytes(("caf\xe9 " * 200).encode("latin-1"))
    (tmp_path / "notes.md").write_text("# just notes\n\nno papers here\n", encoding="utf-8")
    result = run(str(tmp_path), str(tmp_path / "missing.md"), "--format", "json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    check_contract(doc)
    errors = {Path(e["path"]).name: e["message"] for e in doc["errors"]}
    assert errors["empty.md"] == "empty file"
    assert "binary" in errors["binary.md"]
    assert "UTF-8" in errors["latin.md"]
    assert "no paper entries" in errors["notes.md"]
    assert "no such file" in errors["missing.md"]
    assert {Path(p["path"]).name for p in doc["posts"]} == {"clean.md", "broken.md"}
    for line in result.stderr.strip().split("\n"):
        assert line.startswith("audit: ") and "Traceback" not in line


def test_a_skipped_file_alone_does_not_fail(tmp_path):
    (tmp_path / "README.md").write_text("# notes\n", encoding="utf-8")
    (tmp_path / "p.md").write_text(build_post(), encoding="utf-8")
    assert run(str(tmp_path)).exit_code == 0


def test_many_files_in_parallel_keep_input_order(tmp_path):
    for n in range(40):
        (tmp_path / f"p{n:03}.md").write_text(build_post(methods=None) if n % 3 == 0 else build_post(),
                                               encoding="utf-8")
    result = run(str(tmp_path), "--format", "json", "--jobs", "2")
    doc = json.loads(result.stdout)
    names = [Path(p["path"]).name for p in doc["posts"]]
    assert names == sorted(names) and len(names) == 40
    assert result.exit_code == 1


def test_rules_and_explain():
    result = run("rules")
    assert result.exit_code == 0 and "STR003" in result.stdout
    result = run("explain", "STR003")
    assert result.exit_code == 0 and "missing-section" in result.stdout and "Fires on" in result.stdout
    assert run("explain", "NOPE999").exit_code == 2


def test_config_file_and_inline_suppression(tmp_path):
    (tmp_path / "audit.toml").write_text('ignore = ["STR002"]\n[severity]\nSTR003 = "warning"\n', encoding="utf-8")
    post = build_post(methods=None, key_takeaways=None)
    (tmp_path / "p.md").write_text(post, encoding="utf-8")
    result = run(str(tmp_path / "p.md"), "--format", "json")
    doc = json.loads(result.stdout)
    rules = {f["rule"]: f["severity"] for f in doc["posts"][0]["papers"][0]["findings"]}
    assert "STR002" not in rules and rules["STR003"] == "warning"
    assert result.exit_code == 0
    # inline: a comment above the entry's heading suppresses for the whole entry
    text = post.replace("## NovaTalk", "<!-- audit: ignore[missing-section] -->\n## NovaTalk")
    (tmp_path / "p.md").write_text(text, encoding="utf-8")
    result = run(str(tmp_path / "p.md"), "--format", "json", "--isolated")
    paper = json.loads(result.stdout)["posts"][0]["papers"][0]
    assert paper["findings"] == [] and paper["suppressed"] >= 2 and paper["score"] == 100
    assert result.exit_code == 0
    result = run(str(tmp_path / "p.md"), "--format", "json", "--isolated", "--show-suppressed")
    assert json.loads(result.stdout)["posts"][0]["papers"][0]["findings"]


def test_bad_config_is_a_one_line_usage_error(tmp_path):
    (tmp_path / "audit.toml").write_text("selekt = 1\n", encoding="utf-8")
    (tmp_path / "p.md").write_text(build_post(), encoding="utf-8")
    result = run(str(tmp_path / "p.md"))
    assert result.exit_code == 2 and "unknown key" in result.stderr


def test_examples_folder_runs():
    result = run(str(EXAMPLES), "--format", "json")
    doc = json.loads(result.stdout)
    check_contract(doc)
    assert len(doc["posts"]) >= 6


def test_seeds_contract():
    need_shared()
    result = run(str(SEEDS), "--format", "json")
    doc = json.loads(result.stdout)
    check_contract(doc)
    assert [len(p["papers"]) for p in doc["posts"]] == [3, 6, 9, 4, 2]
    mojibake = doc["posts"][0]
    assert any(f["category"] == "encoding" for f in mojibake["findings"])
    assert all(any(f["category"] == "encoding" for f in p["findings"]) for p in mojibake["papers"])


def test_parallel_runs_match_single_process_runs_exactly(tmp_path):
    """Workers hand spaCy work and cross-post checks to the parent: results must not depend on --jobs."""
    chatter = ("Sure! Here is the summary of the paper:\n\n1. Title: NovaTalk\n2. Authors: Lena Park, Tomas Weber, "
               "Yusuf Demir\n3. Affiliation: 首尔国立大学\n4. Keywords: 扩散\n5. Urls: https://arxiv.org/abs/2411.90001 , "
               "Github: https://github.com/nova-lab/NovaTalk\n6. Summary: (1) 背景。\n7. Methods: (1) 方法。\n"
               "8. Conclusion: (1) 意义。")
    for n in range(6):
        post = build_post(digest=chatter) if n % 2 else build_post()
        if n == 3:
            post = post.replace("Sure! Here is", "<!-- audit: ignore[CHT009] -->\nSure! Here is")
        (tmp_path / f"p{n}.md").write_text(post, encoding="utf-8")
    one = json.loads(run(str(tmp_path), "--format", "json", "-j", "1", "--show-suppressed").stdout)
    two = json.loads(run(str(tmp_path), "--format", "json", "-j", "2", "--show-suppressed").stdout)
    assert one == two
    rules = [[f["rule"] for p in post["papers"] for f in p["findings"]] for post in one["posts"]]
    assert "CHT009" in rules[1] and "CHT009" not in rules[0]
    assert [p["papers"][0]["suppressed"] for p in one["posts"]][3] >= 1
