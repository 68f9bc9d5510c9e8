"""Every SQL the pages run: parameterized, read-only, cached per warehouse version.

Pages never build SQL. Filters arrive as a `ViewFilter` and become bound
parameters; table and column names are fixed strings here, never input.
Results are cached keyed on the build being served, so a rebuild is picked up
on the next rerun and a stale answer is never shown.
"""
from __future__ import annotations

import os
import tempfile
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb
import pandas as pd

from etl import warehouse

TABLE_ROW_LIMIT = 2_000
"""Rows a page table shows at most; the Downloads page exports everything."""
CHART_POINT_LIMIT = 5_000

EXPORT_TABLES = ("facts_current", "facts", "articles", "unclassified_figures", "corrections",
                 "indicators", "places", "builds")


def db_path() -> Path:
    return Path(os.environ.get("DASHBOARD_DB", "data/warehouse.duckdb"))


def articles_dir() -> Path:
    return Path(os.environ.get("DASHBOARD_ARTICLES", "data/articles"))


@dataclass(frozen=True)
class ViewFilter:
    """What a view shows. Empty places means every place; article None means every source."""
    indicator: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    places: tuple[str, ...] = ()
    article: str | None = None

    def where(self, *, with_indicator: bool = True) -> tuple[str, list]:
        clauses, params = ["TRUE"], []
        if with_indicator and self.indicator:
            clauses.append("indicator = ?")
            params.append(self.indicator)
        if self.year_from is not None:
            clauses.append("year >= ?")
            params.append(self.year_from)
        if self.year_to is not None:
            clauses.append("year <= ?")
            params.append(self.year_to)
        if self.places:
            clauses.append("list_contains(?, geo)")
            params.append(list(self.places))
        if self.article:
            clauses.append("article = ?")
            params.append(self.article)
        return " AND ".join(clauses), params


@dataclass(frozen=True)
class Warehouse:
    """One served build, opened read-only."""
    path: str
    version: str
    con: duckdb.DuckDBPyConnection = field(compare=False, hash=False, repr=False)


_lock = threading.Lock()
_open: dict[str, list[Warehouse]] = {}  # per warehouse path, oldest build first
OPEN_BUILDS = 2
"""Connections kept open per warehouse: the served build and the one before it."""


def open_warehouse(path: Path | None = None) -> Warehouse | None:
    """The build served now at `path`, or None when nothing has been built.

    A new build is noticed here on every call (the link is re-read) and cached
    answers for the old one are no longer used. Other sessions may still be
    mid-run on the previous build, so its connection stays open; builds older
    than OPEN_BUILDS are closed.
    """
    path = Path(path or db_path())
    key = str(path.resolve().parent / path.name)
    version = warehouse.version(path)
    if version is None or warehouse.current_file(path) is None:
        return None
    with _lock:
        builds = _open.setdefault(key, [])
        if builds and builds[-1].version == version:
            return builds[-1]
        builds.append(Warehouse(key, version, warehouse.connect_read(path)))
        for retired in builds[:-OPEN_BUILDS]:
            retired.con.close()
        del builds[:-OPEN_BUILDS]
        return builds[-1]


def _frame(wh: Warehouse, sql: str, params: list | None = None) -> pd.DataFrame:
    cursor = wh.con.cursor()
    try:
        return cursor.execute(sql, params or []).df()
    finally:
        cursor.close()


_CACHED: list = []


def clear_cache() -> None:
    """Forget every cached answer (benchmarks use it to time queries cold)."""
    for cached in _CACHED:
        cached.cache_clear()


def _cached(fn):
    """Cache a query on (warehouse build, arguments); hand out copies so callers can't alter the cache."""
    cached = lru_cache(maxsize=512)(fn)
    _CACHED.append(cached)

    def wrapper(wh: Warehouse, *args):
        result = cached(wh, *args)
        return result.copy() if isinstance(result, pd.DataFrame) else result

    wrapper.__doc__ = fn.__doc__
    wrapper.__name__ = fn.__name__
    return wrapper


FACT_COLUMNS = """fact_id, indicator, label, value, unit, original_value, original_unit, geo, area,
    counterpart, year, period_start, period_end, period_label, full_year, qualifier, yoy_pct,
    article, title, published, outlet, date_status, sentence, figure_text, char_start, char_end, corrected,
    correction_reason, value_note"""


@_cached
def build_info(wh: Warehouse) -> pd.DataFrame:
    """The served build's record (one row)."""
    return _frame(wh, "SELECT * FROM builds ORDER BY finished_at DESC LIMIT 1")


@_cached
def indicators(wh: Warehouse) -> pd.DataFrame:
    return _frame(wh, "SELECT * FROM indicators ORDER BY tier DESC, key")


def label_and_unit(wh: Warehouse, indicator: str) -> tuple[str, str]:
    row = indicators(wh).set_index("key").loc[indicator]
    return row["label"], row["unit"]


@_cached
def places(wh: Warehouse) -> pd.DataFrame:
    """China, Shanghai and its districts (sub-areas are filed under their district)."""
    return _frame(wh, "SELECT name, level, parent FROM places WHERE level <> 'area' "
                      "ORDER BY CASE level WHEN 'country' THEN 0 WHEN 'city' THEN 1 ELSE 2 END, name")


@_cached
def year_bounds(wh: Warehouse) -> tuple[int, int] | None:
    frame = _frame(wh, "SELECT min(year) AS lo, max(year) AS hi FROM facts_current")
    if frame.empty or pd.isna(frame.loc[0, "lo"]):
        return None
    return int(frame.loc[0, "lo"]), int(frame.loc[0, "hi"])


@_cached
def has_table(wh: Warehouse, name: str) -> bool:
    """Whether the served build has a table (builds made before it was added do not)."""
    frame = _frame(wh, "SELECT count(*) AS n FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?",
                   [name])
    return bool(frame.loc[0, "n"])


@_cached
def article_count(wh: Warehouse) -> int:
    return int(_frame(wh, "SELECT count(*) AS n FROM articles").loc[0, "n"])


@_cached
def article_list(wh: Warehouse, limit: int = TABLE_ROW_LIMIT) -> pd.DataFrame:
    """The newest `limit` articles (a page never lists millions of rows)."""
    return _frame(wh, "SELECT id, title, published, date_status, outlet, year FROM articles "
                      "ORDER BY published DESC NULLS LAST, id LIMIT ?", [limit])


@_cached
def article_title(wh: Warehouse, article_id: str) -> str | None:
    """The article's title, or None when there is no such article."""
    frame = _frame(wh, "SELECT title FROM articles WHERE id = ?", [article_id])
    return None if frame.empty else str(frame.loc[0, "title"])


@_cached
def facts(wh: Warehouse, view: ViewFilter, limit: int = TABLE_ROW_LIMIT) -> pd.DataFrame:
    """The fact rows a view shows, newest first, at most `limit`."""
    where, params = view.where()
    return _frame(wh, f"SELECT {FACT_COLUMNS} FROM facts_current WHERE {where} "
                      "ORDER BY year DESC NULLS LAST, coalesce(period_end, period_start) DESC NULLS LAST, "
                      "geo, article, char_start LIMIT ?", [*params, limit])


@_cached
def count_facts(wh: Warehouse, view: ViewFilter) -> int:
    where, params = view.where()
    return int(_frame(wh, f"SELECT count(*) AS n FROM facts_current WHERE {where}", params).loc[0, "n"])


OBSERVATIONS = """
WITH grouped AS (
    SELECT indicator, geo, counterpart, year, period_start, period_end, value,
           bool_or(full_year) AS full_year,
           CASE WHEN min(qualifier) = max(qualifier) THEN min(qualifier) ELSE 'mixed' END AS qualifier,
           max(yoy_pct) AS yoy_pct, count(*) AS sources,
           arg_min(fact_id, coalesce(published, DATE '9999-12-31')) AS fact_id, min(published) AS published
    FROM facts_current WHERE {where} AND value IS NOT NULL
    GROUP BY indicator, geo, counterpart, year, period_start, period_end, value
), shown AS (
    SELECT *, {conflict} AS conflict
    FROM grouped ORDER BY year DESC NULLS LAST, geo, period_end DESC NULLS LAST, value, fact_id LIMIT ?
), source AS (
    SELECT fact_id, label, unit, period_label, article, sentence, outlet, title, figure_text
    FROM facts_current WHERE {where} AND value IS NOT NULL
)
SELECT s.indicator, f.label, f.unit, s.geo, s.counterpart, s.year, s.period_start, s.period_end, f.period_label,
       s.full_year, s.value, s.qualifier, s.yoy_pct, s.sources, s.fact_id, f.article, f.sentence, s.published,
       f.outlet, f.title, f.figure_text, {disputed} AS conflict
FROM shown s JOIN source f USING (fact_id) {disputed_join}
ORDER BY s.year, s.geo, s.period_end NULLS FIRST, s.value, s.fact_id
"""
# Observations per year, newest first: how many there are, and from which year on the
# newest CHART_POINT_LIMIT of them lie. Grouping only those years is what keeps a chart
# of every place fast (at 10^7 facts ~600 -> ~100 ms: a top-N over all ~500,000 groups
# of one indicator cost more than the grouping itself).
OBSERVATION_YEARS = """
SELECT year, count(*) AS n FROM (
    SELECT DISTINCT geo, counterpart, year, period_start, period_end, value
    FROM facts_current WHERE {where} AND value IS NOT NULL
) GROUP BY year ORDER BY year DESC NULLS LAST
"""
# Grouped on narrow columns only; the words shown (sentence, title, outlet) are then
# fetched for the shown observations, all from one source fact (the earliest article),
# so a point's sentence is always the one its fact_id names. Grouping the wide text
# columns of every fact ran out of the read buffer pool at 10^7 facts.
# Different values for one period are a conflict. Over every source that is the
# build's `disputed` table (year, place and indicator are part of the period, so
# those filters cannot change it); within one article it is counted here.
_WINDOW_CONFLICT = "count(*) OVER (PARTITION BY indicator, geo, counterpart, year, period_start, period_end) > 1"
_DISPUTED_JOIN = """LEFT JOIN disputed d ON d.indicator = s.indicator AND d.geo = s.geo
    AND d.cp = coalesce(s.counterpart, '') AND d.year IS NOT DISTINCT FROM s.year
    AND d.period_start IS NOT DISTINCT FROM s.period_start AND d.period_end IS NOT DISTINCT FROM s.period_end"""


@_cached
def observations(wh: Warehouse, view: ViewFilter) -> pd.DataFrame:
    """One row per distinct figure: the same value for the same indicator, place and
    period from several articles is one observation with several sources; different
    values for the same period are kept apart and flagged as a conflict. Never summed.

    Past CHART_POINT_LIMIT the newest are kept (officials read recent years first);
    the column `observations_total` says how many there were in all."""
    where, params = view.where()
    per_year = _frame(wh, OBSERVATION_YEARS.format(where=where), params)
    total = int(per_year["n"].sum())
    if total > CHART_POINT_LIMIT:
        reached = per_year[per_year["n"].cumsum() >= CHART_POINT_LIMIT]["year"]
        if not reached.empty and pd.notna(reached.iloc[0]):
            where, params = f"{where} AND year >= ?", [*params, int(reached.iloc[0])]
    if view.article is None and has_table(wh, "disputed"):
        sql = OBSERVATIONS.format(where=where, conflict="NULL", disputed="d.indicator IS NOT NULL",
                                  disputed_join=_DISPUTED_JOIN)
    else:
        sql = OBSERVATIONS.format(where=where, conflict=_WINDOW_CONFLICT, disputed="s.conflict", disputed_join="")
    shown = _frame(wh, sql, [*params, CHART_POINT_LIMIT, *params])
    return shown.assign(observations_total=total)


# The most recent figure first (see warehouse.RECENCY).
_RECENCY = warehouse.RECENCY


def _latest_source(wh: Warehouse, view: ViewFilter, precomputed: bool) -> str:
    """The table "latest" chooses from: the build's `latest_by_year` (each indicator's
    latest figure per place and year, over every source) unless one article is chosen,
    or `facts_current`. Both give the same rows (pinned by tests)."""
    if precomputed and view.article is None and has_table(wh, "latest_by_year"):
        return "latest_by_year"
    return "facts_current"


@_cached
def latest(wh: Warehouse, view: ViewFilter, tier: str | None, precomputed: bool = True) -> pd.DataFrame:
    """The most recent observation of every indicator (of `tier`) for each place in view."""
    where, params = view.where(with_indicator=False)
    tier_clause = "AND tier = ?" if tier else ""
    params = [*params, *([tier] if tier else [])]
    source = _latest_source(wh, view, precomputed)
    return _frame(wh, f"""
        SELECT {FACT_COLUMNS}, tier
        FROM {source} WHERE {where} {tier_clause} AND fact_id IN (
            SELECT arg_max(fact_id, {_RECENCY}) FROM {source}
            WHERE {where} {tier_clause} AND value IS NOT NULL GROUP BY indicator, geo)
        ORDER BY tier DESC, indicator, geo""", params + params)


_DISTRICT_COLUMNS = """geo, value, unit, label, year, period_label, qualifier, yoy_pct,
    article, title, published, outlet, fact_id, sentence, figure_text"""


@_cached
def district_latest(wh: Warehouse, view: ViewFilter, precomputed: bool = True) -> pd.DataFrame:
    """Per district, the latest observation of the indicator within the view's years."""
    where, params = view.where()
    source = _latest_source(wh, view, precomputed)
    return _frame(wh, f"""
        SELECT {_DISTRICT_COLUMNS}
        FROM {source} WHERE {where} AND fact_id IN (
            SELECT arg_max(fact_id, {_RECENCY}) FROM {source}
            WHERE {where} AND value IS NOT NULL
              AND geo IN (SELECT name FROM places WHERE level = 'district') GROUP BY geo)
        ORDER BY value DESC, geo""", params + params)


@_cached
def article(wh: Warehouse, article_id: str) -> pd.DataFrame:
    return _frame(wh, "SELECT * FROM articles WHERE id = ?", [article_id])


_ARTICLE_FACT_COLUMNS = """fact_id, indicator, label, value, unit, original_value, original_unit, geo, area,
    counterpart, year, {period_label} AS period_label, period_start, period_end, qualifier, yoy_pct, sentence,
    char_start, char_end, value_note"""


@_cached
def article_facts(wh: Warehouse, article_id: str) -> pd.DataFrame:
    """Every fact of one article, corrections applied, with its correction state; rejected
    ones too, as extracted (from the build's small `facts_rejected`, never the raw `facts`)."""
    if has_table(wh, "facts_rejected"):
        return _frame(wh, f"""
            SELECT {_ARTICLE_FACT_COLUMNS.format(period_label="period_label")}, FALSE AS rejected, corrected
            FROM facts_current WHERE article = ?
            UNION ALL
            SELECT {_ARTICLE_FACT_COLUMNS.format(period_label="CAST(NULL AS VARCHAR)")}, TRUE AS rejected,
                   FALSE AS corrected
            FROM facts_rejected WHERE article = ?
            ORDER BY char_start, fact_id""", [article_id, article_id])
    return _frame(wh, """
        SELECT f.fact_id, f.indicator, i.label, coalesce(c.value, f.value) AS value, f.unit, f.original_value,
               f.original_unit, coalesce(c.geo, f.geo) AS geo, f.area, f.counterpart,
               coalesce(c.year, f.year) AS year, c.period_label, f.period_start, f.period_end,
               f.qualifier, f.yoy_pct, f.sentence, f.char_start, f.char_end, f.value_note,
               c.fact_id IS NULL AS rejected, coalesce(c.corrected, FALSE) AS corrected
        FROM facts f JOIN indicators i ON i.key = f.indicator
        LEFT JOIN facts_current c ON c.fact_id = f.fact_id
        WHERE f.article = ? ORDER BY f.char_start""", [article_id])


@_cached
def article_figures(wh: Warehouse, article_id: str) -> pd.DataFrame:
    return _frame(wh, "SELECT figure_id, text, value, kind, sentence, char_start, char_end "
                      "FROM unclassified_figures WHERE article = ? ORDER BY char_start", [article_id])


@_cached
def conflicts(wh: Warehouse, view: ViewFilter) -> pd.DataFrame:
    """Sources that disagree on the same indicator, place and period, with both sentences."""
    where, params = view.where()
    return _frame(wh, f"""
        WITH v AS (SELECT * FROM facts_current WHERE {where} AND value IS NOT NULL)
        SELECT v.label, v.geo, v.counterpart, v.period_label, v.value, v.unit, v.qualifier, v.article, v.title,
               v.sentence, v.fact_id
        FROM v JOIN disputed d ON d.indicator = v.indicator AND d.geo = v.geo AND d.cp = coalesce(v.counterpart, '')
             AND d.year IS NOT DISTINCT FROM v.year AND d.period_start IS NOT DISTINCT FROM v.period_start
             AND d.period_end IS NOT DISTINCT FROM v.period_end
        ORDER BY v.label, v.geo, v.period_label, v.value LIMIT ?""", [*params, TABLE_ROW_LIMIT])


@_cached
def unclassified(wh: Warehouse, article_id: str | None) -> pd.DataFrame:
    clause, params = ("WHERE u.article = ?", [article_id]) if article_id else ("", [])
    return _frame(wh, f"SELECT u.article, a.title, u.text, u.kind, u.value, u.sentence, u.figure_id "
                      f"FROM unclassified_figures u JOIN articles a ON a.id = u.article {clause} "
                      "ORDER BY u.article, u.char_start LIMIT ?", [*params, TABLE_ROW_LIMIT])


@_cached
def dating(wh: Warehouse) -> pd.DataFrame:
    """Articles whose date was inferred from the text or is unknown, and any date warnings."""
    return _frame(wh, "SELECT id AS article, title, date_status, year, warnings FROM articles "
                      "WHERE date_status <> 'stated' OR warnings IS NOT NULL ORDER BY date_status, id")


@_cached
def corrections(wh: Warehouse) -> pd.DataFrame:
    return _frame(wh, """
        SELECT c.created_at, c.author, c.action, c.changes, c.reason, c.status, c.fact_id,
               f.article, f.indicator, f.value AS extracted_value, f.sentence
        FROM corrections c LEFT JOIN facts f USING (fact_id) ORDER BY c.created_at DESC""")


def export_table(wh: Warehouse, table: str, fmt: str) -> bytes:
    """A whole table as CSV or Parquet bytes, written by DuckDB (never through pandas)."""
    if table not in EXPORT_TABLES or fmt not in ("csv", "parquet"):
        raise ValueError(f"cannot export {table!r} as {fmt!r}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"{table}.{fmt}"
        options = "(FORMAT parquet, ROW_GROUP_SIZE 16384)" if fmt == "parquet" else "(FORMAT csv, HEADER)"
        # One writer thread and small row groups: a parallel, order-keeping COPY of a
        # million-row table does not fit the read connection's small buffer pool.
        # `threads` is a setting of the whole database, hence the lock and the reset.
        with _export_lock:
            cursor = wh.con.cursor()
            try:
                cursor.execute("SET threads = 1")
                cursor.execute(f"COPY (SELECT * FROM {table}) TO '{out}' {options}")
            finally:
                cursor.execute("RESET threads")
                cursor.close()
        return out.read_bytes()


_export_lock = threading.Lock()
