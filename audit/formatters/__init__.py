"""Output formats, chosen by name. Each formatter is a function `render(result, ctx) -> str`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

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
