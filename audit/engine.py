"""The engine: find files, read them, run the selected rules, apply suppressions, sort and score.

It alone decides which rules run and how findings are kept; rules only yield hits, formatters only print.
"""
from __future__ import annotations

import os
import re
import sys
import traceback
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from . import recache
from . import score as scoring
from .config import Config
from .encoding import UnreadableFile, decode, repair
from .model import SECTION_KEYS, Entry, Field, Finding, Post, Severity, excerpt
from .parse import parse_post
from .rules.registry import Context, Hit, Rule, forget_entries, logic_rules

SUFFIXES = (".md", ".markdown", ".txt")
SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache"}


# ---------------------------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True, slots=True)
class PaperReport:
    index: int
    arxiv_id: str | None
    version: int | None
    title: str
    line: int
    sections: Mapping[str, bool]
    findings: tuple[Finding, ...]
    score: int

    @property
    def grade(self) -> str:
        return scoring.grade(self.score)

    def active(self) -> list[Finding]:
        return [f for f in self.findings if not f.suppressed]


@dataclass(frozen=True, slots=True)
class PostReport:
    path: str
    title: str | None
    date: str | None
    topic: str | None
    findings: tuple[Finding, ...]          # post-level
    papers: tuple[PaperReport, ...]
    score: int
    notes: tuple[str, ...] = ()            # e.g. "rule X failed on entry 3: …"
    post: Post | None = None               # kept for cross-post checks and fixes

    @property
    def grade(self) -> str:
        return scoring.grade(self.score)

    def all_findings(self, include_suppressed: bool = False) -> list[Finding]:
        out = [f for f in self.findings]
        for p in self.papers:
            out.extend(p.findings)
        return [f for f in out if include_suppressed or not f.suppressed]

    def paper_key(self, f: Finding) -> str:
        """A stable name for the paper a finding belongs to: its arXiv id, else its position; "post" if none."""
        if f.paper is None:
            return "post"
        for p in self.papers:
            if p.index == f.paper:
                return p.arxiv_id or f"#{p.index}"
        return f"#{f.paper}"

    def counts(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for f in self.all_findings():
            counts[f.severity.value] += 1
        return counts


@dataclass(frozen=True)
class FileError:
    path: str
    message: str
    fatal: bool = True       # False: skipped with a notice (e.g. a markdown file with no paper entries)


@dataclass
class RunResult:
    posts: Sequence[PostReport] = field(default_factory=list)  # audit_paths gives a PostStore (reports on disk)
    errors: list[FileError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------------------
# Files


def discover(paths: Iterable[str]) -> tuple[list[Path], list[FileError]]:
    """Files to audit, in input order (folders recursively, sorted), and errors for paths that do not exist."""
    files: list[Path] = []
    errors: list[FileError] = []
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = []
            for root, dirs, names in os.walk(p, onerror=lambda e: errors.append(
                    FileError(str(e.filename), f"cannot list folder: {e.strerror}"))):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
                found.extend(Path(root) / n for n in names if n.lower().endswith(SUFFIXES))
            for f in sorted(found):
                if f.resolve() not in seen:
                    seen.add(f.resolve())
                    files.append(f)
        elif p.is_file():
            if p.resolve() not in seen:
                seen.add(p.resolve())
                files.append(p)
        elif p.exists():
            errors.append(FileError(raw, "not a regular file or folder"))
        else:
            errors.append(FileError(raw, "no such file or directory"))
    return files, errors


# ---------------------------------------------------------------------------------------------------------------
# Rules


_RULES: dict[tuple, list[Rule]] = {}


def all_rules(extra_folders: tuple[Path, ...] = ()) -> list[Rule]:
    """Every known rule (bundled packs, extra packs, logic rules), sorted by code. Loaded once per process."""
    key = tuple(str(p) for p in extra_folders)
    if key not in _RULES:
        from .rules.packs import load_packs, rules_dir

        rules: dict[str, Rule] = {}
        for rule in load_packs([rules_dir(), *extra_folders]) + list(logic_rules().values()):
            if rule.meta.code in rules:
                from .rules.packs import PackError
                raise PackError(f"{rule.meta.source}: rule code {rule.meta.code} is already used by "
                                f"{rules[rule.meta.code].meta.source}")
            rules[rule.meta.code] = rule
        _RULES[key] = [rules[c] for c in sorted(rules)]
    return _RULES[key]


def selected_rules(config: Config, path: str | None = None) -> list[Rule]:
    return [r for r in all_rules(config.extend_rules)
            if config.enabled(r.meta.code, r.meta.category, r.meta.name, path)]


# ---------------------------------------------------------------------------------------------------------------
# Suppression comments: <!-- audit: ignore[TPL001,chatter] --> on the line before a finding (or on its line),
# or just above / right below an entry's `## title` heading for the whole entry.

SUPPRESS = recache.compile(r"<!--\s*audit\s*:\s*(?:ignore|noqa|disable)\s*(?:\[(?P<sel>[^\]]*)\])?\s*-->", re.I)


def _suppressions(post: Post) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """(line -> selectors for that line, entry index -> selectors for the whole entry). '*' selects all."""
    lines = post.lines
    by_line: dict[int, set[str]] = {}
    for n, line in enumerate(lines, 1):
        if "audit" not in line:
            continue
        for m in SUPPRESS.finditer(line):
            sel = {s.strip() for s in (m.group("sel") or "*").split(",") if s.strip()} or {"*"}
            by_line.setdefault(n, set()).update(sel)
            nxt = n + 1
            while nxt <= len(lines) and not lines[nxt - 1].strip():
                nxt += 1
            by_line.setdefault(nxt, set()).update(sel)
    by_entry: dict[int, set[str]] = {}
    for e in post.entries:
        # comments directly above the heading (skipping blank lines), on it, or on the line right after it
        candidates = [e.line, e.line + 1]
        k = e.line - 1
        while k >= 1 and (not lines[k - 1].strip() or SUPPRESS.search(lines[k - 1])):
            if lines[k - 1].strip():
                candidates.append(k)
            k -= 1
        for c in candidates:
            if c <= len(lines):
                for m in SUPPRESS.finditer(lines[c - 1]):
                    by_entry.setdefault(e.index, set()).update(
                        {s.strip() for s in (m.group("sel") or "*").split(",") if s.strip()} or {"*"})
    return by_line, by_entry


def _matches(selectors: set[str], f: Finding) -> bool:
    return any(s == "*" or s.upper() == "ALL" or s == f.category or f.rule.upper().startswith(s.upper())
               for s in selectors)


def mark_suppressed(post: Post, findings: Iterable[Finding]) -> list[Finding]:
    """The findings, those that a suppression comment of the post covers marked `suppressed`."""
    by_line, by_entry = _suppressions(post)
    out = []
    for f in findings:
        sel = set(by_line.get(f.line, set()))
        if f.paper is not None:
            sel |= by_entry.get(f.paper, set())
        out.append(replace(f, suppressed=True) if sel and _matches(sel, f) else f)
    return out


def _paper_order(f: Finding) -> tuple:
    return f.line, -f.severity.rank, f.rule


def _post_order(f: Finding) -> tuple:
    return f.line, f.rule


def rescored(report: "PostReport", paper_findings: Mapping[int, Iterable[Finding]],
             post_findings: Iterable[Finding]) -> "PostReport":
    """The report with other findings (per paper index, and post-level), sorted and scored as `audit_post` does."""
    papers = []
    for paper in report.papers:
        findings = tuple(sorted(paper_findings.get(paper.index, paper.findings), key=_paper_order))
        papers.append(paper if findings == paper.findings else
                      replace(paper, findings=findings, score=scoring.paper_score(findings)))
    own = tuple(sorted(post_findings, key=_post_order))
    return replace(report, papers=tuple(papers), findings=own,
                   score=scoring.post_score([p.score for p in papers], own))


# ---------------------------------------------------------------------------------------------------------------
# Auditing one file


@dataclass(frozen=True)
class AuditOptions:
    config: Config = Config()
    metadata: Mapping[str, object] = field(default_factory=dict)   # arxiv_id -> ArxivRecord
    keep_post: bool = False       # keep the parsed post on each report (HTML reports show its lines)
    keep_skeleton: bool = False   # keep a small skeleton of it (for cross-post checks)
    keep_fixes: bool = True       # keep each finding's mechanical repair (`audit fix` needs them; a check does not)


def _finding(rule: Rule, hit: Hit, config: Config, paper: int | None, keep_fix: bool = True) -> Finding:
    meta = rule.meta
    severity = config.severity_for(meta.code, meta.category, hit.severity or meta.severity, meta.name)
    if hit.field is not None:
        line, column = hit.field.position(hit.start)
        end = hit.end if hit.end is not None else len(hit.field.text)
        end_line = hit.field.position(end)[0]
        text = hit.excerpt if hit.excerpt is not None else hit.field.text[hit.start:end]
    else:
        line, column, end_line, text = hit.line or 1, None, None, hit.excerpt or ""
    return Finding(rule=meta.code, category=meta.category, severity=severity,
                   message=hit.message or meta.message.replace("{match}", "").replace("{match!r}", ""),
                   line=line, column=column, end_line=end_line if end_line != line else None,
                   excerpt=excerpt(text), paper=hit.paper if hit.paper is not None else paper,
                   fix=hit.fix if keep_fix else None)


def audit_text(text: str, path: str, options: AuditOptions, encoding=None) -> PostReport:
    return _parse_and_audit(text, path, options, encoding)[1]


def _parse_and_audit(text: str, path: str, options: AuditOptions, encoding=None) -> tuple[Post, PostReport]:
    from .model import EncodingReport

    text, report = repair(text, encoding or EncodingReport())
    post = parse_post(text, path, report)
    return post, audit_post(post, options)


def audit_post(post: Post, options: AuditOptions) -> PostReport:
    forget_entries()  # analyses are shared by the rules of one post; holding them longer only costs memory
    config = options.config
    rules = selected_rules(config, post.path)
    ctx = Context(post=post, metadata=options.metadata,
                  options={"extra_gazetteers": config.gazetteers, "extra_topics": config.topics})
    notes: list[str] = []
    post_findings: list[Finding] = []
    per_paper: dict[int, list[Finding]] = {e.index: [] for e in post.entries}

    def run(rule: Rule, target: "Entry | Post", paper: int | None) -> list[Finding]:
        try:
            return [_finding(rule, hit, config, paper, options.keep_fixes) for hit in rule.hits(target, ctx)]
        except Exception as exc:  # a broken rule must not stop the audit (nor leave half its findings)
            if os.environ.get("AUDIT_DEBUG"):
                raise
            where = f"entry {paper}" if paper else "the post"
            notes.append(f"rule {rule.meta.code} failed on {where}: {type(exc).__name__}: {exc}")
            if os.environ.get("AUDIT_TRACE"):
                notes.append(traceback.format_exc())
            return []

    for rule in rules:
        if rule.meta.level == "post":
            for f in run(rule, post, None):
                (per_paper.get(f.paper, post_findings) if f.paper else post_findings).append(f)
        else:
            for entry in post.entries:
                per_paper[entry.index].extend(run(rule, entry, entry.index))

    # one pass over the post's suppression comments for all findings, then back to their papers
    order = [e.index for e in post.entries]
    marked = iter(mark_suppressed(post, [f for i in order for f in per_paper[i]] + post_findings))
    per_paper = {i: [next(marked) for _ in per_paper[i]] for i in order}
    post_findings = list(marked)
    papers = []
    for entry in post.entries:
        findings = sorted(per_paper[entry.index], key=_paper_order)
        title = entry.title.plain.strip() if entry.title else ""
        papers.append(PaperReport(
            index=entry.index, arxiv_id=entry.arxiv_id, version=entry.version, title=re.sub(r"\s+", " ", title),
            line=entry.line, sections={k: entry.has(k) for k in SECTION_KEYS}, findings=tuple(findings),
            score=scoring.paper_score(findings)))
    post_findings = sorted(post_findings, key=_post_order)
    return PostReport(path=post.path, title=post.title, date=post.date, topic=post.topic,
                      findings=tuple(post_findings), papers=tuple(papers),
                      score=scoring.post_score([p.score for p in papers], post_findings), notes=tuple(notes),
                      post=post if options.keep_post else None)


def _skeleton(post: Post) -> Post:
    """What a cross-post check needs of a post, small enough to keep for every file of a large run: the entries
    that name an affiliation, with their ids, title and authors, affiliation and urls sections, and the abstract
    and comments only when they hold a URL or an e-mail address (evidence of an institution); and the lines that
    hold comments (for suppressions)."""
    from types import MappingProxyType

    from .checks.affiliation import may_hold_evidence

    def evidence(f: Field | None) -> Field | None:
        return f if f is not None and may_hold_evidence(f.text) else None

    # comment lines kept as they are; other lines reduced to "." (or "" when blank), so suppressions that look
    # for "the next non-blank line" still land where they would in the full post
    lines = [line if "<!--" in line else ("." if line.strip() else "") for line in post.lines]
    entries = tuple(replace(e, summary=None, key_takeaways=None, digest=None, digest_preamble=None, screenshots=None,
                            text=None, abstract=evidence(e.abstract), comments=evidence(e.comments),
                            sections=MappingProxyType({k: v for k, v in e.sections.items()
                                                       if k in ("affiliation", "urls")}))
                    for e in post.entries if e.arxiv_id and e.sections.get("affiliation") is not None)
    return replace(post, text="\n".join(lines), entries=entries, preamble=None)


def audit_file(path: str, options: AuditOptions) -> "PostReport | FileError":
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        return FileError(path, "is a directory")
    except OSError as exc:
        return FileError(path, f"cannot read file: {exc.strerror or exc}")
    try:
        text, report = decode(data)
    except UnreadableFile as exc:
        return FileError(path, str(exc))
    try:
        post, result = _parse_and_audit(text, path, options, report)
    except Exception as exc:  # the parser and engine must never take the whole run down
        if os.environ.get("AUDIT_DEBUG"):
            raise
        return FileError(path, f"internal error while auditing: {type(exc).__name__}: {exc}")
    if not result.papers:
        return FileError(path, "no paper entries found (no [PDF](…arxiv.org/abs/…) links)", fatal=False)
    if options.keep_skeleton and result.post is None:
        result = replace(result, post=_skeleton(post))
    return result


def _audit_one(args: tuple[str, AuditOptions]) -> "PostReport | FileError":
    return audit_file(*args)


def audit_paths(paths: Iterable[str], options: AuditOptions, jobs: int | None = None,
                progress=None) -> RunResult:
    """Audit files and folders; results keep the input order. `progress(done, total)` is called as files finish.

    With `jobs` > 1 the files are shared between this process and `jobs - 1` forked workers. Everything the rules
    load once (packs, the gazetteer, word lists) is loaded here first, by auditing a small built-in post, so that
    the workers inherit it instead of each loading it again.

    Reports go to a `PostStore` as they arrive (beyond its first 200, into a temporary file), so memory does not
    grow with the number of files; for the cross-post check only each entry's (arXiv id, hash of affiliation) pair
    is kept in memory, and the posts that share a paper with different affiliations are read back at the end.
    """
    from .store import PostStore

    files, errors = discover(paths)
    result = RunResult(errors=list(errors))
    rules = selected_rules(options.config)  # load (and validate) rule packs before forking
    cross = len(files) > 1 and any(r.meta.category == "affiliation-mismatch" for r in rules)
    if cross and not options.keep_post:  # the cross-post pass needs a small skeleton of each post
        options = replace(options, keep_skeleton=True)
    store = PostStore(strip_post=not options.keep_post)
    keys: dict[str, list[tuple[int, int]]] = {}  # arXiv id -> (store position, hash of its affiliation key)

    def keep(out: "PostReport | FileError") -> None:
        if isinstance(out, FileError):
            result.errors.append(out)
            return
        if cross and out.post is not None:
            from .checks.affiliation import cross_post_keys

            for arxiv_id, key in cross_post_keys(out.post):
                keys.setdefault(arxiv_id, []).append((len(store), hash(key)))  # a hash is enough to compare
        store.append(out)

    jobs = min(jobs or os.cpu_count() or 1, len(files))
    tasks = [(str(f), options) for f in files]
    if jobs > 1 and len(tasks) >= 4:
        _warm_up(options)
        import gc

        gc.freeze()  # what is loaded now lives as long as the run: the collector need not walk it again, and
        try:         # the forked workers do not copy its pages by touching them
            _audit_shared(tasks, jobs - 1, keep, progress)
        finally:
            gc.unfreeze()  # a caller that runs audits in a loop gets its garbage collected again
    else:
        for n, task in enumerate(tasks, 1):
            keep(_audit_one(task))
            if progress:
                progress(n, len(tasks))
    if cross:
        _add_cross_post_findings(store, keys, options)
    result.posts = store
    return result


def _warm_up(options: AuditOptions) -> None:
    """Audit a small built-in post once, so that rules load what they load lazily (and the gazetteer is built)."""
    from .rules.examples import build_post

    audit_text(build_post(), "<warm-up>", replace(options, keep_post=False, keep_skeleton=False))


def _audit_shared(tasks: list, workers: int, keep, progress=None) -> None:
    """Audit `tasks` in this process and in `workers` forked processes, fed one file at a time; `keep` gets the
    results in input order (the few that finish early wait in a small buffer).

    Each worker has at most eight files queued, fewer near the end, so that the run ends balanced. The files of a
    worker that died are audited here.
    """
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, wait

    context = multiprocessing.get_context("fork") if sys.platform.startswith("linux") else None
    waiting: dict[int, object] = {}
    done = 0

    def finished(i: int, out) -> None:
        nonlocal done
        waiting[i] = out
        while done in waiting:
            keep(waiting.pop(done))
            done += 1
            if progress:
                progress(done, len(tasks))

    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: dict = {}  # future -> task index
        todo = iter(range(len(tasks)))
        nxt = next(todo, None)
        broken = False  # a worker died (killed, out of memory): the pool takes no more work
        while nxt is not None or pending:
            # the workers' queue is kept short, and never longer than what is left for this process, so that
            # both run out of work at about the same time
            while not broken and nxt is not None and len(pending) < min(8 * workers, len(tasks) - nxt):
                try:
                    pending[pool.submit(_audit_one, tasks[nxt])] = nxt
                except BrokenProcessPool:
                    broken = True
                    break
                nxt = next(todo, None)
            if nxt is not None:
                finished(nxt, _audit_one(tasks[nxt]))
                nxt = next(todo, None)
            elif pending:
                wait(pending, return_when=FIRST_COMPLETED)
            for fut in [f for f in pending if f.done()]:
                i = pending.pop(fut)
                try:
                    out = fut.result()
                except BrokenProcessPool:  # its file is audited here instead
                    broken = True
                    out = _audit_one(tasks[i])
                finished(i, out)


def _add_cross_post_findings(store, keys: Mapping[str, list[tuple[int, int]]], options: AuditOptions) -> None:
    """Checks that compare posts with each other (the same paper credited to unrelated institutions): one paper
    at a time, with only the posts that cite it with different affiliations read back; their reports are then
    replaced in the store."""
    from .checks.affiliation import cross_post_findings

    found: dict[int, list[Finding]] = {}
    for arxiv_id, group in keys.items():
        positions = sorted({i for i, _ in group})
        if len(positions) < 2 or len({k for _, k in group}) < 2:
            continue
        reports = [store.raw(i) for i in positions]
        extra = cross_post_findings(reports, options.config, ids={arxiv_id})
        for i, report in zip(positions, reports):
            found.setdefault(i, []).extend(extra.get(report.path, ()))
    for i, more in found.items():
        if not more:
            continue
        report = store.raw(i)
        indexes = {p.index for p in report.papers}
        papers = {p.index: p.findings + tuple(f for f in more if f.paper == p.index) for p in report.papers}
        store.replace(i, rescored(report, papers, report.findings + tuple(f for f in more if f.paper not in indexes)))


def exit_code(result: RunResult, config: Config) -> int:
    if any(e.fatal for e in result.errors):
        return 2
    level = config.fail_on.rank
    for post in result.posts:
        if any(f.severity.rank >= level for f in post.all_findings()):
            return 1
        if config.fail_under and post.score < config.fail_under:
            return 1
    return 0


__all__ = ["AuditOptions", "FileError", "PaperReport", "PostReport", "RunResult", "audit_file", "audit_paths",
           "audit_post", "audit_text", "all_rules", "discover", "exit_code", "selected_rules", "Severity"]
