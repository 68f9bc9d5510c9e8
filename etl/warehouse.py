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
import json
import os
import shutil
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa

from etl.files import fsync_directory
from etl.indicators import catalog
from etl.places import all_places

READ_MEMORY_LIMIT = "192MB"
"""DuckDB buffer pool for the dashboard's read-only connection."""

KEEP_VERSIONS = 2
"""Builds kept on disk: the current one and the one before it."""

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
    id VARCHAR PRIMARY KEY,
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
    text VARCHAR NOT NULL
);
CREATE TABLE facts (
    fact_id VARCHAR PRIMARY KEY,
    article VARCHAR NOT NULL REFERENCES articles(id),
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
    value_note VARCHAR
);
CREATE TABLE unclassified_figures (
    figure_id VARCHAR PRIMARY KEY,
    article VARCHAR NOT NULL REFERENCES articles(id),
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
    data_hash VARCHAR
);
"""

# Facts as every view and export sees them: corrections applied, rejected facts
# gone, each with the words officials read (label, period) and its source.
# A table, not a view: built once per build, so pages read one table instead of
# joining four; sorted by indicator and year so a filtered scan skips row groups.
CURRENT_FACTS = """
CREATE TABLE facts_current AS
SELECT f.fact_id, f.article, f.indicator, i.label, i.tier, i.kind AS indicator_kind,
       f.value, f.unit, f.original_value, f.original_unit, f.geo, p.level AS geo_level, f.area,
       f.counterpart, f.year, f.period_start, f.period_end, f.qualifier, f.yoy_pct,
       f.sentence, f.char_start, f.char_end, substring(a.text, f.char_start + 1, f.char_end - f.char_start) AS figure_text,
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
FROM facts_corrected f
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
"""

CORRECTED_FACTS = """
CREATE TABLE facts_corrected AS
WITH latest AS (
    SELECT * FROM corrections WHERE status = 'applied'
    QUALIFY row_number() OVER (PARTITION BY fact_id ORDER BY created_at DESC, correction_id DESC) = 1
)
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
       f.qualifier, f.yoy_pct, f.sentence, f.char_start, f.char_end, f.value_note,
       c.correction_id IS NOT NULL AS corrected, c.reason AS correction_reason
FROM facts f LEFT JOIN latest c USING (fact_id)
WHERE c.action IS DISTINCT FROM 'reject';
"""


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


ARTICLE_COLUMNS = ["id", "title", "published", "year", "date_status", "date_inferred", "outlet", "path",
                   "content_hash", "file_size", "file_mtime_ns", "warnings", "text"]
FACT_COLUMNS = ["fact_id", "article", "indicator", "value", "unit", "original_value", "original_unit",
                "geo", "area", "counterpart", "year", "period_start", "period_end", "qualifier", "yoy_pct",
                "sentence", "char_start", "char_end", "value_note"]
FIGURE_COLUMNS = ["figure_id", "article", "text", "value", "kind", "sentence", "char_start", "char_end"]
CORRECTION_COLUMNS = ["correction_id", "fact_id", "action", "changes", "reason", "author", "created_at"]


def write(db_path: Path, record: BuildRecord, articles: list[pa.Table], facts: list[pa.Table],
          figures: list[pa.Table], corrections: list[dict]) -> dict:
    """Write a complete new build from extracted rows and make it the one served.

    Returns the build's summary row. Call under `build_lock`.
    """
    def load(con) -> None:
        for table in articles:
            _insert(con, "articles", table, ARTICLE_COLUMNS)
        for table in facts:
            _insert(con, "facts", table, FACT_COLUMNS)
        for table in figures:
            _insert(con, "unclassified_figures", table, FIGURE_COLUMNS)
        rows = [{**c, "changes": json.dumps(c.get("changes") or {})} for c in corrections]
        _insert(con, "corrections", [{**r, "status": "applied"} for r in rows], CORRECTION_COLUMNS + ["status"])

    return write_with(db_path, record, load)


def write_with(db_path: Path, record: BuildRecord, load) -> dict:
    """Write a complete new build whose rows `load(con)` inserts, and make it the one served.

    Nothing is visible to readers until the final `os.replace`; on any error
    the partial file is removed and the previous build stays current. Call
    under `build_lock`. (Benchmarks fill builds of millions of facts with SQL
    through this, without holding the rows in Python.)
    """
    discard_unfinished(db_path)
    directory = versions_dir(db_path)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{record.build_id}.duckdb"
    try:
        con = duckdb.connect(str(target))
        try:
            con.execute(SCHEMA)
            _insert(con, "indicators", [vars(i) for i in catalog().values()],
                    ["key", "label", "unit", "tier", "kind", "description"])
            _insert(con, "places", [{"name": p.name, "level": p.level, "parent": p.parent, "geo": p.geo}
                                    for p in all_places()], ["name", "level", "parent", "geo"])
            load(con)
            con.execute("UPDATE corrections SET status = 'orphaned' "
                        "WHERE fact_id NOT IN (SELECT fact_id FROM facts)")
            con.execute(CORRECTED_FACTS)
            con.execute(CURRENT_FACTS)
            summary = _record_build(con, record)
            con.execute("CHECKPOINT")
        finally:
            con.close()
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
    data_hash, = con.execute(
        "SELECT md5(coalesce(string_agg(fact_id || '|' || coalesce(CAST(value AS VARCHAR), '') || '|' || geo "
        "|| '|' || coalesce(CAST(year AS VARCHAR), '') || '|' || indicator, ',' ORDER BY fact_id), '')) "
        "FROM facts_corrected").fetchall()[0]
    row = {
        "build_id": record.build_id, "started_at": record.started_at.replace(tzinfo=None),
        "finished_at": datetime.now(timezone.utc).replace(tzinfo=None),
        "articles_dir": record.articles_dir, "articles_seen": record.articles_seen,
        "articles_loaded": record.articles_loaded, "articles_reused": record.articles_reused,
        "articles_skipped": len(record.skipped), "skipped": json.dumps(record.skipped),
        "warnings": json.dumps(record.warnings), "facts": facts, "unclassified": unclassified,
        "corrections_applied": applied, "corrections_orphaned": orphaned,
        "extractor_version": record.extractor_version, "data_hash": data_hash,
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


def read_cached(db_path: Path, extractor_version: str) -> dict[str, dict] | None:
    """What the served build knows of each article (hash, size, mtime), when its
    extractor is the current one; None when nothing can be reused."""
    target = current_file(db_path)
    if target is None:
        return None
    try:
        con = _open_read(target)
    except duckdb.Error:
        return None
    try:
        built_with = con.execute(
            "SELECT extractor_version FROM builds ORDER BY finished_at DESC LIMIT 1").fetchall()
        if not built_with or built_with[0][0] != extractor_version:
            return None
        rows = con.execute("SELECT id, path, content_hash, file_size, file_mtime_ns FROM articles").fetchall()
        return {r[0]: {"path": r[1], "content_hash": r[2], "file_size": r[3], "file_mtime_ns": r[4]}
                for r in rows}
    except duckdb.Error:  # a build from an older schema: nothing to reuse, extract afresh
        return None
    finally:
        con.close()


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
