"""The only module that writes DuckDB: schema, bulk load, atomic switch.

A warehouse path such as `data/warehouse.duckdb` is a symbolic link to one
immutable build file in `data/warehouse.duckdb.versions/`. A build writes a
new file next to the others and then replaces the link with `os.replace`,
which is atomic: a reader opens either the old build or the new one, never a
half-written file, and a build killed at any moment leaves the link pointing
at the last good build. Readers key their connections on `version()`.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import re
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa

from etl.files import fsync_directory
from etl.indicators import catalog
from etl.places import all_places

_SCHEMA_TABLES = re.compile(r"CREATE TABLE (\w+)")

READ_MEMORY_LIMIT = "80MB"
"""DuckDB buffer pool for the dashboard's read-only connection. It fills with cached
table blocks up to the limit, so it adds to the process's RSS one for one: in the
dashboard benchmark at 10^7 facts the process peaks at ~385 MB with 80MB (~400 with
96MB, ~420 with 128MB, ~440 with 192MB).
Pages read slices of a sorted table and small precomputed ones, so a smaller pool
re-reads blocks from the OS page cache without slowing a page past its target."""

KEEP_VERSIONS = 2
"""Builds kept on disk: the current one and the one before it."""

WRITE_CONFIG = {"memory_limit": "1GB", "checkpoint_threshold": "1GB"}
"""DuckDB settings of a build's write connection. A capped buffer pool (DuckDB spills
to a temp directory beside the build file past it) keeps a build from taking most of
the machine's memory. The high checkpoint threshold means one checkpoint at the end of
a write, instead of automatic ones inside the derived-table statements whenever the
WAL passes DuckDB's default 16 MB (each rewrites what changed so far, again)."""

UNIQUE_KEYS = (("articles", "id"), ("facts", "fact_id"), ("unclassified_figures", "figure_id"))
"""Keys of the big base tables, checked by `_check_keys` after rows are loaded. They are
not PRIMARY KEYs: an ART index over a million string keys is ~100 MB of the file at 10^5
articles (copied by every incremental build) and is maintained on every insert and
delete; one GROUP BY per write checks the same thing (~0.1 s at 10^5 articles)."""

# Article text is compressed with zstd instead of DuckDB's default (dictionary + FSST):
# at 100,000 synthetic articles the build's final checkpoint spends ~1 s of CPU on the
# text instead of ~4.5 s, and the text takes a quarter of the bytes (so a patched
# rebuild copies a smaller file). Reading one article decompresses its block: ~5-10 ms
# more for the one-article view, still far inside a page's budget.
SCHEMA = """
CREATE TABLE indicators (
    key VARCHAR PRIMARY KEY,
    label VARCHAR NOT NULL,
    unit VARCHAR NOT NULL CHECK (unit IN ('USD', 'count', 'batches', 'sqm')),
    tier VARCHAR NOT NULL CHECK (tier IN ('core', 'activity')),
    kind VARCHAR NOT NULL CHECK (kind IN ('flow', 'stock', 'event')),
    description VARCHAR
);
CREATE TABLE places (
    name VARCHAR PRIMARY KEY,
    level VARCHAR NOT NULL CHECK (level IN ('country', 'city', 'district', 'area')),
    parent VARCHAR,
    geo VARCHAR NOT NULL
);
CREATE TABLE articles (
    id VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    published DATE,
    year INTEGER,
    date_status VARCHAR NOT NULL CHECK (date_status IN ('stated', 'inferred', 'unknown')),
    date_inferred BOOLEAN NOT NULL,
    outlet VARCHAR,
    path VARCHAR,
    content_hash VARCHAR NOT NULL,
    file_size BIGINT,
    file_mtime_ns BIGINT,
    warnings VARCHAR,
    text VARCHAR NOT NULL USING COMPRESSION zstd
);
CREATE TABLE facts (
    fact_id VARCHAR NOT NULL,
    article VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL REFERENCES indicators(key),
    value DOUBLE,
    unit VARCHAR NOT NULL,
    original_value DOUBLE NOT NULL,
    original_unit VARCHAR NOT NULL,
    geo VARCHAR NOT NULL REFERENCES places(name),
    area VARCHAR,
    counterpart VARCHAR,
    year INTEGER,
    period_start DATE,
    period_end DATE,
    qualifier VARCHAR NOT NULL CHECK (qualifier IN ('exact', 'approx', 'at_least', 'at_most')),
    yoy_pct DOUBLE,
    sentence VARCHAR NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL CHECK (char_end > char_start),
    value_note VARCHAR,
    figure_text VARCHAR NOT NULL
);
CREATE TABLE unclassified_figures (
    figure_id VARCHAR NOT NULL,
    article VARCHAR NOT NULL,
    text VARCHAR NOT NULL,
    value DOUBLE,
    kind VARCHAR NOT NULL,
    sentence VARCHAR NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL
);
CREATE TABLE corrections (
    correction_id VARCHAR PRIMARY KEY,
    fact_id VARCHAR NOT NULL,
    action VARCHAR NOT NULL CHECK (action IN ('update', 'reject')),
    changes VARCHAR,
    reason VARCHAR NOT NULL,
    author VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('applied', 'orphaned'))
);
CREATE TABLE builds (
    build_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    articles_dir VARCHAR,
    articles_seen INTEGER NOT NULL,
    articles_loaded INTEGER NOT NULL,
    articles_reused INTEGER NOT NULL,
    articles_skipped INTEGER NOT NULL,
    skipped VARCHAR,
    warnings VARCHAR,
    facts INTEGER NOT NULL,
    unclassified INTEGER NOT NULL,
    corrections_applied INTEGER NOT NULL,
    corrections_orphaned INTEGER NOT NULL,
    extractor_version VARCHAR NOT NULL,
    data_hash VARCHAR,
    write_mode VARCHAR,
    inputs VARCHAR
);
"""

# The most recent figure first: by the period's end, then full years before part
# years, then the later article; fact_id settles any tie so the choice is stable.
# (The dashboard's "latest" query and the `latest_by_year` table below both use it.)
# A struct compares field by field (4x cheaper than the formatted string it replaced,
# same order); no period and no year means no recency, so such a fact is never "latest".
RECENCY = ("CASE WHEN coalesce(period_end, period_start, make_date(year, 12, 31)) IS NOT NULL THEN "
           "struct_pack(period := coalesce(period_end, period_start, make_date(year, 12, 31)), "
           "full_year := full_year, published := coalesce(published, DATE '0001-01-01'), fact_id := fact_id) END")

# Facts as every view and export sees them: corrections applied, rejected facts
# gone, each with the words officials read (label, period) and its source.
# A table, not a view: built once per build, so pages read one table instead of
# joining four; sorted by indicator and year so a filtered scan skips row groups.
# The corrected facts are a step of this one statement, not a table of their own:
# a 100,000-article build spent ~1 s of CPU writing that copy of every fact.
CURRENT_FACTS = """
CREATE TABLE facts_current AS
WITH latest AS (
    SELECT * FROM corrections WHERE status = 'applied'
    QUALIFY row_number() OVER (PARTITION BY fact_id ORDER BY created_at DESC, correction_id DESC) = 1
),
corrected AS (
    SELECT f.fact_id, f.article,
           coalesce(json_extract_string(c.changes, '$.indicator'), f.indicator) AS indicator,
           coalesce(TRY_CAST(json_extract_string(c.changes, '$.value') AS DOUBLE), f.value) AS value,
           f.unit, f.original_value, f.original_unit,
           coalesce(json_extract_string(c.changes, '$.geo'), f.geo) AS geo,
           f.area, f.counterpart,
           coalesce(TRY_CAST(json_extract_string(c.changes, '$.year') AS INTEGER), f.year) AS year,
           CASE WHEN json_exists(c.changes, '$.period_start')
                THEN TRY_CAST(json_extract_string(c.changes, '$.period_start') AS DATE) ELSE f.period_start END AS period_start,
           CASE WHEN json_exists(c.changes, '$.period_end')
                THEN TRY_CAST(json_extract_string(c.changes, '$.period_end') AS DATE) ELSE f.period_end END AS period_end,
           f.qualifier, f.yoy_pct, f.sentence, f.char_start, f.char_end, f.value_note, f.figure_text,
           c.correction_id IS NOT NULL AS corrected, c.reason AS correction_reason
    FROM facts f LEFT JOIN latest c USING (fact_id)
    WHERE c.action IS DISTINCT FROM 'reject'
)
SELECT f.fact_id, f.article, f.indicator, i.label, i.tier, i.kind AS indicator_kind,
       f.value, f.unit, f.original_value, f.original_unit, f.geo, p.level AS geo_level, f.area,
       f.counterpart, f.year, f.period_start, f.period_end, f.qualifier, f.yoy_pct,
       f.sentence, f.char_start, f.char_end, f.figure_text,
       f.value_note, f.corrected, f.correction_reason,
       a.title, a.published, a.date_status, a.outlet,
       CASE
         WHEN f.period_start IS NOT NULL AND f.period_end IS NOT NULL AND f.period_start = f.period_end
           THEN strftime(f.period_start, '%Y-%m-%d')
         WHEN month(f.period_start) = 1 AND day(f.period_start) = 1 AND month(f.period_end) = 12
              AND day(f.period_end) = 31 AND year(f.period_start) = year(f.period_end)
           THEN CAST(year(f.period_start) AS VARCHAR)
         WHEN f.period_start IS NOT NULL AND f.period_end IS NOT NULL
           THEN CAST(year(f.period_start) AS VARCHAR) || ' ' || strftime(f.period_start, '%b') || '–' || strftime(f.period_end, '%b')
         WHEN f.period_start IS NOT NULL
           THEN CAST(year(f.period_start) AS VARCHAR) || ' from ' || strftime(f.period_start, '%b')
         WHEN f.period_end IS NOT NULL
           THEN 'as of ' || strftime(f.period_end, '%Y-%m-%d')
         ELSE CAST(f.year AS VARCHAR) || ' (period not stated)'
       END AS period_label,
       (month(f.period_start) = 1 AND day(f.period_start) = 1 AND month(f.period_end) = 12
        AND day(f.period_end) = 31 AND year(f.period_start) = year(f.period_end)) IS TRUE AS full_year
FROM corrected f
JOIN indicators i ON i.key = f.indicator
JOIN places p ON p.name = f.geo
JOIN articles a ON a.id = f.article
ORDER BY f.indicator, f.year, f.geo;

-- Indicator, place and period on which sources disagree: a small table, so the
-- Data quality page does not group every fact on each request.
CREATE TABLE disputed AS
SELECT indicator, geo, coalesce(counterpart, '') AS cp, year, period_start, period_end
FROM facts_current WHERE value IS NOT NULL
GROUP BY ALL HAVING count(DISTINCT value) > 1;

-- The latest figure of every indicator for each place in each year, over every source
-- (rows of facts_current, chosen by RECENCY). The latest over any span of years is the
-- latest of these, so Overview and the district map choose among a few thousand rows
-- instead of every fact, whatever the year filter.
CREATE TABLE latest_by_year AS
SELECT * FROM facts_current WHERE fact_id IN (
    SELECT arg_max(fact_id, {recency}) FROM facts_current
    WHERE value IS NOT NULL GROUP BY indicator, geo, year)
ORDER BY indicator, geo, year;

-- Facts left out of facts_current, as extracted: rejected by an analyst's correction.
-- By source lists them without reading `facts`. Only a corrected fact can be missing
-- from facts_current (the schema refuses a fact naming an indicator or place the
-- catalog lacks), so only those are looked at.
CREATE TABLE facts_rejected AS
SELECT f.*, i.label
FROM facts f LEFT JOIN indicators i ON i.key = f.indicator
WHERE f.fact_id IN (SELECT fact_id FROM corrections WHERE status = 'applied')
  AND f.fact_id NOT IN (SELECT fact_id FROM facts_current WHERE corrected);
""".replace("{recency}", RECENCY)



@dataclass(frozen=True)
class BuildRecord:
    build_id: str
    started_at: datetime
    articles_dir: str
    articles_seen: int
    articles_loaded: int
    articles_reused: int
    skipped: list[dict]
    warnings: list[str]
    extractor_version: str
    write_mode: str = "full"
    """full: every row written into a new file; incremental: the served file copied and patched."""
    inputs: dict = field(default_factory=dict)
    """What a later build compares to decide whether anything changed (see `read_served`)."""


def versions_dir(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".versions")


def version(db_path: str | Path) -> str | None:
    """The build the warehouse path serves now, or None when there is none."""
    try:
        return Path(os.readlink(db_path)).stem
    except (FileNotFoundError, OSError):
        return None


def current_file(db_path: str | Path) -> Path | None:
    """The build file the warehouse path points at, if it exists."""
    db_path = Path(db_path)
    if version(db_path) is None:
        return None
    target = db_path.parent / os.readlink(db_path)
    return target if target.exists() else None


def connect_read(db_path: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the build served now."""
    target = current_file(db_path)
    if target is None:
        raise FileNotFoundError(f"{db_path}: no warehouse has been built yet (run: python -m etl build)")
    return _open_read(target)


def _open_read(target: Path) -> duckdb.DuckDBPyConnection:
    # One config for every read-only open: DuckDB refuses a second open of the same
    # file in one process with different settings. The dashboard reads small slices,
    # so a capped buffer pool keeps it small at millions of facts.
    return duckdb.connect(str(target), read_only=True, config={"memory_limit": READ_MEMORY_LIMIT})


def new_build_id(now: datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:6]


def _insert(con, table: str, data: pa.Table | list[dict], columns: list[str]) -> None:
    if isinstance(data, list):
        data = pa.Table.from_pylist(data) if data else None
    if data is None or data.num_rows == 0:
        return
    con.register("incoming", data.select(columns))
    con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM incoming")
    con.unregister("incoming")


CORRECTION_COLUMNS = ["correction_id", "fact_id", "action", "changes", "reason", "author", "created_at"]

# Arrow types of extracted rows, so that build workers hand over typed tables (a
# chunk in which every value of a column is null still has that column's type).
# A fact's figure_text is its article's text[char_start:char_end], cut by the worker
# that holds the text: facts_current then reads no article text (joining every
# fact to its article's text cost a 100,000-article build ~1.3 s of CPU at the end).
ARTICLE_ARROW = pa.schema([
    ("id", pa.string()), ("title", pa.string()), ("published", pa.date32()), ("year", pa.int32()),
    ("date_status", pa.string()), ("date_inferred", pa.bool_()), ("outlet", pa.string()), ("path", pa.string()),
    ("content_hash", pa.string()), ("file_size", pa.int64()), ("file_mtime_ns", pa.int64()),
    ("warnings", pa.string()), ("text", pa.string())])
FACT_ARROW = pa.schema([
    ("fact_id", pa.string()), ("article", pa.string()), ("indicator", pa.string()), ("value", pa.float64()),
    ("unit", pa.string()), ("original_value", pa.float64()), ("original_unit", pa.string()), ("geo", pa.string()),
    ("area", pa.string()), ("counterpart", pa.string()), ("year", pa.int32()), ("period_start", pa.string()),
    ("period_end", pa.string()), ("qualifier", pa.string()), ("yoy_pct", pa.float64()), ("sentence", pa.string()),
    ("char_start", pa.int32()), ("char_end", pa.int32()), ("value_note", pa.string()),
    ("figure_text", pa.string())])
FIGURE_ARROW = pa.schema([
    ("figure_id", pa.string()), ("article", pa.string()), ("text", pa.string()), ("value", pa.float64()),
    ("kind", pa.string()), ("sentence", pa.string()), ("char_start", pa.int32()), ("char_end", pa.int32())])
ARTICLE_COLUMNS, FACT_COLUMNS, FIGURE_COLUMNS = ARTICLE_ARROW.names, FACT_ARROW.names, FIGURE_ARROW.names

PER_ARTICLE_DERIVED = ("facts_current",)
"""Derived tables each of whose rows comes from one fact of one article (with that fact's
corrections): an incremental build deletes and re-derives only the affected articles'
rows of these. Anything else the derived SQL creates (`disputed`, or a table added
later) is recomputed in full; a derived table that aggregates across articles must
never be listed here."""


def schema_hash() -> str:
    """A hash of the SQL a build runs: a build served under other SQL is never kept or patched."""
    return hashlib.blake2b((SCHEMA + CURRENT_FACTS).encode(), digest_size=8).hexdigest()


def insert_rows(con, articles: pa.Table | None = None, facts: pa.Table | None = None,
                figures: pa.Table | None = None) -> None:
    """Append extracted rows (a batch of articles) to a build being written."""
    if articles is not None:
        _insert(con, "articles", articles, ARTICLE_COLUMNS)
    if facts is not None:
        _insert(con, "facts", facts, FACT_COLUMNS)
    if figures is not None:
        _insert(con, "unclassified_figures", figures, FIGURE_COLUMNS)


def _check_keys(con) -> None:
    """What the dropped PRIMARY KEY and REFERENCES constraints of the big base tables
    guaranteed: each key in UNIQUE_KEYS unique and not null, and every fact and
    unclassified figure of an article that is loaded. Raises duckdb.ConstraintException
    naming the first offending id, so the build fails as a violated constraint did."""
    for table, key in UNIQUE_KEYS:
        duplicate = con.execute(f"SELECT {key}, count(*) FROM {table} GROUP BY {key} "
                                f"HAVING count(*) > 1 LIMIT 1").fetchall()
        if duplicate:
            raise duckdb.ConstraintException(
                f"{table}.{key}: duplicate key {duplicate[0][0]!r} ({duplicate[0][1]} rows); "
                f"each {key} must be unique")
    for table in ("facts", "unclassified_figures"):
        orphan = con.execute(f"SELECT article FROM {table} ANTI JOIN articles ON {table}.article = articles.id "
                             "LIMIT 1").fetchall()
        if orphan:
            raise duckdb.ConstraintException(
                f"{table}.article: {orphan[0][0]!r} is not an article of this build")


def _load_corrections(con, corrections: list[dict]) -> None:
    rows = [{**c, "changes": json.dumps(c.get("changes") or {})} for c in corrections]
    _insert(con, "corrections", [{**r, "status": "applied"} for r in rows], CORRECTION_COLUMNS + ["status"])
    con.execute("UPDATE corrections SET status = 'orphaned' WHERE fact_id NOT IN (SELECT fact_id FROM facts)")


def _derived_statements() -> list[str]:
    return [s.query for s in duckdb.extract_statements(CURRENT_FACTS)]


def _derive(con) -> None:
    """Create every derived table from the base tables (in a new build file)."""
    con.execute(CURRENT_FACTS)


def write_with(db_path: Path, record: BuildRecord, load, *, corrections: list[dict] | None = None) -> dict:
    """Write a complete new build whose rows `load(con)` inserts, and make it the one served.

    `load` may return a BuildRecord (same build id) that replaces `record`: a
    build that streams its rows in only knows what it skipped once they are in.
    Nothing is visible to readers until the final `os.replace`; on any error
    the partial file is removed and the previous build stays current. Call
    under `build_lock`. (Benchmarks fill builds of millions of facts with SQL
    through this, without holding the rows in Python.)
    """
    def write(con) -> BuildRecord:
        con.execute(SCHEMA)
        _insert(con, "indicators", [vars(i) for i in catalog().values()],
                ["key", "label", "unit", "tier", "kind", "description"])
        _insert(con, "places", [{"name": p.name, "level": p.level, "parent": p.parent, "geo": p.geo}
                                for p in all_places()], ["name", "level", "parent", "geo"])
        final = _load_rows(con, load, record, corrections or [])
        _derive(con)
        return final

    return _publish(db_path, record.build_id, lambda target: _fill(target, write))


def write_incremental(db_path: Path, record: BuildRecord, load, *, gone: list[str],
                      corrections: list[dict]) -> dict:
    """A new build made from a copy of the served one: the rows of the articles in
    `gone` (changed, removed, or now unreadable) deleted, the rows `load(con)`
    inserts added, corrections reloaded and the derived tables patched, then
    served with the same atomic switch as `write_with`.

    The result holds the same data as a complete write of the same articles (the
    build's `data_hash` is the same). Derived tables listed in PER_ARTICLE_DERIVED
    are re-derived for the affected articles only (changed ones, and those whose
    facts a correction names, before or after); the others are recomputed. Call
    under `build_lock`.
    """
    source = current_file(db_path)
    if source is None:
        raise FileNotFoundError(f"{db_path}: no served build to patch")

    def write(con) -> BuildRecord:
        con.execute("DROP SCHEMA IF EXISTS delta CASCADE")
        con.execute("CREATE SCHEMA delta")
        con.register("gone_ids", pa.table({"id": pa.array(gone, pa.string())}))
        con.execute("CREATE TABLE delta.gone AS SELECT DISTINCT id FROM gone_ids")
        con.unregister("gone_ids")
        # Articles whose derived rows may change: gone ones, and those whose facts a
        # correction names (the corrections file may have changed).
        con.execute("CREATE TABLE delta.affected AS SELECT id FROM delta.gone UNION "
                    "SELECT f.article FROM corrections c JOIN facts f USING (fact_id)")
        con.execute("DELETE FROM builds")
        con.execute("DELETE FROM corrections")
        for table, key in (("unclassified_figures", "article"), ("facts", "article"), ("articles", "id")):
            con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT id FROM delta.gone)")
        con.execute("CREATE TABLE delta.kept AS SELECT id FROM articles")
        final = _load_rows(con, load, record, corrections)
        con.execute("INSERT INTO delta.affected SELECT id FROM articles ANTI JOIN delta.kept USING (id) "
                    "UNION ALL SELECT f.article FROM corrections c JOIN facts f USING (fact_id)")
        _rederive(con)
        con.execute("DROP SCHEMA delta CASCADE")
        return final

    def fill(target: Path) -> dict:
        shutil.copyfile(source, target)
        return _fill(target, write)

    return _publish(db_path, record.build_id, fill)


def _fill(target: Path, write) -> dict:
    """Write one build file: `write(con)` fills it and returns the record to store;
    then the build row and a checkpoint. Returns the build's summary row."""
    con = duckdb.connect(str(target), config=WRITE_CONFIG)
    try:
        summary = _record_build(con, write(con))
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return summary


def _load_rows(con, load, record: BuildRecord, corrections: list[dict]) -> BuildRecord:
    """The articles' rows (`load(con)`, which may return the final record), checked,
    then the corrections; the record to store."""
    # Rows arrive while the extraction workers keep every core busy: a second DuckDB
    # thread only splits small appends (1.4 s more CPU over a 100k-article build's
    # appends, 5.0 against 3.6 s) and competes with the workers for the cores.
    con.execute("SET threads = 1")
    final = load(con)
    con.execute("RESET threads")
    _check_keys(con)
    _load_corrections(con, corrections)
    return final if isinstance(final, BuildRecord) else record


def _rederive(con) -> None:
    """Bring the derived tables of a patched build up to date with its base tables.

    Runs each statement of the derived SQL in a `delta` schema searched before
    `main`, where `facts` and `articles` are views of the affected articles
    only: a PER_ARTICLE_DERIVED table comes out holding the affected articles'
    rows, which replace theirs in `main`. From the first statement that creates
    anything else on, statements are run again on `main` in full. Anything
    unexpected (a statement that creates nothing, or fails) re-derives
    everything from scratch, as a complete write does.
    """
    con.execute("CREATE VIEW delta.facts AS SELECT * FROM main.facts "
                "WHERE article IN (SELECT id FROM delta.affected)")
    con.execute("CREATE VIEW delta.articles AS SELECT * FROM main.articles "
                "WHERE id IN (SELECT id FROM delta.affected)")
    for table in PER_ARTICLE_DERIVED:
        con.execute(f"DELETE FROM main.{table} WHERE article IN (SELECT id FROM delta.affected)")
    in_full = False
    try:
        for statement in _derived_statements():
            created = _run_in_delta(con, statement)
            if not created:
                raise _Unexpected(statement)
            if not in_full and all(kind == "TABLE" and name in PER_ARTICLE_DERIVED for name, kind in created):
                for name, _ in created:
                    con.execute(f'INSERT INTO main."{name}" BY NAME SELECT * FROM delta."{name}"')
                continue
            in_full = True  # from here on, what the statements read in main is complete
            for name, kind in created:
                con.execute(f'DROP {kind} delta."{name}"')
                con.execute(f'DROP {kind} IF EXISTS main."{name}"')
            con.execute("SET search_path = 'main'")
            con.execute(statement)
    except (_Unexpected, duckdb.Error):
        con.execute("SET search_path = 'main'")
        _drop_derived(con)
        _derive(con)
    finally:
        con.execute("SET search_path = 'main'")


class _Unexpected(Exception):
    """A derived statement did something an incremental build does not know how to patch."""


def _run_in_delta(con, statement: str) -> list[tuple[str, str]]:
    """Run one derived statement with `delta` searched first; the (name, TABLE|VIEW) it created there."""
    def objects():
        return set(con.execute(
            "SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE schema_name = 'delta' "
            "UNION ALL SELECT view_name, 'VIEW' FROM duckdb_views() WHERE schema_name = 'delta' AND NOT internal"
        ).fetchall())
    before = objects()
    con.execute("SET search_path = 'delta,main'")
    try:
        con.execute(statement)
    finally:
        con.execute("SET search_path = 'main'")
    return sorted(objects() - before)


def _drop_derived(con) -> None:
    """Drop every table and view of `main` that the schema does not create."""
    base = {name.lower() for name in _SCHEMA_TABLES.findall(SCHEMA)}
    for name, in con.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal").fetchall():
        con.execute(f'DROP VIEW IF EXISTS main."{name}"')
    for name, in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall():
        if name.lower() not in base:
            con.execute(f'DROP TABLE IF EXISTS main."{name}"')


def _publish(db_path: Path, build_id: str, fill) -> dict:
    """Make a new build file with `fill(target)` and switch the served link to it.

    Nothing is visible to readers until the final `os.replace`; on any error
    (or interrupt) the partial file is removed and the previous build stays
    served; a build killed outright leaves a file newer than the served one,
    which `discard_unfinished` removes at the next build.
    """
    discard_unfinished(db_path)
    directory = versions_dir(db_path)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{build_id}.duckdb"
    try:
        summary = fill(target)
        _switch(db_path, target)
    except BaseException:
        for leftover in (target, target.with_name(target.name + ".wal")):
            try:
                leftover.unlink(missing_ok=True)
            except OSError:  # e.g. a read-only directory: keep the error that stopped the build
                pass
        raise
    try:
        _clean_old_versions(db_path)
    except OSError:
        pass  # the new build is served; old files are removed by the next build
    return summary


def _record_build(con, record: BuildRecord) -> dict:
    facts, = con.execute("SELECT count(*) FROM facts").fetchall()[0]
    unclassified, = con.execute("SELECT count(*) FROM unclassified_figures").fetchall()[0]
    applied, orphaned = con.execute(
        "SELECT count(*) FILTER (WHERE status = 'applied'), count(*) FILTER (WHERE status = 'orphaned') "
        "FROM corrections").fetchall()[0]
    # Order-independent (fact_id is unique, so every row is distinct): no sort of every
    # fact's text, 3x cheaper than an md5 of the sorted rows, same for the same data.
    xor, = con.execute(
        "SELECT bit_xor(md5_number(fact_id || '|' || coalesce(CAST(value AS VARCHAR), '') || '|' || geo "
        "|| '|' || coalesce(CAST(year AS VARCHAR), '') || '|' || indicator)) FROM facts_current").fetchall()[0]
    data_hash = f"{xor or 0:032x}"
    row = {
        "build_id": record.build_id, "started_at": record.started_at.replace(tzinfo=None),
        "finished_at": datetime.now(timezone.utc).replace(tzinfo=None),
        "articles_dir": record.articles_dir, "articles_seen": record.articles_seen,
        "articles_loaded": record.articles_loaded, "articles_reused": record.articles_reused,
        "articles_skipped": len(record.skipped), "skipped": json.dumps(record.skipped),
        "warnings": json.dumps(record.warnings), "facts": facts, "unclassified": unclassified,
        "corrections_applied": applied, "corrections_orphaned": orphaned,
        "extractor_version": record.extractor_version, "data_hash": data_hash,
        "write_mode": record.write_mode, "inputs": json.dumps(record.inputs, sort_keys=True),
    }
    _insert(con, "builds", [row], list(row))
    return row


def _switch(db_path: Path, target: Path) -> None:
    link = db_path.with_name(f".{db_path.name}.{target.stem}.link")
    link.unlink(missing_ok=True)
    os.symlink(os.path.relpath(target, db_path.parent), link)
    if db_path.exists() and not db_path.is_symlink():
        raise FileExistsError(f"{db_path}: a plain file is in the way of the warehouse link; move it aside")
    os.replace(link, db_path)
    fsync_directory(db_path.parent)  # the switch itself survives a power cut, not only a killed process


def _clean_old_versions(db_path: Path) -> None:
    """Delete builds older than the last KEEP_VERSIONS. Readers that still hold an
    old file open keep reading it: on POSIX the data lives until they close it."""
    current = current_file(db_path)
    builds = sorted(versions_dir(db_path).glob("*.duckdb"))
    for old in builds[:-KEEP_VERSIONS]:
        if current is None or old.resolve() != current.resolve():
            old.unlink(missing_ok=True)
            old.with_name(old.name + ".wal").unlink(missing_ok=True)


def discard_unfinished(db_path: Path) -> None:
    """Remove what killed builds left behind: build files newer than the one served
    (a build that finished would be the one served), their WAL files, and links
    that were never switched in. Call under `build_lock`, so no build is writing."""
    current = current_file(db_path)
    directory = versions_dir(db_path)
    if current is not None and directory.is_dir():
        for path in directory.iterdir():
            stem = path.name.split(".duckdb", 1)[0]
            unfinished = stem > current.stem
            orphan_wal = path.name.endswith(".wal") and not path.with_name(path.name[:-len(".wal")]).exists()
            if unfinished or orphan_wal:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)  # DuckDB's spill directory
                else:
                    path.unlink(missing_ok=True)
    for link in db_path.parent.glob(f".{db_path.name}.*.link"):
        link.unlink(missing_ok=True)


class BuildInProgress(Exception):
    """Another build of the same warehouse is running."""


@contextmanager
def build_lock(db_path: Path):
    """Hold the warehouse's build lock: one build at a time writes a warehouse path.

    Two builds at once would each delete the other's files as old versions. The
    lock is an advisory `flock` on a file beside the warehouse, released by the
    kernel when the process ends, however it ends: a killed build never leaves
    a stale lock.
    """
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(db_path.with_name(f".{db_path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:  # a read-only or full data directory: name the directory, not the lock file
        raise OSError(e.errno, e.strerror, str(db_path.parent)) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            raise BuildInProgress(f"{db_path}: another build is running"
                                  + (f" (process {holder})" if holder else "")
                                  + "; try again when it has finished") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@dataclass
class Served:
    """What a build needs to know of the build served now."""
    file: Path
    file_bytes: int
    articles: dict[str, dict]
    """Article id -> path, content_hash, file_size, file_mtime_ns."""
    build: dict
    """Its `builds` row, `skipped`, `warnings` and `inputs` as stored (JSON text)."""

    @property
    def inputs(self) -> dict:
        try:
            return json.loads(self.build.get("inputs") or "{}")
        except ValueError:
            return {}

    @property
    def skipped(self) -> list[dict]:
        try:
            return json.loads(self.build.get("skipped") or "[]")
        except ValueError:
            return []


def read_served(db_path: Path, extractor_version: str) -> Served | None:
    """The served build's article index and build record, when it was built by the
    current extractor; None when nothing can be reused (no build, an unreadable
    file, another extractor version, a build from an older schema)."""
    target = current_file(db_path)
    if target is None:
        return None
    try:
        con = _open_read(target)
    except duckdb.Error:
        return None
    try:
        cursor = con.execute("SELECT * FROM builds ORDER BY finished_at DESC LIMIT 1")
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        if not rows:
            return None
        build = dict(zip(names, rows[0]))
        if build.get("extractor_version") != extractor_version:
            return None
        index = con.execute("SELECT id, path, content_hash, file_size, file_mtime_ns FROM articles").fetchall()
        articles = {r[0]: {"path": r[1], "content_hash": r[2], "file_size": r[3], "file_mtime_ns": r[4]}
                    for r in index}
        size = target.stat().st_size
    except (duckdb.Error, OSError):  # a build from an older schema: nothing to reuse, extract afresh
        return None
    finally:
        con.close()
    return Served(target, size, articles, build)


def reuse(db_path: Path, article_ids: list[str]) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Articles, facts and unclassified figures of unchanged articles, from the served build."""
    target = current_file(db_path)
    con = _open_read(target)
    try:
        con.register("keep", pa.table({"id": pa.array(article_ids, pa.string())}))
        articles = con.sql(f"SELECT {', '.join(ARTICLE_COLUMNS)} FROM articles SEMI JOIN keep USING (id)").to_arrow_table()
        facts = con.sql(f"SELECT {', '.join(FACT_COLUMNS)} FROM facts SEMI JOIN keep ON facts.article = keep.id").to_arrow_table()
        figures = con.sql(f"SELECT {', '.join(FIGURE_COLUMNS)} FROM unclassified_figures u "
                          "SEMI JOIN keep ON u.article = keep.id").to_arrow_table()
        return articles, facts, figures
    finally:
        con.close()
