"""Baselines: record today's findings so that only new ones are reported (`--write-baseline FILE`, `--baseline
FILE`), the way a team adopts a linter on an existing blog.

A finding is known when the baseline holds one with the same key: (rule, post path, paper, normalised excerpt).
- The post path is stored relative to the baseline file's folder (posix separators), so the baseline works from any
  working directory; a path that cannot be made relative (another drive) is kept as given.
- The paper is its arXiv id when it has one (so reordering entries does not matter), else `#index`; `post` for
  post-level findings.
- The excerpt is NFKC-normalised with whitespace collapsed and a trailing ellipsis dropped.
- Line numbers are NOT part of the key: editing another part of the post does not resurrect known findings.
Keys are counted (a multiset): a baseline holding one finding hides one, so a second identical new finding is still
reported. Findings suppressed inline are neither recorded nor matched. Filtering recomputes the scores, as if the
known findings were suppressed.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from .engine import PostReport, RunResult, rescored
from .formatters.sarif import normalise_excerpt
from .fsutil import atomic_write_text
from .model import Finding

FORMAT = "audit-baseline"
VERSION = 1


class BaselineError(Exception):
    """A baseline file that is missing, unreadable or not a baseline; str() is one line naming the file."""


Key = tuple[str, str, str, str]


def _rel_path(post_path: str, base: Path) -> str:
    try:
        rel = os.path.relpath(os.path.abspath(post_path), os.path.abspath(base))
    except ValueError:
        rel = post_path
    return PurePath(rel.replace("\\", "/")).as_posix()


def _keys(post: PostReport, base: Path) -> list[tuple[Key, Finding]]:
    path = _rel_path(post.path, base)
    out = []
    for f in list(post.findings) + [f for p in post.papers for f in p.findings]:
        if not f.suppressed:
            out.append(((f.rule, path, post.paper_key(f), normalise_excerpt(f.excerpt)), f))
    return out


def write_baseline(result: RunResult, path: Path) -> int:
    """Record every (unsuppressed) finding of `result` in `path`, atomically; returns the number recorded."""
    path = Path(path)
    base = path.parent
    counts: Counter = Counter(k for post in result.posts for k, _ in _keys(post, base))
    rows = [{"rule": r, "path": p, "paper": paper, "excerpt": ex, "count": n}
            for (r, p, paper, ex), n in sorted(counts.items())]
    doc = {"format": FORMAT, "version": VERSION,
           "note": "findings known when this file was written; `audit --baseline FILE` reports only new ones",
           "findings": rows}
    try:
        atomic_write_text(path, json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    except OSError as exc:
        raise BaselineError(f"{path}: cannot write baseline ({exc.strerror or exc})") from None
    return sum(counts.values())


@dataclass
class Baseline:
    path: Path
    counts: Counter = field(default_factory=Counter)

    def __len__(self) -> int:
        return sum(self.counts.values())

    def filter(self, result: RunResult) -> RunResult:
        """A copy of `result` without the findings the baseline knows (each known key hides as many findings as it
        was counted), scores recomputed, and a notice saying how many were hidden and how many are gone."""
        left = Counter(self.counts)
        base = self.path.parent
        hidden = 0
        from .store import PostStore

        posts = PostStore() if isinstance(result.posts, PostStore) else []  # as large as the run: keep it on disk
        for post in result.posts:
            drop: set[int] = set()
            for key, f in _keys(post, base):
                if left[key] > 0:
                    left[key] -= 1
                    drop.add(id(f))
            hidden += len(drop)
            posts.append(_without(post, drop) if drop else post)
        gone = sum(v for v in left.values() if v > 0)
        notices = list(result.notices)
        notices.append(f"baseline {self.path}: {hidden} known finding{'s' * (hidden != 1)} hidden"
                       + (f", {gone} no longer found" if gone else ""))
        return RunResult(posts=posts, errors=list(result.errors), notices=notices)


def _without(post: PostReport, drop: set[int]) -> PostReport:
    return rescored(post, {p.index: tuple(f for f in p.findings if id(f) not in drop) for p in post.papers},
                    tuple(f for f in post.findings if id(f) not in drop))


def load_baseline(path: Path) -> Baseline:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BaselineError(f"{path}: baseline file not found (create it with --write-baseline)") from None
    except IsADirectoryError:
        raise BaselineError(f"{path}: baseline is a directory, not a file") from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline ({exc.strerror or exc})") from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BaselineError(f"{path}: baseline is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}: baseline is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BaselineError(f"{path}: not an audit baseline (no \"format\": \"{FORMAT}\")")
    if doc.get("version") != VERSION:
        raise BaselineError(f"{path}: unsupported baseline version {doc.get('version')!r} (expected {VERSION})")
    rows = doc.get("findings")
    if not isinstance(rows, list):
        raise BaselineError(f"{path}: baseline has no \"findings\" list")
    counts: Counter = Counter()
    for n, row in enumerate(rows, 1):
        try:
            key = (row["rule"], row["path"], row["paper"], row["excerpt"])
            count = row.get("count", 1)
            if not all(isinstance(x, str) for x in key) or not isinstance(count, int) or count < 1:
                raise TypeError
        except (TypeError, KeyError, AttributeError):
            raise BaselineError(f"{path}: baseline finding {n} is malformed (expected rule, path, paper, excerpt "
                                f"strings and a positive count)") from None
        counts[key] += count
    return Baseline(path=path, counts=counts)


__all__ = ["Baseline", "BaselineError", "load_baseline", "write_baseline"]
