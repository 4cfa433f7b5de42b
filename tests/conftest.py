"""Shared test helpers. Real posts are read in place from ../shared (never copied into the project)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
DEV = SHARED / "corpus" / "dev"
EXAMPLES = ROOT / "examples"


def pytest_configure(config):
    # audit's disk caches (parsed YAML, compiled regexes, the mojibake model) go to a folder of this test session,
    # not the user's cache folder; subprocesses started by tests inherit it
    if "AUDIT_CACHE_DIR" not in os.environ:
        import tempfile

        os.environ["AUDIT_CACHE_DIR"] = tempfile.mkdtemp(prefix="audit-test-cache-")


def need_shared() -> None:
    if not SEEDS.is_dir() or not DEV.is_dir():
        if os.environ.get("CI"):  # CI runs with ../shared beside the clone: a missing one is a broken setup
            pytest.fail(f"{SHARED} not found, but CI must run the real-post tests")
        pytest.skip(f"{SHARED} not found: real-post tests need ../shared beside the project")


@pytest.fixture
def shared():
    need_shared()
    return SHARED


def dev_post(rel: str) -> Path:
    need_shared()
    return DEV / rel


def seed(prefix: str) -> Path:
    need_shared()
    matches = sorted(SEEDS.glob(f"{prefix}*"))
    assert matches, f"no seed {prefix}*"
    return matches[0]
