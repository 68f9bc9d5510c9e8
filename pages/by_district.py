import streamlit as st

from app import charts, filters, queries, ui
from app.queries import ViewFilter

st.title("By district")
ui.intro("Shanghai's districts compared on one indicator: the latest figure of each within the chosen years. "
         "Sub-areas such as West Hongqiao or Lingang count under their district.")

wh = ui.warehouse()
view = filters.current()
districts = queries.places(wh).query("level == 'district'")["name"].tolist()
chosen = tuple(p for p in view.places if p in districts) or tuple(districts)
district_view = ViewFilter(view.indicator, view.year_from, view.year_to, chosen, view.article)
label, unit = queries.label_and_unit(wh, view.indicator)
st.subheader(f"{label}, {view.year_from}–{view.year_to}")

latest = queries.district_latest(wh, district_view)
if latest.empty:
    ui.empty(f"No district-level figures for “{label}” in these years. District news mostly reports "
             "events: try Projects signed, Partners signed up or Event attendance.")
    st.stop()

map_column, bar_column = st.columns([3, 2])
with map_column:
    event = st.plotly_chart(charts.district_map(latest, unit), on_select="rerun", selection_mode="points",
                            key="district-map")
with bar_column:
    bar_event = st.plotly_chart(charts.by_district(latest, unit), on_select="rerun", selection_mode="points",
                                key="district-bars")
chosen_article = ui.selected_point(event) or ui.selected_point(bar_event)
if chosen_article:
    ui.open_article(chosen_article)
st.caption("Each district's latest figure in the period, not a total: figures are never added up across "
           "articles or periods. Grey districts have no figure for this indicator.")

facts = queries.facts(wh, district_view)
ui.fact_table(facts, queries.count_facts(wh, district_view), key="by-district-table")
ui.downloads(facts, district_view, wh, key="by-district")
