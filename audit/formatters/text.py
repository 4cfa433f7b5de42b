"""The terminal report: one header line per post, then each paper's findings with `path:line`."""
from __future__ import annotations

import io
from typing import Iterator

from ..engine import RunResult

STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
GRADE_STYLE = {"A": "green", "B": "green", "C": "yellow", "D": "red", "F": "bold red"}


def render(result: RunResult, ctx) -> str:
    return "".join(chunks(result, ctx))


def chunks(result: RunResult, ctx) -> Iterator[str]:
    """The report post by post (a long run is printed as it is read, not held whole)."""
    from rich.console import Console
    from rich.markup import escape

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=ctx.color, no_color=not ctx.color, width=200, highlight=False,
                      soft_wrap=True)

    def flush() -> str:
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return text

    totals = {"error": 0, "warning": 0, "info": 0}
    papers = 0
    for post in result.posts:
        yield flush()
        counts = post.counts()
        for k in totals:
            totals[k] += counts[k]
        papers += len(post.papers)
        if ctx.quiet and not any(counts[k] for k in ("error", "warning")):
            continue
        g = post.grade
        console.print(f"[bold]{escape(post.path)}[/]  score [{GRADE_STYLE[g]}]{post.score} {g}[/]  "
                      f"[red]{counts['error']} error[/] · [yellow]{counts['warning']} warning[/] · "
                      f"[cyan]{counts['info']} info[/]  ({len(post.papers)} papers)")
        for f in post.findings:
            if f.suppressed and not ctx.show_suppressed:
                continue
            _line(console, escape, post.path, f, indent="  ")
        for p in post.papers:
            shown = [f for f in p.findings if ctx.show_suppressed or not f.suppressed]
            if ctx.quiet:
                shown = [f for f in shown if f.severity.value != "info"]
            if not shown:
                continue
            console.print(f"  [bold]#{p.index}[/] {escape(p.arxiv_id or '?')}  {escape(p.title[:80])}  "
                          f"[{GRADE_STYLE[p.grade]}]{p.score} {p.grade}[/]")
            for f in shown:
                _line(console, escape, post.path, f, indent="    ")
        for note in post.notes:
            console.print(f"  [magenta]note:[/] {escape(note)}")
    for e in result.errors:
        label = "error" if e.fatal else "skipped"
        console.print(f"[bold red]{label}:[/] {escape(e.path)}: {escape(e.message)}")
    for notice in result.notices:
        console.print(f"[magenta]notice:[/] {escape(notice)}")
    console.print(f"[bold]{len(result.posts)} posts, {papers} papers:[/] [red]{totals['error']} errors[/], "
                  f"[yellow]{totals['warning']} warnings[/], [cyan]{totals['info']} info[/]"
                  + (f", {sum(e.fatal for e in result.errors)} unreadable" if any(e.fatal for e in result.errors)
                     else ""))
    yield flush()


def _line(console, escape, path, f, indent):
    sup = " [dim](suppressed)[/]" if f.suppressed else ""
    ex = f"  [dim]“{escape(f.excerpt[:100])}”[/]" if f.excerpt else ""
    console.print(f"{indent}{escape(path)}:{f.line}  [bold]{f.rule}[/] [{STYLE[f.severity.value]}]"
                  f"{f.severity.value}[/] {escape(f.message)}{ex}{sup}")
