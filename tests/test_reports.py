"""Report folders (index.html, one Markdown report per post, audit.json), the committed sample reports in reports/,
and the HTML page in a real headless Chromium: filters work, nothing from a hostile post executes."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest

from audit import __version__
from audit.engine import RunResult
from audit.formatters import RenderContext
from audit.reports import main as reports_main
from audit.reports import report_name, report_names, write_report_dir

from .conftest import ROOT
from .test_formats import CTX, hostile_result, paper, post

REPORTS = ROOT / "reports"
ARTIFACTS = Path(os.environ.get("AUDIT_ARTIFACTS", Path(tempfile.gettempdir()) / "audit-artifacts"))


# ---------------------------------------------------------------------------------------------------------------
# File names


@pytest.mark.parametrize("path, name", [
    ("examples/clean.md", "examples__clean"),
    ("./posts/a b.md", "posts__a-b"),
    ("博客/2024 年/每日 更新.md", "博客__2024-年__每日-更新"),
    ("/abs/dir/x.markdown", "abs__dir__x"),
    ("../up/.hidden.md", "up__hidden"),
    ("a/<script>alert(1)</script>.md", "a__script-alert-1__script"),
    ("con.md", "_con"),
    ("index.md", "_index"),
    ("audit.md", "_audit"),
    ("...md", "post"),
    ("C:\\posts\\w.md", "C__posts__w"),
])
def test_report_name(path, name):
    assert report_name(path) == name


def test_report_name_is_bounded():
    long = "目录/" + "长" * 300 + ".md"
    name = report_name(long)
    assert len(name) <= 80 and len((name + ".md").encode("utf-8")) < 255
    assert name != report_name("目录/" + "长" * 301 + ".md")


def test_report_names_unique_even_case_insensitively():
    posts = [post(p, [paper(1)]) for p in ("a/b.md", "a__b.md", "a b.md", "a-b.md", "A/B.md", "a/b.markdown")]
    names = report_names(posts)
    assert len(set(names.values())) == len(posts)
    assert len({n.casefold() for n in names.values()}) == len(posts)
    assert names["a/b.md"] == "a__b.md"  # the first keeps the plain name
    assert report_names(posts) == names  # deterministic
    for n in names.values():
        assert re.fullmatch(r"[\w.\-]+\.md", n)


# ---------------------------------------------------------------------------------------------------------------
# Writing a folder


def test_write_report_dir(tmp_path):
    folder = tmp_path / "out" / "nested"
    written = write_report_dir(hostile_result(), folder, CTX)
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(p.name for p in written)  # no temporary files left behind
    assert written[0].name == "index.html" and written[-1].name == "audit.json"
    assert {p.name for p in written[1:-1]} == {"posts__clean.md", "posts__evil-b.md", "博客__daily-post-v1-a.md"}
    doc = json.loads((folder / "audit.json").read_text(encoding="utf-8"))
    assert doc["version"] == 1 and [p["path"] for p in doc["posts"]][0] == "posts/clean.md"
    index = (folder / "index.html").read_text(encoding="utf-8")
    for p in written[1:-1]:  # index links to every per-post report, percent-encoded
        from urllib.parse import quote

        assert f'href="{quote(p.name)}"' in index
    md = (folder / "posts__evil-b.md").read_text(encoding="utf-8")
    assert md.startswith("# `posts/evil <b>.md`")
    umask = os.umask(0)
    os.umask(umask)
    for p in written:  # the usual permissions of a new file, not mkstemp's 0600
        assert p.stat().st_mode & 0o777 == 0o666 & ~umask


def test_write_report_dir_is_deterministic(tmp_path):
    a = write_report_dir(hostile_result(), tmp_path / "a", CTX)
    b = write_report_dir(hostile_result(), tmp_path / "b", CTX)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    again = write_report_dir(hostile_result(), tmp_path / "a", CTX)  # rewriting in place
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in b]
    for p in a:
        assert str(tmp_path) not in p.read_text(encoding="utf-8")


def test_write_report_dir_empty_result(tmp_path):
    written = write_report_dir(RunResult(), tmp_path, CTX)
    assert [p.name for p in written] == ["index.html", "audit.json"]


# ---------------------------------------------------------------------------------------------------------------
# The committed sample reports


def _normalise(text: str) -> str:
    """Ignore only the tool version."""
    return text.replace(f'"version": "{__version__}"', '"version": "VERSION"').replace(
        f"<p>audit {__version__}</p>", "<p>audit VERSION</p>")


def test_sample_reports_are_up_to_date(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # paths as given on the command line: examples/…
    out = tmp_path / "reports"
    with open(os.devnull, "w") as devnull:
        import contextlib

        with contextlib.redirect_stdout(devnull):
            assert reports_main(["examples", str(out)]) == 0
    expected = {p.name: p for p in out.iterdir()}
    committed = {p.name: p for p in REPORTS.iterdir() if p.is_file()} if REPORTS.is_dir() else {}
    how = "regenerate them: `python -m audit.reports examples reports` (or `audit examples/ --report-dir reports/`)"
    assert sorted(committed) == sorted(expected), f"reports/ has other files than a fresh run; {how}"
    stale = [name for name in sorted(expected)
             if _normalise(committed[name].read_text(encoding="utf-8"))
             != _normalise(expected[name].read_text(encoding="utf-8"))]
    assert not stale, f"reports/ is out of date ({', '.join(stale)}); {how}"


def test_sample_reports_have_relative_paths_only():
    if not REPORTS.is_dir():
        pytest.fail("reports/ is missing")
    for p in REPORTS.iterdir():
        text = p.read_text(encoding="utf-8")
        assert str(ROOT) not in text and "/tmp/" not in text, p.name


# ---------------------------------------------------------------------------------------------------------------
# Headless Chromium


FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars"]


def _install_chromium() -> str | None:
    if shutil.which("chromium"):
        return shutil.which("chromium")
    if os.environ.get("AUDIT_NO_INSTALL") or not shutil.which("apt-get") or os.geteuid() != 0:
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for attempt in range(2):
        if attempt:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=600)
        done = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"], env=env,
                              capture_output=True, timeout=900)
        if done.returncode == 0 and shutil.which("chromium"):
            return shutil.which("chromium")
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    exe = _install_chromium()
    if exe is None:
        pytest.skip("headless Chromium not available: `apt-get install -y chromium` failed or is not allowed "
                    "(needs root and Debian's package registry)")
    return exe


def _run(exe: str, url: str, profile: Path, *extra: str, timeout: float = 25) -> str:
    done = subprocess.run([exe, *FLAGS, f"--user-data-dir={profile}", *extra, url], capture_output=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    return done.stdout.decode("utf-8", "replace")


class _Dom(HTMLParser):
    """Start tags with their attributes, in order."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _dom(html: str) -> _Dom:
    d = _Dom()
    d.feed(html)
    return d


def _by_id(dom: _Dom, tag: str) -> dict[str, dict]:
    return {a["id"]: a for t, a in dom.tags if t == tag and "id" in a}


@pytest.fixture(scope="module")
def browser_pages(chromium, tmp_path_factory):
    """Run Chromium once per view, in parallel: the hostile report with several filter hashes, a control page whose
    script must run, and a screenshot kept as an artifact."""
    folder = tmp_path_factory.mktemp("report")
    write_report_dir(hostile_result(), folder, RenderContext(color=False, tool_version="9.9.9"))
    control = folder / "control.html"
    control.write_text("<!DOCTYPE html><html><body><p>x</p><script>document.body.setAttribute('data-pwned','1')"
                       "</script></body></html>", encoding="utf-8")
    url = (folder / "index.html").as_uri()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "report-index.png"
    if shot.exists():
        shot.unlink()
    jobs = {"plain": (url, "--dump-dom"),
            "error": (url + "#severity=error", "--dump-dom"),
            "chatter": (url + "#category=chatter&clean=1", "--dump-dom"),
            "control": (control.as_uri(), "--dump-dom"),
            "shot": (url, f"--screenshot={shot}", "--window-size=1280,2000")}
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {k: pool.submit(_run, chromium, u, folder.parent / f"profile-{k}", *extra)
                   for k, (u, *extra) in jobs.items()}
        pages = {k: f.result() for k, f in futures.items()}
    print(f"\nChromium: {len(jobs)} runs in {time.monotonic() - start:.1f}s; screenshot: {shot}")
    pages["shot"] = shot
    return pages


def test_chromium_control_script_runs(browser_pages):
    """The detector works: a page whose script is real does set the attribute."""
    body = next(a for t, a in _dom(browser_pages["control"]).tags if t == "body")
    assert body.get("data-pwned") == "1"


def test_chromium_nothing_from_the_post_executes(browser_pages):
    for key in ("plain", "error", "chatter"):
        page = browser_pages[key]
        assert "</html>" in page, f"no DOM dumped for {key}"
        dom = _dom(page)
        body = next(a for t, a in dom.tags if t == "body")
        assert "data-pwned" not in body
        assert [t for t, _ in dom.tags].count("script") == 1
        assert not any(t in ("img", "svg", "iframe") for t, _ in dom.tags)
        text = "".join(dom.text)
        assert "<script>document.body.setAttribute('data-pwned','1')</script>" in text  # shown as text


def test_chromium_filters(browser_pages):
    plain, error, chatter = (_dom(browser_pages[k]) for k in ("plain", "error", "chatter"))
    form = _by_id(plain, "form")["filters"]
    assert "hidden" not in form  # our script ran (so a hostile one would have had the chance)
    assert not any("hidden" in a for a in _by_id(plain, "article").values())
    assert not any("hidden" in a for a in _by_id(plain, "section").values())

    # posts: p1 evil (errors), p2 warning/info only, p3 clean
    arts = _by_id(error, "article")
    assert "hidden" not in arts["p1-1"]                    # has errors
    assert "hidden" in arts["p1-2"] and "hidden" in arts["p3-1"]   # clean papers
    assert "hidden" in arts["p2-1"] and "hidden" in arts["p2-2"]   # warning / info only
    secs = _by_id(error, "section")
    assert "hidden" not in secs["p1"] and "hidden" in secs["p2"] and "hidden" in secs["p3"]
    lis = [a for t, a in error.tags if t == "li" and "finding" in a.get("class", "")]
    assert lis and all(("hidden" in a) == (a["data-severity"] != "error") for a in lis)
    assert "1 paper shown" in "".join(error.text)

    arts = _by_id(chatter, "article")
    assert "hidden" not in arts["p1-1"] and "hidden" not in arts["p2-1"]   # chatter findings
    assert "hidden" in arts["p2-2"]                                        # only a missing-section info
    assert "hidden" not in arts["p1-2"] and "hidden" not in arts["p3-1"]   # clean papers asked for (clean=1)


def test_chromium_screenshot(browser_pages):
    shot: Path = browser_pages["shot"]
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
