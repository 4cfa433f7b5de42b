"""A fake arXiv export API on 127.0.0.1, for tests.

`FakeArxiv` serves `/api/query?id_list=…&start=…&max_results=…` with Atom
feeds shaped like the real API's (opensearch header; per entry id, updated,
published, title, summary, authors with arxiv:affiliation, arxiv:comment,
arxiv:journal_ref, arxiv:doi, alternate/pdf links, arxiv:primary_category and
category terms), built from `tests/fixtures/arxiv/papers.json` and from
synthetic papers added by a test.

What the `arxiv` package (4.0.2) really sends, as logged by this server:
    GET /api/query?search_query=&id_list=2409.01234%2C2409.05678
        &sortBy=relevance&sortOrder=descending&start=0&max_results=2
    User-Agent: arxiv.py/4.0.2

Behaviour copied from the real API:
* an id with a version (`2409.01234v1`) gets that version, one without gets
  the latest;
* an id that is not in arXiv's format gets HTTP 400 with an error entry;
* an id that is well-formed but unknown gets no entry (or, with
  `missing_style="empty_entry"`, an entry with no fields, as the API once did),
  yet `opensearch:totalResults` still counts it (lukasschwab/arxiv.py#82);
* entries do not come back in `id_list` order.

Test controls: `fail_next(k, status)`, `malform_next(k, how)`,
`publish_version(id, …)`, `add_synthetic(n)`, `response_delay`, `stop()`
(after which connections are refused). It logs every request (`requests`).

Use as a context manager (`with FakeArxiv() as server: server.url`) or via
the `fake_arxiv` pytest fixture defined at the bottom.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import textwrap
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from xml.sax.saxutils import escape, quoteattr

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "arxiv" / "papers.json"

_ID_RE = re.compile(r"^(?P<id>\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7})(?:v(?P<v>\d+))?$")
_ARXIV_NS = 'xmlns:arxiv="http://arxiv.org/schemas/atom"'
_OPENSEARCH_NS = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'


@dataclass
class LoggedRequest:
    path: str
    query_string: str
    params: dict[str, list[str]]
    user_agent: str
    time: float  # time.monotonic() when the request arrived
    status: int = 0

    @property
    def id_list(self) -> list[str]:
        raw = self.params.get("id_list", [""])[0]
        return [i for i in raw.split(",") if i]


@dataclass
class _Failure:
    status: int
    retry_after: str | None


@dataclass
class _State:
    papers: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[LoggedRequest] = field(default_factory=list)
    failures: list[_Failure] = field(default_factory=list)
    malformations: list[str] = field(default_factory=list)


def load_fixture_papers(path: Path = FIXTURE) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return json.load(f)["papers"]


class FakeArxiv:
    """The fake API server. `url` is the value for `ArxivClient(api_url=…)`."""

    def __init__(self, papers: list[dict[str, Any]] | None = None, *, missing_style: str = "omit") -> None:
        if missing_style not in ("omit", "empty_entry"):
            raise ValueError("missing_style must be 'omit' or 'empty_entry'")
        self.missing_style = missing_style
        self.response_delay = 0.0  # seconds to wait before answering
        self._lock = threading.Lock()
        self._state = _State()
        for paper in load_fixture_papers() if papers is None else papers:
            self.add_paper(paper)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    # -- lifecycle ---------------------------------------------------------

    def start(self) -> FakeArxiv:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}/api/query"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-arxiv", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket: later connections are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeArxiv:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- papers ------------------------------------------------------------

    def add_paper(self, paper: dict[str, Any]) -> None:
        paper = copy.deepcopy(paper)
        paper.setdefault("versions", [{"version": 1, "date": "2024-01-01T00:00:00Z"}])
        with self._lock:
            self._state.papers[paper["id"]] = paper

    def add_synthetic(self, n: int, yymm: str = "2501", first: int = 1) -> list[str]:
        """Add `n` generated papers `yymm.00001` …; returns their ids."""
        ids = []
        for number in range(first, first + n):
            arxiv_id = f"{yymm}.{number:05d}"
            ids.append(arxiv_id)
            self.add_paper(
                {
                    "id": arxiv_id,
                    "versions": [{"version": 1, "date": f"2025-01-{1 + number % 28:02d}T12:00:00Z"}],
                    "title": f"Synthetic Paper Number {number}",
                    "authors": [{"name": f"Author {number}-{k}", "affiliations": []} for k in range(1, 4)],
                    "summary": f"Abstract of synthetic paper {number}.",
                    "comment": None,
                    "journal_ref": None,
                    "doi": None,
                    "primary_category": "cs.CV",
                    "categories": ["cs.CV"],
                }
            )
        return ids

    def publish_version(self, arxiv_id: str, date: str | None = None, **changes: Any) -> int:
        """Announce a new version of a paper (optionally with new metadata)."""
        with self._lock:
            paper = self._state.papers[arxiv_id]
            version = paper["versions"][-1]["version"] + 1
            stamp = date or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            paper["versions"].append({"version": version, "date": stamp, "changes": changes})
            return version

    # -- failure injection --------------------------------------------------

    def fail_next(self, count: int, status: int = 503, retry_after: str | None = None) -> None:
        """Answer the next `count` requests with HTTP `status`."""
        with self._lock:
            self._state.failures.extend(_Failure(status, retry_after) for _ in range(count))

    def malform_next(self, count: int = 1, how: str = "truncate") -> None:
        """Answer the next `count` requests with a broken body and HTTP 200.

        how: "truncate" (the feed cut in the middle of an entry), "garbage"
        (not XML at all) or "html" (well-formed, but an HTML page).
        """
        if how not in ("truncate", "garbage", "html"):
            raise ValueError(how)
        with self._lock:
            self._state.malformations.extend([how] * count)

    # -- observations --------------------------------------------------------

    @property
    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._state.requests)

    @property
    def request_count(self) -> int:
        with self._lock:
            return len(self._state.requests)

    def reset_log(self) -> None:
        with self._lock:
            self._state.requests.clear()

    # -- answering (called from handler threads) -----------------------------

    def _answer(self, path: str, query_string: str, user_agent: str) -> tuple[int, dict[str, str], bytes]:
        params = parse_qs(query_string, keep_blank_values=True)
        logged = LoggedRequest(path, query_string, params, user_agent, time.monotonic())
        with self._lock:
            self._state.requests.append(logged)
            failure = self._state.failures.pop(0) if self._state.failures else None
            malformation = None
            if failure is None and self._state.malformations:
                malformation = self._state.malformations.pop(0)
            papers = copy.deepcopy(self._state.papers)
        status, headers, body = self._respond(path, params, failure, malformation, papers)
        logged.status = status
        return status, headers, body

    def _respond(
        self,
        path: str,
        params: dict[str, list[str]],
        failure: _Failure | None,
        malformation: str | None,
        papers: dict[str, dict[str, Any]],
    ) -> tuple[int, dict[str, str], bytes]:
        if path != "/api/query":
            return 404, {"Content-Type": "text/plain"}, b"Not Found"
        if failure is not None:
            headers = {"Content-Type": "text/html"}
            if failure.retry_after is not None:
                headers["Retry-After"] = failure.retry_after
            return failure.status, headers, b"<html><body><h1>Service Unavailable</h1></body></html>"

        atom = {"Content-Type": "application/atom+xml; charset=utf-8"}
        ids = [i.strip() for i in params.get("id_list", [""])[0].split(",") if i.strip()]
        try:
            start = int(params.get("start", ["0"])[0] or 0)
        except ValueError:
            return 400, atom, _error_feed(params, "start_must_be_an_integer", "start must be an integer")
        try:
            max_results = int(params.get("max_results", ["10"])[0] or 10)
        except ValueError:
            return 400, atom, _error_feed(params, "max_results_must_be_an_integer", "max_results must be an integer")
        for raw in ids:
            if not _ID_RE.match(raw):
                return 400, atom, _error_feed(params, f"incorrect_id_format_for_{raw}", f"incorrect id format for {raw}")

        # The real API does not keep id_list order; neither do we.
        entries = [_entry_xml(papers, raw, self.missing_style) for raw in reversed(ids)]
        total = len(ids)  # counts unknown ids too, as the real API did
        page = [e for e in entries[start : start + max_results] if e is not None]
        body = _feed(params, total, start, max_results, page)

        if malformation == "truncate":
            cut = body.find(b"<author>", body.find(b"<entry>"))
            body = body[: cut + 20] if cut > 0 else body[: len(body) // 2]
        elif malformation == "garbage":
            body = b"\x00\x01 this is not XML <feed"
        elif malformation == "html":
            body = b"<html><body><p>Rate exceeded.</p></body></html>"
        return 200, atom, body


class _Handler(BaseHTTPRequestHandler):
    fake: FakeArxiv  # set on the subclass made in FakeArxiv.start
    # HTTP/1.0 (the default): one request per connection, so that after
    # stop() no kept-alive connection can still reach a handler thread.

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        parts = urlsplit(self.path)
        if self.fake.response_delay:
            time.sleep(self.fake.response_delay)
        status, headers, body = self.fake._answer(parts.path, parts.query, self.headers.get("User-Agent", ""))
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


# -- Atom rendering -----------------------------------------------------------


def _feed(params: dict[str, list[str]], total: int, start: int, per_page: int, entries: list[str]) -> bytes:
    query = {k: params.get(k, [""])[0] for k in ("search_query", "id_list", "start", "max_results")}
    query_text = "&".join(f"{k}={v}" for k, v in query.items())
    digest = hashlib.sha1(query_text.encode()).hexdigest()[:27]
    today = datetime.now(timezone.utc).strftime("%Y-%m-%dT00:00:00-05:00")
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom">\n'
        f'  <link href={quoteattr("http://arxiv.org/api/query?" + urlencode(query))} rel="self" type="application/atom+xml"/>\n'
        f'  <title type="html">{escape("ArXiv Query: " + query_text)}</title>\n'
        f"  <id>http://arxiv.org/api/{digest}</id>\n"
        f"  <updated>{today}</updated>\n"
        f"  <opensearch:totalResults {_OPENSEARCH_NS}>{total}</opensearch:totalResults>\n"
        f"  <opensearch:startIndex {_OPENSEARCH_NS}>{start}</opensearch:startIndex>\n"
        f"  <opensearch:itemsPerPage {_OPENSEARCH_NS}>{per_page}</opensearch:itemsPerPage>\n"
    )
    return (head + "".join(entries) + "</feed>\n").encode("utf-8")


def _error_feed(params: dict[str, list[str]], slug: str, message: str) -> bytes:
    url = f"http://arxiv.org/api/errors#{slug}"
    today = datetime.now(timezone.utc).strftime("%Y-%m-%dT00:00:00-05:00")
    entry = (
        "  <entry>\n"
        f"    <id>{escape(url)}</id>\n"
        "    <title>Error</title>\n"
        f"    <summary>{escape(message)}</summary>\n"
        f"    <updated>{today}</updated>\n"
        f'    <link href={quoteattr(url)} rel="alternate" type="text/html"/>\n'
        "    <author>\n      <name>arXiv api core</name>\n    </author>\n"
        "  </entry>\n"
    )
    return _feed(params, 1, 0, 1, [entry])


def _entry_xml(papers: dict[str, dict[str, Any]], raw_id: str, missing_style: str) -> str | None:
    m = _ID_RE.match(raw_id)
    assert m is not None
    paper = papers.get(m.group("id"))
    wanted = int(m.group("v")) if m.group("v") else None
    versions = paper["versions"] if paper else []
    if wanted is not None:
        versions = [v for v in versions if v["version"] <= wanted]
        if not versions or versions[-1]["version"] != wanted:
            versions = []
    if paper is None or not versions:
        return "  <entry>\n  </entry>\n" if missing_style == "empty_entry" else None

    meta = dict(paper)
    for v in versions:
        meta.update(v.get("changes") or {})
    latest = versions[-1]
    vid = f"{paper['id']}v{latest['version']}"
    lines = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{vid}</id>",
        f"    <updated>{latest['date']}</updated>",
        f"    <published>{versions[0]['date']}</published>",
        # The real API hard-wraps long titles and abstracts.
        f"    <title>{escape(_wrap(meta['title'], 70, '  '))}</title>",
        f"    <summary>  {escape(_wrap(meta['summary'], 78, '  '))}\n</summary>",
    ]
    for author in meta["authors"]:
        lines.append("    <author>")
        lines.append(f"      <name>{escape(author['name'])}</name>")
        for affiliation in author.get("affiliations") or []:
            lines.append(f"      <arxiv:affiliation {_ARXIV_NS}>{escape(affiliation)}</arxiv:affiliation>")
        lines.append("    </author>")
    if meta.get("doi"):
        lines.append(f"    <arxiv:doi {_ARXIV_NS}>{escape(meta['doi'])}</arxiv:doi>")
        lines.append(
            f'    <link title="doi" href={quoteattr("http://dx.doi.org/" + meta["doi"])} rel="related"/>'
        )
    if meta.get("comment"):
        lines.append(f"    <arxiv:comment {_ARXIV_NS}>{escape(_wrap(meta['comment'], 70, '  '))}</arxiv:comment>")
    if meta.get("journal_ref"):
        lines.append(f"    <arxiv:journal_ref {_ARXIV_NS}>{escape(meta['journal_ref'])}</arxiv:journal_ref>")
    lines.append(f'    <link href="http://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>')
    lines.append(f'    <link title="pdf" href="http://arxiv.org/pdf/{vid}" rel="related" type="application/pdf"/>')
    primary = meta.get("primary_category") or meta["categories"][0]
    lines.append(
        f'    <arxiv:primary_category {_ARXIV_NS} term="{primary}" scheme="http://arxiv.org/schemas/atom"/>'
    )
    for category in meta["categories"]:
        lines.append(f'    <category term="{category}" scheme="http://arxiv.org/schemas/atom"/>')
    lines.append("  </entry>")
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int, indent: str) -> str:
    return f"\n{indent}".join(textwrap.wrap(text, width)) or text


@pytest.fixture
def fake_arxiv():
    """A running FakeArxiv loaded with the fixture papers; stopped afterwards."""
    server = FakeArxiv().start()
    try:
        yield server
    finally:
        server.stop()
