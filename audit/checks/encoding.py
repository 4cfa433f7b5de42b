"""Encoding: mojibake repaired before parsing, and bytes that were not UTF-8."""
from __future__ import annotations

from ..model import Post, Severity
from ..rules.registry import Examples, Hit, post_rule

_GARBLED = "å‘é‡åŒ–çš„æ–¹æ³•ï¼šæˆ‘ä»¬æ��å‡ºäº†ä¸€ç§æ–°çš„æ–¹æ³•ï¼Œç”¨äºŽè¯´è¯�äººå¤´éƒ¨ç”Ÿæˆ�ã€‚"


@post_rule("ENC001", name="mojibake", category="encoding", severity="error",
           message="text is mojibake (UTF-8 read as a legacy code page); audited the repaired text",
           examples=Examples(bad=({"summary": _GARBLED},), good=({"summary": "提出了一种新的说话人头部生成方法。"},)))
def mojibake(post: Post, ctx):
    """The post's UTF-8 bytes were once decoded with a Windows code page and saved again, so Chinese text reads
    as `æ–¹å‘`. The audit repairs the text before parsing (see `audit fix --select encoding` to write the
    repair back) and reports each repaired line on the paper it belongs to, with the repair's confidence."""
    report = post.encoding
    if not report.mojibake:
        return
    codec = report.codec or "an unknown code page"
    lines = report.repaired_lines
    yield Hit(line=lines[0][0] if lines else 1, excerpt=lines[0][1] if lines else "",
              message=f"post is mojibake: UTF-8 decoded as {codec}; {len(lines)} line(s) repaired before auditing")
    entries = list(post.entries)
    for entry in entries:
        inside = [ln for ln in lines if entry.line <= ln[0] <= entry.end_line]
        if not inside:
            continue
        low = min(inside, key=lambda ln: ln[3])
        yield Hit(line=inside[0][0], excerpt=inside[0][1], paper=entry.index,
                  message=f"{len(inside)} line(s) of this entry were mojibake ({codec}); repaired, lowest "
                          f"confidence {low[3]:.2f} at line {low[0]}")


@post_rule("ENC002", name="invalid-utf8", category="encoding", severity="error",
           message="bytes that are not valid UTF-8 (shown as U+FFFD)",
           examples=Examples(bad=({"summary": "提出了一种新的\ufffd\ufffd方法。"},),
                             good=({"summary": "提出了一种新的方法。"},)))
def replacement_characters(post: Post, ctx):
    """Characters lost to a broken conversion show as U+FFFD (�): the original text is gone and must be
    regenerated or restored from the source."""
    lines = post.lines
    hit_lines = [n for n, line in enumerate(lines, 1) if "\ufffd" in line]
    owner = {}
    for entry in post.entries:
        for n in hit_lines:
            if entry.line <= n <= entry.end_line:
                owner.setdefault(n, entry.index)
    reported: set = set()
    for n in hit_lines:
        paper = owner.get(n)
        if paper in reported:
            continue
        reported.add(paper)
        count = sum(1 for m in hit_lines if owner.get(m) == paper)
        yield Hit(line=n, excerpt=lines[n - 1], paper=paper,
                  message=f"{count} line(s) contain U+FFFD replacement characters (undecodable bytes)",
                  severity=Severity.ERROR)
