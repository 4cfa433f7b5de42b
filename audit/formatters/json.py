"""The JSON contract, version 1 (see README): every key is kept; consumers rely on them."""
from __future__ import annotations

import json
from typing import Iterator

from ..engine import PaperReport, PostReport, RunResult


def paper_json(p: PaperReport, show_suppressed: bool) -> dict:
    return {"index": p.index, "arxiv_id": p.arxiv_id, "version": p.version, "title": p.title, "line": p.line,
            "score": p.score, "grade": p.grade, "sections": dict(p.sections),
            "findings": [f.to_json() for f in p.findings if show_suppressed or not f.suppressed],
            "suppressed": sum(f.suppressed for f in p.findings)}


def post_json(post: PostReport, show_suppressed: bool = False) -> dict:
    return {"path": post.path, "title": post.title, "date": post.date, "topic": post.topic,
            "score": post.score, "grade": post.grade,
            "findings": [f.to_json() for f in post.findings if show_suppressed or not f.suppressed],
            "papers": [paper_json(p, show_suppressed) for p in post.papers],
            "notes": list(post.notes)}


def document(result: RunResult, ctx) -> dict:
    return {"version": 1, "tool": {"name": "audit", "version": ctx.tool_version},
            "posts": [post_json(p, ctx.show_suppressed) for p in result.posts],
            "errors": [{"path": e.path, "message": e.message} for e in result.errors],
            "notices": list(result.notices)}


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)


def chunks(result: RunResult, ctx) -> Iterator[str]:
    """`json.dumps(document(result, ctx), indent=1)` written post by post, so that a run of any size never holds
    the whole document (the same bytes; JSON strings hold no raw newline, so re-indenting lines is safe)."""
    head = _dumps({"version": 1, "tool": {"name": "audit", "version": ctx.tool_version}})
    yield head[:-2] + ',\n "posts": ['
    n = 0
    for post in result.posts:
        text = _dumps(post_json(post, ctx.show_suppressed))
        yield ("\n  " if n == 0 else ",\n  ") + text.replace("\n", "\n  ")
        n += 1
    tail = _dumps({"errors": [{"path": e.path, "message": e.message} for e in result.errors],
                   "notices": list(result.notices)})
    yield ("\n ]," if n else "],") + tail[1:] + "\n"


def render(result: RunResult, ctx) -> str:
    return "".join(chunks(result, ctx))
