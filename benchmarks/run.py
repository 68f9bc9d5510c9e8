"""Measure the ETL at scale and write the results to docs/performance.md.

    python -m benchmarks.run                  # full: builds of 10,000 and 100,000 articles
    python -m benchmarks.run --quick          # small sizes, under 3 minutes
    python -m benchmarks.run --sizes 30 --extract-articles 30 --no-quantulum --no-profile --no-write

Everything runs on a synthetic corpus (`benchmarks.generate`) in a temporary
directory, and every measurement runs in its own subprocess
(`benchmarks.probe`), so peak memory is that measurement's own and nothing
touches data/. The table is printed and written between markers in
docs/performance.md (one block per mode, so a quick run never overwrites the
full run's numbers); the rest of that file is prose and is left alone.

The report is a list of sections (`SECTIONS`), each a function that takes
the run's `Context` and returns table rows. The dashboard's page and query
timings are meant to be one more section appended there: it finds the
largest warehouse built in `ctx.warehouses` and its articles in
`ctx.corpora`.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from benchmarks import generate as gen

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MD = ROOT / "docs" / "performance.md"

# Targets (on the 2-core reference machine).
TARGET_EXTRACT_PER_S = 1500
TARGET_BUILD_SIZE, TARGET_BUILD_S = 100_000, 60.0
TARGET_REBUILD_S, TARGET_REBUILD_CHANGED_S = 3.0, 5.0
CHANGED_SHARE = 0.01


@dataclass
class Row:
    section: str
    measure: str
    result: str
    target: str = ""
    met: bool | None = None
    note: str = ""


@dataclass
class Context:
    args: argparse.Namespace
    workdir: Path
    seed: int
    corpora: dict[int, Path] = field(default_factory=dict)       # articles -> directory
    warehouses: dict[int, Path] = field(default_factory=dict)    # articles -> warehouse path (the link)
    raw: dict = field(default_factory=dict)                      # every probe's JSON, for --json
    extra_md: list[str] = field(default_factory=list)            # sub-tables printed after the main one

    def corpus(self, at_least: int) -> Path:
        """The smallest generated corpus with at least this many articles."""
        return self.corpora[min(n for n in self.corpora if n >= at_least)]


def probe(ctx: Context, *args: str) -> dict:
    """Run one `benchmarks.probe` measurement in a fresh interpreter; its JSON result."""
    cmd = [sys.executable, "-m", "benchmarks.probe", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(cmd, cwd=ctx.workdir, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _n(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


def _met(ok: bool | None) -> str:
    return "—" if ok is None else ("Met" if ok else "**Not met**")


def _log(msg: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------ sections


def corpus_section(ctx: Context) -> list[Row]:
    args = ctx.args
    sizes = sorted(set(args.sizes) | {args.extract_articles})
    rows = []
    for n in sizes:
        out = ctx.workdir / f"corpus_{n}"
        _log(f"generating {n:,} articles")
        result = gen.generate(n, out, seed=ctx.seed, workers=os.cpu_count() or 1)
        ctx.corpora[n] = out
        ctx.raw[f"generate_{n}"] = result
    biggest = max(sizes)
    result = ctx.raw[f"generate_{biggest}"]
    rows.append(Row("Corpus", f"generate {biggest:,} articles (all cores)",
                    f"{_n(result['seconds'], 1)} s ({_n(biggest / result['seconds'])} articles/s)",
                    note=f"{result['bytes'] / biggest / 1000:.1f} KB per article on average, seed {ctx.seed}"))
    return rows


def extraction_section(ctx: Context) -> list[Row]:
    n = ctx.args.extract_articles
    corpus = str(ctx.corpus(n))
    rows = []
    _log(f"extracting {n:,} articles in one process")
    one = probe(ctx, "extract", "--articles", corpus, "--limit", str(n), "--workers", "1")
    ctx.raw["extract_1"] = one
    cores = os.cpu_count() or 1
    _log(f"extracting {n:,} articles with {cores} processes")
    many = probe(ctx, "extract", "--articles", corpus, "--limit", str(n), "--workers", str(cores))
    ctx.raw["extract_all"] = many
    rate = one["articles_per_s"]
    rows.append(Row("Extraction", f"parse + extract, 1 process ({n:,} articles)",
                    f"{_n(rate)} articles/s", f">= {TARGET_EXTRACT_PER_S:,} articles/s",
                    rate >= TARGET_EXTRACT_PER_S,
                    f"{_n(one['seconds'], 1)} s wall, {_n(one['cpu_seconds'], 1)} s CPU "
                    f"({_n(n / one['cpu_seconds'])} articles per CPU-second); {one['mb_per_s']:.2f} MB of text/s; "
                    f"{one['facts'] / n:.1f} facts and {one['unclassified'] / n:.1f} unclassified figures "
                    f"per article; {len(one['indicators'])} of 20 indicators seen"))
    rows.append(Row("Extraction", f"parse + extract, {cores} processes ({n:,} articles)",
                    f"{_n(many['articles_per_s'])} articles/s",
                    note=f"{_n(many['seconds'], 1)} s wall, {_n(many['cpu_seconds'], 1)} s CPU in all processes; "
                         f"speed-up x{many['articles_per_s'] / rate:.2f} over 1 process"))
    rows.append(Row("Extraction", "peak RSS, 1 process", f"{_n(one['peak_rss_mb'])} MB",
                    note=f"all {n:,} article texts held in memory"))
    rows.append(Row("Extraction", f"peak RSS, {cores} processes",
                    f"{_n(many['peak_rss_mb'])} MB parent + {_n(many['peak_rss_worker_mb'])} MB per worker"))
    return rows


def quantulum_section(ctx: Context) -> list[Row]:
    if ctx.args.no_quantulum:
        return [Row("Comparison", "quantulum3 on the same articles", "skipped", note="--no-quantulum")]
    n = ctx.args.quantulum_articles
    _log(f"quantulum3 vs extractor on {n} articles")
    q = probe(ctx, "quantulum", "--articles", str(ctx.corpus(n)), "--limit", str(n))
    ctx.raw["quantulum"] = q
    if not q.get("available"):
        return [Row("Comparison", "quantulum3 on the same articles", "skipped",
                    note=f"quantulum3 is not importable ({q.get('reason')}); `pip install quantulum3` "
                         "into the venv to measure it (benchmark-only, not in requirements.txt)")]
    return [
        Row("Comparison", f"quantulum3 {q['version']} parse ({q['articles']} articles, 1 process)",
            f"{q['quantulum_per_s']:.1f} articles/s",
            note=f"{q['quantulum_quantities'] / q['articles']:.1f} quantities per article; "
                 f"{'with' if q['classifier'] else 'without'} its optional scikit-learn classifier"),
        Row("Comparison", "extractor on the same articles, same process",
            f"{_n(q['extractor_per_s'])} articles/s",
            note=f"{q['extractor_figures'] / q['articles']:.1f} facts + unclassified figures per article"),
        Row("Comparison", "extractor speed / quantulum3 speed", f"x{q['ratio']:.0f}",
            note="the extractor also classifies, places and dates each figure; quantulum3 only "
                 "finds quantities and units"),
    ]


def _change_files(corpus: Path, n: int, seed: int) -> int:
    """Rewrite 1% of the articles (new text under the same id), as an edit would."""
    step = max(1, round(1 / CHANGED_SHARE))
    indices = list(range(0, n, step)) or [0]
    for i in indices:
        path = corpus / gen.file_name(i)
        tmp = path.with_name("." + path.name + ".tmp")
        tmp.write_text(gen.article_text(seed, i, revision=1), encoding="utf-8")
        os.replace(tmp, path)
    return len(indices)


def _write_note(result: dict) -> str:
    if result.get("unchanged"):
        return "nothing written: the served build was kept"
    return {"incremental": "incremental write (a copy of the served file, changed rows replaced)",
            "full": "full write"}.get(result.get("write_mode"), f"write mode {result.get('write_mode')}")


def build_section(ctx: Context) -> list[Row]:
    rows = []
    phases_md = []
    cores = os.cpu_count() or 1
    for n in sorted(ctx.args.sizes):
        corpus = ctx.corpora[n]
        db = ctx.workdir / f"warehouse_{n}" / "warehouse.duckdb"
        db.parent.mkdir(parents=True, exist_ok=True)
        _log(f"full build of {n:,} articles")
        cold = probe(ctx, "build", "--articles", str(corpus), "--db", str(db))
        _log(f"rebuild of {n:,} articles, nothing changed")
        same = probe(ctx, "build", "--articles", str(corpus), "--db", str(db))
        changed = _change_files(corpus, n, ctx.seed)
        _log(f"rebuild of {n:,} articles, {changed} changed")
        edit = probe(ctx, "build", "--articles", str(corpus), "--db", str(db))
        ctx.warehouses[n] = db
        ctx.raw[f"build_{n}"] = {"cold": cold, "unchanged": same, "changed": edit, "changed_files": changed}

        is_target = n == TARGET_BUILD_SIZE
        rows.append(Row("Build", f"full build, {n:,} articles ({cores} processes)", f"{_n(cold['seconds'], 1)} s",
                        f"<= {TARGET_BUILD_S:.0f} s" if is_target else f"(target is for {TARGET_BUILD_SIZE:,})",
                        cold["seconds"] <= TARGET_BUILD_S if is_target else None,
                        f"{_n(n / cold['seconds'])} articles/s; {_n(cold['cpu_seconds'])} s CPU in all processes "
                        f"(so >= {_n(cold['cpu_seconds'] / cores)} s wall on {cores} idle cores); {_n(cold['facts'])} facts, "
                        f"{_n(cold['unclassified'])} unclassified figures"))
        rows.append(Row("Build", f"rebuild, {n:,} articles, nothing changed", f"{_n(same['seconds'], 2)} s",
                        f"<= {TARGET_REBUILD_S:.0f} s", same["seconds"] <= TARGET_REBUILD_S,
                        f"{same['articles_reused']:,} reused; " + _write_note(same)))
        rows.append(Row("Build", f"rebuild, {n:,} articles, {changed:,} changed ({CHANGED_SHARE:.0%})",
                        f"{_n(edit['seconds'], 2)} s", f"<= {TARGET_REBUILD_CHANGED_S:.0f} s",
                        edit["seconds"] <= TARGET_REBUILD_CHANGED_S,
                        f"{edit['articles_reused']:,} reused, {edit['articles_loaded'] - edit['articles_reused']:,} "
                        f"extracted; " + _write_note(edit)))
        rows.append(Row("Build", f"warehouse file, {n:,} articles", f"{cold['warehouse_bytes'] / 1e6:,.0f} MB",
                        note=f"{cold['warehouse_bytes'] / n / 1000:.1f} KB per article (article text included)"))
        workers = (f" + {_n(cold['peak_rss_worker_mb'])} MB per worker" if cold["peak_rss_worker_mb"]
                   else " (serial: under 400 files)")
        rows.append(Row("Build", f"peak RSS, full build of {n:,}", f"{_n(cold['peak_rss_mb'])} MB{workers}",
                        note=f"rebuild, nothing changed: {_n(same['peak_rss_mb'])} MB"))
        names = list(dict.fromkeys([*cold["phases"], *same["phases"], *edit["phases"]]))
        phases_md.append(f"\n{n:,} articles, seconds per phase:\n\n| phase | full build | rebuild, nothing changed "
                         f"| rebuild, {changed:,} changed |\n| --- | ---: | ---: | ---: |")
        for name in names:
            phases_md.append(f"| {name} | " + " | ".join(f"{r['phases'].get(name, 0):.2f}"
                                                       for r in (cold, same, edit)) + " |")
            if name == "write warehouse":
                inner = list(dict.fromkeys([*cold["write_detail"], *same["write_detail"], *edit["write_detail"]]))
                for sub in inner:
                    phases_md.append(f"| &nbsp;&nbsp;of which {sub} | " + " | ".join(
                        f"{r['write_detail'].get(sub, 0):.2f}" for r in (cold, same, edit)) + " |")
        phases_md.append(f"| **total** | {cold['seconds']:.2f} | {same['seconds']:.2f} | {edit['seconds']:.2f} |")
    ctx.extra_md.append("#### Where build time goes\n\nThe build's own functions, timed in the probe process "
                        "(nothing in etl/ is changed to measure this).\n" + "\n".join(phases_md))
    return rows


def reads_section(ctx: Context) -> list[Row]:
    """Read queries on each warehouse built: what one machine can serve (see docs/scaling.md)."""
    rows = []
    for n, db in sorted(ctx.warehouses.items()):
        _log(f"read queries on the {n:,}-article warehouse")
        r = probe(ctx, "reads", "--db", str(db), "--seconds", "1" if n < 1000 else "3")
        ctx.raw[f"reads_{n}"] = r
        for name, seconds in r["latency"].items():
            rows.append(Row("Warehouse reads", f"{n:,} articles: {name}", f"{seconds * 1000:,.1f} ms",
                            note="median of 6, read-only connection"))
        mix = r["mix_per_s"]
        rows.append(Row("Warehouse reads", f"{n:,} articles: the 3-query mix, 1 / 2 / 4 threads",
                        " / ".join(f"{mix[str(k)] if str(k) in mix else mix[k]:,.1f}" for k in (1, 2, 4)) + " mixes/s",
                        note=f"{r['facts']:,} facts; one shared read-only connection, a cursor per thread"))
    return rows


def profile_section(ctx: Context) -> list[Row]:
    if ctx.args.no_profile:
        return []
    n = ctx.args.profile_articles
    _log(f"profiling extraction of {n} articles")
    p = probe(ctx, "profile", "--articles", str(ctx.corpus(n)), "--limit", str(n), "--top", "12")
    ctx.raw["profile"] = {k: v for k, v in p.items() if k != "text"}
    if not p.get("available"):
        return [Row("Profile", "pyinstrument", "skipped", note=f"not importable ({p.get('reason')})")]
    lines = [f"#### Profile (pyinstrument, {p['articles']} articles, 1 process, {p['samples']:,} samples)\n",
             "Own time counts a function's own Python code plus the C calls it makes directly "
             "(regex searches are C calls).\n",
             "| function | own time | share | | etl function | inclusive | share |",
             "| --- | ---: | ---: | --- | --- | ---: | ---: |"]
    for i in range(max(len(p["own"]), len(p["inclusive"]))):
        a = p["own"][i] if i < len(p["own"]) else ["", 0, 0]
        b = p["inclusive"][i] if i < len(p["inclusive"]) else ["", 0, 0]
        fa = f"`{a[0]}` | {a[1]:.3f} s | {a[2]:.0%}" if a[0] else " | |"
        fb = f"`{b[0]}` | {b[1]:.3f} s | {b[2]:.0%}" if b[0] else " | |"
        lines.append(f"| {fa} | | {fb} |")
    ctx.extra_md.append("\n".join(lines))
    return []


SECTIONS: list[tuple[str, Callable[[Context], list[Row]]]] = [
    ("Corpus", corpus_section),
    ("Extraction", extraction_section),
    ("Comparison", quantulum_section),
    ("Build", build_section),
    ("Warehouse reads", reads_section),
    ("Profile", profile_section),
    # ("Dashboard", dashboard_section): the app's page and query timings, against the largest
    # warehouse built (ctx.warehouses[max(ctx.warehouses)]) and its articles (ctx.corpora).
]


# -------------------------------------------------------------------------------------------- report


def machine() -> dict:
    cpu = "unknown CPU"
    mhz = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and cpu == "unknown CPU":
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("cpu MHz") and mhz is None:
                mhz = float(line.split(":", 1)[1])
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    import duckdb
    import pyarrow
    return {"cpu": cpu, "mhz": mhz, "cores": os.cpu_count(), "ram_gb": ram, "python": platform.python_version(),
            "duckdb": duckdb.__version__, "pyarrow": pyarrow.__version__,
            "os": f"{platform.system()} {platform.release()}", "git": _git()}


def _git() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "etl"], cwd=ROOT, capture_output=True,
                               text=True).stdout.strip()
    except OSError:
        return "unknown"
    return f"{head}" + (" with uncommitted changes in etl/" if dirty else "") if head else "unknown"


def _load() -> str:
    try:
        one, five, _ = os.getloadavg()
        return f"{one:.2f} (1 min) / {five:.2f} (5 min)"
    except OSError:
        return "unknown"


def render(ctx: Context, rows: list[Row], mode: str, started: datetime, seconds: float, info: dict,
           load_before: str, load_after: str) -> str:
    sizes = ", ".join(f"{n:,}" for n in sorted(ctx.args.sizes))
    lines = [
        f"### {mode.capitalize()} run, {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- Machine: {info['cpu']}" + (f" at {info['mhz']:,.0f} MHz" if info["mhz"] else "")
        + f", {info['cores']} cores, {info['ram_gb']:.1f} GB RAM ({info['os']})",
        f"- Software: Python {info['python']}, DuckDB {info['duckdb']}, pyarrow {info['pyarrow']}; "
        f"code at commit {info['git']}",
        f"- Corpus: synthetic (`benchmarks.generate`, seed {ctx.seed}); builds of {sizes} articles; "
        f"extraction on {ctx.args.extract_articles:,} articles",
        f"- Command: `python -m benchmarks.run {' '.join(ctx.args.argv)}`".rstrip() + f" ({seconds / 60:.1f} min)",
        f"- Load average before / after: {load_before}; {load_after} (the machine is shared: other load "
        "slows every row, the multi-process rows most)",
        "",
        "| Section | Measure | Result | Target | Met | Notes |",
        "| --- | --- | ---: | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(f"| {r.section} | {r.measure} | {r.result} | {r.target} | {_met(r.met) if r.target else ''} "
                     f"| {r.note} |")
    for extra in ctx.extra_md:
        lines += ["", extra]
    return "\n".join(lines) + "\n"


DOC_HEAD = """# Performance

How fast the ETL is at scale, measured by `python -m benchmarks.run` on a
synthetic corpus (`python -m benchmarks.generate`). The blocks between the
markers are rewritten by the runner; the prose around them is not.

"""


def write_doc(path: Path, mode: str, block: str) -> None:
    begin, end = f"<!-- benchmarks.run:{mode}:begin -->", f"<!-- benchmarks.run:{mode}:end -->"
    text = path.read_text(encoding="utf-8") if path.exists() else DOC_HEAD
    new = f"{begin}\n{block}{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + new + tail
    else:
        text = text.rstrip("\n") + f"\n\n## {mode.capitalize()} run\n\n{new}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="small sizes: a 10,000-article build, extraction on 2,000 (under 3 minutes)")
    parser.add_argument("--sizes", type=int, nargs="+", help="build sizes in articles (default 10000 100000; "
                                                             "--quick: 10000)")
    parser.add_argument("--extract-articles", type=int, help="articles for the extraction rows "
                                                             "(default 10000; --quick: 2000)")
    parser.add_argument("--quantulum-articles", type=int, help="articles for quantulum3 (default 200; --quick: 100)")
    parser.add_argument("--profile-articles", type=int, default=500, help="articles to profile (default 500)")
    parser.add_argument("--no-quantulum", action="store_true", help="skip the quantulum3 comparison")
    parser.add_argument("--no-profile", action="store_true", help="skip the profile")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out-md", type=Path, default=DEFAULT_MD, help=f"markdown file to update "
                                                                        f"(default {DEFAULT_MD.relative_to(ROOT)})")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument("--json", type=Path, help="also write every raw measurement here")
    parser.add_argument("--workdir", type=Path, help="where to put corpora and warehouses "
                                                     "(default: a temp dir, removed afterwards)")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    if args.sizes is None:
        args.sizes = [10_000] if args.quick else [10_000, 100_000]
    if args.extract_articles is None:
        args.extract_articles = 2_000 if args.quick else 10_000
    if args.quantulum_articles is None:
        args.quantulum_articles = 100 if args.quick else 200
    if args.quick:
        args.profile_articles = min(args.profile_articles, 300)
    if min(args.sizes) < 1 or args.extract_articles < 1:
        parser.error("sizes must be >= 1")
    args.quantulum_articles = min(args.quantulum_articles, max(args.sizes + [args.extract_articles]))
    args.profile_articles = min(args.profile_articles, max(args.sizes + [args.extract_articles]))
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    mode = "quick" if args.quick else ("full" if set(args.sizes) >= {10_000, 100_000} else "custom")
    started_at = datetime.now(timezone.utc)
    started = time.perf_counter()
    load_before = _load()
    own_dir = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="benchmarks-")) if own_dir else args.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    ctx = Context(args, workdir, args.seed)
    rows: list[Row] = []
    failed = False
    try:
        for name, section in SECTIONS:
            try:
                rows += section(ctx)
            except Exception as e:  # one broken section must not lose the others' numbers
                failed = True
                _log(f"section {name} failed: {type(e).__name__}: {e}")
                rows.append(Row(name, "section failed", "error", note=f"{type(e).__name__}: "
                                f"{str(e).strip().splitlines()[-1][:200] if str(e).strip() else ''}"))
    finally:
        if own_dir:
            shutil.rmtree(workdir, ignore_errors=True)
    seconds = time.perf_counter() - started
    block = render(ctx, rows, mode, started_at, seconds, machine(), load_before, _load())
    print(block)
    if args.json:
        args.json.write_text(json.dumps({"rows": [vars(r) for r in rows], "raw": ctx.raw}, indent=1, default=str))
    if not args.no_write:
        write_doc(args.out_md, mode, block)
        _log(f"wrote {args.out_md}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
