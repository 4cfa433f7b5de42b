"""Rule metadata, the registry, and the decorators that register logic rules.

A rule is either data (a pattern rule from a YAML pack in `rules/`) or a small function decorated with
`@entry_rule(...)` / `@post_rule(...)` carrying the same metadata. Rules yield `Hit`s — where and what — and the
engine turns them into `Finding`s with the rule's code, category and (configured) severity.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Mapping

from ..model import CATEGORIES, Entry, Field, Fix, Post, Severity


@dataclass(frozen=True)
class Hit:
    """One problem a rule found: a span in a field (offsets into `field.text`) or an explicit line."""

    field: Field | None = None
    start: int = 0
    end: int | None = None
    message: str | None = None
    severity: Severity | None = None
    line: int | None = None
    excerpt: str | None = None
    fix: Fix | None = None
    paper: int | None = None  # for post-level rules that point at one entry


@dataclass(frozen=True)
class Examples:
    """Examples double as tests: every `bad` must fire, no `good` may fire.

    Pattern rules take strings (the text of one field in scope); logic rules take dicts of entry parts for
    `audit.rules.examples.build_post` (e.g. {"urls": "论文链接：待提供"}) or {"raw": "<a whole post>"}.
    """

    bad: tuple = ()
    good: tuple = ()


@dataclass(frozen=True)
class RuleMeta:
    code: str
    name: str
    category: str
    severity: Severity
    message: str
    description: str = ""
    scope: tuple[str, ...] = ()
    kind: str = "logic"          # logic | phrase | regex | tokens
    level: str = "entry"         # entry | post
    examples: Examples = Examples()
    source: str = ""             # module or YAML file that declares it

    def __post_init__(self):
        if self.category not in CATEGORIES:
            raise ValueError(f"rule {self.code}: unknown category {self.category!r}")


class Rule:
    """A registered rule: metadata plus a check callable."""

    def __init__(self, meta: RuleMeta, check: Callable[..., Iterable[Hit]]):
        self.meta = meta
        self._check = check

    def check(self, target: "Entry | Post", ctx: "Context") -> Iterator[Hit]:
        yield from self._check(target, ctx) or ()

    def hits(self, target: "Entry | Post", ctx: "Context") -> Iterable[Hit]:
        """What `check` yields, as the rule's function returns it (the engine's path: no extra generator)."""
        return self._check(target, ctx) or ()

    def __repr__(self) -> str:
        return f"<Rule {self.meta.code} {self.meta.name}>"


@dataclass
class Context:
    """What a rule may consult besides the entry itself. Heavy helpers load lazily, once per process."""

    post: Post
    metadata: Mapping[str, object] = field(default_factory=dict)   # arxiv_id -> ArxivRecord, when available
    options: Mapping[str, object] = field(default_factory=dict)    # config values rules may read

    @property
    def gazetteer(self):
        from ..gazetteer import AffiliationGazetteer
        extra = tuple(self.options.get("extra_gazetteers", ()))
        return _cached(("gazetteer", extra), lambda: AffiliationGazetteer.load(extra))

    @property
    def topics(self):
        from ..gazetteer import TopicTerms
        extra = tuple(self.options.get("extra_topics", ()))
        return _cached(("topics", extra), lambda: TopicTerms.load(extra))


_CACHE: dict[object, object] = {}


def _cached(key: object, make: Callable[[], object]) -> object:
    if key not in _CACHE:
        _CACHE[key] = make()
    return _CACHE[key]


_LOGIC_RULES: dict[str, Rule] = {}


def _register(level: str, code: str, *, name: str, category: str, severity: str, message: str,
              scope: tuple[str, ...] = (), examples: Examples = Examples()):
    def decorate(fn):
        meta = RuleMeta(code=code, name=name, category=category, severity=Severity.parse(severity),
                        message=message, description=(fn.__doc__ or "").strip(), scope=tuple(scope),
                        kind="logic", level=level, examples=examples, source=fn.__module__)
        if code in _LOGIC_RULES:
            raise ValueError(f"rule code {code} registered twice ({_LOGIC_RULES[code].meta.source}, {fn.__module__})")
        _LOGIC_RULES[code] = Rule(meta, fn)
        return fn
    return decorate


def entry_rule(code: str, **meta) -> Callable:
    """Register `fn(entry, ctx) -> Iterable[Hit]` as a rule run on every paper entry."""
    return _register("entry", code, **meta)


def post_rule(code: str, **meta) -> Callable:
    """Register `fn(post, ctx) -> Iterable[Hit]` as a rule run once per post."""
    return _register("post", code, **meta)


def logic_rules() -> dict[str, Rule]:
    """Every logic rule: imports each module of `audit.checks` (one family per module) once."""
    global _IMPORTED
    if not _IMPORTED:
        from .. import checks

        for info in pkgutil.iter_modules(checks.__path__):
            importlib.import_module(f"{checks.__name__}.{info.name}")
        _IMPORTED = True
    return dict(_LOGIC_RULES)


_IMPORTED = False


def replace_span(ctx: Context, fld: Field, start: int, end: int, new: str, description: str) -> Fix | None:
    """A whole-line fix replacing `fld.text[start:end]` by `new`, when the span lies on one line of the post."""
    text = fld.text[start:end]
    if not text or "\n" in text:
        return None
    line, column = fld.position(start)
    lines = ctx.post.lines
    if not 1 <= line <= len(lines):
        return None
    old = lines[line - 1]
    if old[column - 1: column - 1 + len(text)] != text:
        return None
    return Fix(line=line, old=old, new=old[: column - 1] + new + old[column - 1 + len(text):],
               description=description)


_MEMO: dict[tuple[str, int], tuple[object, object]] = {}


def forget_entries() -> None:
    """Drop the per-entry analyses (the engine calls this when it starts on the next post)."""
    _MEMO.clear()


def per_entry(key: str, entry: Entry, make: Callable[[Entry], object]) -> object:
    """One analysis of an entry shared by the rules of a family (`make(entry)` runs once per entry and key).
    The cache holds the entry itself, so an id is never reused while its value is cached."""
    slot = (key, id(entry))
    got = _MEMO.get(slot)
    if got is not None and got[0] is entry:
        return got[1]
    if len(_MEMO) > 4096:
        _MEMO.clear()
    value = make(entry)
    _MEMO[slot] = (entry, value)
    return value
