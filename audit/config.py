"""Configuration: `[tool.audit]` in pyproject.toml or an audit.toml, found upward from the audited path.

    select = ["ALL"]                     # codes, code prefixes, categories or rule names
    ignore = ["TTL", "off-topic"]
    fail-on = "error"                    # error | warning | info
    fail-under = 0                       # exit 1 when a post scores below this
    extend-rules = ["my-rules"]          # extra rule-pack folders (relative to the config file)
    gazetteers = ["my-institutions.yaml"]
    topics = ["my-topics.yaml"]
    [severity]                           # ([tool.audit.severity] in pyproject.toml)
    PLH001 = "warning"
    [per-file-ignores]
    "drafts/*.md" = ["chatter"]

Selection follows ruff: the most specific selector wins (a full code beats a longer prefix beats a shorter one
beats a category beats ALL); on a tie, ignore wins.
"""
from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from .model import CATEGORIES, Severity


class ConfigError(Exception):
    """A configuration that cannot be used (one line, naming the file)."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    severity: tuple[tuple[str, Severity], ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    extend_rules: tuple[Path, ...] = ()
    gazetteers: tuple[Path, ...] = ()
    topics: tuple[Path, ...] = ()
    encoding_reference: tuple[Path, ...] = ()  # clean posts the encoding repair learns wording from
    fail_on: Severity = Severity.ERROR
    fail_under: float = 0
    source: Path | None = None

    # -- selection ------------------------------------------------------------------------------------------
    def enabled(self, code: str, category: str, name: str = "", path: str | None = None) -> bool:
        ignore = self.ignore
        if path is not None:
            for pattern, selectors in self.per_file_ignores:
                if _path_matches(path, pattern, self.source):
                    ignore = ignore + selectors
        best_sel = max((_specificity(s, code, category, name) for s in self.select), default=-1)
        best_ign = max((_specificity(s, code, category, name) for s in ignore), default=-1)
        return best_sel >= 0 and best_sel > best_ign

    def severity_for(self, code: str, category: str, default: Severity, name: str = "") -> Severity:
        best, chosen = -1, default
        for selector, level in self.severity:
            spec = _specificity(selector, code, category, name)
            if spec > best:
                best, chosen = spec, level
        return chosen

    def with_overrides(self, **changes) -> "Config":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def _specificity(selector: str, code: str, category: str, name: str) -> int:
    """How specifically `selector` names the rule: -1 not at all, 0 ALL, 1 category, 2+ code prefix length."""
    s = selector.strip()
    if s.upper() == "ALL":
        return 0
    if s == category:
        return 1
    if name and s == name:
        return 100
    if code.upper().startswith(s.upper()) and s[:1].isalpha():
        return 1 + len(s)
    return -1


def _path_matches(path: str, pattern: str, source: Path | None) -> bool:
    p = Path(path)
    candidates = {p.as_posix(), p.name}
    if source is not None:
        try:
            candidates.add(p.resolve().relative_to(source.parent.resolve()).as_posix())
        except ValueError:
            pass
    return any(fnmatch.fnmatch(c, pattern) for c in candidates)


def find_config(start: Path) -> Path | None:
    start = start.resolve()
    folder = start if start.is_dir() else start.parent
    for d in (folder, *folder.parents):
        for name in ("audit.toml", ".audit.toml"):
            if (d / name).is_file():
                return d / name
        py = d / "pyproject.toml"
        if py.is_file():
            try:
                if "audit" in tomllib.loads(py.read_text(encoding="utf-8")).get("tool", {}):
                    return py
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
    return None


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from None
    table = doc.get("tool", {}).get("audit", {}) if path.name == "pyproject.toml" else doc
    return config_from_table(table, path)


KNOWN_KEYS = {"select", "ignore", "severity", "per-file-ignores", "extend-rules", "gazetteers", "topics",
              "encoding-reference", "fail-on", "fail-under"}


def config_from_table(table: dict, path: Path | None = None) -> Config:
    where = str(path) if path else "config"
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} "
                          f"(known: {', '.join(sorted(KNOWN_KEYS))})")
    base = path.parent if path else Path.cwd()

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: '{key}' must be a list of strings")
        return tuple(value)

    try:
        severity = tuple((k, Severity.parse(v)) for k, v in (table.get("severity") or {}).items())
        fail_on = Severity.parse(table.get("fail-on", "error"))
    except (ValueError, AttributeError) as exc:
        raise ConfigError(f"{where}: {exc}") from None
    pfi = table.get("per-file-ignores") or {}
    if not isinstance(pfi, dict):
        raise ConfigError(f"{where}: 'per-file-ignores' must be a table of glob = [selectors]")
    fail_under = table.get("fail-under", 0)
    if not isinstance(fail_under, (int, float)) or not 0 <= fail_under <= 100:
        raise ConfigError(f"{where}: 'fail-under' must be a number from 0 to 100")
    cfg = Config(select=strings("select") or ("ALL",), ignore=strings("ignore"), severity=severity,
                 per_file_ignores=tuple((k, tuple(v if isinstance(v, list) else [v])) for k, v in pfi.items()),
                 extend_rules=tuple(base / p for p in strings("extend-rules")),
                 gazetteers=tuple(base / p for p in strings("gazetteers")),
                 topics=tuple(base / p for p in strings("topics")),
                 encoding_reference=tuple(base / p for p in strings("encoding-reference")),
                 fail_on=fail_on, fail_under=float(fail_under), source=path)
    for sel in cfg.select + cfg.ignore:
        validate_selector(sel, where)
    return cfg


def validate_selector(selector: str, where: str = "config") -> None:
    if not selector or (selector not in CATEGORIES and selector.upper() != "ALL"
                        and not selector[:1].isalpha()):
        raise ConfigError(f"{where}: '{selector}' is not a rule code, prefix, name or category")
