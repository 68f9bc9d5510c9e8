"""The dashboard at scale: page and query times over warehouses of 10^5 to 10^7 facts.

    python -m benchmarks.dashboard [--sizes 100000 1000000 10000000] [--runs 5] [--reuse DIR]

Facts are generated directly in DuckDB (no extraction), spread over every
indicator, place and the years 2010-2025, one article per ten facts. For each
size it times, in a fresh process: every page rendered server-side through
AppTest (median of --runs after a warm-up; "cold" clears the query cache
before each run, "warm" does not), every query a page runs, and the process's
peak RSS. Prints a markdown table.

--reuse DIR keeps each generated warehouse in DIR/<size>/ and uses it again on
the next run, as long as it was made from the same schema and build SQL (a
stamp file records their hash); otherwise it is generated afresh.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overview", "by_year", "by_district", "by_source", "data_quality", "downloads"]
EVERY_PLACE = ["by_year", "by_district"]
"""Pages also timed with no place chosen (the sidebar's default: every place)."""

FILL = """
INSERT INTO articles
SELECT 'g' || i, 'Generated article ' || i, DATE '2010-01-15' + CAST(i % 5800 AS INTEGER), NULL, 'stated', FALSE,
       'Benchmark', 'generated/' || i || '.txt', md5(CAST(i AS VARCHAR)), 4000, 0, NULL,
       'In ' || (2010 + i % 16) || ', the district set up ' || (i % 900) || ' new foreign-invested enterprises.'
FROM range({articles}) t(i);
UPDATE articles SET year = year(published);

INSERT INTO facts
WITH pick AS (
    SELECT i, ind.key AS indicator, ind.unit, ind.kind,
           (SELECT list(name ORDER BY name) FROM places WHERE level <> 'area') AS geos
    FROM range({facts}) t(i)
    JOIN (SELECT key, unit, kind, row_number() OVER (ORDER BY key) - 1 AS n FROM indicators) ind
      ON ind.n = i % 20
)
SELECT 'f' || i, 'g' || (i // 10), indicator,
       CASE unit WHEN 'USD' THEN 1e8 + CAST(hash(i) % 30000 AS BIGINT) * 1e6 ELSE 10 + CAST(hash(i) % 5000 AS BIGINT) END,
       unit, CASE unit WHEN 'USD' THEN 1e8 + CAST(hash(i) % 30000 AS BIGINT) * 1e6 ELSE 10 + CAST(hash(i) % 5000 AS BIGINT) END,
       unit, geos[1 + CAST(hash(i * 7) % len(geos) AS BIGINT)], NULL, NULL, 2010 + (i // 20) % 16,
       CASE WHEN kind = 'stock' THEN NULL ELSE make_date(2010 + (i // 20) % 16, 1, 1) END,
       CASE WHEN i % 9 = 0 THEN make_date(2010 + (i // 20) % 16, 6, 30)
            ELSE make_date(2010 + (i // 20) % 16, 12, 31) END,
       ['exact', 'exact', 'approx', 'at_least'][1 + i % 4],
       CASE WHEN i % 3 = 0 THEN CAST(hash(i) % 400 AS BIGINT) / 10.0 - 20 END,
       'A generated sentence that stands for the figure ' || i || '.', 0, 5, NULL, 'In 20'
FROM pick;
"""


def make_warehouse(directory: Path, facts: int) -> Path:
    """A served warehouse of `facts` generated facts."""
    from etl import warehouse

    db = directory / "warehouse.duckdb"
    articles = max(100, facts // 10)
    now = datetime.now(timezone.utc)
    record = warehouse.BuildRecord(warehouse.new_build_id(now), now, "generated", articles, articles, 0, [], [],
                                   "benchmark")
    warehouse.write_with(db, record, lambda con: con.execute(FILL.format(articles=articles, facts=facts)))
    return db


def _median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(db: Path, runs: int) -> dict:
    """Runs in a fresh process pointed at `db`: page and query timings, and peak RSS."""
    from streamlit.testing.v1 import AppTest

    from app import queries
    from app.queries import ViewFilter

    os.environ["DASHBOARD_DB"] = str(db)
    wh = queries.open_warehouse(db)
    shanghai = ViewFilter("fdi_actual_usd", 2010, 2025, ("Shanghai",))
    districts = ViewFilter("projects_signed_count", 2010, 2025,
                           tuple(queries.places(wh).query("level == 'district'")["name"]))
    query_runs = {
        "facts (table rows)": lambda: queries.facts(wh, shanghai),
        "count_facts": lambda: queries.count_facts(wh, shanghai),
        "observations (chart)": lambda: queries.observations(wh, shanghai),
        "observations, every place (chart)": lambda: queries.observations(wh, ViewFilter("fdi_actual_usd", 2010, 2025)),
        "latest (overview)": lambda: queries.latest(wh, ViewFilter(None, 2010, 2025, ("Shanghai",)), None),
        "latest, years 2015-2020 (at request)": lambda: queries.latest(wh, ViewFilter(None, 2015, 2020, ("Shanghai",)),
                                                                       None),
        "district_latest (map)": lambda: queries.district_latest(wh, districts),
        "conflicts (data quality)": lambda: queries.conflicts(wh, ViewFilter(None, 2010, 2025)),
        "article_facts (by source)": lambda: queries.article_facts(wh, "g1"),
    }
    result = {"queries": {}, "pages": {}}
    for name, run in query_runs.items():
        run()
        result["queries"][name] = _median_ms(lambda: (queries.clear_cache(), run()), runs)

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    at.query_params["places"] = "Shanghai"
    at.run()
    for page in PAGES:
        at.switch_page(f"pages/{page}.py")
        at.run()
        if page == "by_source":
            at.query_params["article"] = "g1"
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].value}")
        cold = _median_ms(lambda: (queries.clear_cache(), at.run()), runs)
        warm = _median_ms(at.run, runs)
        result["pages"][page] = {"cold": cold, "warm": warm}
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)
    at.run()
    for page in EVERY_PLACE:
        at.switch_page(f"pages/{page}.py")
        at.run()
        if at.exception:
            raise RuntimeError(f"{page}: {at.exception[0].value}")
        cold = _median_ms(lambda: (queries.clear_cache(), at.run()), runs)
        warm = _median_ms(at.run, runs)
        result["pages"][f"{page}, every place"] = {"cold": cold, "warm": warm}
    with open("/proc/self/status") as fh:
        result["peak_rss_mb"] = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM")) / 1024
    return result


def _stamp() -> str:
    """What a generated warehouse depends on: the schema, the build SQL and the fill."""
    from etl import warehouse

    text = "\n".join([warehouse.SCHEMA, warehouse.CURRENT_FACTS, FILL])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _generated(directory: Path, facts: int) -> tuple[Path, float]:
    """The warehouse of `facts` facts in `directory`, reused when its stamp matches; seconds spent making it."""
    db, stamp = directory / "warehouse.duckdb", directory / "stamp"
    if db.exists() and stamp.exists() and stamp.read_text() == _stamp():
        return db, float("nan")
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    start = time.perf_counter()
    make_warehouse(directory, facts)
    made = time.perf_counter() - start
    stamp.write_text(_stamp())
    return db, made


def run_size(facts: int, runs: int, reuse: Path | None = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        directory = (reuse / str(facts)) if reuse else Path(tmp) / "wh"
        db, made = _generated(directory, facts)
        size_mb = sum(p.stat().st_size for p in directory.rglob("*.duckdb") if not p.is_symlink()) / 1e6
        out = subprocess.run([sys.executable, "-m", "benchmarks.dashboard", "--measure", str(db), "--runs", str(runs)],
                             cwd=ROOT, capture_output=True, text=True, check=True)
        measured = json.loads(out.stdout.strip().splitlines()[-1])
    return {"facts": facts, "generate_s": made, "warehouse_mb": size_mb, "load_avg": os.getloadavg(), **measured}


def table(results: list[dict]) -> str:
    sizes = [f"{r['facts']:,} facts" for r in results]
    lines = ["| measure | " + " | ".join(sizes) + " |", "| --- |" + " ---: |" * len(results)]
    for page in PAGES + [f"{p}, every place" for p in EVERY_PLACE]:
        lines.append(f"| page `{page}`, cold cache (ms) | "
                     + " | ".join(f"{r['pages'][page]['cold']:.0f}" for r in results) + " |")
        lines.append(f"| page `{page}`, warm cache (ms) | "
                     + " | ".join(f"{r['pages'][page]['warm']:.0f}" for r in results) + " |")
    for name in results[0]["queries"]:
        lines.append(f"| query {name} (ms) | " + " | ".join(f"{r['queries'][name]:.1f}" for r in results) + " |")
    lines.append("| process peak RSS (MB) | " + " | ".join(f"{r['peak_rss_mb']:.0f}" for r in results) + " |")
    lines.append("| warehouse file (MB) | " + " | ".join(f"{r['warehouse_mb']:.0f}" for r in results) + " |")
    lines.append("| generate warehouse (s) | " + " | ".join(f"{r['generate_s']:.1f}" for r in results) + " |")
    lines.append("| load average after (1/5/15 min) | "
                 + " | ".join("/".join(f"{x:.1f}" for x in r["load_avg"]) for r in results) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", type=Path, help="keep generated warehouses here and reuse them")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.runs)))
        return 0
    results = []
    for size in args.sizes:
        results.append(run_size(size, args.runs, args.reuse))
        print(f"measured {size:,} facts", file=sys.stderr)
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
