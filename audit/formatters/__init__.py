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


def _text(result, ctx):
    from .text import render
    return render(result, ctx)


def _json(result, ctx):
    from .json import render
    return render(result, ctx)


def _sarif(result, ctx):
    from .sarif import render
    return render(result, ctx)


def _github(result, ctx):
    from .github import render
    return render(result, ctx)


def _junit(result, ctx):
    from .junit import render
    return render(result, ctx)


def _markdown(result, ctx):
    from .markdown import render
    return render(result, ctx)


def _html(result, ctx):
    from .html import render
    return render(result, ctx)


FORMATTERS: dict[str, Callable[[RunResult, RenderContext], str]] = {
    "text": _text, "json": _json, "sarif": _sarif, "github": _github, "junit": _junit, "markdown": _markdown,
    "html": _html}
# Formats that show the post's own lines when the engine keeps the posts (AuditOptions(keep_post=True)).
NEEDS_POST = frozenset({"html"})


def register(name: str, fn: Callable[[RunResult, RenderContext], str]) -> None:
    FORMATTERS[name] = fn
