"""Token rules (`kind: tokens`) are settled by plain regexes where those are sure, and by spaCy's Matcher otherwise.

The regex path exists so that a run meets English chatter without importing spaCy (about a second of CPU per
process). It must never report a span that spaCy would not: these tests compare both paths on generated lines and on
every line of the real posts that could match.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.rules import packs

PATTERNS = [
    [{"LOWER": "i"}, {"LOWER": "hope"}, {"LOWER": {"IN": ["this", "that", "it"]}}],
    [{"LOWER": {"IN": ["sure", "okay"]}}, {"IS_PUNCT": True, "OP": "?"}, {"LOWER": {"IN": ["here", "below"]}},
     {"LOWER": {"IN": ["is", "are", "'s"]}}],
    [{"LOWER": "i"}, {"LOWER": {"IN": ["will", "'ll"]}}, {"LOWER": {"IN": ["help", "summarize"]}}],
    [{"LOWER": "let"}, {"LOWER": "me"}, {"LOWER": "know"}],
]
HINT = packs.token_hint(PATTERNS)
SURE = packs.sure_regexes(PATTERNS, "en")


def first_spans(text: str, sure) -> list[tuple[int, int]]:
    """The first span of each line, as a rule reports them."""
    out, seen = [], set()
    for start, end in packs._token_spans("en", PATTERNS, text, HINT, sure):
        line = text.count("\n", 0, start)
        if line not in seen:
            seen.add(line)
            out.append((start, end))
    return out


def test_sure_regexes_cover_literal_patterns_and_leave_contractions_to_spacy():
    assert len(SURE) == 4
    assert SURE[1].match("Sure, here is")
    assert SURE[1].match("okay below are") and not SURE[1].match("okay below are", 0).end() < 0
    assert not SURE[1].match("Sure, here's")  # "'s" is left to spaCy's exceptions
    assert not SURE[2].match("I'll help")
    assert SURE[0].match("I hope this.") and not SURE[0].match("I hope thisx")
    assert not SURE[0].match("I  hope this")  # two spaces make a SPACE token for spaCy


def test_non_literal_patterns_and_chinese_get_no_sure_regex():
    assert packs.sure_regexes([[{"LOWER": "i"}, {"IS_DIGIT": True}]], "en") == ()
    assert packs.sure_regexes(PATTERNS, "zh") == ()
    # a pattern with optional punctuation at its edge is not spelled
    assert packs.sure_regexes([[{"LOWER": "ok"}, {"IS_PUNCT": True, "OP": "?"}]], "en") == ()


@pytest.mark.parametrize("text", [
    "I hope this helps.",
    "Sure! Here is the summary",
    "Sure, here's the summary",        # contraction: spaCy decides
    "I'll summarize it",               # tokenizer exception: spaCy decides
    "(I hope this is fine)",           # prefix punctuation: spaCy decides
    "我I hope this",                    # no token boundary before I: neither path matches
    "I hope-this",                      # infix hyphen: a '-' token between, no match
    "Let me know.) Thanks",
    "x  let me know and I hope it",
    "Sure!Here is",                     # one token for spaCy
    "Sure!! here is",                   # two punctuation tokens: the pattern allows one
    "a!I hope this",                    # "a!I" is one token
    "a@I hope this and a;let me know",  # so are "a@I" and "a;let"
    "a=I hope this",                    # "=" is split off: spaCy matches
])
def test_both_paths_agree_on_tricky_lines(text):
    assert first_spans(text, SURE) == first_spans(text, ())


WORDS = ["i", "I", "hope", "this", "it", "sure", "Sure", "okay", "here", "below", "is", "are", "'s", "will",
         "'ll", "help", "summarize", "let", "me", "know", "Let", "x", "我", "…", "I'll"]
SEPS = [" ", " ", " ", "  ", "", ", ", "! ", "!", ".", "-", "\u3000", "(", ")", "\t", "'", "“", "*", "@", ";", "="]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPS)), min_size=1, max_size=10))
def test_both_paths_agree_on_generated_lines(parts):
    text = "".join(w + s for w, s in parts)
    assert first_spans(text, SURE) == first_spans(text, ())


def test_bundled_token_rules_agree_with_spacy_on_real_posts(shared):
    rules = [r for r in packs.load_packs([packs.rules_dir()]) if r.meta.kind == "tokens"]
    assert rules
    checked = 0
    for path in sorted(shared.glob("seeds/*")) + sorted((shared / "corpus" / "dev").rglob("*.md")):
        text = path.read_text(encoding="utf-8", errors="replace")
        for rule in rules:
            m = rule.matcher
            for line in text.split("\n"):
                first = m.hint.search(line) if m.hint else None
                if first is None:
                    continue
                checked += 1
                fast = list(packs._token_spans(m.lang, m.token_patterns, line, m.hint, m.sure))[:1]
                slow = packs._spacy_spans(m.lang, m.token_patterns, line)[:1]
                assert fast == slow, (path.name, line)
    assert checked >= 1


def test_a_run_over_chatter_does_not_import_spacy(tmp_path: Path):
    from audit.rules.examples import build_post

    post = tmp_path / "p.md"
    marker = "**[ChatPaperFree](https://huggingface.co/spaces/Kedreamix/ChatPaperFree)**\n"
    text = build_post().replace(marker, marker + "\nSure! Here is the summary of the paper:\n", 1)
    post.write_text(text, encoding="utf-8")
    code = ("import sys, json; from audit.cli import main; sys.argv=['audit', sys.argv[1], '--format', 'json', '-j', '1'];\n"
            "import contextlib, io\nbuf = io.StringIO()\n"
            "with contextlib.redirect_stdout(buf):\n"
            "    try: main()\n"
            "    except SystemExit: pass\n"
            "rules = {f['rule'] for p in json.loads(buf.getvalue())['posts'] for pa in p['papers'] for f in pa['findings']}\n"
            "print('CHT009' in rules, 'spacy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(post)], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"], out.stderr
