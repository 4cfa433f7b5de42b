"""The disk caches that make start-up fast: compiled regular expressions (audit.recache) and parsed YAML
(audit.datafiles). A cache must give exactly what compiling or parsing gives, and a broken one must be ignored."""
from __future__ import annotations

import marshal
import re
import subprocess
import sys

import pytest

from audit import datafiles, recache

SAMPLES = ["abc", "ABC def", "中文 与 不 中", "x1 y22 z333", "", "hope this helps\nsecond line", "(?P<n>)"]
PATTERNS = [
    (r"(?P<word>[a-z]+)\s+(?P<num>\d+)?", 0),
    (r"^hope\b.*$", re.I | re.M),
    (r"[\u4e00-\u9fff]{1,2}(?=\s)", 0),
    (r"(?:a|b|c)+(?!x)", re.I),
    (r"(\w)\1", 0),
    (r"(?<![A-Za-z])(?i:ABC)", 0),
]


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    """recache with an empty table and its file in tmp_path."""
    monkeypatch.setenv("AUDIT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("AUDIT_NO_CACHE", raising=False)
    monkeypatch.setattr(recache, "_table", None)
    monkeypatch.setattr(recache, "_dirty", False)
    monkeypatch.setattr(recache, "_owner", None)
    monkeypatch.setattr(recache, "_used", set())
    return tmp_path


def same(a: re.Pattern, b: re.Pattern) -> None:
    assert (a.pattern, a.flags, a.groups, a.groupindex) == (b.pattern, b.flags, b.groups, b.groupindex)
    for text in SAMPLES:
        assert [m.span() for m in a.finditer(text)] == [m.span() for m in b.finditer(text)]
        assert [m.groups() for m in a.finditer(text)] == [m.groups() for m in b.finditer(text)]


@pytest.mark.parametrize("pattern,flags", PATTERNS)
def test_compiled_and_cached_patterns_behave_like_re(fresh, pattern, flags):
    first = recache.compile(pattern, flags)
    same(first, re.compile(pattern, flags))
    recache.save()
    files = list(fresh.glob("regex-*.marshal"))
    assert len(files) == 1
    # a new process reads the codes back instead of compiling
    recache._table = None
    recache._dirty = False
    again = recache.compile(pattern, flags)
    assert recache._dirty is False
    same(again, re.compile(pattern, flags))


def test_a_bad_pattern_raises_re_error(fresh):
    with pytest.raises(re.error):
        recache.compile(r"(unclosed")


def test_a_damaged_cache_file_is_ignored(fresh):
    recache.compile(r"ab+c")
    recache.save()
    path = next(fresh.glob("regex-*.marshal"))
    path.write_bytes(b"\x00garbage")
    recache._table = None
    same(recache.compile(r"ab+c"), re.compile(r"ab+c"))
    # a well-formed file whose entry is wrong for _sre is dropped and compiled afresh
    path.write_bytes(marshal.dumps({(r"ab+c", 0): (0, [1, 2, 3], 0, {}, ())}))
    recache._table = None
    same(recache.compile(r"ab+c"), re.compile(r"ab+c"))


def test_no_cache_writes_nothing(fresh, monkeypatch):
    monkeypatch.setenv("AUDIT_NO_CACHE", "1")
    recache.compile(r"q+")
    recache.save()
    assert not list(fresh.iterdir())


def test_every_bundled_pattern_round_trips(tmp_path):
    """A whole run's patterns (modules, packs, gazetteer) compiled in one process and read back in another give
    the same regex objects (pattern, flags, groups) as re.compile."""
    code = ("import re, sys; from audit import recache\n"
            "from audit.engine import AuditOptions, selected_rules, _warm_up\n"
            "o = AuditOptions(); selected_rules(o.config); _warm_up(o)\n"
            "table = recache._load(); bad = 0\n"
            "for (p, f) in list(table):\n"
            "    a, b = recache.compile(p, f), re.compile(p, f)\n"
            "    bad += (a.pattern, a.flags, a.groups, a.groupindex) != (b.pattern, b.flags, b.groups, b.groupindex)\n"
            "print(len(table), bad, recache._dirty)\n")
    env = {"AUDIT_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    first = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    second = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    n1, bad1, _ = first.stdout.split()
    n2, bad2, dirty2 = second.stdout.split()
    assert int(n1) > 300 and bad1 == "0"
    assert n2 == n1 and bad2 == "0" and dirty2 == "False"  # the second run compiled nothing new


def test_yaml_is_parsed_once_per_content(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("AUDIT_NO_CACHE", raising=False)
    data = tmp_path / "d.yaml"
    data.write_text("a: [1, 2]\nb: 中文\n", encoding="utf-8")
    assert datafiles.load_yaml(data) == {"a": [1, 2], "b": "中文"}
    assert len(list((tmp_path / "cache" / "yaml").iterdir())) == 1
    assert datafiles.load_yaml(data) == {"a": [1, 2], "b": "中文"}  # from the cache
    data.write_text("a: [3]\n", encoding="utf-8")
    assert datafiles.load_yaml(data) == {"a": [3]}  # edited: parsed afresh
    for cached in (tmp_path / "cache" / "yaml").iterdir():
        cached.write_bytes(b"\x00broken")
    data.write_text("a: [1, 2]\nb: 中文\n", encoding="utf-8")
    assert datafiles.load_yaml(data) == {"a": [1, 2], "b": "中文"}  # a broken cache entry is ignored


def test_yaml_errors_are_raised_not_cached(tmp_path, monkeypatch):
    import yaml

    monkeypatch.setenv("AUDIT_CACHE_DIR", str(tmp_path / "cache"))
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\n", encoding="utf-8")
    with pytest.raises(yaml.YAMLError):
        datafiles.load_yaml(bad)
    with pytest.raises(yaml.YAMLError):
        datafiles.load_yaml(bad)


def test_cached_values_are_built_once_per_key(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("AUDIT_NO_CACHE", raising=False)
    built = []

    def build():
        built.append(1)
        return ["(?:a|b)", "c"]

    assert datafiles.cached("t", "key-1", build) == ["(?:a|b)", "c"]
    assert datafiles.cached("t", "key-1", build) == ["(?:a|b)", "c"]
    assert len(built) == 1
    datafiles.cached("t", "key-2", build)
    assert len(built) == 2
    monkeypatch.setenv("AUDIT_NO_CACHE", "1")
    datafiles.cached("t", "key-1", build)
    assert len(built) == 3


def test_large_values_keep_only_the_most_recently_used(tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("AUDIT_NO_CACHE", raising=False)
    import os
    import time

    for n in range(3):
        datafiles.cached("big", f"key-{n}", lambda n=n: [n], keep=2)
        past = time.time() - 100 + n  # distinct, increasing times
        for entry in (tmp_path / "big").glob("*.marshal"):
            if entry.stat().st_mtime > past + 50:
                os.utime(entry, (past, past))
    assert len(list((tmp_path / "big").glob("*.marshal"))) == 2
    assert datafiles.cached("big", "key-0", lambda: ["rebuilt"], keep=2) == ["rebuilt"]  # the oldest was pruned
    assert datafiles.cached("big", "key-2", lambda: ["rebuilt"], keep=2) == [2]  # the newest was kept


def test_stale_patterns_are_dropped_when_they_outnumber_the_used_ones(fresh):
    for p in ("a+", "b+", "c+"):
        recache.compile(p)
    recache.save()
    # the next run (a new version, say) compiles something else
    recache._table, recache._used, recache._dirty = None, set(), False
    recache.compile("d+")
    recache.save()
    path = next(fresh.glob("regex-*.marshal"))
    assert set(marshal.loads(path.read_bytes())) == {("d+", 0)}
    # a run that uses most of what is there keeps the rest
    recache._table, recache._used, recache._dirty = None, set(), False
    recache.compile("d+")
    recache.compile("e+")
    recache.save()
    assert set(marshal.loads(path.read_bytes())) == {("d+", 0), ("e+", 0)}
