"""Reports of a run kept on disk (audit.store.PostStore), and the run that fills it (engine.audit_paths)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from audit.engine import AuditOptions, audit_paths, audit_text
from audit.rules.examples import build_post
from audit.store import PostStore


def report(n: int, **parts):
    return audit_text(build_post(arxiv_id=f"2401.{n:05d}", **parts), f"post{n}.md",
                      AuditOptions(keep_post=True))


@pytest.mark.parametrize("in_memory", [0, 1, 100])
def test_store_is_a_sequence_of_reports_in_order(in_memory):
    store = PostStore(in_memory=in_memory)
    reports = [report(n) for n in range(3)]
    for r in reports:
        store.append(r)
    assert store.on_disk == (in_memory < 3)
    assert len(store) == 3
    assert [r.path for r in store] == ["post0.md", "post1.md", "post2.md"]
    assert store[0] == reports[0] and store[-1] == reports[2] and store[1:] == reports[1:]
    with pytest.raises(IndexError):
        store[3]
    store.replace(1, replace(reports[1], score=1))
    assert [r.score for r in store][1] == 1 and len(store) == 3


@pytest.mark.parametrize("in_memory", [0, 100])
def test_store_can_drop_the_parsed_posts_as_it_reads(in_memory):
    store = PostStore(strip_post=True, in_memory=in_memory)
    store.append(report(1))
    assert store[0].post is None
    assert store.raw(0).post is not None  # what was stored is still there, for the cross-post pass


@pytest.mark.parametrize("in_memory", [2, 200])
def test_a_run_keeps_its_reports_in_a_store_in_input_order(tmp_path, monkeypatch, in_memory):
    import audit.store

    monkeypatch.setattr(audit.store, "IN_MEMORY", in_memory)
    for n in range(6):
        (tmp_path / f"{n}.md").write_text(build_post(arxiv_id=f"2401.{n:05d}"), encoding="utf-8")
    one = audit_paths([str(tmp_path)], AuditOptions(), jobs=1)
    two = audit_paths([str(tmp_path)], AuditOptions(), jobs=2)
    assert isinstance(one.posts, PostStore) and isinstance(two.posts, PostStore)
    assert one.posts.on_disk == two.posts.on_disk == (in_memory < 6)
    assert [p.path for p in one.posts] == [str(tmp_path / f"{n}.md") for n in range(6)]
    assert list(one.posts) == list(two.posts)
    assert all(p.post is None for p in one.posts)


def test_cross_post_conflicts_are_found_from_the_kept_pairs(tmp_path):
    """The same paper credited to unrelated universities in two posts: AFF002 on both, and only there."""
    (tmp_path / "a.md").write_text(build_post(arxiv_id="2401.00001", affiliation="清华大学"), encoding="utf-8")
    (tmp_path / "b.md").write_text(build_post(arxiv_id="2401.00001", affiliation="斯坦福大学"), encoding="utf-8")
    (tmp_path / "c.md").write_text(build_post(arxiv_id="2401.00002", affiliation="斯坦福大学"), encoding="utf-8")
    (tmp_path / "d.md").write_text(build_post(arxiv_id="2401.00001", affiliation="清华大学"), encoding="utf-8")
    for jobs in (1, 2):
        result = audit_paths([str(tmp_path)], AuditOptions(), jobs=jobs)
        hit = {p.path.rsplit("/", 1)[-1] for p in result.posts for f in p.all_findings() if f.rule == "AFF002"}
        assert hit == {"a.md", "b.md", "d.md"}  # c.md cites another paper


_PARENT: list[int] = []


def _dying(task):
    """engine._audit_one, except that in a worker it kills its own process."""
    import os
    import signal

    from audit import engine

    if os.getpid() != _PARENT[0]:
        os.kill(os.getpid(), signal.SIGKILL)
    return engine.audit_file(*task)


def test_a_worker_that_dies_does_not_lose_its_files(tmp_path, monkeypatch):
    """A killed worker (out of memory, a signal) breaks the pool; its files are audited by the parent instead."""
    import os

    import audit.engine as engine

    for n in range(8):
        (tmp_path / f"{n}.md").write_text(build_post(arxiv_id=f"2401.{n:05d}"), encoding="utf-8")
    _PARENT[:] = [os.getpid()]
    monkeypatch.setattr(engine, "_audit_one", _dying)
    result = audit_paths([str(tmp_path)], AuditOptions(), jobs=2)
    assert [p.path for p in result.posts] == [str(tmp_path / f"{n}.md") for n in range(8)]
    assert not result.errors
