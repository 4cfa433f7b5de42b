"""Arbitrary text and bytes never crash the parser or the CLI."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from audit.cli import app, normalize_argv
from audit.engine import AuditOptions, audit_text
from audit.parse import parse_post
from audit.rules.examples import build_post

PIECES = st.sampled_from([
    "## T\n", "**Authors:A, B**\n", "[PDF](http://arxiv.org/abs/2401.00001v1) c\n", "**Summary**\n",
    "**Key Takeaways**\n", "**[ChatPaperFree](x)**\n", "1. 标题：x\n", "<ol>\n<li>\n<p>", "</p>\n</li>\n</ol>\n",
    "7. 方法：\n", "8. Conclusion:", "<details>\n", "</details>\n", "---\n", "title: [\n", "\n", "(1) ", "xxx",
    "希望这个摘要符合您的要求", "https://github.com/a/b ", "å‘é‡", "\ufffd", "\r\n", "<!-- audit: ignore -->\n",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_parser_never_crashes_on_text(text):
    post = parse_post(text)
    for e in post.entries:
        assert e.line >= 1 and e.end_line >= e.line


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=40))
def test_parser_and_rules_never_crash_on_post_shaped_text(pieces):
    report = audit_text("".join(pieces), "<p>", AuditOptions())
    assert not report.notes, report.notes  # no rule crashed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2000), st.text(max_size=30))
def test_rules_never_crash_on_mutated_posts(cut, insert):
    text = build_post()
    cut %= len(text)
    report = audit_text(text[:cut] + insert + text[cut:], "<p>", AuditOptions())
    assert not report.notes, report.notes


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2000))
def test_cli_never_crashes_on_bytes(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("b") / "post.md"
    path.write_bytes(data)
    result = CliRunner().invoke(app, normalize_argv([str(path), "--format", "json"]))
    assert result.exit_code in (0, 1, 2), result.output
    doc = json.loads(result.stdout)
    assert len(doc["posts"]) + len(doc["errors"]) == 1
