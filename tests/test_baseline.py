"""Baselines: known findings are hidden whatever their line; a new identical finding still shows; clear errors."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.baseline import Baseline, BaselineError, load_baseline, write_baseline
from audit.engine import AuditOptions, RunResult, audit_paths
from audit.rules.examples import build_post

from .test_formats import finding, paper, post


def _all(result: RunResult):
    return [(p.path, f.rule, f.paper, f.excerpt) for p in result.posts for f in p.all_findings()]


def _result(line_shift=0, copies=1, arxiv_id="2411.90001", path="posts/a.md", index=1, extra=()):
    fs = [finding(rule="PLH001", line=10 + line_shift, excerpt="xxx", paper=index) for _ in range(copies)]
    fs += [finding(rule="CHT001", category="chatter", line=12 + line_shift, excerpt="希望这个摘要符合您的要求",
                   paper=index)]
    fs += list(extra)
    own = [finding(rule="MET001", category="metadata", severity="warning", paper=None, line=2, excerpt="date")]
    return RunResult(posts=[post(path, [paper(index, fs, arxiv_id=arxiv_id)], findings=own)])


@pytest.fixture
def base(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "audit-baseline.json"
    assert write_baseline(_result(), path) == 3
    return path


def test_roundtrip_hides_everything_known(base):
    b = load_baseline(base)
    assert isinstance(b, Baseline) and len(b) == 3
    out = b.filter(_result())
    assert _all(out) == []
    assert out.posts[0].score == 100 and out.posts[0].papers[0].score == 100
    assert out.notices[-1].endswith("3 known findings hidden")


@pytest.mark.parametrize("change", ["lines moved", "excerpt whitespace", "entry reordered"])
def test_stable_against_edits_elsewhere(base, change):
    if change == "lines moved":
        r = _result(line_shift=40)
    elif change == "excerpt whitespace":
        r = _result()
        p = r.posts[0].papers[0]
        from dataclasses import replace

        fs = tuple(replace(f, excerpt=f"  {f.excerpt}\n") for f in p.findings)
        r = RunResult(posts=[replace(r.posts[0], papers=(replace(p, findings=fs),))])
    else:  # the paper is now entry 3, but its arXiv id is the same
        r = _result(index=3)
    assert _all(load_baseline(base).filter(r)) == []


def test_duplicates_are_counted(base):
    out = load_baseline(base).filter(_result(copies=2))
    assert [(f[1], f[3]) for f in _all(out)] == [("PLH001", "xxx")]  # the second xxx is new
    assert out.posts[0].papers[0].score == 75


@pytest.mark.parametrize("variant, new", [
    ({"arxiv_id": "2411.90009"}, 2),                  # another paper: its findings are new (post-level is not)
    ({"path": "posts/b.md"}, 3),                      # another post
    ({"extra": [finding(rule="PLH001", excerpt="yyy")]}, 1),   # different text
    ({"extra": [finding(rule="PLH002", excerpt="xxx")]}, 1),   # different rule
])
def test_new_findings_are_reported(base, variant, new):
    out = load_baseline(base).filter(_result(**variant))
    assert len(_all(out)) == new


def test_papers_without_id_match_by_index(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_baseline(_result(arxiv_id=None), tmp_path / "b.json")
    b = load_baseline(tmp_path / "b.json")
    assert _all(b.filter(_result(arxiv_id=None))) == []
    assert len(_all(b.filter(_result(arxiv_id=None, index=2)))) == 2


def test_paths_are_relative_to_the_baseline_file(tmp_path, monkeypatch):
    (tmp_path / "site" / "posts").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "site")
    write_baseline(_result(path="posts/a.md"), tmp_path / "site" / "baseline.json")
    doc = json.loads((tmp_path / "site" / "baseline.json").read_text(encoding="utf-8"))
    assert {r["path"] for r in doc["findings"]} == {"posts/a.md"}
    monkeypatch.chdir(tmp_path)  # the same posts, audited from the parent folder
    b = load_baseline(Path("site/baseline.json"))
    assert _all(b.filter(_result(path="site/posts/a.md"))) == []
    assert len(_all(b.filter(_result(path="posts/a.md")))) == 3  # a different file now


def test_file_is_deterministic_and_sorted(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_baseline(_result(copies=2), tmp_path / "a.json")
    write_baseline(_result(copies=2, line_shift=9), tmp_path / "b.json")
    a = (tmp_path / "a.json").read_bytes()
    assert a == (tmp_path / "b.json").read_bytes()
    doc = json.loads(a)
    assert doc["format"] == "audit-baseline" and doc["version"] == 1
    rows = doc["findings"]
    assert rows == sorted(rows, key=lambda r: (r["rule"], r["path"], r["paper"], r["excerpt"]))
    assert {(r["rule"], r["count"]) for r in rows} == {("CHT001", 1), ("MET001", 1), ("PLH001", 2)}
    assert str(tmp_path) not in a.decode()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_suppressed_findings_neither_recorded_nor_consumed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sup = finding(rule="PLH009", excerpt="zzz", suppressed=True)
    assert write_baseline(_result(extra=[sup]), tmp_path / "b.json") == 3
    out = load_baseline(tmp_path / "b.json").filter(_result(extra=[sup]))
    kept = out.posts[0].papers[0].findings
    assert len(kept) == 1 and kept[0].suppressed


def test_gone_findings_are_counted_in_the_notice(base):
    r = RunResult(posts=[post("posts/a.md", [paper(1, [], arxiv_id="2411.90001")])])
    out = load_baseline(base).filter(r)
    assert out.notices[-1].endswith("0 known findings hidden, 3 no longer found")


@pytest.mark.parametrize("content, message", [
    (None, "baseline file not found"),
    (b"{not json", "not valid JSON (line 1"),
    (b"\xff\xfe", "not UTF-8"),
    (b"[]", "not an audit baseline"),
    (b'{"format": "audit-baseline", "version": 7, "findings": []}', "unsupported baseline version 7"),
    (b'{"format": "audit-baseline", "version": 1}', 'no "findings" list'),
    (b'{"format": "audit-baseline", "version": 1, "findings": [{"rule": 1}]}', "baseline finding 1 is malformed"),
    (b'{"format": "audit-baseline", "version": 1, "findings": [{"rule": "A", "path": "p", "paper": "x", '
     b'"excerpt": "", "count": 0}]}', "malformed"),
])
def test_load_errors_are_one_line(tmp_path, content, message):
    path = tmp_path / "b.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(BaselineError) as err:
        load_baseline(path)
    text = str(err.value)
    assert message in text and "\n" not in text and str(path) in text


def test_directory_is_an_error(tmp_path):
    with pytest.raises(BaselineError, match="is a directory"):
        load_baseline(tmp_path)


def test_engine_run_with_baseline(tmp_path, monkeypatch):
    """End to end on a real audit: a baselined post edited above its findings still reports nothing new."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.md").write_text(build_post(key_takeaways=None, methods=None), encoding="utf-8")
    first = audit_paths(["p.md"], AuditOptions(), jobs=1)
    assert _all(first), "the broken post should have findings"
    write_baseline(first, tmp_path / "baseline.json")
    text = build_post(key_takeaways=None, methods=None).replace("# ", "# 新增一行\n\n# ", 1)
    (tmp_path / "p.md").write_text(text, encoding="utf-8")
    second = audit_paths(["p.md"], AuditOptions(), jobs=1)
    assert [f.line for p in second.posts for f in p.all_findings()] != \
        [f.line for p in first.posts for f in p.all_findings()]
    assert _all(load_baseline(tmp_path / "baseline.json").filter(second)) == []
