"""Pattern rules declared as data: YAML packs in `rules/` with a small closed set of kinds.

    - code: PLH001                 # family prefix + digits
      name: xxx-slot               # readable symbol
      category: placeholder        # one of the contract's categories
      severity: error              # default; config may override
      message: "unfilled template slot {match!r}"
      description: why this matters (shown by `audit explain`)
      scope: [generated]           # which parts of an entry (see audit.rules.scopes)
      kind: phrase | regex | tokens
      patterns: [...]              # phrases (case-insensitive literals), regular expressions, or spaCy Matcher
                                   # token patterns (lists of token dicts), per kind
      lang: zh | en                # tokens only: which blank spaCy pipeline tokenises the text
      unless: [regex, ...]         # optional: skip a match whose line matches one of these
      fix: delete-line             # optional: `audit fix` deletes the line when it holds nothing but the match
      examples: {bad: [...], good: [...]}
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .. import recache
from ..model import Field, Fix, Severity, plain_text
from .registry import Examples, Hit, Rule, RuleMeta
from .scopes import ALL_SCOPES, POST_SCOPES, entry_fields, post_fields

KINDS = ("phrase", "regex", "tokens")
FIXES = ("delete-line",)
_LEFTOVER = recache.compile(r"[\s\W\d_]+")  # what may stand beside a deletable match: markers, punctuation, numbering
REQUIRED = ("code", "name", "category", "severity", "message", "scope", "kind", "patterns", "examples")


class PackError(Exception):
    """A rule pack that cannot be loaded (one line, naming the file and the rule)."""


def rules_dir() -> Path:
    """The bundled rule packs: `audit/_rules` in an installed wheel, top-level `rules/` in a source tree."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "_rules", here.parent / "rules"):
        if candidate.is_dir():
            return candidate
    raise PackError(f"no bundled rules folder next to {here}")


@dataclass
class _Matcher:
    """Finds (start, end) spans of a pattern rule in a text."""

    kind: str
    regex: re.Pattern | None = None
    token_patterns: list | None = None
    lang: str = "zh"
    hint: re.Pattern | None = None  # token rules: a line without one of these words cannot match
    sure: tuple[re.Pattern, ...] = ()  # token rules: spellings spaCy's Matcher surely matches (`sure_regexes`)
    regexes: tuple[re.Pattern, ...] = ()  # regex rules: compiled one by one, so each keeps re's prefix search
    phrases: tuple[str, ...] = ()         # phrase rules: lower-cased literals found with str.find

    def spans(self, text: str) -> Iterator[tuple[int, int]]:
        if self.phrases:
            lowered = text.lower()
            if len(lowered) == len(text):
                found = set()
                for phrase in self.phrases:
                    at = lowered.find(phrase)
                    while at >= 0:
                        found.add((at, at + len(phrase)))
                        at = lowered.find(phrase, at + 1)
                if found:
                    yield from _outermost(found)
                return
        if len(self.regexes) == 1:
            for m in self.regexes[0].finditer(text):
                if m.end() > m.start():
                    yield m.start(), m.end()
            return
        if self.regexes:
            found = {(m.start(), m.end()) for rx in self.regexes for m in rx.finditer(text) if m.end() > m.start()}
            if found:
                yield from _outermost(found)
            return
        if self.regex is not None:
            for m in self.regex.finditer(text):
                if m.end() > m.start():
                    yield m.start(), m.end()
            return
        if self.hint is not None and not self.hint.search(text):
            return  # spaCy is neither imported nor run for texts that cannot match
        yield from _token_spans(self.lang, self.token_patterns or [], text, self.hint, self.sure)


def _outermost(spans: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans in text order, leaving out those inside an earlier, longer one (as one alternation would)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans, key=lambda se: (se[0], -se[1])):
        if out and start < out[-1][1]:
            continue
        out.append((start, end))
    return out


def _first_words(pattern: list) -> list[str] | None:
    """Literal words one of which must open a match of a spaCy token pattern, or None if unknown."""
    words: list[str] = []
    for token in pattern:
        if not isinstance(token, dict):
            return None
        found = None
        for key in ("LOWER", "TEXT", "ORTH", "NORM"):
            value = token.get(key)
            if isinstance(value, str):
                found = [value]
            elif isinstance(value, dict) and isinstance(value.get("IN"), list):
                found = [str(v) for v in value["IN"]]
            if found:
                break
        if found is None:
            return None
        words.extend(found)
        if token.get("OP") not in ("?", "*"):
            return words
    return None


def _sequence(pattern: list) -> str | None:
    """A regular expression that every match of an all-literal token pattern also matches (None otherwise)."""
    parts: list[str] = []
    for token in pattern:
        if not isinstance(token, dict):
            return None
        op = token.get("OP")
        if set(token) <= {"IS_PUNCT", "OP"} and token.get("IS_PUNCT") and op in ("?", "*"):
            continue  # optional punctuation: the separator below already allows it
        words = _first_words([{k: v for k, v in token.items() if k != "OP"}])
        if words is None or op not in (None, "?", "*"):
            return None
        alt = "(?:" + "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w))) + ")"
        parts.append(f"(?:{alt}[\\W_]*)?" if op in ("?", "*") else f"{alt}[\\W_]*")
    return "(?<!\\w)" + "".join(parts) if parts else None


def token_hint(patterns: list) -> re.Pattern | None:
    """A cheap regex that every match of the token patterns also matches, so that spaCy runs (and is imported)
    only for texts that may match."""
    sequences = [_sequence(p) if isinstance(p, list) else None for p in patterns]
    if all(sequences):
        return recache.compile("|".join(sequences), re.I)
    words: set[str] = set()
    for pattern in patterns:
        first = _first_words(pattern) if isinstance(pattern, list) else None
        if first is None:
            return None
        words.update(first)
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w)))
    return recache.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I)


# Where a word of an English token pattern may start and end for spaCy's blank English tokenizer to make it a token
# of its own: after whitespace or the start of the line; before whitespace or the end, possibly after a run of
# punctuation that the tokenizer splits off as suffixes ("this.", "know.)", "this…").
_SURE_START = r"(?<!\S)"
_SURE_END = r"(?=[,.!?;:…—。，！？)\]\"”’]*(?:\s|$))"
_SURE_WORD = recache.compile(r"[a-z]+")


def sure_regexes(patterns: list, lang: str) -> tuple[re.Pattern, ...]:
    """Regexes, one per English token pattern, for the plainest spellings of its literal words (LOWER / IN):
    words joined by single spaces, where the pattern allows optional punctuation one , . ! ? ; or : right after the
    word before the space. Every match of one is also a match of spaCy's Matcher, with the same span, so a line
    where they settle the first match needs no spaCy at all. Alternatives they cannot spell exactly (contractions
    like "'ll", which spaCy's exceptions split) are left to spaCy; a pattern with other kinds of tokens gives no
    regex. The tests compare this path with spaCy on every line of the real posts and on generated text."""
    if lang != "en":
        return ()
    out = []
    for pattern in patterns:
        if not isinstance(pattern, list) or not pattern:
            continue
        parts: list[str] = []
        optional_punct = False
        for n, token in enumerate(pattern):
            if not isinstance(token, dict):
                break
            if token == {"IS_PUNCT": True, "OP": "?"} and 0 < n < len(pattern) - 1 and not optional_punct:
                optional_punct = True
                continue
            if set(token) != {"LOWER"}:
                break
            value = token["LOWER"]
            words = [value] if isinstance(value, str) else \
                value.get("IN") if isinstance(value, dict) and set(value) == {"IN"} else None
            words = [w for w in words or () if isinstance(w, str) and _SURE_WORD.fullmatch(w)]
            if not words:
                break
            if parts:
                parts.append("[,.!?;:]? " if optional_punct else " ")
            optional_punct = False
            parts.append("(?:" + "|".join(sorted(words, key=lambda w: (-len(w), w))) + ")")
        else:
            out.append(recache.compile(_SURE_START + "".join(parts) + _SURE_END, re.I | re.A))
    return tuple(out)


_NLP: dict[str, object] = {}


def _token_spans(lang: str, patterns: list, text: str, hint: re.Pattern | None = None,
                 sure: tuple[re.Pattern, ...] = ()) -> Iterator[tuple[int, int]]:
    """Spans of token patterns, line by line (spaCy's zh tokenizer slows down on long strings): the first match of
    each line (earliest, then longest), which is all a rule reports, then the others.

    A line where the hint finds nothing cannot match. A line where a `sure` regex matches at the hint's first
    position is settled without spaCy. Every other line goes through spaCy's Matcher over a blank pipeline, which
    is imported only then.
    """
    offset = 0
    for line in text.split("\n"):
        first = hint.search(line) if hint is not None else None
        if first is not None or (hint is None and line.strip()):
            ends = [m.end() for rx in sure for m in (rx.match(line, first.start()),) if m] if first else []
            spans = [(first.start(), max(ends))] if ends else _spacy_spans(lang, patterns, line)
            for s, e in spans:
                yield offset + s, offset + e
        offset += len(line) + 1


def _spacy_spans(lang: str, patterns: list, line: str) -> list[tuple[int, int]]:
    import spacy
    from spacy.matcher import Matcher

    nlp = _NLP.get(lang)
    if nlp is None:
        nlp = _NLP[lang] = spacy.blank(lang)
    key = (lang, id(patterns))
    matcher = _NLP.get(key)
    if matcher is None:
        matcher = Matcher(nlp.vocab)
        matcher.add("R", patterns)
        _NLP[key] = matcher
    doc = nlp.make_doc(line)
    return sorted(((doc[s:e].start_char, doc[s:e].end_char) for _, s, e in matcher(doc)), key=lambda se: (se[0], -se[1]))


class PatternRule(Rule):
    def __init__(self, meta: RuleMeta, matcher: _Matcher, unless: list[re.Pattern], fix: str | None = None):
        super().__init__(meta, self._run)
        self.matcher = matcher
        self.unless = unless
        self.fix = fix

    def match_text(self, text: str) -> list[tuple[int, int]]:
        """Spans of the rule in one text (used on fields, and by the example tests)."""
        out = []
        for start, end in self.matcher.spans(text):
            line_start = text.rfind("\n", 0, start) + 1
            line_end = text.find("\n", end)
            line = text[line_start: line_end if line_end >= 0 else len(text)]
            if any(u.search(line) for u in self.unless):
                continue
            out.append((start, end))
        return out

    def _run(self, target, ctx) -> Iterator[Hit]:
        fields = post_fields(target, self.meta.scope) if self.meta.level == "post" else \
            entry_fields(target, self.meta.scope)
        lines = ctx.post.lines if self.fix else None
        regexes = self.matcher.regexes
        for fld in fields:
            if regexes:  # most fields match none: one search per regex, no generators, settles them
                text = fld.text
                for rx in regexes:
                    if rx.search(text):
                        break
                else:
                    continue
            yield from self._hits(fld, lines)

    def _line_fix(self, fld: Field, start: int, end: int, lines: list[str] | None) -> Fix | None:
        """Delete the whole line when, besides the match, it holds only markup, list markers and punctuation."""
        if self.fix != "delete-line" or lines is None:
            return None
        line_no = fld.position(start)[0]
        if not 1 <= line_no <= len(lines):
            return None
        line = lines[line_no - 1]
        match = fld.text[start:end]
        rest = line.replace(match, "", 1) if match in line else None
        if rest is None or _LEFTOVER.sub("", plain_text(rest)):
            return None
        return Fix(line=line_no, old=line, new=None, description=f"deleted chatter line ({self.meta.code})")

    def _hits(self, fld: Field, lines: list[str] | None = None) -> Iterator[Hit]:
        seen_lines: set[int] = set()
        for start, end in self.match_text(fld.text):
            line = fld.position(start)[0]
            if line in seen_lines:  # one finding per line and rule is enough to point at it
                continue
            seen_lines.add(line)
            match = fld.text[start:end]
            yield Hit(field=fld, start=start, end=end, message=self.meta.message.replace("{match}", match.strip())
                      .replace("{match!r}", repr(match.strip())), fix=self._line_fix(fld, start, end, lines))


def load_pack(path: Path) -> list[PatternRule]:
    from ..datafiles import load_yaml

    try:
        doc = load_yaml(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(f"{path}: cannot read rule pack ({exc})") from None
    except Exception as exc:
        import yaml  # only a file that was not parsed before can fail to parse

        if not isinstance(exc, yaml.YAMLError):
            raise
        mark = getattr(exc, "problem_mark", None)
        raise PackError(f"{path}:{mark.line + 1 if mark else 1}: invalid YAML ({getattr(exc, 'problem', exc)})") \
            from None
    if isinstance(doc, dict) and "rules" in doc:
        doc = doc["rules"]
    if not isinstance(doc, list):
        raise PackError(f"{path}: a rule pack is a list of rules (or a mapping with a 'rules' list)")
    return [_build(path, item) for item in doc]


def _build(path: Path, item: object) -> PatternRule:
    where = f"{path}: rule {item.get('code', '?') if isinstance(item, dict) else '?'}"
    if not isinstance(item, dict):
        raise PackError(f"{where}: each rule is a mapping")
    missing = [k for k in REQUIRED if k not in item]
    if missing:
        raise PackError(f"{where}: missing {', '.join(missing)}")
    kind = item["kind"]
    if kind not in KINDS:
        raise PackError(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    scope = tuple(item["scope"]) if isinstance(item["scope"], list) else (item["scope"],)
    unknown = [s for s in scope if s not in ALL_SCOPES]
    if unknown:
        raise PackError(f"{where}: unknown scope {', '.join(unknown)}")
    level = "post" if all(s in POST_SCOPES for s in scope) else "entry"
    ex = item["examples"] or {}
    examples = Examples(bad=tuple(ex.get("bad") or ()), good=tuple(ex.get("good") or ()))
    if not examples.bad or not examples.good:
        raise PackError(f"{where}: needs at least one bad and one good example")
    patterns = item["patterns"]
    if not isinstance(patterns, list) or not patterns:
        raise PackError(f"{where}: patterns must be a non-empty list")
    try:
        if kind == "phrase":
            ordered = sorted((str(p) for p in patterns), key=len, reverse=True)
            matcher = _Matcher(kind, recache.compile("|".join(re.escape(p) for p in ordered), re.I),
                               phrases=tuple(p.lower() for p in ordered))
        elif kind == "regex":
            matcher = _Matcher(kind, regexes=tuple(recache.compile(str(p), re.I | re.M) for p in patterns))
        else:
            lang = item.get("lang", "zh")
            matcher = _Matcher(kind, token_patterns=patterns, lang=lang, hint=token_hint(patterns),
                               sure=sure_regexes(patterns, lang))
        unless = [recache.compile(u, re.I) for u in item.get("unless", []) or []]
    except re.error as exc:
        raise PackError(f"{where}: bad regular expression ({exc})") from None
    try:
        meta = RuleMeta(code=str(item["code"]), name=str(item["name"]), category=str(item["category"]),
                        severity=Severity.parse(item["severity"]), message=str(item["message"]),
                        description=str(item.get("description", "")).strip(), scope=scope, kind=kind, level=level,
                        examples=examples, source=str(path))
    except ValueError as exc:
        raise PackError(f"{where}: {exc}") from None
    fix = item.get("fix")
    if fix is not None and fix not in FIXES:
        raise PackError(f"{where}: fix must be one of {', '.join(FIXES)}")
    return PatternRule(meta, matcher, unless, fix)


def load_packs(folders: list[Path]) -> list[PatternRule]:
    rules: list[PatternRule] = []
    for folder in folders:
        files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")) if folder.is_dir() else [folder]
        for path in files:
            if path.name in ("institutions.yaml", "topics.yaml") or path.name.startswith("_"):
                continue  # data for logic rules, not pattern packs
            rules.extend(load_pack(path))
    return rules
