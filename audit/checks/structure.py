"""Structure: the parts every entry must have — Summary, Key Takeaways and the eight digest sections."""
from __future__ import annotations

from ..model import DIGEST_SECTIONS, Entry, Severity
from ..rules.registry import Examples, Hit, entry_rule

NUMBERED = {name: n for n, name in enumerate(DIGEST_SECTIONS, 1)}
HUMAN = {"title": "Title", "authors": "Authors", "affiliation": "Affiliation", "keywords": "Keywords",
         "urls": "Urls", "digest_summary": "Summary", "methods": "Methods", "conclusion": "Conclusion"}


def _ranges(numbers: list[int]) -> str:
    out, start = [], None
    for i, n in enumerate(numbers):
        if start is None:
            start = n
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            out.append(f"{start}" if start == n else f"{start}-{n}")
            start = None
    return ", ".join(out)


@entry_rule("STR001", name="missing-summary-block", category="missing-section", severity="error",
            message="no **Summary** block",
            examples=Examples(bad=({"summary": None},), good=({},)))
def missing_summary(entry: Entry, ctx):
    """Every entry carries a one-sentence **Summary** before the Key Takeaways."""
    if entry.summary is None:
        yield Hit(line=entry.pdf.line, excerpt=entry.pdf.text, message="no **Summary** block after the header")
    elif not entry.summary.present:
        yield Hit(field=entry.summary, line=entry.summary.heading_line, message="the **Summary** block is empty")


@entry_rule("STR002", name="missing-key-takeaways", category="missing-section", severity="error",
            message="no **Key Takeaways** block",
            examples=Examples(bad=({"key_takeaways": None},), good=({},)))
def missing_takeaways(entry: Entry, ctx):
    """Every entry carries a **Key Takeaways** list before the digest."""
    if entry.key_takeaways is None:
        at = entry.summary.end_line if entry.summary else entry.pdf.line
        yield Hit(line=at, message="no **Key Takeaways** block")
    elif not entry.key_takeaways.present:
        yield Hit(field=entry.key_takeaways, message="the **Key Takeaways** block is empty")


@entry_rule("STR003", name="missing-digest-section", category="missing-section", severity="error",
            message="digest section(s) missing",
            examples=Examples(bad=({"methods": None},), good=({},)))
def missing_sections(entry: Entry, ctx):
    """The digest has eight numbered sections: 1 Title, 2 Authors, 3 Affiliation, 4 Keywords, 5 Urls,
    6 Summary, 7 Methods, 8 Conclusion. A missing one leaves readers without that part; a whole digest missing
    usually means the generator failed."""
    if entry.digest is None:
        yield Hit(line=entry.key_takeaways.end_line if entry.key_takeaways else entry.pdf.line,
                  message="no digest block (**[ChatPaperFree](…)** with its eight sections)")
        return
    missing = [NUMBERED[s] for s in DIGEST_SECTIONS if s not in entry.sections]
    if missing:
        names = ", ".join(HUMAN[DIGEST_SECTIONS[n - 1]] for n in missing)
        yield Hit(line=entry.digest.line, excerpt=entry.digest.text.strip().split("\n")[0],
                  message=f"digest lacks section(s) {_ranges(missing)} ({names})")


@entry_rule("STR004", name="empty-digest-section", category="missing-section", severity="error",
            message="digest section is empty",
            examples=Examples(bad=({"keywords": ""},), good=({},)))
def empty_sections(entry: Entry, ctx):
    """A section heading with nothing under it (or only a pipeline error such as "Some Error for method")."""
    for name in entry.section_order:
        f = entry.sections[name]
        if not f.present:
            yield Hit(line=f.heading_line, excerpt=f.label,
                      message=f"section {NUMBERED[name]} ({HUMAN[name]}) is empty")


@entry_rule("STR005", name="section-order", category="missing-section", severity="info",
            message="digest sections out of order",
            examples=Examples(bad=({"digest": "1. Title: T\n2. Authors: A\n3. Affiliation: U\n4. Keywords: K\n"
                                              "5. Urls: https://arxiv.org/abs/2411.90001\n"
                                              "7. Methods: (1) m\n6. Summary: (1) s\n8. Conclusion: (1) c"},),
                              good=({},)))
def section_order(entry: Entry, ctx):
    """Sections in an unusual order are still readable; this is a note, not a defect."""
    order = [NUMBERED[s] for s in entry.section_order]
    if order != sorted(order):
        yield Hit(line=entry.digest.line if entry.digest else entry.line, severity=Severity.INFO,
                  message="digest sections appear in the order " + ", ".join(str(n) for n in order))
