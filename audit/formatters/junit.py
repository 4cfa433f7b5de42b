"""JUnit XML for CI test reporters: one <testsuite> per post, one <testcase> per paper ("#index arxiv_id title")
plus one for the post's own findings. Error findings make a <failure> (message + every finding listed); warnings and
info go to <system-out>. A file that could not be read is a testcase with an <error>; a skipped file (no entries) a
testcase with <skipped>.

Built with xml.etree, so every value is escaped; characters XML 1.0 forbids (most C0 controls, lone surrogates,
U+FFFE/U+FFFF) are removed first, so a post with control characters still gives a well-formed file.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..engine import PostReport, RunResult
from ..model import Finding

_FORBIDDEN = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: object) -> str:
    return _FORBIDDEN.sub("", str(text))


def _line(path: str, f: Finding) -> str:
    where = f"{path}:{f.line}" + (f":{f.column}" if f.column else "")
    text = f"{where} {f.rule} {f.severity.value} [{f.category}] {f.message}"
    if f.excerpt:
        text += f" “{f.excerpt}”"
    if f.suppressed:
        text += " (suppressed)"
    return text


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: clean(v) for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = clean(text)
    return el


def _case(suite: ET.Element, post: PostReport, name: str, findings: list[Finding], extra: str,
          counts: dict) -> None:
    case = _sub(suite, "testcase", name=name, classname=post.path)
    errors = [f for f in findings if f.severity.value == "error" and not f.suppressed]
    others = [f for f in findings if f.severity.value != "error" or f.suppressed]
    counts["tests"] += 1
    if errors:
        counts["failures"] += 1
        codes = sorted({f.rule for f in errors})
        first = errors[0].message
        message = f"{len(errors)} error finding{'s' * (len(errors) != 1)} ({', '.join(codes)}): {first}"
        _sub(case, "failure", "\n".join(_line(post.path, f) for f in errors), message=message[:500],
             type=",".join(codes))
    out = [extra] if extra else []
    out += [_line(post.path, f) for f in others]
    if out:
        _sub(case, "system-out", "\n".join(out))


def render(result: RunResult, ctx) -> str:
    root = ET.Element("testsuites", {"name": "audit"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for post in result.posts:
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        suite = _sub(root, "testsuite", name=post.path)
        props = _sub(suite, "properties")
        for key, value in (("score", post.score), ("grade", post.grade), ("title", post.title),
                           ("date", post.date), ("topic", post.topic), ("papers", len(post.papers))):
            if value is not None:
                _sub(props, "property", name=key, value=value)
        shown = [f for f in post.findings if ctx.show_suppressed or not f.suppressed]
        notes = "\n".join(f"note: {n}" for n in post.notes)
        _case(suite, post, "post", shown, f"score {post.score} {post.grade}" + (f"\n{notes}" if notes else ""),
              counts)
        for p in post.papers:
            shown = [f for f in p.findings if ctx.show_suppressed or not f.suppressed]
            if ctx.quiet:
                shown = [f for f in shown if f.severity.value != "info"]
            name = " ".join(x for x in (f"#{p.index}", p.arxiv_id or "", p.title) if x)
            _case(suite, post, name, shown, f"score {p.score} {p.grade}, line {p.line}", counts)
        for k in ("tests", "failures", "errors", "skipped"):
            suite.set(k, str(counts[k]))
            totals[k] += counts[k]
    for e in result.errors:
        suite = _sub(root, "testsuite", name=e.path, tests=1, failures=0, errors=int(e.fatal),
                     skipped=int(not e.fatal))
        case = _sub(suite, "testcase", name="read", classname=e.path)
        _sub(case, "error" if e.fatal else "skipped", e.message, message=e.message)
        totals["tests"] += 1
        totals["errors" if e.fatal else "skipped"] += 1
    for k in ("tests", "failures", "errors", "skipped"):
        root.set(k, str(totals[k]))
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
