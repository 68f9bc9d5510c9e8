"""The shared sidebar filters, bound to the URL so a copied link restores the view.

Each widget is bound to a query parameter named after its key (Streamlit's
`bind="query-params"`). Streamlit silently drops a URL value that fits no
option; we check the URL first and say what was ignored, so a mistyped link
never fails quietly.
"""
from __future__ import annotations

import streamlit as st

from app import queries
from app.queries import ViewFilter, Warehouse

DEFAULT_INDICATOR = "fdi_actual_usd"
ALL_SOURCES = ""
ARTICLE_TO_OPEN = "article_to_open"
"""Where a page puts an article id to show it on By source. The source filter is a widget
bound to the URL, so its value can be set only before it is drawn: in the next run."""
ARTICLE_CHOICES_MAX = 2_000
"""Up to this many articles the source filter is a list to choose from; above it, a box
for the article id (a list of a million articles would be sent to the browser on every
rerun)."""


def _notes_for_invalid(url: dict[str, list[str]], labels: dict[str, str], places: list[str],
                       is_article, years: tuple[int, int]) -> list[str]:
    notes = []
    for value in url.get("indicator", []):
        if value not in labels and value not in labels.values():
            notes.append(f"indicator {value[:60]!r} is not in the catalog")
    for value in url.get("places", []):
        if value not in places:
            notes.append(f"place {value[:60]!r} is not China, Shanghai or a district")
    for value in url.get("article", []):
        if value and not is_article(value):
            notes.append(f"source {value[:60]!r} is not an article in the warehouse")
    raw_years = url.get("years", [])
    if raw_years:
        try:
            bounds = [int(v) for v in raw_years]
        except ValueError:
            bounds = []
        if len(bounds) != 2 or bounds[0] > bounds[1] or not all(years[0] <= b <= years[1] for b in bounds):
            notes.append(f"years {'–'.join(v[:10] for v in raw_years)!r} is not a range within "
                         f"{years[0]}–{years[1]}")
    return notes


def sidebar(wh: Warehouse) -> ViewFilter:
    """Draw the filters and return the view they describe.

    The URL carries what the widgets show: the indicator's label, place names,
    the article id and the two years. A catalog key in `indicator=` is accepted too.
    """
    indicator_rows = queries.indicators(wh)
    labels = dict(zip(indicator_rows["key"], indicator_rows["label"]))
    keys_by_label = {label: key for key, label in labels.items()}
    place_names = queries.places(wh)["name"].tolist()
    few_articles = queries.article_count(wh) <= ARTICLE_CHOICES_MAX
    titles: dict[str, str] = {}
    if few_articles:
        article_rows = queries.article_list(wh, ARTICLE_CHOICES_MAX)
        titles = dict(zip(article_rows["id"].tolist(), article_rows["title"].tolist()))
    bounds = queries.year_bounds(wh) or (2000, 2030)

    def is_article(value: str) -> bool:
        # With many articles the id box itself says when an id is unknown (below).
        return value in titles if few_articles else True

    url = {key: st.query_params.get_all(key) for key in ("indicator", "places", "article", "years")}
    notes = _notes_for_invalid(url, labels, place_names, is_article, bounds)
    if notes:
        st.session_state["ignored_url_values"] = notes
    if "indicator" not in st.session_state and url["indicator"] and url["indicator"][0] in labels:
        st.session_state["indicator"] = labels[url["indicator"][0]]
    if ARTICLE_TO_OPEN in st.session_state:
        st.session_state["article"] = st.session_state.pop(ARTICLE_TO_OPEN)

    with st.sidebar:
        st.header("Filters")
        label = st.selectbox("Indicator", list(keys_by_label), index=list(keys_by_label).index(labels[DEFAULT_INDICATOR]),
                             key="indicator", bind="query-params")
        if bounds[0] < bounds[1]:
            year_from, year_to = st.slider("Years", bounds[0], bounds[1], bounds, key="years",
                                           bind="query-params")
        else:
            year_from, year_to = bounds
            st.caption(f"Years: {bounds[0]} (the only year with figures)")
        chosen_places = st.multiselect(
            "Places", place_names, default=[], key="places", bind="query-params",
            placeholder="All places", help="China, Shanghai, or districts. Empty shows every place.")
        if few_articles:
            article = st.selectbox("Source (article id)", [ALL_SOURCES, *titles], key="article",
                                   bind="query-params", help="Empty shows figures from every article.")
            title = titles.get(article) if article else None
        else:
            typed = st.text_input("Source (article id)", key="article", bind="query-params", max_chars=200,
                                  help="An article id (see By source); empty shows figures from every article.")
            article = typed.strip()
            title = queries.article_title(wh, article) if article else None
            if article and title is None:
                st.warning(f"No article {article[:60]!r} in the warehouse; showing every source.", icon="⚠️")
                article = ALL_SOURCES
        if title:
            st.caption(title)
        for note in st.session_state.get("ignored_url_values", []):
            st.warning(f"Ignored from the link: {note}.", icon="⚠️")
    return ViewFilter(keys_by_label[label], int(year_from), int(year_to), tuple(chosen_places), article or None)


def current() -> ViewFilter:
    """The view the sidebar holds now (pages call this; the sidebar is drawn by dashboard.py)."""
    return st.session_state.get("view") or ViewFilter(DEFAULT_INDICATOR)


def as_dict(view: ViewFilter) -> dict:
    """The filters as a plain record, for snapshot metadata."""
    return {"indicator": view.indicator, "years": [view.year_from, view.year_to],
            "places": list(view.places), "article": view.article}
