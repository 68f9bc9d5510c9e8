import streamlit as st

from app import filters, queries, ui
from app import format as fmt
from app.queries import ViewFilter

st.title("Overview")
ui.intro("The latest figure of each core indicator, with its period, its change on a year earlier and the "
         "article it comes from. Shown for Shanghai unless places are chosen in the sidebar.")

wh = ui.warehouse()
view = filters.current()
places = view.places or ("Shanghai",)
latest = queries.latest(wh, ViewFilter(None, view.year_from, view.year_to, places, view.article), None)
if latest.empty:
    ui.empty("No figures for these places and years. Widen the years or clear the source filter.")
    st.stop()

for place in places:
    mine = latest[latest["geo"] == place]
    if mine.empty:
        continue
    st.subheader(place)
    core = mine[mine["tier"] == "core"]
    columns = st.columns(3)
    for i, row in enumerate(core.itertuples()):
        with columns[i % 3]:
            label = f"{row.label}: {row.counterpart}" if isinstance(row.counterpart, str) else row.label
            st.metric(label, fmt.figure(row.value, row.unit, row.qualifier), delta=fmt.yoy(row.yoy_pct) or None,
                      help=f"{fmt.QUALIFIER_WORDS[row.qualifier]}. {row.sentence}", border=True)
            st.caption(f"{row.period_label} · source: {row.title} (`{row.article}`)")

st.subheader("Latest figure of every indicator")
total = len(latest)
ui.fact_table(latest, total, key="overview-table")
ui.downloads(latest, ViewFilter(None, view.year_from, view.year_to, places, view.article), wh, key="overview")
