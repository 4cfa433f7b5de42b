"""Scoring: every paper starts at 100 and loses points per finding by severity, capped per rule.

- error: 25 points, warning: 8 points, info: 0 (info is a note, never a cost);
- one rule costs a paper at most 40 points, however often it fires;
- a post scores the mean of its papers minus its post-level findings (same weights and cap), clamped to 0..100;
- grades: A >= 90, B >= 75, C >= 60, D >= 40, F below 40.
Suppressed findings cost nothing.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from .model import Finding, Severity

WEIGHTS = {Severity.ERROR: 25, Severity.WARNING: 8, Severity.INFO: 0}
RULE_CAP = 40
GRADES = ((90, "A"), (75, "B"), (60, "C"), (40, "D"), (0, "F"))


def penalty(findings: Iterable[Finding]) -> int:
    per_rule: dict[str, int] = defaultdict(int)
    for f in findings:
        if not f.suppressed:
            per_rule[f.rule] += WEIGHTS[f.severity]
    return sum(min(RULE_CAP, p) for p in per_rule.values())


def paper_score(findings: Iterable[Finding]) -> int:
    return max(0, 100 - penalty(findings))


def post_score(paper_scores: list[int], post_findings: Iterable[Finding]) -> int:
    base = sum(paper_scores) / len(paper_scores) if paper_scores else 100
    return max(0, min(100, round(base - penalty(post_findings))))


def grade(score: float) -> str:
    for floor, letter in GRADES:
        if score >= floor:
            return letter
    return "F"
