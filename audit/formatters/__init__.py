"""Output formats, chosen by name. Each formatter is a function `render(result, ctx) -> str`; a formatter module
may also define `chunks(result, ctx)`, yielding the same text piece by piece (`stream` uses it, so large runs are
written without holding the whole output)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from ..engine import RunResult


@dataclass(frozen=True)
class RenderContext:
    show_suppressed: bool = False
    color: bool = True
    quiet: bool = False
    tool_version: str = ""


def _lazy(module: str) -> Callable[[RunResult, RenderContext], str]:
    """A formatter imported only when chosen (keeps start-up fast)."""
    def render(result: RunResult, ctx: RenderContext) -> str:
        from importlib import import_module
        return import_module(f"{__name__}.{module}").render(result, ctx)
    return render


FORMATTERS: dict[str, Callable[[RunResult, RenderContext], str]] = {
    name: _lazy(name) for name in ("text", "json", "sarif", "github", "junit", "markdown", "html")
}
# Formats that show the post's own lines when the engine keeps the posts (AuditOptions(keep_post=True)).
NEEDS_POST = frozenset({"html"})


def register(name: str, fn: Callable[[RunResult, RenderContext], str]) -> None:
    FORMATTERS[name] = fn
    _CUSTOM.add(name)


_CUSTOM: set[str] = set()


def stream(name: str, result: RunResult, ctx: RenderContext) -> Iterator[str]:
    """The output of format `name` in pieces: the module's `chunks` where it has one, else its whole text."""
    if name not in _CUSTOM:
        from importlib import import_module

        chunks = getattr(import_module(f"{__name__}.{name}"), "chunks", None)
        if chunks is not None:
            return chunks(result, ctx)
    return iter((FORMATTERS[name](result, ctx),))
