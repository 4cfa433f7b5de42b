"""`audit --online` end to end against the fake arXiv API on 127.0.0.1 (started and stopped by the tests)."""
from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

from audit.cli import app, normalize_argv
from audit.rules.examples import build_post

try:
    from .fakearxiv import FakeArxiv
except ImportError:  # pragma: no cover
    from fakearxiv import FakeArxiv


@pytest.fixture(autouse=True)
def no_delay(monkeypatch):
    monkeypatch.setenv("AUDIT_ARXIV_DELAY", "0")


def run(*args):
    return CliRunner().invoke(app, normalize_argv(list(args)))


def write_posts(folder, ids):
    for n, ident in enumerate(ids):
        urls = f"https://arxiv.org/abs/{ident} , Github: https://github.com/nova-lab/NovaTalk"
        (folder / f"p{n:04}.md").write_text(build_post(arxiv_id=ident, urls=urls), encoding="utf-8")


def test_cited_ids_fetched_in_batches_then_served_from_cache(tmp_path):
    with FakeArxiv() as server:
        ids = server.add_synthetic(230, yymm="2411", first=90001)
        write_posts(tmp_path, ids)
        cache = tmp_path / "cache.sqlite3"
        first = run(str(tmp_path), "--online", "--api-url", server.url, "--cache", str(cache), "--format", "json",
                    "--ignore", "ARX")  # synthetic papers' titles differ from the posts' headers on purpose
        assert first.exit_code == 0, first.output
        assert server.request_count == math.ceil(230 / 100)
        server.reset_log()
        again = run(str(tmp_path), "--online", "--api-url", server.url, "--cache", str(cache), "--format", "json",
                    "--ignore", "ARX")
        assert again.exit_code == 0 and server.request_count == 0
        cached = run(str(tmp_path), "--metadata", "cache", "--cache", str(cache), "--format", "json",
                     "--ignore", "ARX")
        assert cached.exit_code == 0 and server.request_count == 0


def test_outage_leaves_exit_code_unchanged_and_says_so_once(tmp_path):
    (tmp_path / "p.md").write_text(build_post(methods=None), encoding="utf-8")
    offline = run(str(tmp_path), "--format", "json")
    server = FakeArxiv().start()
    url = server.url
    server.stop()
    online = run(str(tmp_path), "--online", "--api-url", url, "--cache", str(tmp_path / "c.sqlite3"),
                 "--format", "json")
    assert online.exit_code == offline.exit_code == 1
    doc = json.loads(online.stdout)
    assert len(doc["notices"]) == 1 and "unreachable" in doc["notices"][0]
    assert online.stderr.count("audit: arXiv unreachable") == 1
    assert doc["posts"][0]["papers"] == json.loads(offline.stdout)["posts"][0]["papers"]


def test_unusable_cache_is_a_one_line_error(tmp_path):
    (tmp_path / "p.md").write_text(build_post(), encoding="utf-8")
    bad = tmp_path / "cache.sqlite3"
    bad.write_bytes(b"this is not a database" * 100)
    result = run(str(tmp_path / "p.md"), "--metadata", "cache", "--cache", str(bad))
    assert result.exit_code == 2
    assert str(bad) in result.stderr and len(result.stderr.strip().split("\n")) == 1


def test_sync_fills_the_cache_without_auditing(tmp_path):
    with FakeArxiv() as server:
        ids = server.add_synthetic(5, yymm="2411", first=90001)
        write_posts(tmp_path, ids)
        result = run("arxiv", "sync", str(tmp_path), "--api-url", server.url, "--cache", str(tmp_path / "c.db"))
        assert result.exit_code == 0 and "5 of 5" in result.stdout
        assert server.request_count == 1
