"""Every rule's examples are its tests: each bad example fires, no good example does; every rule has both."""
from __future__ import annotations

import pytest

from audit.engine import AuditOptions, all_rules, audit_text
from audit.config import Config
from audit.rules.examples import build_post
from audit.rules.packs import PatternRule

RULES = all_rules()


def fires(rule, example) -> bool:
    if isinstance(rule, PatternRule):
        assert isinstance(example, str), f"{rule.meta.code}: pattern-rule examples are strings"
        return bool(rule.match_text(example))
    assert isinstance(example, dict), f"{rule.meta.code}: logic-rule examples are dicts of entry parts"
    report = audit_text(build_post(**example), "<example>", AuditOptions(config=Config(select=(rule.meta.code,))))
    assert not report.notes, report.notes
    return any(f.rule == rule.meta.code for f in report.all_findings())


def test_every_rule_has_examples_and_docs():
    assert RULES
    for rule in RULES:
        assert rule.meta.examples.bad and rule.meta.examples.good, f"{rule.meta.code} lacks examples"
        assert rule.meta.description or rule.meta.kind != "logic", f"{rule.meta.code} lacks a docstring"


@pytest.mark.parametrize("rule", RULES, ids=[r.meta.code for r in RULES])
def test_examples(rule):
    for ex in rule.meta.examples.bad:
        assert fires(rule, ex), f"{rule.meta.code} should fire on bad example {ex!r}"
    for ex in rule.meta.examples.good:
        assert not fires(rule, ex), f"{rule.meta.code} should not fire on good example {ex!r}"
