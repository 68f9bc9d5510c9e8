"""Every page renders through AppTest and shows the figures it should; filters and links change it."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

PAGES = ["pages/overview.py", "pages/by_year.py", "pages/by_district.py", "pages/by_source.py",
         "pages/data_quality.py", "pages/add_articles.py", "pages/downloads.py"]


def dashboard(**query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


@pytest.fixture
def on_sample(sample_warehouse, app_on):
    app_on(sample_warehouse)


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [f"{m.label}={m.value} {m.delta}" for m in at.metric] + [s.value for s in at.subheader]
    return "\n".join(parts)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_without_exception(on_sample, page):
    at = dashboard()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title and at.caption, "each page opens with a title and a line saying what it shows"


def test_overview_shows_headline_figures_with_change_and_source(on_sample):
    at = dashboard()
    metrics = {m.label: m for m in at.metric}
    fie = metrics["New foreign-invested enterprises"]
    fdi = metrics["Foreign capital actually used"]
    assert (fie.value, fie.delta) == ("6,017", "+38.3 % YoY")
    assert (fdi.value, fdi.delta) == ("US$24.09 bn", "+0.5 % YoY")
    captions = [c.value for c in at.caption]
    assert any(c.startswith("2023 · source: ") and "2024-03-27_global-investment-promotion-conference" in c
               for c in captions)


def test_by_year_table_lists_the_fdi_series_for_each_year(on_sample):
    at = dashboard(places="Shanghai")
    at.switch_page("pages/by_year.py").run()
    table = at.dataframe[0].value
    assert set(table["Place"]) == {"Shanghai"}
    assert list(table["Figure"].head(2)) == ["US$24.09 bn", "US$24.09 bn"], "2023 reported by two articles"
    assert set(table["Period"]) == {"2019", "2020", "2021", "2022", "2023"}


def test_year_filter_narrows_what_the_page_shows(on_sample):
    at = dashboard(places="Shanghai", years=["2021", "2022"])
    at.switch_page("pages/by_year.py").run()
    assert set(at.dataframe[0].value["Period"]) == {"2021", "2022"}


def test_indicator_and_place_filters_change_the_by_district_page(on_sample):
    at = dashboard(indicator="projects_signed_count")
    at.switch_page("pages/by_district.py").run()
    table = at.dataframe[0].value
    assert list(table["Place"]) == ["Qingpu"] and list(table["Figure"]) == ["30"]
    at = dashboard(indicator="projects_signed_count", places="Changning")
    at.switch_page("pages/by_district.py").run()
    assert "No district-level figures" in texts(at)


def test_shared_link_restores_every_filter(on_sample):
    at = dashboard(indicator="New foreign-invested enterprises", places=["Shanghai", "China"],
                   years=["2020", "2024"], article="2024-04-12_changning-international-cooperation-forum")
    assert at.selectbox(key="indicator").value == "New foreign-invested enterprises"
    assert at.multiselect(key="places").value == ["Shanghai", "China"]
    assert at.slider(key="years").value == (2020, 2024)
    assert at.selectbox(key="article").value == "2024-04-12_changning-international-cooperation-forum"
    assert not at.warning


def test_catalog_key_in_link_selects_its_indicator(on_sample):
    at = dashboard(indicator="fie_new_count")
    assert at.selectbox(key="indicator").value == "New foreign-invested enterprises"


@pytest.mark.parametrize(("param", "value", "note"), [
    ("indicator", "gdp_per_capita", "indicator 'gdp_per_capita' is not in the catalog"),
    ("places", "Atlantis", "place 'Atlantis' is not China, Shanghai or a district"),
    ("article", "no-such-article", "source 'no-such-article' is not an article"),
    ("years", ["1900", "1901"], "years '1900–1901' is not a range"),
    ("indicator", "'); DROP TABLE facts; --", "is not in the catalog"),
])
def test_invalid_link_value_is_ignored_with_a_visible_note(on_sample, param, value, note):
    at = dashboard(**{param: value})
    assert not at.exception
    assert any(note in w.value for w in at.warning), [w.value for w in at.warning]
    assert at.metric, "the page still renders with the defaults"


def test_by_source_shows_metadata_facts_and_marked_text(on_sample):
    at = dashboard(article="2023-08-31_west-hongqiao-investment-summit")
    at.switch_page("pages/by_source.py").run()
    facts = at.dataframe[0].value
    assert sorted(facts["Indicator"]) == ["Advisers appointed", "Floor area of signed projects",
                                          "Investment partners signed up", "Projects signed"]
    assert set(facts["Place"]) == {"Qingpu"}
    assert "**Date:** 2023-08-31" in texts(at)
    marked = at.get("html")[0].proto.body
    assert "<mark" in marked and ">26<" in marked


def test_source_filter_limits_other_pages_to_that_article(on_sample):
    at = dashboard(article="2023-10-16_hong-kong-investment-partners", indicator="fdi_cumulative_usd")
    at.switch_page("pages/by_year.py").run()
    table = at.dataframe[0].value
    assert list(table["Figure"]) == ["≈ US$146.50 bn"] and list(table["Period"]) == ["as of 2023-10-16"]


def test_data_quality_lists_the_inferred_date(on_sample):
    at = dashboard()
    at.switch_page("pages/data_quality.py").run()
    frames = [d.value for d in at.dataframe]
    dated = next(f for f in frames if "date_status" in f)
    assert list(dated["article"]) == ["undated_ciie-investment-promotion-conference"]
    assert list(dated["date_status"]) == ["inferred"] and list(dated["year"]) == [2023]


def test_by_year_says_when_the_chart_keeps_only_the_newest_figures(on_sample, monkeypatch):
    from app import queries

    monkeypatch.setattr(queries, "CHART_POINT_LIMIT", 2)
    queries.clear_cache()
    at = dashboard(places="Shanghai")
    at.switch_page("pages/by_year.py").run()
    assert not at.exception, [e.value for e in at.exception]
    notes = [i.value for i in at.info]
    assert any(n.startswith("The chart shows the newest 2 of 5 figures (2022–2023)") for n in notes), notes
    queries.clear_cache()


def test_by_year_has_no_cut_notice_when_every_figure_fits(on_sample):
    at = dashboard(places="Shanghai")
    at.switch_page("pages/by_year.py").run()
    assert not any("The chart shows the newest" in i.value for i in at.info)
