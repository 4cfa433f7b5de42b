"""Benchmark the mojibake recovery (audit.mojibake) on clean posts corrupted on purpose.

Each clean post is damaged the way seed 000 was — its UTF-8 bytes decoded with a legacy code page, undefined bytes
ignored, soft hyphens removed — then recovered and compared line by line with the original. Per code page it prints
the lines with non-ASCII text, how many the recovery restores exactly, how many `ftfy.fix_encoding` alone restores,
the share of non-ASCII characters restored, how often the code page was detected, and the time per MB.

    python benchmarks/encoding_recovery.py                      # ../shared/seeds and ../shared/corpus/dev
    python benchmarks/encoding_recovery.py posts/ --codecs cp1254,cp1252,cp1250 --limit 20

Seed 000 itself is not a clean post and is not corrupted again; but when one of the clean posts, damaged the same
way, gives exactly seed 000's text, that post is its true original, and the recovery of seed 000 is reported on its
own line (in ../shared that is corpus/dev/2024-08-28). Posts are read in place; `--jobs` spreads them over
processes.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audit import mojibake  # noqa: E402

DEFAULT_PATHS = (ROOT.parent / "shared" / "seeds", ROOT.parent / "shared" / "corpus" / "dev")
SUFFIXES = {".md", ".txt", ".markdown"}


def corrupt(text: str, codec: str, strip_soft_hyphens: bool = True) -> str:
    broken = text.encode("utf-8").decode(codec, errors="ignore")
    return broken.replace("\u00ad", "") if strip_soft_hyphens else broken


def collect(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix in SUFFIXES)
        elif path.is_file():
            found.append(path)
        else:
            print(f"warning: {path} not found", file=sys.stderr)
    return found


def _recover_one(job: tuple[str, str, tuple[str, ...]]) -> tuple[str, float, str | None, str, str, list]:
    """(name, seconds, codec detected, repaired text, ftfy's text, [(line, confidence)]) for one damaged post,
    repaired with the given reference posts (see --reference-folds)."""
    import ftfy

    name, broken, reference = job
    mojibake._charlm.set_reference(reference)
    t0 = time.perf_counter()
    result = mojibake.recover(broken)
    seconds = time.perf_counter() - t0
    baseline = "\n".join(ftfy.fix_encoding(x) for x in broken.split("\n"))
    return name, seconds, result.codec, result.text, baseline, [(r.line, r.confidence) for r in result.lines]


def compare(original: str, repaired: str) -> tuple[int, int, int, int]:
    """(lines with non-ASCII text, restored exactly, non-ASCII characters, restored characters)."""
    lines = exact = chars = good = 0
    for want, got in zip(original.split("\n"), repaired.split("\n")):
        if want.isascii():
            continue
        lines += 1
        exact += want == got
        chars += sum(1 for ch in want if ch >= "\x80")
        if len(want) == len(got):
            good += sum(1 for a, b in zip(want, got) if a >= "\x80" and a == b)
    return lines, exact, chars, good


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path, help="folders or files of clean posts")
    parser.add_argument("--codecs", default="cp1254,cp1252", help="comma-separated code pages (default: %(default)s)")
    parser.add_argument("--keep-soft-hyphens", action="store_true", help="do not strip U+00AD after decoding")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N posts")
    parser.add_argument("--worst", type=int, default=0, help="show the N least confident wrong lines per code page")
    parser.add_argument("--reference-folds", type=int, default=0, metavar="K",
                        help="split the posts into K folds by position and repair each post with the posts of the "
                             "other folds as reference (audit --reference): what a blog's own archive adds")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="processes (default: all cores)")
    args = parser.parse_args(argv)

    found = collect(args.paths or list(DEFAULT_PATHS))
    damaged = {p: p.read_text(encoding="utf-8") for p in found if p.name.startswith("000_")}
    posts = [p for p in found if p not in damaged]
    if args.limit:
        posts = posts[:args.limit]
    if not posts:
        print("no posts found", file=sys.stderr)
        return 1
    texts = {str(p): p.read_text(encoding="utf-8") for p in posts}
    size_mb = sum(len(t.encode("utf-8")) for t in texts.values()) / 1e6

    import resource

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    mojibake._model()
    mojibake._charlm.model()
    build = time.perf_counter() - started
    rss_model = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    print(f"{len(texts)} posts, {size_mb:.2f} MB of clean text; language models loaded (or built) in {build:.2f} s, "
          f"+{rss_model:.1f} MB peak RSS; {args.jobs} processes"
          + (f"; each post repaired with the other {args.reference_folds - 1} of {args.reference_folds} folds as "
             "reference" if args.reference_folds > 1 else ""))
    header = (f"{'codec':<8} {'lines':>7} {'exact':>7} {'exact %':>8} {'ftfy':>6} {'ftfy %':>7} {'chars %':>8} "
              f"{'codec ok':>9} {'s/MB':>6}")
    print(header)
    seeds: list[tuple[str, str, int, int]] = []  # (seed, its original, lines, exact)
    strip = not args.keep_soft_hyphens
    for codec in [c.strip() for c in args.codecs.split(",") if c.strip()]:
        lines = exact = chars = good = baseline = detected = 0
        seconds = 0.0
        broken = {name: corrupt(t, codec, strip) for name, t in texts.items()}
        broken_mb = sum(len(t.encode("utf-8")) for t in broken.values()) / 1e6
        wrong: list[tuple[float, str, int, str, str]] = []
        names = list(texts)
        folds = max(0, args.reference_folds)

        def reference(k: int) -> tuple[str, ...]:
            return tuple(n for i, n in enumerate(names) if folds and i % folds != k % folds)

        jobs = [(name, broken[name], reference(k)) for k, name in enumerate(names)]
        if args.jobs > 1:
            from multiprocessing import Pool

            with Pool(args.jobs) as pool:
                results = pool.map(_recover_one, jobs, chunksize=1)
        else:
            results = [_recover_one(job) for job in jobs]
        for name, took, got_codec, repaired, ftfy_text, confidences in results:
            original = texts[name]
            seconds += took
            detected += got_codec == codec
            n, e, c, g = compare(original, repaired)
            lines, exact, chars, good = lines + n, exact + e, chars + c, good + g
            baseline += compare(original, ftfy_text)[1]
            for seed, seed_text in damaged.items():
                if seed_text == broken[name]:
                    seeds.append((f"{seed.name} ({codec})", name, n, e))
            if args.worst:
                want_lines = original.split("\n")
                got_lines = repaired.split("\n")
                for line, confidence in confidences:
                    if want_lines[line - 1] != got_lines[line - 1]:
                        wrong.append((confidence, Path(name).name, line, want_lines[line - 1], got_lines[line - 1]))
        print(f"{codec:<8} {lines:>7} {exact:>7} {100 * exact / max(1, lines):>7.2f}% {baseline:>6} "
              f"{100 * baseline / max(1, lines):>6.2f}% {100 * good / max(1, chars):>7.3f}% "
              f"{detected:>4}/{len(texts):<4} {seconds / max(broken_mb, 1e-9):>6.2f}")
        for confidence, name, line, want, got in sorted(wrong)[:args.worst]:
            print(f"    {confidence:.3f} {name}:{line}\n      want {want[:100]}\n      got  {got[:100]}")
    for seed, original, n, e in seeds:
        print(f"seed {seed}: {e} of {n} lines with non-ASCII text restored exactly ({100 * e / max(1, n):.1f}%); "
              f"its original: {original}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
