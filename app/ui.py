"""Blocks every page shares: intro line, empty state, fact table with provenance, downloads."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
import streamlit as st

from app import export, filters, queries
from app import format as fmt
from app.highlight import sentence_html
from app.queries import ViewFilter, Warehouse

SOURCE_PAGE = "pages/by_source.py"


def intro(text: str) -> None:
    st.caption(text)


def empty(message: str) -> None:
    st.info(message, icon="ℹ️")


def warehouse() -> Warehouse:
    """The served warehouse; when there is none, say how to build one and stop the page."""
    wh = queries.open_warehouse()
    if wh is None:
        empty("No warehouse yet. Put article files in data/articles and run `python -m etl build`.")
        st.stop()
    return wh


def open_article(article_id: str) -> None:
    """Go to the By source page showing this article: the sidebar's source filter set to it."""
    st.session_state[filters.ARTICLE_TO_OPEN] = article_id
    # The sidebar's widgets write their values back to the new page's URL. Given no
    # query_params, switch_page instead refuses to clear parameters bound to widgets.
    st.switch_page(SOURCE_PAGE, query_params={})


def provenance(row) -> None:
    """Where a figure comes from: article, date, outlet and its sentence with the figure marked."""
    published = row.published.date().isoformat() if pd.notna(row.published) else "date not stated"
    outlet = row.outlet if isinstance(row.outlet, str) else "outlet unknown"
    st.markdown(f"**{fmt.figure(row.value, row.unit, row.qualifier)}** · {row.period_label} · {row.geo}")
    st.markdown(f"Source: *{row.title}* ({published}, {outlet}), article `{row.article}`")
    st.html(f'<blockquote style="font-size:1.05rem">{sentence_html(row.sentence, row.figure_text)}</blockquote>')


def _display(frame: pd.DataFrame) -> pd.DataFrame:
    # .tolist() first: iterating Arrow-backed string columns value by value is slow
    shown = pd.DataFrame({
        "Indicator": frame["label"], "Figure": [fmt.figure(v, u, q) for v, u, q in
                                                zip(frame["value"].tolist(), frame["unit"].tolist(),
                                                    frame["qualifier"].tolist())],
        "Place": frame["geo"], "Period": frame["period_label"], "YoY": frame["yoy_pct"].map(fmt.yoy),
        "Qualifier": frame["qualifier"].map(fmt.QUALIFIER_WORDS), "Source": frame["title"],
        "Date": frame["published"], "Sentence": frame["sentence"],
    })
    if frame["corrected"].any():
        shown.insert(2, "Corrected", frame["corrected"].map({True: "corrected", False: ""}))
    return shown


def fact_table(facts: pd.DataFrame, total: int, key: str) -> None:
    """The rows behind a view; selecting one shows its provenance and can open its article."""
    if total > len(facts):
        st.caption(f"Showing the newest {len(facts):,} of {total:,} facts; narrow the filters, "
                   "or export everything from Downloads.")
    event = st.dataframe(_display(facts), hide_index=True, on_select="rerun", selection_mode="single-row",
                         key=key, column_config={"Sentence": st.column_config.TextColumn(width="large"),
                                                 "Date": st.column_config.DateColumn(format="YYYY-MM-DD")})
    rows = event.selection.rows if event else []
    if rows:
        row = facts.iloc[rows[0]]
        with st.container(border=True):
            provenance(row)
            if st.button("Open this article", key=f"{key}-open"):
                open_article(row.article)


def linked_table(frame: pd.DataFrame, key: str, empty_message: str, article_column: str = "article") -> None:
    """A table in which selecting a row opens that row's article on By source."""
    if frame.empty:
        empty(empty_message)
        return
    event = st.dataframe(frame, hide_index=True, on_select="rerun", selection_mode="single-row", key=key)
    if event.selection.rows:
        chosen = frame.iloc[event.selection.rows[0]][article_column]
        if isinstance(chosen, str):
            open_article(chosen)


def selected_point(event) -> str | None:
    """The article of the chart point a user selected, if any."""
    points = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else \
        getattr(getattr(event, "selection", None), "points", [])
    for point in points:
        article = point.get("customdata")   # the charts give each point its article's id
        if article:
            return article
    return None


def downloads(facts: pd.DataFrame, view: ViewFilter, wh: Warehouse, key: str) -> None:
    """'Download CSV' of exactly the rows shown, and the same as a reproducible snapshot zip.

    The files are made when a button is clicked, not on every rerun of the page.
    """
    name = export.file_name(view.indicator, view.places, (view.year_from, view.year_to), date.today())
    build = queries.build_info(wh).iloc[0].to_dict()

    def snapshot() -> bytes:
        csv = export.csv_bytes(facts)
        meta = export.metadata(filters.as_dict(view), build, csv, len(facts), datetime.now(timezone.utc))
        return export.snapshot_zip(csv, meta, name)

    left, right = st.columns(2)
    left.download_button("Download CSV", lambda: export.csv_bytes(facts), file_name=name, mime="text/csv",
                         key=f"{key}-csv", on_click="ignore", icon=":material/download:")
    right.download_button("Download snapshot (CSV + metadata, zip)", snapshot,
                          file_name=name.replace(".csv", ".zip"), mime="application/zip", key=f"{key}-zip",
                          on_click="ignore", icon=":material/inventory_2:")
