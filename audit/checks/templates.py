"""Template leaks that need more than a pattern: survey-study methodology in a paper that ran no survey.

Placeholder, chatter and most boilerplate rules are data (rules/placeholder.yaml, rules/boilerplate.yaml,
rules/chatter.yaml). The survey rule has to read the abstract, so it lives here; its word lists are data too
(rules/data/survey-terms.yaml).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .. import recache
from ..model import DIGEST_SECTIONS, Entry, Severity
from ..rules.registry import Examples, Hit, entry_rule

# Generated parts read by the survey rule, most telling first.
_SURVEY_FIELDS = ("methods", "digest_summary", "conclusion", "key_takeaways", "summary")
_SECTION_NAMES = frozenset(DIGEST_SECTIONS)
_PART = {"methods": "section 7 (Methods)", "digest_summary": "section 6 (Summary)",
         "conclusion": "section 8 (Conclusion)", "key_takeaways": "Key Takeaways", "summary": "the Summary"}


@dataclass(frozen=True)
class _SurveyTerms:
    pattern: re.Pattern
    points: dict            # term (lower case) -> points
    literature: frozenset   # terms skipped when the abstract is a literature survey
    human_guard: re.Pattern
    literature_guard: re.Pattern
    error: float
    warning: float


_TERMS: _SurveyTerms | None = None


def _load() -> _SurveyTerms:
    global _TERMS
    if _TERMS is None:
        from ..datafiles import load_yaml
        from ..rules.packs import rules_dir

        doc = load_yaml(rules_dir() / "data" / "survey-terms.yaml") or {}
        points: dict[str, float] = {}
        for term in doc.get("weak") or ():
            points[str(term).lower()] = 0.5
        for term in doc.get("strong") or ():
            points[str(term).lower()] = 1.0
        # Case-sensitive search (much faster on Chinese text than re.I); Latin terms get their usual spellings.
        spellings = set()
        for term in points:
            spellings.add(term)
            if term.isascii() or any(c.isascii() and c.isalpha() for c in term):
                spellings.update((term.upper(), term.title(), term.capitalize()))
        for term in list(doc.get("weak") or ()) + list(doc.get("strong") or ()):
            spellings.add(str(term))
        alternation = "|".join(re.escape(t) for t in sorted(spellings, key=lambda w: (-len(w), w)))

        def guard(patterns: object) -> re.Pattern:
            items = [patterns] if isinstance(patterns, str) else list(patterns or ())
            return recache.compile("|".join(f"(?:{p})" for p in items) or "(?!)", re.I)

        _TERMS = _SurveyTerms(
            pattern=recache.compile(alternation), points=points,
            literature=frozenset(str(t).lower() for t in doc.get("literature_terms") or ()),
            human_guard=guard(doc.get("human_guard")), literature_guard=guard(doc.get("literature_guard")),
            error=float(doc.get("error", 2)), warning=float(doc.get("warning", 1)))
    return _TERMS


_SURVEY_BAD = ("(1) 研究对象：本研究以高校学生为研究对象，通过问卷调查收集样本数据。\n"
               "(2) 实验设计：将参与者随机分为实验组和对照组。\n"
               "(3) 数据分析：采用SPSS对问卷数据进行描述性统计和t检验。")
_USER_STUDY_ABSTRACT = ("We study how people perceive audio-driven talking heads. In a user study, 48 participants "
                        "rated videos from four systems and filled in a questionnaire on realism and lip sync.")


@entry_rule("BPL001", name="survey-methodology", category="boilerplate", severity="error",
            message="generic survey-study methodology in a paper that ran no survey",
            examples=Examples(
                bad=({"methods": _SURVEY_BAD},
                     {"methods": "(1) 数据收集：通过问卷调查、实地访谈、文献综述等方式收集相关数据。"}),
                good=({},
                      {"abstract": _USER_STUDY_ABSTRACT, "methods": _SURVEY_BAD},
                      {"methods": "(1) 研究设计：使用潜在扩散模型生成面部运动。\n(2) 数据收集：在HDTF上训练。"})))
def survey_methodology(entry: Entry, ctx):
    """The methods (or another generated part) describe a social-science study — questionnaires, interviews,
    sample selection, experimental and control groups, SPSS, reliability and validity — while the paper's abstract
    shows no study of people. That is the generator's generic "research methods" template, not this paper.

    Each survey term found scores 1 (strong: 问卷调查, SPSS, 实验组和对照组…) or 0.5 (weak: 数据收集, 研究设计…);
    a part scoring 2 or more is an error, 1.5 a warning (one strong term alone is not enough: the digest also read
    the paper body). When the abstract, title or comments mention a user study, questionnaire, participants,
    interviews, patients…, nothing fires; when they describe a literature survey or review, the literature-review
    terms (文献综述, 案例研究…) do not count. Term lists: rules/data/survey-terms.yaml."""
    terms = _load()
    guards: list[bool] = []   # [human study, literature review], read from the header only when needed
    for name in _SURVEY_FIELDS:
        fld = entry.sections.get(name) if name in _SECTION_NAMES else getattr(entry, name)
        if fld is None or not fld.text:
            continue
        found: dict[str, re.Match] = {}
        for m in terms.pattern.finditer(fld.text):
            found.setdefault(m.group(0).lower(), m)
        if not found:
            continue
        # "实验组" found again after "实验组和对照组" is the same idea, not a second term
        found = {k: m for k, m in found.items() if not any(k != o and k in o for o in found)}
        if sum(terms.points[k] for k in found) < terms.warning:
            continue
        if not guards:
            header = " ".join(f.text for f in (entry.title, entry.abstract, entry.comments) if f is not None)
            guards = [bool(terms.human_guard.search(header)), bool(terms.literature_guard.search(header))]
        if guards[0]:
            return
        if guards[1]:
            found = {k: m for k, m in found.items() if k not in terms.literature}
        score = sum(terms.points[k] for k in found)
        if score < terms.warning:
            continue
        ordered = sorted(found.values(), key=lambda m: m.start())
        names = "、".join(m.group(0) for m in ordered[:6])
        severity = Severity.ERROR if score >= terms.error else Severity.WARNING
        anchor = next((m for m in ordered if terms.points[m.group(0).lower()] >= 1), ordered[0])
        yield Hit(field=fld, start=anchor.start(), end=anchor.end(), severity=severity,
                  message=f"{_PART[fld.name]} describes a generic survey study ({names}) although the abstract "
                          f"shows no study of people; expected this paper's own method")
