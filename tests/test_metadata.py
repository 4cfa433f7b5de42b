"""Tests of audit.metadata against the fake arXiv server (tests/fakearxiv.py)."""

from __future__ import annotations

import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from audit.metadata import (
    ArxivAuthor,
    ArxivClient,
    ArxivRecord,
    CacheError,
    CacheProvider,
    MetadataCache,
    MetadataProvider,
    OfflineProvider,
    OnlineProvider,
    RateLimiter,
    default_cache_path,
    is_withdrawn,
    normalize_arxiv_id,
    split_version,
)
from audit.metadata.cache import SCHEMA_VERSION

try:  # tests/ is on sys.path when it has no __init__.py (pytest's rootdir-less default)
    from fakearxiv import FakeArxiv, fake_arxiv  # noqa: F401  (fake_arxiv is a fixture)
except ImportError:  # pragma: no cover
    from tests.fakearxiv import FakeArxiv, fake_arxiv  # noqa: F401

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FIXTURE_IDS = ["2409.01234", "2409.05678", "2403.11111", "2311.00042", "2410.09999", "hep-th/9901001"]
UNREACHABLE_SUFFIX = "audited from cache/embedded metadata only"


def make_client(server: FakeArxiv, **kwargs) -> ArxivClient:
    kwargs.setdefault("delay_seconds", 0.0)
    kwargs.setdefault("backoff_seconds", 0.0)
    kwargs.setdefault("timeout", 5.0)
    return ArxivClient(api_url=server.url, **kwargs)


def make_record(arxiv_id: str, version: int = 1, **changes) -> ArxivRecord:
    now = datetime(2024, 9, 1, tzinfo=timezone.utc)
    fields = dict(
        arxiv_id=arxiv_id,
        version=version,
        title=f"Title of {arxiv_id}",
        authors=(ArxivAuthor("Ada Lovelace", ("Analytical Engines Ltd",)), ArxivAuthor("Alan Turing")),
        summary="An abstract.",
        comment=None,
        journal_ref=None,
        primary_category="cs.CV",
        categories=("cs.CV",),
        published=now,
        updated=now,
        withdrawn=False,
        fetched_at=datetime.now(timezone.utc),
        source="arxiv",
    )
    fields.update(changes)
    return ArxivRecord(**fields)


@pytest.fixture
def cache(tmp_path):
    with MetadataCache(tmp_path / "arxiv.sqlite3") as c:
        yield c


# -- identifiers and records -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2409.16666", ("2409.16666", None)),
        ("2409.16666v2", ("2409.16666", 2)),
        ("arXiv:2409.16666v1", ("2409.16666", 1)),
        ("http://arxiv.org/abs/2409.16666v1", ("2409.16666", 1)),
        ("https://arxiv.org/pdf/2409.16666v3.pdf", ("2409.16666", 3)),
        ("0704.0001", ("0704.0001", None)),
        ("hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("math.AG/0601001", ("math.AG/0601001", None)),
    ],
)
def test_split_version(text, expected):
    assert split_version(text) == expected
    assert normalize_arxiv_id(text) == expected[0]


@pytest.mark.parametrize("text", ["", "bogus", "2409.166", "2409.16666vx", "arxiv.org/abs/"])
def test_split_version_rejects_non_ids(text):
    with pytest.raises(ValueError, match="not an arXiv identifier"):
        split_version(text)


@pytest.mark.parametrize(
    ("comment", "summary", "expected"),
    [
        ("This paper has been withdrawn by the authors", "Some abstract.", True),
        (None, "This paper has been withdrawn.", True),
        (None, "Withdrawn", True),
        (None, "The submission was withdrawn by the author because of a flaw.", True),
        ("12 pages", "We study drugs withdrawn from the market after approval.", False),
        (None, "Some abstract.", False),
    ],
)
def test_is_withdrawn(comment, summary, expected):
    assert is_withdrawn(comment, summary) is expected


def test_record_dict_roundtrip():
    record = make_record("2409.01234", version=3, comment="Accepted", withdrawn=True)
    again = ArxivRecord.from_dict(json.loads(json.dumps(record.to_dict())))
    assert again == record
    assert ArxivRecord.from_dict(record.to_dict(), source="cache").source == "cache"
    assert record.versioned_id == "2409.01234v3"
    assert record.abs_url == "https://arxiv.org/abs/2409.01234v3"


def test_import_is_cheap():
    code = (
        "import sys, audit.metadata\n"
        "heavy = [m for m in ('arxiv', 'requests', 'lxml', 'platformdirs', 'feedparser') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# -- client against the fake server ------------------------------------------


def test_fetch_parses_every_field(fake_arxiv):
    with make_client(fake_arxiv) as client:
        result = client.fetch(FIXTURE_IDS)
    assert result.errors == [] and result.missing == []
    assert (result.requested, result.requests_made) == (6, 1)
    assert set(result.records) == set(FIXTURE_IDS)

    whisper = result.records["2409.01234"]
    assert whisper.version == 2
    assert whisper.title == "Whispering Portraits: Audio-Driven Talking Head Synthesis with Latent Motion Priors"
    assert whisper.authors[1] == ArxivAuthor(
        "Marta Kowalska", ("Institute for Imaginary Vision", "Example University of Technology")
    )
    assert whisper.authors[2].affiliation == ()
    assert whisper.published == datetime(2024, 9, 2, 17, 59, 12, tzinfo=timezone.utc)
    assert whisper.updated == datetime(2024, 9, 20, 8, 3, 41, tzinfo=timezone.utc)
    assert whisper.primary_category == "cs.CV" and whisper.categories == ("cs.CV", "cs.SD", "eess.AS")
    assert whisper.comment == "Project page: https://example.org/whisper. 14 pages, 9 figures"
    assert "\n" not in whisper.summary and whisper.summary.startswith("We present")
    assert whisper.source == "arxiv" and not whisper.withdrawn

    assert result.records["2409.05678"].journal_ref.startswith("Advances in Neural")
    assert result.records["2403.11111"].withdrawn
    assert result.records["2311.00042"].title.endswith("Because It Keeps Going and Going")
    assert len(result.records["2311.00042"].authors) == 12
    odd = result.records["2410.09999"]
    assert odd.title == "Faces & Voices: <Cross-Modal> Retrieval in $\\mathcal{O}(n \\log n)$"
    assert odd.authors[0].name == "Zoë Müller-Lüdenscheidt"
    assert odd.comment == "5 pages; code at https://example.org/faces?x=1&y=2"
    assert result.records["hep-th/9901001"].arxiv_id == "hep-th/9901001"

    (request,) = fake_arxiv.requests
    assert request.path == "/api/query"
    assert sorted(request.id_list) == sorted(FIXTURE_IDS)
    assert request.params["start"] == ["0"] and request.params["max_results"] == ["100"]
    assert request.user_agent.startswith("arxiv.py/")


def test_versions_in_requested_ids_are_stripped(fake_arxiv):
    with make_client(fake_arxiv) as client:
        result = client.fetch(["2409.01234v1", "arXiv:2409.01234", "2409.05678v1", "not-an-id"])
    assert fake_arxiv.requests[0].id_list == ["2409.01234", "2409.05678"]
    assert result.requested == 2
    assert result.records["2409.01234"].version == 2  # the latest, not the cited v1
    assert result.errors == ["'not-an-id' is not an arXiv identifier; not looked up"]


@pytest.mark.parametrize("n_ids", [1, 100, 101, 250])
def test_n_ids_take_ceil_n_over_100_requests(fake_arxiv, n_ids):
    ids = fake_arxiv.add_synthetic(n_ids)
    calls = []
    with make_client(fake_arxiv) as client:
        result = client.fetch(ids, progress=lambda done, total: calls.append((done, total)))
    expected = math.ceil(n_ids / 100)
    assert result.requests_made == fake_arxiv.request_count == expected
    assert len(result.records) == n_ids and result.errors == []
    sent = [i for request in fake_arxiv.requests for i in request.id_list]
    assert sorted(sent) == sorted(ids) and all(len(r.id_list) <= 100 for r in fake_arxiv.requests)
    assert calls[0] == (0, n_ids) and calls[-1] == (n_ids, n_ids) and len(calls) == expected + 1


def test_second_run_is_served_from_cache(fake_arxiv, tmp_path):
    ids = fake_arxiv.add_synthetic(250)
    path = tmp_path / "cache.sqlite3"
    with MetadataCache(path) as cache, make_client(fake_arxiv) as client:
        first = OnlineProvider(cache, client).get_many(ids)
    assert len(first) == 250 and fake_arxiv.request_count == 3

    fake_arxiv.reset_log()
    with MetadataCache(path) as cache, make_client(fake_arxiv) as client:
        provider = OnlineProvider(cache, client)
        second = provider.get_many([f"{i}v1" for i in ids])
    assert fake_arxiv.request_count == 0
    assert provider.notice is None and provider.last_fetch is None
    assert len(second) == 250 and {r.source for r in second.values()} == {"cache"}
    assert second[ids[0]].to_dict() | {"source": "arxiv"} == first[ids[0]].to_dict()


def test_only_missing_ids_are_fetched(fake_arxiv, cache):
    with make_client(fake_arxiv) as client:
        provider = OnlineProvider(cache, client)
        provider.get_many(FIXTURE_IDS[:2])
        fake_arxiv.reset_log()
        records = provider.get_many(FIXTURE_IDS)
    assert set(records) == set(FIXTURE_IDS)
    (request,) = fake_arxiv.requests
    assert sorted(request.id_list) == sorted(FIXTURE_IDS[2:])


def test_503_is_retried_with_backoff(fake_arxiv):
    fake_arxiv.fail_next(2, status=503)
    sleeps: list[float] = []
    with make_client(fake_arxiv, backoff_seconds=1.5, sleep=sleeps.append) as client:
        result = client.fetch(["2409.01234"])
    assert result.errors == [] and result.records["2409.01234"].version == 2
    assert result.requests_made == 3
    assert [r.status for r in fake_arxiv.requests] == [503, 503, 200]
    assert sleeps == [1.5, 3.0]


def test_retry_after_header_is_honoured(fake_arxiv):
    fake_arxiv.fail_next(1, status=503, retry_after="7")
    sleeps: list[float] = []
    with make_client(fake_arxiv, backoff_seconds=1.0, sleep=sleeps.append) as client:
        assert client.fetch(["2409.01234"]).errors == []
    assert sleeps == [7.0]


def test_persistent_503_gives_up_and_skips_the_rest(fake_arxiv):
    ids = fake_arxiv.add_synthetic(150)
    fake_arxiv.fail_next(100, status=503)
    calls = []
    with make_client(fake_arxiv, num_retries=2) as client:
        result = client.fetch(ids, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 150), (100, 150), (150, 150)]
    assert result.records == {} and result.unreachable
    assert result.requests_made == 3
    assert result.errors[0].startswith("arXiv API unreachable for 2501.00001 … 2501.00100 (100 ids)")
    assert result.errors[0].endswith("after 3 attempts: HTTP 503")
    assert result.errors[1] == "skipped 50 ids: arXiv was unreachable"


def test_client_errors_are_not_retried(fake_arxiv):
    fake_arxiv.fail_next(1, status=400)
    with make_client(fake_arxiv) as client:
        result = client.fetch(["2409.01234"])
    assert result.requests_made == 1 and not result.unreachable
    assert result.errors == ["arXiv API refused 2409.01234 with HTTP 400"]


@pytest.mark.parametrize("how", ["truncate", "garbage", "html"])
def test_malformed_xml_is_a_clear_error(fake_arxiv, cache, how):
    fake_arxiv.malform_next(1, how=how)
    with make_client(fake_arxiv) as client:
        result = client.fetch(FIXTURE_IDS[:3])
        assert result.records == {} and result.requests_made == 1
        (error,) = result.errors
        assert error.startswith("arXiv API sent malformed XML for 2409.01234 … 2403.11111 (3 ids): ")
        assert "\n" not in error and "Traceback" not in error

        fake_arxiv.malform_next(1, how=how)
        provider = OnlineProvider(cache, client)
        assert provider.get_many(FIXTURE_IDS[:3]) == {}
        assert provider.notice.startswith("arXiv unreachable (arXiv API sent malformed XML")
        # Not an outage: the next call asks again and succeeds.
        assert set(provider.get_many(FIXTURE_IDS[:3])) == set(FIXTURE_IDS[:3])


def test_server_down_returns_cache_with_notice(fake_arxiv, cache):
    with make_client(fake_arxiv, num_retries=1) as client:
        provider = OnlineProvider(cache, client)
        provider.get_many(FIXTURE_IDS[:2])
        fake_arxiv.stop()

        records = provider.get_many(FIXTURE_IDS)
        assert set(records) == set(FIXTURE_IDS[:2])
        notice = provider.notice
        assert notice.startswith("arXiv unreachable (arXiv API unreachable for 2403.11111 … hep-th/9901001")
        assert "connection refused" in notice and notice.endswith(UNREACHABLE_SUFFIX)
        assert provider.last_fetch.requests_made == 2

        # Later calls in the same run do not wait for the network again.
        provider.last_fetch = None
        assert set(provider.get_many(FIXTURE_IDS)) == set(FIXTURE_IDS[:2])
        assert provider.last_fetch is None and provider.notice == notice


def test_server_down_with_empty_cache_returns_nothing(tmp_path):
    server = FakeArxiv().start()
    server.stop()
    with MetadataCache(tmp_path / "c.sqlite3") as cache, make_client(server, num_retries=0) as client:
        provider = OnlineProvider(cache, client)
        assert provider.get_many(["2409.01234"]) == {}
    assert provider.notice.endswith(UNREACHABLE_SUFFIX)


def test_timeout_is_an_error_not_a_hang(fake_arxiv):
    fake_arxiv.response_delay = 1.0
    with make_client(fake_arxiv, num_retries=0, timeout=0.2) as client:
        result = client.fetch(["2409.01234"])
    assert result.unreachable
    assert result.errors == ["arXiv API unreachable for 2409.01234 after 1 attempt: no answer within 0.2 s"]


def test_newer_version_on_the_server_wins(fake_arxiv, cache):
    with make_client(fake_arxiv) as client:
        assert client.fetch(["2409.05678"]).records["2409.05678"].version == 1
        fake_arxiv.publish_version("2409.05678", date="2024-10-01T09:00:00Z", title="GaussTalk v2: Now Faster")
        record = client.fetch(["2409.05678v1"]).records["2409.05678"]
    assert record.version == 2
    assert record.title == "GaussTalk v2: Now Faster"
    assert record.updated == datetime(2024, 10, 1, 9, tzinfo=timezone.utc)
    assert record.published == datetime(2024, 9, 9, 12, tzinfo=timezone.utc)


def test_provider_refetches_when_a_post_cites_a_newer_version(fake_arxiv, cache):
    day_old = datetime.now(timezone.utc) - timedelta(days=1)
    cache.put_many([make_record("2409.01234", version=1, fetched_at=day_old)])
    with make_client(fake_arxiv) as client:
        provider = OnlineProvider(cache, client)
        assert provider.get_many(["2409.01234v1"])["2409.01234"].version == 1
        assert fake_arxiv.request_count == 0
        assert provider.get_many(["2409.01234v2"])["2409.01234"].version == 2
        assert fake_arxiv.request_count == 1
        # A version the server does not have is not asked for again within the hour.
        assert provider.get_many(["2409.01234v9"])["2409.01234"].version == 2
        assert fake_arxiv.request_count == 1
    assert cache.get_many(["2409.01234"])["2409.01234"].version == 2


def test_max_age_refreshes_old_records(fake_arxiv, cache):
    cache.put_many([make_record("2409.05678", fetched_at=datetime.now(timezone.utc) - timedelta(days=40))])
    with make_client(fake_arxiv) as client:
        record = OnlineProvider(cache, client, max_age=timedelta(days=30)).get_many(["2409.05678"])["2409.05678"]
    assert record.title.startswith("GaussTalk") and fake_arxiv.request_count == 1


@pytest.mark.parametrize("missing_style", ["omit", "empty_entry"])
def test_unknown_ids_cost_one_request_and_are_remembered(tmp_path, missing_style):
    with FakeArxiv(missing_style=missing_style) as server, MetadataCache(tmp_path / "c.sqlite3") as cache:
        with make_client(server) as client:
            result = client.fetch(["2409.01234", "2412.99999"])
            assert result.missing == ["2412.99999"] and result.errors == []
            # totalResults counts the unknown id; the client must not ask for a second page.
            assert result.requests_made == 1 and set(result.records) == {"2409.01234"}

            provider = OnlineProvider(cache, client)
            assert set(provider.get_many(["2409.01234", "2412.99999"])) == {"2409.01234"}
            server.reset_log()
            assert set(provider.get_many(["2409.01234", "2412.99999"])) == {"2409.01234"}
            assert server.request_count == 0 and provider.notice is None


# -- rate limiting -------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_rate_limiter_with_fake_clock():
    clock = FakeClock()
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep)
    assert limiter.wait() == 0.0  # first request: no wait
    limiter.mark()
    clock.now += 1.0
    assert limiter.wait() == pytest.approx(2.0)
    limiter.mark()
    clock.now += 5.0
    assert limiter.wait() == 0.0
    assert clock.sleeps == [pytest.approx(2.0)]


def test_client_keeps_requests_apart_on_a_fake_clock(fake_arxiv):
    ids = fake_arxiv.add_synthetic(250)
    clock = FakeClock()
    with ArxivClient(api_url=fake_arxiv.url, delay_seconds=3.0, clock=clock, sleep=clock.sleep) as client:
        result = client.fetch(ids)
    assert result.requests_made == 3
    assert clock.sleeps == [pytest.approx(3.0), pytest.approx(3.0)]


def test_client_keeps_requests_apart_in_real_time(fake_arxiv):
    ids = fake_arxiv.add_synthetic(250)
    with ArxivClient(api_url=fake_arxiv.url, delay_seconds=0.2, timeout=5.0) as client:
        assert client.fetch(ids).requests_made == 3
    times = [r.time for r in fake_arxiv.requests]
    assert all(b - a >= 0.19 for a, b in zip(times, times[1:]))


def test_retries_also_respect_the_delay(fake_arxiv):
    fake_arxiv.fail_next(1)
    clock = FakeClock()
    with ArxivClient(
        api_url=fake_arxiv.url, delay_seconds=3.0, backoff_seconds=0.0, clock=clock, sleep=clock.sleep
    ) as client:
        assert client.fetch(["2409.01234"]).errors == []
    assert clock.sleeps == [pytest.approx(3.0)]


# -- cache -----------------------------------------------------------------------


def test_cache_roundtrip_and_settings(cache):
    records = [make_record("2409.01234", version=2, comment="Accepted"), make_record("hep-th/9901001")]
    assert cache.put_many(records) == 2
    found = cache.get_many(["2409.01234v1", "hep-th/9901001", "2409.99999"])
    assert set(found) == {"2409.01234", "hep-th/9901001"}
    assert found["2409.01234"] == records[0].with_source("cache")
    assert len(cache) == 2
    conn = sqlite3.connect(cache.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_put_many_is_one_transaction(cache):
    statements: list[str] = []
    cache._conn.set_trace_callback(statements.append)
    cache.put_many(make_record(f"2501.{i:05d}") for i in range(1000))
    assert [s for s in statements if s.startswith(("BEGIN", "COMMIT"))] == ["BEGIN IMMEDIATE", "COMMIT"]
    assert len(cache) == 1000


def test_cache_replaces_older_versions(cache):
    cache.put_many([make_record("2409.01234", version=1)])
    cache.put_many([make_record("2409.01234", version=3)])
    assert cache.get_many(["2409.01234"])["2409.01234"].version == 3


def test_missing_ids_expire(cache):
    cache.mark_missing(["2412.99999v2"], checked_at=datetime.now(timezone.utc) - timedelta(hours=2))
    assert cache.recently_missing(["2412.99999"], timedelta(days=1)) == {"2412.99999"}
    assert cache.recently_missing(["2412.99999"], timedelta(hours=1)) == set()
    cache.put_many([make_record("2412.99999")])  # found after all
    assert cache.recently_missing(["2412.99999"], timedelta(days=1)) == set()


def test_default_cache_path_uses_platformdirs(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    path = default_cache_path()
    assert path.name == "arxiv.sqlite3" and path.parent.name == "audit"
    with MetadataCache() as cache:
        assert cache.path == path and path.exists()


def _assert_one_line_cache_error(excinfo, path: Path, words: str):
    message = str(excinfo.value)
    assert "\n" not in message and str(path) in message and words in message


def test_garbage_file_gives_a_clear_error(tmp_path):
    path = tmp_path / "arxiv.sqlite3"
    path.write_bytes(b"this is not a database, just some text " * 100)
    with pytest.raises(CacheError) as excinfo:
        MetadataCache(path)
    _assert_one_line_cache_error(excinfo, path, "is unreadable")


def test_truncated_file_gives_a_clear_error(tmp_path):
    path = tmp_path / "arxiv.sqlite3"
    with MetadataCache(path) as cache:
        cache.put_many(make_record(f"2501.{i:05d}", summary="x" * 2000) for i in range(300))
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(CacheError) as excinfo:
        with MetadataCache(path) as cache:
            cache.get_many(f"2501.{i:05d}" for i in range(300))
    _assert_one_line_cache_error(excinfo, path, "arXiv metadata cache")


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "arxiv.sqlite3"
    MetadataCache(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(CacheError) as excinfo:
        MetadataCache(path)
    _assert_one_line_cache_error(excinfo, path, "newer audit")


def test_foreign_sqlite_database_is_left_alone(tmp_path):
    path = tmp_path / "notes.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.commit()
    conn.close()
    with pytest.raises(CacheError) as excinfo:
        MetadataCache(path)
    _assert_one_line_cache_error(excinfo, path, "not an audit metadata cache")
    assert sqlite3.connect(path).execute("SELECT count(*) FROM notes").fetchone() == (0,)


def test_directory_as_cache_path_gives_a_clear_error(tmp_path):
    with pytest.raises(CacheError) as excinfo:
        MetadataCache(tmp_path)
    _assert_one_line_cache_error(excinfo, tmp_path, "arXiv metadata cache")


_WRITER = textwrap.dedent(
    """
    import sys, time
    from datetime import datetime, timezone
    from audit.metadata import ArxivAuthor, ArxivRecord, MetadataCache

    def batch(k, n):
        now = datetime.now(timezone.utc)
        return [
            ArxivRecord(f"{k:04d}.{i:05d}", 1, f"Paper {k}/{i}", (ArxivAuthor("A"),), "s" * 500, None, None,
                        "cs.CV", ("cs.CV",), now, now, False, now, "arxiv")
            for i in range(n)
        ]

    cache = MetadataCache(sys.argv[1])
    # A tiny page cache makes SQLite spill uncommitted pages into the WAL,
    # so a kill leaves half-written frames there.
    cache._conn.execute("PRAGMA cache_size = 10")
    cache.put_many(batch(0, 100))
    if sys.argv[2] == "stall":
        calls = 0

        def stall():
            global calls
            calls += 1
            if calls == 50:  # deep inside the INSERTs of batch 1
                print("inside", flush=True)
                time.sleep(60)
            return 0

        cache._conn.set_progress_handler(stall, 1000)
        cache.put_many(batch(1, 2000))
    else:
        print("ready", flush=True)
        for k in range(1, 10000):
            cache.put_many(batch(k, 2000))
    """
)


def _kill_writer(path: Path, mode: str, delay: float) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(path), mode], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline().strip() in ("inside", "ready")
        time.sleep(delay)
        assert child.poll() is None, "the writer finished before it could be killed"
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL


def _assert_whole_batches(path: Path) -> int:
    with MetadataCache(path) as cache:
        count = len(cache)
        first = cache.get_many(f"0000.{i:05d}" for i in range(100))
    assert len(first) == 100
    assert (count - 100) % 2000 == 0, f"a partial batch was committed ({count} records)"
    return count


def test_writer_killed_inside_a_transaction_leaves_a_readable_cache(tmp_path):
    path = tmp_path / "arxiv.sqlite3"
    _kill_writer(path, "stall", 0.0)
    assert Path(f"{path}-wal").stat().st_size > 0
    assert _assert_whole_batches(path) == 100  # the interrupted batch left nothing


@pytest.mark.parametrize("delay", [0.12, 0.27])
def test_writer_killed_at_a_random_moment_leaves_a_readable_cache(tmp_path, delay):
    _kill_writer(tmp_path / "arxiv.sqlite3", "loop", delay)
    assert _assert_whole_batches(tmp_path / "arxiv.sqlite3") >= 100


# -- providers --------------------------------------------------------------------


def test_offline_and_cache_providers(cache):
    cache.put_many([make_record("2409.01234")])
    offline, cached = OfflineProvider(), CacheProvider(cache)
    assert offline.get_many(["2409.01234"]) == {} and offline.notice is None
    assert set(cached.get_many(["2409.01234v5", "2409.05678", "junk"])) == {"2409.01234"}
    assert isinstance(offline, MetadataProvider) and isinstance(cached, MetadataProvider)


def test_online_provider_reports_progress(fake_arxiv, cache):
    ids = fake_arxiv.add_synthetic(120)
    calls = []
    with make_client(fake_arxiv) as client:
        provider = OnlineProvider(cache, client, progress=lambda done, total: calls.append((done, total)))
        provider.get_many(ids)
    assert calls == [(0, 120), (100, 120), (120, 120)]
    assert isinstance(provider, MetadataProvider)
