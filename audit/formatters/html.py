"""A single self-contained HTML page: every post and paper worst first, each finding with the line of the post it
points at (the offending text in <mark>), filters by severity and category.

Safety: every interpolated string goes through html.escape(quote=True); nothing from a post is ever put into the
script, the style, an unescaped attribute or a URL (the only links are arXiv pages built from ids that match the
arXiv id pattern, and relative links to report files whose names we made). A Content-Security-Policy meta forbids
every external load. The one inline script is constant; it reads the checkboxes (and a `#severity=error&category=…`
hash, which preselects filters) and sets `hidden` on findings, papers and posts. With JavaScript off the filter form
stays hidden and everything is listed.

The post's lines are shown when the engine kept the posts (AuditOptions(keep_post=True)); otherwise only the excerpt.
"""
from __future__ import annotations

import html
import re
from typing import Mapping, Sequence
from urllib.parse import quote

from ..engine import PaperReport, PostReport, RunResult
from ..model import CATEGORIES, Finding

CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
       "base-uri 'none'; form-action 'none'")
ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z][a-z.-]*(?:\.[A-Z]{2})?/\d{7})$")
SEVERITIES = ("error", "warning", "info")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")
WINDOW = 110  # characters of context shown on each side of the marked text in a long line

CSS = """
:root{--bg:#fff;--fg:#1b1f24;--mute:#59636e;--line:#d1d9e0;--card:#f6f8fa;--err:#c62828;--warn:#9a6700;--info:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--mute:#9198a1;--line:#3d444d;--card:#151b23;
--err:#ff7b72;--warn:#d29922;--info:#4493f8}}
*{box-sizing:border-box}body{margin:0 auto;max-width:72rem;padding:1rem 1.25rem 3rem;background:var(--bg);color:var(--fg);
font:15px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif}
[hidden]{display:none!important}h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;margin:0 0 .3rem;word-break:break-all}
h3{font-size:1rem;margin:0 0 .4rem}a{color:var(--info)}.mute,.meta{color:var(--mute)}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}th,td{border-bottom:1px solid var(--line);padding:.25rem .5rem;
text-align:left}td.n,th.n{text-align:right}td.path{word-break:break-all}
form{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:flex-start;background:var(--card);border:1px solid var(--line);
border-radius:6px;padding:.6rem .8rem;margin:.5rem 0 1rem;position:sticky;top:0;z-index:1}
fieldset{border:0;margin:0;padding:0}legend{font-weight:600;padding:0}label{margin-right:.7rem;white-space:nowrap}
section.post{border-top:2px solid var(--line);padding:1rem 0}article.paper{background:var(--card);border:1px solid var(--line);
border-radius:6px;padding:.6rem .8rem;margin:.6rem 0}ul.findings{margin:.2rem 0;padding-left:1.1rem}li.finding{margin:.35rem 0}
.grade{display:inline-block;min-width:3.6em;padding:0 .4em;border-radius:4px;font-weight:700;text-align:center;color:#fff}
.g-A,.g-B{background:#1a7f37}.g-C{background:#9a6700}.g-D{background:#bc4c00}.g-F{background:#cf222e}
.sev{font-weight:700}.sev-error .sev{color:var(--err)}.sev-warning .sev{color:var(--warn)}.sev-info .sev{color:var(--info)}
.rule{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-weight:600}.cat{color:var(--mute)}
.ctx{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all;
background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:.3rem .5rem;margin:.25rem 0}
.ln{color:var(--mute);user-select:none;margin-right:.8em}mark{background:#ffd8b5;color:#1b1f24;border-radius:2px}
q.ex{font-style:italic}.note{color:var(--warn)}
""".strip()

SCRIPT = r"""
(function () {
  var form = document.getElementById("filters");
  if (!form) return;
  function boxes(name) { return Array.prototype.slice.call(form.querySelectorAll('input[name="' + name + '"]')); }
  function wanted(name) {
    var out = {};
    boxes(name).forEach(function (b) { if (b.checked) out[b.value] = true; });
    return out;
  }
  function apply() {
    var sev = wanted("severity"), cat = wanted("category"), clean = boxes("clean")[0].checked, papers = 0;
    document.querySelectorAll("li.finding").forEach(function (li) {
      li.hidden = !(sev[li.getAttribute("data-severity")] && cat[li.getAttribute("data-category")]);
    });
    document.querySelectorAll("article.paper").forEach(function (a) {
      var all = a.querySelectorAll("li.finding").length;
      a.hidden = all ? !a.querySelector("li.finding:not([hidden])") : !clean;
      if (!a.hidden) papers++;
    });
    document.querySelectorAll("section.post").forEach(function (s) {
      s.hidden = !s.querySelector("article.paper:not([hidden]), li.finding:not([hidden])");
    });
    document.getElementById("shown").textContent = papers + (papers === 1 ? " paper shown" : " papers shown");
  }
  var params = new URLSearchParams(location.hash.slice(1)), preset = false;
  ["severity", "category"].forEach(function (name) {
    if (!params.has(name)) return;
    preset = true;
    var keep = params.get(name).split(",");
    boxes(name).forEach(function (b) { b.checked = keep.indexOf(b.value) >= 0; });
  });
  boxes("clean")[0].checked = params.has("clean") ? params.get("clean") !== "0" : !preset;
  form.addEventListener("change", apply);
  form.hidden = false;
  apply();
})();
""".strip()


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def esc(value: object) -> str:
    return html.escape(_CONTROL.sub("", str(value)), quote=True)


def arxiv_url(arxiv_id: str | None) -> str | None:
    if arxiv_id and ARXIV_ID.match(arxiv_id):
        return "https://arxiv.org/abs/" + quote(arxiv_id, safe="/.")
    return None


def worst_first(papers: Sequence[PaperReport]) -> list[PaperReport]:
    return sorted(papers, key=lambda p: (p.score, p.index))


def _locate(line: str, f: Finding) -> tuple[int, int] | None:
    """Where the finding's excerpt sits in its line: (start, end), or None."""
    needle = f.excerpt[:-1].rstrip() if f.excerpt.endswith("…") else f.excerpt
    if f.column and 0 < f.column <= len(line) + 1:
        start = f.column - 1
        if needle and line.startswith(needle, start):
            return start, start + len(needle)
    if needle:
        at = line.find(needle)
        if at >= 0:
            return at, at + len(needle)
        words = needle.split()
        if words:
            m = re.search(r"\s+".join(re.escape(w) for w in words), line)
            if m:
                return m.span()
    if f.column and 0 < f.column <= len(line) and (f.end_line or f.line) > f.line:
        return f.column - 1, len(line)  # the finding runs on past this line
    return None


def context(lines: Sequence[str] | None, f: Finding) -> str:
    """The finding's line with the excerpt in <mark>, or just the excerpt when the line is not available."""
    if lines is None or not 1 <= f.line <= len(lines):
        return f' <q class="ex">{esc(f.excerpt)}</q>' if f.excerpt else ""
    line = lines[f.line - 1].rstrip("\r")
    span = _locate(line, f)
    ln = f'<span class="ln">{f.line}</span>'
    if span is None:
        shown = line if len(line) <= 2 * WINDOW else line[:2 * WINDOW] + "…"
        out = f'<div class="ctx">{ln}{esc(shown)}</div>'
        return out + (f' <q class="ex">{esc(f.excerpt)}</q>' if f.excerpt else "")
    start, end = span
    lo, hi = max(0, start - WINDOW), min(len(line), end + WINDOW)
    before = ("…" if lo > 0 else "") + line[lo:start]
    after = line[end:hi] + ("…" if hi < len(line) else "")
    return f'<div class="ctx">{ln}{esc(before)}<mark>{esc(line[start:end])}</mark>{esc(after)}</div>'


def _finding(f: Finding, lines: Sequence[str] | None) -> str:
    sev = f.severity.value
    where = f"line {f.line}" + (f", column {f.column}" if f.column else "")
    sup = ' <span class="mute">(suppressed)</span>' if f.suppressed else ""
    return (f'<li class="finding sev-{esc(sev)}" data-severity="{esc(sev)}" data-category="{esc(f.category)}">'
            f'<span class="rule">{esc(f.rule)}</span> <span class="sev">{esc(sev)}</span> '
            f'<span class="cat">{esc(f.category)}</span> <span class="mute">{esc(where)}</span>: '
            f'{esc(f.message)}{sup}{context(lines, f)}</li>')


def _findings(findings: Sequence[Finding], lines, cls: str = "findings") -> str:
    if not findings:
        return ""
    ordered = sorted(findings, key=lambda f: (-f.severity.rank, f.line, f.rule))
    return f'<ul class="{cls}">' + "".join(_finding(f, lines) for f in ordered) + "</ul>"


def _grade(score: int, grade: str) -> str:
    return f'<span class="grade g-{esc(grade)}">{int(score)} {esc(grade)}</span>'


def _shown(findings, ctx) -> list[Finding]:
    return [f for f in findings if (ctx.show_suppressed or not f.suppressed)
            and not (ctx.quiet and f.severity.value == "info")]


def _paper(p: PaperReport, pid: str, lines, ctx) -> str:
    shown = _shown(p.findings, ctx)
    url = arxiv_url(p.arxiv_id)
    if url:
        ident = f'<a href="{esc(url)}" rel="noopener noreferrer">arXiv:{esc(p.arxiv_id)}</a>'
    else:
        ident = f'<span class="mute">{esc(p.arxiv_id or "no arXiv id")}</span>'
    version = f"v{p.version}" if p.version else ""
    body = _findings(shown, lines) or '<p class="mute">No findings.</p>'
    return (f'<article class="paper" id="{pid}">'
            f'<h3>{_grade(p.score, p.grade)} #{p.index} {ident}{esc(version)} {esc(p.title)}</h3>'
            f'<p class="meta">line {p.line} · {_n(len(shown), "finding")}</p>{body}</article>')


def _post(post: PostReport, pid: str, ctx, link: str | None) -> str:
    lines = post.post.lines if post.post is not None else None
    counts = post.counts()
    about = " · ".join(esc(x) for x in dict.fromkeys((post.title, post.date, post.topic)) if x)
    meta = (f"{about + ' · ' if about else ''}{_n(len(post.papers), 'paper')} · {_n(counts['error'], 'error')} · "
            f"{_n(counts['warning'], 'warning')} · {counts['info']} info")
    if link:
        meta += f' · <a href="{esc(quote(link))}">Markdown report</a>'
    out = [f'<section class="post" id="{pid}"><h2>{_grade(post.score, post.grade)} <a href="#{pid}">'
           f'{esc(post.path)}</a></h2><p class="meta">{meta}</p>']
    own = _shown(post.findings, ctx)
    if own:
        out.append(f'<h3>Post-level findings</h3>{_findings(own, lines, "findings post-findings")}')
    for note in post.notes:
        out.append(f'<p class="note">note: {esc(note)}</p>')
    for p in worst_first(post.papers):
        out.append(_paper(p, f"{pid}-{p.index}", lines, ctx))
    out.append("</section>")
    return "\n".join(out)


def page(result: RunResult, ctx, post_links: Mapping[str, str] | None = None, title: str = "audit report") -> str:
    """The whole page. `post_links` maps a post path to a relative link (e.g. its Markdown report)."""
    post_links = post_links or {}
    posts = sorted(result.posts, key=lambda p: p.score)  # stable: ties keep the input order
    sev_counts = {s: 0 for s in SEVERITIES}
    cat_counts: dict[str, int] = {}
    papers = 0
    for post in posts:
        papers += len(post.papers)
        for f in _shown(post.all_findings(include_suppressed=True), ctx):
            sev_counts[f.severity.value] += 1
            cat_counts[f.category] = cat_counts.get(f.category, 0) + 1
    order = {c: n for n, c in enumerate(CATEGORIES)}
    cats = sorted(cat_counts, key=lambda c: (order.get(c, len(order)), c))

    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">',
           '<meta name="referrer" content="no-referrer">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{esc(title)}</title>", f"<style>\n{CSS}\n</style>", "</head>", "<body>",
           f"<header><h1>{esc(title)}</h1><p class=\"meta\">{_n(len(posts), 'post')} · {_n(papers, 'paper')} · "
           f"{_n(sev_counts['error'], 'error')} · {_n(sev_counts['warning'], 'warning')} · {sev_counts['info']} info"
           "</p></header>"]

    out.append('<form id="filters" hidden><fieldset><legend>Severity</legend>'
               + "".join(f'<label><input type="checkbox" name="severity" value="{s}" checked> {s} '
                         f'({sev_counts[s]})</label>' for s in SEVERITIES)
               + '</fieldset><fieldset><legend>Category</legend>'
               + "".join(f'<label><input type="checkbox" name="category" value="{esc(c)}" checked> {esc(c)} '
                         f'({cat_counts[c]})</label>' for c in cats)
               + '</fieldset><fieldset><legend>Papers</legend><label><input type="checkbox" name="clean" checked> '
               'without findings</label></fieldset><p id="shown" class="mute"></p></form>')

    if result.errors:
        out.append("<h2>Files not audited</h2><ul>" + "".join(
            f"<li><code>{esc(e.path)}</code>: {esc(e.message)}{'' if e.fatal else ' (skipped)'}</li>"
            for e in result.errors) + "</ul>")
    for notice in result.notices:
        out.append(f'<p class="note">{esc(notice)}</p>')

    ids = {id(post): f"p{n}" for n, post in enumerate(posts, 1)}
    if posts:
        rows = []
        for post in posts:
            c = post.counts()
            rows.append(f'<tr><td class="path"><a href="#{ids[id(post)]}">{esc(post.path)}</a></td>'
                        f'<td class="n">{len(post.papers)}</td><td>{_grade(post.score, post.grade)}</td>'
                        f'<td class="n">{c["error"]}</td><td class="n">{c["warning"]}</td>'
                        f'<td class="n">{c["info"]}</td></tr>')
        out.append('<table><thead><tr><th>Post</th><th class="n">Papers</th><th>Score</th><th class="n">Errors</th>'
                   '<th class="n">Warnings</th><th class="n">Info</th></tr></thead><tbody>'
                   + "".join(rows) + "</tbody></table>")
    out.append("<main>")
    for post in posts:
        out.append(_post(post, ids[id(post)], ctx, post_links.get(post.path)))
    out.append("</main>")
    version = f" {esc(ctx.tool_version)}" if ctx.tool_version else ""
    out.append(f'<footer class="mute"><p>audit{version}</p></footer>')
    out.append(f"<script>\n{SCRIPT}\n</script>")
    out.append("</body>\n</html>\n")
    return "\n".join(out)


def render(result: RunResult, ctx) -> str:
    return page(result, ctx)
