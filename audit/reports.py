"""A report folder for reviewers: `index.html` (every post, worst first, with filters), one Markdown report per post
and `audit.json` (the JSON contract). Every file is written atomically; the same input gives byte-identical files
(no timestamps, paths as given on the command line).

Regenerate the bundled sample reports from the project root with `python -m audit.reports examples reports`
(the same as `audit examples/ --report-dir reports/`).
"""
from __future__ import annotations

import hashlib
import os
import re
import sys
import unicodedata
from pathlib import Path, PurePath

from .engine import PostReport, RunResult
from .fsutil import atomic_write_text

INDEX = "index.html"
DATA = "audit.json"
_UNSAFE = re.compile(r"[^\w.\-]+")          # \w keeps letters and digits of every script (Chinese included)
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
MAX_STEM = 80  # characters; 80 CJK characters are 240 bytes, under the usual 255-byte limit with the suffix


def report_name(path: str) -> str:
    """A safe file name stem for a post path: its parts joined by `__`, anything but letters, digits, `.`, `-` and
    `_` replaced by `-`, no leading dot, not a Windows device name, at most MAX_STEM characters."""
    p = PurePath(path.replace("\\", "/"))
    parts = [x for x in p.with_suffix("").parts if x not in ("/", ".", "..", "")]
    parts = [_UNSAFE.sub("-", unicodedata.normalize("NFC", x)).strip("-.") for x in parts]
    stem = "__".join(x for x in parts if x) or "post"
    if stem.split(".")[0].lower() in _RESERVED or stem.lower() in ("index", "audit"):
        stem = "_" + stem
    if len(stem) > MAX_STEM:
        stem = stem[:MAX_STEM - 9].rstrip("-.") + "-" + hashlib.sha1(path.encode("utf-8")).hexdigest()[:8]
    return stem


def report_names(posts: list[PostReport]) -> dict[str, str]:
    """post path -> unique `*.md` file name (unique also on case-insensitive file systems)."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for post in posts:
        if post.path in names:
            continue
        stem = report_name(post.path)
        name = f"{stem}.md"
        if name.casefold() in taken:
            digest = hashlib.sha1(post.path.encode("utf-8")).hexdigest()
            n = 8
            while name.casefold() in taken:
                name = f"{stem}-{digest[:n]}.md"
                n += 2
        taken.add(name.casefold())
        names[post.path] = name
    return names


def _write(target: Path, text: str) -> None:
    """Atomic write; a new file gets the usual permissions (0666 less the umask), not mkstemp's 0600."""
    new = not target.exists()
    atomic_write_text(target, text)
    if new:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(target, 0o666 & ~mask)


def write_report_dir(result: RunResult, folder: Path, ctx) -> list[Path]:
    """Write index.html, one Markdown report per post and audit.json into `folder` (created if needed); return the
    files written, in that order."""
    from .formatters.html import page
    from .formatters.json import render as render_json
    from .formatters.markdown import render_single

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = report_names(result.posts)
    written: list[Path] = []

    target = folder / INDEX
    _write(target, page(result, ctx, post_links=names))
    written.append(target)
    for post in result.posts:
        target = folder / names[post.path]
        _write(target, render_single(post, ctx))
        written.append(target)
    target = folder / DATA
    _write(target, render_json(result, ctx))
    written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    """`python -m audit.reports PATH… FOLDER`: audit like `audit PATH… --report-dir FOLDER` (configuration found
    from the first path, findings kept with the post text) and write the report folder."""
    from . import __version__
    from .cli import resolve_config
    from .engine import AuditOptions, audit_paths
    from .formatters import RenderContext

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2:
        print("usage: python -m audit.reports PATH… FOLDER", file=sys.stderr)
        return 2
    *paths, folder = args
    cfg = resolve_config(paths, None, False, None, None, None, None)
    result = audit_paths(paths, AuditOptions(config=cfg, keep_post=True), jobs=1)
    ctx = RenderContext(color=False, tool_version=__version__)
    for path in write_report_dir(result, Path(folder), ctx):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
