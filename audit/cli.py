"""The `audit` command line: `audit PATH…` (same as `audit check PATH…`), `audit rules`, `audit explain CODE`."""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterable, List, Optional

import typer

from . import __version__

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Audit AI-written digests of arXiv papers before they are published.",
                  context_settings={"help_option_names": ["-h", "--help"]})

COMMANDS = {"check", "rules", "explain", "fix", "arxiv"}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"audit {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(version: bool = typer.Option(False, "--version", "-V", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Audit AI-written digests of arXiv papers. `audit PATH…` is short for `audit check PATH…`."""


def fail(message: str) -> None:
    """A usage or setup error: one line on stderr, exit code 2."""
    typer.echo(f"audit: {message}", err=True)
    raise typer.Exit(2)


def _split(values: Optional[List[str]]) -> tuple[str, ...]:
    out: list[str] = []
    for v in values or []:
        out.extend(s.strip() for s in v.split(",") if s.strip())
    return tuple(out)


def resolve_config(paths: List[str], config_file: Optional[Path], isolated: bool, select, ignore, fail_on,
                   fail_under):
    from .config import ConfigError, config_from_table, find_config, load_config, validate_selector
    from .model import Severity

    try:
        if isolated:
            cfg = config_from_table({})
        else:
            found = config_file or (find_config(Path(paths[0])) if paths else None)
            if config_file is not None and not config_file.is_file():
                fail(f"{config_file}: config file not found")
            cfg = load_config(found)
        sel, ign = _split(select), _split(ignore)
        for s in sel + ign:
            validate_selector(s, "command line")
        cfg = cfg.with_overrides(select=sel or None, ignore=(cfg.ignore + ign) if ign else None,
                                 fail_on=Severity.parse(fail_on) if fail_on else None, fail_under=fail_under)
    except ConfigError as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(str(exc))
    return cfg


def use_reference(cfg, reference: Optional[List[Path]]) -> None:
    """Reference posts for the encoding repair, from the config and the command line; a path that does not exist
    is a usage error (it is more likely a typo than a wish)."""
    from . import charlm

    paths = tuple(cfg.encoding_reference) + tuple(reference or ())
    for path in paths:
        if not path.exists():
            fail(f"{path}: reference path not found")
    charlm.set_reference(paths)


def write_output(text: "str | Iterable[str]", output: Optional[Path]) -> None:
    """The report on stdout, or atomically in `output`; `text` may come in pieces (written as they come)."""
    pieces = (text,) if isinstance(text, str) else text
    if output is None:
        for piece in pieces:
            sys.stdout.write(piece)
        sys.stdout.flush()
        return
    from .fsutil import atomic_write_chunks

    try:
        atomic_write_chunks(output, (piece.encode("utf-8") for piece in pieces))
    except OSError as exc:
        fail(f"{output}: cannot write output ({exc.strerror or exc})")


@app.command()
def check(
    paths: List[str] = typer.Argument(..., help="Posts or folders (searched recursively for *.md, *.markdown, "
                                                "*.txt)."),
    format: str = typer.Option("text", "--format", "-f", help="Output format: text, json (and more: see --help)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the report to FILE (atomically)."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Rules to run: codes, prefixes, categories."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Rules to skip: codes, prefixes, categories."),
    fail_on: Optional[str] = typer.Option(None, "--fail-on", help="Exit 1 on findings at or above: error, warning, "
                                                                  "info (default: error)."),
    fail_under: Optional[float] = typer.Option(None, "--fail-under", min=0, max=100,
                                               help="Exit 1 when a post scores below N."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="Use this audit.toml / pyproject.toml."),
    isolated: bool = typer.Option(False, "--isolated", help="Ignore every configuration file."),
    show_suppressed: bool = typer.Option(False, "--show-suppressed", help="Show findings suppressed inline."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Files audited in parallel (default: CPUs)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only posts and papers with errors or warnings."),
    no_color: bool = typer.Option(False, "--no-color", help="No colours (also when NO_COLOR is set)."),
    metadata: str = typer.Option("embedded", "--metadata", help="Reference metadata: embedded (the post's own "
                                                                 "arXiv header), cache, or arxiv (live API)."),
    online: bool = typer.Option(False, "--online", help="Same as --metadata arxiv: fetch what the cache lacks."),
    cache: Optional[Path] = typer.Option(None, "--cache", help="SQLite metadata cache (default: user cache dir)."),
    api_url: Optional[str] = typer.Option(None, "--api-url", help="arXiv API endpoint (a mirror or a test server)."),
    report_dir: Optional[Path] = typer.Option(None, "--report-dir", help="Also write index.html, one Markdown "
                                                                       "report per post and audit.json into DIR."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Report only findings not recorded in FILE."),
    write_baseline_file: Optional[Path] = typer.Option(None, "--write-baseline",
                                                       help="Record every current finding in FILE and exit 0."),
    reference: Optional[List[Path]] = typer.Option(
        None, "--reference", metavar="PATH",
        help="Clean posts (files or folders) the encoding repair learns the blog's wording from; repeatable."),
) -> None:
    """Audit posts and report findings. Exit 0: clean; 1: findings at or above the fail level; 2: usage error or
    an unreadable file."""
    from .engine import AuditOptions, audit_paths, exit_code
    from .formatters import FORMATTERS, NEEDS_POST, RenderContext, stream
    from .rules.packs import PackError
    from .sources import SOURCES

    if format not in FORMATTERS:
        fail(f"unknown format '{format}' (choose from {', '.join(sorted(FORMATTERS))})")
    if baseline is not None and write_baseline_file is not None:
        fail("--baseline and --write-baseline cannot be combined")
    cfg = resolve_config(paths, config_file, isolated, select, ignore, fail_on, fail_under)
    use_reference(cfg, reference)
    known = None
    if baseline is not None:
        from .baseline import BaselineError, load_baseline
        try:
            known = load_baseline(baseline)  # before auditing: a bad file fails fast
        except BaselineError as exc:
            fail(str(exc))
    source = "arxiv" if online else metadata
    if source not in SOURCES:
        fail(f"unknown metadata source '{source}' (choose from {', '.join(SOURCES)})")
    records, notice = fetch_metadata(paths, source, cache, api_url, quiet)
    try:
        keep = format in NEEDS_POST or report_dir is not None
        with _progress(quiet, "auditing") as progress:
            options = AuditOptions(config=cfg, metadata=records, keep_post=keep, keep_fixes=False)
            result = audit_paths(paths, options, jobs=jobs, progress=progress)
    except PackError as exc:
        fail(str(exc))
    if write_baseline_file is not None:
        from .baseline import BaselineError, write_baseline
        try:
            n = write_baseline(result, write_baseline_file)
        except BaselineError as exc:
            fail(str(exc))
        typer.echo(f"audit: recorded {n} findings in {write_baseline_file}", err=True)
        raise typer.Exit(2 if any(e.fatal for e in result.errors) else 0)
    if known is not None:
        result = known.filter(result)
    if notice:
        result.notices.append(notice)
        typer.echo(f"audit: {notice}", err=True)
    color = not no_color and "NO_COLOR" not in os.environ and output is None and sys.stdout.isatty()
    ctx = RenderContext(show_suppressed=show_suppressed, color=color, quiet=quiet, tool_version=__version__)
    for e in result.errors:  # one line per unreadable file on stderr, whatever the format
        typer.echo(f"audit: {e.path}: {e.message}", err=True)
    if report_dir is not None:
        from .reports import write_report_dir
        try:
            write_report_dir(result, report_dir, ctx)
        except OSError as exc:
            fail(f"{report_dir}: cannot write reports ({exc.strerror or exc})")
    write_output(stream(format, result, ctx), output)
    raise typer.Exit(exit_code(result, cfg))


def fetch_metadata(paths: List[str], source: str, cache: Optional[Path], api_url: Optional[str], quiet: bool):
    """Reference records for the cited ids, with a progress bar on stderr while fetching."""
    from .engine import discover
    from .sources import load_metadata

    if source == "embedded":
        return {}, None
    from .metadata.cache import CacheError

    files, _ = discover(paths)
    with _progress(quiet, "arXiv metadata") as progress:
        try:
            return load_metadata(files, source, cache, api_url, progress=progress)
        except CacheError as exc:
            fail(str(exc))
        except ValueError as exc:
            fail(f"metadata: {exc}")


class _progress:
    """A rich progress bar on stderr, shown only on a terminal, when not quiet, and once the work has taken more
    than `after` seconds (short runs print nothing); yields a (done, total) callback."""

    def __init__(self, quiet: bool, label: str, after: float = 1.0):
        self.enabled = not quiet and sys.stderr.isatty()
        self.label = label
        self.after = after
        self.bar = None

    def __enter__(self):
        if not self.enabled:
            return None
        import time

        started = time.monotonic()

        def update(done: int, total: int) -> None:
            if self.bar is None:
                if time.monotonic() - started < self.after or done >= total:
                    return
                from rich.progress import Progress

                self.bar = Progress(transient=True, console=_stderr_console())
                self.bar.start()
                self.task = self.bar.add_task(self.label, total=total)
            self.bar.update(self.task, completed=done, total=total)
        return update

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()


def _stderr_console():
    from rich.console import Console
    return Console(stderr=True, no_color="NO_COLOR" in os.environ)


arxiv_app = typer.Typer(help="arXiv metadata cache.", no_args_is_help=True)
app.add_typer(arxiv_app, name="arxiv")


@arxiv_app.command("sync")
def arxiv_sync(
    paths: List[str] = typer.Argument(..., help="Posts or folders whose cited papers to fetch."),
    cache: Optional[Path] = typer.Option(None, "--cache", help="SQLite metadata cache (default: user cache dir)."),
    api_url: Optional[str] = typer.Option(None, "--api-url", help="arXiv API endpoint (a mirror or a test server)."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Fill the metadata cache with the papers the posts cite, without auditing."""
    from .engine import discover
    from .sources import cited_ids

    files, errors = discover(paths)
    for e in errors:
        typer.echo(f"audit: {e.path}: {e.message}", err=True)
    records, notice = fetch_metadata(paths, "arxiv", cache, api_url, quiet)
    wanted = len(cited_ids(files))
    typer.echo(f"{len(records)} of {wanted} cited papers in the cache" + (f" ({notice})" if notice else ""))
    raise typer.Exit(2 if errors else 0)


@app.command()
def fix(
    paths: List[str] = typer.Argument(..., help="Posts or folders to repair."),
    select: Optional[List[str]] = typer.Option(None, "--select", help="Repairs to apply: codes, prefixes, "
                                                                      "categories (e.g. encoding)."),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Repairs to skip."),
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff and write nothing (exit 1 if any)."),
    backup: bool = typer.Option(False, "--backup", help="Keep the original beside each changed file (.orig)."),
    config_file: Optional[Path] = typer.Option(None, "--config", help="Use this audit.toml / pyproject.toml."),
    isolated: bool = typer.Option(False, "--isolated", help="Ignore every configuration file."),
    reference: Optional[List[Path]] = typer.Option(
        None, "--reference", metavar="PATH",
        help="Clean posts (files or folders) the encoding repair learns the blog's wording from; repeatable."),
) -> None:
    """Apply safe, mechanical repairs and report each one: encoding, missing paper/code links filled from the
    header, pure chatter lines deleted. Nothing else is touched; writes are atomic."""
    from .engine import discover
    from .fix import plan_fixes, write_fix

    cfg = resolve_config(paths, config_file, isolated, select, ignore, None, None)
    use_reference(cfg, reference)
    files, errors = discover(paths)
    for e in errors:
        typer.echo(f"audit: {e.path}: {e.message}", err=True)
    changed = 0
    failed = bool(errors)
    for f in files:
        outcome = plan_fixes(str(f), cfg)
        if outcome.error:
            typer.echo(f"audit: {f}: {outcome.error}", err=True)
            failed = failed or outcome.error != "empty file"
            continue
        if not outcome.changed:
            continue
        changed += 1
        if diff:
            sys.stdout.write(outcome.diff())
            continue
        try:
            saved = write_fix(outcome, backup=backup)
        except OSError as exc:
            typer.echo(f"audit: {f}: cannot write ({exc.strerror or exc}); left unchanged", err=True)
            failed = True
            continue
        for rule, line, description in outcome.applied:
            typer.echo(f"{f}:{line}  {rule}  {description}")
        if saved:
            typer.echo(f"{f}: original kept as {saved}")
    verb = "would change" if diff else "changed"
    typer.echo(f"{changed} file(s) {verb}", err=diff)
    raise typer.Exit(2 if failed else (1 if diff and changed else 0))


@app.command("rules")
def list_rules(
    format: str = typer.Option("text", "--format", "-f", help="text or json"),
) -> None:
    """List every rule: code, category, severity, one line."""
    from .engine import all_rules
    from .rules.packs import PackError

    try:
        rules = all_rules()
    except PackError as exc:
        fail(str(exc))
    if format == "json":
        import json

        typer.echo(json.dumps([{"code": r.meta.code, "name": r.meta.name, "category": r.meta.category,
                                "severity": r.meta.severity.value, "kind": r.meta.kind, "message": r.meta.message}
                               for r in rules], ensure_ascii=False, indent=1))
        return
    for r in rules:
        one_line = (r.meta.description.split("\n")[0] if r.meta.description else r.meta.message)
        typer.echo(f"{r.meta.code:8} {r.meta.category:21} {r.meta.severity.value:8} {r.meta.name}: {one_line}")


@app.command()
def explain(code: str = typer.Argument(..., help="A rule code, e.g. PLH001, or its name.")) -> None:
    """Print a rule's description and examples."""
    from .engine import all_rules

    for r in all_rules():
        if r.meta.code.upper() == code.upper() or r.meta.name == code:
            m = r.meta
            typer.echo(f"{m.code} {m.name}  [{m.category}, {m.severity.value}, {m.kind}]")
            typer.echo(f"message: {m.message}")
            if m.scope:
                typer.echo(f"scope: {', '.join(m.scope)}")
            if m.description:
                typer.echo("")
                typer.echo(m.description)
            for label, items in (("Fires on", m.examples.bad), ("Does not fire on", m.examples.good)):
                if items:
                    typer.echo(f"\n{label}:")
                    for ex in items:
                        typer.echo(f"  - {ex if isinstance(ex, str) else _example_text(ex)}")
            typer.echo(f"\nsource: {m.source}")
            return
    fail(f"no rule '{code}' (see `audit rules`)")


def _example_text(ex: dict) -> str:
    return "; ".join(f"{k}: {str(v)[:100]}" for k, v in ex.items())


def normalize_argv(argv: List[str]) -> List[str]:
    """`audit PATH…` means `audit check PATH…`: insert the command unless one (or a top-level flag) is given."""
    if not argv:
        return argv
    first = argv[0]
    if first in COMMANDS or first in ("--help", "-h", "--version", "-V"):
        return argv
    return ["check", *argv]


def main(argv: Optional[List[str]] = None) -> None:
    args = normalize_argv(list(sys.argv[1:] if argv is None else argv))
    try:
        app(args=args, prog_name="audit")
    except KeyboardInterrupt:
        typer.echo("audit: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
