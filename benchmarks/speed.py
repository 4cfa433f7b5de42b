"""How fast is `audit`, and how much memory does it take? Runs the real command line in a subprocess.

    python benchmarks/speed.py                 # ../shared/seeds + ../shared/corpus/dev
    python benchmarks/speed.py posts/ -j 2     # any folders or files; --jobs is passed to audit
    python benchmarks/speed.py --scale 10      # also audit 10 copies of the input: peak memory must stay flat
    python benchmarks/speed.py --check         # exit 1 when a target is missed

audit runs byte-compiled and with warm caches, as an installed package does after its first run (the first run
is not timed). Printed: files/s, papers/s, MB/s and wall time (start-up included, best of --repeat runs), the
peak RSS of the whole process tree (parent plus workers, sampled from /proc) and of the largest single process
(wait4's ru_maxrss), the ratio of the audit's wall time to a floor measured in the same run (a fresh Python that
reads every file and makes one regular-expression pass over it), the start-up time of `audit --version`, and the
time of a fixed pure-Python loop (how fast the machine is at the moment: a shared machine drifts, so compare wall
times by it). Targets are printed beside the numbers. No dependency beyond the standard library (psutil is not
needed).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SUFFIXES = (".md", ".markdown", ".txt")
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

TARGET_WALL = 2.0          # seconds for the reference corpus (87 posts)
TARGET_FILES = 87
TARGET_RATIO = 5.0
TARGET_RSS_MB = 300.0
TARGET_STARTUP = 0.3

# audit runs as an installed package does: byte-compiled (pip compiles on install; PYTHONDONTWRITEBYTECODE in a
# developer's shell would make every run compile audit's sources again) and with its caches filled by the first,
# untimed run (compiled regexes and parsed YAML in the user cache folder; see README, "Speed").
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

FLOOR = r"""
import re, sys


def floor(listing):
    pattern = re.compile(r"\[PDF\]\(https?://arxiv\.org/abs/[^)\s]+\)|\*\*[^*\n]{1,80}\*\*|^#{1,3} .*$", re.M)
    n = 0
    for name in open(listing, encoding="utf-8").read().split("\n"):
        if name:
            with open(name, "rb") as fh:
                n += len(pattern.findall(fh.read().decode("utf-8", "replace")))
    return n
"""
FLOOR_MAIN = FLOOR + "\nprint(floor(sys.argv[1]))\n"
# A fixed amount of pure-Python work: a shared or throttled machine shows here how fast it is at the moment, so
# that wall times measured at different moments can be compared.
CALIBRATION = "s = 0\nfor i in range(10_000_000):\n    s += i\n"


def find_files(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for root, dirs, names in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ("node_modules", ".venv"))
                out.extend(Path(root) / n for n in sorted(names) if n.lower().endswith(SUFFIXES))
        elif p.is_file():
            out.append(p)
    return out


def audit_command() -> list[str]:
    script = Path(sys.executable).parent / "audit"
    return [str(script)] if script.exists() else [sys.executable, "-m", "audit"]


# ---------------------------------------------------------------------------------------------------------------
# Running and measuring a process tree


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def _tree_rss(pid: int) -> int:
    kids = _children_map()
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(kids.get(p, []))
    return total


class Run:
    def __init__(self, wall: float, code: int, max_rss: int, tree_rss: int, stderr: str):
        self.wall, self.code, self.max_rss, self.tree_rss, self.stderr = wall, code, max_rss, tree_rss, stderr


def run(cmd: list[str], poll: bool = False, interval: float = 0.01) -> Run:
    """Run `cmd`; wall time from spawn to exit; peak RSS of the largest process (wait4) and, when polling, of the
    whole tree (sum over live processes, sampled every `interval` seconds)."""
    err = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL, env=CHILD_ENV)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(proc.pid))
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True) if poll and os.path.isdir("/proc") else None
    if sampler:
        sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    if sampler:
        sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    err.seek(0)
    stderr = err.read().decode("utf-8", "replace")
    err.close()
    return Run(wall, proc.returncode, usage.ru_maxrss * 1024, peak[0], stderr)


def best(cmd: list[str], repeat: int) -> tuple[list[float], Run]:
    walls, last = [], None
    for _ in range(repeat):
        last = run(cmd)
        walls.append(last.wall)
    return walls, last


# ---------------------------------------------------------------------------------------------------------------


def scaled_corpus(files: list[Path], copies: int, folder: Path) -> None:
    for k in range(copies):
        dest = folder / f"copy{k:03d}"
        dest.mkdir(parents=True)
        for n, f in enumerate(files):
            target = dest / f"{n:05d}_{f.name}"
            try:
                os.link(f, target)
            except OSError:
                shutil.copyfile(f, target)


def row(label: str, value: str, target: str = "", ok: bool | None = None) -> str:
    mark = "" if ok is None else ("ok" if ok else "MISS")
    return f"  {label:34} {value:>16}   {target:18} {mark}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", help="folders or files (default: ../shared/seeds ../shared/corpus/dev)")
    ap.add_argument("-j", "--jobs", type=int, default=None, help="passed to audit --jobs")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs; the best is reported (default 3)")
    ap.add_argument("--scale", type=int, default=0, help="also audit N copies of the input and compare peak RSS")
    ap.add_argument("--format", default="json", help="audit output format (written to a temp file)")
    ap.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = ap.parse_args(argv)

    paths = args.paths or [str(SHARED / "seeds"), str(SHARED / "corpus" / "dev")]
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        print(f"speed.py: not found: {', '.join(missing)}", file=sys.stderr)
        return 2
    files = find_files(paths)
    size = sum(f.stat().st_size for f in files)
    base = audit_command()
    tmp = Path(tempfile.mkdtemp(prefix="audit-speed-"))
    results: list[bool] = []
    try:
        out_file = tmp / "out"
        jobs = ["--jobs", str(args.jobs)] if args.jobs else []
        cmd = base + paths + ["--format", args.format, "-o", str(out_file), "--no-color"] + jobs

        # warm the file cache and the byte-code cache, and count the papers
        first = run(base + paths + ["--format", "json", "-o", str(out_file), "--no-color"] + jobs)
        if first.code not in (0, 1):
            print(f"speed.py: audit exited {first.code}:\n{first.stderr[-2000:]}", file=sys.stderr)
        try:
            doc = json.loads(out_file.read_text(encoding="utf-8"))
            posts = len(doc["posts"])
            papers = sum(len(p["papers"]) for p in doc["posts"])
        except (OSError, ValueError, KeyError):
            posts, papers = 0, 0

        walls, _ = best(cmd, args.repeat)
        wall = min(walls)
        mem = run(cmd, poll=True)

        listing = tmp / "files.txt"
        listing.write_text("\n".join(str(f.resolve()) for f in files), encoding="utf-8")
        floor_walls, _ = best([sys.executable, "-c", FLOOR_MAIN, str(listing)], args.repeat)
        floor = min(floor_walls)
        space: dict = {}
        exec(compile(FLOOR, "floor", "exec"), space)
        t0 = time.perf_counter()
        space["floor"](str(listing))
        floor_inproc = time.perf_counter() - t0

        start_walls, _ = best(base + ["--version"], max(5, args.repeat))
        startup = min(start_walls)
        calib = min(best([sys.executable, "-c", CALIBRATION], 3)[0])

        mb = size / 1e6
        reference = args.paths == [] and len(files) == TARGET_FILES
        print(f"audit speed: {len(files)} files ({posts} posts, {papers} papers, {mb:.1f} MB), "
              f"{os.cpu_count()} CPUs, jobs={args.jobs or 'default'}, format={args.format}")
        print(f"  command: {' '.join(base)} PATHS --format {args.format} -o FILE")
        print(row("metric", "value", "target"))
        target_wall = TARGET_WALL * len(files) / TARGET_FILES
        ok = wall <= target_wall
        results.append(ok)
        print(row("wall time (best, with start-up)", f"{wall:.2f} s",
                  f"≤ {target_wall:.2f} s" + ("" if reference else " (scaled)"), ok))
        print(row("  all runs", " ".join(f"{w:.2f}" for w in walls)))
        print(row("files/s", f"{len(files) / wall:.1f}", f"≥ {TARGET_FILES / TARGET_WALL:.1f}"))
        print(row("papers/s", f"{papers / wall:.0f}"))
        print(row("MB/s", f"{mb / wall:.2f}"))
        ratio = wall / floor if floor else float("inf")
        ok = ratio <= TARGET_RATIO
        results.append(ok)
        print(row("floor: python + read + 1 regex pass", f"{floor:.3f} s"))
        print(row("  of which in-process read + regex", f"{floor_inproc:.3f} s"))
        print(row("ratio audit / floor", f"{ratio:.1f}×", f"≤ {TARGET_RATIO:.0f}×", ok))
        tree_mb = mem.tree_rss / 1e6
        ok = (tree_mb or mem.max_rss / 1e6) <= TARGET_RSS_MB
        results.append(ok)
        print(row("peak RSS, process tree (sampled)", f"{tree_mb:.0f} MB" if tree_mb else "n/a",
                  f"≤ {TARGET_RSS_MB:.0f} MB", ok))
        print(row("peak RSS, largest process", f"{mem.max_rss / 1e6:.0f} MB"))
        ok = startup <= TARGET_STARTUP
        results.append(ok)
        print(row("start-up: audit --version", f"{startup:.3f} s", f"≤ {TARGET_STARTUP} s", ok))
        print(row("machine speed: fixed Python loop", f"{calib:.2f} s", "(lower is faster)"))

        if args.scale and args.scale > 1:
            big = tmp / "scaled"
            scaled_corpus(files, args.scale, big)
            big_cmd = base + [str(big), "--format", args.format, "-o", str(out_file), "--no-color"] + jobs
            timed = run(big_cmd)  # timed without the /proc sampler, which takes CPU from the run it watches
            scaled = run(big_cmd, poll=True)
            grow_tree = scaled.tree_rss / mem.tree_rss if mem.tree_rss else float("nan")
            grow_max = scaled.max_rss / mem.max_rss if mem.max_rss else float("nan")
            print(f"scale ×{args.scale}: {len(files) * args.scale} files, {mb * args.scale:.0f} MB")
            print(row("wall time", f"{timed.wall:.2f} s", f"≤ {target_wall * args.scale:.1f} s (linear)",
                      timed.wall <= target_wall * args.scale))
            print(row("files/s", f"{len(files) * args.scale / timed.wall:.1f}"))
            ok = scaled.tree_rss / 1e6 <= TARGET_RSS_MB if scaled.tree_rss else scaled.max_rss / 1e6 <= TARGET_RSS_MB
            results.append(ok)
            print(row("peak RSS, process tree", f"{scaled.tree_rss / 1e6:.0f} MB",
                      f"≤ {TARGET_RSS_MB:.0f} MB", ok))
            print(row("  growth vs ×1", f"{grow_tree:.2f}×", "≈ 1× (flat)"))
            print(row("peak RSS, largest process", f"{scaled.max_rss / 1e6:.0f} MB"))
            print(row("  growth vs ×1", f"{grow_max:.2f}×", "≈ 1× (flat)"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if args.check and not all(results) else 0


if __name__ == "__main__":
    sys.exit(main())
