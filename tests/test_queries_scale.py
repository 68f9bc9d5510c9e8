"""What keeps the dashboard fast at millions of facts must not change a single figure.

- `latest_by_year` (built with every build) gives the same "latest" rows as
  choosing among every fact of `facts_current`, for any years and places;
- By source lists rejected facts from `facts_rejected`, never reading `facts`;
- above ARTICLE_CHOICES_MAX articles the source filter is a box for an id, and
  links still restore it;
- charts built from plain dicts are figures Plotly accepts, tooltips still escaped.
"""
from __future__ import annotations

import shutil
from dataclasses import replace

import duckdb
import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from app import charts, filters, queries
from app.queries import ViewFilter
from etl import corrections, warehouse
from etl.build import build
from tests.conftest import ROOT


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False)


def test_latest_from_the_per_year_table_equals_the_query_over_every_fact(sample_warehouse):
    wh = queries.open_warehouse(sample_warehouse)
    assert queries.has_table(wh, "latest_by_year")
    lo, hi = queries.year_bounds(wh)
    districts = tuple(queries.places(wh).query("level == 'district'")["name"])
    views = [ViewFilter(None, lo, hi), ViewFilter(None, lo, hi, ("Shanghai",)),
             ViewFilter(None, lo - 5, hi + 5, ("Shanghai", "China", "Pudong")), ViewFilter(None, lo, hi, districts),
             ViewFilter(None, lo, hi - 1), ViewFilter(None, lo + 1, hi), ViewFilter(None, hi - 1, hi - 1),
             ViewFilter(None, None, None), ViewFilter(None, None, hi - 2, ("Shanghai",))]
    for view in views:
        assert queries._latest_source(wh, view, True) == "latest_by_year"
        for tier in (None, "core", "activity"):
            _same(queries.latest(wh, view, tier), queries.latest(wh, view, tier, False))
    assert len(queries.latest(wh, views[0], None)) > 10, "the sample has many indicator/place pairs"
    narrow = queries.latest(wh, ViewFilter(None, hi - 1, hi - 1, ("Shanghai",)), None)
    assert not narrow.empty and set(narrow["year"]) == {hi - 1}
    for indicator in queries.indicators(wh)["key"]:
        for years in ((lo, hi), (lo, hi - 1), (hi, hi)):
            view = ViewFilter(indicator, *years, districts)
            _same(queries.district_latest(wh, view), queries.district_latest(wh, view, False))


def test_the_table_holds_the_latest_of_every_indicator_place_and_year(sample_warehouse):
    con = queries.open_warehouse(sample_warehouse).con.cursor()
    try:
        expected = con.execute(f"""
            SELECT arg_max(fact_id, {warehouse.RECENCY}) FROM facts_current
            WHERE value IS NOT NULL GROUP BY indicator, geo, year ORDER BY 1""").fetchall()
        stored = con.execute("SELECT fact_id FROM latest_by_year ORDER BY 1").fetchall()
        assert stored == expected
        same_rows = con.execute("SELECT count(*) FROM (SELECT * FROM latest_by_year EXCEPT "
                                "SELECT * FROM facts_current)").fetchall()[0][0]
        assert same_rows == 0, "latest_by_year rows are facts_current rows, unchanged"
    finally:
        con.close()


def test_one_source_is_chosen_among_its_own_facts(sample_warehouse):
    wh = queries.open_warehouse(sample_warehouse)
    article = queries.article_list(wh).iloc[0]["id"]
    view = ViewFilter(None, None, None, (), article)
    assert queries._latest_source(wh, view, True) == "facts_current"
    assert set(queries.latest(wh, view, None)["article"]) == {article}


def test_a_correction_reaches_the_precomputed_latest_figures(fresh_warehouse):
    wh = queries.open_warehouse(fresh_warehouse)
    lo, hi = queries.year_bounds(wh)
    view = ViewFilter(None, lo, hi, ("Shanghai",))
    row = queries.latest(wh, view, "core").set_index("indicator").loc["fie_new_count"]
    corrections.append(fresh_warehouse.parent / "corrections.jsonl",
                       corrections.make(row["fact_id"], "update", "typo", "Li Wei", {"value": 7001}))
    build(fresh_warehouse.parent / "articles", fresh_warehouse)
    wh = queries.open_warehouse(fresh_warehouse)
    fast = queries.latest(wh, view, "core")
    assert fast.set_index("indicator").loc["fie_new_count", "value"] == 7001
    _same(fast, queries.latest(wh, view, "core", False))


def _reject_one(db) -> tuple[str, str]:
    wh = queries.open_warehouse(db)
    fact = queries.facts(wh, ViewFilter("fie_new_count", None, None, ("Shanghai",))).iloc[0]
    corrections.append(db.parent / "corrections.jsonl",
                       corrections.make(fact["fact_id"], "reject", "not a new-enterprise count", "Li Wei", {}))
    build(db.parent / "articles", db)
    return fact["fact_id"], fact["article"]


def test_by_source_lists_rejected_facts_without_reading_facts(fresh_warehouse, tmp_path):
    fact_id, article = _reject_one(fresh_warehouse)
    wh = queries.open_warehouse(fresh_warehouse)
    shown = queries.article_facts(wh, article)
    rejected = shown.set_index("fact_id").loc[fact_id]
    assert rejected["rejected"] and not rejected["corrected"]
    assert fact_id not in set(queries.facts(wh, ViewFilter(None))["fact_id"]), "rejected facts leave the views"
    assert (~shown["rejected"]).sum() == len(shown) - 1

    # The same answer from a copy of the build whose raw `facts` table is gone.
    copy = tmp_path / "copy.duckdb"
    shutil.copy(warehouse.current_file(fresh_warehouse), copy)
    con = duckdb.connect(str(copy))
    con.execute("DROP TABLE facts")
    con.close()
    without_facts = queries.Warehouse(str(copy), "copy", duckdb.connect(str(copy), read_only=True))
    _same(queries.article_facts(without_facts, article), shown)
    without_facts.con.close()


def test_rejected_fact_shows_on_the_by_source_page(fresh_warehouse, app_on):
    fact_id, article = _reject_one(fresh_warehouse)
    app_on(fresh_warehouse)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["article"] = article
    at.run().switch_page("pages/by_source.py").run()
    assert not at.exception
    assert "rejected" in set(at.dataframe[0].value["Status"])


def test_many_articles_make_the_source_filter_a_box_links_still_work(sample_warehouse, app_on, monkeypatch):
    monkeypatch.setattr(filters, "ARTICLE_CHOICES_MAX", 1)
    app_on(sample_warehouse)
    article = "2023-10-16_hong-kong-investment-partners"
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["article"] = article
    at.query_params["indicator"] = "fdi_cumulative_usd"
    at.run().switch_page("pages/by_year.py").run()
    assert not at.exception
    assert at.sidebar.text_input(key="article").value == article
    assert list(at.dataframe[0].value["Figure"]) == ["≈ US$146.50 bn"]

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["article"] = "no-such-article"
    at.run()
    assert not at.exception
    assert any("No article 'no-such-article'" in w.value for w in at.warning), [w.value for w in at.warning]
    assert at.metric, "the page still renders for every source"


def test_by_source_lists_only_the_newest_articles(sample_warehouse, app_on, monkeypatch):
    monkeypatch.setattr(queries, "TABLE_ROW_LIMIT", 3)
    wh = queries.open_warehouse(sample_warehouse)
    assert len(queries.article_list(wh, 3)) == 3 and queries.article_count(wh) > 3


def test_charts_are_figures_plotly_accepts(sample_warehouse):
    wh = queries.open_warehouse(sample_warehouse)
    lo, hi = queries.year_bounds(wh)
    obs = queries.observations(wh, ViewFilter("fdi_actual_usd", lo, hi))
    districts = tuple(queries.places(wh).query("level == 'district'")["name"])
    latest = queries.district_latest(wh, ViewFilter("projects_signed_count", lo, hi, districts))
    assert not obs.empty and not latest.empty
    for fig in (charts.by_year(obs, "USD"), charts.by_district(latest, "count"),
                charts.district_map(latest, "count")):
        checked = charts.validated(fig)  # raises on any property Plotly does not know
        assert isinstance(checked, go.Figure) and checked.data
        # (checked against the figure as built: validation turns numeric arrays into base64 records)
        assert all(len(t.hovertext) == len(t.x) for t in fig.data if t.hovertext is not None)
    points = sum(len(t.x) for t in charts.by_year(obs, "USD").data)
    assert points == len(obs), "one point per observation"


def test_each_chart_point_carries_its_article_which_a_click_opens(sample_warehouse):
    from app import ui

    wh = queries.open_warehouse(sample_warehouse)
    lo, hi = queries.year_bounds(wh)
    obs = queries.observations(wh, ViewFilter("fdi_actual_usd", lo, hi, ("Shanghai",)))
    [trace] = charts.by_year(obs, "USD").data
    assert list(zip(trace.x, trace.customdata)) == list(zip(obs["year"], obs["article"]))
    clicked = {"selection": {"points": [{"x": 2019, "customdata": trace.customdata[0]}]}}
    assert ui.selected_point(clicked) == obs["article"].iloc[0]
    assert ui.selected_point({"selection": {"points": []}}) is None


def test_tooltip_wraps_long_sentences_to_four_lines():
    long = " ".join(["word"] * 200)
    wrapped = charts._wrapped(long, 70)
    lines = wrapped.split("<br>")
    assert len(lines) == 4 and all(len(line) <= 72 for line in lines) and wrapped.endswith(" …")
    assert charts._wrapped("short <b>one</b>") == "short &lt;b&gt;one&lt;/b&gt;"
    assert charts._wrapped("x" * 150, 70).split("<br>")[0] == "x" * 70
    assert charts._wrapped(None) == ""


def test_hover_handles_missing_values():
    frame = pd.DataFrame([{
        "geo": "Pudong", "period_label": "2023", "value": None, "unit": "count", "qualifier": "exact",
        "yoy_pct": float("nan"), "title": "T", "published": pd.NaT, "outlet": None, "sentence": "S"}])
    hover = charts._hover(frame)[0]
    assert "date not stated" in hover and "outlet unknown" in hover and "more source" not in hover


_OBSERVATIONS_BEFORE = """
WITH grouped AS (
    SELECT indicator, geo, counterpart, year, period_start, period_end, value,
           CASE WHEN count(DISTINCT qualifier) = 1 THEN any_value(qualifier) ELSE 'mixed' END AS qualifier,
           max(yoy_pct) AS yoy_pct, count(*) AS sources, min(published) AS published,
           arg_min(fact_id, coalesce(published, DATE '9999-12-31')) AS fact_id
    FROM facts_current WHERE {where} AND value IS NOT NULL
    GROUP BY indicator, geo, counterpart, year, period_start, period_end, value)
SELECT *, count(*) OVER (PARTITION BY indicator, geo, counterpart, year, period_start, period_end) > 1 AS conflict
FROM grouped ORDER BY year, geo, period_end NULLS FIRST, value, fact_id
"""


@pytest.mark.parametrize("article", [None, "2023-10-16_hong-kong-investment-partners"])
def test_observations_match_grouping_every_fact_and_name_their_own_sentence(sample_warehouse, article):
    wh = queries.open_warehouse(sample_warehouse)
    con = wh.con.cursor()
    facts = con.execute("SELECT fact_id, sentence, article, title FROM facts_current").df().set_index("fact_id")
    indicators = queries.indicators(wh)["key"]
    articles = set(queries.article_list(wh)["id"])
    checked = 0
    for indicator in indicators:
        assert article is None or article in articles
        view = ViewFilter(indicator, None, None, (), article)
        where, params = view.where()
        expected = con.execute(_OBSERVATIONS_BEFORE.format(where=where), params).df()
        got = queries.observations(wh, view)
        columns = ["geo", "year", "value", "qualifier", "sources", "fact_id", "conflict"]
        _same(got[columns], expected[columns])
        for row in got.itertuples():
            source = facts.loc[row.fact_id]
            assert (row.sentence, row.article, row.title) == (source["sentence"], source["article"], source["title"])
        checked += len(got)
    assert checked > 0
    if article is None:
        assert queries.observations(wh, ViewFilter("fdi_actual_usd"))["sources"].max() > 1


_RECENCY_BEFORE = ("strftime(coalesce(period_end, period_start, make_date(year, 12, 31)), '%Y-%m-%d') "
                   "|| CAST(full_year AS INTEGER) || coalesce(strftime(published, '%Y-%m-%d'), '0000') || fact_id")


def test_recency_struct_chooses_what_the_formatted_string_chose(sample_warehouse):
    con = queries.open_warehouse(sample_warehouse).con.cursor()
    for group in ("indicator, geo", "indicator", "geo", "indicator, geo, year", "article"):
        sql = ("SELECT {group}, arg_max(fact_id, {key}) FROM facts_current WHERE value IS NOT NULL "
               "GROUP BY ALL ORDER BY ALL")
        before = con.execute(sql.format(group=group, key=_RECENCY_BEFORE)).fetchall()
        now = con.execute(sql.format(group=group, key=warehouse.RECENCY)).fetchall()
        assert now == before, group


def test_export_leaves_the_connection_settings_as_they_were(sample_warehouse):
    wh = queries.open_warehouse(sample_warehouse)
    threads = wh.con.execute("SELECT current_setting('threads')").fetchone()
    assert queries.export_table(wh, "facts_current", "parquet")[:4] == b"PAR1"
    assert queries.export_table(wh, "facts", "csv").startswith(b"fact_id,")
    assert wh.con.execute("SELECT current_setting('threads')").fetchone() == threads


@pytest.mark.parametrize("column, value", [("geo", "Atlantis"), ("indicator", "gdp_total_usd")])
def test_no_fact_can_name_a_place_or_indicator_the_catalog_lacks(sample_warehouse, tmp_path, column, value):
    """Pages read facts joined to the catalog: a fact outside it would vanish from every
    page without a trace, so the warehouse refuses it (facts_rejected relies on this)."""
    copy = tmp_path / "copy.duckdb"
    shutil.copy(warehouse.current_file(sample_warehouse), copy)
    con = duckdb.connect(str(copy))
    try:
        with pytest.raises(duckdb.ConstraintException, match="foreign key"):
            con.execute(f"INSERT INTO facts SELECT * REPLACE ('stray-fact' AS fact_id, ? AS {column}) "
                        "FROM facts LIMIT 1", [value])
    finally:
        con.close()


@pytest.mark.parametrize("limit", [1, 3, 5, 8, 13])
def test_a_full_chart_keeps_exactly_the_newest_observations(sample_warehouse, monkeypatch, limit):
    wh = queries.open_warehouse(sample_warehouse)
    view = ViewFilter(None)  # every indicator: several places and periods in one year
    queries.clear_cache()
    every = queries.observations(wh, view)
    assert len(every) == every["observations_total"].iloc[0] > 13, "the sample has enough to cut"
    newest = every.sort_values(["year", "geo", "period_end", "value", "fact_id"],
                               ascending=[False, True, False, True, True], na_position="last").head(limit)

    monkeypatch.setattr(queries, "CHART_POINT_LIMIT", limit)
    queries.clear_cache()
    cut = queries.observations(wh, view)
    queries.clear_cache()
    assert sorted(cut["fact_id"]) == sorted(newest["fact_id"])
    assert set(cut["observations_total"]) == {len(every)}
