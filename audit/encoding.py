"""Bytes -> text: decode, detect mojibake, and hand the parser the best repair we can get.

Files that cannot be read as text at all raise `UnreadableFile` with a one-line reason; everything else comes back
as text plus an `EncodingReport` that the encoding checks turn into findings.
"""
from __future__ import annotations

import re

from . import recache
from .model import EncodingReport


class UnreadableFile(Exception):
    """A file the tool could not read at all (the message is one line, without the path)."""


_BINARY_SAMPLE = 8192
# Characters that a UTF-8 text decoded as a Windows code page turns into: Latin-1 supplement letters and the
# cp125x punctuation, in runs. Clean Chinese/English posts have next to none of them.
_MOJIBAKE_RUN = recache.compile(r"[\u00c0-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u011e\u011f"
                           r"\u0130\u0131\u015e\u015f\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a"
                           r"\u20ac\u2122\u00a0-\u00bf]{3,}")


def decode(data: bytes) -> tuple[str, EncodingReport]:
    """Decode a file's bytes. Raises UnreadableFile for empty, binary or non-UTF-8 data."""
    if not data.strip():
        raise UnreadableFile("empty file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), EncodingReport(detail="UTF-16 with byte-order mark")
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"invalid UTF-16 at byte {exc.start}") from None
    sample = data[:_BINARY_SAMPLE]
    if b"\x00" in sample:
        raise UnreadableFile("binary file (contains NUL bytes), not a text post")
    try:
        return data.decode("utf-8"), EncodingReport()
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad > max(16, len(text) // 100):
        raise UnreadableFile(f"not UTF-8 text (invalid byte 0x{data[first_bad]:02X} at offset {first_bad}, "
                             f"{bad} undecodable bytes)")
    invalid = []
    for m in re.finditer("\ufffd", text):
        invalid.append((text.count("\n", 0, m.start()) + 1, m.start()))
    return text, EncodingReport(invalid_bytes=tuple(invalid),
                                detail=f"{bad} invalid UTF-8 byte(s) replaced by U+FFFD")


def looks_like_mojibake(text: str) -> bool:
    try:
        from .mojibake import looks_like_mojibake as detect
    except ImportError:  # the recovery module is optional at this layer
        return _fallback_detect(text)
    return detect(text)


def _fallback_detect(text: str) -> bool:
    runs = _MOJIBAKE_RUN.findall(text)
    return sum(len(r) for r in runs) >= 40


def repair(text: str, report: EncodingReport) -> tuple[str, EncodingReport]:
    """Repair mojibake when the text shows it; the report lists every repaired line."""
    if not looks_like_mojibake(text):
        return text, report
    try:
        from .mojibake import recover
    except ImportError:
        recover = None
    if recover is not None:
        result = recover(text)
        lines = tuple((r.line, r.original, r.repaired, r.confidence) for r in result.lines)
        return result.text, EncodingReport(mojibake=True, codec=result.codec, repaired_lines=lines,
                                           invalid_bytes=report.invalid_bytes, detail=report.detail)
    import ftfy

    fixed_lines = []
    changed = []
    for n, line in enumerate(text.split("\n"), 1):
        fixed = ftfy.fix_encoding(line)
        fixed_lines.append(fixed)
        if fixed != line:
            changed.append((n, line, fixed, 0.5))
    return "\n".join(fixed_lines), EncodingReport(mojibake=True, codec=None, repaired_lines=tuple(changed),
                                                   invalid_bytes=report.invalid_bytes, detail=report.detail)
