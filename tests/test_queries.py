"""Read-side queries: aggregation that does not lie, parameterized filters, build switching."""
from __future__ import annotations

import duckdb

from app import queries
from app.queries import ViewFilter
from etl import corrections
from etl.build import build


def test_same_figure_from_two_articles_is_one_observation_with_two_sources(sample_warehouse):
    wh = queries.open_warehouse(sample_warehouse)
    observations = queries.observations(wh, ViewFilter("fdi_actual_usd", 2023, 2023, ("Shanghai",)))
    assert len(observations) == 1
    row = observations.iloc[0]
    assert row["value"] == 24_087_000_000 and row["sources"] == 2 and not row["conflict"]


def test_partial_year_figure_is_labelled_with_its_period(sample_warehouse):
    wh = queries.open_warehouse(sample_warehouse)
    rows = queries.facts(wh, ViewFilter("fie_new_count", None, None, ("China",)))
    assert list(rows["period_label"]) == ["2024 Jan–Feb"] and not rows["full_year"].any()


def test_disagreeing_sources_are_a_conflict_never_a_sum(fresh_warehouse):
    articles = fresh_warehouse.parent / "articles"
    (articles / "other-outlet.txt").write_text(
        " date 2024-02-01 In 2023, Shanghai set up 6,100 new foreign-invested enterprises.\n", encoding="utf-8")
    build(articles, fresh_warehouse)
    wh = queries.open_warehouse(fresh_warehouse)
    observations = queries.observations(wh, ViewFilter("fie_new_count", 2023, 2023, ("Shanghai",)))
    assert sorted(observations["value"]) == [6017, 6100] and observations["conflict"].all()
    assert len(queries.conflicts(wh, ViewFilter(None, 2023, 2023))) == 2


def test_hostile_filter_values_change_nothing_but_the_filter(sample_warehouse):
    wh = queries.open_warehouse(sample_warehouse)
    for hostile in ("'; DROP TABLE facts; --", "Shanghai' OR '1'='1", "\u0000\u202e" + "x" * 10_000):
        assert queries.facts(wh, ViewFilter(hostile)).empty
        assert queries.facts(wh, ViewFilter("fdi_actual_usd", places=(hostile,))).empty
        assert queries.facts(wh, ViewFilter("fdi_actual_usd", article=hostile)).empty
    assert queries.count_facts(wh, ViewFilter("fdi_actual_usd")) == 6


def _add_article(articles, n: int) -> None:
    """A new article, so that the next build writes a new version (an unchanged corpus keeps the served one)."""
    (articles / f"zz_added_{n}.txt").write_text(
        f" date 2023-09-0{n}\nPutuo District set up {20 + n} new foreign-invested enterprises in August.\n",
        encoding="utf-8")


def test_a_rebuild_is_picked_up_and_connections_two_builds_old_are_closed(fresh_warehouse):
    first = queries.open_warehouse(fresh_warehouse)
    _add_article(fresh_warehouse.parent / "articles", 1)
    build(fresh_warehouse.parent / "articles", fresh_warehouse)
    second = queries.open_warehouse(fresh_warehouse)
    assert second.version != first.version
    assert len(first.con.execute("SELECT 1").fetchall()) == 1, "sessions mid-run keep the build they opened"
    _add_article(fresh_warehouse.parent / "articles", 2)
    build(fresh_warehouse.parent / "articles", fresh_warehouse)
    assert queries.open_warehouse(fresh_warehouse).version not in (first.version, second.version)
    try:
        first.con.execute("SELECT 1")
        still_open = True
    except duckdb.Error:
        still_open = False
    assert not still_open


def test_correction_applies_in_every_view_and_survives_a_rebuild(fresh_warehouse):
    wh = queries.open_warehouse(fresh_warehouse)
    fact = queries.facts(wh, ViewFilter("fie_new_count", 2023, 2023, ("Shanghai",))).iloc[0]
    path = fresh_warehouse.parent / "corrections.jsonl"
    corrections.append(path, corrections.make(fact["fact_id"], "update", "typo in release", "Li Wei",
                                              {"value": 6018}))
    build(fresh_warehouse.parent / "articles", fresh_warehouse)
    build(fresh_warehouse.parent / "articles", fresh_warehouse)
    wh = queries.open_warehouse(fresh_warehouse)
    row = queries.facts(wh, ViewFilter("fie_new_count", 2023, 2023, ("Shanghai",))).iloc[0]
    assert row["value"] == 6018 and row["corrected"] and row["correction_reason"] == "typo in release"
    latest = queries.latest(wh, ViewFilter(None, None, None, ("Shanghai",)), "core")
    assert latest.set_index("indicator").loc["fie_new_count", "value"] == 6018
