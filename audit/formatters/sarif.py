"""SARIF 2.1.0 for GitHub code scanning and other SARIF viewers: one run, every rule's metadata, one result per
finding.

- `tool.driver.rules` lists every known rule (sorted by code) with its description and examples as help text, and
  any rule a finding names that is not known here (e.g. from an extra pack folder) with what the finding says.
- Paths are written as given on the command line, relative and percent-encoded (`a%20b/%E4%B8%AD.md`) under the
  `%SRCROOT%` base; an absolute path inside the current folder is made relative to it.
- Columns count Unicode code points (`columnKind`), as the engine does.
- `partialFingerprints.auditFinding/v1` is a hash of rule, path, paper (arXiv id, else its index) and the
  normalised excerpt, plus the occurrence number among identical findings; it does not depend on line numbers, so
  an edit elsewhere in the post keeps an alert the same alert.
- Findings suppressed inline appear only with --show-suppressed, then with `suppressions: [{kind: inSource}]`.
- Unreadable files become `invocations[0].toolExecutionNotifications`.
"""
from __future__ import annotations

import hashlib
import inspect
import json
import os
import re
import unicodedata
from collections import Counter
from pathlib import Path, PurePath
from typing import Iterator
from urllib.parse import quote

from ..engine import PostReport, RunResult
from ..model import Finding

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "auditFinding/v1"


def information_uri() -> str | None:
    """The project's home page from the installed package metadata (Project-URL), if it declares one."""
    try:
        from importlib.metadata import metadata

        for value in metadata("audit").get_all("Project-URL") or []:
            label, _, url = value.partition(",")
            url = url.strip()
            if label.strip().lower() in ("homepage", "home", "repository", "source", "documentation") \
                    and url.startswith("https://"):
                return url
    except Exception:
        pass
    return None


def artifact_uri(path: str) -> str:
    """A relative, percent-encoded URI for a post path as given (an absolute path outside the current folder
    becomes a file:// URI)."""
    p = PurePath(path)
    if p.is_absolute():
        try:
            p = PurePath(os.path.relpath(path))
        except ValueError:
            return Path(path).as_uri()
        if p.parts and p.parts[0] == "..":
            return Path(path).as_uri()
    text = p.as_posix()
    while text.startswith("./"):
        text = text[2:]
    return quote(text, safe="/-._~!$&'()*+,;=@")


_SPACE = re.compile(r"\s+")


def normalise_excerpt(text: str) -> str:
    """Excerpt text as compared across runs: NFKC, whitespace collapsed, no trailing ellipsis."""
    text = _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    return text[:-1].rstrip() if text.endswith("…") else text


def fingerprint(rule: str, path: str, paper: str, excerpt: str, occurrence: int) -> str:
    """Stable across line moves: rule, posix path, paper, normalised excerpt, and which identical one this is."""
    key = "\x1f".join((rule, path, paper, normalise_excerpt(excerpt)))
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"{digest}:{occurrence}"


def _help_text(meta) -> str:
    parts = [inspect.cleandoc(meta.description) if meta.description.strip() else meta.message]
    for label, items in (("Fires on", meta.examples.bad), ("Does not fire on", meta.examples.good)):
        if items:
            parts.append(f"{label}:")
            for ex in items:
                text = ex if isinstance(ex, str) else "; ".join(f"{k}: {v}" for k, v in ex.items())
                parts.append("- " + _SPACE.sub(" ", str(text))[:300])
    return "\n".join(parts)


def _rule_descriptor(meta) -> dict:
    short = meta.message.replace("{match!r}", "…").replace("{match}", "…").strip() or meta.name
    full = inspect.cleandoc(meta.description).split("\n\n")[0].strip() or short
    return {"id": meta.code, "name": meta.name,
            "shortDescription": {"text": short},
            "fullDescription": {"text": _SPACE.sub(" ", full)},
            "help": {"text": _help_text(meta)},
            "defaultConfiguration": {"level": LEVEL[meta.severity.value]},
            "properties": {"tags": [meta.category], "category": meta.category, "kind": meta.kind}}


def _known_rules() -> list:
    try:
        from ..engine import all_rules

        return [r.meta for r in all_rules()]
    except Exception:  # a broken pack must not stop a report; findings still name their rules
        return []


def _region(f: Finding) -> dict:
    region: dict = {"startLine": max(1, f.line)}
    if f.column:
        region["startColumn"] = max(1, f.column)
    region["endLine"] = max(region["startLine"], f.end_line or f.line)
    if f.excerpt:
        region["snippet"] = {"text": f.excerpt}
    return region


def _message(post: PostReport, f: Finding) -> str:
    text = f.message.strip() or f.rule
    if f.paper is not None:
        paper = next((p for p in post.papers if p.index == f.paper), None)
        label = f"paper #{f.paper}"
        if paper is not None and paper.arxiv_id:
            label += f" ({paper.arxiv_id})"
        text += f" [{label}]"
    if f.excerpt:
        quoted = f.excerpt if len(f.excerpt) <= 80 else f.excerpt[:79] + "…"
        text += f": “{quoted}”"
    return text


def _descriptors(result: RunResult) -> tuple[list[dict], dict[str, int]]:
    """The run's rule descriptors (every known rule, then, sorted, any other rule a finding names) and their index."""
    metas = {m.code: m for m in _known_rules()}
    descriptors = [_rule_descriptor(metas[c]) for c in sorted(metas)]
    index = {d["id"]: n for n, d in enumerate(descriptors)}
    extra: dict[str, dict] = {}
    for post in result.posts:
        for f in list(post.findings) + [f for p in post.papers for f in p.findings]:
            if f.rule not in index and f.rule not in extra:
                extra[f.rule] = {"id": f.rule, "shortDescription": {"text": f.message or f.rule},
                                 "defaultConfiguration": {"level": LEVEL[f.severity.value]},
                                 "properties": {"tags": [f.category], "category": f.category}}
    for code in sorted(extra):
        index[code] = len(descriptors)
        descriptors.append(extra[code])
    return descriptors, index


def _post_results(post: PostReport, ctx, index: dict[str, int]) -> Iterator[dict]:
    uri = artifact_uri(post.path)
    posix = PurePath(post.path).as_posix()
    seen: Counter = Counter()
    for f in list(post.findings) + [f for p in post.papers for f in p.findings]:
        if f.suppressed and not ctx.show_suppressed:
            continue
        paper = post.paper_key(f)
        key = (f.rule, paper, normalise_excerpt(f.excerpt))
        seen[key] += 1
        res = {"ruleId": f.rule, "ruleIndex": index[f.rule], "level": LEVEL[f.severity.value],
               "message": {"text": _message(post, f)},
               "locations": [{"physicalLocation": {
                   "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                   "region": _region(f)}}],
               "partialFingerprints": {FINGERPRINT_KEY: fingerprint(f.rule, posix, paper, f.excerpt, seen[key])},
               "properties": {"category": f.category, "paper": f.paper}}
        if f.suppressed:
            res["suppressions"] = [{"kind": "inSource"}]
        yield res


def _run(result: RunResult, ctx, descriptors: list[dict]) -> dict:
    """The run object without its results."""
    driver = {"name": "audit", "version": ctx.tool_version or "0", "rules": descriptors}
    if ctx.tool_version:
        driver["semanticVersion"] = ctx.tool_version
    uri = information_uri()
    if uri:
        driver["informationUri"] = uri
    notifications = []
    for e in result.errors:
        notifications.append({"level": "error" if e.fatal else "note",
                              "message": {"text": f"{e.path}: {e.message}"},
                              "locations": [{"physicalLocation": {"artifactLocation": {
                                  "uri": artifact_uri(e.path), "uriBaseId": "%SRCROOT%"}}}]})
    for notice in result.notices:
        notifications.append({"level": "note", "message": {"text": notice}})
    return {"tool": {"driver": driver},
            "invocations": [{"executionSuccessful": not any(e.fatal for e in result.errors),
                             "toolExecutionNotifications": notifications}],
            "columnKind": "unicodeCodePoints"}


def document(result: RunResult, ctx) -> dict:
    descriptors, index = _descriptors(result)
    run = _run(result, ctx, descriptors)
    run["results"] = [res for post in result.posts for res in _post_results(post, ctx, index)]
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def chunks(result: RunResult, ctx) -> Iterator[str]:
    """The log written post by post, one result per line (json's C encoder is only used without indent): the
    rules are collected in a first pass over the posts, the results written in a second."""
    descriptors, index = _descriptors(result)
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [_run(result, ctx, descriptors)]}
    head = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))  # ends with the run's "}]}"
    yield head[:-3] + ',"results":['
    first = True
    for post in result.posts:
        lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in _post_results(post, ctx, index)]
        if lines:
            yield ("\n" if first else ",\n") + ",\n".join(lines)
            first = False
    yield ("\n" if not first else "") + "]}]}\n"


def render(result: RunResult, ctx) -> str:
    return "".join(chunks(result, ctx))
