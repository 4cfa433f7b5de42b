"""Markdown for a pull-request comment or a review issue (GitHub-flavoured): a summary table of the posts, then per
post its papers worst first, each with its findings (code, severity, line, message, excerpt in inline code).

Everything taken from a post is escaped: text is backslash-escaped (markdown punctuation, `<`, `&`, `@`, `$`), so no
HTML, link, image or mention can come from a post; excerpts and paths go into code spans whose backtick fence is
longer than any backtick run inside. Paper numbers are written in code (`#3`) so GitHub does not link them to
issues.
"""
from __future__ import annotations

import re
from urllib.parse import quote

from ..engine import PaperReport, PostReport, RunResult
from ..model import Finding

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~&@$!])")
ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z.-]*(?:\.[A-Z]{2})?/\d{7})$")


def _one_line(text: object) -> str:
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", str(text))).strip()


def text(value: object) -> str:
    """Plain text, safe anywhere in a paragraph or a table cell."""
    return _SPECIAL.sub(r"\\\1", _one_line(value))


def code(value: object, in_table: bool = False) -> str:
    """An inline code span holding `value` literally, whatever backticks it contains."""
    body = _one_line(value)
    if not body:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    out = f"{fence}{pad}{body}{pad}{fence}"
    return out.replace("|", "\\|") if in_table else out


def arxiv_link(arxiv_id: str | None) -> str:
    if not arxiv_id:
        return ""
    if ARXIV_ID.match(arxiv_id):
        return f"[{text(arxiv_id)}](https://arxiv.org/abs/{quote(arxiv_id, safe='/.')})"
    return code(arxiv_id)


def worst_first(papers) -> list[PaperReport]:
    return sorted(papers, key=lambda p: (p.score, p.index))


def _shown(findings, ctx) -> list[Finding]:
    return [f for f in findings if (ctx.show_suppressed or not f.suppressed)
            and not (ctx.quiet and f.severity.value == "info")]


def _finding(f: Finding) -> str:
    where = f"line {f.line}" + (f", column {f.column}" if f.column else "")
    out = f"- **{text(f.rule)}** {f.severity.value} ({text(f.category)}), {where}: {text(f.message)}"
    if f.excerpt:
        out += f" — {code(f.excerpt)}"
    if f.suppressed:
        out += " *(suppressed)*"
    return out


def render_post(post: PostReport, ctx, level: int = 2) -> list[str]:
    h = "#" * level
    counts = post.counts()
    out = [f"{h} {code(post.path)} — score {post.score} ({post.grade})", ""]
    about = [text(x) for x in dict.fromkeys((post.title, post.date, post.topic)) if x]
    summary = (f"{_n(len(post.papers), 'paper')} · {_n(counts['error'], 'error')} · "
               f"{_n(counts['warning'], 'warning')} · {counts['info']} info")
    out += [" · ".join(about + [summary]), ""]
    own = _shown(post.findings, ctx)
    if own:
        out += ["Post-level findings:", ""] + [_finding(f) for f in own] + [""]
    clean: list[str] = []
    for p in worst_first(post.papers):
        shown = _shown(p.findings, ctx)
        if not shown:
            clean.append(code(f"#{p.index}"))
            continue
        head = " ".join(x for x in (code(f"#{p.index}"), arxiv_link(p.arxiv_id), text(p.title)) if x)
        out += [f"{h}# {head} — {p.score} ({p.grade})", ""] + [_finding(f) for f in shown] + [""]
    if clean:
        out += [f"Papers without findings: {', '.join(clean)}", ""]
    for note in post.notes:
        out += [f"> note: {text(note)}", ""]
    return out


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render_single(post: PostReport, ctx) -> str:
    """The report of one post (the per-post files of a report folder)."""
    return "\n".join(render_post(post, ctx, level=1)).rstrip("\n") + "\n"


def render(result: RunResult, ctx) -> str:
    totals = {"error": 0, "warning": 0, "info": 0}
    papers = 0
    for post in result.posts:
        papers += len(post.papers)
        for k, v in post.counts().items():
            totals[k] += v
    out = ["# audit report", "",
           f"{_n(len(result.posts), 'post')}, {_n(papers, 'paper')}: {_n(totals['error'], 'error')}, "
           f"{_n(totals['warning'], 'warning')}, {totals['info']} info", ""]
    posts = sorted(result.posts, key=lambda p: p.score)
    if posts:
        out += ["| Post | Papers | Score | Grade | Errors | Warnings | Info |",
                "| --- | ---: | ---: | :---: | ---: | ---: | ---: |"]
        for post in posts:
            c = post.counts()
            out.append(f"| {code(post.path, in_table=True)} | {len(post.papers)} | {post.score} | {post.grade} | "
                       f"{c['error']} | {c['warning']} | {c['info']} |")
        out.append("")
    if result.errors:
        out += ["## Files not audited", ""]
        out += [f"- {code(e.path)}: {text(e.message)}" for e in result.errors] + [""]
    for notice in result.notices:
        out += [f"> {text(notice)}", ""]
    for post in posts:
        if ctx.quiet and not any(f.severity.value != "info" for f in post.all_findings(ctx.show_suppressed)):
            continue
        out += render_post(post, ctx)
    return "\n".join(out).rstrip("\n") + "\n"
