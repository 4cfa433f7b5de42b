"""`audit fix`: safe, mechanical repairs only — encoding repair, a missing or placeholder paper link filled from the
header's arXiv id, a missing code link filled from the abstract, lines that are pure assistant chatter deleted.

A repair comes from a rule's finding (`Finding.fix`, a whole-line replacement or deletion that names the line's
old text) or, for mojibake, from the encoding repair itself. A fix is applied only when its line still reads exactly
as the rule saw it, so nothing else is ever touched. Writing is atomic (temporary file + rename), keeps the file's
mode and line endings, and is idempotent: a second run finds nothing to change. A clean post is never rewritten.
"""
from __future__ import annotations

import difflib
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .encoding import UnreadableFile, decode, repair
from .engine import AuditOptions, audit_post
from .fsutil import atomic_write_bytes
from .parse import parse_post

MAX_PASSES = 4


@dataclass
class FixOutcome:
    path: str
    applied: list[tuple[str, int, str]] = field(default_factory=list)   # (rule, line, description)
    original: str = ""
    fixed: str = ""
    error: str | None = None

    @property
    def changed(self) -> bool:
        return self.error is None and self.fixed != self.original

    def diff(self) -> str:
        return "".join(difflib.unified_diff(self.original.splitlines(keepends=True),
                                            self.fixed.splitlines(keepends=True),
                                            fromfile=f"a/{self.path}", tofile=f"b/{self.path}"))


def plan_fixes(path: str, config: Config) -> FixOutcome:
    out = FixOutcome(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        out.error = f"cannot read file: {exc.strerror or exc}"
        return out
    try:
        text, report = decode(data)
    except UnreadableFile as exc:
        out.error = str(exc)
        return out
    out.original = text
    newline = "\r\n" if "\r\n" in text else "\n"
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    repaired, enc = repair(normalised, report)
    lines = normalised.split("\n")
    if enc.mojibake and config.enabled("ENC001", "encoding", "mojibake", path):
        lines = repaired.split("\n")
        for line, _, _, confidence in enc.repaired_lines:
            out.applied.append(("ENC001", line, f"repaired mojibake (confidence {confidence:.2f})"))
    text_now = repaired
    for _ in range(MAX_PASSES):  # fixes on one line are applied one per pass, re-auditing in between
        post = parse_post(text_now, path, enc)
        result = audit_post(post, AuditOptions(config=config))
        fixes = sorted(((f.rule, f.fix) for f in result.all_findings() if f.fix is not None),
                       key=lambda rf: rf[1].line)
        touched: set[int] = set()
        deleted: set[int] = set()
        for rule, fx in fixes:
            idx = fx.line - 1
            if fx.line in touched or not 0 <= idx < len(lines) or lines[idx] != fx.old:
                continue
            touched.add(fx.line)
            if fx.new is None:
                deleted.add(idx)
            else:
                lines[idx] = fx.new
            out.applied.append((rule, fx.line, fx.description))
        if not touched:
            break
        lines = [line for i, line in enumerate(lines) if i not in deleted]
        text_now = "\n".join(lines)
        if text_now.split("\n") != lines:
            break
    out.fixed = newline.join(lines)
    if out.fixed == normalised.replace("\n", newline):
        out.fixed = text  # nothing changed: keep the original byte for byte
    return out


def write_fix(outcome: FixOutcome, backup: bool = False) -> Path | None:
    """Write the fixed text atomically (keeping the mode); with `backup`, keep the original beside it first.
    Returns the backup's path, if one was written."""
    path = Path(outcome.path)
    saved = None
    if backup:
        saved = path.with_name(path.name + ".orig")
        n = 1
        while saved.exists():  # never overwrite an earlier backup
            saved = path.with_name(f"{path.name}.orig.{n}")
            n += 1
        # the backup holds what the file held, so it gets the file's permissions (a 0600 post stays private)
        atomic_write_bytes(saved, path.read_bytes(), mode=stat.S_IMODE(path.stat().st_mode))
    atomic_write_bytes(path, outcome.fixed.encode("utf-8"))
    return saved
