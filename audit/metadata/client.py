"""Fetch arXiv metadata from the export API with the `arxiv` package.

How this uses the `arxiv` package (written against 4.0.2, works with 2.1+):

* `arxiv.Client.results(arxiv.Search(id_list=batch, max_results=len(batch)))`
  builds the query URL and parses the Atom feed. Since 4.0 the package parses
  with lxml and reads `<arxiv:affiliation>` into `Result.Author.affiliation`;
  older versions (feedparser) drop it, and then the affiliations are read from
  the same response body with `xml.etree` (see `_Transport.affiliations`).
* The base URL is the client's `query_url_format` attribute
  (`"https://export.arxiv.org/api/query?{}"`), overridden per instance.
* Everything about the wire is ours: the package's own retries and delay are
  switched off (`num_retries=0`, `delay_seconds=0`) and its `requests.Session`
  (the private `_session` attribute, present since 2.1) is replaced by
  `_Transport`, which
  - waits so that requests are at least `delay_seconds` apart (arXiv's terms
    ask for one request every three seconds), retries included;
  - sets a timeout (the package sets none, so a stalled connection would hang);
  - counts requests;
  - rejects a body that is not well-formed Atom XML (the package's parser runs
    lxml with `recover=True` and would silently return a truncated page);
  - refuses follow-up pages: a batch fits in one page, but arXiv's
    `totalResults` counts ids it has no entry for (lukasschwab/arxiv.py#82),
    which would make the package ask for a page that does not exist.
* Retries (with exponential backoff) happen here, per batch, only for
  connection errors, timeouts, HTTP 429 and 5xx. A 4xx or malformed answer
  fails its batch at once. When a batch stays unreachable after the retries,
  the remaining batches are skipped: the API is down, waiting out the backoff
  for every batch would only delay the audit.

`arxiv`, `requests` and `xml.etree` are imported inside the methods so that
importing `audit.metadata` stays cheap.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .records import ArxivAuthor, ArxivRecord, is_withdrawn, split_version

__all__ = ["ArxivClient", "FetchResult", "RateLimiter", "DEFAULT_API_URL"]

DEFAULT_API_URL = "https://export.arxiv.org/api/query"
_MAX_PAGE_SIZE = 2000  # the API's own limit per request
_MAX_RETRY_AFTER = 60.0

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"

Progress = Callable[[int, int], None]


@dataclass
class FetchResult:
    records: dict[str, ArxivRecord]  # bare id -> record (source "arxiv")
    requested: int  # distinct valid ids asked for
    requests_made: int  # HTTP requests sent, retries included
    errors: list[str]  # one line each, ready to show
    missing: list[str] = field(default_factory=list)  # valid ids arXiv has no entry for
    unreachable: bool = False  # a batch failed on network/5xx after all retries


class RateLimiter:
    """Keeps consecutive requests at least `interval` seconds apart.

    `clock` and `sleep` are injectable so tests can use a fake clock.
    """

    def __init__(
        self,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None

    def wait(self) -> float:
        """Sleep until the next request is allowed; returns the seconds slept."""
        if self._last is None or self.interval <= 0:
            return 0.0
        remaining = self._last + self.interval - self._clock()
        if remaining > 0:
            self._sleep(remaining)
            return remaining
        return 0.0

    def mark(self) -> None:
        """Record that a request has just finished."""
        self._last = self._clock()


class _MalformedFeed(Exception):
    pass


class _FollowUpPage(Exception):
    pass


class ArxivClient:
    """Looks up arXiv ids through the export API, in batches, politely."""

    def __init__(
        self,
        api_url: str = DEFAULT_API_URL,
        page_size: int = 100,
        delay_seconds: float = 3.0,
        num_retries: int = 3,
        timeout: float = 30.0,
        *,
        backoff_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 1 <= page_size <= _MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {_MAX_PAGE_SIZE}")
        if num_retries < 0 or delay_seconds < 0 or timeout <= 0:
            raise ValueError("num_retries and delay_seconds must be >= 0, timeout > 0")
        self.api_url = api_url
        self.page_size = page_size
        self.delay_seconds = delay_seconds
        self.num_retries = num_retries
        self.timeout = timeout
        # Waits before retry 1, 2, 3 …: b, 2b, 4b … (b defaults to the delay).
        self.backoff_seconds = delay_seconds if backoff_seconds is None else backoff_seconds
        self._sleep = sleep
        self._limiter = RateLimiter(delay_seconds, clock=clock, sleep=sleep)
        self._transport: Any = None

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def __enter__(self) -> ArxivClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- public ------------------------------------------------------------

    def fetch(self, ids: Iterable[str], progress: Progress | None = None) -> FetchResult:
        """Latest metadata for `ids` (versions in ids are ignored).

        Never raises for network, HTTP or parse failures: they end up in
        `FetchResult.errors`.
        """
        wanted: dict[str, None] = {}
        errors: list[str] = []
        for raw in ids:
            try:
                wanted[split_version(raw)[0]] = None
            except ValueError:
                errors.append(f"{raw.strip()!r} is not an arXiv identifier; not looked up")
        todo = list(wanted)
        result = FetchResult(records={}, requested=len(todo), requests_made=0, errors=errors)
        if not todo:
            return result

        transport = self._get_transport()
        client = self._arxiv_client(transport)
        before = transport.requests_made
        batches = [todo[i : i + self.page_size] for i in range(0, len(todo), self.page_size)]
        done = 0
        if progress:
            progress(0, len(todo))
        for index, batch in enumerate(batches):
            if result.unreachable:
                rest = sum(len(b) for b in batches[index:])
                result.errors.append(f"skipped {rest} ids: arXiv was unreachable")
                break
            records, error, unreachable = self._fetch_batch(client, transport, batch)
            result.records.update(records)
            if error:
                result.errors.append(error)
                result.unreachable = result.unreachable or unreachable
            else:
                result.missing.extend(i for i in batch if i not in records)
            done += len(batch)
            if progress:
                progress(done, len(todo))
        if progress and done < len(todo):
            progress(len(todo), len(todo))
        result.requests_made = transport.requests_made - before
        return result

    # -- internals ---------------------------------------------------------

    def _get_transport(self) -> Any:
        if self._transport is None:
            self._transport = _make_transport(self._limiter, self.timeout)
        return self._transport

    def _arxiv_client(self, transport: Any) -> Any:
        import arxiv

        client = arxiv.Client(page_size=self.page_size, delay_seconds=0.0, num_retries=0)
        client.query_url_format = self.api_url + "?{}"
        if not hasattr(client, "_session"):  # arxiv < 2.1 fetched through feedparser
            raise RuntimeError(f"arxiv {getattr(arxiv, '__version__', '?')} is too old; audit needs arxiv>=2.1")
        client._session = transport
        return client

    def _fetch_batch(self, client: Any, transport: Any, batch: list[str]) -> tuple[dict[str, ArxivRecord], str | None, bool]:
        """(records, error, unreachable) for one batch, retrying transient failures."""
        import arxiv
        import requests

        label = batch[0] if len(batch) == 1 else f"{batch[0]} … {batch[-1]} ({len(batch)} ids)"
        last_reason = ""
        for attempt in range(self.num_retries + 1):
            if attempt:
                wait = self.backoff_seconds * 2 ** (attempt - 1)
                retry_after = transport.retry_after()
                if retry_after is not None:
                    wait = max(wait, min(retry_after, _MAX_RETRY_AFTER))
                if wait > 0:
                    self._sleep(wait)
            transport.begin_batch()
            records: dict[str, ArxivRecord] = {}
            try:
                search = arxiv.Search(id_list=batch, max_results=len(batch))
                for result in client.results(search):
                    record = _to_record(result, transport)
                    if record is None or record.arxiv_id not in batch:
                        continue
                    old = records.get(record.arxiv_id)
                    if old is None or record.version > old.version:
                        records[record.arxiv_id] = record
                return records, None, False
            except _FollowUpPage:
                return records, None, False
            except _MalformedFeed as exc:
                return {}, f"arXiv API sent malformed XML for {label}: {exc}", False
            except arxiv.HTTPError as exc:
                if exc.status == 429 or exc.status >= 500:
                    last_reason = f"HTTP {exc.status}"
                    continue
                detail = transport.api_error_message()
                detail = f": {detail}" if detail else ""
                return {}, f"arXiv API refused {label} with HTTP {exc.status}{detail}", False
            except requests.RequestException as exc:
                last_reason = _describe_network_error(exc, self.timeout)
                continue
        tries = self.num_retries + 1
        return {}, f"arXiv API unreachable for {label} after {tries} attempt{'s' * (tries > 1)}: {last_reason}", True


def _to_record(result: Any, transport: Any) -> ArxivRecord | None:
    try:
        arxiv_id, version = split_version(result.entry_id)
    except ValueError:
        return None  # an error entry such as http://arxiv.org/api/errors#…
    summary = _clean(result.summary) or ""
    comment = _clean(result.comment)
    fallback: list[list[str]] | None = None
    authors = []
    for position, author in enumerate(result.authors):
        affiliation = getattr(author, "affiliation", None)
        if affiliation is None:  # arxiv < 4 does not parse <arxiv:affiliation>
            if fallback is None:
                fallback = transport.affiliations(result.entry_id)
            affiliation = fallback[position] if position < len(fallback) else []
        authors.append(
            ArxivAuthor(
                name=_clean(author.name) or "",
                affiliation=tuple(a for a in (_clean(x) for x in affiliation) if a),
            )
        )
    return ArxivRecord(
        arxiv_id=arxiv_id,
        version=version or 1,
        title=_clean(result.title) or "",
        authors=tuple(authors),
        summary=summary,
        comment=comment,
        journal_ref=_clean(result.journal_ref),
        primary_category=result.primary_category or None,
        categories=tuple(result.categories),
        published=_utc(result.published),
        updated=_utc(result.updated),
        withdrawn=is_withdrawn(comment, summary),
        fetched_at=datetime.now(timezone.utc),
        source="arxiv",
    )


def _clean(text: str | None) -> str | None:
    """Collapse the API's hard line wrapping; empty becomes None."""
    if text is None:
        return None
    text = re.sub(r"\s+", " ", text).strip()
    return text or None


def _utc(dt: datetime) -> datetime:
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def _describe_network_error(exc: BaseException, timeout: float) -> str:
    import requests

    if isinstance(exc, requests.Timeout):
        return f"no answer within {timeout:g} s"
    text = str(exc)
    for needle, reason in (
        ("Connection refused", "connection refused"),
        ("Name or service not known", "host name not found"),
        ("Temporary failure in name resolution", "host name not found"),
        ("Network is unreachable", "network unreachable"),
        ("Connection reset", "connection reset"),
        ("RemoteDisconnected", "connection closed by the server"),
    ):
        if needle in text:
            return reason
    first = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {first[:200]}" if first else type(exc).__name__


def _make_transport(limiter: RateLimiter, timeout: float) -> Any:
    """A `requests.Session` that the `arxiv` package uses for its requests."""
    import xml.etree.ElementTree as ET

    import requests

    class _Transport(requests.Session):
        def __init__(self) -> None:
            super().__init__()
            self.requests_made = 0
            self._pages_in_batch = 0
            self._last: requests.Response | None = None
            self._tree: ET.Element | None = None

        def begin_batch(self) -> None:
            self._pages_in_batch = 0
            self._last = None
            self._tree = None

        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
            if self._pages_in_batch:
                raise _FollowUpPage(url)
            self._pages_in_batch += 1
            kwargs.setdefault("timeout", timeout)
            limiter.wait()
            self.requests_made += 1
            try:
                response = super().request(method, url, *args, **kwargs)
            finally:
                limiter.mark()
            self._last = response
            self._tree = None
            if response.status_code == 200:
                self._tree = _parse_feed_strictly(response.content)
            return response

        def retry_after(self) -> float | None:
            value = self._last.headers.get("Retry-After") if self._last is not None else None
            try:
                return float(value) if value is not None else None
            except ValueError:
                return None

        def api_error_message(self) -> str:
            """The text of the API's error entry (`<title>Error</title>`), if any."""
            if self._last is None:
                return ""
            try:
                root = ET.fromstring(self._last.content)
            except ET.ParseError:
                return ""
            for entry in root.iter(f"{_ATOM}entry"):
                entry_id = entry.findtext(f"{_ATOM}id") or ""
                if "/api/errors" in entry_id:
                    return _clean(entry.findtext(f"{_ATOM}summary")) or ""
            return ""

        def affiliations(self, entry_id: str) -> list[list[str]]:
            if self._tree is None:
                return []
            for entry in self._tree.iter(f"{_ATOM}entry"):
                if (entry.findtext(f"{_ATOM}id") or "").strip() == entry_id.strip():
                    return [
                        [a.text or "" for a in author.iter(f"{_ARXIV}affiliation")]
                        for author in entry.iter(f"{_ATOM}author")
                    ]
            return []

    return _Transport()


def _parse_feed_strictly(content: bytes) -> Any:
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(content)
    except ET.ParseError as exc:
        raise _MalformedFeed(f"{exc} in a {len(content)}-byte response") from None
    if root.tag != f"{_ATOM}feed":
        raise _MalformedFeed(f"expected an Atom <feed>, got <{root.tag}>")
    return root

