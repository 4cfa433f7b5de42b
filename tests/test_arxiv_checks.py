"""arXiv metadata rules (ARX001-ARX008): the entry against its arXiv record.

Unit cases give records directly (`AuditOptions(metadata=…)`); end-to-end cases run `audit --online` against the
fake arXiv API (tests/fakearxiv.py) with invented papers, so that a new version published on the server shows up as
a stale-version finding.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from typer.testing import CliRunner

from audit.checks import arxiv_meta as am
from audit.cli import app, normalize_argv
from audit.config import Config
from audit.engine import AuditOptions, audit_text
from audit.metadata.records import ArxivAuthor, ArxivRecord
from audit.rules.examples import build_post

try:
    from .fakearxiv import FakeArxiv
except ImportError:  # pragma: no cover
    from fakearxiv import FakeArxiv

TITLE = "NovaTalk: Expressive Audio-Driven Talking Heads with Diffusion"
AUTHORS = ("Lena Park", "Tomas Weber", "Yusuf Demir")


def record(arxiv_id: str = "2411.90001", *, version: int = 1, title: str = TITLE, authors=AUTHORS,
           affiliations=None, published: str = "2411-01-02", withdrawn: bool = False,
           comment: str | None = None) -> ArxivRecord:
    when = datetime.fromisoformat(published).replace(tzinfo=timezone.utc)
    affs = affiliations or [()] * len(authors)
    return ArxivRecord(arxiv_id, version, title, tuple(ArxivAuthor(n, tuple(a)) for n, a in zip(authors, affs)),
                       "We present NovaTalk.", comment, None, "cs.CV", ("cs.CV",), when, when, withdrawn, when,
                       "cache")


def findings(text: str, rec: ArxivRecord | None = None, codes=("ARX",), path: str = "<test>"):
    metadata = {rec.arxiv_id: rec} if rec is not None else {}
    report = audit_text(text, path, AuditOptions(config=Config(select=tuple(codes)), metadata=metadata))
    assert not report.notes, report.notes
    return report.all_findings()


def rules(text: str, rec: ArxivRecord | None = None) -> set[str]:
    return {f.rule for f in findings(text, rec)}


# ---------------------------------------------------------------------------------------------------------------
# Title comparison


@pytest.mark.parametrize("a, b", [
    (TITLE, TITLE),
    (TITLE, "novatalk -  expressive audio driven talking heads with diffusion."),
    ("$Q^3$-Net: Quality-Aware Splatting", "Q3-Net: Quality-Aware Splatting"),
    (r"Faces \& Voices in $\mathcal{O}(n)$", "Faces & Voices in O(n)"),
    ("Résumé of Neural Fields", "Resume of Neural Fields"),
    ("A Very Long Title About Radiance Fields That\n  Wraps Over Lines", "A Very Long Title About Radiance Fields That "
                                                                        "Wraps Over Lines"),
    (TITLE, TITLE.replace("Diffusion", "Difusion")),                       # one slip in a long title
])
def test_same_title(a, b):
    assert am.same_title(a, b)


@pytest.mark.parametrize("a, b", [
    (TITLE, "VoiceGlow: Emotional Talking Faces from Whispered Speech"),
    (TITLE, "NovaTalk: Expressive Talking Heads"),
    (TITLE, "NovaTalk++: Expressive Talking Heads with Latent Diffusion"),
])
def test_different_title(a, b):
    assert not am.same_title(a, b)


# ---------------------------------------------------------------------------------------------------------------
# The header and the post against arXiv


def test_silent_without_metadata():
    # The ids of the rule examples are not special outside the examples' own "<example>" posts.
    for arxiv_id in ("2411.90001", "2411.90002", "2411.90005", "2411.90006"):
        assert findings(build_post(arxiv_id=arxiv_id)) == []


def test_header_title_mismatch_fires_and_match_does_not():
    assert rules(build_post(), record()) == set()
    assert rules(build_post(header_title=TITLE.upper() + " "), record()) == set()
    [f] = findings(build_post(), record(title="VoiceGlow: Emotional Talking Faces from Whispered Speech"))
    assert f.rule == "ARX001" and f.category == "metadata" and "VoiceGlow" in f.message and f.excerpt == TITLE


def test_header_authors_mismatch():
    got = findings(build_post(), record(authors=AUTHORS + ("Ines Duarte",)))
    assert {f.rule for f in got} == {"ARX002", "ARX007"}                     # the digest copies the header
    [f] = [f for f in got if f.rule == "ARX002"]
    assert f.category == "metadata" and "missing Ines Duarte" in f.message
    assert rules(build_post(header_authors="Park Lena, Tomas Weber, Yusuf Demir"), record()) == set()


def test_stale_version():
    [f] = findings(build_post(version=1), record(version=3))
    assert (f.rule, f.severity.value) == ("ARX003", "info")
    assert "v1" in f.message and "v3" in f.message and "title is unchanged" in f.message and f.excerpt == "v1"
    changed = record(version=2, title="NovaTalk++: Expressive Talking Heads with Latent Diffusion")
    [f] = findings(build_post(version=1), changed)
    assert (f.rule, f.severity.value) == ("ARX003", "warning") and "NovaTalk++" in f.message
    # the changed title is the new version's: ARX001 does not report it again
    assert rules(build_post(version=2), record(version=2)) == set()
    assert rules(build_post(version=None), record(version=4)) == set()


def test_withdrawn():
    [f] = findings(build_post(), record(withdrawn=True, comment="This paper has been withdrawn by the authors"))
    assert (f.rule, f.severity.value) == ("ARX004", "error") and "withdrawn" in f.message


def test_published_after_post_date():
    [f] = findings(build_post(date="2411-01-05 10:00:00"), record(published="2411-01-07"))
    assert f.rule == "ARX005" and "2411-01-07" in f.message and "2411-01-05" in f.message
    assert rules(build_post(date="2411-01-05 10:00:00"), record(published="2411-01-05")) == set()


# ---------------------------------------------------------------------------------------------------------------
# The digest against arXiv, where the identity rules cannot see it


OTHER = "VoiceGlow: Emotional Talking Faces from Whispered Speech"


def test_digest_title_copied_from_a_wrong_header():
    rec = record(title=OTHER)
    assert "ARX006" in rules(build_post(title=TITLE), rec)                     # digest = header != arXiv
    assert "ARX006" in rules(build_post(title=TITLE, header_title=None), rec)  # no header to compare with
    assert "ARX006" not in rules(build_post(title=OTHER), rec)                 # digest = arXiv
    assert "ARX006" not in rules(build_post(title="NovaTalk: Talking Heads with Diffusion Models"), rec)  # TTL001's
    assert "ARX006" not in rules(build_post(title="NovaTalk：基于扩散模型的说话人头部生成"), rec)          # Chinese only
    assert "ARX006" not in rules(build_post(title=TITLE, version=1), record(version=2, title=OTHER))    # outdated


def test_digest_authors_against_arxiv():
    rec = record(authors=("Mina Cho", "Arjun Rao"))
    assert "ARX007" in rules(build_post(), rec)                                        # copies a wrong header
    assert "ARX007" in rules(build_post(header_authors=None), record(authors=AUTHORS + ("Ines Duarte",)))
    assert "ARX007" not in rules(build_post(authors="Mina Cho, Arjun Rao"), rec)       # right; AUT reports header
    assert "ARX007" not in rules(build_post(authors="Mina Cho 等"), rec)               # cut short with 等
    assert "ARX007" not in rules(build_post(authors="Lena Park, Tomas Weber"), rec)    # differs from header: AUT
    assert "ARX007" not in rules(build_post(), record())


SNU = ("Seoul National University",)


def test_digest_affiliation_against_arxiv():
    yonsei = record(affiliations=[("Yonsei University",)] * 3)
    [f] = [f for f in findings(build_post(affiliation="首尔国立大学"), yonsei) if f.rule == "ARX008"]
    assert f.category == "affiliation-mismatch" and "Yonsei University" in f.message
    full = record(affiliations=[SNU] * 3)
    assert "ARX008" in rules(build_post(affiliation="首尔国立大学、延世大学"), full)       # an institution added
    partial = record(affiliations=[SNU, (), ()])
    assert "ARX008" not in rules(build_post(affiliation="首尔国立大学、延世大学"), partial)  # may be the others'
    assert "ARX008" not in rules(build_post(affiliation="首尔国立大学计算机系"), full)
    assert "ARX008" not in rules(build_post(affiliation="Acme视觉研究院"), yonsei)        # unknown: unverifiable
    assert "ARX008" not in rules(build_post(affiliation="首尔国立大学"), record())        # arXiv has none
    assert "ARX008" not in rules(build_post(affiliation="首尔国立大学"),
                                 record(affiliations=[("Acme Vision Lab",)] * 3))


# ---------------------------------------------------------------------------------------------------------------
# End to end: audit --online against the fake arXiv API


@pytest.fixture(autouse=True)
def no_delay(monkeypatch):
    monkeypatch.setenv("AUDIT_ARXIV_DELAY", "0")


def run(*args):
    return CliRunner().invoke(app, normalize_argv(list(args)))


PAPER = {
    "id": "2411.95001",
    "versions": [{"version": 1, "date": "2411-01-02T10:00:00Z"}],
    "title": TITLE,
    "authors": [{"name": n, "affiliations": []} for n in AUTHORS],
    "summary": "We present NovaTalk, an audio-driven talking head method.",
    "comment": None, "journal_ref": None, "doi": None, "primary_category": "cs.CV", "categories": ["cs.CV"],
}


def online(folder, server, *extra):
    result = run(str(folder), "--online", "--api-url", server.url, "--cache", str(folder / "cache.sqlite3"),
                 "--select", "ARX", "--format", "json", *extra)
    doc = json.loads(result.stdout)
    assert not doc.get("notices"), doc["notices"]
    return {f["rule"]: f for p in doc["posts"] for pa in p["papers"] for f in pa["findings"]}


def test_online_stale_version_title_and_withdrawn(tmp_path):
    with FakeArxiv() as server:
        server.add_paper(PAPER)
        post = tmp_path / "p.md"
        post.write_text(build_post(arxiv_id="2411.95001", version=1), encoding="utf-8")
        assert online(tmp_path, server) == {}                                  # header matches arXiv v1

        server.publish_version("2411.95001", date="2411-01-20T08:00:00Z")
        (tmp_path / "cache.sqlite3").unlink()
        got = online(tmp_path, server)
        assert set(got) == {"ARX003"} and "v2" in got["ARX003"]["message"] and got["ARX003"]["severity"] == "info"

        server.publish_version("2411.95001", date="2411-01-25T08:00:00Z", title=OTHER)
        (tmp_path / "cache.sqlite3").unlink()
        got = online(tmp_path, server)
        assert set(got) == {"ARX003"} and got["ARX003"]["severity"] == "warning"
        assert "v3" in got["ARX003"]["message"] and "VoiceGlow" in got["ARX003"]["message"]

        post.write_text(build_post(arxiv_id="2411.95001", version=3), encoding="utf-8")
        got = online(tmp_path, server)
        assert set(got) == {"ARX001"}                     # the post now cites v3 but keeps v1's title
        assert "VoiceGlow" in got["ARX001"]["message"]

        post.write_text(build_post(arxiv_id="2411.95001", version=3, header_title=OTHER, title=OTHER),
                        encoding="utf-8")
        assert online(tmp_path, server) == {}

        # a fixture paper of the fake server that was withdrawn
        post.write_text(build_post(arxiv_id="2403.11111", version=2,
                                   header_title="Emotion-Controllable Face Reenactment via Sparse Keypoints",
                                   header_authors="Omar Haddad", authors="Omar Haddad"), encoding="utf-8")
        got = online(tmp_path, server)
        assert set(got) == {"ARX004"}


def test_online_header_title_mismatch(tmp_path):
    with FakeArxiv() as server:
        server.add_paper(PAPER)
        (tmp_path / "p.md").write_text(build_post(arxiv_id="2411.95001", header_title=OTHER), encoding="utf-8")
        got = online(tmp_path, server)
        assert "ARX001" in got and TITLE in got["ARX001"]["message"]
        offline = run(str(tmp_path), "--select", "ARX", "--format", "json")
        assert all(not pa["findings"] for p in json.loads(offline.stdout)["posts"] for pa in p["papers"])
