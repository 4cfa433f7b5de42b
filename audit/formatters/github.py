"""GitHub Actions workflow commands: one `::error|warning|notice file=…,line=…::message` line per finding, which
GitHub shows as an annotation on the line of the post in the pull request.

Escaping as the runner requires: in the message `%` -> %25, CR -> %0D, LF -> %0A; in property values also
`:` -> %3A and `,` -> %2C.
"""
from __future__ import annotations

from typing import Iterator

from ..engine import RunResult
from ..model import Finding

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, **props: object) -> str:
    fields = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    return f"::{kind}{' ' + fields if fields else ''}::{escape_data(message)}"


def _annotation(path: str, f: Finding, where: str) -> str:
    message = f"{f.message.strip() or f.rule}{where}"
    if f.excerpt:
        message += f": “{f.excerpt}”"
    if f.suppressed:
        message += " (suppressed)"
    kind = "notice" if f.suppressed else COMMAND[f.severity.value]
    end_line = f.end_line if f.end_line and f.end_line > f.line else None
    return command(kind, message, file=path, line=max(1, f.line), col=f.column, endLine=end_line,
                   title=f.rule)


def render(result: RunResult, ctx) -> str:
    return "".join(chunks(result, ctx))


def chunks(result: RunResult, ctx) -> Iterator[str]:
    """The annotations post by post (a long run is written as it is read, not held whole)."""
    totals = {"error": 0, "warning": 0, "info": 0}
    papers = posts = 0
    for post in result.posts:
        posts += 1
        out: list[str] = []
        papers += len(post.papers)
        for f in post.findings:
            if f.suppressed and not ctx.show_suppressed:
                continue
            totals[f.severity.value] += not f.suppressed
            out.append(_annotation(post.path, f, ""))
        for p in post.papers:
            where = f" [paper #{p.index}{' ' + p.arxiv_id if p.arxiv_id else ''}]"
            for f in p.findings:
                if f.suppressed and not ctx.show_suppressed:
                    continue
                totals[f.severity.value] += not f.suppressed
                if ctx.quiet and f.severity.value == "info":
                    continue
                out.append(_annotation(post.path, f, where))
        if out:
            yield "\n".join(out) + "\n"
    out = []
    for e in result.errors:
        out.append(command("error" if e.fatal else "notice", e.message, file=e.path, title="audit"))
    for notice in result.notices:
        out.append(command("notice", notice, title="audit"))
    out.append(f"audit: {posts} posts, {papers} papers: {totals['error']} errors, "
               f"{totals['warning']} warnings, {totals['info']} info")
    yield "\n".join(out) + "\n"
